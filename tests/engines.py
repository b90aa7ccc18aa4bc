"""Other SPARQL engines, started by the tests on loopback as their users start them."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from rsikg.core.store.remote import Endpoint

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Engine:
    url: str
    log: Path
    query_path: str = "/query"
    update_path: str = "/update"
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    own_graphs: frozenset[str] = frozenset()  # graphs the engine holds of its own from the start
    chunk_quads: int | None = None  # quads in one request at most, where the engine needs fewer

    @property
    def query(self) -> str:
        return f"{self.url}{self.query_path}"

    @property
    def update(self) -> str:
        return f"{self.url}{self.update_path}"

    def endpoint(self) -> Endpoint:
        found = Endpoint(
            self.query,
            self.update,
            self.user,
            self.password,
            auth=self.auth,
            ignore_graphs=tuple(self.own_graphs),
        )
        return found if self.chunk_quads is None else replace(found, chunk_quads=self.chunk_quads)

    def description(self, folder: Path) -> Path:
        """A store description (api/core/store/remote.py) that points rsikg at this engine."""
        path = folder / "remote.toml"
        text = f'query = "{self.query}"\nupdate = "{self.update}"\n'
        if self.user:
            (folder / "password").write_text(self.password or "")
            text += f'user = "{self.user}"\npassword_file = "password"\nauth = "{self.auth}"\n'
        if self.own_graphs:
            text += f"ignore_graphs = {sorted(self.own_graphs)!r}\n".replace("'", '"')
        if self.chunk_quads is not None:
            text += f"chunk_quads = {self.chunk_quads}\n"
        path.write_text(text)
        return path

    def graphs(self) -> list[str]:
        """Every graph that holds a triple, read from the triples (Virtuoso lists none for
        ``GRAPH ?g { }``)."""
        found = httpx.post(
            self.query,
            data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "text/csv"},
        )
        found.raise_for_status()
        return [g.strip('"') for g in found.text.split()[1:]]

    @property
    def snapshots(self) -> bool:
        """Whether :meth:`snapshot` and :meth:`restore` work: Oxigraph's server, by its ``/store``."""
        return self.query_path == "/query"

    def snapshot(self) -> bytes | None:
        """Everything the engine holds, as N-Quads, where it gives that in one request; None
        elsewhere."""
        if not self.snapshots:
            return None
        found = httpx.get(f"{self.url}/store", headers={"Accept": "application/n-quads"}, timeout=60)
        found.raise_for_status()
        return found.content

    def restore(self, snapshot: bytes) -> None:
        """The engine made to hold what :meth:`snapshot` gave, and nothing else (``PUT /store``)."""
        headers = {"Content-Type": "application/n-quads"}
        httpx.put(f"{self.url}/store", content=snapshot, headers=headers, timeout=60).raise_for_status()

    def empty(self) -> None:
        """Every graph dropped but the engine's own."""
        if not self.own_graphs:
            httpx.post(self.update, data={"update": "DROP ALL"}).raise_for_status()
            return
        graphs = self.graphs()
        drops = [f"DROP SILENT GRAPH <{g}>" for g in graphs if g not in self.own_graphs]
        if drops:
            auth = self.endpoint().credentials()
            httpx.post(self.update, data={"update": " ;\n".join(drops)}, auth=auth).raise_for_status()


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
    try:
        _wait(engine, process, 30)
        yield engine
    finally:
        _stop(process, 10)


VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO_CHUNK = 400
"""Quads in one request to Virtuoso: it compiles a request to SQL and refuses one past 10,000
lines ("The length of generated SQL text has exceeded 10000 lines of code"), which 2,000 quads
of INSERT DATA passed."""


VIRTUOSO_SETTINGS: Mapping[str, object] = {"MaxQueryCostEstimationTime": 0, "ResultSetMaxRows": 10_000_000}
"""Settings of virtuoso.ini's [SPARQL] section that rsikg needs, as the README asks of an
operator: no refusal by the optimiser's estimate (the decision check's extract, 10 ms to run, was
estimated at 1,176 s against Debian's limit of 400), and no answer cut at 10,000 rows."""


@contextmanager
def virtuoso_server(folder: Path, settings: Mapping[str, object] = VIRTUOSO_SETTINGS) -> Iterator[Engine]:
    """Debian's Virtuoso Open Source (``apt-get install virtuoso-opensource``) on free loopback
    ports, its database in ``folder``: queries at /sparql, updates at /sparql-auth as ``dba``
    with HTTP digest authentication, as Virtuoso's documentation sets an update endpoint up;
    ``settings``: of its [SPARQL] section, over Debian's (none: Virtuoso as shipped)."""
    if VIRTUOSO is None or not VIRTUOSO_INI.exists():
        raise RuntimeError("virtuoso-t is missing: apt-get install virtuoso-opensource")
    sql_port, http_port = free_port(), free_port()
    (folder / "db").mkdir()
    ini = VIRTUOSO_INI.read_text()
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(folder / "db"))
    ini = re.sub(r"(?m)^ServerPort\s*=\s*1111\b", f"ServerPort = {sql_port}", ini)
    ini = re.sub(r"(?m)^ServerPort\s*=\s*8890\b", f"ServerPort = {http_port}", ini)
    for name, value in settings.items():
        ini = re.sub(rf"(?m)^{name}\s*=.*$", f"{name} = {value}", ini)
    (folder / "virtuoso.ini").write_text(ini)
    log = folder / "virtuoso.log"
    process = subprocess.Popen(
        [VIRTUOSO, "-f", "-c", str(folder / "virtuoso.ini")],
        cwd=folder,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    engine = Engine(f"http://127.0.0.1:{http_port}", log, "/sparql", "/sparql-auth", "dba", "dba", "digest")
    engine.chunk_quads = VIRTUOSO_CHUNK
    try:
        _wait(engine, process, 90)
        engine.own_graphs = frozenset(engine.graphs())
        yield engine
    finally:
        _stop(process, 30)


def _stop(process: subprocess.Popen[bytes], seconds: float) -> None:
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait(engine: Engine, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(engine.query, params={"query": "ASK {}"}, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the engine did not start: {engine.log.read_text()[-2000:]}")
        time.sleep(0.2)
