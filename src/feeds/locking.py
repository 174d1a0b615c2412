"""One build at a time per state directory."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from .models import FeedsError


class BuildLocked(FeedsError):
    """Another build holds the state directory."""


class StateLock:
    """An exclusive lock on `state_dir/.lock`, released when the process ends, even by kill -9."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / ".lock"
        self._handle: int | None = None

    def __enter__(self) -> StateLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(handle)
            raise BuildLocked(
                f"another build is running on {self.path.parent} (pid {holder}); try again when it ends"
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, str(os.getpid()).encode(), 0)
        self._handle = handle
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            os.close(self._handle)
            self._handle = None
