"""The history store: every entry ever seen, keyed by id, kept as sorted JSON text.

One file per source under `entries/`, each a list of records sorted by id, one record
per line with sorted keys, so the store diffs well and a scheduled job can commit it. A file changes only when
one of its entries really changed; fetching the same page again writes nothing.

Merging rules, applied when an id is seen again:
- `first_seen` never moves.
- A richer observation (the page's own article over a related-block stub) replaces the
  fields, its date included. An equal one from the same source refreshes them but keeps
  the first date seen (a relative date like 3小时前 resolved at first sight stays as it
  was). Anything else only fills fields that are still empty: another source claiming
  the same id cannot take an entry over.
- `updated` moves only when the content hash changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .models import Entry
from .publish import write_if_changed
from .slugs import slugify

log = logging.getLogger(__name__)

ROLE_RANK = {"main": 0, "item": 0, "related": 1}
_HASHED_FIELDS = ("title", "link", "summary", "content_html", "authors", "categories", "image")


@dataclass(frozen=True, slots=True)
class Record:
    entry: Entry
    first_seen: datetime
    content_hash: str

    @property
    def date(self) -> datetime:
        """The effective date: the published date, or when the entry was first seen."""
        return self.entry.published or self.first_seen


def content_hash(entry: Entry) -> str:
    data = {name: getattr(entry, name) for name in _HASHED_FIELDS}
    encoded = json.dumps(data, ensure_ascii=False, sort_keys=True, default=list)
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()


def source_filename(source: str) -> str:
    """A file name for a source's records: readable, and distinct for distinct names."""
    digest = hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slugify(source)}-{digest}.json"


class History:
    """Every entry seen, saved to `directory` and read from it only once needed.

    A build where every source answered 304 never reads it: the digests its fetch cache
    checks come from the files' bytes.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._records: dict[str, Record] = {}
        self._ids_by_source: dict[str, set[str]] = {}
        self._dirty_sources: set[str] = set()
        self._digests: dict[str, str] = {}
        self._unsaved: dict[str, bytes] = {}
        """The file contents of changed sources, once serialised (for a digest)."""
        self._loaded = False

    @classmethod
    def load(cls, directory: Path) -> History:
        """The history in `directory`, read now."""
        history = cls(directory)
        history._load()
        return history

    @property
    def loaded(self) -> bool:
        return self._loaded

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob("*.json")):
            try:
                rows = json.loads(path.read_text("utf-8"))
                records = [_record_from_json(row) for row in rows]
            except (OSError, ValueError, KeyError, TypeError) as error:
                # A hand-edited or foreign file must not stop the build; its entries
                # come back the next time their source is fetched.
                log.warning("history file %s ignored: %s", path, error)
                continue
            for record in records:
                self._put(record)

    def __len__(self) -> int:
        self._load()
        return len(self._records)

    def get(self, entry_id: str) -> Record | None:
        self._load()
        return self._records.get(entry_id)

    def record(self, entries: Iterable[Entry], seen_at: datetime) -> tuple[int, int]:
        """Merge a fetch's entries in; return how many were new and how many changed."""
        self._load()
        new = changed = 0
        for entry in entries:
            old = self._records.get(entry.id)
            if old is None:
                self._put(Record(entry, seen_at, content_hash(entry)))
                self._changed(entry.source)
                new += 1
                continue
            merged = _merge(old, entry, seen_at)
            if merged is not old:
                self._changed(old.entry.source, merged.entry.source)
                self._put(merged)
                changed += 1
        return new, changed

    def _changed(self, *sources: str) -> None:
        self._dirty_sources.update(sources)
        for source in sources:
            self._digests.pop(source, None)
            self._unsaved.pop(source, None)

    def _put(self, record: Record) -> None:
        entry_id, source = record.entry.id, record.entry.source
        old = self._records.get(entry_id)
        if old is not None and old.entry.source != source:
            self._ids_by_source[old.entry.source].discard(entry_id)
        self._records[entry_id] = record
        self._ids_by_source.setdefault(source, set()).add(entry_id)

    def entries(self, sources: Iterable[str] | None = None) -> list[Entry]:
        """Stored entries, of `sources` only if given."""
        self._load()
        names = self._ids_by_source if sources is None else sources
        return [self._records[i].entry for name in names for i in sorted(self._ids_by_source.get(name, ()))]

    def has_in_full(self, entry_id: str) -> bool:
        """Whether the entry is held as a page's own article, not as a stub or list item."""
        record = self.get(entry_id)
        return record is not None and record.entry.role == "main"

    def count(self, source: str) -> int:
        self._load()
        return len(self._ids_by_source.get(source, ()))

    def digest(self, source: str) -> str:
        """A fingerprint of a source's records: the hash of its file as saved, or as it
        will be saved. It changes whenever they do, and needs no reading of records."""
        if source not in self._digests:
            self._digests[source] = hashlib.sha256(self._file_bytes(source)).hexdigest()
        return self._digests[source]

    def _file_bytes(self, source: str) -> bytes:
        if source in self._dirty_sources:
            if source not in self._unsaved:
                self._unsaved[source] = self._serialise(source)
            return self._unsaved[source]
        try:
            return (self.directory / source_filename(source)).read_bytes()
        except FileNotFoundError:
            return _serialised([])
        except OSError:
            return b""  # unreadable: a digest that matches nothing saved

    def save(self) -> list[Path]:
        """Write the files of the sources whose records changed; return those rewritten."""
        written: list[Path] = []
        for source in sorted(self._dirty_sources):
            path = self.directory / source_filename(source)
            if write_if_changed(path, self._file_bytes(source)):
                written.append(path)
        self._dirty_sources.clear()
        self._unsaved.clear()
        return written

    def _serialise(self, source: str) -> bytes:
        return _serialised([self._records[i] for i in sorted(self._ids_by_source.get(source, ()))])


def _serialised(records: list[Record]) -> bytes:
    """A JSON array with one record per line: a changed entry is a one-line diff, and
    json's C encoder (not used with indent=) keeps saving hundreds of sources fast."""
    lines = [json.dumps(_record_to_json(record), ensure_ascii=False, sort_keys=True) for record in records]
    text = "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
    return text.encode("utf-8", "surrogatepass")


def load_slugs(path: Path) -> dict[str, str]:
    """The slug each category was given by earlier builds (`slugs.json`)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("slug registry %s ignored: %s", path, error)
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(name): slug for name, slug in data.items() if isinstance(slug, str)}


def save_slugs(path: Path, slugs: Mapping[str, str]) -> None:
    """Sorted, one category per line; rewritten only when a category was added."""
    lines = [f"{json.dumps(n, ensure_ascii=False)}: {json.dumps(s)}" for n, s in sorted(slugs.items())]
    text = "{\n" + ",\n".join(lines) + "\n}\n" if lines else "{}\n"
    write_if_changed(path, text.encode("utf-8", "surrogatepass"))


def _merge(old: Record, new: Entry, seen_at: datetime) -> Record:
    current = old.entry
    if ROLE_RANK[new.role] < ROLE_RANK[current.role]:
        merged = dataclasses.replace(new, published=new.published or current.published)
    elif ROLE_RANK[new.role] == ROLE_RANK[current.role] and new.source == current.source:
        merged = dataclasses.replace(new, published=current.published or new.published)
    else:
        merged = _fill_missing(current, new)
    digest = content_hash(merged)
    if digest == old.content_hash:
        same = (merged.published, merged.role, merged.source) == (current.published, current.role, current.source)
        if same:
            return old
        return Record(dataclasses.replace(merged, updated=current.updated), old.first_seen, digest)
    previous = current.updated or old.first_seen
    updated = merged.updated if merged.updated and merged.updated > previous else seen_at
    return Record(dataclasses.replace(merged, updated=max(updated, previous)), old.first_seen, digest)


def _fill_missing(current: Entry, other: Entry) -> Entry:
    return dataclasses.replace(
        current,
        summary=current.summary or other.summary,
        content_html=current.content_html or other.content_html,
        authors=current.authors or other.authors,
        categories=current.categories or other.categories,
        image=current.image or other.image,
        published=current.published or other.published,
    )


def _record_to_json(record: Record) -> dict[str, Any]:
    row = record.entry.to_json()
    del row["provenance"]  # how a field was found is for preview, not history
    row["first_seen"] = record.first_seen.isoformat()
    row["hash"] = record.content_hash
    return row


def _record_from_json(row: dict[str, Any]) -> Record:
    def when(name: str) -> datetime | None:
        value = row.get(name)
        return datetime.fromisoformat(value) if value else None

    entry = Entry(
        id=row["id"],
        title=row["title"],
        link=row["link"],
        source=row["source"],
        role=row["role"],
        summary=row.get("summary", ""),
        content_html=row.get("content_html", ""),
        authors=tuple(row.get("authors", ())),
        published=when("published"),
        updated=when("updated"),
        categories=tuple(row.get("categories", ())),
        image=row.get("image"),
        extra=dict(row.get("extra", {})),
    )
    first_seen = when("first_seen")
    if first_seen is None or entry.role not in ROLE_RANK:
        raise ValueError(f"record {entry.id!r} lacks first_seen or has an unknown role")
    return Record(entry, first_seen, row.get("hash") or content_hash(entry))
