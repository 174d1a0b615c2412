"""Related-news blocks (相关推荐, Related posts…): find the block, read each item.

The block is found by the source's `related` selector, else by the containers that
themes and plugins print, else by a heading such as 相关阅读 followed by a list of links.
Sidebars and navigation (热门文章, previous/next) never match: their headings differ and
they are not named as related blocks.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree, html

from ..css import select, select_first
from ..dates import parse_count, parse_date
from ..models import AdapterSettings, Entry, ExtractionError
from ..page import Page, element_text, find_indexed, name_index
from ..sanitize import lazy_image_url, text_to_html
from ..urls import canonical

log = logging.getLogger(__name__)

RELATED_SELECTOR_KEYS = frozenset(
    {"related", "related_title", "related_link", "related_summary", "related_date",
     "related_category", "related_views", "related_image"}
)
MAX_ITEMS = 50
# Text beside an item's title longer than this is a summary, not a date.
_MAX_UNMARKED_DATE = 30

# Classes of the containers themes and related-post plugins print; items are li or children.
KNOWN_BLOCK_CLASSES = frozenset(
    {"entry-related", "jp-relatedposts-items", "yarpp-related", "crp_related", "related-posts",
     "related_posts", "wp-block-jetpack-related-posts", "post-related", "related-articles",
     "relatedPosts"}
)
RELATED_HEADING = re.compile(
    r"^(相关(推荐|文章|阅读|新闻|资讯|报道|内容|链接|稿件)|延伸阅读|推荐阅读|猜你喜欢|"
    r"你(可能|也许)(还)?(会)?(喜欢|感兴趣)|"
    r"related(\s+(posts?|stories|articles?|news|content|reading|coverage))?|"
    r"you\s+(may|might)\s+also\s+(like|be\s+interested\s+in)|more\s+stories|see\s+also)$",
    re.IGNORECASE,
)
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "header", "strong", "b", "span", "p", "div", "dt", "legend", "caption")
_HEADING_PUNCTUATION = re.compile(r"[\s:：|｜>»›·•\-—]+")
_MAX_HEADING_LENGTH = 40

ITEM_SELECTORS = {
    "link": (".item-title a[href]", "h1 a[href], h2 a[href], h3 a[href], h4 a[href], h5 a[href]",
             ".title a[href]", "a[rel~=bookmark][href]"),
    "summary": (".item-excerpt", ".excerpt", ".summary", ".desc", ".description", ".jp-relatedposts-post-excerpt"),
    "category": (".item-meta > a.item-meta-li", "a.item-category", "a[rel~=category]",
                 ".category a", "a.category", ".cat-links a", ".post-category a"),
    "date": ("time[datetime]", ".date", ".time", "time", ".post-date", ".item-meta-li.date",
             ".jp-relatedposts-post-date"),
    "views": (".views", ".view", ".post-views", ".item-meta-li.views"),
}


def extract_related(page: Page, settings: AdapterSettings, now: datetime) -> list[Entry]:
    """One `related` entry per item of the page's related block; [] when there is none.

    Each entry's provenance says how its block was found: {"block": "selectors"},
    {"block": "theme"} (a container themes and plugins print) or {"block": "heading"}.
    """
    entries: list[Entry] = []
    seen: set[str] = set()
    items, layer = _items(page, settings)
    defaults = _page_defaults(page) if items else {}
    for item in items:
        entry = _item_entry(item, page, settings, now, layer, defaults)
        if entry is None or entry.id in seen or (layer != "selectors" and _is_front_page(entry.link)):
            continue
        seen.add(entry.id)
        entries.append(entry)
    return entries


def _items(page: Page, settings: AdapterSettings) -> tuple[list[html.HtmlElement], str]:
    if selector := settings.selectors.get("related"):
        found = select(page.tree, selector)
        if not found:
            raise ExtractionError(f"selectors.related {selector!r} matched nothing")
        return found[:MAX_ITEMS], "selectors"
    for items, layer in _candidate_item_lists(page):
        if items:
            return items[:MAX_ITEMS], layer
    return [], ""


def _candidate_item_lists(page: Page) -> Iterator[tuple[list[html.HtmlElement], str]]:
    for block in _known_blocks(page):
        yield _block_items(block), "theme"
    for heading in page.tree.iter(*_HEADING_TAGS):
        if _is_related_heading(heading):
            yield _items_after(heading), "heading"


def _known_blocks(page: Page) -> list[html.HtmlElement]:
    """The containers of known related-post markup, in document order, from the page's
    class index (built once per page, shared with the main article)."""
    blocks = list(dict.fromkeys(e for name in KNOWN_BLOCK_CLASSES for e in page.named.get("." + name, [])))
    if len(blocks) > 1:
        position = {element: index for index, element in enumerate(page.tree.iter())}
        blocks.sort(key=position.__getitem__)
    return blocks


def _is_front_page(url: str) -> bool:
    """A site's front page is no news item: 相关链接 lists on government sites link to
    other sites' home pages."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def _is_related_heading(element: html.HtmlElement) -> bool:
    if _has_link(element) and element.tag not in ("h2", "h3", "h4"):
        return False
    text = element_text(element)
    if not text or len(text) > _MAX_HEADING_LENGTH:
        return False
    return bool(RELATED_HEADING.match(_HEADING_PUNCTUATION.sub(" ", text).strip()))


def _items_after(heading: html.HtmlElement) -> list[html.HtmlElement]:
    """The items that follow a related heading, climbing out of wrappers like div.title.

    Either the first following sibling is a list (ul, or a box of several linked
    children), or the following siblings are the items themselves.
    """
    node: html.HtmlElement | None = heading
    for _ in range(3):
        if node is None:
            break
        siblings = [s for s in node.itersiblings() if isinstance(s.tag, str)]
        start = next((i for i, s in enumerate(siblings[:3]) if _has_link(s)), None)
        if start is not None:
            linked = list(itertools.takewhile(_is_linked_item, siblings[start:]))
            if not linked:  # the next linked sibling is a heading: no list follows
                return []
            nested = _block_items(linked[0])
            # A teaser whose image and title link to one story is an item, not a list.
            is_list = len(nested) > 1 and len({_href(item) for item in nested}) > 1
            return nested if is_list or len(linked) == 1 else linked
        node = node.getparent()
    return []


def _links(element: html.HtmlElement) -> Iterator[html.HtmlElement]:
    """What `a[href]` matches in `element`, without evaluating a selector."""
    return (a for a in element.iter("a") if a.get("href") is not None)


def _href(element: html.HtmlElement) -> str | None:
    link = next(_links(element), None)
    return link.get("href") if link is not None else None


def _has_link(element: html.HtmlElement) -> bool:
    return next(_links(element), None) is not None


def _is_linked_item(element: html.HtmlElement) -> bool:
    return element.tag not in ("h1", "h2", "h3", "h4", "h5", "h6") and _has_link(element)


def _block_items(block: html.HtmlElement) -> list[html.HtmlElement]:
    items = [li for li in block.iter("li") if _has_link(li)]
    if not items:
        items = [child for child in block if isinstance(child.tag, str) and _has_link(child)]
    # Nested lists repeat their parents' links; keep the outermost items only.
    members = set(items)
    return [item for item in items if not any(a in members for a in item.iterancestors())]


def _page_defaults(page: Page) -> dict[str, tuple[str, ...]]:
    """ITEM_SELECTORS without those that match nothing on the page, so that no item
    evaluates the selectors of themes the page does not use."""
    return {key: tuple(s for s in selectors if page.may_match(s)) for key, selectors in ITEM_SELECTORS.items()}


def _item_entry(
    item: html.HtmlElement, page: Page, settings: AdapterSettings, now: datetime, layer: str,
    defaults: dict[str, tuple[str, ...]],
) -> Entry | None:
    selectors = settings.selectors
    # The item's classes and ids, which answer most default selectors without a query.
    index = name_index(item.iter(etree.Element))
    anchor = _pick(item, index, selectors.get("related_link"), defaults["link"])
    if anchor is None:
        anchor = _first_text_link(item)
    link = page.absolute(anchor.get("href")) if anchor is not None else None
    if anchor is None or not link:
        log.warning("%s: related item without a link skipped", settings.source)
        return None
    title_element = _pick(item, index, selectors.get("related_title"), ())
    title = element_text(title_element) if title_element is not None else element_text(anchor)
    title = title or (anchor.get("title") or "").strip()
    if not title:
        log.warning("%s: related item %s without a title skipped", settings.source, link)
        return None
    summary = element_text(_pick(item, index, selectors.get("related_summary"), defaults["summary"]))
    published = _item_date(_pick(item, index, selectors.get("related_date"), defaults["date"]), settings, now)
    if published is None and not selectors.get("related_date"):
        published = _unmarked_date(item, title, settings, now)
    image = _pick(item, index, selectors.get("related_image"), ("img",))
    categories = _item_categories(item, selectors.get("related_category") or ", ".join(defaults["category"]))
    views = parse_count(element_text(_pick(item, index, selectors.get("related_views"), defaults["views"])))
    url = canonical(link)
    return Entry(
        id=url,
        title=title,
        link=url,
        source=settings.source,
        role="related",
        summary=summary,
        content_html=text_to_html(summary),
        published=published,
        updated=published,
        categories=categories,
        image=lazy_image_url(image, page.base_url) if image is not None else None,
        extra={"views": views} if views is not None else {},
        provenance={"block": layer},
    )


def _pick(
    item: html.HtmlElement, index: dict[str, list[html.HtmlElement]], configured: str | None,
    defaults: tuple[str, ...],
) -> html.HtmlElement | None:
    """The first match of the configured selector, else of the first default that matches."""
    if configured:
        return select_first(item, configured)
    return next((found[0] for selector in defaults if (found := find_indexed(item, index, selector))), None)


def _first_text_link(item: html.HtmlElement) -> html.HtmlElement | None:
    links = list(_links(item))
    return next((a for a in links if element_text(a)), links[0] if links else None)


def _item_categories(item: html.HtmlElement, selector: str) -> tuple[str, ...]:
    if not selector:
        return ()
    return tuple(dict.fromkeys(text for e in select(item, selector) if (text := element_text(e))))


def _unmarked_date(item: html.HtmlElement, title: str, settings: AdapterSettings, now: datetime) -> datetime | None:
    """A date printed next to the link without markup: `<li><a>…</a><span>2025-06-18</span></li>`."""
    rest = element_text(item).replace(title, "", 1).strip()
    return parse_date(rest, settings.timezone, now) if rest and len(rest) <= _MAX_UNMARKED_DATE else None


def _item_date(element: html.HtmlElement | None, settings: AdapterSettings, now: datetime) -> datetime | None:
    if element is None:
        return None
    for value in (element.get("datetime"), element.get("content"), element_text(element)):
        if value and (parsed := parse_date(value, settings.timezone, now)):
            return parsed
    return None
