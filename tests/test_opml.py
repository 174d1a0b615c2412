"""feeds.opml: an OPML 2.0 list of every feed the build publishes, all feed first."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from feeds.config import CategoryConfig
from feeds.models import Entry
from feeds.opml import OPML_FILENAME, render_opml
from feeds.render import SiteInfo, rss_filename
from feeds.route import ALL_SLUG, FeedSpec, route

BASE_URL = "https://example.github.io/feeds/"
SITE = SiteInfo(title="产业新闻", base_url=BASE_URL, author="编辑部", language="zh-CN")
HOSTILE = '"><script>alert(1)</script> & <b>'


def entry(n: int, categories: tuple[str, ...] = ()) -> Entry:
    return Entry(
        id=f"https://www.example.cn/news/{n}.html",
        title=f"新闻 {n}",
        link=f"https://www.example.cn/news/{n}.html",
        source="camerich" if n % 2 else "other",
        role="main",
        published=datetime(2025, 5, n, 8, 0, tzinfo=UTC),
        categories=categories,
    )


def specs() -> list[FeedSpec]:
    return route(
        [entry(1), entry(2, ("媒体",)), entry(3, ("媒体", HOSTILE))],
        source_categories={"camerich": "产业资讯", "other": None},
        declared=[CategoryConfig(name="产业资讯", slug="industry", title="产业资讯 · Industry")],
        site_title=SITE.title,
        max_entries=50,
    )


def parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def test_file_name() -> None:
    assert OPML_FILENAME == "feeds.opml"


def test_an_opml_2_document_with_a_title_and_no_dates() -> None:
    data = render_opml(specs(), SITE)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<opml version=\"2.0\">")
    root = parse(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert [child.tag for child in root] == ["head", "body"]
    head = root.find("head")
    assert head is not None
    assert head.findtext("title") == "产业新闻"
    assert head.findtext("ownerName") == "编辑部"
    assert head.find("dateCreated") is None and head.find("dateModified") is None
    assert "产业新闻".encode() in data, "UTF-8 text, not character references"


def test_one_rss_outline_per_feed_all_first() -> None:
    feeds = specs()
    outlines = parse(render_opml(feeds, SITE)).findall("body/outline")
    assert feeds[0].slug == ALL_SLUG
    assert len(outlines) == len(feeds) == 4
    for spec, outline in zip(feeds, outlines, strict=True):
        assert outline.get("type") == "rss"
        assert outline.get("version") == "RSS2"
        assert outline.get("text") == outline.get("title") == spec.title
        assert outline.get("description") == spec.description
        assert outline.get("xmlUrl") == BASE_URL + rss_filename(spec.slug)
        assert outline.get("htmlUrl") == BASE_URL
        assert outline.get("language") == "zh-CN"
        assert len(outline) == 0, "a flat list: no nested outlines"
    urls = [o.get("xmlUrl") for o in outlines]
    assert urls == [BASE_URL + rss_filename(spec.slug) for spec in feeds]
    assert urls[0] == BASE_URL + "all.rss.xml"
    assert {BASE_URL + "industry.rss.xml", BASE_URL + "meiti.rss.xml"} <= set(urls)


def test_untrusted_titles_are_escaped_attribute_values() -> None:
    data = render_opml(specs(), SITE)
    root = parse(data)
    titles = [o.get("text") for o in root.iter("outline")]
    assert f"产业新闻 · {HOSTILE}" in titles
    assert b"<script>" not in data
    assert root.find(".//script") is None and root.find(".//b") is None


def test_optional_attributes_are_left_out() -> None:
    site = SiteInfo(title="feeds", base_url=BASE_URL, author="")
    spec = FeedSpec(slug="x", title="X", description="", entries=())
    root = parse(render_opml([spec], site))
    assert root.find("head/ownerName") is None
    outline = root.find("body/outline")
    assert outline is not None
    assert "language" not in outline.attrib and "description" not in outline.attrib
    assert outline.get("xmlUrl") == BASE_URL + "x.rss.xml"


def test_deterministic() -> None:
    assert render_opml(specs(), SITE) == render_opml(specs(), SITE)
