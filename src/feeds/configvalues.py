"""Typed readers for values in config files: each names the file and key when it refuses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .models import FeedsError

_DURATION = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


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
    for amount, unit in parts:
        total += timedelta(**{_DURATION_UNITS[unit.lower()]: int(amount)})
    if total <= timedelta(0):
        raise ConfigError(file, key, "must be longer than zero")
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
    if not isinstance(value, str):
        raise ConfigError(file, key, f"must be a string, got {type(value).__name__}")
    return value


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
    if isinstance(value, bool) or not isinstance(value, allowed) or value < 0:
        raise ConfigError(file, key, f"must be a non-negative number, got {value!r}")
    return value


def strings(file: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ConfigError(file, key, f"must be a list of strings, got {type(value).__name__}")
    return [string(file, f"{key}[{index}]", item) for index, item in enumerate(value)]
