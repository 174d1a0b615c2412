"""Feeds a user composes with `[[feeds]]`: chosen sources and categories, filtered,
limited, and optionally converted between Simplified and Traditional Chinese.

```toml
[[feeds]]
slug = "data-policy"
title = "数据政策"
sources = ["baoding-gov"]          # entries of these sources…
categories = ["政策解读"]            # …and of these categories (neither: every entry)
include = { title = "数据|算力" }    # keep an entry if any of these match
exclude = { category = "广告" }      # drop it if any of these match
limit = 20                          # default: [site] max_entries
convert = "s2t"                     # opencc: s2t, t2s, s2tw, tw2s, s2hk, hk2s
```
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from lxml import etree, html

from . import configvalues as values
from .configvalues import ConfigError
from .models import Entry
from .slugs import RESERVED, VALID_SLUG

FEED_KEYS = {"slug", "title", "description", "sources", "categories", "include", "exclude", "limit", "convert"}
FILTER_FIELDS = ("title", "summary", "content", "author", "category")
CONVERSIONS = ("s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s")


@dataclass(frozen=True, slots=True)
class FeedConfig:
    slug: str
    title: str
    description: str = ""
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    include: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    exclude: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    limit: int | None = None
    convert: str | None = None

    def selects(self, entry: Entry, source_category: str | None) -> bool:
        """Whether `entry` belongs in this feed, before filtering."""
        if not self.sources and not self.categories:
            return True
        if entry.source in self.sources:
            return True
        categories = {source_category, *entry.categories}
        return any(category in categories for category in self.categories)

    def keeps(self, entry: Entry) -> bool:
        """The include and exclude filters."""
        if self.include and not any(_search(pattern, entry, name) for name, pattern in self.include.items()):
            return False
        return not any(_search(pattern, entry, name) for name, pattern in self.exclude.items())


def read_feeds(file: Path, raw: Any, source_names: Collection[str], taken_slugs: Collection[str]) -> list[FeedConfig]:
    """The `[[feeds]]` tables of `file`, checked against the sources and the slugs in use."""
    feeds: list[FeedConfig] = []
    taken = set(taken_slugs)
    for index, table in enumerate(values.array(file, "feeds", raw)):
        feed = _feed(file, f"feeds[{index}]", values.table(file, f"feeds[{index}]", table), source_names)
        if feed.slug in taken:
            raise ConfigError(file, f"feeds[{index}].slug", f"slug {feed.slug!r} is already used by another feed or category")
        taken.add(feed.slug)
        feeds.append(feed)
    return feeds


def _feed(file: Path, key: str, table: Mapping[str, Any], source_names: Collection[str]) -> FeedConfig:
    values.check_keys(file, key, table, FEED_KEYS)
    if "slug" not in table:
        raise ConfigError(file, f"{key}.slug", "missing (every feed needs one)")
    slug = values.string(file, f"{key}.slug", table["slug"])
    if not VALID_SLUG.match(slug) or slug in RESERVED:
        raise ConfigError(file, f"{key}.slug", f"{slug!r} is not a free slug: use a-z, 0-9 and inner '-'")
    sources = values.strings(file, f"{key}.sources", table.get("sources", []))
    for name in sources:
        if name not in source_names:
            raise ConfigError(file, f"{key}.sources", values.unknown("source", name, set(source_names)))
    convert = table.get("convert")
    if convert is not None and values.string(file, f"{key}.convert", convert) not in CONVERSIONS:
        raise ConfigError(file, f"{key}.convert", f"{convert!r} is not one of {', '.join(CONVERSIONS)}")
    return FeedConfig(
        slug=slug,
        title=values.line(file, f"{key}.title", table.get("title", slug)),
        description=values.string(file, f"{key}.description", table.get("description", "")),
        sources=tuple(sources),
        categories=tuple(values.strings(file, f"{key}.categories", table.get("categories", []))),
        include=_patterns(file, f"{key}.include", table.get("include", {})),
        exclude=_patterns(file, f"{key}.exclude", table.get("exclude", {})),
        limit=values.positive_int(file, f"{key}.limit", table["limit"]) if "limit" in table else None,
        convert=convert,
    )


def _patterns(file: Path, key: str, raw: Any) -> dict[str, re.Pattern[str]]:
    patterns: dict[str, re.Pattern[str]] = {}
    for name, expression in values.table(file, key, raw).items():
        if name not in FILTER_FIELDS:
            raise ConfigError(file, f"{key}.{name}", values.unknown("field", name, set(FILTER_FIELDS)))
        try:
            patterns[name] = re.compile(values.string(file, f"{key}.{name}", expression))
        except re.error as error:
            raise ConfigError(file, f"{key}.{name}", f"invalid regular expression: {error}") from None
    return patterns


def _search(pattern: re.Pattern[str], entry: Entry, name: str) -> bool:
    texts: Sequence[str] = {
        "title": (entry.title,),
        "summary": (entry.summary,),
        "content": (_text(entry.content_html),),
        "author": entry.authors,
        "category": entry.categories,
    }[name]
    return any(pattern.search(text) for text in texts)


def _text(fragment: str) -> str:
    if not fragment:
        return ""
    return html.fragment_fromstring(fragment, create_parent="div").text_content()


def converted(entry: Entry, conversion: str) -> Entry:
    """`entry` with its title, summary, authors, categories and content text converted.

    In the HTML only text is converted, never attributes: a link must keep its address.
    """
    convert = _converter(conversion)
    return dataclasses.replace(
        entry,
        title=convert(entry.title),
        summary=convert(entry.summary),
        content_html=_convert_html(entry.content_html, convert),
        authors=tuple(convert(a) for a in entry.authors),
        categories=tuple(convert(c) for c in entry.categories),
    )


@lru_cache(maxsize=None)
def _converter(conversion: str) -> Callable[[str], str]:
    import opencc  # loads its dictionaries: only for feeds that ask for a conversion

    return opencc.OpenCC(conversion).convert


def _convert_html(fragment: str, convert: Callable[[str], str]) -> str:
    if not fragment:
        return fragment
    root = html.fragment_fromstring(fragment, create_parent="div")
    for node in root.iter():
        if node.text:
            node.text = convert(node.text)
        if node.tail and node is not root:
            node.tail = convert(node.tail)
    lead = escape(root.text or "", quote=False)
    return lead + "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)
