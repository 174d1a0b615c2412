"""A response body's Content-Encoding undone in bounded steps, so that a compression bomb is
cut off at the size limit instead of inflated whole."""

from __future__ import annotations

import zlib

from .models import FetchError

_GZIP_MAGIC = b"\x1f\x8b"


class Inflater:
    """Undoes a Content-Encoding in bounded steps: a bomb is cut before it is inflated."""

    def __init__(self, url: str, encoding: str, limit: int) -> None:
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}")
        self._url = url
        self._encoding = encoding
        self._limit = limit
        self._body = bytearray()
        self._zlib = _decompressor(encoding)

    def feed(self, data: bytes) -> None:
        if self._zlib is None:
            self._append(data)
            return
        try:
            self._inflate(data)
        except zlib.error as error:
            raise FetchError(f"{self._url}: body is not valid {self._encoding} ({error})") from None

    def finish(self) -> bytes:
        if self._zlib is not None:
            self._append(self._zlib.flush())
        return bytes(self._body)

    def _inflate(self, data: bytes) -> None:
        inflater = self._zlib
        assert inflater is not None
        while data:
            try:
                # Never more than one byte past the limit: enough to know it was passed.
                out = inflater.decompress(data, self._limit - len(self._body) + 1)
            except zlib.error:
                if self._encoding != "deflate" or self._body or inflater.eof:
                    raise
                # Some servers send raw deflate under "deflate", without the zlib wrapper.
                inflater = self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._append(out)
            if not inflater.eof:
                data = inflater.unconsumed_tail  # empty unless the limit was hit (and raised)
            elif inflater.unused_data.startswith(_GZIP_MAGIC):
                data = inflater.unused_data  # a multi-member gzip stream
                inflater = self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
            else:
                return  # trailing bytes after the stream, ignored as browsers do

    def _append(self, data: bytes) -> None:
        self._body += data
        if len(self._body) > self._limit:
            raise FetchError(f"{self._url}: response larger than {self._limit} bytes (cut off)")


def _decompressor(encoding: str) -> zlib._Decompress | None:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None
