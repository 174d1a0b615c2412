"""Route entries into category feeds: by their source's category and their own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .config import CategoryConfig
from .custom_feeds import FeedConfig, converted
from .models import Entry
from .slugs import assign_slugs

ALL_SLUG = "all"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed to publish: a category (or the all-entries feed) and its entries."""

    slug: str
    title: str
    description: str
    entries: tuple[Entry, ...]
    """Newest first."""
    ttl: int | None = None
    """Minutes a reader may cache the feed: its sources' shortest `refresh`."""
    category: str | None = None
    """The category's name, for a category feed."""
    name: str | None = None
    """What the index page lists it as, under the site's own heading: the title without
    the site's name. None: the title."""


def entry_date(entry: Entry) -> datetime | None:
    return entry.published or entry.updated


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Sorted newest first; ties (and undated entries, last) ordered by id."""
    ordered = sorted(entries, key=lambda e: e.id)
    dated = sorted((e for e in ordered if entry_date(e)), key=entry_date, reverse=True)  # type: ignore[arg-type,return-value]
    return dated + [e for e in ordered if not entry_date(e)]


def route(
    entries: Iterable[Entry],
    source_categories: Mapping[str, str | None],
    declared: Iterable[CategoryConfig],
    site_title: str,
    max_entries: int,
    custom: Sequence[FeedConfig] = (),
    remembered_slugs: Mapping[str, str] = {},
) -> list[FeedSpec]:
    """The all-entries feed, one feed per category sorted by slug, then the `[[feeds]]`.

    `source_categories` maps a source name to its configured category, if any.
    """
    declared_by_name = {category.name: category for category in declared}
    members: dict[str, list[Entry]] = {name: [] for name in declared_by_name}
    all_entries = list(entries)
    for entry in all_entries:
        names = [source_categories.get(entry.source), *entry.categories]
        for name in dict.fromkeys(n for n in names if n):
            members.setdefault(name, []).append(entry)

    slugs = assign_slugs(
        members,
        {name: c.slug for name, c in declared_by_name.items()},
        (feed.slug for feed in custom),
        remembered_slugs,
    )
    feeds = [
        FeedSpec(
            slug=ALL_SLUG,
            title=site_title,
            description=f"{site_title}: every entry",
            entries=tuple(newest_first(all_entries)[:max_entries]),
            name="All entries",
        )
    ]
    for name in sorted(members, key=lambda n: slugs[n]):
        category = declared_by_name.get(name)
        title = category.title if category else name
        feeds.append(
            FeedSpec(
                slug=slugs[name],
                title=f"{site_title} · {title}",
                description=(category.description if category and category.description else f"{title} ({site_title})"),
                entries=tuple(newest_first(members[name])[:max_entries]),
                category=name,
                name=title,
            )
        )
    feeds.extend(_custom_feed(feed, all_entries, source_categories, site_title, max_entries) for feed in custom)
    return feeds


def _custom_feed(
    feed: FeedConfig,
    entries: list[Entry],
    source_categories: Mapping[str, str | None],
    site_title: str,
    max_entries: int,
) -> FeedSpec:
    chosen = [e for e in entries if feed.selects(e, source_categories.get(e.source)) and feed.keeps(e)]
    kept = newest_first(chosen)[: feed.limit or max_entries]
    if feed.convert:
        kept = [converted(entry, feed.convert) for entry in kept]
    return FeedSpec(
        slug=feed.slug,
        title=f"{site_title} · {feed.title}",
        description=feed.description or f"{feed.title} ({site_title})",
        entries=tuple(kept),
        name=feed.title,
    )
