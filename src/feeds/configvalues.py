"""Typed readers for values in config files: each names the file and key when it refuses."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .models import FeedsError

_DURATION = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_DURATION = timedelta(days=3650)
"""The longest `refresh` or `failure_notice_after`: anything longer is a typo, and near
timedelta's own limit the schedule's arithmetic would overflow."""
MAX_SECONDS = 86_400.0
"""The longest timeout, backoff or Retry-After: a day."""
_LINE_BREAKS = frozenset("\t\n\r")


class ConfigError(FeedsError):
    """A configuration mistake, located by file and key."""

    def __init__(self, file: Path, key: str, message: str) -> None:
        self.file, self.key = file, key
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


def directory(file: Path, key: str, value: Any) -> Path:
    directory = Path(string(file, key, value))
    return directory if directory.is_absolute() else file.parent / directory


def duration(file: Path, key: str, value: Any) -> timedelta:
    """A duration such as "30m", "6h", "1d12h" or "90s"."""
    text = string(file, key, value).strip()
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip():
        raise ConfigError(file, key, f"{text!r} is not a duration (use e.g. \"30m\", \"6h\", \"1d\")")
    total = timedelta()
    try:
        for amount, unit in parts:
            total += timedelta(**{_DURATION_UNITS[unit.lower()]: int(amount)})
    except OverflowError:
        total = timedelta.max
    if total <= timedelta(0):
        raise ConfigError(file, key, "must be longer than zero")
    if total > MAX_DURATION:
        raise ConfigError(file, key, f"{text!r} is longer than the {MAX_DURATION.days} days allowed")
    return total


def timezone(file: Path, key: str, value: Any) -> tzinfo:
    name = string(file, key, value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(file, key, f"unknown timezone {name!r} (use an IANA name such as 'Asia/Shanghai')") from None


def check_keys(file: Path, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            path = f"{where}.{key}" if where else key
            raise ConfigError(file, path, unknown("key", key, allowed))


def unknown(what: str, value: str, known: set[str] | frozenset[str]) -> str:
    message = f"unknown {what} {value!r}"
    close = difflib.get_close_matches(value, sorted(known), n=1)
    if close:
        return f"{message} (did you mean {close[0]!r}?)"
    return f"{message} (known: {', '.join(sorted(known))})"


def table(file: Path, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(file, key, f"must be a table, got {type(value).__name__}")
    return value


def array(file: Path, key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(file, key, f"must be an array of tables ([[{key}]]), got {type(value).__name__}")
    return value


def string(file: Path, key: str, value: Any) -> str:
    """A string without control characters, but for tabs and line breaks: every string
    of the config may end up in an XML feed, which cannot carry the others."""
    if not isinstance(value, str):
        raise ConfigError(file, key, f"must be a string, got {type(value).__name__}")
    _refuse_controls(file, key, value, allowed=_LINE_BREAKS)
    return value


def line(file: Path, key: str, value: Any) -> str:
    """A one-line string: no control character at all, tabs and line breaks included
    (a title, a name, a URL, a header value)."""
    text = string(file, key, value)
    _refuse_controls(file, key, text, allowed=frozenset())
    return text


def _refuse_controls(file: Path, key: str, text: str, allowed: frozenset[str]) -> None:
    for character in text:
        if character not in allowed and (
            unicodedata.category(character) == "Cc" or character in "\ufffe\uffff"
        ):
            raise ConfigError(file, key, f"contains the control character U+{ord(character):04X}; remove it")


def positive_int(file: Path, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(file, key, f"must be a positive integer, got {value!r}")
    return value


def boolean(file: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(file, key, f"must be true or false, got {value!r}")
    return value


def non_negative(file: Path, key: str, value: Any, kind: type[int] | type[float]) -> int | float:
    allowed = (int, float) if kind is float else (int,)
    if isinstance(value, bool) or not isinstance(value, allowed) or not value >= 0:  # NaN too
        raise ConfigError(file, key, f"must be a non-negative number, got {value!r}")
    return value


def seconds(file: Path, key: str, value: Any, positive: bool = False) -> float:
    """A number of seconds, at most a day; zero is refused where `positive`."""
    number = float(non_negative(file, key, value, float))
    if positive and number == 0:
        raise ConfigError(file, key, "must be more than zero seconds")
    if not math.isfinite(number) or number > MAX_SECONDS:
        raise ConfigError(file, key, f"must be at most {MAX_SECONDS:g} seconds (a day), got {value!r}")
    return number


def strings(file: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ConfigError(file, key, f"must be a list of strings, got {type(value).__name__}")
    return [string(file, f"{key}[{index}]", item) for index, item in enumerate(value)]
