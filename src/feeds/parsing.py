"""Run adapters off the event loop, in worker processes when there is enough to parse.

Parsing HTML is CPU work that holds the GIL; done inline it would stall every fetch in
flight. Small builds parse inline, since starting workers costs more than it saves.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from types import TracebackType

from . import adapters
from .models import AdapterSettings, Document, Entry
from .normalise import normalise

# Below this many sources to parse, workers are not worth their start-up time.
MIN_SOURCES_FOR_WORKERS = 8


def parse_document(adapter: str, document: Document, settings: AdapterSettings) -> list[Entry]:
    """Adapter then normalisation: what a worker process runs for one document."""
    entries = adapters.get(adapter)(document, settings)
    return normalise(entries, settings.timezone, document.fetched_at)


class Parser:
    """`await parser.parse(...)` runs `parse_document` in a worker process or inline."""

    def __init__(self, workers_for: int) -> None:
        self._executor: Executor | None = None
        if workers_for >= MIN_SOURCES_FOR_WORKERS and (os.cpu_count() or 1) > 1:
            # forkserver: safe when the parent has threads (fork is not), cheaper than spawn.
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            self._executor = ProcessPoolExecutor(
                max_workers=min(os.cpu_count() or 1, 8),
                mp_context=multiprocessing.get_context(method),
            )

    async def __aenter__(self) -> Parser:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    async def parse(self, adapter: str, document: Document, settings: AdapterSettings) -> list[Entry]:
        if self._executor is None:
            return parse_document(adapter, document, settings)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, parse_document, adapter, document, settings)
