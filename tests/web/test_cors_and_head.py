"""Fit for other tools (issue 16, item 3): every read route answers HEAD as GET without the body,
a page in another origin may read every answer (CORS, through Starlette's middleware: the
preflight a browser sends, then the request), the allowed origins are a setting, and ``/sparql/``
is ``/sparql``. Against the in-process server on loopback, read with httpx."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.web.conftest import BROWSER, serve_in_process

OTHER_ORIGIN = "http://127.0.0.2:8080"
SAMPLES = {"path": "system/fmk", "ident": "fmk", "from": "fmk", "to": "nsp"}
"""A value for each path or query parameter a documented read route requires."""
VARIES = {"date", "x-request-id", "content-length", "etag", "last-modified", "x-rsikg-cache"}
"""Headers two answers to the same request may differ in (or that HEAD leaves out)."""


def reads(base: str) -> list[str]:
    """A URL for every GET route the OpenAPI document names, its required parameters filled."""
    document = httpx.get(f"{base}/openapi.json", timeout=60).json()
    found = []
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        required = [p for p in operations["get"].get("parameters", []) if p.get("required")]
        url = re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], path)
        query = "&".join(f"{p['name']}={SAMPLES[p['name']]}" for p in required if p["in"] == "query")
        found.append(f"{url}?{query}" if query else url)
    return found


def test_every_documented_read_answers_head_as_get_without_a_body(base: str) -> None:
    urls = reads(base)
    assert len(urls) > 30 and "/graph/dependencies" in urls and "/sparql" in urls
    for url in [*urls, "/", "/map", "/editor", "/static/rsikg.css", "/assets/cytoscape.min.js"]:
        get = httpx.get(f"{base}{url}", headers=BROWSER, timeout=60)
        head = httpx.head(f"{base}{url}", headers=BROWSER, timeout=60)
        assert head.status_code == get.status_code, url
        assert head.content == b"", url
        same = {k: v for k, v in get.headers.items() if k not in VARIES}
        assert {k: v for k, v in head.headers.items() if k not in VARIES} == same, url


def test_sparql_with_a_slash_is_sparql(base: str) -> None:
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    plain = httpx.get(f"{base}/sparql", params=query, headers={"Accept": "application/sparql-results+json"})
    slashed = httpx.get(
        f"{base}/sparql/", params=query, headers={"Accept": "application/sparql-results+json"}
    )
    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json()
    posted = httpx.post(f"{base}/sparql/", data=query, headers={"Accept": "application/sparql-results+json"})
    assert posted.json() == plain.json()


def _preflight(base: str, url: str, origin: str, method: str = "GET", headers: str = "accept,if-none-match"):
    """What Chromium sends before a cross-origin request with a header beyond the safelisted."""
    return httpx.options(
        f"{base}{url}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
            "Sec-Fetch-Mode": "cors",
        },
        timeout=60,
    )


def test_a_page_in_another_origin_may_read_every_answer(base: str) -> None:
    for url in reads(base):
        preflight = _preflight(base, url, OTHER_ORIGIN)
        assert preflight.status_code == 200, url
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers  # never cookies
        answer = httpx.get(f"{base}{url}", headers={"Origin": OTHER_ORIGIN}, timeout=60)
        assert answer.headers["access-control-allow-origin"] == "*", url
        exposed = answer.headers["access-control-expose-headers"].lower()
        assert "x-request-id" in exposed and "etag" in exposed
    # a write's preflight too: the token travels in Authorization, which the page holds itself
    write = _preflight(base, "/store?default", OTHER_ORIGIN, "PUT", "authorization,content-type")
    assert write.status_code == 200 and "PUT" in write.headers["access-control-allow-methods"]
    # and an error still reaches the page, with the id to quote
    failed = httpx.get(f"{base}/sparql", params={"query": "SELEC"}, headers={"Origin": OTHER_ORIGIN})
    assert failed.status_code == 400 and failed.headers["access-control-allow-origin"] == "*"


@pytest.fixture(scope="module")
def narrow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server that lets only OTHER_ORIGIN's pages read it."""
    yield from serve_in_process(tmp_path_factory.mktemp("cors-narrow"), cors_origins=[OTHER_ORIGIN])


def test_only_the_configured_origins_may_read(narrow: str) -> None:
    allowed = _preflight(narrow, "/graph/dependencies", OTHER_ORIGIN)
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == OTHER_ORIGIN
    refused = _preflight(narrow, "/graph/dependencies", "http://127.0.0.3:8080")
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    answer = httpx.get(f"{narrow}/openapi.json", headers={"Origin": "http://127.0.0.3:8080"}, timeout=60)
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers
    sparql = httpx.get(f"{narrow}/sparql", params={"query": "ASK {}"}, headers={"Origin": OTHER_ORIGIN})
    assert sparql.headers["access-control-allow-origin"] == OTHER_ORIGIN
    assert "origin" in sparql.headers["vary"].lower()  # a cache keeps one answer per origin
