"""When a source is due: once per `refresh` period, periods aligned to UTC multiples of it.

Scheduled CI runs start late by varying amounts; with `last_attempt + refresh` an hourly
cron would skip a "1h" source whenever a run started less late than the one before.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feeds.config import load_config
from feeds.report import seconds_until_due
from feeds.sourcestate import SourceState, SourceStates

from .conftest import LocalServer
from .pages import article_page
from .test_service import Site

DAY = datetime(2025, 5, 6, tzinfo=timezone.utc)


def at(hour: int, minute: int = 0, second: int = 0, day: datetime = DAY) -> datetime:
    return day.replace(hour=hour, minute=minute, second=second)


def attempted(when: datetime) -> SourceState:
    return SourceState(last_attempt=when)


def test_an_hourly_source_is_due_at_the_next_clock_hour_not_an_hour_later() -> None:
    state, hour = attempted(at(10, 27)), timedelta(hours=1)
    assert state.next_due(hour) == at(11)
    assert not state.is_due(hour, at(10, 59, 59))
    assert state.is_due(hour, at(11))  # inclusive
    assert state.is_due(hour, at(11, 20))  # 53 minutes later: the next run of a late cron


def test_six_hour_periods_start_at_0_6_12_18_utc() -> None:
    state, six = attempted(at(6, 17)), timedelta(hours=6)
    assert state.next_due(six) == at(12)
    assert not state.is_due(six, at(11, 59))
    assert state.is_due(six, at(12))
    assert attempted(at(23, 59)).next_due(six) == at(0, day=DAY + timedelta(days=1))


def test_an_attempt_on_a_boundary_waits_a_whole_period() -> None:
    state = attempted(at(12))
    assert state.next_due(timedelta(hours=6)) == at(18)
    assert not state.is_due(timedelta(hours=6), at(17, 59, 59))


def test_boundaries_are_utc_whatever_the_zone_of_the_attempt() -> None:
    shanghai = timezone(timedelta(hours=8))
    state = attempted(datetime(2025, 5, 6, 14, 17, tzinfo=shanghai))  # 06:17 UTC
    assert state.next_due(timedelta(hours=6)) == at(12)
    assert not state.is_due(timedelta(hours=6), datetime(2025, 5, 6, 19, 59, tzinfo=shanghai))
    assert state.is_due(timedelta(hours=6), datetime(2025, 5, 6, 20, 0, tzinfo=shanghai))


def test_boundaries_are_exact_to_the_microsecond() -> None:
    odd = timedelta(hours=1, minutes=30)  # 90-minute periods from the epoch: ..., 09:00, 10:30, 12:00
    assert attempted(at(10, 29, 59).replace(microsecond=999_999)).next_due(odd) == at(10, 30)
    assert attempted(at(10, 30)).next_due(odd) == at(12)
    assert attempted(at(10, 27)).next_due(timedelta(days=1)) == at(0, day=DAY + timedelta(days=1))


def test_without_refresh_or_an_attempt_a_source_is_always_due() -> None:
    assert SourceState().next_due(timedelta(hours=1)) is None
    assert SourceState().is_due(timedelta(hours=1), at(10))
    assert attempted(at(10)).next_due(None) is None
    assert attempted(at(10)).is_due(None, at(10))


def hourly_cron_fetches(refresh: timedelta, runs: int = 48, seed: int = 332) -> list[bool]:
    """Which runs of a "17 * * * *" cron, each starting 0-15 minutes late, fetch the source."""
    late = random.Random(seed)
    state, fetched = SourceState(), []
    for run in range(runs):
        now = at(0, 17) + timedelta(hours=run, seconds=late.randint(0, 15 * 60))
        due = state.is_due(refresh, now)
        fetched.append(due)
        if due:
            state = attempted(now)  # what a build records, on success and on failure
    return fetched


@pytest.mark.parametrize("refresh", [timedelta(hours=1), timedelta(minutes=30)])
def test_an_hourly_cron_running_late_fetches_an_hourly_source_on_every_run(refresh: timedelta) -> None:
    assert hourly_cron_fetches(refresh) == [True] * 48


def test_an_hourly_cron_running_late_fetches_a_two_hour_source_once_per_period() -> None:
    assert hourly_cron_fetches(timedelta(hours=2)) == [True, False] * 24  # runs at 00:17+, 02:17+, ... fetch


def test_an_hourly_cron_fetches_a_six_hour_source_four_times_a_day() -> None:
    fetched = hourly_cron_fetches(timedelta(hours=6))
    assert [run for run, due in enumerate(fetched) if due] == list(range(0, 48, 6))


def test_watch_sleeps_until_the_next_boundary(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[site]\nbase_url = "https://feeds.example.org/"\n'
        '[[sources]]\nname = "hourly"\nurl = "https://example.org/a"\nrefresh = "1h"\n'
        '[[sources]]\nname = "daily"\nurl = "https://example.org/b"\nrefresh = "1d"\n',
        encoding="utf-8",
    )
    config = load_config(config_file)
    states = SourceStates.load(tmp_path / "state" / "cache" / "sources.json")
    states.set("hourly", attempted(at(10, 27)))
    states.set("daily", attempted(at(10, 27)))
    states.save()

    assert seconds_until_due(config, None, 3600, now=at(10, 40)) == 20 * 60  # not 47 minutes
    assert seconds_until_due(config, None, 600, now=at(10, 40)) == 600  # never past `longest`
    assert seconds_until_due(config, None, 3600, now=at(11, 20)) == 1.0  # overdue: at once

    states.set("hourly", attempted(at(11, 20)))
    states.save()
    assert seconds_until_due(config, None, 86400, now=at(11, 30)) == 30 * 60


def test_builds_of_a_late_hourly_cron_fetch_an_hourly_source_every_time(tmp_path: Path, server: LocalServer) -> None:
    site = Site(tmp_path, server)
    url = site.source("a", "/a.html", 'refresh = "1h"')
    server.add("/a.html", article_page(url, "A"))
    site.build(at(10, 27))  # 10 minutes late
    assert site.build(at(10, 50)).sources[0].outcome == "skipped"  # same hour
    assert site.build(at(11, 20)).sources[0].outcome != "skipped"  # 3 minutes late, 53 later
    assert len(server.hits("/a.html")) == 2
