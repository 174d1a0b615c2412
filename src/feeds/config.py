"""Load and validate `config.toml` and the source files it includes.

Every mistake becomes a `ConfigError` naming the file and the key, so the CLI can print
one line and exit 2 instead of a traceback.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any

from . import adapters
from . import configvalues as values
from .configvalues import ConfigError
from .custom_feeds import FeedConfig, read_feeds
from .fetch import FetchSettings, user_agent
from .slugs import RESERVED, VALID_SLUG, slugify
from .urls import is_web_url

DEFAULT_CONFIG = Path("config.toml")

SITE_KEYS = {
    "title", "base_url", "output_dir", "state_dir", "timezone", "include", "description",
    "language", "author", "max_entries", "failure_notice_after", "stylesheet",
}
FETCH_KEYS = {
    "concurrency", "per_host", "timeout", "user_agent", "max_bytes", "max_redirects",
    "retries", "backoff", "max_retry_after", "parse_timeout",
}
DEFAULT_MAX_ENTRIES = 50
MAX_BODY_BYTES = 1024**3
SOURCE_KEYS = {
    "name", "url", "adapter", "category", "timezone", "selectors", "refresh", "fulltext", "max_fulltext",
    "verify_tls", "allow_private_hosts",
}
DEFAULT_MAX_FULLTEXT = 20
CATEGORY_KEYS = {"name", "slug", "title", "description"}
TOP_KEYS = {"site", "fetch", "sources", "categories", "feeds"}
INCLUDED_TOP_KEYS = {"sources", "categories", "feeds"}


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    base_url: str
    output_dir: Path
    state_dir: Path
    """History and fetch state; default: state/ next to the config file."""
    timezone: tzinfo
    description: str = ""
    language: str = ""
    author: str = ""
    max_entries: int = DEFAULT_MAX_ENTRIES
    """How many of the newest entries each feed keeps."""
    failure_notice_after: timedelta | None = None
    """Put a notice in the feeds once a source has failed this long; None: never."""
    stylesheet: bool = False
    """Link RSS and Atom files to feed.xsl, so browsers that apply XSLT show a page."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    url: str
    """An http(s) URL, or an absolute local path (relative ones are resolved on load)."""
    adapter: str
    timezone: tzinfo
    category: str | None = None
    selectors: Mapping[str, str] = field(default_factory=dict)
    refresh: timedelta | None = None
    """Fetch at most this often; None: on every build."""
    fulltext: bool = False
    """Fetch each new item's own page for its full text (listing, sitemap, feed…)."""
    max_fulltext: int = DEFAULT_MAX_FULLTEXT
    """At most this many full-text fetches per build for this source."""
    verify_tls: bool = True
    """Check the https certificates of this source's fetches (its redirects and full-text
    pages too); False accepts any certificate, for sites with a broken chain."""
    allow_private_hosts: bool = False
    """Let what this source's documents link to (items, redirects, sitemap children) reach
    loopback and private addresses: for intranet sites. The source's own `url` and its
    host may always be private, being the user's own choice."""
    defined_in: Path = Path()


@dataclass(frozen=True, slots=True)
class CategoryConfig:
    name: str
    slug: str
    title: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    site: SiteConfig
    sources: tuple[SourceConfig, ...]
    categories: tuple[CategoryConfig, ...] = ()
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: tuple[FeedConfig, ...] = ()
    """Feeds composed with [[feeds]], besides the category feeds."""


def load_config(path: Path) -> Config:
    """Read `path` and every file its `[site] include` globs match."""
    path = Path(path)
    data = _read_toml(path)
    values.check_keys(path, "", data, TOP_KEYS)
    site_table = values.table(path, "site", data.get("site", {}))
    values.check_keys(path, "site", site_table, SITE_KEYS)
    site = _site(path, site_table)
    fetch_table = values.table(path, "fetch", data.get("fetch", {}))
    values.check_keys(path, "fetch", fetch_table, FETCH_KEYS)
    fetch = _fetch(path, fetch_table, site.base_url)

    files = [(path, data)]
    seen_files = {path.resolve()}
    for pattern in values.strings(path, "site.include", site_table.get("include", [])):
        try:
            matches = sorted(p for p in path.parent.glob(pattern) if p.is_file())
        except (ValueError, NotImplementedError, IndexError) as error:  # empty, absolute, "."
            raise ConfigError(path, "site.include", f"{pattern!r} is not a relative glob ({error})") from None
        if not matches:
            raise ConfigError(path, "site.include", f"{pattern!r} matches no file")
        for included in matches:
            if included.resolve() in seen_files:
                continue  # the config itself ("*.toml"), or matched by an earlier pattern
            seen_files.add(included.resolve())
            included_data = _read_toml(included)
            values.check_keys(included, "", included_data, INCLUDED_TOP_KEYS)
            files.append((included, included_data))

    sources: list[SourceConfig] = []
    categories: list[CategoryConfig] = []
    seen_sources: dict[str, Path] = {}
    for file, file_data in files:
        for index, raw in enumerate(values.array(file, "sources", file_data.get("sources", []))):
            source = _source(file, f"sources[{index}]", raw, site.timezone)
            if source.name in seen_sources:
                raise ConfigError(
                    file, f"sources[{index}].name",
                    f"duplicate source name {source.name!r} (first in {seen_sources[source.name]})",
                )
            seen_sources[source.name] = file
            sources.append(source)
        for index, raw in enumerate(values.array(file, "categories", file_data.get("categories", []))):
            category = _category(file, f"categories[{index}]", raw)
            _check_unique_category(file, f"categories[{index}]", category, categories)
            categories.append(category)
    # Feeds come last: they name sources and must not take a category's slug.
    feeds: list[FeedConfig] = []
    for file, file_data in files:
        taken = {"all", *(c.slug for c in categories), *(f.slug for f in feeds)}
        feeds += read_feeds(file, file_data.get("feeds", []), seen_sources, taken)
    return Config(
        path=path, site=site, sources=tuple(sources), categories=tuple(categories), fetch=fetch, feeds=tuple(feeds)
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "", f"invalid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "", f"cannot read: {error}") from None


def _site(file: Path, table: Mapping[str, Any]) -> SiteConfig:
    base_url = values.line(file, "site.base_url", table.get("base_url", "http://localhost:8000/"))
    if not is_web_url(base_url):
        raise ConfigError(file, "site.base_url", f"must be an http(s) URL, got {base_url!r}")
    notice_after = table.get("failure_notice_after")
    return SiteConfig(
        title=_title(file, table.get("title", "feeds")),
        base_url=base_url.rstrip("/") + "/",
        output_dir=values.directory(file, "site.output_dir", table.get("output_dir", "output")),
        state_dir=values.directory(file, "site.state_dir", table.get("state_dir", "state")),
        timezone=values.timezone(file, "site.timezone", table.get("timezone", "UTC")),
        description=values.string(file, "site.description", table.get("description", "")),
        language=values.line(file, "site.language", table.get("language", "")),
        author=values.line(file, "site.author", table.get("author", "")),
        max_entries=values.positive_int(file, "site.max_entries", table.get("max_entries", DEFAULT_MAX_ENTRIES)),
        failure_notice_after=values.duration(file, "site.failure_notice_after", notice_after) if notice_after else None,
        stylesheet=values.boolean(file, "site.stylesheet", table.get("stylesheet", False)),
    )


def _title(file: Path, value: object) -> str:
    title = values.line(file, "site.title", value).strip()
    if not title:
        raise ConfigError(file, "site.title", "must not be empty (every feed is titled with it)")
    return title


def _fetch(file: Path, table: Mapping[str, Any], base_url: str) -> FetchSettings:
    defaults = FetchSettings()
    numbers: dict[str, Any] = {}
    for key in ("concurrency", "per_host", "max_bytes", "max_redirects"):
        numbers[key] = values.positive_int(file, f"fetch.{key}", table.get(key, getattr(defaults, key)))
    if numbers["max_bytes"] > MAX_BODY_BYTES:  # a body is held in memory whole
        raise ConfigError(file, "fetch.max_bytes", f"must be at most {MAX_BODY_BYTES} (1 GiB), got {numbers['max_bytes']}")
    numbers["retries"] = values.non_negative(file, "fetch.retries", table.get("retries", defaults.retries), int)
    for key in ("timeout", "backoff", "max_retry_after", "parse_timeout"):
        positive = key in ("timeout", "parse_timeout")
        numbers[key] = values.seconds(file, f"fetch.{key}", table.get(key, getattr(defaults, key)), positive)
    agent = values.line(file, "fetch.user_agent", table.get("user_agent", user_agent(base_url)))
    if not agent.isascii():
        raise ConfigError(file, "fetch.user_agent", f"must be ASCII (an HTTP header), got {agent!r}")
    return FetchSettings(user_agent=agent, **numbers)


def _source(file: Path, key: str, raw: Any, default_tz: tzinfo) -> SourceConfig:
    table = values.table(file, key, raw)
    values.check_keys(file, key, table, SOURCE_KEYS)
    for required in ("name", "url"):
        if required not in table:
            raise ConfigError(file, f"{key}.{required}", "missing (every source needs one)")
    name = values.line(file, f"{key}.name", table["name"]).strip()
    if not name:
        raise ConfigError(file, f"{key}.name", "must not be empty")
    url = values.line(file, f"{key}.url", table["url"]).strip()
    if not url:
        raise ConfigError(file, f"{key}.url", "must not be empty")
    if not is_web_url(url):
        if "://" in url:
            raise ConfigError(file, f"{key}.url", f"only http(s) URLs or local paths, got {url!r}")
        url = str((file.parent / url).resolve())
        if problem := _not_a_file(Path(url)):
            raise ConfigError(file, f"{key}.url", problem)
    adapter = values.string(file, f"{key}.adapter", table.get("adapter", "article"))
    if adapter not in adapters.NAMES:
        raise ConfigError(file, f"{key}.adapter", values.unknown("adapter", adapter, adapters.NAMES))
    selectors = values.table(file, f"{key}.selectors", table.get("selectors", {}))
    for selector_key, selector in selectors.items():
        problem = adapters.selector_problem(
            adapter, selector_key, values.string(file, f"{key}.selectors.{selector_key}", selector)
        )
        if problem:
            raise ConfigError(file, f"{key}.selectors.{selector_key}", problem)
    category = values.line(file, f"{key}.category", table.get("category", "")).strip()
    return SourceConfig(
        name=name,
        url=url,
        adapter=adapter,
        timezone=values.timezone(file, f"{key}.timezone", table["timezone"]) if "timezone" in table else default_tz,
        category=category or None,
        refresh=values.duration(file, f"{key}.refresh", table["refresh"]) if "refresh" in table else None,
        fulltext=values.boolean(file, f"{key}.fulltext", table.get("fulltext", False)),
        max_fulltext=values.positive_int(file, f"{key}.max_fulltext", table.get("max_fulltext", DEFAULT_MAX_FULLTEXT)),
        verify_tls=values.boolean(file, f"{key}.verify_tls", table.get("verify_tls", True)),
        allow_private_hosts=values.boolean(file, f"{key}.allow_private_hosts", table.get("allow_private_hosts", False)),
        selectors=dict(selectors),
        defined_in=file,
    )


def _not_a_file(path: Path) -> str | None:
    """Why a local source path can never be read as a document: a FIFO would hang the
    build, a device would stream for ever. A missing file is left to the fetch, which
    reports it on every build until it appears."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    kind = "directory" if stat.S_ISDIR(mode) else "FIFO" if stat.S_ISFIFO(mode) else "device or socket"
    return f"{str(path)!r} is a {kind}, not a file"


def _category(file: Path, key: str, raw: Any) -> CategoryConfig:
    table = values.table(file, key, raw)
    values.check_keys(file, key, table, CATEGORY_KEYS)
    if "name" not in table:
        raise ConfigError(file, f"{key}.name", "missing (every category needs one)")
    name = values.line(file, f"{key}.name", table["name"]).strip()
    slug = values.string(file, f"{key}.slug", table.get("slug", slugify(name)))
    if not VALID_SLUG.match(slug):
        raise ConfigError(
            file, f"{key}.slug",
            f"{slug!r} is not a slug: use a-z, 0-9 and inner '-', at most 60 characters",
        )
    if slug in RESERVED:
        raise ConfigError(file, f"{key}.slug", f"{slug!r} is reserved (a file of the site, or a Windows device name)")
    return CategoryConfig(
        name=name,
        slug=slug,
        title=values.line(file, f"{key}.title", table.get("title", name)),
        description=values.string(file, f"{key}.description", table.get("description", "")),
    )


def _check_unique_category(file: Path, key: str, category: CategoryConfig, earlier: list[CategoryConfig]) -> None:
    for other in earlier:
        if other.name == category.name:
            raise ConfigError(file, f"{key}.name", f"category {category.name!r} declared twice")
        if other.slug == category.slug:
            raise ConfigError(file, f"{key}.slug", f"slug {category.slug!r} is already used by category {other.name!r}")
