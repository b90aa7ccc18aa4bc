"""The pre-commit hook rsikg offers (``.pre-commit-hooks.yaml``, issue 16, item 7), run by the real
``pre-commit`` on a sample ADR repository: ``pre-commit try-repo`` exits 0 for a conforming MADR
record and 1 for a violating one; a repository's ``.pre-commit-config.yaml`` with
``args: [--endpoint, URL]`` (the README's) gets the same verdicts from a running ``rsikg serve``.

The hook's repository is a git repository made of the checkout's files (those git tracks or would
track, as tests/test_wheel.py builds the wheel from), committed, so that try-repo sees exactly the
working tree. pre-commit installs it as its users get it: ``language: python``, ``pip install .``
into a virtualenv of its own, with the dependencies from the package index (pip's cache makes a
second install quicker). That install is most of the time here, and try-repo makes a new one each
run (a store in a temporary directory), so the three installs (two try-repo runs, and the endpoint
configuration's, made once in this module's PRE_COMMIT_HOME) run side by side while the server
starts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_checkout
from tests.web.conftest import free_port, load_examples, start_server

HOOK = "rsikg-decision-validate"
EXAMPLES = ROOT / "graph_data" / "examples" / "decisions"
CONFORMING = "docs/decisions/0001-fhir-for-nye-snitflader-til-laboratoriesvar.md"
VIOLATING = "docs/decisions/0002-projektforum-uden-arkitekturmandat.md"
INSTALL_SECONDS = 600
"""pip may have to fetch every dependency from the index on a first run with an empty cache."""

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


def _git_env(home: Path) -> dict[str, str]:
    """The environment of every git and pre-commit run: names for the commits (no git
    configuration, system or global, read), pre-commit's home in this module's directory, this
    venv's pre-commit first on the PATH, pip without bytecode, and no RSIKG_PROJECT_DIR or
    RSIKG_STORE, so that the installed hook reads the graph it carries (the ADR repository has no
    rsikg checkout)."""
    env = {k: v for k, v in os.environ.items() if k not in ("RSIKG_PROJECT_DIR", "RSIKG_STORE")}
    env.update(
        {
            "GIT_AUTHOR_NAME": "rsikg tests",
            "GIT_AUTHOR_EMAIL": "tests@rsikg.invalid",
            "GIT_COMMITTER_NAME": "rsikg tests",
            "GIT_COMMITTER_EMAIL": "tests@rsikg.invalid",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,  # no signing or hooks of the user's own
            "PRE_COMMIT_HOME": str(home),
            # pip's --no-compile as pip reads it from the environment (PIP_NO_COMPILE=1 still
            # compiled, tried): no bytecode written at install, a third of an install's time
            # here; Python compiles what the hook imports when it first runs, as for any .pyc
            "PIP_COMPILE": "0",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def _commit_all(repo: Path, env: dict[str, str]) -> str:
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "files"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, env=env, check=True, capture_output=True)
    return head.stdout.decode().strip()


def _hook_repository(target: Path, env: dict[str, str]) -> str:
    """The checkout's files in a repository of their own, committed; its commit."""
    copy_checkout(target)
    return _commit_all(target, env)


def _adr_repository(target: Path, env: dict[str, str]) -> None:
    """RITA's ADR repository, in small: MADR's layout (docs/decisions/NNNN-title.md) with an
    index README that the hook's ``files`` pattern leaves alone."""
    folder = target / "docs" / "decisions"
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLES / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md", target / CONFORMING)
    shutil.copy(EXAMPLES / "0012-projektforum-uden-arkitekturmandat.md", target / VIOLATING)
    (folder / "README.md").write_text("# Decisions\n\nNot a record: the hook skips it.\n")
    _commit_all(target, env)


def _config(repo: Path, rev: str, args: list[str] | None = None) -> str:
    hook = f"      - id: {HOOK}\n" + (f"        args: [{', '.join(args)}]\n" if args else "")
    return f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n{hook}"


@dataclass
class Run:
    returncode: int
    output: str


@dataclass
class Hooked:
    adr: Path
    env: dict[str, str]
    hook_repo: Path
    rev: str
    url: str  # a running rsikg serve
    try_conforming: Run
    try_violating: Run

    def run_with(self, args: list[str], *files: str) -> Run:
        """``pre-commit run`` of the hook with ``args``, through a .pre-commit-config.yaml, in the
        environment pre-commit installed once for this module."""
        config = self.adr / ".pre-commit-config.yaml"
        config.write_text(_config(self.hook_repo, self.rev, args))
        done = subprocess.run(
            ["pre-commit", "run", HOOK, "--config", str(config), "--files", *files],
            cwd=self.adr,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Run(done.returncode, done.stdout + done.stderr)


Started = tuple[subprocess.Popen[bytes], Path]


def _started(args: list[str], cwd: Path, env: dict[str, str], log: Path) -> Started:
    """A pre-commit run started, its output going to ``log``."""
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return process, log


def _finished(started: Started) -> Run:
    process, log = started
    process.wait(timeout=INSTALL_SECONDS)
    return Run(process.returncode, log.read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooked]:
    base = tmp_path_factory.mktemp("pre-commit")
    env = _git_env(base / "pre-commit-home")
    hook_repo, adr = base / "rsikg", base / "adr"
    hook_repo.mkdir()
    adr.mkdir()
    rev = _hook_repository(hook_repo, env)
    _adr_repository(adr, env)
    try_repo = ["pre-commit", "try-repo", str(hook_repo), HOOK, "--files"]
    install = base / "install.yaml"
    install.write_text(_config(hook_repo, rev))
    running = [
        _started([*try_repo, CONFORMING, "docs/decisions/README.md"], adr, env, base / "conforming.log"),
        _started([*try_repo, VIOLATING], adr, env, base / "violating.log"),
        _started(["pre-commit", "install-hooks", "--config", str(install)], adr, env, base / "install.log"),
    ]
    server = None
    try:
        load_examples(base / "store")
        server = start_server(base, token=False)
        try_conforming, try_violating, installed = map(_finished, running)
        assert installed.returncode == 0, installed.output
        yield Hooked(adr, env, hook_repo, rev, server.url, try_conforming, try_violating)
    finally:
        if server is not None:
            server.stop()
        for process, _log in running:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_try_repo_passes_a_conforming_record_and_skips_the_index(hooked):
    run = hooked.try_conforming
    assert run.returncode == 0, run.output
    # the README went to pre-commit too: read as a record it would be exit 2 (no front matter)
    assert "rsikg decision validate" in run.output and "Passed" in run.output


def test_try_repo_fails_a_violating_record_with_its_violation(hooked):
    run = hooked.try_violating
    assert run.returncode == 1, run.output
    assert "Failed" in run.output and "- exit code: 1" in run.output
    assert "Does not conform: 1 violation(s)" in run.output
    assert "rsish:DecisionWithinMandateShape" in run.output


def test_through_the_endpoint_the_verdicts_are_the_same(hooked):
    endpoint = ["--endpoint", hooked.url]
    conforming = hooked.run_with(endpoint, CONFORMING)
    assert conforming.returncode == 0, conforming.output
    assert "Passed" in conforming.output
    violating = hooked.run_with(endpoint, VIOLATING)
    assert violating.returncode == 1, violating.output
    assert "- exit code: 1" in violating.output
    assert "rsish:DecisionWithinMandateShape" in violating.output


def test_an_endpoint_that_cannot_be_reached_is_exit_2_naming_it(hooked):
    url = f"http://127.0.0.1:{free_port()}"
    run = hooked.run_with(["--endpoint", url], CONFORMING)
    assert run.returncode == 1, run.output  # pre-commit's own code for a hook that failed
    assert "- exit code: 2" in run.output
    assert f"error: cannot reach an rsikg at {url}/decisions/validate" in run.output
