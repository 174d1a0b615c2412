"""Metadata printed as text next to the title: `发布时间：2025-07-03 15:20  来源：市数据局`.

Government and news sites often have no machine-readable metadata at all, only a line
under the title. That line is found among the short blocks that follow the title, up to
the body (never inside it: a body's closing `作者：…` or a related list's dates are not
the article's), and read label by label.

Who counts as an author: 作者, 记者, 撰稿/撰文 and 通讯员 (Chinese bylines list
correspondents with reporters), and English `By Jane Doe and John Roe`. Editors
(编辑, 责任编辑, 审核…) did not write the article and are left out. 来源 names the
organisation the article comes from: it is the publisher, never an author.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache
from itertools import islice

from lxml import etree, html

from ..dates import parse_count, parse_date
from ..page import element_text

_CJK = "\u4e00-\u9fff"
_FIELDS: dict[str, tuple[str, ...]] = {
    "updated": ("更新时间", "更新日期", "修改时间", "最后更新", "Last updated", "Updated", "Modified"),
    "published": ("发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "发文日期", "日期", "时间",
                  "Published", "Posted on", "Posted", "Date"),
    "publisher": ("信息来源", "稿件来源", "文章来源", "新闻来源", "本文来源", "来源单位", "发布机构", "发布单位",
                  "来源", "Source"),
    "editors": ("责任编辑", "值班编辑", "编辑", "责编", "审核", "审校", "校对", "签发", "编审", "Editor", "Edited by"),
    "authors": ("作者", "记者", "撰稿人", "撰稿", "撰文", "通讯员", "文", "Author", "Written by", "By"),
    "views": ("浏览次数", "阅读次数", "点击次数", "访问次数", "浏览量", "阅读量", "点击量", "浏览", "阅读", "点击", "Views"),
    "ignored": ("字号", "字体", "分享到", "分享", "打印", "关闭窗口", "收藏", "图片来源", "摄影", "索引号", "Share", "Print"),
}


# Generic words are labels only on their own: not 会议时间 (a notice's content), 数据来源
# (a chart's credit) or 原文.
_STANDALONE = frozenset({"时间", "日期", "来源", "文"})


def _label_pattern(name: str, words: tuple[str, ...]) -> str:
    """Chinese labels need a colon; English ones may go without it at the start of the line
    or after a separator (`By Jane Doe | Updated July 3`)."""
    chinese = "|".join(w if w not in _STANDALONE else rf"(?<![{_CJK}]){w}" for w in words if not w.isascii())
    english = "|".join(w for w in words if w.isascii())
    parts = [rf"(?:{chinese})\s*[:：]"]
    if english:
        parts.append(rf"(?:^|(?<=[|·•—]))\s*(?:{english})\b\s*[:：]?|(?<![A-Za-z])(?:{english})\s*[:：]")
    return rf"(?P<{name}>{'|'.join(parts)})"


@cache
def _labels() -> re.Pattern[str]:
    """Compiled on first use: it takes longer than importing the module (~25 ms), and a
    build that parses no article page never needs it."""
    return re.compile("|".join(_label_pattern(name, words) for name, words in _FIELDS.items()), re.IGNORECASE)


_ENGLISH_FIELD = re.compile(r"\s*[A-Za-z]")
# Where a value ends even without a next label: brackets and bars of the tool links.
_VALUE_END = re.compile(r"[【\[（(|｜]")
_NAME_SPLIT = re.compile(r"\s*(?:[、，,;；/&]|\s)\s*")
_ENGLISH_NAME_SPLIT = re.compile(r"\s*(?:[、，,;；/&]|\band\b)\s*", re.IGNORECASE)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_BYLINE_END = re.compile(rf"\s(?:on|at|updated|published)\b|[|·•—]|\s-\s|\d|\b{_MONTH}\s+\d", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DATE_WORDS = re.compile(
    rf"[\d\s\-/:.,年月日时分秒+]|上午|下午|星期.|周.|\b(?:{_MONTH}|mon|tue|wed|thu|fri|sat|sun|am|pm|t)\b",
    re.IGNORECASE,
)

MAX_BLOCK_TEXT = 300
MAX_BLOCK_ELEMENTS = 40
MAX_NAME = 30
# Words a Chinese byline puts between the names: roles and credits, not people.
_NOT_NAMES = frozenset({"记者", "本报记者", "特约记者", "实习记者", "通讯员", "实习生", "摄", "摄影", "文", "图",
                        "报道", "整理", "编译", "供稿", "发自"})
_MAX_BYLINE = 80
_MAX_NAME_WORDS = 4
# How many elements after the title are searched for the metadata line.
_WINDOW = 80
# A paragraph this long is the body: the metadata line is above it.
_BODY_PARAGRAPH = 150
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "nav", "aside", "footer", "form", "select"})


@dataclass
class VisibleMeta:
    """What the labelled text near the title says; empty fields were not found."""

    published: datetime | None = None
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    publisher: str = ""
    views: int | None = None
    blocks: list[html.HtmlElement] = field(default_factory=list)
    """The elements the metadata was read from (kept out of an extracted body)."""


def read_visible_meta(
    anchor: html.HtmlElement | None, stop: html.HtmlElement | None, tz: tzinfo, now: datetime
) -> VisibleMeta:
    """The metadata in the short blocks after `anchor` (the title), before `stop` (the body)."""
    meta = VisibleMeta()
    if anchor is None:
        return meta
    read: set[html.HtmlElement] = set()
    for block, text in _blocks(anchor, stop, read):
        if _read_block(text, meta, tz, now):
            meta.blocks.append(block)
            read.update(block.iter())
    return meta


def _blocks(
    anchor: html.HtmlElement, stop: html.HtmlElement | None, read: set[html.HtmlElement]
) -> Iterator[tuple[html.HtmlElement, str]]:
    """Short text blocks after the title in document order, outer before inner; the inner
    ones of a block that was `read` are skipped."""
    skipped: set[html.HtmlElement] = set()
    # A body that holds the title too (one box for everything) is no boundary.
    if stop is not None and any(ancestor is stop for ancestor in anchor.iterancestors()):
        stop = None
    for element in islice(_following(anchor), _WINDOW):
        if _is_body(element, stop):
            return
        if element in read or element in skipped:
            continue
        if not isinstance(element.tag, str) or element.tag in _SKIPPED_TAGS:
            skipped.update(element.iter())
        elif _is_small(element) and (text := element_text(element)) and len(text) <= MAX_BLOCK_TEXT:
            yield element, text


def _following(anchor: html.HtmlElement) -> Iterator[html.HtmlElement]:
    """The elements after `anchor` in document order, outside it (XPath's following::*),
    produced lazily: the walk stops at the body, a few elements on."""
    for node in (anchor, *anchor.iterancestors()):
        for sibling in node.itersiblings():
            yield from sibling.iter(etree.Element)


def _is_body(element: html.HtmlElement, stop: html.HtmlElement | None) -> bool:
    # The elements come in document order, so the walk meets `stop` before anything in it.
    if element is stop:
        return True
    return element.tag == "p" and len(element_text(element)) > _BODY_PARAGRAPH


def _is_small(element: html.HtmlElement) -> bool:
    if len(element) == 0:  # most blocks near a title: nothing to count
        return True
    return sum(1 for _ in zip(element.iter(), range(MAX_BLOCK_ELEMENTS + 1))) <= MAX_BLOCK_ELEMENTS


def _read_block(text: str, meta: VisibleMeta, tz: tzinfo, now: datetime) -> bool:
    """Fill the fields `meta` still lacks from one block; whether it was a metadata block."""
    labels = list(_labels().finditer(text))
    if not labels:
        return _read_date_only(text, meta, tz, now)
    read, names = False, set()
    for index, label in enumerate(labels):
        name = label.lastgroup or ""
        end = labels[index + 1].start() if index + 1 < len(labels) else len(text)
        value = _trim(text[label.end():end])
        names.add(name)
        read |= _read_value(name, label.group(), value, meta, tz, now) or name in ("editors", "ignored")
    # `2025-07-03 15:20 来源：新华社`: a full date needs no label on a line that names the
    # source or the author (not on an editor's line, which closes the body).
    if meta.published is None and _is_byline(names) and _YEAR.search(text):
        meta.published = parse_date(text, tz, now)
        read |= meta.published is not None
    return read


def _is_byline(names: set[str]) -> bool:
    return bool(names & {"publisher", "authors"}) and not names & {"published", "updated"}


def _read_value(name: str, label: str, value: str, meta: VisibleMeta, tz: tzinfo, now: datetime) -> bool:
    """Set the field `name` from `value` unless it is set already; whether it was."""
    english = bool(_ENGLISH_FIELD.match(label))
    if not value:
        return False
    if name == "published" and meta.published is None:
        meta.published = parse_date(value, tz, now)
        return meta.published is not None
    if name == "updated" and meta.updated is None:
        meta.updated = parse_date(value, tz, now)
        return meta.updated is not None
    if name == "publisher" and not meta.publisher:
        meta.publisher = value if english else value.split()[0]
        return True
    if name == "authors" and not meta.authors:
        meta.authors = _names(value, english)
        return bool(meta.authors)
    if name == "views" and meta.views is None:
        meta.views = parse_count(value.split()[0])
        return meta.views is not None
    return False


def _read_date_only(text: str, meta: VisibleMeta, tz: tzinfo, now: datetime) -> bool:
    """A block that is a date and nothing else, such as `<span class="time">2025-07-03</span>`."""
    if meta.published is not None or len(text) > 40 or len(_DATE_WORDS.sub("", text)) > 2:
        return False
    meta.published = parse_date(text, tz, now)
    return meta.published is not None


def _trim(value: str) -> str:
    """A label's value, without the tool links and brackets printed after it."""
    if match := _VALUE_END.search(value):
        value = value[: match.start()]
    return value.strip(" \u3000】]）)>»:：")


def _names(value: str, english: bool) -> tuple[str, ...]:
    """Author names from `张三 李四`, `张三、李四` or `Jane Doe and John Roe`."""
    if english:
        if match := _BYLINE_END.search(value):
            value = value[: match.start()]
        parts = _ENGLISH_NAME_SPLIT.split(value)
    else:
        parts = _NAME_SPLIT.split(value)
    names = [part.strip(" .") for part in parts]
    return tuple(dict.fromkeys(n for n in names if _is_name(n, english)))


def _is_name(text: str, english: bool) -> bool:
    """Whether `text` can be a person's name; English names are capitalised (so that
    `By the end of the year…` is no byline)."""
    if not text or len(text) > MAX_NAME or text in _NOT_NAMES or any(c.isdigit() for c in text):
        return False
    return not english or (text[0].isupper() and len(text.split()) <= _MAX_NAME_WORDS)


def names_from_byline(text: str) -> tuple[str, ...]:
    """Author names from a byline element: `By Jane Doe and John Roe`, `作者：张三`, `Jane Doe`."""
    if not text or len(text) > _MAX_BYLINE:
        return ()
    label = _labels().match(text)
    if label is not None and label.lastgroup == "authors":
        return _names(text[label.end():], english=bool(_ENGLISH_FIELD.match(label.group())))
    if label is None and not any(c.isdigit() for c in text):
        return _names(text, english=text.isascii())
    return ()
