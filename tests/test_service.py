"""Builds over time against a real local server: history, schedule, failures, notices."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.build import BuildReport, build
from feeds.config import load_config
from feeds.locking import StateLock

from .conftest import REPO, LocalServer, run_cli, write_config
from .pages import article_page

T0 = datetime(2025, 5, 6, 4, 0, tzinfo=timezone.utc)


class Site:
    """A config in a temporary directory whose sources are pages on the local server."""

    def __init__(self, tmp_path: Path, server: LocalServer, site_extra: str = "") -> None:
        self.dir, self.server = tmp_path, server
        self.site_extra = site_extra
        self.sources: list[str] = []

    def source(self, name: str, path: str, extra: str = "") -> str:
        self.sources.append(f'[[sources]]\nname = "{name}"\nurl = "{self.server.url(path)}"\n{extra}\n')
        return self.server.url(path)

    def build(self, now: datetime, force: bool = False) -> BuildReport:
        config = write_config(self.dir, "\n".join(self.sources), site=self.site_extra)
        return build(load_config(config), now=now, force=force)

    def feed(self, slug: str = "all") -> feedparser.FeedParserDict:
        return feedparser.parse((self.dir / "output" / f"{slug}.atom.xml").read_bytes())

    def ids(self, slug: str = "all") -> set[str]:
        return {entry.id for entry in self.feed(slug).entries}

    def status(self) -> dict:
        return json.loads((self.dir / "output" / "status.json").read_text("utf-8"))["sources"]


@pytest.fixture
def site(tmp_path: Path, server: LocalServer) -> Site:
    return Site(tmp_path, server)


def test_conditional_get_304_keeps_the_entries(site: Site, server: LocalServer) -> None:
    url = site.source("a", "/a.html")
    server.add("/a.html", article_page(url, "Story A", related=[("/r1.html", "Related 1", "2025-05-05 10:00")]), etag='"v1"')
    first = site.build(T0)
    assert first.sources[0].outcome == "new"
    before = {p.name: p.read_bytes() for p in (site.dir / "output").iterdir()}

    second = site.build(T0 + timedelta(hours=1))
    assert second.sources[0].outcome == "not_modified"
    assert server.hits("/a.html")[-1]["if-none-match"] == '"v1"'
    assert second.changed == []
    assert {p.name: p.read_bytes() for p in (site.dir / "output").iterdir()} == before
    assert site.ids() == {url, server.url("/r1.html")}


def test_a_failing_source_keeps_its_entries_and_recovers(site: Site, server: LocalServer) -> None:
    url = site.source("flaky", "/f.html")
    steady = site.source("steady", "/s.html")
    page = article_page(url, "Flaky story")
    server.add("/f.html", page)
    server.add("/s.html", article_page(steady, "Steady story"))
    site.build(T0)
    assert site.ids() == {url, steady}

    server.add("/f.html", b"down", status=500, content_type="text/plain")
    report = site.build(T0 + timedelta(hours=1))
    assert [s.name for s in report.failed] == ["flaky"] and not report.all_failed
    assert site.ids() == {url, steady}
    status = site.status()["flaky"]
    assert status["status"] == "failing"
    assert status["consecutive_failures"] == 1
    assert "HTTP 500" in status["last_error"]
    assert status["entries"] == 1
    assert status["failing_since"] == (T0 + timedelta(hours=1)).isoformat()

    server.add("/f.html", b"gone", status=404, content_type="text/plain")
    site.build(T0 + timedelta(hours=2))
    assert site.status()["flaky"]["consecutive_failures"] == 2
    assert site.ids() == {url, steady}

    server.add("/f.html", page)
    site.build(T0 + timedelta(hours=3))
    status = site.status()["flaky"]
    assert status == {
        "adapter": "article", "status": "ok", "entries": 1, "last_error": None,
        "consecutive_failures": 0, "failing_since": None, "last_success": (T0 + timedelta(hours=3)).isoformat(),
    }


@pytest.mark.parametrize("body", [b"", b"\x00\x01\x02 garbage", b"<html><body><p>no title</p></body></html>"])
def test_garbage_and_empty_extractions_are_failures(site: Site, server: LocalServer, body: bytes) -> None:
    good = site.source("good", "/g.html")
    site.source("bad", "/bad.html")
    server.add("/g.html", article_page(good, "Good"))
    server.add("/bad.html", body)
    report = site.build(T0)
    assert [s.name for s in report.failed] == ["bad"]
    assert site.ids() == {good}


def test_entries_stay_after_they_leave_the_page(site: Site, server: LocalServer) -> None:
    url = site.source("a", "/a.html")
    server.add("/a.html", article_page(url, "A", related=[("/1.html", "One", "2025-05-05 10:00"), ("/2.html", "Two", "2025-05-05 11:00")]))
    site.build(T0)
    server.add("/a.html", article_page(url, "A", related=[("/3.html", "Three", "2025-05-06 10:00")]))
    site.build(T0 + timedelta(hours=1))
    assert site.ids() == {url, *(server.url(f"/{n}.html") for n in (1, 2, 3))}


def test_sources_merge_in_config_order_whichever_finishes_first(tmp_path: Path, server: LocalServer) -> None:
    """Two pages list the same related story under different titles. The first source in
    the config gives it its title, however the fetches race; and both races publish the
    same bytes."""
    shared = server.url("/shared.html")

    def build_with(slow: str, directory: Path) -> dict[str, bytes]:
        directory.mkdir()
        site = Site(directory, server)
        for name in ("a", "b"):
            path = f"/race-{name}-{slow}.html"
            url = site.source(name, path)
            page = article_page(url, f"Story {name}", related=[(shared, f"Shared, as {name} tells it", "2025-05-05 10:00")])
            server.add(path, page, delay=0.4 if name == slow else 0.0)
        site.build(T0)
        assert {e.link: e.title for e in site.feed().entries}[shared] == "Shared, as a tells it"
        return {p.name: p.read_bytes().replace(f"-{slow}.html".encode(), b".html") for p in (directory / "output").iterdir()}

    assert build_with("a", tmp_path / "a-last") == build_with("b", tmp_path / "b-last")


def test_a_feed_keeps_its_newest_max_entries(tmp_path: Path, server: LocalServer) -> None:
    site = Site(tmp_path, server, site_extra="max_entries = 2")
    url = site.source("a", "/a.html")
    server.add("/a.html", article_page(url, "A", date="2025-05-01 00:00", related=[("/1.html", "One", "2025-05-05 10:00"), ("/2.html", "Two", "2025-05-03 11:00")]))
    site.build(T0)
    server.add("/a.html", article_page(url, "A", date="2025-05-01 00:00", related=[("/3.html", "Three", "2025-05-04 10:00")]))
    site.build(T0 + timedelta(hours=1))
    assert [e.id for e in site.feed().entries] == [server.url("/1.html"), server.url("/3.html")]


def test_relative_dates_are_frozen_at_first_sight(site: Site, server: LocalServer) -> None:
    url = site.source("a", "/a.html")
    server.add("/a.html", article_page(url, "A", related=[("/new.html", "Fresh", "3小时前")]))
    site.build(T0)
    site.build(T0 + timedelta(hours=5))
    [fresh] = [e for e in site.feed().entries if e.id.endswith("/new.html")]
    assert fresh.published == (T0 - timedelta(hours=3)).astimezone(timezone(timedelta(hours=8))).isoformat()


def test_sources_are_fetched_only_when_due_unless_forced(site: Site, server: LocalServer) -> None:
    url = site.source("slow", "/a.html", 'refresh = "6h"')
    server.add("/a.html", article_page(url, "A"))
    site.build(T0)
    assert len(server.hits("/a.html")) == 1
    report = site.build(T0 + timedelta(hours=1))
    assert report.sources[0].outcome == "skipped" and len(server.hits("/a.html")) == 1
    assert site.ids() == {url}
    site.build(T0 + timedelta(hours=1), force=True)
    assert len(server.hits("/a.html")) == 2
    site.build(T0 + timedelta(hours=7, minutes=1))
    assert len(server.hits("/a.html")) == 3


def test_failure_notice_appears_after_the_configured_time_and_leaves_on_recovery(tmp_path: Path, server: LocalServer) -> None:
    site = Site(tmp_path, server, site_extra='failure_notice_after = "2h"')
    url = site.source("a", "/a.html")
    page = article_page(url, "A")
    server.add("/a.html", page)
    site.build(T0)
    server.add("/a.html", b"", status=503, content_type="text/plain")
    site.build(T0 + timedelta(hours=1))
    site.build(T0 + timedelta(hours=2))
    assert site.ids() == {url}

    site.build(T0 + timedelta(hours=3, minutes=1))
    notices = [e for e in site.feed().entries if e.id.startswith("urn:feeds:failure:")]
    assert len(notices) == 1
    first_id = notices[0].id
    assert first_id == f"urn:feeds:failure:a:{(T0 + timedelta(hours=1)).isoformat()}"
    assert "is failing" in notices[0].title
    site.build(T0 + timedelta(hours=5))
    assert [e.id for e in site.feed().entries if e.id.startswith("urn:")] == [first_id]

    server.add("/a.html", page)
    site.build(T0 + timedelta(hours=6))
    assert site.ids() == {url}


def test_a_second_build_on_the_same_state_exits_with_a_clear_message(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with StateLock(state):
        result = run_cli("build", "--state", str(state), "--output", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "another build is running" in result.stderr and str(os.getpid()) in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("build", "--state", str(state), "--output", str(tmp_path / "out")).returncode == 0


def test_build_json_and_quiet(tmp_path: Path) -> None:
    state, out = str(tmp_path / "state"), str(tmp_path / "out")
    quiet = run_cli("build", "--state", state, "--output", out, "--quiet", check=True)
    assert quiet.stdout == "" and quiet.stderr == ""
    report = json.loads(run_cli("build", "--state", state, "--output", out, "--json", check=True).stdout)
    assert report["sources"]["camerich"]["outcome"] == "not_modified"
    assert report["sources"]["camerich"]["entries"] == 6


def _check_complete(directory: Path) -> None:
    """Every file present parses: nothing was left half-written."""
    for path in directory.rglob("*"):
        if path.is_dir() or path.name == ".lock":
            continue
        assert not path.name.endswith(".tmp") or path.name.startswith("."), path
        if path.suffix == ".xml":
            etree.parse(str(path))
        elif path.suffix == ".json":
            json.loads(path.read_text("utf-8"))


def _processes_marked(marker: str) -> list[int]:
    """Processes whose environment holds `marker` (inherited from a build started with it)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/environ").exists() else ():
        try:
            if entry.name.isdigit() and f"FEEDS_TEST_MARKER={marker}".encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def test_kill_9_mid_build_leaves_everything_whole_and_the_next_build_recovers(tmp_path: Path, server: LocalServer) -> None:
    sources = []
    for n in range(12):
        url = server.add(f"/p{n}.html", b"", delay=0.05)
        server.add(f"/p{n}.html", article_page(url, f"Story {n}", related=[(f"/r{n}.html", f"Related {n}", "2025-05-05 10:00")]), delay=0.05)
        sources.append(f'[[sources]]\nname = "s{n}"\nurl = "{url}"\n')
    config = tmp_path / "config.toml"
    config.write_text('[site]\nbase_url = "https://feeds.example.org/"\n[fetch]\nconcurrency = 2\n\n' + "\n".join(sources))
    now = "2025-05-06T04:00:00+00:00"

    reference = run_cli("build", "--config", str(config), "--state", str(tmp_path / "ref-state"), "--output", str(tmp_path / "ref"), "--now", now)
    assert reference.returncode == 0, reference.stderr
    expected = {p.name: p.read_bytes() for p in (tmp_path / "ref").iterdir()}

    rng = random.Random(7)
    state, out = tmp_path / "state", tmp_path / "out"
    marker = f"feeds-kill-test-{os.getpid()}-{tmp_path.name}"
    for _ in range(20):
        process = subprocess.Popen(
            [sys.executable, "-m", "feeds", "build", "--config", str(config), "--state", str(state), "--output", str(out), "--now", now, "--force"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "FEEDS_TEST_MARKER": marker},
        )
        time.sleep(rng.uniform(0.2, 1.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        _check_complete(state)
        if out.exists():
            _check_complete(out)
    # The killed builds' parse workers (and their forkserver) end with them (seen in /proc: Linux).
    deadline = time.monotonic() + 10
    while _processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_marked(marker) == []

    final = run_cli("build", "--config", str(config), "--state", str(state), "--output", str(out), "--now", now, "--force")
    assert final.returncode == 0, final.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == expected


def test_a_feed_declared_gb2312_served_over_http(site: Site, server: LocalServer) -> None:
    from .conftest import FIXTURES

    body = (FIXTURES / "feeds" / "rss-gb2312.xml").read_bytes()
    site.source("gov", "/rss.xml", 'adapter = "feed"')
    server.add("/rss.xml", body, content_type="application/rss+xml")  # no charset in the header
    report = site.build(T0)
    assert not report.failed
    titles = {entry.title for entry in site.feed().entries}
    assert {"县长朱镕基调研春耕生产", "关于开展“喆”字辈族谱整理的通知"} <= titles


def test_progress_line_on_a_terminal_only() -> None:
    import io

    from feeds.report import Progress

    shown = io.StringIO()
    with Progress(enabled=True, stream=shown) as progress:
        progress.update(3, 10, 1)
    assert "fetching 3/10 sources, 1 failed" in shown.getvalue()
    assert shown.getvalue().endswith("\r\x1b[K")

    hidden = io.StringIO()
    with Progress(enabled=False, stream=hidden) as progress:
        progress.update(3, 10, 1)
    assert hidden.getvalue() == ""


def test_watch_builds_then_stops_cleanly_on_ctrl_c(tmp_path: Path, server: LocalServer) -> None:
    url = server.add("/a.html", article_page(server.url("/a.html"), "Watched"))
    config = tmp_path / "config.toml"
    config.write_text(f'[site]\nbase_url = "https://feeds.example.org/"\n[[sources]]\nname = "a"\nurl = "{url}"\nrefresh = "1h"\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "feeds", "watch", "--config", str(config), "--interval", "30"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while not (tmp_path / "output" / "all.atom.xml").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (tmp_path / "output" / "all.atom.xml").exists()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    assert len(server.hits("/a.html")) == 1  # not due again before the next clock hour


def test_ttl_follows_the_sources_refresh_and_images_lead_the_content(site: Site, server: LocalServer) -> None:
    url = site.source("a", "/a.html", 'refresh = "2h"')
    page = article_page(url, "A", related=[("/r.html", "With a picture", "2025-05-05 10:00")])
    page = page.replace(b'<div class="item-content">', b'<div class="item-img"><img data-original="/pic.jpg" src="lazy.png"></div><div class="item-content">')
    server.add("/a.html", page)
    site.build(T0)
    channel = etree.parse(str(site.dir / "output" / "all.rss.xml")).getroot().find("channel")
    assert channel.findtext("ttl") == "120"
    [related] = [e for e in site.feed().entries if e.id.endswith("/r.html")]
    assert related.content[0].value.startswith(f'<p><img alt="" src="{server.url("/pic.jpg")}"')


def test_an_output_directory_that_cannot_be_written_exits_2_writing_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "output"
    blocked.write_text("a file, not a directory")
    state = tmp_path / "state"
    result = run_cli("build", "--output", str(blocked), "--state", str(state))
    assert result.returncode == 2
    assert result.stderr.startswith("error: config.toml: site.output_dir: ")
    assert "is not a writable directory" in result.stderr and "Traceback" not in result.stderr
    assert not state.exists()


def test_a_full_disk_fails_cleanly_and_keeps_the_previous_outputs(tmp_path: Path, server: LocalServer) -> None:
    import resource

    url = server.add("/a.html", article_page(server.url("/a.html"), "First"))
    config = tmp_path / "config.toml"
    config.write_text(f'[site]\nbase_url = "https://feeds.example.org/"\n[[sources]]\nname = "a"\nurl = "{url}"\n')
    run_cli("build", "--config", str(config), check=True)
    before = {p.name: p.read_bytes() for p in (tmp_path / "output").iterdir()}

    server.add("/a.html", article_page(url, "Second, and much longer: " + "内容" * 4000, body="正文" * 4000))

    def small_disk() -> None:  # files past 4 KB fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    full = subprocess.run(
        [sys.executable, "-m", "feeds", "build", "--config", str(config)],
        cwd=REPO, capture_output=True, text=True, timeout=60, preexec_fn=small_disk,
    )
    assert full.returncode == 1
    assert full.stderr.startswith("error: ") and "File too large" in full.stderr
    assert "Traceback" not in full.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "output").iterdir()} == before
    assert not list((tmp_path / "output").glob(".*.tmp"))

    run_cli("build", "--config", str(config), check=True)
    assert "Second, and much longer" in (tmp_path / "output" / "all.atom.xml").read_text("utf-8")


def test_category_slugs_are_remembered_across_builds(site: Site, server: LocalServer) -> None:
    url = site.source("a", "/a.html", 'category = "foo bar"')
    server.add("/a.html", article_page(url, "A"))
    site.build(T0)
    assert (site.dir / "output" / "foo-bar.atom.xml").exists()
    assert json.loads((site.dir / "state" / "slugs.json").read_text("utf-8")) == {"foo bar": "foo-bar"}

    other = site.source("b", "/b.html", 'category = "Foo Bar"')
    server.add("/b.html", article_page(other, "B"))
    site.build(T0 + timedelta(hours=1))
    assert {e.title for e in site.feed("foo-bar").entries} == {"A"}
    assert {e.title for e in site.feed("foo-bar-2").entries} == {"B"}


def test_parse_workers_that_cannot_start_fail_the_sources_not_the_build(
    site: Site, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the OS refuses new processes: every source fails with the reason, cleanly."""
    from feeds import parsing

    def refused() -> None:
        raise OSError("[Errno 11] Resource temporarily unavailable")

    monkeypatch.setattr(parsing, "_worker_context", refused)
    for n in range(parsing.MIN_SOURCES_FOR_WORKERS):
        url = site.source(f"s{n}", f"/w{n}.html")
        server.add(f"/w{n}.html", article_page(url, f"Story {n}"))
    report = site.build(T0)
    assert report.all_failed
    assert {result.error for result in report.sources} == {
        "unexpected OSError: [Errno 11] Resource temporarily unavailable"
    }


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_one_parse_worker_per_usable_core(site: Site, server: LocalServer) -> None:
    """As under `taskset -c 0` or a one-CPU container on a big host: one worker, not one
    per core of the machine, each holding its own copy of the parsers."""
    from feeds import parsing

    async def workers() -> int:
        async with parsing.Parser(workers_for=100) as parser:
            return parser.workers

    for n in range(parsing.MIN_SOURCES_FOR_WORKERS):
        url = site.source(f"s{n}", f"/one{n}.html")
        server.add(f"/one{n}.html", article_page(url, f"Story {n}"))
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        assert asyncio.run(workers()) == 1
        report = site.build(T0)
    finally:
        os.sched_setaffinity(0, allowed)
    assert not report.failed and len(site.ids()) == parsing.MIN_SOURCES_FOR_WORKERS
    assert asyncio.run(workers()) == min(len(allowed), 8)
    assert parsing.Parser(workers_for=parsing.MIN_SOURCES_FOR_WORKERS - 1).workers == 0
