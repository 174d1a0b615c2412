"""Turn a piece of an untrusted page into allow-list HTML that is safe to publish.

Two steps. On the lxml tree: resolve lazy images, make URLs absolute and drop page chrome
that sits inside article bodies. Then nh3 (ammonia) keeps only the allowed tags and
attributes and refuses every URL that is not absolute http(s) or mailto.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from html import escape

import nh3
from lxml import etree, html

from .css import select
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


_CHROME = ", ".join(CHROME_SELECTORS)

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener noreferrer",
    strip_comments=True,
)
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
    _remove(select(tree, _CHROME))
    for node in tree.iter():
        # Source indentation between blocks is noise in a feed reader's view source.
        if node.tail is not None and not node.tail.strip():
            node.tail = "\n"
        if not isinstance(node.tag, str):
            continue
        if node.tag == "img":
            src = lazy_image_url(node, base)
            if src:
                node.set("src", src)
            else:
                node.attrib.pop("src", None)
        attribute = _LINK_ATTRIBUTES.get(node.tag)
        if attribute and node.get(attribute) is not None:
            value = node.get(attribute, "")
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
    return xml_safe(_CLEANER.clean(xml_safe(fragment))).strip()


def _remove(nodes: Iterable[html.HtmlElement]) -> None:
    for node in nodes:
        parent = node.getparent()
        if parent is not None:
            node.drop_tree()


def text_to_html(text: str) -> str:
    """Plain text as the one-paragraph HTML a feed carries as content."""
    return f"<p>{escape(text, quote=False)}</p>" if text else ""
