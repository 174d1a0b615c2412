"""`verify_tls = false`: one source's certificate is not checked, every other source's is.

Against the real TLS servers of test_https.py, whose certificates come from a test CA that
nothing trusts unless SSL_CERT_FILE names it: the state of a government site serving an
incomplete chain or a self-signed certificate.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from feeds.config import ConfigError, load_config
from feeds.fetch import Fetcher, FetchResult
from feeds.models import FetchError

from . import conftest
from .conftest import Reply, Request, run_cli
from .pages import article_page
# Fixtures too (https_server, secure, proxy, and no_ca_variables, which applies to every test).
from .test_https import (  # noqa: F401 - fixtures are used by name
    FAST, HttpsServer, fetch_error, https_server, no_ca_variables, published_ids, secure, status_of,
)
from .test_proxy import ForwardProxy, proxy  # noqa: F401 - a fixture
from .test_schema import VALIDATOR

VERIFY_FAILED = "certificate verify failed"


def write_config(directory: Path, sources: str) -> Path:
    """A config with `sources` ([[sources]] tables) as they are, and no retries."""
    return conftest.write_config(directory, sources, fetch="retries = 0\nbackoff = 0.01\ntimeout = 10")


def source(name: str, url: str, *lines: str) -> str:
    return f'[[sources]]\nname = "{name}"\nurl = "{url}"\n' + "".join(f"{line}\n" for line in lines) + "\n"


def fetch_in_turn(*requests: tuple[str, bool]) -> list[FetchResult | str]:
    """Each (url, verify_tls) in turn through one Fetcher: its result, or its error's text."""

    async def run() -> list[FetchResult | str]:
        results: list[FetchResult | str] = []
        async with Fetcher(FAST) as fetcher:
            for url, verify_tls in requests:
                try:
                    results.append(await fetcher.fetch(url, verify_tls=verify_tls))
                except FetchError as error:
                    results.append(str(error))
        return results

    return asyncio.run(run())


def body_of(result: FetchResult | str) -> bytes:
    assert isinstance(result, FetchResult), result
    assert result.document is not None
    return result.document.body


def rss(*links: tuple[str, str]) -> bytes:
    """An RSS 2.0 feed with one item per (link, title)."""
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        "<pubDate>Thu, 03 Jul 2025 08:00:00 +0000</pubDate><description>Only a stub.</description></item>"
        for link, title in links
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.example/</link>'
        f"<description>d</description>{items}</channel></rss>"
    ).encode()


def urlset(*locs: str) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc><lastmod>2025-07-02</lastmod></url>" for loc in locs)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


# 1. In a build: the source that opts out is published, its neighbour on the same host is not


def test_a_build_publishes_the_unverified_source_and_still_refuses_the_other_on_the_same_host(
    secure: HttpsServer, tmp_path: Path
) -> None:
    lax_url, strict_url = secure.url("/lax.html"), secure.url("/strict.html")
    secure.add("/lax.html", article_page(lax_url, "Lax story"))
    secure.add("/strict.html", article_page(strict_url, "Strict story"))
    config = write_config(
        tmp_path, source("lax", lax_url, "verify_tls = false") + source("strict", strict_url)
    )

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    status = status_of(tmp_path)
    assert status["lax"]["status"] == "ok" and status["lax"]["entries"] == 1, status["lax"]
    # Same server, same host, same build: without the key, the certificate is checked.
    assert status["strict"]["status"] == "failing"
    assert VERIFY_FAILED in str(status["strict"]["last_error"])
    [failure] = [line for line in result.stderr.splitlines() if line.startswith("error: source 'strict': ")]
    assert f"{strict_url}: " in failure and VERIFY_FAILED in failure
    assert not any(line.startswith("error: source 'lax'") for line in result.stderr.splitlines())
    assert published_ids(tmp_path) == {lax_url}
    assert "Lax story" in (tmp_path / "output" / "all.atom.xml").read_text("utf-8")
    assert [request.path for request in secure.local.requests] == ["/lax.html"]


def test_every_fetch_collect_makes_for_the_source_is_unverified(secure: HttpsServer, tmp_path: Path) -> None:
    """Full text of a feed's items, a sitemap index's children, WordPress's feed fallback
    and the REST API behind an `auto` WordPress home page: each a fetch of its own."""
    story = secure.url("/story/1.html")
    secure.add("/feed.xml", rss((story, "Stub title")), content_type="application/rss+xml")
    secure.add("/story/1.html", article_page(story, "Full story", body="The whole text of story 1."))

    secure.add(
        "/index.xml",
        (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<sitemap><loc>{secure.url("/child.xml")}</loc></sitemap></sitemapindex>'
        ).encode(),
        content_type="application/xml",
    )
    mapped = secure.url("/news/mapped.html")
    secure.add("/child.xml", urlset(mapped), content_type="application/xml")

    # /wp/wp-json/... is not served (404): the wordpress source falls back to /wp/feed/.
    wp_item = secure.url("/wp/post-1.html")
    secure.add("/wp/feed/", rss((wp_item, "From the WordPress feed")), content_type="application/rss+xml")

    home = (
        f'<html><head><title>A WordPress site</title><link rel="https://api.w.org/" href="{secure.url("/wp-json/")}">'
        "</head><body><h1>Latest</h1></body></html>"
    )
    secure.add("/", home.encode())
    via_rest = secure.url("/7/")
    post = {
        "id": 7, "date": "2025-07-03T15:20:00", "date_gmt": "2025-07-03T07:20:00",
        "modified_gmt": "2025-07-03T07:20:00", "link": via_rest, "status": "publish", "type": "post",
        "title": {"rendered": "Via REST"}, "content": {"rendered": "<p>Body.</p>", "protected": False},
        "excerpt": {"rendered": "<p>Excerpt.</p>"},
    }
    secure.add("/wp-json/wp/v2/posts", json.dumps([post]).encode(), content_type="application/json")

    lax = "verify_tls = false"
    config = write_config(
        tmp_path,
        source("feed", secure.url("/feed.xml"), 'adapter = "feed"', "fulltext = true", lax)
        + source("map", secure.url("/index.xml"), 'adapter = "sitemap"', lax)
        + source("wp", secure.url("/wp/"), 'adapter = "wordpress"', lax)
        + source("home", secure.url("/"), 'adapter = "auto"', lax),
    )

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert "error:" not in result.stderr, result.stderr
    assert {name: s["status"] for name, s in status_of(tmp_path).items()} == dict.fromkeys(
        ("feed", "map", "wp", "home"), "ok"
    )
    assert published_ids(tmp_path) == {story, mapped, wp_item, via_rest}
    paths = [request.path.split("?")[0] for request in secure.local.requests]
    for path in ("/story/1.html", "/child.xml", "/wp/feed/", "/wp-json/wp/v2/posts"):
        assert path in paths, paths
    # The full text, which only the article page holds, replaced the feed's stub.
    [entry] = [e for e in feedparser.parse((tmp_path / "output" / "all.atom.xml").read_bytes()).entries if e.id == story]
    assert entry.title == "Full story"
    assert "The whole text of story 1." in entry.content[0].value


# 2. In one Fetcher: per request, not per host, and no connection shared across the line


def test_one_fetcher_checks_the_same_host_again_after_an_unverified_fetch(secure: HttpsServer) -> None:
    url = secure.add("/a.html", b"hello")

    lax, strict, lax_again = fetch_in_turn((url, False), (url, True), (url, False))

    assert body_of(lax) == b"hello" and body_of(lax_again) == b"hello"
    # The unverified connection to this host is still open, and must not serve this fetch.
    assert isinstance(strict, str) and strict.startswith(f"{url}: ") and VERIFY_FAILED in strict
    assert len(secure.local.requests) == 2
    accepted = secure.accepted_after()
    assert accepted[0] == "ok" and len(accepted) == 2 and accepted[1] != "ok", accepted


def test_verified_and_unverified_fetches_share_the_per_host_cap(
    secure: HttpsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Politeness is per host, whatever the certificate: per_host = 1 holds across both."""
    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))  # so both succeed
    lock = threading.Lock()
    in_flight, most = 0, 0

    def slow(request: Request) -> Reply:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.3)
        with lock:
            in_flight -= 1
        return Reply(200, b"slow")

    secure.local.route("/slow", slow)
    url = secure.url("/slow")

    async def run() -> list[FetchResult]:
        async with Fetcher(dataclasses.replace(FAST, per_host=1)) as fetcher:
            return list(
                await asyncio.gather(
                    fetcher.fetch(url), fetcher.fetch(url, verify_tls=False), fetcher.fetch(url, verify_tls=False)
                )
            )

    assert [body_of(result) for result in asyncio.run(run())] == [b"slow"] * 3
    assert most == 1


def test_an_unverified_fetch_keeps_the_headers(secure: HttpsServer) -> None:
    url = secure.add("/a.html", b"hello")
    [result] = fetch_in_turn((url, False))
    assert body_of(result) == b"hello"
    [headers] = secure.local.hits("/a.html")
    assert headers["user-agent"] == FAST.user_agent
    assert headers["accept-encoding"] == "gzip, deflate"


def test_an_unverified_fetch_goes_through_the_environment_proxy(
    proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    [result] = fetch_in_turn(("https://news.example.test/a.html", False))
    assert isinstance(result, str) and "502" in result, result
    assert proxy.requests == ["CONNECT news.example.test:443"]


# 3. Redirects: the same source, so unverified wherever they lead


def test_an_unverified_source_follows_redirects_to_another_path_and_host_unverified(
    https_server: Callable[..., HttpsServer],
) -> None:
    first = https_server("127.0.0.1")
    other = https_server("localhost")  # another host, another CA, neither trusted
    other.add("/final.html", b"arrived")
    final = other.url("/final.html", host="localhost")
    first.local.script("/old", Reply(301, b"", {"Location": "/next"}))
    first.local.script("/next", Reply(302, b"", {"Location": final}))

    [result] = fetch_in_turn((first.url("/old"), False))

    assert body_of(result) == b"arrived"
    assert isinstance(result, FetchResult) and result.document is not None
    assert result.document.url == final
    assert [request.path for request in first.local.requests] == ["/old", "/next"]
    assert [request.path for request in other.local.requests] == ["/final.html"]


def test_a_redirect_to_an_untrusted_host_is_checked_unless_the_source_opts_out(
    https_server: Callable[..., HttpsServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted = https_server("127.0.0.1")
    untrusted = https_server("localhost")
    untrusted.add("/final.html", b"arrived")
    final = untrusted.url("/final.html", host="localhost")
    trusted.local.script("/old", Reply(302, b"", {"Location": final}))
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted.trust_file(tmp_path)))  # trusted's CA only
    start = trusted.url("/old")

    checked, unchecked = fetch_in_turn((start, True), (start, False))

    assert isinstance(checked, str) and checked.startswith(f"{start}: ") and VERIFY_FAILED in checked
    assert body_of(unchecked) == b"arrived"
    assert [request.path for request in untrusted.local.requests] == ["/final.html"]


# 4. The key in the config and the schema


def test_verify_tls_defaults_to_true_and_reads_false(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        source("plain", "https://a.example/") + source("lax", "https://b.example/", "verify_tls = false")
        + source("strict", "https://c.example/", "verify_tls = true"),
    )
    assert [(s.name, s.verify_tls) for s in load_config(config).sources] == [
        ("plain", True), ("lax", False), ("strict", True)
    ]


@pytest.mark.parametrize("value", ['"no"', '"false"', "0", "[]"])
def test_a_verify_tls_that_is_not_a_boolean_is_refused_in_config_and_schema(tmp_path: Path, value: str) -> None:
    text = source("s", "https://a.example/", f"verify_tls = {value}")
    with pytest.raises(ConfigError) as error:
        load_config(write_config(tmp_path, text))
    assert error.value.key == "sources[0].verify_tls"
    assert "must be true or false" in str(error.value)
    found = [(e.json_path, e.message) for e in VALIDATOR.iter_errors(tomllib.loads(text))]
    assert [path for path, _ in found] == ["$.sources[0].verify_tls"], found
    assert [e for e in VALIDATOR.iter_errors(tomllib.loads(source("s", "https://a.example/", "verify_tls = false")))] == []


def test_a_bad_verify_tls_exits_2_naming_the_file_and_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, source("s", "https://a.example/", 'verify_tls = "no"'))
    result = run_cli("build", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {config}: sources[0].verify_tls: must be true or false, got 'no'"
    assert not (tmp_path / "output").exists()


def test_a_certificate_error_names_the_way_out(secure: HttpsServer) -> None:
    message = fetch_error(secure.add("/hint.html", b"x"))
    assert VERIFY_FAILED in message
    assert "verify_tls = false" in message and "SSL_CERT_FILE" in message


def test_preview_reads_an_untrusted_site_only_with_no_verify_tls(secure: HttpsServer, tmp_path: Path) -> None:
    """How a person tries a site before adding it: the same way out as a source's key."""
    url = secure.url("/story.html")
    secure.add("/story.html", article_page(url, "Untrusted story"))

    refused = run_cli("preview", url, "--json", cwd=tmp_path)
    assert refused.returncode != 0 and VERIFY_FAILED in refused.stderr
    assert "verify_tls = false" in refused.stderr and "Traceback" not in refused.stderr

    read = run_cli("preview", url, "--json", "--no-verify-tls", cwd=tmp_path)
    assert read.returncode == 0, read.stderr
    assert [entry["title"] for entry in json.loads(read.stdout)["entries"]][:1] == ["Untrusted story"]
