"""Source adapters: pure functions from a fetched `Document` to entries.

An adapter never touches the network; it gets bytes, the final URL and the source's
settings, which is what makes every one of them testable on fixture files.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import AdapterSettings, Document, Entry
from ..css import selector_error
from .article import SELECTOR_KEYS as ARTICLE_SELECTOR_KEYS
from .article import extract_article
from .feed import SELECTOR_KEYS as FEED_SELECTOR_KEYS
from .feed import extract_feed

Adapter = Callable[[Document, AdapterSettings], list[Entry]]

ADAPTERS: dict[str, Adapter] = {"article": extract_article, "feed": extract_feed}
SELECTOR_KEYS: dict[str, frozenset[str]] = {"article": ARTICLE_SELECTOR_KEYS, "feed": FEED_SELECTOR_KEYS}
NAMES = frozenset(ADAPTERS)


def get(name: str) -> Adapter:
    return ADAPTERS[name]


def selector_problem(adapter: str, key: str, selector: str) -> str | None:
    """What is wrong with a configured selector, or None."""
    known = SELECTOR_KEYS.get(adapter, frozenset())
    if key not in known:
        from difflib import get_close_matches

        close = get_close_matches(key, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})"
        return f"adapter {adapter!r} has no selector {key!r}{hint}"
    return selector_error(selector)
