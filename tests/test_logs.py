"""Logging through the standard library: JSON lines with each event's fields (issue 11, step 7).

A refused request, a query stopped at its deadline and the worker that replaced it leave a
trace an operator can filter on: one JSON object a line when RSIKG_LOG_FORMAT=json.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from rsikg.logs import QUERY_EXCERPT, JsonFormatter, excerpt

from tests.web.conftest import TOKEN, Server, start_server
from tests.web.test_writes import BAD_UPDATE, GOOD_UPDATE

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("rsikg.web", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_the_json_formatter_writes_one_object_a_line_with_the_extra_fields() -> None:
    record = _record("request %s refused\nforged line", "abc", event="request.refused", status=404, path="/x")
    line = JsonFormatter().format(record)
    assert "\n" not in line  # a newline in a message cannot forge a second record
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "rsikg.web"
    assert entry["message"] == "request abc refused\nforged line"
    assert (entry["event"], entry["status"], entry["path"]) == ("request.refused", 404, "/x")
    assert entry["time"].endswith("+00:00")
    assert "args" not in entry and "msg" not in entry  # the record's own attributes stay out


def test_the_json_formatter_keeps_the_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("rsikg.web", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "RuntimeError: boom" in entry["exception"]


def test_a_query_in_a_log_record_is_cut_short() -> None:
    assert excerpt("x" * 50) == "x" * 50
    assert len(excerpt("x" * 5000)) == QUERY_EXCERPT + 1


def _entries(server: Server) -> list[dict[str, Any]]:
    """Every line of the server's log, each of which must be a JSON object."""
    lines = [line for line in server.log.read_text(errors="replace").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


Match = Callable[[dict[str, Any]], bool]


def _wait_for(server: Server, found: Match, seconds: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        matching = [entry for entry in _entries(server) if found(entry)]
        if matching or time.monotonic() > deadline:
            assert matching, server.log.read_text(errors="replace")[-3000:]
            return matching[0]
        time.sleep(0.1)


def test_a_json_log_traces_refused_requests_and_deadline_kills(tmp_path: Path) -> None:
    server = start_server(tmp_path, log_format="json", query_deadline=1, query_workers=1)
    try:
        _refuse_and_stop(server)
        _write(server)
    finally:
        server.stop()


def _refuse_and_stop(server: Server) -> None:
    missing = httpx.get(f"{server.url}/graph/impact/no-such-node", timeout=30)
    assert missing.status_code == 404
    malformed = httpx.get(server.sparql, params={"query": "SELECT WHERE {"}, timeout=30)
    assert malformed.status_code == 400
    slow = httpx.get(server.sparql, params={"query": ENDLESS}, timeout=60)
    assert slow.status_code == 503

    refused = _wait_for(server, lambda e: e.get("event") == "request.refused" and e.get("status") == 404)
    assert refused["path"] == "/graph/impact/no-such-node" and refused["level"] == "INFO"
    assert refused["request_id"] == missing.headers["x-request-id"]
    bad = _wait_for(server, lambda e: e.get("event") == "request.refused" and e.get("status") == 400)
    assert bad["path"] == "/sparql" and "SELECT WHERE" not in json.dumps(bad)  # no query text
    stopped = _wait_for(server, lambda e: e.get("event") == "query.deadline")
    assert stopped["level"] == "WARNING" and stopped["seconds"] >= 1 and stopped["query"] == ENDLESS
    replaced = _wait_for(server, lambda e: e.get("event") == "worker.replaced")
    assert replaced["worker_pid"] == stopped["worker_pid"] != replaced["new_worker_pid"]
    assert _wait_for(server, lambda e: e.get("event") == "request.refused" and e.get("status") == 503)


def _write(server: Server) -> None:
    """A write refused by the shapes and one committed, each with its trace (and no token)."""
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    for text, status in ((BAD_UPDATE, 422), (GOOD_UPDATE, 204)):
        answer = httpx.post(server.sparql, content=text.encode(), headers=headers, timeout=60)
        assert answer.status_code == status
    refused = _wait_for(server, lambda e: e.get("event") == "write.refused")
    assert refused["violations"] >= 1 and refused["logger"] == "rsikg.service"
    assert _wait_for(server, lambda e: e.get("event") == "request.refused" and e.get("status") == 422)
    committed = _wait_for(server, lambda e: e.get("event") == "write.committed")
    assert (committed["added"], committed["removed"]) == (1, 0)
    assert committed["graphs_created"] == ["urn:rsikg:test"]
    assert TOKEN not in server.log.read_text()
