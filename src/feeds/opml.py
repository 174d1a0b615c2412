"""An OPML 2.0 subscription list of every feed of the site, for a one-click import.

Each outline points at the feed's RSS 2.0 file: it is the one format every reader
subscribes to, and the one OPML 2.0 names (`type="rss"`, `version="RSS2"`); the Atom and
JSON files of the same feed carry the same entries and are linked from index.html.
The head has no dateCreated/dateModified: a date would either come from the clock or
change with every new entry, and OPML 2.0 makes it optional.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from .render import SiteInfo, rss_filename
from .route import FeedSpec

OPML_FILENAME = "feeds.opml"
OPML_DOCS = "http://opml.org/spec2.opml"


def render_opml(specs: Sequence[FeedSpec], site: SiteInfo) -> bytes:
    """One `<outline type="rss">` per spec, in the order given (the all feed first)."""
    root = etree.Element("opml", version="2.0")
    root.append(_head(site))
    body = etree.SubElement(root, "body")
    for spec in specs:
        body.append(_outline(spec, site))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _head(site: SiteInfo) -> etree._Element:
    head = etree.Element("head")
    etree.SubElement(head, "title").text = site.title
    if site.author:
        etree.SubElement(head, "ownerName").text = site.author
    etree.SubElement(head, "docs").text = OPML_DOCS
    return head


def _outline(spec: FeedSpec, site: SiteInfo) -> etree._Element:
    outline = etree.Element("outline")
    # lxml keeps attributes in insertion order, so the output is stable.
    outline.set("type", "rss")
    outline.set("version", "RSS2")
    outline.set("text", spec.title)
    outline.set("title", spec.title)
    if spec.description:
        outline.set("description", spec.description)
    outline.set("xmlUrl", site.base_url + rss_filename(spec.slug))
    outline.set("htmlUrl", site.base_url)
    if site.language:
        outline.set("language", site.language)
    return outline
