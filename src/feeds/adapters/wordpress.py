"""The `wordpress` adapter: the posts of a WordPress site, read from its REST API.

WordPress serves its posts as JSON at ``/wp-json/wp/v2/posts``; with ``_embed`` each post
also carries what it otherwise names only by id: its authors, its categories and tags, its
featured image. The API gives more than the site's RSS feed: the full content where the
feed is cut to excerpts, dates in UTC, the featured image. Sites can turn it off; then
the answer is an HTML page or a JSON error object, `NotWordPressAPI` is raised, and the
build reads the site's feed (`feed_url`) with the `feed` adapter instead.

Entry ids are the canonical post link, the id the `article` adapter gives the same post;
the numeric WordPress id is kept in ``extra["wp_id"]``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lxml import html

from ..css import select
from ..dates import parse_date
from ..models import AdapterSettings, Document, Entry, ExtractionError
from ..page import block_text, element_text, first_paragraph_text, fragment
from ..sanitize import lazy_image_url, sanitize_element, text_to_html
from ..text import shorten, unescape_fold
from ..urls import canonical, resolve
from .detect import looks_like_html

log = logging.getLogger(__name__)

SELECTOR_KEYS: frozenset[str] = frozenset()
API_PATH = "wp-json/wp/v2/posts"
FEED_PATH = "feed/"
PER_PAGE = 20
MAX_PER_PAGE = 100
"""WordPress answers ``rest_invalid_param`` for more."""
MAX_POSTS = 100
SUMMARY_LENGTH = 200
TITLE_LENGTH = 80
PROVENANCE = "wp-rest"
# The tail WordPress puts on an automatic excerpt (` [&hellip;]`), and what themes put
# there instead: "Continue reading", "Read more", 阅读全文...
_MORE_WORDS = r"(?:continue\s+reading|read\s+more|read\s+the\s+rest|阅读更多|继续阅读|阅读全文|查看全文)"
_MORE_TEXT = re.compile(rf"^\s*{_MORE_WORDS}", re.IGNORECASE)
_MORE_TAIL = re.compile(rf"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|{_MORE_WORDS}\s*[→»›>]*)\s*$", re.IGNORECASE)
_MORE_CLASSES = frozenset({"more-link", "read-more", "link-more", "more"})
# PHP warnings a site with display_errors on prints before the JSON.
_PHP_NOTICES = re.compile(
    rb"(?:\s*(?:<br\s*/?>)?\s*<b>(?:Warning|Notice|Deprecated|Strict Standards)</b>:.*?<br\s*/?>)+\s*",
    re.IGNORECASE | re.DOTALL,
)


class NotWordPressAPI(ExtractionError):
    """The document is not a list of posts from the REST API: read the site's feed instead."""


# --- URLs -------------------------------------------------------------------


def api_url(site: str, per_page: int = PER_PAGE) -> str:
    """The posts endpoint, with ``_embed``, of the site at `site`.

    `site` is the site's address (``https://example.com``, a subdirectory install as
    ``https://example.com/blog/``), or already an API URL (a path under ``/wp-json/``
    or a ``?rest_route=`` query), which is kept as it is apart from ``_embed`` added.
    """
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be 1 to {MAX_PER_PAGE}, not {per_page}")
    parts = urlsplit(site.strip())
    if _is_api(parts.path, parts.query):
        if "_embed" in _query_keys(parts.query):
            return urlunsplit(parts._replace(fragment=""))
        query = f"{parts.query}&_embed=1" if parts.query else "_embed=1"
        return urlunsplit(parts._replace(query=query, fragment=""))
    path = _root_path(parts.path) + API_PATH
    return urlunsplit(parts._replace(path=path, query=f"_embed=1&per_page={per_page}", fragment=""))


def feed_url(site: str) -> str:
    """The RSS feed of the site at `site` (a site address or an API URL, as for `api_url`).

    ``/feed/`` needs pretty permalinks, as ``/wp-json/`` does. A ``?rest_route=`` API URL
    is what a site without them needs, so its feed is the ``?feed=rss2`` form.
    """
    parts = urlsplit(site.strip())
    root = _root_path(parts.path)
    if "rest_route" in _query_keys(parts.query):
        return urlunsplit(parts._replace(path=root, query="feed=rss2", fragment=""))
    return urlunsplit(parts._replace(path=root + FEED_PATH, query="", fragment=""))


def _is_api(path: str, query: str) -> bool:
    _, marker, after = path.partition("/wp-json/")
    return bool(marker and after.strip("/")) or "rest_route" in _query_keys(query)


def _root_path(path: str) -> str:
    """The site's directory: the path before ``/wp-json``, always ending with a slash."""
    before, marker, _ = (path + "/").partition("/wp-json/")
    root = before if marker else path
    return root if root.endswith("/") else root + "/"


def _query_keys(query: str) -> set[str]:
    return {key for key, _ in parse_qsl(query, keep_blank_values=True)}


# --- the adapter ------------------------------------------------------------


def extract_wordpress(document: Document, settings: AdapterSettings) -> list[Entry]:
    """One `item` entry per published post, in API order (newest first), at most MAX_POSTS.

    Raises `NotWordPressAPI` when the document is not a REST API list of posts.
    """
    posts = read_posts(document)
    if not posts:
        log.warning("%s: the WordPress REST API lists no posts", settings.source)
    elif len(posts) > MAX_POSTS:
        log.warning("%s: the API gave %d posts, reading the first %d", settings.source, len(posts), MAX_POSTS)
    return [
        entry for post in posts[:MAX_POSTS]
        if (entry := _entry(post, document.url, settings, document.fetched_at)) is not None
    ]


def read_posts(document: Document) -> list[dict[str, Any]]:
    """The posts in a REST API response; raises `NotWordPressAPI` for anything else."""
    body = _json_body(document.body)
    if not body:
        raise NotWordPressAPI("empty response from the WordPress REST API")
    if body.startswith(b"<"):
        found = "an HTML page" if looks_like_html(body, document.content_type) else "XML"
        raise NotWordPressAPI(f"expected WordPress REST API JSON but got {found}")
    try:
        data = json.loads(body)  # bytes: json detects UTF-8/16/32
    except (ValueError, RecursionError) as error:
        problem = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise NotWordPressAPI(f"invalid JSON from the WordPress REST API: {problem}") from None
    if isinstance(data, dict):
        if _is_post(data):  # a single post: /wp/v2/posts/123
            return [data]
        raise NotWordPressAPI(_error_message(data))
    if not isinstance(data, list):
        raise NotWordPressAPI(f"not a list of WordPress posts: JSON {type(data).__name__}")
    posts = [item for item in data if _is_post(item)]
    if data and not posts:
        raise NotWordPressAPI("not a list of WordPress posts: the items have no title and link")
    if len(posts) < len(data):
        log.warning("%d of %d items in the API response are not posts; skipped", len(data) - len(posts), len(data))
    return posts


def _json_body(body: bytes) -> bytes:
    """`body` without leading BOMs (themes saved by Notepad print one each) and PHP notices."""
    body = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    while body.startswith(b"\xef\xbb\xbf"):
        body = body[3:].lstrip()
    if notices := _PHP_NOTICES.match(body):
        log.warning("the site printed PHP warnings before the JSON; they are skipped")
        body = body[notices.end():].lstrip(b"\xef\xbb\xbf \t\r\n")
    return body


def _is_post(item: Any) -> bool:
    """A post, page or custom post type item; comments, users and terms have no title."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("title"), (dict, str))
        and isinstance(item.get("link"), str)
        and item.get("type") != "attachment"
    )


def _error_message(data: Mapping[str, Any]) -> str:
    code = data.get("code")
    if not isinstance(code, str):
        return "not a list of WordPress posts: a JSON object"
    status = _dict(data.get("data")).get("status")
    message = unescape_fold(data.get("message")) if isinstance(data.get("message"), str) else ""
    detail = f" (HTTP {status})" if isinstance(status, int) else ""
    return f"the WordPress REST API answered {code}{detail}" + (f": {message}" if message else "")




def _entry(post: Mapping[str, Any], base: str, settings: AdapterSettings, now: datetime) -> Entry | None:
    status = post.get("status", "publish")
    if status != "publish":
        log.info("%s: post %s is %r, not published; skipped", settings.source, post.get("id"), status)
        return None
    link = resolve(base, post.get("link"))
    if not link:
        log.warning("%s: post %s without an http(s) link skipped", settings.source, post.get("id"))
        return None
    protected = _protected(post)
    content_html, content = ("", None) if protected else _content(post, link)
    summary, summary_from = _summary(post, link, content)
    title, title_from = _rendered_text(post.get("title")), "title.rendered"
    if not title:
        title, title_from = shorten(summary, TITLE_LENGTH), summary_from
    published, published_from = _date(post, "date", settings, now)
    updated, updated_from = _date(post, "modified", settings, now)
    authors, authors_from = _authors(post)
    categories = _categories(post)
    image, image_from = (None, "") if protected else _image(post, link, content)
    found = {
        "title": (title, title_from), "summary": (summary, summary_from),
        "content_html": (content_html, "content.rendered"), "authors": (authors, authors_from),
        "published": (published, published_from), "updated": (updated, updated_from),
        "categories": (categories, "wp:term"), "image": (image, image_from),
    }
    return Entry(
        id=canonical(link),
        title=title,
        link=link,
        source=settings.source,
        role="item",
        summary=summary,
        content_html=content_html,
        authors=authors,
        published=published,
        updated=updated or published,
        categories=categories,
        image=image,
        extra=_extra(post, protected),
        provenance=_provenance(found),
    )


def _provenance(found: Mapping[str, tuple[Any, str]]) -> dict[str, str]:
    """``{"adapter": "wp-rest"}``, and for each field that has a value the REST field it came from."""
    fields = {name: f"{PROVENANCE}:{origin}" for name, (value, origin) in found.items() if value}
    return {"adapter": PROVENANCE, **fields}


def _protected(post: Mapping[str, Any]) -> bool:
    return _dict(post.get("content")).get("protected") is True


def _content(post: Mapping[str, Any], link: str) -> tuple[str, html.HtmlElement | None]:
    """``content.rendered`` as sanitised HTML with absolute URLs, and as a parsed tree."""
    tree = fragment(_rendered(post.get("content")))
    if tree is None:
        return "", None
    if len(tree) == 0:  # bare text
        return text_to_html(element_text(tree)), tree
    return sanitize_element(tree, link), tree


def _summary(post: Mapping[str, Any], link: str, content: html.HtmlElement | None) -> tuple[str, str]:
    """The excerpt as plain text without its "[…]" or "Continue reading" tail; else the
    content's first paragraph."""
    excerpt = fragment(_rendered(post.get("excerpt")))
    if excerpt is not None:
        _drop_more_links(excerpt, link)
        if text := _MORE_TAIL.sub("", block_text(excerpt)):
            return text, "excerpt.rendered"
    if content is not None and (text := first_paragraph_text(content)):
        return shorten(text, SUMMARY_LENGTH), "content.rendered"
    return "", ""


def _drop_more_links(excerpt: html.HtmlElement, link: str) -> None:
    """Remove the links to the post itself that themes end excerpts with."""
    target = canonical(link)
    for anchor in select(excerpt, "a"):
        classes = set((anchor.get("class") or "").split())
        href = resolve(link, anchor.get("href"))
        if classes & _MORE_CLASSES or _MORE_TEXT.match(element_text(anchor)) or (href and canonical(href) == target):
            anchor.drop_tree()  # keeps its tail text


def _date(
    post: Mapping[str, Any], key: str, settings: AdapterSettings, now: datetime
) -> tuple[datetime | None, str]:
    """``<key>_gmt``, which is UTC without saying so; else the site-local ``<key>`` in
    the source's timezone. With the field the value came from."""
    gmt = post.get(f"{key}_gmt")
    if isinstance(gmt, str) and (value := parse_date(gmt, UTC, now)) is not None:
        return value, f"{key}_gmt"
    local = post.get(key)
    if isinstance(local, str) and (value := parse_date(local, settings.timezone, now)) is not None:
        return value, key
    return None, ""


def _authors(post: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """Names of the embedded users; sites that block the users endpoint embed error
    objects instead. Without them, the author Yoast SEO names."""
    embedded = _list(_embedded(post).get("author"))
    names = (unescape_fold(user.get("name")) for user in embedded if isinstance(user, dict))
    if unique := tuple(dict.fromkeys(name for name in names if name)):
        return unique, "_embedded.author"
    yoast = _dict(post.get("yoast_head_json")).get("author")
    if isinstance(yoast, str) and (name := unescape_fold(yoast)):
        return (name,), "yoast_head_json.author"
    return (), ""


def _categories(post: Mapping[str, Any]) -> tuple[str, ...]:
    """Category names, then tag names, from the embedded terms (names are stored escaped)."""
    groups = _list(_embedded(post).get("wp:term"))
    terms = [term for group in groups for term in _list(group) if isinstance(term, dict)]
    names = (
        unescape_fold(term.get("name"))
        for taxonomy in ("category", "post_tag") for term in terms if term.get("taxonomy") == taxonomy
    )
    return tuple(dict.fromkeys(name for name in names if name))


def _image(post: Mapping[str, Any], link: str, content: html.HtmlElement | None) -> tuple[str | None, str]:
    """The featured image, as WordPress, Jetpack or Yoast SEO give it; else the first
    image of the content."""
    media = next(iter(_list(_embedded(post).get("wp:featuredmedia"))), None)
    media = media if isinstance(media, dict) and media.get("media_type", "image") == "image" else {}
    sizes = _dict(_dict(media.get("media_details")).get("sizes"))
    og_images = _list(_dict(post.get("yoast_head_json")).get("og_image"))
    candidates = (
        (media.get("source_url"), "wp:featuredmedia"),
        (_dict(sizes.get("full")).get("source_url"), "wp:featuredmedia"),
        (post.get("jetpack_featured_media_url"), "jetpack_featured_media_url"),
        (_dict(og_images[0] if og_images else None).get("url"), "yoast_head_json.og_image"),
    )
    for raw, origin in candidates:
        if isinstance(raw, str) and (url := resolve(link, raw)):
            return url, origin
    for img in select(content, "img") if content is not None else ():
        if url := lazy_image_url(img, link):
            return url, "content.rendered"
    return None, ""


def _extra(post: Mapping[str, Any], protected: bool) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    wp_id = post.get("id")
    if isinstance(wp_id, int) and not isinstance(wp_id, bool):
        extra["wp_id"] = wp_id
    if protected:
        extra["protected"] = True
    return extra


# --- helpers ----------------------------------------------------------------


def _rendered(value: Any) -> str:
    """The ``rendered`` HTML of a REST field such as ``title`` or ``content``."""
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else ""


def _rendered_text(value: Any) -> str:
    """A rendered field as plain text: tags stripped, entities (``&#8220;``) decoded."""
    tree = fragment(_rendered(value))
    return block_text(tree) if tree is not None else ""








def _embedded(post: Mapping[str, Any]) -> Mapping[str, Any]:
    """What ``_embed`` added; empty when the API was called without it."""
    return _dict(post.get("_embedded"))


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
