"""What a fetched document is, for the `auto` adapter: a feed, a sitemap or an HTML page."""

from __future__ import annotations

import json
import re
from typing import Literal

from ..models import Document

Kind = Literal["feed", "sitemap", "html"]

_SNIFF_BYTES = 2048
_HTML_SNIFF_BYTES = 1024
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_SITEMAP_ROOT = re.compile(rb"<(urlset|sitemapindex)[\s>]", re.IGNORECASE)
_GZIP_MAGIC = b"\x1f\x8b"


def detect_kind(document: Document) -> Kind:
    """Decided by the content type where it is specific, else by the document's start."""
    content_type = document.content_type.split(";")[0].strip().lower()
    head = document.body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if content_type in ("application/rss+xml", "application/atom+xml", "application/feed+json"):
        return "feed"
    if head.startswith(_GZIP_MAGIC):
        return "sitemap"  # sitemap.xml.gz: nothing else is served compressed in the body
    if head.startswith(b"{") and _is_json_feed(document.body):
        return "feed"
    if _SITEMAP_ROOT.search(head):
        return "sitemap"
    if _FEED_ROOT.search(head):
        return "feed"
    return "html"


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """An HTML page, served where a feed, sitemap or API answer was expected."""
    head = body[:_HTML_SNIFF_BYTES].lower()
    return "text/html" in content_type.lower() or b"<html" in head or b"<!doctype html" in head


def _is_json_feed(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and str(data.get("version", "")).startswith("https://jsonfeed.org/version/")
