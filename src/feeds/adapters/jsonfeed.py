"""JSON Feed 1.0 and 1.1, which feedparser cannot read.

The items are mapped into feedparser's vocabulary (``link``, ``summary_detail``,
``content``, ``tags``, ``links`` with ``rel="enclosure"``...) so that one function in
`feeds.adapters.feed` turns every kind of feed item into an `Entry`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..models import ExtractionError

VERSION_PREFIX = "https://jsonfeed.org/version/"
JSON_TYPES = ("application/feed+json", "application/json")


@dataclass(frozen=True, slots=True)
class JsonFeed:
    version: str
    home_page_url: str
    authors: list[str] = field(default_factory=list)
    """Feed-level author names, which apply to items that name none."""
    items: list[dict[str, Any]] = field(default_factory=list)


def looks_like_json_feed(body: bytes, content_type: str) -> bool:
    """JSON by its first character, or by its declared type unless the body is markup."""
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"{":
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in JSON_TYPES and start != b"<"


def read_json_feed(body: bytes) -> JsonFeed:
    """The feed's items in feedparser's vocabulary; raises `ExtractionError` on bad input."""
    try:
        data = json.loads(body)  # bytes: json detects UTF-8/16/32 and skips a BOM
    except (ValueError, RecursionError) as error:
        raise ExtractionError(f"invalid JSON: {_describe(error)}") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith(VERSION_PREFIX):
        raise ExtractionError(f"not a feed: JSON without a {VERSION_PREFIX}… version")
    items = data.get("items")
    return JsonFeed(
        version="json" + version.removeprefix(VERSION_PREFIX).replace(".", ""),
        home_page_url=_text(data.get("home_page_url")) or _text(data.get("feed_url")),
        authors=_author_names(data),
        items=[_item(item) for item in items if isinstance(item, dict)] if isinstance(items, list) else [],
    )


def _item(item: dict[str, Any]) -> dict[str, Any]:
    mapped: dict[str, Any] = {
        "id": _text(item.get("id")),
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "title": _text(item.get("title")),
        "title_detail": {"type": "text/plain"},
        "authors": [{"name": name} for name in _author_names(item)],
        "tags": [{"term": tag} for tag in _list(item.get("tags")) if isinstance(tag, str)],
        "published": _text(item.get("date_published")),
        "updated": _text(item.get("date_modified")),
        "links": [_attachment(a) for a in _list(item.get("attachments")) if isinstance(a, dict)],
        "media_thumbnail": [{"url": url} for url in [_text(item.get("image"))] if url],
        "media_content": [{"url": url, "medium": "image"} for url in [_text(item.get("banner_image"))] if url],
    }
    if summary := _text(item.get("summary")):
        mapped["summary"] = summary
        mapped["summary_detail"] = {"type": "text/plain"}
    if html := _text(item.get("content_html")):
        mapped["content"] = [{"type": "text/html", "value": html}]
    elif text := _text(item.get("content_text")):
        mapped["content"] = [{"type": "text/plain", "value": text}]
    return mapped


def _attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    size = attachment.get("size_in_bytes")
    return {
        "rel": "enclosure",
        "href": _text(attachment.get("url")),
        "type": _text(attachment.get("mime_type")),
        "length": size if isinstance(size, int) and not isinstance(size, bool) else None,
    }


def _author_names(holder: dict[str, Any]) -> list[str]:
    """Names from ``authors`` (1.1), else the single ``author`` object (1.0)."""
    authors = holder.get("authors")
    if not isinstance(authors, list):
        authors = [holder.get("author")]
    return [name for author in authors if isinstance(author, dict) and (name := _text(author.get("name")))]


def _text(value: Any) -> str:
    """A string field; JSON Feed 1.0 ids may be numbers. Anything else counts as absent."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _describe(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)
