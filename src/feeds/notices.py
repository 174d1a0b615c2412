"""In-feed notices for sources that keep failing, so a reader learns a feed went quiet.

A notice appears once a source has failed for longer than the configured time. Its id
is fixed for the failure episode (source + first failure time), so readers show it once;
it disappears when the source recovers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from .models import Entry
from .sanitize import text_to_html
from .sourcestate import SourceState
from .urls import is_web_url


def failure_notice(
    source: str, location: str, state: SourceState, after: timedelta, now: datetime, site_url: str
) -> Entry | None:
    """The notice for `source`, or None while it is healthy or has not failed long enough."""
    since = state.failing_since
    if since is None or now - since < after:
        return None
    shown = since + after
    text = (
        f"feeds has not been able to read {location} since {since.isoformat(timespec='minutes')}. "
        "Its earlier entries stay in this feed; new ones will follow when it recovers. "
        "The site's status page has the current error."
    )
    return Entry(
        id=f"urn:feeds:failure:{quote(source, safe='')}:{since.isoformat()}",
        title=f"Source “{source}” is failing",
        link=location if is_web_url(location) else site_url,
        source=source,
        role="item",
        summary=text,
        content_html=text_to_html(text),
        published=shown,
        updated=shown,
    )
