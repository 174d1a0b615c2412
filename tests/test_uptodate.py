"""Rendering is skipped when nothing it reads has changed, and never when something has."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from feeds import store
from feeds.uptodate import STAMP_FILENAME

from .conftest import LocalServer
from .pages import article_page
from .test_service import T0, Site

HOURLY = 'refresh = "1h"'


@pytest.fixture
def site(tmp_path: Path, server: LocalServer) -> Site:
    site = Site(tmp_path, server)
    url = site.source("a", "/a.html", HOURLY)
    server.add("/a.html", article_page(url, "Story A", related=[("/r1.html", "Related 1", "2025-05-05 10:00")]), etag='"v1"')
    return site


@pytest.fixture
def history_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The directories whose history files were read, build after build."""
    loads: list[Path] = []
    original = store.History._load

    def load(self: store.History) -> None:
        if not self.loaded:
            loads.append(self.directory)
        original(self)

    monkeypatch.setattr(store.History, "_load", load)
    return loads


def outputs(site: Site) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (site.dir / "output").iterdir()}


def test_nothing_due_reads_no_history_and_writes_nothing(site: Site, history_loads: list[Path]) -> None:
    site.build(T0)
    assert len(history_loads) == 1
    before = outputs(site)

    report = site.build(T0 + timedelta(minutes=5))
    assert report.sources[0].outcome == "skipped"
    assert len(history_loads) == 1  # neither merging nor rendering needed it
    assert report.changed == []
    assert sorted(report.files) == sorted(site.dir / "output" / name for name in before)
    assert outputs(site) == before
    assert site.status()["a"]["entries"] == 2  # the count kept with the source's state


def test_all_304_reads_no_history_and_renders_nothing(site: Site, history_loads: list[Path]) -> None:
    site.build(T0)
    before = outputs(site)
    report = site.build(T0 + timedelta(minutes=5), force=True)
    assert report.sources[0].outcome == "not_modified"
    assert len(history_loads) == 1  # the 304 was trusted on the history file's digest alone
    assert outputs(site) == before


def test_a_deleted_or_edited_output_is_written_again(site: Site) -> None:
    site.build(T0)
    output = site.dir / "output"
    good = (output / "all.atom.xml").read_bytes()
    (output / "all.atom.xml").unlink()
    (output / "status.json").write_text("{}", encoding="utf-8")

    report = site.build(T0 + timedelta(minutes=5))
    assert report.sources[0].outcome == "skipped"
    assert (output / "all.atom.xml").read_bytes() == good
    assert site.status()["a"]["entries"] == 2
    assert {p.name for p in report.changed} == {"all.atom.xml", "status.json"}


def test_a_config_change_is_rendered_with_nothing_due(site: Site) -> None:
    site.build(T0)
    site.site_extra = 'description = "Now with a description"'
    report = site.build(T0 + timedelta(minutes=5))
    assert report.sources[0].outcome == "skipped"
    assert "Now with a description" in (site.dir / "output" / "index.html").read_text("utf-8")


def test_a_history_changed_outside_the_build_is_rendered_and_recounted(site: Site, server: LocalServer) -> None:
    """As when the scheduled job checks out a newer history than its cached fetch state."""
    site.build(T0)
    (site.dir / "elsewhere").mkdir()
    elsewhere = Site(site.dir / "elsewhere", server)
    elsewhere.sources = site.sources
    elsewhere.build(T0)
    url = server.url("/a.html")
    server.add("/a.html", article_page(url, "Story A", related=[("/r2.html", "Related 2", "2025-05-05 11:00")]), etag='"v2"')
    elsewhere.build(T0 + timedelta(hours=2))  # now A, R1 and R2
    for path in (elsewhere.dir / "state" / "entries").iterdir():
        (site.dir / "state" / "entries" / path.name).write_bytes(path.read_bytes())

    report = site.build(T0 + timedelta(minutes=5))
    assert report.sources[0].outcome == "skipped"
    assert site.ids() == {url, server.url("/r1.html"), server.url("/r2.html")}
    assert site.status()["a"]["entries"] == 3


def test_a_broken_stamp_means_a_full_render(site: Site) -> None:
    site.build(T0)
    (site.dir / "state" / "cache" / STAMP_FILENAME).write_text("[not a stamp", encoding="utf-8")
    (site.dir / "output" / "all.rss.xml").unlink()
    site.build(T0 + timedelta(minutes=5))
    assert (site.dir / "output" / "all.rss.xml").exists()


@pytest.mark.parametrize("damage", ["deleted", "edited"])
def test_a_history_file_lost_or_changed_makes_the_next_fetch_unconditional(
    site: Site, server: LocalServer, damage: str
) -> None:
    """A 304 must never stand in for entries the history no longer holds."""
    site.build(T0)
    [path] = (site.dir / "state" / "entries").iterdir()
    if damage == "deleted":
        path.unlink()
    else:
        path.write_text("[]\n", encoding="utf-8")

    report = site.build(T0 + timedelta(hours=2))
    assert server.hits("/a.html")[-1].get("if-none-match") is None
    assert report.sources[0].outcome == "new"
    assert site.ids() == {server.url("/a.html"), server.url("/r1.html")}
