"""The layers an article field can come from, and picking the first one that has it.

Each field of the main article is looked up layer by layer, most explicit first; the
layer that gave the value is recorded in `Entry.provenance`, so `preview` can show why
a field came out as it did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

SELECTORS = "selectors"
"""The source's configured CSS selectors."""
JSON_LD = "json-ld"
"""schema.org JSON-LD (Article, NewsArticle, BlogPosting…, @graph included)."""
OPENGRAPH = "opengraph"
"""og:*, article:* and twitter:* meta tags."""
META = "meta"
"""Other <meta name> tags: description, author, and the Chinese government site
standard (ArticleTitle, PubDate, ContentSource, ColumnName)."""
MICROFORMATS = "microformats"
"""h-entry/hentry classes, itemprop microdata, time[datetime]."""
THEME = "theme"
"""Markup of known themes and CMSs (.entry-content, .TRS_Editor…)."""
VISIBLE_TEXT = "visible-text"
"""Labelled text near the title: 发布时间：…, 来源：…, By Jane Doe."""
HEURISTICS = "heuristics"
"""Generic fallbacks: <h1>, <title>, the trafilatura body."""
CANONICAL = "canonical"
"""<link rel=canonical>, for the link and id."""
DOCUMENT = "document"
"""The URL the page was fetched from."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """A field's value and the layer that gave it."""

    value: T
    layer: str


Step = tuple[str, Callable[[], T | None]]


def first(steps: Iterable[Step[T]]) -> Found[T] | None:
    """The value of the first step whose getter returns something (0 counts; "" and [] do not)."""
    for layer, get in steps:
        value = get()
        if value is not None and value != "" and value != []:
            return Found(value, layer)
    return None
