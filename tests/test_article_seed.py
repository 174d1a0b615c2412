"""The page the project was designed around: every field of all six entries, pinned."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from feeds.adapters.article import extract_article
from feeds.models import AdapterSettings, Document, Entry
from feeds.normalise import normalise

from .conftest import FIXTURES, SEED_PAGE

SHANGHAI = ZoneInfo("Asia/Shanghai")
FETCHED_AT = datetime(2025, 5, 7, 12, 0, tzinfo=timezone.utc)
SITE = "https://www.camerich.net"
UPLOADS = f"{SITE}/wp-content/uploads/2025/05"

EXPECTED_RELATED = [
    {
        "id": f"{SITE}/archives/1634.html",
        "title": "利物浦1:3负切尔西,争冠与争席之战 切尔西3:1胜利物浦,欧冠席位争夺白热化",
        "summary": "本文将描述一场英超的焦点赛事,即利物浦与切尔西之间的较量。在利物浦提前锁定英超冠军后,这场比赛对于两队仍意义非凡,切尔西要为欧冠席位奋力一搏,而利物浦也不会轻易放弃比赛,文中将详细介绍双方的阵容以及比赛中的精...",
        "categories": ("媒体",),
        "published": datetime(2025, 5, 5, 1, 38, tzinfo=SHANGHAI),
        "views": 521,
        "image": f"{UPLOADS}/20250505013805-480x300.jpg",
    },
    {
        "id": f"{SITE}/archives/1632.html",
        "title": "洛阳伊川:道路畅生态美 绘就乡村振兴新画卷",
        "summary": "大象新闻记者 张超飞 通讯员 王社民 田津辉道路建设加速推进,生态环境逐步改善,乡村环境愈发优美……在洛阳市伊川县鸦岭镇,一幅宜居宜业和美乡村画卷正在从美好“效果图”转变为幸福“实景图”。近日,伊川县鸦岭镇多个道路交通工程项目取得突破...",
        "categories": (),
        "published": datetime(2025, 5, 5, 1, 19, tzinfo=SHANGHAI),
        "views": 233,
        "image": None,
    },
    {
        "id": f"{SITE}/archives/1629.html",
        "title": "比亚迪申请用于显示屏调节机构专利,能提供舒适使用体验",
        "summary": "金融界2025年4月25日消息,国家知识产权局信息显示,比亚迪股份有限公司申请一项名为“用于显示屏的调节机构、车辆以及显示屏的控制方法”的专利,公开号CN119796072A,申请日期为2024年9月。专利摘要显示,本发明公开了一种用于显示...",
        "categories": ("媒体",),
        "published": datetime(2025, 5, 5, 0, 30, tzinfo=SHANGHAI),
        "views": 326,
        "image": f"{UPLOADS}/20250505003012-480x300.jpg",
    },
    {
        "id": f"{SITE}/archives/1627.html",
        "title": "6日宝瓶座η流星雨极大:南半球观测更优",
        "summary": "宝瓶座η流星雨将于5月6日迎来极大这一事件,介绍了该流星雨得名的原因、母体来源、流量情况、南北半球观测时间的差异以及观赏与拍摄的相关提醒等内容。新华社天津5月4日电,据记者周润健消息,5月6日,宝瓶座η流星雨将会迎来极大值。那些热衷于流星雨的发烧友们,可千万别错过...",
        "categories": ("媒体",),
        "published": datetime(2025, 5, 5, 0, 22, tzinfo=SHANGHAI),
        "views": 165,
        "image": f"{UPLOADS}/20250505002209-480x300.jpg",
    },
    {
        "id": f"{SITE}/archives/1625.html",
        "title": "加速数字化、智能化、绿色化转型,国际航运中心向“全球领先”跃升",
        "summary": "今年4月初,中国船舶燃料有限责任公司在洋山港尚东码头为“中海环球CSCL GLOBE”轮开展1300吨船舶燃油加注作业,并开出了全国首张船舶电子燃料交付单。这是上海国际航运中心数字化转型的又一里程碑,使燃料加注供受双方在港等待时间减少30%以上。近...",
        "categories": (),
        "published": datetime(2025, 5, 5, 0, 3, tzinfo=SHANGHAI),
        "views": 470,
        "image": None,
    },
]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    document = Document(body=SEED_PAGE.read_bytes(), url=SEED_PAGE.as_uri(), fetched_at=FETCHED_AT)
    settings = AdapterSettings(source="camerich", timezone=SHANGHAI)
    return normalise(extract_article(document, settings), SHANGHAI, FETCHED_AT)


def seed_paragraphs() -> list[str]:
    """The article body as the seed text has it: from the title to the byline."""
    lines = [line.strip() for line in (FIXTURES / "camerich-1639.txt").read_text("utf-8").splitlines()]
    paragraphs = [line for line in lines if line]
    start = 1  # after the title
    end = paragraphs.index("采写:南都记者 樊文扬 李玲 发自福州") + 1
    return paragraphs[start:end]


def test_one_main_then_five_related_in_page_order(entries: list[Entry]) -> None:
    assert [e.role for e in entries] == ["main"] + ["related"] * 5
    assert [e.id for e in entries[1:]] == [item["id"] for item in EXPECTED_RELATED]
    assert {e.source for e in entries} == {"camerich"}


def test_main_article_fields(entries: list[Entry]) -> None:
    main = entries[0]
    assert main.id == f"{SITE}/archives/1639.html"
    assert main.link == f"{SITE}/archives/1639.html"
    assert main.title == "竞逐数字高地,地方如何破局?专访河北省保定市数据局局长"
    assert main.authors == ("Admin",)
    assert main.categories == ("媒体",)
    # The reconstruction's .entry-info date (the seed text lost the real one).
    assert main.published == datetime(2025, 5, 6, 9, 12, tzinfo=SHANGHAI)
    assert main.published.utcoffset() == timedelta(hours=8)
    assert main.updated == main.published
    assert main.image == f"{UPLOADS}/20250506091102.jpg"
    assert main.summary == (
        "去年,国家数据局公布了7家国家数据标注基地试点城市名单,河北保定位列其中。南都记者从保定市数据局了解到,"
        "目前保定国家数据标注基地年标注能力突破2000TB,已汇集数据服务..."
    )
    assert main.extra == {}


def test_main_content_is_the_whole_body_and_nothing_else(entries: list[Entry]) -> None:
    content = entries[0].content_html
    root = html.fragment_fromstring(content, create_parent="div")
    texts = [p.text_content().strip() for p in root.iter("p") if p.text_content().strip()]
    assert texts == seed_paragraphs()
    assert [img.get("src") for img in root.iter("img")] == [
        f"{UPLOADS}/20250506091102.jpg",
        f"{UPLOADS}/20250506091103.jpg",
    ]
    for chrome in ("发表回复", "您的邮箱地址不会被公开", "上一篇", "下一篇", "原创文章", "相关推荐", "(0)", "lazy.png"):
        assert chrome not in content
    assert "<script" not in content and "style=" not in content and "class=" not in content


@pytest.mark.parametrize("index", range(5))
def test_related_item_fields(entries: list[Entry], index: int) -> None:
    entry, expected = entries[index + 1], EXPECTED_RELATED[index]
    assert entry.id == expected["id"]
    assert entry.link == expected["id"]
    assert entry.title == expected["title"]
    assert entry.summary == expected["summary"]
    assert entry.content_html == f"<p>{expected['summary']}</p>"
    assert entry.categories == expected["categories"]
    assert entry.published == expected["published"]
    assert entry.published is not None and entry.published.utcoffset() == timedelta(hours=8)
    assert entry.updated == expected["published"]
    assert entry.extra == {"views": expected["views"]}
    assert entry.image == expected["image"]
    assert entry.authors == ()


def test_related_ids_drop_tracking_and_fragments(entries: list[Entry]) -> None:
    raw = SEED_PAGE.read_text("utf-8")
    assert "1627.html?utm_source=related" in raw and "1625.html#comments" in raw
    assert all("utm_" not in e.id and "#" not in e.id for e in entries)


def test_sidebar_and_navigation_are_not_related_news(entries: list[Entry]) -> None:
    ids = {e.id for e in entries}
    for number in (1588, 1571, 1552, 1530, 1645, 1643, 1641, 1637):
        assert f"{SITE}/archives/{number}.html" not in ids
