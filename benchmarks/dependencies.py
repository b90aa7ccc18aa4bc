"""Dependency graphs on the synthetic graph: building the networkx graph (the cache rebuild after
a write), a depth-3 neighbourhood and the full impact of a system, in process and over HTTP.

    python benchmarks/dependencies.py [--systems 25000] [--seed 1] [--chain 1200] [--quick]

Uses the cached store of benchmarks/decisions.py (project files + ``rsikg synth`` output). The
roots are synthetic systems drawn with a fixed seed; the anchor measured in the same run is
networkx's own ``nx.descendants`` on the reversed dependency graph (what any networkx tool would
do for "everything that depends on X"), so the ratio shows what rsikg adds around it.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from decisions import open_bench_store, synth_file
from rsikg.core import dependencies
from rsikg.core.graph_formats import serialize
from rsikg.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SYSTEM = "https://w3id.org/rsikg/id/synth/system/"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def timed(action: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        out.append((time.perf_counter() - started) * 1000)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain", type=int, default=1200)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    roots_n = 20 if args.quick else 100

    settings = Settings(store=":memory:", project_dir=ROOT)
    data = synth_file(args.systems, args.seed, args.chain)
    store, _loaded = open_bench_store(data, settings)
    triples = len(store)

    builds = []
    for _ in range(2 if args.quick else 3):
        started = time.perf_counter()
        graph = dependencies.build(store)
        builds.append((time.perf_counter() - started) * 1000)
    g = graph.graph
    depends = sum(1 for _u, _v, r in g.edges(data="relation") if r == "dependsOn")
    print(
        f"{triples:,} triples; dependency graph {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges "
        f"({depends:,} dependsOn)",
        flush=True,
    )

    rng = random.Random(args.seed)
    roots = [SYSTEM + str(rng.randrange(args.systems)) for _ in range(roots_n)]
    deepest = SYSTEM + "0"  # the start of the long chain: the most dependents
    for root in roots[:3]:  # warm-up
        graph.neighbourhood(root, depth=3)
        graph.impact(root)

    sizes: list[int] = []

    def subgraph(root: str) -> None:
        sub = graph.neighbourhood(root, depth=3, direction="down")
        sizes.append(sub.number_of_nodes())

    neighbourhood = [t for root in roots for t in timed(lambda r=root: subgraph(r), 1)]
    neighbourhood_json = [
        t
        for root in roots
        for t in timed(lambda r=root: serialize(graph.neighbourhood(r, depth=3), "node-link"), 1)
    ]
    impact_sizes: list[int] = []

    def impact(root: str) -> None:
        impact_sizes.append(len(graph.impact(root).dependents))

    impacts = [t for root in roots for t in timed(lambda r=root: impact(r), 1)]
    worst = timed(lambda: graph.impact(deepest).as_json(), 3)
    reverse = nx.DiGraph((v, u) for u, v, r in g.edges(data="relation") if r == "dependsOn")
    anchor = [
        t
        for root in roots
        for t in timed(lambda r=root: nx.descendants(reverse, r) if r in reverse else set(), 1)
    ]

    # over HTTP: a real server on this store (the in-process store is closed first)
    del store  # closes it, so that the server can open it
    gc.collect()
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "rsikg"),
            "serve",
            "--store",
            str(ROOT / "benchmarks" / ".data" / f"store-{data.stem}" / "store"),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RSIKG_PROJECT_DIR": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=600) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if client.get(f"{url}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            cold = timed(
                lambda: client.get(f"{url}/graph/dependencies", params={"root": roots[0], "depth": 3}), 1
            )
            http_sub = [
                t
                for root in roots
                for t in timed(
                    lambda r=root: client.get(f"{url}/graph/dependencies", params={"root": r, "depth": 3}), 1
                )
            ]
            http_impact = [
                t for root in roots for t in timed(lambda r=root: client.get(f"{url}/graph/impact/{r}"), 1)
            ]
    finally:
        server.terminate()
        server.wait(timeout=30)

    rows = [
        ("build the graph (= cache rebuild after a write)", percentiles(builds), "reported"),
        ("depth-3 neighbourhood, in process", percentiles(neighbourhood), "≤ 20 ms p50"),
        ("depth-3 neighbourhood + node-link JSON", percentiles(neighbourhood_json), ""),
        ("depth-3 neighbourhood over HTTP (warm)", percentiles(http_sub), "≤ 20 ms p50"),
        ("full impact, in process", percentiles(impacts), "≤ 100 ms p50"),
        ("full impact over HTTP (warm, JSON)", percentiles(http_impact), "≤ 100 ms p50"),
        ("anchor: nx.descendants on the reversed graph", percentiles(anchor), ""),
        (f"impact of {deepest.rsplit('/', 2)[-2]}/0 (most dependents) + JSON", percentiles(worst), ""),
        ("first HTTP request (builds the cache)", percentiles(cold), ""),
    ]
    print()
    print(f"Dependency graphs, {triples:,} triples, {len(roots)} random synthetic systems; ms, one run here")
    print(
        f"(depth-3 neighbourhoods: median {statistics.median(sizes):.0f} nodes, max {max(sizes)}; "
        f"impact: median {statistics.median(impact_sizes):.0f} dependents, max {max(impact_sizes)})"
    )
    print("| measure | p50 | p95 | max | target |")
    print("|---|---|---|---|---|")
    for name, (p50, p95, top), target in rows:
        print(f"| {name} | {p50:.2f} | {p95:.2f} | {top:.2f} | {target} |")
    a50 = percentiles(anchor)[0]
    print(f"\nimpact p50 / anchor p50: {percentiles(impacts)[0] / a50:.1f}×" if a50 else "")


if __name__ == "__main__":
    main()
