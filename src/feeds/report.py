"""What `build` and `watch` show a person: live progress, the summary table, the schedule."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TextIO

from .build import BuildReport
from .config import Config
from .sourcestate import SourceStates


class Progress:
    """One self-rewriting status line on a terminal; silent when disabled."""

    def __init__(self, enabled: bool, stream: TextIO = sys.stderr) -> None:
        self.enabled, self.stream = enabled, stream
        self._shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def update(self, done: int, total: int, failures: int) -> None:
        if not self.enabled:
            return
        self.stream.write(f"\r\x1b[Kfetching {done}/{total} sources, {failures} failed")
        self.stream.flush()
        self._shown = True


def print_report(report: BuildReport, stream: TextIO = sys.stdout) -> None:
    rows = [("source", "adapter", "this build", "entries", "new", "failures", "last success")]
    for result in report.sources:
        state = result.state
        rows.append((
            result.name,
            result.adapter,
            result.outcome.replace("_", " "),
            str(result.stored),
            str(result.new),
            str(state.consecutive_failures),
            state.last_success.isoformat(timespec="minutes") if state.last_success else "never",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=stream)
    print(f"\n{len(report.files)} files, {len(report.changed)} changed", file=stream)
    for path in report.changed:
        print(f"  wrote {path}", file=stream)


def seconds_until_due(
    config: Config, state_dir: Path | None, longest: float, now: datetime | None = None
) -> float:
    """How long `watch` may sleep before some source is due again (at least a second).
    Uses the same period boundaries as the build's `is_due`, so it wakes when one passes."""
    states = SourceStates.load(Path(state_dir or config.site.state_dir) / "cache" / "sources.json")
    now = now or datetime.now(timezone.utc)
    wait = longest
    for source in config.sources:
        due = states.get(source.name).next_due(source.refresh)
        if due is not None:
            wait = min(wait, (due - now).total_seconds())
    return max(wait, 1.0)
