"""How the fetcher connects: one small pool per host, through the proxies the environment
names, with one TLS context for all of them (and a second, checking nothing, for the
sources that set `verify_tls = false`)."""

from __future__ import annotations

import os
import ssl

import httpx

from .models import FetchError
from .text import fold


def tls_context() -> ssl.SSLContext:
    """httpx's default context: certifi's CA bundle, or the file SSL_CERT_FILE names, else
    the directory SSL_CERT_DIR names (httpx reads them in that order, each replacing certifi).

    A missing or unreadable SSL_CERT_FILE raises an OSError that names neither the variable
    nor the file; say both, in one line. A missing SSL_CERT_DIR raises nothing, and every
    https fetch would then fail on its certificate: say so once, here.
    """
    directory = os.environ.get("SSL_CERT_DIR")
    if directory and not os.environ.get("SSL_CERT_FILE") and not os.path.isdir(directory):
        raise FetchError(f"cannot load CA certificates from SSL_CERT_DIR={directory!r}: not a directory")
    try:
        return httpx.create_ssl_context()
    except OSError as error:  # ssl.SSLError too, for a file holding no certificate
        named = next(
            (f" from {name}={os.environ[name]!r}" for name in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(name)),
            "",
        )
        raise FetchError(fold(f"cannot load CA certificates{named}: {error.strerror or error}")) from None


def unverified_tls_context() -> ssl.SSLContext:
    """A context that accepts any certificate for any name: for the sources that set
    `verify_tls = false` (an incomplete chain, an expired or self-signed certificate).
    The connection is still encrypted, but anyone on the path can pose as the site."""
    return httpx.create_ssl_context(verify=False)


def environment_proxies() -> dict[str, str | None]:
    """The proxies plain httpx would take from the environment: {URL pattern: proxy URL, or
    None where NO_PROXY says go direct}, for `httpx.AsyncClient(mounts=...)`.

    httpx applies them only when it builds its own transport, not to `PerHostTransport`.
    `get_environment_proxies` is private to httpx, so it is used here only; its behaviour
    (variables, case, NO_PROXY forms, precedence) is pinned by tests/test_proxy.py.
    """
    from httpx._utils import get_environment_proxies

    return get_environment_proxies()


class PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per host, behind the one client; through `proxy` if given
    (the client mounts one such transport per proxy the environment names).

    httpcore scans every connection of a pool on each request, so a single pool shared by
    hundreds of sites costs more CPU than the requests themselves. The `Fetcher`'s
    semaphores still bound the requests in flight, globally and per host.
    """

    def __init__(self, per_host: int, tls: ssl.SSLContext, proxy: str | None = None) -> None:
        self._limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host)
        self._tls = tls
        self._proxy = proxy
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.get(key)
        if pool is None:
            # A proxy URL httpx cannot use raises here, so each fetch fails in one line.
            pool = httpx.AsyncHTTPTransport(verify=self._tls, limits=self._limits, proxy=self._proxy)
            self._pools[key] = pool
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()
