"""What a write's worker imports. A write runs in a child forked from the fork server
(api/core/store/sandbox.py), which imports once what every job needs; whatever a job imports
beyond that, each write pays again. The predeclared prefixes once brought rdflib into every
write's child (94 ms; a write's apply phase went from 50-100 ms to 150-300 ms at 700k triples):
the job runs here in a fresh interpreter, after the fork server's own imports, and must import
none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
from rsikg.core import sparql_journal

HEAVY = ("rdflib", "pyshacl", "networkx", "owlready2", "fastapi", "httpx")
CHILD = """
import json, sys
from rsikg.core.store import worker
worker._imported()  # what the fork server imports before it forks
before = set(sys.modules)
jobs = json.loads(open(sys.argv[1]).read())
answers = [worker.write(job, data.encode()) [0] for job, data in jobs]
print(json.dumps({"answers": answers, "imported": sorted(set(sys.modules) - before)}))
"""


def test_a_writes_worker_imports_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    store = ox.Store(str(scratch))
    store.add(
        ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c"), ox.NamedNode("urn:g"))
    )
    del store
    # a predeclared prefix the update does not declare, as a client may write it
    update = (
        "INSERT DATA { GRAPH <urn:g> { rsi:a rsi:b skos:c } } ; "
        "DELETE WHERE { GRAPH <urn:g> { <urn:a> ?p ?o } }"
    )
    journal = "urn:rsikg:journal:test"
    steps = sparql_journal.journaled(update, journal, None)
    texts = [step.text for step in steps]
    lengths = [
        {"length": len(t.encode()), "graphs": step.graphs} for t, step in zip(texts, steps, strict=True)
    ]
    jobs = [
        (
            {
                "operation": "update",
                "scratch": str(scratch),
                "original": update,
                "journal": journal,
                "steps": lengths,
            },
            "".join(texts),
        ),
        (
            {
                "operation": "replace",
                "scratch": str(scratch),
                "name": "x.ttl",
                "graph": "urn:h",
                "format": "turtle",
            },
            "<urn:x> <urn:y> <urn:z> .",
        ),
    ]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    ran = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "jobs.json")], capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    found = json.loads(ran.stdout)
    assert [answer["ok"] for answer in found["answers"]] == [True, True]
    after = ox.Store.read_only(str(scratch))
    assert set(after.quads_for_pattern(None, None, None, None)) == {
        ox.Quad(
            ox.NamedNode("https://w3id.org/rsikg/ontology#a"),
            ox.NamedNode("https://w3id.org/rsikg/ontology#b"),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#c"),
            ox.NamedNode("urn:g"),
        ),
        ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.NamedNode("urn:z"), ox.NamedNode("urn:h")),
    }
    heavy = [name for name in found["imported"] if name.split(".")[0] in HEAVY]
    assert not heavy, f"a write's worker imported {heavy[:10]}"
