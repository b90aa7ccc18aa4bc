"""rsikg's pages on the synthetic graph (issue 15): a resource page's time and every page type's
weight, against what a user without pages would run instead.

    python benchmarks/pages.py [--systems 25000] [--seed 1] [--chain 1200] [--quick]

The project and the synthetic file (about 690k triples) are loaded by ``rsikg load`` into a
directory and served by ``rsikg serve`` on loopback (answers kept off: each page is computed).
One httpx client with keep-alive asks for the page of a different system each time
(``/id/synth/system/N``, ``Accept: text/html``), and for the same resource's Turtle, and, as the
anchor, Oxigraph's own server (the file loaded by ``oxigraph load`` into its default graph) for
``DESCRIBE <IRI>`` of the same system: the description a user gets without rsikg's pages. Then
the dependency map of a neighbourhood of about 500 nodes: the page's time on the server, and
the time its script takes to draw and lay it out in headless Chromium (where chromium and
chromedriver are installed), with a screenshot to judge its legibility by. Last, each page
type's weight: the HTML, and everything the page makes a browser fetch.
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
    "SPARQL editor (YASGUI)": "/editor",
    "dependency map (a system, depth 2)": "/map?root=synth/system/1&depth=2",
    "dependency map (about 500 nodes)": "/map?root=synth/system/5000&depth=4&direction=up&relation=dependsOn",
}
MAP_500 = PAGE_TYPES["dependency map (about 500 nodes)"]
SHOTS = ROOT / "test-output" / "bench"


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
            maps = [timed(client, f"{base}{MAP_500}", HTML) for _ in range(max(5, runs // 10))]
            weights = {name: weight(client, base, path) for name, path in PAGE_TYPES.items()}
            nodes = re.search(r'id="map-count">([0-9,]+)', client.get(f"{base}{MAP_500}", headers=HTML).text)
        drawn = draw_in_browser(f"{base}{MAP_500}")

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
        m50, m95 = percentiles(maps)
        print(
            f"\nThe dependency map of {nodes.group(1) if nodes else '?'} nodes ({MAP_500}), ms: the page "
            f"(server) p50 {m50:.1f}, p95 {m95:.1f}; drawn and laid out by Cytoscape.js with fCoSE in "
            f"headless Chromium: {drawn}"
        )
        print(
            "\nPage weight: the HTML, and what it makes a browser fetch (bytes: its stylesheet, and the "
            "editor's and the map's libraries; a browser keeps those for a day)"
        )
        print("| page | status | HTML | assets | total |")
        print("|---|---|---|---|---|")
        for name, (status, page, assets) in weights.items():
            print(f"| {name} | {status} | {page:,} | {assets:,} | {page + assets:,} |")
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)


def draw_in_browser(url: str) -> str:
    """How long the map's script takes to draw and lay out the page's graph in headless Chromium
    (median of three loads, the script's own clock), with a screenshot to judge it by; or why it
    was not measured."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return "not measured (no chromium and chromedriver: `make browser` installs them)"
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = Options()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.binary_location = str(shutil.which("chromium"))
    browser = webdriver.Chrome(options=options, service=Service(str(shutil.which("chromedriver"))))
    try:
        times = []
        for _ in range(3):
            browser.get(url)
            times.append(
                float(
                    WebDriverWait(browser, 120).until(lambda b: b.execute_script("return window.rsikgMapMs"))
                )
            )
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SHOTS / "map-500.png"))
        return f"{statistics.median(times):.0f} ms (screenshot: {SHOTS / 'map-500.png'})"
    finally:
        browser.quit()


def _describe(n: int) -> str:
    return f"DESCRIBE <https://w3id.org/rsikg/id/synth/system/{n}>"


def _env(extra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


if __name__ == "__main__":
    main()
