"""Dates and view counts as news pages print them.

`parse_date` turns the text of a date as it appears on a page or in an
attribute (Chinese WordPress themes, government sites, English sites) into a
timezone-aware datetime:

* absolute dates: ISO 8601 / RFC 3339, ``2024/1/2 8:05``, ``2024.01.02``,
  ``2025年7月3日 15:20``, RFC 822 and English ``May 6, 2025`` / ``6 May 2025``;
* month and day without a year: ``05-03 12:30``, ``5月3日``;
* relative dates: ``刚刚``, ``3小时前``, ``昨天 08:30``, ``2 days ago``,
  ``yesterday at 8:30`` ...

Text around the date is tolerated. Patterns are tried in three tiers: dates
with a year, then relative dates, then month/day without a year (the weakest
evidence); within a tier the leftmost match wins, and that match alone decides
the result. Naive dates are placed in the source's timezone; implausible
results (before 1995, more than two days after the fetch time, impossible
calendar dates) come back as None. Neither function raises on any string.

`parse_count` reads view counts such as ``1,234``, ``1.2K``, ``3.4万``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

__all__ = ["parse_count", "parse_date"]

MIN_YEAR = 1995
FUTURE_TOLERANCE = timedelta(days=2)
# Real UTC offsets lie within -12:00..+14:00; anything larger is a misread,
# e.g. the end of a time range such as "12:00-18:00".
_MAX_OFFSET = timedelta(hours=14)

# Input is NFKC-normalised and whitespace-folded first, so patterns only ever
# see ASCII digits and single spaces; re.ASCII keeps \d from matching other
# scripts' digits.
_FLAGS = re.ASCII | re.IGNORECASE

_MONTHS = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

# Between a date and its time: ISO "T", a space, a comma, or "at".
_DT_SEP = r"(?:T|\s?,?\s?(?:at\s)?)"
_TIME = (
    r"(?:(?P<pre>上午|下午|晚上|凌晨|早上)\s?)?"
    r"(?P<hour>\d{1,2})[:时点](?P<minute>\d{2})"
    r"(?:[:分](?P<second>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?[分秒]?"
    r"(?:\s?(?P<post>[ap]\.?m\.?)(?![a-z]))?"
)
# Either a zone name (optionally followed by an offset, as in "UTC+8") or a
# bare offset, which must carry minutes ("+08:00", "+0800").
_ZONE = (
    r"(?:\s?(?P<zname>Z|UTC|GMT|UT|EST|EDT|MST|MDT|PST|PDT)(?![a-z])"
    r"(?P<zoff>[+-]\d{1,2}(?::?\d{2})?)?"
    r"|\s?(?P<offset>[+-]\d{2}:?\d{2}(?::?\d{2})?))?"
)
# CST/CDT are left out on purpose: on Chinese sites "CST" means China Standard
# Time, which the source timezone already covers when the date is read as naive.
_NAMED_ZONES = {
    "Z": timedelta(0),
    "UTC": timedelta(0),
    "GMT": timedelta(0),
    "UT": timedelta(0),
    "EST": timedelta(hours=-5),
    "EDT": timedelta(hours=-4),
    "MST": timedelta(hours=-7),
    "MDT": timedelta(hours=-6),
    "PST": timedelta(hours=-8),
    "PDT": timedelta(hours=-7),
}
_PM_MARKERS = frozenset({"pm", "下午", "晚上"})
_AM_MARKERS = frozenset({"am", "上午", "凌晨", "早上"})

_SECOND = timedelta(seconds=1)
_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_WEEK = timedelta(weeks=1)
_MONTH = timedelta(days=30)
_YEAR = timedelta(days=365)
_ZH_UNITS = {
    "秒": _SECOND, "秒钟": _SECOND, "分": _MINUTE, "分钟": _MINUTE,
    "小时": _HOUR, "钟头": _HOUR, "天": _DAY, "日": _DAY,
    "周": _WEEK, "星期": _WEEK, "礼拜": _WEEK, "月": _MONTH, "年": _YEAR,
}  # fmt: skip
_EN_UNITS = {
    "second": _SECOND, "sec": _SECOND, "minute": _MINUTE, "min": _MINUTE,
    "hour": _HOUR, "hr": _HOUR, "day": _DAY, "week": _WEEK, "wk": _WEEK,
    "month": _MONTH, "year": _YEAR, "yr": _YEAR,
}  # fmt: skip
_ZH_NUMERALS = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "半": 0.5,
}  # fmt: skip
_EN_NUMERALS = {"a": 1, "an": 1, "one": 1}
_DAY_WORDS = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2, "大前天": 3}


@dataclass(frozen=True)
class _Context:
    tz: tzinfo
    now: datetime


# A match's groups, read once: Match.groupdict() builds a new dict on every call.
_Groups = dict[str, Any]
_Builder = Callable[[_Groups, _Context], datetime]


# --- building blocks ------------------------------------------------------


def _int(groups: _Groups, group: str) -> int:
    value = groups.get(group)
    return int(value) if value else 0


def _clock(groups: _Groups) -> time:
    """The time of day in a match (midnight when it has none)."""
    if groups.get("hour") is None:
        return time()
    hour = _apply_meridiem(_int(groups, "hour"), groups.get("pre") or groups.get("post"))
    frac = groups.get("frac") or ""
    microsecond = int(frac[:6].ljust(6, "0"))
    return time(hour, _int(groups, "minute"), _int(groups, "second"), microsecond)


def _apply_meridiem(hour: int, marker: str | None) -> int:
    if marker is None or not 1 <= hour <= 12:
        return hour
    marker = marker.replace(".", "").lower()
    if marker in _PM_MARKERS and hour < 12:
        return hour + 12
    if marker in _AM_MARKERS and hour == 12:
        return 0
    return hour


@lru_cache(maxsize=256)  # a site prints the same few offsets on every date
def _parse_offset(raw: str) -> timedelta:
    """``+08:00``, ``-0530``, ``+8``, ``+05:30:15`` -> a signed timedelta."""
    sign = -1 if raw[0] == "-" else 1
    body = raw[1:]
    if ":" in body:
        parts = body.split(":")
    elif len(body) <= 2:
        parts = [body]
    elif len(body) <= 4:
        parts = [body[:-2], body[-2:]]
    else:
        parts = [body[:2], body[2:4], body[4:]]
    hours, minutes, seconds = (int(part) for part in [*parts, "0", "0"][:3])
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"bad UTC offset {raw!r}")
    offset = sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if abs(offset) > _MAX_OFFSET:
        raise ValueError(f"implausible UTC offset {raw!r}")
    return offset


def _explicit_zone(groups: _Groups) -> tzinfo | None:
    """The timezone printed with the date, if any."""
    if groups.get("offset"):
        return timezone(_parse_offset(groups["offset"]))
    name = groups.get("zname")
    if not name:
        return None
    offset = _NAMED_ZONES[name.upper()]
    if groups.get("zoff"):
        offset += _parse_offset(groups["zoff"])
    return timezone(offset)


def _absolute(year: int, month: int, day: int, groups: _Groups, ctx: _Context) -> datetime:
    naive = datetime.combine(date(year, month, day), _clock(groups))
    # replace() rather than localize-style arithmetic: zoneinfo resolves
    # ambiguous and nonexistent wall times through fold=0.
    return naive.replace(tzinfo=_explicit_zone(groups) or ctx.tz)


def _local_now(ctx: _Context) -> datetime:
    return ctx.now.astimezone(ctx.tz)


def _utc(value: datetime) -> datetime:
    # Arithmetic and comparison between datetimes sharing a tzinfo work on wall
    # clocks and ignore DST; in UTC they are exact.
    return value.astimezone(timezone.utc)


def _is_future(value: datetime, now: datetime) -> bool:
    """More than FUTURE_TOLERANCE after `now`."""
    return _utc(value) - _utc(now) > FUTURE_TOLERANCE


# --- builders, one per pattern --------------------------------------------


def _build_ymd(groups: _Groups, ctx: _Context) -> datetime:
    return _absolute(_int(groups, "year"), _int(groups, "month"), _int(groups, "day"), groups, ctx)


def _build_english(groups: _Groups, ctx: _Context) -> datetime:
    month = _MONTH_NUMBERS[groups["mon"][:3].lower()]
    return _absolute(_int(groups, "year"), month, _int(groups, "day"), groups, ctx)


def _build_month_day(groups: _Groups, ctx: _Context) -> datetime:
    """Month and day only: this year in `tz`, or last year if that is in the future."""
    clock = _clock(groups)
    year = _local_now(ctx).year
    candidate = datetime.combine(date(year, _int(groups, "month"), _int(groups, "day")), clock, ctx.tz)
    if _is_future(candidate, ctx.now):
        candidate = candidate.replace(year=year - 1)
    return candidate


def _build_just_now(groups: _Groups, ctx: _Context) -> datetime:
    return _local_now(ctx)


def _build_ago(groups: _Groups, ctx: _Context) -> datetime:
    """``N unit ago``: a duration, so subtracted in absolute time."""
    raw_count, raw_unit = groups["n"], groups["unit"].lower()
    count: float
    if raw_count.isdigit():
        count = int(raw_count)
    else:
        count = _ZH_NUMERALS.get(raw_count) or _EN_NUMERALS[raw_count.lower()]
    unit = _ZH_UNITS.get(raw_unit.removeprefix("个")) or _EN_UNITS[raw_unit.removesuffix("s")]
    return (_utc(ctx.now) - unit * count).astimezone(ctx.tz)


def _build_day_word(groups: _Groups, ctx: _Context) -> datetime:
    """``昨天 08:30``: a calendar day in `tz`, not ``now - 24h`` (they differ across DST)."""
    day = _local_now(ctx).date() - timedelta(days=_DAY_WORDS[groups["word"].lower()])
    return datetime.combine(day, _clock(groups), ctx.tz)


# --- patterns -------------------------------------------------------------


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


_WITH_TIME = rf"(?:{_DT_SEP}{_TIME}{_ZONE})?(?!\d)"

_NUMERIC_YMD = _rx(
    r"(?<!\d)(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})" + _WITH_TIME
)
_CHINESE_YMD = _rx(
    r"(?<!\d)(?P<year>\d{4})\s?年\s?(?P<month>\d{1,2})\s?月\s?(?P<day>\d{1,2})\s?[日号]?"
    + _WITH_TIME
)
_ENGLISH_MDY = _rx(
    rf"\b{_MONTHS}\.?\s?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,\s?|\s)(?P<year>\d{{4}})" + _WITH_TIME
)
_ENGLISH_DMY = _rx(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s?{_MONTHS}\.?,?\s?(?P<year>\d{{4}})" + _WITH_TIME
)
_JUST_NOW = _rx(r"刚刚|刚才|\bjust\snow\b")
_ZH_AGO = _rx(
    r"(?<![\d.一二两三四五六七八九十])(?P<n>\d+|[一二两三四五六七八九十半])\s?"
    r"(?P<unit>秒钟?|分钟?|个?小时|个?钟头|天|日|个?星期|周|个?礼拜|个?月|年)\s?之?前"
)
_EN_AGO = _rx(
    r"(?<![\w.])(?P<n>\d+|an?|one)\s?"
    r"(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|years?|yrs?)"
    r"\sago\b"
)
_DAY_WORD = _rx(rf"(?P<word>大前天|前天|昨天|今天|\byesterday\b|\btoday\b)(?:{_DT_SEP}{_TIME})?(?!\d)")
_NUMERIC_MD = _rx(
    r"(?<![\d/.-])(?<!\d:)(?P<month>\d{1,2})[-/](?P<day>\d{1,2})(?![\d/-])"
    rf"(?:{_DT_SEP}{_TIME})?(?!\d)"
)
_CHINESE_MD = _rx(
    rf"(?<!\d)(?P<month>\d{{1,2}})\s?月\s?(?P<day>\d{{1,2}})\s?[日号](?:{_DT_SEP}{_TIME})?(?!\d)"
)

_TIERS: tuple[tuple[tuple[re.Pattern[str], _Builder], ...], ...] = (
    (
        (_NUMERIC_YMD, _build_ymd),
        (_CHINESE_YMD, _build_ymd),
        (_ENGLISH_MDY, _build_english),
        (_ENGLISH_DMY, _build_english),
    ),
    (
        (_JUST_NOW, _build_just_now),
        (_ZH_AGO, _build_ago),
        (_EN_AGO, _build_ago),
        (_DAY_WORD, _build_day_word),
    ),
    (
        (_NUMERIC_MD, _build_month_day),
        (_CHINESE_MD, _build_month_day),
    ),
)


# --- public API -----------------------------------------------------------


def _normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII, whitespace runs to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _first_match(text: str, ctx: _Context) -> datetime | None:
    for tier in _TIERS:
        best: tuple[re.Match[str], _Builder] | None = None
        for pattern, build in tier:
            match = pattern.search(text)
            # The leftmost match wins; on a tie, the pattern listed first.
            if match and (best is None or match.start() < best[0].start()):
                best = match, build
                if match.start() == 0:
                    break  # nothing starts earlier (ISO 8601 dates usually stop here)
        if best is not None:
            match, build = best
            return build(match.groupdict(), ctx)
    return None


def _is_plausible(value: datetime, now: datetime) -> bool:
    return value.year >= MIN_YEAR and not _is_future(value, now)


def parse_date(text: str | None, tz: tzinfo, now: datetime) -> datetime | None:
    """Parse a date as printed on a news page into an aware datetime.

    `tz` is the source's timezone, applied to naive dates and used for calendar
    arithmetic; `now` is the aware fetch time that relative dates are resolved
    against (a naive `now` is taken to be in `tz`). Returns None when nothing
    parses or the result is implausible; never raises for any string.
    """
    if not isinstance(text, str):
        return None
    cleaned = _normalise(text)
    if not cleaned:
        return None
    if now.utcoffset() is None:
        now = now.replace(tzinfo=tz)
    try:
        result = _first_match(cleaned, _Context(tz, now))
        if result is None or not _is_plausible(result, now):
            return None
    except (ValueError, OverflowError):
        # Impossible dates, out-of-range offsets, durations too large for timedelta.
        return None
    return result


# --- view counts ----------------------------------------------------------

_COUNT = re.compile(
    r"(?<![\d.])(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"\s?(?P<suffix>[kwm](?![a-z])|万|亿|千)?",
    _FLAGS,
)
_COUNT_MULTIPLIERS = {
    "k": 1_000,
    "千": 1_000,
    "w": 10_000,
    "万": 10_000,
    "m": 1_000_000,
    "亿": 100_000_000,
}
# Longer digit runs are ids or timestamps, not view counts.
_MAX_COUNT_DIGITS = 15


def parse_count(text: str | None) -> int | None:
    """The first number in `text`, with its K/w/万/M/亿 suffix applied, e.g. ``1.2K`` -> 1200."""
    if not isinstance(text, str):
        return None
    match = _COUNT.search(_normalise(text))
    if match is None:
        return None
    digits = match["int"].replace(",", "")
    if len(digits) > _MAX_COUNT_DIGITS:
        return None
    try:
        value = Decimal(f"{digits}.{match['frac'] or '0'}")
    except InvalidOperation:
        return None
    suffix = match["suffix"]
    if suffix:
        value *= _COUNT_MULTIPLIERS[suffix.lower()]
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))
