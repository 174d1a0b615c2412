"""[[feeds]]: feeds composed from sources and categories, filtered, limited, converted."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import html

from feeds.build import build
from feeds.config import ConfigError, load_config

from .conftest import FIXTURES, SEED_PAGE

NOW = datetime(2025, 7, 4, 4, 0, tzinfo=timezone.utc)
SOURCES = f'''
[[sources]]
name = "camerich"
url = "{SEED_PAGE}"
category = "产业"

[[sources]]
name = "example"
url = "{FIXTURES / "justnews-relative.html"}"
'''


def write(tmp_path: Path, feeds: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[site]\ntitle = "T"\nbase_url = "https://feeds.example.org/"\ntimezone = "Asia/Shanghai"\n'
        + SOURCES + feeds,
        encoding="utf-8",
    )
    return config


def entries(tmp_path: Path, slug: str) -> list:
    return feedparser.parse((tmp_path / "output" / f"{slug}.atom.xml").read_bytes()).entries


def test_a_feed_of_chosen_sources_filtered_and_limited(tmp_path: Path) -> None:
    config = write(tmp_path, '''
[[feeds]]
slug = "media"
title = "媒体精选"
categories = ["媒体"]
exclude = { title = "利物浦" }
limit = 2
''')
    build(load_config(config), now=NOW)
    titles = [e.title for e in entries(tmp_path, "media")]
    assert titles == ["竞逐数字高地,地方如何破局?专访河北省保定市数据局局长", "比亚迪申请用于显示屏调节机构专利,能提供舒适使用体验"]


def test_include_matches_any_listed_field(tmp_path: Path) -> None:
    config = write(tmp_path, '''
[[feeds]]
slug = "energy"
sources = ["camerich", "example"]
include = { summary = "充电桩|光伏", category = "行业动态" }
''')
    build(load_config(config), now=NOW)
    titles = {e.title for e in entries(tmp_path, "energy")}
    assert titles == {"新一批公共充电桩投入使用", "本地物流园区完成智能化升级", "中小企业数字化转型试点名单公布", "测试文章：相对日期与阅读数"}


def test_simplified_to_traditional_keeps_links(tmp_path: Path) -> None:
    config = write(tmp_path, '''
[[feeds]]
slug = "hant"
title = "繁體"
sources = ["camerich"]
convert = "s2t"
''')
    build(load_config(config), now=NOW)
    converted = {e.id: e for e in entries(tmp_path, "hant")}
    main = converted["https://www.camerich.net/archives/1639.html"]
    assert main.title == "競逐數字高地,地方如何破局?專訪河北省保定市數據局局長"
    content = html.fragment_fromstring(main.content[0].value, create_parent="div")
    assert [img.get("src") for img in content.iter("img")][0] == (
        "https://www.camerich.net/wp-content/uploads/2025/05/20250506091102.jpg"
    )
    assert "保定市數據局" in content.text_content() and "保定市数据局" not in content.text_content()
    # The category feeds themselves stay as published.
    assert {e.title for e in entries(tmp_path, "all")} >= {"竞逐数字高地,地方如何破局?专访河北省保定市数据局局长"}


@pytest.mark.parametrize(
    ("feeds", "key", "message"),
    [
        ('[[feeds]]\nslug = "x"\ninclude = { title = "([" }\n', "feeds[0].include.title", "invalid regular expression"),
        ('[[feeds]]\nslug = "x"\nsources = ["camerick"]\n', "feeds[0].sources", "did you mean 'camerich'"),
        ('[[feeds]]\nslug = "x"\ninclude = { body = "a" }\n', "feeds[0].include.body", "unknown field 'body'"),
        ('[[feeds]]\nslug = "x"\nconvert = "s2x"\n', "feeds[0].convert", "not one of"),
        ('[[feeds]]\nslug = "all"\n', "feeds[0].slug", "not a free slug"),
        ('[[feeds]]\nslug = "x"\n[[feeds]]\nslug = "x"\n', "feeds[1].slug", "already used"),
        ('[[feeds]]\nslug = "x"\nlimit = 0\n', "feeds[0].limit", "positive integer"),
    ],
)
def test_feed_mistakes_name_the_file_and_key(tmp_path: Path, feeds: str, key: str, message: str) -> None:
    config = write(tmp_path, feeds)
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert str(error.value).startswith(f"{config}: {key}: ")
    assert message in str(error.value)


def test_optional_stylesheet_for_browsers(tmp_path: Path) -> None:
    from lxml import etree

    config = write(tmp_path, "")
    text = config.read_text(encoding="utf-8").replace('timezone = "Asia/Shanghai"\n', 'timezone = "Asia/Shanghai"\nstylesheet = true\n', 1)
    config.write_text(text, encoding="utf-8")
    build(load_config(config), now=NOW)
    out = tmp_path / "output"
    for name in ("all.rss.xml", "all.atom.xml"):
        data = (out / name).read_bytes()
        assert data.split(b"\n")[1] == b'<?xml-stylesheet type="text/xsl" href="feed.xsl"?>'
        assert not feedparser.parse(data).bozo
        page = etree.XSLT(etree.parse(str(out / "feed.xsl")))(etree.parse(str(out / name)))
        links = page.getroot().findall(".//li/a")
        assert len(links) == len(feedparser.parse(data).entries) > 0
        assert links[0].text == feedparser.parse(data).entries[0].title
