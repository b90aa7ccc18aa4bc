"""Values a client chooses never become query text: over HTTP, against a real ``rsikg serve``.

``GET /compliance?status=`` takes a word of the decision-status vocabulary (or ``all``), and a
MADR record's ``status:`` and ``kind:`` must be words of their vocabularies; anything else is a
400 naming the parameter or the key (and its line), before any query is written.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "graph_data" / "examples" / "decisions"
EXAMPLE = EXAMPLES / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md"
STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded", "all")
ATTACKS = [
    "accepted> } UNION { ?s ?p ?o } #",
    "accepted> . } #",
    'accepted" || true) } #',
    "accepted%3E",
    "Accepted",
    "",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_compliance_status_outside_the_vocabulary_is_a_400_naming_the_allowed_words(server, attack):
    response = httpx.get(f"{server.url}/compliance", params={"status": attack}, timeout=30)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["location"]["field"] == "status"
    assert all(f"'{word}'" in body["detail"] for word in STATUSES), body["detail"]


@pytest.mark.parametrize("status", STATUSES)
def test_every_word_of_the_vocabulary_and_all_are_answered(server, status):
    response = httpx.get(f"{server.url}/compliance", params={"status": status, "format": "json"}, timeout=30)
    assert response.status_code == 200, response.text
    assert "decisions" in response.json()


def _with(key: str, value: str) -> bytes:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    lines[index] = f"{key}: {value}\n"
    return "".join(lines).encode()


def _line_of(body: bytes, key: str) -> int:
    return next(n for n, line in enumerate(body.decode().splitlines(), 1) if line.startswith(f"{key}:"))


ALLOWED = {
    "status": "proposed, accepted, rejected, deprecated, superseded",
    "kind": "architecture, operations, projects, strategy",
}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("status", '"accepted> . } #"'),
        ("status", '"accepted\\" . } DROP ALL #"'),
        ("status", "approved"),
        ("kind", '"architecture> } ; CLEAR ALL #"'),
    ],
)
def test_a_record_with_a_word_outside_its_vocabulary_is_a_400_naming_the_key_and_line(server, key, value):
    body = _with(key, value)
    url, headers = f"{server.url}/decisions/validate", {"Content-Type": "text/markdown"}
    response = httpx.post(url, content=body, headers=headers, timeout=60)
    assert response.status_code == 400, response.text
    problems = response.json()["problems"]
    assert [p["location"].get("field") for p in problems] == [key]
    assert problems[0]["location"]["line"] == _line_of(body, key)
    assert problems[0]["detail"].endswith(f"use {ALLOWED[key]}")
