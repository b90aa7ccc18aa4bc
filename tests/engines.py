"""Other SPARQL engines, started by the tests on loopback as their users start them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Engine:
    url: str
    log: Path

    @property
    def query(self) -> str:
        return f"{self.url}/query"

    @property
    def update(self) -> str:
        return f"{self.url}/update"

    def description(self, folder: Path) -> Path:
        """A store description (api/core/store/remote.py) that points rsikg at this engine."""
        path = folder / "remote.toml"
        path.write_text(f'query = "{self.query}"\nupdate = "{self.update}"\n')
        return path

    def empty(self) -> None:
        httpx.post(self.update, data={"update": "DROP ALL"}).raise_for_status()


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[Engine]:
    """``oxigraph serve --location DIR`` on a free loopback port: a plain default graph, no
    union, as a user who loads files into it runs it."""
    if not OXIGRAPH.exists():
        raise RuntimeError(f"{OXIGRAPH} is missing: `make install` installs the oxigraph package")
    port = free_port()
    log = folder / "oxigraph.log"
    process = subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    engine = Engine(f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(engine.query, params={"query": "ASK {}"}, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"oxigraph serve did not start: {log.read_text()}")
            time.sleep(0.1)
        yield engine
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
