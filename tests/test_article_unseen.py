"""The article adapter on pages shaped like the web it has never seen: every field pinned.

Eight pages under tests/fixtures/pages/, two of each kind: Chinese government sites (one
GBK-encoded), WordPress (Yoast JSON-LD, and bare microformats), English news sites, and
pages with no metadata at all. Each main entry is pinned field by field together with the
layer that gave each field (`Entry.provenance`), and each page's related items by link,
title and date; sidebars, navigation and share bars never become related news.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from feeds.adapters import body as body_module
from feeds.adapters.article import extract_article
from feeds.models import AdapterSettings, Document, Entry
from feeds.normalise import normalise
from feeds.page import Page

from .conftest import FIXTURES, SEED_PAGE, LocalServer, run_cli

PAGES = FIXTURES / "pages"
NOW = datetime(2025, 7, 4, 4, 0, tzinfo=timezone.utc)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True)
class Case:
    file: str
    url: str
    """Where the page was fetched from (the document URL)."""
    tz: ZoneInfo


GOV_GBK = Case("gov-gbk-trs.html", "http://www.qingxi.example.gov.cn/zwgk/zwyw/202507/t20250703_1187365.html", SHANGHAI)
GOV_UTF8 = Case("gov-utf8-hanweb.html", "https://www.lanshan.example.gov.cn/art/2025/6/28/art_127_812811.html", SHANGHAI)
WP_YOAST = Case("wp-yoast-astra.html", "https://www.hengtai-tech.example.com/news/energy-storage-shipments-2025h1/", SHANGHAI)
WP_HENTRY = Case(
    "wp-hentry-classic.html", "https://www.jinghua-valve.example.cn/2025/06/30/smart-valve-appraisal/?utm_source=weixin", SHANGHAI
)
EN_TRIBUNE = Case("en-news-byline.html", "https://www.tribune.example.com/local/2025/07/03/council-approves-transit-plan", NEW_YORK)
EN_COURIER = Case(
    "en-courier-opengraph.html",
    "https://www.baysidecourier.example.org/news/harbor-cleanup-finishes-ahead-of-schedule/?utm_source=twitter", LONDON,
)
GENERIC_CN = Case("generic-cn-plain.html", "http://www.binhai-port.example.cn/news/2025/0702/1541.html", SHANGHAI)
GENERIC_EN = Case("generic-en-blog.html", "https://engineering.acme.example.com/2025/06/why-we-moved-our-build-to-rust/", LOS_ANGELES)
ALL_CASES = [GOV_GBK, GOV_UTF8, WP_YOAST, WP_HENTRY, EN_TRIBUNE, EN_COURIER, GENERIC_CN, GENERIC_EN]


@cache
def entries(case: Case) -> tuple[Entry, ...]:
    document = Document(body=(PAGES / case.file).read_bytes(), url=case.url, fetched_at=NOW)
    settings = AdapterSettings(source="test", timezone=case.tz)
    return tuple(normalise(extract_article(document, settings), case.tz, NOW))


def main_fields(case: Case) -> dict[str, Any]:
    """Every field of the main entry but content_html, which is checked block by block."""
    main = entries(case)[0]
    assert main.role == "main" and main.source == "test"
    return {
        "id": main.id, "title": main.title, "link": main.link, "summary": main.summary,
        "authors": main.authors, "published": main.published, "updated": main.updated,
        "categories": main.categories, "image": main.image, "extra": dict(main.extra),
        "provenance": dict(main.provenance),
    }


def blocks(case: Case) -> list[tuple[str, str]]:
    """The main body as (tag, text) of its top-level elements."""
    root = html.fragment_fromstring(entries(case)[0].content_html, create_parent="div")
    return [(child.tag, " ".join(child.text_content().split())) for child in root]


def images(case: Case) -> list[str | None]:
    root = html.fragment_fromstring(entries(case)[0].content_html, create_parent="div")
    return [img.get("src") for img in root.iter("img")]


def related(case: Case) -> list[tuple[str, str, datetime | None]]:
    found = entries(case)[1:]
    assert all(e.role == "related" and e.id == e.link for e in found)
    return [(e.link, e.title, e.published) for e in found]


def assert_exact_zone(value: datetime | None, offset: timedelta) -> None:
    assert value is not None and value.utcoffset() == offset


# --- Government site, GBK, TRS markup ----------------------------------------------------

GOV_GBK_DIR = "http://www.qingxi.example.gov.cn/zwgk/zwyw/202507"


def test_gov_gbk_main_fields() -> None:
    assert main_fields(GOV_GBK) == {
        "id": f"{GOV_GBK_DIR}/t20250703_1187365.html",
        "title": "青溪市召开全市数据要素市场化配置改革推进会",
        "link": f"{GOV_GBK_DIR}/t20250703_1187365.html",
        "summary": "7月3日下午，全市数据要素市场化配置改革推进会召开。会议总结上半年工作，部署下一阶段重点任务。副市长王喆出席会议并讲话。",
        "authors": (),
        "published": datetime(2025, 7, 3, 15, 20, tzinfo=SHANGHAI),
        "updated": datetime(2025, 7, 3, 15, 20, tzinfo=SHANGHAI),
        "categories": (),
        "image": f"{GOV_GBK_DIR}/W020250703553445178520.jpg",
        "extra": {"publisher": "青溪市数据局"},
        "provenance": {
            "title": "heuristics", "link": "document", "id": "document", "summary": "theme",
            "published": "visible-text", "updated": "visible-text", "image": "theme",
            "content_html": "theme", "publisher": "visible-text",
        },
    }
    assert_exact_zone(entries(GOV_GBK)[0].published, timedelta(hours=8))


def test_gov_gbk_body_is_the_trs_editor_decoded_as_gbk() -> None:
    assert blocks(GOV_GBK) == [
        ("p", "7月3日下午，全市数据要素市场化配置改革推进会召开。会议总结上半年工作，部署下一阶段重点任务。副市长王喆出席会议并讲话。"),
        ("p", "会议指出，今年以来，全市上下围绕公共数据授权运营、数据标注基地建设、可信数据空间试点等重点任务，扎实推进各项改革举措落地见效，全市数据产业规模同比增长18.6%。"),
        ("p", ""),
        ("p", "会议强调，各地各部门要进一步提高政治站位，强化统筹协调，加快构建数据基础制度体系，持续释放数据要素价值，为全市经济高质量发展注入新动能。"),
        ("p", "会上，市数据局、市发展改革委、市工业和信息化局等单位作交流发言。记者 王喆 摄"),
    ]
    assert images(GOV_GBK) == [f"{GOV_GBK_DIR}/W020250703553445178520.jpg"]
    content = entries(GOV_GBK)[0].content_html
    for chrome in ("发布时间", "来源：", "字体", "责任编辑", "打印", "上一篇", "相关链接", "热门文章", "TRS_Editor", "font-family"):
        assert chrome not in content


def test_gov_gbk_body_byline_and_editor_are_not_authors() -> None:
    # "记者 王喆 摄" closes the body and "（责任编辑：李晓梅）" follows it: neither is the
    # metadata line under the title, and an editor is no author anyway.
    assert entries(GOV_GBK)[0].authors == ()


def test_gov_gbk_related_links_skip_another_sites_front_page() -> None:
    assert related(GOV_GBK) == [
        ("http://www.qingxi.example.gov.cn/zwgk/zwyw/202506/t20250618_1185527.html", "青溪市出台公共数据授权运营管理办法",
         datetime(2025, 6, 18, tzinfo=SHANGHAI)),
        ("http://www.qingxi.example.gov.cn/zwgk/zwyw/202505/t20250527_1183011.html", "青溪国家数据标注基地年标注能力突破1000TB",
         datetime(2025, 5, 27, tzinfo=SHANGHAI)),
        ("http://www.qingxi.example.gov.cn/zwgk/zcjd/202504/t20250415_1179230.html", "图解：青溪市数据要素市场化配置改革实施方案",
         datetime(2025, 4, 15, tzinfo=SHANGHAI)),
    ]
    assert [e.provenance for e in entries(GOV_GBK)[1:]] == [{"block": "heading"}] * 3


# --- Government site, UTF-8, Hanweb markup -----------------------------------------------

GOV_UTF8_SITE = "https://www.lanshan.example.gov.cn"


def test_gov_utf8_main_fields() -> None:
    assert main_fields(GOV_UTF8) == {
        "id": f"{GOV_UTF8_SITE}/art/2025/6/28/art_127_812811.html",
        "title": "区农业农村局开展夏季农业生产技术指导服务",
        "link": f"{GOV_UTF8_SITE}/art/2025/6/28/art_127_812811.html",
        "summary": "为确保夏季农业生产顺利进行，6月下旬以来，区农业农村局组织农技人员深入田间地头，开展技术指导服务。",
        "authors": ("李明", "王芳"),
        "published": datetime(2025, 6, 28, tzinfo=SHANGHAI),
        "updated": datetime(2025, 6, 28, tzinfo=SHANGHAI),
        "categories": ("部门动态",),
        "image": f"{GOV_UTF8_SITE}/picture/0/2506281032145670891.jpg",
        "extra": {"publisher": "区农业农村局"},
        "provenance": {
            "title": "heuristics", "link": "document", "id": "document", "summary": "theme",
            "authors": "visible-text", "published": "visible-text", "updated": "visible-text",
            "categories": "meta", "image": "theme", "content_html": "theme", "publisher": "visible-text",
        },
    }


def test_gov_utf8_body_is_zoom_without_the_info_line() -> None:
    assert blocks(GOV_UTF8) == [
        ("p", "为确保夏季农业生产顺利进行，6月下旬以来，区农业农村局组织农技人员深入田间地头，开展技术指导服务。"),
        ("p", "农技人员围绕玉米播种、大豆玉米带状复合种植、病虫害绿色防控等关键环节，现场讲解技术要点，发放明白纸3000余份，指导农户科学管理。"),
        ("p", ""),
        ("p", "下一步，区农业农村局将持续加强技术服务，推动各项增产措施落实落地，为全年粮食丰收打牢基础。"),
        ("p", "（作者：王芳）"),
    ]
    assert images(GOV_UTF8) == [f"{GOV_UTF8_SITE}/picture/0/2506281032145670891.jpg"]
    content = entries(GOV_UTF8)[0].content_html
    for chrome in ("发布日期", "信息来源", "责任编辑", "分享到", "相关文章", "最新信息", "当前位置", "data-imgid"):
        assert chrome not in content


def test_gov_utf8_title_is_not_the_site_name_heading() -> None:
    # The header's <h1> says 岚山区人民政府; the article's own heading is an h1 further down.
    assert entries(GOV_UTF8)[0].title != "岚山区人民政府"


def test_gov_utf8_related_articles_not_the_sidebar() -> None:
    assert related(GOV_UTF8) == [
        (f"{GOV_UTF8_SITE}/art/2025/6/20/art_127_812345.html", "岚山区启动“三夏”农机跨区作业服务", datetime(2025, 6, 20, tzinfo=SHANGHAI)),
        (f"{GOV_UTF8_SITE}/art/2025/6/12/art_127_811902.html", "区农业农村局召开夏粮收购工作会议", datetime(2025, 6, 12, tzinfo=SHANGHAI)),
    ]


# --- WordPress: Yoast @graph, Astra, Jetpack -----------------------------------------------

WP_YOAST_SITE = "https://www.hengtai-tech.example.com"


def test_wp_yoast_main_fields() -> None:
    assert main_fields(WP_YOAST) == {
        "id": f"{WP_YOAST_SITE}/news/energy-storage-shipments-2025h1/",
        "title": "储能电池出货量同比增长45%，行业进入规模化竞争阶段",
        "link": f"{WP_YOAST_SITE}/news/energy-storage-shipments-2025h1/",
        "summary": "2025年上半年，国内储能电池出货量同比增长45%，头部企业加速扩产。",
        "authors": ("张伟",),
        "published": datetime(2025, 7, 1, 2, 30, tzinfo=timezone.utc),
        "updated": datetime(2025, 7, 2, 1, 5, 12, tzinfo=timezone.utc),
        "categories": ("行业资讯",),
        "image": f"{WP_YOAST_SITE}/wp-content/uploads/2025/07/storage-line.jpg",
        "extra": {},
        "provenance": {
            "title": "json-ld", "link": "canonical", "id": "canonical", "summary": "opengraph",
            "authors": "json-ld", "published": "json-ld", "updated": "json-ld", "categories": "json-ld",
            "image": "json-ld", "content_html": "theme",
        },
    }
    assert_exact_zone(entries(WP_YOAST)[0].published, timedelta(0))


def test_wp_yoast_body_without_share_buttons_or_related_posts() -> None:
    assert blocks(WP_YOAST) == [
        ("p", "据行业协会统计，2025年上半年国内储能电池出货量达到128GWh，同比增长45%。其中，电力储能占比超过七成，工商业储能增速最快。"),
        ("p", "业内人士表示，随着碳酸锂价格回落，储能系统成本较去年同期下降约两成，项目收益率明显改善，带动招标规模持续扩大。"),
        ("figure", "2025年上半年储能电池出货量（单位：GWh）"),
        ("h2", "头部企业加速扩产"),
        ("p", "今年以来，多家头部企业相继公布扩产计划，新增产能主要集中在314Ah等大容量电芯。行业集中度进一步提高，前五家企业市场份额合计超过80%。"),
        ("p", "分析认为，储能行业已由政策驱动转向市场驱动，进入规模化竞争阶段，具备技术和成本优势的企业将获得更大发展空间。"),
    ]
    assert images(WP_YOAST) == [f"{WP_YOAST_SITE}/wp-content/uploads/2025/07/shipments-chart-1024x576.png"]
    content = entries(WP_YOAST)[0].content_html
    for chrome in ("分享此文章", "微信", "钠离子", "jp-relatedposts", "发表回复", "近期文章", "上一篇"):
        assert chrome not in content


def test_wp_yoast_jetpack_related_posts_without_their_tracking_parameters() -> None:
    assert related(WP_YOAST) == [
        (f"{WP_YOAST_SITE}/news/sodium-ion-pilot-line/", "钠离子电池中试线投产", datetime(2025, 6, 20, tzinfo=SHANGHAI)),
        (f"{WP_YOAST_SITE}/news/storage-tender-prices-may/", "5月储能系统中标均价环比下降", datetime(2025, 6, 5, tzinfo=SHANGHAI)),
    ]
    first, second = entries(WP_YOAST)[1:]
    assert first.summary == "公司钠离子电池中试线正式投产，首批电芯能量密度达到160Wh/kg。"
    assert second.summary == "5月国内储能系统中标均价为0.56元/Wh，环比下降3.4%。"
    assert first.image == "https://i0.wp.com/www.hengtai-tech.example.com/wp-content/uploads/2025/06/sodium-line.jpg?resize=350%2C200&ssl=1"
    assert first.provenance == second.provenance == {"block": "theme"}


# --- WordPress: classic theme, microformats only ------------------------------------------

WP_HENTRY_SITE = "https://www.jinghua-valve.example.cn"
PLUS_EIGHT = timezone(timedelta(hours=8))


def test_wp_hentry_main_fields() -> None:
    assert main_fields(WP_HENTRY) == {
        "id": f"{WP_HENTRY_SITE}/2025/06/30/smart-valve-appraisal/",
        "title": "公司新一代智能阀门通过省级新产品鉴定",
        "link": f"{WP_HENTRY_SITE}/2025/06/30/smart-valve-appraisal/",
        "summary": "6月27日，由省工业和信息化厅组织的新产品鉴定会在公司召开，公司自主研发的新一代智能电动调节阀顺利通过鉴定。",
        "authors": ("刘洋",),
        "published": datetime(2025, 6, 30, 10, 15, tzinfo=PLUS_EIGHT),
        "updated": datetime(2025, 7, 1, 8, 40, tzinfo=PLUS_EIGHT),
        "categories": ("公司新闻",),
        "image": f"{WP_HENTRY_SITE}/wp-content/uploads/2025/06/appraisal-meeting-1024x683.jpg",
        "extra": {},
        "provenance": {
            "title": "microformats", "link": "canonical", "id": "canonical", "summary": "microformats",
            "authors": "microformats", "published": "microformats", "updated": "microformats",
            "categories": "theme", "image": "microformats", "content_html": "microformats",
        },
    }


def test_wp_hentry_body_resolves_the_lazy_image() -> None:
    assert blocks(WP_HENTRY) == [
        ("p", "6月27日，由省工业和信息化厅组织的新产品鉴定会在公司召开，公司自主研发的新一代智能电动调节阀顺利通过鉴定。"),
        ("p", ""),
        ("p", "鉴定委员会专家听取了研制报告，审查了技术资料，一致认为该产品整体技术达到国内领先水平，同意通过鉴定。"),
        ("p", "该产品集成了位置反馈、故障自诊断和远程通信功能，可广泛应用于石化、电力和市政供水等领域。"),
    ]
    assert images(WP_HENTRY) == [f"{WP_HENTRY_SITE}/wp-content/uploads/2025/06/appraisal-meeting-1024x683.jpg"]
    assert "blank.gif" not in entries(WP_HENTRY)[0].content_html


def test_wp_hentry_related_box_not_recent_hot_or_tag_cloud() -> None:
    assert related(WP_HENTRY) == [
        (f"{WP_HENTRY_SITE}/2025/05/18/iso-certification/", "公司顺利通过ISO 9001质量管理体系复审", datetime(2025, 5, 18, tzinfo=SHANGHAI)),
        (f"{WP_HENTRY_SITE}/2025/04/22/new-workshop/", "智能阀门新车间正式投入使用", datetime(2025, 4, 22, tzinfo=SHANGHAI)),
        (f"{WP_HENTRY_SITE}/2025/03/09/expo-2025/", "京华阀门参加2025中国国际流体机械展览会", datetime(2025, 3, 9, tzinfo=SHANGHAI)),
    ]
    ids = {e.id for e in entries(WP_HENTRY)}
    for distractor in ("2025/07/02/july-shipments/", "2024/11/02/butterfly-valve-guide/", "tag/smart-valve/", "2025/06/21/summer-training/"):
        assert f"{WP_HENTRY_SITE}/{distractor}" not in ids


# --- English news: JSON-LD without author or body, plain-text byline -----------------------

TRIBUNE = "https://www.tribune.example.com"
EDT = timezone(timedelta(hours=-4))


def test_en_tribune_main_fields() -> None:
    assert main_fields(EN_TRIBUNE) == {
        "id": f"{TRIBUNE}/local/2025/07/03/council-approves-transit-plan",
        "title": "City council approves $2.1 billion transit plan",
        "link": f"{TRIBUNE}/local/2025/07/03/council-approves-transit-plan",
        "summary": "The plan adds two light-rail lines and 40 miles of bus lanes by 2032.",
        "authors": ("Jane Doe", "John Roe"),
        "published": datetime(2025, 7, 3, 9, 30, tzinfo=EDT),
        "updated": datetime(2025, 7, 3, 14, 5, tzinfo=EDT),
        "categories": ("Local",),
        "image": "https://cdn.tribune.example.com/images/2025/07/03/transit-plan-1200x630.jpg",
        "extra": {},
        "provenance": {
            "title": "json-ld", "link": "canonical", "id": "canonical", "summary": "json-ld",
            "authors": "visible-text", "published": "json-ld", "updated": "json-ld", "categories": "json-ld",
            "image": "json-ld", "content_html": "heuristics",
        },
    }
    assert_exact_zone(entries(EN_TRIBUNE)[0].published, timedelta(hours=-4))


def test_en_tribune_body_comes_from_trafilatura_without_chrome() -> None:
    assert blocks(EN_TRIBUNE) == [
        ("p", "Two light-rail lines and 40 miles of bus lanes are to open by 2032."),
        ("img", ""),
        ("p", ("The City Council voted 9-2 on Wednesday night to approve a $2.1 billion transit plan that would add two "
               "light-rail lines and 40 miles of dedicated bus lanes over the next seven years.")),
        ("p", ("Supporters said the plan would cut commute times for tens of thousands of residents in the city's "
               "fast-growing eastern neighborhoods, where bus service has struggled to keep up with demand.")),
        ("p", ('"This is the biggest investment in public transit this city has made in a generation," said council '
               'member Rosa Alvarez, who sponsored the measure. "People have waited long enough."')),
        ("p", ("Opponents questioned the cost. Council member David Brooks, who voted no, said the city had not "
               "explained how it would cover operating expenses once federal grants run out in 2030.")),
        ("p", ("The first of the two light-rail lines is scheduled to open in 2029. Construction on the bus lanes is "
               "expected to begin next spring.")),
    ]
    assert images(EN_TRIBUNE) == ["https://cdn.tribune.example.com/images/2025/07/03/transit-plan-1600x900.jpg"]
    content = entries(EN_TRIBUNE)[0].content_html
    for chrome in ("City council approves", "By Jane Doe", "Share on", "morning briefing", "Sign up", "Related stories",
                   "Most read", "Stadium vote", "Topics:", "Previous story", "All rights reserved"):
        assert chrome not in content


def test_en_tribune_related_stories_not_most_read() -> None:
    assert related(EN_TRIBUNE) == [
        (f"{TRIBUNE}/local/2025/06/18/transit-plan-public-hearing", "Hundreds turn out for transit plan hearing",
         datetime(2025, 6, 18, 22, 10, tzinfo=timezone.utc)),
        (f"{TRIBUNE}/local/2025/05/29/light-rail-route-map", "Map: Where the two new light-rail lines would run",
         datetime(2025, 5, 29, 15, 0, tzinfo=timezone.utc)),
        (f"{TRIBUNE}/opinion/2025/06/25/editorial-transit-plan", "Editorial: The transit plan is worth the price",
         datetime(2025, 6, 25, 10, 0, tzinfo=timezone.utc)),
    ]


# --- English news: OpenGraph only, rel=author byline, microdata body ------------------------

COURIER = "https://www.baysidecourier.example.org"


def test_en_courier_main_fields() -> None:
    assert main_fields(EN_COURIER) == {
        "id": f"{COURIER}/news/harbor-cleanup-finishes-ahead-of-schedule/",
        "title": "Harbor cleanup finishes ahead of schedule",
        "link": f"{COURIER}/news/harbor-cleanup-finishes-ahead-of-schedule/",
        "summary": "Crews removed 1,200 tons of debris from the inner harbor.",
        "authors": ("Maria Garcia", "Tom Becker"),
        "published": datetime(2025, 7, 2, 16, 45, tzinfo=timezone(timedelta(hours=1))),
        "updated": datetime(2025, 7, 2, 16, 45, tzinfo=timezone(timedelta(hours=1))),
        "categories": ("Environment",),
        "image": f"{COURIER}/media/2025/07/harbor-cleanup.jpg",
        "extra": {},
        "provenance": {
            "title": "opengraph", "link": "opengraph", "id": "opengraph", "summary": "meta",
            "authors": "meta", "published": "opengraph", "updated": "opengraph", "categories": "opengraph",
            "image": "opengraph", "content_html": "microformats",
        },
    }


def test_en_courier_body_is_the_article_body_microdata() -> None:
    assert blocks(EN_COURIER) == [
        ("p", ("The three-year cleanup of the inner harbor has finished four months ahead of schedule, the port "
               "authority said on Wednesday.")),
        ("p", ("Crews removed about 1,200 tons of debris, including 48 abandoned boats, and capped contaminated "
               "sediment along the old shipyard wall.")),
        ("p", ""),
        ("p", '"The water quality numbers are the best we have seen since monitoring began," said harbor master Linda Cho.'),
        ("p", "The port authority plans to open a public boardwalk on the east side of the harbor next summer."),
    ]
    assert images(EN_COURIER) == [f"{COURIER}/media/2025/07/harbor-crane.jpg"]


def test_en_courier_you_may_also_like_teasers_are_one_item_each() -> None:
    assert related(EN_COURIER) == [
        (f"{COURIER}/news/boardwalk-design-unveiled/", "Boardwalk design unveiled", datetime(2025, 6, 12, tzinfo=LONDON)),
        (f"{COURIER}/news/shipyard-wall-repairs/", "Shipyard wall repairs begin", datetime(2025, 5, 3, tzinfo=LONDON)),
    ]
    assert [e.image for e in entries(EN_COURIER)[1:]] == [
        f"{COURIER}/media/2025/06/boardwalk-thumb.jpg", f"{COURIER}/media/2025/05/wall-thumb.jpg",
    ]


# --- No metadata at all --------------------------------------------------------------------

BINHAI = "http://www.binhai-port.example.cn"


def test_generic_cn_main_fields() -> None:
    assert main_fields(GENERIC_CN) == {
        "id": f"{BINHAI}/news/2025/0702/1541.html",
        "title": "滨海港集装箱吞吐量创同期新高",
        "link": f"{BINHAI}/news/2025/0702/1541.html",
        "summary": "记者从滨海港务集团获悉，今年上半年，滨海港完成集装箱吞吐量412万标准箱，同比增长9.3%，创历史同期新高。",
        "authors": (),
        "published": datetime(2025, 7, 2, 10, 0, tzinfo=SHANGHAI),
        "updated": datetime(2025, 7, 2, 10, 0, tzinfo=SHANGHAI),
        "categories": (),
        "image": f"{BINHAI}/upload/2025/07/container-terminal.jpg",
        "extra": {},
        "provenance": {
            "title": "heuristics", "link": "document", "id": "document", "summary": "heuristics",
            "published": "visible-text", "updated": "visible-text", "image": "heuristics", "content_html": "heuristics",
        },
    }


def test_generic_cn_body_from_trafilatura() -> None:
    assert blocks(GENERIC_CN) == [
        ("p", "记者从滨海港务集团获悉，今年上半年，滨海港完成集装箱吞吐量412万标准箱，同比增长9.3%，创历史同期新高。"),
        ("p", "上半年，滨海港新开通国际集装箱航线6条，航线总数达到78条，覆盖全球50多个国家和地区的120多个港口。港口持续推进智慧码头建设，自动化岸桥作业效率提升15%。"),
        ("p", "在服务腹地方面，滨海港与内陆城市合作开行海铁联运班列，上半年完成海铁联运量23万标准箱，同比增长21%。"),
        ("p", ""),
        ("p", "下一步，滨海港将加快推进东港区集装箱码头二期工程建设，进一步提升港口综合服务能力。"),
    ]
    assert images(GENERIC_CN) == [f"{BINHAI}/upload/2025/07/container-terminal.jpg"]
    content = entries(GENERIC_CN)[0].content_html
    for chrome in ("滨海港集装箱吞吐量创同期新高", "2025-07-02", "打印", "猜你喜欢", "通知公告", "版权所有"):
        assert chrome not in content


def test_generic_cn_guess_you_like_not_notices_or_hot_posts() -> None:
    assert related(GENERIC_CN) == [
        (f"{BINHAI}/news/2025/0620/1533.html", "滨海港东港区二期工程通过初步设计审查", datetime(2025, 6, 20, tzinfo=SHANGHAI)),
        (f"{BINHAI}/news/2025/0611/1520.html", "滨海港开通至东南亚新航线", datetime(2025, 6, 11, tzinfo=SHANGHAI)),
    ]


ACME = "https://engineering.acme.example.com"


def test_generic_en_main_fields() -> None:
    assert main_fields(GENERIC_EN) == {
        "id": f"{ACME}/2025/06/why-we-moved-our-build-to-rust/",
        "title": "Why we moved our build to Rust",
        "link": f"{ACME}/2025/06/why-we-moved-our-build-to-rust/",
        "summary": "For six years our build tool was a collection of Python scripts that grew one flag at a time. Last "
                   "quarter a clean build of the monorepo took 41 minutes, and most of that was the tool itself, not the…",
        "authors": ("Sam Lee",),
        "published": datetime(2025, 6, 12, tzinfo=LOS_ANGELES),
        "updated": datetime(2025, 6, 12, tzinfo=LOS_ANGELES),
        "categories": (),
        "image": None,
        "extra": {},
        "provenance": {
            "title": "heuristics", "link": "document", "id": "document", "summary": "heuristics",
            "authors": "visible-text", "published": "visible-text", "updated": "visible-text", "content_html": "heuristics",
        },
    }
    assert_exact_zone(entries(GENERIC_EN)[0].published, timedelta(hours=-7))


def test_generic_en_body_keeps_the_code_block() -> None:
    assert blocks(GENERIC_EN) == [
        ("p", ("For six years our build tool was a collection of Python scripts that grew one flag at a time. Last quarter "
               "a clean build of the monorepo took 41 minutes, and most of that was the tool itself, not the compilers it drove.")),
        ("p", ("We rewrote the scheduler and the file-hashing layer in Rust over eight weeks. The new tool keeps the same "
               "configuration format, so no team had to change anything to adopt it.")),
        ("pre", "$ acme-build --all built 1,942 targets in 6m12s (cache hits: 87%)"),
        ("p", ("Clean builds now take a little over six minutes, and incremental builds that touch a single package "
               "finish in under ten seconds.")),
        ("p", ("The biggest win was not raw speed but predictability: the old scripts would sometimes rebuild everything "
               "after an unrelated change, and nobody could say why.")),
    ]
    content = entries(GENERIC_EN)[0].content_html
    assert "<pre>$ acme-build --all\nbuilt 1,942" in content
    for chrome in ("Why we moved", "Posted June", "Sam Lee", "See also", "Popular posts", "on-call"):
        assert chrome not in content


def test_generic_en_see_also_not_popular_posts() -> None:
    assert related(GENERIC_EN) == [
        (f"{ACME}/2025/03/caching-build-outputs/", "Caching build outputs across branches", None),
        (f"{ACME}/2024/11/monorepo-at-scale/", "Our monorepo at scale", None),
    ]


# --- Across all pages -----------------------------------------------------------------------


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.file)
def test_content_is_sanitised(case: Case) -> None:
    content = entries(case)[0].content_html
    assert content
    for unsafe in ("<script", "<style", "<form", "class=", "style=", "onclick", "javascript:"):
        assert unsafe not in content
    root = html.fragment_fromstring(content, create_parent="div")
    urls = [a.get("href") for a in root.iter("a")] + [img.get("src") for img in root.iter("img")]
    assert all(url and url.startswith(("http://", "https://")) for url in urls)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.file)
def test_related_items_are_never_navigation_or_the_page_itself(case: Case) -> None:
    found = entries(case)[1:]
    assert found
    assert entries(case)[0].id not in {e.id for e in found}
    for entry in found:
        assert entry.title not in ("上一篇", "下一篇", "Previous story", "Next story")
        assert "utm_" not in entry.id and "relatedposts" not in entry.id


def test_seed_page_provenance() -> None:
    document = Document(body=SEED_PAGE.read_bytes(), url=SEED_PAGE.as_uri(), fetched_at=NOW)
    found = extract_article(document, AdapterSettings(source="camerich", timezone=SHANGHAI))
    assert dict(found[0].provenance) == {
        "title": "json-ld", "link": "canonical", "id": "canonical", "summary": "json-ld", "authors": "json-ld",
        "published": "json-ld", "updated": "json-ld", "categories": "theme", "image": "json-ld",
        "content_html": "microformats",
    }
    assert {frozenset(e.provenance.items()) for e in found[1:]} == {frozenset({("block", "theme")})}


# --- The trafilatura fallback ----------------------------------------------------------------


def extract_file(case: Case) -> list[Entry]:
    document = Document(body=(PAGES / case.file).read_bytes(), url=case.url, fetched_at=NOW)
    return extract_article(document, AdapterSettings(source="test", timezone=case.tz))


def test_trafilatura_runs_only_when_no_container_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = body_module._trafilatura

    def recording(tree: html.HtmlElement, base: str) -> str | None:
        calls.append(base)
        return real(tree, base)

    monkeypatch.setattr(body_module, "_trafilatura", recording)
    for case in (GOV_GBK, GOV_UTF8, WP_YOAST, WP_HENTRY, EN_COURIER):
        extract_file(case)
    document = Document(body=SEED_PAGE.read_bytes(), url=SEED_PAGE.as_uri(), fetched_at=NOW)
    extract_article(document, AdapterSettings(source="camerich", timezone=SHANGHAI))
    assert calls == []
    extract_file(GENERIC_CN)
    assert calls == [GENERIC_CN.url]


def test_trafilatura_failing_leaves_a_page_without_body(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def broken(*args: object, **kwargs: object) -> str:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "extract", broken)
    main = extract_file(GENERIC_CN)[0]
    assert main.content_html == ""
    assert "content_html" not in main.provenance
    assert main.title == "滨海港集装箱吞吐量创同期新高"
    assert main.summary == "" and main.image is None
    assert main.published == datetime(2025, 7, 2, 10, 0, tzinfo=SHANGHAI)


def test_trafilatura_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    main = extract_file(EN_TRIBUNE)[0]
    assert attempts == []
    assert main.provenance["content_html"] == "heuristics" and "transit plan" in main.content_html


def test_trafilatura_leaves_the_page_tree_untouched() -> None:
    document = Document(body=(PAGES / GENERIC_EN.file).read_bytes(), url=GENERIC_EN.url, fetched_at=NOW)
    page = Page.parse(document)
    before = html.tostring(page.tree)
    heading = page.tree.find(".//h2")
    extracted = body_module.extracted_body(page, "Why we moved our build to Rust", [heading])
    assert "Clean builds now take" in extracted.content_html
    assert html.tostring(page.tree) == before


def test_json_ld_article_body_when_nothing_else_has_one() -> None:
    page = """<html><head><title>Notice | Example</title><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "Notice", "articleBody": "First line.\\nSecond line."}
    </script></head><body><h1>Notice</h1></body></html>"""
    document = Document(body=page.encode(), url="https://example.org/notice", fetched_at=NOW)
    main = extract_article(document, AdapterSettings(source="t", timezone=SHANGHAI))[0]
    assert main.content_html == "<p>First line.</p>\n<p>Second line.</p>"
    assert main.provenance["content_html"] == "json-ld"
    assert main.summary == "First line." and main.provenance["summary"] == "json-ld"


def test_empty_theme_container_falls_through_to_trafilatura() -> None:
    paragraphs = "".join(f"<p>Paragraph {n} of a story that is long enough to be the body of the page.</p>" for n in range(6))
    page = f"""<html><head><title>Story</title></head><body><h1>Story</h1>
    <div class="entry-content"></div><div class="main-text">{paragraphs}</div></body></html>"""
    document = Document(body=page.encode(), url="https://example.org/story", fetched_at=NOW)
    main = extract_article(document, AdapterSettings(source="t", timezone=SHANGHAI))[0]
    assert main.provenance["content_html"] == "heuristics"
    assert "Paragraph 5 of a story" in main.content_html


# --- Through the command line -----------------------------------------------------------------


def test_preview_json_shows_provenance_for_a_gbk_page_over_http(server: LocalServer) -> None:
    url = server.add("/zwgk/zwyw/202507/t20250703_1187365.html", (PAGES / GOV_GBK.file).read_bytes(), content_type="text/html")
    result = run_cli("preview", url, "--json", "--timezone", "Asia/Shanghai", check=True)
    found = json.loads(result.stdout)["entries"]
    main = found[0]
    assert main["title"] == "青溪市召开全市数据要素市场化配置改革推进会"
    assert main["published"] == "2025-07-03T15:20:00+08:00"
    assert main["extra"] == {"publisher": "青溪市数据局"}
    assert "副市长王喆出席会议" in main["content_html"]
    assert main["provenance"] == {
        "title": "heuristics", "link": "document", "id": "document", "summary": "theme",
        "published": "visible-text", "updated": "visible-text", "image": "theme",
        "content_html": "theme", "publisher": "visible-text",
    }
    assert [e["provenance"] for e in found[1:]] == [{"block": "heading"}] * 3
    assert result.stderr == ""


# --- Metadata lines and titles, one pattern at a time ------------------------------------------


def visible_line(line: str, tz: ZoneInfo = SHANGHAI) -> Entry:
    """The main entry of a small page whose only metadata is `line` under its title."""
    page = f"""<html><head><title>稿件标题_某市人民政府</title></head><body><div class="top">某市人民政府</div>
    <div class="detail"><h2 class="bt">稿件标题</h2><div class="info">{line}</div>
    <div class="TRS_Editor"><p>正文。作者：不是这里</p></div></div></body></html>"""
    document = Document(body=page.encode(), url="https://www.example.gov.cn/a/1.html", fetched_at=NOW)
    return extract_article(document, AdapterSettings(source="t", timezone=tz))[0]


@pytest.mark.parametrize(
    ("line", "published", "authors", "publisher"),
    [
        ("发布时间：2025年07月03日 15:20", datetime(2025, 7, 3, 15, 20, tzinfo=SHANGHAI), (), None),
        ("发布时间：2025-07-03 15:20&nbsp;&nbsp;来源：保定市数据局&nbsp;&nbsp;作者：张三",
         datetime(2025, 7, 3, 15, 20, tzinfo=SHANGHAI), ("张三",), "保定市数据局"),
        ("<span>发布日期：2025-07-03</span><span>作者：李明、王芳</span><span>编辑：赵六</span>",
         datetime(2025, 7, 3, tzinfo=SHANGHAI), ("李明", "王芳"), None),
        ("时间：2025/7/3 来源：<a href='/'>新华网</a> 【字体：大 中 小】【打印】", datetime(2025, 7, 3, tzinfo=SHANGHAI), (), "新华网"),
        ("2025-07-03 15:20 来源：新华社", datetime(2025, 7, 3, 15, 20, tzinfo=SHANGHAI), (), "新华社"),
        ("来源：人民日报 记者：张三 李四 通讯员：王五", None, ("张三", "李四"), "人民日报"),
        ("责任编辑：李晓梅 审核：王强", None, (), None),
        ("会议时间：2025年7月10日", None, (), None),
        ("新华社北京7月3日电 【责任编辑：张三】", None, (), None),
        ("By Jane Doe and John Roe | Updated July 3, 2025", None, ("Jane Doe", "John Roe"), None),
        ("By the end of the year, the council expects to hire 40 drivers.", None, (), None),
    ],
)
def test_visible_metadata_line(line: str, published: datetime | None, authors: tuple[str, ...], publisher: str | None) -> None:
    main = visible_line(line)
    assert main.published == published
    assert main.authors == authors
    assert main.extra.get("publisher") == publisher
    assert main.provenance.get("published") == ("visible-text" if published else None)


def test_visible_updated_label() -> None:
    main = visible_line("发布时间：2025-07-01 09:00 更新时间：2025-07-02 10:30")
    assert main.published == datetime(2025, 7, 1, 9, 0, tzinfo=SHANGHAI)
    assert main.updated == datetime(2025, 7, 2, 10, 30, tzinfo=SHANGHAI)
    assert main.provenance["updated"] == "visible-text"


def titled(title: str, heading: str = "", head: str = "") -> str:
    page = f"<html><head><title>{title}</title>{head}</head><body>{heading}<p>Text.</p></body></html>"
    document = Document(body=page.encode(), url="https://example.org/a", fetched_at=NOW)
    return extract_article(document, AdapterSettings(source="t", timezone=SHANGHAI))[0].title


@pytest.mark.parametrize(
    ("title", "head", "expected"),
    [
        ("关于开展安全生产检查的通知_保定市人民政府", "", "关于开展安全生产检查的通知"),
        ("关于开展安全生产检查的通知_通知公告_保定市人民政府", "", "关于开展安全生产检查的通知_通知公告"),
        ("国务院常务会议召开-新华网", "", "国务院常务会议召开"),
        ("Story of the day | The Daily", '<meta property="og:site_name" content="The Daily">', "Story of the day"),
        ("Story of the day - Example Times", "", "Story of the day"),
        ("COVID-19 - what we know now", "", "COVID-19 - what we know now"),
        ("竞逐数字高地——专访保定市数据局局长", "", "竞逐数字高地——专访保定市数据局局长"),
        ("2025-2026年度工作计划", "", "2025-2026年度工作计划"),
    ],
)
def test_title_from_html_title_without_site_suffix(title: str, head: str, expected: str) -> None:
    assert titled(title, head=head) == expected


def test_title_suffix_cut_where_the_rest_is_a_heading() -> None:
    heading = '<div class="article-tit">关于开展安全生产检查的通知</div>'
    assert titled("关于开展安全生产检查的通知_通知公告_保定市人民政府", heading=heading) == "关于开展安全生产检查的通知"


def test_site_name_heading_is_not_the_title() -> None:
    heading = '<header><h1><a href="/">保定市人民政府</a></h1></header>'
    assert titled("关于开展安全生产检查的通知_保定市人民政府", heading=heading) == "关于开展安全生产检查的通知"


def head_page(head: str, url: str = "https://news.example.cn/2025/07/03/story.html") -> Entry:
    page = f"""<html><head><meta charset="utf-8"><title>港口新闻 - 示例网</title>{head}</head>
    <body><h1>港口新闻</h1><div class="entry-content"><p>正文。</p><img src="/img/lead.jpg" alt=""></div></body></html>"""
    document = Document(body=page.encode(), url=url, fetched_at=NOW)
    return extract_article(document, AdapterSettings(source="t", timezone=SHANGHAI))[0]


def test_a_front_page_canonical_is_not_the_articles_address() -> None:
    main = head_page('<link rel="canonical" href="https://news.example.cn/"><meta property="og:url" content="/index.html">')
    assert main.id == "https://news.example.cn/2025/07/03/story.html"
    assert main.provenance["link"] == "document"
    plain_permalink = head_page('<link rel="canonical" href="https://news.example.cn/">', url="https://news.example.cn/?p=318")
    assert plain_permalink.id == "https://news.example.cn/?p=318"
    front = head_page('<link rel="canonical" href="https://news.example.cn/">', url="https://news.example.cn/index.html")
    assert front.id == "https://news.example.cn/" and front.provenance["link"] == "canonical"


def test_a_logo_as_og_image_is_not_the_lead_image() -> None:
    main = head_page('<meta property="og:image" content="/static/images/logo-share.png">')
    assert main.image == "https://news.example.cn/img/lead.jpg"
    assert main.provenance["image"] == "theme"


def test_an_og_title_that_is_only_the_site_name_is_skipped() -> None:
    main = head_page('<meta property="og:title" content="示例网"><meta property="og:site_name" content="示例网">')
    assert main.title == "港口新闻"
    assert main.provenance["title"] == "heuristics"
