"""`python -m feeds serve`: the output directory over HTTP on 127.0.0.1, for a local reader.

Only the standard library: a `ThreadingHTTPServer` and a `SimpleHTTPRequestHandler`
that serves files, and nothing else:

- each kind of output gets its real content type (`application/rss+xml`,
  `application/atom+xml`, `application/feed+json`, `text/x-opml`…), as a reader expects;
- every response carries a strong `ETag` (the sha256 of the bytes) and `Last-Modified`
  (the mtime), and a conditional request that matches gets `304 Not Modified` with no
  body. `If-None-Match` takes precedence over `If-Modified-Since` (RFC 9110, 13.2.2).
  Since builds leave unchanged files untouched, a polling reader is told "nothing new";
- no directory listings, no dot files (the temporary files of an atomic write), and no
  path outside the directory: `..` components are dropped, and a symlink that leads
  out is refused.

It binds 127.0.0.1 only: it is a preview server, not a web server for the internet.
Ctrl-C raises `KeyboardInterrupt` out of `serve()`, after the socket is closed.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import urllib.parse
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

__all__ = ["content_type", "serve"]

UTF8 = "; charset=utf-8"
_SUFFIX_TYPES: tuple[tuple[str, str], ...] = (
    (".rss.xml", "application/rss+xml" + UTF8),
    (".atom.xml", "application/atom+xml" + UTF8),
    (".opml", "text/x-opml" + UTF8),
    (".html", "text/html" + UTF8),
    (".htm", "text/html" + UTF8),
    (".xml", "application/xml" + UTF8),
    (".xsl", "application/xslt+xml" + UTF8),
    (".css", "text/css" + UTF8),
    (".js", "text/javascript" + UTF8),
    (".txt", "text/plain" + UTF8),
    (".svg", "image/svg+xml"),
    (".png", "image/png"),
    (".ico", "image/x-icon"),
)
# Files named like a feed but holding something else: the build's status report.
_PLAIN_JSON = frozenset({"status.json"})


def content_type(name: str) -> str:
    """The Content-Type to serve the output file called `name` with."""
    lower = name.lower()
    if lower.endswith(".json"):
        # JSON Feed (SLUG.json) is application/feed+json (jsonfeed.org/version/1.1);
        # status.json is a plain JSON document. JSON is UTF-8 by definition (RFC 8259),
        # the charset is there for readers that look for it anyway.
        return "application/json" if lower in _PLAIN_JSON else "application/feed+json" + UTF8
    for suffix, kind in _SUFFIX_TYPES:
        if lower.endswith(suffix):
            return kind
    return "application/octet-stream"


class _Handler(SimpleHTTPRequestHandler):
    """Files of one directory, with content types and conditional requests."""

    server_version = "feeds"

    def send_head(self) -> BinaryIO | None:  # type: ignore[override]
        """Headers of a GET or HEAD; the body to send, or None when there is none."""
        # As translate_path() reads it; "//x" is a path here, never a host.
        url_path = "/" + self.path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        if not self._is_plain_path(url_path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not url_path.endswith("/"):  # as browsers expect, /sub -> /sub/
                self._redirect(url_path + "/")
                return None
            path = path / "index.html"
        elif url_path.endswith("/"):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        if not self._inside_root(path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            with path.open("rb") as handle:
                stat = os.fstat(handle.fileno())
                body = handle.read()
        except OSError:  # missing, a directory without index.html, unreadable
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None

        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        modified = formatdate(stat.st_mtime, usegmt=True)
        if self._not_modified(etag, int(stat.st_mtime)):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._validators(etag, modified)
            self.end_headers()
            return None
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(path.name))
        self.send_header("Content-Length", str(len(body)))
        self._validators(etag, modified)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        return io.BytesIO(body)

    def _validators(self, etag: str, modified: str) -> None:
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.send_header("Cache-Control", "no-cache")  # store, but ask again each time

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # then If-Modified-Since is ignored (RFC 9110, 13.1.3)
            tags = [tag.strip() for tag in if_none_match.split(",")]
            # Weak comparison, as RFC 9110 asks for If-None-Match.
            return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # an invalid date is ignored
        if since.tzinfo is None:
            return False
        return mtime <= since.timestamp()

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    @staticmethod
    def _is_plain_path(url_path: str) -> bool:
        """False for dot files and dot directories (`..` included, however encoded)."""
        try:
            decoded = urllib.parse.unquote(url_path, errors="strict")
        except UnicodeDecodeError:
            return False
        if "\\" in decoded or "\x00" in decoded:
            return False
        return not any(part.startswith(".") for part in decoded.split("/") if part)

    def _inside_root(self, path: Path) -> bool:
        """Whether `path`, symlinks resolved, is inside the served directory."""
        root = Path(self.directory).resolve()
        try:
            return path.resolve().is_relative_to(root)
        except OSError:
            return False

    def list_directory(self, path: str | os.PathLike[str]) -> BinaryIO | None:  # type: ignore[override]
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")  # never a listing
        return None

    def version_string(self) -> str:
        return self.server_version

    def log_error(self, format: str, *args: object) -> None:  # noqa: A002 - base class name
        """Nothing: the request's own line already shows its status."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class name
        """One short line per request on stderr."""
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def _server(directory: Path, port: int, host: str) -> ThreadingHTTPServer:
    handler = partial(_Handler, directory=str(directory))
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True  # an open keep-alive connection never holds up Ctrl-C
    return httpd


def serve(directory: Path, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Serve `directory` on http://HOST:PORT/ until interrupted (KeyboardInterrupt).

    `port` 0 picks a free port; the line printed on stderr names the real one.
    """
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise FileNotFoundError(2, "no such directory (build first: python -m feeds build)", str(directory))
    with _server(directory, port, host) as httpd:
        bound_port = httpd.server_address[1]
        print(f"serving {directory} on http://{host}:{bound_port}/ (Ctrl-C stops)", file=sys.stderr, flush=True)
        httpd.serve_forever()
