"""Named queries as REST endpoints, over a live server."""

from __future__ import annotations

import httpx

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)


def test_list_names_every_query_with_its_parameters(server):
    listing = httpx.get(f"{server.url}/queries").json()
    names = {q["name"] for q in listing}
    assert len(names) >= 12
    region = next(q for q in listing if q["name"] == "list_systems_used_by_region")
    assert region["params"][0]["name"] == "region" and region["params"][0]["type"] == "iri"


def test_each_query_is_a_path_in_openapi(server):
    document = httpx.get(f"{server.url}/openapi.json").json()
    listing = httpx.get(f"{server.url}/queries").json()
    for query in listing:
        operation = document["paths"][f"/queries/{query['name']}"]["get"]
        assert operation["summary"] == query["summary"]
        assert [p["name"] for p in operation.get("parameters", [])] == [p["name"] for p in query["params"]]


def test_a_parameter_is_bound_and_the_answer_negotiated(server):
    url = f"{server.url}/queries/list_systems_used_by_region"
    answer = httpx.get(url, params={"region": "region/region-sjaelland"})
    assert answer.status_code == 200
    labels = {b["label"]["value"] for b in answer.json()["results"]["bindings"]}
    assert "Sundhedsplatformen" in labels  # Region Sjælland and Region Hovedstaden share it
    nordjylland = httpx.get(url, params={"region": "region/region-nordjylland"}).json()
    assert "Sundhedsplatformen" not in {b["label"]["value"] for b in nordjylland["results"]["bindings"]}
    as_csv = httpx.get(url, params={"region": "region/region-sjaelland"}, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0] == "region,system,label,kind,governedBy"


def test_an_ill_typed_parameter_is_400_naming_it(server):
    response = httpx.get(f"{server.url}/queries/list_principles", params={"lang": "not a tag"})
    assert response.status_code == 400
    assert response.json()["location"]["field"] == "lang"
    assert "'lang'" in response.json()["detail"]


def test_an_unknown_parameter_is_400_naming_it(server):
    response = httpx.get(f"{server.url}/queries/list_mandates", params={"forum": "rita"})
    assert response.status_code == 400
    assert response.json()["location"]["field"] == "forum"


def test_an_unknown_query_is_404(server):
    assert httpx.get(f"{server.url}/queries/no_such_query").status_code == 404


# -- the date as a parameter ---------------------------------------------------------------------

REGION = "https://w3id.org/rsikg/id/region/"


def _regions_on(server, day: str) -> list[str]:
    answer = httpx.get(f"{server.url}/queries/list_regions", params={"date": day})
    assert answer.status_code == 200, answer.text
    return [b["region"]["value"].removeprefix(REGION) for b in answer.json()["results"]["bindings"]]


def test_which_regions_exist_before_and_after_the_reform(server):
    assert _regions_on(server, "2026-12-31") == [
        "region-hovedstaden",
        "region-midtjylland",
        "region-nordjylland",
        "region-sjaelland",
        "region-syddanmark",
    ]
    assert _regions_on(server, "2027-01-01") == [
        "region-midtjylland",
        "region-nordjylland",
        "region-syddanmark",
        "region-oestdanmark",
    ]


def test_a_date_that_is_not_yyyy_mm_dd_is_400_naming_date(server):
    for bad in ("01-01-2027", "2027-02-30", "20270101", "today"):
        response = httpx.get(f"{server.url}/queries/list_regions", params={"date": bad})
        assert response.status_code == 400, bad
        assert response.json()["location"]["field"] == "date"
        assert "YYYY-MM-DD" in response.json()["detail"]


def test_the_date_parameter_is_a_typed_date_in_openapi(server):
    document = httpx.get(f"{server.url}/openapi.json").json()
    (parameter,) = document["paths"]["/queries/list_regions"]["get"]["parameters"]
    assert parameter["name"] == "date" and parameter["schema"]["format"] == "date"
    assert "default" not in parameter["schema"]  # "today" is no date; the description says it
    assert "today" in parameter["description"]


def test_a_named_query_is_kept_per_parameters_and_confirmed_by_its_tag(server):
    url = f"{server.url}/queries/list_regions"
    before, again = (
        httpx.get(url, params={"date": "2026-06-15"}),
        httpx.get(url, params={"date": "2026-06-15"}),
    )
    after = httpx.get(url, params={"date": "2027-06-15"})  # other parameters: another answer, another tag
    assert before.headers["x-rsikg-cache"] == "miss" and again.headers["x-rsikg-cache"] == "hit"
    assert before.content == again.content and after.headers["etag"] != before.headers["etag"]
    held = httpx.get(url, params={"date": "2026-06-15"}, headers={"If-None-Match": before.headers["etag"]})
    assert held.status_code == 304 and held.content == b""
