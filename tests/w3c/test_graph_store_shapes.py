"""Why the Graph Store suite runs over an empty project: the project's own server refuses the
suite's data, which its shapes do not allow (every fact needs a source and a Danish label).
Not an entry of the suite, so in a module of its own: the suite's count stays the manifest's."""

from __future__ import annotations

from tests.w3c.conftest import Service
from tests.w3c.manifest import GRAPH_STORE_MANIFEST, read_manifest
from tests.w3c.runner import send

ENTRIES = read_manifest(GRAPH_STORE_MANIFEST)
PERSON = "http://www.example/gsp/person/1"


def test_the_projects_shapes_refuse_the_suites_person(project_service: Service) -> None:
    """The suite's first PUT (a foaf:Person with a vCard) on the project's server: 422, the
    report naming the shapes it breaks on the person, and nothing written."""
    put = next(r for e in ENTRIES for r in e.requests if r.method == "PUT")
    assert PERSON.encode() in (put.body or b"")
    response = send(project_service.client, project_service.base, put, {})
    assert response.status_code == 422, response.text
    results = response.json()["report"]["results"]
    shapes = {r["sourceShape"].rsplit("#", 1)[-1] for r in results if r["focusNode"] == PERSON}
    assert shapes == {"DanishPrefLabelShape", "SourceShape"}, results
    again = project_service.client.get(response.request.url, headers={"Accept": "text/turtle"})
    assert again.status_code == 404
