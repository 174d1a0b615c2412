"""What the page's own markup says about its article, layer by layer.

`PageFields` gives, for each field, the steps of the layers between the source's
selectors and the visible text: JSON-LD, OpenGraph and other meta tags, microformats,
known theme markup and, where they exist, generic heuristics. Each step is a
(layer, getter) pair for `layers.first`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from lxml import html

from ..css import select_first
from ..dates import parse_count, parse_date
from ..page import Page, element_text, ld_names, ld_text, ld_url
from ..sanitize import lazy_image_url
from ..text import fold
from .layers import (
    CANONICAL,
    DOCUMENT,
    HEURISTICS,
    JSON_LD,
    META,
    MICROFORMATS,
    OPENGRAPH,
    THEME,
    VISIBLE_TEXT,
    Found,
    Step,
    first,
)
from .microformats import Microformats
from .theme import THEME_SELECTORS
from .titles import Titles
from .visible import names_from_byline

_AUTHOR_SPLIT = re.compile(r"\s*(?:[,，、;；]|\s+and\s+|\s+&\s+)\s*")
_BYLINES = (".byline", ".author", ".byline-author", ".post-author", ".article-author")
# <meta name> spellings of dates; `pubdate` is also the Chinese government site standard.
_META_PUBLISHED = ("pubdate", "publishdate", "publish-date", "publish_date", "dc.date.issued",
                   "dcterms.issued", "dc.date", "dcterms.created", "sailthru.date", "parsely-pub-date")
_META_UPDATED = ("dc.date.modified", "dcterms.modified", "last-modified")
_FRONT_PAGE = re.compile(r"^/?(?:index\.\w+|default\.\w+)?$", re.IGNORECASE)
_LOGO = re.compile(r"logo|favicon", re.IGNORECASE)


class PageFields:
    """Every main-article field of one page, from JSON-LD down to the theme markup (and the
    heuristics that come after the visible text)."""

    def __init__(self, page: Page, micro: Microformats, titles: Titles, tz: tzinfo, now: datetime) -> None:
        self.page, self.micro, self.titles, self.tz, self.now = page, micro, titles, tz, now
        self.ld = page.json_ld_article
        self.meta = page.meta

    def link(self) -> Found[str]:
        ld = self.ld
        steps: list[Step[str]] = [
            (CANONICAL, lambda: self._own_address(self._canonical_link())),
            (OPENGRAPH, lambda: self._own_address(self.meta.get("og:url"))),
            (JSON_LD, lambda: self._own_address(ld_url(ld.get("url")) or ld_url(ld.get("mainEntityOfPage")))),
        ]
        return first(steps) or Found(self.page.url, DOCUMENT)

    def title_steps(self) -> list[Step[str]]:
        def clean(text: str) -> str:
            """`text` without a site-name suffix; nothing when it is only the site's name
            (the og:title some sites print on every page)."""
            text = self.titles.clean(text)
            return "" if self.titles.is_site_name(text) else text

        return [
            (JSON_LD, lambda: clean(ld_text(self.ld.get("headline")) or ld_text(self.ld.get("name")))),
            (OPENGRAPH, lambda: clean(self.meta.get("og:title", "") or self.meta.get("twitter:title", ""))),
            (META, lambda: self.meta.get("articletitle", "")),
            (MICROFORMATS, lambda: _text_or_content(self.micro.title())),
            (THEME, lambda: element_text(self.page.find_first(*THEME_SELECTORS["title"]))),
            (HEURISTICS, self._heuristic_title),
        ]

    def title_element(self, title: str) -> html.HtmlElement | None:
        element = self.titles.element_for(title)
        return element if element is not None else self.titles.page_heading()

    def summary_steps(self) -> list[Step[str]]:
        return [
            (JSON_LD, lambda: ld_text(self.ld.get("description"))),
            (OPENGRAPH, lambda: self.meta.get("og:description") or self.meta.get("twitter:description")),
            (META, lambda: self.meta.get("description")),
        ]

    def author_steps(self) -> list[Step[list[str]]]:
        return [
            (JSON_LD, lambda: _unique(ld_names(self.ld.get("author")))),
            (OPENGRAPH, lambda: _names_not_urls([self.meta.get("article:author", "")])),
            (META, lambda: _names_not_urls([self.meta.get("author", "")])),
            (MICROFORMATS, lambda: _unique(_text_or_content(e) for e in self.micro.authors())),
            (THEME, lambda: self._all_of_first(THEME_SELECTORS["author"])),
        ]

    def author_fallback_steps(self) -> list[Step[list[str]]]:
        return [(HEURISTICS, self._byline_authors)]

    def published_steps(self) -> list[Step[datetime]]:
        return self._date_steps(
            ld_text(self.ld.get("datePublished")),
            ("article:published_time", "og:published_time", "article:published"), _META_PUBLISHED,
            self.micro.published, lambda: self._all_elements(THEME_SELECTORS["date"]),
        )

    def updated_steps(self) -> list[Step[datetime]]:
        return self._date_steps(
            ld_text(self.ld.get("dateModified")),
            ("article:modified_time", "og:updated_time", "article:modified"), _META_UPDATED,
            self.micro.updated, lambda: iter(()),
        )

    def category_steps(self) -> list[Step[list[str]]]:
        return [
            (JSON_LD, lambda: _unique(ld_names(self.ld.get("articleSection")))),
            (OPENGRAPH, lambda: _unique([self.meta.get("article:section", "")])),
            (META, lambda: _unique([self.meta.get("columnname", "")])),
            (MICROFORMATS, lambda: _unique(_text_or_content(e) for e in self.micro.categories())),
            (THEME, lambda: self._all_of_first(THEME_SELECTORS["category"])),
        ]

    def image_steps(self) -> list[Step[str]]:
        return [
            (JSON_LD, lambda: self._lead_image(ld_url(self.ld.get("image")))),
            (OPENGRAPH, lambda: self._lead_image(self.meta.get("og:image") or self.meta.get("twitter:image")
                                                 or self.meta.get("twitter:image:src"))),
            (MICROFORMATS, lambda: self.image_url(self.micro.image())),
        ]

    def publisher(self, visible_publisher: str) -> Found[str] | None:
        """The organisation the article comes from (来源), not the site that shows it."""
        return first([(META, lambda: self.meta.get("contentsource", "")), (VISIBLE_TEXT, lambda: visible_publisher)])

    def theme_views(self) -> int | None:
        return parse_count(element_text(self.page.find_first(*THEME_SELECTORS["views"])))

    def first_image(self, root: html.HtmlElement | None) -> str | None:
        if root is None:
            return None
        return next((url for img in root.iter("img") if (url := lazy_image_url(img, self.page.base_url))), None)

    def image_url(self, element: html.HtmlElement | None) -> str | None:
        if element is None:
            return None
        if element.tag == "img":
            return lazy_image_url(element, self.page.base_url)
        if element.tag in ("meta", "link"):
            return self.page.absolute(element.get("content") or element.get("href"))
        return self.first_image(element)

    def date_from(self, elements: Iterable[html.HtmlElement]) -> datetime | None:
        for element in elements:
            for value in (element.get("datetime"), element.get("content"), element.get("title"), element_text(element)):
                if value and (parsed := parse_date(value, self.tz, self.now)):
                    return parsed
        return None

    def _date_steps(
        self, ld_value: str, og_keys: tuple[str, ...], meta_keys: tuple[str, ...],
        micro: Callable[[], Iterable[html.HtmlElement]], theme: Callable[[], Iterable[html.HtmlElement]],
    ) -> list[Step[datetime]]:
        return [
            (JSON_LD, lambda: self._parse(ld_value)),
            (OPENGRAPH, lambda: self._first_meta_date(og_keys)),
            (META, lambda: self._first_meta_date(meta_keys)),
            (MICROFORMATS, lambda: self.date_from(micro())),
            (THEME, lambda: self.date_from(theme())),
        ]

    def _first_meta_date(self, keys: tuple[str, ...]) -> datetime | None:
        return next((parsed for key in keys if (parsed := self._parse(self.meta.get(key)))), None)

    def _parse(self, value: str | None) -> datetime | None:
        return parse_date(value, self.tz, self.now) if value else None

    def _own_address(self, url: str | None) -> str | None:
        """`url` made absolute, unless it is a front page while the page was fetched from
        deeper down: sites that print their home page as every page's canonical link
        would otherwise give all their articles one id."""
        absolute = self.page.absolute(url)
        if absolute and _is_front_page(absolute) and not _is_front_page(self.page.url):
            return None
        return absolute

    def _lead_image(self, url: str | None) -> str | None:
        """An image URL from the metadata, unless it is the site's logo (the default
        og:image of many sites)."""
        absolute = self.page.absolute(url)
        if absolute and _LOGO.search(urlsplit(absolute).path.rsplit("/", 1)[-1]):
            return None
        return absolute

    def _canonical_link(self) -> str | None:
        link = select_first(self.page.tree, 'link[rel~="canonical"][href]')
        return self.page.absolute(link.get("href")) if link is not None else None

    def _heuristic_title(self) -> str:
        heading = self.titles.element_for(self.titles.html_title())
        if heading is None:
            heading = self.page.find_first("article h1")
        if heading is None:
            heading = self.titles.page_heading()
        return element_text(heading) if heading is not None else self.titles.html_title()

    def _all_of_first(self, selectors: tuple[str, ...]) -> list[str]:
        """Every match of the first selector that matches: all authors of a byline."""
        for selector in selectors:
            if found := _unique(element_text(e) for e in self.page.find_all(selector)):
                return found
        return []

    def _all_elements(self, selectors: tuple[str, ...]) -> Iterator[html.HtmlElement]:
        return (element for selector in selectors for element in self.page.find_all(selector))

    def _byline_authors(self) -> list[str]:
        byline = self.page.find_first(*_BYLINES)
        return list(names_from_byline(element_text(byline))) if byline is not None else []


def _is_front_page(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.query and _FRONT_PAGE.match(parts.path) is not None


def _text_or_content(element: html.HtmlElement | None) -> str:
    if element is None:
        return ""
    return fold(element.get("content")) or element_text(element)


def _names_not_urls(values: Iterable[str]) -> list[str]:
    """Author meta tags hold names (`Maria Garcia, Tom Becker`) or, on Facebook-minded
    sites, profile URLs."""
    return _unique(name for value in values if "://" not in value for name in _AUTHOR_SPLIT.split(value))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))
