"""URL resolution and canonicalisation, the basis of stable entry ids."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

WEB_SCHEMES = frozenset({"http", "https"})

# Query parameters that only say where a click came from; they never select content.
_TRACKING_PARAM = re.compile(
    r"^(utm_\w+|spm|fbclid|gclid|dclid|msclkid|yclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi"
    r"|share_source|share_medium|share_token|wfr|from_source|scene|srcid|relatedposts_\w+)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


# The same base and link URLs are checked and resolved several times per entry, and
# pages repeat links: results are cached, except for long URLs (data: images) that the
# caches would keep in memory.
_MAX_CACHED_URL = 2_000


def is_web_url(url: str | None) -> bool:
    if not url:
        return False
    return _cached_is_web_url(url) if len(url) <= _MAX_CACHED_URL else _is_web_url(url)


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def resolve(base: str, href: str | None) -> str | None:
    """`href` made absolute against `base`; None unless the result is an http(s) URL."""
    if not href:
        return None
    href = href.strip()
    return _cached_resolve(base, href) if len(href) <= _MAX_CACHED_URL else _resolve(base, href)


def _resolve(base: str, href: str) -> str | None:
    try:
        absolute = urljoin(base, href)
    except ValueError:
        return None
    return absolute if is_web_url(absolute) else None


_cached_is_web_url = lru_cache(maxsize=1024)(_is_web_url)
_cached_resolve = lru_cache(maxsize=2048)(_resolve)


def canonical(url: str) -> str:
    """The form of `url` used as an entry id.

    Scheme and host lower-cased, default port, fragment and tracking parameters dropped;
    the remaining query keeps its order, since some sites select articles by it.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    # Filter the raw "key=value" pieces so the kept ones stay byte-for-byte as published.
    query = "&".join(
        piece
        for piece in parts.query.split("&")
        if piece and not _TRACKING_PARAM.match(piece.split("=", 1)[0])
    )
    path = parts.path or ("/" if host else "")
    return urlunsplit((scheme, netloc, path, query, ""))
