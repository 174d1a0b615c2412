"""`index.html`: the page a person lands on, listing every feed and the state of every source.

Plain HTML with a little inline CSS and no JavaScript, so it reads the same on a phone,
in a text browser or with scripts off. Every feed file is announced with
`<link rel="alternate">`, so a reader given the page's address finds them all. The page
holds nothing from the clock (no "generated at"): like the feeds, it only changes when
its entries or the sources' status do. All text comes from untrusted pages and is escaped;
links to entries are kept only when they are http(s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

from .models import Entry
from .opml import OPML_FILENAME
from .render import SiteInfo, atom_filename, rss_filename
from .render_json import json_filename
from .route import FeedSpec, entry_date
from .urls import is_web_url

INDEX_FILENAME = "index.html"
LATEST = 5
"""How many of a feed's newest entries the page shows."""

# (label, MIME type, file name of a slug): the order of the links on the page.
FORMATS: tuple[tuple[str, str, Callable[[str], str]], ...] = (
    ("RSS", "application/rss+xml", rss_filename),
    ("Atom", "application/atom+xml", atom_filename),
    ("JSON", "application/feed+json", json_filename),
)

STYLE = """
:root {
  color-scheme: light dark;
  --fg: #1c1c21; --bg: #ffffff; --muted: #5e5e6b; --line: #e2e2e8;
  --link: #0a58ca; --ok: #1a7f37; --bad: #c22a1f;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e7e7ec; --bg: #131317; --muted: #a3a3b0; --line: #2d2d35;
    --link: #8ab4f8; --ok: #5cc97c; --bad: #f38b82;
  }
}
body {
  max-width: 46rem; margin: 0 auto; padding: 1rem 1.25rem 3rem;
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
    "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", sans-serif;
  color: var(--fg); background: var(--bg);
  overflow-wrap: anywhere;
}
a { color: var(--link); }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 1rem 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 0; }
.description, .meta, time { color: var(--muted); }
.category { border-top: 1px solid var(--line); padding: .9rem 0; }
.category p { margin: .2rem 0; }
.formats a { font-weight: 600; margin-right: .6rem; }
.latest { margin: .4rem 0 0; padding-left: 1.2rem; }
.latest li { margin: .2rem 0; }
.latest time { font-size: .875rem; margin-left: .3rem; white-space: nowrap; }
.sources { list-style: none; padding: 0; }
.sources li { border-top: 1px solid var(--line); padding: .5rem 0; }
.status { font-weight: 600; }
.ok .status { color: var(--ok); }
.failing .status { color: var(--bad); }
.error { display: block; font-size: .875rem; }
"""


def render_index(
    specs: Sequence[FeedSpec],
    site: SiteInfo,
    status: Mapping[str, Any],
    description: str = "",
) -> bytes:
    """The page, as UTF-8 bytes.

    `specs` are the published feeds (the all feed first), `status` is the status.json
    dict (`{"sources": {name: {...}}}`) and `description` the site's description.
    """
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(site.language)}">' if site.language else "<html>",
        "<head>",
        *_head(specs, site, description),
        "</head>",
        "<body>",
        *_header(site, description),
        "<main>",
        '<h2 id="feeds">Feeds</h2>',
        *(line for spec in specs for line in _category(spec)),
        *_sources(status.get("sources") or {}),
        "</main>",
        "</body>",
        "</html>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _head(specs: Sequence[FeedSpec], site: SiteInfo, description: str) -> Iterator[str]:
    yield '<meta charset="utf-8">'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">'
    yield f"<title>{_e(site.title)}</title>"
    if description:
        yield f'<meta name="description" content="{_e(description)}">'
    # Relative hrefs: the page sits next to the feeds, wherever the site is served from.
    for spec in specs:
        for label, mime, filename in FORMATS:
            yield (
                f'<link rel="alternate" type="{mime}" title="{_e(spec.title)} ({label})"'
                f' href="{_e(filename(spec.slug))}">'
            )
    yield f"<style>{STYLE}</style>"


def _header(site: SiteInfo, description: str) -> Iterator[str]:
    yield "<header>"
    yield f"<h1>{_e(site.title)}</h1>"
    if description:
        yield f'<p class="description">{_e(description)}</p>'
    yield (
        f'<p>Subscribe to one feed below, or import them all at once: '
        f'<a class="opml" href="{_e(OPML_FILENAME)}" type="text/x-opml">{_e(OPML_FILENAME)}</a> (OPML).</p>'
    )
    yield "</header>"


def _category(spec: FeedSpec) -> Iterator[str]:
    yield f'<section class="category" id="cat-{_e(spec.slug)}">'
    yield f"<h3>{_e(spec.name or spec.title)}</h3>"
    if spec.description:
        yield f'<p class="description">{_e(spec.description)}</p>'
    links = " ".join(
        f'<a class="{label.lower()}" type="{mime}" href="{_e(filename(spec.slug))}">{label}</a>'
        for label, mime, filename in FORMATS
    )
    yield f'<p class="formats">{links} <span class="meta count">{_count(len(spec.entries), "entry", "entries")}</span></p>'
    if spec.entries:
        yield '<ol class="latest">'
        yield from (_latest(entry) for entry in spec.entries[:LATEST])
        yield "</ol>"
    yield "</section>"


def _latest(entry: Entry) -> str:
    title = _e(entry.title)
    # Entry links are checked by normalise; notices and future code paths are checked here.
    text = f'<a href="{_e(entry.link)}">{title}</a>' if is_web_url(entry.link) else title
    when = entry_date(entry)
    if when is None:
        return f"<li>{text}</li>"
    # The date in the entry's own offset: the day the source printed, not the UTC one.
    return f'<li>{text} <time datetime="{_e(when.isoformat())}">{when.date().isoformat()}</time></li>'


def _sources(sources: Mapping[str, Mapping[str, Any]]) -> Iterator[str]:
    yield '<section id="sources">'
    yield "<h2>Sources</h2>"
    yield '<ul class="sources">'
    for name, source in sources.items():
        yield from _source(name, source)
    yield "</ul>"
    yield "</section>"


def _source(name: str, source: Mapping[str, Any]) -> Iterator[str]:
    state = "failing" if source.get("status") == "failing" else "ok"
    facts = [f'<span class="status">{state}</span>', _count(int(source.get("entries") or 0), "entry", "entries")]
    if source.get("adapter"):
        facts.append(f'adapter <span class="adapter">{_e(str(source["adapter"]))}</span>')
    if source.get("last_success"):
        facts.append(f'last success {_day(source["last_success"])}')
    yield f'<li class="source {state}" data-source="{_e(name)}">'
    yield f'<strong class="name">{_e(name)}</strong> <span class="meta">{" · ".join(facts)}</span>'
    if state == "failing":
        since = f' since {_day(source["failing_since"])}' if source.get("failing_since") else ""
        failures = int(source.get("consecutive_failures") or 0)
        yield (
            f'<span class="error">failing{since}, {_count(failures, "failure", "failures")} in a row: '
            f'<span class="last-error">{_e(str(source.get("last_error") or "unknown error"))}</span></span>'
        )
    yield "</li>"


def _day(value: object) -> str:
    """The date part of an ISO 8601 timestamp from status.json, in its own offset."""
    try:
        return datetime.fromisoformat(str(value)).date().isoformat()
    except ValueError:
        return _e(str(value))


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _e(text: str) -> str:
    return escape(text, quote=True)
