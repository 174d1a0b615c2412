"""Tests for feeds.dates: parse_date and parse_count."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.dates import parse_count, parse_date

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
UTC = timezone.utc
PLUS8 = timedelta(hours=8)

# Fetch time for most cases: Thursday 2025-07-03 18:00 in Shanghai.
NOW = datetime(2025, 7, 3, 18, 0, tzinfo=SH)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def assert_exact(result: datetime | None, expected: datetime) -> None:
    """Same instant, same wall-clock time and same UTC offset."""
    assert result is not None
    assert result.tzinfo is not None and result.utcoffset() is not None
    assert result == expected
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert result.utcoffset() == expected.utcoffset()


# --- absolute dates -------------------------------------------------------

ABSOLUTE_SHANGHAI = [
    ("2025-07-03T15:20:00", sh(2025, 7, 3, 15, 20)),
    ("2025-05-06", sh(2025, 5, 6)),
    ("2025-05-05 01:38", sh(2025, 5, 5, 1, 38)),
    ("2025-05-05 01:38:12", sh(2025, 5, 5, 1, 38, 12)),
    ("2025-05-05 1:38", sh(2025, 5, 5, 1, 38)),
    ("2024/01/02", sh(2024, 1, 2)),
    ("2024/1/2 8:05", sh(2024, 1, 2, 8, 5)),
    ("2024.01.02", sh(2024, 1, 2)),
    ("2024.1.2 08:05:09", sh(2024, 1, 2, 8, 5, 9)),
    ("2025年07月03日 15:20", sh(2025, 7, 3, 15, 20)),
    ("2025年7月3日", sh(2025, 7, 3)),
    ("2025年07月03日15:20:09", sh(2025, 7, 3, 15, 20, 9)),
    ("2025 年 7 月 3 日", sh(2025, 7, 3)),
    ("2025年7月3号 15:20", sh(2025, 7, 3, 15, 20)),
    ("2025年7月3日 15时20分", sh(2025, 7, 3, 15, 20)),
    ("2025年7月3日 下午3:20", sh(2025, 7, 3, 15, 20)),
    ("2025年7月3日 上午12:05", sh(2025, 7, 3, 0, 5)),
    ("２０２５年７月３日　１５：２０", sh(2025, 7, 3, 15, 20)),  # full-width
    ("May 6, 2025", sh(2025, 5, 6)),
    ("6 May 2025", sh(2025, 5, 6)),
    ("May 6, 2025 9:12 am", sh(2025, 5, 6, 9, 12)),
    ("May 6, 2025 9:12 PM", sh(2025, 5, 6, 21, 12)),
    ("May 6, 2025 12:05 a.m.", sh(2025, 5, 6, 0, 5)),
    ("May 6, 2025 12:05 pm", sh(2025, 5, 6, 12, 5)),
    ("May 6, 2025 at 9:12", sh(2025, 5, 6, 9, 12)),
    ("September 30, 2024", sh(2024, 9, 30)),
    ("Sept. 3, 2024", sh(2024, 9, 3)),
    ("Jan 2nd, 2024", sh(2024, 1, 2)),
    ("21st March 2024", sh(2024, 3, 21)),
    ("06 May 2025 09:12:00", sh(2025, 5, 6, 9, 12)),
    # Noise around a clearly delimited date.
    ("发布时间：2025年07月03日 15:20", sh(2025, 7, 3, 15, 20)),
    ("时间: 2025-07-03", sh(2025, 7, 3)),
    ("Published: May 6, 2025", sh(2025, 5, 6)),
    ("来源：新华社 发布日期：2024-01-02 浏览次数：521", sh(2024, 1, 2)),
    ("  \n\t2025-05-05 01:38 \xa0", sh(2025, 5, 5, 1, 38)),
    ("(2024/01/02)", sh(2024, 1, 2)),
    # The first date wins.
    ("2024-01-02 更新于 2024-03-04", sh(2024, 1, 2)),
    # A dated form beats a relative word earlier in the text.
    ("今天推荐 2024-01-02", sh(2024, 1, 2)),
    # Exactly two days ahead is still plausible (clock skew, timezone mix-ups).
    ("2025-07-05 18:00", sh(2025, 7, 5, 18, 0)),
    ("1995-01-01", sh(1995, 1, 1)),
]


@pytest.mark.parametrize(("text", "expected"), ABSOLUTE_SHANGHAI)
def test_absolute_dates_get_source_timezone(text: str, expected: datetime) -> None:
    result = parse_date(text, SH, NOW)
    assert_exact(result, expected)
    assert result is not None and result.utcoffset() == PLUS8


EXPLICIT_OFFSETS = [
    ("2025-05-06T09:12:00+08:00", datetime(2025, 5, 6, 9, 12, tzinfo=timezone(PLUS8))),
    ("2025-05-06T09:12:00Z", datetime(2025, 5, 6, 9, 12, tzinfo=UTC)),
    ("2025-05-06T09:12:00.5Z", datetime(2025, 5, 6, 9, 12, 0, 500000, tzinfo=UTC)),
    ("2025-05-06T09:12:00.123456789-05:00", datetime(2025, 5, 6, 9, 12, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))),
    ("2025-05-06T09:12+0530", datetime(2025, 5, 6, 9, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
    ("2025-05-06 09:12:00 +0000", datetime(2025, 5, 6, 9, 12, tzinfo=UTC)),
    ("2025-05-06 09:12 UTC+8", datetime(2025, 5, 6, 9, 12, tzinfo=timezone(PLUS8))),
    ("2025-05-06 09:12 GMT+08:00", datetime(2025, 5, 6, 9, 12, tzinfo=timezone(PLUS8))),
    ("Tue, 06 May 2025 09:12:00 +0800", datetime(2025, 5, 6, 9, 12, tzinfo=timezone(PLUS8))),
    ("Tue, 06 May 2025 09:12:00 GMT", datetime(2025, 5, 6, 9, 12, tzinfo=UTC)),
    ("Tue, 06 May 2025 09:12:00 UT", datetime(2025, 5, 6, 9, 12, tzinfo=UTC)),
    ("Tue, 06 May 2025 09:12:00 EST", datetime(2025, 5, 6, 9, 12, tzinfo=timezone(timedelta(hours=-5)))),
    ("Mon, 5 May 2025 23:59:59 -0700", datetime(2025, 5, 5, 23, 59, 59, tzinfo=timezone(timedelta(hours=-7)))),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), EXPLICIT_OFFSETS)
def test_explicit_offset_is_kept(text: str, expected: datetime) -> None:
    assert_exact(parse_date(text, SH, NOW), expected)


def test_cst_means_the_source_timezone() -> None:
    # On Chinese sites "CST" is China Standard Time, not US Central.
    result = parse_date("Tue, 06 May 2025 09:12:00 CST", SH, NOW)
    assert_exact(result, sh(2025, 5, 6, 9, 12))


def test_naive_date_in_other_timezone() -> None:
    now = datetime(2025, 7, 3, 12, 0, tzinfo=NY)
    result = parse_date("2025-01-15 09:00", NY, now)
    assert_exact(result, datetime(2025, 1, 15, 9, 0, tzinfo=NY))
    assert result is not None and result.utcoffset() == timedelta(hours=-5)
    summer = parse_date("2025-06-15 09:00", NY, now)
    assert_exact(summer, datetime(2025, 6, 15, 9, 0, tzinfo=NY))
    assert summer is not None and summer.utcoffset() == timedelta(hours=-4)


def test_nonexistent_local_time_uses_fold_0() -> None:
    # 02:30 does not exist in Berlin on 2025-03-30; zoneinfo's fold=0 gives the old offset.
    now = datetime(2025, 4, 1, tzinfo=BERLIN)
    result = parse_date("2025-03-30 02:30", BERLIN, now)
    assert_exact(result, datetime(2025, 3, 30, 2, 30, tzinfo=BERLIN))
    assert result is not None and result.utcoffset() == timedelta(hours=1)


def test_ambiguous_local_time_uses_fold_0() -> None:
    # 02:30 happens twice in Berlin on 2025-10-26; fold=0 is the first (summer time).
    now = datetime(2025, 11, 1, tzinfo=BERLIN)
    result = parse_date("2025-10-26 02:30", BERLIN, now)
    assert_exact(result, datetime(2025, 10, 26, 2, 30, tzinfo=BERLIN))
    assert result is not None and result.utcoffset() == timedelta(hours=2)


# --- month and day without a year -------------------------------------------

MONTH_DAY = [
    ("05-03 12:30", sh(2025, 5, 3, 12, 30)),
    ("5月3日", sh(2025, 5, 3)),
    ("5月3号 08:05", sh(2025, 5, 3, 8, 5)),
    ("07/01 09:00", sh(2025, 7, 1, 9, 0)),
    ("更新：06-30", sh(2025, 6, 30)),
    # Up to two days ahead stays in this year ...
    ("07-05", sh(2025, 7, 5)),
    ("7月5日 18:00", sh(2025, 7, 5, 18, 0)),
    # ... further ahead means last year.
    ("7月5日 18:01", sh(2024, 7, 5, 18, 1)),
    ("07-06 12:00", sh(2024, 7, 6, 12, 0)),
    ("12-31", sh(2024, 12, 31)),
    ("12月31日 23:59", sh(2024, 12, 31, 23, 59)),
]


@pytest.mark.parametrize(("text", "expected"), MONTH_DAY)
def test_month_day_infers_year(text: str, expected: datetime) -> None:
    result = parse_date(text, SH, NOW)
    assert_exact(result, expected)
    assert result is not None and result.utcoffset() == PLUS8


def test_month_day_uses_year_of_now_in_source_timezone() -> None:
    # Still 2024 in UTC, already 2025-01-01 01:00 in Shanghai.
    now = datetime(2024, 12, 31, 17, 0, tzinfo=UTC)
    assert_exact(parse_date("1月1日 00:30", SH, now), sh(2025, 1, 1, 0, 30))
    assert_exact(parse_date("12-31 23:00", SH, now), sh(2024, 12, 31, 23, 0))


# --- relative dates -----------------------------------------------------------

RELATIVE_SHANGHAI = [
    ("刚刚", sh(2025, 7, 3, 18, 0)),
    ("刚才", sh(2025, 7, 3, 18, 0)),
    ("just now", sh(2025, 7, 3, 18, 0)),
    ("Just now", sh(2025, 7, 3, 18, 0)),
    ("30秒前", sh(2025, 7, 3, 17, 59, 30)),
    ("5分钟前", sh(2025, 7, 3, 17, 55)),
    ("3小时前", sh(2025, 7, 3, 15, 0)),
    ("3个小时前", sh(2025, 7, 3, 15, 0)),
    ("半小时前", sh(2025, 7, 3, 17, 30)),
    ("两天前", sh(2025, 7, 1, 18, 0)),
    ("2天前", sh(2025, 7, 1, 18, 0)),
    ("3 天前", sh(2025, 6, 30, 18, 0)),
    ("1周前", sh(2025, 6, 26, 18, 0)),
    ("2个月前", sh(2025, 5, 4, 18, 0)),
    ("1年前", sh(2024, 7, 3, 18, 0)),
    ("发布于 5分钟前", sh(2025, 7, 3, 17, 55)),
    ("5 seconds ago", sh(2025, 7, 3, 17, 59, 55)),
    ("1 second ago", sh(2025, 7, 3, 17, 59, 59)),
    ("10 minutes ago", sh(2025, 7, 3, 17, 50)),
    ("1 minute ago", sh(2025, 7, 3, 17, 59)),
    ("5 mins ago", sh(2025, 7, 3, 17, 55)),
    ("an hour ago", sh(2025, 7, 3, 17, 0)),
    ("2 hours ago", sh(2025, 7, 3, 16, 0)),
    ("a day ago", sh(2025, 7, 2, 18, 0)),
    ("3 days ago", sh(2025, 6, 30, 18, 0)),
    ("1 week ago", sh(2025, 6, 26, 18, 0)),
    ("2 weeks ago", sh(2025, 6, 19, 18, 0)),
    ("Posted 2 Hours Ago", sh(2025, 7, 3, 16, 0)),
    ("昨天 08:30", sh(2025, 7, 2, 8, 30)),
    ("昨天08:30", sh(2025, 7, 2, 8, 30)),
    ("昨天", sh(2025, 7, 2)),
    ("前天 10:00", sh(2025, 7, 1, 10, 0)),
    ("前天", sh(2025, 7, 1)),
    ("大前天", sh(2025, 6, 30)),
    ("今天 08:30", sh(2025, 7, 3, 8, 30)),
    ("今天08:30:15", sh(2025, 7, 3, 8, 30, 15)),
    ("昨天 下午3:15", sh(2025, 7, 2, 15, 15)),
    ("yesterday", sh(2025, 7, 2)),
    ("Yesterday", sh(2025, 7, 2)),
    ("yesterday at 8:30", sh(2025, 7, 2, 8, 30)),
    ("Yesterday, 8:30 PM", sh(2025, 7, 2, 20, 30)),
    ("today 08:30", sh(2025, 7, 3, 8, 30)),
    ("Today at 9:05 am", sh(2025, 7, 3, 9, 5)),
]


@pytest.mark.parametrize(("text", "expected"), RELATIVE_SHANGHAI)
def test_relative_dates(text: str, expected: datetime) -> None:
    result = parse_date(text, SH, NOW)
    assert_exact(result, expected)
    assert result is not None and result.utcoffset() == PLUS8


def test_relative_result_is_in_source_timezone_even_if_now_is_not() -> None:
    now_utc = NOW.astimezone(UTC)  # 10:00 UTC
    assert_exact(parse_date("3小时前", SH, now_utc), sh(2025, 7, 3, 15, 0))
    assert_exact(parse_date("刚刚", SH, now_utc), sh(2025, 7, 3, 18, 0))
    assert_exact(parse_date("昨天 08:30", SH, now_utc), sh(2025, 7, 2, 8, 30))


def test_day_words_use_calendar_day_in_source_timezone() -> None:
    # 2025-07-03 20:00 UTC is already 2025-07-04 04:00 in Shanghai.
    now = datetime(2025, 7, 3, 20, 0, tzinfo=UTC)
    assert_exact(parse_date("今天 08:30", SH, now), sh(2025, 7, 4, 8, 30))
    assert_exact(parse_date("昨天 23:00", SH, now), sh(2025, 7, 3, 23, 0))


# DST change in Berlin: 2025-03-30 02:00 CET -> 03:00 CEST.
BERLIN_NOW = datetime(2025, 3, 30, 12, 0, tzinfo=BERLIN)
CET = timedelta(hours=1)
CEST = timedelta(hours=2)

DST_CASES = [
    # Calendar arithmetic: yesterday's wall-clock time, in yesterday's offset.
    ("昨天 08:30", datetime(2025, 3, 29, 8, 30, tzinfo=BERLIN), CET),
    ("昨天", datetime(2025, 3, 29, 0, 0, tzinfo=BERLIN), CET),
    ("yesterday at 8:30", datetime(2025, 3, 29, 8, 30, tzinfo=BERLIN), CET),
    ("前天 12:00", datetime(2025, 3, 28, 12, 0, tzinfo=BERLIN), CET),
    ("今天 01:30", datetime(2025, 3, 30, 1, 30, tzinfo=BERLIN), CET),
    ("今天 08:30", datetime(2025, 3, 30, 8, 30, tzinfo=BERLIN), CEST),
    # Durations: absolute time. 12:00 CEST is 10:00 UTC; minus 24h is 11:00 CET.
    ("1天前", datetime(2025, 3, 29, 11, 0, tzinfo=BERLIN), CET),
    ("a day ago", datetime(2025, 3, 29, 11, 0, tzinfo=BERLIN), CET),
    ("12小时前", datetime(2025, 3, 29, 23, 0, tzinfo=BERLIN), CET),
    ("10 hours ago", datetime(2025, 3, 30, 1, 0, tzinfo=BERLIN), CET),
    ("9 hours ago", datetime(2025, 3, 30, 3, 0, tzinfo=BERLIN), CEST),
]


@pytest.mark.parametrize(("text", "expected", "offset"), DST_CASES)
def test_relative_dates_across_dst_change(text: str, expected: datetime, offset: timedelta) -> None:
    result = parse_date(text, BERLIN, BERLIN_NOW)
    assert_exact(result, expected)
    assert result is not None and result.utcoffset() == offset


def test_yesterday_is_not_now_minus_24_hours_across_dst() -> None:
    result = parse_date("昨天 12:00", BERLIN, BERLIN_NOW)
    assert result is not None
    # Subtract in UTC: between datetimes sharing a tzinfo, "-" works on wall clocks.
    assert BERLIN_NOW.astimezone(UTC) - result.astimezone(UTC) == timedelta(hours=23)


def test_naive_now_is_taken_in_source_timezone() -> None:
    assert_exact(parse_date("3小时前", SH, datetime(2025, 7, 3, 18, 0)), sh(2025, 7, 3, 15, 0))


# --- sanity -----------------------------------------------------------------------

IMPLAUSIBLE = [
    None,
    "",
    "   ",
    "\n\t\u3000",
    "no date here",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-01-32",
    "2024-01-02 25:00",
    "2024-01-02 23:60",
    "2024年2月30日",
    "Feb 30, 2024",
    "0000-01-01",
    "0001-01-01",
    "1994-12-31",
    "1970-01-01T00:00:00Z",
    "9999-12-31",
    "9999-12-31T23:59:59Z",
    "2025-07-06",  # three days after now
    "2025-07-05 18:00:01",
    "2030年1月1日",
    "2月30日",
    "99999999999小时前",
    "99999999999999999999天前",
    "9" * 5000 + "秒前",
    "100000 days ago",
    "20000天前",  # before 1995
    "2025-05-06T09:12:00+25:00",
    "2025-05-06T09:12:00+08:99",
    "05-03-2025",  # M-D-Y vs D-M-Y is ambiguous: refuse
    "May 2025",
    "3.5",
    "12:30",
]


@pytest.mark.parametrize("text", IMPLAUSIBLE)
def test_implausible_or_unparseable_is_none(text: str | None) -> None:
    assert parse_date(text, SH, NOW) is None


def test_non_string_input_is_none() -> None:
    assert parse_date(20250503, SH, NOW) is None  # type: ignore[arg-type]


def test_now_near_datetime_max_does_not_raise() -> None:
    now = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert parse_date("2025-05-06", UTC, now) == datetime(2025, 5, 6, tzinfo=UTC)
    assert parse_date("刚刚", UTC, now) is not None


# --- properties -----------------------------------------------------------------

ZONES: list[tzinfo] = [SH, BERLIN, NY, UTC, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]
PROPERTY_NOW = datetime(2025, 7, 3, 18, 0, tzinfo=SH)
DATEISH = st.text(
    alphabet="0123456789-/:.,+ TZ年月日号时分秒前天昨今刚小时周个半两十am pmGMTUTCMayJanago dyhours",
    max_size=40,
)


def _within_bounds(result: datetime | None, now: datetime) -> bool:
    if result is None:
        return True
    return result.utcoffset() is not None and result.year >= 1995 and result <= now + timedelta(days=2)


@settings(max_examples=400)
@given(text=st.one_of(st.text(), DATEISH), tz=st.sampled_from(ZONES))
def test_parse_date_never_raises(text: str, tz: tzinfo) -> None:
    assert _within_bounds(parse_date(text, tz, PROPERTY_NOW), PROPERTY_NOW)


@settings(max_examples=200)
@given(
    text=DATEISH,
    tz=st.sampled_from(ZONES),
    now=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from(ZONES)
    ),
)
def test_parse_date_bounds_hold_for_any_now(text: str, tz: tzinfo, now: datetime) -> None:
    assert _within_bounds(parse_date(text, tz, now), now)


FIXED_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@settings(max_examples=300)
@given(
    d=st.datetimes(
        min_value=datetime(1995, 1, 2),
        max_value=datetime(2025, 7, 1),
        timezones=st.one_of(st.timezones(), FIXED_OFFSETS),
    ),
    tz=st.sampled_from(ZONES),
)
def test_isoformat_round_trip(d: datetime, tz: tzinfo) -> None:
    result = parse_date(d.isoformat(), tz, PROPERTY_NOW)
    assert result is not None
    # Compare in UTC: == between zones is always False for fold-dependent times (PEP 495).
    assert result.astimezone(UTC) == d.astimezone(UTC)
    assert result.utcoffset() == d.utcoffset()


@settings(max_examples=200)
@given(d=st.datetimes(min_value=datetime(1995, 1, 2), max_value=datetime(2025, 7, 1)))
def test_naive_isoformat_round_trip_gets_source_timezone(d: datetime) -> None:
    result = parse_date(d.isoformat(sep=" "), SH, PROPERTY_NOW)
    assert_exact(result, d.replace(tzinfo=SH))


# --- view counts ----------------------------------------------------------------

COUNTS = [
    ("521", 521),
    ("0", 0),
    ("1,234", 1234),
    ("12,345,678", 12345678),
    ("1.2K", 1200),
    ("1.2k", 1200),
    ("4.7k", 4700),
    ("3.4w", 34000),
    ("3.4W", 34000),
    ("3.4万", 34000),
    ("10万+", 100000),
    ("1.5M", 1500000),
    ("1.5m", 1500000),
    ("1.2亿", 120000000),
    ("2千", 2000),
    ("1.2345K", 1235),
    ("阅读 521", 521),
    ("阅读：1.2w", 12000),
    ("521 views", 521),
    ("1.2K views", 1200),
    ("浏览(521)", 521),
    ("浏览次数：521次", 521),
    ("５２１", 521),
    ("5 weeks", 5),
]


@pytest.mark.parametrize(("text", "expected"), COUNTS)
def test_parse_count(text: str, expected: int) -> None:
    result = parse_count(text)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("text", [None, "", "   ", "views", "阅读", "K", "万", "-", "1" * 40])
def test_parse_count_nonsense_is_none(text: str | None) -> None:
    assert parse_count(text) is None


@given(st.text())
def test_parse_count_never_raises(text: str) -> None:
    result = parse_count(text)
    assert result is None or (type(result) is int and result >= 0)
