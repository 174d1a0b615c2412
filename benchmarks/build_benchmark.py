"""Benchmark a build against a local source farm, side by side with a sequential baseline.

    python benchmarks/build_benchmark.py [--pages 500] [--feeds 200] [--latency 0.05]

The farm serves N article pages (the seed page, each with its own URLs and related
block) and M RSS feeds, all with ETags, from 20 loopback addresses (127.0.0.1-20) so the
per-host limit behaves as it would across real sites; every response waits `latency`.
Measured in one run:

- cold build: `python -m feeds build` with an empty state (every source has
  `refresh = "1h"`, as a scheduled config would);
- warm rebuild: the same again at once, nothing due, so nothing is fetched;
- warm rebuild with --force: every source asked again, every one answers 304;
- sequential baseline: one source at a time, fetch then parse, in one process;
- CPU time and peak RSS of the build's processes (build, forkserver, parse workers);
- two ceilings: how fast the cold build could be on this machine's cores with its own CPU
  time, or with only the baseline's, and the conditional GETs of --force through bare
  httpx, the floor under that rebuild.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "feeds" / "samples" / "camerich-1639.html"
HOSTS = [f"127.0.0.{n}" for n in range(1, 21)]
CONCURRENCY, PER_HOST = 48, 4
NOW = datetime.now(timezone.utc).replace(minute=30, second=0, microsecond=0).isoformat()
"""One time for every build: a real clock could cross an hour, and make the warm rebuild's
sources (refresh = "1h", due once per clock hour) due again."""


def page_body(n: int) -> bytes:
    """The seed page as page n: its own address, title and related links."""
    html = SEED.read_text("utf-8")
    html = html.replace("/archives/1639.html", f"/archives/{100000 + n}.html")
    html = re.sub(r"/archives/(16\d\d)\.html", lambda m: f"/archives/{m.group(1)}{n}.html", html)
    html = html.replace("竞逐数字高地", f"竞逐数字高地{n}")
    return html.encode("utf-8")


def feed_body(n: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} item {i}</title><link>https://feed{n}.example.org/{i}.html</link>"
        f"<guid>https://feed{n}.example.org/{i}.html</guid>"
        f"<pubDate>{format_datetime(datetime(2025, 5, 1 + i % 28, 8, tzinfo=timezone.utc))}</pubDate>"
        f"<description>&lt;p&gt;Item {i} of feed {n}, with a paragraph of text.&lt;/p&gt;</description></item>"
        for i in range(20)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>'
        f"<link>https://feed{n}.example.org/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def serve_farm(pages: int, feeds: int, latency: float, port: int, ready: multiprocessing.synchronize.Event) -> None:
    """Serve the farm from one asyncio process: cheap per request, so the build being
    measured, not the harness, is what uses the CPU."""
    bodies: dict[str, tuple[bytes, str, str]] = {}
    for n in range(pages):
        body = page_body(n)
        bodies[f"/page/{n}.html"] = (body, "text/html; charset=utf-8", f'"{hashlib.md5(body).hexdigest()}"')
    for n in range(feeds):
        body = feed_body(n)
        bodies[f"/feed/{n}.xml"] = (body, "application/rss+xml", f'"{hashlib.md5(body).hexdigest()}"')

    def respond(head: bytes) -> bytes:
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        found = bodies.get(path)
        if found is None:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        body, kind, etag = found
        if headers.get("if-none-match") == etag:
            return f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode()
        head_out = f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nETag: {etag}\r\nContent-Length: {len(body)}\r\n\r\n"
        return head_out.encode() + body

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                await asyncio.sleep(latency)
                writer.write(respond(head[:-4]))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        for host in HOSTS:
            await asyncio.start_server(handle, host, port, backlog=1024)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def source_urls(pages: int, feeds: int, port: int) -> list[tuple[str, str]]:
    urls = [(f"http://{HOSTS[n % len(HOSTS)]}:{port}/page/{n}.html", "article") for n in range(pages)]
    urls += [(f"http://{HOSTS[n % len(HOSTS)]}:{port}/feed/{n}.xml", "feed") for n in range(feeds)]
    return urls


def write_config(directory: Path, urls: list[tuple[str, str]]) -> Path:
    lines = [
        '[site]\ntitle = "bench"\nbase_url = "https://bench.example.org/"\ntimezone = "Asia/Shanghai"\n',
        f"[fetch]\nconcurrency = {CONCURRENCY}\nper_host = {PER_HOST}\ntimeout = 30\n",
    ]
    for index, (url, adapter) in enumerate(urls):
        lines.append(f'[[sources]]\nname = "s{index}"\nurl = "{url}"\nadapter = "{adapter}"\nrefresh = "1h"\n')
    config = directory / "config.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


class ProcessTreeSampler:
    """Follows a build's processes (the build, its forkserver and the parse workers) in
    /proc, since the workers' usage never reaches RUSAGE_CHILDREN: the build does not
    wait for its forkserver. Linux only; CPU used in a process's last few milliseconds
    before it exits is missed."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.cpu: dict[int, float] = {}
        self.peak_rss: dict[int, float] = {}
        self.peak_total_rss = 0.0
        self._tick = os.sysconf("SC_CLK_TCK")
        self._page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20

    def sample(self) -> None:
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    fields = Path(f"/proc/{name}/stat").read_text().rpartition(")")[2].split()
                except OSError:
                    continue
                parents[int(name)] = int(fields[1])
                stats[int(name)] = fields
        tree, total = {self.root}, 0.0
        for pid in sorted(parents):  # children have higher pids, except after wrap-around
            if parents[pid] in tree:
                tree.add(pid)
        for pid in tree & stats.keys():
            fields = stats[pid]
            self.cpu[pid] = (int(fields[11]) + int(fields[12])) / self._tick
            rss = int(fields[21]) * self._page_mb
            self.peak_rss[pid] = max(self.peak_rss.get(pid, 0.0), rss)
            total += rss
        self.peak_total_rss = max(self.peak_total_rss, total)


def timed_build(config: Path, state: Path, output: Path, *options: str) -> tuple[float, ProcessTreeSampler]:
    """Seconds for one `feeds build`, and what its processes used."""
    command = [
        "build", "--config", str(config), "--state", str(state), "--output", str(output), "--quiet",
        "--now", NOW, *options,
    ]
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "feeds", *command], cwd=ROOT, stderr=errors)
        sampler = ProcessTreeSampler(process.pid)
        while process.poll() is None:
            sampler.sample()
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read()
    if process.returncode != 0 or stderr.strip():
        raise SystemExit(f"build failed ({process.returncode}):\n{stderr[-2000:]}")
    return elapsed, sampler


def sequential_baseline(urls: list[tuple[str, str]]) -> tuple[float, float]:
    """The naive way: one source at a time, fetch, then parse, in this process."""
    import httpx

    from feeds.models import AdapterSettings, Document
    from feeds.parsing import parse_document

    settings_tz = ZoneInfo("Asia/Shanghai")
    cpu = time.process_time()
    start = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        for index, (url, adapter) in enumerate(urls):
            response = client.get(url)
            document = Document(
                body=response.content, url=str(response.url), fetched_at=datetime.now(timezone.utc),
                headers={k.lower(): v for k, v in response.headers.items()},
            )
            parse_document(adapter, document, AdapterSettings(source=f"s{index}", timezone=settings_tz))
    return time.perf_counter() - start, time.process_time() - cpu


def bare_conditional_gets(urls: list[tuple[str, str]], in_flight: int, per_host: int) -> tuple[float, float]:
    """The floor under a --force rebuild: every source asked again with its ETag, through
    httpx alone (a client per host, as the build keeps a pool per host), no feeds code."""
    import httpx

    async def run() -> tuple[float, float]:
        limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host)
        clients: dict[str, httpx.AsyncClient] = {}
        etags: dict[str, str] = {}
        slots = asyncio.Semaphore(in_flight)

        async def get(url: str) -> None:
            host = url.split("/")[2]
            if host not in clients:
                clients[host] = httpx.AsyncClient(limits=limits, timeout=30)
            client = clients[host]
            async with slots:
                response = await client.get(url, headers={"If-None-Match": etags[url]} if url in etags else {})
                etags[url] = response.headers["etag"]

        await asyncio.gather(*(get(url) for url, _ in urls))  # the first round fills the pools
        cpu, start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(get(url) for url, _ in urls))
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        for client in clients.values():
            await client.aclose()
        return elapsed, used

    return asyncio.run(run())


def digest_tree(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--port", type=int, default=18931)
    parser.add_argument("--cores", type=int, help="run the builds and the baseline on this many cores only")
    args = parser.parse_args()

    # As a pip install would have done: builds then start from bytecode, not from source.
    import feeds

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(feeds.__file__).parent)], check=True)
    ready = multiprocessing.Event()
    farm = multiprocessing.Process(target=serve_farm, args=(args.pages, args.feeds, args.latency, args.port, ready), daemon=True)
    farm.start()
    if not ready.wait(60):
        raise SystemExit("the source farm did not start")
    if args.cores:  # the farm keeps every core; the builds inherit this process's
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])
    urls = source_urls(args.pages, args.feeds, args.port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            config = write_config(directory, urls)
            state, output = directory / "state", directory / "output"

            cold, cold_use = timed_build(config, state, output)
            before = digest_tree(output)
            mtimes = {p.name: p.stat().st_mtime_ns for p in output.iterdir()}
            warm, warm_use = timed_build(config, state, output)
            forced, forced_use = timed_build(config, state, output, "--force")
            changed = sum(1 for name, digest in digest_tree(output).items() if before.get(name) != digest)
            touched = sum(1 for p in output.iterdir() if mtimes.get(p.name) != p.stat().st_mtime_ns)
            sequential, sequential_cpu = sequential_baseline(urls)
            bare, bare_cpu = bare_conditional_gets(urls, CONCURRENCY, PER_HOST)
    finally:
        farm.terminate()

    sources = len(urls)
    print(f"sources: {args.pages} article pages + {args.feeds} RSS feeds, latency {args.latency * 1000:.0f} ms, {len(HOSTS)} hosts")
    cold_cpu = sum(cold_use.cpu.values())
    print(f"{'cold build':<28}{cold:8.2f} s   ({cold_cpu:.2f} CPU-s in {len(cold_use.cpu)} processes)")
    print(f"{'warm rebuild (none due)':<28}{warm:8.2f} s")
    print(f"{'warm rebuild --force (304s)':<28}{forced:8.2f} s")
    print(f"{'':<28}output files changed by both: {changed}, rewritten: {touched}")
    print(
        f"{'sequential fetch+parse':<28}{sequential:8.2f} s   ({sequential / sources * 1000:.1f} ms per source, "
        f"{sequential_cpu:.2f} CPU-s)"
    )
    uses = (cold_use, warm_use, forced_use)
    print(f"{'peak RSS, one process':<28}{max(max(use.peak_rss.values()) for use in uses):8.1f} MB")
    print(f"{'peak RSS, all at once':<28}{max(use.peak_total_rss for use in uses):8.1f} MB   (build + forkserver + workers)")
    cores = len(os.sched_getaffinity(0))
    print(f"cold build vs sequential: {sequential / cold:.1f}x faster")
    # No build can beat its own CPU time spread over every core; nor could it do the
    # baseline's fetching and parsing in less CPU than the baseline itself spends.
    print(
        f"  on {cores} cores: at most {sequential / (cold_cpu / cores):.1f}x for this build's CPU, "
        f"{sequential / (sequential_cpu / cores):.1f}x for the baseline's own CPU"
    )
    print(f"warm rebuild / cold build: {warm / cold * 100:.1f} % (none due), {forced / cold * 100:.1f} % (--force, all 304)")
    print(
        f"  the same {sources} conditional GETs through bare httpx, no feeds code: {bare:.2f} s "
        f"({bare_cpu:.2f} CPU-s), {bare / cold * 100:.1f} % of the cold build"
    )


if __name__ == "__main__":
    main()
