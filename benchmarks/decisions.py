"""Decision validation: the dry run of one candidate architecture decision on the synthetic graph.

    python benchmarks/decisions.py [--systems 25000] [--seed 1] [--chain 1200] [--quick] [--full-anchor]

The store is an on-disk rsikg store with the project's own files (ontology, vocabularies, shapes
and the sourced graph_data/*.ttl, not the illustrative examples) plus the synthetic file of
benchmarks/run.py (``rsikg synth``, about 684,000 triples); it is built once and cached in
benchmarks/.data/. The candidates are MADR Markdown records made in memory with a fixed seed:
accepted architecture decisions of the synthetic architecture council, each affecting one to
three synthetic systems, applying to the five synthetic regions, and every other one superseding
an accepted synthetic decision. Each is timed warm as read_record + check (with and without the
impact); the anchor, from the same run, is pySHACL's own ``focus_nodes`` over the whole graph
in memory. ``--full-anchor`` also runs check_full (whole-graph validation, minutes) once.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
import rdflib
from rdflib.term import URIRef

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rsikg.core import dependencies, derive
from rsikg.core.decisions import dry_run as checking
from rsikg.core.decisions.records import Candidate, read_record
from rsikg.core.loading import data_extract, data_graphs, load_files, project_files, shapes_files
from rsikg.core.store import GraphStore, SelectResult, open_store
from rsikg.core.validation import prepared, read_shapes
from rsikg.settings import Settings
from run import DATA, ROOT, synth_file

SYNTH = "https://w3id.org/rsikg/id/synth/"
RSI = "https://w3id.org/rsikg/ontology#"
ACCEPTED = "https://w3id.org/rsikg/id/vocab/decision-status/accepted"
FORUM = SYNTH + "forum/arkitekturraad"
REGIONS = [
    SYNTH + f"region/{r}" for r in ("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland")
]
TARGET_MS = 50.0
WARMUP = 3


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(ROOT)).encode())
        if path.suffix == ".nt":  # the synthetic file is large; its name and size identify it
            digest.update(str(path.stat().st_size).encode())
        else:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def open_bench_store(data: Path, settings: Settings) -> tuple[GraphStore, float | None]:
    """The cached store for this synthetic file, built as ``rsikg load`` builds one (the files,
    then the derived graph) when missing or when a project file or the derivation changed; with
    the seconds the load took, or None when it was reused."""
    files = [*project_files(settings), data, ROOT / "api" / "core" / "derive.py"]
    directory = DATA / f"store-{data.stem}"
    stamp = directory / "bench-stamp.json"
    wanted = _fingerprint(files)
    if stamp.exists() and json.loads(stamp.read_text()).get("fingerprint") == wanted:
        return open_store(directory / "store"), None
    shutil.rmtree(directory, ignore_errors=True)
    print(f"building the store in {directory.relative_to(ROOT)} (project files + {data.name}) …", flush=True)
    started = time.perf_counter()
    store = open_store(directory / "store")
    load_files(store, files[:-1], settings)
    derive.write_derived(store, data_graphs(store))
    store.flush()
    seconds = time.perf_counter() - started
    stamp.write_text(json.dumps({"fingerprint": wanted, "files": [str(f.relative_to(ROOT)) for f in files]}))
    return store, seconds


# --------------------------------------------------------------------------------------------
# The candidates
# --------------------------------------------------------------------------------------------


def accepted_decisions(store: GraphStore) -> list[str]:
    result = store.query(
        f"SELECT DISTINCT ?d WHERE {{ ?d <{RSI}status> <{ACCEPTED}> . "
        f'FILTER (STRSTARTS(STR(?d), "{SYNTH}decision/")) }}'
    )
    assert isinstance(result, SelectResult)
    return sorted(str(row[0]) for row in result.rows)


def _list(iris: list[str]) -> str:
    return "[" + ", ".join(iris) + "]"


def candidates(count: int, systems: int, accepted: list[str], seed: int) -> list[tuple[str, str]]:
    """``count`` distinct MADR records as (name, Markdown text); every other one supersedes."""
    rng = random.Random(seed)  # drawn record by record, so that --quick's are the first of the full run's
    superseded: list[str] = []
    records = []
    for i in range(count):
        affected = [f"{SYNTH}system/{n}" for n in rng.sample(range(systems), rng.randint(1, 3))]
        front = [
            f"id: bench-{seed}-{i:03d}",
            f"title: Benchmarkbeslutning {i}",
            f"title-en: Benchmark decision {i}",
            "status: accepted",
            f"date: 2025-{1 + i % 12:02d}-15",
            f"decided-by: {FORUM}",
            "kind: architecture",
            f"affects: {_list(affected)}",
            f"applies-to: {_list(REGIONS)}",
        ]
        if i % 2 == 0:
            superseded.append(rng.choice([d for d in accepted if d not in superseded]))
            front.append(f"supersedes: [{superseded[-1]}]")
        text = "\n".join(
            [
                "---",
                *front,
                "---",
                f"# Benchmarkbeslutning {i}",
                "",
                "## Context and Problem Statement",
                "",
                f"Syntetisk kontekst for beslutning {i}: systemerne udveksler data på tværs af regioner.",
                "",
                "## Decision Outcome",
                "",
                "Nye snitflader bygges på en fælles standard; de eksisterende bevares, til de skal fornyes.",
                "",
                "## Consequences",
                "",
                "* Godt: én standard for nye snitflader.",
                "* Dårligt: to slags snitflader i en overgangsperiode.",
                "",
            ]
        )
        records.append((f"bench-{i:03d}.md", text))
    return records


def read(record: tuple[str, str]) -> Candidate:
    name, text = record
    return read_record(text.encode(), "text/markdown", name)


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def max(self) -> float:
        return max(self.samples) * 1000


def time_each(records: list[tuple[str, str]], run: Callable[[tuple[str, str]], object]) -> Timing:
    """Each record once, after ``WARMUP`` untimed runs."""
    for record in records[:WARMUP]:
        run(record)
    gc.collect()
    timing = Timing()
    for record in records:
        started = time.perf_counter()
        run(record)
        timing.samples.append(time.perf_counter() - started)
    return timing


def extract_size(store: GraphStore, candidate: Candidate) -> int:
    """The triples check() validates for this candidate (its steps, untimed)."""
    graphs = list(data_graphs(store))
    concerned = checking.concern_set(candidate)
    revised = checking._existing(store, candidate.subjects(), graphs)
    changes = checking._status_changes(store, candidate, graphs)
    extract = checking.extract(store, candidate, concerned, graphs)
    return len(checking._merge(extract, candidate, revised, changes))


def anchor(
    store: GraphStore, shapes: rdflib.Graph, records: list[tuple[str, str]]
) -> tuple[Timing, float, int]:
    """pySHACL with ``focus_nodes`` (the candidate's concerned nodes) over the whole merged graph
    in memory, with the options check() uses; only the pySHACL call is timed. ``inplace=True``:
    without it pySHACL copies the whole data graph first (``advanced=True`` forces the copy), which
    is timed once, on the first candidate. Returns the timing, that one copying run's seconds and
    the size of the graph."""
    print("anchor: building the whole graph in memory (data_extract) …", flush=True)
    started = time.perf_counter()
    data = data_extract(store)
    print(f"  {len(data):,} triples in {time.perf_counter() - started:.1f} s", flush=True)
    graphs = list(data_graphs(store))
    size = 0
    copying = 0.0
    timing = Timing()
    runs = [(records[0], True, False), (records[0], False, False), *((r, True, True) for r in records)]
    for record, inplace, timed in runs:  # a warm-up, the copying run, then the timed ones
        candidate = read(record)
        concerned = checking.concern_set(candidate)
        assert not checking._existing(store, candidate.subjects(), graphs), "the candidates are new records"
        changes = checking._status_changes(store, candidate, graphs)
        checking._merge(data, candidate, set(), changes)
        size = len(data)
        gc.collect()
        t0 = time.perf_counter()
        pyshacl.validate(
            prepared(data),  # with the cached SPARQL parses the dry run has
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
            focus_nodes=concerned,
            inplace=inplace,
        )
        elapsed = time.perf_counter() - t0
        if timed:
            timing.samples.append(elapsed)
        elif not inplace:
            copying = elapsed
        data -= candidate.graph  # undo: the candidate's subjects are all new
        for change in changes:
            data.remove((change.decision, URIRef(RSI + "status"), change.after))
            data.add((change.decision, URIRef(RSI + "status"), change.before))
    del data
    gc.collect()
    return timing, copying, size


def _keys(found: checking.Check) -> list[tuple[str, ...]]:
    return sorted(
        (str(r.severity), str(r.focus_node), str(r.source_shape), str(r.component), str(r.value))
        for r in found.report.results
    )


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain", type=int, default=1200)
    parser.add_argument("--quick", action="store_true", help="10 candidates, for trying the harness")
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--anchor-runs", type=int, default=3)
    parser.add_argument(
        "--full-anchor", action="store_true", help="also validate the whole merged graph once (check_full)"
    )
    args = parser.parse_args()
    count = 10 if args.quick else args.candidates

    settings = Settings(store=str(DATA / "unused"), project_dir=ROOT)
    data = synth_file(args.systems, args.seed, args.chain)
    store, loaded = open_bench_store(data, settings)
    triples = len(store)
    print(
        f"store: {triples:,} triples (project files + {data.name})"
        + (f", loaded in {loaded:.1f} s" if loaded is not None else ", cached"),
        flush=True,
    )
    shapes = read_shapes(shapes_files(settings))
    accepted = accepted_decisions(store)
    records = candidates(count, args.systems, accepted, args.seed)

    started = time.perf_counter()
    graph = dependencies.build(store)  # the server's cached dependency graph, as warm as there
    print(f"dependency graph for the impact: built in {time.perf_counter() - started:.1f} s", flush=True)
    first = checking.check(store, read(records[0]), shapes, graph=graph)
    counts = first.report.counts
    reached = len(first.impact.reach.dependents) if first.impact else 0
    print(
        f"first candidate ({records[0][0]}): {'conforms' if first.conforms else 'DOES NOT CONFORM'}: "
        f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), {counts['Info']} info(s); "
        f"{len(first.changes)} status change(s); impact: {reached} dependent system(s)"
    )
    print("  " + first.report.to_text("en").replace("\n", "\n  "), flush=True)

    print(f"timing {count} candidates ({WARMUP} warm-up runs each way) …", flush=True)
    checks: list[checking.Check] = []

    def with_impact(record: tuple[str, str]) -> None:
        checks.append(checking.check(store, read(record), shapes, graph=graph))

    def validation_only(record: tuple[str, str]) -> None:
        checking.check(store, read(record), shapes, impact=False)

    full = time_each(records, with_impact)
    checks = checks[WARMUP:]
    print(f"  dry run (validation + impact): p50 {full.pct(0.5):.1f} ms", flush=True)
    only = time_each(records, validation_only)
    print(f"  dry run (validation only):     p50 {only.pct(0.5):.1f} ms", flush=True)
    reach = [len(c.impact.reach.dependents) if c.impact else 0 for c in checks]
    results = Results(
        triples=triples,
        full=full,
        only=only,
        conforming=sum(c.conforms for c in checks),
        dependents=reach,
        extract=statistics.median(extract_size(store, read(r)) for r in records),
    )

    results.anchor, results.copying, results.whole = anchor(store, shapes, records[: args.anchor_runs])
    print(f"  anchor: p50 {results.anchor.pct(0.5):.1f} ms", flush=True)

    if args.full_anchor:
        print("check_full on the first candidate (whole-graph validation, minutes) …", flush=True)
        t0 = time.perf_counter()
        reference = checking.check_full(store, read(records[0]), shapes)
        results.full_seconds = time.perf_counter() - t0
        fast = checking.check(store, read(records[0]), shapes, impact=False)
        results.full_same = _keys(reference) == _keys(fast)
        print(f"  {results.full_seconds:.1f} s", flush=True)

    print_table(results)


@dataclass
class Results:
    triples: int
    full: Timing
    only: Timing
    conforming: int
    dependents: list[int]
    extract: float
    anchor: Timing = field(default_factory=Timing)
    copying: float = 0.0
    whole: int = 0
    full_seconds: float | None = None
    full_same: bool = False


def print_table(r: Results) -> None:
    def met(t: Timing) -> str:
        return f"≤ {TARGET_MS:.0f} ms p50: {'met' if t.pct(0.5) <= TARGET_MS else 'MISSED'}"

    base = r.anchor.pct(0.5)
    rows = [
        ["", "p50 ms", "p95 ms", "max ms", "ratio to anchor", "target"],
        *(
            [
                name,
                f"{t.pct(0.5):.1f}",
                f"{t.pct(0.95):.1f}",
                f"{t.max:.1f}",
                f"{t.pct(0.5) / base:.2f}×",
                met(t),
            ]
            for name, t in (("dry run (validation + impact)", r.full), ("dry run (validation only)", r.only))
        ),
        [
            "pySHACL focus_nodes on whole graph (anchor)",
            f"{base:.1f}",
            f"{r.anchor.pct(0.95):.1f}",
            f"{r.anchor.max:.1f}",
            "1.00×",
            f"(reference; {len(r.anchor.samples)} candidates)",
        ],
    ]
    count = len(r.full.samples)
    print()
    print(
        f"Decision dry run, {r.triples:,} triples in the store (project files + rsikg synth), "
        f"{count} candidates, warm, in ms; one run on this machine"
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    hubs = sum(n > 1000 for n in r.dependents)
    print(
        f"\nconforming: {r.conforming}/{count}; median extract validated: {r.extract:,.0f} triples; "
        f"dependents in the impact: median {statistics.median(r.dependents):,.0f}, "
        f"max {max(r.dependents):,} ({hubs} of {count} candidates reach more than 1,000 systems)"
    )
    print(
        f"anchor: {r.whole:,} triples in memory, pySHACL inplace=True; without it pySHACL first "
        f"copies the data graph (advanced=True forces it): {r.copying:.1f} s on one candidate"
    )
    if r.full_seconds is not None:
        same = "the same results as" if r.full_same else "DIFFERENT results from"
        print(
            f"whole-graph validation (check_full, one candidate): {r.full_seconds:.1f} s, {same} the dry run"
        )


if __name__ == "__main__":
    main()
