"""The first ten minutes (issue 16, item 6): with ``rsikg serve`` running over a store, the
reading commands (query, validate, stats, …) work against the same store, read-only and as it is
when they open it, and say so; a writing command is still refused, naming the server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.conftest import ROOT, _rsikg_command
from tests.web.conftest import TOKEN, start_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _rsikg(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_rsikg_command(), *args, "--store", str(store)],
        capture_output=True,
        text=True,
        env={"RSIKG_PROJECT_DIR": str(ROOT), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        timeout=300,
    )


def test_reading_commands_read_the_store_a_server_holds(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    store = tmp_path / "store"
    try:
        served = httpx.post(server.sparql, data={"query": COUNT}, headers={"Accept": "text/csv"}, timeout=60)
        counted = _rsikg(store, "query", COUNT, "--format", "csv")
        assert counted.returncode == 0, counted.stderr
        assert counted.stdout.splitlines()[1] == served.text.splitlines()[1]  # the same triples
        assert "reading it read-only" in counted.stderr
        stats = _rsikg(store, "stats")
        assert stats.returncode == 0 and "rsi:Region" in stats.stdout, stats.stderr
        validated = _rsikg(store, "validate")
        assert validated.returncode == 0, validated.stderr
        # a write through the server, then a command: it reads the store as it is when it opens
        added = httpx.put(
            f"{server.url}/store",
            params={"graph": "https://example.org/while-serving"},
            content="<urn:x:a> <urn:x:b> <urn:x:c> .",
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        )
        assert added.status_code == 201
        after = _rsikg(store, "query", COUNT, "--format", "csv")
        assert int(after.stdout.splitlines()[1]) == int(counted.stdout.splitlines()[1]) + 1
        # a writing command is refused, naming what holds the store
        load = _rsikg(store, "load")
        assert load.returncode == 2 and "in use by another process" in load.stderr
        stats_while_served = _rsikg(store, "stats").stdout
    finally:
        server.stop()
    # the same counts as the owner's, once the server is gone: the server's merged graph (its
    # default graph) is neither a named graph nor counted twice
    assert _rsikg(store, "stats").stdout.splitlines()[0] == stats_while_served.splitlines()[0]
    assert "│ all " not in stats_while_served
