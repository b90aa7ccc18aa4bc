"""What an answer "as of a day" costs: the same questions with and without the date, on the
synthetic graph (whose regions, seats, systems and statements carry periods and dates, and two
of whose regions merge on 2027-01-01, as in the reform).

    python benchmarks/as_of.py [--systems 25000] [--seed 1] [--chain 1200] [--quick]

Uses the cached store of benchmarks/decisions.py (project files + ``rsikg synth`` output). Each
question runs over the same store, once as plain SPARQL that ignores periods
(what a user who does not care about time runs) and once with the "holds on day D" pattern of
api/core/periods.py; the compliance matrix runs over the whole record and as of the day. Runs
alternate between the two, so that neither gets a warmer cache. The table gives p50 and p95 in
milliseconds and the ratio as-of / no date, from this one run; the target is ≤ 1.5×.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from decisions import open_bench_store, synth_file
from rsikg.core import periods, sparql_terms
from rsikg.core.decisions import compliance as adoption
from rsikg.core.namespaces import SPARQL_PREFIXES
from rsikg.core.store import GraphStore, SelectResult
from rsikg.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SYNTH = "https://w3id.org/rsikg/id/synth/"
DAY = date(2027, 1, 1)
TARGET = 1.5


def _variants(store: GraphStore, template: str, subjects: list[str]) -> tuple[str, str, str]:
    """The query without a date; with ``subjects`` holding on DAY row by row; and set-wise."""
    starting = periods.starting_after(store, DAY)
    row_wise = " ".join(sparql_terms.holds_on(s, DAY) for s in subjects)
    set_wise = " ".join(sparql_terms.held_set_wise(s, DAY, starting) for s in subjects)
    return tuple(SPARQL_PREFIXES + template.replace("%AS_OF%", part) for part in ("", row_wise, set_wise))  # type: ignore[return-value]


QUESTIONS: list[tuple[str, str, list[str]]] = [
    (
        "regions that exist",
        "SELECT ?region ?label WHERE { ?region a rsi:Region ; skos:prefLabel ?label . "
        'FILTER(LANG(?label) = "da") %AS_OF% }',
        ["region"],
    ),
    (
        "systems in use, by kind",
        "SELECT ?kind (COUNT(?system) AS ?n) WHERE { ?system rsi:systemKind ?kind . %AS_OF% } GROUP BY ?kind",
        ["system"],
    ),
    (
        "systems used by a region",
        f"SELECT ?system ?region WHERE {{ VALUES ?region {{ <{SYNTH}region/syddanmark> "
        f"<{SYNTH}region/oestlig> <{SYNTH}region/hovedstaden> }} ?system rsi:usedBy ?region . %AS_OF% }}",
        ["system", "region"],
    ),
    (
        "forum seats",
        "SELECT ?forum ?member ?role WHERE { ?m org:organization ?forum ; org:member ?member ; "
        "org:role ?role . %AS_OF% }",
        # a seat's period lies within its member's (shapes: MembershipWithinExistenceShape; and
        # api/core/derive.py ends a seat with its member), so the seat's own period decides
        ["m"],
    ),
    (
        "one system (point lookup)",
        f"SELECT ?p ?o WHERE {{ BIND(<{SYNTH}system/77> AS ?system) %AS_OF% ?system ?p ?o }}",
        ["system"],
    ),
    (
        "decisions on systems in use",
        "SELECT ?decision ?system WHERE { ?decision rsi:affects ?system . %AS_OF% }",
        ["system"],
    ),
]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def rows(store: GraphStore, query: str) -> int:
    result = store.query(query)
    assert isinstance(result, SelectResult)
    return len(result.rows)


def interleaved(actions: list[Callable[[], object]], runs: int) -> list[list[float]]:
    """Each action ``runs`` times, in turn, after one warm-up each."""
    for action in actions:
        action()
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, out in zip(actions, samples, strict=True):
            out.append(timed(action))
    return samples


def cell(samples: list[float]) -> str:
    p50, p95 = percentiles(samples)
    return f"{p50:.1f} / {p95:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--systems", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain", type=int, default=1200)
    parser.add_argument("--quick", action="store_true", help="2,000 systems and fewer runs: a smoke test")
    args = parser.parse_args()
    systems, runs = (2_000, 5) if args.quick else (args.systems, 30)
    data = synth_file(systems, args.seed, min(args.chain, systems))
    store, _ = open_bench_store(data, Settings(project_dir=ROOT))
    triples = rows(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    # the one-off scan, timed on days not asked before (each a cache miss)
    scan = [timed(lambda k=k: periods.starting_after(store, DAY + timedelta(days=k))) for k in range(1, 6)]
    starting = periods.starting_after(store, DAY)

    header = ["question", "rows", "no date", "row by row", "set-wise", "best ratio (p50)", "target"]
    lines = [header]
    worst = 0.0
    for name, template, subjects in QUESTIONS:
        plain, row_wise, set_wise = _variants(store, template, subjects)
        counts = rows(store, plain), rows(store, row_wise), rows(store, set_wise)
        assert counts[1] == counts[2], f"{name}: the two ways disagree ({counts})"
        a, b, c = interleaved([lambda q=q: rows(store, q) for q in (plain, row_wise, set_wise)], runs)
        lines.append(ratio_line(name, f"{counts[0]} → {counts[1]}", a, b, c))
        worst = max(worst, float(lines[-1][5].split("×")[0]))
        print(f"  {name}: {counts[0]} rows without a date, {counts[1]} as of {DAY}", flush=True)
    matrix_runs = max(3, runs // 5)
    a, b = interleaved(
        [lambda: adoption.compliance_matrix(store), lambda: adoption.compliance_matrix(store, as_of=DAY)],
        matrix_runs,
    )
    before, after = adoption.compliance_matrix(store), adoption.compliance_matrix(store, as_of=DAY)
    regions = f"{len(before.regions)} → {len(after.regions)}"
    lines.append(ratio_line("compliance matrix (regions)", regions, a, b, None))
    worst = max(worst, float(lines[-1][5].split("×")[0]))

    print()
    print(
        f"As of {DAY} against no date, {triples:,} triples (rsikg synth --systems {systems}), p50 / p95 in ms"
    )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for i, line in enumerate(lines):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print(
        f"\nset-wise: {len(starting)} subjects start after {DAY}, found by one scan of the start dates "
        f"in {cell(scan)} ms (once per store revision and day, then cached)"
    )
    print(f"worst best-of-two ratio {worst:.2f}× (target ≤ {TARGET}×)")


def ratio_line(
    name: str, rows_text: str, plain: list[float], row_wise: list[float], set_wise: list[float] | None
) -> list[str]:
    base = percentiles(plain)[0]
    best = min(percentiles(row_wise)[0], percentiles(set_wise)[0] if set_wise else float("inf"))
    ratio = best / base if base else float("inf")
    return [
        name,
        rows_text,
        cell(plain),
        cell(row_wise),
        cell(set_wise) if set_wise else "–",
        f"{ratio:.2f}×",
        f"≤ {TARGET}× {'met' if ratio <= TARGET else 'MISSED'}",
    ]


if __name__ == "__main__":
    main()
