"""The queries in queries/: valid grlc-style headers, and answers over the project graph."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.core.store import SelectResult
from tests.conftest import ROOT

QUERIES = sorted((ROOT / "queries").glob("*.rq"))


def header(path: Path) -> dict:
    lines = [line[2:] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#+")]
    assert lines, f"{path.name} has no '#+' header"
    parsed = yaml.safe_load("\n".join(lines))
    assert isinstance(parsed, dict), f"{path.name}: the '#+' header is not a YAML mapping"
    return parsed


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_header_has_summary_description_and_tags(path):
    meta = header(path)
    assert isinstance(meta.get("summary"), str) and meta["summary"]
    assert isinstance(meta.get("description"), str) and meta["description"]
    assert isinstance(meta.get("tags"), list) and meta["tags"]


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_query_answers_with_distinct_rows(project_store, path):
    result = project_store.query(path.read_text(encoding="utf-8"))
    assert isinstance(result, SelectResult)
    assert result.rows, f"{path.name} found nothing in the project graph"
    assert len(result.rows) == len(set(result.rows)), f"{path.name} repeats rows"


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
