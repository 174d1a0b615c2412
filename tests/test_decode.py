"""Tests for feeds.decode: decode_html, declared_charset and codec_name."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.decode import codec_name, declared_charset, decode_html

CHINESE = "朱镕基与陶喆出席了今天的新闻发布会，这是一篇关于中国经济发展的报道。"


def page(head: str = "", body: str = CHINESE) -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>News</title></head><body><p>{body}</p></body></html>"


def test_gbk_only_characters_are_outside_gb2312() -> None:
    # The premise of the GB2312 tests below: these two need GBK.
    for char in "镕喆":
        with pytest.raises(UnicodeEncodeError):
            char.encode("gb2312")
        char.encode("gbk")


# --- decode_html -------------------------------------------------------------


def test_utf8_with_header_charset() -> None:
    text = page('<meta charset="utf-8">')
    assert decode_html(text.encode("utf-8"), "text/html; charset=UTF-8") == text


def test_utf8_without_any_declaration() -> None:
    text = page()
    assert decode_html(text.encode("utf-8")) == text


def test_gbk_bytes_labelled_gb2312_in_meta_decode_exactly() -> None:
    text = page('<meta charset="gb2312">')
    assert decode_html(text.encode("gbk")) == text


def test_gbk_bytes_labelled_gb2312_in_header_decode_exactly() -> None:
    text = page()
    assert decode_html(text.encode("gbk"), "text/html; charset=gb2312") == text


@pytest.mark.parametrize(
    "meta",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=gbk">',
        "<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=GBK'>",
        '<meta content="text/html; charset=gb2312" http-equiv="Content-Type">',
        "<meta charset=gb2312>",
        '<meta charset=" GBK ">',
    ],
)
def test_gbk_declared_in_meta_variants(meta: str) -> None:
    text = page(meta)
    assert decode_html(text.encode("gbk")) == text


def test_non_ascii_text_before_the_meta_tag() -> None:
    text = f'<html><head><title>{CHINESE}</title><meta charset="gbk"></head><body>{CHINESE}</body></html>'
    assert decode_html(text.encode("gbk")) == text


def test_meta_found_after_the_first_kilobyte() -> None:
    text = f'<html><head><!-- {"x" * 3000} --><meta charset="gbk"></head><body>{CHINESE}</body></html>'
    assert decode_html(text.encode("gbk")) == text


def test_utf8_bom_is_used_and_stripped() -> None:
    text = page('<meta charset="gbk">')  # the BOM outranks a contradicting meta
    body = codecs.BOM_UTF8 + text.encode("utf-8")
    assert decode_html(body, "text/html; charset=gbk") == text


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_and_utf32_with_bom(bom: bytes, codec: str) -> None:
    text = page()
    assert decode_html(bom + text.encode(codec)) == text


def test_header_says_utf8_but_bytes_are_gbk() -> None:
    text = page()
    assert decode_html(text.encode("gbk"), "text/html; charset=utf-8") == text


def test_meta_says_utf8_but_bytes_are_gbk() -> None:
    text = page('<meta charset="utf-8">')
    assert decode_html(text.encode("gbk")) == text


def test_meta_says_gb2312_but_bytes_are_utf8() -> None:
    text = page('<meta charset="gb2312">')
    assert decode_html(text.encode("utf-8")) == text


@pytest.mark.parametrize("label", ["utf-16", "UTF-16LE", "utf-32"])
def test_meta_declaring_utf16_is_read_as_utf8(label: str) -> None:
    # An ASCII-readable <meta> cannot be in a UTF-16 document (HTML standard: use UTF-8).
    for text in (page(f'<meta charset="{label}">'), page(f'<meta charset="{label}">', "News!")):
        assert decode_html(text.encode("utf-8")) == text


def test_hz_gb_2312_is_not_widened_to_gb18030() -> None:
    text = '<html><head><meta charset="hz-gb-2312"></head><body><p>中文新闻</p></body></html>'
    assert decode_html(text.encode("hz")) == text


@pytest.mark.parametrize("codec", ["big5", "shift_jis", "euc-kr", "cp1252", "koi8-r", "iso-8859-2"])
def test_other_declared_charsets(codec: str) -> None:
    samples = {
        "big5": "香港新聞報道，今日天氣晴朗。",
        "shift_jis": "日本語のニュース記事です。",
        "euc-kr": "한국어 뉴스 기사입니다.",
        "cp1252": "Café — naïve “quotes”",
        "koi8-r": "Новости дня",
        "iso-8859-2": "Zażółć gęślą jaźń",
    }
    text = page(f'<meta charset="{codec}">', samples[codec])
    assert decode_html(text.encode(codec)) == text


@pytest.mark.parametrize(
    "body",
    [
        b"<p>\xff\xfe\xfa abc \xc3</p>",
        b"\xc3\x28\xa0\xa1\xe2\x28\xa1",
        "<p>中文</p>".encode("utf-8")[:-6],  # cut inside a character
        b"",
        codecs.BOM_UTF8,
        codecs.BOM_UTF16_LE + b"\x00",  # odd byte count
        codecs.BOM_UTF16_LE + b"\x00\xd8",  # lone surrogate
    ],
)
@pytest.mark.parametrize("content_type", ["", "text/html; charset=utf-8", "text/html; charset=gbk"])
def test_invalid_bytes_never_raise(body: bytes, content_type: str) -> None:
    assert isinstance(decode_html(body, content_type), str)


def test_invalid_utf8_keeps_the_ascii_around_it() -> None:
    result = decode_html(b"<p>hello \xff world</p>", "text/html; charset=utf-8")
    assert result.startswith("<p>hello ") and result.endswith(" world</p>")


@pytest.mark.parametrize(
    "label", ["base64", "rot13", "zlib", "hex", "utf-7", "unicode_escape", "undefined", "no-such-charset"]
)
@pytest.mark.parametrize("where", ["header", "meta"])
def test_bogus_or_non_text_charset_labels_never_raise(label: str, where: str) -> None:
    text = page(f'<meta charset="{label}">' if where == "meta" else "", "plain +ADw- text \\u0041")
    content_type = f"text/html; charset={label}" if where == "header" else ""
    assert decode_html(text.encode("utf-8"), content_type) == text


@given(st.binary(max_size=2000), st.sampled_from(["", "text/html; charset=utf-8", "text/html; charset=gb2312", "text/html; charset=utf-16"]))
def test_arbitrary_bytes_never_raise(body: bytes, content_type: str) -> None:
    assert isinstance(decode_html(body, content_type), str)


# --- codec_name -------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("gb2312", "gb18030"),
        ("GB2312", "gb18030"),
        ("GBK", "gb18030"),
        ("gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("gb18030", "gb18030"),
        ("big5", "big5hkscs"),
        ("utf-8", "utf-8"),
        ("UTF8", "utf-8"),
        (' "utf-8" ', "utf-8"),
        ("'gbk'", "gb18030"),
        ("latin1", "iso8859-1"),
        ("windows-1252", "cp1252"),
        ("shift_jis", "shift_jis"),
        ("hz-gb-2312", "hz"),
    ],
)
def test_codec_name_known_labels(label: str, expected: str) -> None:
    assert codec_name(label) == expected


@pytest.mark.parametrize(
    "label",
    [None, "", "   ", "x-unknown", "no-such-charset", "base64", "rot13", "zlib", "utf-7", "unicode_escape", "idna", "undefined"],
)
def test_codec_name_unusable_labels_are_none(label: str | None) -> None:
    assert codec_name(label) is None


# --- declared_charset -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (codecs.BOM_UTF8 + b"<meta charset=gbk>", "text/html; charset=gbk", ("utf-8", "bom")),
        (codecs.BOM_UTF16_LE + "x".encode("utf-16-le"), "", ("utf-16-le", "bom")),
        (codecs.BOM_UTF16_BE + "x".encode("utf-16-be"), "", ("utf-16-be", "bom")),
        (codecs.BOM_UTF32_LE + "x".encode("utf-32-le"), "", ("utf-32-le", "bom")),
        (b"<meta charset=utf-8>", "text/html; charset=GBK", ("gb18030", "header")),
        (b"<p>x</p>", 'text/html; charset="utf-8"', ("utf-8", "header")),
        (b"<p>x</p>", "text/html;charset=gb2312", ("gb18030", "header")),
        (b'<meta charset="gb2312">', "text/html; charset=bogus", ("gb18030", "meta")),
        (b'<meta charset="gb2312">', "text/html", ("gb18030", "meta")),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=big5">', "", ("big5hkscs", "meta")),
        (b"<p>no declaration</p>", "", (None, "")),
        (b"<p>no declaration</p>", "text/html", (None, "")),
        (b'<meta charset="bogus">', "", (None, "")),
        (b"", "", (None, "")),
    ],
)
def test_declared_charset_reports_where(body: bytes, content_type: str, expected: tuple[str | None, str]) -> None:
    assert declared_charset(body, content_type) == expected


def test_declared_charset_ignores_meta_beyond_the_scan_window() -> None:
    body = b"<html><head>" + b" " * 20_000 + b'<meta charset="gbk">'
    assert declared_charset(body) == (None, "")
