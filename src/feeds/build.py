"""One build: config → fetch → adapt → normalise → route → render → publish.

Each source is fetched and adapted on its own; a failure is recorded against that source
and the build goes on with the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import adapters
from .config import Config, SourceConfig
from .fetch import DEFAULT_USER_AGENT, fetch, user_agent
from .models import AdapterSettings, Entry, FeedsError
from .normalise import normalise
from .publish import write_if_changed
from .render import SiteInfo, atom_filename, render_atom, render_rss, rss_filename
from .route import route

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SourceResult:
    name: str
    adapter: str
    entries: list[Entry] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class BuildReport:
    sources: list[SourceResult]
    files: list[Path]
    """Every output file of this build."""
    changed: list[Path]
    """The files whose bytes changed (and so were rewritten)."""

    @property
    def failed(self) -> list[SourceResult]:
        return [source for source in self.sources if source.error]


def run_source(source: SourceConfig, now: datetime | None = None, agent: str = DEFAULT_USER_AGENT) -> SourceResult:
    """Fetch and adapt one source; never raises for a problem of the source's own."""
    result = SourceResult(name=source.name, adapter=source.adapter)
    try:
        document = fetch(source.url, now=now, agent=agent)
        settings = AdapterSettings(source=source.name, timezone=source.timezone, selectors=source.selectors)
        entries = adapters.get(source.adapter)(document, settings)
        result.entries = normalise(entries, source.timezone, document.fetched_at)
    except FeedsError as error:
        result.error = str(error)
    except Exception as error:  # an adapter bug must not take the other sources down
        log.debug("source %s failed", source.name, exc_info=True)
        result.error = f"unexpected {type(error).__name__}: {error}"
    return result


def build(config: Config, output_dir: Path | None = None, now: datetime | None = None) -> BuildReport:
    """Build every feed of `config` into `output_dir` (default: the config's)."""
    output = Path(output_dir or config.site.output_dir)
    now = now or datetime.now(timezone.utc)
    agent = user_agent(config.site.base_url)
    results = [run_source(source, now, agent) for source in config.sources]
    if results and all(result.error for result in results):
        # Nothing new to say, and publishing now would empty every feed.
        return BuildReport(sources=results, files=[], changed=[])

    entries = [entry for result in results for entry in result.entries]
    feeds = route(
        entries,
        source_categories={source.name: source.category for source in config.sources},
        declared=config.categories,
        site_title=config.site.title,
        max_entries=config.site.max_entries,
    )
    site = SiteInfo(
        title=config.site.title,
        base_url=config.site.base_url,
        author=config.site.author,
        language=config.site.language,
    )
    files: list[Path] = []
    changed: list[Path] = []
    for spec in feeds:
        for name, data in (
            (rss_filename(spec.slug), render_rss(spec, site)),
            (atom_filename(spec.slug), render_atom(spec, site)),
        ):
            path = output / name
            files.append(path)
            if write_if_changed(path, data):
                changed.append(path)
    return BuildReport(sources=results, files=files, changed=changed)
