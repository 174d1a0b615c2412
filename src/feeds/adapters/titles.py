"""Titles without the site name: `标题_保定市人民政府`, `Story | The Daily` → the story's title.

<title>, og:title and a WebPage's JSON-LD name usually end with the site's name after a
separator. A suffix is cut only on evidence: what remains is the text of one of the
page's headings, or the suffix is a name the page gives its site (og:site_name…) or reads
like one (…人民政府, …网, …News).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from lxml import etree, html

from ..page import Page, element_text

# `_` and `|` separate wherever they are; dashes only with spaces around them, or between
# Chinese characters (`标题-新华网`), so that `COVID-19` and `2025-2026` stay whole.
_SEPARATOR = re.compile(
    r"\s*(?:_{1,2}|\||｜|——|::)\s*"
    r"|\s+[-–—·•»]\s+"
    r"|(?<=[\u4e00-\u9fff》”」）])\s?[-–—]\s?(?=[\u4e00-\u9fff《“「（])"
)
_SITE_WORD = re.compile(
    r"(?:政府|网|网站|门户|官网|日报|晚报|早报|时报|报社|新闻|资讯|频道|电视台|在线|头条|周刊|杂志"
    r"|局|委员会|办公室|厅|协会|学会|集团|公司|大学|学院"
    r"|\b(?:news|times|post|daily|online|journal|herald|tribune|gazette|magazine|blog)"
    r"|\.(?:com|cn|org|net))$",
    re.IGNORECASE,
)
_MAX_SITE_NAME = 30
_MAX_HEADING = 200
# Classes and ids of the title boxes of CMS templates (.title, .xl_title, #article-title…).
_TITLE_NAME = re.compile(r"^\.\S*tit|^#\S*title", re.IGNORECASE)
_SAME_TEXT = etree.XPath("//body//*[normalize-space(.) = $text]")
_SITE_META = ("og:site_name", "application-name", "apple-mobile-web-app-title", "sitename", "site_name")


class Titles:
    """Title candidates of one page, cleaned of site names."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @cached_property
    def headings(self) -> list[tuple[html.HtmlElement, str]]:
        """Heading-like elements and their text, in document order."""
        titled = (e for key, elements in self.page.named.items() if _TITLE_NAME.search(key) for e in elements)
        found = []
        for element in dict.fromkeys([*self.page.tree.iter("h1", "h2", "h3"), *titled]):
            text = element_text(element)
            if text and len(text) <= _MAX_HEADING:
                found.append((element, text))
        return found

    @cached_property
    def site_names(self) -> frozenset[str]:
        names = [self.page.meta.get(key, "") for key in _SITE_META] + self.page.json_ld_names
        return frozenset(_key(name) for name in names if name)

    def clean(self, text: str) -> str:
        """`text` without its site-name suffix, when there is evidence that it is one."""
        cuts = [match.start() for match in _SEPARATOR.finditer(text) if match.start() > 0]
        if not cuts:
            return text
        headings = {_key(heading) for _, heading in self.headings}
        for cut in reversed(cuts):  # the longest prefix that is a heading
            if _key(text[:cut]) in headings:
                return text[:cut].strip()
        return self._strip_site_segments(text, cuts)

    def element_for(self, title: str) -> html.HtmlElement | None:
        """The element that shows `title`: a heading, else any element of the body with
        exactly that text (gov templates print titles in plain <td> or <div>)."""
        key = _key(title)
        if not key:
            return None
        # Most titles are the page's <h1>: try those before collecting every heading.
        h1 = next((e for e in self.page.tree.iter("h1") if _key(element_text(e)) == key), None)
        heading = h1 if h1 is not None else next((e for e, text in self.headings if _key(text) == key), None)
        if heading is not None:
            return heading
        # The first such element that is no link: the same title may come again in a
        # breadcrumb link, the sidebar or a previous/next link.
        for element in _SAME_TEXT(self.page.tree, text=" ".join(title.split())):
            if element.tag != "a" and not any(a.tag == "a" for a in element.iterancestors()):
                return element
        return None

    def page_heading(self) -> html.HtmlElement | None:
        """The first <h1> that is not the site's logo or name."""
        for element in self.page.tree.iter("h1"):
            text = element_text(element)
            if text and not self.is_site_name(text) and not _is_logo(element):
                return element
        return None

    def html_title(self) -> str:
        """<title>, cleaned."""
        return self.clean(self._title_text) if self._title_text is not None else ""

    def is_site_name(self, text: str) -> bool:
        """Whether `text` names the site: a declared name, or the last part of <title>."""
        key = _key(text)
        return key in self.site_names or key == self._title_suffix

    @cached_property
    def _title_text(self) -> str | None:
        """The text of <title>; None when there is none."""
        title = self.page.tree.find(".//title")
        return element_text(title) if title is not None else None

    @cached_property
    def _title_suffix(self) -> str | None:
        """The key of the last part of a <title> that has several, the site's name."""
        segments = _SEPARATOR.split(self._title_text) if self._title_text is not None else []
        return _key(segments[-1]) if len(segments) > 1 else None

    def _strip_site_segments(self, text: str, cuts: Iterable[int]) -> str:
        end = len(text)
        for cut in sorted(cuts, reverse=True):
            segment = _SEPARATOR.sub("", text[cut:end]).strip()
            if not self._looks_like_site(segment) or len(text[:cut].strip()) < 4:
                break
            end = cut
        return text[:end].strip()

    def _looks_like_site(self, segment: str) -> bool:
        if _key(segment) in self.site_names:
            return True
        return 0 < len(segment) <= _MAX_SITE_NAME and bool(_SITE_WORD.search(segment))


def _key(text: str) -> str:
    """Text as compared: case and whitespace ignored."""
    return "".join(text.split()).casefold()


def _is_logo(element: html.HtmlElement) -> bool:
    """Whether a heading is the site's logo or name: in a logo box, or in the page header."""
    nodes = [element, *element.iterancestors()]
    if any("logo" in f"{node.get('class', '')} {node.get('id', '')}".lower() for node in nodes):
        return True
    in_article = any(node.tag in ("article", "main") for node in nodes)
    return not in_article and any(node.tag == "header" for node in nodes)
