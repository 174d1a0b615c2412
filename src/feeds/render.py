"""Render a `FeedSpec` as RSS 2.0 and Atom 1.0 with feedgen, byte-for-byte reproducibly.

feedgen stamps `lastBuildDate`/`updated` with the wall clock unless told otherwise, so
every date here is set explicitly from the entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from importlib import resources

from feedgen.feed import FeedGenerator

from .models import Entry
from .route import FeedSpec, entry_date
from .sanitize import text_to_html

GENERATOR = "feeds"
STYLESHEET_FILENAME = "feed.xsl"
# What a feed with no entries reports as its date: fixed, so empty feeds are stable too.
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every feed of a site says about the site."""

    title: str
    base_url: str
    author: str
    language: str = ""
    stylesheet: bool = False


def presented_content(entry: Entry) -> str:
    """The HTML a reader shows: the content (else the summary, else the title), led by
    the entry's image when the content does not show it already."""
    content = entry.content_html or text_to_html(entry.summary) or text_to_html(entry.title)
    if entry.image and escape(entry.image) not in content and entry.image not in content:
        content = f'<p><img src="{escape(entry.image)}" alt=""></p>\n{content}'
    return content


def rss_filename(slug: str) -> str:
    return f"{slug}.rss.xml"


def atom_filename(slug: str) -> str:
    return f"{slug}.atom.xml"


def feed_updated(spec: FeedSpec) -> datetime:
    """The feed's date: its newest entry's, never the time of the build."""
    dates = [d for e in spec.entries for d in (e.updated, entry_date(e)) if d]
    return max(dates, default=EPOCH)


def render_rss(spec: FeedSpec, site: SiteInfo) -> bytes:
    generator = _generator(spec, site, self_url=site.base_url + rss_filename(spec.slug))
    return _styled(generator.rss_str(pretty=True), site)


def render_atom(spec: FeedSpec, site: SiteInfo) -> bytes:
    generator = _generator(spec, site, self_url=site.base_url + atom_filename(spec.slug))
    return _styled(generator.atom_str(pretty=True), site)


def stylesheet() -> bytes:
    """feed.xsl: a readable page for browsers that open a feed file."""
    return (resources.files("feeds") / "static" / STYLESHEET_FILENAME).read_bytes()


def _styled(document: bytes, site: SiteInfo) -> bytes:
    """`document` with an xml-stylesheet instruction after its XML declaration."""
    if not site.stylesheet:
        return document
    declaration, _, rest = document.partition(b"\n")
    instruction = f'<?xml-stylesheet type="text/xsl" href="{STYLESHEET_FILENAME}"?>'.encode()
    return declaration + b"\n" + instruction + b"\n" + rest


def _generator(spec: FeedSpec, site: SiteInfo, self_url: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("media", atom=True, rss=True)
    generator.id(self_url)
    generator.title(spec.title)
    generator.description(spec.description)
    generator.author({"name": site.author or site.title})
    # The RSS channel <link> is the last link given, so the site's page comes last.
    generator.link(href=self_url, rel="self")
    generator.link(href=site.base_url, rel="alternate")
    if site.language:
        generator.language(site.language)
    if spec.ttl:
        generator.ttl(spec.ttl)
    generator.generator(GENERATOR)
    updated = feed_updated(spec)
    generator.updated(updated)
    generator.lastBuildDate(updated)
    for entry in spec.entries:
        _add_entry(generator, entry)
    return generator


def _add_entry(generator: FeedGenerator, entry: Entry) -> None:
    item = generator.add_entry(order="append")
    item.id(entry.id)
    item.guid(entry.id, permalink=entry.id == entry.link)
    item.title(entry.title)
    item.link(href=entry.link, rel="alternate")
    if entry.summary:
        item.summary(entry.summary)
    item.content(presented_content(entry), type="html")
    if entry.published:
        item.published(entry.published)
    item.updated(entry.updated or entry.published or EPOCH)
    for author in entry.authors:
        item.author({"name": author})
    for category in entry.categories:
        item.category(term=category)
    if entry.image:
        item.media.thumbnail({"url": entry.image})
