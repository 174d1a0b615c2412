"""Make adapter output safe and uniform before it is stored or published.

Adapters do their best; this step guarantees what the renderers rely on: text that XML
can carry, bounded lengths, aware datetimes, an `updated` on every entry and one entry
per id.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from datetime import datetime, tzinfo
from urllib.parse import quote

from .models import Entry
from .sanitize import sanitize_html
from .text import fold, shorten, xml_safe
from .urls import canonical, is_web_url

log = logging.getLogger(__name__)

MAX_TITLE = 500
MAX_SUMMARY = 2_000
MAX_ID = 2_048
_ROLE_RANK = {"main": 0, "item": 1, "related": 2}
# Characters no URL in a feed may carry as they are (JSON Feed IRIs refuse them too).
_URL_UNSAFE = re.compile(r'[\s<>"]')


def normalise(entries: Iterable[Entry], tz: tzinfo, fetched_at: datetime) -> list[Entry]:
    """Cleaned entries, one per id, in first-seen order.

    `fetched_at` stands in for `updated` on entries that have no date at all.
    """
    by_id: dict[str, Entry] = {}
    for entry in entries:
        cleaned = _clean(entry, tz, fetched_at)
        if cleaned is None:
            continue
        previous = by_id.get(cleaned.id)
        if previous is None or _ROLE_RANK[cleaned.role] < _ROLE_RANK[previous.role]:
            by_id[cleaned.id] = cleaned
    return list(by_id.values())


def _clean(entry: Entry, tz: tzinfo, fetched_at: datetime) -> Entry | None:
    title = shorten(fold(entry.title), MAX_TITLE)
    link = _clean_url(entry.link)
    if not title or not is_web_url(link):
        log.warning("%s: entry %r dropped: it needs a title and an http(s) link", entry.source, entry.id[:100])
        return None
    entry_id = xml_safe(entry.id).strip() or canonical(link)
    if len(entry_id) > MAX_ID:
        entry_id = canonical(link)
    image = _clean_url(entry.image)
    published = _aware(entry.published, tz)
    updated = _aware(entry.updated, tz) or published or fetched_at
    return dataclasses.replace(
        entry,
        id=entry_id,
        title=title,
        link=link,
        summary=shorten(fold(entry.summary), MAX_SUMMARY),
        content_html=sanitize_html(entry.content_html) if entry.content_html else "",
        authors=tuple(dict.fromkeys(a for a in (fold(a) for a in entry.authors) if a)),
        categories=tuple(dict.fromkeys(c for c in (fold(c) for c in entry.categories) if c)),
        image=image if is_web_url(image) else None,
        published=published,
        updated=max(updated, published) if published else updated,
    )


def _clean_url(url: str | None) -> str:
    """`url` without the characters XML cannot carry, and with whitespace, `<`, `>` and `"`
    percent-encoded as browsers send them."""
    return _URL_UNSAFE.sub(lambda m: quote(m.group()), xml_safe(url or "").strip())


def _aware(value: datetime | None, tz: tzinfo) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)
