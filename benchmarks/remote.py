"""rsikg over a remote store (Oxigraph's own server) against rsikg over its embedded store, on
the same synthetic graph, in the same run (issue 14's targets).

    python benchmarks/remote.py [--systems 25000] [--seed 1] [--chain 1200] [--quick]

Both are loaded by ``rsikg load`` (into a directory, and into ``oxigraph serve`` through a store
description) and served by ``rsikg serve`` on loopback. One httpx client with keep-alive sends
the same queries to each (p50 and p95 in ms, and the ratio remote / embedded with its target);
then a single-edge write followed by a dependency request, through each (the dependency graph
is updated from the write's diff: api/core/dependency_updates.py). Both stores hold the project
(its ontology among it: the checks of a write read the class hierarchy from the store) besides
the synthetic graph, as a user's would.
"""

from __future__ import annotations

import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    BIN,
    ROOT,
    Query,
    Timing,
    free_port,
    measure_alternating,
    queries,
    start,
    stop_all,
    synth_file,
    synthetic_graph_parser,
    wait_ready,
)

TARGETS = {"selective lookup": 2.0, "aggregate": 1.3, "4-way join, LIMIT 100": 1.3}
"""p50 ratios, rsikg over oxigraph serve / rsikg embedded, at most (issue 14)."""
TOKEN = secrets.token_hex(16)
ID = "https://w3id.org/rsikg/id/synth/system/"
RSI = "https://w3id.org/rsikg/ontology#"
REGION = "https://w3id.org/rsikg/id/synth/region/hovedstaden"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=_env())
    return time.perf_counter() - started


def _env() -> dict[str, str]:
    """Both without kept answers: the engines compared, not rsikg's cache (off over a remote store)."""
    import os

    return {**os.environ, "RSIKG_PROJECT_DIR": str(ROOT), "RSIKG_ANSWER_CACHE_MB": "0"}


def write_then_depend(base: str, systems: int, n: int) -> tuple[float, float]:
    """A single-edge write through ``base`` (a system used by a region: a dependsOn edge could
    close a cycle, which the checks refuse), then a dependency request from that system: ms each."""
    source, target = f"{ID}{(n * 7919) % systems}", REGION
    update = f"INSERT DATA {{ GRAPH <urn:bench:edges> {{ <{source}> <{RSI}usedBy> <{target}> }} }}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    with httpx.Client(timeout=600) as client:
        started = time.perf_counter()
        wrote = client.post(f"{base}/sparql", content=update, headers=headers)
        written = time.perf_counter()
        found = client.get(
            f"{base}/graph/dependencies",
            params={"root": source, "direction": "down", "format": "node-link"},
        )
        done = time.perf_counter()
    if wrote.status_code != 204 or found.status_code != 200:
        said = (
            wrote.json().get("report", {}).get("results", [])
            if wrote.status_code == 422
            else wrote.text[:300]
        )
        raise RuntimeError(
            f"write {wrote.status_code} {said}; dependencies {found.status_code} {found.text[:200]}"
        )
    if target not in {node["id"] for node in found.json()["nodes"]}:
        raise RuntimeError("the dependency request did not see the write")
    return (written - started) * 1000, (done - written) * 1000


def main() -> None:
    parser = synthetic_graph_parser(__doc__ or "", "fewer runs, for trying the harness")
    args = parser.parse_args()

    data = synth_file(args.systems, args.seed, args.chain)
    triples = sum(1 for _ in data.open("rb"))
    work = Path(tempfile.mkdtemp(prefix="rsikg-remote-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        engine_port = free_port()
        serve_engine = [
            str(BIN / "oxigraph"),
            "serve",
            "--location",
            str(work / "engine"),
            "--bind",
            f"127.0.0.1:{engine_port}",
        ]
        engine = start(serve_engine, work / "engine.log")
        processes.append(engine)
        wait_ready(f"http://127.0.0.1:{engine_port}/query", engine, 60)
        described = work / "remote.toml"
        described.write_text(
            f'query = "http://127.0.0.1:{engine_port}/query"\nupdate = "http://127.0.0.1:{engine_port}/update"\n'
            "timeout = 3600\n"
        )
        print(
            f"loading {triples} triples with rsikg load, into a directory and into oxigraph serve …",
            flush=True,
        )
        for store in (str(work / "store"), str(described)):  # the project first, untimed
            timed([str(BIN / "rsikg"), "load", "--store", store])
        loads = {
            "embedded": timed([str(BIN / "rsikg"), "load", str(data), "--store", str(work / "store")]),
            "remote": timed([str(BIN / "rsikg"), "load", str(data), "--store", str(described)]),
        }
        (work / "token").write_text(TOKEN)
        servers: dict[str, str] = {}
        for name, store in (("embedded", str(work / "store")), ("remote", str(described))):
            port = free_port()
            command = [str(BIN / "rsikg"), "serve", "--store", store, "--port", str(port)]
            process = start([*command, "--token-file", str(work / "token")], work / f"{name}.log", _env())
            processes.append(process)
            servers[name] = f"http://127.0.0.1:{port}"
            wait_ready(f"{servers[name]}/sparql", process, 600)
        print(f"load: embedded {loads['embedded']:.1f} s, remote {loads['remote']:.1f} s", flush=True)
        # Over a remote store, rsikg serve copies the store to check writes on as it starts (40-55 s
        # of both cores here); measured meanwhile, every query shared the machine with that copy.
        copied = wait_for_line(work / "remote.log", "copied the remote store", 900)
        print(f"the remote server's copy for checking writes, made as it started: {copied}", flush=True)

        chosen = [q for q in queries(args.systems, args.chain) if q.name != "point lookup"]
        results: dict[tuple[str, str], Timing] = {}
        endpoints = {name: f"{base}/sparql" for name, base in servers.items()}
        for query in chosen:
            runs = max(3, query.runs // (5 if args.quick else 1))
            for name, timing in measure_alternating(endpoints, query, runs).items():
                results[(query.name, name)] = timing
        # The embedded store compacts itself after every load (Store.optimize); rsikg cannot ask
        # a remote engine to, so its owner does, as Oxigraph's loader advises for a read-heavy
        # store: stopped, `oxigraph optimize`, started again on the same address.
        engine.terminate()
        engine.wait(timeout=60)
        compacted = timed([str(BIN / "oxigraph"), "optimize", "--location", str(work / "engine")])
        engine = start(serve_engine, work / "engine-optimized.log")
        processes.append(engine)
        wait_ready(f"http://127.0.0.1:{engine_port}/query", engine, 60)
        print(f"the engine's store optimized by its owner (oxigraph optimize): {compacted:.1f} s", flush=True)
        for query in chosen:
            runs = max(3, query.runs // (5 if args.quick else 1))
            again = measure_alternating(endpoints, query, runs)
            results[(query.name, "embedded, again")], results[(query.name, "optimized")] = (
                again["embedded"],
                again["remote"],
            )
        print_table(chosen, results, triples)

        built: dict[str, float] = {}
        for name, base in servers.items():
            warm = time.perf_counter()  # the graph built (and today's view of it made) once, first
            httpx.get(f"{base}/graph/dependencies", params={"root": f"{ID}0"}, timeout=600)
            built[name] = (time.perf_counter() - warm) * 1000
        print("\nA single-edge write, then a dependency request from its system, against the first")
        print("dependency request, which builds the graph whole (ms; issue 14's target: ≤ 100 ms after")
        print("a write)")
        print("| store | write p50 | dependency request after it, p50 | first request (full build) | ratio |")
        print("|---|---|---|---|---|")
        for name, base in servers.items():
            try:
                samples = [write_then_depend(base, args.systems, n) for n in range(3 if args.quick else 7)]
            except RuntimeError as error:
                print(f"| {name} | failed: {error} | | | |")
                continue
            write_p50 = statistics.median(s[0] for s in samples)
            read_p50 = statistics.median(s[1] for s in samples)
            print(
                f"| {name} | {write_p50:.0f} (first {samples[0][0]:.0f}) | {read_p50:.0f} | "
                f"{built[name]:.0f} | {built[name] / read_p50:.0f}× |"
            )
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)


def wait_for_line(log: Path, text: str, seconds: float) -> str:
    """The first line of ``log`` holding ``text``, once it is there."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if text in line:
                return line.split(text, 1)[1].strip() or line
        time.sleep(0.5)
    raise RuntimeError(f"{log.name} did not say {text!r} within {seconds:g} s")


def print_table(chosen: list[Query], results: dict[tuple[str, str], Timing], triples: int) -> None:
    print(
        f"\nrsikg over oxigraph serve against rsikg embedded, {triples:,} triples, one client, p50 / p95 ms;"
        "\nthe remote engine as rsikg load left it, then after its owner's `oxigraph optimize` (the"
        "\nembedded store optimizes itself after each load); the targets are judged on the second."
        "\nEach pass sends every request to both servers in turn, and each ratio is the remote p50 over"
        "\nthe embedded p50 of the same pass (the embedded column: the second pass)"
    )
    print(
        "| query | embedded | remote, as loaded | remote, optimized | ratio as loaded | ratio | target "
        "| holds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for query in chosen:
        first, ours = results[(query.name, "embedded")], results[(query.name, "embedded, again")]
        loaded, theirs = results[(query.name, "remote")], results[(query.name, "optimized")]
        if first.error or ours.error or loaded.error or theirs.error:
            errors = " | ".join(timing.error or "ok" for timing in (first, ours, loaded, theirs))
            print(f"| {query.name} | {errors} |")
            continue
        before = loaded.pct(0.5) / first.pct(0.5)
        ratio = theirs.pct(0.5) / ours.pct(0.5)
        target = TARGETS.get(query.name)
        holds = "" if target is None else ("yes" if ratio <= target else "NO")
        shown = f"≤ {target}×" if target else "(reported)"
        print(
            f"| {query.name} | {ours.pct(0.5):.2f} / {ours.pct(0.95):.2f} | {loaded.pct(0.5):.2f} / "
            f"{loaded.pct(0.95):.2f} | {theirs.pct(0.5):.2f} / {theirs.pct(0.95):.2f} | {before:.2f}× | "
            f"{ratio:.2f}× | {shown} | {holds} |"
        )


if __name__ == "__main__":
    main()
