"""Answers kept until the next write (api/core/answer_cache.py), over a real server on loopback:
a repeated query is answered from the cache with the same body, a client's copy is confirmed
with 304 by its entity tag, any committed write makes both new, and a query whose answer may
change by itself (NOW(), RAND(), ...) is run every time."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rsikg.core.answer_cache import MAX_QUERY_CHARS, AnswerCache, is_kept, is_stable
from rsikg.core.sparql_lexer import tokens
from rsikg.core.store.engine import QueryAnswer
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.web.conftest import TOKEN, Server, Stores, start_server

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, store_for: Stores) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("answer-cache")
    (directory / "project").mkdir()
    running = start_server(directory, project_dir=directory / "project", store=store_for("module", directory))
    yield running
    running.stop()


def ask(server: Server, query: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server.url}/sparql", params={"query": query}, headers={**JSON_RESULTS, **headers})


def write(server: Server, n: int) -> None:
    body = f'<urn:x:s{n}> <urn:x:p> "{n}" .'.encode()
    done = httpx.post(
        f"{server.url}/store",
        params={"graph": f"urn:x:g{n}"},
        content=body,
        headers={**AUTH, "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert done.status_code in (200, 201, 204), done.text


def count(response: httpx.Response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_a_repeated_query_is_answered_from_the_cache_until_a_write(server: Server) -> None:
    first, second = ask(server, COUNT), ask(server, COUNT)
    assert first.headers["x-rsikg-cache"] == "miss" and second.headers["x-rsikg-cache"] == "hit"
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    write(server, 1)
    third = ask(server, COUNT)
    assert third.headers["x-rsikg-cache"] == "miss" and count(third) == count(first) + 1  # never stale
    assert third.headers["etag"] != first.headers["etag"]


def test_a_client_that_holds_the_answer_gets_304_until_a_write(server: Server) -> None:
    tag = ask(server, COUNT).headers["etag"]
    again = ask(server, COUNT, **{"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert ask(server, COUNT, **{"If-None-Match": f'"other", {tag}'}).status_code == 304
    write(server, 2)
    after = ask(server, COUNT, **{"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag


def test_each_format_is_kept_and_tagged_apart(server: Server) -> None:
    as_json = ask(server, COUNT)
    as_csv = httpx.get(f"{server.url}/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["etag"] != as_json.headers["etag"]


def test_a_query_whose_answer_changes_by_itself_is_run_every_time(server: Server) -> None:
    query = "SELECT ?u WHERE { BIND(STRUUID() AS ?u) }"
    first, second = ask(server, query), ask(server, query)
    assert "etag" not in first.headers and "x-rsikg-cache" not in first.headers
    assert first.json() != second.json()


def test_a_real_client_reads_cached_answers_as_any_other(server: Server) -> None:
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(COUNT)
    client.setReturnFormat(JSON)
    answers = [client.query().convert() for _ in range(2)]
    assert answers[0] == answers[1] and int(answers[0]["results"]["bindings"][0]["n"]["value"]) > 0


@pytest.mark.parametrize(
    ("query", "stable"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", True),
        ('SELECT * WHERE { ?s ?p "NOW()" }', True),  # in a string: not a call
        ("SELECT ?now WHERE { BIND(1 AS ?now) }", True),
        ("SELECT (NOW() AS ?t) WHERE {}", False),
        ("SELECT (rand ( ) AS ?r) WHERE {}", False),
        ("CONSTRUCT { ?s <urn:p> ?b } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }", False),
    ],
)
def test_what_is_kept_is_what_answers_the_same_twice(query: str, stable: bool) -> None:
    assert is_stable(query, tokens(query)) is stable
    assert is_kept(query, tokens(query)) is stable


def test_a_long_query_is_run_every_time() -> None:
    query = "SELECT * WHERE { ?s ?p ?o } " + "#" * MAX_QUERY_CHARS
    assert is_stable(query, tokens(query)) and not is_kept(query, tokens(query))


def _answer(size: int) -> QueryAnswer:
    return QueryAnswer(b"x" * size, "json", False, 1)


def test_the_cache_keeps_to_its_bound_and_drops_what_a_write_outdated() -> None:
    cache = AnswerCache(1000)
    assert cache.get(("q", 0), 0) is None  # a request at state 0: the cache answers for it now
    for i in range(8):
        cache.put(("q", i), 0, _answer(199))  # 200 bytes with its key
    assert len(cache) == 5 and cache.get(("q", 0), 0) is None and cache.get(("q", 7), 0) is not None
    cache.put(("big",), 0, _answer(300))  # over a quarter of the bound: not kept
    assert cache.get(("big",), 0) is None
    assert cache.get(("q", 7), 1) is None and len(cache) == 0  # a write came: everything before it goes
    cache.put(("stale",), 0, _answer(10))  # run before that write: not kept
    assert cache.get(("stale",), 1) is None and len(cache) == 0


def test_any_other_state_empties_the_cache_even_one_that_looks_older() -> None:
    """A remote store emptied and written again counts its generations from 0 once more: its
    state is the generation and the writer, and a cache at (3, a) holds nothing for (1, b)."""
    cache = AnswerCache(1000)
    assert cache.get(("q",), (3, "a")) is None
    cache.put(("q",), (3, "a"), _answer(10))
    assert cache.get(("q",), (3, "a")) is not None
    assert cache.get(("q",), (1, "b")) is None and len(cache) == 0
    assert cache.etag(("q",), 1, "b") != cache.etag(("q",), 1, "a") != cache.etag(("q",), 1)
