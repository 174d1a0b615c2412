"""ASCII slugs for category names, safe as file names on every platform."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

MAX_SLUG_LENGTH = 60
# Names a category feed may not take: the site's own files, and Windows device names.
RESERVED = frozenset(
    {"all", "index", "feeds", "status", "con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
VALID_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?\Z")  # \Z: "$" allows a final "\n"


def slugify(name: str) -> str:
    """A stable ASCII slug: Chinese by pinyin (媒体 → meiti), other scripts transliterated.

    Never empty, never containing '/' or '..'; a name with nothing to transliterate
    (only emoji, say) gets a short hash of itself.
    """
    if name.isascii():
        latin = name
    else:
        from pypinyin import lazy_pinyin  # loads large dictionaries: only when needed

        latin = "".join(lazy_pinyin(name))
    ascii_text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:MAX_SLUG_LENGTH].strip("-")
    if not slug:
        slug = "c-" + hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if slug in RESERVED:
        slug = f"{slug}-category"
    return slug


def assign_slugs(
    names: Iterable[str],
    declared: Mapping[str, str],
    taken_elsewhere: Iterable[str] = (),
    remembered: Mapping[str, str] = {},
) -> dict[str, str]:
    """A unique slug for every category name.

    Declared slugs are kept as given, then slugs `remembered` from earlier builds while
    they are still free, so a feed's address never moves to another category. New
    names that collide get -2, -3… in the sorted order of the names, so the result does
    not depend on input order.
    """
    taken = set(declared.values()) | set(taken_elsewhere)
    slugs = dict(declared)
    for name in sorted(set(names) - set(declared)):
        slug = remembered.get(name)
        if slug and VALID_SLUG.match(slug) and slug not in taken and slug not in RESERVED:
            slugs[name] = slug
            taken.add(slug)
    for name in sorted(set(names) - set(slugs)):
        base = slugify(name)
        slug, n = base, 2
        while slug in taken:
            # Shorten the base so the suffixed slug stays within MAX_SLUG_LENGTH.
            suffix = f"-{n}"
            slug, n = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix, n + 1
        slugs[name] = slug
        taken.add(slug)
    return slugs
