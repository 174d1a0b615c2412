"""Tests for feeds.config.load_config on real TOML files in a temporary directory."""

from __future__ import annotations

import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.config import DEFAULT_MAX_ENTRIES, CategoryConfig, ConfigError, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def config_with_source(tmp_path: Path, source: str, site: str = "") -> Path:
    """config.toml with one [[sources]] table whose body is `source`."""
    return write(tmp_path / "config.toml", f"[site]\n{site}\n\n[[sources]]\n{textwrap.dedent(source)}")


def config_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def assert_located(error: ConfigError, file: Path, key: str) -> None:
    message = str(error)
    assert str(file) in message, message
    assert file.name in message
    assert f": {key}: " in message, message
    assert error.file == file
    assert error.key == key


# --- a valid configuration -----------------------------------------------------


@pytest.fixture
def valid_config(tmp_path: Path) -> Path:
    write(
        tmp_path / "config.toml",
        """\
        [site]
        title = "中文新闻"
        base_url = "https://feeds.example.org/news"
        output_dir = "public"
        timezone = "Asia/Shanghai"
        description = "Feeds for sites without feeds"
        language = "zh-CN"
        author = "Editors"
        max_entries = 20
        include = ["feeds/*.toml"]

        [[sources]]
        name = "Main"
        url = "https://main.example.com/a/1.html"

        [[categories]]
        name = "媒体"
        title = "Media coverage"
        description = "What the press wrote"

        [[categories]]
        name = "产业资讯"
        slug = "industry"
        """,
    )
    write(
        tmp_path / "feeds" / "alpha.toml",
        """\
        [[sources]]
        name = "Alpha"
        url = "samples/alpha.html"
        adapter = "article"
        category = "媒体"
        timezone = "Europe/Berlin"

        [sources.selectors]
        title = "h1.headline"
        content = "div.article-body > p"
        date = "time[datetime]"
        """,
    )
    write(
        tmp_path / "feeds" / "beta.toml",
        """\
        [[sources]]
        name = "Beta"
        url = "https://beta.example.com/news/2.html"
        category = "  "
        """,
    )
    write(tmp_path / "feeds" / "notes.txt", "not toml, not included")
    return tmp_path / "config.toml"


def test_valid_config_site(valid_config: Path) -> None:
    config = load_config(valid_config)
    assert config.path == valid_config
    site = config.site
    assert site.title == "中文新闻"
    assert site.base_url == "https://feeds.example.org/news/"
    assert site.output_dir == valid_config.parent / "public"
    assert site.timezone == ZoneInfo("Asia/Shanghai")
    assert site.description == "Feeds for sites without feeds"
    assert site.language == "zh-CN"
    assert site.author == "Editors"
    assert site.max_entries == 20


def test_valid_config_sources_in_file_order(valid_config: Path) -> None:
    config = load_config(valid_config)
    assert [source.name for source in config.sources] == ["Main", "Alpha", "Beta"]


def test_valid_config_source_in_main_file(valid_config: Path) -> None:
    main = load_config(valid_config).sources[0]
    assert main.url == "https://main.example.com/a/1.html"
    assert main.adapter == "article"
    assert main.timezone == ZoneInfo("Asia/Shanghai")  # from [site]
    assert main.category is None
    assert dict(main.selectors) == {}
    assert main.defined_in == valid_config


def test_valid_config_source_in_included_file(valid_config: Path) -> None:
    alpha = load_config(valid_config).sources[1]
    feeds_dir = valid_config.parent / "feeds"
    assert alpha.url == str((feeds_dir / "samples" / "alpha.html").resolve())
    assert Path(alpha.url).is_absolute()
    assert alpha.adapter == "article"
    assert alpha.category == "媒体"
    assert alpha.timezone == ZoneInfo("Europe/Berlin")
    assert dict(alpha.selectors) == {
        "title": "h1.headline",
        "content": "div.article-body > p",
        "date": "time[datetime]",
    }
    assert alpha.defined_in == feeds_dir / "alpha.toml"


def test_valid_config_blank_category_is_none(valid_config: Path) -> None:
    beta = load_config(valid_config).sources[2]
    assert beta.category is None
    assert beta.timezone == ZoneInfo("Asia/Shanghai")
    assert beta.defined_in == valid_config.parent / "feeds" / "beta.toml"


def test_valid_config_categories(valid_config: Path) -> None:
    assert load_config(valid_config).categories == (
        CategoryConfig(name="媒体", slug="meiti", title="Media coverage", description="What the press wrote"),
        CategoryConfig(name="产业资讯", slug="industry", title="产业资讯", description=""),
    )


def test_minimal_config_uses_defaults(tmp_path: Path) -> None:
    path = config_with_source(tmp_path, 'name = "Only"\nurl = "https://only.example/"')
    config = load_config(path)
    assert config.site.title == "feeds"
    assert config.site.base_url == "http://localhost:8000/"
    assert config.site.output_dir == tmp_path / "output"
    assert config.site.timezone == ZoneInfo("UTC")
    assert config.site.max_entries == DEFAULT_MAX_ENTRIES
    assert config.sources[0].timezone == ZoneInfo("UTC")
    assert config.categories == ()


def test_absolute_output_dir_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    path = config_with_source(tmp_path, 'name = "A"\nurl = "https://a.example/"', site=f"output_dir = '{out}'")
    assert load_config(path).site.output_dir == out


def test_include_may_match_the_config_itself_and_overlap(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[site]\ninclude = ["*.toml", "a.toml", "*.toml"]\n')
    write(tmp_path / "a.toml", '[[sources]]\nname = "A"\nurl = "https://a.example/"\n')
    assert [source.name for source in load_config(path).sources] == ["A"]


def test_included_files_are_read_in_sorted_order(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[site]\ninclude = ["feeds/*.toml"]\n')
    for name in ("c", "a", "b"):
        write(tmp_path / "feeds" / f"{name}.toml", f'[[sources]]\nname = "{name}"\nurl = "https://{name}.example/"\n')
    assert [source.name for source in load_config(path).sources] == ["a", "b", "c"]


# --- errors: each names the file and the key ------------------------------------


def test_unknown_adapter_suggests_the_close_one(tmp_path: Path) -> None:
    path = config_with_source(tmp_path, 'name = "A"\nurl = "https://a.example/"\nadapter = "artcle"')
    error = config_error(path)
    assert_located(error, path, "sources[0].adapter")
    assert "did you mean 'article'" in str(error)


def test_unknown_adapter_in_included_file_names_that_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[site]\ninclude = ["feeds/*.toml"]\n')
    write(tmp_path / "feeds" / "a.toml", '[[sources]]\nname = "A"\nurl = "https://a.example/"\n')
    bad = write(
        tmp_path / "feeds" / "b.toml",
        '[[sources]]\nname = "B"\nurl = "https://b.example/"\n\n'
        '[[sources]]\nname = "C"\nurl = "https://c.example/"\nadapter = "scraper9000"\n',
    )
    error = config_error(path)
    assert_located(error, bad, "sources[1].adapter")
    assert "'scraper9000'" in str(error)


@pytest.mark.parametrize("missing", ["name", "url"])
def test_missing_required_key(tmp_path: Path, missing: str) -> None:
    fields = {"name": 'name = "A"', "url": 'url = "https://a.example/"'}
    del fields[missing]
    path = config_with_source(tmp_path, "\n".join(fields.values()))
    error = config_error(path)
    assert_located(error, path, f"sources[0].{missing}")
    assert "missing" in str(error)


def test_duplicate_source_name_across_files(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[site]\ninclude = ["feeds/*.toml"]\n')
    first = write(tmp_path / "feeds" / "a.toml", '[[sources]]\nname = "Same"\nurl = "https://a.example/"\n')
    second = write(tmp_path / "feeds" / "b.toml", '[[sources]]\nname = "Same"\nurl = "https://b.example/"\n')
    error = config_error(path)
    assert_located(error, second, "sources[0].name")
    assert "duplicate" in str(error) and "'Same'" in str(error)
    assert str(first) in str(error)  # says where the first one is


def test_duplicate_source_name_ignores_surrounding_space(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        '[[sources]]\nname = "Same"\nurl = "https://a.example/"\n\n'
        '[[sources]]\nname = " Same "\nurl = "https://b.example/"\n',
    )
    assert_located(config_error(path), path, "sources[1].name")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Asia/Shang hai", "", "../../etc/passwd", "/etc/localtime"])
def test_bad_source_timezone(tmp_path: Path, zone: str) -> None:
    path = config_with_source(tmp_path, f'name = "A"\nurl = "https://a.example/"\ntimezone = "{zone}"')
    error = config_error(path)
    assert_located(error, path, "sources[0].timezone")
    assert "timezone" in str(error)


def test_bad_site_timezone(tmp_path: Path) -> None:
    path = config_with_source(tmp_path, 'name = "A"\nurl = "https://a.example/"', site='timezone = "Beijing"')
    assert_located(config_error(path), path, "site.timezone")


@pytest.mark.parametrize(
    ("site", "source", "key", "suggestion"),
    [
        ("", 'adpater = "article"', "sources[0].adpater", "adapter"),
        ("", 'selector = {title = "h1"}', "sources[0].selector", "selectors"),
        ("", 'categroy = "x"', "sources[0].categroy", "category"),
        ('titel = "x"', "", "site.titel", "title"),
        ('max_entry = 3', "", "site.max_entry", "max_entries"),
    ],
)
def test_unknown_key_with_did_you_mean(tmp_path: Path, site: str, source: str, key: str, suggestion: str) -> None:
    path = config_with_source(tmp_path, f'name = "A"\nurl = "https://a.example/"\n{source}', site=site)
    error = config_error(path)
    assert_located(error, path, key)
    assert f"did you mean '{suggestion}'" in str(error)


def test_unknown_top_level_table(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[sites]\ntitle = "x"\n')
    error = config_error(path)
    assert_located(error, path, "sites")
    assert "did you mean 'site'" in str(error)


def test_included_file_may_not_set_site(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[site]\ninclude = ["feeds/*.toml"]\n')
    included = write(tmp_path / "feeds" / "a.toml", '[site]\ntitle = "sneaky"\n')
    assert_located(config_error(path), included, "site")


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ('name = 3\nurl = "https://a.example/"', "sources[0].name"),
        ('name = "A"\nurl = ["https://a.example/"]', "sources[0].url"),
        ('name = "A"\nurl = "https://a.example/"\nadapter = 1', "sources[0].adapter"),
        ('name = "A"\nurl = "https://a.example/"\ncategory = true', "sources[0].category"),
        ('name = "A"\nurl = "https://a.example/"\ntimezone = 8', "sources[0].timezone"),
        ('name = "A"\nurl = "https://a.example/"\nselectors = "h1"', "sources[0].selectors"),
        ('name = "A"\nurl = "https://a.example/"\nselectors = {title = 1}', "sources[0].selectors.title"),
    ],
)
def test_wrong_type(tmp_path: Path, source: str, key: str) -> None:
    path = config_with_source(tmp_path, source)
    error = config_error(path)
    assert_located(error, path, key)
    assert "must be" in str(error)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('site = "x"\n', "site"),
        ('sources = {name = "A"}\n', "sources"),
        ('sources = ["A"]\n', "sources[0]"),
        ('[site]\ninclude = 3\n', "site.include"),
        ('[site]\ninclude = ["a.toml", 3]\n', "site.include[1]"),
        ('[site]\ntitle = 3\n', "site.title"),
    ],
)
def test_wrong_type_of_tables_and_lists(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path / "config.toml", text)
    assert_located(config_error(path), path, key)


@pytest.mark.parametrize("selector", ["h1[[", "div >", "::", "p:nth-child(", "a[href"])
def test_invalid_css_selector(tmp_path: Path, selector: str) -> None:
    path = config_with_source(
        tmp_path, f"name = \"A\"\nurl = \"https://a.example/\"\n[sources.selectors]\ntitle = '{selector}'"
    )
    error = config_error(path)
    assert_located(error, path, "sources[0].selectors.title")
    assert "invalid CSS selector" in str(error)


def test_unknown_selector_key(tmp_path: Path) -> None:
    path = config_with_source(tmp_path, 'name = "A"\nurl = "https://a.example/"\n[sources.selectors]\ntitel = "h1"')
    error = config_error(path)
    assert_located(error, path, "sources[0].selectors.titel")
    assert "did you mean 'title'" in str(error)


@pytest.mark.parametrize("pattern", ["feeds/*.toml", "missing.toml", "feeds"])
def test_include_matching_nothing(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "feeds").mkdir()
    path = write(tmp_path / "config.toml", f'[site]\ninclude = ["{pattern}"]\n')
    error = config_error(path)
    assert_located(error, path, "site.include")
    assert "matches no file" in str(error)


@pytest.mark.parametrize("pattern", ["", "/etc/*.toml"])
def test_include_pattern_that_is_not_a_relative_glob(tmp_path: Path, pattern: str) -> None:
    path = write(tmp_path / "config.toml", f'[site]\ninclude = ["{pattern}"]\n')
    assert_located(config_error(path), path, "site.include")


@pytest.mark.parametrize(
    "text",
    ['[site\ntitle = "x"\n', 'title = "unterminated\n', "[site]\ntitle = 'a'\ntitle = 'b'\n", "= 3\n"],
)
def test_toml_syntax_error_in_main_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "config.toml", text)
    error = config_error(path)
    assert str(path) in str(error)
    assert "invalid TOML" in str(error)


def test_toml_syntax_error_in_included_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[site]\ninclude = ["feeds/*.toml"]\n')
    broken = write(tmp_path / "feeds" / "broken.toml", "[[sources]\nname = 'x'\n")
    error = config_error(path)
    assert error.file == broken
    assert str(broken) in str(error) and "invalid TOML" in str(error)


def test_config_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('[site]\ntitle = "新闻"\n'.encode("gbk"))
    assert str(path) in str(config_error(path))


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    error = config_error(path)
    assert str(path) in str(error) and "not found" in str(error)


@pytest.mark.parametrize("slug", ["../x", "a/b", "Media", "-x", "x-", "a_b", "x" * 61, "", "meiti\n"])
def test_invalid_declared_slug(tmp_path: Path, slug: str) -> None:
    path = write(tmp_path / "config.toml", f"[[categories]]\nname = \"媒体\"\nslug = {slug!r}\n".replace("'", '"'))
    error = config_error(path)
    assert_located(error, path, "categories[0].slug")
    assert "not a slug" in str(error)


@pytest.mark.parametrize("slug", ["all", "index", "feeds", "status", "con", "nul", "com1", "lpt3"])
def test_reserved_declared_slug(tmp_path: Path, slug: str) -> None:
    path = write(tmp_path / "config.toml", f'[[categories]]\nname = "x"\nslug = "{slug}"\n')
    error = config_error(path)
    assert_located(error, path, "categories[0].slug")
    assert "reserved" in str(error)


def test_duplicate_category_name_names_the_second_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[site]\ninclude = ["more.toml"]\n\n[[categories]]\nname = "媒体"\n')
    more = write(tmp_path / "more.toml", '[[categories]]\nname = "Other"\n\n[[categories]]\nname = "媒体"\n')
    error = config_error(path)
    assert_located(error, more, "categories[1].name")
    assert "declared twice" in str(error)


def test_two_categories_with_one_slug(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        '[[categories]]\nname = "媒体"\n\n[[categories]]\nname = "Press"\nslug = "meiti"\n',
    )
    error = config_error(path)
    assert_located(error, path, "categories[1].slug")
    assert "'meiti'" in str(error)


def test_category_without_name(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[[categories]]\nslug = "x"\n')
    assert_located(config_error(path), path, "categories[0].name")


@pytest.mark.parametrize(
    "base_url",
    ["ftp://feeds.example.org/", "feeds.example.org", "/news/", "file:///srv/feeds/", "javascript:alert(1)", "http://[::1"],
)
def test_non_http_base_url(tmp_path: Path, base_url: str) -> None:
    path = config_with_source(tmp_path, 'name = "A"\nurl = "https://a.example/"', site=f'base_url = "{base_url}"')
    error = config_error(path)
    assert_located(error, path, "site.base_url")
    assert "http(s)" in str(error)


@pytest.mark.parametrize("value", ["0", "-1", "true", '"50"', "2.5"])
def test_max_entries_must_be_a_positive_integer(tmp_path: Path, value: str) -> None:
    path = config_with_source(tmp_path, 'name = "A"\nurl = "https://a.example/"', site=f"max_entries = {value}")
    error = config_error(path)
    assert_located(error, path, "site.max_entries")
    assert "positive integer" in str(error)


@pytest.mark.parametrize("url", ["ftp://a.example/x", "file:///etc/passwd", "http://[::1/x"])
def test_source_url_must_be_http_or_a_local_path(tmp_path: Path, url: str) -> None:
    path = config_with_source(tmp_path, f'name = "A"\nurl = "{url}"')
    error = config_error(path)
    assert_located(error, path, "sources[0].url")


@pytest.mark.parametrize(("key", "value"), [("name", '"   "'), ("url", '""')])
def test_blank_name_or_url(tmp_path: Path, key: str, value: str) -> None:
    fields = {"name": '"A"', "url": '"https://a.example/"', key: value}
    path = config_with_source(tmp_path, "\n".join(f"{k} = {v}" for k, v in fields.items()))
    error = config_error(path)
    assert_located(error, path, f"sources[0].{key}")
    assert "must not be empty" in str(error)
