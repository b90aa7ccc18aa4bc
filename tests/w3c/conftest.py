"""A real ``rsikg serve`` with a write token for each W3C suite.

The SPARQL Protocol suite runs on the project's own server, emptied before its first entry. The
Graph Store suite runs on a server over an empty project (no ontology, shapes, data or queries),
a plain store as a Graph Store user sets one up: the project's shapes refuse the suite's example
data (a foaf:Person with neither a Danish skos:prefLabel nor a dct:source), by design, and
test_graph_store_suite.py shows that refusal on the project's server too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests import engines
from tests.w3c.manifest import Entry
from tests.w3c.runner import empty_store, load_graph_data, reset, run_entry
from tests.web.conftest import TOKEN, start_server


@dataclass(frozen=True)
class Service:
    client: httpx.Client
    base: str

    def run(self, entry: Entry) -> None:
        """Run ``entry`` from an empty store holding only its graph data."""
        reset(self.client, self.base)
        load_graph_data(self.client, self.base, entry)
        run_entry(self.client, self.base, entry)


def _serve(directory: Path, backend: str, *, emptied: bool, **settings: object) -> Iterator[Service]:
    """One server per suite, the store reset between entries (a server per entry would cost
    2-3 s of start each). Every request carries the token: the suites expect an endpoint that
    takes updates, and a token on a read changes nothing. ``emptied``: everything the server
    loaded at start dropped before the first request. ``backend``: the embedded store, or
    Oxigraph's own server as a remote store (issue 14: the standard's suites over both)."""
    if backend in ENGINES:
        with ENGINES[backend](directory) as engine:
            yield from _served(directory, emptied, store=engine.description(directory), **settings)
    else:
        yield from _served(directory, emptied, **settings)


def _served(directory: Path, emptied: bool, **settings: object) -> Iterator[Service]:
    server = start_server(directory, **settings)
    client = httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    try:
        if emptied:
            empty_store(client, server.url)
        yield Service(client, server.url)
    finally:
        client.close()
        server.stop()


ENGINES = {"oxigraph-server": engines.oxigraph_server, "virtuoso": engines.virtuoso_server}
BACKENDS = ["embedded", "oxigraph-server", pytest.param("virtuoso", marks=pytest.mark.engines)]


@pytest.fixture(scope="module", params=BACKENDS)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The project's server (its shapes, named queries, ...), emptied of its data."""
    yield from _serve(tmp_path_factory.mktemp("w3c"), request.param, emptied=True)


@pytest.fixture(scope="module", params=BACKENDS)
def plain_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """A server over an empty project directory: an empty store, no shapes."""
    directory = tmp_path_factory.mktemp("w3c-plain")
    (directory / "project").mkdir()
    yield from _serve(directory, request.param, emptied=False, project_dir=directory / "project")


@pytest.fixture(scope="module")
def project_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The project's server as it starts, its graph loaded."""
    yield from _serve(tmp_path_factory.mktemp("w3c-project"), "embedded", emptied=False)
