"""The `article` adapter: an article page gives its main article and its related items.

Each field of the main article comes from the first layer that has it (see `layers`):
the source's selectors, JSON-LD, OpenGraph and other meta tags, microformats, the markup
of known themes, labelled text near the title (`visible`), then generic heuristics. The
layer that gave each field is recorded in `Entry.provenance`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from typing import Any

from lxml import html

from ..css import select, select_first
from ..dates import parse_count
from ..models import AdapterSettings, Document, Entry, ExtractionError
from ..page import Page, element_text
from ..urls import canonical
from .body import (
    Body,
    container_body,
    extracted_body,
    find_container,
    first_paragraph,
    json_ld_body,
)
from .fields import PageFields
from .layers import SELECTORS, THEME, VISIBLE_TEXT, Found, first
from .microformats import Microformats
from .related import RELATED_SELECTOR_KEYS, extract_related
from .titles import Titles
from .visible import VisibleMeta, read_visible_meta

MAIN_SELECTOR_KEYS = frozenset({"title", "content", "author", "date", "updated", "category", "image", "summary", "views"})
SELECTOR_KEYS = MAIN_SELECTOR_KEYS | RELATED_SELECTOR_KEYS


def extract_article(document: Document, settings: AdapterSettings) -> list[Entry]:
    """The main article entry, followed by one entry per related item."""
    page = Page.parse(document)
    main = _MainArticle(page, settings, document.fetched_at).entry()
    related = extract_related(page, settings, document.fetched_at)
    return [main, *(entry for entry in related if entry.id != main.id)]


class _MainArticle:
    """The page's own article, assembled field by field from `PageFields`."""

    def __init__(self, page: Page, settings: AdapterSettings, now: datetime) -> None:
        self.page, self.settings, self.now = page, settings, now
        self.fields = PageFields(page, Microformats(page), Titles(page), settings.timezone, now)

    def entry(self) -> Entry:
        link, title, body = self.fields.link(), self.title, self.body
        summary, authors, categories = self.summary(body), self.authors(), self.categories()
        published, image = self.published(), self.image(body)
        updated = self.updated() or published
        extra = {key: found for key, found in (("views", self.views()), ("publisher", self.publisher())) if found}
        return Entry(
            id=canonical(link.value),
            title=title.value,
            link=link.value,
            source=self.settings.source,
            role="main",
            summary=summary.value if summary else "",
            content_html=body.content_html,
            authors=tuple(authors.value) if authors else (),
            published=published.value if published else None,
            updated=updated.value if updated else None,
            categories=tuple(categories.value) if categories else (),
            image=image.value if image else None,
            extra={key: found.value for key, found in extra.items()},
            provenance=_provenance(
                title=title, link=link, id=link, summary=summary, authors=authors, published=published,
                updated=updated, categories=categories, image=image,
                content_html=Found(body.content_html, body.layer) if body.content_html and body.layer else None, **extra,
            ),
        )

    @cached_property
    def title(self) -> Found[str]:
        steps = [(SELECTORS, lambda: self._selected_text("title")), *self.fields.title_steps()]
        title = first(steps)
        if title is None:
            raise ExtractionError(
                "no title found (tried selectors.title, JSON-LD headline, og:title, microformats, "
                "theme titles, h1, <title>)"
            )
        return title

    @cached_property
    def title_element(self) -> html.HtmlElement | None:
        """Where the title is shown: the text after it holds the metadata line."""
        return self.fields.title_element(self.title.value)

    @cached_property
    def container(self) -> Found[html.HtmlElement] | None:
        if selector := self.settings.selectors.get("content"):
            return Found(self._required(selector, "content")[0], SELECTORS)
        return find_container(self.page, self.fields.micro)

    @cached_property
    def visible(self) -> VisibleMeta:
        stop = self.container.value if self.container is not None else None
        return read_visible_meta(self.title_element, stop, self.settings.timezone, self.now)

    @cached_property
    def body(self) -> Body:
        if self.container is not None:
            return container_body(self.container, self.page.base_url)
        drop = [e for e in (self.title_element, *self.visible.blocks) if e is not None]
        extracted = extracted_body(self.page, self.title.value, drop)
        return extracted if extracted.content_html else json_ld_body(self.page)

    def summary(self, body: Body) -> Found[str] | None:
        return first([
            (SELECTORS, lambda: self._selected_text("summary")),
            *self.fields.summary_steps(),
            (body.layer or "", lambda: first_paragraph(body.root)),
        ])

    def authors(self) -> Found[list[str]] | None:
        return first([
            (SELECTORS, lambda: self._selected_texts("author")),
            *self.fields.author_steps(),
            (VISIBLE_TEXT, lambda: list(self.visible.authors)),
            *self.fields.author_fallback_steps(),
        ])

    def published(self) -> Found[datetime] | None:
        return first([
            (SELECTORS, lambda: self._selected_date("date")),
            *self.fields.published_steps(),
            (VISIBLE_TEXT, lambda: self.visible.published),
        ])

    def updated(self) -> Found[datetime] | None:
        return first([
            (SELECTORS, lambda: self._selected_date("updated")),
            *self.fields.updated_steps(),
            (VISIBLE_TEXT, lambda: self.visible.updated),
        ])

    def categories(self) -> Found[list[str]] | None:
        return first([(SELECTORS, lambda: self._selected_texts("category")), *self.fields.category_steps()])

    def image(self, body: Body) -> Found[str] | None:
        return first([
            (SELECTORS, self._selected_image),
            *self.fields.image_steps(),
            (body.layer or "", lambda: self.fields.first_image(body.root)),
        ])

    def views(self) -> Found[int] | None:
        if selector := self.settings.selectors.get("views"):
            count = parse_count(element_text(select_first(self.page.tree, selector)))
            return Found(count, SELECTORS) if count is not None else None
        return first([(THEME, self.fields.theme_views), (VISIBLE_TEXT, lambda: self.visible.views)])

    def publisher(self) -> Found[str] | None:
        return self.fields.publisher(self.visible.publisher)

    def _selected_text(self, key: str) -> str:
        selector = self.settings.selectors.get(key)
        return element_text(self._required(selector, key)[0]) if selector else ""

    def _selected_texts(self, key: str) -> list[str]:
        selector = self.settings.selectors.get(key)
        return _unique(element_text(e) for e in self._required(selector, key)) if selector else []

    def _selected_date(self, key: str) -> datetime | None:
        selector = self.settings.selectors.get(key)
        return self.fields.date_from(self._required(selector, key)) if selector else None

    def _selected_image(self) -> str | None:
        selector = self.settings.selectors.get("image")
        if not selector:
            return None
        image = self._required(selector, "image")[0]
        return self.fields.image_url(image)

    def _required(self, selector: str, key: str) -> list[html.HtmlElement]:
        found = select(self.page.tree, selector)
        if not found:
            raise ExtractionError(f"selectors.{key} {selector!r} matched nothing")
        return found


def _provenance(**found: Found[Any] | None) -> dict[str, str]:
    return {name: item.layer for name, item in found.items() if item is not None}


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))
