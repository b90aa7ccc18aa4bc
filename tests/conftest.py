"""Shared fixtures. Nothing is set up at import time; every store is made per test unless it is
the read-only project store, loaded once per session from the files on disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rsikg.core.loading import load_project
from rsikg.core.store import OxigraphStore, open_store
from rsikg.settings import MEMORY, Settings

from tests.listener import Listener

# The W3C suites' pass counts, printed by the xdist controller, which loads no conftest below this one.
pytest_plugins = ["tests.w3c.summary"]

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TODAY = "2026-06-01"
"""The day every answer "as of today" is for in the tests (RSIKG_TODAY, inherited by the servers
and commands they start), so that no test depends on the day it runs; before the 2027 reform."""


@pytest.fixture(autouse=True, scope="session")
def _fixed_today() -> Iterator[None]:
    before = os.environ.get("RSIKG_TODAY")
    os.environ["RSIKG_TODAY"] = TODAY
    yield
    if before is None:
        os.environ.pop("RSIKG_TODAY", None)
    else:
        os.environ["RSIKG_TODAY"] = before


@pytest.fixture
def settings() -> Settings:
    return Settings(store=MEMORY, project_dir=ROOT)


@pytest.fixture
def store() -> OxigraphStore:
    """An empty store in memory."""
    return open_store(None)


@pytest.fixture(scope="session")
def project_store() -> OxigraphStore:
    """The project's ontology, vocabularies, shapes and graph data, loaded once. Read only."""
    store = open_store(None)
    load_project(store, Settings(store=MEMORY, project_dir=ROOT))
    return store


def _rsikg_command() -> list[str]:
    script = Path(sys.executable).with_name("rsikg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rsikg.cli"]


def checkout_files() -> list[str]:
    """The checkout's files that git tracks or would track (nothing built or ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def copy_checkout(target: Path) -> None:
    """A copy of :func:`checkout_files` in ``target``: the checkout as a clone would have it,
    with the changes not yet committed, without what earlier builds left (build/, egg-info)."""
    for name in checkout_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)


CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def rsikg(tmp_path: Path) -> CliRunner:
    """Run the real ``rsikg`` command in a subprocess against an on-disk store in tmp_path."""
    store_dir = tmp_path / "store"
    env = {**os.environ, "RSIKG_PROJECT_DIR": str(ROOT), "RSIKG_STORE": str(store_dir), "COLUMNS": "200"}

    def run(
        *args: str, stdin: str | None = None, env_extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_rsikg_command(), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**env, **(env_extra or {})},
            timeout=300,
        )

    run.store_dir = store_dir  # type: ignore[attr-defined]
    return run


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's RDF folders, for tests that change files."""
    target = tmp_path / "project"
    for folder in ("ontology", "shapes", "graph_data"):
        shutil.copytree(ROOT / folder, target / folder)
    return target


@pytest.fixture(scope="session")
def project_store_with_examples() -> OxigraphStore:
    """The project's graph with the illustrative examples, loaded once. Read only."""
    store = open_store(None)
    load_project(store, Settings(store=MEMORY, project_dir=ROOT), examples=True)
    return store


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback listener that counts connections: the witness that nothing was fetched."""
    running = Listener()
    yield running
    running.close()
