"""Write output files atomically, and only when their bytes changed.

A reader polling the published site must never see a half-written feed, and a rebuild
with nothing new must leave files (and their mtimes, and git) untouched.

The rename makes each file appear whole or not at all, which is what a killed build
needs. There is no fsync: it would guard against power loss only, and cost a disk flush
per file, which dominates a build with hundreds of sources.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def writable_problem(directory: Path) -> str | None:
    """Why files cannot be written in `directory` (created if missing), or None."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        return f"{directory} is not a writable directory ({error.strerror or error})"
    return None


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data`; return whether anything changed."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
