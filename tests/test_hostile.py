"""A hostile corpus: one build with a healthy source next to each hostile one.

Every case must end with a clear per-source error or a cleaned entry; the build always
finishes, the healthy source's entries come out exactly as they do without the hostile
one, and every output file still parses (lxml and feedparser without bozo, json).
"""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.build import BuildReport, build
from feeds.config import load_config
from feeds.models import Entry
from feeds.slugs import VALID_SLUG
from feeds.store import History

from .conftest import LocalServer, Reply, write_config
from .pages import article_page

NOW = datetime(2025, 5, 6, 4, 0, tzinfo=timezone.utc)
MAX_BYTES = 8_000_000
TIMEOUT = 2.0


# --- the harness ------------------------------------------------------------------------


@dataclass
class Built:
    report: BuildReport
    out: Path
    state: Path

    def error(self, name: str) -> str:
        [failed] = [s for s in self.report.failed if s.name == name]
        status = json.loads((self.out / "status.json").read_text("utf-8"))["sources"][name]
        assert status["status"] == "failing" and status["last_error"] == failed.error
        return failed.error or ""

    def entries(self, name: str = "bad") -> list[Entry]:
        assert name not in {s.name for s in self.report.failed}, self.error(name)
        return History.load(self.state / "entries").entries([name])

    def entry(self, name: str = "bad") -> Entry:
        [entry] = self.entries(name)
        return entry

    def output_text(self) -> str:
        return "\n".join(p.read_text("utf-8", "replace") for p in self.out.iterdir() if p.is_file())


class Harness:
    """A healthy article source plus whatever hostile sources a case adds."""

    def __init__(self, tmp_path: Path, server: LocalServer) -> None:
        self.tmp, self.server = tmp_path, server
        self.good = server.add("/good.html", b"")
        server.add("/good.html", article_page(self.good, "Healthy story", related=[("/good-r.html", "Healthy related", "2025-05-05 10:00")]))
        self.sources: list[str] = []

    def source(self, url: str, extra: str = "", name: str = "bad") -> None:
        self.sources.append(f'[[sources]]\nname = "{name}"\nurl = {json.dumps(url)}\n{extra}\n')

    def feed(self, path: str, items: str, doctype: str = "", name: str = "bad") -> str:
        """An RSS 2.0 feed on the local server, read with the `feed` adapter."""
        body = f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel><title>x</title><link>{self.server.base}/</link>{items}</channel></rss>'
        url = self.server.add(path, body.encode("utf-8", "surrogatepass"), content_type="application/rss+xml")
        self.source(url, 'adapter = "feed"', name)
        return url

    def page(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", name: str = "bad") -> str:
        url = self.server.add(path, body, content_type=content_type)
        self.source(url, name=name)
        return url

    def run(self, hostile: bool = True, folder: str = "site") -> Built:
        root = self.tmp / folder
        root.mkdir()
        good = f'[[sources]]\nname = "good"\nurl = "{self.good}"\n'
        config = write_config(
            root, "\n".join([good, *(self.sources if hostile else [])]),
            fetch=f"retries = 0\nbackoff = 0.01\ntimeout = {TIMEOUT}\nmax_bytes = {MAX_BYTES}",
        )
        report = build(load_config(config), now=NOW)
        return Built(report, root / "output", root / "state")


def item(title: str = "Item", link: str = "http://127.0.0.1/item", extra: str = "") -> str:
    return f"<item><title>{title}</title><link>{link}</link>{extra}</item>"


def page(title: str, body: str = "<p>Body text.</p>", head: str = "", related: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body><article>'
        f'<h1 class="entry-title">{title}</h1><div class="entry-content">{body}</div></article>{related}</body></html>'
    ).encode("utf-8", "surrogatepass")


def assert_valid_outputs(out: Path) -> None:
    names = sorted(p.name for p in out.iterdir())
    assert "all.rss.xml" in names and "status.json" in names
    for path in out.iterdir():
        if path.suffix == ".xml":
            etree.parse(str(path))
            parsed = feedparser.parse(path.read_bytes())
            assert not parsed.bozo, (path.name, parsed.get("bozo_exception"))
        elif path.suffix == ".json":
            json.loads(path.read_text("utf-8"))
        elif path.suffix == ".opml":
            etree.parse(str(path))
        stem = path.name.split(".")[0]
        assert stem in {"all", "index", "feeds", "status"} or VALID_SLUG.match(stem), path.name


def healthy_items(out: Path, good: str) -> dict[str, dict]:
    items = json.loads((out / "all.json").read_text("utf-8"))["items"]
    return {i["id"]: i for i in items if i["id"].startswith(good.rsplit("/", 1)[0] + "/good")}


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# --- the cases --------------------------------------------------------------------------
# Each case sets up its hostile source(s) on the harness and returns the check to run on
# the build. An `error(...)` check means the source must fail with that text.

Check = Callable[[Built], None]


def fails_with(*texts: str) -> Check:
    def check(built: Built) -> None:
        error = built.error("bad")
        assert "\n" not in error and "Traceback" not in error
        for text in texts:
            assert text in error, error
    return check


def truncated_html(h: Harness) -> Check:
    h.page("/t.html", page("Truncated story", "<p>Cut in the middle of a sentence")[:-40])
    def check(b: Built) -> None:
        e = b.entry()
        assert e.title == "Truncated story" and e.content_html.startswith("<p>Cut in the middle"), e
    return check


def unclosed_tags(h: Harness) -> Check:
    h.page("/u.html", b'<html><head><meta charset="utf-8"><body><article><h1 class="entry-title">Unclosed <b>bold<div class="entry-content"><p>one<p>two<table><tr><td>cell<ul><li>x')
    def check(b: Built) -> None:
        e = b.entry()
        assert e.title.startswith("Unclosed bold")
        assert "two" in e.content_html
    return check


def huge_page(h: Harness) -> Check:
    h.page("/huge.html", page("Huge", "<p>" + "word " * 4_000_000 + "</p>"))  # 20 MB
    return fails_with("/huge.html", f"larger than {MAX_BYTES} bytes")


def many_links(h: Harness) -> Check:
    links = "".join(f'<li><a href="/r/{n}.html">Related story number {n}</a></li>' for n in range(100_000))
    h.page("/links.html", page("Many links", related=f"<h3>相关推荐</h3><ul>{links}</ul>"))
    def check(b: Built) -> None:
        entries = b.entries()
        assert [e.title for e in entries if e.role == "main"] == ["Many links"]
        assert 1 < len(entries) <= 51  # the related block is capped at 50 items
    return check


def deep_nesting(h: Harness) -> Check:
    h.page("/deep.html", page("Deep", "<div>" * 10_000 + "<p>bottom</p>" + "</div>" * 10_000))
    def check(b: Built) -> None:
        e = b.entry()
        # libxml2 stops nesting at 256 levels: the title is kept, the buried body may not be.
        assert e.title == "Deep" and e.content_html in ("", "<p>bottom</p>"), e.content_html[:200]
    return check


def invalid_utf8(h: Harness) -> Check:
    h.page("/inv.html", page("Caf\udcff story").replace(b"\xed\xb3\xbf", b"\xff\xfe\xc3"))
    def check(b: Built) -> None:
        title = b.entry().title
        assert title.startswith("Caf") and title.endswith("story")
        title.encode("utf-8")  # no surrogates left
    return check


def wrong_charset(h: Harness) -> Check:
    body = page("新闻标题：数据中心").decode().replace('charset="utf-8"', 'charset="iso-8859-1"').encode("gbk")
    h.page("/wrong.html", body, content_type="text/html; charset=iso-8859-1")
    # The HTTP header wins over the page (documented order), so the GBK bytes read as
    # Latin-1: mojibake, but every character one XML can carry.
    return lambda b: _eq(b.entry().title, "新闻标题：数据中心".encode("gbk").decode("latin-1"))


def utf16_bom(h: Harness) -> Check:
    body = b"\xff\xfe" + page("UTF-16 标题").decode().replace('<meta charset="utf-8">', "").encode("utf-16-le")
    h.page("/u16.html", body, content_type="text/html")
    return lambda b: _eq(b.entry().title, "UTF-16 标题")


def mixed_gbk_utf8(h: Harness) -> Check:
    body = page("中文标题 and 混合").replace("混合".encode(), "混合".encode("gbk"))
    h.page("/mixed.html", body, content_type="text/html")
    def check(b: Built) -> None:
        # The declared UTF-8 fails, so the detector decides (GB18030 here): mojibake in
        # part, but whole characters that XML can carry.
        title = b.entry().title
        assert title.endswith(" and 混合"), title
        title.encode("utf-8")
    return check


def billion_laughs(h: Harness) -> Check:
    lol = '<!DOCTYPE rss [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    ) + "]>"
    h.feed("/laughs.xml", item("Laughs &lol9;", "http://127.0.0.1/laughs"), lol)
    return lambda b: _eq(b.entry().title, "Laughs &lol9;")  # declarations dropped, left unexpanded


def xxe_file(h: Harness) -> Check:
    h.feed("/xxe.xml", item("Secret &xxe;", "http://127.0.0.1/xxe"), '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    def check(b: Built) -> None:
        assert "root:" not in b.output_text()
        assert b.entry().title == "Secret &xxe;"
    return check


def xxe_http(h: Harness) -> Check:
    secret = h.server.add("/secret", b"root:x:0:0:secret", content_type="text/plain")
    h.feed("/xxe2.xml", item("Secret &xxe;", "http://127.0.0.1/xxe2") + item("P %pe;", "http://127.0.0.1/pe"),
           f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}"><!ENTITY % pe SYSTEM "{secret}"> %pe;]>')
    def check(b: Built) -> None:
        assert h.server.hits("/secret") == []
        assert "root:" not in b.output_text()
    return check


def doctype_bomb(h: Harness) -> Check:
    doctype = "<!DOCTYPE rss [" + "".join(f'<!ENTITY e{n} "{"x" * 1000}">' for n in range(3000)) + "]>"
    h.feed("/dtd.xml", item("After the doctype", "http://127.0.0.1/dtd"), doctype)
    return lambda b: _eq(b.entry().title, "After the doctype")


def gigabyte_of_whitespace(h: Harness) -> Check:
    sent = []
    def reply(request: object) -> Reply:
        def chunks() -> Iterator[bytes]:
            yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
            for _ in range(16_384):  # 16,384 × 64 KiB = 1 GiB, never held in memory
                if h.server.stopping.is_set():
                    return
                sent.append(1)
                yield b" " * 65_536
        return Reply(200, chunks(), {"Content-Type": "application/rss+xml"})
    h.source(h.server.route("/ws.xml", reply), 'adapter = "feed"')
    def check(b: Built) -> None:
        assert f"larger than {MAX_BYTES} bytes" in b.error("bad")
        assert len(sent) < 1000  # cut long before the gigabyte
    return check


CONTROL = "&#1;&#x8;&#xB;&#x1F;&#x7F;&#xD800;&#xDFFF;&#xFFFE;"


def controls_in_page(h: Harness) -> Check:
    h.page("/ctl.html", page(f"Con{CONTROL}trol", f"<p>B{CONTROL}ody</p>", head=f'<meta name="author" content="A{CONTROL}uthor"><meta name="description" content="S{CONTROL}ummary">'))
    def check(b: Built) -> None:
        e = b.entry()
        # lxml's HTML parser turns references to surrogates into U+FFFD, as HTML5 says.
        assert e.title.replace("\ufffd", "") == "Control"
        for value in (e.title, e.summary, e.content_html, *e.authors):
            assert not any(c in value for c in "\x01\x08\x0b\x1f\ud800\udfff\ufffe"), repr(value)
    return check


def controls_in_feed(h: Harness) -> Check:
    h.feed("/ctl.xml", item(f"Con{CONTROL}trol", "http://127.0.0.1/ctl",
                            f"<description>S{CONTROL}um</description><author>a@b.c (A{CONTROL}u)</author><category>C{CONTROL}at</category><guid isPermaLink=\"false\">g{CONTROL}1</guid>"))
    def check(b: Built) -> None:
        [e] = b.entries()
        for value in (e.id, e.title, e.summary, e.content_html, *e.authors, *e.categories):
            assert not any(c in value for c in "\x01\x08\x0b\x1f\ud800\udfff\ufffe"), repr(value)
        assert e.title == "Control"
    return check


def rtl_override(h: Harness) -> Check:
    h.feed("/rtl.xml", item("Invoice \u202egpj.exe", "http://127.0.0.1/rtl"))
    return lambda b: _eq(b.entry().title, "Invoice \u202egpj.exe")  # kept: valid XML, a reader's to render


def megabyte_title(h: Harness) -> Check:
    h.page("/longtitle.html", page("T" * 1_000_000))
    def check(b: Built) -> None:
        title = b.entry().title
        assert len(title) == 500 and title.endswith("…")
    return check


ACTIVE = (
    '<p onclick="steal()">Text<script>alert(1)</script><iframe src="https://evil.example/f"></iframe></p>'
    '<a href="javascript:alert(1)">js</a><a href="data:text/html,<script>alert(1)</script>">data</a>'
    '<img src="data:image/png;base64,AAAA" onerror="alert(1)"><img srcset="javascript:alert(1) 1x, https://evil.example/x.png 2x" src="/ok.png">'
    '<meta http-equiv="refresh" content="0;url=https://evil.example/"><p style="width: expression(alert(1))">css</p>'
    '<a href="relative.html">rel</a><a href=" JaVaScRiPt:alert(1)">spaced</a>'
)
FORBIDDEN = ("<script", "<iframe", "onclick", "onerror", "javascript:", "data:", "expression(", "srcset", "refresh", "evil.example", "style=")


def _assert_inert(content: str, base: str) -> None:
    lowered = content.lower()
    for word in FORBIDDEN:
        assert word not in lowered, (word, content)
    assert f'href="{base}/relative.html"' in content
    for anchor in etree.HTML(content).iter("a"):
        href = anchor.get("href")
        assert href is None or href.startswith(("http://", "https://")), href
        if href:
            assert anchor.get("rel") == "noopener noreferrer"


def active_page(h: Harness) -> Check:
    # <base href> is ignored: relative links resolve against the page's own URL.
    h.page("/active.html", page("Active", ACTIVE, head='<base href="https://evil.example/">'))
    return lambda b: _assert_inert(b.entry().content_html, h.server.base)


def active_feed(h: Harness) -> Check:
    from html import escape
    h.feed("/active.xml", item("Active", f"{h.server.base}/a", f"<description>{escape(ACTIVE)}</description>"))
    return lambda b: _assert_inert(b.entry().content_html, h.server.base)


def dates(h: Harness) -> Check:
    bad = {"y0": "0000-01-01T00:00:00Z", "y9999": "9999-12-31T00:00:00Z", "feb30": "2024-02-30", "future": "2030-01-01T00:00:00Z", "empty": ""}
    h.feed("/dates.xml", "".join(item(name, f"http://127.0.0.1/{name}", f"<pubDate>{value}</pubDate>") for name, value in bad.items()))
    def check(b: Built) -> None:
        entries = b.entries()
        assert sorted(e.title for e in entries) == sorted(bad)
        for e in entries:
            assert e.published is None, (e.title, e.published)  # dated when first seen
            assert e.updated <= NOW
        for path in b.out.glob("*.json"):
            for it in json.loads(path.read_text("utf-8")).get("items", []):
                for key in ("date_published", "date_modified"):
                    if key in it:
                        assert datetime.fromisoformat(it[key]) <= NOW
    return check


def identities(h: Harness) -> Check:
    items = (
        item("First copy", "http://127.0.0.1/d1", '<guid isPermaLink="false">dup</guid>')
        + item("Second copy", "http://127.0.0.1/d2", '<guid isPermaLink="false">dup</guid>')
        + item("Tag id", "http://127.0.0.1/tag", '<guid isPermaLink="false">tag:x,2024:1</guid>')
        + item("Long id", "http://127.0.0.1/long", f'<guid isPermaLink="false">{"i" * 10_000}</guid>')
        + item("Claims the healthy id", h.good, f'<guid>{h.good}</guid>')
    )
    h.feed("/ids.xml", items)
    def check(b: Built) -> None:
        ids = {e.id: e.title for e in b.entries()}
        assert list(ids).count("dup") == 1
        assert ids["tag:x,2024:1"] == "Tag id"
        assert ids["http://127.0.0.1/long"] == "Long id"  # the 10 KB id falls back to the link
        assert all(len(i) <= 2048 for i in ids)
        assert h.good not in ids  # the healthy source keeps its article
        [main] = [e for e in b.entries("good") if e.id == h.good]
        assert main.title == "Healthy story" and main.source == "good"
    return check


def categories(h: Harness) -> Check:
    names = ["../../etc", "CON", "", "🎉🎉", "Foo Bar", "foo-bar", "..", "/abs/path"]
    h.feed("/cats.xml", "".join(item(f"Cat {n}", f"http://127.0.0.1/c{n}", f"<category>{name}</category>") for n, name in enumerate(names)))
    def check(b: Built) -> None:
        slugs = sorted(p.name.removesuffix(".rss.xml") for p in b.out.glob("*.rss.xml"))
        assert "con-category" in slugs and "etc" in slugs
        assert "foo-bar" in slugs and "foo-bar-2" in slugs  # "Foo Bar" < "foo-bar": sorted order
        assert any(s.startswith("c-") for s in slugs)  # emoji only: a hash
        feed = feedparser.parse((b.out / "foo-bar.rss.xml").read_bytes())
        assert [e.title for e in feed.entries] == ["Cat 4"]
    return check


def connection_refused(h: Harness) -> Check:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    h.source(f"http://127.0.0.1:{port}/x")
    return fails_with(f"127.0.0.1:{port}/x", "ConnectError")


def dns_failure(h: Harness) -> Check:
    h.source("http://nowhere.invalid/feed")
    return fails_with("nowhere.invalid", "ConnectError")


def tls_error(h: Harness) -> Check:
    h.source(h.server.url("/good.html").replace("http://", "https://"))
    return fails_with("https://127.0.0.1", "SSL")


def slowloris(h: Harness) -> Check:
    def drip(request: object) -> Reply:
        def chunks() -> Iterator[bytes]:
            yield b"<html><head><title>"
            for _ in range(100):
                if h.server.stopping.wait(0.2):
                    return
                yield b"x"
        return Reply(200, chunks())
    h.source(h.server.route("/drip.html", drip))
    return fails_with("/drip.html", f"timed out after {TIMEOUT:g}s")


def redirect_loop(h: Harness) -> Check:
    h.source(h.server.route("/loop", lambda r: Reply(302, b"", {"Location": "/loop"})))
    return fails_with("/loop", "too many redirects (5)")


def redirect_to_file(h: Harness) -> Check:
    h.source(h.server.route("/tofile", lambda r: Reply(302, b"", {"Location": "file:///etc/passwd"})))
    def check(b: Built) -> None:
        fails_with("/tofile", "refused redirect to 'file:///etc/passwd'")(b)
        assert "root:" not in b.output_text()
    return check


def fake_gzip(h: Harness) -> Check:
    h.source(h.server.route("/fake.gz", lambda r: Reply(200, b"this is not gzip", {"Content-Type": "text/html", "Content-Encoding": "gzip"})))
    return fails_with("/fake.gz", "body is not valid gzip")


def gzip_bomb(h: Harness) -> Check:
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)  # ~200 KB on the wire
    h.source(h.server.route("/bomb", lambda r: Reply(200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"})))
    return fails_with("/bomb", f"larger than {MAX_BYTES} bytes (cut off)")


def _eq(actual: object, expected: object) -> None:
    assert actual == expected, (actual, expected)


CASES: dict[str, Callable[[Harness], Check]] = {
    f.__name__.replace("_", "-"): f
    for f in (
        truncated_html, unclosed_tags, huge_page, many_links, deep_nesting,
        invalid_utf8, wrong_charset, utf16_bom, mixed_gbk_utf8,
        billion_laughs, xxe_file, xxe_http, doctype_bomb, gigabyte_of_whitespace,
        controls_in_page, controls_in_feed, rtl_override, megabyte_title,
        active_page, active_feed, dates, identities, categories,
        connection_refused, dns_failure, tls_error, slowloris, redirect_loop, redirect_to_file, fake_gzip, gzip_bomb,
    )
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_source(case: str, tmp_path: Path, server: LocalServer) -> None:
    h = Harness(tmp_path, server)
    baseline = h.run(hostile=False, folder="baseline")
    check = CASES[case](h)
    before = tree(tmp_path)
    started = time.monotonic()
    built = h.run()
    assert time.monotonic() - started < 15, "the build took too long"

    assert [s.name for s in built.report.sources] == ["good", "bad"]
    assert not any(s.name == "good" for s in built.report.failed)
    assert built.entries("good") == baseline.entries("good") and len(baseline.entries("good")) == 2
    published, expected = healthy_items(built.out, h.good), healthy_items(baseline.out, h.good)
    assert all(published[i] == expected[i] for i in published)  # (a flood may push them past max_entries)
    assert_valid_outputs(built.out)
    written = tree(tmp_path) - before
    assert all(p in ("site", "site/config.toml") or p.startswith(("site/output", "site/state")) for p in written), written
    check(built)
