"""The article body: a container the page names, else what trafilatura extracts.

A container named by the source's selectors, by microformats (.entry-content,
[itemprop=articleBody]) or by a known theme or CMS (.TRS_Editor…) is taken whole. Only
when there is none does trafilatura, a proven main-content extractor, read the page;
it is imported on first use, since its import alone costs a quarter of a second.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import html

from ..css import select
from ..page import Page, element_text, first_paragraph_text, fragment
from ..sanitize import CHROME_SELECTORS, lazy_image_url, sanitize_element, text_to_html
from ..text import shorten
from .layers import HEURISTICS, JSON_LD, MICROFORMATS, THEME, Found
from .microformats import Microformats
from .theme import THEME_CONTENT

log = logging.getLogger(__name__)
SUMMARY_LENGTH = 200

_CHROME = ", ".join(CHROME_SELECTORS)
_EXTRACT_OPTIONS: dict[str, Any] = {
    "output_format": "html", "include_images": True, "include_links": True,
    "include_comments": False, "favor_precision": True, "with_metadata": False,
}


@dataclass(frozen=True, slots=True)
class Body:
    """The sanitised body, and the element its summary and lead image are read from."""

    content_html: str = ""
    root: html.HtmlElement | None = None
    layer: str | None = None


def find_container(page: Page, micro: Microformats) -> Found[html.HtmlElement] | None:
    """The element holding the body, when the page's markup names one and it is not
    empty (a box that scripts fill in says nothing about the body)."""
    element = micro.content()
    if element is not None and _has_content(element):
        return Found(element, MICROFORMATS)
    for selector in THEME_CONTENT:
        element = next((e for e in page.find_all(selector) if _has_content(e)), None)
        if element is not None:
            return Found(element, THEME)
    return None


def _has_content(element: html.HtmlElement) -> bool:
    return bool(element_text(element)) or element.find(".//img") is not None


def container_body(container: Found[html.HtmlElement], base: str) -> Body:
    return Body(sanitize_element(container.value, base), container.value, container.layer)


def extracted_body(page: Page, title: str, drop: Iterable[html.HtmlElement]) -> Body:
    """The body trafilatura finds, without the title and metadata lines (`drop`).

    Any failure inside trafilatura gives an empty body: a page without one is still a
    page with a title and a link.
    """
    try:
        extracted = _trafilatura(_prepared_copy(page, drop), page.base_url)
    except Exception as error:  # noqa: BLE001 - third-party code on untrusted input
        log.debug("trafilatura failed on %s: %r", page.url, error)
        extracted = None
    root = fragment(extracted) if extracted else None
    if root is None:
        return Body()
    _drop_leading_title(root, title)
    _tidy(root)
    content = sanitize_element(root, page.base_url)
    return Body(content, root, HEURISTICS) if content else Body()


def json_ld_body(page: Page) -> Body:
    """The plain-text articleBody of the page's JSON-LD, one paragraph per line."""
    text = page.json_ld_article.get("articleBody")
    if not isinstance(text, str) or not text.strip():
        return Body()
    content = "\n".join(text_to_html(line.strip()) for line in text.splitlines() if line.strip())
    return Body(content, fragment(content), JSON_LD)


def first_paragraph(root: html.HtmlElement | None) -> str:
    """The first paragraph's text, shortened to a summary."""
    return shorten(first_paragraph_text(root), SUMMARY_LENGTH) if root is not None else ""


def _prepared_copy(page: Page, drop: Iterable[html.HtmlElement]) -> html.HtmlElement:
    """A copy of the page for trafilatura: real image addresses, no title, meta lines or
    widgets. trafilatura mutates what it is given; the page's own tree stays whole."""
    paths = [page.tree.getroottree().getpath(element) for element in drop]
    tree = copy.deepcopy(page.tree)
    for path in paths:
        for element in tree.xpath(path):
            element.drop_tree()
    for element in select(tree, _CHROME):
        if element.getparent() is not None:
            element.drop_tree()
    for img in tree.iter("img"):
        if src := lazy_image_url(img, page.base_url):
            img.set("src", src)
    return tree


def _trafilatura(tree: html.HtmlElement, base: str) -> str | None:
    import trafilatura  # slow to import (0.25 s): only pages without a container need it

    # "discarding data" warnings are trafilatura's way of saying a page has no body:
    # normal here, and noise on a build's stderr.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    # Given a tree (never a URL), trafilatura reads only that: it fetches nothing.
    result: str | None = trafilatura.extract(tree, url=base, **_EXTRACT_OPTIONS)
    return result


def _tidy(root: html.HtmlElement) -> None:
    """Undo two habits of trafilatura's HTML output: pretty-printing indentation inside
    elements, and code blocks as <pre><pre>."""
    for element in root.iter():
        if element.text is not None and not element.text.strip() and len(element):
            element.text = None
    for pre in list(root.iter("pre")):
        if len(pre) == 1 and pre[0].tag == "pre" and not (pre.text or "").strip():
            pre[0].drop_tag()


def _drop_leading_title(root: html.HtmlElement, title: str) -> None:
    """trafilatura keeps a heading that repeats the title when it was not dropped first."""
    first = next((child for child in root if isinstance(child.tag, str)), None)
    if first is not None and first.tag in ("h1", "h2", "h3") and element_text(first) == title:
        first.drop_tree()
