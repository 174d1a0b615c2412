"""Turn a piece of an untrusted page into allow-list HTML that is safe to publish.

Two steps. On the lxml tree: resolve lazy images, make URLs absolute and drop page chrome
that sits inside article bodies. Then nh3 (ammonia) keeps only the allowed tags and
attributes and refuses every URL that is not absolute http(s) or mailto.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from html import escape
from typing import Any

import nh3
from lxml import etree, html

from .css import class_names
from .text import xml_safe
from .urls import is_web_url, resolve

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
        "details", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
        "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "u", "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "abbr": {"title"},
}
# Removed with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "object", "embed", "form",
        "button", "select", "textarea", "svg", "math", "title", "head",
    }
)
# Attributes lazy-loading scripts keep the real image address in, most specific first.
LAZY_IMAGE_ATTRIBUTES = (
    "data-original", "data-src", "data-lazy-src", "data-actualsrc", "data-echo", "data-url",
)
# Widgets that themes and plugins print inside the article body.
CHROME_SELECTORS = (
    ".entry-copyright", ".sharedaddy", ".jp-relatedposts", ".entry-related",
    ".wpcom_myimg_wrap", ".post-share", ".share", ".social-share", ".wp-block-buttons",
    ".yarpp-related", ".crp_related", ".related-posts", ".entry-action", ".entry-page",
)


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """ammonia checks the scheme of href and src only; `cite` holds a URL too."""
    if attribute == "cite":
        return value if is_web_url(value) else None
    return value


# CHROME_SELECTORS are all plain ".class" selectors: one pass over the elements that have
# a class answers them all, where the CSS group would scan the tree once per selector.
_CHROME_CLASSES = frozenset(selector.removeprefix(".") for selector in CHROME_SELECTORS)
_WITH_CLASS = etree.XPath("descendant-or-self::*[@class]")

_CLEANER_OPTIONS: dict[str, Any] = {
    "tags": set(ALLOWED_TAGS),
    "clean_content_tags": set(DROPPED_WITH_CONTENT),
    "attributes": {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    "url_schemes": {"http", "https", "mailto"},
    "url_relative": "deny",
    "link_rel": "noopener noreferrer",
    "strip_comments": True,
}
# The attribute filter is a Python call for every attribute kept, a quarter of the
# cleaning time of attribute-heavy HTML, and only matters when a `cite` is kept: the
# cleaner without it goes first, and its output is used when it holds no "cite=".
_CLEANER = nh3.Cleaner(**_CLEANER_OPTIONS)
_CITE_CHECKING_CLEANER = nh3.Cleaner(**_CLEANER_OPTIONS, attribute_filter=_filter_attribute)
_LINK_ATTRIBUTES = {"a": "href", "blockquote": "cite", "q": "cite"}


def lazy_image_url(img: html.HtmlElement, base: str) -> str | None:
    """The real address of an image, looking past lazy-loading placeholders."""
    for name in LAZY_IMAGE_ATTRIBUTES:
        url = resolve(base, img.get(name))
        if url:
            return url
    return resolve(base, img.get("src"))


def sanitize_element(element: html.HtmlElement, base: str) -> str:
    """The inner HTML of `element`, cleaned for publishing, URLs absolute against `base`."""
    tree = copy.deepcopy(element)
    _remove(_chrome(tree))
    for node in tree.iter():
        # Source indentation between blocks is noise in a feed reader's view source.
        tail = node.tail
        if tail is not None and not tail.strip():
            node.tail = "\n"
        tag = node.tag
        if not isinstance(tag, str):
            continue
        if tag == "img":
            src = lazy_image_url(node, base)
            if src:
                node.set("src", src)
            else:
                node.attrib.pop("src", None)
        attribute = _LINK_ATTRIBUTES.get(tag)
        if attribute and (value := node.get(attribute)) is not None:
            url = value if value.strip().lower().startswith("mailto:") else resolve(base, value)
            if url:
                node.set(attribute, url)
            else:
                del node.attrib[attribute]
    lead = tree.text if tree.text and tree.text.strip() else ""
    inner = escape(lead, quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in tree
    )
    return sanitize_html(inner)


def sanitize_html(fragment: str) -> str:
    """Allow-list cleaning of an HTML fragment whose URLs are already absolute."""
    # Character references such as "&#1;" come out of the cleaner as the characters.
    fragment = xml_safe(fragment)
    cleaned = _CLEANER.clean(fragment)
    if "cite=" in cleaned:
        cleaned = _CITE_CHECKING_CLEANER.clean(fragment)
    return xml_safe(cleaned).strip()


def _chrome(tree: html.HtmlElement) -> list[html.HtmlElement]:
    """The elements that CHROME_SELECTORS match, in document order."""
    return [
        element
        for element in _WITH_CLASS(tree)
        if not _CHROME_CLASSES.isdisjoint(class_names(element.get("class", "")))
    ]


def _remove(nodes: Iterable[html.HtmlElement]) -> None:
    for node in nodes:
        parent = node.getparent()
        if parent is not None:
            node.drop_tree()


def text_to_html(text: str) -> str:
    """Plain text as the one-paragraph HTML a feed carries as content."""
    return f"<p>{escape(text, quote=False)}</p>" if text else ""
