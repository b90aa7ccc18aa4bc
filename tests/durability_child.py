"""A write through the SPARQL service's write path, in a process of its own so that
tests/core/test_durability.py can kill it with SIGKILL at any point.

    python tests/durability_child.py GRAPH FILE.ttl STORE

replaces GRAPH with the Turtle in FILE the way ``PUT /store?graph=GRAPH`` does (a scratch copy,
the shapes, then the difference committed to STORE). Prints "ready" once the store is open,
"commit" and "committed" around the commit of the difference, and "done" at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
from rsikg.core.service import GraphService
from rsikg.core.store import OxigraphStore
from rsikg.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def main(graph: str, data_file: str, store_dir: str) -> None:
    store = OxigraphStore(Path(store_dir))
    service = GraphService(store, Settings(store=store_dir, project_dir=ROOT))
    commit = store.apply_diff

    def announced(*args: Any, **kwargs: Any) -> None:
        print("commit", flush=True)  # the test aims half its kills between these two lines
        commit(*args, **kwargs)
        print("committed", flush=True)

    store.apply_diff = announced  # type: ignore[method-assign]
    print("ready", flush=True)
    anyio.run(service.put_graph, graph, Path(data_file).read_bytes(), "turtle")
    store.flush()
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
