"""Proxies from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY, either case),
chosen as plain httpx chooses them, against a tiny forward proxy on 127.0.0.1.

The proxy forwards nothing: it records each request line and answers itself, so a host
that does not resolve (news.example.test) can be fetched only through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from feeds.fetch import Fetcher, FetchSettings
from feeds.models import FetchError

from . import conftest
from .conftest import LocalServer, QuietHandler, run_cli, running, threaded_server
from .pages import article_page

FAST = FetchSettings(timeout=5.0, retries=0)
REMOTE = "http://news.example.test/a.html"
"""A name that never resolves (.test is reserved): only a proxy can answer for it."""


class ForwardProxy:
    """A forward proxy on 127.0.0.1 that forwards nothing.

    Requests come with an absolute URL (`GET http://host/path HTTP/1.1`); each is recorded
    as "GET <url>" and answered with `pages[url]`, or with "via NAME". A CONNECT (for an
    https URL) is recorded as "CONNECT host:port" and refused with a 502.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.pages: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []
        proxy = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                proxy.requests.append(f"GET {self.path}")
                proxy.headers.append({k.lower(): v for k, v in self.headers.items()})
                body = proxy.pages.get(self.path, f"via {proxy.name}".encode())
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_CONNECT(self) -> None:  # noqa: N802
                proxy.requests.append(f"CONNECT {self.path}")
                self.send_error(502, "no tunnels here")

        self.httpd, self.thread = threaded_server(Handler)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"


def _running(name: str) -> Iterator[ForwardProxy]:
    proxy = ForwardProxy(name)
    with running(proxy.httpd, proxy.thread):
        yield proxy


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    yield from _running("a")


@pytest.fixture
def other_proxy() -> Iterator[ForwardProxy]:
    yield from _running("b")


def fetch_body(url: str) -> bytes:
    async def run() -> bytes:
        async with Fetcher(FAST) as fetcher:
            result = await fetcher.fetch(url)
        assert result.document is not None
        return result.document.body

    return asyncio.run(run())


def write_config(directory: Path, urls: dict[str, str]) -> Path:
    sources = "".join(f'[[sources]]\nname = "{name}"\nurl = "{url}"\n' for name, url in urls.items())
    return conftest.write_config(directory, sources, fetch="retries = 0\ntimeout = 10")


def feed_ids(directory: Path) -> set[str]:
    return {entry.id for entry in feedparser.parse((directory / "output" / "all.atom.xml").read_bytes()).entries}


def test_a_build_reaches_an_unresolvable_host_through_HTTP_PROXY(
    proxy: ForwardProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole `python -m feeds build`, as a user behind a proxy runs it."""
    proxy.pages[REMOTE] = article_page(REMOTE, "Proxied story")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    result = run_cli("build", "--config", str(write_config(tmp_path, {"remote": REMOTE})))
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    assert proxy.requests == [f"GET {REMOTE}"]
    assert proxy.headers[0]["host"] == "news.example.test"
    assert proxy.headers[0]["user-agent"].startswith("feeds/")
    assert feed_ids(tmp_path) == {REMOTE}


def test_NO_PROXY_hosts_go_direct_in_the_same_build(
    proxy: ForwardProxy, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = server.add("/local.html", article_page(server.url("/local.html"), "Local story"))
    proxy.pages[REMOTE] = article_page(REMOTE, "Proxied story")
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("no_proxy", "localhost, 127.0.0.1")
    result = run_cli("build", "--config", str(write_config(tmp_path, {"local": local, "remote": REMOTE})))
    assert result.returncode == 0, result.stderr
    assert proxy.requests == [f"GET {REMOTE}"]
    assert len(server.hits("/local.html")) == 1
    assert feed_ids(tmp_path) == {local, REMOTE}


# Which way a request to the local server goes, for each environment: "direct", "a" or "b"
# (the proxy it went through). The same table is checked against plain httpx below.
ROUTES = [
    pytest.param({}, "direct", id="no variables"),
    pytest.param({"HTTP_PROXY": "{a}"}, "a", id="HTTP_PROXY"),
    pytest.param({"http_proxy": "{a}"}, "a", id="http_proxy"),
    pytest.param({"ALL_PROXY": "{a}"}, "a", id="ALL_PROXY"),
    pytest.param({"all_proxy": "{a}"}, "a", id="all_proxy"),
    pytest.param({"HTTP_PROXY": "{a_no_scheme}"}, "a", id="proxy without scheme"),
    pytest.param({"HTTPS_PROXY": "{a}"}, "direct", id="HTTPS_PROXY is for https only"),
    pytest.param({"HTTP_PROXY": "{a}", "ALL_PROXY": "{b}"}, "a", id="HTTP_PROXY before ALL_PROXY"),
    pytest.param({"HTTPS_PROXY": "{b}", "ALL_PROXY": "{a}"}, "a", id="ALL_PROXY for http"),
    pytest.param({"HTTP_PROXY": "{b}", "http_proxy": "{a}"}, "a", id="lower case wins"),
    pytest.param({"HTTP_PROXY": "{a}", "NO_PROXY": "127.0.0.1"}, "direct", id="NO_PROXY ip"),
    pytest.param({"HTTP_PROXY": "{a}", "NO_PROXY": "example.org,127.0.0.1"}, "direct", id="NO_PROXY list"),
    pytest.param({"ALL_PROXY": "{a}", "NO_PROXY": "*"}, "direct", id="NO_PROXY star"),
    pytest.param({"HTTP_PROXY": "{a}", "NO_PROXY": "localhost,example.org"}, "a", id="NO_PROXY others"),
    pytest.param({"HTTP_PROXY": "{a}", "NO_PROXY": "http://127.0.0.1"}, "direct", id="NO_PROXY with scheme"),
]


@pytest.mark.parametrize(("env", "route"), ROUTES)
def test_the_proxy_is_chosen_as_plain_httpx_chooses_it(
    env: dict[str, str], route: str, proxy: ForwardProxy, other_proxy: ForwardProxy,
    server: LocalServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = server.add("/page.html", b"direct")
    values = {"a": proxy.url, "b": other_proxy.url, "a_no_scheme": proxy.url.removeprefix("http://")}
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(**values))

    expected = route.encode() if route == "direct" else f"via {route}".encode()
    assert fetch_body(url) == expected
    with httpx.Client(timeout=5.0) as plain:  # reads the same variables
        assert plain.get(url).content == expected
    if route == "direct":
        assert proxy.requests == other_proxy.requests == []
    else:
        used = proxy if route == "a" else other_proxy
        assert used.requests == [f"GET {url}"] * 2  # ours, then plain httpx's


def test_https_goes_through_HTTPS_PROXY_with_CONNECT(proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with pytest.raises(FetchError) as raised:
        fetch_body("https://news.example.test/a.html")
    assert proxy.requests == ["CONNECT news.example.test:443"]
    message = str(raised.value)
    assert message.startswith("https://news.example.test/a.html: ") and "\n" not in message


def test_a_proxy_url_httpx_cannot_use_fails_each_fetch_in_one_line(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.add("/page.html", b"direct")
    monkeypatch.setenv("ALL_PROXY", "ftp://proxy.example.test:21")
    with pytest.raises(FetchError) as raised:
        fetch_body(url)
    message = str(raised.value)
    assert message.startswith(f"{url}: ") and "proxy" in message and "\n" not in message
    assert server.requests == []
