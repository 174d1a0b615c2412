"""CSS selectors, compiled once and evaluated quickly on lxml trees."""

from __future__ import annotations

from functools import lru_cache

from cssselect import HTMLTranslator, SelectorError
from lxml import etree, html
from lxml.cssselect import CSSSelector

# cssselect (1.6) already tests `contains(@class, name)` before building the padded copy
# of @class that `~=` and `.class` compare against.
_TRANSLATOR = HTMLTranslator()


# cssselect splits a class attribute on XPath white space (normalize-space), not str.split()'s.
_CLASS_SPACE = str.maketrans("\t\n\r", "   ")


def class_names(value: str) -> list[str]:
    """The names in a class attribute, as CSS `.name` selectors match them."""
    return [name for name in value.translate(_CLASS_SPACE).split(" ") if name]


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
