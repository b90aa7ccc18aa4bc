"""Answers of the tour queries in the README over the project graph (the headers and every
query's defaults are tested in tests/core/test_named_queries.py)."""

from __future__ import annotations

from tests.conftest import ROOT


def test_forum_members_cover_2010_and_today(project_store):
    result = project_store.query((ROOT / "queries" / "list_forum_members.rq").read_text())
    rows = result.dicts()
    dated = [r for r in rows if "during" in r]
    assert len(dated) == 10  # the 2010 steering group: two seats for each of five regions
    assert {str(r["forum"]) for r in rows} >= {
        "RSI-direktørkredsen",
        "Digitaliseringskredsen",
        "RSI's styregruppe (2010)",
    }


def test_dependencies_include_the_transitive_hop(project_store):
    result = project_store.query((ROOT / "queries" / "list_dependencies.rq").read_text())
    pairs = {(str(r["system"]), str(r["dependsOn"]), r["direct"].toPython()) for r in result.dicts()}
    # Sundhedsjournalen -> FMK (S16) -> NSP (S35): NSP is reached through FMK
    assert ("Sundhedsjournalen", "Den Nationale Serviceplatform (NSP)", False) in pairs
    assert ("Sundhedsjournalen", "E-journal", True) in pairs
