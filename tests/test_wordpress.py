"""The `wordpress` adapter on WordPress REST API responses, and its endpoint URLs.

The fixtures are shaped like real ``/wp-json/wp/v2/posts`` answers (ASCII-escaped JSON,
``_links``, Yoast SEO and Jetpack fields...): a Chinese news site called with ``_embed``,
an English blog in a subdirectory called without it, and what a site answers when the
API is off or the URL is not the posts endpoint.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feeds.adapters.wordpress import (
    MAX_POSTS,
    NotWordPressAPI,
    api_url,
    extract_wordpress,
    feed_url,
)
from feeds.models import AdapterSettings, Document, Entry, ExtractionError
from feeds.normalise import normalise

from .conftest import FIXTURES

WP = FIXTURES / "wordpress"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
JSON = "application/json; charset=UTF-8"
CN = "https://www.hyzx.example.cn"
CN_API = f"{CN}/wp-json/wp/v2/posts?_embed=1&per_page=20"
EN = "https://example.org/blog"
EN_API = f"{EN}/wp-json/wp/v2/posts?per_page=20"


def document(body: bytes, url: str = CN_API, content_type: str = JSON) -> Document:
    return Document(body=body, url=url, fetched_at=NOW, headers={"content-type": content_type})


def extract(body: bytes, url: str = CN_API, tz: ZoneInfo = SHANGHAI, content_type: str = JSON) -> list[Entry]:
    return extract_wordpress(document(body, url, content_type), AdapterSettings("hyzx", tz))


def fixture(name: str) -> bytes:
    return (WP / name).read_bytes()


def cn_posts() -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = json.loads(fixture("cn-news-posts.json"))
    return posts


def one(post: dict[str, Any], url: str = CN_API, tz: ZoneInfo = SHANGHAI) -> Entry:
    """The entry of a single-post response built from `post`."""
    (entry,) = extract(json.dumps([post]).encode(), url, tz)
    return entry


def first_post(**changes: Any) -> dict[str, Any]:
    """The Chinese site's first post with top-level fields replaced (None deletes)."""
    post = copy.deepcopy(cn_posts()[0])
    for key, value in changes.items():
        if value is None:
            post.pop(key, None)
        else:
            post[key] = value
    return post


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# --- a Chinese news site, with _embed -----------------------------------------------

CN_ENTRIES = [
    Entry(
        id=f"{CN}/3187.html",
        title="2024中国国际服装服饰博览会“媒体日”在沪举行",
        link=f"{CN}/3187.html",
        source="hyzx",
        role="item",
        # WordPress's automatic excerpt (figcaption text included) without its " [&hellip;]".
        summary=(
            "3月5日，2024中国国际服装服饰博览会（CHIC2024）“媒体日”活动在国家会展中心（上海）举行，"
            "来自全国的60余家媒体参加。 媒体日现场 本届博览会以“以新质生产力推动时尚产业"
        ),
        content_html=(
            "<p>3月5日，2024中国国际服装服饰博览会（CHIC2024）“媒体日”活动在国家会展中心（上海）举行，"
            "来自全国的60余家媒体参加。</p>\n"
            '<figure><img width="1024" height="576" '
            f'src="{CN}/wp-content/uploads/2024/03/chic-media-day-1024x576.jpg" alt="媒体日现场">'
            "<figcaption>媒体日现场</figcaption></figure>\n"
            "<p>本届博览会以“以新质生产力推动时尚产业高质量发展”为主题，详见"
            f'<a href="{CN}/tag/chic" rel="noopener noreferrer">CHIC专题</a>。</p>\n'
            "<figure>\n\n</figure>\n\n"  # the video embed's <iframe> is dropped; its wrapper stays
            "<p>（来源：行业资讯网）</p>"
        ),
        authors=("行业资讯编辑部",),
        # date is 2024-03-05T10:30:00 (Shanghai); date_gmt 02:30 is what is read, as UTC.
        published=datetime(2024, 3, 5, 2, 30, tzinfo=UTC),
        updated=datetime(2024, 3, 6, 1, 15, 42, tzinfo=UTC),
        categories=("媒体", "行业动态", "CHIC", "服装博览会"),
        image=f"{CN}/wp-content/uploads/2024/03/chic-media-day.jpg",
        extra={"wp_id": 3187},
    ),
    Entry(
        id=f"{CN}/3175.html",
        title="【会员专享】2024春夏面料趋势报告",
        link=f"{CN}/3175.html",
        source="hyzx",
        role="item",
        summary="",
        content_html="",
        authors=("行业资讯编辑部",),
        published=datetime(2024, 2, 28, 8, 0, tzinfo=UTC),
        updated=datetime(2024, 2, 28, 8, 0, tzinfo=UTC),
        categories=("行业动态",),
        image=None,  # it has a featured image, but the post is password-protected
        extra={"wp_id": 3175, "protected": True},
    ),
]


def test_chinese_site_every_field() -> None:
    entries = extract(fixture("cn-news-posts.json"))
    assert entries == CN_ENTRIES
    assert [e.published.tzinfo for e in entries if e.published] == [UTC, UTC]
    assert [e.updated.tzinfo for e in entries if e.updated] == [UTC, UTC]


def test_chinese_site_provenance() -> None:
    first, protected = extract(fixture("cn-news-posts.json"))
    assert first.provenance == {
        "adapter": "wp-rest",
        "title": "wp-rest:title.rendered",
        "summary": "wp-rest:excerpt.rendered",
        "content_html": "wp-rest:content.rendered",
        "authors": "wp-rest:_embedded.author",
        "published": "wp-rest:date_gmt",
        "updated": "wp-rest:modified_gmt",
        "categories": "wp-rest:wp:term",
        "image": "wp-rest:wp:featuredmedia",
    }
    assert protected.provenance == {
        "adapter": "wp-rest",
        "title": "wp-rest:title.rendered",
        "authors": "wp-rest:_embedded.author",
        "published": "wp-rest:date_gmt",
        "updated": "wp-rest:modified_gmt",
        "categories": "wp-rest:wp:term",
    }


def test_date_gmt_wins_over_the_site_local_date() -> None:
    post = cn_posts()[0]
    assert (post["date"], post["date_gmt"]) == ("2024-03-05T10:30:00", "2024-03-05T02:30:00")
    # Read in any source timezone, the instant is the same: date_gmt carries it.
    for tz in (SHANGHAI, NEW_YORK, ZoneInfo("UTC")):
        entry = one(post, tz=tz)
        assert entry.published == datetime(2024, 3, 5, 10, 30, tzinfo=SHANGHAI)
        assert entry.published.utcoffset() == timedelta(0)


def test_without_date_gmt_the_local_date_is_in_the_source_timezone() -> None:
    entry = one(first_post(date_gmt=None, modified_gmt=None))
    assert entry.published == datetime(2024, 3, 5, 10, 30, tzinfo=SHANGHAI)
    assert entry.published.utcoffset() == timedelta(hours=8)
    assert entry.updated == datetime(2024, 3, 6, 9, 15, 42, tzinfo=SHANGHAI)
    assert entry.provenance["published"] == "wp-rest:date"
    assert entry.provenance["updated"] == "wp-rest:modified"


def test_unreadable_date_gmt_falls_back_too() -> None:
    entry = one(first_post(date_gmt="0000-00-00T00:00:00", modified="", modified_gmt=""))
    assert entry.published == datetime(2024, 3, 5, 10, 30, tzinfo=SHANGHAI)
    assert entry.updated == entry.published  # no modification date: the publication date


def test_drafts_are_skipped() -> None:
    posts = cn_posts()
    assert posts[2]["status"] == "draft"
    assert f"{CN}/?p=3201" not in [e.link for e in extract(fixture("cn-news-posts.json"))]
    for status in ("future", "private", "pending", "trash"):
        assert extract(json.dumps([first_post(status=status)]).encode()) == []


def test_entries_survive_normalise_unchanged() -> None:
    entries = extract(fixture("cn-news-posts.json"))
    assert normalise(entries, SHANGHAI, NOW) == entries


def test_protected_post_keeps_only_title_link_and_excerpt() -> None:
    """WordPress blanks a protected post's content and excerpt; if a plugin does not,
    the content still stays out of the feed."""
    post = first_post()
    post["content"]["protected"] = True
    post["excerpt"] = {"rendered": "<p>会员可阅读全文。</p>\n", "protected": True}
    entry = one(post)
    assert (entry.title, entry.link, entry.summary) == (
        "2024中国国际服装服饰博览会“媒体日”在沪举行", f"{CN}/3187.html", "会员可阅读全文。"
    )
    assert (entry.content_html, entry.image) == ("", None)
    assert entry.extra == {"wp_id": 3187, "protected": True}


# --- an English blog in a subdirectory, without _embed -----------------------------

EN_ENTRIES = [
    Entry(
        id=f"{EN}/2024/05/06/boring-tech-part-2/",
        title="Why we’re moving to “boring” tech – part 2",
        link=f"{EN}/2024/05/06/boring-tech-part-2/",
        source="hyzx",
        role="item",
        # Twenty Twenty-One's "Continue reading" link is dropped; the ellipsis stays.
        summary=(
            "In part 1 we counted what our “exciting” stack cost us. This time: what we replaced it with. "
            "Postgres for everything Queues, search and cron all moved into the database we already ran.1…"
        ),
        content_html=(
            f'<p>In <a href="{EN}/2024/04/01/boring-tech-part-1/" rel="noopener noreferrer">part 1</a> '
            "we counted what our “exciting” stack cost us. This time: what we replaced it with.</p>\n"
            '<figure><img width="1024" height="512" '
            f'src="{EN}/wp-content/uploads/2024/05/stack-before-after-1024x512.png" '
            'alt="Two architecture diagrams, before and after"></figure>\n'
            "<h2>Postgres for everything</h2>\n"
            "<p>Queues, search and cron all moved into the database we already ran."
            f'<sup><a href="{EN}/2024/05/06/boring-tech-part-2/#3c5e" rel="noopener noreferrer">1</a></sup></p>\n'
            "<ol><li>Yes, even the queue. "
            f'<a href="{EN}/2024/05/06/boring-tech-part-2/#3c5e-link" rel="noopener noreferrer">↩︎</a></li></ol>'
        ),  # Jetpack's sharing buttons and related posts are gone
        authors=(),
        published=datetime(2024, 5, 6, 13, 0, tzinfo=UTC),
        updated=datetime(2024, 5, 7, 21, 45, 10, tzinfo=UTC),
        categories=(),
        image=f"{EN}/wp-content/uploads/2024/05/stack-before-after-1024x512.png",
        extra={"wp_id": 512},
    ),
    Entry(
        id=f"{EN}/2024/03/09/boston-python-meetup-notes/",
        title="Notes from the Boston Python meetup & what’s next",
        link=f"{EN}/2024/03/09/boston-python-meetup-notes/",
        source="hyzx",
        role="item",
        summary="Short notes from March’s meetup.",
        content_html=(
            "<p>Short notes from the March meetup &amp; a few links.</p>\n"
            "<ul>\n<li>Talk 1: <code>uv</code> in production</li>\n"
            "<li>Talk 2: typing <em>all</em> the things</li>\n</ul>"
        ),
        authors=(),
        # 23:30 on 9 March in New York (EST) is 04:30 on the 10th in UTC.
        published=datetime(2024, 3, 10, 4, 30, tzinfo=UTC),
        updated=datetime(2024, 3, 10, 4, 30, tzinfo=UTC),
        categories=(),
        image="https://i0.wp.com/example.org/blog/wp-content/uploads/2024/03/meetup.jpg?fit=1200%2C800&ssl=1",
        extra={"wp_id": 498},
    ),
]


def test_english_blog_without_embed_every_field() -> None:
    entries = extract(fixture("en-blog-posts-no-embed.json"), EN_API, NEW_YORK)
    assert entries == EN_ENTRIES
    assert [e.provenance.get("image") for e in entries] == [
        "wp-rest:content.rendered", "wp-rest:jetpack_featured_media_url"
    ]
    assert all("authors" not in e.provenance and "categories" not in e.provenance for e in entries)


# --- what is not a list of posts ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "message"),
    [
        (
            "cn-news-rest-no-route.json", JSON,
            "the WordPress REST API answered rest_no_route (HTTP 404): 未找到匹配URL和请求方式的路由。",
        ),
        ("cn-news-404.html", "text/html; charset=UTF-8", "expected WordPress REST API JSON but got an HTML page"),
        ("cn-news-404.html", JSON, "expected WordPress REST API JSON but got an HTML page"),
        ("cn-news-comments.json", JSON, "not a list of WordPress posts: the items have no title and link"),
    ],
)
def test_not_a_posts_list(name: str, content_type: str, message: str) -> None:
    with pytest.raises(NotWordPressAPI) as raised:
        extract(fixture(name), content_type=content_type)
    assert str(raised.value) == message


def test_truncated_json() -> None:
    with pytest.raises(NotWordPressAPI, match=r"^invalid JSON from the WordPress REST API: Unterminated string"):
        extract(fixture("cn-news-posts-truncated.json"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"code":"rest_disabled","message":"The WordPress REST API has been disabled.","data":{"status":403}}',
            "the WordPress REST API answered rest_disabled (HTTP 403): The WordPress REST API has been disabled.",
        ),
        (
            b'{"code":"rest_not_logged_in","message":"You are not currently logged in.","data":{"status":401}}',
            "the WordPress REST API answered rest_not_logged_in (HTTP 401): You are not currently logged in.",
        ),
        (b'{"code":"rest_cannot_access"}', "the WordPress REST API answered rest_cannot_access"),
        (b'{"name":"Example","url":"https://example.org"}', "not a list of WordPress posts: a JSON object"),
        (b'"hello"', "not a list of WordPress posts: JSON str"),
        (b"null", "not a list of WordPress posts: JSON NoneType"),
        (b"", "empty response from the WordPress REST API"),
        (b" \r\n", "empty response from the WordPress REST API"),
        (b'<?xml version="1.0"?><rss version="2.0"></rss>', "expected WordPress REST API JSON but got XML"),
        (b"[" * 100_000, "invalid JSON from the WordPress REST API: nested too deeply"),
        (b'[{"id":1,"taxonomy":"category","name":"News","link":"https://example.org/category/news"}]',
         "not a list of WordPress posts: the items have no title and link"),
        (b'[{"id":9,"type":"attachment","title":{"rendered":"logo"},"link":"https://example.org/logo/"}]',
         "not a list of WordPress posts: the items have no title and link"),
    ],
)
def test_error_objects_and_other_json(body: bytes, message: str) -> None:
    with pytest.raises(NotWordPressAPI) as raised:
        extract(body)
    assert str(raised.value) == message


def test_not_wordpress_api_is_an_extraction_error() -> None:
    assert issubclass(NotWordPressAPI, ExtractionError)


def test_an_empty_list_is_a_site_without_posts(caplog: pytest.LogCaptureFixture) -> None:
    assert extract(b"[]") == []
    assert warnings(caplog) == ["hyzx: the WordPress REST API lists no posts"]


def test_a_single_post_object_is_read() -> None:
    """``/wp/v2/posts/3187`` answers with the post itself, not a list."""
    (entry,) = extract(json.dumps(cn_posts()[0]).encode(), f"{CN}/wp-json/wp/v2/posts/3187?_embed=1")
    assert entry == CN_ENTRIES[0]


def test_items_that_are_not_posts_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    items = [cn_posts()[0], {"id": 88, "post": 3187, "content": {"rendered": "<p>好</p>"}}, "junk"]
    assert extract(json.dumps(items).encode()) == CN_ENTRIES[:1]
    assert warnings(caplog) == ["2 of 3 items in the API response are not posts; skipped"]


def test_post_without_an_http_link_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    assert extract(json.dumps([first_post(link="javascript:void(0)")]).encode()) == []
    assert warnings(caplog) == ["hyzx: post 3187 without an http(s) link skipped"]


# --- what sites print around the JSON -------------------------------------------------


def test_byte_order_marks_and_php_notices_before_the_json(caplog: pytest.LogCaptureFixture) -> None:
    """A theme file saved with a BOM prints it on every request, and a site with
    display_errors on prints its warnings before the JSON."""
    notices = (
        b"<br />\n<b>Deprecated</b>:  Creation of dynamic property Hyzx_Widget::$title is deprecated in "
        b"<b>/www/wwwroot/hyzx/wp-content/themes/hyzx/inc/widgets.php</b> on line <b>42</b><br />\n"
        b"<br />\n<b>Warning</b>:  Undefined array key \"thumb\" in "
        b"<b>/www/wwwroot/hyzx/wp-content/plugins/hyzx-seo/hyzx-seo.php</b> on line <b>318</b><br />\n"
    )
    body = b"\xef\xbb\xbf\xef\xbb\xbf" + notices + fixture("cn-news-posts.json")
    assert extract(body) == CN_ENTRIES
    assert warnings(caplog) == ["the site printed PHP warnings before the JSON; they are skipped"]


def test_unescaped_utf8_json_is_read_too() -> None:
    """JSON_UNESCAPED_UNICODE|JSON_UNESCAPED_SLASHES, as some plugins and proxies send."""
    body = json.dumps(cn_posts(), ensure_ascii=False).encode()
    assert extract(body) == CN_ENTRIES


# --- field fallbacks ------------------------------------------------------------------


def _embedded(**changes: Any) -> dict[str, Any]:
    post = first_post()
    for key, value in changes.items():
        if value is None:
            post["_embedded"].pop(key)
        else:
            post["_embedded"][key] = value
    return post


FORBIDDEN = {"code": "rest_forbidden", "message": "抱歉，您不能这么做。", "data": {"status": 401}}
USER_BLOCKED = {"code": "rest_user_cannot_view", "message": "Sorry, you are not allowed to list users.",
                "data": {"status": 401}}


def test_featured_image_from_the_full_size_when_source_url_is_missing() -> None:
    post = first_post()
    del post["_embedded"]["wp:featuredmedia"][0]["source_url"]
    entry = one(post)
    assert entry.image == f"{CN}/wp-content/uploads/2024/03/chic-media-day.jpg"
    assert entry.provenance["image"] == "wp-rest:wp:featuredmedia"


@pytest.mark.parametrize(
    ("post", "image", "origin"),
    [
        # Private media embed as an error object: Yoast's og:image is next.
        (_embedded(**{"wp:featuredmedia": [FORBIDDEN]}), f"{CN}/wp-content/uploads/2024/03/chic-media-day.jpg",
         "wp-rest:yoast_head_json.og_image"),
        (
            first_post(_embedded=None, jetpack_featured_media_url="https://i1.wp.com/www.hyzx.example.cn/a.jpg?ssl=1"),
            "https://i1.wp.com/www.hyzx.example.cn/a.jpg?ssl=1", "wp-rest:jetpack_featured_media_url",
        ),
        # Nothing featured: the content's first image, past its lazy-loading placeholder.
        (first_post(_embedded=None, yoast_head_json=None),
         f"{CN}/wp-content/uploads/2024/03/chic-media-day-1024x576.jpg", "wp-rest:content.rendered"),
    ],
)
def test_featured_image_fallbacks(post: dict[str, Any], image: str, origin: str) -> None:
    entry = one(post)
    assert entry.image == image
    assert entry.provenance["image"] == origin


def test_a_featured_video_is_not_an_image() -> None:
    post = first_post(yoast_head_json=None)
    post["_embedded"]["wp:featuredmedia"][0] |= {"media_type": "file", "source_url": f"{CN}/v.mp4"}
    assert one(post).image == f"{CN}/wp-content/uploads/2024/03/chic-media-day-1024x576.jpg"


def test_authors_when_the_users_endpoint_is_blocked() -> None:
    """Security plugins block /wp/v2/users; the embedded author is then an error object,
    and the name Yoast SEO prints is used."""
    entry = one(_embedded(author=[USER_BLOCKED]))
    assert entry.authors == ("行业资讯编辑部",)
    assert entry.provenance["authors"] == "wp-rest:yoast_head_json.author"
    assert one(first_post(_embedded=None, yoast_head_json=None)).authors == ()


def test_term_names_are_unescaped_and_other_taxonomies_ignored() -> None:
    post = _embedded(**{"wp:term": [
        [{"id": 9, "name": "R&amp;D", "taxonomy": "post_tag"}],
        [{"id": 4, "name": "政策 &amp; 法规", "taxonomy": "category"}, FORBIDDEN],
        [{"id": 2, "name": "上海", "taxonomy": "region"}],
        "junk",
    ]})
    assert one(post).categories == ("政策 & 法规", "R&D")


def test_title_tags_are_stripped_and_an_empty_title_falls_back_to_the_summary() -> None:
    titled = one(first_post(title={"rendered": "<em>独家</em>：AT&#038;T&nbsp;&#8211;&nbsp;专访"}))
    assert titled.title == "独家：AT&T – 专访"
    untitled = one(first_post(title={"rendered": ""}))
    assert untitled.title == (  # the summary, cut to 80 characters
        "3月5日，2024中国国际服装服饰博览会（CHIC2024）“媒体日”活动在国家会展中心（上海）举行，"
        "来自全国的60余家媒体参加。 媒体日现场 本届博览会以“…"
    )
    assert untitled.provenance["title"] == "wp-rest:excerpt.rendered"


TWENTY_SEVENTEEN_EXCERPT = (
    '<p>Policy explained</p>\n<p class="link-more"><a href="https://www.hyzx.example.cn/3187.html" '
    'class="more-link">Continue reading<span class="screen-reader-text"> &#8220;Policy&#8221;</span></a></p>\n'
)


@pytest.mark.parametrize(
    ("excerpt", "summary"),
    [
        ("<p>政策解读来了 [&hellip;]</p>\n", "政策解读来了"),
        ("<p>Policy explained [...]</p>\n", "Policy explained"),
        ("<p>Policy explained [&#8230;]</p>\n", "Policy explained"),
        (TWENTY_SEVENTEEN_EXCERPT, "Policy explained"),
        # Chinese themes: a "read the full text" link, by its words or by where it points
        ('<p>政策解读来了&hellip; <a href="https://www.hyzx.example.cn/3187.html">阅读全文 &raquo;</a></p>\n',
         "政策解读来了…"),
        ('<p>政策解读来了 <a href="https://www.hyzx.example.cn/3187.html?utm_source=list">&gt;&gt;</a></p>\n',
         "政策解读来了"),
        ("<p>政策解读来了 继续阅读 &rarr;</p>\n", "政策解读来了"),
        # A link elsewhere is part of the excerpt
        ('<p>见<a href="https://www.gov.example.cn/zc/1.html">原文</a>。</p>\n', "见原文。"),
    ],
)
def test_excerpt_without_its_continuation(excerpt: str, summary: str) -> None:
    assert one(first_post(excerpt={"rendered": excerpt, "protected": False})).summary == summary


def test_without_an_excerpt_the_summary_is_the_first_paragraph() -> None:
    entry = one(first_post(excerpt={"rendered": "", "protected": False}))
    assert entry.summary == "3月5日，2024中国国际服装服饰博览会（CHIC2024）“媒体日”活动在国家会展中心（上海）举行，来自全国的60余家媒体参加。"
    assert entry.provenance["summary"] == "wp-rest:content.rendered"


def test_bare_text_content_becomes_a_paragraph() -> None:
    entry = one(first_post(content={"rendered": "只有一句话 & 没有标签", "protected": False}))
    assert entry.content_html == "<p>只有一句话 &amp; 没有标签</p>"


def test_at_most_max_posts(caplog: pytest.LogCaptureFixture) -> None:
    template = first_post(_embedded=None)
    posts = [template | {"id": n, "link": f"{CN}/{n}.html"} for n in range(1, 151)]
    entries = extract(json.dumps(posts).encode())
    assert len(entries) == MAX_POSTS
    assert [e.extra["wp_id"] for e in entries] == list(range(1, MAX_POSTS + 1))
    assert warnings(caplog) == ["hyzx: the API gave 150 posts, reading the first 100"]


def test_the_entry_id_is_the_canonical_link() -> None:
    """The id the `article` adapter gives the same page; the numeric id is kept apart."""
    entry = one(first_post(link="HTTPS://WWW.HYZX.EXAMPLE.CN:443/3187.html?utm_source=wp#top"))
    assert entry.id == f"{CN}/3187.html"
    assert entry.link == "https://WWW.HYZX.EXAMPLE.CN:443/3187.html?utm_source=wp#top"
    assert entry.extra["wp_id"] == 3187


def test_relative_post_links_resolve_against_the_api_url() -> None:
    entry = one(first_post(link="/3187.html"))
    assert entry.link == f"{CN}/3187.html"


# --- endpoint URLs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ("https://example.com", "https://example.com/wp-json/wp/v2/posts?_embed=1&per_page=20"),
        ("https://example.com/", "https://example.com/wp-json/wp/v2/posts?_embed=1&per_page=20"),
        ("  https://example.com/#top ", "https://example.com/wp-json/wp/v2/posts?_embed=1&per_page=20"),
        ("https://example.com/blog/", "https://example.com/blog/wp-json/wp/v2/posts?_embed=1&per_page=20"),
        ("https://example.com/blog", "https://example.com/blog/wp-json/wp/v2/posts?_embed=1&per_page=20"),
        ("https://example.com/wp-json/", "https://example.com/wp-json/wp/v2/posts?_embed=1&per_page=20"),
        # Already API URLs: unchanged, but for _embed.
        ("https://example.com/wp-json/wp/v2/posts", "https://example.com/wp-json/wp/v2/posts?_embed=1"),
        ("https://example.com/blog/wp-json/wp/v2/posts?categories=5&per_page=50",
         "https://example.com/blog/wp-json/wp/v2/posts?categories=5&per_page=50&_embed=1"),
        ("https://example.com/wp-json/wp/v2/posts?_embed", "https://example.com/wp-json/wp/v2/posts?_embed"),
        ("https://example.com/wp-json/wp/v2/news?_embed=author,wp:term",
         "https://example.com/wp-json/wp/v2/news?_embed=author,wp:term"),
        ("https://example.com/?rest_route=/wp/v2/posts", "https://example.com/?rest_route=/wp/v2/posts&_embed=1"),
    ],
)
def test_api_url(site: str, expected: str) -> None:
    assert api_url(site) == expected


def test_api_url_per_page() -> None:
    assert api_url("https://example.com", per_page=100) == "https://example.com/wp-json/wp/v2/posts?_embed=1&per_page=100"
    for wrong in (0, 101):
        with pytest.raises(ValueError, match="per_page must be 1 to 100"):
            api_url("https://example.com", per_page=wrong)


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ("https://example.com", "https://example.com/feed/"),
        ("https://example.com/", "https://example.com/feed/"),
        ("https://example.com/blog/", "https://example.com/blog/feed/"),
        ("https://example.com/blog", "https://example.com/blog/feed/"),
        ("https://example.com/blog/wp-json/wp/v2/posts?_embed=1&per_page=20", "https://example.com/blog/feed/"),
        ("https://example.com/wp-json/", "https://example.com/feed/"),
        # A site that needs ?rest_route= has no pretty permalinks, so no /feed/ either.
        ("https://example.com/blog/?rest_route=/wp/v2/posts&_embed=1", "https://example.com/blog/?feed=rss2"),
    ],
)
def test_feed_url(site: str, expected: str) -> None:
    assert feed_url(site) == expected


def test_fixtures_are_what_wordpress_sends() -> None:
    """wp_json_encode output: ASCII only, slashes escaped."""
    for path in sorted(Path(WP).glob("*.json")):
        body = path.read_bytes()
        assert body.isascii(), path.name
        assert b"https://" not in body, path.name
