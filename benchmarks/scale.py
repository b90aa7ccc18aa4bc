"""How rsikg grows from 25,000 to 100,000 systems, against Oxigraph's own server at each size
(issue 14, item 5).

    python benchmarks/scale.py [--sizes 25000 100000] [--seed 1] [--chain 1200] [--quick]

For each size, in one run: ``rsikg synth`` writes the graph (cached in benchmarks/.data/);
``rsikg load`` loads the project (untimed: the ontology a write's checks read) and then the
synthetic file (timed), and ``oxigraph load`` loads the same file into a plain default graph, as
its users load one (timed); ``rsikg serve`` (one process, answers not kept) and ``oxigraph
serve`` answer on loopback. Measured over HTTP, one client with keep-alive:

- the query set of ``run.py``, p50 and the ratio rsikg / Oxigraph;
- the dependency graph: its build (the first ``/graph/dependencies``), then p50 over 20
  systems of a depth-3 neighbourhood and of an impact;
- a single-edge write then a dependency request from its system (p50 of 5: the graph patched);
- the peak resident memory (VmHWM) of the largest rsikg process and of Oxigraph's server.

Then each figure at the largest size over the smallest, beside the ratio of the graphs' sizes:
a figure that grows faster than the graph is marked, for a note to say why.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from remote import TOKEN, write_then_depend
from run import (
    BIN,
    ROOT,
    SYNTH,
    _peak_mb,
    _print_rows,
    _tree,
    free_port,
    measure_alternating,
    queries,
    start,
    synth_file,
    wait_ready,
)

SAMPLED = 20  # systems whose neighbourhood and impact are timed


@dataclass
class Size:
    systems: int
    triples: int = 0
    figures: dict[str, float] = field(default_factory=dict)  # what was measured → its value
    units: dict[str, str] = field(default_factory=dict)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=_env())
    return time.perf_counter() - started


def _env() -> dict[str, str]:
    """Answers not kept (the engines compared); workers allowed 8 GiB: parsing the 100,000-system
    file (2.77M triples, 374 MB) in the isolated worker passes the default 2 GiB."""
    import os

    return {
        **os.environ,
        "RSIKG_PROJECT_DIR": str(ROOT),
        "RSIKG_ANSWER_CACHE_MB": "0",
        "RSIKG_WORKER_MEMORY_MB": "8192",
    }


def _p50_ms(client: httpx.Client, requests: list[tuple[str, dict[str, str]]]) -> float:
    samples = []
    for url, params in requests:
        started = time.perf_counter()
        response = client.get(url, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params}: HTTP {response.status_code} {response.text[:200]}")
    return statistics.median(samples)


def measure_size(systems: int, args: argparse.Namespace, work: Path) -> Size:
    size = Size(systems)
    data = synth_file(systems, args.seed, args.chain)
    size.triples = sum(1 for _ in data.open("rb"))
    store, engine_dir = work / f"rsikg-{systems}", work / f"oxigraph-{systems}"
    print(f"\n{systems:,} systems, {size.triples:,} triples: loading …", flush=True)
    timed([str(BIN / "rsikg"), "load", "--store", str(store)])  # the project, untimed
    size.figures["load, rsikg (s)"] = timed([str(BIN / "rsikg"), "load", str(data), "--store", str(store)])
    size.figures["load, oxigraph (s)"] = timed(
        [str(BIN / "oxigraph"), "load", "--location", str(engine_dir), "--file", str(data)]
    )
    ours_port, theirs_port = free_port(), free_port()
    (work / "token").write_text(TOKEN)
    ours = start(
        [
            str(BIN / "rsikg"),
            "serve",
            "--store",
            str(store),
            "--port",
            str(ours_port),
            "--token-file",
            str(work / "token"),
        ],
        work / f"rsikg-{systems}.log",
        _env(),
    )
    theirs = start(
        [str(BIN / "oxigraph"), "serve", "--location", str(engine_dir), "--bind", f"127.0.0.1:{theirs_port}"],
        work / f"oxigraph-{systems}.log",
    )
    base = f"http://127.0.0.1:{ours_port}"
    try:
        wait_ready(f"{base}/sparql", ours, 900)
        wait_ready(f"http://127.0.0.1:{theirs_port}/query", theirs, 300)
        for query in queries(systems, args.chain):
            runs = max(3, query.runs // (10 if args.quick else 2))
            both = {"rsikg": f"{base}/sparql", "oxigraph": f"http://127.0.0.1:{theirs_port}/query"}
            measured = measure_alternating(both, query, runs)
            mine, other = measured["rsikg"], measured["oxigraph"]
            if mine.error or other.error:
                raise RuntimeError(f"{query.name}: rsikg {mine.error}, oxigraph {other.error}")
            size.figures[f"{query.name}, rsikg p50 (ms)"] = mine.pct(0.5)
            size.figures[f"{query.name}, rsikg / oxigraph"] = mine.pct(0.5) / other.pct(0.5)
            print(f"  {query.name}: {mine.pct(0.5):.2f} / {other.pct(0.5):.2f} ms", flush=True)
        roots = [f"{SYNTH}system/{(i * 7919) % systems}" for i in range(SAMPLED)]
        with httpx.Client(timeout=900) as client:
            started = time.perf_counter()
            client.get(f"{base}/graph/dependencies", params={"root": roots[0]}).raise_for_status()
            size.figures["dependency graph build (s)"] = time.perf_counter() - started
            # every period (asOf=all): some sampled systems ended before today, which is a 404
            size.figures["neighbourhood, depth 3, p50 (ms)"] = _p50_ms(
                client,
                [(f"{base}/graph/dependencies", {"root": r, "depth": "3", "asOf": "all"}) for r in roots],
            )
            size.figures["impact, p50 (ms)"] = _p50_ms(
                client,
                [
                    (f"{base}/graph/impact/{r.removeprefix('https://w3id.org/rsikg/id/')}", {"asOf": "all"})
                    for r in roots
                ],
            )
        pairs = [write_then_depend(base, systems, n) for n in range(3 if args.quick else 5)]
        size.figures["single-edge write, p50 (ms)"] = statistics.median(p[0] for p in pairs)
        size.figures["dependency request after it, p50 (ms)"] = statistics.median(p[1] for p in pairs)
        size.figures["peak RSS, largest rsikg process (MB)"] = max(
            _peak_mb(pid)[1] for pid in _tree(ours.pid) if Path(f"/proc/{pid}").exists()
        )
        size.figures["peak RSS, oxigraph server (MB)"] = _peak_mb(theirs.pid)[1]
    finally:
        for process in (ours, theirs):
            process.terminate()
        for process in (ours, theirs):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(engine_dir, ignore_errors=True)
    return size


def print_growth(sizes: list[Size]) -> None:
    first, last = sizes[0], sizes[-1]
    grown = last.triples / first.triples
    print(f"\nScale, one run on this machine (triples ×{grown:.2f} from the smallest to the largest)")
    header = [
        "figure",
        *[f"{s.systems:,} systems ({s.triples:,} triples)" for s in sizes],
        "growth",
        "faster than the graph",
    ]
    rows = [header]
    for name in first.figures:
        values = [s.figures.get(name, float("nan")) for s in sizes]
        growth = values[-1] / values[0] if values[0] else float("inf")
        ratio = name.endswith("rsikg / oxigraph")  # a ratio to Oxigraph: compared as it is, not grown
        faster = "" if ratio else ("YES" if growth > grown * 1.1 else "no")
        rows.append([name, *[f"{v:,.2f}" for v in values], f"×{growth:.2f}", faster])
    _print_rows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain", type=int, default=1200)
    parser.add_argument("--quick", action="store_true", help="fewer runs, for trying the harness")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rsikg-scale-"))
    try:
        sizes = [measure_size(systems, args, work) for systems in sorted(args.sizes)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_growth(sizes)


if __name__ == "__main__":
    main()
