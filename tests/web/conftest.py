"""A real ``rsikg serve`` on loopback, started as a subprocess with its own on-disk store."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, _rsikg_command

TOKEN = "test-token-4f1c"


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


def start_server(
    tmp: Path,
    *,
    token: bool = True,
    command_prefix: Sequence[str] = (),
    store: Path | None = None,
    **settings: object,
) -> Server:
    """``command_prefix`` runs the server under another command (e.g. setpriv dropping a
    capability); ``store``: another store than a directory of its own (a remote store's description)."""
    port = free_port()
    env = {**os.environ, "RSIKG_PROJECT_DIR": str(ROOT)}
    env.update({f"RSIKG_{k.upper()}": str(v) for k, v in settings.items()})
    args = ["serve", "--port", str(port), "--store", str(store or tmp / "store")]
    if token:
        (tmp / "token").write_text(TOKEN)
        args += ["--token-file", str(tmp / "token")]
    log = tmp / "server.log"
    process = subprocess.Popen(
        [*command_prefix, *_rsikg_command(), *args],
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module, for tests that only read."""
    running = start_server(tmp_path_factory.mktemp("server"), max_body_bytes=65536)
    yield running
    running.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start a server of the test's own (for writes, or special settings)."""
    started: list[Server] = []

    def make(**settings: object) -> Server:
        directory = tmp_path / f"server-{len(started)}"
        directory.mkdir()
        running = start_server(directory, **settings)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()
