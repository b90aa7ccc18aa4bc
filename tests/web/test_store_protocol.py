"""What the W3C Graph Store suite does not check: direct graph names and new graphs come from
the configured base URL (never the Host header), HEAD reads no graph, and a multipart POST is
one write whose errors name the part. On a server over an empty project (no shapes)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import rdflib

from tests.web.conftest import TOKEN, Server, Stores, start_server

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

BASE = "https://kg.example/rsikg"  # the proxy's URL, as RSIKG_BASE_URL sets it
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TRIPLE = '<urn:x:s> <urn:x:p> "{}" .'
GOOD = ("good.ttl", "text/turtle", TRIPLE.format("good"))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory, store_for: Stores) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("store-protocol")
    (directory / "project").mkdir()
    described = store_for("plain", directory)
    running = start_server(directory, project_dir=directory / "project", base_url=BASE, store=described)
    yield running
    running.stop()


def write(method: str, url: str, value: str) -> httpx.Response:
    headers = {**AUTH, "Content-Type": "text/turtle"}
    return httpx.request(method, url, content=TRIPLE.format(value).encode(), headers=headers, timeout=60)


def multipart(*parts: tuple[str, str, str]) -> bytes:
    """A multipart/form-data body (boundary b0) of (filename, Content-Type, text) parts."""
    return (
        b"".join(
            f'--b0\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            f"Content-Type: {media}\r\n\r\n{text}\r\n".encode()
            for name, media, text in parts
        )
        + b"--b0--\r\n"
    )


def post_parts(url: str, body: bytes) -> httpx.Response:
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=b0"}
    return httpx.post(url, content=body, headers=headers, timeout=60)


def test_a_direct_name_is_the_base_url_and_the_path_whatever_the_host(plain: Server) -> None:
    url = f"{plain.url}/store/people/a%20b.ttl"
    assert write("PUT", url, "direct").status_code == 201
    spoofed = httpx.get(url, headers={"Host": "evil.example"})
    assert spoofed.status_code == 200 and '"direct"' in spoofed.text
    indirect = httpx.get(f"{plain.url}/store", params={"graph": f"{BASE}/store/people/a%20b.ttl"})
    assert indirect.status_code == 200 and indirect.text == spoofed.text
    both = httpx.get(url, params={"graph": "urn:x:g"})
    assert both.status_code == 400 and "neither ?graph nor ?default" in both.json()["detail"]


def test_post_to_the_endpoint_makes_a_graph_named_under_the_base_url(plain: Server) -> None:
    first, second = write("POST", f"{plain.url}/store", "new"), write("POST", f"{plain.url}/store", "new")
    assert first.status_code == second.status_code == 201, first.text
    location = first.headers["location"]
    assert location.startswith(f"{BASE}/store/") and location != second.headers["location"]
    direct = httpx.get(plain.url + location.removeprefix(BASE))  # its own URL names it
    assert direct.status_code == 200 and '"new"' in direct.text


def test_head_has_the_headers_of_get_and_no_body(plain: Server) -> None:
    assert write("PUT", f"{plain.url}/store/head", "head").status_code == 201
    accept = {"Accept": "application/n-triples"}
    get, head = (
        httpx.get(f"{plain.url}/store/head", headers=accept),
        httpx.head(f"{plain.url}/store/head", headers=accept),
    )
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["vary"] == get.headers["vary"] == "Accept, Origin"  # Origin: the CORS middleware's
    assert httpx.head(f"{plain.url}/store", params={"graph": "urn:x:none"}).status_code == 404
    assert httpx.head(f"{plain.url}/store/none").status_code == 404


def test_a_multipart_post_is_one_write_and_a_bad_part_is_named(plain: Server) -> None:
    url = f"{plain.url}/store/parts"
    broken = post_parts(url, multipart(GOOD, ("broken.ttl", "text/turtle", '<urn:x:s> <urn:x:p> "open .')))
    assert broken.status_code == 400, broken.text
    assert broken.json()["location"]["source"] == "part 2 ('broken.ttl') of the request body"
    assert httpx.get(url).status_code == 404  # the good part was not kept either
    unknown = post_parts(url, multipart(GOOD, ("notes.txt", "text/plain", "hello")))
    assert unknown.status_code == 415 and "part 2 ('notes.txt')" in unknown.json()["detail"]
    truncated = post_parts(url, multipart(GOOD)[:-8])
    assert truncated.status_code == 400 and "close boundary" in truncated.json()["detail"]
    both = post_parts(url, multipart(GOOD, ("more.nt", "application/n-triples", TRIPLE.format("more"))))
    assert both.status_code == 201, both.text
    read = httpx.get(url, headers={"Accept": "application/n-triples"})
    assert sorted(read.text.split("\n")) == ["", TRIPLE.format("good"), TRIPLE.format("more")]


def test_an_empty_project_serves_a_store_without_the_projects_graphs(plain: Server) -> None:
    assert "empty store and no shapes" in plain.log.read_text()  # said, in case it is a mistake
    query = 'ASK { GRAPH ?g { } FILTER(STRSTARTS(STR(?g), "https://w3id.org/rsikg/")) }'
    ask = httpx.get(
        f"{plain.url}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert ask.status_code == 200 and ask.json()["boolean"] is False


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_an_empty_document_to_a_new_graph_makes_an_empty_graph(plain: Server, method: str) -> None:
    url = f"{plain.url}/store/empty-{method.lower()}"
    made = httpx.request(
        method, url, content=b"", headers={**AUTH, "Content-Type": "text/turtle"}, timeout=60
    )
    assert made.status_code == 201, made.text  # Created: so it exists, empty
    got = httpx.get(url, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.text.strip() == ""
    again = httpx.request(
        method, url, content=b"", headers={**AUTH, "Content-Type": "text/turtle"}, timeout=60
    )
    assert again.status_code in (200, 204), again.text  # it exists now: not created twice


def test_a_json_ld_upload_is_its_default_graph_and_fetches_no_context(plain: Server, listener) -> None:
    url = f"{plain.url}/store/jsonld"
    document = '{"@id": "urn:x:s", "urn:x:p": "from JSON-LD", "urn:x:q": {"@id": "urn:x:o"}}'
    headers = {**AUTH, "Content-Type": "application/ld+json"}
    assert httpx.put(url, content=document, headers=headers, timeout=60).status_code == 201
    read = httpx.get(url, headers={"Accept": "application/n-triples"}, timeout=60)
    assert sorted(read.text.strip().splitlines()) == [
        '<urn:x:s> <urn:x:p> "from JSON-LD" .',
        "<urn:x:s> <urn:x:q> <urn:x:o> .",
    ]
    remote = f'{{"@context": "{listener.base}context.jsonld", "@id": "urn:x:t", "name": "x"}}'
    refused = httpx.put(url, content=remote, headers=headers, timeout=60)
    assert refused.status_code == 400 and "context" in refused.json()["detail"].lower()
    assert listener.connections == 0  # nothing fetched, and the graph is as it was
    again = httpx.get(url, headers={"Accept": "application/n-triples"}, timeout=60)
    assert again.text == read.text


@pytest.mark.parametrize("media", ["application/trig", "application/n-quads"])
def test_the_whole_dataset_in_a_dataset_format_keeps_each_graph(plain: Server, media: str) -> None:
    assert write("PUT", f"{plain.url}/store/dataset-a", "a").status_code in (201, 204)
    assert write("PUT", f"{plain.url}/store/dataset-b", "b").status_code in (201, 204)
    answer = httpx.get(f"{plain.url}/store", headers={"Accept": media}, timeout=60)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    dataset = rdflib.Dataset()
    dataset.parse(data=answer.text, format="trig" if media.endswith("trig") else "nquads")
    graphs = {str(g.identifier): {str(o) for o in g.objects()} for g in dataset.graphs() if len(g)}
    assert graphs[f"{BASE}/store/dataset-a"] == {"a"} and graphs[f"{BASE}/store/dataset-b"] == {"b"}
    head = httpx.head(f"{plain.url}/store", headers={"Accept": media}, timeout=60)
    assert head.status_code == 200 and head.content == b""
    # a graph format with neither ?graph nor ?default is still the protocol's 400, saying what to do
    plain_turtle = httpx.get(f"{plain.url}/store", headers={"Accept": "text/turtle"}, timeout=60)
    assert plain_turtle.status_code == 400 and "application/trig" in plain_turtle.json()["detail"]
