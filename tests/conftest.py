"""Shared fixtures: paths to the samples, a real HTTP server on 127.0.0.1, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED_PAGE = REPO / "feeds" / "samples" / "camerich-1639.html"
FIXTURES = REPO / "tests" / "fixtures"


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fetches honour proxy variables, as httpx does: the tests' requests to 127.0.0.1 must
    not go to a proxy the machine happens to name. Tests of proxies set their own."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@dataclass
class Reply:
    """What a route answers. A bytes body gets a Content-Length; an iterable of chunks is
    streamed as it is produced (the handler may sleep between chunks) and ends when the
    connection closes."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


class Request(NamedTuple):
    path: str
    headers: dict[str, str]
    """Names lower-cased."""


Handler = Callable[[Request], Reply]


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output clean: no access log."""

    def log_message(self, *args: object) -> None:
        pass


def threaded_server(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server on a free port of 127.0.0.1, and the thread that will run it (not started)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    # A short poll interval: shutdown() waits for it, once per test.
    return httpd, threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 answering the routes a test sets.

    `add(path, body, ...)` serves fixed bytes (with an ETag and 304s if asked);
    `route(path, handler)` answers with `handler(request)`; `script(path, *replies)` answers
    with each reply in turn, repeating the last. A path with a query falls back to the
    route of its bare path. Every request is recorded in `requests`.
    """

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        """Set at teardown; handlers that stall should wait on it."""
        server = self

        class HTTPHandler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                handler = server.handlers.get(self.path) or server.handlers.get(self.path.split("?")[0])
                reply = handler(request) if handler else Reply(404, b"not found", {"Content-Type": "text/plain"})
                try:
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as some tests mean it to

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if isinstance(reply.body, bytes):
                    has_length = "content-length" in {name.lower() for name in reply.headers}
                    if not has_length and reply.status != 304:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.end_headers()
                for chunk in reply.body:
                    self.wfile.write(chunk)
                    self.wfile.flush()

        self.httpd, self.thread = threaded_server(HTTPHandler)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(
        self, path: str, body: bytes, status: int = 200,
        content_type: str = "text/html; charset=utf-8", etag: str | None = None, delay: float = 0.0,
    ) -> str:
        """Serve `body` at `path`; with `etag`, a matching If-None-Match gets a 304."""
        headers = {"Content-Type": content_type, **({"ETag": etag} if etag else {})}

        def fixed(request: Request) -> Reply:
            time.sleep(delay)
            if etag and request.headers.get("if-none-match") == etag:
                return Reply(304, b"", {"ETag": etag})
            return Reply(status, body, headers)

        return self.route(path, fixed)

    def route(self, path: str, handler: Handler) -> str:
        self.handlers[path] = handler
        return self.url(path)

    def script(self, path: str, *replies: Reply) -> str:
        remaining = list(replies)
        lock = threading.Lock()

        def next_reply(request: Request) -> Reply:
            with lock:
                return remaining.pop(0) if len(remaining) > 1 else remaining[0]

        return self.route(path, next_reply)

    def requests_to(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    def hits(self, path: str) -> list[dict[str, str]]:
        """The headers of every request made for `path`."""
        return [request.headers for request in self.requests_to(path)]


@contextmanager
def running(httpd: ThreadingHTTPServer, thread: threading.Thread, stopping: threading.Event | None = None) -> Iterator[None]:
    """Serve for the block; then release handlers that wait on `stopping`, and stop."""
    thread.start()
    try:
        yield
    finally:
        if stopping is not None:
            stopping.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    with running(local.httpd, local.thread, local.stopping):
        yield local


def write_config(directory: Path, sources: str, fetch: str = "retries = 0\nbackoff = 0.01", site: str = "") -> Path:
    """`directory`/config.toml: a test site (more `[site]` keys in `site`), `[fetch]` without
    retries unless `fetch` says otherwise, and `sources` ([[sources]] tables) as they are."""
    config = directory / "config.toml"
    config.write_text(
        '[site]\ntitle = "T"\nbase_url = "https://feeds.example.org/"\ntimezone = "Asia/Shanghai"\n'
        f"{site}\n[fetch]\n{fetch}\n\n{sources}",
        encoding="utf-8",
    )
    return config


def run_cli(*args: str, cwd: Path = REPO, check: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m feeds ARGS` as a user runs it: a subprocess, from `cwd`."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-m", "feeds", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"feeds {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result
