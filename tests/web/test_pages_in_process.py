"""The pages served by a real uvicorn in this process, on loopback, over the project and its
illustrative examples: the other page tests run ``rsikg serve`` as a subprocess, which coverage
does not count; these read what the same requests give, and what those tests do not check (the
headers a page carries, the alternates it names, a form's round trip)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import ROOT
from tests.web.conftest import BROWSER
from tests.web.conftest import IN_PROCESS_TOKEN as TOKEN

RECORDS = ROOT / "graph_data" / "examples" / "decisions"


def test_a_page_says_its_language_and_what_it_varies_by(base: str) -> None:
    page = httpx.get(f"{base}/id/system/fmk?lang=en", headers=BROWSER, timeout=60)
    assert page.status_code == 200
    assert page.headers["content-language"] == "en"
    assert page.headers["vary"] == "Accept, Accept-Language, Origin"
    alternates = page.headers["link"]
    for media in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"):
        assert f'rel="alternate"; type="{media}"' in alternates
    assert "<h1>Shared Medication Record (FMK)</h1>" in page.text


@pytest.mark.parametrize(
    ("path", "accept", "status", "media"),
    [
        ("/", BROWSER["Accept"], 200, "text/html"),
        ("/?lang=en", BROWSER["Accept"], 200, "text/html"),
        ("/id/system/fmk", "application/ld+json", 200, "application/ld+json"),
        ("/id/system/fmk", "*/*", 200, "text/turtle"),
        ("/id/system/fmkk", BROWSER["Accept"], 404, "text/html"),
        ("/id/system/fmkk", "text/turtle", 404, "application/json"),
        ("/ontology", BROWSER["Accept"], 200, "text/html"),
        ("/ontology?format=rdfxml", None, 200, "application/rdf+xml"),
        ("/queries", BROWSER["Accept"], 200, "text/html"),
        ("/queries", "*/*", 200, "application/json"),
        ("/queries/list_regions?lang=en", BROWSER["Accept"], 200, "text/html"),
        ("/queries/list_systems_used_by_region?region=%3Cx%3E", BROWSER["Accept"], 400, "text/html"),
        ("/compliance?status=all&kind=operations&asOf=all", BROWSER["Accept"], 200, "text/html"),
        ("/compliance?asOf=", BROWSER["Accept"], 200, "text/html"),
        ("/decisions/check?lang=da", BROWSER["Accept"], 200, "text/html"),
    ],
)
def test_each_page_and_description_answers_in_its_format(
    base: str, path: str, accept: str | None, status: int, media: str
) -> None:
    response = httpx.get(f"{base}{path}", headers={"Accept": accept} if accept else {}, timeout=60)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith(media)


def test_a_named_query_form_keeps_what_was_given_and_its_results_link_to_pages(base: str) -> None:
    given = "region/region-nordjylland"
    page = httpx.get(
        f"{base}/queries/list_systems_used_by_region",
        params={"region": given, "run": "1", "lang": "en"},
        headers=BROWSER,
        timeout=60,
    ).text
    assert f'value="{given}"' in page  # the form shows what was sent
    assert re.search(r'<h2>Results <span class="count">\(\d+\)</span></h2>', page)
    assert 'href="/id/region/region-nordjylland?lang=en"' in page


def test_the_decision_page_dry_runs_and_adopts_with_the_token(base: str) -> None:
    conforming = (RECORDS / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md").read_bytes()
    violating = (RECORDS / "0012-projektforum-uden-arkitekturmandat.md").read_bytes()

    def send(**fields: str) -> httpx.Response:
        files = {"file": ("record.md", fields.pop("record").encode())}
        return httpx.post(f"{base}/decisions/check?lang=en", data=fields, files=files, timeout=120)

    checked = send(record=conforming.decode(), action="check")
    assert checked.status_code == 200 and 'class="verdict conforms"' in checked.text
    broken = send(record=violating.decode(), action="check")
    assert broken.status_code == 200 and 'class="verdict violates"' in broken.text
    assert "DecisionWithinMandateShape" in broken.text
    refused = send(record=violating.decode(), action="adopt", token=TOKEN)
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    no_token = send(record=conforming.decode(), action="adopt")
    assert no_token.status_code == 401
    adopted = send(record=conforming.decode(), action="adopt", token=TOKEN, agent="a test")
    assert adopted.status_code == 201, adopted.text[:500]
    assert "eksempel-010-fhir-til-laboratoriesvar" in adopted.text
    turtle = httpx.get(
        f"{base}/id/decision/eksempel-010-fhir-til-laboratoriesvar",
        headers={"Accept": "text/turtle"},
        timeout=60,
    )
    assert turtle.status_code == 200  # adopted: the record now has its own IRI's description


def test_a_form_of_another_type_is_refused_naming_what_it_takes(base: str) -> None:
    response = httpx.post(
        f"{base}/decisions/check", content=b"x", headers={"Content-Type": "text/markdown"}, timeout=60
    )
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


def test_an_unknown_record_format_is_a_400(base: str) -> None:
    response = httpx.post(
        f"{base}/decisions/check", data={"record": "x", "format": "yaml", "action": "check"}, timeout=60
    )
    assert response.status_code == 400
    assert "format" in response.json()["detail"]


def test_suggestions_fall_back_to_every_kind_when_the_kind_has_none(base: str) -> None:
    page = httpx.get(f"{base}/id/nokind/fmk", headers=BROWSER, timeout=60)
    assert page.status_code == 404
    assert 'href="/id/system/fmk"' in page.text


def test_a_decision_page_shows_its_row_of_the_matrix_as_the_matrix_does(base: str) -> None:
    ident = "eksempel-003-faelles-login-iam-adfs"
    page = httpx.get(f"{base}/id/decision/{ident}?lang=en", headers=BROWSER, timeout=60).text
    matrix = httpx.get(f"{base}/compliance", params={"status": "all", "asOf": "all"}, timeout=60).json()
    row = next(r for r in matrix["decisions"] if r["id"] == ident)
    expected = [row["cells"][region["iri"]]["state"] for region in matrix["regions"]]
    assert re.findall(r'<td class="state-([a-z-]+)">', page) == expected
    assert "deviates (explained)" in page  # Region Hovedstaden's statement, with its explanation


def test_a_system_page_has_no_matrix(base: str) -> None:
    page = httpx.get(f"{base}/id/system/fmk?lang=en", headers=BROWSER, timeout=60).text
    assert 'class="matrix"' not in page
