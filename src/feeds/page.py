"""An HTML page parsed once, with the metadata publishers put in its head.

Adapters read pages through `Page`: the lxml tree, the URL to resolve links against, and
the machine-readable metadata (canonical link, JSON-LD, OpenGraph and other meta tags).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from lxml import etree, html

from .css import class_names, select, select_first
from .decode import decode_html
from .models import Document, ExtractionError
from .text import fold, unescape_fold, xml_safe
from .urls import is_web_url, resolve

ARTICLE_TYPES = frozenset(
    {"Article", "NewsArticle", "BlogPosting", "Report", "ReportageNewsArticle",
     "AnalysisNewsArticle", "OpinionNewsArticle", "TechArticle", "ScholarlyArticle",
     "LiveBlogPosting", "WebPage"}
)
_PARSER = html.HTMLParser(remove_comments=True, remove_pis=True)


_HIDDEN_TAGS = ("script", "style", "noscript", "template")
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def element_text(element: html.HtmlElement | None) -> str:
    """The visible text of an element, entities decoded and whitespace folded."""
    if element is None:
        return ""
    if element.tag in _HIDDEN_TAGS:
        return fold(element.text_content())
    # Most elements neither hold nor sit in a script: all their text is visible, and
    # text_content() gives it without testing the ancestors of every text node.
    if isinstance(element.tag, str) and not _has_hidden_text(element):
        # A leaf's .text is all its text: no XPath string() evaluation needed.
        return fold(element.text if len(element) == 0 else element.text_content())
    return fold("".join(_VISIBLE_TEXT(element)))


def _has_hidden_text(element: html.HtmlElement) -> bool:
    """Whether some text of `element` is inside a script, style, noscript or template."""
    return (
        (len(element) > 0 and next(element.iterdescendants(_HIDDEN_TAGS), None) is not None)
        or next(element.iterancestors(_HIDDEN_TAGS), None) is not None
    )


@dataclass
class Page:
    tree: html.HtmlElement
    url: str
    """Where the document came from (may be a file:// URL)."""
    meta: dict[str, str] = field(default_factory=dict)
    """<meta> values by lower-cased property/name; the first one wins."""

    @classmethod
    def parse(cls, document: Document) -> Page:
        text = xml_safe(decode_html(document.body, document.content_type))
        if not text.strip():
            raise ExtractionError("empty page")
        try:
            tree = html.document_fromstring(text, parser=_PARSER)
        except (etree.ParserError, ValueError) as error:
            raise ExtractionError(f"not an HTML page: {error}") from None
        page = cls(tree=tree, url=document.url)
        page.meta = page._read_meta()
        return page

    @cached_property
    def canonical_url(self) -> str | None:
        """The page's own statement of its address: rel=canonical, then og:url."""
        link = select_first(self.tree, 'link[rel~="canonical"][href]')
        for candidate in (
            link.get("href") if link is not None else None,
            self.meta.get("og:url"),
        ):
            url = resolve(self.url, candidate)
            if url:
                return url
        return None

    @cached_property
    def named(self) -> dict[str, list[html.HtmlElement]]:
        """Elements by ".class" and "#id", each list in document order.

        One pass over the tree answers every simple selector (`.entry-content`,
        `h1.entry-title`, `.entry-info .views`) that themes are recognised by, where a
        CSS selector would scan the whole tree once per selector.
        """
        index: defaultdict[str, list[html.HtmlElement]] = defaultdict(list)
        for element in _NAMED(self.tree):
            if classes := element.get("class"):
                for name in classes.split():
                    index["." + name].append(element)
            if (identifier := element.get("id")) and (identifier := identifier.strip()):
                index["#" + identifier].append(element)
        return dict(index)

    def find_all(self, selector: str) -> list[html.HtmlElement]:
        """`css.select` on the whole page, answered from `named` where it can be."""
        return find_indexed(self.tree, self.named, selector)

    def may_match(self, selector: str) -> bool:
        """Whether `selector` may match anything on the page; False only when it begins with
        a class or id that no element has (`named` knows them all), a cheap test that spares
        evaluating the selectors of themes the page does not use."""
        words = selector.split(maxsplit=1)
        outermost = _simple_part(words[0]) if words and "," not in selector else None
        if outermost is None:
            return True
        _, kind, name = outermost
        return not kind or kind + name in self.named

    def find_first(self, *selectors: str) -> html.HtmlElement | None:
        """The first element matched by the first selector that matches anything."""
        for selector in selectors:
            if found := self.find_all(selector):
                return found[0]
        return None

    @cached_property
    def base_url(self) -> str:
        """What relative links resolve against: the fetch URL, or for a local file the
        page's canonical address."""
        if is_web_url(self.url):
            return self.url
        return self.canonical_url or self.url

    def absolute(self, href: str | None) -> str | None:
        return resolve(self.base_url, href)

    @cached_property
    def json_ld(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, with @graph and nested lists flattened."""
        objects: list[dict[str, Any]] = []
        for script in select(self.tree, 'script[type="application/ld+json"]'):
            try:
                data = json.loads(script.text_content() or "null", strict=False)
            except (ValueError, RecursionError):
                continue
            objects.extend(_flatten_ld(data))
        return objects

    @cached_property
    def json_ld_article(self) -> dict[str, Any]:
        """The JSON-LD object describing the article, or an empty dict.

        References to other nodes of the page (Yoast's `"author": {"@id": "…#/schema/person/…"}`)
        are replaced by the nodes themselves, one level deep.
        """
        ranked = [obj for obj in self.json_ld if _ld_types(obj) & ARTICLE_TYPES]
        # A WebPage node is only a fallback: NewsArticle and friends say more.
        ranked.sort(key=lambda obj: "WebPage" in _ld_types(obj))
        if not ranked:
            return {}
        nodes = {obj["@id"]: obj for obj in self.json_ld if isinstance(obj.get("@id"), str) and len(obj) > 1}
        return {key: _ld_dereference(value, nodes) for key, value in ranked[0].items()}

    @cached_property
    def json_ld_names(self) -> list[str]:
        """Names of the site and its publisher as the page's JSON-LD gives them."""
        kinds = {"WebSite", "Organization", "NewsMediaOrganization"}
        return [name for obj in self.json_ld if _ld_types(obj) & kinds and (name := ld_text(obj.get("name")))]

    def _read_meta(self) -> dict[str, str]:
        meta: dict[str, str] = {}
        for element in select(self.tree, "meta[content]"):
            key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
            value = unescape_fold(element.get("content"))
            if key and value and key not in meta:
                meta[key] = value
        return meta


# The owners of class and id attributes: the same elements as //*[@class or @id], found
# without evaluating a predicate on every element of the page (several times faster).
_NAMED = etree.XPath("(//@class | //@id)/..")
_SIMPLE_PART = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?:(?P<kind>[.#])(?P<name>[\w-]+))?$")


def name_index(elements: Iterable[html.HtmlElement]) -> dict[str, list[html.HtmlElement]]:
    """`elements` by ".class" and "#id" exactly as CSS matches them, each list in the order
    of `elements`."""
    index: defaultdict[str, list[html.HtmlElement]] = defaultdict(list)
    for element in elements:
        if classes := element.get("class"):
            for name in class_names(classes):
                index["." + name].append(element)
        if identifier := element.get("id"):
            index["#" + identifier].append(element)
    return dict(index)


def find_indexed(
    root: html.HtmlElement, index: dict[str, list[html.HtmlElement]], selector: str
) -> list[html.HtmlElement]:
    """`css.select(root, selector)`, faster: a selector that starts with a class, id or tag
    (`.entry-info a[rel~=category]`) is answered from `index`, the `name_index` of root and
    its descendants (or the page's `named`), then within each match."""
    words = selector.split()
    outermost = _simple_part(words[0]) if words and "," not in selector else None
    if outermost is None or (len(words) > 1 and words[1][0] in ">+~"):
        return select(root, selector)
    tag, kind, name = outermost
    if kind:
        outer = [e for e in index.get(kind + name, []) if not tag or e.tag == tag]
    else:
        outer = list(root.iter(tag))
    if len(words) == 1:
        return outer
    rest = " ".join(words[1:])
    inner = (e for o in outer for e in select(o, rest) if e is not o)
    return list(dict.fromkeys(inner))


@lru_cache(maxsize=512)
def _simple_part(word: str) -> tuple[str, str, str] | None:
    """(tag, "." or "#" or "", name) of `h1`, `.entry-title`, `h1.entry-title`, `#zoom`;
    None for anything else."""
    match = _SIMPLE_PART.match(word)
    if match is None or not (match["tag"] or match["kind"]):
        return None
    return match["tag"] or "", match["kind"] or "", match["name"] or ""


def ld_text(value: Any) -> str:
    """A JSON-LD value read as text (strings, or objects with a name)."""
    if isinstance(value, str):
        return unescape_fold(value)
    if isinstance(value, dict):
        return ld_text(value.get("name") or value.get("@value") or "")
    if isinstance(value, list) and value:
        return ld_text(value[0])
    return ""


def ld_names(value: Any) -> list[str]:
    """Every name in a JSON-LD value that may be one thing or a list (authors, sections)."""
    items = value if isinstance(value, list) else [value]
    return [name for item in items if (name := ld_text(item))]


def ld_url(value: Any) -> str | None:
    """A URL from a JSON-LD value: a string, an ImageObject/WebPage, or a list of those."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return ld_url(value.get("url") or value.get("@id") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return ld_url(value[0])
    return None


def _ld_dereference(value: Any, nodes: dict[str, dict[str, Any]]) -> Any:
    """`value` with bare {"@id": …} references replaced by the node they name."""
    if isinstance(value, list):
        return [_ld_dereference(item, nodes) for item in value]
    if isinstance(value, dict) and set(value) == {"@id"} and isinstance(value["@id"], str):
        return nodes.get(value["@id"], value)
    return value


def _ld_types(obj: dict[str, Any]) -> set[str]:
    types = obj.get("@type", [])
    return {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}


def _flatten_ld(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 5:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten_ld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten_ld(data["@graph"], depth + 1)


_BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "tr", "pre")


def fragment(value: str) -> html.HtmlElement | None:
    """An HTML fragment parsed as the children of a <div>; None if empty or unreadable."""
    if not value.strip():
        return None
    try:
        return html.fragment_fromstring(xml_safe(value), create_parent="div")
    except (etree.ParserError, ValueError):
        return None


def block_text(tree: html.HtmlElement) -> str:
    """Plain text with a space where one block ends and the next begins (mutates tails)."""
    for block in tree.iter(*_BLOCK_TAGS):
        block.tail = " " + (block.tail or "")
    return element_text(tree)


def html_text(value: str | None) -> str:
    """Plain text of an HTML fragment, blocks separated by a space."""
    tree = fragment(value or "")
    return block_text(tree) if tree is not None else ""


def first_paragraph_text(content: html.HtmlElement) -> str:
    """The text of the first non-empty <p>, else of the whole element."""
    for paragraph in select(content, "p"):
        if text := element_text(paragraph):
            return text
    return element_text(content)

