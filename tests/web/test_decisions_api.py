"""Decisions over HTTP, against a real ``rsikg serve`` on loopback with the illustrative examples
loaded: dry runs, bad input, adoption with provenance, the comply-or-explain matrix."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.conftest import ROOT
from tests.decisions.table import ROWS
from tests.web.conftest import TOKEN, Server, Stores, load_examples, start_server

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
MD = {"Content-Type": "text/markdown"}
DECISION = "https://w3id.org/rsikg/id/decision/"

GOOD = (
    "---\nid: api-test-1\ntitle: Fælles servicevindue for IBI\nstatus: accepted\ndate: 2025-03-01\n"
    "decided-by: styregruppen-for-systemforvaltning\nkind: operations\naffects: [ibi]\n"
    "applies-to: [region-hovedstaden, region-sjaelland]\n---\n"
    "## Context and Problem Statement\nIBI opdateres uden fælles varsel.\n"
    "## Decision Outcome\nOpdateringer lægges i ét varslet vindue.\n"
    "## Consequences\nForudsigelig drift.\n"
)
STATEMENT = (
    "---\ndecision: api-test-1\nregion: region-sjaelland\nstatus: deviates\ndate: 2025-04-01\n---\n"
    "## Forklaring\nRegionen har en kontrakt, der udløber næste år.\n"
)


@dataclass(frozen=True)
class Examples:
    """The project with the examples, loaded once per module: a store each server gets a copy
    of (embedded), or what an engine held after the load, put back for each server (None where
    the engine cannot: each server's store is loaded then)."""

    store: Path | None
    snapshot: bytes | None


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory, store_for: Stores) -> Examples:
    directory = tmp_path_factory.mktemp("decisions-examples")
    if not store_for.remote:
        load_examples(directory / "store")
        return Examples(directory / "store", None)
    if not store_for.engine("module").snapshots:
        return Examples(None, None)
    described = store_for("module", directory)
    assert described is not None
    load_examples(described)
    return Examples(None, store_for.engine("module").snapshot())


def _start_with_examples(directory: Path, examples: Examples, store_for: Stores, role: str) -> Server:
    if examples.store is not None:
        shutil.copytree(examples.store, directory / "store")
        return start_server(directory)
    described = store_for(role, directory, examples.snapshot)
    assert described is not None
    if examples.snapshot is None:
        load_examples(described)
    return start_server(directory, store=described)


@pytest.fixture(scope="module")
def reader(
    tmp_path_factory: pytest.TempPathFactory, examples: Examples, store_for: Stores
) -> Iterator[Server]:
    """A server for dry runs, which never write."""
    directory = tmp_path_factory.mktemp("decisions-read")
    running = _start_with_examples(directory, examples, store_for, "module")
    yield running
    running.stop()


@pytest.fixture
def writer(tmp_path: Path, examples: Examples, store_for: Stores) -> Iterator[Server]:
    """A server of the test's own, on a fresh copy of the store with the examples."""
    running = _start_with_examples(tmp_path, examples, store_for, "test")
    yield running
    running.stop()


def _dump(server: Server) -> list[str]:
    """Every quad in the store, as the SPARQL endpoint sees them."""
    response = httpx.post(
        server.sparql,
        data={"query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "text/tab-separated-values"},
        timeout=60,
    )
    assert response.status_code == 200
    return sorted(response.text.splitlines())


def test_a_conforming_decision_gets_its_report_and_impact(reader):
    response = httpx.post(f"{reader.url}/decisions/validate", content=GOOD.encode(), headers=MD)
    assert response.status_code == 200
    body = response.json()
    assert body["conforms"] is True and body["violations"] == 0
    assert body["records"] == [DECISION + "api-test-1"]
    impact = body["impact"]
    assert [s["iri"].rsplit("/", 1)[-1] for s in impact["systems"]] == ["ibi"]
    assert {row["region"].rsplit("/", 1)[-1] for row in impact["complyOrExplain"]} == {
        "region-hovedstaden",
        "region-sjaelland",
    }
    assert all(row["statement"] is None for row in impact["complyOrExplain"])


def test_the_report_is_a_shacl_validation_report_in_turtle_when_asked(reader):
    response = httpx.post(
        f"{reader.url}/decisions/validate",
        content=GOOD.replace("kind: operations", "kind: architecture").encode(),
        headers={**MD, "Accept": "text/turtle"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    (report,) = graph.subjects(rdflib.RDF.type, sh.ValidationReport)
    assert graph.value(report, sh.conforms) == rdflib.Literal(False)
    shapes = {str(s).rsplit("#", 1)[-1] for s in graph.objects(None, sh.sourceShape)}
    assert "DecisionWithinMandateShape" in shapes  # SYS has no architecture mandate


def test_turtle_and_json_ld_records_are_read_too(reader):
    turtle = httpx.post(
        f"{reader.url}/decisions/validate",
        content=(ROOT / "tests" / "fixtures" / "tiny.ttl").read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert turtle.status_code == 400 and "no rsi:ArchitectureDecision" in turtle.json()["detail"]
    decision = {
        "@id": DECISION + "api-jsonld",
        "@type": "https://w3id.org/rsikg/ontology#ArchitectureDecision",
        "http://purl.org/dc/terms/title": {"@value": "JSON-LD", "@language": "da"},
    }
    response = httpx.post(
        f"{reader.url}/decisions/validate",
        content=json.dumps(decision).encode(),
        headers={"Content-Type": "application/ld+json"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["conforms"] is False
    paths = {r["path"].rsplit("#", 1)[-1] for r in body["results"] if r["path"]}
    assert {"status", "decidedBy", "context"} <= paths


@pytest.mark.parametrize(
    ("body", "content_type", "status", "line"),
    [
        (b"---\nid: x\ntitle: [broken\n---\n", "text/markdown", 400, 3),
        (
            GOOD.replace("kind: operations\n", "kind: operations\nowner: me\n").encode(),
            "text/markdown",
            400,
            8,
        ),
        (b"<urn:a> <urn:b> .", "text/turtle", 400, 1),
        (b"", "text/markdown", 400, None),
        (GOOD.encode(), "text/html", 415, None),
    ],
    ids=["broken-yaml", "unknown-key", "broken-turtle", "empty", "wrong-type"],
)
def test_bad_input_is_a_located_4xx_and_nothing_is_written(writer, body, content_type, status, line):
    before = _dump(writer)
    for path in ("/decisions/validate", "/decisions"):
        response = httpx.post(
            f"{writer.url}{path}", content=body, headers={"Content-Type": content_type, **AUTH}
        )
        assert response.status_code == status, response.text
        if line is not None:
            assert response.json()["location"]["line"] == line
    assert _dump(writer) == before


def test_adoption_needs_the_token(writer):
    response = httpx.post(f"{writer.url}/decisions", content=GOOD.encode(), headers=MD)
    assert response.status_code == 401


def test_an_adoption_with_a_violation_is_refused_and_changes_nothing(writer):
    before = _dump(writer)
    bad = GOOD.replace("affects: [ibi]", "affects: [findes-ikke]")
    response = httpx.post(f"{writer.url}/decisions", content=bad.encode(), headers={**MD, **AUTH})
    assert response.status_code == 422
    shapes = {r["sourceShape"].rsplit("#", 1)[-1] for r in response.json()["report"]["results"]}
    assert "DecisionAffectsShape" in shapes
    assert _dump(writer) == before


def test_an_adopted_decision_is_queryable_with_its_provenance_and_history(writer):
    first = httpx.post(
        f"{writer.url}/decisions?agent=RITA-sekretariatet", content=GOOD.encode(), headers={**MD, **AUTH}
    )
    assert first.status_code == 201, first.text
    assert first.headers["location"] == "/decisions/api-test-1"
    assert first.json()["adopted"][0]["version"] == 1

    sparql = SPARQLWrapper(writer.sparql)
    sparql.setReturnFormat(JSON)
    sparql.setQuery(
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?status ?who ?when ?input WHERE {{
            <{DECISION}api-test-1> <https://w3id.org/rsikg/ontology#status> ?status .
            ?version prov:specializationOf <{DECISION}api-test-1> ;
                     prov:wasAttributedTo [ rdfs:label ?who ] ; prov:generatedAtTime ?when ;
                     prov:wasDerivedFrom [ prov:value ?input ] .
        }}"""
    )
    rows = sparql.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert len(rows) == 1
    assert rows[0]["status"]["value"].endswith("/accepted")
    assert rows[0]["who"]["value"] == "RITA-sekretariatet"
    assert rows[0]["input"]["value"] == GOOD

    listed = httpx.get(f"{writer.url}/decisions").json()["decisions"]
    assert "api-test-1" in {d["id"] for d in listed}

    revised = GOOD.replace("Forudsigelig drift.", "Forudsigelig drift for alle.")
    second = httpx.post(f"{writer.url}/decisions", content=revised.encode(), headers={**MD, **AUTH})
    assert second.status_code == 200 and second.json()["adopted"][0]["version"] == 2
    history = httpx.get(f"{writer.url}/decisions/api-test-1/history").json()["history"]
    assert [v["version"] for v in history] == [1, 2]
    assert history[1]["revisionOf"] == history[0]["iri"]
    described = httpx.get(f"{writer.url}/decisions/api-test-1", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=described.text, format="turtle")
    consequences = graph.value(
        rdflib.URIRef(DECISION + "api-test-1"), rdflib.URIRef("https://w3id.org/rsikg/ontology#consequences")
    )
    assert str(consequences) == "Forudsigelig drift for alle."  # the old version's text is gone
    assert httpx.get(f"{writer.url}/decisions/no-such-decision").status_code == 404


def test_statements_fill_the_compliance_matrix(writer):
    assert (
        httpx.post(f"{writer.url}/decisions", content=GOOD.encode(), headers={**MD, **AUTH}).status_code
        == 201
    )
    response = httpx.post(f"{writer.url}/compliance", content=STATEMENT.encode(), headers={**MD, **AUTH})
    assert response.status_code == 201, response.text
    matrix = httpx.get(
        f"{writer.url}/compliance", params={"asOf": "2026-06-01"}, headers={"Accept": "application/json"}
    ).json()
    row = next(r for r in matrix["decisions"] if r["id"] == "api-test-1")
    cells = {iri.rsplit("/", 1)[-1]: cell for iri, cell in row["cells"].items()}
    assert cells["region-sjaelland"]["state"] == "deviates"
    assert cells["region-sjaelland"]["explanation"] == "Regionen har en kontrakt, der udløber næste år."
    assert cells["region-hovedstaden"]["state"] == "missing"
    assert cells["region-nordjylland"]["state"] == "not-applicable"
    text = httpx.get(f"{writer.url}/compliance?asOf=2026-06-01", headers={"Accept": "text/csv"}).text
    rows = list(csv.reader(io.StringIO(text)))
    sjaelland = rows[0].index("Region Sjælland")
    assert next(r for r in rows if r[0] == DECISION + "api-test-1")[sjaelland] == "deviates"
    # a second statement by the same region on the same decision breaks a rule: refused
    again = STATEMENT.replace("decision: api-test-1", "id: another\ndecision: api-test-1")
    refused = httpx.post(f"{writer.url}/compliance", content=again.encode(), headers={**MD, **AUTH})
    assert refused.status_code == 422


@pytest.mark.parametrize("day", ["2026-12-31", "2027-01-01"])
def test_the_matrix_as_of_a_day_has_the_regions_of_that_day(reader, day):
    response = httpx.get(f"{reader.url}/compliance", params={"asOf": day, "format": "json"}, timeout=30)
    assert response.status_code == 200, response.text
    matrix = response.json()
    regions = [r["label"] for r in matrix["regions"]]
    assert matrix["asOf"] == day
    assert ("Region Østdanmark" in regions, "Region Sjælland" in regions) == (
        (False, True) if day == "2026-12-31" else (True, False)
    )
    assert len(regions) == (5 if day == "2026-12-31" else 4)
    text = httpx.get(f"{reader.url}/compliance", params={"asOf": day}, headers={"Accept": "text/csv"}).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][3:] == regions


def test_oestdanmark_inherits_or_owes_over_http(reader):
    matrix = httpx.get(f"{reader.url}/compliance?asOf=2027-01-01&format=json", timeout=30).json()
    oest = "https://w3id.org/rsikg/id/region/region-oestdanmark"
    cells = {r["id"]: r["cells"][oest] for r in matrix["decisions"]}
    nsp, login = cells["eksempel-002-dokumentdeling-via-nsp"], cells["eksempel-003-faelles-login-iam-adfs"]
    assert (nsp["state"], nsp["derived"]) == ("complies", True)
    assert (login["state"], login["derived"]) == ("needed", False)
    assert {c["label"]: c["state"] for c in login["inheritedFrom"]} == {
        "Region Hovedstaden": "deviates",
        "Region Sjælland": "complies",
    }


@pytest.mark.parametrize("bad", ["2027-02-30", "1/1/2027", "", "2027-01-01T00:00"])
def test_a_bad_as_of_is_a_400_naming_it(reader, bad):
    response = httpx.get(f"{reader.url}/compliance", params={"asOf": bad}, timeout=30)
    assert response.status_code == 400, response.text
    assert "asOf" in response.text and "YYYY-MM-DD" in response.text


# --------------------------------------------------------------------------------------------
# Every rule through the API: the illustrative records and their README table
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.file.split("-", 1)[0])
def test_every_example_validates_over_http_as_its_table_row_says(reader, row):
    response = httpx.post(
        f"{reader.url}/decisions/validate", content=row.path.read_bytes(), headers=MD, timeout=60
    )
    if row.exit_code == 2:  # unreadable: 400, every problem named and located
        assert response.status_code == 400, response.text
        found = [(p["location"].get("field"), p["location"].get("line")) for p in response.json()["problems"]]
        for name, line in row.problems:
            assert any(line == at and (field == name or name in str(response.json())) for field, at in found)
        return
    assert response.status_code == 200, response.text
    body = response.json()
    (decision,) = body["records"]
    assert body["conforms"] is (row.exit_code == 0)
    fired = {
        (r["sourceShape"].rsplit("#", 1)[-1], r["severity"])
        for r in body["results"]
        if r["focusNode"] == decision
    }
    assert fired == row.shapes, json.dumps(body["results"], indent=1, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# The matrix as a page (issue 15)
# --------------------------------------------------------------------------------------------

BROWSER = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def _cells(html: str) -> list[str]:
    return re.findall(r'<td class="state-([a-z-]+)">', html)


def test_the_matrix_page_shows_each_cell_as_the_json_says_in_the_same_order(reader):
    params = {"asOf": "2027-01-01", "status": "all", "lang": "en"}
    page = httpx.get(f"{reader.url}/compliance", params=params, headers=BROWSER, timeout=30)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    matrix = httpx.get(f"{reader.url}/compliance", params={**params, "format": "json"}, timeout=30).json()
    regions = [r["iri"] for r in matrix["regions"]]
    expected = [row["cells"][region]["state"] for row in matrix["decisions"] for region in regions]
    assert _cells(page.text) == expected
    assert "statement needed" in page.text  # Østdanmark owes a statement on the login decision
    for row in matrix["decisions"]:
        assert f'href="/id/decision/{row["id"]}?lang=en"' in page.text


def test_the_matrix_page_filters_by_kind_and_its_downloads_carry_the_filters(reader):
    params = {"status": "all", "kind": "architecture", "asOf": "2026-12-31"}
    page = httpx.get(f"{reader.url}/compliance", params=params, headers=BROWSER, timeout=30).text
    matrix = httpx.get(f"{reader.url}/compliance", params={**params, "format": "json"}, timeout=30).json()
    everything = httpx.get(
        f"{reader.url}/compliance", params={**params, "kind": "all", "format": "json"}, timeout=30
    ).json()
    assert 0 < len(matrix["decisions"]) < len(everything["decisions"])
    assert {row["kind"] for row in matrix["decisions"]} == {
        "https://w3id.org/rsikg/id/vocab/decision-kinds/architecture"
    }
    assert len(_cells(page)) == len(matrix["decisions"]) * len(matrix["regions"])
    downloads = re.findall(r'href="(/compliance\?[^"]+)"[^>]*download', page)
    assert len(downloads) == 2
    for link in downloads:
        answer = httpx.get(f"{reader.url}{link.replace('&amp;', '&')}", timeout=30)
        assert answer.status_code == 200
        if "format=csv" in link:
            assert len(list(csv.reader(io.StringIO(answer.text)))) == len(matrix["decisions"]) + 1
        else:
            assert answer.json() == matrix


def test_the_page_form_sends_an_empty_date_and_gets_today(reader):
    """A form's empty field arrives as asOf=: today for a page (an API client gets a 400)."""
    page = httpx.get(
        f"{reader.url}/compliance", params={"asOf": "", "status": "accepted", "kind": "all"}, headers=BROWSER
    )
    assert page.status_code == 200, page.text
    assert httpx.get(f"{reader.url}/compliance", params={"asOf": ""}).status_code == 400


def test_the_kind_filter_takes_exactly_the_vocabulary_and_all(reader):
    from rsikg.core.service import DecisionKind
    from rsikg.web.routes.decisions import KindParam

    assert {k.value for k in KindParam} == {k.value for k in DecisionKind} | {"all"}
    refused = httpx.get(f"{reader.url}/compliance", params={"kind": "nope"}, timeout=30)
    assert refused.status_code == 400 and "kind" in refused.text


# --------------------------------------------------------------------------------------------
# The decision page (issue 15): a record pasted or uploaded, its dry run, its adoption
# --------------------------------------------------------------------------------------------

RECORDS = ROOT / "graph_data" / "examples" / "decisions"
CONFORMING = RECORDS / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md"
VIOLATING = RECORDS / "0012-projektforum-uden-arkitekturmandat.md"


def _page(server: Server, **fields: str | tuple[str, bytes]) -> httpx.Response:
    """The decision page's form, sent as a browser sends it (multipart, a file part if given)."""
    files = {name: value for name, value in fields.items() if isinstance(value, tuple)}
    data = {name: value for name, value in fields.items() if isinstance(value, str)}
    return httpx.post(
        f"{server.url}/decisions/check?lang=en", data=data, files=files or {"_": ("", b"")}, timeout=60
    )


def test_the_decision_page_dry_runs_a_pasted_record_as_the_api_does(reader):
    form = httpx.get(f"{reader.url}/decisions/check", headers=BROWSER, timeout=30)
    assert form.status_code == 200 and 'name="record"' in form.text
    page = _page(reader, record=CONFORMING.read_text(encoding="utf-8"), format="markdown", action="check")
    assert page.status_code == 200, page.text
    assert 'class="verdict conforms"' in page.text
    api = httpx.post(f"{reader.url}/decisions/validate", content=CONFORMING.read_bytes(), headers=MD).json()
    assert api["conforms"] is True
    for system in api["impact"]["systems"]:
        assert f'href="/id/{system["iri"].removeprefix("https://w3id.org/rsikg/id/")}?lang=en"' in page.text


def test_the_decision_page_reports_an_uploaded_violating_record_linked_to_its_rules(reader):
    page = _page(reader, file=(VIOLATING.name, VIOLATING.read_bytes()), action="check")
    assert page.status_code == 200, page.text
    assert 'class="verdict violates"' in page.text
    api = httpx.post(f"{reader.url}/decisions/validate", content=VIOLATING.read_bytes(), headers=MD).json()
    shown = re.findall(r'<tr class="severity-(violation|warning|info)">', page.text)
    assert len(shown) == len(api["results"]) and "violation" in shown
    assert "DecisionWithinMandateShape" in page.text  # the rule, with what it checks
    assert "within the forum" in page.text


def test_adopting_from_the_page_needs_the_token_and_then_writes_the_record(writer):
    before = _dump(writer)
    wrong = _page(writer, file=(CONFORMING.name, CONFORMING.read_bytes()), action="adopt", token="nope")
    assert wrong.status_code == 403 and 'role="alert"' in wrong.text
    refused = _page(writer, file=(VIOLATING.name, VIOLATING.read_bytes()), action="adopt", token=TOKEN)
    assert refused.status_code == 422 and "violation" in refused.text
    assert _dump(writer) == before  # neither wrote anything
    adopted = _page(writer, file=(CONFORMING.name, CONFORMING.read_bytes()), action="adopt", token=TOKEN)
    assert adopted.status_code == 201, adopted.text
    assert "/id/decision/eksempel-010-fhir-til-laboratoriesvar" in adopted.text
    listed = httpx.get(f"{writer.url}/decisions", timeout=30).json()
    assert any(d["id"] == "eksempel-010-fhir-til-laboratoriesvar" for d in listed["decisions"])


def test_the_decision_page_says_what_is_missing(reader):
    page = _page(reader, record="", action="check")
    assert page.status_code == 400 and "paste a record" in page.text
