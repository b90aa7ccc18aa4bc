"""Writes on the synthetic graph (about 700k triples): rsikg against Oxigraph's own server.

    python benchmarks/writes.py [--systems 25000] [--seed 1] [--quick]

rsikg serves the synthetic file and the project's files (ontology, vocabularies, shapes), so a
write is checked against the shapes before it commits; Oxigraph's server (``oxigraph serve``,
the file loaded into its plain default graph) commits without a check: what a user who
needs no validation would run. Over HTTP with one httpx client each:

- a Graph Store POST of 10 triples (a new system, conforming to the shapes) into a new graph;
- a SPARQL Update touching one system (a new alternative label in the synthetic graph);
- both one a second (the rate the read test writes at), and the update also one after the
  other: rsikg runs each write in a worker process started ahead, and a process takes about
  as long to start as a write takes, so writes in a row on two cores wait for part of one;
- reads (point lookups by two client threads) for a while without writes, then with one write
  a second (the update above), on each server: reads per second and p99;
- on rsikg, a write with a long check (a new region: every decision checked again), twice:
  its seconds, and the reads per second and p99 while it runs.

Targets (issue 12): a write p50 <= 100 ms including validation; reads with one write a second
keep >= 90 % of their throughput and a p99 <= 2x the p99 without writes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN, ROOT, RSI, SYNTH, free_port, start, synth_file, timed, wait_ready

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
TOKEN = "bench-token"  # noqa: S105 (a throw-away server on loopback)


class Server:
    """Where a server takes queries, updates and Graph Store requests, and its write headers."""

    def __init__(self, name: str, query: str, update: str, store: str, headers: dict[str, str]) -> None:
        self.name, self.query, self.update, self.store, self.headers = name, query, update, store, headers


def new_system(i: int) -> str:
    """10 triples: a system the shapes accept (as the synthetic ones are described)."""
    s = f"<{SYNTH}system/bench-{i}>"
    return "\n".join(
        [
            f"{s} a <{RSI}ITSystem> .",
            f'{s} <{SKOS}prefLabel> "Benchmark-system {i}"@da .',
            f'{s} <{SKOS}prefLabel> "Benchmark system {i}"@en .',
            f"{s} <{DCT}source> <{SYNTH}source> .",
            f'{s} <{SKOS}definition> "Et system skrevet af benchmarken."@da .',
            f'{s} <{SKOS}definition> "A system written by the benchmark."@en .',
            f'{s} <{DCT}identifier> "BENCH-{i}" .',
            f"{s} <{RSI}systemKind> <https://w3id.org/rsikg/id/vocab/system-kinds/praehospital-journal> .",
            f"{s} <{RSI}vendor> <{SYNTH}vendor/1> .",
            f"{s} <{RSI}usedBy> <{SYNTH}region/sjaelland> .",
        ]
    )


def label_update(graph: str, i: int, systems: int) -> str:
    system = f"<{SYNTH}system/{(i * 7919) % systems}>"
    return f'INSERT DATA {{ GRAPH <{graph}> {{ {system} <{SKOS}altLabel> "B{i}"@da }} }}'


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000 if ordered else float("nan")


def timed_writes(
    server: Server, runs: int, write: Callable[[httpx.Client, int], httpx.Response], pause: float = 0.0
) -> list[float]:
    """Latencies of ``runs`` writes, ``pause`` seconds apart (0: one after the other)."""
    samples = []
    with httpx.Client(timeout=600, headers=server.headers) as client:
        for i in range(-2, runs):  # two to warm up
            time.sleep(pause)
            started = time.perf_counter()
            response = write(client, i + 10_000 * (i < 0))
            elapsed = time.perf_counter() - started
            if response.status_code >= 300:
                raise RuntimeError(f"{server.name}: HTTP {response.status_code}: {response.text[:500]}")
            if i >= 0:
                samples.append(elapsed)
    return samples


def reads_while(
    server: Server, seconds: float, systems: int, writer: Callable[[], None] | None
) -> tuple[float, float]:
    """Reads per second and p99 (ms) of two reader threads for ``seconds``, with ``writer``
    called once a second in a third thread when given."""
    stop = time.monotonic() + seconds
    samples: list[float] = []
    lock = threading.Lock()

    def read(offset: int) -> None:
        with httpx.Client(timeout=60) as client:
            i = offset
            while time.monotonic() < stop:
                query = f"SELECT ?p ?o WHERE {{ <{SYNTH}system/{(i * 7919) % systems}> ?p ?o }}"
                started = time.perf_counter()
                response = client.get(
                    server.query,
                    params={"query": query},
                    headers={"Accept": "application/sparql-results+json"},
                )
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                with lock:
                    samples.append(elapsed)
                i += 2

    def write() -> None:
        while time.monotonic() < stop:
            started = time.monotonic()
            writer()  # type: ignore[misc]
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))

    threads = [threading.Thread(target=read, args=(k,)) for k in (0, 1)]
    if writer is not None:
        threads.append(threading.Thread(target=write))
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(samples) / (time.monotonic() - began), percentile(samples, 0.99)


NEW_REGION = f"""<https://w3id.org/rsikg/id/org/region-bench> a <{RSI}Region> ;
    <{SKOS}prefLabel> "Benchmark-region"@da, "Benchmark region"@en ; <{DCT}source> <{SYNTH}source> ."""
"""A new region: every decision that must apply to all regions is checked again (1,001 in the
synthetic graph), so its check is a long one; refused (the region lacks what the shapes ask
of a region), which it is only after the whole check."""


def reads_during(server: Server, systems: int, action: Callable[[], int]) -> tuple[float, int, float, float]:
    """``action`` (a write; its HTTP status) run while two threads read: its seconds and
    status, and the reads per second and p99 (ms) while it ran."""
    done = threading.Event()
    samples: list[tuple[float, float]] = []
    lock = threading.Lock()

    def read(offset: int) -> None:
        with httpx.Client(timeout=60) as client:
            i = offset
            while not done.is_set():
                query = f"SELECT ?p ?o WHERE {{ <{SYNTH}system/{(i * 7919) % systems}> ?p ?o }}"
                started = time.perf_counter()
                client.get(server.query, params={"query": query}).raise_for_status()
                with lock:
                    samples.append((started, time.perf_counter() - started))
                i += 2

    threads = [threading.Thread(target=read, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    began = time.perf_counter()
    status = action()
    ended = time.perf_counter()
    done.set()
    for t in threads:
        t.join()
    during = [elapsed for started, elapsed in samples if began <= started < ended]
    return ended - began, status, len(during) / (ended - began), percentile(during, 0.99)


def new_region(server: Server) -> int:
    with httpx.Client(timeout=600, headers=server.headers) as client:
        return client.post(
            server.store,
            params={"graph": "https://w3id.org/rsikg/graph/bench/region"},
            content=NEW_REGION.encode(),
            headers={"Content-Type": "text/turtle"},
        ).status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain", type=int, default=1200)
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter read windows")
    args = parser.parse_args()
    runs, window = (8, 8.0) if args.quick else (30, 20.0)

    data = synth_file(args.systems, args.seed, args.chain)
    graph = data.resolve().as_uri()
    work = Path(tempfile.mkdtemp(prefix="rsikg-writes-"))
    processes = []
    try:
        print(f"loading {data.name} and the project into rsikg, the file into Oxigraph …", flush=True)
        timed([str(BIN / "rsikg"), "load", "--store", str(work / "rsikg")])
        timed([str(BIN / "rsikg"), "load", str(data), "--store", str(work / "rsikg")])
        timed(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(work / "ox"),
                "--file",
                str(data),
            ]
        )
        (work / "token").write_text(TOKEN)
        port = free_port()
        rsikg = Server(
            "rsikg",
            f"http://127.0.0.1:{port}/sparql",
            f"http://127.0.0.1:{port}/sparql",
            f"http://127.0.0.1:{port}/store",
            {"Authorization": f"Bearer {TOKEN}"},
        )
        command = [str(BIN / "rsikg"), "serve", "--store", str(work / "rsikg"), "--port", str(port)]
        processes.append(
            start(
                [*command, "--token-file", str(work / "token")],
                work / "rsikg.log",
                {"RSIKG_PROJECT_DIR": str(ROOT)},
            )
        )
        wait_ready(rsikg.query, processes[-1], 300)
        port = free_port()
        ox = Server(
            "oxigraph",
            f"http://127.0.0.1:{port}/query",
            f"http://127.0.0.1:{port}/update",
            f"http://127.0.0.1:{port}/store",
            {},
        )
        command = [
            str(BIN / "oxigraph"),
            "serve",
            "--location",
            str(work / "ox"),
            "--bind",
            f"127.0.0.1:{port}",
        ]
        processes.append(start(command, work / "ox.log"))
        wait_ready(ox.query, processes[-1], 120)

        rows = []
        long: list[tuple[float, int, float, float]] = []
        for server in (rsikg, ox):
            post = timed_writes(
                server,
                runs,
                lambda c, i, s=server: c.post(
                    s.store,
                    params={"graph": f"https://w3id.org/rsikg/graph/bench/{s.name}/{i}"},
                    content=new_system(i).encode(),
                    headers={"Content-Type": "text/turtle"},
                ),
                pause=1.0,
            )

            def update_write(c: httpx.Client, i: int, s: Server = server) -> httpx.Response:
                return c.post(
                    s.update,
                    content=label_update(graph, i, args.systems).encode(),
                    headers={"Content-Type": "application/sparql-update"},
                )

            update = timed_writes(server, runs, update_write, pause=1.0)
            in_a_row = timed_writes(server, runs, lambda c, i: update_write(c, i + 50_000))
            counter = iter(range(100_000, 10**9))

            def one_write(s: Server = server, counter: Iterator[int] = counter) -> None:
                with httpx.Client(timeout=600, headers=s.headers) as c:
                    body = label_update(graph, next(counter), args.systems).encode()
                    c.post(
                        s.update, content=body, headers={"Content-Type": "application/sparql-update"}
                    ).raise_for_status()

            quiet = reads_while(server, window, args.systems, None)
            busy = reads_while(server, window, args.systems, one_write)
            rows.append((server.name, post, update, in_a_row, quiet, busy))
            if server is rsikg:
                long = [reads_during(server, args.systems, lambda: new_region(rsikg)) for _ in range(2)]
            print(f"  {server.name}: done", flush=True)
        print_table(rows, runs, window)
        print_long(long, rows[0][4])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except Exception:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


Row = tuple[str, list[float], list[float], list[float], tuple[float, float], tuple[float, float]]


def print_table(rows: list[Row], runs: int, window: float) -> None:
    print(
        f"\nWrites on the synthetic graph ({runs} of each, p50 / p95 ms; one a second, and updates "
        f"one after the other) and reads ({window:.0f} s windows, two readers)\n"
    )
    print(
        "| server | GSP POST 10 triples | update, one system | updates in a row | reads/s quiet "
        "| reads/s, 1 write/s | kept | p99 quiet | p99 busy | p99 ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, post, update, in_a_row, (rq, pq), (rb, pb) in rows:
        print(
            f"| {name} | {percentile(post, 0.5):.1f} / {percentile(post, 0.95):.1f} | "
            f"{percentile(update, 0.5):.1f} / {percentile(update, 0.95):.1f} | "
            f"{percentile(in_a_row, 0.5):.1f} / {percentile(in_a_row, 0.95):.1f} | {rq:.0f} | {rb:.0f} | "
            f"{rb / rq:.0%} | {pq:.1f} | {pb:.1f} | {pb / pq:.2f}x |"
        )
    (name, post, update, _r, _q, _b), ox = rows[0], rows[1]
    print(
        f"\nrsikg / Oxigraph, write p50: GSP POST {percentile(post, 0.5) / percentile(ox[1], 0.5):.1f}x, "
        f"update {percentile(update, 0.5) / percentile(ox[2], 0.5):.1f}x (Oxigraph checks nothing)."
        "\nTargets: write p50 <= 100 ms; reads with one write a second >= 90 % and p99 <= 2x."
    )


def print_long(runs: list[tuple[float, int, float, float]], quiet: tuple[float, float]) -> None:
    print(
        "\nA long check on rsikg: a new region, every decision checked again (in a process of its "
        "own past RSIKG_CHECK_PROCESS_FOCUS focus nodes); reads by two threads while it runs\n"
    )
    print("| run | write s | status | reads/s during | kept | p99 during ms | p99 ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, (seconds, status, rate, p99) in enumerate(runs, 1):
        print(
            f"| {i} | {seconds:.1f} | {status} | {rate:.0f} | {rate / quiet[0]:.0%} | {p99:.1f} | "
            f"{p99 / quiet[1]:.2f}x |"
        )
    print("(run 1 starts the checking process; quiet reads as in the table above)")


if __name__ == "__main__":
    main()
