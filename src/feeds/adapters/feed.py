"""The `feed` adapter: the items of an upstream RSS, Atom or JSON Feed.

RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 are read by feedparser, from bytes so that it applies
the XML encoding rules itself; JSON Feed by `feeds.adapters.jsonfeed`. Both give items in
feedparser's vocabulary, which `_entry` turns into entries. Dates are read from the raw
strings with `feeds.dates.parse_date`, not from feedparser's ``*_parsed`` values: those
misread ``2024/01/02`` and ``2024年1月2日`` and take naive times to be UTC.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any
from xml.sax import SAXParseException

from lxml import html

from ..dates import parse_date
from ..models import AdapterSettings, Document, Entry, ExtractionError
from ..page import block_text, element_text, first_paragraph_text, fragment, html_text
from ..sanitize import lazy_image_url, sanitize_element, text_to_html
from ..text import fold, shorten
from ..urls import canonical, is_web_url, resolve
from .detect import looks_like_html
from .jsonfeed import looks_like_json_feed, read_json_feed

log = logging.getLogger(__name__)

SELECTOR_KEYS: frozenset[str] = frozenset()
MAX_ITEMS = 1000
SUMMARY_LENGTH = 200
TITLE_LENGTH = 80

# What precedes the root element as expat reads it: white space, comments, processing
# instructions and the DOCTYPE with its internal subset (quoted strings may hold ">").
_DECLARATION = r"""<!(?:[^>"']|"[^"]*"|'[^']*')*+>"""
_PROLOG = re.compile(
    r"""(?:\ufeff|\xef\xbb\xbf)?(?:\s+|<!--.*?-->|<\?.*?\?>|<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*+"""
    rf"""(?:\[(?:\s+|<!--.*?-->|<\?.*?\?>|%[^;\s]+;|{_DECLARATION})*+\]\s*)?>)*+""",
    re.DOTALL,
)
_XML_DECLARATION = re.compile(r"(?:\ufeff|\xef\xbb\xbf)?<\?xml\b.*?\?>", re.DOTALL)
_FIRST_TAG = re.compile(r"<\w", re.ASCII)  # where feedparser's own DOCTYPE handling stops looking
# Character references feedparser's fallback parser raises on (chr() or UTF-8 encoding).
_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")
_WIDE_ENCODINGS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class _Feed:
    """A parsed feed of any format, its items in feedparser's vocabulary."""

    version: str
    base: str
    """What relative links resolve against."""
    items: Sequence[Mapping[str, Any]]
    authors: list[str] = field(default_factory=list)
    """Feed-level authors that items without their own inherit (Atom, JSON Feed)."""


def extract_feed(document: Document, settings: AdapterSettings) -> list[Entry]:
    """One `item` entry per item of the feed, in feed order, at most MAX_ITEMS."""
    if not document.body.strip():
        raise ExtractionError("empty response")
    if looks_like_json_feed(document.body, document.content_type):
        feed = _read_json(document)
    else:
        feed = _read_xml(document, settings.source)
    if not feed.items:
        log.warning("%s: the feed has no items", settings.source)
    elif len(feed.items) > MAX_ITEMS:
        log.warning("%s: the feed has %d items, reading the first %d", settings.source, len(feed.items), MAX_ITEMS)
    return [
        entry for item in feed.items[:MAX_ITEMS]
        if (entry := _entry(item, feed, settings, document.fetched_at)) is not None
    ]


def _read_json(document: Document) -> _Feed:
    parsed = read_json_feed(document.body)
    return _Feed(
        version=parsed.version,
        base=_base(document.url, parsed.home_page_url),
        items=parsed.items,
        authors=parsed.authors,
    )


def _read_xml(document: Document, source: str) -> _Feed:
    headers = {"content-type": document.content_type or "application/xml"}
    if is_web_url(document.url):
        # A local file's relative links resolve against the channel link instead (`_base`).
        headers["content-location"] = document.url
    body = _without_entity_declarations(document.body)
    if body is not document.body:
        log.warning("%s: the feed declares XML entities; they are ignored", source)
    body = _CHARACTER_REFERENCE.sub(_unencodable_dropped, body)
    # A stream, never bytes or str: feedparser opens a str as a URL or path, and even
    # bytes as a path (b"/etc/passwd"). Its own sanitiser is off: `sanitize_element`
    # cleans content with the project's allow-list and keeps lazy images readable.
    import feedparser  # a tenth of a second to import: only when a feed is read

    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False)
    except UnicodeDecodeError as error:  # feedparser reads the XML declaration's encoding as UTF-8
        raise ExtractionError(f"not a feed: unreadable XML declaration: {error.reason}") from None
    version = parsed.get("version") or ""
    problem = _describe(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    if not parsed.entries and not version:
        if looks_like_html(document.body, document.content_type):
            raise ExtractionError("expected a feed but got an HTML page")
        raise ExtractionError(f"not a feed: {problem or 'no RSS, RDF or Atom root element'}")
    if problem:
        log.warning("%s: the feed is malformed, reading what can be recovered: %s", source, problem)
    channel = parsed.feed
    return _Feed(
        version=version,
        base=_base(document.url, channel.get("link")),
        items=parsed.entries,
        authors=_names(channel.get("authors")) if version.startswith("atom") else [],
    )


def _unencodable_dropped(match: re.Match[bytes]) -> bytes:
    """A reference to a surrogate or past U+10FFFF, which no text can hold, dropped."""
    code = int(match[1], 16) if match[1] else int(match[2])
    return b"" if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match[0]


def _without_entity_declarations(body: bytes) -> bytes:
    """`body` without its DOCTYPE when that declares entities: only the XML declaration
    is kept before the root element.

    Entity expansion is a denial of service: expat stops a billion laughs only at 100
    times the input size (a 2 MB feed took 45 s and 1.7 GB), and feedparser's fallback
    parser expands the entities it deems safe without any limit (100 KB: 7 s, 600 MB).
    Feeds do not need entities of their own; HTML ones such as &nbsp; still work, as
    the fallback parser knows them.
    """
    codec = next((name for prefix, name in _WIDE_ENCODINGS if body.startswith(prefix)), "latin-1")
    try:
        text = body.decode(codec)  # latin-1 keeps every byte of ASCII-compatible encodings
    except UnicodeDecodeError:
        raise ExtractionError(f"not a feed: invalid {codec.upper()}") from None
    prolog = _PROLOG.match(text)
    tag = _FIRST_TAG.search(text)
    root = max(prolog.end() if prolog else 0, tag.start() if tag else len(text))
    if "<!ENTITY" not in text[:root]:
        return body
    declaration = _XML_DECLARATION.match(text)
    return ((declaration.group() + "\n" if declaration else "") + text[root:]).encode(codec)


def _entry(item: Mapping[str, Any], feed: _Feed, settings: AdapterSettings, now: datetime) -> Entry | None:
    # A plain copy: FeedParserDict.get maps key aliases and raises KeyError inside on
    # every missing key, which costs more than the lookups. None of the keys read from
    # the item here is an alias (`updated` is read with dict.get anyway).
    item = dict(item)
    link = resolve(feed.base, item.get("link"))
    if not link:
        log.warning("%s: feed item %r without an http(s) link skipped", settings.source, _label(item))
        return None
    content_html, content = _content(item, feed.base)
    summary = _summary(item, content)
    published, updated = _dates(item, feed.version, settings, now)
    enclosures = _enclosures(item, feed.base)
    return Entry(
        id=fold(item.get("id")) or canonical(link),
        title=_title(item) or shorten(summary, TITLE_LENGTH),
        link=link,
        source=settings.source,
        role="item",
        summary=summary,
        content_html=content_html,
        authors=tuple(_names(item.get("authors")) or feed.authors),
        published=published,
        updated=updated or published,
        categories=_categories(item),
        image=_image(item, content, enclosures, feed.base),
        extra=_extra(enclosures),
    )


def _title(item: Mapping[str, Any]) -> str:
    detail = item.get("title_detail") or {}
    if "html" in (detail.get("type") or ""):
        return html_text(item.get("title"))
    return fold(item.get("title"))


def _content(item: Mapping[str, Any], base: str) -> tuple[str, html.HtmlElement | None]:
    """The item's content (else its summary) as sanitised HTML, and as a parsed tree."""
    contents = item.get("content") or ()
    detail = contents[0] if contents else item.get("summary_detail") or {}
    value = contents[0].get("value") if contents else item.get("summary")
    if not value or not value.strip():
        return "", None
    if "html" not in (detail.get("type") or "text/html"):
        value = "".join(f"<p>{escape(p.strip(), quote=False)}</p>" for p in value.split("\n\n") if p.strip())
    tree = fragment(value)
    if tree is None:
        return "", None
    if len(tree) == 0:  # bare text, as many RSS descriptions are
        return text_to_html(element_text(tree)), tree
    own_base = detail.get("base")  # xml:base, when the feed sets one
    return sanitize_element(tree, own_base if isinstance(own_base, str) and is_web_url(own_base) else base), tree


def _summary(item: Mapping[str, Any], content: html.HtmlElement | None) -> str:
    value = item.get("summary")
    contents = item.get("content") or ()
    # feedparser copies content into `summary` when an item has no description of its own.
    if value and not (contents and value == contents[0].get("value")):
        detail = item.get("summary_detail") or {}
        if "html" not in (detail.get("type") or "text/html"):
            return fold(value)
        if not contents and content is not None:
            # `_content` parsed this very summary: read its text instead of parsing it
            # again. block_text only touches tails, which `_image` does not look at.
            return block_text(content)
        return html_text(value)
    return shorten(first_paragraph_text(content), SUMMARY_LENGTH) if content is not None else ""


def _dates(
    item: Mapping[str, Any], version: str, settings: AdapterSettings, now: datetime
) -> tuple[datetime | None, datetime | None]:
    def parsed(key: str) -> datetime | None:
        # dict.get: FeedParserDict.get("updated") answers with `published` when absent
        # (`_entry` passes a plain dict already; this keeps `_dates` safe on its own).
        raw = dict.get(item, key) if isinstance(item, dict) else item.get(key)
        return parse_date(raw, settings.timezone, now) if isinstance(raw, str) else None

    published = parsed("published") or parsed("created")
    updated = parsed("updated")
    # feedparser files RSS's dc:date under `updated`; in RSS 1.0 it is the only date an
    # item has, and it means publication. Atom's <updated> really is the update time.
    if published is None and version.startswith("rss"):
        published = updated
    return published, updated


def _categories(item: Mapping[str, Any]) -> tuple[str, ...]:
    """Atom's human-readable label where there is one, else the term."""
    names = (fold(tag.get("label") or tag.get("term")) for tag in item.get("tags") or ())
    return tuple(dict.fromkeys(name for name in names if name))


def _image(
    item: Mapping[str, Any], content: html.HtmlElement | None, enclosures: list[dict[str, Any]], base: str
) -> str | None:
    candidates = [thumb.get("url") for thumb in item.get("media_thumbnail") or ()]
    candidates += [m.get("url") for m in item.get("media_content") or () if m.get("medium") == "image"]
    candidates += [e["url"] for e in enclosures if (e["type"] or "").startswith("image/")]
    for candidate in candidates:
        if url := resolve(base, candidate):
            return url
    for img in content.iter("img") if content is not None else ():
        if url := lazy_image_url(img, base):
            return url
    return None


def _extra(enclosures: list[dict[str, Any]]) -> dict[str, Any]:
    media = [e for e in enclosures if not (e["type"] or "").startswith("image/")]
    return {"enclosures": media} if media else {}


def _enclosures(item: Mapping[str, Any], base: str) -> list[dict[str, Any]]:
    found = []
    for link in item.get("links") or ():
        if link.get("rel") != "enclosure" or not (url := resolve(base, link.get("href"))):
            continue
        kind = link.get("type") or mimetypes.guess_type(url)[0]
        found.append({"url": url, "type": kind or None, "length": _length(link.get("length"))})
    return found


def _length(value: Any) -> int | None:
    if isinstance(value, int):
        return value if value > 0 else None
    text = str(value or "").strip()
    # isdigit() alone takes "²", which int() refuses.
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def _names(people: Any) -> list[str]:
    return list(dict.fromkeys(name for person in people or () if (name := fold(person.get("name")))))








def _base(url: str, feed_link: str | None) -> str:
    """The fetch URL, or for a local file the site address the feed states."""
    if is_web_url(url):
        return url
    return feed_link if feed_link and is_web_url(feed_link) else url




def _describe(error: BaseException | None) -> str:
    if error is None:
        return "unknown problem"
    if isinstance(error, SAXParseException):
        return f"{error.getMessage()} at line {error.getLineNumber()}, column {error.getColumnNumber()}"
    return str(error) or type(error).__name__


def _label(item: Mapping[str, Any]) -> str:
    return shorten(fold(item.get("title")) or fold(item.get("id")) or "untitled", 80)
