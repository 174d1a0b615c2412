"""The data that flows through a build: fetched documents in, entries out.

An adapter turns a `Document` into `Entry` objects; everything after that (normalise,
route, render, publish) works on entries only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal

Role = Literal["main", "related", "item"]


@dataclass(frozen=True, slots=True)
class Document:
    """Raw bytes of one fetched resource, with what is needed to interpret them."""

    body: bytes
    url: str
    """The final URL after redirects (``file://`` for local files)."""
    fetched_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    """Response headers, names lower-cased."""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True, slots=True)
class AdapterSettings:
    """What a source's configuration tells an adapter."""

    source: str
    timezone: tzinfo
    selectors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed item, normalised. Field names are the `preview --json` contract."""

    id: str
    title: str
    link: str
    source: str
    role: Role
    summary: str = ""
    content_html: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    categories: tuple[str, ...] = ()
    image: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Which layer gave each field (e.g. {"title": "json-ld"}); shown by preview, not stored."""

    def to_json(self) -> dict[str, Any]:
        """The entry as `preview --json` prints it: ISO 8601 datetimes with offset."""
        return {
            "id": self.id,
            "title": self.title,
            "link": self.link,
            "summary": self.summary,
            "content_html": self.content_html,
            "authors": list(self.authors),
            "published": _iso(self.published),
            "updated": _iso(self.updated),
            "categories": list(self.categories),
            "image": self.image,
            "extra": dict(self.extra),
            "role": self.role,
            "source": self.source,
            "provenance": dict(self.provenance),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class FeedsError(Exception):
    """Base of every error `feeds` reports to the user as one clear line."""


class ExtractionError(FeedsError):
    """An adapter could not get what it needs out of a document."""


class FetchError(FeedsError):
    """A source could not be read."""
