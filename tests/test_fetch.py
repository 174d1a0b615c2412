"""fetch.py against a real threaded HTTP server on 127.0.0.1: caching, retries, limits."""

from __future__ import annotations

import asyncio
import gzip
import os
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from feeds.fetch import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchResult,
    FetchSettings,
    Validators,
    fetch,
    user_agent,
)
from feeds.models import FetchError

from .conftest import Reply, Request, LocalServer

FAST = FetchSettings(timeout=2.0, backoff=0.01)
MB = 1024 * 1024
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
LAST_MODIFIED = "Sun, 01 Mar 2026 10:00:00 GMT"


def fetch_once(
    location: str, settings: FetchSettings = FAST, validators: Validators | None = None
) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(location, validators, now=NOW)

    return asyncio.run(run())


def fetch_twice(location: str, settings: FetchSettings = FAST) -> tuple[FetchResult, FetchResult]:
    """A plain fetch, then a conditional one with the validators it returned."""

    async def run() -> tuple[FetchResult, FetchResult]:
        async with Fetcher(settings) as fetcher:
            first = await fetcher.fetch(location, now=NOW)
            return first, await fetcher.fetch(location, first.validators, now=NOW)

    return asyncio.run(run())


def text(body: bytes, status: int = 200, **headers: str) -> Reply:
    return Reply(status, body, {"Content-Type": "text/plain", **headers})


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", {"Location": location})


# 1. Conditional GET


def test_etag_gives_304_and_not_modified(server: LocalServer) -> None:
    def handler(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return text(b"hello", ETag='"v1"')

    url = server.route("/page", handler)
    first, second = fetch_twice(url)

    assert first.status == 200 and not first.not_modified
    assert first.document is not None and first.document.body == b"hello"
    assert first.validators == Validators(etag='"v1"')
    assert second.not_modified and second.document is None and second.status == 304
    assert second.validators == Validators(etag='"v1"')
    sent = [request.headers for request in server.requests]
    assert "if-none-match" not in sent[0]
    assert sent[1]["if-none-match"] == '"v1"'
    assert "if-modified-since" not in sent[1]


def test_last_modified_only_gives_304_and_keeps_the_validator(server: LocalServer) -> None:
    def handler(request: Request) -> Reply:
        if request.headers.get("if-modified-since") == LAST_MODIFIED:
            return Reply(304, b"", {})  # a 304 need not repeat the validators
        return text(b"hello", **{"Last-Modified": LAST_MODIFIED})

    url = server.route("/page", handler)
    first, second = fetch_twice(url)

    assert first.validators == Validators(last_modified=LAST_MODIFIED)
    assert second.not_modified and second.document is None
    assert second.validators == Validators(last_modified=LAST_MODIFIED)
    assert server.requests[1].headers["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in server.requests[1].headers


def test_a_304_updates_the_validators_it_carries(server: LocalServer) -> None:
    url = server.script("/page", Reply(304, b"", {"ETag": '"v2"'}))
    result = fetch_once(url, validators=Validators(etag='"v1"', last_modified=LAST_MODIFIED))
    assert result.not_modified
    assert result.validators == Validators(etag='"v2"', last_modified=LAST_MODIFIED)


def test_a_200_returns_the_new_validators_and_lower_cased_headers(server: LocalServer) -> None:
    url = server.script("/page", text(b"new", ETag='W/"v2"', **{"X-Custom": "yes"}))
    result = fetch_once(url, validators=Validators(etag='"v1"', last_modified=LAST_MODIFIED))
    assert result.document is not None and result.document.body == b"new"
    assert result.validators == Validators(etag='W/"v2"')  # the old Last-Modified is not kept
    assert result.document.headers["x-custom"] == "yes"
    assert result.document.content_type == "text/plain"
    assert result.document.fetched_at == NOW


def test_a_304_to_an_unconditional_request_is_an_error(server: LocalServer) -> None:
    url = server.script("/page", Reply(304, b"", {}))
    with pytest.raises(FetchError, match="HTTP 304"):
        fetch_once(url)


# 2. Retries on 5xx


def test_5xx_is_retried_until_it_succeeds(server: LocalServer) -> None:
    url = server.script("/flaky", text(b"oops", 500), text(b"oops", 502), text(b"fine"))
    result = fetch_once(url)
    assert result.document is not None and result.document.body == b"fine"
    assert len(server.requests) == 3


def test_5xx_forever_fails_after_retries_plus_one_attempts(server: LocalServer) -> None:
    url = server.script("/down", text(b"oops", 500))
    with pytest.raises(FetchError, match=r"HTTP 500 from .*/down \(gave up after 3 attempts\)"):
        fetch_once(url)
    assert len(server.requests) == 3


def test_no_retries_means_one_attempt(server: LocalServer) -> None:
    url = server.script("/down", text(b"oops", 503))
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch_once(url, FetchSettings(retries=0))
    assert len(server.requests) == 1


# 3. 429 and Retry-After


def test_retry_after_seconds_is_waited_for(server: LocalServer) -> None:
    url = server.script("/busy", text(b"slow down", 429, **{"Retry-After": "1"}), text(b"ok"))
    start = time.monotonic()
    result = fetch_once(url)
    assert time.monotonic() - start >= 0.9
    assert result.document is not None and result.document.body == b"ok"
    assert len(server.requests) == 2


def test_retry_after_above_the_cap_fails_at_once(server: LocalServer) -> None:
    url = server.script("/busy", text(b"slow down", 429, **{"Retry-After": "3600"}))
    start = time.monotonic()
    with pytest.raises(FetchError, match="HTTP 429 from .*Retry-After 3600s exceeds 60s"):
        fetch_once(url)
    assert time.monotonic() - start < 1
    assert len(server.requests) == 1


def test_retry_after_as_an_http_date(server: LocalServer) -> None:
    past = format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True)
    future = format_datetime(datetime.now(timezone.utc) + timedelta(hours=2), usegmt=True)
    passed = server.script("/past", text(b"", 503, **{"Retry-After": past}), text(b"ok"))
    later = server.script("/future", text(b"", 503, **{"Retry-After": future}))

    assert fetch_once(passed).document is not None  # a date already gone: retry at once
    with pytest.raises(FetchError, match="HTTP 503 .*Retry-After 7[0-9]{3}s exceeds 60s"):
        fetch_once(later)



def test_a_retry_after_that_only_looks_like_a_number_means_backoff(server: LocalServer) -> None:
    url = server.script("/busy", text(b"", 503, **{"Retry-After": "\u00b2"}), text(b"ok"))
    result = fetch_once(url)
    assert result.document is not None and result.document.body == b"ok"
    assert len(server.requests) == 2


# 4. Redirects


def test_redirect_chain_ends_at_the_final_url(server: LocalServer) -> None:
    server.script("/a", redirect("/b", 301))
    server.script("/b", redirect(server.url("/c"), 307))
    server.script("/c", text(b"final"))
    result = fetch_once(server.url("/a"))
    assert result.document is not None and result.document.body == b"final"
    assert result.document.url == server.url("/c")
    assert [request.path for request in server.requests] == ["/a", "/b", "/c"]


@pytest.mark.parametrize(("hops", "ok"), [(2, True), (3, False)])
def test_at_most_max_redirects_are_followed(server: LocalServer, hops: int, ok: bool) -> None:
    for hop in range(hops):
        server.script(f"/r{hop}", redirect(f"/r{hop + 1}"))
    server.script(f"/r{hops}", text(b"end"))
    settings = FetchSettings(max_redirects=2, backoff=0.01)
    if ok:
        assert fetch_once(server.url("/r0"), settings).document is not None
    else:
        with pytest.raises(FetchError, match=r"too many redirects \(2\)"):
            fetch_once(server.url("/r0"), settings)


def test_a_redirect_loop_fails(server: LocalServer) -> None:
    server.script("/x", redirect("/y"))
    url = server.script("/y", redirect("/x"))
    with pytest.raises(FetchError, match=r"^http://127\.0\.0\.1:\d+/y: too many redirects \(5\)$"):
        fetch_once(url)
    assert len(server.requests) == 6  # the loop is not retried


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)"])
def test_a_redirect_to_another_scheme_is_refused(server: LocalServer, target: str) -> None:
    url = server.script("/evil", redirect(target))
    with pytest.raises(FetchError, match="refused redirect") as error:
        fetch_once(url)
    assert target in str(error.value)
    assert len(server.requests) == 1


def test_an_error_after_a_redirect_names_both_urls(server: LocalServer) -> None:
    url = server.script("/moved", redirect("/gone"))
    with pytest.raises(FetchError, match=r"HTTP 404 from .*/moved \(redirected to .*/gone\)"):
        fetch_once(url)


# 5. Size limits and Content-Encoding


def test_a_body_over_max_bytes_fails(server: LocalServer) -> None:
    url = server.script("/big", text(b"x" * (2 * MB)))
    with pytest.raises(FetchError, match=f"larger than {MB} bytes"):
        fetch_once(url, FetchSettings(max_bytes=MB, backoff=0.01))


def test_a_streamed_body_without_length_is_cut_off(server: LocalServer) -> None:
    url = server.script("/big", Reply(200, (b"x" * 65536 for _ in range(32)), {}))
    with pytest.raises(FetchError, match=f"larger than {MB} bytes \\(cut off\\)"):
        fetch_once(url, FetchSettings(max_bytes=MB, backoff=0.01))


def test_a_body_of_exactly_max_bytes_is_fine(server: LocalServer) -> None:
    url = server.script("/edge", Reply(200, (b"y" * 1000 for _ in range(4)), {}))
    result = fetch_once(url, FetchSettings(max_bytes=4000, backoff=0.01))
    assert result.document is not None and len(result.document.body) == 4000


def _gzip_bomb(size: int) -> bytes:
    """`size` zero bytes gzipped, without ever holding them all in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(MB)
    return b"".join(packer.compress(zeros) for _ in range(size // MB)) + packer.flush()


def test_a_gzip_bomb_is_cut_off_without_inflating_it(server: LocalServer) -> None:
    bomb = _gzip_bomb(50 * MB)
    assert len(bomb) < 100_000
    url = server.script("/bomb", Reply(200, bomb, {"Content-Encoding": "gzip"}))
    start = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match=f"larger than {MB} bytes"):
            fetch_once(url, FetchSettings(max_bytes=MB, backoff=0.01))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - start < 5
    assert peak < 8 * MB


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", gzip.compress(b"<p>squeezed</p>")),
        ("x-gzip", gzip.compress(b"<p>squeezed</p>")),
        ("deflate", zlib.compress(b"<p>squeezed</p>")),
        ("deflate", zlib.compress(b"<p>squeezed</p>")[2:-4]),  # raw deflate, as IIS once sent
        ("gzip", gzip.compress(b"<p>squee") + gzip.compress(b"zed</p>")),  # two gzip members
        ("identity", b"<p>squeezed</p>"),
    ],
)
def test_content_encoding_is_undone(server: LocalServer, encoding: str, packed: bytes) -> None:
    url = server.script("/packed", Reply(200, packed, {"Content-Encoding": encoding}))
    result = fetch_once(url)
    assert result.document is not None and result.document.body == b"<p>squeezed</p>"
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(("encoding", "message"), [("gzip", "not valid gzip"), ("br", "unsupported Content-Encoding 'br'")])
def test_a_false_content_encoding_fails_clearly(server: LocalServer, encoding: str, message: str) -> None:
    url = server.script("/liar", Reply(200, b"<p>plain text, not compressed</p>", {"Content-Encoding": encoding}))
    with pytest.raises(FetchError, match=message) as error:
        fetch_once(url)
    assert str(error.value).startswith(url)
    assert len(server.requests) == 1


# 6. Deadlines


def test_headers_then_a_stall_times_out(server: LocalServer) -> None:
    def stall() -> Iterator[bytes]:
        yield b"0123456789"
        server.stopping.wait(30)

    url = server.route("/stall", lambda request: Reply(200, stall(), {}))
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1s$"):
        fetch_once(url, FetchSettings(timeout=1.0, retries=0))
    assert time.monotonic() - start < 3


def test_a_slow_drip_hits_the_total_deadline(server: LocalServer) -> None:
    def drip() -> Iterator[bytes]:
        while not server.stopping.is_set():
            yield b"x"
            time.sleep(0.3)

    url = server.route("/drip", lambda request: Reply(200, drip(), {}))
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1s"):
        fetch_once(url, FetchSettings(timeout=1.0, retries=0))
    assert time.monotonic() - start < 3


def test_a_timeout_is_retried(server: LocalServer) -> None:
    def slow_then_fast(request: Request) -> Reply:
        if len(server.requests) == 1:
            server.stopping.wait(3)  # no headers within the deadline
        return text(b"ok")

    url = server.route("/slow", slow_then_fast)
    result = fetch_once(url, FetchSettings(timeout=0.5, retries=1, backoff=0.01))
    assert result.document is not None and result.document.body == b"ok"
    assert len(server.requests) == 2


# 7. Connection errors and 4xx


def test_connection_refused_fails_after_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(FetchError) as error:
        fetch_once(url, FetchSettings(retries=1, backoff=0.01))
    message = str(error.value)
    assert message.startswith(url) and "gave up after 2 attempts" in message
    assert "\n" not in message


@pytest.mark.parametrize("status", [404, 403, 410])
def test_4xx_fails_at_once(server: LocalServer, status: int) -> None:
    url = server.script("/nope", text(b"no", status))
    with pytest.raises(FetchError, match=f"^HTTP {status} from {url}$"):
        fetch_once(url)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://127.0.0.1:99999/", "^http://127.0.0.1:99999/: "),
        ("http://[::1/", "^http://\\[::1/: "),
        ("ftp://127.0.0.1/file", "unsupported URL scheme 'ftp'"),
    ],
)
def test_bad_urls_become_fetch_errors(location: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        fetch_once(location)


@pytest.mark.parametrize("etag", ['"a"\r\nX-Injected: 1', '"caf\u00e9"'])
def test_unsendable_validators_become_fetch_errors(server: LocalServer, etag: str) -> None:
    url = server.script("/page", text(b"ok"))
    with pytest.raises(FetchError) as error:
        fetch_once(url, validators=Validators(etag=etag))
    assert str(error.value).startswith(url) and "\n" not in str(error.value)
    assert not any("x-injected" in request.headers for request in server.requests)


# 8. Concurrency caps


class InFlight:
    """Counts requests the server is handling at once, overall and per Host header."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}
        self.peak_total = 0
        self.peak_host: dict[str, int] = {}

    def __call__(self, request: Request) -> Reply:
        host = request.headers["host"].split(":")[0]
        with self.lock:
            self.now[host] = self.now.get(host, 0) + 1
            self.peak_total = max(self.peak_total, sum(self.now.values()))
            self.peak_host[host] = max(self.peak_host.get(host, 0), self.now[host])
        time.sleep(0.2)
        with self.lock:
            self.now[host] -= 1
        return text(b"ok")


def fetch_all(urls: list[str], settings: FetchSettings) -> list[FetchResult]:
    async def run() -> list[FetchResult]:
        async with Fetcher(settings) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    return asyncio.run(run())


def test_per_host_cap(server: LocalServer) -> None:
    counter = InFlight()
    url = server.route("/slow", counter)
    start = time.monotonic()
    results = fetch_all([url] * 20, FetchSettings(concurrency=10, per_host=3))
    elapsed = time.monotonic() - start
    assert all(result.document is not None for result in results)
    assert counter.peak_host == {"127.0.0.1": 3}
    assert elapsed < 2.5  # 7 rounds of 0.2 s; one at a time would take 4 s


def test_global_cap_across_hosts(server: LocalServer) -> None:
    counter = InFlight()
    server.route("/slow", counter)
    port = server.httpd.server_address[1]
    urls = [f"http://{host}:{port}/slow" for host in ("127.0.0.1", "localhost") for _ in range(8)]
    results = fetch_all(urls, FetchSettings(concurrency=4, per_host=3))
    assert all(result.document is not None for result in results)
    assert counter.peak_total == 4
    assert max(counter.peak_host.values()) <= 3


# 9. Local files


def test_a_local_file_is_read_and_can_be_not_modified(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>local</p>")
    first = fetch_once(str(page))
    assert first.document is not None and first.document.body == b"<p>local</p>"
    assert first.document.url == page.resolve().as_uri()
    assert first.document.fetched_at == NOW
    assert first.status == 0
    stat = page.stat()
    assert first.validators == Validators(etag=f'"{stat.st_size}-{stat.st_mtime_ns}"')

    second = fetch_once(str(page), validators=first.validators)
    assert second.not_modified and second.document is None and second.validators == first.validators

    page.write_bytes(b"<p>local, changed</p>")
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    third = fetch_once(str(page), validators=first.validators)
    assert third.document is not None and third.document.body == b"<p>local, changed</p>"


def test_a_missing_file_fails_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    with pytest.raises(FetchError, match=f"^cannot read {missing}: No such file or directory$"):
        fetch_once(str(missing))


def test_max_bytes_applies_to_files(tmp_path: Path) -> None:
    page = tmp_path / "big.html"
    page.write_bytes(b"x" * 2000)
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch_once(str(page), FetchSettings(max_bytes=1000))
    assert fetch_once(str(page), FetchSettings(max_bytes=2000)).document is not None


# 10. User-Agent


def test_the_configured_user_agent_is_sent(server: LocalServer) -> None:
    url = server.script("/page", text(b"ok"))
    settings = FetchSettings(user_agent=user_agent("https://news.example.org/"))
    assert settings.user_agent == f"{DEFAULT_USER_AGENT} (+https://news.example.org/)"
    fetch_once(url, settings)
    assert server.requests[0].headers["user-agent"] == settings.user_agent


# 11. The synchronous fetch for `preview`


def test_sync_fetch_returns_a_document(server: LocalServer, tmp_path: Path) -> None:
    url = server.script("/page", text(b"sync"))
    document = fetch(url, now=NOW, agent="preview-test/1")
    assert document.body == b"sync" and document.url == url and document.fetched_at == NOW
    assert server.requests[0].headers["user-agent"] == "preview-test/1"

    page = tmp_path / "page.html"
    page.write_bytes(b"file")
    assert fetch(str(page)).body == b"file"
    assert fetch(str(page)).fetched_at.tzinfo is not None


def test_sync_fetch_raises_fetch_error(server: LocalServer) -> None:
    url = server.script("/gone", text(b"", 404))
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(url)
