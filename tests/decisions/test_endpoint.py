"""``rsikg decision validate FILES --endpoint URL`` (issue 16, item 7): the dry run made by a running
rsikg (its ``POST /decisions/validate``) gives the exit code and the report the local check gives
for the same files against the same graph; a server that cannot be reached, is not an rsikg, or
fails is exit 2 and one line naming the URL. And ``--project-graph``, the pre-commit hook's
default, checks against the graph rsikg ships without any store.

The command runs in this process (typer's runner), the server is a real ``rsikg serve`` on
loopback over a copy of the store the local check reads.
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
import rdflib
from rdflib.compare import isomorphic
from rsikg.cli import app
from typer.testing import CliRunner, Result

from tests.decisions.table import EXAMPLES
from tests.web.conftest import free_port, load_examples, start_server

CONFORMING = EXAMPLES / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md"
SUCCESSOR = EXAMPLES / "0011-dokumentdeling-via-nsp-med-ihe-mhd.md"  # a status change
VIOLATING = EXAMPLES / "0012-projektforum-uden-arkitekturmandat.md"
LITERAL_VALUE = EXAMPLES / "0028-uden-status-og-med-ugyldig-dato.md"  # a result whose value is text
GONE_REGION = EXAMPLES / "0029-gaelder-for-en-nedlagt-region.md"
UNREADABLE = EXAMPLES / "0021-ugyldig-yaml.md"
NOTE = "note: the store is in use"


@dataclass(frozen=True)
class Graphs:
    url: str  # the server's base URL
    store: Path  # a copy of the store it serves, for the local check


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graphs]:
    """The project with the illustrative examples: served (no token: the dry run needs none),
    and a copy on disk for the local check."""
    base = tmp_path_factory.mktemp("endpoint")
    load_examples(base / "store")
    shutil.copytree(base / "store", base / "local")
    server = start_server(base, token=False)
    yield Graphs(server.url, base / "local")
    server.stop()


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["decision", "validate", *map(str, args)])


def local(graphs: Graphs, *args: str | Path) -> Result:
    return run(*args, "--store", graphs.store)


def _stderr(result: Result) -> str:
    """stderr without the note that the store is read read-only (a store an earlier command of
    this process has not let go of yet)."""
    return "".join(line for line in result.stderr.splitlines(keepends=True) if not line.startswith(NOTE))


def remote(graphs: Graphs, *args: str | Path) -> Result:
    return run(*args, "--endpoint", graphs.url)


def _json(result: Result) -> dict[str, object]:
    """The JSON report, its results in one order (pySHACL's order is not the same from run to run)."""
    found = json.loads(result.stdout)
    found["results"] = sorted(found["results"], key=lambda r: json.dumps(r, sort_keys=True))
    return found


def _report(text: str) -> str:
    """The text output up to its impact: the verdict, every result and the status changes."""
    return text.split("\nImpact\n", 1)[0]


# --------------------------------------------------------------------------------------------
# The same verdict and the same report as the local check
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "exit_code"),
    [(CONFORMING, 0), (SUCCESSOR, 0), (VIOLATING, 1), (LITERAL_VALUE, 1), (GONE_REGION, 1)],
    ids=lambda v: v.name[:4] if isinstance(v, Path) else None,
)
def test_the_endpoint_gives_the_local_verdict_report_and_json(graphs, record, exit_code):
    here, there = local(graphs, record), remote(graphs, record)
    assert (here.exit_code, there.exit_code) == (exit_code, exit_code), here.output + there.output
    assert _report(there.stdout) == _report(here.stdout)
    assert there.stderr == ""
    here_json, there_json = local(graphs, record, "-f", "json"), remote(graphs, record, "-f", "json")
    assert there_json.exit_code == here_json.exit_code == exit_code
    assert _json(there_json) == _json(here_json)  # the server's JSON is the JSON printed


def test_in_danish_the_whole_text_is_the_local_text(graphs):
    """The JSON labels the impact's nodes in Danish (and the affected systems in English too), so
    in Danish nothing differs; in English the dependents and regions keep their Danish labels."""
    here = local(graphs, CONFORMING, "--lang", "da")
    there = remote(graphs, CONFORMING, "--lang", "da")
    assert there.exit_code == here.exit_code == 0
    assert "Impact" in there.stdout and "depended on by 1 system(s)" in there.stdout
    assert there.stdout == here.stdout


def test_the_turtle_report_is_the_local_one(graphs):
    here = local(graphs, VIOLATING, "-f", "turtle")
    there = remote(graphs, VIOLATING, "-f", "turtle")
    assert there.exit_code == here.exit_code == 1
    parsed = [rdflib.Graph().parse(data=r.stdout, format="turtle") for r in (here, there)]
    assert isomorphic(*parsed)


def test_several_files_are_one_candidate_as_locally(graphs, tmp_path):
    """A record that supersedes another one of the same commit: each alone has a Violation, the
    two together conform, locally and at the endpoint (which gets them in one request)."""
    text = CONFORMING.read_text(encoding="utf-8")
    first = tmp_path / "0040-foerste.md"
    first.write_text(
        text.replace("eksempel-010-fhir-til-laboratoriesvar", "eksempel-040-foerste").replace(
            "status: accepted", "status: superseded"
        ),
        encoding="utf-8",
    )
    second = tmp_path / "0041-anden.md"
    second.write_text(
        text.replace("eksempel-010-fhir-til-laboratoriesvar", "eksempel-041-anden").replace(
            "kind: architecture\n", "kind: architecture\nsupersedes: [eksempel-040-foerste]\n"
        ),
        encoding="utf-8",
    )
    for alone in (first, second):
        assert remote(graphs, alone).exit_code == local(graphs, alone).exit_code == 1
    here = local(graphs, first, second, "-f", "json")
    there = remote(graphs, first, second, "-f", "json")
    assert there.exit_code == here.exit_code == 0, there.output
    assert _json(there) == _json(here)


# --------------------------------------------------------------------------------------------
# Exit 2: what cannot be read, and servers that give no report
# --------------------------------------------------------------------------------------------


def _one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unreadable_record_is_the_local_error_and_nothing_is_sent(graphs):
    here = local(graphs, UNREADABLE)
    unreachable = f"http://127.0.0.1:{free_port()}"
    there = run(UNREADABLE, "--endpoint", unreachable)  # read before anything is sent
    assert there.exit_code == here.exit_code == 2
    assert there.stdout == here.stdout == ""
    assert there.stderr == _stderr(here) and "line 3" in there.stderr


def test_an_unreachable_endpoint_is_one_line_naming_it():
    url = f"http://127.0.0.1:{free_port()}"
    line = _one_line(run(CONFORMING, "--endpoint", url))
    assert line.startswith(f"error: cannot reach an rsikg at {url}/decisions/validate: "), line


class _Answering(http.server.BaseHTTPRequestHandler):
    """A server that is not an rsikg: each path answers as :data:`ANSWERS` says."""

    ANSWERS: ClassVar[dict[str, tuple[int, str, bytes]]] = {
        "/missing/decisions/validate": (404, "text/html", b"<html><body>Not Found</body></html>"),
        "/html/decisions/validate": (200, "text/html", b"<html><body>Welcome</body></html>"),
        "/broken/decisions/validate": (500, "application/json", b'{"detail":"the store is gone"}'),
    }

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, media_type, body = self.ANSWERS.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def not_rsikg() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answering)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/missing", "answered HTTP 404 Not Found: no POST /decisions/validate there: is it an rsikg?"),
        ("/html", "answered HTTP 200 with text/html, not a dry run's report: is it an rsikg?"),
        ("/broken", "answered HTTP 500 Internal Server Error: the store is gone"),
    ],
)
def test_a_server_that_gives_no_report_is_one_line_naming_it(not_rsikg, path, said):
    url = f"{not_rsikg}{path}"
    line = _one_line(run(VIOLATING, "--endpoint", url))
    assert line.startswith(f"error: {url}/decisions/validate {said}"), line


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--endpoint", "localhost:8000"], "is not the http:// or https:// URL of a running rsikg"),
        (["--endpoint", "http://127.0.0.1:9", "--store", ":memory:"], "not --store and --endpoint"),
        (["--endpoint", "http://127.0.0.1:9", "--full"], "--full validates a local store"),
        (["--project-graph", "--store", ":memory:"], "not --store and --project-graph"),
    ],
)
def test_options_that_do_not_go_together_are_exit_2(options, said):
    line = _one_line(run(CONFORMING, *options))
    assert said in line, line


# --------------------------------------------------------------------------------------------
# --project-graph: the graph rsikg ships, no store needed
# --------------------------------------------------------------------------------------------


def test_the_project_graph_needs_no_store_and_leaves_no_store_behind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RSIKG_STORE", raising=False)
    conforming = run(CONFORMING, "--project-graph")
    assert conforming.exit_code == 0, conforming.output
    assert conforming.stdout.startswith("Conforms: 0 violation(s)")
    violating = run(VIOLATING, "--project-graph")
    assert violating.exit_code == 1, violating.output
    assert "rsish:DecisionWithinMandateShape" in violating.stdout
    assert list(tmp_path.iterdir()) == []  # no ./.rsikg/store made in the ADR repository
