"""rsikg's pages on the synthetic graph (issue 15): a resource page's time and every page type's
weight, against what a user without pages would run instead.

    python benchmarks/pages.py [--systems 25000] [--seed 1] [--chain 1200] [--quick]

The project and the synthetic file (about 690k triples) are loaded by ``rsikg load`` into a
directory and served by ``rsikg serve`` on loopback (answers kept off: each page is computed).
One httpx client with keep-alive asks for the page of a different system each time
(``/id/synth/system/N``, ``Accept: text/html``), and for the same resource's Turtle, and, as the
anchor, Oxigraph's own server (the file loaded by ``oxigraph load`` into its default graph) for
``DESCRIBE <IRI>`` of the same system: the description a user gets without rsikg's pages. Then
each page type's weight: the HTML, and everything the page makes a browser fetch (its
stylesheet; no page has a script).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN, ROOT, free_port, start, stop_all, synth_file, synthetic_graph_parser, wait_ready

TARGET_MS = 30.0
"""A resource page's p50 on the synthetic graph, at most (issue 15)."""
SYSTEM = "/id/synth/system/"
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
PAGE_TYPES = {
    "front page": "/",
    "resource (a system)": f"{SYSTEM}1",
    "resource (a region, 25k pointing at it)": "/id/synth/region/hovedstaden",
    "not found, with suggestions": f"{SYSTEM}nothing",
    "ontology": "/ontology",
    "named queries": "/queries",
    "a named query with results": "/queries/list_regions",
    "compliance matrix": "/compliance?status=all&asOf=all",
    "decision page": "/decisions/check",
    "API documentation (Swagger UI)": "/docs",
}


def timed(
    client: httpx.Client, url: str, headers: dict[str, str], data: dict[str, str] | None = None
) -> float:
    started = time.perf_counter()
    response = client.post(url, data=data, headers=headers) if data else client.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code} {response.text[:200]}")
    return elapsed


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def weight(client: httpx.Client, base: str, path: str) -> tuple[int, int, int]:
    """(status, bytes of the page, bytes of what it makes a browser fetch)."""
    response = client.get(f"{base}{path}", headers=HTML)
    fetched = set(re.findall(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"', response.text))
    assets = sum(len(client.get(f"{base}{url}" if url.startswith("/") else url).content) for url in fetched)
    return response.status_code, len(response.content), assets


def main() -> None:
    parser = synthetic_graph_parser(__doc__ or "", "40 pages instead of 200")
    args = parser.parse_args()
    runs = 40 if args.quick else 200

    data = synth_file(args.systems, args.seed, args.chain)
    work = Path(tempfile.mkdtemp(prefix="rsikg-pages-"))
    processes: list[subprocess.Popen[bytes]] = []
    env = {"RSIKG_PROJECT_DIR": str(ROOT), "RSIKG_ANSWER_CACHE_MB": "0"}
    try:
        store = str(work / "store")
        for files in ([], [str(data)]):
            subprocess.run([str(BIN / "rsikg"), "load", *files, "--store", store], check=True, env=_env(env))
        subprocess.run(
            [str(BIN / "oxigraph"), "load", "--location", str(work / "oxigraph"), "--file", str(data)],
            check=True,
            capture_output=True,
        )
        port, theirs = free_port(), free_port()
        ours = start(
            [str(BIN / "rsikg"), "serve", "--store", store, "--port", str(port)], work / "rsikg.log", env
        )
        oxigraph = start(
            [
                str(BIN / "oxigraph"),
                "serve",
                "--location",
                str(work / "oxigraph"),
                "--bind",
                f"127.0.0.1:{theirs}",
            ],
            work / "oxigraph.log",
        )
        processes += [ours, oxigraph]
        base, anchor = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{theirs}"
        wait_ready(f"{base}/sparql", ours, 600)
        wait_ready(f"{anchor}/query", oxigraph, 60)
        triples = sum(1 for _ in data.open("rb"))

        pages, turtle, describe = [], [], []
        with httpx.Client(timeout=120) as client:
            for n in range(5):  # warm both
                timed(client, f"{base}{SYSTEM}{n}", HTML)
                timed(client, f"{anchor}/query", {"Accept": "text/turtle"}, {"query": _describe(n)})
            for i in range(runs):
                n = (i * 7919 + 11) % args.systems
                pages.append(timed(client, f"{base}{SYSTEM}{n}", HTML))
                turtle.append(timed(client, f"{base}{SYSTEM}{n}", {"Accept": "text/turtle"}))
                describe.append(
                    timed(client, f"{anchor}/query", {"Accept": "text/turtle"}, {"query": _describe(n)})
                )
            weights = {name: weight(client, base, path) for name, path in PAGE_TYPES.items()}

        p50, p95 = percentiles(pages)
        a50, a95 = percentiles(describe)
        t50, t95 = percentiles(turtle)
        print(
            f"\nA system's page on {triples:,} synthetic triples (+ the project), {runs} systems, "
            "one client, ms"
        )
        print("| request | p50 | p95 | / Oxigraph's DESCRIBE | target | holds |")
        print("|---|---|---|---|---|---|")
        holds = "yes" if p50 <= TARGET_MS else "NO"
        print(
            f"| rsikg page (HTML) | {p50:.1f} | {p95:.1f} | {p50 / a50:.1f}× | p50 ≤ {TARGET_MS:.0f} ms "
            f"| {holds} |"
        )
        print(f"| rsikg description (Turtle) | {t50:.1f} | {t95:.1f} | {t50 / a50:.1f}× | (reported) | |")
        print(f"| Oxigraph server, DESCRIBE (anchor) | {a50:.1f} | {a95:.1f} | 1.0× | | |")
        print(
            "\nPage weight: the HTML, and what it makes a browser fetch (bytes; no page has a script "
            "of its own)"
        )
        print("| page | status | HTML | assets | total |")
        print("|---|---|---|---|---|")
        for name, (status, page, assets) in weights.items():
            print(f"| {name} | {status} | {page:,} | {assets:,} | {page + assets:,} |")
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)


def _describe(n: int) -> str:
    return f"DESCRIBE <https://w3id.org/rsikg/id/synth/system/{n}>"


def _env(extra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


if __name__ == "__main__":
    main()
