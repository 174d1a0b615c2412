"""Collect one source's entries: the fetches an adapter needs, around the pure adapters.

Most sources are one fetch and one adapter. A few need more, and that is decided here,
never inside an adapter:

- `wordpress` reads the REST API and falls back to the site's feed when it is disabled;
- `sitemap` follows a sitemap index to its child sitemaps;
- `auto` looks at what came back (a feed, a sitemap, a WordPress home page, an article);
- `fulltext = true` fetches each new item's own page through the `article` adapter,
  within a per-build budget, skipping articles the history already holds in full.

Every fetch for a source goes through `_Context.fetch`, so all of them follow the source's
`verify_tls`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from .adapters import sitemap, wordpress
from .adapters.detect import detect_kind
from .config import SourceConfig
from .css import select_first
from .fetch import Fetcher, FetchResult, Validators
from .models import AdapterSettings, Document, Entry, FeedsError, FetchError
from .parsing import Parser
from .urls import canonical

MAX_CHILD_SITEMAPS = 20

KnownInFull = Callable[[str], bool]
"""Whether the history already holds the entry with this id in full."""


@dataclass(slots=True)
class Collected:
    entries: list[Entry] = field(default_factory=list)
    validators: Validators | None = None
    not_modified: bool = False


@dataclass(frozen=True, slots=True)
class _Context:
    source: SourceConfig
    fetcher: Fetcher
    parser: Parser
    now: datetime
    known_in_full: KnownInFull

    @property
    def settings(self) -> AdapterSettings:
        source = self.source
        return AdapterSettings(source=source.name, timezone=source.timezone, selectors=source.selectors)

    async def fetch(self, location: str, validators: Validators | None = None) -> FetchResult:
        """A fetch for this source, certificate checked unless it sets `verify_tls = false`."""
        return await self.fetcher.fetch(location, validators, now=self.now, verify_tls=self.source.verify_tls)


async def collect(
    source: SourceConfig,
    fetcher: Fetcher,
    parser: Parser,
    validators: Validators | None,
    now: datetime,
    known_in_full: KnownInFull = lambda entry_id: False,
) -> Collected:
    """Every entry `source` gives now; raises FeedsError when it gives none."""
    context = _Context(source, fetcher, parser, now, known_in_full)
    location = wordpress.api_url(source.url) if source.adapter == "wordpress" else source.url
    try:
        first = await context.fetch(location, validators)
    except FetchError:
        if source.adapter != "wordpress":
            raise
        return Collected(await _wordpress_feed(context))
    if first.not_modified or first.document is None:
        return Collected(validators=first.validators, not_modified=True)
    entries = await _entries(context, first)
    if source.fulltext:
        entries = await _with_full_text(context, entries)
    if not entries:
        raise FeedsError("no entries found")
    return Collected(entries, validators=first.validators)


async def _entries(context: _Context, fetched: FetchResult) -> list[Entry]:
    document = fetched.document
    assert document is not None
    adapter = context.source.adapter
    if adapter == "auto":
        adapter = _choose(document, context.source)
        if adapter == "wordpress":
            return await _wordpress_site(context, document.url)
    if adapter == "wordpress":
        try:
            return await context.parser.parse("wordpress", document, context.settings)
        except wordpress.NotWordPressAPI:
            return await _wordpress_feed(context)
    if adapter == "sitemap":
        return await _sitemap(context, document)
    return await context.parser.parse(adapter, document, context.settings)


def _choose(document: Document, source: SourceConfig) -> str:
    kind = detect_kind(document)
    if kind in ("feed", "sitemap"):
        return kind
    if "item" in source.selectors:
        return "listing"
    if _is_wordpress_home(document):
        return "wordpress"
    return "article"


def _is_wordpress_home(document: Document) -> bool:
    """A WordPress site's front page: its posts are better read from the REST API."""
    if urlsplit(document.url).path.strip("/"):
        return False
    from .page import Page

    try:
        page = Page.parse(document)
    except FeedsError:
        return False
    return select_first(page.tree, 'link[rel="https://api.w.org/"]') is not None


async def _wordpress_site(context: _Context, site: str) -> list[Entry]:
    try:
        api = await context.fetch(wordpress.api_url(site))
        if api.document is not None:
            return await context.parser.parse("wordpress", api.document, context.settings)
    except (FetchError, wordpress.NotWordPressAPI):
        pass
    return await _wordpress_feed(context, site)


async def _wordpress_feed(context: _Context, site: str | None = None) -> list[Entry]:
    """The site's /feed/, for a WordPress site whose REST API is disabled.

    WordPress feeds give `?p=123` guids; the permalink is the id the REST API and the
    site's article pages give, so it is the id here too.
    """
    fetched = await context.fetch(wordpress.feed_url(site or context.source.url))
    assert fetched.document is not None
    entries = await context.parser.parse("feed", fetched.document, context.settings)
    return [dataclasses.replace(entry, id=canonical(entry.link)) for entry in entries]


async def _sitemap(context: _Context, document: Document) -> list[Entry]:
    children = sitemap.sitemap_children(document, limit=MAX_CHILD_SITEMAPS)
    if not children:
        return await context.parser.parse("sitemap", document, context.settings)
    entries: list[Entry] = []
    for child in children:
        fetched = await context.fetch(child)
        if fetched.document is not None:
            entries += await context.parser.parse("sitemap", fetched.document, context.settings)
    return entries


async def _with_full_text(context: _Context, entries: list[Entry]) -> list[Entry]:
    """Each new entry replaced by its page's main article, up to the source's budget.

    Entries the history already holds in full are left out: re-recording their stubs
    would only overwrite the full text with the listing's excerpt.
    """
    budget = context.source.max_fulltext
    result: list[Entry] = []
    for entry in entries:
        if context.known_in_full(entry.id):
            continue
        if budget > 0:
            budget -= 1
            entry = await _full_text(context, entry)
        result.append(entry)
    return result


async def _full_text(context: _Context, stub: Entry) -> Entry:
    try:
        fetched = await context.fetch(stub.link)
        assert fetched.document is not None
        found = await context.parser.parse("article", fetched.document, context.settings)
    except FeedsError:
        return stub  # the listing's own entry is still news; the full text can come later
    main = next((entry for entry in found if entry.role == "main"), None)
    if main is None:
        return stub
    return dataclasses.replace(
        main,
        id=stub.id,
        link=stub.link,
        published=main.published or stub.published,
        categories=main.categories or stub.categories,
        image=main.image or stub.image,
    )
