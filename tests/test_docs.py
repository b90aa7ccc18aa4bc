"""The project's own architecture decisions (docs/adr/) are MADR records that rsikg reads.

Each record goes through the project's MADR reader, the one ``rsikg decision validate`` uses
(:func:`rsikg.core.decisions.records.read_record`): it refuses unknown front-matter keys, a status
outside the decision-status vocabulary, a missing or empty section, and YAML that does not parse.
The RSI governance rules (a deciding forum with a mandate, a decision kind, a Danish title) do not
apply to the project's own decisions (docs/adr/0011), so the real command is expected to report
exactly those and nothing else, and never to find a record unreadable.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS
from rsikg.core.decisions.records import read_record
from rsikg.core.namespaces import ID, RSI
from rsikg.errors import InputError

from tests.conftest import ROOT, CliRunner

ADR_DIR = ROOT / "docs" / "adr"
RECORDS = sorted(p for p in ADR_DIR.glob("*.md") if p.name != "README.md")
FILE_NAME = re.compile(r"^\d{4}-[a-z0-9-]+\.md$")
SECTIONS = {
    RSI.context: "Context and Problem Statement",
    RSI.decisionOutcome: "Decision Outcome",
    RSI.consequences: "Consequences",
}
ACCEPTED = rdflib.URIRef("https://w3id.org/rsikg/id/vocab/decision-status/accepted")
RSISH = "https://w3id.org/rsikg/shapes#"
GOVERNANCE_RULES = {RSISH + "DecidedByShape", RSISH + "DecisionKindShape", RSISH + "DanishPrefLabelShape"}
"""What an RSI decision must have and a project decision cannot: a forum, a mandate kind, a Danish
title (the records are in English)."""


def record_iri(path: Path) -> rdflib.URIRef:
    return ID[f"decision/adr-{path.stem}"]


def test_the_decisions_so_far_are_recorded() -> None:
    assert len(RECORDS) >= 11, [p.name for p in RECORDS]
    assert [p.name[:4] for p in RECORDS] == [f"{n:04d}" for n in range(1, len(RECORDS) + 1)]


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name[:4])
def test_each_record_reads_without_a_problem_and_has_the_madr_parts(path: Path) -> None:
    assert FILE_NAME.match(path.name), path.name
    try:
        candidate = read_record(path.read_bytes(), "text/markdown", path.name)
    except InputError as err:  # a RecordError lists every problem found, each with its line
        pytest.fail("\n".join(str(problem) for problem in getattr(err, "problems", [err])))
    record = record_iri(path)
    assert candidate.decisions == [record], "the id must be adr-<file name without .md>"
    graph = candidate.graph
    title = graph.value(record, DCTERMS.title)
    assert isinstance(title, rdflib.Literal) and title.language == "en" and str(title).strip()
    assert graph.value(record, RSI.status) == ACCEPTED
    date = graph.value(record, DCTERMS.date)
    assert isinstance(date, rdflib.Literal) and date.datatype == rdflib.XSD.date, date
    for predicate, name in SECTIONS.items():
        text = graph.value(record, predicate)
        assert text is not None and str(text).strip(), f"{path.name}: no text under '{name}'"
    consequences = str(graph.value(record, RSI.consequences))
    assert "Good" in consequences and "Bad" in consequences, f"{path.name}: consequences good and bad"


def test_the_index_links_every_record_with_its_date() -> None:
    index = (ADR_DIR / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\((\d{4}-[a-z0-9-]+\.md)\)", index)
    assert linked == [p.name for p in RECORDS]
    rows = {name: line for line in index.splitlines() for name in re.findall(r"\]\(([^)]+\.md)\)", line)}
    for path in RECORDS:
        graph = read_record(path.read_bytes(), "text/markdown", path.name).graph
        record = record_iri(path)
        title, date = graph.value(record, DCTERMS.title), graph.value(record, DCTERMS.date)
        assert rows[path.name].endswith(f"| {title} | {date} |"), rows[path.name]


def test_rsikg_decision_validate_reads_them_all_and_reports_only_the_rsi_governance_rules(
    rsikg: CliRunner,
) -> None:
    result = rsikg("decision", "validate", *map(str, RECORDS), "--store", ":memory:", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr  # 2 would be "cannot be read"
    report = json.loads(result.stdout)
    expected = {str(record_iri(p)) for p in RECORDS}
    assert set(report["records"]) == expected
    found = {(r["focusNode"], r["sourceShape"], r["severity"]) for r in report["results"]}
    assert found == {(iri, rule, "Violation") for iri in expected for rule in GOVERNANCE_RULES}
