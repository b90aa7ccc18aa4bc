"""A write's validation in a process of its own, when it is a long one.

pySHACL holds the GIL. A write that revalidates many focus nodes (a new region revalidates
every decision that must apply to all regions: 2,028 SPARQL constraint evaluations, 8.7 s at
700k triples) slowed the server's reads by a third while it ran. So a check of more than
``RSIKG_CHECK_PROCESS_FOCUS`` (200) focus nodes runs in a separate process, which
has read the shapes and what they reach once, and reads the two stores from checkpoints on
disk: the server's own process only waits. A small check stays in process, where the two
store openings the other process needs (about 20 ms) would be most of its time.

The process is started from a fork server (``multiprocessing``'s forkserver: no fork of a
threaded server) on the first long check, and kept.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import rdflib

from ..settings import Settings
from .write_scope import WriteCheck, check_write

log = logging.getLogger("rsikg.checks")


class CheckProcess:
    """The process long checks run in, started on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self.pid: int | None = None  # the process the last check ran in

    def check(self, before: Path, after: Path, removed: list[str], added: list[str]) -> WriteCheck | None:
        """:func:`~rsikg.core.write_scope.check_write` of the write that took the store at
        ``before`` to the one at ``after`` (checkpoints, opened read-only there), with its
        quads ``removed`` and ``added``; None when the process died (killed, out of memory):
        the caller checks in its own process, and the next long check starts a new one."""
        with self._lock:
            if self._pool is None:
                log.info("starting the process long write checks run in", extra={"event": "checks.start"})
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([__name__])
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=context,
                    initializer=_start,
                    initargs=(self._settings.model_dump_json(),),
                )
            pool = self._pool
        log.info("a write's check runs in its own process", extra={"event": "checks.run"})
        try:
            self.pid, found = pool.submit(_check, str(before), str(after), removed, added).result()
        except BrokenProcessPool:
            log.warning(
                "the checking process died; this check runs in process", extra={"event": "checks.died"}
            )
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            return None
        return found

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)


# -- in the checking process -------------------------------------------------------------------

_loaded: list[tuple[rdflib.Graph, Settings]] = []


def _start(settings_json: str) -> None:
    from .loading import shapes_files
    from .shape_reach import ShapesReach
    from .validation import read_shapes

    settings = Settings.model_validate_json(settings_json)
    shapes = read_shapes(shapes_files(settings))
    ShapesReach.of(shapes)  # what each shape reads: once, here
    _loaded.append((shapes, settings))


def _check(before: str, after: str, removed: list[str], added: list[str]) -> tuple[int, WriteCheck]:
    from .store import OxigraphStore

    shapes, settings = _loaded[0]
    stores = OxigraphStore.read_only(Path(before)), OxigraphStore.read_only(Path(after))
    return os.getpid(), check_write(stores[0], stores[1], removed, added, shapes, settings)


__all__ = ["CheckProcess"]
