"""The default build, as a user runs it, read back by feedparser and lxml."""

from __future__ import annotations

import calendar
import json
import time
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from .conftest import run_cli

BASE_URL = "https://example.github.io/feeds/"
ATOM = "{http://www.w3.org/2005/Atom}"
EXPECTED_COUNTS = {"all": 6, "industry": 6, "meiti": 4}
BUILD_TIME = "2025-05-07T12:00:00+00:00"


def build_into(output: Path, state: Path, *extra: str) -> str:
    return run_cli("build", "--output", str(output), "--state", str(state), *extra, check=True).stdout


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("output")
    build_into(directory, tmp_path_factory.mktemp("state"), "--now", BUILD_TIME)
    return directory


@pytest.fixture(scope="module")
def preview() -> list[dict]:
    result = run_cli("preview", "feeds/samples/camerich-1639.html", "--json", check=True)
    return json.loads(result.stdout)["entries"]


def test_one_rss_and_one_atom_file_per_category_plus_all(output: Path) -> None:
    names = sorted(path.name for path in output.iterdir())
    feeds = [f"{slug}.{kind}.xml" for slug in EXPECTED_COUNTS for kind in ("rss", "atom")]
    feeds += [f"{slug}.json" for slug in EXPECTED_COUNTS]
    assert names == sorted([*feeds, "status.json", "feeds.opml", "index.html"])


@pytest.mark.parametrize("slug", sorted(EXPECTED_COUNTS))
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feedparser_reads_every_feed_cleanly(output: Path, preview: list[dict], slug: str, kind: str) -> None:
    parsed = feedparser.parse((output / f"{slug}.{kind}.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    assert len(parsed.entries) == EXPECTED_COUNTS[slug]

    by_id = {entry["id"]: entry for entry in preview}
    dates = []
    for item in parsed.entries:
        expected = by_id[item.id]
        assert item.title == expected["title"]
        assert item.link == expected["link"]
        published = datetime.fromisoformat(expected["published"])
        assert calendar.timegm(item.published_parsed) == int(published.timestamp())
        if kind == "atom":  # RSS 2.0 has no per-item updated date
            updated = datetime.fromisoformat(expected["updated"])
            assert calendar.timegm(item.updated_parsed) == int(updated.timestamp())
        dates.append(published)
    assert dates == sorted(dates, reverse=True), "newest first"


def test_category_routing(output: Path, preview: list[dict]) -> None:
    ids = {slug: [e.id for e in feedparser.parse((output / f"{slug}.atom.xml").read_bytes()).entries] for slug in EXPECTED_COUNTS}
    media = {e["id"] for e in preview if "媒体" in e["categories"]}
    assert set(ids["meiti"]) == media
    assert set(ids["industry"]) == set(ids["all"]) == {e["id"] for e in preview}


def test_same_id_in_rss_guid_atom_id_and_every_category(output: Path) -> None:
    ids_by_file = {}
    for path in output.glob("*.xml"):
        root = etree.parse(str(path)).getroot()
        if path.name.endswith(".rss.xml"):
            ids_by_file[path.name] = [guid.text for guid in root.iter("guid")]
        else:
            ids_by_file[path.name] = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
    for slug in EXPECTED_COUNTS:
        assert ids_by_file[f"{slug}.rss.xml"] == ids_by_file[f"{slug}.atom.xml"]
    all_ids = set(ids_by_file["all.rss.xml"])
    assert set(ids_by_file["meiti.rss.xml"]) <= all_ids


def test_rss_channel(output: Path) -> None:
    channel = etree.parse(str(output / "meiti.rss.xml")).getroot().find("channel")
    assert channel.findtext("link") == BASE_URL
    self_link = channel.find(f"{ATOM}link")
    assert self_link.get("rel") == "self" and self_link.get("href") == BASE_URL + "meiti.rss.xml"
    assert channel.findtext("title") == "feeds · 媒体"
    assert channel.findtext("lastBuildDate") == "Tue, 06 May 2025 09:12:00 +0800"
    item = channel.find("item")
    assert item.find("guid").get("isPermaLink") == "true"
    assert item.find("{http://purl.org/rss/1.0/modules/content/}encoded").text.startswith("<p>去年,")


def test_atom_feed(output: Path) -> None:
    root = etree.parse(str(output / "all.atom.xml")).getroot()
    assert root.findtext(f"{ATOM}id") == BASE_URL + "all.atom.xml"
    assert root.findtext(f"{ATOM}updated") == "2025-05-06T09:12:00+08:00"
    assert root.find(f"{ATOM}author").findtext(f"{ATOM}name") == "feeds"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": BASE_URL + "all.atom.xml", "alternate": BASE_URL}
    for entry in root.iter(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}content").get("type") == "html"
        assert entry.findtext(f"{ATOM}updated")
        link = entry.find(f"{ATOM}link")
        assert link.get("href").startswith("https://www.camerich.net/archives/")
        assert link.get("rel") in (None, "alternate")  # absent means alternate (RFC 4287 4.2.7.2)


def test_build_is_byte_for_byte_reproducible(output: Path, tmp_path: Path) -> None:
    build_into(tmp_path / "output", tmp_path / "state", "--now", BUILD_TIME)
    for path in output.iterdir():
        assert (tmp_path / "output" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_rebuild_with_nothing_new_rewrites_nothing(tmp_path: Path) -> None:
    out, state = tmp_path / "output", tmp_path / "state"
    build_into(out, state)
    files = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    history = {p.name: p.read_bytes() for p in (state / "entries").iterdir()}
    time.sleep(0.01)
    again = build_into(out, state)
    assert "12 files, 0 changed" in again
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == files
    assert {p.name: p.read_bytes() for p in (state / "entries").iterdir()} == history


def test_every_feed_agrees_with_the_history_and_has_no_relative_urls(tmp_path: Path) -> None:
    from lxml import html

    from feeds.store import History

    out, state = tmp_path / "output", tmp_path / "state"
    build_into(out, state, "--now", BUILD_TIME)
    history = History.load(state / "entries")
    for path in sorted(out.glob("*.xml")):
        if path.name == "feeds.opml":
            continue
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, path.name
        for item in parsed.entries:
            record = history.get(item.id)
            assert record is not None, item.id
            stored = record.entry
            assert (item.title, item.link) == (stored.title, stored.link)
            assert calendar.timegm(item.published_parsed) == int(stored.published.timestamp())
            content = html.fragment_fromstring(item.content[0].value if "content" in item else item.summary, create_parent="div")
            for element in content.iter("a", "img"):
                url = element.get("href") or element.get("src") or ""
                assert url.startswith(("https://", "http://", "mailto:")), (path.name, url)
