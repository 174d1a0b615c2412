"""Bytes to text for HTML pages: BOM, then HTTP header, then <meta>, then a detector.

GB2312 and GBK are widened to GB18030, their superset: pages labelled GB2312 routinely
contain characters only GBK/GB18030 can encode, which would otherwise fail to decode.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Not "hz": HZ-GB-2312 is a 7-bit encoding ("~{...~}"), not a byte subset of GB18030.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}
# Python codecs that are not charsets a web page can declare: they read ASCII bytes such
# as "+", "\\" or "xn--" as escapes and would garble (or never decode) ordinary pages.
_NOT_HTML = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE
)
# The HTML standard looks for <meta> in the first 1024 bytes; real pages put it later.
_META_SCAN_BYTES = 8192


def codec_name(label: str | None) -> str | None:
    """Python's codec for a charset label, widened where a superset exists."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
        "".encode(name)  # raises LookupError for non-text codecs such as base64 or rot13
    except (LookupError, UnicodeError):
        return None
    if name in _NOT_HTML:
        return None
    return _WIDER.get(name, name)


def declared_charset(body: bytes, content_type: str = "") -> tuple[str | None, str]:
    """The charset a document declares and where: 'bom', 'header', 'meta' or ''."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, "bom"
    header = _HEADER_CHARSET.search(content_type or "")
    if header and (from_header := codec_name(header.group(1))):
        return from_header, "header"
    meta = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    if meta and (from_meta := codec_name(meta.group(1).decode("ascii", "ignore"))):
        # A <meta> readable as ASCII rules out UTF-16/32; the HTML standard reads it as UTF-8.
        return ("utf-8" if from_meta.startswith(("utf-16", "utf-32")) else from_meta), "meta"
    return None, ""


def decode_html(body: bytes, content_type: str = "") -> str:
    """The text of an HTML document, never raising on bad bytes."""
    charset, where = declared_charset(body, content_type)
    if where == "bom":
        return body.decode(charset or "utf-8", errors="replace").lstrip("\ufeff")
    if charset:
        try:
            return body.decode(charset)
        except UnicodeDecodeError:
            pass  # a wrong label is common; let the detector have a go first
    for candidate in ("utf-8", _detect(body)):
        if candidate:
            try:
                return body.decode(candidate)
            except UnicodeDecodeError:
                continue
    return body.decode(charset or "utf-8", errors="replace")


def _detect(body: bytes) -> str | None:
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    return codec_name(best.encoding) if best else None
