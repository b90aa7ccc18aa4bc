"""The comply-or-explain matrix as of a day: the regions that exist on it, and a merged region's
successor with the statements it inherits or still owes (Overgangsloven § 126), over the
project graph with the illustrative examples (graph_data/examples/compliance.ttl)."""

from __future__ import annotations

from datetime import date

import pytest
from rsikg.core.decisions import compliance as adoption
from rsikg.core.derive import RULE_SECTION_126_OBLIGATIONS
from rsikg.core.loading import load_project
from rsikg.core.named_queries import bind, load_named_query, paged
from rsikg.core.store import open_store
from rsikg.settings import MEMORY, Settings

from tests.conftest import ROOT

REGION = "https://w3id.org/rsikg/id/region/"
DECISION = "https://w3id.org/rsikg/id/decision/"
OEST = REGION + "region-oestdanmark"
NSP = DECISION + "eksempel-002-dokumentdeling-via-nsp"
LOGIN = DECISION + "eksempel-003-faelles-login-iam-adfs"


def _row(matrix: adoption.ComplianceMatrix, decision: str) -> dict[str, dict[str, object]]:
    row = next(r for r in matrix.rows if r["iri"] == decision)
    cells = row["cells"]
    assert isinstance(cells, dict)
    return cells


def _labels(matrix: adoption.ComplianceMatrix) -> list[str]:
    return [label for _iri, label in matrix.regions]


def test_the_day_before_the_reform_has_five_regions_each_with_its_own_statement(project_store_with_examples):
    matrix = adoption.compliance_matrix(project_store_with_examples, as_of=date(2026, 12, 31))
    assert _labels(matrix) == [
        "Region Hovedstaden",
        "Region Midtjylland",
        "Region Nordjylland",
        "Region Sjælland",
        "Region Syddanmark",
    ]
    assert _row(matrix, LOGIN)[REGION + "region-hovedstaden"]["state"] == "deviates"
    assert _row(matrix, LOGIN)[REGION + "region-sjaelland"]["state"] == "complies"
    assert matrix.as_json()["asOf"] == "2026-12-31"


def test_on_the_reform_day_four_regions_and_oestdanmark_inherits_where_both_complied(
    project_store_with_examples,
):
    matrix = adoption.compliance_matrix(project_store_with_examples, as_of=date(2027, 1, 1))
    assert _labels(matrix) == [
        "Region Midtjylland",
        "Region Nordjylland",
        "Region Østdanmark",
        "Region Syddanmark",
    ]

    inherited = _row(matrix, NSP)[OEST]
    assert (inherited["state"], inherited["derived"], inherited["statement"]) == ("complies", True, None)
    assert inherited["rule"] == str(RULE_SECTION_126_OBLIGATIONS)
    originals = {c["label"]: c["state"] for c in inherited["inheritedFrom"]}  # type: ignore[attr-defined]
    assert originals == {"Region Hovedstaden": "complies", "Region Sjælland": "complies"}


def test_where_the_originals_differ_a_new_statement_is_needed_with_both_shown(project_store_with_examples):
    matrix = adoption.compliance_matrix(project_store_with_examples, as_of=date(2027, 1, 1))
    needed = _row(matrix, LOGIN)[OEST]
    assert (needed["state"], needed["derived"]) == ("needed", False)
    originals = {c["label"]: c for c in needed["inheritedFrom"]}  # type: ignore[attr-defined]
    assert originals["Region Hovedstaden"]["state"] == "deviates"
    assert "Sundhedsplatformens eget login" in str(originals["Region Hovedstaden"]["explanation"])
    assert originals["Region Sjælland"]["state"] == "complies"
    csv_row = next(line for line in matrix.to_csv().splitlines() if line.startswith(LOGIN))
    header = matrix.to_csv().splitlines()[0].split(",")
    assert csv_row.split(",")[header.index("Region Østdanmark")] == "needed"


def test_a_statement_is_seen_from_its_date_and_a_decision_from_its_own(project_store_with_examples):
    # Sjælland's statement on 002 is dated 2021-09-01, Hovedstaden's 2021-10-01
    september = adoption.compliance_matrix(project_store_with_examples, as_of=date(2021, 9, 15))
    cells = _row(september, NSP)
    assert cells[REGION + "region-sjaelland"]["state"] == "complies"
    assert cells[REGION + "region-hovedstaden"]["state"] == "missing"
    # 003 is dated 2022-09-01: not yet a decision in September 2021
    assert LOGIN not in {r["iri"] for r in september.rows}
    assert LOGIN in {r["iri"] for r in adoption.compliance_matrix(project_store_with_examples).rows}


def test_the_successors_own_statement_replaces_the_inherited_cell():
    store = open_store(None)
    load_project(store, Settings(store=MEMORY, project_dir=ROOT), examples=True)
    store.update(
        """PREFIX rsi: <https://w3id.org/rsikg/ontology#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        PREFIX decision: <https://w3id.org/rsikg/id/decision/>
        INSERT DATA { GRAPH <urn:test> {
          <urn:test:s> rsi:complianceOf decision:eksempel-003-faelles-login-iam-adfs ;
             rsi:statedBy <https://w3id.org/rsikg/id/region/region-oestdanmark> ;
             rsi:complianceStatus <https://w3id.org/rsikg/id/vocab/compliance-status/complies> ;
             dct:date "2027-03-01"^^xsd:date .
        } }"""
    )
    before = _row(adoption.compliance_matrix(store, as_of=date(2027, 2, 1)), LOGIN)[OEST]
    after = _row(adoption.compliance_matrix(store, as_of=date(2027, 3, 1)), LOGIN)[OEST]
    assert before["state"] == "needed"
    assert (after["state"], after["derived"], after["statement"]) == ("complies", False, "urn:test:s")
    assert "inheritedFrom" not in after


def test_every_decision_status_is_as_of_too(project_store_with_examples):
    matrix = adoption.compliance_matrix(project_store_with_examples, status=None, as_of=date(2027, 1, 1))
    superseded = _row(matrix, DECISION + "eksempel-001-dokumentdeling-via-xds")
    assert set(superseded) == {
        OEST,
        *(REGION + r for r in ("region-midtjylland", "region-nordjylland", "region-syddanmark")),
    }
    assert DECISION + "eksempel-001-dokumentdeling-via-xds" not in {
        r["iri"] for r in adoption.compliance_matrix(project_store_with_examples, as_of=date(2027, 1, 1)).rows
    }


@pytest.mark.parametrize(
    ("day", "owed"),
    [
        ("2026-12-31", {(NSP, "region-midtjylland"), (NSP, "region-nordjylland")}),
        (
            "2027-01-01",
            {(NSP, "region-midtjylland"), (NSP, "region-nordjylland"), (LOGIN, "region-oestdanmark")},
        ),
        (
            "2021-09-15",
            {(NSP, r) for r in ("region-hovedstaden", "region-midtjylland", "region-nordjylland")},
        ),
    ],
)
def test_the_named_query_of_owed_statements_follows_the_day(project_store_with_examples, day, owed):
    query = load_named_query(ROOT / "queries" / "list_missing_compliance_statements.rq")
    bindings, page = bind(query, {"date": day})
    result = project_store_with_examples.query(paged(query, page), bindings=bindings)
    found = {(str(r["decision"]), str(r["region"]).rsplit("/", 1)[-1]) for r in result.dicts()}
    assert found == owed
