"""The history store: merge rules, frozen dates, persistence as deterministic text."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feeds.models import Entry
from feeds.store import History, source_filename

T0 = datetime(2025, 5, 5, 12, 0, tzinfo=timezone.utc)
LATER = T0 + timedelta(hours=5)


def entry(entry_id: str = "https://x.cn/1.html", **fields: object) -> Entry:
    defaults: dict[str, object] = {
        "id": entry_id, "title": "Title", "link": entry_id, "source": "a", "role": "related",
        "summary": "Excerpt", "content_html": "<p>Excerpt</p>", "published": T0 - timedelta(hours=3),
        "updated": T0 - timedelta(hours=3),
    }
    defaults.update(fields)
    return Entry(**defaults)  # type: ignore[arg-type]


def test_new_entries_are_counted_and_first_seen_recorded(tmp_path: Path) -> None:
    history = History(tmp_path)
    assert history.record([entry(), entry("https://x.cn/2.html")], T0) == (2, 0)
    record = history.get("https://x.cn/1.html")
    assert record is not None and record.first_seen == T0


def test_seeing_the_same_entry_again_changes_nothing(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record([entry()], T0)
    history.save()
    # A relative date (3小时前) resolves later each time; views tick up. Neither is news.
    again = entry(published=LATER - timedelta(hours=3), updated=LATER - timedelta(hours=3), extra={"views": 99})
    assert history.record([again], LATER) == (0, 0)
    record = history.get(again.id)
    assert record is not None
    assert record.entry.published == T0 - timedelta(hours=3)
    assert record.first_seen == T0
    assert history.save() == []


def test_updated_moves_only_when_the_content_changes(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record([entry()], T0)
    assert history.record([entry(summary="A corrected excerpt")], LATER) == (0, 1)
    record = history.get("https://x.cn/1.html")
    assert record is not None
    assert record.entry.summary == "A corrected excerpt"
    assert record.entry.updated == LATER
    assert record.entry.published == T0 - timedelta(hours=3)
    assert record.first_seen == T0


def test_a_related_stub_and_the_main_article_are_one_entry_richer_fields_win(tmp_path: Path) -> None:
    history = History(tmp_path)
    stub = entry(source="page-a", role="related", image=None, authors=())
    history.record([stub], T0)
    article = entry(
        source="page-b", role="main", content_html="<p>The whole story.</p>", authors=("Admin",),
        image="https://x.cn/lead.jpg", published=T0 - timedelta(hours=2, minutes=50),
    )
    assert history.record([article], LATER) == (0, 1)
    record = history.get(stub.id)
    assert record is not None
    assert record.entry.role == "main" and record.entry.source == "page-b"
    assert record.entry.content_html == "<p>The whole story.</p>"
    assert record.entry.published == T0 - timedelta(hours=2, minutes=50)
    assert record.first_seen == T0
    assert len(history) == 1

    # Seen as a stub again later: the article is not downgraded.
    assert history.record([stub], LATER + timedelta(hours=1)) == (0, 0)
    assert history.get(stub.id).entry.role == "main"  # type: ignore[union-attr]


def test_a_poorer_observation_only_fills_empty_fields(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record([entry(role="main", image=None)], T0)
    history.record([entry(role="related", image="https://x.cn/i.jpg", summary="other")], LATER)
    record = history.get("https://x.cn/1.html")
    assert record is not None
    assert record.entry.image == "https://x.cn/i.jpg"
    assert record.entry.summary == "Excerpt"


def test_entries_without_a_date_keep_their_first_seen_date(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record([entry(published=None, updated=T0)], T0)
    history.record([entry(published=None, updated=LATER)], LATER)
    record = history.get("https://x.cn/1.html")
    assert record is not None and record.date == T0 and record.entry.updated == T0


def test_save_and_load_round_trip_as_sorted_json(tmp_path: Path) -> None:
    history = History(tmp_path)
    entries = [entry(f"https://x.cn/{n}.html", title=f"标题 {n}") for n in (3, 1, 2)]
    history.record(entries, T0)
    [path] = history.save()
    assert path.name == source_filename("a")
    rows = json.loads(path.read_text("utf-8"))
    assert [row["id"] for row in rows] == ["https://x.cn/1.html", "https://x.cn/2.html", "https://x.cn/3.html"]
    assert "标题 1" in path.read_text("utf-8")  # readable, not \\u-escaped

    loaded = History.load(tmp_path)
    assert len(loaded) == 3
    for original in entries:
        record = loaded.get(original.id)
        assert record is not None
        assert record.entry == dataclasses.replace(original)
        assert record.first_seen == T0
    assert loaded.digest("a") == history.digest("a")
    history.record([entry("https://x.cn/4.html")], T0)
    assert history.digest("a") != loaded.digest("a")


def test_ownership_moves_between_source_files(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record([entry(source="page-a")], T0)
    history.save()
    history.record([entry(source="page-b", role="main")], LATER)
    written = {p.name for p in history.save()}
    assert written == {source_filename("page-a"), source_filename("page-b")}
    assert json.loads((tmp_path / source_filename("page-a")).read_text()) == []
    assert History.load(tmp_path).count("page-b") == 1


def test_a_damaged_file_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = History(tmp_path)
    good.record([entry(source="good")], T0)
    good.save()
    (tmp_path / "broken-00000000.json").write_text("[{not json")
    loaded = History.load(tmp_path)
    assert loaded.count("good") == 1
    assert "broken-00000000.json ignored" in caplog.text


@pytest.mark.parametrize("name", ["a", "A", "保定新闻", "a/b", "../x", ""])
def test_source_filenames_are_safe_and_distinct(name: str) -> None:
    filename = source_filename(name)
    assert "/" not in filename and not filename.startswith(".")
    assert filename.endswith(".json")
    assert filename != source_filename(name + " ")
