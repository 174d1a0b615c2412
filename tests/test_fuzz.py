"""Bounded fuzzing of everything that reads untrusted bytes.

`decode_html` never raises; every adapter, run through `parse_document` (adapter then
normalise, as a build does), either returns entries that render to valid RSS, Atom and
JSON Feed or raises a `FeedsError`, never anything else. Inputs are arbitrary bytes and
mutated copies (bytes flipped, inserted, deleted, spliced) of the real fixtures.

Derandomised, so CI is repeatable; each target also stops generating work once its time
budget is spent, so a slow machine cannot push the file far past ~30 s.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.decode import decode_html
from feeds.models import AdapterSettings, Document, FeedsError
from feeds.parsing import parse_document

from .conftest import FIXTURES, REPO
from .test_properties import assert_renders

NOW = datetime(2025, 7, 3, 8, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# FEEDS_FUZZ_EXAMPLES and FEEDS_FUZZ_SECONDS run a longer campaign locally.
MAX_EXAMPLES = int(os.environ.get("FEEDS_FUZZ_EXAMPLES", "300"))
# Seconds each target may spend; past it the remaining examples return at once.
TIME_BUDGET = float(os.environ.get("FEEDS_FUZZ_SECONDS", "4"))
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

SAMPLES = sorted(
    path
    for path in [*FIXTURES.rglob("*"), *(REPO / "feeds" / "samples").rglob("*")]
    if path.is_file()
    and path.suffix in {".html", ".xml", ".rdf", ".json", ".bin", ".txt", ".gz"}
)
SAMPLE_BYTES = {
    path.relative_to(REPO).as_posix(): path.read_bytes() for path in SAMPLES
}
CONTENT_TYPES = (
    "",
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=gbk",
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "application/feed+json",
    "application/json",
    "application/gzip",
    "text/plain; charset=utf-16",
    "text/html; charset=bogus",
)
# (adapter, selectors): every HTML adapter, with the listing one given a simple item selector.
TARGETS = (
    ("article", {}),
    ("listing", {"item": "li, article, .item"}),
    (
        "listing",
        {
            "item": "li",
            "title": "a",
            "link": "a",
            "date": ".date, time",
            "date_format": "%Y年%m月%d日",
        },
    ),
    ("feed", {}),
    ("sitemap", {}),
)
SNIPPETS = (
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xD800;",
    b"&#1114112;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x1f\x8b",
    b"<script>",
    b"</",
    b'"',
    b"\xe4\xb8",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"&a;",
    b"<item>",
    b"<entry>",
    b"<url><loc>",
    b"javascript:",
    b"\r\n",
    b"charset=",
)


class Budget:
    """Wall-clock budget of one fuzz target. Once an example has failed it is never spent,
    so Hypothesis can shrink and replay the failure."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.started, self.failed = seconds, None, False

    def spent(self) -> bool:
        if self.started is None:
            self.started = time.monotonic()
        return not self.failed and time.monotonic() - self.started > self.seconds

    def run(self, check: Callable[[], None]) -> None:
        if self.spent():
            return
        try:
            check()
        except BaseException:
            self.failed = True
            raise


@st.composite
def mutated_sample(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SAMPLE_BYTES)))
    data = bytearray(SAMPLE_BYTES[name])
    for _ in range(draw(st.integers(1, 8))):
        operation = draw(
            st.sampled_from(["flip", "insert", "delete", "splice", "truncate"])
        )
        at = draw(st.integers(0, len(data)))
        if operation == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "insert":
            data[at:at] = draw(
                st.one_of(st.binary(min_size=1, max_size=16), st.sampled_from(SNIPPETS))
            )
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "splice":
            other = SAMPLE_BYTES[draw(st.sampled_from(sorted(SAMPLE_BYTES)))]
            start = draw(st.integers(0, len(other)))
            data[at:at] = other[start : start + draw(st.integers(1, 512))]
        elif operation == "truncate":
            del data[at:]
    return name, bytes(data)


arbitrary_bytes = st.one_of(
    st.binary(max_size=2_000),
    st.lists(
        st.one_of(st.binary(max_size=32), st.sampled_from(SNIPPETS)), max_size=20
    ).map(b"".join),
)
any_input = st.one_of(
    arbitrary_bytes.map(lambda body: ("bytes", body)), mutated_sample()
)


def run_adapter(
    adapter: str, selectors: dict[str, str], body: bytes, content_type: str
) -> None:
    document = Document(
        body,
        "https://www.example.cn/news/index.html",
        NOW,
        {"content-type": content_type},
    )
    try:
        entries = parse_document(
            adapter, document, AdapterSettings("fuzz", SHANGHAI, selectors)
        )
    except FeedsError:
        return
    assert_renders(entries)


def test_samples_are_found() -> None:
    assert len(SAMPLE_BYTES) >= 30
    assert any(name.startswith("feeds/samples/") for name in SAMPLE_BYTES)


_decode_budget = Budget(TIME_BUDGET)


@FUZZ_SETTINGS
@given(any_input, st.sampled_from(CONTENT_TYPES))
def test_decode_html_never_raises(sample: tuple[str, bytes], content_type: str) -> None:
    _decode_budget.run(lambda: _assert_decodes(sample[1], content_type))


def _assert_decodes(body: bytes, content_type: str) -> None:
    assert isinstance(decode_html(body, content_type), str)


_BUDGETS = {index: Budget(TIME_BUDGET) for index in range(len(TARGETS))}


@pytest.mark.parametrize(
    "index", range(len(TARGETS)), ids=[f"{a}-{i}" for i, (a, _) in enumerate(TARGETS)]
)
def test_adapter_returns_renderable_entries_or_raises_feeds_error(index: int) -> None:
    adapter, selectors = TARGETS[index]
    budget = _BUDGETS[index]

    @FUZZ_SETTINGS
    @given(any_input, st.sampled_from(CONTENT_TYPES))
    def fuzz(sample: tuple[str, bytes], content_type: str) -> None:
        budget.run(lambda: run_adapter(adapter, selectors, sample[1], content_type))

    fuzz()


@pytest.mark.parametrize("name", sorted(SAMPLE_BYTES))
def test_unmutated_samples(name: str) -> None:
    """The seeds themselves, through every adapter: the baseline the mutations start from."""
    for adapter, selectors in TARGETS:
        run_adapter(adapter, selectors, SAMPLE_BYTES[name], "")
