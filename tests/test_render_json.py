"""JSON Feed 1.1 output: valid against `schema/jsonfeed-1.1.schema.json`, the same items
(ids, links, content, dates) as the RSS and Atom renderings, byte-for-byte reproducible."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from feeds.models import Entry
from feeds.normalise import normalise
from feeds.render import SiteInfo, render_atom, render_rss
from feeds.render_json import json_filename, render_json, rfc3339
from feeds.route import FeedSpec, newest_first

from .conftest import REPO

SHANGHAI = ZoneInfo("Asia/Shanghai")
FETCHED_AT = datetime(2025, 5, 7, 12, 0, tzinfo=UTC)
SITE = SiteInfo(title="产业新闻", base_url="https://example.github.io/feeds/", author="编辑部", language="zh-CN")
SCHEMA: dict[str, Any] = json.loads((REPO / "schema" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)


def _checker() -> FormatChecker:
    """The standard checks, plus strict date-time and IRI checks.

    jsonschema checks `date-time` and `iri` only when optional packages
    (rfc3339-validator, rfc3987) are installed; without them these formats would pass
    anything, so the test brings its own.
    """
    checker = FormatChecker(Draft202012Validator.FORMAT_CHECKER.checkers)

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(_RFC3339.match(value)) and datetime.fromisoformat(value.upper()) is not None

    @checker.checks("iri")
    def iri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc) and not re.search(r"[\s\x00-\x1f\x7f<>\"]", value)

    return checker


VALIDATOR = Draft202012Validator(SCHEMA, format_checker=_checker())


def entries() -> list[Entry]:
    raw = [
        Entry(
            id="https://www.example.cn/news/1.html",
            title="  中国电池产业\n 再创新高 ",
            link="https://www.example.cn/news/1.html",
            source="example",
            role="main",
            summary="今年一季度，动力电池装车量同比增长 40%。",
            content_html='<p>今年一季度 <a href="https://www.example.cn/">装车量</a> 增长。</p><script>x()</script>',
            authors=("张三", "李四"),
            published=datetime(2025, 5, 7, 0, 30),  # naive: the source's timezone applies
            updated=datetime(2025, 5, 7, 9, 15, tzinfo=SHANGHAI),
            categories=("产业资讯", "媒体"),
            image="https://www.example.cn/img/1.jpg",
        ),
        Entry(
            id="https://www.example.cn/news/2.html",
            title="没有摘要的文章",
            link="https://www.example.cn/news/2.html",
            source="example",
            role="related",
            published=datetime(2025, 5, 6, 18, 0, tzinfo=SHANGHAI),
        ),
        Entry(
            id="https://www.example.cn/新闻/3.html",
            title="没有日期的文章",
            link="https://www.example.cn/新闻/3.html",
            source="example",
            role="related",
            summary="无日期",
        ),
        Entry(
            id="tag:example.cn,2025:4",
            title="Control\x00 chars\x1b cleaned\x0b",
            link="https://www.example.cn/news/4.html?id=4&amp=1",
            source="example",
            role="item",
            summary="a\x07b & <c>",
            published=datetime(2025, 5, 5, 8, 0, 0, 250000, tzinfo=UTC),
        ),
    ]
    return normalise(raw, SHANGHAI, FETCHED_AT)


def make_spec(items: list[Entry] | None = None, slug: str = "industry") -> FeedSpec:
    return FeedSpec(
        slug=slug,
        title="产业新闻 · 产业资讯",
        description="产业资讯 (产业新闻)",
        entries=tuple(newest_first(entries() if items is None else items)),
    )


def rendered(spec: FeedSpec | None = None, site: SiteInfo = SITE) -> dict[str, Any]:
    return json.loads(render_json(spec or make_spec(), site))


def test_the_feed_is_valid_json_feed_1_1() -> None:
    feed = rendered()
    assert list(VALIDATOR.iter_errors(feed)) == []
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "产业新闻 · 产业资讯"
    assert feed["description"] == "产业资讯 (产业新闻)"
    assert feed["home_page_url"] == "https://example.github.io/feeds/"
    assert feed["feed_url"] == "https://example.github.io/feeds/industry.json"
    assert feed["language"] == "zh-CN"
    assert feed["authors"] == [{"name": "编辑部"}]
    assert len(feed["items"]) == 4


def test_file_name() -> None:
    assert json_filename("all") == "all.json"
    assert json_filename("meiti") == "meiti.json"


def test_site_without_language_or_author() -> None:
    feed = rendered(site=SiteInfo(title="feeds", base_url="https://x.example/", author=""))
    assert "language" not in feed
    assert feed["authors"] == [{"name": "feeds"}]
    assert list(VALIDATOR.iter_errors(feed)) == []


def test_an_empty_feed_is_valid() -> None:
    feed = rendered(make_spec([]))
    assert feed["items"] == []
    assert list(VALIDATOR.iter_errors(feed)) == []


def test_item_fields() -> None:
    items = {item["id"]: item for item in rendered()["items"]}
    first = items["https://www.example.cn/news/1.html"]
    assert first["url"] == "https://www.example.cn/news/1.html"
    assert first["title"] == "中国电池产业 再创新高"
    assert "<script>" not in first["content_html"] and "装车量" in first["content_html"]
    assert first["summary"] == "今年一季度，动力电池装车量同比增长 40%。"
    assert first["authors"] == [{"name": "张三"}, {"name": "李四"}]
    assert first["tags"] == ["产业资讯", "媒体"]
    assert first["image"] == "https://www.example.cn/img/1.jpg"
    assert first["date_published"] == "2025-05-07T00:30:00+08:00"
    assert first["date_modified"] == "2025-05-07T09:15:00+08:00"


def test_an_entry_without_summary_gets_its_title_as_content() -> None:
    item = next(i for i in rendered()["items"] if i["id"].endswith("/2.html"))
    assert "summary" not in item
    assert item["content_html"] == "<p>没有摘要的文章</p>"
    assert "authors" not in item and "tags" not in item and "image" not in item


def test_an_entry_without_dates() -> None:
    normalised = next(i for i in rendered()["items"] if i["title"] == "没有日期的文章")
    assert "date_published" not in normalised
    assert normalised["date_modified"] == FETCHED_AT.isoformat()  # normalise dates it when first seen
    assert normalised["content_html"] == "<p>无日期</p>"

    bare = Entry(id="https://a.example/x", title="x", link="https://a.example/x", source="s", role="item")
    item = rendered(make_spec([bare]))["items"][0]
    assert "date_published" not in item and "date_modified" not in item
    assert list(VALIDATOR.iter_errors(rendered(make_spec([bare])))) == []


def test_control_characters_cleaned_by_normalise_stay_out() -> None:
    data = render_json(make_spec(), SITE)
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data)
    assert b"\\u00" not in data, "nothing left for json.dumps to escape"
    item = next(i for i in json.loads(data)["items"] if i["id"] == "tag:example.cn,2025:4")
    assert item["title"] == "Control chars cleaned"
    assert item["summary"] == "ab & <c>"
    assert item["content_html"] == "<p>ab &amp; &lt;c&gt;</p>"


def test_utf8_without_ascii_escapes_and_a_trailing_newline() -> None:
    data = render_json(make_spec(), SITE)
    assert "中国电池产业".encode() in data
    assert b"\\u" not in data
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    assert data.startswith(b'{\n "version": "https://jsonfeed.org/version/1.1",\n "title": ')


def test_ids_links_and_content_match_rss_and_atom() -> None:
    spec = make_spec()
    items = rendered(spec)["items"]
    rss = feedparser.parse(render_rss(spec, SITE))
    atom = feedparser.parse(render_atom(spec, SITE))
    assert [i["id"] for i in items] == [e.id for e in rss.entries] == [e.id for e in atom.entries]
    assert [i["id"] for i in items] == [e.id for e in spec.entries]
    assert [i["url"] for i in items] == [e.link for e in rss.entries]
    assert [i["title"] for i in items] == [e.title for e in rss.entries]
    # feedparser re-serialises HTML (attribute order, void tags): compare what it shows.
    assert [_shown(i["content_html"]) for i in items] == [_shown(e.content[0].value) for e in atom.entries]


def _shown(fragment: str) -> tuple[str, list[str | None]]:
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return root.text_content(), [img.get("src") for img in root.iter("img")]


def test_dates_round_trip_as_rfc_3339() -> None:
    spec = make_spec()
    for entry, item in zip(spec.entries, rendered(spec)["items"], strict=True):
        if entry.published:
            assert _RFC3339.match(item["date_published"])
            assert datetime.fromisoformat(item["date_published"]) == entry.published
            assert datetime.fromisoformat(item["date_published"]).utcoffset() == entry.published.utcoffset()
        if entry.updated:
            assert datetime.fromisoformat(item["date_modified"]) == entry.updated


def test_an_offset_with_seconds_is_written_in_utc() -> None:
    old = datetime(1900, 1, 1, 12, 0, tzinfo=SHANGHAI)  # local mean time, +08:05:43
    assert old.utcoffset().total_seconds() % 60  # type: ignore[union-attr]
    written = rfc3339(old)
    assert _RFC3339.match(written) and written.endswith("+00:00")
    assert datetime.fromisoformat(written) == old


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        rfc3339(datetime(2025, 5, 7, 12, 0))


def test_deterministic() -> None:
    first = render_json(make_spec(), SITE)
    assert render_json(make_spec(), SITE) == first
    assert render_json(make_spec(list(reversed(entries()))), SITE) == first


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda f: f.pop("items"), "$"),
        (lambda f: f.update(version="https://jsonfeed.org/version/1"), "$.version"),
        (lambda f: f["items"][0].pop("content_html"), "$.items[0]"),
        (lambda f: f["items"][0].update(date_published="2025-05-07 00:30:00"), "$.items[0].date_published"),
        (lambda f: f["items"][0].update(date_modified="2025-05-07T00:30:00"), "$.items[0].date_modified"),
        (lambda f: f["items"][0].update(url="/news/1.html"), "$.items[0].url"),
        (lambda f: f["items"][0].update(content_htm="<p>typo</p>"), "$.items[0]"),
        (lambda f: f["items"][0].update(authors=[{}]), "$.items[0].authors[0]"),
        (lambda f: f["items"][0].update(tags="one"), "$.items[0].tags"),
        (lambda f: f["items"][0].update(attachments=[{"url": "https://a.example/a.mp3"}]), "$.items[0].attachments[0]"),
        (lambda f: f.update(_ext="not an object"), "$['_ext']"),
    ],
)
def test_the_schema_refuses_mistakes(change: Any, path: str) -> None:
    feed = rendered()
    change(feed)
    assert path in {error.json_path for error in VALIDATOR.iter_errors(feed)}


def test_the_schema_accepts_the_rest_of_the_spec() -> None:
    feed = rendered()
    feed.update(
        user_comment="for humans",
        next_url="https://example.github.io/feeds/industry-2.json",
        icon="https://example.github.io/icon.png",
        favicon="https://example.github.io/favicon.ico",
        expired=False,
        hubs=[{"type": "WebSub", "url": "https://hub.example/"}],
        author={"url": "https://example.github.io/"},
        _feeds={"about": "https://example.github.io/feeds/", "build": 3},
    )
    feed["items"][0].update(
        content_text="plain",
        external_url="https://elsewhere.example/",
        banner_image="https://www.example.cn/banner.jpg",
        language="zh-Hans-CN",
        attachments=[{"url": "https://a.example/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 1024, "duration_in_seconds": 61.5, "title": "音频"}],
        date_modified="2025-05-07T01:30:00Z",
    )
    del feed["items"][1]["content_html"]
    feed["items"][1]["content_text"] = "text only"
    assert list(VALIDATOR.iter_errors(feed)) == []


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
