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


def test_which_regions_exist_on_a_date_from_the_command_line(rsikg):
    assert rsikg("load").returncode == 0
    query = str(ROOT / "queries" / "list_regions.rq")

    def regions(day: str) -> list[str]:
        result = rsikg("query", query, "--param", f"date={day}", "--format", "csv")
        assert result.returncode == 0, result.stderr
        return [row.split(",")[0].rsplit("/", 1)[-1] for row in result.stdout.splitlines()[1:]]

    assert regions("2026-12-31") == [
        "region-hovedstaden",
        "region-midtjylland",
        "region-nordjylland",
        "region-sjaelland",
        "region-syddanmark",
    ]
    assert regions("2027-01-01") == [
        "region-midtjylland",
        "region-nordjylland",
        "region-syddanmark",
        "region-oestdanmark",
    ]
    bad = rsikg("query", query, "--param", "date=1/1/2027")
    assert bad.returncode == 2 and "'date'" in bad.stderr and "YYYY-MM-DD" in bad.stderr


def test_as_of_sets_a_named_querys_date_and_needs_one(rsikg):
    assert rsikg("load").returncode == 0
    query = str(ROOT / "queries" / "list_regions.rq")
    after = rsikg("query", query, "--as-of", "2027-01-01", "--format", "csv")
    assert after.returncode == 0, after.stderr
    assert "region-oestdanmark" in after.stdout and "region-sjaelland" not in after.stdout
    today = rsikg("query", query, "--format", "csv", env_extra={"RSIKG_TODAY": "2027-03-01"})
    assert today.stdout.splitlines()[1:] != [] and "region-sjaelland" not in today.stdout
    undated = rsikg("query", str(ROOT / "queries" / "list_projects.rq"), "--as-of", "2027-01-01")
    assert undated.returncode == 2 and "list_projects has none" in undated.stderr
    plain = rsikg("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--as-of", "2027-01-01")
    assert plain.returncode == 2 and "plain SPARQL sees every statement with its period" in plain.stderr
    twice = rsikg("query", query, "--as-of", "2027-01-01", "--param", "date=2026-01-01")
    assert twice.returncode == 2 and "given twice" in twice.stderr
