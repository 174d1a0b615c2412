"""A build's output files: three formats of every feed, status.json, OPML and the index page.

Every file is rewritten only when its bytes change, so an unchanged build leaves the
published tree, mtimes included, as it was.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

from .config import Config
from .index_page import INDEX_FILENAME, render_index
from .models import Entry
from .opml import OPML_FILENAME, render_opml
from .publish import write_if_changed
from .render import (
    STYLESHEET_FILENAME,
    SiteInfo,
    atom_filename,
    render_atom,
    render_rss,
    rss_filename,
    stylesheet,
)
from .render_json import json_filename, render_json
from .route import FeedSpec, route

STATUS_FILENAME = "status.json"


def write_outputs(
    config: Config, entries: list[Entry], output: Path, status: Mapping[str, object], remembered: Mapping[str, str]
) -> tuple[list[Path], list[Path], dict[str, str]]:
    """Write every output file; return them, those that changed, and the category slugs.

    `remembered` is the slug each category got in earlier builds, so no address moves."""
    feeds = route(
        entries,
        source_categories={source.name: source.category for source in config.sources},
        declared=config.categories,
        site_title=config.site.title,
        max_entries=config.site.max_entries,
        custom=config.feeds,
        remembered_slugs=remembered,
    )
    given = {spec.category: spec.slug for spec in feeds if spec.category}
    site = SiteInfo(
        title=config.site.title,
        base_url=config.site.base_url,
        author=config.site.author,
        language=config.site.language,
        stylesheet=config.site.stylesheet,
    )
    feeds = [dataclasses.replace(spec, ttl=_ttl(spec, config)) for spec in feeds]
    outputs: list[tuple[str, bytes]] = []
    for spec in feeds:
        outputs.append((rss_filename(spec.slug), render_rss(spec, site)))
        outputs.append((atom_filename(spec.slug), render_atom(spec, site)))
        outputs.append((json_filename(spec.slug), render_json(spec, site)))
    outputs.append((STATUS_FILENAME, json_bytes(status)))
    outputs.append((OPML_FILENAME, render_opml(feeds, site)))
    outputs.append((INDEX_FILENAME, render_index(feeds, site, status, description=config.site.description)))
    if site.stylesheet:
        outputs.append((STYLESHEET_FILENAME, stylesheet()))

    files, changed = [], []
    for name, data in outputs:
        path = output / name
        files.append(path)
        if write_if_changed(path, data):
            changed.append(path)
    return files, changed, given


def _ttl(spec: FeedSpec, config: Config) -> int | None:
    """The shortest refresh among the sources in the feed, in minutes; None if any
    of them is fetched on every build, since then only the build schedule knows."""
    refresh = {source.name: source.refresh for source in config.sources}
    intervals = [refresh.get(entry.source) for entry in spec.entries]
    if not intervals or any(interval is None for interval in intervals):
        return None
    return max(1, int(min(i for i in intervals if i is not None).total_seconds() // 60))


def json_bytes(data: object) -> bytes:
    """Sorted, indented JSON: what status.json is written as, and what the render key hashes."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")
