"""The article adapter on other page shapes, selector overrides and bad input."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from feeds.adapters.article import extract_article
from feeds.models import AdapterSettings, Document, Entry, ExtractionError

NOW = datetime(2025, 7, 4, 4, 0, tzinfo=timezone.utc)
BASE = "https://news.example.org/2025/07/story.html"


def extract(page: str, selectors: dict[str, str] | None = None, tz: str = "Asia/Shanghai") -> list[Entry]:
    document = Document(body=page.encode("utf-8"), url=BASE, fetched_at=NOW)
    return extract_article(document, AdapterSettings(source="test", timezone=ZoneInfo(tz), selectors=selectors or {}))


def test_page_without_related_block_gives_only_the_main_entry() -> None:
    entries = extract("<html><head><title>Only a story</title></head><body><h1>Only a story</h1><p>Text.</p></body></html>")
    assert [(e.role, e.title, e.id) for e in entries] == [("main", "Only a story", BASE)]


def test_page_without_any_title_is_an_error_naming_what_was_tried() -> None:
    with pytest.raises(ExtractionError, match="no title found.*h1"):
        extract("<html><body><p>No heading anywhere.</p></body></html>")


@pytest.mark.parametrize("body", ["", "   \n\t", "\x00\x00"])
def test_empty_page_is_an_error(body: str) -> None:
    with pytest.raises(ExtractionError, match="empty page"):
        extract(body)


def test_related_block_found_by_its_heading_on_an_unknown_theme() -> None:
    page = """<html><head><meta charset="utf-8"><title>稿件</title></head><body>
    <div class="article"><h1>政务公开稿件</h1>
      <div class="info">发布时间：2025年07月03日 15:20 来源：市数据局</div>
      <div class="TRS_Editor"><p>正文第一段。</p></div>
    </div>
    <div class="box"><div class="hd"><span>相关阅读：</span></div>
      <ul class="list">
        <li><a href="/a/1.html">第一篇相关</a><span class="time">2025-07-01</span></li>
        <li><a href="../a/2.html">第二篇相关</a><span class="time">2025-06-30</span></li>
      </ul>
    </div>
    <div class="sidebar"><h3>热门文章</h3><ul><li><a href="/hot/9.html">热门</a></li></ul></div>
    </body></html>"""
    entries = extract(page)
    assert [e.role for e in entries] == ["main", "related", "related"]
    assert [e.link for e in entries[1:]] == ["https://news.example.org/a/1.html", "https://news.example.org/2025/a/2.html"]
    assert [e.title for e in entries[1:]] == ["第一篇相关", "第二篇相关"]
    shanghai = ZoneInfo("Asia/Shanghai")
    assert [e.published for e in entries[1:]] == [datetime(2025, 7, 1, tzinfo=shanghai), datetime(2025, 6, 30, tzinfo=shanghai)]


def test_english_related_stories_with_time_elements() -> None:
    page = """<html><head><title>Story | Daily</title>
    <meta property="og:title" content="Council approves the new budget">
    <meta property="article:published_time" content="2025-07-03T09:00:00Z">
    <link rel="canonical" href="https://news.example.org/story?utm_source=x&id=7#top"></head>
    <body><article><h1>Council approves the new budget</h1><div class="entry-content"><p>Body.</p></div></article>
    <section><h2>Related stories</h2>
      <article><h3><a href="/budget-history">How the budget grew</a></h3><time datetime="2025-06-01T08:00:00+01:00">1 June</time></article>
      <article><h3><a href="https://news.example.org/mayor">The mayor, profiled</a></h3></article>
    </section>
    <nav class="post-navigation"><a href="/prev">Previous story</a></nav></body></html>"""
    entries = extract(page, tz="Europe/London")
    main = entries[0]
    assert main.id == "https://news.example.org/story?id=7"
    assert main.title == "Council approves the new budget"
    assert main.published == datetime(2025, 7, 3, 9, 0, tzinfo=timezone.utc)
    assert [(e.link, e.title) for e in entries[1:]] == [
        ("https://news.example.org/budget-history", "How the budget grew"),
        ("https://news.example.org/mayor", "The mayor, profiled"),
    ]
    assert entries[1].published == datetime(2025, 6, 1, 7, 0, tzinfo=timezone.utc)
    assert entries[2].published is None


def test_json_ld_graph_supplies_main_fields() -> None:
    page = """<html><head><title>x</title><script type="application/ld+json">
    {"@context":"https://schema.org","@graph":[
      {"@type":"WebSite","name":"Site"},
      {"@type":"NewsArticle","headline":"A &amp; B agree","datePublished":"2025-07-02T10:00:00+08:00",
       "dateModified":"2025-07-03T11:00:00+08:00","author":[{"@type":"Person","name":"Li Wei"},{"@type":"Person","name":"Ann"}],
       "articleSection":["Economy"],"image":{"@type":"ImageObject","url":"/img/lead.jpg"},
       "description":"What they agreed."}]}
    </script></head><body><h1>Something else</h1></body></html>"""
    main = extract(page)[0]
    assert main.title == "A & B agree"
    assert main.authors == ("Li Wei", "Ann")
    assert main.categories == ("Economy",)
    assert main.image == "https://news.example.org/img/lead.jpg"
    assert main.summary == "What they agreed."
    assert main.published == datetime(2025, 7, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert main.updated == datetime(2025, 7, 3, 11, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_broken_json_ld_is_ignored_not_fatal() -> None:
    page = '<html><head><script type="application/ld+json">{"@type": "NewsArticle", broken</script></head><body><h1>Still here</h1></body></html>'
    assert extract(page)[0].title == "Still here"


def test_selector_overrides_win() -> None:
    page = """<html><body><div class="hd"><b class="t">Custom title</b><em class="d">2025/07/01 08:05</em></div>
    <div id="txt"><p>Body <script>x()</script>text</p></div>
    <div class="more"><div class="row"><a class="go" href="/r/1">R1</a><i class="when">3小时前</i></div></div>
    </body></html>"""
    entries = extract(page, {
        "title": "b.t", "date": "em.d", "content": "#txt",
        "related": ".more .row", "related_link": "a.go", "related_date": "i.when",
    })
    main = entries[0]
    assert main.title == "Custom title"
    assert main.published == datetime(2025, 7, 1, 8, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert main.content_html == "<p>Body text</p>"
    assert [(e.link, e.title, e.published) for e in entries[1:]] == [
        ("https://news.example.org/r/1", "R1", datetime(2025, 7, 4, 1, 0, tzinfo=timezone.utc)),
    ]


@pytest.mark.parametrize("key", ["title", "content", "date", "related"])
def test_selector_matching_nothing_is_an_error_naming_it(key: str) -> None:
    with pytest.raises(ExtractionError, match=rf"selectors\.{key} '\.nothing-here' matched nothing"):
        extract("<html><body><h1>T</h1></body></html>", {key: ".nothing-here"})


def test_related_items_without_links_are_skipped() -> None:
    page = """<html><body><h1>T</h1><h3 class="entry-related-title">相关推荐</h3>
    <ul class="entry-related"><li class="item"><a href="/ok">Fine</a></li><li class="item"><a href="javascript:void(0)">Bad</a></li></ul></body></html>"""
    entries = extract(page)
    assert [e.link for e in entries[1:]] == ["https://news.example.org/ok"]
