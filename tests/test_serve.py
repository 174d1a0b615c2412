"""`python -m feeds serve`, as a user runs it: a subprocess serving a real build.

Requests go through http.client, which sends the path exactly as written (httpx and
browsers would normalise `/../` away before the server ever saw it) and ignores proxy
settings from the environment.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

from .conftest import REPO, run_cli

BUILD_TIME = "2025-05-07T12:00:00+00:00"
STARTUP = re.compile(r"^serving (?P<directory>.+) on http://127\.0\.0\.1:(?P<port>\d+)/ \(Ctrl-C stops\)$", re.M)


def build_into(output: Path, state: Path) -> None:
    """The sample build, as test_feeds_output runs it: same inputs, same bytes."""
    run_cli("build", "--output", str(output), "--state", str(state), "--now", BUILD_TIME, "--quiet", check=True)


@dataclass
class Served:
    """A running `feeds serve` process."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    """Its stderr: the startup line, then one line per request."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
        """One request with `path` sent as written, on its own connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        finally:
            connection.close()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    """Names lower-cased."""
    body: bytes


def server_env() -> dict[str, str]:
    """This environment without proxy settings: every client here talks to 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return {**env, "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}


@contextmanager
def served(directory: Path, log: Path) -> Iterator[Served]:
    """`python -m feeds serve --output DIRECTORY --port 0` from the repository root.

    Its stderr goes to `log`, a file rather than a pipe, so that a chatty access log can
    never fill a pipe nobody reads and stall the server. The port comes from the
    startup line. Stopped with SIGINT, as Ctrl-C would, at the end.
    """
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "feeds", "serve", "--output", str(directory), "--port", "0"],
            cwd=REPO, env=server_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 20
        while not (match := STARTUP.search(log.read_text(encoding="utf-8", errors="replace"))):
            if process.poll() is not None:
                raise AssertionError(f"feeds serve exited {process.returncode}:\n{log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise AssertionError(f"feeds serve printed no startup line:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield Served(process, int(match["port"]), log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("site") / "output"
    build_into(directory, tmp_path_factory.mktemp("state"))
    return directory


@pytest.fixture(scope="module")
def server(output: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(output, tmp_path_factory.mktemp("serve") / "stderr.log") as running:
        yield running


def sha256_etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest() + '"'


# --- startup -------------------------------------------------------------------------


def test_startup_line_names_the_directory_and_the_real_port(server: Served, output: Path) -> None:
    match = STARTUP.search(server.log_lines()[0])
    assert match, server.log_lines()[0]
    assert Path(match["directory"]) == output.resolve()
    assert server.port != 0


def test_a_missing_directory_is_one_error_line(tmp_path: Path) -> None:
    result = run_cli("serve", "--output", str(tmp_path / "nowhere"), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr


# --- content types -------------------------------------------------------------------

CONTENT_TYPES = {
    "all.rss.xml": "application/rss+xml; charset=utf-8",
    "meiti.rss.xml": "application/rss+xml; charset=utf-8",
    "all.atom.xml": "application/atom+xml; charset=utf-8",
    "industry.atom.xml": "application/atom+xml; charset=utf-8",
    "all.json": "application/feed+json; charset=utf-8",
    "meiti.json": "application/feed+json; charset=utf-8",
    "status.json": "application/json",
    "feeds.opml": "text/x-opml; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
}


@pytest.mark.parametrize("name", sorted(CONTENT_TYPES))
def test_content_type_and_body_of_each_kind_of_output(server: Served, output: Path, name: str) -> None:
    if not (output / name).exists():
        pytest.fail(f"the build wrote no {name}: {sorted(p.name for p in output.iterdir())}")
    response = server.request(f"/{name}")
    assert response.status == 200
    assert response.headers["content-type"] == CONTENT_TYPES[name]
    assert response.body == (output / name).read_bytes()
    assert int(response.headers["content-length"]) == len(response.body)


def test_every_output_file_gets_a_specific_content_type(server: Served, output: Path) -> None:
    for path in sorted(path for path in output.iterdir() if path.is_file() and not path.is_symlink()):
        kind = server.request(f"/{path.name}", "HEAD").headers["content-type"]
        assert kind != "application/octet-stream", path.name


def test_the_root_serves_index_html(server: Served, output: Path) -> None:
    response = server.request("/")
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.body == (output / "index.html").read_bytes()


def test_head_sends_the_headers_of_get_and_no_body(server: Served) -> None:
    get = server.request("/all.atom.xml")
    head = server.request("/all.atom.xml", "HEAD")
    assert head.status == 200 and head.body == b""
    for name in ("content-type", "content-length", "etag", "last-modified"):
        assert head.headers[name] == get.headers[name]


def test_a_missing_file_is_404(server: Served) -> None:
    assert server.request("/nothing.rss.xml").status == 404
    assert server.request("/all.rss.xml/").status == 404  # a file is not a directory


# --- conditional requests ------------------------------------------------------------


def test_etag_is_the_quoted_sha256_of_the_bytes(server: Served, output: Path) -> None:
    response = server.request("/all.rss.xml")
    assert response.headers["etag"] == sha256_etag((output / "all.rss.xml").read_bytes())
    assert not response.headers["etag"].startswith("W/"), "strong, not weak"
    modified = parsedate_to_datetime(response.headers["last-modified"])
    assert int(modified.timestamp()) == int((output / "all.rss.xml").stat().st_mtime)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_round_trip_gives_304_with_no_body(server: Served, method: str) -> None:
    first = server.request("/meiti.atom.xml")
    etag = first.headers["etag"]
    again = server.request("/meiti.atom.xml", method, {"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["etag"] == etag
    assert again.headers["last-modified"] == first.headers["last-modified"]


@pytest.mark.parametrize("header", ['"other", {etag}', "W/{etag}", "*"])
def test_if_none_match_lists_weak_tags_and_star(server: Served, header: str) -> None:
    etag = server.request("/all.json", "HEAD").headers["etag"]
    assert server.request("/all.json", headers={"If-None-Match": header.format(etag=etag)}).status == 304


def test_a_stale_etag_gets_the_file(server: Served, output: Path) -> None:
    response = server.request("/all.json", headers={"If-None-Match": '"stale"'})
    assert response.status == 200 and response.body == (output / "all.json").read_bytes()


def test_if_modified_since(server: Served) -> None:
    modified = server.request("/industry.rss.xml", "HEAD").headers["last-modified"]
    later = formatdate(parsedate_to_datetime(modified).timestamp() + 3600, usegmt=True)
    earlier = formatdate(parsedate_to_datetime(modified).timestamp() - 3600, usegmt=True)
    for since in (modified, later):
        response = server.request("/industry.rss.xml", headers={"If-Modified-Since": since})
        assert response.status == 304 and response.body == b"", since
    assert server.request("/industry.rss.xml", headers={"If-Modified-Since": earlier}).status == 200
    assert server.request("/industry.rss.xml", headers={"If-Modified-Since": "yesterday"}).status == 200


def test_if_none_match_takes_precedence_over_if_modified_since(server: Served) -> None:
    head = server.request("/industry.rss.xml", "HEAD")
    fresh_date = {"If-Modified-Since": head.headers["last-modified"]}
    assert server.request("/industry.rss.xml", headers={**fresh_date, "If-None-Match": '"stale"'}).status == 200
    # ...both ways: a matching tag wins over a date that says "modified".
    old_date = {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}
    assert server.request("/industry.rss.xml", headers={**old_date, "If-None-Match": head.headers["etag"]}).status == 304


def test_a_changed_file_gets_a_new_etag_and_200(server: Served, output: Path) -> None:
    path = output / "changing.rss.xml"
    path.write_bytes(b"<rss version='2.0'><channel><title>one</title></channel></rss>")
    try:
        first = server.request("/changing.rss.xml")
        assert first.status == 200
        # Same size, same mtime, other bytes: the ETag follows the content, not the clock.
        stat = path.stat()
        path.write_bytes(b"<rss version='2.0'><channel><title>two</title></channel></rss>")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        second = server.request("/changing.rss.xml", headers={"If-None-Match": first.headers["etag"]})
        assert second.status == 200
        assert second.body == path.read_bytes()
        assert second.headers["etag"] == sha256_etag(path.read_bytes()) != first.headers["etag"]
        assert server.request("/changing.rss.xml", headers={"If-None-Match": second.headers["etag"]}).status == 304
        # A newer mtime and new bytes: If-Modified-Since sees it too.
        path.write_bytes(b"<rss version='2.0'><channel><title>three</title></channel></rss>")
        os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))
        third = server.request("/changing.rss.xml", headers={"If-Modified-Since": second.headers["last-modified"]})
        assert third.status == 200 and b"three" in third.body
    finally:
        path.unlink()


def test_a_rebuild_with_nothing_new_keeps_every_etag(server: Served, output: Path, tmp_path: Path) -> None:
    outputs = [path for path in output.iterdir() if path.is_file() and not path.is_symlink()]
    before = {path.name: server.request(f"/{path.name}", "HEAD").headers["etag"] for path in outputs}
    build_into(output, tmp_path / "state")  # a cold state, the same inputs: the same bytes
    for name, etag in before.items():
        assert server.request(f"/{name}", headers={"If-None-Match": etag}).status == 304, name


# --- what is never served ------------------------------------------------------------

TRAVERSALS = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/../output/../secret.txt",
    "//../secret.txt",
]


@pytest.fixture(scope="module")
def secret(output: Path) -> bytes:
    """A file beside the served directory, and a symlink inside it that leads to it."""
    content = b"secret outside the served directory"
    (output.parent / "secret.txt").write_bytes(content)
    (output / "sub").mkdir(exist_ok=True)
    (output / "sub" / "inner.txt").write_bytes(b"inner")
    (output / "escape.txt").symlink_to(output.parent / "secret.txt")
    return content


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_leaves_the_directory(server: Served, secret: bytes, path: str) -> None:
    response = server.request(path)
    assert response.status in (400, 403, 404), (path, response.status)
    assert secret not in response.body


def test_a_symlink_out_of_the_directory_is_refused(server: Served, secret: bytes) -> None:
    response = server.request("/escape.txt")
    assert response.status in (403, 404) and secret not in response.body


def test_no_directory_listing(server: Served, secret: bytes) -> None:
    redirect = server.request("/sub")
    assert redirect.status == 301 and redirect.headers["location"] == "/sub/"
    listing = server.request("/sub/")
    assert listing.status in (403, 404)
    assert b"inner.txt" not in listing.body
    assert server.request("/sub/inner.txt").body == b"inner"  # files in it are served


def test_dot_files_are_not_served(server: Served, output: Path) -> None:
    # The temporary file of an atomic write (publish.py) has this shape.
    (output / ".all.rss.xml.abc123.tmp").write_bytes(b"half written")
    try:
        for path in ("/.all.rss.xml.abc123.tmp", "/%2eall.rss.xml.abc123.tmp"):
            response = server.request(path)
            assert response.status == 404 and b"half written" not in response.body
    finally:
        (output / ".all.rss.xml.abc123.tmp").unlink()


def test_other_methods_are_refused(server: Served) -> None:
    assert server.request("/all.rss.xml", "POST").status == 501
    assert server.request("/all.rss.xml", "DELETE").status == 501


def test_one_access_log_line_per_request(server: Served) -> None:
    before = len(server.log_lines())
    server.request("/all.rss.xml?marker=1")
    server.request("/missing-marker.xml")
    time.sleep(0.1)
    new = server.log_lines()[before:]
    assert any('"GET /all.rss.xml?marker=1 HTTP/1.1" 200' in line for line in new), new
    assert sum("missing-marker" in line for line in new) == 1, new


# --- stopping ------------------------------------------------------------------------


def test_sigint_stops_it_quickly_with_exit_code_0(output: Path, tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    with served(output, log) as running:
        assert running.request("/all.rss.xml").status == 200
        # An idle client holding a connection open must not keep the server up.
        idle = socket.create_connection(("127.0.0.1", running.port), timeout=5)
        try:
            time.sleep(0.1)
            started = time.monotonic()
            running.process.send_signal(signal.SIGINT)
            code = running.process.wait(timeout=10)
            elapsed = time.monotonic() - started
        finally:
            idle.close()
    assert code == 0
    assert elapsed < 3, f"took {elapsed:.1f} s to stop"
    text = log.read_text(encoding="utf-8")
    assert text.rstrip().endswith("stopped")
    assert "Traceback" not in text
    with pytest.raises(OSError):  # the port is closed
        socket.create_connection(("127.0.0.1", running.port), timeout=2).close()
