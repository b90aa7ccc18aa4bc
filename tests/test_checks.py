"""The SPARQL checks in queries/checks/: none fires on the project, each fires on its fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from rsikg.core.loading import GRAPH_BASE, load_project
from rsikg.core.namespaces import compact
from rsikg.core.store import SelectResult, Source, open_store, rdf_format
from rsikg.settings import MEMORY, Settings

from tests.conftest import FIXTURES, ROOT

CHECKS = sorted((ROOT / "queries" / "checks").glob("*.violation.rq"))


def check_name(path: Path) -> str:
    return path.name.removesuffix(".violation.rq")


def rows(store, check: Path) -> list[tuple]:
    result = store.query(check.read_text(encoding="utf-8"))
    assert isinstance(result, SelectResult)
    return result.rows


def test_there_are_checks():
    assert len(CHECKS) >= 6


@pytest.mark.parametrize("check", CHECKS, ids=check_name)
def test_check_passes_on_the_project(project_store, check):
    found = rows(project_store, check)
    assert found == [], "\n".join(" ".join(compact(t) for t in row) for row in found)


@pytest.mark.parametrize("check", CHECKS, ids=check_name)
def test_check_fires_on_its_fixture(check):
    fixture = FIXTURES / "checks" / f"{check_name(check)}.ttl"
    assert fixture.is_file(), f"every check needs a fixture that makes it fire: {fixture}"
    store = open_store(None)
    load_project(store, Settings(store=MEMORY, project_dir=ROOT))
    # loaded as if it were a graph_data file, which is what the checks look at
    store.load(
        [Source(fixture.name, GRAPH_BASE + "graph_data/" + fixture.name, rdf_format("turtle"), path=fixture)]
    )
    assert rows(store, check), f"{check.name} found nothing in {fixture.name}"
