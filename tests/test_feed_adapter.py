"""The `feed` adapter on fixture feeds: RSS 0.9x-2.0, RDF, Atom 0.3/1.0, JSON Feed 1.0/1.1."""

from __future__ import annotations

import json
import logging
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds import adapters
from feeds.adapters.feed import MAX_ITEMS, extract_feed
from feeds.models import AdapterSettings, Document, Entry, ExtractionError
from feeds.normalise import normalise

from .conftest import FIXTURES, LocalServer, run_cli

FEEDS = FIXTURES / "feeds"
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
EAST_8 = timezone(timedelta(hours=8))
NOW = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
RSS = "application/rss+xml; charset=UTF-8"
NEWS = "https://news.example.cn"
TECH = "https://tech.example.cn"


def document(body: bytes, url: str = f"{NEWS}/feed/", content_type: str | None = RSS) -> Document:
    headers = {"content-type": content_type} if content_type else {}
    return Document(body=body, url=url, fetched_at=NOW, headers=headers)


def extract(
    name: str, url: str = f"{NEWS}/feed/", content_type: str | None = RSS, tz: ZoneInfo = SHANGHAI
) -> list[Entry]:
    return extract_feed(document((FEEDS / name).read_bytes(), url, content_type), AdapterSettings("example", tz))


def all_text(entries: list[Entry]) -> str:
    return json.dumps([entry.to_json() for entry in entries], ensure_ascii=False)


# --- RSS 2.0 ----------------------------------------------------------------

RSS_ENTRIES = [
    Entry(
        id=f"{NEWS}/?p=12345",
        title="市政府召开常务会议 部署春节前后安全生产工作",
        link=f"{NEWS}/2024/01/15/12345.html",
        source="example",
        role="item",
        summary="1月15日上午，市政府召开常务会议，研究部署春节前后安全生产工作。 会议要求……",
        content_html=(
            "<p>1月15日上午，市政府召开常务会议，研究部署春节前后安全生产工作。</p>\n"
            f'<p><img alt="会议现场" height="450" src="{NEWS}/wp-content/uploads/2024/01/meeting.jpg" width="800"></p>\n'
            f'<p>会议强调，要<a href="{NEWS}/tag/anquan" rel="noopener noreferrer">压实安全责任</a>，'
            "确保群众过一个平安祥和的节日。</p>"
        ),
        authors=("王小明", "李华"),
        published=datetime(2024, 1, 15, 9, 30, tzinfo=EAST_8),
        updated=datetime(2024, 1, 15, 9, 30, tzinfo=EAST_8),
        categories=("要闻", "政务"),
        image="https://img.news.example.cn/thumb/12345.jpg",
        extra={},
    ),
    Entry(
        id=f"{NEWS}/2024/01/02/12001.html",
        title="我市新增3条公交线路",
        link=f"{NEWS}/2024/01/02/12001.html?utm_source=rss&utm_medium=feed",
        source="example",
        role="item",
        summary="元旦假期后，我市公交集团开通3条新线路，方便市民出行。",
        content_html="<p>元旦假期后，我市公交集团开通3条新线路，方便市民出行。</p>",
        authors=("交通新闻部",),
        published=datetime(2024, 1, 2, 8, 0, tzinfo=SHANGHAI),
        updated=datetime(2024, 1, 2, 8, 0, tzinfo=SHANGHAI),
        categories=("民生",),
        image=f"{NEWS}/wp-content/uploads/2024/01/bus.jpg",
        extra={},
    ),
    Entry(
        id=f"{NEWS}/podcast/52.html",
        title="【江城之声】第52期：新年新气象",
        link=f"{NEWS}/podcast/52.html",
        source="example",
        role="item",
        summary="本期节目回顾2023年江城大事。",
        content_html="<p>本期节目回顾2023年江城大事。</p>",
        authors=(),
        published=datetime(2024, 1, 2, 0, 0, tzinfo=SHANGHAI),
        updated=datetime(2024, 1, 2, 0, 0, tzinfo=SHANGHAI),
        categories=("音频",),
        image="https://img.news.example.cn/podcast/52-cover.jpg",
        extra={
            "enclosures": [
                {"url": "https://media.news.example.cn/podcast/52.mp3", "type": "audio/mpeg", "length": 24986239}
            ]
        },
    ),
    Entry(
        id=f"{NEWS}/2024/01/10/12200.html",
        title="“两会”前瞻：代表委员关注哪些民生话题？",
        link=f"{NEWS}/2024/01/10/12200.html#comments",
        source="example",
        role="item",
        summary="今年的市“两会”将于1月下旬召开。",
        content_html=(
            "<p>今年的市“两会”将于1月下旬召开。</p>\n"
            '<figure><img alt="" src="https://img.news.example.cn/2024/01/lianghui.png"><figcaption>资料图</figcaption></figure>\n'
            "<p>教育、医疗、养老仍是代表委员最关注的话题。</p>"
        ),
        authors=(),
        published=datetime(2024, 1, 10, 18, 45, 12, tzinfo=EAST_8),
        updated=datetime(2024, 1, 10, 18, 45, 12, tzinfo=EAST_8),
        categories=(),
        image="https://img.news.example.cn/2024/01/lianghui.png",
        extra={},
    ),
]


def test_rss2_every_field(caplog: pytest.LogCaptureFixture) -> None:
    entries = extract("rss2-chinese-news.xml")
    assert entries == RSS_ENTRIES
    # Equality of aware datetimes ignores the zone; the offsets are pinned too.
    assert [e.published.utcoffset() for e in entries if e.published] == [timedelta(hours=8)] * 4
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "example: feed item '本栏目休刊通知' without an http(s) link skipped"
    ]


def test_rss2_survives_normalise_unchanged() -> None:
    entries = extract("rss2-chinese-news.xml")
    assert normalise(entries, SHANGHAI, NOW) == entries


@pytest.mark.parametrize(
    ("index", "tz", "expected"),
    [
        # "2024/01/02 08:00": naive, so in the source's zone; feedparser alone reads it as November, UTC.
        (1, SHANGHAI, datetime(2024, 1, 2, 8, 0, tzinfo=SHANGHAI)),
        (1, UTC, datetime(2024, 1, 2, 8, 0, tzinfo=UTC)),
        # "2024年1月2日": feedparser alone returns the current month.
        (2, SHANGHAI, datetime(2024, 1, 2, 0, 0, tzinfo=SHANGHAI)),
        # RFC 822 with its own offset: the source's zone does not matter.
        (0, UTC, datetime(2024, 1, 15, 9, 30, tzinfo=EAST_8)),
    ],
)
def test_dates_come_from_the_raw_strings(index: int, tz: ZoneInfo, expected: datetime) -> None:
    entry = extract("rss2-chinese-news.xml", tz=tz)[index]
    assert entry.published == expected
    assert entry.published.utcoffset() == expected.utcoffset()
    assert entry.updated == expected


def test_relative_links_resolve_against_the_final_url() -> None:
    """content-location tells feedparser where the feed was fetched from (after redirects)."""
    entries = extract("rss2-chinese-news.xml", url="https://mirror.example.net/rss/news.xml")
    assert entries[0].link == "https://mirror.example.net/2024/01/15/12345.html"
    assert 'href="https://mirror.example.net/tag/anquan"' in entries[0].content_html
    assert entries[1].image == "https://mirror.example.net/wp-content/uploads/2024/01/bus.jpg"


def test_local_file_resolves_against_the_channel_link() -> None:
    path = FEEDS / "rss2-chinese-news.xml"
    assert extract("rss2-chinese-news.xml", url=path.as_uri(), content_type=None) == RSS_ENTRIES


def test_rss_served_as_html_is_still_read(caplog: pytest.LogCaptureFixture) -> None:
    entries = extract("rss2-chinese-news.xml", content_type="text/html; charset=utf-8")
    assert entries == RSS_ENTRIES
    assert any("malformed" in r.getMessage() and "text/html" in r.getMessage() for r in caplog.records)


# --- RSS 1.0, Atom 1.0, Atom 0.3 --------------------------------------------------


def test_rss1_rdf_dc_date_is_the_publication_date() -> None:
    first, second = extract("rss1-rdf.rdf", url="https://tech.example.jp/index.rdf", content_type="application/rdf+xml")
    assert first.id == first.link == "https://tech.example.jp/entry/2024/03/05/soldering"
    assert first.title == "Soldering SMD parts by hand"
    assert first.summary == "Flux, patience and a fine tip: notes from a weekend of 0402 resistors."
    assert first.content_html == (
        '<p>Flux, patience and a <em>fine tip</em>.</p><p><img alt="SMD board" '
        'src="https://cdn.tech.example.jp/images/smd.jpg"></p>'
    )
    assert first.authors == ("Hanako Sato",)
    assert first.categories == ("electronics",)
    assert first.image == "https://cdn.tech.example.jp/images/smd.jpg"
    assert first.published == first.updated == datetime(2024, 3, 5, 21, 10, tzinfo=timezone(timedelta(hours=9)))
    # A date without a time: midnight in the source's zone.
    assert second.published == datetime(2024, 3, 1, tzinfo=SHANGHAI)
    assert second.content_html == "<p>Was it worth it? Mostly yes.</p>"


def test_atom1_entry_with_xhtml_content_and_enclosures() -> None:
    entry = extract("atom1.xml", url="https://blog.example.org/feed.atom", content_type="application/atom+xml")[0]
    assert entry.id == "tag:blog.example.org,2024:posts/42"
    assert entry.title == "Migrating to PostgreSQL 16"  # type="html": tags stripped
    assert entry.link == "https://blog.example.org/posts/42-postgres-16"  # rel=alternate, against xml:base
    assert entry.summary == "What we learned moving 4 TB of data with 5 minutes of downtime."
    assert entry.content_html == (
        '<p>We moved <strong>4&nbsp;TB</strong> with <a href="https://blog.example.org/posts/41-replication" '
        'rel="noopener noreferrer">logical replication</a>.</p>\n'
        '<p><img alt="Replication diagram" src="https://blog.example.org/images/pg16-diagram.svg"></p>'
    )
    assert entry.authors == ("Ada Lovelace", "Grace Hopper")
    assert entry.categories == ("Databases", "ops")  # the label where there is one
    assert entry.image == "https://blog.example.org/images/pg16-cover.png"  # rel=enclosure, image/png
    assert entry.extra == {
        "enclosures": [{"url": "https://media.example.org/talks/pg16.mp4", "type": "video/mp4", "length": 73400320}]
    }
    assert entry.published == datetime(2024, 4, 1, 13, 0, tzinfo=UTC)
    assert entry.updated == datetime(2024, 4, 2, 12, 30, tzinfo=UTC)
    assert entry.published.utcoffset() == timedelta(hours=-4)


def test_atom1_entry_inherits_feed_author_and_keeps_text_paragraphs() -> None:
    entry = extract("atom1.xml", url="https://blog.example.org/feed.atom", content_type="application/atom+xml")[1]
    assert entry.authors == ("Example Engineering",)
    assert entry.content_html == "<p>Small fixes.</p><p>Faster builds &amp; fewer flaky tests.</p>"
    assert entry.summary == "Small fixes."
    # Atom's <updated> is not a publication date.
    assert entry.published is None
    assert entry.updated == datetime(2024, 3, 28, 12, 0, tzinfo=UTC)


def test_atom03() -> None:
    [entry] = extract("atom03.xml", url="http://old.example.net/atom.xml", content_type="application/atom+xml")
    assert entry.id == "tag:old.example.net,2005:1109"
    assert entry.title == "Atom 0.3 still lives"
    assert entry.link == "http://old.example.net/2005/11/09/atom"
    assert entry.summary == "Some feeds never upgrade."
    assert entry.content_html == "<p>Some feeds <b>never</b> upgrade.</p>"
    assert entry.authors == ("Mark Example",)
    assert entry.published == datetime(2005, 11, 9, 11, 56, 34, tzinfo=UTC)  # <issued>
    assert entry.updated == datetime(2005, 11, 9, 11, 56, 34, tzinfo=UTC)  # <modified>


# --- JSON Feed ----------------------------------------------------------------

JSON11_ENTRIES = [
    Entry(
        id="tech-2024-0520-001",
        title="国产大模型发布新版本 推理速度提升一倍",
        link=f"{TECH}/news/2024/05/20/001.html",
        source="example",
        role="item",
        summary="多家厂商在同一天发布新版本，推理速度普遍提升。",
        content_html=(
            "<p>5月20日，多家厂商发布了新版本的大模型。</p>"
            f'<p><img src="{TECH}/uploads/2024/05/model.jpg" alt="发布会"></p>'
            f'<p>详见<a href="{TECH}/news/2024/05/19/009.html" rel="noopener noreferrer">前情回顾</a>。</p>'
        ),
        authors=("陈晨", "刘洋"),
        published=datetime(2024, 5, 20, 10, 15, tzinfo=EAST_8),
        updated=datetime(2024, 5, 20, 12, 0, tzinfo=EAST_8),
        categories=("人工智能", "大模型"),
        image="https://img.tech.example.cn/2024/05/model-cover.jpg",
        extra={},
    ),
    Entry(
        id="tech-2024-0519-podcast",
        title="科技早知道 第88期",
        link=f"{TECH}/podcast/2024/05/19/",
        source="example",
        role="item",
        summary="本期讨论芯片出口管制。",
        content_html="<p>本期讨论芯片出口管制。</p><p>嘉宾：张老师。</p>",
        authors=("科技编辑部",),
        published=datetime(2024, 5, 19, 7, 30, tzinfo=SHANGHAI),
        updated=datetime(2024, 5, 19, 7, 30, tzinfo=SHANGHAI),
        categories=("播客",),
        image="https://media.tech.example.cn/podcast/88-cover.jpg",
        extra={
            "enclosures": [
                {"url": "https://media.tech.example.cn/podcast/88.m4a", "type": "audio/x-m4a", "length": 31457280}
            ]
        },
    ),
    Entry(
        id="tech-2024-0518-link",
        title="外媒：全球芯片产能报告",
        link="https://www.example.com/report/chips-2024",
        source="example",
        role="item",
        summary="外部链接。",
        content_html="<p>外部链接。</p>",
        authors=("科技编辑部",),
        published=datetime(2024, 5, 18, 0, 0, tzinfo=SHANGHAI),
        updated=datetime(2024, 5, 18, 0, 0, tzinfo=SHANGHAI),
        categories=(),
        image=None,
        extra={},
    ),
]


def test_json_feed_11_every_field(caplog: pytest.LogCaptureFixture) -> None:
    entries = extract("jsonfeed11.json", url=f"{TECH}/feed.json", content_type="application/feed+json")
    assert entries == JSON11_ENTRIES
    assert [e.published.utcoffset() for e in entries if e.published] == [timedelta(hours=8)] * 3
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "example: feed item '没有链接的条目' without an http(s) link skipped"
    ]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_json_feed_is_recognised_without_its_own_type(content_type: str | None) -> None:
    body = b"\xef\xbb\xbf \n" + (FEEDS / "jsonfeed11.json").read_bytes()
    entries = extract_feed(document(body, f"{TECH}/feed.json", content_type), AdapterSettings("example", SHANGHAI))
    assert entries == JSON11_ENTRIES


def test_json_feed_local_file_resolves_against_home_page() -> None:
    path = FEEDS / "jsonfeed11.json"
    assert extract("jsonfeed11.json", url=path.as_uri(), content_type=None) == JSON11_ENTRIES


def test_json_feed_10_singular_author_and_numeric_id() -> None:
    first, second = extract("jsonfeed10.json", url="https://daring.example.com/feeds/json", content_type="application/json")
    assert first.id == "2024061501"
    assert first.title == "On Keyboards"
    assert first.authors == ("John Example",)  # the feed's `author`
    assert first.summary == "The keyboard is fine."
    assert first.published == datetime(2024, 6, 15, 22, 0, tzinfo=UTC)
    assert second.authors == ("Guest Writer",)  # the item's own `author`
    assert second.link == "https://daring.example.com/linked/2024/06/14/wwdc"  # url wins over external_url
    # No title (a microblog post): the text stands in, so the entry is not dropped.
    assert second.title == "WWDC keynote recap, with one surprise at the end."


def test_json_feed_with_wrong_types_is_read_defensively() -> None:
    body = json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": ["x"], "url": "https://x.example/1", "title": 5, "tags": "not-a-list", "authors": "me",
             "attachments": [{"url": "https://x.example/a.mp3", "size_in_bytes": "big"}], "content_html": None},
            "not an item",
        ],
    }).encode()
    [entry] = extract_feed(document(body, "https://x.example/feed.json", "application/feed+json"), AdapterSettings("x", UTC))
    assert entry.id == "https://x.example/1"
    assert entry.title == "5"
    assert entry.categories == () and entry.authors == ()
    assert entry.extra == {"enclosures": [{"url": "https://x.example/a.mp3", "type": "audio/mpeg", "length": None}]}


# --- encodings and malformed feeds --------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml; charset=gb2312", "text/html; charset=utf-8", None])
def test_gb2312_declared_feed_with_gbk_only_characters(content_type: str | None) -> None:
    body = (FEEDS / "rss-gb2312.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")  # the fixture really holds characters outside GB2312
    entries = extract("rss-gb2312.xml", url="http://www.nanfang.example.gov.cn/rss.xml", content_type=content_type)
    assert [e.title for e in entries] == ["县长朱镕基调研春耕生产", "关于开展“喆”字辈族谱整理的通知"]
    assert entries[0].summary == "3月12日，县长朱镕基（同名）深入乡镇调研春耕备耕工作。"
    assert entries[0].published == datetime(2024, 3, 12, 16, 20, tzinfo=SHANGHAI)


def test_undefined_entity_is_bozo_but_entries_are_kept(caplog: pytest.LogCaptureFixture) -> None:
    entries = extract("rss-undefined-entity.xml", url="https://campus.example.edu/news/rss")
    assert [e.title for e in entries] == [
        "Library hours extended during exams — until midnight",
        "New café opens in the science building",
    ]
    assert entries[0].summary == "The library stays open until midnight from 1–14 June."
    assert entries[1].published == datetime(2024, 5, 27, 9, 0, tzinfo=UTC)
    assert any(
        r.levelno == logging.WARNING and r.getMessage().startswith("example: the feed is malformed")
        and "undefined entity" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", None])
def test_html_page_is_an_error(content_type: str | None) -> None:
    with pytest.raises(ExtractionError, match="^expected a feed but got an HTML page$"):
        extract("not-a-feed.html", content_type=content_type)


def test_empty_channel_gives_no_entries(caplog: pytest.LogCaptureFixture) -> None:
    assert extract("rss-empty-channel.xml") == []
    assert any(r.getMessage() == "example: the feed has no items" for r in caplog.records)


@pytest.mark.parametrize("content_type", ["application/octet-stream", None])
def test_garbage_is_not_a_feed(content_type: str | None) -> None:
    with pytest.raises(ExtractionError, match=r"^not a feed: not well-formed \(invalid token\) at line \d+, column \d+$"):
        extract("garbage.bin", content_type=content_type)


@pytest.mark.parametrize("content_type", ["application/feed+json", None])
def test_invalid_json_feed(content_type: str | None) -> None:
    with pytest.raises(ExtractionError, match=r"^invalid JSON: Expecting property name .*line 5 column 71"):
        extract("invalid.json", content_type=content_type)


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", RSS, "^empty response$"),
        (b" \r\n\t", RSS, "^empty response$"),
        (b'{"hello": "world"}', "application/json", "^not a feed: JSON without a https://jsonfeed.org/version/"),
        (b"[" * 100_000, "application/json", "^invalid JSON: nested too deeply$"),
        (b"plain words", "text/plain", "^not a feed: "),
        (b'<?xml version="1.0"?><note><to>Tove</to></note>', "application/xml", "^not a feed: no RSS, RDF or Atom"),
    ],
)
def test_other_inputs_that_are_no_feed(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_feed(document(body, content_type=content_type), AdapterSettings("example", UTC))


def test_item_count_is_capped(caplog: pytest.LogCaptureFixture) -> None:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://big.example.com/{i}</link></item>" for i in range(MAX_ITEMS + 5)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    entries = extract_feed(document(body), AdapterSettings("big", UTC))
    assert len(entries) == MAX_ITEMS
    assert entries[-1].link == f"https://big.example.com/{MAX_ITEMS - 1}"
    assert any("reading the first 1000" in r.getMessage() for r in caplog.records)


# --- security -------------------------------------------------------------------


def test_unsafe_content_is_sanitised() -> None:
    [entry] = extract("rss-unsafe-content.xml", url="https://unsafe.example.com/feed")
    assert entry.title == "Totally normal post today"
    assert entry.summary == "Summary"
    text = all_text([entry]).lower()
    for bad in ("<script", "alert(", "onerror", "onclick", "onload", "javascript:", "<iframe", "<style", "<svg", "<form", "style=", "evil"):
        assert bad not in text, bad
    assert '<img src="https://unsafe.example.com/x.png">' in entry.content_html
    assert entry.content_html.endswith("<p>Styled</p>")


def test_external_entities_are_not_resolved() -> None:
    entries = extract("rss-xxe.xml", url="https://evil.example.com/feed")
    assert [e.link for e in entries] == ["https://evil.example.com/1"]
    assert "root:" not in all_text(entries)
    assert "/bin/" not in all_text(entries)


@pytest.mark.parametrize("name", ["rss-billion-laughs.xml", "rss-billion-laughs-oneline.xml"])
def test_billion_laughs_returns_quickly(name: str) -> None:
    started = time.monotonic()
    entries = extract(name, url="https://lol.example.com/feed")
    assert time.monotonic() - started < 5
    assert [e.link for e in entries] == ["https://lol.example.com/1"]
    assert len(all_text(entries)) < 2_000
    assert "lollollol" not in all_text(entries)


def _laughs(padding: int, depth: int = 11) -> bytes:
    """Entities on one line (which feedparser's own filter misses), after padding that
    raises expat's amplification allowance, which is relative to the input size."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, depth + 1)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel><title>T</title>'
        f"<!--{'x' * padding}--><item><title>&lol{depth};</title><link>https://lol.example.com/1</link></item>"
        "</channel></rss>"
    ).encode()


def _big_safe_entity() -> bytes:
    """One large entity without references, used many times: feedparser's fallback parser
    (reached through an undefined entity) expands those without limit."""
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + "x" * 100_000 + '">\n]>\n'
        '<rss version="2.0"><channel><title>T &undefined;</title><item><title>t</title>'
        "<description>" + "&big;" * 2_000 + "</description><link>https://lol.example.com/1</link></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("body", [_laughs(2 * 1024 * 1024), _big_safe_entity()], ids=["padded-laughs", "big-entity"])
def test_entity_expansion_is_bounded(body: bytes) -> None:
    tracemalloc.start()
    try:
        started = time.monotonic()
        entries = extract_feed(document(body, "https://lol.example.com/feed"), AdapterSettings("lol", UTC))
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 5
    assert peak < 100 * 1024 * 1024
    assert [e.link for e in entries] == ["https://lol.example.com/1"]
    assert "lollollol" not in all_text(entries) and "x" * 100 not in all_text(entries)


@pytest.mark.parametrize(
    ("prolog", "title"),
    [
        # expat itself would expand these: the root is not where a naive scan finds it.
        ('<!-- <x --><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', "T"),
        ('<!DOCTYPE rss [<!ENTITY q "<b>]>"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', "T"),
        # feedparser's fallback parser would: it reads declarations even inside a comment.
        ('<!--\n<!DOCTYPE x>\n<!ENTITY b "' + "a" * 100 + '">\n-->', "T &undefined;"),
    ],
    ids=["comment-hides-root", "quoted-markup", "entity-in-comment"],
)
def test_entity_declarations_are_dropped_wherever_they_hide(prolog: str, title: str) -> None:
    body = (
        f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>{title}</title>'
        "<item><title>t</title><description>&b;</description><link>https://x.example/1</link></item></channel></rss>"
    ).encode()
    [entry] = extract_feed(document(body), AdapterSettings("x", UTC))
    assert "aaaaaaaaaa" not in all_text([entry])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_declared_entities_are_ignored_in_any_encoding(encoding: str, caplog: pytest.LogCaptureFixture) -> None:
    label = encoding.removesuffix("-le").removesuffix("-be")
    body = (
        f'<?xml version="1.0" encoding="{label}"?>\n<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<rss version="2.0"><channel><title>频道</title><item><title>A&nbsp;B 中文 &b;</title>'
        "<link>https://x.example/1</link></item></channel></rss>"
    ).encode(encoding)
    [entry] = extract_feed(document(body, content_type="application/xml"), AdapterSettings("x", UTC))
    assert entry.title == "A B 中文 &b;"  # &nbsp; is known to feedparser's fallback parser; fold makes it a space
    assert "x: the feed declares XML entities; they are ignored" in caplog.messages


def test_body_naming_a_file_is_not_opened(tmp_path: Path) -> None:
    """feedparser opens a bytes argument as a path when it names a file."""
    feed = tmp_path / "secret.xml"
    feed.write_bytes((FEEDS / "rss2-chinese-news.xml").read_bytes())
    with pytest.raises(ExtractionError, match="^not a feed: "):
        extract_feed(document(str(feed).encode(), content_type=None), AdapterSettings("x", UTC))


def test_body_naming_a_url_is_not_fetched(server: LocalServer) -> None:
    url = server.add("/feed.xml", (FEEDS / "rss2-chinese-news.xml").read_bytes(), content_type=RSS)
    with pytest.raises(ExtractionError, match="^not a feed: "):
        extract_feed(document(url.encode(), content_type="text/plain"), AdapterSettings("x", UTC))
    assert server.requests == []


# --- registration and CLI ----------------------------------------------------------


def test_registered_as_feed_adapter() -> None:
    assert adapters.get("feed") is extract_feed
    assert adapters.SELECTOR_KEYS["feed"] == frozenset()
    assert adapters.selector_problem("feed", "title", "h1") is not None


def test_cli_preview_json() -> None:
    result = run_cli(
        "preview", str(FEEDS / "rss2-chinese-news.xml"), "--adapter", "feed", "--json",
        "--timezone", "Asia/Shanghai", "--now", "2024-07-01T12:00:00+00:00", check=True,
    )
    entries = json.loads(result.stdout)["entries"]
    assert [e["id"] for e in entries] == [e.id for e in RSS_ENTRIES]
    assert entries[1]["published"] == "2024-01-02T08:00:00+08:00"
    assert entries[2]["extra"]["enclosures"][0]["type"] == "audio/mpeg"
    assert {e["role"] for e in entries} == {"item"}
    assert "本栏目休刊通知" in result.stderr


def test_an_enclosure_length_that_only_looks_like_a_number_is_dropped() -> None:
    """"²" passes str.isdigit() but not int(): the item keeps its enclosure, without a length."""
    body = (
        '<rss version="2.0"><channel><title>t</title><link>https://news.example.cn/</link><item>'
        "<title>Episode</title><link>https://news.example.cn/1.html</link>"
        '<enclosure url="https://news.example.cn/1.mp3" type="audio/mpeg" length="²"/>'
        "</item></channel></rss>"
    ).encode()
    [entry] = extract_feed(document(body), AdapterSettings("example", SHANGHAI))
    assert entry.extra == {"enclosures": [{"url": "https://news.example.cn/1.mp3", "type": "audio/mpeg", "length": None}]}
