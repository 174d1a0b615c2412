"""The command line: `python -m feeds build | preview`.

Every error a user can cause ends here as one line on stderr and an exit code:
2 for configuration and usage mistakes, 1 when no source could be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import __version__, adapters
from .build import BuildReport, build
from .config import DEFAULT_CONFIG, ConfigError, load_config
from .fetch import fetch
from .models import AdapterSettings, Entry, FeedsError
from .normalise import normalise

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s", stream=sys.stderr)
    try:
        return int(args.run(args))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except FeedsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feeds", description="Turn news sites without feeds into RSS and Atom feeds.")
    parser.add_argument("--version", action="version", version=f"feeds {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_parser = commands.add_parser("build", help="fetch every source and write the feeds")
    build_parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config file (default: config.toml)")
    build_parser.add_argument("--output", type=Path, help="output directory (default: [site] output_dir)")
    build_parser.add_argument("--now", type=_instant, help="resolve relative dates against this ISO 8601 time")
    build_parser.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    build_parser.set_defaults(run=_run_build)

    preview = commands.add_parser("preview", help="show the entries a page or file gives, without writing anything")
    preview.add_argument("location", metavar="URL_OR_PATH")
    preview.add_argument("--json", action="store_true", help='print {"entries": [...]} as JSON')
    preview.add_argument("--adapter", default="article", choices=sorted(adapters.NAMES))
    preview.add_argument("--timezone", type=_zone, help="zone for dates printed without one (default: config.toml's, else UTC)")
    preview.add_argument("--selector", action="append", default=[], metavar="KEY=CSS", help="override a selector, e.g. title=h1.headline")
    preview.add_argument("--now", type=_instant, help="resolve relative dates against this ISO 8601 time")
    preview.set_defaults(run=_run_preview)
    return parser


def _run_build(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    report = build(config, output_dir=args.output, now=args.now)
    if not args.quiet:
        _print_report(report)
    for source in report.failed:
        print(f"error: source {source.name!r}: {source.error}", file=sys.stderr)
    if report.sources and len(report.failed) == len(report.sources):
        print("error: every source failed; previous output left as it was", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _print_report(report: BuildReport) -> None:
    rows = [("source", "adapter", "main", "related", "status")]
    for source in report.sources:
        roles = [entry.role for entry in source.entries]
        rows.append((
            source.name, source.adapter, str(roles.count("main") + roles.count("item")),
            str(roles.count("related")), "failed" if source.error else "ok",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"\n{len(report.files)} files, {len(report.changed)} changed")
    for path in report.changed:
        print(f"  wrote {path}")


def _run_preview(args: argparse.Namespace) -> int:
    tz = args.timezone or _default_zone()
    selectors = dict(_selector(item) for item in args.selector)
    for key, selector in selectors.items():
        if problem := adapters.selector_problem(args.adapter, key, selector):
            raise ConfigError(Path("--selector"), key, problem)
    document = fetch(args.location, now=args.now)
    settings = AdapterSettings(source="preview", timezone=tz, selectors=selectors)
    entries = normalise(adapters.get(args.adapter)(document, settings), tz, document.fetched_at)
    if args.json:
        json.dump({"entries": [entry.to_json() for entry in entries]}, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for entry in entries:
            _print_entry(entry)
    return EXIT_OK


def _print_entry(entry: Entry) -> None:
    date = entry.published.isoformat() if entry.published else "no date"
    print(f"[{entry.role}] {entry.title}\n  {entry.link}\n  {date}", end="")
    if entry.categories:
        print(f"  · {', '.join(entry.categories)}", end="")
    if "views" in entry.extra:
        print(f"  · {entry.extra['views']} views", end="")
    print("\n")


def _default_zone() -> ZoneInfo:
    """The site's zone when run next to a config.toml, so preview matches build."""
    try:
        return load_config(DEFAULT_CONFIG).site.timezone  # type: ignore[return-value]
    except ConfigError:
        return ZoneInfo("UTC")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown timezone {name!r}") from None


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _selector(text: str) -> tuple[str, str]:
    key, sep, css = text.partition("=")
    if not sep or not key.strip() or not css.strip():
        raise ConfigError(Path("--selector"), text, "expected KEY=CSS")
    return key.strip(), css.strip()
