"""How log records reach the user: one line each on stderr, `warning: ...`.

Set up by the CLI, and again in each parse worker, which does not inherit it.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "warning: %(message)s"


def configure(level: int) -> None:
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr)


def configured_level() -> int | None:
    """The level set by `configure` in this process, or None if logging is left alone."""
    root = logging.getLogger()
    return root.level if root.handlers else None
