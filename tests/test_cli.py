"""The command line as a subprocess, with sources served by a real local HTTP server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from .conftest import REPO, SEED_PAGE, LocalServer, run_cli

PREVIEW_FIELDS = {
    "id", "title", "link", "summary", "content_html", "authors", "published", "updated",
    "categories", "image", "extra", "role", "source", "provenance",
}


def write_config(directory: Path, sources: str, extra_site: str = "") -> Path:
    config = directory / "config.toml"
    config.write_text(
        f'[site]\ntitle = "Test"\nbase_url = "https://feeds.example.org/"\ntimezone = "Asia/Shanghai"\n{extra_site}\n{sources}',
        encoding="utf-8",
    )
    return config


def test_help_from_the_repo_root() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "build" in result.stdout and "preview" in result.stdout


def test_preview_json_is_the_documented_contract() -> None:
    result = run_cli("preview", str(SEED_PAGE), "--json", "--timezone", "Asia/Shanghai", check=True)
    entries = json.loads(result.stdout)["entries"]
    assert len(entries) == 6
    for entry in entries:
        assert set(entry) == PREVIEW_FIELDS
        assert entry["published"].endswith("+08:00")
    assert entries[0]["published"] == "2025-05-06T09:12:00+08:00"
    assert entries[1]["published"] == "2025-05-05T01:38:00+08:00"
    assert entries[1]["extra"] == {"views": 521}


def test_preview_fetches_over_http_and_resolves_links_against_the_final_url(server: LocalServer) -> None:
    url = server.add("/archives/1639.html", SEED_PAGE.read_bytes())
    result = run_cli("preview", url, "--json", check=True)
    entries = json.loads(result.stdout)["entries"]
    assert entries[0]["id"] == "https://www.camerich.net/archives/1639.html"  # its canonical link
    assert entries[2]["link"] == server.url("/archives/1632.html")  # a relative link on the page
    assert server.requests[0][1]["user-agent"].startswith("feeds/")


def test_preview_relative_dates_against_now() -> None:
    page = REPO / "tests" / "fixtures" / "justnews-relative.html"
    result = run_cli("preview", str(page), "--json", "--timezone", "Asia/Shanghai", "--now", "2025-07-03T16:00:00+08:00", check=True)
    dates = [e["published"] for e in json.loads(result.stdout)["entries"]]
    assert dates == [
        "2025-07-03T15:20:00+08:00", "2025-07-03T15:25:00+08:00", "2025-07-03T13:00:00+08:00",
        "2025-07-01T16:00:00+08:00", "2025-07-02T08:30:00+08:00",
    ]


def test_preview_of_a_page_without_title_is_one_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "untitled.html"
    page.write_text("<html><body><p>nothing</p></body></html>")
    result = run_cli("preview", str(page))
    assert result.returncode == 1
    assert result.stderr.startswith("error: no title found")
    assert "Traceback" not in result.stderr


def test_gbk_page_with_charset_only_in_meta(server: LocalServer) -> None:
    page = '<html><head><meta charset="gb2312"><title>x</title></head><body><h1>朱镕基在保定考察</h1></body></html>'
    url = server.add("/gbk.html", page.encode("gbk"), content_type="text/html")
    entries = json.loads(run_cli("preview", url, "--json", check=True).stdout)["entries"]
    assert entries[0]["title"] == "朱镕基在保定考察"


def test_one_failing_source_does_not_fail_the_build(server: LocalServer, tmp_path: Path) -> None:
    good = server.add("/archives/1639.html", SEED_PAGE.read_bytes())
    config = write_config(tmp_path, f'''
[[sources]]
name = "good"
url = "{good}"
category = "News"

[[sources]]
name = "missing"
url = "{server.url('/gone.html')}"

[[sources]]
name = "untitled"
url = "untitled.html"
''')
    (tmp_path / "untitled.html").write_text("<html><body><p>no title</p></body></html>")
    result = run_cli("build", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "error: source 'missing': HTTP 404" in result.stderr
    assert "error: source 'untitled': no title found" in result.stderr
    assert "Traceback" not in result.stderr
    assert "good" in result.stdout and "failed" in result.stdout
    parsed = feedparser.parse((tmp_path / "output" / "news.rss.xml").read_bytes())
    assert len(parsed.entries) == 6


def test_when_every_source_fails_the_previous_output_stays(server: LocalServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, f'[[sources]]\nname = "flaky"\nurl = "{server.url("/page.html")}"\n')
    server.add("/page.html", SEED_PAGE.read_bytes())
    run_cli("build", "--config", str(config), check=True)
    published = {p.name: p.read_bytes() for p in (tmp_path / "output").iterdir()}
    assert "all.rss.xml" in published

    server.add("/page.html", b"oops", status=500, content_type="text/plain")
    result = run_cli("build", "--config", str(config))
    assert result.returncode == 1
    assert "every source failed" in result.stderr
    now = {p.name: p.read_bytes() for p in (tmp_path / "output").iterdir()}
    health = {"status.json", "index.html"}  # these report the failure; the feeds are unchanged
    assert {n: b for n, b in now.items() if n not in health} == {n: b for n, b in published.items() if n not in health}
    assert b"failing" in now["index.html"]
    assert json.loads(now["status.json"])["sources"]["flaky"]["consecutive_failures"] == 1

    # Even with the history gone, a build that reads nothing never empties the feeds.
    shutil.rmtree(tmp_path / "state")
    assert run_cli("build", "--config", str(config)).returncode == 1
    assert {p.name: p.read_bytes() for p in (tmp_path / "output").iterdir()} == now


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ('[[sources]]\nname = "a"\nurl = "x.html"\nadapter = "artcle"\n', "sources[0].adapter: unknown adapter 'artcle' (did you mean 'article'?)"),
        ('[[sources]]\nname = "a"\n', "sources[0].url: missing"),
        ('[[sources]]\nname = "a"\nurl = "x.html"\n[[sources]]\nname = "a"\nurl = "y.html"\n', "sources[1].name: duplicate source name 'a'"),
        ('[[sources]]\nname = "a"\nurl = "x.html"\ntimezone = "Mars/Olympus"\n', "sources[0].timezone: unknown timezone 'Mars/Olympus'"),
        ('[[sources]]\nname = "a"\nurl = "x.html"\nadpater = "article"\n', "sources[0].adpater: unknown key 'adpater' (did you mean 'adapter'?)"),
        ('[[sources]]\nname = "a"\nurl = "x.html"\n[sources.selectors]\ntitle = "h1[["\n', "sources[0].selectors.title: invalid CSS selector"),
        ("[[sources]\n", "invalid TOML"),
    ],
)
def test_config_mistakes_exit_2_with_file_and_key(tmp_path: Path, sources: str, expected: str) -> None:
    config = write_config(tmp_path, sources)
    result = run_cli("build", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {config}")
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "output").exists()


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("build", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "nope.toml: file not found" in result.stderr


@pytest.mark.parametrize("sources", [1, 9], ids=["parsed inline", "parsed in worker processes"])
def test_warnings_are_prefixed_and_quiet_keeps_only_errors(tmp_path: Path, sources: int) -> None:
    """A feed without items warns (from a worker process too) and then fails the source."""
    from feeds.parsing import MIN_SOURCES_FOR_WORKERS

    assert (sources >= MIN_SOURCES_FOR_WORKERS) == (sources == 9)
    empty = b'<rss version="2.0"><channel><title>t</title><link>https://x.example/</link></channel></rss>'
    tables = ""
    for n in range(sources):
        (tmp_path / f"f{n}.xml").write_bytes(empty)
        tables += f'[[sources]]\nname = "f{n}"\nurl = "{tmp_path / f"f{n}.xml"}"\nadapter = "feed"\n'
    config = str(write_config(tmp_path, tables))

    loud = run_cli("build", "--config", config)
    lines = loud.stderr.splitlines()
    assert sorted(line for line in lines if "has no items" in line) == sorted(
        f"warning: f{n}: the feed has no items" for n in range(sources)
    )
    quiet = run_cli("build", "--config", config, "--quiet")
    assert quiet.returncode == loud.returncode == 1
    assert "has no items" not in quiet.stderr
    assert f"error: source 'f0': no entries found" in quiet.stderr
