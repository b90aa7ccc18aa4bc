"""The runner itself: a response unlike the manifest's expectation must be reported, not passed."""

from __future__ import annotations

import httpx

from tests.w3c.manifest import Expected
from tests.w3c.runner import check

TURTLE = "text/turtle; charset=utf-8"
JOHN = '<http://www.example/gsp/person/1> <http://xmlns.com/foaf/0.1/name> "John Doe" .'
JANE = '<http://www.example/gsp/person/1> <http://xmlns.com/foaf/0.1/name> "Jane Doe" .'


def response(status: int, body: str = "", content_type: str | None = None) -> httpx.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return httpx.Response(status, content=body.encode(), headers=headers)


def test_status_codes_and_classes():
    assert check(Expected(("2xx", "3xx")), response(204)) == []
    assert check(Expected(("200", "204")), response(201)) == [
        "expected status 200 or 204, got 201: (empty body)"
    ]
    assert check(Expected(("4xx",)), response(500, '{"detail": "internal error"}')) == [
        "expected status 4xx, got 500: internal error"
    ]


def test_a_graph_is_compared_by_isomorphism_and_its_media_type():
    expected = Expected(("200",), headers=(("content-type", TURTLE),), body=f"[] <urn:p> 1 . {JOHN}")
    assert check(expected, response(200, f"_:other <urn:p> 1 . {JOHN}", "text/turtle")) == []
    wrong = check(expected, response(200, f"[] <urn:p> 1 . {JANE}", TURTLE))
    assert len(wrong) == 1 and '"Jane Doe"' in wrong[0] and '"John Doe"' in wrong[0]
    triples = f'_:b <urn:p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n{JOHN}\n'
    as_triples = check(expected, response(200, triples, "application/n-triples"))
    assert as_triples == [
        "expected header content-type: text/turtle; charset=utf-8, got application/n-triples"
    ]


def test_a_boolean_answer_must_be_a_results_document_with_that_value():
    expected = Expected(("2xx",), boolean=True, format="boolean")
    assert (
        check(expected, response(200, '{"head": {}, "boolean": true}', "application/sparql-results+json"))
        == []
    )
    assert check(
        expected, response(200, '{"head": {}, "boolean": false}', "application/sparql-results+json")
    ) == ["expected the boolean true, got False"]
    assert check(expected, response(200, "true", "text/plain"))[0].startswith("expected boolean results")
