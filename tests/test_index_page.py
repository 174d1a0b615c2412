"""index.html: every feed announced and listed with its latest entries, the sources'
status, everything escaped, no script, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from feeds.build import BuildReport, SourceResult
from feeds.config import CategoryConfig
from feeds.index_page import INDEX_FILENAME, render_index
from feeds.models import Entry
from feeds.render import SiteInfo
from feeds.route import FeedSpec, route
from feeds.sourcestate import SourceState

SHANGHAI = ZoneInfo("Asia/Shanghai")
SITE = SiteInfo(title="产业新闻", base_url="https://example.github.io/feeds/", author="编辑部", language="zh-CN")
DESCRIPTION = "中国产业新闻，每小时更新"
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
START = datetime(2025, 5, 1, 0, 30, tzinfo=SHANGHAI)  # 2025-04-30 in UTC


def entry(n: int, source: str = "camerich", categories: tuple[str, ...] = (), title: str = "") -> Entry:
    return Entry(
        id=f"https://www.example.cn/news/{n}.html",
        title=title or f"新闻 {n}",
        link=f"https://www.example.cn/news/{n}.html",
        source=source,
        role="main",
        published=START + timedelta(days=n),
        updated=START + timedelta(days=n),
        categories=categories,
    )


def all_entries() -> list[Entry]:
    return [
        *(entry(n) for n in range(1, 8)),  # 7 in 产业资讯 by their source
        entry(8, "other", ("媒体",), title=f"{SCRIPT} {BREAKOUT}"),
        entry(9, "other", ("媒体", BREAKOUT)),
    ]


def specs() -> list[FeedSpec]:
    return route(
        all_entries(),
        source_categories={"camerich": "产业资讯", "other": None, "broken": None},
        declared=[CategoryConfig(name="产业资讯", slug="industry", title="产业资讯 · Industry", description="工业与制造")],
        site_title=SITE.title,
        max_entries=50,
    )


def status() -> dict[str, object]:
    """status.json as build.py writes it, from real source results."""
    ok = SourceState(last_success=datetime(2025, 5, 8, 23, 30, tzinfo=SHANGHAI))
    failing = SourceState(
        last_success=datetime(2025, 4, 2, 10, 0, tzinfo=UTC),
        last_error=f"HTTP 503 from https://broken.example/ {SCRIPT}",
        consecutive_failures=3,
        failing_since=datetime(2025, 5, 6, 1, 0, tzinfo=SHANGHAI),
    )
    results = [
        SourceResult("camerich", "article", "unchanged", state=ok, stored=7),
        SourceResult("other", "feed", "new", state=ok, stored=2),
        SourceResult(BREAKOUT, "listing", "failed", state=failing, stored=0),
    ]
    return BuildReport(sources=results, files=[], changed=[]).status()


def render(site: SiteInfo = SITE, description: str = DESCRIPTION) -> bytes:
    return render_index(specs(), site, status(), description=description)


@pytest.fixture(scope="module")
def page() -> html.HtmlElement:
    return html.document_fromstring(render())


def test_file_name() -> None:
    assert INDEX_FILENAME == "index.html"


def test_head(page: html.HtmlElement) -> None:
    data = render()
    assert data.startswith(b"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">")
    assert page.get("lang") == "zh-CN"
    assert page.find("head/title").text == "产业新闻"
    assert page.xpath('//meta[@name="viewport"]/@content') == ["width=device-width, initial-scale=1"]
    assert page.xpath('//meta[@name="description"]/@content') == [DESCRIPTION]
    style = page.xpath("//head/style")[0].text
    assert "prefers-color-scheme: dark" in style and "max-width: 46rem" in style and "system-ui" in style


def test_no_language_no_lang_attribute() -> None:
    site = SiteInfo(title="feeds", base_url="https://x.example/", author="")
    page = html.document_fromstring(render(site, description=""))
    assert page.get("lang") is None
    assert not page.xpath('//meta[@name="description"]') and not page.cssselect("header .description")


def test_autodiscovery_links_for_every_feed_file(page: html.HtmlElement) -> None:
    feeds = specs()
    links = page.xpath('//head/link[@rel="alternate"]')
    assert len(links) == 3 * len(feeds) == 12
    expected = [
        (mime, f"{spec.slug}.{ext}", f"{spec.title} ({label})")
        for spec in feeds
        for label, mime, ext in (
            ("RSS", "application/rss+xml", "rss.xml"),
            ("Atom", "application/atom+xml", "atom.xml"),
            ("JSON", "application/feed+json", "json"),
        )
    ]
    assert [(link.get("type"), link.get("href"), link.get("title")) for link in links] == expected
    assert {"all.rss.xml", "industry.atom.xml", "meiti.json"} <= {link.get("href") for link in links}


def test_sections_are_headed_without_the_site_title(page: html.HtmlElement) -> None:
    """The page's own heading is the site's name; the feeds' titles repeat it for readers."""
    assert page.cssselect("h1")[0].text_content() == SITE.title
    headings = [s.find("h3").text_content() for s in page.cssselect("section.category")]
    assert headings == ["All entries", BREAKOUT, "产业资讯 · Industry", "媒体"]
    assert [spec.title for spec in specs()][2:] == [f"{SITE.title} · 产业资讯 · Industry", f"{SITE.title} · 媒体"]


def test_one_section_per_feed(page: html.HtmlElement) -> None:
    feeds = specs()
    sections = page.cssselect("section.category")
    assert [s.get("id") for s in sections] == [f"cat-{spec.slug}" for spec in feeds]
    assert sections[0].get("id") == "cat-all"
    for spec, section in zip(feeds, sections, strict=True):
        assert section.find("h3").text_content() == spec.name
        assert section.cssselect(".description")[0].text_content() == spec.description
        formats = {a.text_content(): a.get("href") for a in section.cssselect(".formats a")}
        assert formats == {"RSS": f"{spec.slug}.rss.xml", "Atom": f"{spec.slug}.atom.xml", "JSON": f"{spec.slug}.json"}
        count = len(spec.entries)
        assert section.cssselect(".count")[0].text_content() == f"{count} {'entry' if count == 1 else 'entries'}"


def test_the_five_latest_entries_of_each_feed(page: html.HtmlElement) -> None:
    industry = page.get_element_by_id("cat-industry")
    assert industry.cssselect(".count")[0].text_content() == "7 entries"
    items = industry.cssselect("ol.latest > li")
    assert [li.find("a").text_content() for li in items] == [f"新闻 {n}" for n in (7, 6, 5, 4, 3)]
    assert [li.find("a").get("href") for li in items] == [f"https://www.example.cn/news/{n}.html" for n in (7, 6, 5, 4, 3)]
    # The day in the entry's own offset (+08:00), one day after its UTC date.
    assert [li.find("time").text for li in items] == [f"2025-05-{1 + n:02d}" for n in (7, 6, 5, 4, 3)]
    assert items[0].find("time").get("datetime") == "2025-05-08T00:30:00+08:00"
    assert len(page.get_element_by_id("cat-all").cssselect("ol.latest > li")) == 5


def test_an_undated_entry_and_an_empty_feed() -> None:
    undated = Entry(id="https://a.example/1", title="无日期", link="https://a.example/1", source="s", role="item")
    feeds = [
        FeedSpec(slug="all", title="All", description="", entries=(undated,)),
        FeedSpec(slug="empty", title="Empty", description="", entries=()),
    ]
    page = html.document_fromstring(render_index(feeds, SITE, {"sources": {}}))
    item = page.cssselect("#cat-all ol.latest > li")[0]
    assert item.text_content() == "无日期" and item.find("time") is None
    assert page.get_element_by_id("cat-all").cssselect(".count")[0].text_content() == "1 entry"
    assert not page.cssselect("#cat-empty ol") and not page.cssselect("#cat-empty .description")
    assert page.cssselect("ul.sources > li") == []


def test_sources_with_their_status(page: html.HtmlElement) -> None:
    items = page.cssselect("ul.sources > li")
    assert [li.get("data-source") for li in items] == ["camerich", "other", BREAKOUT]
    assert [li.cssselect(".name")[0].text_content() for li in items] == ["camerich", "other", BREAKOUT]
    assert [li.get("class") for li in items] == ["source ok", "source ok", "source failing"]
    assert [li.cssselect(".status")[0].text_content() for li in items] == ["ok", "ok", "failing"]
    camerich, other, broken = (li.text_content() for li in items)
    assert "7 entries" in camerich and "last success 2025-05-08" in camerich and "article" in camerich
    assert "2 entries" in other
    assert "0 entries" in broken and "last success 2025-04-02" in broken
    assert "failing since 2025-05-06, 3 failures in a row" in broken
    assert items[2].cssselect(".last-error")[0].text_content() == f"HTTP 503 from https://broken.example/ {SCRIPT}"
    assert not items[0].cssselect(".error")


def test_a_link_to_the_opml_file(page: html.HtmlElement) -> None:
    assert [a.get("href") for a in page.cssselect("a.opml")] == ["feeds.opml"]


def test_hostile_text_is_escaped_and_nothing_runs(page: html.HtmlElement) -> None:
    data = render()
    assert b"<script" not in data and b"<img" not in data
    assert page.xpath("//script") == [] and page.xpath("//img") == [] and page.xpath("//iframe") == []
    assert [el.tag for el in page.iter() if any(name.startswith("on") for name in el.attrib)] == []
    text = page.text_content()
    assert f"{SCRIPT} {BREAKOUT}" in text  # the entry title, shown as text
    assert BREAKOUT in [s.find("h3").text_content() for s in page.cssselect("section.category")]
    assert f"产业新闻 · {BREAKOUT} (RSS)" in page.xpath('//link[@rel="alternate"]/@title')


def test_hostile_site_title_and_description() -> None:
    site = SiteInfo(title=SCRIPT, base_url="https://x.example/", author="", language='en"><script>')
    data = render_index(specs(), site, status(), description=BREAKOUT)
    page = html.document_fromstring(data)
    assert page.xpath("//script") == [] and page.xpath("//img") == []
    assert page.find("head/title").text == SCRIPT
    assert page.find("body/header/h1").text == SCRIPT
    assert page.get("lang") == 'en"><script>'
    assert page.cssselect("header .description")[0].text == BREAKOUT


def test_only_http_links_are_linked() -> None:
    bad = Entry(id="x:1", title="点我", link="javascript:alert(1)", source="s", role="item")
    spec = FeedSpec(slug="all", title="All", description="", entries=(bad,))
    data = render_index([spec], SITE, {"sources": {}})
    assert b"javascript:" not in data
    item = html.document_fromstring(data).cssselect("ol.latest > li")[0]
    assert item.find("a") is None and item.text_content() == "点我"


def test_deterministic_and_clock_free() -> None:
    data = render()
    assert render() == data
    today = date.today().isoformat()
    if not any(today == (START + timedelta(days=n)).date().isoformat() for n in range(12)):
        assert today.encode() not in data
