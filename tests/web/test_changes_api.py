"""``GET /changes``: the reform briefing over HTTP from a real ``rsikg serve`` on loopback."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

REGION = "https://w3id.org/rsikg/id/region/"
WINDOW = {"from": "2026-12-31", "to": "2027-01-01"}


def get(server, accept: str | None = None, **params: str) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.get(f"{server.url}/changes", params=params, headers=headers, timeout=60)


def test_json_by_default(server):
    response = get(server, **WINDOW)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-12-31", "2027-01-01")
    founded = [c for c in body["changes"] if c["kind"] == "founded"]
    assert f"{REGION}region-oestdanmark" in {c["subject"] for c in founded}
    systems = [c for c in body["changes"] if c["kind"] == "system" and c["derived"]]
    assert systems and all("S57" in c["sourceIds"] for c in systems)


def test_csv_and_markdown_by_accept(server):
    response = get(server, "text/csv", **WINDOW)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {"Region Hovedstaden", "Region Sjælland"} <= {r["label"] for r in rows if r["kind"] == "dissolved"}
    markdown = get(server, "text/markdown", **WINDOW)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Changes after 2026-12-31")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"to": "2027-01-01"}, "from"),
        ({"from": "2026-12-31", "to": "1 Jan 2027"}, "to"),
        ({"from": "2027-01-01", "to": "2026-12-31"}, "to"),
    ],
)
def test_a_missing_or_bad_date_is_a_400_naming_the_parameter(server, params, named):
    response = get(server, **params)
    assert response.status_code == 400
    assert response.json()["location"]["field"] == named
    assert f"{named} " in response.json()["detail"]


def test_an_accept_of_nothing_offered_is_a_406(server):
    assert get(server, "image/png", **WINDOW).status_code == 406
