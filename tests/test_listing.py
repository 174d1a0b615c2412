"""The `listing` adapter on fixture index pages: a GBK government list, a WordPress
category archive and a card grid with lazy images and relative dates."""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from feeds.adapters.listing import (
    MAX_ITEMS,
    NON_CSS_KEYS,
    SELECTOR_KEYS,
    extract_listing,
    option_problem,
)
from feeds.css import selector_error
from feeds.models import AdapterSettings, Document, Entry, ExtractionError
from feeds.normalise import normalise

from .conftest import FIXTURES

LISTING = FIXTURES / "listing"
SHANGHAI = ZoneInfo("Asia/Shanghai")
EAST_8 = timezone(timedelta(hours=8))
NOW = datetime(2025, 7, 3, 16, 0, tzinfo=SHANGHAI)
GOV = "http://www.jiangcheng.gov.cn"
GOV_URL = f"{GOV}/zwgk/tzgg/index.html"
WP = "https://www.example.com"
WP_URL = f"{WP}/category/industry/"
JC = "https://www.jcnews.cn"
JC_URL = f"{JC}/tech/"
URLS = {"gov-gbk.html": GOV_URL, "wordpress-category.html": WP_URL, "card-grid.html": JC_URL}


def extract(
    name: str,
    selectors: dict[str, str],
    url: str | None = None,
    content_type: str = "text/html",
    now: datetime = NOW,
    source: str = "example",
) -> list[Entry]:
    document = Document(
        body=(LISTING / name).read_bytes(), url=url or URLS[name], fetched_at=now,
        headers={"content-type": content_type},
    )
    return extract_listing(document, AdapterSettings(source, SHANGHAI, selectors))


def extract_html(markup: str, selectors: dict[str, str], url: str = "https://news.example.org/list/") -> list[Entry]:
    document = Document(markup.encode("utf-8"), url, NOW, {"content-type": "text/html; charset=utf-8"})
    return extract_listing(document, AdapterSettings("inline", SHANGHAI, selectors))


def gov_item(path: str, title: str, day: datetime, link: str | None = None) -> Entry:
    return Entry(
        id=f"{GOV}{path}", title=title, link=link or f"{GOV}{path}", source="example", role="item",
        published=day, updated=day,
    )


# --- a GBK government list: <li><a>title</a><span>date</span></li> -----------------

GOV_ENTRIES = [
    gov_item("/zwgk/tzgg/202507/t20250703_123456.html", "关于做好2025年防汛防台风工作的通知", datetime(2025, 7, 3, tzinfo=SHANGHAI)),
    gov_item(
        "/zwgk/tzgg/202507/t20250702_123410.html",
        "江城市人民政府办公室关于印发《江城市推动大规模设备更新和消费品以旧换新实施方案》的通知",
        datetime(2025, 7, 2, tzinfo=SHANGHAI),
    ),
    gov_item(
        "/zwgk/tzgg/202506/t20250630_123300.html", "关于2025年第二季度“双随机、一公开”抽查结果的公示",
        datetime(2025, 6, 30, tzinfo=SHANGHAI), link=f"{GOV}/zwgk/tzgg/202506/t20250630_123300.html?utm_source=weibo",
    ),
    gov_item(
        "/xxgk/gsgg/202506/t20250627_123199.html", "江城市2025年度公开招聘事业单位工作人员拟聘用人员公示（第二批）",
        datetime(2025, 6, 27, tzinfo=SHANGHAI),
    ),
    gov_item("/zwgk/tzgg/202506/t20250625_123101.html", "关于7月1日起调整部分公交线路的通告", datetime(2025, 6, 25, tzinfo=SHANGHAI)),
]


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=GBK"])
def test_gbk_government_list_with_defaults(content_type: str) -> None:
    entries = extract("gov-gbk.html", {"item": "ul.list li"}, content_type=content_type)
    assert entries == GOV_ENTRIES


def test_gbk_list_reads_the_bare_date_besides_the_link_not_the_date_in_the_title() -> None:
    entries = extract("gov-gbk.html", {"item": "ul.list li"})
    # "关于7月1日起…" names a date in its title; the item's own date is the <span>.
    assert entries[-1].published == datetime(2025, 6, 25, tzinfo=SHANGHAI)
    assert entries[-1].provenance == {"title": "link", "link": "default", "published": "item text"}


def test_a_title_cut_short_with_an_ellipsis_is_read_from_the_title_attribute() -> None:
    entry = extract("gov-gbk.html", {"item": "ul.list li"})[1]
    assert entry.title.endswith("实施方案》的通知")
    assert entry.provenance["title"] == "link title attribute"


def test_an_item_without_a_link_is_skipped_with_a_warning_naming_the_source(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.listing"):
        extract("gov-gbk.html", {"item": "ul.list li"}, source="jiangcheng-tzgg")
    assert [r.getMessage() for r in caplog.records] == ["jiangcheng-tzgg: listing item 4 without a link skipped"]


def test_configured_date_selector_gives_the_same_dates() -> None:
    assert extract("gov-gbk.html", {"item": "ul.list li", "date": "span"}) == GOV_ENTRIES


# --- a WordPress category archive -------------------------------------------------

WP_SELECTORS = {
    "item": "article.post",
    "title": "h2.entry-title a",
    "link": "h2.entry-title a",
    "date": "time.entry-date",
    "summary": ".entry-summary p",
    "author": ".post-author a",
    "category": ".entry-categories a[rel~=category]",
    "image": "img.wp-post-image",
}
WP_ENTRIES = [
    Entry(
        id=f"{WP}/2025/07/new-data-rules/",
        title="数据出境新规落地：企业需要做什么？",
        link=f"{WP}/2025/07/new-data-rules/",
        source="example",
        role="item",
        summary="国家网信办发布的新规明确了个人信息出境的豁免情形，企业合规成本有望下降。本文梳理三项关键变化 …",
        content_html="<p>国家网信办发布的新规明确了个人信息出境的豁免情形，企业合规成本有望下降。本文梳理三项关键变化 …</p>",
        authors=("张伟",),
        published=datetime(2025, 7, 3, 9, 30, tzinfo=EAST_8),
        updated=datetime(2025, 7, 3, 9, 30, tzinfo=EAST_8),
        categories=("行业动态", "政策解读"),
        image=f"{WP}/wp-content/uploads/2025/07/data-rules-1200x675.jpg",
    ),
    Entry(
        id=f"{WP}/2025/06/ai-compute-vouchers/",
        title="上海发放“算力券” & 中小企业如何申领",
        link=f"{WP}/2025/06/ai-compute-vouchers/",
        source="example",
        role="item",
        summary="算力券最高可抵扣30%的算力采购费用。",
        content_html="<p>算力券最高可抵扣30%的算力采购费用。</p>",
        authors=("李娜",),
        published=datetime(2025, 6, 28, 16, 5, tzinfo=EAST_8),
        updated=datetime(2025, 6, 28, 16, 5, tzinfo=EAST_8),
        categories=("行业动态",),
        image=None,
    ),
    Entry(
        id=f"{WP}/2025/06/shipping-index/",
        title="长三角航运指数连续三周回升",
        link=f"{WP}/2025/06/shipping-index/",
        source="example",
        role="item",
        summary="上海、宁波舟山港的集装箱吞吐量继续增长。",
        content_html="<p>上海、宁波舟山港的集装箱吞吐量继续增长。</p>",
        authors=(),
        published=datetime(2025, 6, 20, 8, 0, tzinfo=EAST_8),
        updated=datetime(2025, 6, 20, 8, 0, tzinfo=EAST_8),
        categories=("行业动态",),
        image=f"{WP}/wp-content/uploads/2025/06/shipping.png",
    ),
]


def test_wordpress_category_page_with_selectors() -> None:
    entries = extract("wordpress-category.html", WP_SELECTORS)
    assert entries == WP_ENTRIES
    assert entries[0].provenance == {
        "title": "selectors.title", "link": "selectors.link", "summary": "selectors.summary",
        "published": "selectors.date", "image": "selectors.image",
    }


def test_wordpress_category_page_with_the_item_selector_only() -> None:
    """The defaults know WordPress markup: the headline link (not the category link
    before it), time[datetime], .entry-summary without "继续阅读", lazy thumbnails."""
    entries = extract("wordpress-category.html", {"item": "article.post"})
    assert entries == WP_ENTRIES
    assert entries[0].provenance == {
        "title": "link", "link": "default", "summary": "default", "published": "default", "image": "default",
    }


# --- a card grid: lazy images, CSS backgrounds, relative dates ----------------------

CARD_SELECTORS = {
    "item": ".grid .card",
    "title": ".card-title",
    "summary": ".card-text",
    "date": ".card-meta .time",
    "image": ".card-cover",
    "category": ".badge",
    "author": ".card-meta .source",
}
CARD_ENTRIES = [
    Entry(
        id=f"{JC}/tech/2025/0703/robot-marathon.html",
        title="人形机器人半程马拉松：21公里跑完只用了2小时40分",
        link=f"{JC}/tech/2025/0703/robot-marathon.html",
        source="example",
        role="item",
        summary="来自12家企业的人形机器人参加了比赛，最快的一台用时2小时40分42秒。",
        content_html="<p>来自12家企业的人形机器人参加了比赛，最快的一台用时2小时40分42秒。</p>",
        authors=("江城日报",),
        published=datetime(2025, 7, 3, 13, 0, tzinfo=SHANGHAI),  # 3小时前
        updated=datetime(2025, 7, 3, 13, 0, tzinfo=SHANGHAI),
        categories=("机器人",),
        image="https://img.jcnews.cn/2025/07/03/robot-marathon_s.jpg",  # data-src, protocol-relative
    ),
    Entry(
        id=f"{JC}/tech/2025/0703/chip-fab.html?from=channel",
        title="12英寸晶圆厂二期封顶",
        link=f"{JC}/tech/2025/0703/chip-fab.html?from=channel&spm=tech.list.2",
        source="example",
        role="item",
        summary="项目总投资约150亿元，预计明年投产。",
        content_html="<p>项目总投资约150亿元，预计明年投产。</p>",
        authors=("新华社",),
        published=NOW,  # 刚刚
        updated=NOW,
        categories=("半导体",),
        image="https://img.jcnews.cn/2025/07/03/chip-fab_s.jpg",  # style="background-image: url(…)"
    ),
    Entry(
        id=f"{JC}/tech/2025/0702/battery-recycling.html",
        title="动力电池回收进入“规范期”",
        link=f"{JC}/tech/2025/0702/battery-recycling.html",
        source="example",
        role="item",
        summary="白名单企业扩容至156家。",
        content_html="<p>白名单企业扩容至156家。</p>",
        authors=("江城日报",),
        published=datetime(2025, 7, 2, 8, 30, tzinfo=SHANGHAI),  # 昨天 08:30
        updated=datetime(2025, 7, 2, 8, 30, tzinfo=SHANGHAI),
        categories=("新能源", "环保"),
        image="https://img.jcnews.cn/2025/07/02/battery_s.webp",  # data-original over a data: placeholder
    ),
    Entry(
        id=f"{JC}/tech/2025/0629/quantum-network.html",
        title="城域量子通信网开通",
        link=f"{JC}/tech/2025/0629/quantum-network.html",
        source="example",
        role="item",
        published=datetime(2025, 6, 29, 10, 15, tzinfo=SHANGHAI),  # 06-29 10:15: this year
        updated=datetime(2025, 6, 29, 10, 15, tzinfo=SHANGHAI),
    ),
]


def test_card_grid_with_selectors() -> None:
    assert extract("card-grid.html", CARD_SELECTORS) == CARD_ENTRIES


def test_card_grid_with_the_item_selector_only() -> None:
    """Defaults: the headline link (the cover link has no text), .card-text, .time,
    the first <img>; a CSS background, badges and the source name need selectors."""
    entries = extract("card-grid.html", {"item": ".grid .card"})
    expected = [dataclasses.replace(e, authors=(), categories=()) for e in CARD_ENTRIES]
    expected[1] = dataclasses.replace(expected[1], image=None)
    assert entries == expected


def test_relative_dates_are_resolved_against_the_fetch_time() -> None:
    later = NOW + timedelta(days=1)
    entries = extract("card-grid.html", CARD_SELECTORS, now=later)
    assert [e.published for e in entries] == [
        datetime(2025, 7, 4, 13, 0, tzinfo=SHANGHAI),
        later,
        datetime(2025, 7, 3, 8, 30, tzinfo=SHANGHAI),
        datetime(2025, 6, 29, 10, 15, tzinfo=SHANGHAI),
    ]


def test_dates_are_aware_in_the_source_timezone() -> None:
    document = Document((LISTING / "card-grid.html").read_bytes(), JC_URL, NOW, {"content-type": "text/html"})
    berlin = ZoneInfo("Europe/Berlin")
    entries = extract_listing(document, AdapterSettings("example", berlin, CARD_SELECTORS))
    # 昨天 08:30 is a wall time of the source's zone: 2025-07-03 16:00 in Shanghai is 10:00 in Berlin.
    assert entries[2].published == datetime(2025, 7, 2, 8, 30, tzinfo=berlin)
    assert all(e.published is not None and e.published.utcoffset() is not None for e in entries)


def test_the_ad_card_without_a_link_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.listing"):
        entries = extract("card-grid.html", CARD_SELECTORS, source="jcnews-tech")
    assert len(entries) == 4
    assert "jcnews-tech: listing item 3 without a link skipped" in caplog.messages


# --- date_format ------------------------------------------------------------------

EUROPEAN = """<html><body><ul class="news">
<li><a href="/a">Budget approved</a> <span class="d">03/07/2025</span></li>
<li><a href="/b">Bridge reopens</a> <span class="d">Published 28/06/2025</span></li>
<li><a href="/c">Festival dates</a> <span class="d">2025-06-01</span></li>
</ul></body></html>"""


def test_date_format_reads_dates_parse_date_cannot() -> None:
    without = extract_html(EUROPEAN, {"item": ".news li", "date": ".d"})
    assert [e.published for e in without] == [None, None, datetime(2025, 6, 1, tzinfo=SHANGHAI)]
    entries = extract_html(EUROPEAN, {"item": ".news li", "date": ".d", "date_format": "%d/%m/%Y"})
    # The format must fit the whole text; otherwise parse_date still has its go.
    assert [e.published for e in entries] == [datetime(2025, 7, 3, tzinfo=SHANGHAI), None, datetime(2025, 6, 1, tzinfo=SHANGHAI)]
    assert entries[0].provenance["published"] == "date_format"
    assert entries[2].provenance["published"] == "selectors.date"


def test_date_format_with_chinese_text_and_time() -> None:
    markup = '<div class="list"><p><a href="/1">通知</a><em>2025年07月03日 09时05分</em></p></div>'
    entries = extract_html(markup, {"item": ".list p", "date": "em", "date_format": "%Y年%m月%d日 %H时%M分"})
    assert entries[0].published == datetime(2025, 7, 3, 9, 5, tzinfo=SHANGHAI)


def test_date_format_without_a_year_takes_the_latest_past_year() -> None:
    markup = '<ul><li><a href="/1">One</a><i>02.07.</i></li><li><a href="/2">Two</a><i>24.12.</i></li></ul>'
    entries = extract_html(markup, {"item": "li", "date": "i", "date_format": "%d.%m."})
    assert [e.published for e in entries] == [
        datetime(2025, 7, 2, tzinfo=SHANGHAI),
        datetime(2024, 12, 24, tzinfo=SHANGHAI),  # this year's would be in the future
    ]


def test_date_format_with_an_offset_keeps_it() -> None:
    markup = '<ul><li><a href="/1">One</a><i>2025-07-03 08:00 +0000</i></li></ul>'
    entries = extract_html(markup, {"item": "li", "date": "i", "date_format": "%Y-%m-%d %H:%M %z"})
    assert entries[0].published == datetime(2025, 7, 3, 8, 0, tzinfo=timezone.utc)


def test_date_format_rejects_implausible_dates() -> None:
    markup = '<ul><li><a href="/1">One</a><i>01/01/1990</i></li><li><a href="/2">Two</a><i>01/01/2030</i></li></ul>'
    entries = extract_html(markup, {"item": "li", "date": "i", "date_format": "%d/%m/%Y"})
    assert [e.published for e in entries] == [None, None]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("%d/%m/%Y", None),
        ("%Y年%m月%d日", None),
        ("%d.%m.", None),
        ("%Y-%m-%d %H:%M %z", None),
        ("%Q/%m", "invalid date_format '%Q/%m': 'Q' is a bad directive in format '%Q/%m'"),
        ("%Y-%m-%", "invalid date_format '%Y-%m-%': stray % in format '%Y-%m-%'"),  # Python's wording
        ("YYYY-MM-DD", "date_format 'YYYY-MM-DD' has no % directive (e.g. '%Y年%m月%d日', '%d/%m/%Y')"),
    ],
)
def test_option_problem_checks_date_format(value: str, problem: str | None) -> None:
    assert option_problem("date_format", value) == problem


def test_option_problem_knows_only_the_non_css_keys() -> None:
    assert option_problem("title", "h2 a") is None
    assert NON_CSS_KEYS == {"date_format"}
    assert SELECTOR_KEYS == {"item", "title", "link", "date", "summary", "image", "category", "author", "date_format"}
    assert NON_CSS_KEYS <= SELECTOR_KEYS


# --- errors -----------------------------------------------------------------------


def test_the_item_selector_is_required() -> None:
    with pytest.raises(ExtractionError, match=r"^the listing adapter needs selectors\.item$"):
        extract("gov-gbk.html", {"title": "a"})


def test_an_item_selector_that_matches_nothing_is_named() -> None:
    with pytest.raises(ExtractionError) as raised:
        extract("gov-gbk.html", {"item": ".news li"})
    assert str(raised.value) == "selectors.item '.news li' matched nothing"


def test_an_invalid_css_selector_is_named() -> None:
    with pytest.raises(ExtractionError, match=r"^selectors\.summary: invalid CSS selector 'p\[': "):
        extract("gov-gbk.html", {"item": "ul.list li", "summary": "p["})


def test_date_format_is_not_checked_as_css() -> None:
    entries = extract("gov-gbk.html", {"item": "ul.list li", "date_format": "%Y-%m-%d"})
    assert [e.published for e in entries] == [e.published for e in GOV_ENTRIES]
    assert entries[0].provenance["published"] == "date_format"


def test_items_without_any_link_are_an_error_naming_the_link_selector() -> None:
    with pytest.raises(ExtractionError) as raised:
        extract("gov-gbk.html", {"item": "ul.list li", "link": "a.more"})
    assert str(raised.value) == (
        "none of the 6 items of selectors.item 'ul.list li' has a link and a title "
        "(selectors.link 'a.more' matched nothing usable)"
    )


def test_an_item_selector_matching_chrome_only_is_an_error() -> None:
    with pytest.raises(ExtractionError, match=r"^none of the 1 item of selectors\.item '\.footer' has a link and a title$"):
        extract_html('<div class="footer">版权所有</div><a href="/x">x</a>', {"item": ".footer"})


def test_a_configured_field_selector_that_matches_in_no_item_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.listing"):
        entries = extract("wordpress-category.html", {**WP_SELECTORS, "summary": ".excerpt-old"}, source="example-industry")
    assert [e.summary for e in entries] == ["", "", ""]
    assert caplog.messages == ["example-industry: selectors.summary '.excerpt-old' matched nothing in any item"]


def test_an_empty_page_is_an_error() -> None:
    with pytest.raises(ExtractionError, match="empty page"):
        extract_listing(Document(b"  ", JC_URL, NOW), AdapterSettings("x", SHANGHAI, {"item": "li"}))


# --- limits and shapes ---------------------------------------------------------------


def test_at_most_max_items_are_read(caplog: pytest.LogCaptureFixture) -> None:
    items = "".join(f'<li><a href="/n/{i}.html">新闻 {i}</a><span>2025-07-01</span></li>' for i in range(MAX_ITEMS + 100))
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.listing"):
        entries = extract_html(f"<ul class='news'>{items}</ul>", {"item": ".news li"})
    assert MAX_ITEMS == 500
    assert len(entries) == MAX_ITEMS
    assert entries[-1].title == "新闻 499"
    assert caplog.messages == ["inline: selectors.item matched 600 items, reading the first 500"]


def test_nested_matches_keep_the_outermost_items_and_the_same_link_once() -> None:
    markup = """<ul class="news">
      <li><a href="/a">A</a><ul><li><a href="/a-1">A sub</a></li></ul></li>
      <li><a href="/b?utm_source=x">B</a></li>
      <li><a href="/b">B again</a></li>
    </ul>"""
    entries = extract_html(markup, {"item": ".news li"})
    assert [(e.title, e.id) for e in entries] == [
        ("A", "https://news.example.org/a"),
        ("B", "https://news.example.org/b"),
    ]


def test_an_item_that_is_itself_the_link() -> None:
    markup = """<div class="grid">
      <a class="tile" href="/p/1"><img data-src="/i/1.jpg" src="/blank.gif"><h4>标题一</h4><p class="summary">摘要一</p><span class="date">2小时前</span></a>
    </div>"""
    [entry] = extract_html(markup, {"item": ".grid a.tile"})
    assert (entry.link, entry.title, entry.summary, entry.image, entry.published) == (
        "https://news.example.org/p/1", "标题一", "摘要一", "https://news.example.org/i/1.jpg",
        NOW - timedelta(hours=2),
    )


def test_image_selector_reads_data_bg_and_a_link_selector_finds_the_link_inside() -> None:
    markup = """<section><div class="row">
      <div class="pic" data-bg="/img/x.png"></div><div class="t"><a href="/x">X</a></div>
    </div></section>"""
    [entry] = extract_html(markup, {"item": ".row", "image": ".pic", "link": ".t", "title": ".t"})
    assert (entry.link, entry.title, entry.image) == ("https://news.example.org/x", "X", "https://news.example.org/img/x.png")


def test_unsafe_links_and_links_back_to_the_list_are_skipped_and_summaries_are_escaped() -> None:
    markup = """<ul>
      <li><a href="javascript:alert(1)">Bad</a></li>
      <li><a href="#" onclick="open(7)">Script</a></li>
      <li><a href="/list/?utm_source=x#top">Self</a></li>
      <li><a href="/ok">OK</a><p class="summary">&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p></li>
    </ul>"""
    [entry] = extract_html(markup, {"item": "li"})
    assert entry.summary == "<script>alert(1)</script> & more"
    assert entry.content_html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>"


def test_entries_survive_normalisation_unchanged_in_number() -> None:
    for name, selectors in (
        ("gov-gbk.html", {"item": "ul.list li"}),
        ("wordpress-category.html", WP_SELECTORS),
        ("card-grid.html", CARD_SELECTORS),
    ):
        entries = extract(name, selectors)
        assert len(normalise(entries, SHANGHAI, NOW)) == len(entries)


# --- the example source file ---------------------------------------------------------


def test_example_sources_have_valid_selectors_and_give_entries() -> None:
    data = tomllib.loads((LISTING / "sources.toml").read_text(encoding="utf-8"))
    counts = {}
    for source in data["sources"]:
        assert source["adapter"] == "listing"
        selectors = source["selectors"]
        for key, value in selectors.items():
            assert key in SELECTOR_KEYS
            problem = option_problem(key, value) if key in NON_CSS_KEYS else selector_error(value)
            assert problem is None, (source["name"], key, problem)
        counts[source["name"]] = len(extract(source["url"], selectors, source=source["name"]))
    assert counts == {"jiangcheng-tzgg": 5, "example-industry": 3, "jcnews-tech": 4}


def test_fixture_pages_are_what_they_claim() -> None:
    raw = (LISTING / "gov-gbk.html").read_bytes()
    assert "江城市人民政府".encode("gbk") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
