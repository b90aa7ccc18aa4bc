"""Dependency graphs over HTTP as of a day (``?asOf=``), against a real ``rsikg serve``; and
"today" is the server's RSIKG_TODAY (tests/conftest.py fixes it), never the day the test runs."""

from __future__ import annotations

import httpx
import pytest

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

ID = "https://w3id.org/rsikg/id/"


def _regions(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [r["label"] for r in answer.json()["regions"]]


@pytest.mark.parametrize(
    ("as_of", "regions"),
    [
        ({"asOf": "2026-12-31"}, ["Region Hovedstaden", "Region Sjælland"]),
        ({"asOf": "2027-01-02"}, ["Region Østdanmark"]),
        ({}, ["Region Hovedstaden", "Region Sjælland"]),  # today: 2026-06-01 in the tests
        ({"asOf": "all"}, ["Region Hovedstaden", "Region Sjælland"]),  # every period, as stored
    ],
)
def test_who_an_outage_of_sundhedsplatformen_reaches(server, as_of, regions):
    answer = httpx.get(f"{server.url}/graph/impact/sundhedsplatformen", params=as_of, timeout=60)
    assert _regions(answer) == regions


def test_a_region_gone_on_the_day_is_a_404_naming_its_successor(server):
    answer = httpx.get(
        f"{server.url}/graph/impact/region-sjaelland", params={"asOf": "2027-01-02"}, timeout=60
    )
    assert answer.status_code == 404
    body = answer.json()
    assert "does not exist on 2027-01-02" in body["detail"]
    assert body["suggestions"] == ["Region Østdanmark (region/region-oestdanmark)"]


@pytest.mark.parametrize(
    ("route", "params"),
    [("/graph/impact/nsp", {}), ("/graph/cycles", {}), ("/graph/dependencies", {"root": "nsp"})],
)
@pytest.mark.parametrize("bad", ["2027-13-01", "tomorrow", ""])
def test_a_bad_day_is_a_400_naming_asof(server, route, params, bad):
    answer = httpx.get(f"{server.url}{route}", params={**params, "asOf": bad}, timeout=60)
    assert answer.status_code == 400, answer.text
    assert answer.json()["location"] == {"field": "asOf"}


def test_every_graph_route_takes_the_day(server):
    day = {"asOf": "2027-01-02"}
    up = httpx.get(
        f"{server.url}/graph/dependencies",
        params={"root": "region-oestdanmark", "direction": "up", **day},
        timeout=60,
    )
    assert up.status_code == 200, up.text
    derived = [e for e in up.json()["edges"] if e.get("derived")]
    assert derived and all(e["target"] == ID + "region/region-oestdanmark" for e in derived)
    assert {e["relation"] for e in derived} <= {"usedBy", "operatedBy", "systemManager"}
    path = httpx.get(
        f"{server.url}/graph/path",
        params={"from": "sundhedsplatformen", "to": "region-oestdanmark", **day},
        timeout=60,
    )
    assert path.status_code == 200, path.text
    assert (
        httpx.get(
            f"{server.url}/graph/path", params={"from": "sundhedsplatformen", "to": "region-oestdanmark"}
        ).status_code
        == 404
    )
    for route in ("/graph/cycles", "/graph/critical"):
        assert httpx.get(f"{server.url}{route}", params=day, timeout=120).status_code == 200


def test_a_named_querys_date_defaults_to_the_servers_today(make_server):
    after = make_server(token=False, today="2027-03-01")
    answer = httpx.get(
        f"{after.url}/queries/list_regions", headers={"Accept": "application/json"}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    labels = [b["label"]["value"] for b in answer.json()["results"]["bindings"]]
    assert labels == ["Region Midtjylland", "Region Nordjylland", "Region Syddanmark", "Region Østdanmark"]
    impact = httpx.get(f"{after.url}/graph/impact/sundhedsplatformen", timeout=60)
    assert _regions(impact) == ["Region Østdanmark"]
