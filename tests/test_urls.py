"""Tests for feeds.urls: resolve, canonical and is_web_url."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.urls import canonical, is_web_url, resolve

BASE = "https://example.com/news/2025/item.html"


# --- resolve ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("other.html", "https://example.com/news/2025/other.html"),
        ("../index.html", "https://example.com/news/index.html"),
        ("/about", "https://example.com/about"),
        ("?page=2", "https://example.com/news/2025/item.html?page=2"),
        ("#comments", "https://example.com/news/2025/item.html#comments"),
        ("//cdn.example.net/img/a.jpg", "https://cdn.example.net/img/a.jpg"),
        ("http://other.example.org/x", "http://other.example.org/x"),
        ("HTTPS://Other.Example.org/x", "https://Other.Example.org/x"),
        ("  other.html  ", "https://example.com/news/2025/other.html"),
        ("\n\t/about\r\n", "https://example.com/about"),
        ("/%E6%96%B0%E9%97%BB/1.html", "https://example.com/%E6%96%B0%E9%97%BB/1.html"),
    ],
)
def test_resolve_makes_href_absolute(href: str, expected: str) -> None:
    assert resolve(BASE, href) == expected


def test_resolve_protocol_relative_follows_the_base_scheme() -> None:
    assert resolve("http://example.com/a", "//cdn.example.net/x") == "http://cdn.example.net/x"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:void(0)",
        "  javascript:alert(1)  ",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:image/png;base64,AAAA",
        "mailto:someone@example.com",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "tel:+861234567",
        "http://[::1",
    ],
)
def test_resolve_refuses_non_web_targets(href: str) -> None:
    assert resolve(BASE, href) is None


@pytest.mark.parametrize("href", [None, ""])
def test_resolve_missing_href_is_none(href: str | None) -> None:
    assert resolve(BASE, href) is None


def test_resolve_against_a_non_web_base_is_none() -> None:
    assert resolve("file:///tmp/page.html", "other.html") is None


# --- canonical --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?id=5&utm_source=x&page=2", "https://example.com/a?id=5&page=2"),
        (
            "https://example.com/a?utm_source=x&utm_medium=y&utm_campaign=z&utm_term=t&utm_content=c",
            "https://example.com/a",
        ),
        ("https://example.com/a?fbclid=abc", "https://example.com/a"),
        ("https://example.com/a?gclid=abc&x=1", "https://example.com/a?x=1"),
        ("https://example.com/a?spm=a2c4g.11186623&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?UTM_Source=x&b=2", "https://example.com/a?b=2"),
        ("https://example.com/a?utm_source", "https://example.com/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?id=1#top", "https://example.com/a?id=1"),
        ("HTTPS://Example.COM/Path/Keeps/Case", "https://example.com/Path/Keeps/Case"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com", "https://example.com/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://[::1]:8080/x", "https://[::1]:8080/x"),
        ("https://[2001:DB8::1]/x", "https://[2001:db8::1]/x"),
    ],
)
def test_canonical(url: str, expected: str) -> None:
    assert canonical(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/%E6%96%B0%E9%97%BB/2025/%E4%B8%AD%E5%9B%BD.html",
        "https://example.com/%e6%96%b0%e9%97%bb/",  # lower-case escapes stay lower-case
        "https://example.com/a?q=%E4%B8%AD%E6%96%87&sort=desc",
        "https://example.com/a?b=2&a=1",  # order kept, not sorted
        "https://example.com/a?x=1+2&y=a%20b&z=",
        "https://example.com/a?flag",
        "https://example.com/a?id=5&id=6",
        "https://example.com/a?url=https%3A%2F%2Fother.example%2F%3Futm_source%3Dx",
        "https://example.com/a;params?x=1",
    ],
)
def test_canonical_keeps_path_and_other_query_byte_for_byte(url: str) -> None:
    assert canonical(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a?id=5&utm_source=x&page=2#frag",
        "HTTP://EXAMPLE.com:80/a?fbclid=1",
        "https://example.com:8443/%E4%B8%AD?b=1&a=2&spm=x",
    ],
)
def test_canonical_is_idempotent(url: str) -> None:
    once = canonical(url)
    assert canonical(once) == once


@given(
    st.lists(
        st.tuples(
            # Keys from letters that cannot spell a tracking parameter.
            st.text(alphabet="abcdefgh_", min_size=1, max_size=8),
            st.text(alphabet="abc0123%E", max_size=6),
        ),
        max_size=6,
    )
)
def test_canonical_keeps_non_tracking_params_in_order(params: list[tuple[str, str]]) -> None:
    pieces = [f"{key}={value}" for key, value in params]
    url = "https://example.com/a?" + "&".join(["utm_source=feed", *pieces, "fbclid=z"])
    expected = "https://example.com/a" + ("?" + "&".join(pieces) if pieces else "")
    assert canonical(url) == expected


def test_canonical_never_raises_on_a_bad_port() -> None:
    assert canonical("https://example.com:notaport/a") == "https://example.com:notaport/a"


# --- is_web_url -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com/a?b=c",
        "HTTPS://EXAMPLE.COM/",
        "https://example.com:8080/",
        "https://[::1]/",
        "https://例子.中国/新闻",
    ],
)
def test_is_web_url_accepts_http_and_https(url: str) -> None:
    assert is_web_url(url) is True


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "example.com/a",
        "/relative/path",
        "//example.com/a",
        "http://",
        "https:///path-only",
        "ftp://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "mailto:a@example.com",
        "data:text/plain,x",
        "http://[::1",
        "https://example.com:99999/",
        "https://example.com:port/",
    ],
)
def test_is_web_url_rejects_everything_else(url: str | None) -> None:
    assert is_web_url(url) is False
