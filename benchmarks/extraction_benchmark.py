"""Time the article adapter against plain trafilatura on every HTML page the repository has.

    python benchmarks/extraction_benchmark.py [--runs 30] [--pattern '*.html']

For each HTML file under tests/fixtures/ and feeds/samples/, in one process, side by side
(median of `runs`, after one warm-up call each, imports done beforehand):

- ours: `extract_article` on the page's bytes: parsing, every field of the main entry
  through the layer chain, the body (trafilatura only where no container is found) and
  the related block;
- extract: `trafilatura.extract(bytes)` with its defaults: the body as text;
- bare: `trafilatura.bare_extraction(bytes, with_metadata=True)`: body and metadata,
  the closest to what the adapter does.

The `body` column says which layer gave our body (`heuristics` means trafilatura ran);
`ratio` is ours / extract.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import trafilatura

from feeds.adapters.article import extract_article
from feeds.models import AdapterSettings, Document, FeedsError

ROOT = Path(__file__).resolve().parent.parent
PLACES = (ROOT / "tests" / "fixtures", ROOT / "feeds" / "samples")
NOW = datetime(2025, 7, 4, 4, 0, tzinfo=timezone.utc)
SETTINGS = AdapterSettings(source="benchmark", timezone=ZoneInfo("Asia/Shanghai"))


def median_ms(run: Callable[[], object], runs: int) -> float:
    run()  # warm-up: compiled selectors, lazy imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def body_layer(document: Document) -> str:
    try:
        main = extract_article(document, SETTINGS)[0]
    except FeedsError as error:
        return f"error: {error}"
    return main.provenance.get("content_html", "-")


@dataclass(frozen=True)
class Row:
    page: str
    kib: float
    ours: float
    extract: float
    bare: float
    body: str


def measure(path: Path, runs: int) -> Row:
    body = path.read_bytes()
    document = Document(body=body, url="https://bench.example.org/" + path.name, fetched_at=NOW)

    def ours() -> object:
        try:
            return extract_article(document, SETTINGS)
        except FeedsError:
            return None

    return Row(
        page=str(path.relative_to(ROOT)),
        kib=len(body) / 1024,
        ours=median_ms(ours, runs),
        extract=median_ms(lambda: trafilatura.extract(body), runs),
        bare=median_ms(lambda: trafilatura.bare_extraction(body, with_metadata=True), runs),
        body=body_layer(document),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per page and extractor (default 30)")
    parser.add_argument("--pattern", default="*.html", help="file name pattern (default *.html)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # trafilatura's "discarding data" and related-item notes
    paths = sorted(p for place in PLACES for p in place.rglob(args.pattern))
    if not paths:
        sys.exit("no pages found")
    rows = [measure(path, args.runs) for path in paths]
    width = max(len(row.page) for row in rows)
    print(f"{'page':<{width}}  {'KiB':>6}  {'ours ms':>8}  {'extract':>8}  {'bare':>8}  {'ratio':>6}  body")
    for row in rows:
        print(f"{row.page:<{width}}  {row.kib:6.1f}  {row.ours:8.2f}  {row.extract:8.2f}  {row.bare:8.2f}  "
              f"{row.ours / row.extract:6.2f}  {row.body}")
    ours, extract, bare = (sum(getattr(row, name) for row in rows) for name in ("ours", "extract", "bare"))
    print(f"{'total':<{width}}  {'':>6}  {ours:8.2f}  {extract:8.2f}  {bare:8.2f}  {ours / extract:6.2f}")
    print(f"trafilatura {trafilatura.__version__}, median of {args.runs} runs per cell, {len(rows)} pages")


if __name__ == "__main__":
    main()
