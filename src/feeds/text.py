"""Plain-text hygiene: whitespace folding and removal of characters XML cannot carry."""

from __future__ import annotations

import html
import re

# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates and U+FFFE/U+FFFF;
# lxml (and so feedgen) raises on any of them, so they never leave this module. C1 controls
# are allowed but discouraged, and feedparser reads them as windows-1252 (U+0080 as "€").
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the characters that are not allowed in an XML document."""
    return _XML_ILLEGAL.sub("", text)


def fold(text: str | None) -> str:
    """One line of plain text: illegal characters removed, whitespace runs folded."""
    if not text:
        return ""
    # str.split() splits on exactly the characters that re's \s matches in str patterns.
    return " ".join(xml_safe(text).split())


def unescape_fold(text: str | None) -> str:
    """`fold` for text that may still hold HTML entities (meta tags, JSON-LD)."""
    return fold(html.unescape(text or ""))


def shorten(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
