"""Run adapters off the event loop, in worker processes when there is enough to parse.

Parsing HTML is CPU work that holds the GIL; done inline it would stall every fetch in
flight. Small builds parse inline, since starting workers costs more than it saves.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from types import TracebackType

from . import adapters, logs
from .models import AdapterSettings, Document, Entry
from .normalise import normalise

# Below this many sources to parse, workers are not worth their start-up time.
MIN_SOURCES_FOR_WORKERS = 8


def parse_document(adapter: str, document: Document, settings: AdapterSettings) -> list[Entry]:
    """Adapter then normalisation: what a worker process runs for one document."""
    entries = adapters.get(adapter)(document, settings)
    return normalise(entries, settings.timezone, document.fetched_at)


def _worker_context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    # forkserver is safe when the parent has threads (fork is not) and, with the parsing
    # modules imported once in the server, each worker starts in milliseconds. feedparser
    # is imported only when a feed is read; here once for all the workers.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "feedparser"])
    return context


def _ready() -> None:
    """A no-op task."""


def _start_worker(log_level: int | None) -> None:
    """Worker initializer: the build's logging, and an end with the build."""
    if log_level is not None:
        logs.configure(log_level)
    _exit_with_the_build()


def _exit_with_the_build() -> None:
    """End the worker when the build process ends, even by kill -9.

    A pool's workers otherwise outlive a killed build for ever, blocked on a task queue
    whose write end they hold themselves, and keep the forkserver alive with them.
    """
    build = multiprocessing.parent_process()
    if build is not None:
        threading.Thread(target=_exit_after, args=(build,), name="exit-with-build", daemon=True).start()


def _exit_after(build: multiprocessing.process.BaseProcess) -> None:
    build.join()  # returns when the build process is gone
    os._exit(1)


class Parser:
    """`await parser.parse(...)` runs `parse_document` in a worker process or inline."""

    def __init__(self, workers_for: int) -> None:
        self._executor: Future[Executor] | None = None
        self.workers = min(_usable_cores(), 8) if workers_for >= MIN_SOURCES_FOR_WORKERS else 0
        """Worker processes: one per usable core; 0 parses inline. One core still gets a
        worker, so that the kernel, not each parse, decides when the fetching runs."""
        if self.workers:
            # Started on a thread: the forkserver imports every adapter before it forks
            # the first worker, and the event loop goes on fetching meanwhile.
            self._executor = Future()
            threading.Thread(target=_start_workers, args=(self.workers, self._executor), daemon=True).start()

    async def __aenter__(self) -> Parser:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._executor is None:
            return
        try:
            executor = await asyncio.wrap_future(self._executor)
        except Exception:
            return  # the pool never started; each parse has failed with the reason
        executor.shutdown(wait=True, cancel_futures=True)

    async def parse(self, adapter: str, document: Document, settings: AdapterSettings) -> list[Entry]:
        if self._executor is None:
            return parse_document(adapter, document, settings)
        executor = await asyncio.wrap_future(self._executor)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, parse_document, adapter, document, settings)


def _usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than
    the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _start_workers(workers: int, started: Future[Executor]) -> None:
    try:
        executor = ProcessPoolExecutor(
            workers, _worker_context(), initializer=_start_worker, initargs=(logs.configured_level(),)
        )
        for _ in range(workers):  # submitting makes the pool start a worker
            executor.submit(_ready)
    except BaseException as error:
        started.set_exception(error)
    else:
        started.set_result(executor)
