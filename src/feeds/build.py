"""One build: config → fetch → adapt → normalise → store → route → render → publish.

Sources are fetched concurrently with one async client and parsed in worker processes,
so a slow site or a heavy page holds up nothing else. Each source succeeds or fails on
its own; a failed source keeps its stored entries in every feed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from . import __version__
from .collect import KnownInFull, collect
from .config import Config, ConfigError, SourceConfig
from .fetch import Fetcher, Validators
from .locking import StateLock
from .models import Entry, FeedsError
from .notices import failure_notice
from .parsing import Parser
from .outputs import json_bytes, write_outputs
from .publish import writable_problem
from .sourcestate import SourceState, SourceStates
from .store import History, load_slugs, save_slugs
from .uptodate import STAMP_FILENAME, inputs_key, is_up_to_date
from .uptodate import record as record_published

Outcome = Literal["new", "unchanged", "not_modified", "failed", "skipped"]
ProgressCallback = Callable[[int, int, int], None]
"""Called with (sources done, sources due, failures so far)."""

SLUGS_FILENAME = "slugs.json"
"""In the state directory: the slug each category got, kept so feed addresses never move."""


@dataclass(slots=True)
class SourceResult:
    name: str
    adapter: str
    outcome: Outcome
    entries: list[Entry] = field(default_factory=list)
    error: str | None = None
    validators: Validators | None = None
    new: int = 0
    changed: int = 0
    state: SourceState = field(default_factory=SourceState)
    stored: int = 0

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


@dataclass(slots=True)
class BuildReport:
    sources: list[SourceResult]
    files: list[Path]
    """Every output file of this build."""
    changed: list[Path]
    """The output files whose bytes changed (and so were rewritten)."""

    def __repr__(self) -> str:
        # Short, because asyncio may repr the result of the task that ran the build
        # (restoring the SIGINT handler does), and the full one holds every entry.
        return (
            f"BuildReport(sources={len(self.sources)}, failed={len(self.failed)}, "
            f"files={len(self.files)}, changed={len(self.changed)})"
        )

    @property
    def failed(self) -> list[SourceResult]:
        return [source for source in self.sources if source.failed]

    @property
    def attempted(self) -> list[SourceResult]:
        return [source for source in self.sources if source.outcome != "skipped"]

    @property
    def all_failed(self) -> bool:
        attempted = self.attempted
        return bool(attempted) and all(source.failed for source in attempted)

    def status(self, with_outcome: bool = False) -> dict[str, object]:
        """The per-source report of status.json; `build --json` adds this build's outcome.

        status.json holds no per-build facts, so it stays byte-identical while nothing
        changes.
        """
        return {
            "sources": {
                result.name: {
                    "adapter": result.adapter,
                    "status": "failing" if result.state.failing_since else "ok",
                    **({"outcome": result.outcome} if with_outcome else {}),
                    "entries": result.stored,
                    "last_success": _iso(result.state.last_success),
                    "last_error": result.state.last_error,
                    "consecutive_failures": result.state.consecutive_failures,
                    "failing_since": _iso(result.state.failing_since),
                }
                for result in self.sources
            }
        }


def build(
    config: Config,
    output_dir: Path | None = None,
    state_dir: Path | None = None,
    now: datetime | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Build every feed of `config`; the synchronous entry point of the CLI."""
    return asyncio.run(build_async(config, output_dir, state_dir, now, force, progress))


async def build_async(
    config: Config,
    output_dir: Path | None = None,
    state_dir: Path | None = None,
    now: datetime | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    output = Path(output_dir or config.site.output_dir)
    state_root = Path(state_dir or config.site.state_dir)
    now = now or datetime.now(timezone.utc)
    entries_dir = state_root / "entries"
    for key, directory in (("site.output_dir", output), ("site.state_dir", state_root)):
        if problem := writable_problem(directory):
            raise ConfigError(config.path, key, problem)
    with StateLock(state_root):
        states = SourceStates.load(state_root / "cache" / "sources.json")
        due = [s for s in config.sources if force or states.get(s.name).is_due(s.refresh, now)]
        slugs_path, stamp = state_root / SLUGS_FILENAME, state_root / "cache" / STAMP_FILENAME
        slugs = load_slugs(slugs_path)
        history = History(entries_dir)  # read only if something is merged or rendered
        results = await _fetch_all(config, due, history, states, now, progress)
        _record_states(config.sources, results, history, states, now)
        history.save()
        if history.loaded:
            _count_entries(config.sources, history, states)
        _report_states(results, states)
        report = BuildReport(sources=results, files=[], changed=[])
        notices = _notices(config, states, now)

        def render_key() -> str:
            return _render_key(config, output, entries_dir, report, notices, slugs)

        published = is_up_to_date(stamp, render_key(), output)
        if published is None and not history.loaded:
            _count_entries(config.sources, history, states)  # the cached counts may be stale
            _report_states(results, states)
        states.save()
        if published is not None:
            report.files = published
            return report
        if report.all_failed and not len(history):
            return report  # a cold start with nothing read: keep whatever was published before
        entries = history.entries(source.name for source in config.sources) + notices
        report.files, report.changed, given = write_outputs(config, entries, output, report.status(), slugs)
        slugs = {**slugs, **given}
        save_slugs(slugs_path, slugs)
        record_published(stamp, render_key(), report.files)  # with the slugs as the next build reads them
    return report


def _render_key(
    config: Config,
    output: Path,
    entries_dir: Path,
    report: BuildReport,
    notices: list[Entry],
    slugs: Mapping[str, str],
) -> str:
    """What rendering reads, for `feeds.uptodate`."""
    parts = (
        __version__.encode(),
        repr(config).encode("utf-8", "surrogatepass"),
        json_bytes(report.status()),
        json_bytes([notice.to_json() for notice in notices]),
        json_bytes(dict(slugs)),
    )
    return inputs_key(output, parts, entries_dir)


async def _fetch_all(
    config: Config,
    due: Sequence[SourceConfig],
    history: History,
    states: SourceStates,
    now: datetime,
    progress: ProgressCallback | None,
) -> list[SourceResult]:
    """Fetch and parse the due sources, merging each one's entries into the history."""
    fetched: dict[str, SourceResult] = {}
    if due:
        # Taken before any merge: a merge may change another source's records.
        validators = [states.get(s.name).validators(s.url, history.digest(s.name)) for s in due]
        merger = _OrderedMerge(history, now, len(due))
        done = failures = 0
        async with Fetcher(config.fetch) as fetcher, Parser(workers_for=len(due)) as parser:

            async def run(position: int, source: SourceConfig) -> SourceResult:
                nonlocal done, failures
                result = await _run_source(source, fetcher, parser, validators[position], now, merger.known_in_full)
                merger.add(position, result)
                done += 1
                failures += result.failed
                if progress:
                    progress(done, len(due), failures)
                return result

            fetched = {r.name: r for r in await asyncio.gather(*(run(i, s) for i, s in enumerate(due)))}
    return [
        fetched.get(source.name) or SourceResult(source.name, source.adapter, "skipped")
        for source in config.sources
    ]


class _OrderedMerge:
    """Merges results into the history in config order, each as soon as those before it
    are in: merging while other sources are still parsing keeps it out of the build's
    tail, and the fixed order keeps the history the same whatever order sources finish in
    (two sources may give the same entry).

    Sources still being collected see the history as it was when the build began
    (`known_in_full`), so what they fetch does not depend on which source finished first.
    """

    def __init__(self, history: History, now: datetime, count: int) -> None:
        self._history = history
        self._now = now
        self._waiting: list[SourceResult | None] = [None] * count
        self._next = 0
        self._in_full_before: dict[str, bool] = {}
        """For each entry this build has merged: whether the history held it in full before."""

    def known_in_full(self, entry_id: str) -> bool:
        """Whether the history held the entry in full when the build began."""
        if entry_id in self._in_full_before:
            return self._in_full_before[entry_id]
        return self._history.has_in_full(entry_id)

    def add(self, position: int, result: SourceResult) -> None:
        self._waiting[position] = result
        while self._next < len(self._waiting) and (ready := self._waiting[self._next]) is not None:
            self._waiting[self._next] = None
            self._next += 1
            self._merge(ready)

    def _merge(self, result: SourceResult) -> None:
        if not result.entries:
            return
        for entry in result.entries:
            if entry.id not in self._in_full_before:
                self._in_full_before[entry.id] = self._history.has_in_full(entry.id)
        result.new, result.changed = self._history.record(result.entries, self._now)
        if result.new or result.changed:
            result.outcome = "new"
        self._history.digest(result.name)  # serialised now, while the workers parse


async def _run_source(
    source: SourceConfig,
    fetcher: Fetcher,
    parser: Parser,
    validators: Validators | None,
    now: datetime,
    known_in_full: KnownInFull,
) -> SourceResult:
    result = SourceResult(name=source.name, adapter=source.adapter, outcome="failed")
    try:
        collected = await collect(source, fetcher, parser, validators, now, known_in_full)
        result.validators = collected.validators
        if collected.not_modified:
            result.outcome = "not_modified"
            return result
        result.entries = collected.entries
        result.outcome = "unchanged"
    except FeedsError as error:
        result.error = str(error)
    except Exception as error:  # an adapter bug must not take the other sources down
        result.error = f"unexpected {type(error).__name__}: {error}"
    return result


def _record_states(
    sources: Sequence[SourceConfig],
    results: Sequence[SourceResult],
    history: History,
    states: SourceStates,
    now: datetime,
) -> None:
    """Record each source's fetch state, after every merge: merging can move an entry
    between sources, and so change another source's digest."""
    for source, result in zip(sources, results, strict=True):
        state = states.get(result.name)
        if result.failed:
            state = state.failed(now, result.error or "failed")
        elif result.outcome != "skipped":
            state = state.succeeded(
                now, source.url, result.validators, history.digest(result.name),
                news=result.outcome == "new",
            )
        states.set(result.name, state)


def _count_entries(sources: Sequence[SourceConfig], history: History, states: SourceStates) -> None:
    """Keep each source's entry count with its state, for reports made without the history."""
    for source in sources:
        state = states.get(source.name)
        if state.entries != history.count(source.name):
            states.set(source.name, dataclasses.replace(state, entries=history.count(source.name)))


def _report_states(results: Sequence[SourceResult], states: SourceStates) -> None:
    for result in results:
        result.state = states.get(result.name)
        result.stored = result.state.entries


def _notices(config: Config, states: SourceStates, now: datetime) -> list[Entry]:
    after = config.site.failure_notice_after
    if after is None:
        return []
    notices = (
        failure_notice(source.name, source.url, states.get(source.name), after, now, config.site.base_url)
        for source in config.sources
    )
    return [notice for notice in notices if notice is not None]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
