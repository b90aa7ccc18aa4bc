"""The real ``rsikg`` commands over a remote SPARQL store (issue 14, item 1): ``--store`` names a
description of Oxigraph's own server (started on loopback), and every reading command answers
as it does over the embedded store loaded from the same files (``rsikg serve`` over it:
tests/web/test_remote_replicas.py)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import engines
from tests.conftest import ROOT, _rsikg_command
from tests.engines import Engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with engines.oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as running:
        yield running


@pytest.fixture(scope="module")
def stores(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The project loaded into an embedded store and into the remote one, by ``rsikg load``."""
    folder = tmp_path_factory.mktemp("stores")
    found = {"embedded": str(folder / "store"), "remote": str(engine.description(folder))}
    for store in found.values():
        loaded = _run("load", "--store", store, cwd=folder)
        assert loaded.returncode == 0, loaded.stderr
    return found


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RSIKG_PROJECT_DIR": str(ROOT), "COLUMNS": "200"}
    env.pop("RSIKG_STORE", None)
    return subprocess.run(
        [*_rsikg_command(), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def _same(stores: dict[str, str], tmp_path: Path, *args: str) -> str:
    """The command's output over both stores, once the store's own name is taken out: equal."""
    outputs = []
    for store in stores.values():
        done = _run(*args, "--store", store, cwd=tmp_path)
        assert done.returncode == 0, (args, store, done.stderr)
        outputs.append(done.stdout.replace(store, "STORE"))
    assert outputs[0] == outputs[1], args
    assert outputs[0].strip()
    return outputs[0]


@pytest.mark.parametrize(
    "command",
    [
        ("stats",),
        ("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        ("query", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"),
        # the usual prefixes, predeclared (over the remote store, declared in the query's text)
        ("query", "SELECT ?r ?label WHERE { ?r a rsi:Region ; skos:prefLabel ?label } ORDER BY ?r ?label"),
        (
            "query",
            "BASE <https://w3id.org/rsikg/> PREFIX o: <ontology#> "
            "SELECT ?label WHERE { ?r a o:Region ; skos:prefLabel ?label } ORDER BY ?label",
        ),
        ("validate",),
        ("deps", "fmk", "--depth", "2"),
        ("impact", "fmk"),
        ("compliance", "matrix"),
        ("decision", "list"),
        ("changes", "--from", "2026-01-01", "--to", "2027-12-31"),
    ],
)
def test_a_reading_command_answers_over_the_remote_store_as_over_the_embedded_one(
    stores: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    _same(stores, tmp_path, *command)


def test_an_export_holds_the_same_triples_but_for_blank_node_labels(
    stores: dict[str, str], tmp_path: Path
) -> None:
    exported = []
    for store in stores.values():
        done = _run("export", "--format", "nquads", "--store", store, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        exported.append(sorted(re.sub(r"_:\w+", "_:b", line) for line in done.stdout.splitlines()))
    assert exported[0] == exported[1] and len(exported[0]) > 4000


def test_an_engine_that_is_down_is_a_clear_error(tmp_path: Path) -> None:
    port = engines.free_port()
    described = tmp_path / "down.toml"
    described.write_text(
        f'query = "http://127.0.0.1:{port}/query"\nupdate = "http://127.0.0.1:{port}/update"\n'
    )
    done = _run("stats", "--store", str(described), cwd=tmp_path)
    assert done.returncode == 2 and "cannot be reached" in done.stderr


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?r WHERE {\n  ?r a rsi:Region , foo:Region }",  # undeclared, on a line of its own
        "PREFIX o: <urn:o#> SELECT ?r WHERE { ?r a o:Region ; skos:prefLabel ?l . ?r a foo:Region }",
        "SELECT ?r WHERE { ?r a rsi:Region ; skos:prefLabel ?l . ?r ?p }",  # no prefix at fault
    ],
)
def test_a_syntax_error_is_the_same_one_line_over_the_remote_store(
    stores: dict[str, str], tmp_path: Path, query: str
) -> None:
    """Where rsikg declared the predeclared prefixes in the query sent to the engine, the error
    still names the line and column the client wrote."""
    errors = []
    for store in stores.values():
        done = _run("query", query, "--store", store, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        errors.append(done.stderr)
    assert errors[0] == errors[1] and errors[0].count("\n") == 1
    if "foo:" in query:
        column = query.rpartition("\n")[2].index("foo:") + 1
        assert f"column {column}: SPARQL syntax error: prefix foo: is not declared" in errors[0]


def test_a_decision_is_checked_and_adopted_over_the_remote_store_as_over_the_embedded_one(
    stores: dict[str, str], tmp_path: Path
) -> None:
    """Adoption writes through the store's interface (the record checked on its extract first):
    the same version, graph and list over both stores. Last in this file: it changes the stores."""
    record = (
        ROOT / "graph_data" / "examples" / "decisions" / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md"
    )
    adopted = _same(stores, tmp_path, "decision", "add", str(record))
    assert "as version 1 in" in adopted
    listed = _same(stores, tmp_path, "decision", "list")
    assert "eksempel-010-fhir-til-laboratoriesvar" in listed
    _same(stores, tmp_path, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
