"""Tests for feeds.slugs: slugify and assign_slugs."""

from __future__ import annotations

import re
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.slugs import MAX_SLUG_LENGTH, RESERVED, VALID_SLUG, assign_slugs, slugify

HASH_SLUG = re.compile(r"^c-[0-9a-f]{8}$")


def assert_valid(slug: str) -> None:
    assert VALID_SLUG.match(slug), slug
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert 1 <= len(slug) <= MAX_SLUG_LENGTH


# --- slugify ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("媒体", "meiti"),
        ("产业资讯", "chanyezixun"),
        ("AI 新闻", "ai-xinwen"),
        ("Café Société", "cafe-societe"),
        ("Crème brûlée", "creme-brulee"),
        ("../../etc", "etc"),
        ("..\\..\\windows", "windows"),
        ("a/b", "a-b"),
        ("  Hello,   World!  ", "hello-world"),
        ("News_2025", "news-2025"),
        ("---x---", "x"),
        ("CON", "con-category"),
        ("con", "con-category"),
        ("Nul", "nul-category"),
        ("COM1", "com1-category"),
        ("lpt9", "lpt9-category"),
        ("all", "all-category"),
        ("Index", "index-category"),
        ("feeds", "feeds-category"),
        ("status", "status-category"),
        ("company", "company"),
    ],
)
def test_slugify(name: str, expected: str) -> None:
    assert slugify(name) == expected
    assert_valid(slugify(name))


@pytest.mark.parametrize("name", ["", "😀", "🎉🎉", "🔥 ✨", "!!!", "///", "..", "...."])
def test_slugify_names_without_letters_get_a_stable_hash(name: str) -> None:
    slug = slugify(name)
    assert HASH_SLUG.match(slug), slug
    assert slugify(name) == slug
    assert_valid(slug)


def test_slugify_hash_differs_between_names() -> None:
    assert slugify("😀") != slugify("🎉")
    assert slugify("") != slugify("😀")


@pytest.mark.parametrize("name", ["a" * 200, "新闻" * 50, "word " * 40, "a-" * 100, ("x" * 59) + " y"])
def test_slugify_caps_long_names(name: str) -> None:
    slug = slugify(name)
    assert_valid(slug)
    assert len(slug) <= MAX_SLUG_LENGTH


def test_slugify_never_ends_with_a_dash_after_cutting() -> None:
    # Cut at 60 would land right after the separator.
    slug = slugify("a" * 59 + " bcd")
    assert slug == "a" * 59
    assert_valid(slug)


@given(st.text())
def test_slugify_is_always_valid_and_deterministic(name: str) -> None:
    slug = slugify(name)
    assert_valid(slug)
    assert slug not in RESERVED
    assert slugify(name) == slug


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_slugify_is_valid_for_any_unicode(name: str) -> None:
    assert_valid(slugify(name))


# --- VALID_SLUG -------------------------------------------------------------


@pytest.mark.parametrize("slug", ["a", "0", "meiti", "ai-xinwen", "a" * 60, "a-b-c"])
def test_valid_slug_accepts(slug: str) -> None:
    assert VALID_SLUG.match(slug)


@pytest.mark.parametrize(
    "slug",
    ["", "-a", "a-", "A", "a_b", "a.b", "../x", "a/b", "a" * 61, "meiti\n", "中文", "a b"],
)
def test_valid_slug_rejects(slug: str) -> None:
    assert not VALID_SLUG.match(slug)


# --- assign_slugs -----------------------------------------------------------


def test_assign_slugs_keeps_declared_slugs() -> None:
    declared = {"媒体": "media", "产业资讯": "industry"}
    slugs = assign_slugs(["媒体", "产业资讯", "AI 新闻"], declared)
    assert slugs == {"媒体": "media", "产业资讯": "industry", "AI 新闻": "ai-xinwen"}


def test_assign_slugs_includes_declared_names_not_in_names() -> None:
    assert assign_slugs([], {"媒体": "media"}) == {"媒体": "media"}


@pytest.mark.parametrize("names", [["News", "news"], ["news", "News"]])
def test_assign_slugs_collision_is_decided_by_sorted_name(names: list[str]) -> None:
    # "News" < "news" in code-point order, so it gets the plain slug in either input order.
    assert assign_slugs(names, {}) == {"News": "news", "news": "news-2"}


@pytest.mark.parametrize(
    "names",
    [["Ａ", "A", "a", "á"], ["á", "a", "A", "Ａ"], ["a", "á", "Ａ", "A"]],
)
def test_assign_slugs_many_collisions_are_order_independent(names: list[str]) -> None:
    # All four names slugify to "a"; suffixes follow sorted(names).
    assert assign_slugs(names, {}) == {"A": "a", "a": "a-2", "á": "a-3", "Ａ": "a-4"}


def test_assign_slugs_derived_slug_colliding_with_declared_gets_suffix() -> None:
    slugs = assign_slugs(["媒体", "Media"], {"Media": "meiti"})
    assert slugs == {"Media": "meiti", "媒体": "meiti-2"}


def test_assign_slugs_duplicate_names_count_once() -> None:
    assert assign_slugs(["媒体", "媒体", "媒体"], {}) == {"媒体": "meiti"}


def test_assign_slugs_suffix_never_pushes_past_the_length_limit() -> None:
    long_a, long_b = "x" * 70, "x" * 80
    slugs = assign_slugs([long_a, long_b], {})
    assert slugs[long_a] == "x" * 60
    assert slugs[long_b] == "x" * 58 + "-2"
    for slug in slugs.values():
        assert_valid(slug)


def test_assign_slugs_suffix_cut_does_not_leave_a_double_dash() -> None:
    # The derived base "x…x-y…" would be cut right after its dash to make room for "-2".
    name = "x" * 57 + " yy"
    slugs = assign_slugs([name, name.upper()], {})
    assert slugs[name.upper()] == "x" * 57 + "-yy"
    assert slugs[name] == "x" * 57 + "-2"
    for slug in slugs.values():
        assert_valid(slug)


@given(st.lists(st.text(max_size=70), max_size=12), st.randoms(use_true_random=False))
def test_assign_slugs_is_unique_valid_and_order_independent(names: list[str], random: Random) -> None:
    shuffled = list(names)
    random.shuffle(shuffled)
    slugs = assign_slugs(names, {})
    assert assign_slugs(shuffled, {}) == slugs
    assert set(slugs) == set(names)
    assert len(set(slugs.values())) == len(slugs)
    for slug in slugs.values():
        assert_valid(slug)


def test_remembered_slugs_keep_a_feed_address_when_a_new_name_collides() -> None:
    first = assign_slugs(["foo bar"], {})
    assert first == {"foo bar": "foo-bar"}
    # "Foo Bar" sorts first and would take foo-bar, were the earlier slug not remembered.
    assert assign_slugs(["Foo Bar", "foo bar"], {}) == {"Foo Bar": "foo-bar", "foo bar": "foo-bar-2"}
    assert assign_slugs(["Foo Bar", "foo bar"], {}, remembered=first) == {"foo bar": "foo-bar", "Foo Bar": "foo-bar-2"}


def test_a_declared_slug_wins_over_a_remembered_one() -> None:
    assert assign_slugs(["a", "b"], {"b": "x"}, remembered={"a": "x"}) == {"b": "x", "a": "a"}
