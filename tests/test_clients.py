"""Real readers on a real build, served by `feeds serve`: xmllint, newsboat, Chromium.

Each client is a Debian package that `.ci/run` installs, so in CI none of these tests is
skipped; on a machine without one, its tests skip with a loud reason.

newsboat keeps what it read in an SQLite cache: `rss_feed` (one row per feed: `rssurl`,
`url`, `title`, `lastmodified`, `etag`) and `rss_item` (`guid`, `title`, `url`,
`feedurl`, `pubDate`, `unread`, `deleted`…). Its GUIDs are global: the same GUID met in
two feeds is one item (one row, read or unread everywhere), so these tests read each
feed into a cache of its own to compare feed by feed, and all of them into one cache, as
a reader subscribed to every feed would.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import sqlite3
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree, html

from .test_serve import Served, build_into, served, server_env

CLIENT_TIMEOUT = 60  # seconds per client run; each takes one or two


def require(*binaries: str) -> str:
    """The path of the first of `binaries` installed; skip loudly when none is."""
    for binary in binaries:
        if found := shutil.which(binary):
            return found
    pytest.skip(f"LOUD: {binaries[0]} not installed — .ci/run installs it; this test must not be skipped in CI")


def client_env(home: Path) -> dict[str, str]:
    """No proxy, a private HOME, no terminal: a client that touches nothing of ours."""
    home.mkdir(parents=True, exist_ok=True)
    return {**server_env(), "HOME": str(home), "TERM": "dumb", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def feed_files(output: Path) -> list[Path]:
    """Every RSS and Atom file of a build: `all` and each category."""
    return sorted([*output.glob("*.rss.xml"), *output.glob("*.atom.xml")])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Served]]:
    """One sample build, served; the tests here only read it."""
    output = tmp_path_factory.mktemp("clients") / "output"
    build_into(output, tmp_path_factory.mktemp("state"))
    with served(output, tmp_path_factory.mktemp("serve") / "stderr.log") as server:
        yield output, server


# --- xmllint -------------------------------------------------------------------------


def test_xmllint_every_xml_and_opml_output_is_well_formed(site: tuple[Path, Served]) -> None:
    xmllint = require("xmllint")
    output, _ = site
    files = sorted([*output.glob("*.xml"), *output.glob("*.opml")])
    assert len(feed_files(output)) >= 6 and (output / "feeds.opml") in files, [path.name for path in files]
    problems = {}
    for path in files:
        result = subprocess.run(
            [xmllint, "--noout", "--nonet", str(path)], capture_output=True, text=True, timeout=CLIENT_TIMEOUT,
        )
        if result.returncode != 0 or result.stderr.strip():
            problems[path.name] = result.stderr.strip() or f"exit code {result.returncode}"
    assert not problems, problems


def test_xmllint_catches_a_broken_file(tmp_path: Path) -> None:
    """The check above is live: xmllint fails on what is not well-formed."""
    xmllint = require("xmllint")
    broken = tmp_path / "broken.rss.xml"
    broken.write_text("<rss><channel><title>a &nbsp; b</title></channel>", encoding="utf-8")
    result = subprocess.run([xmllint, "--noout", "--nonet", str(broken)], capture_output=True, timeout=CLIENT_TIMEOUT)
    assert result.returncode != 0


# --- newsboat ------------------------------------------------------------------------


class Newsboat:
    """newsboat run non-interactively (`-x reload`) on one urls file and one cache."""

    def __init__(self, binary: str, workdir: Path, urls: list[str]) -> None:
        self.binary = binary
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.urls_file = workdir / "urls"
        self.urls_file.write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
        self.config = workdir / "config"
        # reset-unread-on-update: an item whose content changes comes back unread, so
        # "nothing unread after a rebuild" also means "no entry changed".
        self.config.write_text(
            "reload-threads 2\nmax-items 0\ndownload-timeout 10\nshow-read-feeds yes\n"
            f"reset-unread-on-update {' '.join(urls)}\n",
            encoding="utf-8",
        )
        self.cache = workdir / "cache.db"

    def reload(self) -> None:
        result = subprocess.run(
            [self.binary, "-u", str(self.urls_file), "-c", str(self.cache), "-C", str(self.config), "-x", "reload"],
            env=client_env(self.workdir / "home"), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=CLIENT_TIMEOUT,
        )
        assert result.returncode == 0, f"newsboat exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        assert "Error" not in result.stdout + result.stderr, result.stdout + result.stderr

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.cache) as db:
            return db.execute(sql, params).fetchall()

    def execute(self, sql: str) -> None:
        db = sqlite3.connect(self.cache)
        try:
            with db:
                db.execute(sql)
        finally:
            db.close()

    def items(self, feedurl: str | None = None) -> list[tuple[str, str, str]]:
        """(guid, title, url) of the items of one feed, or of all."""
        where, params = ("WHERE feedurl = ?", (feedurl,)) if feedurl else ("", ())
        return sorted(self.query(f"SELECT guid, title, url FROM rss_item {where}", *params))

    def unread(self) -> list[str]:
        return [guid for (guid,) in self.query("SELECT guid FROM rss_item WHERE unread = 1 AND deleted = 0")]


def parsed_entries(path: Path) -> list[tuple[str, str, str]]:
    """(id, title, link) of each entry of an output file, as feedparser reads it."""
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, (path.name, parsed.get("bozo_exception"))
    return sorted((entry.id, entry.title, entry.link) for entry in parsed.entries)


def test_newsboat_reads_every_entry_keeps_read_state_and_one_guid_across_feeds(tmp_path: Path) -> None:
    binary = require("newsboat")
    output, state = tmp_path / "output", tmp_path / "state"
    build_into(output, state)
    files = feed_files(output)
    assert {path.name for path in files} >= {"all.rss.xml", "all.atom.xml", "meiti.rss.xml", "industry.atom.xml"}

    with served(output, tmp_path / "serve.log") as server:
        url = {path.name: server.url(path.name) for path in files}

        # Feed by feed, each in a cache of its own: the same entries, titles, links, GUIDs.
        alone = {}
        for path in files:
            reader = alone[path.name] = Newsboat(binary, tmp_path / f"alone-{path.name}", [url[path.name]])
            reader.reload()
            expected = parsed_entries(path)
            assert expected, f"{path.name} has no entries"
            assert reader.items(url[path.name]) == expected, path.name
            (title,) = reader.query("SELECT title FROM rss_feed WHERE rssurl = ?", url[path.name])[0]
            assert title == feedparser.parse(path.read_bytes()).feed.title

        # An entry of 媒体 is in all, industry and meiti, as RSS and as Atom: one GUID in all six.
        media = alone["meiti.rss.xml"].items(url["meiti.rss.xml"])
        assert media
        for guid, _, link in media:
            for name, reader in alone.items():
                if name.split(".")[0] in ("all", "industry", "meiti"):
                    guids = [row[0] for row in reader.items(url[name]) if row[2] == link]
                    assert guids == [guid], (name, link, guids)

        # One reader subscribed to every feed: each entry is one item, whichever feeds carry it.
        reader = Newsboat(binary, tmp_path / "reader", sorted(url.values()))
        reader.reload()
        every_entry = {entry for path in files for entry in parsed_entries(path)}
        assert reader.items() == sorted(every_entry)
        assert len(reader.items()) == len({entry_id for entry_id, _, _ in every_entry})
        assert {rssurl for (rssurl,) in reader.query("SELECT rssurl FROM rss_feed")} == set(url.values())

        # Read everything, as a reader would; rebuild with nothing new; reload: nothing unread.
        reader.execute("UPDATE rss_item SET unread = 0")
        before = {path.name: path.read_bytes() for path in output.iterdir() if path.is_file()}
        build_into(output, state)
        changed = [name for name, data in before.items() if (output / name).read_bytes() != data]
        assert not changed, f"a rebuild with nothing new changed {changed}"
        reader.reload()
        assert reader.unread() == []
        assert reader.items() == sorted(every_entry)
        # newsboat kept each feed's validators: the strong ETags of the unchanged files...
        etags = dict(reader.query("SELECT rssurl, etag FROM rss_feed"))
        for path in files:
            assert etags[url[path.name]] == '"' + hashlib.sha256(path.read_bytes()).hexdigest() + '"', path.name
        # ...and its next reload is all conditional requests answered 304.
        logged = len(server.log_lines())
        reader.reload()
        requests = server.log_lines()[logged:]
        for path in files:
            assert any(f'"GET /{path.name} HTTP/1.1" 304' in line for line in requests), (path.name, requests)
        assert reader.unread() == []

        # The check is live: a new entry in one feed does come in unread.
        tree = etree.parse(str(output / "all.rss.xml"))
        guid = tree.find("channel/item/guid")
        guid.text = guid.text + "?control=new"
        tree.write(str(output / "all.rss.xml"), xml_declaration=True, encoding="UTF-8")
        reader.reload()
        assert reader.unread() == [guid.text]


# --- Chromium ------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--no-proxy-server",
]
AUTODISCOVERY_TYPES = {".rss.xml": "application/rss+xml", ".atom.xml": "application/atom+xml", ".json": "application/feed+json"}


def chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        env=client_env(profile / "home"), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=CLIENT_TIMEOUT,
    )
    assert result.returncode == 0, f"chromium exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result


def feed_documents(output: Path) -> list[str]:
    """Every feed file a page should announce: RSS, Atom and JSON Feed (not status.json)."""
    return sorted(
        path.name for path in output.iterdir()
        if path.name.endswith((".rss.xml", ".atom.xml")) or (path.suffix == ".json" and path.name != "status.json")
    )


def file_name(href: str) -> str:
    return posixpath.basename(urlsplit(href).path)


@pytest.fixture(scope="module")
def index_dom(site: tuple[Path, Served], tmp_path_factory: pytest.TempPathFactory) -> html.HtmlElement:
    """index.html as headless Chromium loaded it from `feeds serve`: the DOM after parsing."""
    binary = require("chromium", "chromium-browser")
    output, server = site
    assert (output / "index.html").exists(), (
        f"the build wrote no index.html (feeds.index_page): {sorted(p.name for p in output.iterdir())}"
    )
    result = chromium(binary, tmp_path_factory.mktemp("chromium-profile"), "--dump-dom", server.url("index.html"))
    assert any('"GET /index.html HTTP/1.1" 200' in line for line in server.log_lines()), server.log_lines()
    return html.document_fromstring(result.stdout)


def test_chromium_finds_an_autodiscovery_link_for_every_feed_file(site: tuple[Path, Served], index_dom: html.HtmlElement) -> None:
    output, _ = site
    documents = feed_documents(output)
    assert len(documents) >= 9, documents  # all, industry, meiti × RSS, Atom, JSON
    links = index_dom.xpath("/html/head/link[@rel='alternate']")
    announced = {file_name(link.get("href", "")): link for link in links}
    assert sorted(announced) == documents
    for name, link in announced.items():
        suffix = next(suffix for suffix in AUTODISCOVERY_TYPES if name.endswith(suffix))
        assert link.get("type") == AUTODISCOVERY_TYPES[suffix], name
        assert link.get("title", "").strip(), f"{name} has no title"


def test_chromium_shows_the_list_of_categories(site: tuple[Path, Served], index_dom: html.HtmlElement) -> None:
    output, server = site
    slugs = sorted(path.name.removesuffix(".rss.xml") for path in output.glob("*.rss.xml"))
    sections = index_dom.cssselect("section.category")
    assert len(sections) == len(slugs), [section.text_content()[:60] for section in sections]
    for slug in slugs:
        holding = [s for s in sections if f"{slug}.rss.xml" in {file_name(a.get("href", "")) for a in s.iter("a")}]
        assert len(holding) == 1, f"no single section.category links to {slug}.rss.xml"
        assert holding[0].text_content().strip()
    # 媒体's section is headed by its name; readers show the feed under the site's name too.
    meiti = next(s for s in sections if "meiti.rss.xml" in {file_name(a.get("href", "")) for a in s.iter("a")})
    assert meiti.find("h3").text_content() == "媒体"
    assert feedparser.parse((output / "meiti.rss.xml").read_bytes()).feed.title == "feeds · 媒体"
    # Every local link of the page leads to a file the server has.
    for href in {a.get("href") for a in index_dom.iter("a") if a.get("href")}:
        if not urlsplit(href).scheme and not href.startswith("#"):
            assert server.request("/" + href.lstrip("/").split("#")[0], "HEAD").status == 200, href


def test_chromium_screenshot_on_a_phone_sized_window(site: tuple[Path, Served], tmp_path: Path) -> None:
    binary = require("chromium", "chromium-browser")
    output, server = site
    assert (output / "index.html").exists(), "the build wrote no index.html (feeds.index_page)"
    shot = tmp_path / "index.png"
    chromium(binary, tmp_path / "profile", f"--screenshot={shot}", "--window-size=412,900", server.url("index.html"))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (412, 900)
    assert len(data) > 5 * 1024, f"{len(data)} bytes: a blank page?"
    if os.environ.get("FEEDS_SCREENSHOT_DIR"):  # keep it, to look at
        shutil.copy(shot, Path(os.environ["FEEDS_SCREENSHOT_DIR"]) / "index-412x900.png")
