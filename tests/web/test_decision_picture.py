"""The decision page's impact as a picture (issue 15, item 4, "the impact with a picture"): the
dry run's report draws, in the same server-drawn SVG as a system's dependency picture, the
systems the record affects (centre), the systems that depend on them (left) and the regions that
use any of them (right), with an arrow from each dependent to the affected system it depends on
and from each affected system to the regions using it. Read from a real uvicorn on loopback over
the project and its illustrative examples, and checked against the JSON dry run of the same
record; the layout's cuts checked on a graph made here."""

from __future__ import annotations

import re
from typing import Any

import httpx
import networkx as nx
import pytest
import rdflib
from bs4 import BeautifulSoup, Tag
from rsikg.core import resources
from rsikg.core.dependencies import DependencyGraph
from rsikg.core.store import open_store

from tests.conftest import ROOT
from tests.web.conftest import BROWSER
from tests.web.html_pages import hrefs, one, parse, paths

RECORDS = ROOT / "graph_data" / "examples" / "decisions"
CONFORMING = "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md"  # affects LABdatabank
SHARING = "0011-dokumentdeling-via-nsp-med-ihe-mhd.md"  # affects three systems the regions use
ID = "https://w3id.org/rsikg/id/"


def checked_page(base: str, record: bytes) -> BeautifulSoup:
    """The decision page's answer to the form sent with ``record`` and "dry run"."""
    answer = httpx.post(
        f"{base}/decisions/check?lang=en",
        data={"action": "check", "format": "markdown"},
        files={"file": ("record.md", record)},
        headers=BROWSER,
        timeout=120,
    )
    assert answer.status_code == 200, answer.text[:500]
    return parse(answer.text)


def dry_run(base: str, record: bytes) -> dict[str, Any]:
    """The impact the JSON dry run (POST /decisions/validate) reports for ``record``."""
    answer = httpx.post(
        f"{base}/decisions/validate",
        content=record,
        headers={"Content-Type": "text/markdown", "Accept": "application/json"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text[:500]
    impact = answer.json()["impact"]
    assert impact is not None
    return dict(impact)


def page_paths(iris: list[str]) -> set[str]:
    """The paths of the pages of ``iris`` (data IRIs under /id/)."""
    assert all(i.startswith(ID) for i in iris)
    return {"/id/" + i.removeprefix(ID) for i in iris}


def picture_of(document: Tag) -> Tag:
    return one(one(document, "figure.impact-picture"), "svg")


def centre_y(link: Tag) -> float:
    """Where a node of the picture sits: its dot's centre, or its box's middle."""
    circles = link.select("circle")
    if circles:
        return float(circles[0]["cy"])
    rect = one(link, "rect")
    return float(rect["y"]) + float(rect["height"]) / 2


@pytest.mark.parametrize("name", [CONFORMING, SHARING])
def test_the_report_draws_the_impact_the_json_dry_run_reports(base: str, name: str) -> None:
    record = (RECORDS / name).read_bytes()
    impact = dry_run(base, record)
    systems = [s["iri"] for s in impact["systems"]]
    dependents = {d["iri"]: d for d in impact["dependents"]}
    regions = {r["iri"]: r["uses"] for r in impact["regions"]}
    assert systems and dependents  # both records touch something, so the picture has it all
    if name == SHARING:
        assert regions  # the regions' column is drawn and checked on at least one record

    document = checked_page(base, record)
    svg = picture_of(document)
    assert svg.get("role") == "group"  # it holds links
    assert svg.get("aria-label") == (
        f"What the decision touches. Systems that depend on them: {len(dependents)}. "
        f"Systems: {len(systems)}. Used by: {len(regions)}."
    )
    affected = svg.select("a.affected")
    users = svg.select("a.dep-up")
    used_by = svg.select("a.used-by")
    assert all(a["tabindex"] == "-1" for a in [*affected, *users, *used_by])
    # the same nodes as the JSON (each list here is under the picture's cut of fifteen)
    assert paths(a["href"] for a in affected) == page_paths(systems)
    assert paths(a["href"] for a in users) == page_paths(list(dependents))
    assert paths(a["href"] for a in used_by) == page_paths(list(regions))
    assert len(affected) == len(systems) and len(users) == len(dependents) and len(used_by) == len(regions)
    # dependents left of the affected systems, the regions right of them
    xs = {
        kind: {float(a.select("circle")[0]["cx"]) for a in links}
        for kind, links in (("dep-up", users), ("used-by", used_by))
    }
    box_left = min(float(one(a, "rect")["x"]) for a in affected)
    box_right = max(float(one(a, "rect")["x"]) + float(one(a, "rect")["width"]) for a in affected)
    assert max(xs["dep-up"]) < box_left and (not regions or box_right < min(xs["used-by"]))

    # an arrow from each dependent to the affected system its path leads to, and from each
    # affected system to each region using it: (the row it leaves, the row it reaches)
    at = {urlpath: centre_y(a) for a in [*affected, *users, *used_by] for urlpath in paths([a["href"]])}

    def row(iri: str) -> float:
        return at[next(iter(page_paths([iri])))]

    def root(iri: str) -> str:
        while iri in dependents:
            iri = dependents[iri]["via"]
        return iri

    def drawn(kind: str) -> set[tuple[float, float]]:
        return {(float(line["y1"]), float(line["y2"])) for line in svg.select(f"line.{kind}")}

    assert drawn("dep-up") == {(row(d), row(root(d))) for d in dependents}
    assert drawn("used-by") == {(row(root(s)), row(r)) for r, uses in regions.items() for s in uses}
    assert len(svg.select("line.dep-up")) == len(dependents)

    # the same as text beside it, for a screen reader and without the picture
    listed = one(document, "ul.dependents")
    assert paths(hrefs(listed)) == page_paths(list(dependents))


def test_a_record_that_affects_no_system_has_no_picture(base: str) -> None:
    text = (RECORDS / CONFORMING).read_text(encoding="utf-8")
    record, removed = re.subn(r"(?m)^affects:.*\n", "", text)
    assert removed == 1
    impact = dry_run(base, record.encode())
    assert impact["systems"] == [] and impact["dependents"] == []
    document = checked_page(base, record.encode())
    assert any(h.get_text() == "What it touches" for h in document.select("h2"))  # the impact is still said
    assert document.select("svg") == [] and document.select("figure") == []
    # and the record that does affect one has it, on the same page
    assert picture_of(checked_page(base, text.encode())).select("a.affected")


# -- the layout ------------------------------------------------------------------------------------


def test_the_impact_picture_draws_fifteen_a_column_nearest_first_and_counts_the_rest() -> None:
    system = "https://w3id.org/rsikg/id/system/"
    graph = nx.MultiDiGraph()
    hub, other = system + "hub", system + "other"
    for i in range(12):  # 12 depend on the hub, and on each of them one more (distance 2)
        graph.add_edge(f"{system}near-{i:02}", hub, key="dependsOn", relation="dependsOn")
        graph.add_edge(f"{system}far-{i:02}", f"{system}near-{i:02}", key="dependsOn", relation="dependsOn")
    for i in range(18):
        region = f"https://w3id.org/rsikg/id/region/r-{i:02}"
        graph.add_node(region, type="rsi:Region")
        graph.add_edge(other if i else system + "far-00", region, key="usedBy", relation="usedBy")
    graph.add_node(other)
    dependencies = DependencyGraph(graph)
    affected = [hub, other]
    reach = dependencies.impact_of(affected)
    picture = resources.impact_picture(open_store(None), [rdflib.URIRef(s) for s in affected], reach, "en")
    assert picture is not None
    left, centre, right = picture.columns
    assert (left.total, len(left.nodes), left.more) == (24, 15, 9)
    assert (centre.total, len(centre.nodes), centre.more) == (2, 2, 0)
    assert (right.total, len(right.nodes), right.more) == (18, 15, 3)
    # nearest first: the twelve at distance 1, then three of those at distance 2
    shown = [str(p.term.node).removeprefix(system) for p in left.nodes]
    assert shown[:12] == [f"near-{i:02}" for i in range(12)] and all(s.startswith("far-") for s in shown[12:])
    ys = [p.y for p in left.nodes]
    assert ys == sorted(ys) and max(ys) < picture.more_y < picture.height
    # the centre is centred on the longest column, as multipartite_layout centres a layer
    assert (centre.nodes[0].y + centre.nodes[1].y) / 2 == (ys[0] + ys[-1]) / 2
    # the far ones' arrows are dashed (through a near one), to the hub's box
    hub_y = next(p.y for p in centre.nodes if str(p.term.node) == hub)
    dashed = [e for e in picture.edges if e.kind == "dep-up" and e.indirect]
    assert len(dashed) == 3 and all(e.y2 == hub_y for e in dashed)
    # region r-00 is used only by far-00 (not drawn as an affected system): dashed from the hub
    used = {(e.y1, e.y2, e.indirect) for e in picture.edges if e.kind == "used-by"}
    r00 = right.nodes[0]
    assert str(r00.term.node).endswith("r-00") and (hub_y, r00.y, True) in used
    assert len(used) == 15


def test_no_system_affected_is_no_picture() -> None:
    graph = DependencyGraph(nx.MultiDiGraph())
    assert resources.impact_picture(open_store(None), [], graph.impact_of([]), "en") is None
