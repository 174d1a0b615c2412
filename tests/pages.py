"""Small article pages in the Justnews markup, generated for service tests."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def article_page(
    url: str,
    title: str,
    date: str = "2025-05-06 09:12",
    related: Sequence[tuple[str, str, str]] = (),
    body: str = "正文。",
) -> bytes:
    """A page whose main article is `title` at `url`, with related items (href, title, date)."""
    items = "".join(
        f'<li class="item"><div class="item-content"><h4 class="item-title"><a href="{escape(href)}">{escape(text)}</a></h4>'
        f'<div class="item-excerpt"><p>{escape(text)}的摘要</p></div>'
        f'<div class="item-meta"><span class="item-meta-li date">{escape(when)}</span></div></div></li>'
        for href, text, when in related
    )
    block = f'<h3 class="entry-related-title">相关推荐</h3><ul class="entry-related">{items}</ul>' if related else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="canonical" href="{escape(url)}"></head><body><article>'
        f'<h1 class="entry-title">{escape(title)}</h1>'
        f'<div class="entry-info"><time class="entry-date" datetime="{escape(date)}">{escape(date)}</time></div>'
        f'<div class="entry-content"><p>{escape(body)}</p></div></article>{block}</body></html>'
    ).encode("utf-8")
