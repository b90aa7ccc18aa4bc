"""The illustrative MADR records in graph_data/examples/decisions/, through the real ``rsikg``
command against a store with the illustrative examples loaded.

Each record validates as its row in graph_data/examples/decisions/README.md says (the table is
parsed here, so the table and the tests cannot drift apart); a refused adoption writes nothing; an
accepted one writes its provenance and supersedes what it names; a comply-or-explain statement
shows in the matrix.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
import yaml

from tests.conftest import ROOT, _rsikg_command
from tests.decisions.table import EXAMPLES, ROWS

STATEMENT = EXAMPLES / "compliance" / "region-midtjylland-afviger-fra-eksempel-002.md"
NOTE = "ILLUSTRATIVT EKSEMPEL – ikke en faktisk"

ID = "https://w3id.org/rsikg/id/"
RSISH = "https://w3id.org/rsikg/shapes#"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
RSI = rdflib.Namespace("https://w3id.org/rsikg/ontology#")

SUCCESSOR = EXAMPLES / "0011-dokumentdeling-via-nsp-med-ihe-mhd.md"
SUCCESSOR_IRI = ID + "decision/eksempel-011-dokumentdeling-via-nsp-med-ihe-mhd"
REFUSED = EXAMPLES / "0012-projektforum-uden-arkitekturmandat.md"
EKSEMPEL_002 = ID + "decision/eksempel-002-dokumentdeling-via-nsp"
SUPERSEDED = ID + "vocab/decision-status/superseded"
ACCEPTED = ID + "vocab/decision-status/accepted"


BAD_INPUT = [r for r in ROWS if r.exit_code == 2]


def _front_matter(path: Path) -> dict[str, object] | None:
    """The front matter as YAML, or None if it does not parse (the example of broken YAML)."""
    text = path.read_text(encoding="utf-8")
    head = text.split("\n---\n", 1)[0].removeprefix("---\n")
    try:
        return yaml.safe_load(head)
    except yaml.YAMLError:
        return None


def _rules_on_decisions() -> set[str]:
    """Every shape that reports on a rsi:ArchitectureDecision: those targeting the class, or, for
    a node shape made of property shapes, the property shapes (they are the results' source)."""
    shapes = rdflib.Graph()
    for path in (ROOT / "shapes").glob("*.shapes.ttl"):
        shapes.parse(path, format="turtle")
    found = set()
    for shape in shapes.subjects(SH.targetClass, RSI.ArchitectureDecision):
        parts = list(shapes.objects(shape, SH.property))
        found |= {str(s).removeprefix(RSISH) for s in parts or [shape]}
    return found


def test_the_table_lists_every_example_once():
    files = sorted(p.name for p in EXAMPLES.glob("*.md") if p.name != "README.md")
    assert sorted(r.file for r in ROWS) == files
    assert all(re.fullmatch(r"00[1-9]\d-[a-z0-9-]+\.md", f) for f in files)
    assert {r.exit_code for r in ROWS} == {0, 1, 2}


def test_together_the_examples_exercise_every_rule_on_decisions():
    # A MADR record without these sections is refused by the reader (exit 2) before the shapes run.
    unreachable = {"DecisionContextShape", "DecisionOutcomeShape", "DecisionConsequencesShape"}
    exercised = {shape for row in ROWS for shape, _severity in row.shapes}
    assert _rules_on_decisions() - unreachable <= exercised
    assert exercised <= _rules_on_decisions()


@pytest.mark.parametrize("path", [*(r.path for r in ROWS), STATEMENT], ids=lambda p: p.name)
def test_every_example_says_it_is_made_up(path):
    text = path.read_text(encoding="utf-8")
    front = _front_matter(path)
    if front is None:  # the broken YAML: the key is there all the same
        assert re.search(r"^illustrative: true$", text, re.MULTILINE)
    else:
        assert front.get("illustrative") is True
    body = text.split("\n---\n", 1)[1]
    quoted = [line for line in body.splitlines()[:4] if line.startswith("> ")]
    assert quoted and quoted[0].startswith(f"> {NOTE}"), "the note must open the body"


# --------------------------------------------------------------------------------------------
# A store with the examples, loaded once per module and copied for each test
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def examples_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("examples") / "store"
    loaded = subprocess.run(
        [*_rsikg_command(), "load", "--examples", "--store", str(store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    return store


@pytest.fixture
def cli(rsikg, examples_store):
    """The ``rsikg`` fixture, on a fresh copy of the store with the examples."""
    shutil.copytree(examples_store, rsikg.store_dir)
    return rsikg


def _export(cli) -> list[str]:
    result = cli("export", "--format", "nquads")
    assert result.returncode == 0, result.stderr
    return sorted(result.stdout.splitlines())


def _select(cli, query: str) -> list[dict[str, str]]:
    result = cli("query", query, "--format", "json")
    assert result.returncode == 0, result.stderr
    bindings = json.loads(result.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings]


def _status(cli, decision: str) -> list[str]:
    rows = _select(cli, f"SELECT ?s WHERE {{ <{decision}> <{RSI.status}> ?s }}")
    return sorted(r["s"] for r in rows)


def _matrix(cli, *options: str) -> dict[str, dict[str, str]]:
    result = cli("compliance", "matrix", "--format", "csv", "--as-of", "2026-06-01", *options)
    assert result.returncode == 0, result.stderr
    return {row["decision"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


# --------------------------------------------------------------------------------------------
# Dry runs: each example as the table says
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.file.split("-", 1)[0])
def test_example_validates_as_the_table_says(cli, row):
    result = cli("decision", "validate", str(row.path), "--format", "json")
    assert result.returncode == row.exit_code, result.stdout + result.stderr
    if row.exit_code == 2:
        assert not result.stdout
        # every problem, named and located (see also the test below)
        for name, line in row.problems:
            assert f"{row.path.name}, line {line}" in result.stderr
            assert name in result.stderr
        return
    found = json.loads(result.stdout)
    (decision,) = found["records"]
    assert found["conforms"] is (row.exit_code == 0)
    fired = {
        (r["sourceShape"].removeprefix(RSISH), r["severity"])
        for r in found["results"]
        if r["focusNode"] == decision
    }
    assert fired == row.shapes, json.dumps(found["results"], indent=1, ensure_ascii=False)


@pytest.mark.parametrize("row", [r for r in BAD_INPUT if len(r.problems) > 1], ids=lambda r: r.file)
def test_every_problem_of_an_unreadable_record_is_on_stderr(cli, row):
    result = cli("decision", "validate", str(row.path))
    assert result.returncode == 2
    for name, line in row.problems:
        assert re.search(rf"line {line}\b.*{re.escape(name)}", result.stderr), (name, line)


def test_the_valid_example_shows_whom_it_touches(cli):
    result = cli("decision", "validate", str(EXAMPLES / ROWS[0].file), "--format", "json")
    assert result.returncode == 0, result.stderr
    impact = json.loads(result.stdout)["impact"]
    assert [s["iri"] for s in impact["systems"]] == [ID + "system/labdatabank"]
    assert [(d["iri"], d["distance"]) for d in impact["dependents"]] == [
        (ID + "system/laboratoriedatabasen", 1)
    ]
    assert len(impact["complyOrExplain"]) == 5


def test_the_successor_announces_the_change_of_status(cli):
    result = cli("decision", "validate", str(SUCCESSOR), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changes"] == [
        {"decision": EKSEMPEL_002, "from": ACCEPTED, "to": SUPERSEDED}
    ]
    text = cli("decision", "validate", str(SUCCESSOR))
    assert "Change    id:decision/eksempel-002-dokumentdeling-via-nsp" in text.stdout
    assert _status(cli, EKSEMPEL_002) == [ACCEPTED], "a dry run writes nothing"


# --------------------------------------------------------------------------------------------
# Adoption
# --------------------------------------------------------------------------------------------


def test_adding_a_violating_example_is_refused_and_writes_nothing(cli):
    before = _export(cli)
    result = cli("decision", "add", str(REFUSED))
    assert result.returncode == 1
    assert "refused" in result.stderr
    assert "DecisionWithinMandateShape" in result.stdout
    assert _export(cli) == before


def test_adding_the_successor_records_provenance_and_supersedes_002(cli):
    added = cli("decision", "add", str(SUCCESSOR), "--agent", "Eksempel Arkitekt")
    assert added.returncode == 0, added.stdout + added.stderr
    assert "adopted id:decision/eksempel-011-dokumentdeling-via-nsp-med-ihe-mhd as version 1" in added.stdout
    assert "status of id:decision/eksempel-002-dokumentdeling-via-nsp" in added.stdout

    prov = _select(
        cli,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?version ?agent ?time WHERE {{
            ?version prov:specializationOf <{SUCCESSOR_IRI}> ;
                     prov:wasAttributedTo ?agent ; prov:generatedAtTime ?time .
        }}""",
    )
    assert len(prov) == 1
    assert prov[0]["version"] == SUCCESSOR_IRI + "/version/1"
    assert prov[0]["agent"] == ID + "agent/eksempel-arkitekt"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", prov[0]["time"])
    assert _status(cli, EKSEMPEL_002) == [SUPERSEDED]
    assert _status(cli, SUCCESSOR_IRI) == [ACCEPTED]

    history = cli("decision", "history", "eksempel-011-dokumentdeling-via-nsp-med-ihe-mhd")
    assert history.returncode == 0, history.stderr
    assert re.search(r"^version 1: .* by Eksempel Arkitekt from .*0011-", history.stdout, re.MULTILINE)
    assert "version 2" not in history.stdout

    again = cli("decision", "add", str(SUCCESSOR), "--agent", "Eksempel Arkitekt")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "revised id:decision/eksempel-011-dokumentdeling-via-nsp-med-ihe-mhd as version 2" in again.stdout
    revision = _select(
        cli,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?earlier WHERE {{ <{SUCCESSOR_IRI}/version/2> prov:wasRevisionOf ?earlier }}""",
    )
    assert revision == [{"earlier": SUCCESSOR_IRI + "/version/1"}]
    versions = cli(
        "decision", "history", "eksempel-011-dokumentdeling-via-nsp-med-ihe-mhd", "--format", "json"
    )
    assert [v["version"] for v in json.loads(versions.stdout)] == [1, 2]
    assert _status(cli, EKSEMPEL_002) == [SUPERSEDED]


def test_the_statement_shows_as_deviates_in_the_matrix(cli):
    added = cli("compliance", "add", str(STATEMENT))
    assert added.returncode == 0, added.stdout + added.stderr
    assert "adopted id:compliance/eksempel-002-dokumentdeling-via-nsp-region-midtjylland" in added.stdout
    row = _matrix(cli)[EKSEMPEL_002]
    assert row["Region Midtjylland"] == "deviates"
    assert row["Region Sjælland"] == "complies"  # from compliance.ttl

    # once the successor supersedes eksempel-002, the matrix of decisions in force leaves it out
    assert cli("decision", "add", str(SUCCESSOR)).returncode == 0
    assert EKSEMPEL_002 not in _matrix(cli)
    row = _matrix(cli, "--all")[EKSEMPEL_002]
    assert (row["status"], row["Region Midtjylland"]) == (SUPERSEDED, "deviates")
    assert _matrix(cli)[SUCCESSOR_IRI]["Region Midtjylland"] == "missing"


def test_the_matrix_as_of_the_reform_day_has_four_regions(cli):
    result = cli("compliance", "matrix", "--format", "csv", "--as-of", "2027-01-01")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[3:] == [
        "Region Midtjylland",
        "Region Nordjylland",
        "Region Østdanmark",
        "Region Syddanmark",
    ]
    by_decision = {row["decision"]: row["Region Østdanmark"] for row in rows}
    assert by_decision[EKSEMPEL_002] == "complies (derived)"
    assert by_decision[ID + "decision/eksempel-003-faelles-login-iam-adfs"] == "needed"
    table = cli("compliance", "matrix", "--as-of", "2027-01-01")
    assert "As of 2027-01-01" in table.stdout and "Region Sjælland" not in table.stdout
    bad = cli("compliance", "matrix", "--as-of", "2027-02-30")
    assert bad.returncode == 2 and "--as-of" in bad.stderr and "YYYY-MM-DD" in bad.stderr
