"""The `sitemap` adapter: one entry per page URL of an XML sitemap.

`extract_sitemap` reads a `<urlset>`: each `<url>`'s `<loc>` and `<lastmod>`, the Google
News extension (`news:title`, `news:publication_date`, publication name and language,
keywords) and the image extension (the first `image:loc` is the entry's image).
`sitemap_children` reads a `<sitemapindex>`: the child sitemaps, newest first, which the
build fetches and reads with `extract_sitemap`.

Sitemaps are untrusted and can be huge, so they are read as a stream with entities left
unresolved, no DTD and no network; reading stops at MAX_URLS `<url>` elements (the
protocol's own limit), MAX_ELEMENTS elements in all, MAX_RECORD_ELEMENTS inside one
`<url>` or MAX_DECODED_BYTES of XML, so a sitemap bomb costs about a second and a few
megabytes. Gzipped sitemaps
(`sitemap.xml.gz`, which arrive still compressed since the fetcher only undoes
Content-Encoding) are decompressed on the fly under the same cap.

The option `url_pattern` (a regular expression searched in each URL) keeps only the
URLs that match, e.g. ``/20\\d\\d/\\d\\d/`` for article pages.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..dates import FUTURE_TOLERANCE, MIN_YEAR, parse_date
from ..models import AdapterSettings, Document, Entry, ExtractionError
from ..text import fold
from ..urls import canonical, resolve
from .detect import looks_like_html

log = logging.getLogger(__name__)

SELECTOR_KEYS = frozenset({"url_pattern"})
NON_CSS_KEYS = frozenset({"url_pattern"})
"""Keys of `[sources.selectors]` that are not CSS selectors: check them with `option_problem`."""

MAX_URLS = 50_000
"""`<url>` (or `<sitemap>`) elements read at most: the sitemap protocol's own limit per file."""
MAX_ELEMENTS = 500_000
"""Elements read at most, of any kind."""
MAX_RECORD_ELEMENTS = 2_500
"""Elements inside one `<url>` at most: the protocol allows 1,000 images, two elements each."""
MAX_DECODED_BYTES = 50 * 1024 * 1024
"""XML read at most, after gzip decompression: the protocol's limit of 50 MB per file."""
MAX_ENTRIES = 1_000
"""Entries returned at most: the newest."""
DEFAULT_CHILDREN = 50

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
_EXTENSION_NAMESPACES = frozenset(
    {NEWS_NS, IMAGE_NS, "http://www.google.com/schemas/sitemap-video/1.1", "http://www.w3.org/1999/xhtml"}
)
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
_PAGE_EXTENSIONS = re.compile(r"\.(?:s?html?|php\d?|aspx?|jspx?|cgi|xml)$", re.IGNORECASE)
_WORD_SEPARATORS = re.compile(r"[-_+.~]+")
_LETTER = re.compile(r"[^\W\d_]")
_PLAIN = re.compile(r"\s*[^\s\x00-\x1f\x7f]*\s*")  # one word that `fold` would not change
_ROOTS_OF_FEEDS = {"rss": "an RSS feed", "RDF": "an RSS 1.0 feed", "feed": "an Atom feed"}


def extract_sitemap(document: Document, settings: AdapterSettings) -> list[Entry]:
    """One `item` entry per page URL of a `<urlset>`, newest first, at most MAX_ENTRIES.

    Undated URLs follow the dated ones, in sitemap order. Raises ExtractionError for
    anything that is not a urlset, a sitemap index included.
    """
    pattern = _url_pattern(settings.selectors.get("url_pattern"))
    sitemap = _read(document, settings.source)
    if sitemap.kind == "sitemapindex":
        raise ExtractionError(
            f"a sitemap index of {len(sitemap.records)} sitemaps, not a list of pages: "
            "the build reads its child sitemaps"
        )
    tz, now = settings.timezone, document.fetched_at
    # Cheap work for every URL (filter, date, order), the rest for the entries kept only.
    rows = [
        (_date(record.news_date, tz, now) or _date(record.lastmod, tz, now), index, record)
        for index, record in enumerate(sitemap.records)
        if pattern is None or pattern.search(record.loc)
    ]
    rows.sort(key=_newest_first)
    entries: list[Entry] = []
    seen: set[str] = set()
    unusable: list[str] = []
    for _, _, record in rows:
        link = resolve(document.url, record.loc)
        if not link:
            unusable.append(record.loc)
            continue
        entry = _entry(record, link, settings, now)
        if entry.id in seen:
            continue
        if len(entries) == MAX_ENTRIES:
            log.warning("%s: the sitemap lists more than %d pages, keeping the newest", settings.source, MAX_ENTRIES)
            break
        seen.add(entry.id)
        entries.append(entry)
    if unusable:
        more = f" and {len(unusable) - 1} more" if len(unusable) > 1 else ""
        log.warning("%s: sitemap URL %r%s not http(s), skipped", settings.source, unusable[0][:200], more)
    return entries


def _newest_first(row: tuple[datetime | None, int, object]) -> tuple[bool, float, int]:
    """Sort key: dated rows newest first, then undated ones, each in sitemap order."""
    when, index, _ = row
    return (when is None, -when.timestamp() if when is not None else 0.0, index)


def sitemap_children(document: Document, limit: int = DEFAULT_CHILDREN, *, source: str = "sitemap") -> list[str]:
    """The child sitemap URLs of a `<sitemapindex>`: absolute http(s) URLs, newest
    `lastmod` first (undated ones last, in index order), at most `limit`; [] for a
    `<urlset>`. Raises ExtractionError for anything that is not a sitemap. `source`
    names the source in log messages.
    """
    sitemap = _read(document, source, stop_at_urlset=True)
    if sitemap.kind != "sitemapindex":
        return []
    zone = document.fetched_at.tzinfo or timezone.utc
    rows: list[tuple[datetime | None, int, str]] = []
    for index, record in enumerate(sitemap.records):
        if url := resolve(document.url, record.loc):
            rows.append((_date(record.lastmod, zone, document.fetched_at), index, url))
    rows.sort(key=_newest_first)
    return list(dict.fromkeys(url for _, _, url in rows))[: max(limit, 0)]


def option_problem(key: str, value: str) -> str | None:
    """What is wrong with the value of a non-CSS key (`url_pattern`), or None."""
    if key == "url_pattern":
        try:
            _compiled(value)
        except re.error as error:
            return f"invalid regular expression {value!r}: {error}"
    return None


# --- reading the XML ------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    """What one `<url>` (or `<sitemap>`) element says, as text."""

    loc: str = ""
    lastmod: str = ""
    news_title: str = ""
    news_date: str = ""
    publication: str = ""
    language: str = ""
    keywords: str = ""
    images: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Sitemap:
    kind: str
    """"urlset" or "sitemapindex"."""
    records: list[_Record]


class _Reader:
    """A streaming reader: feed it XML chunks, it keeps one `_Record` per `<url>`.

    Every finished element is read where it ends, then emptied and unlinked, so the tree
    never holds more than the path to the current element.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.parser = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            recover=True,
            remove_comments=True,
            remove_pis=True,
        )
        self.kind: str | None = None
        self.root_name: str | None = None
        self.records: list[_Record] = []
        self.current = _Record()
        self.depth = 0
        self.in_record = False
        """Inside a <url> or <sitemap> element."""
        self.record_elements = 0
        self.elements = 0
        self.full = False
        """A cap was reached: stop feeding."""

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.feed(chunk)
        except etree.XMLSyntaxError:
            pass  # recover=True: what was read so far stays readable
        self._consume()

    def close(self) -> None:
        try:
            self.parser.close()
        except etree.XMLSyntaxError:
            pass
        self._consume()

    def _consume(self) -> None:
        for event, element in self.parser.read_events():
            if self.full:
                return
            if event == "start":
                self.depth += 1
                if self.depth == 1:
                    self._root(element)
                elif self.depth == 2:
                    self.in_record = _is_record(element)
                    self.record_elements = 0
                continue
            self._end(element)
            self.depth -= 1

    def _root(self, element: etree._Element) -> None:
        # Not etree.QName: it raises on the names lxml's recovery makes up, such as "rdf:".
        name = _split(element.tag)[1] if isinstance(element.tag, str) else ""
        self.root_name = name
        if name in ("urlset", "sitemapindex"):
            self.kind = name

    def _end(self, element: etree._Element) -> None:
        self.elements += 1
        if self.elements >= MAX_ELEMENTS:
            log.warning("%s: the sitemap has more than %d elements, reading the first", self.source, MAX_ELEMENTS)
            self.full = True
        if self.kind is None or self.depth < 2 or not isinstance(element.tag, str):
            return
        namespace, name = _split(element.tag)
        if self.depth == 2:
            if self.in_record:
                self.in_record = False
                if self.current.loc:
                    self.records.append(self.current)
                self.current = _Record()
                if len(self.records) >= MAX_URLS:
                    log.warning("%s: the sitemap lists more than %d URLs, reading the first", self.source, MAX_URLS)
                    self.full = True
        elif self.in_record:
            self.record_elements += 1
            if self.record_elements > MAX_RECORD_ELEMENTS:
                log.warning(
                    "%s: a <url> of the sitemap has more than %d elements, reading no further",
                    self.source, MAX_RECORD_ELEMENTS,
                )
                self.current = _Record()
                self.full = True
                return
            self._field(namespace, name, element)
        _forget(element)

    def _field(self, namespace: str, name: str, element: etree._Element) -> None:
        record = self.current
        if self.depth == 3 and namespace not in _EXTENSION_NAMESPACES:
            if name == "loc":
                record.loc = _text(element)
            elif name == "lastmod":
                record.lastmod = _text(element)
        elif namespace == NEWS_NS:
            if name == "title":
                record.news_title = _text(element)
            elif name == "publication_date":
                record.news_date = _text(element)
            elif name == "name":
                record.publication = _text(element)
            elif name == "language":
                record.language = _text(element)
            elif name == "keywords":
                record.keywords = _text(element)
        elif namespace == IMAGE_NS and name == "loc" and len(record.images) < 10:
            record.images.append(_text(element))


def _read(document: Document, source: str, stop_at_urlset: bool = False) -> _Sitemap:
    if not document.body.strip():
        raise ExtractionError("empty response")
    reader = _Reader(source)
    decoded = 0
    for chunk in _chunks(document.body, source):
        decoded += len(chunk)
        reader.feed(chunk)
        if reader.root_name is not None and reader.kind is None:
            break  # not a sitemap: no need to read on
        if reader.full or (stop_at_urlset and reader.kind == "urlset"):
            break
    else:
        reader.close()
    if reader.kind is None:
        raise ExtractionError(_not_a_sitemap(document, reader.root_name))
    if reader.current.loc and not reader.full:  # a last <url> left open by a cut-off file
        reader.records.append(reader.current)
    return _Sitemap(reader.kind, reader.records)


def _chunks(body: bytes, source: str) -> Iterator[bytes]:
    """The XML of `body` in chunks, gunzipped when it is gzip, MAX_DECODED_BYTES at most."""
    if not body.startswith(_GZIP_MAGIC):
        body = body.lstrip(b" \t\r\n")  # white space before <?xml is an error to libxml2
        for start in range(0, min(len(body), MAX_DECODED_BYTES), _CHUNK):
            yield body[start : min(start + _CHUNK, MAX_DECODED_BYTES)]
        return
    remaining = MAX_DECODED_BYTES
    pending = body
    while pending and remaining > 0:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = pending
        while data and remaining > 0:
            try:
                chunk = decompressor.decompress(data, min(_CHUNK, remaining))
            except zlib.error as error:
                raise ExtractionError(f"invalid gzip data: {error}") from None
            remaining -= len(chunk)
            data = decompressor.unconsumed_tail
            if chunk:
                yield chunk
            elif not data:
                break
        if remaining <= 0:
            log.warning("%s: the gzipped sitemap decodes to more than %d bytes, reading the first", source, MAX_DECODED_BYTES)
            return
        # Concatenated gzip members are one stream (RFC 1952); anything else ends it.
        pending = decompressor.unused_data if decompressor.eof else b""
        if pending and not pending.startswith(_GZIP_MAGIC):
            return


def _not_a_sitemap(document: Document, root: str | None) -> str:
    if root == "html" or looks_like_html(document.body):
        return "expected a sitemap (<urlset> or <sitemapindex>) but got an HTML page"
    if root in _ROOTS_OF_FEEDS:
        return f"expected a sitemap (<urlset> or <sitemapindex>) but got {_ROOTS_OF_FEEDS[root]}: use adapter = \"feed\""
    if root:
        return f"not a sitemap: the root element is <{root}>, not <urlset> or <sitemapindex>"
    return "not a sitemap: no XML element found"


def _is_record(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return False
    namespace, name = _split(element.tag)
    return name in ("url", "sitemap") and namespace not in _EXTENSION_NAMESPACES


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _text(element: etree._Element) -> str:
    """The element's own text and its children's tails: entity references (left
    unresolved) and comments count for nothing."""
    if len(element) == 0:
        text = element.text or ""
        return text.strip() if _PLAIN.fullmatch(text) else fold(text)
    parts = [element.text or ""]
    parts.extend(child.tail or "" for child in element)
    return fold("".join(parts))


def _forget(element: etree._Element) -> None:
    """Empty a finished element and unlink the finished siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


# --- entries ---------------------------------------------------------------------


def _entry(record: _Record, link: str, settings: AdapterSettings, now: datetime) -> Entry:
    provenance: dict[str, str] = {}
    title = record.news_title
    provenance["title"] = "news:title" if title else "url"
    title = title or title_from_url(link)
    published = _date(record.news_date, settings.timezone, now)
    lastmod = _date(record.lastmod, settings.timezone, now)
    if published is not None:
        provenance["published"] = "news:publication_date"
    elif lastmod is not None:
        provenance["published"] = "lastmod"
    images = [url for image in record.images if (url := resolve(link, image))]
    return Entry(
        id=canonical(link),
        title=title,
        link=link,
        source=settings.source,
        role="item",
        published=published or lastmod,
        updated=max(lastmod, published) if lastmod and published else lastmod or published,
        image=images[0] if images else None,
        extra=_extra(record),
        provenance=provenance,
    )


def _extra(record: _Record) -> dict[str, object]:
    extra: dict[str, object] = {}
    if record.publication:
        extra["publication"] = record.publication
    if record.language:
        extra["language"] = record.language
    keywords = [word for part in record.keywords.split(",") if (word := fold(part))]
    if keywords:
        extra["keywords"] = list(dict.fromkeys(keywords))
    return extra


def title_from_url(url: str) -> str:
    """A readable title made from a URL, for pages listed without one:
    ``/2025/07/new-data-rules.html`` gives "new data rules".

    When the last path segment has no letter (``/archives/1639.html``) or the page is
    chosen by its query (``show.php?id=7``), the URL itself without scheme and ``www.``.
    """
    parts = urlsplit(url)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    slug = _PAGE_EXTENSIONS.sub("", segments[-1]) if segments else ""
    words = fold(_WORD_SEPARATORS.sub(" ", slug))
    if words and _LETTER.search(words) and not parts.query:
        return words
    host = (parts.hostname or "").removeprefix("www.")
    return fold(host + unquote(parts.path) + (f"?{parts.query}" if parts.query else ""))


def _date(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    """A W3C datetime (the sitemap format) read fast, anything else by `parse_date`."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text, tz, now)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    if now.utcoffset() is None:
        now = now.replace(tzinfo=tz)
    if value.year < MIN_YEAR or value - now > FUTURE_TOLERANCE:
        return None
    return value


def _url_pattern(value: str | None) -> re.Pattern[str] | None:
    if not value:
        return None
    try:
        return _compiled(value)
    except re.error as error:
        raise ExtractionError(f"selectors.url_pattern: invalid regular expression {value!r}: {error}") from None


@lru_cache(maxsize=64)
def _compiled(value: str) -> re.Pattern[str]:
    return re.compile(value)
