"""`schema/source.schema.json`: the JSON Schema of source files, for editors (taplo,
Even Better TOML) and CI. It must accept every real source file, reject mistakes at the
right key, and agree with what `feeds.config` accepts."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

from feeds import adapters, config, slugs
from feeds.adapters import listing, sitemap
from feeds.config import ConfigError, load_config

from .conftest import FIXTURES, REPO

SCHEMA_PATH = REPO / "schema" / "source.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
SOURCE = SCHEMA["$defs"]["source"]
CATEGORY = SCHEMA["$defs"]["category"]
SELECTORS = SCHEMA["$defs"]["selectors"]["properties"]
SOURCE_FILES = sorted((REPO / "feeds").rglob("*.toml")) + [
    FIXTURES / "listing" / "sources.toml",
    FIXTURES / "sitemaps" / "sources.toml",
]
# Adapters the schema knows before they are registered (the registry grows in parallel).
PENDING_ADAPTERS = {"listing", "sitemap", "wordpress", "auto"}


def errors(text: str) -> list[ValidationError]:
    return list(VALIDATOR.iter_errors(tomllib.loads(text)))


def adapter_selector_keys(name: str) -> set[str]:
    """The selector keys the schema allows for one adapter."""
    for rule in SOURCE["allOf"]:
        if rule["if"]["properties"]["adapter"]["const"] == name:
            selectors = rule["then"]["properties"]["selectors"]
            return set(selectors.get("propertyNames", {}).get("enum", []))
    raise AssertionError(f"no selector rule for adapter {name!r}")


def test_the_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_source_file_is_valid(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert [error.message for error in VALIDATOR.iter_errors(data)] == []


@pytest.mark.parametrize("path", SOURCE_FILES[-2:], ids=lambda p: p.parent.name)
def test_the_taplo_directive_points_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"#:schema (\S+)", first)
    assert match, first
    assert (path.parent / match.group(1)).resolve() == SCHEMA_PATH.resolve()


# --- mistakes are rejected at the key --------------------------------------------------

SOURCE_HEAD = '[[sources]]\nname = "s"\nurl = "https://www.example.com/"\n'

MISTAKES = [
    # (TOML, JSON path of the error, part of its message)
    (SOURCE_HEAD + 'colour = "red"\n', "$.sources[0]", "'colour' was unexpected"),
    ('[site]\ntitle = "x"\n' + SOURCE_HEAD, "$", "'site' was unexpected"),
    ('sources = "camerich"\n', "$.sources", "is not of type 'array'"),
    (SOURCE_HEAD + 'fulltext = "yes"\n', "$.sources[0].fulltext", "'yes' is not of type 'boolean'"),
    (SOURCE_HEAD + "max_fulltext = 0\n", "$.sources[0].max_fulltext", "0 is less than the minimum of 1"),
    (SOURCE_HEAD + "max_fulltext = 2.5\n", "$.sources[0].max_fulltext", "2.5 is not of type 'integer'"),
    (SOURCE_HEAD + "refresh = 6\n", "$.sources[0].refresh", "6 is not of type 'string'"),
    (SOURCE_HEAD + 'refresh = "6 hours"\n', "$.sources[0].refresh", "'6 hours' does not match"),
    (SOURCE_HEAD + 'refresh = "0h"\n', "$.sources[0].refresh", "'0h' does not match"),
    (SOURCE_HEAD + 'timezone = "Asia Shanghai"\n', "$.sources[0].timezone", "does not match"),
    (SOURCE_HEAD + 'adapter = "artcle"\n', "$.sources[0].adapter", "'artcle' is not one of"),
    ('[[sources]]\nurl = "https://a.example/"\n', "$.sources[0]", "'name' is a required property"),
    ('[[sources]]\nname = "s"\n', "$.sources[0]", "'url' is a required property"),
    ('[[sources]]\nname = ""\nurl = "https://a.example/"\n', "$.sources[0].name", "should be non-empty"),
    ('[[sources]]\nname = "s"\nurl = "ftp://a.example/x"\n', "$.sources[0].url", "is not valid under any of the given schemas"),
    (SOURCE_HEAD + '[sources.selectors]\ntitel = "h1"\n', "$.sources[0].selectors", "'titel' was unexpected"),
    (SOURCE_HEAD + "[sources.selectors]\ntitle = 1\n", "$.sources[0].selectors.title", "1 is not of type 'string'"),
    (SOURCE_HEAD + '[sources.selectors]\ntitle = ""\n', "$.sources[0].selectors.title", "should be non-empty"),
    (SOURCE_HEAD + '[sources.selectors]\nitem = "li"\n', "$.sources[0].selectors", "'item' is not one of"),
    (SOURCE_HEAD + 'adapter = "listing"\n', "$.sources[0]", "'selectors' is a required property"),
    (SOURCE_HEAD + 'adapter = "listing"\n[sources.selectors]\ntitle = "a"\n', "$.sources[0].selectors", "'item' is a required property"),
    (SOURCE_HEAD + 'adapter = "listing"\n[sources.selectors]\nitem = "li"\nrelated = "ul"\n', "$.sources[0].selectors", "'related' is not one of"),
    (SOURCE_HEAD + 'adapter = "listing"\n[sources.selectors]\nitem = "li"\ndate_format = "Y-m-d"\n', "$.sources[0].selectors.date_format", "'Y-m-d' does not match '%'"),
    (SOURCE_HEAD + 'adapter = "sitemap"\n[sources.selectors]\nurl_pattern = "/20("\n', "$.sources[0].selectors.url_pattern", "'/20(' is not a 'regex'"),
    (SOURCE_HEAD + 'adapter = "sitemap"\n[sources.selectors]\ntitle = "h1"\n', "$.sources[0].selectors", "'title' is not one of"),
    (SOURCE_HEAD + 'adapter = "feed"\n[sources.selectors]\ntitle = "h1"\n', "$.sources[0].selectors", "is expected to be empty"),
    ('[[categories]]\nname = "产业资讯"\nslug = "Industry News"\n', "$.categories[0].slug", "does not match"),
    ('[[categories]]\nname = "产业资讯"\nslug = "-industry"\n', "$.categories[0].slug", "does not match"),
    ('[[categories]]\nname = "All"\nslug = "all"\n', "$.categories[0].slug", "should not be valid under"),
    ('[[categories]]\nslug = "industry"\n', "$.categories[0]", "'name' is a required property"),
    ('[[categories]]\nname = "x"\nicon = "x.png"\n', "$.categories[0]", "'icon' was unexpected"),
]


@pytest.mark.parametrize(("text", "path", "message"), MISTAKES, ids=[m[2][:40] for m in MISTAKES])
def test_a_mistake_is_rejected_at_its_key(text: str, path: str, message: str) -> None:
    found = errors(text)
    assert found, "accepted"
    located = [(e.json_path, e.message) for e in found]
    assert any(json_path == path and message in text_ for json_path, text_ in located), located


def test_valid_sources_of_every_adapter() -> None:
    text = """
    [[sources]]
    name = "a"
    url = "samples/page.html"
    refresh = "1d 12h"
    [sources.selectors]
    related = ".more-news li"
    related_date = ".time"

    [[sources]]
    name = "l"
    url = "https://www.gov.example.cn/tzgg/"
    adapter = "listing"
    fulltext = true
    max_fulltext = 5
    [sources.selectors]
    item = "ul.list li"
    date_format = "%Y年%m月%d日"

    [[sources]]
    name = "s"
    url = "HTTPS://www.example.com/sitemap.xml.gz"
    adapter = "sitemap"
    [sources.selectors]
    url_pattern = '/20\\d\\d/'

    [[sources]]
    name = "f"
    url = "https://www.example.com/feed/"
    adapter = "feed"
    timezone = "Etc/GMT-8"

    [[sources]]
    name = "auto"
    url = "https://www.example.com/"
    adapter = "auto"
    """
    assert [e.message for e in errors(text)] == []


# --- the schema agrees with feeds.config ------------------------------------------------


def test_source_keys_agree_with_config() -> None:
    assert set(SOURCE["properties"]) == config.SOURCE_KEYS
    assert set(SOURCE["required"]) == {"name", "url"}


def test_category_and_top_level_keys_agree_with_config() -> None:
    assert set(CATEGORY["properties"]) == config.CATEGORY_KEYS
    assert set(CATEGORY["required"]) == {"name"}
    assert set(SCHEMA["properties"]) == config.INCLUDED_TOP_KEYS


def test_adapters_agree_with_the_registry() -> None:
    names = set(SOURCE["properties"]["adapter"]["enum"])
    assert set(adapters.NAMES) <= names
    assert names - set(adapters.NAMES) <= PENDING_ADAPTERS
    assert {rule["if"]["properties"]["adapter"]["const"] for rule in SOURCE["allOf"]} == names - {"auto"}


def test_selector_keys_agree_with_the_adapters() -> None:
    assert set(SELECTORS) == set().union(*adapters.SELECTOR_KEYS.values(), listing.SELECTOR_KEYS, sitemap.SELECTOR_KEYS)
    assert adapter_selector_keys("listing") == listing.SELECTOR_KEYS
    assert adapter_selector_keys("sitemap") == sitemap.SELECTOR_KEYS
    for name, keys in adapters.SELECTOR_KEYS.items():
        if name == "auto":  # auto hands the source to one of the others: any of their keys
            assert keys <= set(SELECTORS)
        else:
            assert adapter_selector_keys(name) == keys, name


def test_only_the_non_css_keys_are_free_of_the_css_rule() -> None:
    non_css = listing.NON_CSS_KEYS | sitemap.NON_CSS_KEYS
    assert {key for key, prop in SELECTORS.items() if prop.get("$ref") != "#/$defs/cssSelector"} == non_css
    assert all(prop.get("description") for prop in SELECTORS.values())


def test_reserved_slugs_agree() -> None:
    assert set(CATEGORY["properties"]["slug"]["not"]["enum"]) == slugs.RESERVED


def _config_accepts(tmp_path: Path, table: str) -> bool:
    path = tmp_path / "config.toml"
    path.write_text(table, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError:
        return False
    return True


@pytest.mark.parametrize(
    "value", ["30m", "6h", "1d12h", "1d 12h", "1D", " 90s ", "2w", "10h", "6 hours", "0h", "0h0m", "h", "", "-1h", "1.5h", "6h!"]
)
def test_refresh_strings_the_schema_accepts_are_those_config_accepts(tmp_path: Path, value: str) -> None:
    table = SOURCE_HEAD + f"refresh = {json.dumps(value)}\n"
    assert (not errors(table)) == _config_accepts(tmp_path, table)


@pytest.mark.parametrize(
    "slug", ["industry", "a", "a-b", "x1-2y", "z" * 60, "z" * 61, "-a", "a-", "A", "a_b", "all", "com1", "con-news", "中文"]
)
def test_slugs_the_schema_accepts_are_those_config_accepts(tmp_path: Path, slug: str) -> None:
    table = f'[[categories]]\nname = "c"\nslug = {json.dumps(slug, ensure_ascii=False)}\n'
    assert (not errors(table)) == _config_accepts(tmp_path, table)


@pytest.mark.parametrize(
    "url", ["https://a.example/x", "http://a.example", "samples/page.html", "/abs/path.html", "ftp://a.example/x", "file:///etc/passwd"]
)
def test_urls_the_schema_accepts_are_those_config_accepts(tmp_path: Path, url: str) -> None:
    table = f'[[sources]]\nname = "s"\nurl = {json.dumps(url)}\n'
    assert (not errors(table)) == _config_accepts(tmp_path, table)


def test_feed_keys_agree_with_the_loader() -> None:
    from feeds.custom_feeds import FEED_KEYS, FILTER_FIELDS

    feed = SCHEMA["$defs"]["feed"]
    assert set(feed["properties"]) == FEED_KEYS
    assert feed["properties"]["include"]["propertyNames"]["enum"] == list(FILTER_FIELDS)
