"""rsikg against Oxigraph's own server and rdflib-endpoint, over HTTP, on the same synthetic graph.

    python benchmarks/run.py [--systems 25000] [--seed 1] [--quick]

Every server gets the same N-Triples file (``rsikg synth``) and the same client (one httpx
client with keep-alive, the same queries in the same order). Each query is timed over HTTP;
the table gives p50 and p95 in milliseconds and the ratios rsikg / Oxigraph and
rdflib-endpoint / rsikg, all from this one run. Nothing is compared against figures from
another run or another machine.

rsikg runs twice, over two copies of its store: with its answer cache off (``rsikg``: the
engine and the request path, as compared with Oxigraph's) and on (``rsikg, answers kept``:
what a client sending the same query again gets; the point lookups vary their subject, so
they are mostly run).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = ROOT / "benchmarks" / ".data"
SYNTH = "https://w3id.org/rsikg/id/synth/"
RSI = "https://w3id.org/rsikg/ontology#"
VOCAB = "https://w3id.org/rsikg/id/vocab/"


@dataclass
class Query:
    name: str
    text: Callable[[int], str]  # the i-th request's query: point lookups vary their subject
    runs: int
    slow_runs: int  # for rdflib-endpoint, which is far slower
    target: str


def queries(systems: int, chain: int) -> list[Query]:
    return [
        Query(
            "point lookup",
            lambda i: f"SELECT ?p ?o WHERE {{ <{SYNTH}system/{(i * 7919) % systems}> ?p ?o }}",
            400,
            40,
            "≤ 1.5× Oxigraph",
        ),
        Query(
            "aggregate",
            lambda _: f"SELECT ?kind (COUNT(?s) AS ?n) WHERE {{ ?s <{RSI}systemKind> ?kind }} GROUP BY ?kind",
            25,
            3,
            "≤ 1.1× Oxigraph",
        ),
        Query(
            "3-way join",
            lambda _: (
                f"SELECT ?s ?r WHERE {{ ?s <{RSI}systemKind> <{VOCAB}system-kinds/telemedicin> ; "
                f"<{RSI}usedBy> ?r . ?r <{RSI}inSector> <{VOCAB}sectors/regionerne> }}"
            ),
            40,
            3,
            "≤ 1.1× Oxigraph; rdflib ≥ 50× slower",
        ),
        Query(
            f"transitive path ({chain - 1} deep)",
            lambda _: (
                f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ <{SYNTH}system/{chain - 1}> "
                f"<{RSI}dependsOn>+ ?d }}"
            ),
            20,
            1,
            "answers correctly",
        ),
    ]


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    answer: str | None = None

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url}: not ready after {seconds} s")


def measure(url: str, query: Query, runs: int) -> Timing:
    timing = Timing()
    headers = {"Accept": "application/sparql-results+json"}
    with httpx.Client(timeout=300) as client:
        for i in range(-max(1, runs // 10), runs):  # the negative ones warm up
            text = query.text(max(i, 0) + 1000 if i < 0 else i)
            started = time.perf_counter()
            try:
                response = client.get(url, params={"query": text}, headers=headers)
            except httpx.HTTPError as err:
                timing.error = f"{type(err).__name__}"
                return timing
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                timing.error = f"HTTP {response.status_code}"
                return timing
            if i >= 0:
                timing.samples.append(elapsed)
                if query.name.startswith("transitive"):
                    timing.answer = response.json()["results"]["bindings"][0]["n"]["value"]
    return timing


def timed(command: list[str]) -> float:
    """Run a command to its end; the seconds it took."""
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def start(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )


def synth_file(systems: int, seed: int, chain: int) -> Path:
    """The synthetic graph, written by ``rsikg synth`` once and cached in benchmarks/.data/. The
    name carries a digest of the generator, so a changed generator writes a new file."""
    DATA.mkdir(parents=True, exist_ok=True)
    generator = hashlib.sha256((ROOT / "api" / "core" / "synth.py").read_bytes()).hexdigest()[:8]
    data = DATA / f"synth-{systems}-{seed}-{chain}-{generator}.nt"
    if not data.exists():
        subprocess.run(
            [
                str(BIN / "rsikg"),
                "synth",
                "--systems",
                str(systems),
                "--out",
                str(data),
                "--seed",
                str(seed),
                "--chain",
                str(chain),
            ],
            check=True,
        )
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain", type=int, default=1200)
    parser.add_argument("--quick", action="store_true", help="fewer runs, for trying the harness")
    parser.add_argument("--skip-rdflib", action="store_true")
    args = parser.parse_args()

    data = synth_file(args.systems, args.seed, args.chain)
    triples = sum(1 for _ in data.open("rb"))
    work = Path(tempfile.mkdtemp(prefix="rsikg-bench-"))
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    try:
        print(f"loading {triples} triples into each server …", flush=True)
        rsikg_load = timed([str(BIN / "rsikg"), "load", str(data), "--store", str(work / "rsikg")])
        # the engine compared with the answer cache off (each query here is sent again and again,
        # which the cache would answer without running it); a copy of the store with it on shows
        # what a repeated query costs a client
        shutil.copytree(work / "rsikg", work / "rsikg-kept")
        for name, store, cache_mb in (("rsikg", "rsikg", "0"), ("rsikg, answers kept", "rsikg-kept", "64")):
            port = free_port()
            servers[name] = (
                f"http://127.0.0.1:{port}/sparql",
                start(
                    [str(BIN / "rsikg"), "serve", "--store", str(work / store), "--port", str(port)],
                    work / f"{store}.log",
                    {"RSIKG_PROJECT_DIR": str(ROOT), "RSIKG_ANSWER_CACHE_MB": cache_mb},
                ),
            )
        # the same layout as rsikg's: the file in a named graph, queried as the union default graph
        oxigraph_load = timed(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(work / "oxigraph"),
                "--file",
                str(data),
                "--graph",
                data.resolve().as_uri(),
            ]
        )
        port = free_port()
        servers["oxigraph"] = (
            f"http://127.0.0.1:{port}/query",
            start(
                [
                    str(BIN / "oxigraph"),
                    "serve",
                    "--location",
                    str(work / "oxigraph"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--union-default-graph",
                ],
                work / "oxigraph.log",
            ),
        )
        if not args.skip_rdflib:
            port = free_port()
            servers["rdflib-endpoint"] = (
                f"http://127.0.0.1:{port}/",
                start(
                    [
                        str(BIN / "rdflib-endpoint"),
                        "serve",
                        str(data),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    work / "rdflib.log",
                ),
            )
        t0 = time.perf_counter()
        for name, (url, process) in servers.items():
            wait_ready(url, process, 900 if name == "rdflib-endpoint" else 120)
        print(
            f"load: rsikg {rsikg_load:.1f} s, oxigraph {oxigraph_load:.1f} s; all ready after "
            f"{time.perf_counter() - t0:.1f} s more",
            flush=True,
        )

        results: dict[tuple[str, str], Timing] = {}
        for query in queries(args.systems, args.chain):
            for name, (url, _) in servers.items():
                runs = query.slow_runs if name == "rdflib-endpoint" else query.runs
                if args.quick:
                    runs = max(1, runs // 5)
                results[(query.name, name)] = timing = measure(url, query, runs)
                shown = f"error: {timing.error}" if timing.error else f"p50 {timing.pct(0.5):9.2f} ms"
                print(f"  {query.name:28} {name:16} {shown}", flush=True)
        print_table(queries(args.systems, args.chain), list(servers), results, triples, args.chain)
    finally:
        for _, process in servers.values():
            process.terminate()
        for _, process in servers.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


def print_table(
    qs: list[Query], names: list[str], results: dict[tuple[str, str], Timing], triples: int, chain: int
) -> None:
    def cell(t: Timing) -> str:
        return t.error or f"{t.pct(0.5):.2f} / {t.pct(0.95):.2f}"

    print()
    print(f"SPARQL over HTTP, {triples:,} triples (rsikg synth), p50 / p95 in ms, one run on this machine")
    header = ["query", *[f"{n} p50/p95" for n in names], "rsikg / oxigraph"]
    if "rdflib-endpoint" in names:
        header.append("rdflib / rsikg")
    header.append("target")
    rows = [header]
    for q in qs:
        row = [q.name, *[cell(results[(q.name, n)]) for n in names]]
        ours, theirs = results[(q.name, "rsikg")], results[(q.name, "oxigraph")]
        row.append(f"{ours.pct(0.5) / theirs.pct(0.5):.2f}×" if not (ours.error or theirs.error) else "-")
        if "rdflib-endpoint" in names:
            slow = results[(q.name, "rdflib-endpoint")]
            row.append(
                f"{slow.pct(0.5) / ours.pct(0.5):.0f}×"
                if not (slow.error or ours.error)
                else f"({slow.error})"
            )
        row.append(q.target)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    transitive = [results[(q.name, n)] for q in qs if q.name.startswith("transitive") for n in names]
    answers = {n: t.answer or t.error for n, t in zip(names, transitive, strict=True)}
    print(f"\ntransitive path answers (expected {chain - 1}): {answers}")


if __name__ == "__main__":
    main()
