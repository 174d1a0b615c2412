"""Tests for feeds.sanitize: sanitize_element, sanitize_html, text_to_html, lazy_image_url."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html

from feeds.css import select
from feeds.sanitize import CHROME_SELECTORS, _chrome, lazy_image_url, sanitize_element, sanitize_html, text_to_html

BASE = "https://example.com/a/b.html"
URL_ATTRIBUTES = ("href", "src", "cite", "action", "formaction", "srcset", "poster", "background")


def clean(fragment: str) -> str:
    return sanitize_element(html.fragment_fromstring(fragment, create_parent="div"), BASE)


def parsed(output: str) -> html.HtmlElement:
    return html.fragment_fromstring(output or "<span></span>", create_parent="div")


def assert_safe(output: str) -> None:
    """No script, no event handler, no URL that is not absolute http(s) or mailto."""
    assert not re.search(r"<\s*script", output, re.IGNORECASE), output
    tree = parsed(output)
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        assert node.tag not in {"script", "style", "iframe", "object", "embed", "form", "meta", "base", "svg"}
        for name, value in node.attrib.items():
            assert not name.lower().startswith("on"), output
            assert name.lower() not in {"style", "srcset"}, output
            if name.lower() in URL_ATTRIBUTES:
                assert re.match(r"(https?://|mailto:)", value, re.IGNORECASE), output


# --- dangerous markup is removed ---------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>hi<script>alert(1)</script></p>", "<p>hi</p>"),
        ('<script src="https://evil.example/x.js"></script><p>x</p>', "<p>x</p>"),
        ("<style>p { color: red }</style><p>x</p>", "<p>x</p>"),
        ('<iframe src="https://evil.example/"></iframe><p>x</p>', "<p>x</p>"),
        ('<form action="/post"><input name="q"><p>inside</p><button>go</button></form><p>x</p>', "<p>x</p>"),
        ('<object data="x.swf"></object><embed src="x.swf"><p>x</p>', "<p>x</p>"),
        ('<svg onload="alert(1)"><script>alert(1)</script></svg><p>x</p>', "<p>x</p>"),
        ("<noscript><p>enable js</p></noscript><p>x</p>", "<p>x</p>"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>x</p>', "<p>x</p>"),
        ('<link rel="stylesheet" href="https://evil.example/x.css"><p>x</p>', "<p>x</p>"),
        ("<!-- a comment --><p>x<!-- another --></p>", "<p>x</p>"),
        ("<p><!--[if IE]><script>x</script><![endif]-->x</p>", "<p>x</p>"),
    ],
)
def test_dangerous_elements_are_removed_with_their_content(fragment: str, expected: str) -> None:
    assert clean(fragment) == expected


@pytest.mark.parametrize(
    "fragment",
    [
        '<p onclick="steal()">x</p>',
        '<p OnMouseOver="steal()">x</p>',
        '<img src="/i.png" onerror="steal()">',
        '<a href="/x" onfocus="steal()">x</a>',
        '<p style="x:expression(alert(1))">x</p>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<img src="/a.jpg" srcset="/b.jpg 2x, javascript:alert(1) 3x">',
        '<p class="c" id="i" data-x="1">x</p>',
    ],
)
def test_dangerous_and_unknown_attributes_are_removed(fragment: str) -> None:
    output = clean(fragment)
    assert_safe(output)
    assert not re.search(r"\s(on\w+|style|srcset|class|id|data-x)=", output, re.IGNORECASE), output


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
    ],
)
def test_unsafe_link_targets_are_removed_but_text_stays(href: str) -> None:
    output = clean(f'<a href="{href}">label</a>')
    assert output == '<a rel="noopener noreferrer">label</a>'


def test_markup_hidden_in_svg_style_cannot_smuggle_a_cite_url() -> None:
    # lxml keeps <svg><style> content as raw text; html5ever (nh3) parses it as markup,
    # so the <blockquote> reappears at cleaning time with its original cite.
    output = clean('<svg onload=x><style><blockquote cite="javascript:x">')
    assert_safe(output)
    assert "javascript" not in output


def test_base_element_does_not_change_resolution() -> None:
    output = clean('<base href="https://evil.example/"><a href="c.html">c</a>')
    assert output == '<a href="https://example.com/a/c.html" rel="noopener noreferrer">c</a>'


# --- URLs made absolute ------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<a href="c.html">c</a>', '<a href="https://example.com/a/c.html" rel="noopener noreferrer">c</a>'),
        ('<a href="../c.html">c</a>', '<a href="https://example.com/c.html" rel="noopener noreferrer">c</a>'),
        ('<a href="/root">r</a>', '<a href="https://example.com/root" rel="noopener noreferrer">r</a>'),
        ('<a href="//cdn.example.net/x">x</a>', '<a href="https://cdn.example.net/x" rel="noopener noreferrer">x</a>'),
        ('<a href="  d.html  ">d</a>', '<a href="https://example.com/a/d.html" rel="noopener noreferrer">d</a>'),
        ('<a href="#note-1">n</a>', '<a href="https://example.com/a/b.html#note-1" rel="noopener noreferrer">n</a>'),
        ('<a href="mailto:editor@example.com">m</a>', '<a href="mailto:editor@example.com" rel="noopener noreferrer">m</a>'),
        ('<img src="i.png" alt="pic">', '<img src="https://example.com/a/i.png" alt="pic">'),
        ('<img src="/%E5%9B%BE.png">', '<img src="https://example.com/%E5%9B%BE.png">'),
        ('<blockquote cite="/src">q</blockquote>', '<blockquote cite="https://example.com/src">q</blockquote>'),
        ('<q cite="src">q</q>', '<q cite="https://example.com/a/src">q</q>'),
    ],
)
def test_relative_urls_are_made_absolute(fragment: str, expected: str) -> None:
    assert clean(fragment) == expected


def test_links_get_noopener_noreferrer_replacing_their_own_rel_and_target() -> None:
    output = clean('<a href="https://other.example/" rel="nofollow" target="_blank">x</a>')
    assert output == '<a href="https://other.example/" rel="noopener noreferrer">x</a>'


# --- lazy images ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected_src"),
    [
        ('<img src="/placeholder.gif" data-original="/real.jpg">', "https://example.com/real.jpg"),
        ('<img src="/placeholder.gif" data-src="real.jpg">', "https://example.com/a/real.jpg"),
        ('<img src="/placeholder.gif" data-lazy-src="//cdn.example.net/r.jpg">', "https://cdn.example.net/r.jpg"),
        ('<img src="/placeholder.gif" data-actualsrc="/r.jpg">', "https://example.com/r.jpg"),
        ('<img data-src="/only-lazy.jpg">', "https://example.com/only-lazy.jpg"),
        ('<img src="data:image/gif;base64,R0lGODlh" data-src="/real.jpg">', "https://example.com/real.jpg"),
        ('<img src="/p.gif" data-src="/second.jpg" data-original="/first.jpg">', "https://example.com/first.jpg"),
        ('<img src="/real.jpg" data-src="javascript:alert(1)">', "https://example.com/real.jpg"),
        ('<img src="/real.jpg" data-src="">', "https://example.com/real.jpg"),
    ],
)
def test_lazy_image_attributes_win_over_placeholder_src(fragment: str, expected_src: str) -> None:
    output = clean(fragment)
    image = parsed(output).find(".//img")
    assert image is not None
    assert image.get("src") == expected_src
    assert not re.search(r"data-(original|src|lazy-src|actualsrc)", output)


@pytest.mark.parametrize(
    "fragment",
    [
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="a">',
        '<img src="javascript:alert(1)" alt="a">',
        '<img alt="a">',
    ],
)
def test_image_without_a_web_address_loses_its_src(fragment: str) -> None:
    output = clean(fragment)
    assert output == '<img alt="a">'


def test_lazy_image_url_directly() -> None:
    image = html.fragment_fromstring('<img src="p.gif" data-original="/r.jpg">')
    assert lazy_image_url(image, BASE) == "https://example.com/r.jpg"
    image = html.fragment_fromstring('<img src="data:image/png;base64,AA">')
    assert lazy_image_url(image, BASE) is None


# --- page chrome ----------------------------------------------------------------


@pytest.mark.parametrize(
    "chrome",
    [
        '<div class="entry-copyright">© 2025 Example, reprint with permission</div>',
        '<div class="sharedaddy"><a href="/share?fb">Share</a></div>',
        '<div class="post-share"><a href="/x">Weibo</a></div>',
        '<div class="social-share">share me</div>',
        '<ul class="share"><li>WeChat</li></ul>',
        '<div class="jp-relatedposts"><h3>Related</h3></div>',
        '<div class="related-posts"><a href="/p">p</a></div>',
        '<div class="wp-block-buttons"><a href="/buy">Buy</a></div>',
        '<div class="foo entry-copyright bar">copyright</div>',
    ],
)
def test_chrome_inside_the_element_is_removed(chrome: str) -> None:
    assert clean(f"<p>Body text.</p>{chrome}<p>More.</p>") == "<p>Body text.</p><p>More.</p>"


def test_chrome_removal_keeps_following_text() -> None:
    output = clean('<p>a</p><span class="share">s</span> tail text')
    assert "tail text" in output
    assert "s</span>" not in output


def test_class_names_that_only_contain_share_are_kept() -> None:
    output = clean('<p class="shared-note">kept</p>')
    assert output == "<p>kept</p>"


# --- text and structure ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>a &lt; b &amp; c &gt; d</p>", "<p>a &lt; b &amp; c &gt; d</p>"),
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("lead &lt;text&gt; &amp; more<p>x</p>", "lead &lt;text&gt; &amp; more<p>x</p>"),
        ("<p>中文 &amp; English</p>", "<p>中文 &amp; English</p>"),
        ("<div><p>nested</p></div>", "<p>nested</p>"),
        ("<p>a<br>b</p>", "<p>a<br>b</p>"),
        ("<table><tr><td colspan=\"2\" style=\"x\">c</td></tr></table>", '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>'),
        ("<p>a</p>\n    \n   <p>b</p>", "<p>a</p>\n<p>b</p>"),
        ("<p>x\x0by\x08z</p>", "<p>xyz</p>"),
        ("", ""),
    ],
)
def test_text_and_structure(fragment: str, expected: str) -> None:
    assert clean(fragment) == expected


def test_nul_never_reaches_the_output() -> None:
    output = clean("<p>x\x00y</p>")
    assert "\x00" not in output
    assert output.startswith("<p>x") and output.endswith("y</p>")


def test_element_itself_is_not_modified() -> None:
    element = html.fragment_fromstring('<p>a<img data-src="/r.jpg"><a href="x">x</a></p>', create_parent="div")
    before = html.tostring(element)
    clean_html = sanitize_element(element, BASE)
    assert "https://example.com/r.jpg" in clean_html
    assert html.tostring(element) == before


# --- sanitize_html and text_to_html ----------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>x<script>y</script></p>", "<p>x</p>"),
        ('<a href="/relative">r</a>', '<a rel="noopener noreferrer">r</a>'),
        ('<a href="https://e.example/">e</a>', '<a href="https://e.example/" rel="noopener noreferrer">e</a>'),
        ('<img src="https://e.example/i.png" onerror="x()">', '<img src="https://e.example/i.png">'),
        ('<blockquote cite="javascript:alert(1)">q</blockquote>', "<blockquote>q</blockquote>"),
        ('<q cite="data:text/html,x">q</q>', "<q>q</q>"),
        ('<blockquote cite="/relative">q</blockquote>', "<blockquote>q</blockquote>"),
        ('<blockquote cite="https://e.example/s">q</blockquote>', '<blockquote cite="https://e.example/s">q</blockquote>'),
        ("<p>unclosed <b>bold", "<p>unclosed <b>bold</b></p>"),
        ("a < b", "a &lt; b"),
        ("  <p>trimmed</p>  ", "<p>trimmed</p>"),
        ("a\x00b\x0bc\ufffe", "abc"),
        ('<p title="t" class="c" id="i">x</p>', '<p title="t">x</p>'),
        ('<a title="<script>alert(1)</script>" href="https://e.example/">t</a>', '<a title="&lt;script&gt;alert(1)&lt;/script&gt;" href="https://e.example/" rel="noopener noreferrer">t</a>'),
    ],
)
def test_sanitize_html(fragment: str, expected: str) -> None:
    assert sanitize_html(fragment) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "<p>plain</p>"),
        ("a < b & c > d", "<p>a &lt; b &amp; c &gt; d</p>"),
        ('say "hi"', '<p>say "hi"</p>'),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("", ""),
    ],
)
def test_text_to_html(text: str, expected: str) -> None:
    assert text_to_html(text) == expected


# --- property: nothing dangerous survives ----------------------------------------

PIECES = [
    '<a href="javascript:x()">',
    '<a href="JAVASCRIPT:x()">',
    '<a href=" javascript:x()">',
    '<a href="data:text/html,x">',
    '<a href="vbscript:x">',
    '<a href="/ok">',
    '<a href="https://ok.example/">',
    "</a>",
    "<img onerror=alert(1) src=x>",
    '<img src="data:image/png;base64,AA">',
    '<img data-src="javascript:alert(1)" src="javascript:y">',
    '<img srcset="javascript:x 2x">',
    "<script>",
    "</script>",
    "<SCRIPT SRC=//evil.example/x.js>",
    "<svg onload=x>",
    "<iframe src=javascript:x>",
    "<p onclick='x'>",
    "<p ONMOUSEOVER=x>",
    "</p>",
    '<div style="background:url(javascript:x)">',
    "</div>",
    "<style>",
    '<meta http-equiv="refresh" content="0;url=javascript:x">',
    '<base href="javascript:x/">',
    '<form action="javascript:x"><button formaction="javascript:y">',
    "<!--",
    "-->",
    '<blockquote cite="javascript:x">',
    "<math><mi xlink:href=javascript:x>",
    "<",
    ">",
    '"',
    "'",
    "=",
    "&",
    "&#106;avascript:",
    " ",
]


@given(
    st.lists(
        st.one_of(st.sampled_from(PIECES), st.text(alphabet="abc xyz<>=\"'/&;:", max_size=8)),
        max_size=25,
    )
)
def test_sanitize_element_output_is_always_safe(pieces: list[str]) -> None:
    element = html.fragment_fromstring("".join(pieces), create_parent="div")
    assert_safe(sanitize_element(element, BASE))


@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=25))
def test_sanitize_html_output_is_always_safe(pieces: list[str]) -> None:
    assert_safe(sanitize_html("".join(pieces)))


def test_chrome_is_found_exactly_as_its_css_selectors_find_it() -> None:
    """`_chrome` answers CHROME_SELECTORS in one pass; it must agree with the selectors,
    including class lists split on tabs and newlines but not on other white space."""
    tree = html.fragment_fromstring(
        '<div><p class="a share">1</p><div class="x\tsharedaddy\nb">2</div>'
        '<span class="post-share\u00a0more">3</span><i class="entry-copyright">4</i>'
        '<b class="shares">5</b></div>'
    )
    assert [e.text for e in _chrome(tree)] == [e.text for e in select(tree, ", ".join(CHROME_SELECTORS))] == ["1", "2", "4"]
