"""The ``rsikg`` command, run as a real subprocess against an on-disk store."""

from __future__ import annotations

import json

import rdflib

from tests.conftest import FIXTURES, ROOT


def export_nquads(rsikg) -> list[str]:
    result = rsikg("export", "--format", "nquads")
    assert result.returncode == 0, result.stderr
    return sorted(result.stdout.splitlines())


def test_load_then_validate_conforms(rsikg):
    loaded = rsikg("load")
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded" in loaded.stderr
    validated = rsikg("validate")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Conforms: 0 violation(s)" in validated.stdout


def test_malformed_turtle_to_load_is_located_and_store_unchanged(rsikg):
    assert rsikg("load").returncode == 0
    before = export_nquads(rsikg)
    assert len(before) > 1000
    result = rsikg("load", str(FIXTURES / "tiny.ttl"), str(FIXTURES / "malformed.ttl"))
    assert result.returncode == 2
    assert "malformed.ttl, line 3, column" in result.stderr
    assert export_nquads(rsikg) == before


def test_a_bad_setting_is_named_with_its_variable_not_a_traceback(rsikg):
    result = rsikg("load", str(FIXTURES / "tiny.ttl"), env_extra={"RSIKG_WORKER_MEMORY_MB": "48"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "worker_memory_mb (RSIKG_WORKER_MEMORY_MB)" in result.stderr and "at least 1024" in result.stderr


def test_a_load_is_parsed_under_the_operators_memory_cap(tmp_path, monkeypatch):
    """The setting worker_memory_mb caps the worker a load is parsed in, as it caps the query
    workers (a 2.77M-triple file needs more than the default 2048 MiB)."""
    from rsikg.core.service import GraphService
    from rsikg.core.store import open_store, sandbox
    from rsikg.settings import Settings

    used = []
    real = sandbox.run

    def spied(*args, **kwargs):  # the real worker runs; what it was given is noted
        used.append(kwargs["limits"].memory_mb)
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox, "run", spied)
    service = GraphService(
        open_store(tmp_path / "store"), Settings(store=str(tmp_path / "store"), worker_memory_mb=3000)
    )
    assert service.load([FIXTURES / "tiny.ttl"]) > 0
    assert used == [3000]


def test_malformed_turtle_to_validate_is_located(rsikg):
    assert rsikg("load").returncode == 0
    before = export_nquads(rsikg)
    result = rsikg("validate", "--data", str(FIXTURES / "malformed.ttl"))
    assert result.returncode == 2
    assert "malformed.ttl, line 3, column" in result.stderr
    assert export_nquads(rsikg) == before


def test_validate_reports_violations_with_exit_1(rsikg):
    assert rsikg("load").returncode == 0
    result = rsikg("validate", "--data", str(FIXTURES / "violating.ttl"), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    focus = {r["focusNode"] for r in report["results"] if r["severity"] == "Violation"}
    assert "https://w3id.org/rsikg/id/test/region-nowhere" in focus
    # a region with no seats in the fora that have two per region
    assert "https://w3id.org/rsikg/id/forum/digitaliseringskredsen" in focus
    assert all({"da", "en"} <= r["message"].keys() for r in report["results"])


def test_validate_turtle_report_is_a_shacl_report(rsikg):
    assert rsikg("load").returncode == 0
    result = rsikg("validate", "--data", str(FIXTURES / "violating.ttl"), "--format", "turtle")
    assert result.returncode == 1
    report = rdflib.Graph().parse(data=result.stdout, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, rdflib.RDF.type, sh.ValidationReport) in report
    assert (None, sh.conforms, rdflib.Literal(False)) in report


def test_query_from_text_file_and_stdin_in_several_formats(rsikg, tmp_path):
    assert rsikg("load").returncode == 0
    text = (
        "PREFIX rsi: <https://w3id.org/rsikg/ontology#> "
        "SELECT (COUNT(?r) AS ?regions) WHERE { ?r a rsi:Region }"
    )
    table = rsikg("query", text)
    assert table.returncode == 0, table.stderr
    # every region the graph knows of, whatever its period: the five of 2007 and Region Østdanmark
    assert "regions" in table.stdout and " 6 " in table.stdout
    as_json = json.loads(rsikg("query", text, "--format", "json").stdout)
    assert as_json["results"]["bindings"][0]["regions"]["value"] == "6"
    query_file = tmp_path / "regions.rq"
    query_file.write_text(text)
    assert rsikg("query", str(query_file), "--format", "csv").stdout.splitlines() == ["regions", "6"]
    assert rsikg("query", "-", "--format", "tsv", stdin=text).stdout.splitlines()[1] == "6"
    construct = rsikg(
        "query", "CONSTRUCT WHERE { ?s a <https://w3id.org/rsikg/ontology#Region> }", "--format", "turtle"
    )
    assert len(rdflib.Graph().parse(data=construct.stdout, format="turtle")) == 6


def test_query_syntax_error_exits_2_with_position(rsikg):
    result = rsikg("query", "SELECT * WHERE {\n ?s ?p }")
    assert result.returncode == 2
    assert "line 2, column" in result.stderr


def test_query_may_use_the_usual_prefixes_undeclared_and_an_undeclared_one_is_named(rsikg):
    assert rsikg("load").returncode == 0
    declared = rsikg(
        "query",
        "PREFIX rsi: <https://w3id.org/rsikg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?label WHERE { ?r a rsi:Region ; skos:prefLabel ?label } ORDER BY ?label",
        "--format",
        "csv",
    )
    bare = rsikg(
        "query",
        "SELECT ?label WHERE { ?r a rsi:Region ; skos:prefLabel ?label } ORDER BY ?label",
        "--format",
        "csv",
    )
    assert bare.returncode == 0, bare.stderr
    assert bare.stdout == declared.stdout and "Region Sjælland" in bare.stdout
    refused = rsikg("query", "SELECT ?r WHERE {\n  ?r a rsi:Region , foo:Region }")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1  # one line
    assert (
        "line 2, column 21" in refused.stderr
        and "prefix foo: is not declared (declared here: rsi, " in refused.stderr
    )


def test_stats_counts_classes_and_graphs(rsikg):
    assert rsikg("load").returncode == 0
    result = rsikg("stats")
    assert result.returncode == 0
    assert "graph_data/systems.ttl" in result.stdout
    assert "rsi:Region" in result.stdout


def test_examples_load_only_on_request(rsikg):
    assert rsikg("load").returncode == 0
    ask = "ASK { ?d a <https://w3id.org/rsikg/ontology#ArchitectureDecision> }"
    assert rsikg("query", ask).stdout.strip() == "false"
    assert rsikg("load", "--examples").returncode == 0
    assert rsikg("query", ask).stdout.strip() == "true"


def test_export_trig_round_trips_graphs(rsikg, tmp_path):
    assert rsikg("load").returncode == 0
    out = tmp_path / "all.trig"
    assert rsikg("export", "--format", "trig", "--output", str(out)).returncode == 0
    dataset = rdflib.Dataset()
    dataset.parse(out, format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert "https://w3id.org/rsikg/graph/graph_data/systems.ttl" in names


def test_reason_reports_consistent(rsikg):
    assert rsikg("load").returncode == 0
    result = rsikg("reason")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Consistent" in result.stdout


def test_reason_exits_1_on_inconsistent_data(rsikg, tmp_path):
    # a project of the ontology alone: naming the individuals to blame takes about 2 log2 n
    # HermiT runs over n individuals (16 s here, 42 s over the whole project's graph)
    project = tmp_path / "ontology-only"
    (project / "graph_data").mkdir(parents=True)
    (project / "ontology").symlink_to(ROOT / "ontology")
    alone = {"RSIKG_PROJECT_DIR": str(project)}
    assert rsikg("load", env_extra=alone).returncode == 0
    assert rsikg("load", str(FIXTURES / "inconsistent.ttl"), env_extra=alone).returncode == 0
    result = rsikg("reason", env_extra=alone)
    assert result.returncode == 1
    assert "id:test/chimera" in result.stdout


def test_reason_on_empty_store_is_an_error(rsikg):
    result = rsikg("reason")
    assert result.returncode == 2
    assert "rsikg load" in result.stderr


def test_a_store_in_use_is_read_read_only_and_refused_for_writing(rsikg):
    """A reading command reads a store another process holds (tests/test_cli_while_serving.py
    with a real server); a writing one is refused with a clear error."""
    from rsikg.core.store import open_store

    holder = open_store(rsikg.store_dir)
    read = rsikg("stats")
    assert read.returncode == 0 and "reading it read-only" in read.stderr
    result = rsikg("load")
    assert result.returncode == 2
    assert "in use by another process" in result.stderr
    del holder


def test_validate_without_shapes_is_an_error_not_a_report_that_conforms(rsikg, tmp_path):
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    result = rsikg("validate", env_extra={"RSIKG_PROJECT_DIR": str(empty)})
    assert result.returncode == 2, result.stdout
    assert f"found no shapes (*.shapes.ttl) under {empty / 'shapes'}" in result.stderr
