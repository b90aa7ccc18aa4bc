"""The distribution: ``python -m build`` makes a wheel that, installed in a new venv outside the
checkout, loads, validates, queries and serves with the ontology, shapes, graph data and named
queries it carries (issue 16, item 1).

The wheel is built from a copy of the checkout's files (those git tracks or would track), so
that nothing the checkout has built before (``build/``, ``*.egg-info``) gets into it. The new venv
gets the wheel and nothing else of the project: its dependencies are this environment's, made
visible to it by a ``.pth`` line (this environment's own rsikg is an editable install whose hook
that line does not run), so the test needs no package index; ``pip check`` then shows that the
wheel's declared dependencies are what it runs with.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, checkout_files, copy_checkout
from tests.web.conftest import start_server

DATA = ("ontology", "shapes", "graph_data", "queries")
"""The checkout's folders the wheel carries, as ``rsikg/data/<folder>/``."""
REGIONS_ON_THE_DAY = """
PREFIX rsi: <https://w3id.org/rsikg/ontology#>
SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a rsi:Region }
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    copy_checkout(source)
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (found,) = out.glob("rsikg-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv, outside the checkout, with the wheel installed; its bin/ folder."""
    venv = tmp_path_factory.mktemp("elsewhere") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--no-deps", str(wheel)], check=True, timeout=300)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "rsikg-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    checked = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return venv / "bin"


def _outside(tmp_path: Path) -> dict[str, str]:
    """An environment that names nothing of the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RSIKG_") and k != "PYTHONPATH"}
    return {**env, "RSIKG_TODAY": "2026-11-30", "COLUMNS": "200", "HOME": str(tmp_path)}


def _run(bin: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin / "rsikg"), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_outside(tmp_path),
        timeout=300,
    )


def test_the_wheel_carries_every_data_file_of_the_checkout(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"rsikg/data/{name}" for name in checkout_files() if name.split("/")[0] in DATA}
    assert len(wanted) > 80
    assert wanted - names == set()
    assert {"rsikg/cli.py", "rsikg/web/templates/map.html", "rsikg/web/static/map.js"} <= names
    assert not any(name.startswith(("api/", "tests/")) for name in names)


def test_the_installed_wheel_runs_from_its_own_files_outside_the_checkout(installed, tmp_path):
    where = subprocess.run(
        [
            installed / "python",
            "-c",
            "import rsikg, rsikg.settings as s; print(rsikg.__file__); print(s.Settings().project_dir)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_outside(tmp_path),
        check=True,
    ).stdout.split()
    venv = installed.parent
    assert all(Path(path).is_relative_to(venv) for path in where), where
    assert not any(Path(path).is_relative_to(ROOT) for path in where), where


def test_load_validate_and_query_with_the_packaged_graph(installed, tmp_path, rsikg):
    store = tmp_path / "store"
    loaded = _run(installed, tmp_path, "load", "--store", str(store))
    assert loaded.returncode == 0, loaded.stderr
    # the same files as the checkout's: the same triples in the same graphs
    reference = rsikg("load", "--store", str(tmp_path / "reference"))
    assert reference.returncode == 0, reference.stderr
    held = [run.stderr.rpartition(": it holds ")[2].strip() for run in (loaded, reference)]
    assert held[0] == held[1] and re.fullmatch(r"\d{4,} triples in \d+ graphs", held[0]), held

    validated = _run(installed, tmp_path, "validate", "--store", str(store))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert validated.stdout.startswith("Conforms: 0 violation(s)")

    answered = _run(
        installed, tmp_path, "query", REGIONS_ON_THE_DAY, "--format", "csv", "--store", str(store)
    )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.split() == ["n", "6"]


def test_serve_answers_sparql_named_queries_and_pages_from_the_packaged_files(installed, tmp_path):
    server = start_server(tmp_path, token=False, command=[str(installed / "rsikg")], project_dir=None)
    try:
        ask = httpx.get(
            f"{server.url}/sparql",
            params={"query": "ASK { ?s a ?o }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        regions = httpx.get(f"{server.url}/queries/list_regions", params={"date": "2027-01-01"})
        assert regions.status_code == 200, regions.text
        assert "Region Østdanmark" in regions.text
        page = httpx.get(f"{server.url}/ontology", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "<html" in page.text
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)
