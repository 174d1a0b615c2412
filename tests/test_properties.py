"""Property tests: hostile text renders to valid feeds, the sanitiser's output is safe,
dates survive a round trip through the forms pages and feeds print them in.

Bounded (`max_examples`, no deadline) and derandomised so CI runs are repeatable.
"""

from __future__ import annotations

import calendar
import email.utils
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.dates import parse_date
from feeds.models import Entry
from feeds.normalise import normalise
from feeds.render import SiteInfo, render_atom, render_rss
from feeds.render_json import render_json
from feeds.route import FeedSpec, newest_first
from feeds.sanitize import sanitize_element, sanitize_html

from .test_render_json import VALIDATOR

SITE = SiteInfo(
    title="产业新闻",
    base_url="https://example.github.io/feeds/",
    author="编辑部",
    language="zh-CN",
)
FETCHED_AT = datetime(2025, 5, 7, 12, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- rendering checks shared with test_fuzz -----------------------------------------


def spec_of(entries: Sequence[Entry]) -> FeedSpec:
    return FeedSpec(
        slug="prop",
        title="产业新闻 · <&]]>",
        description="d",
        entries=tuple(newest_first(entries)),
    )


def assert_renders(entries: Sequence[Entry]) -> None:
    """`entries` (normalised) render to well-formed, feedparser-clean RSS and Atom and to
    schema-valid JSON Feed, each carrying exactly the entries' ids in the same order."""
    spec = spec_of(entries)
    ids = [entry.id for entry in spec.entries]
    for render in (render_rss, render_atom):
        document = render(spec, SITE)
        etree.fromstring(
            document, etree.XMLParser(resolve_entities=False, no_network=True)
        )
        parsed = feedparser.parse(document)
        assert not parsed.bozo, (render.__name__, parsed.get("bozo_exception"))
        assert [item.get("id") for item in parsed.entries] == ids, render.__name__
    feed = json.loads(render_json(spec, SITE))
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(feed)
    ]
    assert errors == []
    assert [item["id"] for item in feed["items"]] == ids


# --- 1. any text in any entry field --------------------------------------------------

NASTY = (
    "]]>",
    "<![CDATA[",
    "<",
    ">",
    "&",
    "&amp;",
    "&#0;",
    "&#x1;",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\x00",
    "\x0b",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\r\n",
    "\r",
    "\t",
    " ",
    '"',
    "'",
    "<script>alert(1)</script>",
    "<![CDATA[x]]>",
    "<!--",
    "\U0001f600",
    "中文",
    "javascript:alert(1)",
    "https://",
    "#",
    "?",
    "%00",
    "\\",
)
surrogates = st.integers(0xD800, 0xDFFF).map(chr)
any_char_text = st.text(st.characters(exclude_categories=()), max_size=20)
hostile_text = st.lists(
    st.one_of(any_char_text, surrogates, st.sampled_from(NASTY)), max_size=8
).map("".join)
# Links must be http(s) for an entry to survive normalise, so most start like one.
hostile_url = st.one_of(
    hostile_text,
    st.builds(
        lambda s, rest: s + rest,
        st.sampled_from(
            ["https://a.example/", "http://b.example", "HTTP://c.example:80/"]
        ),
        hostile_text,
    ),
)


@st.composite
def hostile_entries(draw: st.DrawFn) -> Entry:
    return Entry(
        id=draw(st.one_of(hostile_text, hostile_url)),
        title=draw(st.one_of(hostile_text, hostile_text.map("标题 ".__add__))),
        link=draw(hostile_url),
        source="prop",
        role=draw(st.sampled_from(["main", "related", "item"])),
        summary=draw(hostile_text),
        content_html=draw(hostile_text),
        authors=tuple(draw(st.lists(hostile_text, max_size=3))),
        categories=tuple(draw(st.lists(hostile_text, max_size=3))),
        image=draw(st.one_of(st.none(), hostile_url)),
        published=draw(
            st.one_of(
                st.none(), st.datetimes(datetime(1995, 1, 2), datetime(2030, 1, 1))
            )
        ),
    )


@PROPERTY_SETTINGS
@given(st.lists(hostile_entries(), min_size=1, max_size=4))
def test_any_text_in_any_field_renders_to_valid_feeds(raw: list[Entry]) -> None:
    entries = normalise(raw, SHANGHAI, FETCHED_AT)
    assert len({entry.id for entry in entries}) == len(entries)
    assert_renders(entries)


# --- 2. the sanitiser's output is safe -----------------------------------------------

FORBIDDEN_ELEMENTS = frozenset(
    {"script", "iframe", "object", "embed", "form", "meta", "base"}
)
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
TAGS = (
    "script",
    "iframe",
    "object",
    "embed",
    "form",
    "meta",
    "base",
    "svg",
    "math",
    "style",
    "img",
    "a",
    "blockquote",
    "q",
    "p",
    "div",
    "span",
    "table",
    "td",
    "video",
    "audio",
    "source",
    "link",
    "frame",
    "frameset",
    "applet",
    "input",
    "button",
    "details",
    "noscript",
    "template",
    "textarea",
    "title",
    "xmp",
    "plaintext",
    "noembed",
    "select",
    "option",
    "area",
)
ATTRIBUTES = (
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "data",
    "poster",
    "background",
    "style",
    "onclick",
    "onerror",
    "onload",
    "OnMouseOver",
    "onfocus",
    "ONERROR",
    "http-equiv",
    "content",
    "target",
    "title",
    "alt",
    "data-src",
    "data-original",
    "width",
)
SCHEMES = (
    "javascript:",
    "JaVaScRiPt:",
    "&#106;avascript:",
    "&#x6A;avascript:",
    "&#0000106avascript:",
    "java\tscript:",
    "java\nscript:",
    "java&#x09;script:",
    "java&Tab;script:",
    "\x01javascript:",
    " javascript:",
    "\x00javascript:",
    "javascript&colon;",
    "vbscript:",
    "VBScript:",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,",
    "d&#97;ta:",
    "//evil.example/",
    "https://ok.example/",
    "mailto:x@y.example",
    "",
    "#",
)
PAYLOADS = (
    "alert(1)",
    "alert`1`",
    "x",
    "/path?a=1&b=2",
    "'\"><script>alert(1)</script>",
)


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(ATTRIBUTES))
    value = draw(st.sampled_from(SCHEMES)) + draw(st.sampled_from(PAYLOADS))
    quote = draw(st.sampled_from(['"', "'", ""]))
    if not quote:
        value = re.sub(r"[\s\"'>]", "", value)
    return f" {name}={quote}{value.replace(quote, '') if quote else value}{quote}"


def mixed_case(name: str, flips: int) -> str:
    return "".join(
        c.upper() if flips >> (i % 16) & 1 else c for i, c in enumerate(name)
    )


@st.composite
def hostile_html(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(draw(st.one_of(any_char_text, st.sampled_from(NASTY))))
            continue
        tag = mixed_case(draw(st.sampled_from(TAGS)), draw(st.integers(0, 0xFFFF)))
        attributes = "".join(draw(st.lists(attribute(), max_size=3)))
        inner = draw(hostile_html(depth + 1)) if depth < 3 else draw(any_char_text)
        closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag.lower()} >", "</>"]))
        slash = draw(st.sampled_from(["", "/"]))
        parts.append(f"<{tag}{attributes}{slash}>{inner}{closing}")
    return "".join(parts)


def assert_safe(output: str) -> None:
    if not output.strip():
        return
    root = lxml.html.fragment_fromstring(output, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag.lower() not in FORBIDDEN_ELEMENTS, output
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), output
            if name.lower() in URL_ATTRIBUTES:
                # What a browser does to a URL before it looks at the scheme.
                squashed = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
                assert not squashed.startswith(BAD_SCHEMES), output


@PROPERTY_SETTINGS
@given(hostile_html())
def test_sanitised_html_has_no_active_content(markup: str) -> None:
    assert_safe(sanitize_html(markup))


@PROPERTY_SETTINGS
@given(hostile_html())
def test_sanitise_element_output_is_safe(markup: str) -> None:
    try:
        element = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return  # lxml refuses it (e.g. NUL bytes): nothing an adapter could pass on
    assert_safe(sanitize_element(element, "https://example.com/a/b.html"))


# --- 3. dates ---------------------------------------------------------------------------

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ZONES = st.one_of(
    st.sampled_from(
        [
            ZoneInfo(name)
            for name in (
                "Asia/Shanghai",
                "Europe/Berlin",
                "America/New_York",
                "America/St_Johns",
                "Asia/Kathmandu",
                "Australia/Lord_Howe",
                "Pacific/Chatham",
                "UTC",
            )
        ]
    ),
    st.integers(-12 * 60, 14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)
aware_datetimes = ZONES.flatmap(
    lambda tz: st.datetimes(
        datetime(1995, 1, 2),
        datetime(2025, 12, 30),
        timezones=st.just(tz),
        allow_imaginary=False,
    )
)


def assert_same_instant(parsed: datetime | None, expected: datetime) -> None:
    """Same instant and offset. Not `==`: aware datetimes in a repeated (DST) hour never
    compare equal across zones (PEP 495)."""
    assert parsed is not None, expected
    assert (parsed.timestamp(), parsed.utcoffset()) == (
        expected.timestamp(),
        expected.utcoffset(),
    )


@PROPERTY_SETTINGS
@given(aware_datetimes)
def test_isoformat_round_trips(d: datetime) -> None:
    assert_same_instant(parse_date(d.isoformat(), SHANGHAI, NOW), d)


@PROPERTY_SETTINGS
@given(aware_datetimes)
def test_rfc822_round_trips(d: datetime) -> None:
    assert_same_instant(
        parse_date(email.utils.format_datetime(d), SHANGHAI, NOW),
        d.replace(microsecond=0),
    )


@PROPERTY_SETTINGS
@given(aware_datetimes)
def test_chinese_form_round_trips_to_the_minute(d: datetime) -> None:
    text = d.strftime("%Y年%m月%d日 %H:%M")
    # A wall time in a repeated (DST) hour reads back as its first occurrence (fold=0).
    assert_same_instant(
        parse_date(text, d.tzinfo, NOW), d.replace(second=0, microsecond=0, fold=0)
    )


@PROPERTY_SETTINGS
@given(aware_datetimes)
def test_rss_and_atom_dates_read_back_as_the_same_instant(d: datetime) -> None:
    entry = Entry(
        id="https://a.example/1",
        title="t",
        link="https://a.example/1",
        source="s",
        role="item",
        published=d,
        updated=d,
    )
    [normalised] = normalise([entry], SHANGHAI, FETCHED_AT)
    expected = calendar.timegm(d.astimezone(UTC).replace(microsecond=0).timetuple())
    for render in (render_rss, render_atom):
        parsed = feedparser.parse(render(spec_of([normalised]), SITE))
        assert not parsed.bozo
        [item] = parsed.entries
        assert calendar.timegm(item.published_parsed) == expected, render.__name__
        if render is render_atom:  # RSS items have no date of update
            assert calendar.timegm(item.updated_parsed) == expected
