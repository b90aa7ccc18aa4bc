"""The OpenAPI document describes every JSON answer, and live answers match those descriptions.

Against a real ``rsikg serve``: /openapi.json must give each JSON response a schema with
properties (not the empty ``{}`` FastAPI writes for a route that returns a Response), and the
answers of the routes themselves must validate against the pydantic models in api/web/models.py,
which forbid keys they do not name, so a model that drifts from its answer fails here.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter
from rsikg.web import models

from tests.conftest import ROOT, _rsikg_command
from tests.web.conftest import TOKEN, Server, Stores, start_server

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

JSON = "application/json"
# Routes that answer JSON today; the document must keep describing each of them.
JSON_ROUTES = {
    ("get", "/health", "200"),
    ("get", "/queries", "200"),
    ("get", "/changes", "200"),
    ("get", "/compliance", "200"),
    ("post", "/compliance", "201"),
    ("get", "/decisions", "200"),
    ("post", "/decisions", "201"),
    ("post", "/decisions/validate", "200"),
    ("get", "/decisions/{ident}", "200"),
    ("get", "/decisions/{ident}/history", "200"),
    ("get", "/graph/dependencies", "200"),
    ("get", "/graph/impact/{ident}", "200"),
    ("get", "/graph/cycles", "200"),
    ("get", "/graph/critical", "200"),
    ("get", "/graph/path", "200"),
}
RECORD = (
    "---\nid: openapi-test-1\ntitle: Fælles servicevindue for FMK\nstatus: accepted\ndate: 2025-03-01\n"
    "decided-by: styregruppen-for-systemforvaltning\nkind: operations\naffects: [fmk]\n"
    "applies-to: [region-hovedstaden, region-sjaelland]\n---\n"
    "## Context and Problem Statement\nFMK opdateres uden fælles varsel.\n"
    "## Decision Outcome\nOpdateringer lægges i ét varslet vindue.\n"
    "## Consequences\nForudsigelig drift.\n"
)
STATEMENT = (
    "---\ndecision: openapi-test-1\nregion: region-sjaelland\nstatus: deviates\ndate: 2025-04-01\n---\n"
    "## Forklaring\nRegionen har en kontrakt, der udløber næste år.\n"
)
MARKDOWN = {"Content-Type": "text/markdown"}


def _objects(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    """The object schemas a response schema stands for: through $ref, anyOf/oneOf and array items."""
    if "$ref" in schema:
        return _objects(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "anyOf" in schema or "oneOf" in schema:
        return [
            o for branch in schema.get("anyOf", schema.get("oneOf")) for o in _objects(branch, components)
        ]
    if schema.get("type") == "array":
        return _objects(schema.get("items", {}), components)
    return [schema]


def _json_responses(document: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(method, path, status) → the schema of each 2xx application/json response."""
    found = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if status.startswith("2") and JSON in content:
                    found[(method, path, status)] = content[JSON].get("schema", {})
    return found


def test_every_json_response_has_a_schema_with_properties(server: Server) -> None:
    document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    components = document["components"]["schemas"]
    responses = _json_responses(document)
    assert set(responses) >= JSON_ROUTES, JSON_ROUTES - set(responses)
    empty = [
        route
        for route, schema in responses.items()
        if not all(o.get("properties") for o in _objects(schema, components))
    ]
    assert empty == []
    # the JSON of another media type is described too: Cytoscape.js graphs, SPARQL JSON results
    graph = document["paths"]["/graph/dependencies"]["get"]["responses"]["200"]["content"]
    assert "elements" in graph["application/vnd.cytoscape+json"]["schema"]["properties"]
    named = document["paths"]["/queries/list_regions"]["get"]["responses"]["200"]["content"]
    assert "head" in named["application/sparql-results+json"]["schema"]["properties"]


def test_the_schemas_name_the_keys_as_answers_spell_them(server: Server) -> None:
    components = httpx.get(f"{server.url}/openapi.json", timeout=30).json()["components"]["schemas"]
    assert "asOf" in components["Compliance"]["properties"]
    assert {"from", "to"} <= set(components["Changes"]["properties"])
    assert "pathsOmitted" in components["Impact"]["properties"]
    assert "path" not in components["Dependent"]["required"]  # left out past a limit, never null
    assert components["Error"]["required"] == ["detail"]


def _valid(model: Any, response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    assert response.headers["content-type"].startswith(JSON)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_validate(response.json())
    return TypeAdapter(model).validate_python(response.json())


@pytest.mark.parametrize(
    ("route", "params", "model"),
    [
        ("/health", {}, models.Health),
        ("/queries", {}, list[models.NamedQueryInfo]),
        ("/changes", {"from": "2006-12-31", "to": "2027-01-01"}, models.Changes),
        ("/compliance", {}, models.Compliance),
        ("/compliance", {"asOf": "all", "status": "all"}, models.Compliance),
        ("/decisions", {}, models.DecisionList),
        ("/graph/impact/nsp", {}, models.Impact),
        ("/graph/impact/fmk", {"asOf": "2027-01-02"}, models.Impact),
        ("/graph/impact/nsp", {"format": "node-link"}, models.NodeLinkGraph),
        ("/graph/cycles", {"relations": "dependsOn,usedBy"}, models.Cycles),
        ("/graph/critical", {"top": 5}, models.Critical),
        ("/graph/dependencies", {"root": "nsp", "depth": 2, "direction": "both"}, models.NodeLinkGraph),
        ("/graph/dependencies", {"root": "nsp", "asOf": "all"}, models.NodeLinkGraph),
        ("/graph/path", {"from": "sundhedsjournalen", "to": "nsp"}, models.NodeLinkGraph),
    ],
)
def test_live_answers_validate_against_their_models(
    server: Server, route: str, params: dict[str, Any], model: Any
) -> None:
    _valid(model, httpx.get(f"{server.url}{route}", params=params, timeout=120))


def test_graph_answers_carry_periods_and_handed_over_edges_as_modelled(server: Server) -> None:
    every = httpx.get(f"{server.url}/graph/dependencies", params={"root": "nsp", "asOf": "all"}, timeout=60)
    assert any(n.start_date for n in _valid(models.NodeLinkGraph, every).nodes)
    up = {"root": "region-oestdanmark", "direction": "up", "asOf": "2027-01-02"}
    handed = _valid(
        models.NodeLinkGraph, httpx.get(f"{server.url}/graph/dependencies", params=up, timeout=60)
    )
    assert any(e.derived and e.via and e.rule for e in handed.edges)
    cytoscape = httpx.get(
        f"{server.url}/graph/dependencies",
        params={"root": "nsp"},
        headers={"Accept": "application/vnd.cytoscape+json"},
        timeout=60,
    )
    assert cytoscape.status_code == 200
    assert models.CytoscapeGraph.model_validate(cytoscape.json()).elements.nodes


def test_error_answers_validate_against_the_error_model(server: Server) -> None:
    missing = httpx.get(f"{server.url}/graph/impact/no-such-system", timeout=60)
    assert missing.status_code == 404
    assert models.Error.model_validate(missing.json()).suggestions is not None
    bad = httpx.get(f"{server.url}/compliance", params={"asOf": "2027-02-30"}, timeout=60)
    assert bad.status_code == 400
    assert models.Error.model_validate(bad.json()).location == models.ErrorLocation(field="asOf")


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory, store_for: Stores) -> Iterator[Server]:
    """A server on a store with the illustrative decisions and statements, which the adoption
    test below writes to (the other tests on it only check shapes)."""
    directory = tmp_path_factory.mktemp("openapi-examples")
    store = store_for("examples", directory) or directory / "store"
    subprocess.run(
        [*_rsikg_command(), "load", "--examples", "--store", str(store)],
        check=True,
        capture_output=True,
        env={"RSIKG_PROJECT_DIR": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    running = start_server(directory, store=store)
    yield running
    running.stop()
    shutil.rmtree(directory / "store", ignore_errors=True)


@pytest.mark.parametrize(
    "params", [{}, {"asOf": "2027-01-01", "format": "json"}, {"asOf": "all", "status": "all"}]
)
def test_the_compliance_matrix_with_inherited_cells_validates(
    examples: Server, params: dict[str, str]
) -> None:
    matrix = _valid(models.Compliance, httpx.get(f"{examples.url}/compliance", params=params, timeout=60))
    assert matrix.decisions
    if params.get("asOf") == "2027-01-01":  # Region Østdanmark inherits (Overgangsloven § 126)
        assert any(cell.inherited_from for row in matrix.decisions for cell in row.cells.values())


def test_a_dry_run_validates(examples: Server) -> None:
    answer = httpx.post(f"{examples.url}/decisions/validate", content=RECORD.encode(), headers=MARKDOWN)
    found = _valid(models.DryRun, answer)
    assert found.impact is not None and found.impact.comply_or_explain


def test_adoption_and_the_decision_read_back_validate(examples: Server) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    adopted = httpx.post(
        f"{examples.url}/decisions", content=RECORD.encode(), headers={**MARKDOWN, **auth}, timeout=60
    )
    assert _valid(models.Adoption, adopted).adopted[0].version == 1
    stated = httpx.post(
        f"{examples.url}/compliance", content=STATEMENT.encode(), headers={**MARKDOWN, **auth}, timeout=60
    )
    _valid(models.Adoption, stated)
    listed = _valid(models.DecisionList, httpx.get(f"{examples.url}/decisions", timeout=60))
    assert "openapi-test-1" in {d.id for d in listed.decisions}
    one = _valid(models.Decision, httpx.get(f"{examples.url}/decisions/openapi-test-1", timeout=60))
    assert one.history and one.history[0].inputs
    history = httpx.get(f"{examples.url}/decisions/openapi-test-1/history", timeout=60)
    assert _valid(models.DecisionHistory, history).history[0].adopted_by == "api"
    matrix = _valid(models.Compliance, httpx.get(f"{examples.url}/compliance", timeout=60))
    row = next(r for r in matrix.decisions if r.id == "openapi-test-1")
    assert "deviates" in {cell.state for cell in row.cells.values()}


def test_a_named_query_answer_validates_as_sparql_json_results(server: Server) -> None:
    answer = httpx.get(
        f"{server.url}/queries/list_regions",
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    results = models.SparqlResults.model_validate(answer.json())
    assert results.results.bindings and any(t.lang for row in results.results.bindings for t in row.values())
