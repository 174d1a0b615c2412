"""The `listing` adapter: an index or category page, one entry per item of its list.

The source's `item` selector finds the items (one match, one entry); inside each item
the optional `title`, `link`, `date`, `summary`, `image`, `category` and `author`
selectors pick the fields, and sensible defaults fill the ones not configured: the link
is the item's headline link, else its first link with text; the title is that link's
text (its `title` attribute when the text is cut short with an ellipsis); the image is
the item's first image (lazy-loading attributes read first); the date is the first
element that looks like one, else whatever the item prints besides its link.

`date_format` is not a selector but a `datetime.strptime` format (``%d/%m/%Y``,
``%Y年%m月%d日``) tried on the date text before `feeds.dates.parse_date`.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from lxml import html

from ..css import select, select_first, selector_error
from ..dates import FUTURE_TOLERANCE, MIN_YEAR, parse_date
from ..models import AdapterSettings, Document, Entry, ExtractionError
from ..page import Page, element_text
from ..sanitize import lazy_image_url, text_to_html
from ..text import fold
from ..urls import canonical, resolve

log = logging.getLogger(__name__)

FIELD_KEYS = frozenset({"title", "link", "date", "summary", "image", "category", "author"})
SELECTOR_KEYS = frozenset({"item", "date_format"}) | FIELD_KEYS
NON_CSS_KEYS = frozenset({"date_format"})
"""Keys of `[sources.selectors]` that are not CSS selectors: check them with `option_problem`."""
MAX_ITEMS = 500

# Defaults for the fields a source does not configure, most specific first.
DEFAULT_SELECTORS: dict[str, tuple[str, ...]] = {
    "date": (
        "time[datetime]", "time", ".date", ".time", ".entry-date", ".post-date", ".pubdate",
        ".publish-time", ".datetime", "[itemprop=datePublished]",
    ),
    "summary": (
        ".entry-summary", ".entry-excerpt", ".excerpt", ".post-excerpt", ".summary", ".desc",
        ".description", ".intro", ".abstract", ".card-text",
    ),
    "category": (
        "a[rel~=category]", ".cat-links a", ".post-category a", ".category a", "a.category",
        ".category", ".cat",
    ),
    "author": (
        ".author a", ".byline a", ".post-author a", ".entry-author a", "a[rel~=author]", ".author",
        ".byline", ".post-author", ".entry-author", "[itemprop=author]",
    ),
}
# Where the item's own link usually is: its headline, before any category or tag link.
DEFAULT_LINK_SELECTORS = (
    "h1 a[href], h2 a[href], h3 a[href], h4 a[href], h5 a[href], h6 a[href]",
    ".title a[href], .entry-title a[href], .post-title a[href]",
    "a[rel~=bookmark][href]",
)
# "Continue reading" links and their screen-reader labels, inside WordPress excerpts.
_SUMMARY_CHROME = ".more-link, .read-more, .screen-reader-text"
_BACKGROUND_ATTRIBUTES = ("data-bg", "data-background", "data-background-image")
_ELLIPSES = ("...", "…", "..", "。。。")
_BACKGROUND_URL = re.compile(r"""background(?:-image)?\s*:[^;]*url\(\s*['"]?([^'")\s]+)""", re.IGNORECASE)
_YEAR_DIRECTIVES = ("%Y", "%y", "%G", "%c", "%x")
_STRPTIME_PROBLEM = re.compile(r"bad directive|stray %", re.IGNORECASE)


def extract_listing(document: Document, settings: AdapterSettings) -> list[Entry]:
    """One `item` entry per item of the list, in page order, at most MAX_ITEMS."""
    item_selector = settings.selectors.get("item")
    if not item_selector:
        raise ExtractionError("the listing adapter needs selectors.item")
    for key, selector in settings.selectors.items():
        if key not in NON_CSS_KEYS and (problem := selector_error(selector)):
            raise ExtractionError(f"selectors.{key}: {problem}")
    page = Page.parse(document)
    items = _items(page, item_selector, settings.source)
    reader = _ItemReader(page, settings, document.fetched_at)
    entries: list[Entry] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        entry = reader.entry(item, index)
        if entry is not None and entry.id not in seen:
            seen.add(entry.id)
            entries.append(entry)
    if not entries:
        raise ExtractionError(_nothing_read(item_selector, len(items), settings))
    reader.warn_unused()
    return entries


def option_problem(key: str, value: str) -> str | None:
    """What is wrong with the value of a non-CSS key (`date_format`), or None."""
    if key == "date_format":
        return date_format_problem(value)
    return None


def date_format_problem(value: str) -> str | None:
    """Why `value` is not a usable `datetime.strptime` format, or None."""
    if "%" not in value:
        return f"date_format {value!r} has no % directive (e.g. '%Y年%m月%d日', '%d/%m/%Y')"
    try:
        datetime.strptime("", value)
    except ValueError as error:
        if _STRPTIME_PROBLEM.search(str(error)):
            return f"invalid date_format {value!r}: {error}"
    return None


def _items(page: Page, selector: str, source: str) -> list[html.HtmlElement]:
    found = select(page.tree, selector)
    if not found:
        raise ExtractionError(f"selectors.item {selector!r} matched nothing")
    # A selector such as "ul li" also matches the items of nested lists: keep the outermost.
    members = set(found)
    items = [item for item in found if not any(a in members for a in item.iterancestors())]
    if len(items) > MAX_ITEMS:
        log.warning("%s: selectors.item matched %d items, reading the first %d", source, len(items), MAX_ITEMS)
    return items[:MAX_ITEMS]


def _nothing_read(selector: str, count: int, settings: AdapterSettings) -> str:
    noun = "item" if count == 1 else "items"
    message = f"none of the {count} {noun} of selectors.item {selector!r} has a link and a title"
    if link := settings.selectors.get("link"):
        message += f" (selectors.link {link!r} matched nothing usable)"
    return message


@dataclass
class _Field:
    """An element found for a field, and which layer found it (for provenance)."""

    element: html.HtmlElement | None
    origin: str


class _ItemReader:
    """Reads the fields of one item after another, with the source's selectors."""

    def __init__(self, page: Page, settings: AdapterSettings, now: datetime) -> None:
        self.page, self.settings, self.now = page, settings, now
        self.selectors = settings.selectors
        self.date_format = settings.selectors.get("date_format")
        self.own_id = canonical(page.base_url)
        # Configured field selectors that have not matched in any item yet.
        self.unused = {key for key in FIELD_KEYS if self.selectors.get(key)}

    def entry(self, item: html.HtmlElement, index: int) -> Entry | None:
        anchor = self._link_element(item)
        link = self.page.absolute(anchor.element.get("href")) if anchor.element is not None else None
        # href="#" (a script's link) leads back to the list itself: no item of its own.
        if link and canonical(link) == self.own_id:
            link = None
        if anchor.element is None or not link:
            log.warning("%s: listing item %d without a link skipped", self.settings.source, index)
            return None
        title, title_origin = self._title(item, anchor.element)
        if not title:
            log.warning("%s: listing item %d (%s) without a title skipped", self.settings.source, index, link)
            return None
        summary = _summary_text(self._pick(item, "summary").element)
        published, date_origin = self._published(item, anchor.element)
        image, image_origin = self._image(item)
        provenance = {"title": title_origin, "link": anchor.origin}
        if summary:
            provenance["summary"] = self._origin("summary")
        if published is not None:
            provenance["published"] = date_origin
        if image is not None:
            provenance["image"] = image_origin
        return Entry(
            id=canonical(link),
            title=title,
            link=link,
            source=self.settings.source,
            role="item",
            summary=summary,
            content_html=text_to_html(summary),
            authors=self._names(item, "author"),
            published=published,
            updated=published,
            categories=self._names(item, "category"),
            image=image,
            provenance=provenance,
        )

    def warn_unused(self) -> None:
        """A configured selector that matched in no item at all is probably stale."""
        for key in sorted(self.unused):
            log.warning(
                "%s: selectors.%s %r matched nothing in any item", self.settings.source, key, self.selectors[key]
            )

    # --- fields ---------------------------------------------------------------

    def _link_element(self, item: html.HtmlElement) -> _Field:
        if selector := self.selectors.get("link"):
            element = self._configured(item, "link", selector)
            if element is not None and element.get("href") is None:
                element = select_first(element, "a[href]")
            return _Field(element, "selectors.link")
        if (headline := select_first(item, *DEFAULT_LINK_SELECTORS)) is not None:
            return _Field(headline, "default")
        links = select(item, "a[href]")
        with_text = next((a for a in links if element_text(a)), None)
        return _Field(with_text if with_text is not None else (links[0] if links else None), "default")

    def _title(self, item: html.HtmlElement, anchor: html.HtmlElement) -> tuple[str, str]:
        selector = self.selectors.get("title")
        if selector and (title := element_text(self._configured(item, "title", selector))):
            return title, "selectors.title"
        heading = select_first(anchor, "h1, h2, h3, h4, h5, h6")  # a whole card as one link
        text = element_text(heading if heading is not None else anchor)
        attribute = fold(anchor.get("title"))
        if text and _is_truncation(text, attribute):
            return attribute, "link title attribute"
        if text:
            return text, "link"
        return attribute, "link title attribute"

    def _published(self, item: html.HtmlElement, anchor: html.HtmlElement) -> tuple[datetime | None, str]:
        found = self._pick(item, "date")
        if found.element is not None:
            for value in (found.element.get("datetime"), found.element.get("content"), element_text(found.element)):
                if parsed := self._date(value):
                    return parsed[0], found.origin if parsed[1] == "parse_date" else "date_format"
            return None, found.origin
        if self.selectors.get("date"):
            return None, "selectors.date"
        # Government lists print a bare <span>2025-07-03</span> next to the link.
        if parsed := self._date(_text_besides(item, anchor)):
            return parsed[0], "item text" if parsed[1] == "parse_date" else "date_format"
        return None, "default"

    def _date(self, value: str | None) -> tuple[datetime, str] | None:
        if not value:
            return None
        if self.date_format and (parsed := _strptime(value, self.date_format, self.settings.timezone, self.now)):
            return parsed, "date_format"
        if parsed := parse_date(value, self.settings.timezone, self.now):
            return parsed, "parse_date"
        return None

    def _image(self, item: html.HtmlElement) -> tuple[str | None, str]:
        if selector := self.selectors.get("image"):
            element = self._configured(item, "image", selector)
            return (_image_url(element, self.page.base_url) if element is not None else None), "selectors.image"
        for img in select(item, "img"):
            if url := lazy_image_url(img, self.page.base_url):
                return url, "default"
        return None, "default"

    def _names(self, item: html.HtmlElement, key: str) -> tuple[str, ...]:
        if selector := self.selectors.get(key):
            elements = select(item, selector)
            if elements:
                self.unused.discard(key)
        else:
            elements = _first_matching(item, DEFAULT_SELECTORS[key])
        return tuple(dict.fromkeys(text for element in elements if (text := element_text(element))))

    # --- helpers --------------------------------------------------------------

    def _pick(self, item: html.HtmlElement, key: str) -> _Field:
        if selector := self.selectors.get(key):
            return _Field(self._configured(item, key, selector), f"selectors.{key}")
        return _Field(select_first(item, *DEFAULT_SELECTORS[key]), "default")

    def _origin(self, key: str) -> str:
        return f"selectors.{key}" if self.selectors.get(key) else "default"

    def _configured(self, item: html.HtmlElement, key: str, selector: str) -> html.HtmlElement | None:
        element = select_first(item, selector)
        if element is not None:
            self.unused.discard(key)
        return element


def _first_matching(item: html.HtmlElement, selectors: Sequence[str]) -> list[html.HtmlElement]:
    for selector in selectors:
        if found := select(item, selector):
            return found
    return []


def _summary_text(element: html.HtmlElement | None) -> str:
    """The summary's text without the "continue reading" link themes append to excerpts."""
    if element is None:
        return ""
    if select_first(element, _SUMMARY_CHROME) is None:
        return element_text(element)
    clone = copy.deepcopy(element)
    for node in select(clone, _SUMMARY_CHROME):
        if node is not clone:
            node.drop_tree()
    return element_text(clone)


def _is_truncation(text: str, full: str) -> bool:
    """Whether `text` is `full` cut short with an ellipsis, as lists print long titles."""
    for ellipsis in _ELLIPSES:
        if text.endswith(ellipsis):
            stem = text.removesuffix(ellipsis).rstrip()
            return len(full) > len(stem) and full.startswith(stem)
    return False


def _text_besides(item: html.HtmlElement, anchor: html.HtmlElement) -> str:
    """The item's text without its link's, where a bare date usually is."""
    clone = copy.deepcopy(item)
    for element, original in zip(clone.iter(), item.iter()):
        if original is anchor:
            if element is clone:
                return ""
            element.drop_tree()
            break
    return element_text(clone)


def _image_url(element: html.HtmlElement, base: str) -> str | None:
    """An image address from an <img>, else from the first <img> inside the element, else
    from the first lazy or CSS background image in it (`data-bg`, `style="background…"`)."""
    if element.tag == "img":
        return lazy_image_url(element, base)
    img = select_first(element, "img")
    if img is not None:
        return lazy_image_url(img, base)
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        for name in _BACKGROUND_ATTRIBUTES:
            if url := resolve(base, node.get(name)):
                return url
        match = _BACKGROUND_URL.search(node.get("style") or "")
        if match and (url := resolve(base, match.group(1))):
            return url
    return None


def _strptime(value: str, fmt: str, tz: tzinfo, now: datetime) -> datetime | None:
    """`value` read with a strptime format, in `tz`; None when it does not fit or is implausible.

    A format without a year gives this year, or last year when that would be in the future.
    """
    try:
        parsed = datetime.strptime(" ".join(value.split()), fmt)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    if now.utcoffset() is None:
        now = now.replace(tzinfo=tz)
    if not any(directive in fmt for directive in _YEAR_DIRECTIVES):
        year = now.astimezone(tz).year
        try:
            parsed = parsed.replace(year=year)
            if parsed - now > FUTURE_TOLERANCE:
                parsed = parsed.replace(year=year - 1)
        except ValueError:  # 29 February
            return None
    if parsed.year < MIN_YEAR or parsed - now > FUTURE_TOLERANCE:
        return None
    return parsed
