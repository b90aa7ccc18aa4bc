"""An update's diff read from its journal (api/core/sparql_journal.py) equals the diff of the
whole store before and after it, over random updates drawn with fixed seeds: every form of
operation (INSERT DATA, DELETE DATA, DELETE WHERE, DELETE/INSERT … WHERE with and without WITH,
USING and GRAPH ?g, blank nodes named and anonymous, CLEAR, DROP, CREATE, ADD, MOVE, COPY on
named and default graphs, ALL and NAMED), over the union as rsikg rewrites them
(api/core/sparql_dataset.py) and with the protocol's dataset. Run by the worker's own code on
real stores on disk: the whole store's diff is the reference it replaced."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from rsikg.core import sparql_journal
from rsikg.core.loading import DEFAULT_DATA_GRAPH
from rsikg.core.sparql_dataset import rewritten
from rsikg.core.store import OxigraphStore
from rsikg.core.store.oxigraph import Touched, write_diff
from rsikg.core.store.worker import write
from rsikg.errors import InputError, QuerySyntaxError

CASES = int(os.environ.get("RSIKG_JOURNAL_CASES", "150"))
GRAPHS = ["urn:g1", "urn:g2", "urn:g3", DEFAULT_DATA_GRAPH]
SUBJECTS = ["<urn:s1>", "<urn:s2>", "<urn:s3>", "ex:s4"]
PREDICATES = ["<urn:p1>", "<urn:p2>", "ex:p3"]
OBJECTS = ['"x"', '"x"@da', "1", "<urn:s2>", "ex:s4", '"y"^^<urn:dt>']
BASE = """PREFIX ex: <urn:ex:>
INSERT DATA {
  GRAPH <urn:g1> { <urn:s1> <urn:p1> "x" , <urn:s2> . <urn:s2> <urn:p2> 1 . _:a <urn:p1> <urn:s1> }
  GRAPH <urn:g2> { <urn:s1> <urn:p1> "x" . ex:s4 ex:p3 "x"@da . <urn:s3> <urn:p2> _:b . _:b <urn:p1> 1 }
  GRAPH <urn:g3> { <urn:s2> <urn:p2> 1 . <urn:s3> <urn:p1> <urn:s2> }
  GRAPH <DEFAULT_DATA_GRAPH> { <urn:s1> <urn:p2> "y"^^<urn:dt> }
}""".replace("DEFAULT_DATA_GRAPH", DEFAULT_DATA_GRAPH)


def _graph(rng: random.Random) -> str:
    return rng.choice(["<urn:g1>", "<urn:g2>", "<urn:g3>", "<urn:new>", "ex:g4"])


def _triple(rng: random.Random, subject: str | None = None) -> str:
    return f"{subject or rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {rng.choice(OBJECTS)}"


def _data_op(rng: random.Random) -> str:
    kind = rng.choice(["INSERT", "DELETE"])
    parts = []
    for _ in range(rng.randint(1, 3)):
        triple = _triple(rng, "_:n" if kind == "INSERT" and rng.random() < 0.2 else None)
        parts.append(f"GRAPH {_graph(rng)} {{ {triple} }}" if rng.random() < 0.7 else f"{triple} .")
    return f"{kind} DATA {{ {' '.join(parts)} }}"


def _modify_op(rng: random.Random) -> str:
    p, q = rng.choice(PREDICATES), rng.choice(PREDICATES)
    where = rng.choice(
        [f"?s {p} ?o", f"GRAPH ?g {{ ?s {p} ?o }}", f"?s {p} ?o FILTER(isIRI(?o))", f"?s {p} ?o . ?o ?x ?y"]
    )
    graph_of = "?g" if "?g" in where else _graph(rng)
    delete = rng.choice([f"?s {p} ?o", f"GRAPH {graph_of} {{ ?s {p} ?o }}", ""])
    insert = rng.choice(
        [f"?s {q} ?o", f"GRAPH {graph_of} {{ ?s {q} ?o }}", f"GRAPH {_graph(rng)} {{ _:m {q} ?o }}", ""]
    )
    if rng.random() < 0.1:
        insert = f"GRAPH <urn:g1> {{ ?s {q} [ <urn:p1> ?o ] }}"  # anonymous: compared whole
    if not delete and not insert:
        delete = f"?s {p} ?o"
    with_ = f"WITH {_graph(rng)} " if rng.random() < 0.2 else ""
    using = "USING <urn:g2> " if not with_ and rng.random() < 0.15 else ""
    clauses = (f"DELETE {{ {delete} }} " if delete else "") + (f"INSERT {{ {insert} }} " if insert else "")
    return f"{with_}{clauses}{using}WHERE {{ {where} }}"


def _graph_op(rng: random.Random) -> str:
    one = rng.choice(["GRAPH <urn:g1>", "GRAPH <urn:g2>", "GRAPH ex:g4", "DEFAULT", "ALL", "NAMED"])
    kind = rng.choice(["CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"])
    if kind == "CREATE":
        return f"CREATE SILENT GRAPH {_graph(rng)}"
    if kind in ("CLEAR", "DROP"):
        return f"{kind} SILENT {one}"
    source, target = (
        rng.choice(["<urn:g1>", "<urn:g2>", "DEFAULT"]),
        rng.choice(["<urn:g3>", "DEFAULT", "ex:g4"]),
    )
    return f"{kind} SILENT {source} TO {target}"


def _update(rng: random.Random) -> str:
    makers = [_data_op, _data_op, _modify_op, _modify_op, _modify_op, _graph_op]
    operations = [rng.choice(makers)(rng) for _ in range(rng.randint(1, 3))]
    operations = [op for op in operations if "DELETE DATA" not in op or "_:" not in op]
    return "PREFIX ex: <urn:ex:>\n" + " ;\n".join(operations)


def _masked(lines: list[str]) -> list[str]:
    """Blank nodes a write made are new in each run: compared by place, not by label."""
    return sorted(re.sub(r"_:[A-Za-z0-9]+", "_:b", line) for line in lines)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("journal") / "base"
    store = OxigraphStore(path)
    store.update(BASE)
    store.flush()
    del store
    return path


def _copy(base: Path, target: Path) -> OxigraphStore:
    OxigraphStore.read_only(base).checkpoint(target)
    return OxigraphStore.read_only(base)


def _run_journaled(before: OxigraphStore, scratch: Path, text: str) -> Touched | None:
    steps = sparql_journal.journaled(text, "urn:rsikg:journal:test")
    texts = [s.text.encode() for s in steps]
    request = {
        "scratch": str(scratch),
        "operation": "update",
        "original": text,
        "journal": "urn:rsikg:journal:test",
        "steps": [{"length": len(t), "graphs": s.graphs} for t, s in zip(texts, steps, strict=True)],
    }
    header, body = write(request, b"".join(texts))
    return (
        Touched(tuple(header["graphs"]), body if header["triples"] else None)
        if header["graphs"] is not None
        else None
    )


def test_the_journal_gives_the_whole_stores_diff_over_random_updates(base, tmp_path):
    rng = random.Random(20261129)
    before = OxigraphStore.read_only(base)
    size = len(before)
    ways = {"candidates": 0, "whole": 0, "refused": 0}
    for case in range(CASES):
        text = _update(rng)
        using = (["urn:g1"], []) if rng.random() < 0.15 else ([], [])
        try:
            final = rewritten(text, *using, before.named_graphs())
        except InputError as err:
            assert "DELETE template" in err.message or "one dataset" in err.message, err.message
            ways["refused"] += 1
            continue
        plain, journaled = tmp_path / f"plain{case}", tmp_path / f"journal{case}"
        before.checkpoint(plain)
        before.checkpoint(journaled)
        reference = OxigraphStore(plain)
        try:
            reference.update(final)
        except QuerySyntaxError:  # Oxigraph refuses the whole request: so must the steps
            with pytest.raises(SyntaxError):
                _run_journaled(before, journaled, final)
            ways["refused"] += 1
            continue
        whole = write_diff(before, reference, None, size)
        touched = _run_journaled(before, journaled, final)
        after = OxigraphStore.read_only(journaled)
        found = write_diff(before, after, touched, size)
        ways["whole" if touched is None else "candidates"] += 1
        assert (_masked(found[0]), _masked(found[1])) == (_masked(whole[0]), _masked(whole[1])), final
        assert "urn:rsikg:journal" not in " ".join(after.named_graphs()), final  # no trace left
        assert _masked(list(after.quads_nquads())) == _masked(list(reference.quads_nquads())), final
        del reference, after
    assert ways["candidates"] > CASES // 2 and ways["whole"] > 0, ways


def test_steps_keep_the_prologue_and_copy_each_template_into_the_journal():
    steps = sparql_journal.journaled(
        "PREFIX ex: <urn:ex:> INSERT DATA { ex:a ex:b 1 } ; DELETE WHERE { GRAPH ?g { ?s ex:b ?o } }", "urn:j"
    )
    assert [s.graphs for s in steps] == [(), ()]
    assert all(s.text.startswith("PREFIX ex: <urn:ex:>") for s in steps)
    assert "GRAPH <urn:j> { ex:a ex:b 1 }" in steps[0].text
    assert "INSERT { GRAPH <urn:j> { ?s ex:b ?o } }" in steps[1].text


@pytest.mark.parametrize(
    ("operation", "graphs"),
    [
        ("CLEAR GRAPH <urn:g>", ("urn:g",)),
        ("COPY DEFAULT TO ex:g", ("", "urn:ex:g")),
        ("CREATE GRAPH <urn:g>", ()),
        ("DROP ALL", None),
        ("CLEAR NAMED", None),
        ("MOVE <relative> TO <urn:g>", None),
        ("ADD und:g TO <urn:g>", None),
        ("INSERT { [] <urn:p> ?o } WHERE { ?s <urn:p> ?o }", None),
    ],
)
def test_what_a_step_can_change_wholesale(operation, graphs):
    (step,) = sparql_journal.journaled(f"PREFIX ex: <urn:ex:> {operation}", "urn:j")
    assert step.graphs == graphs


@pytest.mark.parametrize(
    ("update", "base", "graphs"),
    [
        ("CLEAR GRAPH <g>", "http://example.org/sparql", ("http://example.org/g",)),
        ("BASE <http://b/x/> CLEAR GRAPH <../g>", "http://example.org/sparql", ("http://b/g",)),
        ("BASE <http://b/> PREFIX r: <ns/> DROP GRAPH r:g", None, ("http://b/ns/g",)),
    ],
)
def test_a_relative_graph_name_is_resolved_against_the_base(update, base, graphs):
    (step,) = sparql_journal.journaled(update, "urn:j", base)
    assert step.graphs == graphs
