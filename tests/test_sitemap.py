"""The `sitemap` adapter on fixture sitemaps: urlsets, Google News and image sitemaps,
sitemap indexes, gzip, and hostile input (XXE, entity and element bombs)."""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys
import textwrap
import time
import tomllib
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.adapters.sitemap import (
    MAX_DECODED_BYTES,
    MAX_ELEMENTS,
    MAX_ENTRIES,
    MAX_RECORD_ELEMENTS,
    MAX_URLS,
    NON_CSS_KEYS,
    SELECTOR_KEYS,
    extract_sitemap,
    option_problem,
    sitemap_children,
    title_from_url,
)
from feeds.models import AdapterSettings, Document, Entry, ExtractionError
from feeds.normalise import normalise

from .conftest import FIXTURES, REPO

SITEMAPS = FIXTURES / "sitemaps"
SHANGHAI = ZoneInfo("Asia/Shanghai")
EAST_8 = timezone(timedelta(hours=8))
UTC = timezone.utc
NOW = datetime(2025, 7, 3, 16, 0, tzinfo=SHANGHAI)
SITE = "https://www.example.com"
# About a second on a developer's machine: the limit only has to tell "capped" from
# "read it all" (a minute or more), with room for a loaded CI machine.
TIME_LIMIT = 10
URLSET = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


def document(body: bytes, url: str = f"{SITE}/sitemap.xml", content_type: str = "application/xml") -> Document:
    return Document(body=body, url=url, fetched_at=NOW, headers={"content-type": content_type})


def settings(selectors: dict[str, str] | None = None, source: str = "example") -> AdapterSettings:
    return AdapterSettings(source, SHANGHAI, selectors or {})


def extract(name: str, selectors: dict[str, str] | None = None) -> list[Entry]:
    return extract_sitemap(document((SITEMAPS / name).read_bytes()), settings(selectors))


def urlset(*urls: str) -> bytes:
    return URLSET + "".join(urls).encode("utf-8") + b"</urlset>"


# --- Google News sitemap ------------------------------------------------------------

NEWS_ENTRIES = [
    Entry(
        id=f"{SITE}/2025/07/new-data-rules/",
        title="数据出境新规落地：企业需要做什么？ & 三项关键变化",
        link=f"{SITE}/2025/07/new-data-rules/",
        source="example",
        role="item",
        published=datetime(2025, 7, 3, 9, 30, tzinfo=EAST_8),
        updated=datetime(2025, 7, 3, 11, 2, 41, tzinfo=EAST_8),  # <lastmod>
        image=f"{SITE}/wp-content/uploads/2025/07/data-rules.jpg",  # the first image:image
        extra={"publication": "华东数据观察", "language": "zh"},
    ),
    Entry(
        id=f"{SITE}/2025/07/ai-compute-vouchers/",
        title="上海发放“算力券”：中小企业如何申领",  # CDATA
        link=f"{SITE}/2025/07/ai-compute-vouchers/",
        source="example",
        role="item",
        published=datetime(2025, 7, 3, tzinfo=SHANGHAI),  # a date only: midnight in the source's zone
        updated=datetime(2025, 7, 3, tzinfo=SHANGHAI),
        extra={"publication": "华东数据观察", "language": "zh"},
    ),
    Entry(
        id=f"{SITE}/2025/07/shipping-index-rises/",
        title="长三角航运指数连续三周回升",
        link=f"{SITE}/2025/07/shipping-index-rises/",
        source="example",
        role="item",
        published=datetime(2025, 7, 2, 18, 20, tzinfo=EAST_8),
        updated=datetime(2025, 7, 2, 18, 20, tzinfo=EAST_8),
        extra={"publication": "华东数据观察", "language": "zh", "keywords": ["航运", "港口", "集装箱"]},
    ),
]


def test_google_news_sitemap_newest_first() -> None:
    entries = extract("news-sitemap.xml")
    assert entries == NEWS_ENTRIES
    assert [e.provenance for e in entries] == [{"title": "news:title", "published": "news:publication_date"}] * 3
    assert [(e.summary, e.content_html, e.authors, e.categories) for e in entries] == [("", "", (), ())] * 3


# --- a plain urlset with lastmod ------------------------------------------------------

POSTS_ENTRIES = [
    Entry(
        id=f"{SITE}/", title="example.com/", link=f"{SITE}/", source="example", role="item",
        published=datetime(2025, 7, 3, 11, 2, 41, tzinfo=EAST_8), updated=datetime(2025, 7, 3, 11, 2, 41, tzinfo=EAST_8),
    ),
    Entry(
        id=f"{SITE}/category/industry/", title="industry", link=f"{SITE}/category/industry/", source="example",
        role="item", published=datetime(2025, 7, 3, 11, 2, 41, tzinfo=EAST_8),
        updated=datetime(2025, 7, 3, 11, 2, 41, tzinfo=EAST_8),
    ),
    Entry(
        id=f"{SITE}/2025/07/new-data-rules.html", title="new data rules", link=f"{SITE}/2025/07/new-data-rules.html",
        source="example", role="item", published=datetime(2025, 7, 3, 1, 30, tzinfo=UTC),
        updated=datetime(2025, 7, 3, 1, 30, tzinfo=UTC),
    ),
    Entry(
        id=f"{SITE}/2025/06/%E7%AE%97%E5%8A%9B%E5%88%B8_%E7%94%B3%E9%A2%86%E6%8C%87%E5%8D%97.html",
        title="算力券 申领指南",
        link=f"{SITE}/2025/06/%E7%AE%97%E5%8A%9B%E5%88%B8_%E7%94%B3%E9%A2%86%E6%8C%87%E5%8D%97.html",
        source="example", role="item", published=datetime(2025, 6, 28, 16, 5, tzinfo=SHANGHAI),
        updated=datetime(2025, 6, 28, 16, 5, tzinfo=SHANGHAI),
    ),
    Entry(
        id=f"{SITE}/2024/12/year-in-review.html", title="year in review", link=f"{SITE}/2024/12/year-in-review.html",
        source="example", role="item", published=datetime(2024, 12, 31, tzinfo=SHANGHAI),
        updated=datetime(2024, 12, 31, tzinfo=SHANGHAI),
    ),
    # Undated URLs last, in sitemap order.
    Entry(
        id=f"{SITE}/archives/1639.html", title="example.com/archives/1639.html", link=f"{SITE}/archives/1639.html",
        source="example", role="item",
    ),
    Entry(
        id=f"{SITE}/show.php?id=2048", title="example.com/show.php?id=2048", link=f"{SITE}/show.php?id=2048",
        source="example", role="item",
    ),
]


def test_urlset_with_lastmod(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.sitemap"):
        entries = extract("posts-sitemap.xml")
    assert entries == POSTS_ENTRIES
    assert all(e.provenance["title"] == "url" for e in entries)
    assert [e.provenance.get("published") for e in entries] == ["lastmod"] * 5 + [None] * 2
    # javascript: is no page; the <url> without <loc> is no URL at all.
    assert caplog.messages == ["example: sitemap URL 'javascript:alert(1)' not http(s), skipped"]


def test_the_same_page_twice_is_one_entry_the_newest() -> None:
    entries = extract("posts-sitemap.xml")
    rules = [e for e in entries if "new-data-rules" in e.id]
    # Listed again with ?utm_source=sitemap and an older lastmod: one entry, the newer listing.
    assert [(e.link, e.published) for e in rules] == [
        (f"{SITE}/2025/07/new-data-rules.html", datetime(2025, 7, 3, 1, 30, tzinfo=UTC))
    ]


def test_url_pattern_keeps_article_urls_only() -> None:
    entries = extract("posts-sitemap.xml", {"url_pattern": r"/20\d\d/\d\d/"})
    assert [e.title for e in entries] == ["new data rules", "算力券 申领指南", "year in review"]


def test_an_invalid_url_pattern_is_an_error_naming_it() -> None:
    with pytest.raises(ExtractionError) as raised:
        extract("posts-sitemap.xml", {"url_pattern": "/20(/"})
    assert str(raised.value) == (
        "selectors.url_pattern: invalid regular expression '/20(/': missing ), unterminated subpattern at position 3"
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (r"/20\d\d/\d\d/", None),
        (r"^https://www\.example\.com/archives/\d+\.html$", None),
        ("/news/(", "invalid regular expression '/news/(': missing ), unterminated subpattern at position 6"),
        ("[a-", "invalid regular expression '[a-': unterminated character set at position 0"),
    ],
)
def test_option_problem_checks_url_pattern(value: str, problem: str | None) -> None:
    assert option_problem("url_pattern", value) == problem


def test_selector_keys() -> None:
    assert SELECTOR_KEYS == NON_CSS_KEYS == {"url_pattern"}
    assert option_problem("item", "(") is None  # not a key of this adapter: the registry says so


# --- image sitemap --------------------------------------------------------------------


def test_image_sitemap_gives_each_page_its_first_web_image() -> None:
    entries = extract_sitemap(
        document((SITEMAPS / "image-sitemap.xml").read_bytes(), "https://www.jcnews.cn/sitemap-images.xml"), settings()
    )
    assert entries == [
        Entry(
            id="https://www.jcnews.cn/tech/2025/0703/robot-marathon.html",
            title="robot marathon",
            link="https://www.jcnews.cn/tech/2025/0703/robot-marathon.html",
            source="example",
            role="item",
            published=datetime(2025, 7, 3, 13, 0, tzinfo=EAST_8),
            updated=datetime(2025, 7, 3, 13, 0, tzinfo=EAST_8),
            image="https://www.jcnews.cn/uploads/2025/07/03/robot-marathon.jpg",  # relative to the page
        ),
        Entry(
            id="https://www.jcnews.cn/tech/2025/0702/battery-recycling.html",
            title="battery recycling",
            link="https://www.jcnews.cn/tech/2025/0702/battery-recycling.html",
            source="example",
            role="item",
            published=datetime(2025, 7, 2, tzinfo=SHANGHAI),
            updated=datetime(2025, 7, 2, tzinfo=SHANGHAI),
            image="https://img.jcnews.cn/2025/07/02/battery.webp",  # the data: URI is skipped
        ),
    ]


# --- sitemap index --------------------------------------------------------------------


def test_sitemap_children_newest_first() -> None:
    index = document((SITEMAPS / "sitemap-index.xml").read_bytes(), f"{SITE}/sitemap_index.xml")
    assert sitemap_children(index) == [
        f"{SITE}/post-sitemap3.xml.gz",  # listed twice, kept once
        f"{SITE}/post-sitemap2.xml",
        f"{SITE}/post-sitemap1.xml",
        f"{SITE}/page-sitemap.xml",  # relative, made absolute; undated ones last, in index order
        f"{SITE}/category-sitemap.xml",
    ]  # ftp:// is dropped
    assert sitemap_children(index, limit=2) == [f"{SITE}/post-sitemap3.xml.gz", f"{SITE}/post-sitemap2.xml"]
    assert sitemap_children(index, limit=0) == []


def test_sitemap_children_of_a_urlset_is_empty() -> None:
    assert sitemap_children(document((SITEMAPS / "news-sitemap.xml").read_bytes())) == []
    assert sitemap_children(document(gzip.compress((SITEMAPS / "posts-sitemap.xml").read_bytes()))) == []


def test_sitemap_children_of_a_gzipped_index() -> None:
    body = gzip.compress((SITEMAPS / "sitemap-index.xml").read_bytes())
    assert sitemap_children(document(body), limit=1) == [f"{SITE}/post-sitemap3.xml.gz"]


def test_sitemap_children_of_a_page_is_an_error() -> None:
    with pytest.raises(ExtractionError, match="got an HTML page"):
        sitemap_children(document((FIXTURES / "listing" / "card-grid.html").read_bytes()))


def test_extracting_an_index_is_an_error_that_says_so() -> None:
    with pytest.raises(ExtractionError) as raised:
        extract("sitemap-index.xml")
    assert str(raised.value) == (
        "a sitemap index of 7 sitemaps, not a list of pages: the build reads its child sitemaps"
    )


# --- not a sitemap --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("listing/card-grid.html", "expected a sitemap (<urlset> or <sitemapindex>) but got an HTML page"),
        ("listing/gov-gbk.html", "expected a sitemap (<urlset> or <sitemapindex>) but got an HTML page"),
        ("feeds/rss2-chinese-news.xml", 'expected a sitemap (<urlset> or <sitemapindex>) but got an RSS feed: use adapter = "feed"'),
        ("feeds/atom1.xml", 'expected a sitemap (<urlset> or <sitemapindex>) but got an Atom feed: use adapter = "feed"'),
        ("feeds/rss1-rdf.rdf", 'expected a sitemap (<urlset> or <sitemapindex>) but got an RSS 1.0 feed: use adapter = "feed"'),
        ("feeds/garbage.bin", "not a sitemap: no XML element found"),
    ],
)
def test_not_a_sitemap(path: str, message: str) -> None:
    with pytest.raises(ExtractionError) as raised:
        extract_sitemap(document((FIXTURES / path).read_bytes()), settings())
    assert str(raised.value) == message


def test_other_xml_is_not_a_sitemap() -> None:
    with pytest.raises(ExtractionError, match=r"^not a sitemap: the root element is <svg>, not <urlset> or <sitemapindex>$"):
        extract_sitemap(document(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), settings())


@pytest.mark.parametrize("body", [b"", b"  \n", gzip.compress(b"")])
def test_an_empty_response_is_an_error(body: bytes) -> None:
    with pytest.raises(ExtractionError, match=r"^(empty response|not a sitemap: no XML element found)$"):
        extract_sitemap(document(body), settings())


def test_an_empty_urlset_gives_no_entries() -> None:
    assert extract_sitemap(document(URLSET + b"</urlset>"), settings()) == []
    assert extract_sitemap(document(b"<urlset/>"), settings()) == []


# --- encodings and oddities ------------------------------------------------------------


def test_bom_leading_white_space_and_no_namespace() -> None:
    body = b"\n\n  \xef\xbb\xbf" + b'<?xml version="1.0"?><urlset><url><loc>https://a.example/x-y</loc></url></urlset>'
    assert [e.title for e in extract_sitemap(document(body.lstrip()), settings())] == ["x y"]
    assert [e.title for e in extract_sitemap(document(b"\r\n  " + body.strip()[3:]), settings())] == ["x y"]


def test_a_gbk_news_sitemap() -> None:
    body = (
        '<?xml version="1.0" encoding="GBK"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        "<url><loc>http://www.jiangcheng.gov.cn/a.html</loc><news:news><news:title>防汛通知</news:title>"
        "<news:publication_date>2025-07-03T08:00:00+08:00</news:publication_date></news:news></url></urlset>"
    ).encode("gbk")
    [entry] = extract_sitemap(document(body), settings())
    assert (entry.title, entry.published) == ("防汛通知", datetime(2025, 7, 3, 8, 0, tzinfo=EAST_8))


def test_a_cut_off_sitemap_gives_what_it_has() -> None:
    body = (SITEMAPS / "posts-sitemap.xml").read_bytes()
    cut = body[: body.index(b"<loc>https://www.example.com/archives/")]
    entries = extract_sitemap(document(cut), settings())
    assert [e.title for e in entries] == ["example.com/", "industry", "new data rules", "算力券 申领指南", "year in review"]


def test_unusable_urls_are_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    body = urlset(*(f"<url><loc>mailto:x{i}@a.example</loc></url>" for i in range(500)), "<url><loc>/rel</loc></url>")
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.sitemap"):
        entries = extract_sitemap(document(body), settings())
    assert [e.link for e in entries] == [f"{SITE}/rel"]  # relative: against the sitemap's URL
    assert caplog.messages == ["example: sitemap URL 'mailto:x0@a.example' and 499 more not http(s), skipped"]


def test_implausible_dates_are_dropped() -> None:
    body = urlset(
        "<url><loc>https://a.example/old</loc><lastmod>1970-01-01</lastmod></url>",
        "<url><loc>https://a.example/future</loc><lastmod>2030-01-01T00:00:00Z</lastmod></url>",
        "<url><loc>https://a.example/ok</loc><lastmod>2025/07/01 10:00</lastmod></url>",
    )
    entries = extract_sitemap(document(body), settings())
    assert [(e.title, e.published) for e in entries] == [
        ("ok", datetime(2025, 7, 1, 10, 0, tzinfo=SHANGHAI)),
        ("old", None),
        ("future", None),
    ]


def test_at_most_max_entries_are_kept_the_newest(caplog: pytest.LogCaptureFixture) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    body = urlset(*(
        f"<url><loc>https://a.example/p/{i}</loc><lastmod>{(start + timedelta(hours=i)).isoformat()}</lastmod></url>"
        for i in range(MAX_ENTRIES + 200)
    ))
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.sitemap"):
        entries = extract_sitemap(document(body), settings())
    assert len(entries) == MAX_ENTRIES == 1000
    assert entries[0].link == f"https://a.example/p/{MAX_ENTRIES + 199}"
    assert entries[-1].link == "https://a.example/p/200"
    assert caplog.messages == ["example: the sitemap lists more than 1000 pages, keeping the newest"]


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://www.example.com/2025/07/new-data-rules.html", "new data rules"),
        ("https://www.example.com/2025/07/new_data_rules/", "new data rules"),
        ("https://www.example.com/news/Apple+Launches+Vision.aspx", "Apple Launches Vision"),
        ("https://www.example.com/2025/06/%E7%AE%97%E5%8A%9B%E5%88%B8.html", "算力券"),
        ("https://www.example.com/archives/1639.html", "example.com/archives/1639.html"),
        ("https://www.example.com/show.php?id=7", "example.com/show.php?id=7"),
        ("https://news.example.com/", "news.example.com/"),
        ("https://example.com", "example.com"),
        ("https://www.example.com/a/b.v2.html", "b v2"),
    ],
)
def test_title_from_url(url: str, title: str) -> None:
    assert title_from_url(url) == title


# --- gzip -------------------------------------------------------------------------------


def test_a_gzipped_sitemap_reads_like_the_plain_one() -> None:
    plain = (SITEMAPS / "news-sitemap.xml").read_bytes()
    entries = extract_sitemap(document(gzip.compress(plain), f"{SITE}/news-sitemap.xml.gz", "application/x-gzip"), settings())
    assert entries == NEWS_ENTRIES


def test_concatenated_gzip_members_are_one_stream() -> None:
    plain = (SITEMAPS / "posts-sitemap.xml").read_bytes()
    half = len(plain) // 2
    body = gzip.compress(plain[:half]) + gzip.compress(plain[half:])
    assert extract_sitemap(document(body), settings()) == POSTS_ENTRIES


def test_corrupt_gzip_is_an_error() -> None:
    body = bytearray(gzip.compress((SITEMAPS / "posts-sitemap.xml").read_bytes()))
    body[20:40] = b"\x00" * 20
    with pytest.raises(ExtractionError, match="^invalid gzip data: "):
        extract_sitemap(document(bytes(body)), settings())


def test_a_gzip_bomb_is_cut_at_the_decoded_cap(caplog: pytest.LogCaptureFixture) -> None:
    """200 MB of white space compressed to a fraction of a megabyte: decoding stops at
    MAX_DECODED_BYTES and the URLs before the padding are kept."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = urlset("<url><loc>https://a.example/before</loc></url>").removesuffix(b"</urlset>")
    parts = [compressor.compress(head)]
    padding = b" " * (1 << 20)
    parts.extend(compressor.compress(padding) for _ in range(200))
    parts.append(compressor.compress(b"<url><loc>https://a.example/after</loc></url></urlset>"))
    parts.append(compressor.flush())
    body = b"".join(parts)
    assert len(body) < 1_000_000 and MAX_DECODED_BYTES == 50 * 1024 * 1024
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.sitemap"):
        entries = extract_sitemap(document(body), settings())
    assert time.monotonic() - started < TIME_LIMIT
    assert [e.link for e in entries] == ["https://a.example/before"]
    assert caplog.messages == [f"example: the gzipped sitemap decodes to more than {MAX_DECODED_BYTES} bytes, reading the first"]


# --- hostile XML -------------------------------------------------------------------------


def test_xxe_is_never_resolved() -> None:
    entries = extract_sitemap(document((SITEMAPS / "xxe.xml").read_bytes(), "https://evil.example.com/sitemap.xml"), settings())
    text = json.dumps([e.to_json() for e in entries], ensure_ascii=False)
    assert "root:" not in text and "/bin/" not in text
    assert "lol" not in text  # nor internal entities: no expansion at all
    assert [(e.link, e.title, e.published, e.extra) for e in entries] == [
        ("https://evil.example.com/1", "Read this and", datetime(2025, 7, 1, tzinfo=SHANGHAI), {"language": "en"})
    ]


def test_an_external_dtd_is_not_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "TOP-SECRET">', encoding="utf-8")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{dtd.as_uri()}">'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        "<url><loc>https://a.example/x</loc><news:news><news:title>a &secret; b</news:title></news:news></url></urlset>"
    ).encode()
    [entry] = extract_sitemap(document(body), settings())
    assert "TOP-SECRET" not in json.dumps(entry.to_json())
    assert entry.link == "https://a.example/x"


def test_billion_laughs_is_not_expanded() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 12)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [{entities}]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        "<url><loc>https://a.example/1</loc><news:news><news:title>&lol11;</news:title></news:news></url></urlset>"
    ).encode()
    started = time.monotonic()
    [entry] = extract_sitemap(document(body), settings())
    assert time.monotonic() - started < 2
    assert entry.title == "a.example/1"  # an empty news:title: the title comes from the URL
    assert entry.provenance["title"] == "url"


def _bomb(count: int) -> bytes:
    return URLSET + b"".join(
        b"<url><loc>https://bomb.example/p/%d</loc><lastmod>2025-06-%02d</lastmod></url>" % (i, i % 28 + 1)
        for i in range(count)
    ) + b"</urlset>"


def test_a_sitemap_bomb_is_cut_at_max_urls(caplog: pytest.LogCaptureFixture) -> None:
    body = _bomb(1_000_000)  # 70 MB, a million <url> elements
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.sitemap"):
        entries = extract_sitemap(document(body), settings())
    elapsed = time.monotonic() - started
    assert elapsed < TIME_LIMIT, elapsed
    assert MAX_URLS == 50_000
    assert len(entries) == MAX_ENTRIES
    # Only the first MAX_URLS were read: the newest of them are from 2025-06-28.
    assert {e.published for e in entries} == {datetime(2025, 6, 28, tzinfo=SHANGHAI)}
    assert max(int(e.link.rsplit("/", 1)[1]) for e in entries) < MAX_URLS
    assert caplog.messages == [
        "example: the sitemap lists more than 50000 URLs, reading the first",
        "example: the sitemap lists more than 1000 pages, keeping the newest",
    ]


def test_a_gzipped_sitemap_bomb_is_cut_too() -> None:
    body = gzip.compress(_bomb(300_000), compresslevel=1)
    started = time.monotonic()
    entries = extract_sitemap(document(body), settings())
    assert time.monotonic() - started < TIME_LIMIT
    assert len(entries) == MAX_ENTRIES


def test_an_element_bomb_inside_one_url_stops_the_reading(caplog: pytest.LogCaptureFixture) -> None:
    body = urlset("<url><loc>https://a.example/1</loc></url><url><loc>https://a.example/2</loc>" + "<x/>" * 1_000_000 + "</url>")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.sitemap"):
        entries = extract_sitemap(document(body), settings())
    assert time.monotonic() - started < 2
    assert [e.link for e in entries] == ["https://a.example/1"]
    assert MAX_RECORD_ELEMENTS == 2_500
    assert caplog.messages == ["example: a <url> of the sitemap has more than 2500 elements, reading no further"]


def test_an_element_bomb_between_urls_is_cut(caplog: pytest.LogCaptureFixture) -> None:
    body = urlset("<url><loc>https://a.example/1</loc></url>" + "<x/>" * 1_000_000 + "<url><loc>https://a.example/2</loc></url>")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.sitemap"):
        entries = extract_sitemap(document(body), settings())
    assert time.monotonic() - started < TIME_LIMIT
    assert [e.link for e in entries] == ["https://a.example/1"]
    assert MAX_ELEMENTS == 500_000
    assert caplog.messages == ["example: the sitemap has more than 500000 elements, reading the first"]


def test_a_sitemap_bomb_runs_in_bounded_memory() -> None:
    """In a fresh process: reading adds a few MB to the body's own, never a tree of a
    million elements (parsed whole, this one takes lxml nearly 600 MB)."""
    script = textwrap.dedent(
        """
        import re, resource
        from datetime import datetime, timezone
        from feeds.adapters.sitemap import extract_sitemap
        from feeds.models import AdapterSettings, Document

        def peak_mb():
            try:  # Linux: the peak since the last reset
                with open("/proc/self/status") as status:
                    return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1)) // 1024
            except (OSError, AttributeError):
                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

        head = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        row = b"<url><loc>https://bomb.example/p/%d</loc><lastmod>2025-06-01</lastmod></url>"
        buffer = bytearray(head)
        for i in range(1_000_000):
            buffer += row % i
        body = bytes(buffer + b"</urlset>")
        del buffer
        try:  # forget the peak of building the body
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
        except OSError:
            pass
        before = peak_mb()
        entries = extract_sitemap(
            Document(body, "https://bomb.example/sitemap.xml", datetime(2025, 7, 3, tzinfo=timezone.utc)),
            AdapterSettings("bomb", timezone.utc),
        )
        print(len(entries), peak_mb() - before)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO, check=True
    )
    count, grown_mb = (int(part) for part in done.stdout.split())
    assert count == MAX_ENTRIES
    assert grown_mb < 100, f"peak memory grew by {grown_mb} MB while reading the bomb"


# --- fits the rest of the pipeline --------------------------------------------------------


def test_entries_survive_normalisation() -> None:
    for name in ("news-sitemap.xml", "posts-sitemap.xml", "image-sitemap.xml"):
        entries = extract(name)
        assert len(normalise(entries, SHANGHAI, NOW)) == len(entries)


def test_example_sources_use_valid_options() -> None:
    data = tomllib.loads((SITEMAPS / "sources.toml").read_text(encoding="utf-8"))
    for source in data["sources"]:
        assert source["adapter"] == "sitemap"
        assert (SITEMAPS / source["url"]).is_file()
        for key, value in source.get("selectors", {}).items():
            assert key in SELECTOR_KEYS and option_problem(key, value) is None
    pattern = data["sources"][1]["selectors"]["url_pattern"]
    assert extract("posts-sitemap.xml", {"url_pattern": pattern})[0].title == "new data rules"
