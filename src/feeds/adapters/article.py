"""The `article` adapter: an article page gives its main article and its related items.

Each field of the main article is taken from the first layer that has it: the source's
own selectors, then the page's metadata (canonical link, JSON-LD, OpenGraph and
article:* meta), then the markup common themes print (WordPress and others).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from lxml import html

from ..dates import parse_count, parse_date
from ..models import AdapterSettings, Document, Entry, ExtractionError
from ..css import select, select_first
from ..page import Page, element_text, ld_names, ld_text, ld_url
from ..sanitize import lazy_image_url, sanitize_element
from ..text import fold, shorten
from ..urls import canonical
from .related import RELATED_SELECTOR_KEYS, extract_related

MAIN_SELECTOR_KEYS = frozenset({"title", "content", "author", "date", "updated", "category", "image", "summary", "views"})
SELECTOR_KEYS = MAIN_SELECTOR_KEYS | RELATED_SELECTOR_KEYS
SUMMARY_LENGTH = 200

# Markup of common themes, most specific first. Used after the page's metadata.
THEME_SELECTORS = {
    "title": ("h1.entry-title", "h1.post-title", "h1.article-title", ".entry-title", "article h1", "h1"),
    "content": (
        ".entry-content", '[itemprop="articleBody"]', ".post-content", ".article-content",
        ".article-body", ".post-body", "#content article", "article",
    ),
    "author": (
        ".entry-info .nickname", ".entry-meta .author a", ".byline .author", "a[rel~=author]",
        '[itemprop="author"] [itemprop="name"]', ".author .fn", ".entry-author",
    ),
    "date": (
        "time.entry-date[datetime]", ".entry-info time", ".entry-meta time", "article time[datetime]",
        "time.published", '[itemprop="datePublished"]', ".entry-date", ".post-date",
    ),
    "category": (
        '.entry-info a[rel~="category"]', '.entry-meta a[rel~="category"]',
        'article a[rel~="category"]', '.entry-head a[rel~="category"]', '.cat-links a',
    ),
    "views": (".entry-info .views", ".entry-meta .views", ".post-views"),
}


# Most pages print no view count: one pass for all the theme spellings, not one each.
_THEME_VIEWS = ", ".join(THEME_SELECTORS["views"])


def extract_article(document: Document, settings: AdapterSettings) -> list[Entry]:
    """The main article entry, followed by one entry per related item."""
    page = Page.parse(document)
    main = _MainArticle(page, settings, document.fetched_at)
    entries = [main.entry()]
    entries.extend(
        entry for entry in extract_related(page, settings, document.fetched_at)
        if entry.id != entries[0].id
    )
    return entries


class _MainArticle:
    """Field-by-field extraction of the page's own article."""

    def __init__(self, page: Page, settings: AdapterSettings, now: datetime) -> None:
        self.page, self.settings, self.now = page, settings, now
        self.ld = page.json_ld_article
        self.meta = page.meta

    def entry(self) -> Entry:
        link = self.link()
        content = self.content_element()
        content_html = sanitize_element(content, self.page.base_url) if content is not None else ""
        published = self.published()
        views = self.views()
        return Entry(
            id=canonical(link),
            title=self.title(),
            link=link,
            source=self.settings.source,
            role="main",
            summary=self.summary(content),
            content_html=content_html,
            authors=tuple(self.authors()),
            published=published,
            updated=self.updated() or published,
            categories=tuple(self.categories()),
            image=self.image(content),
            extra={"views": views} if views is not None else {},
        )

    def link(self) -> str:
        candidates = (self.page.canonical_url, ld_url(self.ld.get("url")), ld_url(self.ld.get("mainEntityOfPage")))
        for candidate in candidates:
            url = self.page.absolute(candidate)
            if url:
                return url
        return self.page.url

    def title(self) -> str:
        title = self._first(
            lambda: self._selected_text("title"),
            lambda: ld_text(self.ld.get("headline") or self.ld.get("name")),
            lambda: self.meta.get("og:title", ""),
            lambda: element_text(select_first(self.page.tree, *THEME_SELECTORS["title"])),
            lambda: element_text(select_first(self.page.tree, "title")),
        )
        if not title:
            raise ExtractionError(
                "no title found (tried selectors.title, JSON-LD headline, og:title, "
                + ", ".join(THEME_SELECTORS["title"]) + ", <title>)"
            )
        return title

    def content_element(self) -> html.HtmlElement | None:
        if selector := self.settings.selectors.get("content"):
            return self._required(selector, "content")[0]
        return select_first(self.page.tree, *THEME_SELECTORS["content"])

    def summary(self, content: html.HtmlElement | None) -> str:
        return self._first(
            lambda: self._selected_text("summary"),
            lambda: ld_text(self.ld.get("description")),
            lambda: self.meta.get("og:description", ""),
            lambda: self.meta.get("description", ""),
            lambda: shorten(_first_paragraph(content), SUMMARY_LENGTH),
        )

    def authors(self) -> list[str]:
        if selector := self.settings.selectors.get("author"):
            return _unique(element_text(e) for e in self._required(selector, "author"))
        from_ld = ld_names(self.ld.get("author"))
        if from_ld:
            return _unique(from_ld)
        meta_author = self.meta.get("author") or self.meta.get("article:author", "")
        if meta_author and "://" not in meta_author:
            return [meta_author]
        return _unique([element_text(select_first(self.page.tree, *THEME_SELECTORS["author"]))])

    def published(self) -> datetime | None:
        if selector := self.settings.selectors.get("date"):
            return self._date_from(self._required(selector, "date"))
        for value in (
            ld_text(self.ld.get("datePublished")),
            self.meta.get("article:published_time"),
            self.meta.get("datepublished"),
        ):
            if parsed := self._parse_date(value):
                return parsed
        return self._date_from(select(self.page.tree, ", ".join(THEME_SELECTORS["date"])))

    def updated(self) -> datetime | None:
        if selector := self.settings.selectors.get("updated"):
            return self._date_from(self._required(selector, "updated"))
        for value in (
            ld_text(self.ld.get("dateModified")),
            self.meta.get("article:modified_time"),
            self.meta.get("og:updated_time"),
        ):
            if parsed := self._parse_date(value):
                return parsed
        return None

    def categories(self) -> list[str]:
        if selector := self.settings.selectors.get("category"):
            return _unique(element_text(e) for e in self._required(selector, "category"))
        from_ld = ld_names(self.ld.get("articleSection"))
        if from_ld:
            return _unique(from_ld)
        if section := self.meta.get("article:section"):
            return [section]
        for selector in THEME_SELECTORS["category"]:
            found = _unique(element_text(e) for e in select(self.page.tree, selector))
            if found:
                return found
        return []

    def image(self, content: html.HtmlElement | None) -> str | None:
        if selector := self.settings.selectors.get("image"):
            image = self._required(selector, "image")[0]
            return lazy_image_url(image, self.page.base_url) if image.tag == "img" else self.page.absolute(image.get("content") or image.get("href"))
        for candidate in (ld_url(self.ld.get("image")), self.meta.get("og:image"), self.meta.get("twitter:image")):
            if url := self.page.absolute(candidate):
                return url
        if content is not None:
            for img in select(content, "img"):
                if url := lazy_image_url(img, self.page.base_url):
                    return url
        return None

    def views(self) -> int | None:
        selector = self.settings.selectors.get("views") or _THEME_VIEWS
        return parse_count(element_text(select_first(self.page.tree, selector)))

    def _selected_text(self, key: str) -> str:
        selector = self.settings.selectors.get(key)
        return element_text(self._required(selector, key)[0]) if selector else ""

    def _required(self, selector: str, key: str) -> list[html.HtmlElement]:
        found = select(self.page.tree, selector)
        if not found:
            raise ExtractionError(f"selectors.{key} {selector!r} matched nothing")
        return found

    def _date_from(self, elements: Iterable[html.HtmlElement]) -> datetime | None:
        for element in elements:
            for value in (element.get("datetime"), element.get("content"), element_text(element)):
                if parsed := self._parse_date(value):
                    return parsed
        return None

    def _parse_date(self, value: str | None) -> datetime | None:
        return parse_date(value, self.settings.timezone, self.now) if value else None

    @staticmethod
    def _first(*getters: Callable[[], str]) -> str:
        for getter in getters:
            if value := fold(getter()):
                return value
        return ""


def _first_paragraph(content: html.HtmlElement | None) -> str:
    if content is None:
        return ""
    for paragraph in select(content, "p"):
        if text := element_text(paragraph):
            return text
    return element_text(content)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))

