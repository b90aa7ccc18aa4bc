"""A real ``rsikg serve`` on loopback, started as a subprocess with its own on-disk store."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from rsikg.settings import Settings
from rsikg.web.app import create_app

from tests import engines
from tests.conftest import ROOT, _rsikg_command

TOKEN = "test-token-4f1c"
IN_PROCESS_TOKEN = "in-process-token-7d2a"
BROWSER = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
"""What a browser sends as Accept."""


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    """A port nobody listens on now. Under pytest-xdist each worker keeps only the ports of its
    own share (by port // 2, since Linux's bind() to port 0 prefers odd ports), so that two
    workers, each between picking a port and its server binding it, never pick the same one."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    for _ in range(1000):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if (port // 2) % count == worker % count:
            break
    return port


def load_examples(store: Path) -> None:
    """The project and its illustrative records (graph_data/examples/) loaded into ``store`` (a
    directory, or a remote store's description) by ``rsikg load --examples``."""
    subprocess.run(
        [*_rsikg_command(), "load", "--examples", "--store", str(store)],
        check=True,
        capture_output=True,
        env={"RSIKG_PROJECT_DIR": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def start_server(
    tmp: Path,
    *,
    token: bool = True,
    command_prefix: Sequence[str] = (),
    store: Path | None = None,
    command: Sequence[str] | None = None,
    project_dir: Path | None = ROOT,
    **settings: object,
) -> Server:
    """``command_prefix`` runs the server under another command (e.g. setpriv dropping a
    capability); ``store``: another store than a directory of its own (a remote store's description);
    ``command``: another ``rsikg`` than this environment's; ``project_dir`` None: rsikg's default."""
    port = free_port()
    env = {**os.environ, "RSIKG_PROJECT_DIR": str(project_dir)} if project_dir else dict(os.environ)
    env.update({f"RSIKG_{k.upper()}": str(v) for k, v in settings.items()})
    args = ["serve", "--port", str(port), "--store", str(store or tmp / "store")]
    if token:
        (tmp / "token").write_text(TOKEN)
        args += ["--token-file", str(tmp / "token")]
    log = tmp / "server.log"
    process = subprocess.Popen(
        [*command_prefix, *(command or _rsikg_command()), *args],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rsikg serve exited: {log.read_text()}")
        try:  # with several serving processes, the others answer 503 until the owner is up
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"rsikg serve did not start: {log.read_text()}")


BACKENDS = ["embedded", "oxigraph-server", pytest.param("virtuoso", marks=pytest.mark.engines)]
"""The stores a module that sets ``OVER_ENGINES = True`` runs over: the embedded store, and each
engine as a remote store (issue 14: the HTTP tests over every backend)."""
ENGINES = {"oxigraph-server": engines.oxigraph_server, "virtuoso": engines.virtuoso_server}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and getattr(metafunc.module, "OVER_ENGINES", False):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """The store this module's servers run over ("embedded" unless the module asks for more)."""
    return str(getattr(request, "param", "embedded"))


class Stores:
    """The stores of one test module's servers over ``backend``: None (a directory of each
    server's own) for the embedded store; else one engine per role, started on first use
    (Virtuoso takes 15 s) and emptied for each server that takes it, so a role serves one
    server at a time."""

    def __init__(self, backend: str, folders: pytest.TempPathFactory, stack: contextlib.ExitStack) -> None:
        self.backend = backend
        self._folders = folders
        self._stack = stack
        self._engines: dict[str, engines.Engine] = {}

    @property
    def remote(self) -> bool:
        return self.backend != "embedded"

    def engine(self, role: str) -> engines.Engine:
        if role not in self._engines:
            folder = self._folders.mktemp(f"{self.backend}-{role}")
            self._engines[role] = self._stack.enter_context(ENGINES[self.backend](folder))
        return self._engines[role]

    def __call__(self, role: str, directory: Path, snapshot: bytes | None = None) -> Path | None:
        """The store for a server in ``directory``: an emptied engine's description (holding
        ``snapshot`` when given), or None for the embedded store."""
        if not self.remote:
            return None
        engine = self.engine(role)
        if snapshot is None:
            engine.empty()
        else:
            engine.restore(snapshot)
        return engine.description(directory)


@pytest.fixture(scope="module")
def store_for(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """The stores this module's servers get (see :class:`Stores`)."""
    with contextlib.ExitStack() as stack:
        yield Stores(backend, tmp_path_factory, stack)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, store_for: Stores) -> Iterator[Server]:
    """One server per test module, for tests that only read."""
    directory = tmp_path_factory.mktemp("server")
    running = start_server(directory, max_body_bytes=65536, store=store_for("module", directory))
    yield running
    running.stop()


@pytest.fixture
def make_server(tmp_path: Path, store_for: Stores) -> Iterator[Callable[..., Server]]:
    """Start a server of the test's own (for writes, or special settings)."""
    started: list[Server] = []

    def make(**settings: object) -> Server:
        directory = tmp_path / f"server-{len(started)}"
        directory.mkdir()
        running = start_server(directory, store=store_for(f"test-{len(started)}", directory), **settings)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


def serve_in_process(directory: Path, **settings: object) -> Iterator[str]:
    """A real uvicorn in this process (so coverage counts the pages), on loopback, over the
    project and its illustrative examples loaded into ``directory``, with ``settings`` besides
    (e.g. ``today``); its write token is IN_PROCESS_TOKEN. Yields its base URL until closed."""
    load_examples(directory / "store")
    (directory / "token").write_text(IN_PROCESS_TOKEN)
    port = free_port()
    config = Settings(
        store=str(directory / "store"),
        project_dir=ROOT,
        token_file=directory / "token",
        port=port,
        allow_unisolated=True,
        **settings,  # type: ignore[arg-type]
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "the in-process server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The in-process server (:func:`serve_in_process`), one per module."""
    yield from serve_in_process(tmp_path_factory.mktemp("pages-in-process"))
