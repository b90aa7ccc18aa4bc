"""The OpenAPI document says what the server does (issue 16, item 5): a bad parameter is the
400 the server sends, not FastAPI's 422; the token is a declared bearer scheme on the operations
that need it, so /docs (and any generated client) can send it. Each claim is checked against the
live server on loopback, so the document cannot drift from it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.web.conftest import IN_PROCESS_TOKEN

BAD = {"integer": "not-a-number", "boolean": "maybe", "enum": "no-such-value", "string": None}
"""A value of the wrong type for a parameter of each type (a string takes anything)."""
SAMPLES = {"path": "system/fmk", "ident": "fmk", "from": "fmk", "to": "nsp", "name": "list_regions"}


@pytest.fixture(scope="module")
def document(base: str) -> dict[str, Any]:
    return dict(httpx.get(f"{base}/openapi.json", timeout=60).json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_no_operation_documents_fastapis_422_list(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    for method, path, op in _operations(document):
        if "422" in op["responses"]:  # only a write the shapes refuse, in rsikg's own error shape
            assert "SHACL" in op["responses"]["422"]["description"], (method, path)
        if op.get("parameters") or op.get("requestBody"):
            assert "400" in op["responses"], (method, path)


def test_each_typed_query_parameter_given_the_wrong_type_is_the_documented_400(
    base: str, document: dict[str, Any]
) -> None:
    tried = 0
    for method, path, op in _operations(document):
        if method != "get":
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], path)
        for parameter in op.get("parameters", []):
            schema = parameter.get("schema", {})  # an optional one: anyOf [its type, null]
            if "$ref" in schema:  # an enumeration, among the components
                schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            kinds = [schema.get("type"), *(t.get("type") for t in schema.get("anyOf", []))]
            kind = "enum" if "enum" in schema else next((k for k in kinds if k and k != "null"), None)
            if parameter["in"] != "query" or BAD.get(kind) is None:
                continue
            required = {
                p["name"]: SAMPLES[p["name"]]
                for p in op.get("parameters", [])
                if p["in"] == "query" and p.get("required") and p["name"] != parameter["name"]
            }
            answer = httpx.get(f"{base}{url}", params={**required, parameter["name"]: BAD[kind]}, timeout=60)
            assert answer.status_code == 400, (path, parameter["name"], answer.text[:200])
            assert answer.json()["location"]["field"] == parameter["name"]
            tried += 1
    assert tried >= 7  # depth, max_nodes, top, samples, directed, status, kind


def test_the_token_is_a_bearer_scheme_on_every_write_and_the_server_wants_it(
    base: str, document: dict[str, Any]
) -> None:
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    secured = [(m, p) for m, p, op in _operations(document) if {"bearer": []} in op.get("security", [])]
    assert {("put", "/store"), ("post", "/decisions"), ("post", "/compliance")} <= set(secured)
    for method, path, op in _operations(document):
        assert all(p["name"].lower() != "authorization" for p in op.get("parameters", [])), (method, path)
    # what the document says, the server does: without the token a write is 401, with it 201
    graph = {"graph": "https://example.org/openapi-bearer"}
    body, turtle = "<urn:x:a> <urn:x:b> <urn:x:c> .", {"Content-Type": "text/turtle"}
    refused = httpx.put(f"{base}/store", params=graph, content=body, headers=turtle)
    assert refused.status_code == 401
    bearer = {**turtle, "Authorization": f"Bearer {IN_PROCESS_TOKEN}"}
    assert httpx.put(f"{base}/store", params=graph, content=body, headers=bearer).status_code == 201
    assert httpx.delete(f"{base}/store", params=graph, headers=bearer).status_code == 204
    # a query needs none: /sparql's POST takes the token optionally (updates only)
    assert {} in document["paths"]["/sparql"]["post"]["security"]


def test_every_tag_is_declared_and_the_server_named(base: str, document: dict[str, Any]) -> None:
    declared = {tag["name"] for tag in document["tags"]}
    used = {tag for _, _, op in _operations(document) for tag in op.get("tags", [])}
    assert used <= declared
    assert document["servers"][0]["url"].startswith("http://127.0.0.1:")
    assert all(op.get("description") for _, _, op in _operations(document))
