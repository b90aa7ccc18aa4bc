"""``rsikg deps`` and ``rsikg impact``, run as real subprocesses against a loaded on-disk store."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import ROOT, _rsikg_command
from tests.graphs import graphml_by_iri

SYS = "https://w3id.org/rsikg/id/system/"
Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """One store with the project loaded, for the tests that only read it."""
    directory = tmp_path_factory.mktemp("cli-deps")
    env = {
        **os.environ,
        "RSIKG_PROJECT_DIR": str(ROOT),
        "RSIKG_STORE": str(directory / "store"),
        "COLUMNS": "200",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_rsikg_command(), *args], capture_output=True, text=True, cwd=directory, env=env, timeout=120
        )

    result = run("load")
    assert result.returncode == 0, result.stderr
    return run


def test_load_then_impact_of_fmk_names_sundhedsjournalen(rsikg):
    assert rsikg("load").returncode == 0
    result = rsikg("impact", "fmk")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "An outage of Fælles Medicinkort (FMK) touches 1 system(s):"
    assert lines[1].split() == [
        "1",
        "Sundhedsjournalen",
        "(Sundhedsjournalen",
        "→",
        "Fælles",
        "Medicinkort",
        "(FMK))",
    ]
    assert lines[2].startswith("Regions using them: ")
    assert set(lines[2].removeprefix("Regions using them: ").split(", ")) == {
        "Region Hovedstaden",
        "Region Sjælland",
        "Region Syddanmark",
        "Region Midtjylland",
        "Region Nordjylland",
    }
    assert lines[3] == "Sectors: regionerne"


def test_impact_of_nsp_as_json(loaded):
    result = loaded("impact", "nsp", "--format", "json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["root"]["iri"] == f"{SYS}nsp"
    assert [(d["id"], d["distance"], d["path"]) for d in body["dependents"]] == [
        ("system/fmk", 1, [f"{SYS}fmk", f"{SYS}nsp"]),
        ("system/sundhedsjournalen", 2, [f"{SYS}sundhedsjournalen", f"{SYS}fmk", f"{SYS}nsp"]),
    ]
    assert len(body["regions"]) == 5


def test_impact_of_a_system_nothing_depends_on(loaded):
    result = loaded("impact", "Sundhedsjournalen")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "An outage of Sundhedsjournalen touches 0 system(s):"


def test_impact_as_a_graph_format(loaded):
    result = loaded("impact", "labdatabank", "--format", "graphml")
    assert result.returncode == 0, result.stderr
    graph = graphml_by_iri(result.stdout)
    assert set(graph) == {f"{SYS}labdatabank", f"{SYS}laboratoriedatabasen"}
    assert list(graph.edges(data="relation")) == [
        (f"{SYS}laboratoriedatabasen", f"{SYS}labdatabank", "dependsOn")
    ]


def test_deps_of_sundhedsjournalen_as_graphml(loaded):
    result = loaded("deps", "sundhedsjournalen", "--depth", "2", "--format", "graphml")
    assert result.returncode == 0, result.stderr
    graph = graphml_by_iri(result.stdout)
    assert graph.is_directed()
    distance = dict(graph.nodes(data="distance"))
    assert distance[f"{SYS}sundhedsjournalen"] == 0
    assert {n for n, d in distance.items() if d == 1} >= {f"{SYS}e-journal", f"{SYS}fmk", f"{SYS}mitid"}
    assert distance[f"{SYS}nsp"] == 2
    assert {(u, v) for u, v, r in graph.edges(data="relation") if r == "dependsOn"} == {
        (f"{SYS}sundhedsjournalen", f"{SYS}e-journal"),
        (f"{SYS}sundhedsjournalen", f"{SYS}fmk"),
        (f"{SYS}sundhedsjournalen", f"{SYS}mitid"),
        (f"{SYS}fmk", f"{SYS}nsp"),
    }
    fmk = graph.nodes[f"{SYS}fmk"]
    assert (fmk["label_da"], fmk["label_en"], fmk["type"], fmk["iri"]) == (
        "Fælles Medicinkort (FMK)",
        "Shared Medication Record (FMK)",
        "rsi:InfrastructureService",
        f"{SYS}fmk",
    )
    # the same neighbourhood, as node-link JSON
    as_json = loaded("deps", "sundhedsjournalen", "--depth", "2", "--format", "node-link")
    linked = nx.node_link_graph(json.loads(as_json.stdout), edges="edges")
    assert set(linked) == set(graph)


def test_deps_as_text(loaded):
    result = loaded("deps", "fmk", "--relations", "dependsOn", "--direction", "both")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Fælles Medicinkort (FMK) (system/fmk, rsi:InfrastructureService)",
        "  └ dependsOn → Den Nationale Serviceplatform (NSP)",
        "  Den Nationale Serviceplatform (NSP) (system/nsp, rsi:InfrastructureService)",
        "  Sundhedsjournalen (system/sundhedsjournalen, rsi:SharedSystem)",
        "    └ dependsOn → Fælles Medicinkort (FMK)",
    ]


def test_unknown_system_exits_2_with_a_suggestion(loaded):
    for command in ("deps", "impact"):
        result = loaded(command, "sundhedsjournal")
        assert result.returncode == 2, command
        assert result.stdout == ""
        assert "no node 'sundhedsjournal'" in result.stderr
        assert "did you mean Sundhedsjournalen (system/sundhedsjournalen)" in result.stderr


def test_bad_options_exit_2(loaded):
    too_deep = loaded("deps", "fmk", "--depth", "11")
    assert too_deep.returncode == 2 and "--depth" in too_deep.stderr
    relation = loaded("deps", "fmk", "--relations", "requires")
    assert relation.returncode == 2 and "unknown relation(s) requires" in relation.stderr
    direction = loaded("deps", "fmk", "--direction", "sideways")
    assert direction.returncode == 2 and "direction must be one of" in direction.stderr
    fmt = loaded("deps", "fmk", "--format", "png")
    assert fmt.returncode == 2 and "unknown format 'png'" in fmt.stderr


def test_impact_with_an_unknown_format_exits_2(loaded):
    result = loaded("impact", "fmk", "--format", "png")
    assert result.returncode == 2
    assert "unknown format 'png'" in result.stderr


def test_deps_on_an_empty_store_is_an_error_not_a_crash(tmp_path: Path):
    env = {**os.environ, "RSIKG_PROJECT_DIR": str(ROOT), "RSIKG_STORE": str(tmp_path / "store")}
    result = subprocess.run(
        [*_rsikg_command(), "impact", "fmk"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "no node 'fmk'" in result.stderr
    assert "Traceback" not in result.stderr


def test_impact_as_of_a_day_reaches_the_regions_that_exist_then(loaded):
    def regions(*options: str) -> list[str]:
        result = loaded("impact", "sundhedsplatformen", "--format", "json", *options)
        assert result.returncode == 0, result.stderr
        return [r["label"] for r in json.loads(result.stdout)["regions"]]

    assert regions("--as-of", "2026-12-31") == ["Region Hovedstaden", "Region Sjælland"]
    assert regions("--as-of", "2027-01-02") == ["Region Østdanmark"]
    assert regions() == regions("--as-of", "2026-06-01")  # today is RSIKG_TODAY in the tests
    gone = loaded("impact", "region-sjaelland", "--as-of", "2027-01-02")
    assert gone.returncode == 2
    assert "does not exist on 2027-01-02" in gone.stderr and "Region Østdanmark" in gone.stderr
    bad = loaded("deps", "nsp", "--as-of", "1/1/2027")
    assert bad.returncode == 2 and "--as-of" in bad.stderr


def test_deps_as_of_every_period_keeps_what_has_ceased(loaded):
    every = loaded("deps", "region-sjaelland", "--direction", "up", "--as-of", "all", "--format", "node-link")
    assert every.returncode == 0, every.stderr
    assert any(
        n["id"] == "https://w3id.org/rsikg/id/region/region-sjaelland"
        for n in json.loads(every.stdout)["nodes"]
    )
