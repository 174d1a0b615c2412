"""The command line: `python -m feeds build | watch | preview`.

Every error a user can cause ends here as one line on stderr and an exit code:
2 for configuration and usage mistakes, 1 when no source could be read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import __version__, adapters, logs
from .build import BuildReport, build
from .collect import collect
from .config import DEFAULT_CONFIG, Config, ConfigError, SourceConfig, load_config
from .fetch import Fetcher, FetchSettings
from .models import Entry, FeedsError
from .parsing import Parser
from .report import Progress, print_report, seconds_until_due
from .urls import is_web_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logs.configure(logging.ERROR if getattr(args, "quiet", False) else logging.WARNING)
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

    build_parser = commands.add_parser("build", help="fetch the sources that are due and write the feeds")
    _add_build_options(build_parser)
    build_parser.add_argument("--json", action="store_true", help="print the status report as JSON on stdout")
    build_parser.set_defaults(run=_run_build)

    watch = commands.add_parser("watch", help="build in a loop, fetching each source when it is due; Ctrl-C stops")
    _add_build_options(watch)
    watch.add_argument("--interval", type=float, default=60.0, metavar="SECONDS", help="longest sleep between builds (default 60)")
    watch.set_defaults(run=_run_watch)

    serve = commands.add_parser("serve", help="serve the output directory on 127.0.0.1, for a local reader")
    serve.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config file (default: config.toml)")
    serve.add_argument("--output", type=Path, help="directory to serve (default: [site] output_dir)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    serve.set_defaults(run=_run_serve)

    preview = commands.add_parser("preview", help="show the entries a page or file gives, without writing anything")
    preview.add_argument("location", metavar="URL_OR_PATH")
    preview.add_argument("--json", action="store_true", help='print {"entries": [...]} as JSON')
    preview.add_argument("--adapter", default="article", choices=sorted(adapters.NAMES))
    preview.add_argument("--timezone", type=_zone, help="zone for dates printed without one (default: config.toml's, else UTC)")
    preview.add_argument("--selector", action="append", default=[], metavar="KEY=CSS", help="override a selector, e.g. title=h1.headline")
    preview.add_argument("--fulltext", action="store_true", help="fetch each item's page for its full text")
    preview.add_argument(
        "--no-verify-tls", dest="verify_tls", action="store_false",
        help="accept any https certificate, as a source's verify_tls = false does",
    )
    preview.add_argument("--now", type=_instant, help="resolve relative dates against this ISO 8601 time")
    preview.set_defaults(run=_run_preview)
    return parser


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config file (default: config.toml)")
    parser.add_argument("--output", type=Path, help="output directory (default: [site] output_dir)")
    parser.add_argument("--state", type=Path, help="history and fetch state (default: [site] state_dir, else state/)")
    parser.add_argument("--force", action="store_true", help="fetch every source, due or not (still conditionally)")
    parser.add_argument("--now", type=_instant, help="the build's time: relative dates and schedules use it")
    parser.add_argument("--quiet", "-q", action="store_true", help="print errors only")


def _run_build(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with Progress(enabled=not args.quiet and not args.json and sys.stderr.isatty()) as progress:
        report = build(
            config, output_dir=args.output, state_dir=args.state, now=args.now, force=args.force,
            progress=progress.update,
        )
    if args.json:
        json.dump(report.status(with_outcome=True), sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
        print()
    elif not args.quiet:
        print_report(report)
    _print_failures(report)
    if report.all_failed:
        print("error: every source failed; the feeds keep their earlier entries", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _run_watch(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        while True:
            report = build(config, output_dir=args.output, state_dir=args.state, now=args.now, force=args.force)
            if not args.quiet and report.attempted:
                print_report(report)
            _print_failures(report)
            time.sleep(seconds_until_due(config, args.state, args.interval))
            try:
                config = load_config(args.config)  # picks up edits between builds
            except ConfigError as error:
                print(f"error: {error} (the previous config stays in use)", file=sys.stderr)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return EXIT_OK


def _run_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    directory = args.output or load_config(args.config).site.output_dir
    try:
        serve(Path(directory), port=args.port)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return EXIT_OK


def _print_failures(report: BuildReport) -> None:
    for source in report.failed:
        print(f"error: source {source.name!r}: {source.error}", file=sys.stderr)


def _run_preview(args: argparse.Namespace) -> int:
    config = _config_beside()
    tz = args.timezone or (config.site.timezone if config else ZoneInfo("UTC"))
    selectors = dict(_selector(item) for item in args.selector)
    for key, selector in selectors.items():
        if problem := adapters.selector_problem(args.adapter, key, selector):
            raise ConfigError(Path("--selector"), key, problem)
    source = SourceConfig(
        name="preview", url=_location(args.location), adapter=args.adapter, timezone=tz,
        selectors=selectors, fulltext=args.fulltext, verify_tls=args.verify_tls,
    )
    fetch_settings = config.fetch if config else FetchSettings()
    entries = asyncio.run(_preview_entries(source, fetch_settings, args.now))
    if args.json:
        json.dump({"entries": [entry.to_json() for entry in entries]}, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for entry in entries:
            _print_entry(entry)
    return EXIT_OK


async def _preview_entries(source: SourceConfig, settings: FetchSettings, now: datetime | None) -> list[Entry]:
    async with Fetcher(settings) as fetcher, Parser(workers_for=0) as parser:
        collected = await collect(source, fetcher, parser, None, now or datetime.now(timezone.utc))
    return collected.entries


def _config_beside() -> Config | None:
    """config.toml of the current directory, if any: preview then matches build."""
    try:
        return load_config(DEFAULT_CONFIG)
    except ConfigError:
        return None


def _location(text: str) -> str:
    """A URL as given; a local path made absolute, as config files do."""
    return text if is_web_url(text) else str(Path(text).resolve())


def _print_entry(entry: Entry) -> None:
    date = entry.published.isoformat() if entry.published else "no date"
    print(f"[{entry.role}] {entry.title}\n  {entry.link}\n  {date}", end="")
    if entry.categories:
        print(f"  · {', '.join(entry.categories)}", end="")
    if "views" in entry.extra:
        print(f"  · {entry.extra['views']} views", end="")
    print("\n")


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
