"""HTTPS against a real TLS server on 127.0.0.1, with certificates from a test CA (trustme).

The server is a `LocalServer` whose listening socket is wrapped in TLS, so the handshake
happens as each connection is accepted: `HttpsServer` counts those, failed ones included.
The fetcher trusts only what `httpx.create_ssl_context()` trusts: certifi's bundle, or
the file or directory that SSL_CERT_FILE or SSL_CERT_DIR names (SSL_CERT_FILE first).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, cast

import feedparser
import pytest
import trustme

from feeds.fetch import Fetcher, FetchResult, FetchSettings, Validators
from feeds.models import FetchError

from . import conftest
from .conftest import LocalServer, Reply, run_cli, running
from .pages import article_page

FAST = FetchSettings(timeout=5.0, backoff=0.01)
CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


class HttpsServer:
    """A `LocalServer` speaking HTTP/1.1 (so connections are kept alive) over TLS, with a
    certificate for `names` issued by its own `ca`, which nothing trusts unless told to."""

    def __init__(self, *names: str) -> None:
        self.ca = trustme.CA()
        self.local = LocalServer()
        httpd = self.local.httpd
        # Keep-alive, so that reuse can be seen; the handler class is this server's own.
        cast(type[BaseHTTPRequestHandler], httpd.RequestHandlerClass).protocol_version = "HTTP/1.1"
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(*names).configure_cert(context)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        self.accepted: list[str] = []
        """Every connection accepted: "ok" once its handshake completed, else the error."""
        self._lock = threading.Lock()
        accept = httpd.get_request

        def get_request() -> tuple[socket.socket, Any]:
            try:
                connection = accept()
            except OSError as error:  # a failed handshake: socketserver drops it silently
                with self._lock:
                    self.accepted.append(f"{type(error).__name__}: {error}")
                raise
            with self._lock:
                self.accepted.append("ok")
            return connection

        httpd.get_request = get_request  # type: ignore[method-assign]
        self.port = httpd.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.port}{path}"

    def add(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", etag: str | None = None) -> str:
        self.local.add(path, body, content_type=content_type, etag=etag)
        return self.url(path)

    def trust_file(self, directory: Path) -> Path:
        """The CA's certificate as a PEM file, for SSL_CERT_FILE."""
        path = directory / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def accepted_after(self, settle: float = 0.3) -> list[str]:
        """`accepted` once no handshake has been recorded for `settle` seconds: the server
        records a failed one just after the client, which gave up first, has moved on."""
        deadline = time.monotonic() + 5
        seen = -1
        while time.monotonic() < deadline:
            with self._lock:
                now = len(self.accepted)
            if now == seen and now:
                break
            seen = now
            time.sleep(settle)
        with self._lock:
            return list(self.accepted)


@pytest.fixture(autouse=True)
def no_ca_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the CA a test names: none of the machine's SSL_CERT_FILE or SSL_CERT_DIR."""
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def https_server() -> Iterator[Callable[..., HttpsServer]]:
    """start(*names) -> a running HttpsServer whose certificate names them."""
    with ExitStack() as servers:

        def start(*names: str) -> HttpsServer:
            tls = HttpsServer(*(names or ("127.0.0.1", "localhost")))
            servers.enter_context(running(tls.local.httpd, tls.local.thread, tls.local.stopping))
            return tls

        yield start


@pytest.fixture
def secure(https_server: Callable[..., HttpsServer]) -> HttpsServer:
    return https_server()


def fetch_all(*requests: tuple[str, Validators | None], settings: FetchSettings = FAST) -> list[FetchResult]:
    """Each (url, validators) in turn through one Fetcher, so its connections are shared."""

    async def run() -> list[FetchResult]:
        async with Fetcher(settings) as fetcher:
            return [await fetcher.fetch(url, validators) for url, validators in requests]

    return asyncio.run(run())


def fetch_error(url: str, settings: FetchSettings = FAST) -> str:
    with pytest.raises(FetchError) as error:
        fetch_all((url, None), settings=settings)
    return str(error.value)


def write_config(directory: Path, sources: dict[str, str]) -> Path:
    """A config reading each {name: url} with the default adapter."""
    tables = "".join(f'[[sources]]\nname = "{name}"\nurl = "{url}"\n\n' for name, url in sources.items())
    return conftest.write_config(directory, tables)


def published_ids(directory: Path) -> set[str]:
    return {entry.id for entry in feedparser.parse((directory / "output" / "all.atom.xml").read_bytes()).entries}


def status_of(directory: Path) -> dict[str, dict[str, object]]:
    return json.loads((directory / "output" / "status.json").read_text("utf-8"))["sources"]


# 1. A CA nobody trusts (the default for a private or self-signed certificate)


def test_an_unknown_ca_fails_in_one_line_naming_the_url_without_retrying(secure: HttpsServer) -> None:
    url = secure.add("/a.html", b"secret")
    message = fetch_error(url, FetchSettings(timeout=5.0, retries=2, backoff=0.01))
    assert message.startswith(f"{url}: ")
    assert "certificate verify failed: unable to get local issuer certificate" in message
    assert "\n" not in message and "Traceback" not in message
    assert "gave up after" not in message
    # A certificate will not fix itself: one handshake, refused, and no retries.
    accepted = secure.accepted_after()
    assert len(accepted) == 1 and accepted[0] != "ok", accepted  # the handshake broke off
    assert secure.local.requests == []


def test_in_a_build_an_untrusted_https_source_fails_alone(
    secure: HttpsServer, server: LocalServer, tmp_path: Path
) -> None:
    https_url = secure.url("/a.html")
    secure.add("/a.html", article_page(https_url, "Secret story"))
    plain_url = server.add("/p.html", article_page(server.url("/p.html"), "Plain story"))
    config = write_config(tmp_path, {"secure": https_url, "plain": plain_url})

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    failures = [line for line in result.stderr.splitlines() if line.startswith("error: source 'secure': ")]
    assert len(failures) == 1, result.stderr
    assert f"{https_url}: " in failures[0] and "certificate verify failed" in failures[0]
    status = status_of(tmp_path)
    assert status["secure"]["status"] == "failing"
    assert "certificate verify failed" in str(status["secure"]["last_error"])
    assert status["plain"]["status"] == "ok" and status["plain"]["entries"] == 1
    assert published_ids(tmp_path) == {plain_url}


# 2. Trusting a CA through the standard variables, as httpx reads them


def test_ssl_cert_file_is_trusted_in_process(
    secure: HttpsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = secure.add("/a.html", b"hello over tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))
    [result] = fetch_all((url, None))
    assert result.status == 200 and result.document is not None
    assert result.document.body == b"hello over tls"
    assert result.document.url == url
    assert secure.accepted == ["ok"]


def test_a_build_trusts_the_ca_that_ssl_cert_file_names(
    secure: HttpsServer, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_url = secure.url("/a.html")
    secure.add("/a.html", article_page(https_url, "Secret story"))
    plain_url = server.add("/p.html", article_page(server.url("/p.html"), "Plain story"))
    config = write_config(tmp_path, {"secure": https_url, "plain": plain_url})
    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))  # run_cli passes os.environ on

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert "error:" not in result.stderr
    status = status_of(tmp_path)
    assert status["secure"]["status"] == "ok" and status["secure"]["entries"] == 1
    assert published_ids(tmp_path) == {https_url, plain_url}
    assert "Secret story" in (tmp_path / "output" / "all.atom.xml").read_text("utf-8")


def test_a_build_trusts_a_ca_directory_that_ssl_cert_dir_names(
    secure: HttpsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to name the certificate by its subject hash")
    certs = tmp_path / "certs"
    certs.mkdir()
    pem = secure.trust_file(tmp_path)
    # OpenSSL looks a CA up in a directory by the hash of its subject: "<hash>.0".
    subject_hash = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(pem)], capture_output=True, text=True, check=True
    ).stdout.strip()
    shutil.copy(pem, certs / f"{subject_hash}.0")
    https_url = secure.url("/a.html")
    secure.add("/a.html", article_page(https_url, "Secret story"))
    config = write_config(tmp_path, {"secure": https_url})
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert status_of(tmp_path)["secure"]["status"] == "ok"
    assert published_ids(tmp_path) == {https_url}


def test_ssl_cert_file_replaces_the_default_bundle_and_wins_over_ssl_cert_dir(
    secure: HttpsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx reads SSL_CERT_DIR only when SSL_CERT_FILE is unset, and either one replaces
    certifi's bundle rather than adding to it."""
    url = secure.add("/a.html", b"hello")
    other = trustme.CA()
    wrong = tmp_path / "other-ca.pem"
    other.cert_pem.write_to_path(str(wrong))
    certs = tmp_path / "certs"
    certs.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(wrong))
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))
    assert "certificate verify failed" in fetch_error(url)

    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))
    assert fetch_all((url, None))[0].status == 200


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "No such file or directory"), (b"not a certificate\n", "no certificate or crl found")],
    ids=["missing", "not a certificate"],
)
def test_an_unusable_ssl_cert_file_fails_the_build_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None, reason: str
) -> None:
    """Every https source depends on it, so the build stops, saying which variable and file."""
    bundle = tmp_path / "bundle.pem"
    if content is not None:
        bundle.write_bytes(content)
    page = tmp_path / "local.html"
    page.write_bytes(article_page("https://example.org/local.html", "Local story"))
    config = write_config(tmp_path, {"local": str(page)})
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: cannot load CA certificates from SSL_CERT_FILE={str(bundle)!r}: "), line
    assert reason in line
    assert not list((tmp_path / "output").iterdir())  # nothing published, not even status.json


def test_an_ssl_cert_dir_that_is_not_a_directory_fails_the_build_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx would take it silently, and then no certificate could be verified."""
    page = tmp_path / "local.html"
    page.write_bytes(article_page("https://example.org/local.html", "Local story"))
    config = write_config(tmp_path, {"local": str(page)})
    missing = tmp_path / "no-such-dir"
    monkeypatch.setenv("SSL_CERT_DIR", str(missing))

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: cannot load CA certificates from SSL_CERT_DIR={str(missing)!r}: not a directory"
    ]
    assert not list((tmp_path / "output").iterdir())


# 3. Conditional GET and connection reuse over TLS


def test_etag_gives_304_over_https(secure: HttpsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = secure.add("/feed.xml", b"<rss/>", content_type="application/rss+xml", etag='"v1"')
    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))

    [first] = fetch_all((url, None))
    [second] = fetch_all((url, first.validators))

    assert first.status == 200 and first.document is not None and first.document.body == b"<rss/>"
    assert first.validators == Validators(etag='"v1"')
    assert second.status == 304 and second.not_modified and second.document is None
    assert second.validators == Validators(etag='"v1"')
    assert [hit.get("if-none-match") for hit in secure.local.hits("/feed.xml")] == [None, '"v1"']


def test_requests_to_one_https_host_share_one_tls_connection(
    secure: HttpsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = secure.add("/a.html", b"A", etag='"a"')
    b = secure.add("/b.html", b"B")
    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))

    results = fetch_all((a, None), (b, None), (a, Validators(etag='"a"')), (b, None))

    assert [result.status for result in results] == [200, 200, 304, 200]
    assert len(secure.local.requests) == 4
    assert secure.accepted == ["ok"]  # one handshake: the 304 and the 200s left it open


# 4. Redirects


def test_an_https_redirect_on_the_same_host_is_followed(
    secure: HttpsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secure.local.script("/old", Reply(301, b"", {"Location": "/new"}))
    new = secure.add("/new", b"moved here")
    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))

    [result] = fetch_all((secure.url("/old"), None))

    assert result.document is not None and result.document.body == b"moved here"
    assert result.document.url == new
    assert [request.path for request in secure.local.requests] == ["/old", "/new"]
    assert secure.accepted == ["ok"]


def test_an_https_to_http_downgrade_redirect_is_followed(
    secure: HttpsServer, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pinned as it is: the fetcher refuses schemes other than http(s) but lets a page move
    from https to plain http, as browsers and httpx do, and reports the http URL."""
    plain = server.add("/plain.html", b"in the clear")
    secure.local.script("/secure.html", Reply(302, b"", {"Location": plain}))
    monkeypatch.setenv("SSL_CERT_FILE", str(secure.trust_file(tmp_path)))

    [result] = fetch_all((secure.url("/secure.html"), Validators(etag='"x"')))

    assert result.document is not None and result.document.body == b"in the clear"
    assert result.document.url == plain
    assert [request.path for request in secure.local.requests] == ["/secure.html"]
    # The conditional headers follow the redirect too, over plain http.
    assert [hit.get("if-none-match") for hit in server.hits("/plain.html")] == ['"x"']


# 5. A certificate for another name


def test_a_certificate_for_another_name_fails_in_one_line(
    https_server: Callable[..., HttpsServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_localhost = https_server("localhost")
    only_localhost.add("/a.html", b"hello")
    monkeypatch.setenv("SSL_CERT_FILE", str(only_localhost.trust_file(tmp_path)))  # the CA is trusted

    # The name it was issued for works...
    [result] = fetch_all((only_localhost.url("/a.html", host="localhost"), None))
    assert result.status == 200
    # ...the address it was not issued for does not, though it is the same server.
    url = only_localhost.url("/a.html")
    message = fetch_error(url)
    assert message.startswith(f"{url}: ")
    assert "certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'" in message
    assert "\n" not in message
    assert [request.path for request in only_localhost.local.requests] == ["/a.html"]

