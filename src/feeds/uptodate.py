"""Whether the published files are already what rendering would write now.

Rendering reads the config, the history, the sources' status, the failure notices and
the remembered category slugs, and runs this package's code. A build records a key over
all of those next to the list of files it published; the next build computes the key
again and, when it matches and every file is still as it was left, skips rendering: a
scheduled build with nothing due or nothing new then costs little more than reading the
config. The history and the code enter the key by file size and mtime, which is cheap
and errs only one way: a touched but identical file costs one needless render.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .publish import write_if_changed

log = logging.getLogger(__name__)

STAMP_FILENAME = "published.json"
"""In the state directory's cache: the key of the last render and the files it wrote."""

_PACKAGE = Path(__file__).resolve().parent


def inputs_key(output_dir: Path, parts: Iterable[bytes], history_dir: Path) -> str:
    """A fingerprint of everything a render reads, and of where it writes."""
    key = hashlib.sha256()
    key.update(os.fsencode(output_dir.resolve()))
    for part in parts:
        key.update(len(part).to_bytes(8, "big"))
        key.update(part)
    for directory in (history_dir, _PACKAGE):
        key.update(_listing(directory))
    return key.hexdigest()


def is_up_to_date(stamp_path: Path, key: str, output_dir: Path) -> list[Path] | None:
    """The files the last render published, if `key` is its key and they are intact."""
    try:
        stamp = json.loads(stamp_path.read_text("utf-8"))
        if stamp["key"] != key:
            return None
        files = {str(name): tuple(mark) for name, mark in stamp["files"].items()}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.warning("%s ignored (everything is rendered again): %s", stamp_path, error)
        return None
    paths = [output_dir / name for name in sorted(files)]
    if any(_mark(path) != files[path.name] for path in paths):
        return None
    return paths


def record(stamp_path: Path, key: str, files: Sequence[Path]) -> None:
    marks = {path.name: _mark(path) for path in sorted(files)}
    text = json.dumps({"key": key, "files": marks}, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    write_if_changed(stamp_path, text.encode("utf-8"))


def _mark(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)


def _listing(directory: Path) -> bytes:
    """Name, size and mtime of every file under `directory`, in a stable order."""
    rows = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(root, name)
            info = os.stat(path)
            rows.append(f"{os.path.relpath(path, directory)}\0{info.st_size}\0{info.st_mtime_ns}\n")
    return "".join(rows).encode("utf-8", "surrogateescape")
