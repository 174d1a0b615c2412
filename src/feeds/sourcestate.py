"""What a build remembers about fetching each source: validators, schedule, failures.

This state is a cache, unlike the history store: losing it costs one unconditional
fetch of every source, never an entry. It lives in `cache/sources.json` beside the
history so a scheduled job can keep it in a cache rather than commit it, since it
changes on every run.

Validators are only trusted for the exact history they were saved with: if the history
file of a source differs (say the job's commit of it failed), a 304 could otherwise hide
entries that were never stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .fetch import Validators
from .publish import write_if_changed

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class SourceState:
    location: str = ""
    etag: str | None = None
    last_modified: str | None = None
    history_digest: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    entries: int = 0
    """How many entries the history holds for the source, for reports made without it."""

    def validators(self, location: str, history_digest: str | None) -> Validators | None:
        if location != self.location or history_digest != self.history_digest:
            return None
        if not (self.etag or self.last_modified):
            return None
        return Validators(etag=self.etag, last_modified=self.last_modified)

    def next_due(self, refresh: timedelta | None) -> datetime | None:
        """When the source is next due: the first boundary after `last_attempt` of the
        periods of length `refresh` counted from the Unix epoch (UTC), so "1h" means once
        per clock hour and "6h" once in each of 00-06, 06-12, ... UTC. None: due now.

        Not `last_attempt + refresh`: scheduled runs start late by varying amounts, so an
        hourly cron would find a "1h" source 53 minutes after a run that started 10
        minutes late, and skip it. Boundaries make it fetch on every run."""
        if refresh is None or self.last_attempt is None:
            return None
        periods = (self.last_attempt - _EPOCH) // refresh  # exact: integer microseconds
        return _EPOCH + (periods + 1) * refresh

    def is_due(self, refresh: timedelta | None, now: datetime) -> bool:
        due = self.next_due(refresh)
        return due is None or now >= due

    def succeeded(
        self, now: datetime, location: str, validators: Validators | None, history_digest: str, news: bool
    ) -> SourceState:
        """After a successful fetch. `last_success` moves only when the source gave news
        or recovered, so that reports built from it stay byte-identical while nothing
        changes; `last_attempt` always moves, and drives the schedule."""
        moved = news or self.last_success is None or self.failing_since is not None
        return replace(
            self,
            location=location,
            etag=validators.etag if validators else None,
            last_modified=validators.last_modified if validators else None,
            history_digest=history_digest,
            last_attempt=now,
            last_success=now if moved else self.last_success,
            last_error=None,
            consecutive_failures=0,
            failing_since=None,
        )

    def failed(self, now: datetime, error: str) -> SourceState:
        return replace(
            self,
            last_attempt=now,
            last_error=error,
            consecutive_failures=self.consecutive_failures + 1,
            failing_since=self.failing_since or now,
        )


@dataclass(slots=True)
class SourceStates:
    path: Path
    states: dict[str, SourceState] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SourceStates:
        states = cls(path)
        try:
            raw = json.loads(path.read_text("utf-8"))
            states.states = {name: _from_json(value) for name, value in raw.items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError) as error:
            log.warning("fetch cache %s ignored (every source is fetched in full): %s", path, error)
        return states

    def get(self, name: str) -> SourceState:
        return self.states.get(name, SourceState())

    def set(self, name: str, state: SourceState) -> None:
        self.states[name] = state

    def save(self) -> None:
        lines = [
            f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(_to_json(state), ensure_ascii=False, sort_keys=True)}"
            for name, state in sorted(self.states.items())
        ]
        text = "{\n" + ",\n".join(lines) + "\n}\n" if lines else "{}\n"
        write_if_changed(self.path, text.encode("utf-8", "surrogatepass"))


_DATES = ("last_attempt", "last_success", "failing_since")


def _to_json(state: SourceState) -> dict[str, Any]:
    data = {name: getattr(state, name) for name in SourceState.__dataclass_fields__}
    for name in _DATES:
        data[name] = data[name].isoformat() if data[name] else None
    return data


def _from_json(data: dict[str, Any]) -> SourceState:
    def when(name: str) -> datetime | None:
        value = data.get(name)
        return datetime.fromisoformat(value) if value else None

    return SourceState(
        location=data.get("location") or "",
        etag=data.get("etag"),
        last_modified=data.get("last_modified"),
        history_digest=data.get("history_digest"),
        last_attempt=when("last_attempt"),
        last_success=when("last_success"),
        last_error=data.get("last_error"),
        consecutive_failures=int(data.get("consecutive_failures") or 0),
        failing_since=when("failing_since"),
        entries=int(data.get("entries") or 0),
    )
