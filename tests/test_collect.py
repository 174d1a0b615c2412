"""Sources that need more than one fetch, against a real local server: WordPress with its
feed fallback, sitemap indexes, full text for listing items, and `auto`."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from feeds.build import BuildReport, build
from feeds.config import load_config

from .conftest import LocalServer, run_cli, write_config
from .pages import article_page

NOW = datetime(2025, 7, 4, 4, 0, tzinfo=timezone.utc)


def wp_post(server: LocalServer, number: int, title: str) -> dict:
    return {
        "id": number,
        "date": "2025-07-03T15:20:00",
        "date_gmt": "2025-07-03T07:20:00",
        "modified_gmt": "2025-07-03T07:20:00",
        "link": server.url(f"/{number}/"),
        "status": "publish",
        "type": "post",
        "title": {"rendered": title},
        "content": {"rendered": f"<p>{title} body.</p>", "protected": False},
        "excerpt": {"rendered": f"<p>{title} excerpt.</p>"},
    }


def rss(server: LocalServer, *titles: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>{server.url(f'/rss/{n}')}</link><guid isPermaLink=\"false\">{server.url(f'/?p={n}')}</guid>"
        f"<pubDate>Thu, 03 Jul 2025 08:00:00 +0000</pubDate></item>"
        for n, t in enumerate(titles)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>{server.url("/")}</link><description>d</description>{items}</channel></rss>'.encode()


def build_with(tmp_path: Path, sources: str) -> BuildReport:
    return build(load_config(write_config(tmp_path, sources)), now=NOW)


def titles(tmp_path: Path) -> set[str]:
    return {e.title for e in feedparser.parse((tmp_path / "output" / "all.atom.xml").read_bytes()).entries}


def test_wordpress_reads_the_rest_api(tmp_path: Path, server: LocalServer) -> None:
    posts = [wp_post(server, 1, "From the API"), wp_post(server, 2, "Also from the API")]
    server.add("/wp-json/wp/v2/posts", json.dumps(posts).encode(), content_type="application/json")
    report = build_with(tmp_path, f'[[sources]]\nname = "wp"\nurl = "{server.url("/")}"\nadapter = "wordpress"\n')
    assert not report.failed, report.failed[0].error if report.failed else ""
    assert titles(tmp_path) == {"From the API", "Also from the API"}
    assert [path.split("?")[0] for path, _ in server.requests] == ["/wp-json/wp/v2/posts"]


def test_wordpress_falls_back_to_the_feed_when_the_api_is_off(tmp_path: Path, server: LocalServer) -> None:
    server.add("/feed/", rss(server, "From the feed"), content_type="application/rss+xml")
    report = build_with(tmp_path, f'[[sources]]\nname = "wp"\nurl = "{server.url("/")}"\nadapter = "wordpress"\n')
    assert not report.failed, report.failed[0].error if report.failed else ""
    assert titles(tmp_path) == {"From the feed"}
    assert [path for path, _ in server.requests][-1] == "/feed/"
    # The permalink, as the REST API and article pages give, not the feed's ?p= guid.
    ids = {e.id for e in feedparser.parse((tmp_path / "output" / "all.atom.xml").read_bytes()).entries}
    assert ids == {server.url("/rss/0")}


def test_a_sitemap_index_is_followed_to_its_children(tmp_path: Path, server: LocalServer) -> None:
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f'<sitemap><loc>{server.url("/a.xml")}</loc></sitemap><sitemap><loc>{server.url("/b.xml")}</loc></sitemap>'
        "</sitemapindex>"
    )
    server.add("/index.xml", index.encode(), content_type="application/xml")
    for name, n in (("a", 1), ("b", 2)):
        urlset = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<url><loc>{server.url(f"/news/story-{n}.html")}</loc><lastmod>2025-07-0{n}</lastmod></url></urlset>'
        )
        server.add(f"/{name}.xml", urlset.encode(), content_type="application/xml")
    report = build_with(tmp_path, f'[[sources]]\nname = "map"\nurl = "{server.url("/index.xml")}"\nadapter = "sitemap"\n')
    assert not report.failed, report.failed[0].error if report.failed else ""
    ids = {e.id for e in feedparser.parse((tmp_path / "output" / "all.atom.xml").read_bytes()).entries}
    assert ids == {server.url("/news/story-1.html"), server.url("/news/story-2.html")}


def test_full_text_within_a_budget_and_never_twice(tmp_path: Path, server: LocalServer) -> None:
    links = "".join(f'<li><a href="/story/{n}.html">Listed {n}</a><span>2025-07-0{n}</span></li>' for n in (1, 2, 3))
    server.add("/list.html", f"<html><body><ul class='news'>{links}</ul></body></html>".encode())
    for n in (1, 2, 3):
        url = server.url(f"/story/{n}.html")
        server.add(f"/story/{n}.html", article_page(url, f"Full story {n}", body=f"The whole text of story {n}."))
    source = (
        f'[[sources]]\nname = "list"\nurl = "{server.url("/list.html")}"\nadapter = "listing"\n'
        "fulltext = true\nmax_fulltext = 2\n[sources.selectors]\nitem = \"ul.news li\"\n"
    )
    build_with(tmp_path, source)
    fetched = {n: len(server.hits(f"/story/{n}.html")) for n in (1, 2, 3)}
    assert sum(fetched.values()) == 2
    entries = feedparser.parse((tmp_path / "output" / "all.atom.xml").read_bytes()).entries
    full = [e for e in entries if e.title.startswith("Full story")]
    assert len(full) == 2 and all("The whole text" in e.content[0].value for e in full)

    build_with(tmp_path, source)
    assert {n: len(server.hits(f"/story/{n}.html")) for n in (1, 2, 3)} == {n: 1 for n in (1, 2, 3)}
    assert titles(tmp_path) == {"Full story 1", "Full story 2", "Full story 3"}


def test_auto_picks_the_adapter_from_what_comes_back(tmp_path: Path, server: LocalServer) -> None:
    server.add("/feed.xml", rss(server, "A feed item"), content_type="text/xml")
    article = server.url("/article.html")
    server.add("/article.html", article_page(article, "An article"))
    report = build_with(
        tmp_path,
        f'[[sources]]\nname = "f"\nurl = "{server.url("/feed.xml")}"\nadapter = "auto"\n'
        f'[[sources]]\nname = "a"\nurl = "{article}"\nadapter = "auto"\n',
    )
    assert not report.failed, [s.error for s in report.failed]
    assert titles(tmp_path) == {"A feed item", "An article"}


def test_preview_auto_over_http(server: LocalServer) -> None:
    server.add("/feed.xml", rss(server, "Previewed"), content_type="application/rss+xml")
    result = run_cli("preview", server.url("/feed.xml"), "--adapter", "auto", "--json", check=True)
    assert [e["title"] for e in json.loads(result.stdout)["entries"]] == ["Previewed"]


def test_auto_reads_a_wordpress_home_page_through_the_rest_api(tmp_path: Path, server: LocalServer) -> None:
    home = (
        '<html><head><title>A WordPress site</title>'
        f'<link rel="https://api.w.org/" href="{server.url("/wp-json/")}"></head>'
        "<body><h1>Latest</h1></body></html>"
    )
    server.add("/", home.encode())
    server.add("/wp-json/wp/v2/posts", json.dumps([wp_post(server, 7, "Via REST")]).encode(), content_type="application/json")
    urlset = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f'<url><loc>{server.url("/news/mapped.html")}</loc><lastmod>2025-07-02</lastmod></url></urlset>'
    )
    server.add("/sitemap.xml", urlset.encode(), content_type="application/xml")
    report = build_with(
        tmp_path,
        f'[[sources]]\nname = "home"\nurl = "{server.url("/")}"\nadapter = "auto"\n'
        f'[[sources]]\nname = "map"\nurl = "{server.url("/sitemap.xml")}"\nadapter = "auto"\n',
    )
    assert not report.failed, [s.error for s in report.failed]
    ids = {e.id for e in feedparser.parse((tmp_path / "output" / "all.atom.xml").read_bytes()).entries}
    assert ids == {server.url("/7/"), server.url("/news/mapped.html")}


@pytest.mark.parametrize("slow", ["page", "list"])
def test_full_text_decisions_use_the_history_as_the_build_began(tmp_path: Path, server: LocalServer, slow: str) -> None:
    """A story's own page is a source before the listing that links to it. Whichever is
    fetched first, the listing fetches the story in full: an article merged earlier in the
    same build must not change what the build fetches, or two runs could differ."""
    story = server.url(f"/race/{slow}/story.html")
    server.add(f"/race/{slow}/story.html", article_page(story, "The story"), delay=0.4 if slow == "page" else 0.0)
    links = f'<li><a href="{story}">The story, listed</a><span>2025-07-01</span></li>'
    server.add(f"/race/{slow}/list.html", f"<html><body><ul class='news'>{links}</ul></body></html>".encode(),
               delay=0.4 if slow == "list" else 0.0)
    build_with(tmp_path, (
        f'[[sources]]\nname = "page"\nurl = "{story}"\n\n'
        f'[[sources]]\nname = "list"\nurl = "{server.url(f"/race/{slow}/list.html")}"\nadapter = "listing"\n'
        'fulltext = true\n[sources.selectors]\nitem = "ul.news li"\n'
    ))
    assert len(server.hits(f"/race/{slow}/story.html")) == 2  # the page source's, then the listing's
    assert titles(tmp_path) == {"The story"}
