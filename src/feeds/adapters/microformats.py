"""Microformats and microdata: h-entry/hentry classes, itemprop attributes, time[datetime].

WordPress themes put `hentry` on the post's <article>; IndieWeb sites print `h-entry`;
schema.org microdata marks fields with `itemprop`. Lookups are scoped to the article's
own entry so that the entries of a related list or a sidebar are never read.
"""

from __future__ import annotations

from functools import cached_property

from lxml import etree, html

from ..css import select
from ..page import Page

_NESTED_OBJECTS = ("h-card", "vcard")
# //*[@itemprop], written so that no predicate is evaluated on every element of the page.
_ITEMPROP = etree.XPath("//@itemprop/..")
# Sidebars, navigation and lists of other stories carry dates that are not the article's.
_ASIDE_TAGS = frozenset({"aside", "nav", "footer"})


class Microformats:
    """The microformat and microdata fields of one page's main article."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @cached_property
    def root(self) -> html.HtmlElement | None:
        """The article's h-entry/hentry: the first one holding content, else the first."""
        roots = self.page.find_all(".h-entry") + self.page.find_all(".hentry")
        contents = self.page.find_all(".e-content") + self.page.find_all(".entry-content")
        for root in roots:
            if any(_is_inside(content, root) for content in contents):
                return root
        return roots[0] if roots else None

    def title(self) -> html.HtmlElement | None:
        if self.root is not None:
            for element in self._in_root(".p-name", ".entry-title"):
                if not _inside_nested_object(element, self.root):
                    return element
        return _own(self._itemprop("headline"))

    def content(self) -> html.HtmlElement | None:
        if found := self._in_root(".e-content", ".entry-content"):
            return found[0]
        return next(iter(self._itemprop("articleBody")), None)

    def published(self) -> list[html.HtmlElement]:
        found = self._in_root(".dt-published", ".published")
        found += self._itemprop("datePublished")
        return found + self._times()

    def updated(self) -> list[html.HtmlElement]:
        return self._in_root(".dt-updated", ".updated") + self._itemprop("dateModified")

    def authors(self) -> list[html.HtmlElement]:
        for selector in (".p-author .p-name", ".p-author", ".author .fn", ".vcard .fn"):
            if found := self._in_root(selector):
                return found
        authors = self._itemprop("author")
        names = [name for author in authors for name in select(author, '[itemprop="name"]')]
        return names or authors

    def categories(self) -> list[html.HtmlElement]:
        return self._in_root(".p-category") or self._itemprop("articleSection")

    def image(self) -> html.HtmlElement | None:
        found = self._in_root(".u-photo", ".u-featured")
        return found[0] if found else _own(self._itemprop("image"))

    def _in_root(self, *selectors: str) -> list[html.HtmlElement]:
        if self.root is None:
            return []
        root = self.root
        return [e for selector in selectors for e in self.page.find_all(selector) if _is_inside(e, root)]

    @cached_property
    def _itemprops(self) -> dict[str, list[html.HtmlElement]]:
        """Microdata elements by property name: one pass, most pages have none."""
        index: dict[str, list[html.HtmlElement]] = {}
        for element in _ITEMPROP(self.page.tree):
            for name in element.get("itemprop", "").split():
                index.setdefault(name, []).append(element)
        return index

    def _itemprop(self, name: str) -> list[html.HtmlElement]:
        return self._itemprops.get(name, [])

    def _times(self) -> list[html.HtmlElement]:
        """time[datetime] elements of the article, then of the page outside sidebars."""
        times = [t for t in self.page.tree.iter("time") if t.get("datetime")]
        in_article = [t for t in times if any(a.tag in ("article", "main") for a in t.iterancestors())]
        return in_article + [t for t in times if not _in_aside(t)]


def _is_inside(element: html.HtmlElement, root: html.HtmlElement) -> bool:
    return any(ancestor is root for ancestor in element.iterancestors())


def _inside_nested_object(element: html.HtmlElement, root: html.HtmlElement) -> bool:
    """Whether `element` belongs to an h-card (the author) rather than to the entry."""
    for ancestor in element.iterancestors():
        if ancestor is root:
            return False
        if set(ancestor.get("class", "").split()) & set(_NESTED_OBJECTS):
            return True
    return False


def _own(elements: list[html.HtmlElement]) -> html.HtmlElement | None:
    """The first element that is not a property of the publisher or author object."""
    for element in elements:
        if not any(a.get("itemprop") in ("publisher", "author", "logo") for a in element.iterancestors()):
            return element
    return None


def _in_aside(element: html.HtmlElement) -> bool:
    return any(ancestor.tag in _ASIDE_TAGS for ancestor in element.iterancestors())
