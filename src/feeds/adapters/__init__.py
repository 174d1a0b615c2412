"""Source adapters: pure functions from a fetched `Document` to entries.

An adapter never touches the network; it gets bytes, the final URL and the source's
settings, which is what makes every one of them testable on fixture files. The fetches
some sources need around their adapter (WordPress's feed fallback, sitemap indexes,
full text, `auto`) are made by `feeds.collect`.
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches

from ..css import selector_error
from ..models import AdapterSettings, Document, Entry
from . import listing, sitemap
from .article import SELECTOR_KEYS as ARTICLE_SELECTOR_KEYS
from .article import extract_article
from .feed import extract_feed
from .listing import extract_listing
from .sitemap import extract_sitemap
from .wordpress import extract_wordpress

Adapter = Callable[[Document, AdapterSettings], list[Entry]]
OptionCheck = Callable[[str, str], "str | None"]

ADAPTERS: dict[str, Adapter] = {
    "article": extract_article,
    "feed": extract_feed,
    "listing": extract_listing,
    "sitemap": extract_sitemap,
    "wordpress": extract_wordpress,
}
AUTO = "auto"
"""Not an adapter of its own: `feeds.collect` picks one from what the source returns."""
NAMES = frozenset(ADAPTERS) | {AUTO}

SELECTOR_KEYS: dict[str, frozenset[str]] = {
    "article": ARTICLE_SELECTOR_KEYS,
    "feed": frozenset(),
    "listing": listing.SELECTOR_KEYS,
    "sitemap": sitemap.SELECTOR_KEYS,
    "wordpress": frozenset(),
}
SELECTOR_KEYS[AUTO] = frozenset().union(*SELECTOR_KEYS.values())
# Keys of the [selectors] table that are not CSS, each with its own check.
OPTION_CHECKS: dict[str, OptionCheck] = {
    **{key: listing.option_problem for key in listing.NON_CSS_KEYS},
    **{key: sitemap.option_problem for key in sitemap.NON_CSS_KEYS},
}


def get(name: str) -> Adapter:
    return ADAPTERS[name]


def selector_problem(adapter: str, key: str, selector: str) -> str | None:
    """What is wrong with a configured selector (or option), or None."""
    known = SELECTOR_KEYS.get(adapter, frozenset())
    if key not in known:
        close = get_close_matches(key, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known)) or 'none'})"
        return f"adapter {adapter!r} has no selector {key!r}{hint}"
    if key in OPTION_CHECKS:
        return OPTION_CHECKS[key](key, selector)
    return selector_error(selector)
