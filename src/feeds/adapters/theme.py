"""The markup of known themes and CMSs: where they print an article's fields.

WordPress themes (WPCOM Justnews, Astra, the classic ones), and the CMSs behind most
Chinese government and university sites (TRS WCM, Hanweb, the gov.cn templates, WebPlus,
VSB). Each tuple is tried in order, most specific first; the `theme` layer comes after the
page's metadata and microformats.
"""

from __future__ import annotations

THEME_SELECTORS = {
    "title": (
        "h1.entry-title", "h1.post-title", "h1.article-title", ".article-title", ".article_title",
        ".xl_title", ".detail-title", ".detail_title", ".news-title", ".news_title", ".entry-title",
    ),
    "author": (
        ".entry-info .nickname", ".entry-meta .author a", ".byline .author", "a[rel~=author]",
        ".entry-author",
    ),
    "date": (
        "time.entry-date[datetime]", ".entry-info time", ".entry-meta time", ".entry-date", ".post-date",
    ),
    "category": (
        '.entry-info a[rel~="category"]', '.entry-meta a[rel~="category"]',
        'article a[rel~="category"]', '.entry-head a[rel~="category"]', ".cat-links a",
    ),
    "views": (".entry-info .views", ".entry-meta .views", ".post-views"),
}
# Containers of the article body.
THEME_CONTENT = (
    ".entry-content", ".post-content", ".article-content", ".article_content", ".article-body",
    ".post-body", ".TRS_Editor", ".TRS_UEDITOR", "#UCAP-CONTENT", ".pages_content",
    ".Custom_UnionStyle", "#zoom", ".wp_articlecontent", ".v_news_content", ".news_content",
)
