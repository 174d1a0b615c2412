"""CSS selectors, compiled once and evaluated quickly on lxml trees."""

from __future__ import annotations

from functools import lru_cache

from cssselect import HTMLTranslator, SelectorError
from cssselect.xpath import XPathExpr
from lxml import etree, html
from lxml.cssselect import CSSSelector


class _FastTranslator(HTMLTranslator):
    """cssselect's HTML translation, with a cheap pre-test for `~=` and `.class`.

    The standard XPath builds a padded copy of @class for every element it visits;
    testing `contains(@class, name)` first skips that for nearly all of them.
    """

    def xpath_attrib_includes(self, xpath: XPathExpr, name: str, value: str | None) -> XPathExpr:
        if value and not any(c in value for c in " \t\n\r\f"):
            literal = self.xpath_literal(value)
            xpath.add_condition(f"{name} and contains({name}, {literal})")
        return super().xpath_attrib_includes(xpath, name, value)


_TRANSLATOR = _FastTranslator()


@lru_cache(maxsize=512)
def compile_selector(selector: str) -> CSSSelector:
    """A compiled CSS selector; raises `SelectorError` (a ValueError) when invalid."""
    return CSSSelector(selector, translator=_TRANSLATOR)


def selector_error(selector: str) -> str | None:
    """Why `selector` is not valid CSS, or None when it is."""
    try:
        compile_selector(selector)
    except (SelectorError, ValueError, etree.XPathError) as error:
        return f"invalid CSS selector {selector!r}: {error}"
    return None


def select(root: html.HtmlElement, selector: str) -> list[html.HtmlElement]:
    return compile_selector(selector)(root)


def select_first(root: html.HtmlElement, *selectors: str) -> html.HtmlElement | None:
    """The first element matched by the first selector that matches anything."""
    for selector in selectors:
        found = select(root, selector)
        if found:
            return found[0]
    return None
