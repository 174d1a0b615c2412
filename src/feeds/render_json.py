"""Render a `FeedSpec` as JSON Feed 1.1 (https://jsonfeed.org/version/1.1/), reproducibly.

Items carry the same ids, links, content and dates as the RSS and Atom renderings of the
same spec, so a reader that switches format sees the same entries, not new ones. Keys
keep a fixed order and no value comes from the clock, so equal specs give equal bytes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .models import Entry
from .render import SiteInfo, presented_content
from .route import FeedSpec

VERSION = "https://jsonfeed.org/version/1.1"
MIME_TYPE = "application/feed+json"


def json_filename(slug: str) -> str:
    return f"{slug}.json"


def render_json(spec: FeedSpec, site: SiteInfo) -> bytes:
    """The feed as UTF-8 JSON, one-space indented, ending with a newline."""
    return dumps(feed_object(spec, site))


def dumps(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def feed_object(spec: FeedSpec, site: SiteInfo) -> dict[str, Any]:
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": spec.title,
        "home_page_url": site.base_url,
        "feed_url": site.base_url + json_filename(spec.slug),
        "description": spec.description,
    }
    if site.language:
        feed["language"] = site.language
    feed["authors"] = [{"name": site.author or site.title}]
    feed["items"] = [item_object(entry) for entry in spec.entries]
    return feed


def item_object(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.link,
        "title": entry.title,
        # The same fallbacks as the RSS/Atom content, and JSON Feed requires a content.
        "content_html": presented_content(entry),
    }
    if entry.summary:
        item["summary"] = entry.summary
    if entry.image:
        item["image"] = entry.image
    if entry.published:
        item["date_published"] = rfc3339(entry.published)
    if entry.updated:
        item["date_modified"] = rfc3339(entry.updated)
    if entry.authors:
        item["authors"] = [{"name": name} for name in entry.authors]
    if entry.categories:
        item["tags"] = list(entry.categories)
    return item


def rfc3339(value: datetime) -> str:
    """`value` as an RFC 3339 date-time, in its own offset where RFC 3339 can write it."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"datetime without a timezone cannot go into a feed: {value!r}")
    # Historical zone offsets such as LMT +08:05:43 have seconds, which RFC 3339 cannot carry.
    if offset.total_seconds() % 60:
        value = value.astimezone(UTC)
    return value.isoformat()
