"""Load and validate `config.toml` and the source files it includes.

Every mistake becomes a `ConfigError` naming the file and the key, so the CLI can print
one line and exit 2 instead of a traceback.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import adapters
from .models import FeedsError
from .slugs import VALID_SLUG, slugify
from .urls import is_web_url

DEFAULT_CONFIG = Path("config.toml")

SITE_KEYS = {
    "title", "base_url", "output_dir", "timezone", "include", "description", "language",
    "author", "max_entries",
}
DEFAULT_MAX_ENTRIES = 50
SOURCE_KEYS = {"name", "url", "adapter", "category", "timezone", "selectors"}
CATEGORY_KEYS = {"name", "slug", "title", "description"}
TOP_KEYS = {"site", "sources", "categories"}
INCLUDED_TOP_KEYS = {"sources", "categories"}


class ConfigError(FeedsError):
    """A configuration mistake, located by file and key."""

    def __init__(self, file: Path, key: str, message: str) -> None:
        self.file, self.key = file, key
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    base_url: str
    output_dir: Path
    timezone: tzinfo
    description: str = ""
    language: str = ""
    author: str = ""
    max_entries: int = DEFAULT_MAX_ENTRIES
    """How many of the newest entries each feed keeps."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    url: str
    """An http(s) URL, or an absolute local path (relative ones are resolved on load)."""
    adapter: str
    timezone: tzinfo
    category: str | None = None
    selectors: Mapping[str, str] = field(default_factory=dict)
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


def load_config(path: Path) -> Config:
    """Read `path` and every file its `[site] include` globs match."""
    path = Path(path)
    data = _read_toml(path)
    _check_keys(path, "", data, TOP_KEYS)
    site_table = _table(path, "site", data.get("site", {}))
    _check_keys(path, "site", site_table, SITE_KEYS)
    site = _site(path, site_table)

    files = [(path, data)]
    for pattern in _strings(path, "site.include", site_table.get("include", [])):
        matches = sorted(p for p in path.parent.glob(pattern) if p.is_file())
        if not matches:
            raise ConfigError(path, "site.include", f"{pattern!r} matches no file")
        for included in matches:
            included_data = _read_toml(included)
            _check_keys(included, "", included_data, INCLUDED_TOP_KEYS)
            files.append((included, included_data))

    sources: list[SourceConfig] = []
    categories: list[CategoryConfig] = []
    seen_sources: dict[str, Path] = {}
    for file, file_data in files:
        for index, raw in enumerate(_array(file, "sources", file_data.get("sources", []))):
            source = _source(file, f"sources[{index}]", raw, site.timezone)
            if source.name in seen_sources:
                raise ConfigError(
                    file, f"sources[{index}].name",
                    f"duplicate source name {source.name!r} (first in {seen_sources[source.name]})",
                )
            seen_sources[source.name] = file
            sources.append(source)
        for index, raw in enumerate(_array(file, "categories", file_data.get("categories", []))):
            categories.append(_category(file, f"categories[{index}]", raw))
    _check_unique_categories(path, categories)
    return Config(path=path, site=site, sources=tuple(sources), categories=tuple(categories))


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
    base_url = _string(file, "site.base_url", table.get("base_url", "http://localhost:8000/"))
    if not is_web_url(base_url):
        raise ConfigError(file, "site.base_url", f"must be an http(s) URL, got {base_url!r}")
    output_dir = Path(_string(file, "site.output_dir", table.get("output_dir", "output")))
    return SiteConfig(
        title=_string(file, "site.title", table.get("title", "feeds")),
        base_url=base_url.rstrip("/") + "/",
        output_dir=output_dir if output_dir.is_absolute() else file.parent / output_dir,
        timezone=_timezone(file, "site.timezone", table.get("timezone", "UTC")),
        description=_string(file, "site.description", table.get("description", "")),
        language=_string(file, "site.language", table.get("language", "")),
        author=_string(file, "site.author", table.get("author", "")),
        max_entries=_positive_int(file, "site.max_entries", table.get("max_entries", DEFAULT_MAX_ENTRIES)),
    )


def _source(file: Path, key: str, raw: Any, default_tz: tzinfo) -> SourceConfig:
    table = _table(file, key, raw)
    _check_keys(file, key, table, SOURCE_KEYS)
    for required in ("name", "url"):
        if required not in table:
            raise ConfigError(file, f"{key}.{required}", "missing (every source needs one)")
    name = _string(file, f"{key}.name", table["name"]).strip()
    if not name:
        raise ConfigError(file, f"{key}.name", "must not be empty")
    url = _string(file, f"{key}.url", table["url"]).strip()
    if not url:
        raise ConfigError(file, f"{key}.url", "must not be empty")
    if not is_web_url(url):
        if "://" in url:
            raise ConfigError(file, f"{key}.url", f"only http(s) URLs or local paths, got {url!r}")
        url = str((file.parent / url).resolve())
    adapter = _string(file, f"{key}.adapter", table.get("adapter", "article"))
    if adapter not in adapters.NAMES:
        raise ConfigError(file, f"{key}.adapter", _unknown("adapter", adapter, adapters.NAMES))
    selectors = _table(file, f"{key}.selectors", table.get("selectors", {}))
    for selector_key, selector in selectors.items():
        problem = adapters.selector_problem(
            adapter, selector_key, _string(file, f"{key}.selectors.{selector_key}", selector)
        )
        if problem:
            raise ConfigError(file, f"{key}.selectors.{selector_key}", problem)
    category = _string(file, f"{key}.category", table.get("category", "")).strip()
    return SourceConfig(
        name=name,
        url=url,
        adapter=adapter,
        timezone=_timezone(file, f"{key}.timezone", table["timezone"]) if "timezone" in table else default_tz,
        category=category or None,
        selectors=dict(selectors),
        defined_in=file,
    )


def _category(file: Path, key: str, raw: Any) -> CategoryConfig:
    table = _table(file, key, raw)
    _check_keys(file, key, table, CATEGORY_KEYS)
    if "name" not in table:
        raise ConfigError(file, f"{key}.name", "missing (every category needs one)")
    name = _string(file, f"{key}.name", table["name"]).strip()
    slug = _string(file, f"{key}.slug", table.get("slug", slugify(name)))
    if not VALID_SLUG.match(slug):
        raise ConfigError(
            file, f"{key}.slug",
            f"{slug!r} is not a slug: use a-z, 0-9 and inner '-', at most 60 characters",
        )
    return CategoryConfig(
        name=name,
        slug=slug,
        title=_string(file, f"{key}.title", table.get("title", name)),
        description=_string(file, f"{key}.description", table.get("description", "")),
    )


def _check_unique_categories(file: Path, categories: list[CategoryConfig]) -> None:
    names: set[str] = set()
    slugs: set[str] = {"all"}
    for category in categories:
        if category.name in names:
            raise ConfigError(file, "categories", f"category {category.name!r} declared twice")
        if category.slug in slugs:
            raise ConfigError(file, "categories", f"slug {category.slug!r} is used twice or reserved")
        names.add(category.name)
        slugs.add(category.slug)


def _timezone(file: Path, key: str, value: Any) -> tzinfo:
    name = _string(file, key, value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(file, key, f"unknown timezone {name!r} (use an IANA name such as 'Asia/Shanghai')") from None


def _check_keys(file: Path, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            path = f"{where}.{key}" if where else key
            raise ConfigError(file, path, _unknown("key", key, allowed))


def _unknown(what: str, value: str, known: set[str] | frozenset[str]) -> str:
    message = f"unknown {what} {value!r}"
    close = difflib.get_close_matches(value, sorted(known), n=1)
    if close:
        return f"{message} (did you mean {close[0]!r}?)"
    return f"{message} (known: {', '.join(sorted(known))})"


def _table(file: Path, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(file, key, f"must be a table, got {type(value).__name__}")
    return value


def _array(file: Path, key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(file, key, f"must be an array of tables ([[{key}]]), got {type(value).__name__}")
    return value


def _string(file: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(file, key, f"must be a string, got {type(value).__name__}")
    return value


def _positive_int(file: Path, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(file, key, f"must be a positive integer, got {value!r}")
    return value


def _strings(file: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ConfigError(file, key, f"must be a list of strings, got {type(value).__name__}")
    return [_string(file, f"{key}[{index}]", item) for index, item in enumerate(value)]
