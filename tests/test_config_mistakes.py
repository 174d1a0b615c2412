"""Config mistakes that used to give tracebacks: each is one line naming the file and the
key, and exit 2, whether it is found while loading or would only have crashed after every
fetch (a control character in the site's title reached lxml at render time)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from feeds import cli
from feeds.config import ConfigError, load_config

from .conftest import SEED_PAGE, run_cli


def write_config(directory: Path, site: str = "", fetch: str = "", source: str = "", extra: str = "") -> Path:
    path = directory / "config.toml"
    title = "" if site.startswith("title") else 'title = "t"\n'
    path.write_text(
        f'[site]\n{title}{site}\n[fetch]\n{fetch}\n'
        f'[[sources]]\nname = "s"\nurl = {json.dumps(str(SEED_PAGE))}\n{source}\n{extra}',
        encoding="utf-8",
    )
    return path


def refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("timeout", "0"),
        ("timeout", "nan"),
        ("timeout", "inf"),
        ("timeout", "1e30"),
        ("parse_timeout", "0"),
        ("parse_timeout", "nan"),
        ("backoff", "nan"),
        ("backoff", "inf"),
        ("max_retry_after", "-inf"),
        ("max_bytes", str(2 * 1024**3)),
    ],
)
def test_unusable_fetch_numbers_are_refused_at_their_key(tmp_path: Path, key: str, value: str) -> None:
    path = write_config(tmp_path, fetch=f"{key} = {value}")
    error = refused(path)
    assert (error.file, error.key) == (path, f"fetch.{key}")


def test_fetch_numbers_within_bounds_are_kept(tmp_path: Path) -> None:
    fetch = load_config(write_config(tmp_path, fetch="timeout = 0.5\nparse_timeout = 86400\nbackoff = 0")).fetch
    assert (fetch.timeout, fetch.parse_timeout, fetch.backoff) == (0.5, 86400.0, 0.0)


@pytest.mark.parametrize("refresh", ["99999999999d", "9999999999999999999w", "3651d"])
def test_absurd_durations_are_refused(tmp_path: Path, refresh: str) -> None:
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    for where, path in (
        ("sources[0].refresh", write_config(tmp_path / "a", source=f'refresh = "{refresh}"')),
        ("site.failure_notice_after", write_config(tmp_path / "b", site=f'failure_notice_after = "{refresh}"')),
    ):
        error = refused(path)
        assert error.key == where
        assert "days allowed" in str(error)


def test_ten_years_is_still_a_duration(tmp_path: Path) -> None:
    source = load_config(write_config(tmp_path, source='refresh = "3650d"')).sources[0]
    assert source.refresh is not None and source.refresh.days == 3650


@pytest.mark.parametrize(
    ("part", "text", "key"),
    [
        ("site", 'title = "fe\\u0001eds"', "site.title"),
        ("site", 'author = "a\\u0007b"', "site.author"),
        ("site", 'language = "zh\\u001b[31m"', "site.language"),
        ("site", 'description = "x\\u0000"', "site.description"),
        ("fetch", 'user_agent = "feeds\\r\\nX-Injected: 1"', "fetch.user_agent"),
        ("source", 'category = "媒\\u0085体"', "sources[0].category"),
        ("extra", '[[categories]]\nname = "c"\ntitle = "C\\u007f"', "categories[0].title"),
        ("extra", '[[feeds]]\nslug = "f"\ntitle = "F\\nG"', "feeds[0].title"),
    ],
)
def test_control_characters_are_refused_where_written(tmp_path: Path, part: str, text: str, key: str) -> None:
    path = write_config(tmp_path, **{part: text})
    error = refused(path)
    assert error.key == key
    assert "control character U+" in str(error)


def test_a_description_may_span_lines(tmp_path: Path) -> None:
    site = load_config(write_config(tmp_path, site='description = """one\n\ttwo"""')).site
    assert site.description == "one\n\ttwo"


def test_a_user_agent_must_be_ascii(tmp_path: Path) -> None:
    assert refused(write_config(tmp_path, fetch='user_agent = "订阅器"')).key == "fetch.user_agent"


def test_an_empty_site_title_is_refused(tmp_path: Path) -> None:
    assert refused(write_config(tmp_path, site='title = " "')).key == "site.title"


def test_an_include_of_dot_is_refused(tmp_path: Path) -> None:
    assert refused(write_config(tmp_path, site='include = ["."]')).key == "site.include"


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_source_path_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    target = {"fifo": tmp_path / "pipe", "device": Path("/dev/zero"), "directory": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(json.dumps(str(SEED_PAGE)), json.dumps(str(target))))
    error = refused(path)
    assert error.key == "sources[0].url"
    assert "not a file" in str(error)


@pytest.mark.parametrize(
    "mistake",
    [
        {"fetch": "timeout = nan"},
        {"fetch": 'refresh_typo = "1h"'},
        {"source": 'refresh = "99999999999d"'},
        {"site": 'title = "a\\u0001b"'},
        {"fetch": 'user_agent = "a\\r\\nb"'},
    ],
    ids=["nan-timeout", "unknown-key", "huge-refresh", "control-in-title", "crlf-user-agent"],
)
def test_the_cli_says_one_line_and_exits_2(tmp_path: Path, mistake: dict[str, str]) -> None:
    path = write_config(tmp_path, **mistake)
    result = run_cli("build", "--config", str(path), "--output", str(tmp_path / "out"), "--state", str(tmp_path / "state"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), result.stderr
    assert not (tmp_path / "out").exists()


# A sweep: every key of every table, given values of the kinds that broke things before.
# Whatever the value, the CLI returns 0 (it was fine) or 2 with one line; never an
# exception, never a failing build because of the config.
KEYS = {
    "site": ["title", "base_url", "output_dir", "state_dir", "timezone", "include", "description",
             "language", "author", "max_entries", "failure_notice_after", "stylesheet"],
    "fetch": ["concurrency", "per_host", "timeout", "user_agent", "max_bytes", "max_redirects",
              "retries", "backoff", "max_retry_after", "parse_timeout"],
    "sources": ["name", "adapter", "category", "timezone", "selectors", "refresh", "fulltext",
                "max_fulltext", "verify_tls", "allow_private_hosts"],
    "categories": ["name", "slug", "title", "description"],
    "feeds": ["slug", "title", "sources", "categories", "include", "exclude", "limit", "convert", "description"],
}
VALUES = ["0", "-1", "nan", "inf", "1e308", "100000000000000000", '""', '"\\u0001"', '"a\\r\\nb"',
          '"99999999999d"', "[]", "{}", "true", '"."', '{title = "("}']


def _sweep_config(table: str, key: str, value: str) -> str:
    tables = {
        "site": {"title": '"t"'},
        "fetch": {},
        "sources": {"name": '"s"', "url": json.dumps(str(SEED_PAGE))},
        "categories": {"name": '"c"'},
        "feeds": {"slug": '"f"', "title": '"F"'},
    }
    tables[table][key] = value
    text = ""
    for name, body in tables.items():
        header = f"[[{name}]]" if name in ("sources", "categories", "feeds") else f"[{name}]"
        text += header + "\n" + "".join(f"{k} = {v}\n" for k, v in body.items())
    return text


@pytest.mark.parametrize("table", sorted(KEYS))
def test_no_config_value_gives_a_traceback(tmp_path: Path, table: str) -> None:
    problems = []
    for number, (key, value) in enumerate((k, v) for k in KEYS[table] for v in VALUES):
        directory = tmp_path / str(number)
        directory.mkdir()
        path = directory / "config.toml"
        path.write_text(_sweep_config(table, key, value), encoding="utf-8")
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                code = cli.main(["build", "-q", "--config", str(path), "--output", str(directory / "out"),
                                 "--state", str(directory / "state")])
        except BaseException as error:  # noqa: BLE001 - any escape is what this test finds
            problems.append(f"{table}.{key} = {value}: {type(error).__name__}: {error}")
            continue
        lines = stderr.getvalue().strip().splitlines()
        if code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {path}: "):
            continue
        if code == 0 and not lines:
            continue
        problems.append(f"{table}.{key} = {value}: exit {code}, stderr {lines[:2]}")
    assert problems == []
