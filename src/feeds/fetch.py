"""Read a source: an http(s) URL through httpx, or a local file.

The result is a `Document` of raw bytes; decoding is left to the adapters, which know
whether they read HTML (charset rules) or a feed (feedparser wants bytes).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import httpx

from . import __version__
from .models import Document, FetchError
from .urls import is_web_url

DEFAULT_USER_AGENT = f"feeds/{__version__}"
TIMEOUT_SECONDS = 30.0
MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 10


def user_agent(contact_url: str) -> str:
    """The User-Agent header: who we are and where to reach whoever runs this build."""
    return f"{DEFAULT_USER_AGENT} (+{contact_url})"


def fetch(location: str, now: datetime | None = None, agent: str = DEFAULT_USER_AGENT) -> Document:
    """Fetch `location`, an http(s) URL or a local path."""
    fetched_at = now or datetime.now(timezone.utc)
    if is_web_url(location):
        return _fetch_http(location, fetched_at, agent)
    return _read_file(Path(location), fetched_at)


def _read_file(path: Path, fetched_at: datetime) -> Document:
    try:
        with path.open("rb") as handle:
            body = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise FetchError(f"cannot read {path}: {error.strerror or error}") from None
    if len(body) > MAX_BYTES:
        raise FetchError(f"{path} is larger than {MAX_BYTES} bytes")
    return Document(body=body, url=path.resolve().as_uri(), fetched_at=fetched_at)


def _fetch_http(url: str, fetched_at: datetime, agent: str) -> Document:
    try:
        with httpx.Client(
            headers={"User-Agent": agent},
            timeout=TIMEOUT_SECONDS,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
        ) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {url}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_BYTES:
                    raise FetchError(f"{url}: response larger than {MAX_BYTES} bytes")
            return Document(
                body=bytes(body),
                url=str(response.url),
                fetched_at=fetched_at,
                headers={name.lower(): value for name, value in response.headers.items()},
            )
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        raise FetchError(f"{url}: timed out after {TIMEOUT_SECONDS:g}s") from None
    except httpx.HTTPError as error:
        raise FetchError(f"{url}: {type(error).__name__}: {error}") from None
