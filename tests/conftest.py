"""Shared fixtures: paths to the samples, a real HTTP server on 127.0.0.1, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED_PAGE = REPO / "feeds" / "samples" / "camerich-1639.html"
FIXTURES = REPO / "tests" / "fixtures"


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    etag: str | None = None
    """When set, sent as ETag, and a matching If-None-Match gets 304."""
    delay: float = 0.0
    """Seconds to wait before answering."""


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 that serves whatever routes a test sets."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                route = route or Route(b"not found", 404, {"Content-Type": "text/plain"})
                time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                if route.etag:
                    self.send_header("ETag", route.etag)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

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
        self.routes[path] = Route(body, status, {"Content-Type": content_type}, etag, delay)
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        """The headers of every request made for `path`."""
        return [headers for requested, headers in self.requests if requested == path]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    local.thread.start()
    try:
        yield local
    finally:
        local.httpd.shutdown()
        local.httpd.server_close()


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


# Imports for the scripted server below (appended here to leave the code above untouched).
from collections.abc import Callable, Iterable  # noqa: E402


@dataclass
class Reply:
    """What a scripted route answers. A bytes body gets a Content-Length; an iterable of
    chunks is streamed as it is produced (the handler may sleep between chunks) and ends
    when the connection closes."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    """Names lower-cased."""


Handler = Callable[[Request], Reply]


class ScriptedServer:
    """A threaded HTTP server on 127.0.0.1 whose routes are Python callables.

    `route(path, handler)` answers with `handler(request)`; `script(path, *replies)` answers
    with each reply in turn, repeating the last. Every request is recorded in `requests`.
    """

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        """Set at teardown; handlers that stall should wait on it."""
        server = self

        class HTTPHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                handler = server.handlers.get(self.path)
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
                    if "content-length" not in {name.lower() for name in reply.headers}:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.end_headers()
                for chunk in reply.body:
                    self.wfile.write(chunk)
                    self.wfile.flush()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), HTTPHandler)
        self.httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for it, once per test.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

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


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    local = ScriptedServer()
    local.thread.start()
    try:
        yield local
    finally:
        local.stopping.set()
        local.httpd.shutdown()
        local.httpd.server_close()
