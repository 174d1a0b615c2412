"""Read sources: http(s) URLs through one shared async httpx client, or local files.

`Fetcher` is polite to the sites it reads: a global cap and a per-host cap on requests in
flight, conditional GETs (ETag / Last-Modified), retries with exponential backoff that
honour Retry-After, and hard limits on redirects, body size (after decompression) and
time (a total deadline per attempt, so a server dripping bytes cannot hold a slot).

Connections are made in `connections.py` (a small pool per host, through the proxies the
environment names) and compressed bodies undone in `inflate.py`. Certificates are checked,
except for the fetches of a source that sets `verify_tls = false`.

Every failure becomes a one-line `FetchError` naming the URL or path. Bodies stay bytes:
decoding is left to the adapters, which know whether they read HTML or a feed.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from . import __version__
from .connections import PerHostTransport, environment_proxies, tls_context, unverified_tls_context
from .inflate import Inflater
from .models import Document, FetchError

DEFAULT_USER_AGENT = f"feeds/{__version__}"

_WEB_SCHEMES = frozenset({"http", "https"})
_URL_WITH_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_LEADING_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
# Only what `Inflater` can undo under a size limit; httpx would also offer br/zstd when
# their packages happen to be installed.
_ACCEPT_ENCODING = "gzip, deflate"
_DRAIN_LIMIT = 64 * 1024
_CERTIFICATE_HINT = (
    " (a site with an incomplete certificate chain or a self-signed certificate can be read"
    " with verify_tls = false in its source; a private CA, with SSL_CERT_FILE)"
)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How hard and how long to try; the defaults suit a few hundred news sites."""

    concurrency: int = 16
    """Global cap on requests in flight."""
    per_host: int = 4
    """Cap on requests in flight to one host."""
    timeout: float = 30.0
    """Seconds for connect/read/write/pool, and the total deadline of one attempt."""
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = 10 * 1024 * 1024
    """Cap on the body size after Content-Encoding is undone (so gzip bombs are cut)."""
    max_redirects: int = 5
    retries: int = 2
    """Extra attempts after the first, for connection errors, timeouts, 5xx and 429."""
    backoff: float = 0.5
    """Base of the exponential wait between attempts, in seconds."""
    max_retry_after: float = 60.0
    """A longer Retry-After is not waited for: the fetch fails at once."""
    parse_timeout: float = 30.0
    """Seconds one document may take to parse; a worker that runs over is killed."""

    def __post_init__(self) -> None:
        for name in ("concurrency", "per_host", "max_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"FetchSettings.{name} must be at least 1")
        for name in ("timeout", "parse_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"FetchSettings.{name} must be positive")
        for name in ("max_redirects", "retries", "backoff", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"FetchSettings.{name} must not be negative")


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server gave to make the next fetch conditional."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    document: Document | None
    """None when not modified."""
    validators: Validators
    """To store and send next time (the previous ones again after a 304)."""
    not_modified: bool = False
    status: int = 200
    """The HTTP status (200, 304...), or 0 for local files."""


def user_agent(contact_url: str) -> str:
    """The User-Agent header: who we are and where to reach whoever runs this build."""
    return f"{DEFAULT_USER_AGENT} (+{contact_url})"


def fetch(location: str, now: datetime | None = None, agent: str = DEFAULT_USER_AGENT) -> Document:
    """Fetch one http(s) URL or local path, synchronously (for `preview`)."""
    result = asyncio.run(_fetch_once(location, FetchSettings(user_agent=agent), now))
    if result.document is None:  # unreachable: no validators were sent
        raise FetchError(f"{location}: not modified")
    return result.document


async def _fetch_once(location: str, settings: FetchSettings, now: datetime | None) -> FetchResult:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(location, now=now)


class _RefusedRedirect(Exception):
    """A redirect to a scheme other than http(s), which is never followed."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class _Retry(Exception):
    """One attempt failed in a way that another attempt may not."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        """Seconds the server asked us to wait (Retry-After), else None for backoff."""


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    url: httpx.URL
    headers: httpx.Headers
    body: bytes | None
    """Read for 2xx responses only."""


class Fetcher:
    """Async context manager owning one httpx.AsyncClient, and a second one, made on first
    use, that checks no certificate: for the sources that set `verify_tls = false`.

    The two are alike but for their TLS context, and share no connection, so a verified
    fetch never rides on a connection whose certificate went unchecked. They share the
    semaphores: the caps on requests in flight, globally and per host, are the same.
    """

    def __init__(self, settings: FetchSettings = FetchSettings()) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None
        self._unverified: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        self._client = _new_client(self.settings, tls_context())  # built once: loading CA certificates is slow
        return self

    async def __aexit__(self, *exc: object) -> None:
        client, unverified = self._client, self._unverified
        self._client = self._unverified = None
        try:
            if client is not None:
                await client.aclose()
        finally:
            if unverified is not None:
                await unverified.aclose()

    def _client_for(self, verify_tls: bool) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("Fetcher.fetch() called outside 'async with Fetcher()'")
        if verify_tls:
            return self._client
        if self._unverified is None:
            self._unverified = _new_client(self.settings, unverified_tls_context())
        return self._unverified

    async def fetch(
        self,
        location: str,
        validators: Validators | None = None,
        now: datetime | None = None,
        *,
        verify_tls: bool = True,
    ) -> FetchResult:
        """location: http(s) URL or local path. Raises FetchError (one clear line naming the URL) for every failure.

        verify_tls=False (a source's `verify_tls = false`) accepts any https certificate,
        for this URL and for every redirect it leads to, whatever the host: a redirect
        stays part of the same source.
        """
        try:
            scheme = _scheme(location)
            if scheme is None:
                return await _fetch_file(Path(location), validators, now, self.settings.max_bytes)
            if scheme not in _WEB_SCHEMES:
                raise FetchError(f"{location}: unsupported URL scheme {scheme!r} (use http, https or a local path)")
            return await self._fetch_http(location, validators, now, self._client_for(verify_tls))
        except _RefusedRedirect as refused:
            raise FetchError(
                _one_line(f"{location}: refused redirect to {refused.location!r} (only http and https are followed)")
            ) from None
        except FetchError as error:
            raise FetchError(_one_line(str(error))) from error.__cause__
        except Exception as error:  # anything from httpx, h11, ssl, the OS: still one line
            raise FetchError(_one_line(f"{location}: {_describe(error)}")) from error

    async def _fetch_http(
        self, url: str, validators: Validators | None, now: datetime | None, client: httpx.AsyncClient
    ) -> FetchResult:
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                return await self._attempt(url, validators, now, client)
            except _Retry as retry:
                if attempt + 1 == attempts:
                    tried = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
                    raise FetchError(f"{retry.reason}{tried}") from None
                await asyncio.sleep(retry.wait if retry.wait is not None else self._backoff(attempt))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        delay = self.settings.backoff * 2**attempt
        return delay + random.uniform(0, delay / 4)  # jitter keeps retries from marching in step

    async def _attempt(
        self, url: str, validators: Validators | None, now: datetime | None, client: httpx.AsyncClient
    ) -> FetchResult:
        """One try: follow redirects by hand (through the same client), then turn the final
        reply into a result."""
        headers = _conditional_headers(validators)
        target = httpx.URL(url)
        for hop in range(self.settings.max_redirects + 1):
            reply = await self._get(url, target, headers, client)
            if reply.status in _REDIRECTS and "location" in reply.headers:
                target = _redirect_target(reply)
                continue
            source = f"{url} (redirected to {reply.url})" if hop else url
            return self._result(source, reply, validators, now)
        raise FetchError(f"{url}: too many redirects ({self.settings.max_redirects})")

    def _result(
        self, source: str, reply: _Reply, validators: Validators | None, now: datetime | None
    ) -> FetchResult:
        """The final reply as a result, or the error it stands for; `source` names it."""
        status = reply.status
        if reply.body is not None:
            document = Document(
                body=reply.body,
                url=str(reply.url),
                fetched_at=now or datetime.now(timezone.utc),
                headers={name.lower(): value for name, value in reply.headers.items()},
            )
            return FetchResult(document, _validators(reply.headers, Validators()), status=status)
        if status == 304 and validators is not None:
            return FetchResult(None, _validators(reply.headers, validators), not_modified=True, status=304)
        if status in _RETRY_STATUSES:
            raise _Retry(f"HTTP {status} from {source}", self._retry_after(status, source, reply.headers))
        raise FetchError(f"HTTP {status} from {source}")

    def _retry_after(self, status: int, source: str, headers: httpx.Headers) -> float | None:
        if status not in _RETRY_AFTER_STATUSES:
            return None
        wait = _parse_retry_after(headers.get("retry-after"))
        if wait is not None and wait > self.settings.max_retry_after:
            raise FetchError(
                f"HTTP {status} from {source}: Retry-After {wait:.0f}s exceeds {self.settings.max_retry_after:g}s"
            )
        return wait

    async def _get(self, url: str, target: httpx.URL, headers: dict[str, str], client: httpx.AsyncClient) -> _Reply:
        """One request, within the caps and the deadline; the body is read for 2xx only."""
        timeout = self.settings.timeout
        async with self._slot(target.host):
            try:
                async with asyncio.timeout(timeout):
                    async with client.stream("GET", target, headers=headers) as response:
                        if response.is_success:
                            body = await self._read_body(url, response)
                        else:
                            body = None
                            await _drain(response)
                        return _Reply(response.status_code, response.url, response.headers, body)
            except (TimeoutError, httpx.TimeoutException):
                raise _Retry(f"{url}: timed out after {timeout:g}s") from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
                if _is_certificate_error(error):
                    raise FetchError(f"{url}: {_describe(error)}{_CERTIFICATE_HINT}") from None
                raise _Retry(f"{url}: {_describe(error)}") from None

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        # The host's slot first: a request waiting on a busy host must not hold a global one.
        key = host.lower()
        if key not in self._host_slots:
            self._host_slots[key] = asyncio.Semaphore(self.settings.per_host)
        async with self._host_slots[key], self._slots:
            yield

    async def _read_body(self, url: str, response: httpx.Response) -> bytes:
        limit = self.settings.max_bytes
        encoding = response.headers.get("content-encoding", "").strip().lower()
        declared = response.headers.get("content-length", "")
        if encoding in ("", "identity") and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{url}: response larger than {limit} bytes ({declared} declared)")
        inflater = Inflater(url, encoding, limit)
        async for chunk in response.aiter_raw():
            inflater.feed(chunk)
        return inflater.finish()


def _new_client(settings: FetchSettings, tls: ssl.SSLContext) -> httpx.AsyncClient:
    """A client whose connections, direct or through each proxy, all use `tls`."""

    def pools(proxy: str | None) -> PerHostTransport:
        return PerHostTransport(settings.per_host, tls, proxy)

    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
        timeout=httpx.Timeout(settings.timeout),
        transport=pools(None),
        # httpx drops the environment's proxies once given a transport: mount them again,
        # one transport per proxy, and let httpx match each URL against them (None: direct).
        mounts={
            pattern: None if proxy is None else pools(proxy)
            for pattern, proxy in environment_proxies().items()
        },
        follow_redirects=False,  # followed by hand, to check each target's scheme
        event_hooks={"response": [_refuse_foreign_redirect]},
    )


async def _drain(response: httpx.Response) -> None:
    """Read a small unwanted body (a 304's, an error page) to its end, so that its
    connection goes back to the pool instead of being closed; give up on a large one."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > _DRAIN_LIMIT:
            return


async def _fetch_file(
    path: Path, validators: Validators | None, now: datetime | None, max_bytes: int
) -> FetchResult:
    """A local file, with an ETag of its size and mtime to emulate a conditional GET."""
    try:
        body, current = await asyncio.to_thread(_read_file, path, validators, max_bytes)
    except OSError as error:
        raise FetchError(f"cannot read {path}: {error.strerror or error}") from None
    if body is None:
        return FetchResult(None, current, not_modified=True, status=0)
    if len(body) > max_bytes:
        raise FetchError(f"{path}: file larger than {max_bytes} bytes (cut off)")
    document = Document(body=body, url=path.resolve().as_uri(), fetched_at=now or datetime.now(timezone.utc))
    return FetchResult(document, current, status=0)


def _read_file(path: Path, validators: Validators | None, max_bytes: int) -> tuple[bytes | None, Validators]:
    """The file's bytes (at most max_bytes + 1), or None when its ETag matches."""
    with path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        current = Validators(etag=f'"{info.st_size}-{info.st_mtime_ns}"')
        if validators is not None and validators.etag == current.etag:
            return None, current
        return handle.read(max_bytes + 1), current


def _scheme(location: str) -> str | None:
    """The URL scheme of `location` in lower case, or None for a local path."""
    match = _URL_WITH_SCHEME.match(location)
    return match.group(1).lower() if match else None


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    headers = {}
    if validators is not None and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators is not None and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _validators(headers: httpx.Headers, previous: Validators) -> Validators:
    """The validators a response carries, falling back to `previous` for any it lacks."""
    return Validators(
        etag=headers.get("etag") or previous.etag,
        last_modified=headers.get("last-modified") or previous.last_modified,
    )


def _redirect_target(reply: _Reply) -> httpx.URL:
    location = reply.headers["location"]
    target = reply.url.join(location)
    if target.scheme not in _WEB_SCHEMES:
        raise _RefusedRedirect(location)
    return target


async def _refuse_foreign_redirect(response: httpx.Response) -> None:
    """A response hook: httpx parses Location even when not following it, and fails
    obscurely on some (such as "javascript:..."), so refuse those before it does."""
    location = response.headers.get("location", "")
    scheme = _LEADING_SCHEME.match(location)
    if response.status_code in _REDIRECTS and scheme and scheme.group(1).lower() not in _WEB_SCHEMES:
        raise _RefusedRedirect(location)


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds from now: delta-seconds or an HTTP-date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # isdigit() alone takes "²"
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _is_certificate_error(error: BaseException) -> bool:
    """A bad certificate will not fix itself between retries."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return any(isinstance(link, ssl.SSLCertVerificationError) for link in chain)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())
