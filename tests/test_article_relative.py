"""A Justnews page printing relative dates (35分钟前, 昨天 08:30) and counts like 1.2K."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feeds.adapters.article import extract_article
from feeds.models import AdapterSettings, Document, Entry
from feeds.normalise import normalise

from .conftest import FIXTURES

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE = FIXTURES / "justnews-relative.html"
NOW = datetime(2025, 7, 3, 16, 0, tzinfo=SHANGHAI)
SITE = "https://news.example.cn"


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    document = Document(body=PAGE.read_bytes(), url=PAGE.as_uri(), fetched_at=NOW)
    return normalise(extract_article(document, AdapterSettings(source="example", timezone=SHANGHAI)), SHANGHAI, NOW)


def test_naive_datetime_attribute_takes_the_source_zone(entries: list[Entry]) -> None:
    main = entries[0]
    assert main.role == "main"
    assert main.id == f"{SITE}/archives/2001.html"
    assert main.title == "测试文章：相对日期与阅读数"
    assert main.authors == ("编辑部",)
    assert main.categories == ("行业动态",)
    assert main.published == datetime(2025, 7, 3, 15, 20, tzinfo=SHANGHAI)
    assert main.published.utcoffset() == timedelta(hours=8)


def test_main_content_is_sanitised_with_absolute_urls(entries: list[Entry]) -> None:
    content = entries[0].content_html
    assert "<script" not in content and "alert(1)" not in content
    assert "onclick" not in content
    assert f'href="{SITE}/archives/1999.html"' in content
    assert 'rel="noopener noreferrer"' in content
    assert f'<img src="{SITE}/wp-content/uploads/2025/07/pic.jpg" alt="图">' in content
    assert "data:image" not in content
    assert entries[0].image == f"{SITE}/wp-content/uploads/2025/07/pic.jpg"
    assert "alert(1)" not in entries[0].summary


@pytest.mark.parametrize(
    ("index", "link", "published", "views", "categories"),
    [
        (1, f"{SITE}/archives/2000.html", datetime(2025, 7, 3, 15, 25, tzinfo=SHANGHAI), 1200, ("行业动态",)),
        (2, f"{SITE}/archives/1998.html", datetime(2025, 7, 3, 13, 0, tzinfo=SHANGHAI), 987, ("行业动态",)),
        (3, f"{SITE}/archives/1997.html?id=5", datetime(2025, 7, 1, 16, 0, tzinfo=SHANGHAI), 34000, ()),
        (4, f"{SITE}/archives/1996.html", datetime(2025, 7, 2, 8, 30, tzinfo=SHANGHAI), 12, ()),
    ],
)
def test_relative_dates_and_abbreviated_counts(
    entries: list[Entry], index: int, link: str, published: datetime, views: int, categories: tuple[str, ...]
) -> None:
    entry = entries[index]
    assert entry.role == "related"
    assert entry.id == link and entry.link == link
    assert entry.published == published
    assert entry.published is not None and entry.published.utcoffset() == timedelta(hours=8)
    assert entry.extra == {"views": views}
    assert entry.categories == categories


def test_relative_item_image_resolves_against_the_canonical_url(entries: list[Entry]) -> None:
    assert entries[1].image == f"{SITE}/wp-content/uploads/2025/07/2000-480x300.jpg"
    assert [e.image for e in entries[2:]] == [None, None, None]


def test_hot_posts_widget_is_not_related(entries: list[Entry]) -> None:
    assert len(entries) == 5
    ids = {e.id for e in entries}
    assert not ids & {f"{SITE}/archives/1990.html", f"{SITE}/archives/1985.html", f"{SITE}/archives/1980.html"}
