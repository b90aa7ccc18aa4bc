"""The sections a resource's page adds by its type (issue 15, "A face for people", item 2): a
system's dependency picture (an inline SVG drawn on the server, with the same in text lists) and
impact, a forum's members and mandate, a decision's status and supersession chain, a region's
systems and comply-or-explain statements. Read from a real uvicorn on loopback over the project
and its illustrative examples, with today fixed (before and after the 2027 reform), so no test
depends on the date it runs on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import networkx as nx
import pytest
import rdflib
from bs4 import BeautifulSoup, Tag
from rsikg.core import resources
from rsikg.core.dependencies import DependencyGraph
from rsikg.core.store import open_store

from tests.web.conftest import serve_in_process
from tests.web.html_pages import hrefs, one, parse, paths

BROWSER = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
BEFORE_REFORM = date(2026, 6, 1)
AFTER_REFORM = date(2027, 2, 1)
REGIONS = ("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland")


# -- a page as a tree ------------------------------------------------------------------------------


def page(base: str, path: str, lang: str = "en") -> BeautifulSoup:
    answer = httpx.get(f"{base}{path}?lang={lang}", headers=BROWSER, timeout=60)
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


def section(document: Tag, heading: str) -> Tag:
    """The (first) <section> holding the heading with the id ``heading``."""
    found = document.select_one(f"section:has(#{heading})")
    assert found is not None, f"no section with #{heading}"
    return found


# -- the servers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Served with today 2026-06-01: the five regions, before the reform."""
    yield from serve_in_process(tmp_path_factory.mktemp("sections-2026"), today=BEFORE_REFORM)


@pytest.fixture(scope="module")
def after_reform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Served with today 2027-02-01: Region Østdanmark in place of Hovedstaden and Sjælland."""
    yield from serve_in_process(tmp_path_factory.mktemp("sections-2027"), today=AFTER_REFORM)


# -- a system --------------------------------------------------------------------------------------


def test_the_fmk_page_draws_what_depends_on_it_and_what_it_depends_on_as_linked_svg(base: str) -> None:
    document = page(base, "/id/system/fmk")
    svg = one(document, "svg")
    assert svg.get("role") == "group"  # a group, not an image: it holds links (axe: nested-interactive)
    label = svg["aria-label"]
    assert (
        "Shared Medication Record (FMK)" in label
        and "Depend on it: 1" in label
        and "It depends on: 1" in label
    )
    # the NSP on the right (what FMK depends on), Sundhedsjournalen on the left (what depends on FMK)
    needs = svg.select("a.dep-down")
    users = svg.select("a.dep-up")
    assert paths(a["href"] for a in needs) == {"/id/system/nsp"}
    assert paths(a["href"] for a in users) == {"/id/system/sundhedsjournalen"}
    assert "The National Service Platform (NSP)" in one(needs[0], "title").get_text()
    assert len(svg.select("line.dep-down")) == 1 and len(svg.select("line.dep-up")) == 1
    # left of the root, the root, right of it
    left = float(one(users[0], "circle")["cx"])
    right = float(one(needs[0], "circle")["cx"])
    root = float(one(one(svg, "g.dep-root"), "rect")["x"])
    assert left < root < right
    # the same as text, for a screen reader and without the picture
    lists = one(document, "div.dependency-lists")
    assert paths(hrefs(one(lists, "div.dep-down"))) == {"/id/system/nsp"}
    assert paths(hrefs(one(lists, "div.dep-up"))) == {"/id/system/sundhedsjournalen"}


def test_the_impact_summary_counts_what_the_impact_endpoint_counts(base: str) -> None:
    for ident, expected in (("system/fmk", 1), ("system/nsp", 2)):
        found = httpx.get(
            f"{base}/graph/impact/{ident}", params={"asOf": BEFORE_REFORM.isoformat()}, timeout=60
        )
        assert found.status_code == 200
        dependents = found.json()["dependents"]
        assert len(dependents) == expected  # NSP: FMK, and through it Sundhedsjournalen
        document = page(base, f"/id/{ident}")
        count = one(document, "p.impact-count")
        assert int(count["data-dependents"]) == len(dependents)
        regions = paths(hrefs(one(document, "ul.impact-regions")))
        assert regions == {f"/id/region/region-{r}" for r in REGIONS}
        assert paths(hrefs(one(document, "ul.impact-sectors"))) == {"/id/vocab/sectors/regionerne"}
    assert "2 systems depend on it" in one(page(base, "/id/system/nsp"), "p.impact-count").get_text()
    assert (
        "2 systemer afhænger af den" in one(page(base, "/id/system/nsp", "da"), "p.impact-count").get_text()
    )


def test_the_system_page_links_to_the_map_rooted_at_it_and_says_its_day(base: str) -> None:
    document = page(base, "/id/system/fmk")
    link = urlsplit(one(document, "a.open-map")["href"])
    assert link.path == "/map"
    assert parse_qs(link.query) == {"root": ["system/fmk"], "lang": ["en"]}
    heading = document.select_one("h2#dependencies")
    assert heading is not None and "as of 2026-06-01" in heading.get_text()


def test_a_page_of_another_kind_has_no_type_section(base: str) -> None:
    document = page(base, "/id/source/cimt-rsi-page")
    assert document.select("svg") == []
    assert document.select("section.type-section") == []


# -- a forum ---------------------------------------------------------------------------------------


def test_a_forum_page_shows_its_members_with_their_roles_and_its_mandate(base: str) -> None:
    document = page(base, "/id/forum/rsi-direktoerkredsen")
    members = section(document, "members")
    rows = one(one(members, "table.members"), "tbody").select("tr")
    held = [r for r in rows if "not-today" not in r.get_attribute_list("class")]
    # two seats per region, each by its own membership and role
    assert len(held) == 10
    assert paths(hrefs(r.select("td")[0])[0] for r in held) == {f"/id/region/region-{r}" for r in REGIONS}
    roles = {paths(hrefs(r.select("td")[1])).pop() for r in held}
    assert roles == {"/id/vocab/roles/koncerndirektoer", "/id/vocab/roles/it-direktoer"}
    # Region Østdanmark's seats (derived, from 2027) are there, and said not to hold yet
    later = [r for r in rows if "not-today" in r.get_attribute_list("class")]
    assert paths(hrefs(r.select("td")[0])[0] for r in later) == {"/id/region/region-oestdanmark"}
    assert all(
        "2027-01-01" in r.select("td")[2].get_text() and "does not hold today" in r.get_text() for r in later
    )
    mandates = one(members, "ul.mandates")
    assert "/id/vocab/decision-kinds/strategy" in paths(hrefs(mandates))
    assert "/id/mandate-reading/rsi-direktoerkredsen/strategy" in paths(hrefs(mandates))
    assert "the strategic forum" in one(mandates, "blockquote").get_text()


def test_after_the_reform_the_merged_regions_seats_have_ended(after_reform: str) -> None:
    document = page(after_reform, "/id/forum/rsi-direktoerkredsen", "da")
    rows = one(section(document, "members"), "tbody").select("tr")
    later = [r for r in rows if "not-today" in r.get_attribute_list("class")]
    ended = paths(hrefs(r.select("td")[0])[0] for r in later)
    assert ended == {"/id/region/region-hovedstaden", "/id/region/region-sjaelland"}
    assert all("gælder ikke i dag" in r.get_text() and "2026-12-31" in r.get_text() for r in later)


# -- a decision ------------------------------------------------------------------------------------


def test_a_decision_page_shows_its_status_and_its_supersession_chain_in_order(base: str) -> None:
    older = "/id/decision/eksempel-001-dokumentdeling-via-xds"
    newer = "/id/decision/eksempel-002-dokumentdeling-via-nsp"
    document = page(base, newer)
    chain = section(document, "supersession")
    assert paths(hrefs(one(chain, "p.decision-status"))) == {"/id/vocab/decision-status/accepted"}
    items = one(chain, "ol.supersession").select("li")
    assert len(items) == 2
    assert urlsplit(hrefs(items[0])[0]).path == older and "superseded" in items[0].get_text()
    assert items[1].get("aria-current") == "page" and older not in hrefs(items[1])
    # and from the other end: the superseded one, then what supersedes it
    items = one(section(page(base, older), "supersession"), "ol").select("li")
    assert items[0].get("aria-current") == "page"
    assert urlsplit(hrefs(items[1])[0]).path == newer


def test_a_decision_with_no_supersession_says_so(base: str) -> None:
    chain = section(page(base, "/id/decision/eksempel-003-faelles-login-iam-adfs"), "supersession")
    assert chain.select("ol") == []
    assert "None" in chain.get_text()


def test_the_chain_follows_both_properties_transitively_and_stops_at_a_cycle() -> None:
    """The examples hold one step (002 supersedes 001); here a chain of four, stated half by
    rsi:supersedes and half by rsi:supersededBy, a branch, and a cycle back to the start."""
    store = open_store(None)
    d = "https://w3id.org/rsikg/id/decision/"
    store.update(
        "PREFIX rsi: <https://w3id.org/rsikg/ontology#> PREFIX d: <" + d + "> INSERT DATA { "
        "d:b rsi:supersedes d:a . d:b rsi:supersededBy d:c . d:d rsi:supersedes d:c . "
        "d:c rsi:supersededBy d:e . d:x rsi:supersedes d:x2 . "
        "d:a rsi:status <https://w3id.org/rsikg/id/vocab/decision-status/superseded> }"
    )
    chain = resources.supersession_chain(store, d + "c")
    assert {str(k).removeprefix(d): v for k, v in chain.items()} == {"a": -2, "b": -1, "c": 0, "d": 1, "e": 1}
    found = resources.decision_section(store, d + "c", "en")
    assert [str(link.decision.node).removeprefix(d) for link in found.chain] == ["a", "b", "c", "d", "e"]
    assert found.chain[0].status is not None and found.status == []
    store.update(
        f"PREFIX rsi: <https://w3id.org/rsikg/ontology#> INSERT DATA {{ <{d}e> rsi:supersedes <{d}a> }}"
    )
    cycle = resources.supersession_chain(store, d + "c")
    assert len(cycle) == 5 and cycle[rdflib.URIRef(d + "c")] == 0  # every decision once
    assert resources.decision_section(store, d + "x", "en").chain != []
    assert resources.decision_section(store, d + "nothing", "en").chain == []


# -- a region --------------------------------------------------------------------------------------


def test_a_region_page_shows_the_systems_it_uses_and_its_statements(base: str) -> None:
    document = page(base, "/id/region/region-hovedstaden")
    used = section(document, "systems-used")
    systems = paths(hrefs(one(used, "ul.systems-used")))
    assert {"/id/system/sundhedsplatformen", "/id/system/sundhedsjournalen"} <= systems
    assert "/id/system/fmk" not in systems  # FMK is used through Sundhedsjournalen, not stated
    rows = one(one(used, "table.region-statements"), "tbody").select("tr")
    by_decision = {urlsplit(hrefs(r.select("td")[0])[0]).path: r for r in rows}
    complies = by_decision["/id/decision/eksempel-002-dokumentdeling-via-nsp"]
    assert "state-complies" in complies.select("td")[1]["class"]
    assert paths(hrefs(complies.select("td")[1])) == {
        "/id/compliance/eksempel-002-dokumentdeling-via-nsp-region-hovedstaden"
    }
    deviates = by_decision["/id/decision/eksempel-003-faelles-login-iam-adfs"]
    assert "state-deviates" in deviates.select("td")[1]["class"]
    assert "Sundhedsplatformens eget login" in deviates.select("td")[2].get_text()
    # a superseded decision it never answered asks nothing of it
    assert "/id/decision/eksempel-001-dokumentdeling-via-xds" not in by_decision


def test_after_the_reform_the_merged_region_uses_what_its_originals_used(after_reform: str) -> None:
    document = page(after_reform, "/id/region/region-oestdanmark")
    used = section(document, "systems-used")
    assert "as of 2027-02-01" in one(used, "h2#systems-used").get_text()
    items = one(used, "ul.systems-used").select("li")
    platform = next(i for i in items if "/id/system/sundhedsplatformen" in paths(hrefs(i)))
    assert {"/id/region/region-hovedstaden", "/id/region/region-sjaelland"} <= paths(hrefs(platform))
    assert "taken over from" in platform.get_text()
    rows = one(one(used, "table.region-statements"), "tbody").select("tr")
    by_decision = {urlsplit(hrefs(r.select("td")[0])[0]).path: r for r in rows}
    inherited = by_decision["/id/decision/eksempel-002-dokumentdeling-via-nsp"]
    assert "state-complies" in inherited.select("td")[1]["class"] and "derived" in inherited.get_text()
    owed = by_decision["/id/decision/eksempel-003-faelles-login-iam-adfs"]
    assert "state-needed" in owed.select("td")[1]["class"]
    # a region that has ceased keeps its page: its systems as recorded, every period
    ceased = section(page(after_reform, "/id/region/region-hovedstaden"), "systems-used")
    assert "every period" in one(ceased, "h2#systems-used").get_text()


# -- the picture's layout --------------------------------------------------------------------------


def test_the_picture_draws_at_most_fifteen_a_side_and_counts_the_rest() -> None:
    graph = nx.MultiDiGraph()
    hub = "https://w3id.org/rsikg/id/system/hub"
    for i in range(20):
        graph.add_edge(
            f"https://w3id.org/rsikg/id/system/user-{i:02}", hub, key="dependsOn", relation="dependsOn"
        )
    for i in range(3):
        graph.add_edge(
            hub, f"https://w3id.org/rsikg/id/system/need-{i}", key="dependsOn", relation="dependsOn"
        )
    graph.add_edge(hub, "https://w3id.org/rsikg/id/region/r", key="usedBy", relation="usedBy")
    picture = resources.dependency_picture(open_store(None), DependencyGraph(graph), hub, "en")
    assert (picture.users_total, len(picture.users), picture.users_more) == (20, 15, 5)
    assert (picture.needs_total, len(picture.needs), picture.needs_more) == (3, 3, 0)
    ys = [p.y for p in picture.users]
    assert ys == sorted(ys) and len(set(ys)) == 15
    assert min(ys) > 0 and max(ys) < picture.more_y < picture.height
    # the shorter column is centred on the root, as multipartite_layout centres a layer
    assert picture.needs[1].y == picture.root.y == (ys[0] + ys[-1]) / 2
    assert max(p.x for p in picture.users) < picture.root.x < min(p.x for p in picture.needs)
