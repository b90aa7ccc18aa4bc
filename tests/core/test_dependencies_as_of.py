"""The dependency graph as of a day: what does not exist then is gone, and what a merged region
used, operated or managed is handed to its successor (Overgangsloven § 126), marked derived."""

from __future__ import annotations

from datetime import date

import pytest
from rsikg.core import dependencies
from rsikg.core.dependencies import NotInGraphError, NotOnDayError
from rsikg.core.derive import RULE_SECTION_126_OBLIGATIONS
from rsikg.core.graph_formats import FORMATS, serialize

ID = "https://w3id.org/rsikg/id/"
BEFORE, AFTER = date(2026, 12, 31), date(2027, 1, 2)


@pytest.fixture(scope="module")
def graph(project_store) -> dependencies.DependencyGraph:
    return dependencies.build(project_store)


def _region_labels(impact: dependencies.Impact) -> list[str]:
    return [str(r["label"]) for r in impact.as_json()["regions"]]  # type: ignore[index, union-attr]


def test_an_outage_after_the_reform_reaches_oestdanmark_not_sjaelland(graph):
    assert _region_labels(graph.as_of(BEFORE).impact("sundhedsplatformen")) == [
        "Region Hovedstaden",
        "Region Sjælland",
    ]
    assert _region_labels(graph.as_of(AFTER).impact("sundhedsplatformen")) == ["Region Østdanmark"]
    after = _region_labels(graph.as_of(AFTER).impact("nsp"))
    assert "Region Østdanmark" in after and "Region Sjælland" not in after and len(after) == 4


def test_the_handed_over_edge_is_derived_and_names_both_originals(graph):
    edge = graph.as_of(AFTER).graph.get_edge_data(
        ID + "system/sundhedsplatformen", ID + "region/region-oestdanmark"
    )
    assert edge is not None
    used = edge["usedBy"]
    assert used["derived"] is True and used["rule"] == str(RULE_SECTION_126_OBLIGATIONS)
    assert used["via"].split() == [ID + "region/region-hovedstaden", ID + "region/region-sjaelland"]
    # the full graph, every period as stored, is left as it was
    assert not graph.graph.has_edge(ID + "system/sundhedsplatformen", ID + "region/region-oestdanmark")
    assert graph.graph.has_edge(ID + "system/sundhedsplatformen", ID + "region/region-sjaelland")


def test_what_does_not_exist_on_the_day_is_named_with_its_successor(graph):
    with pytest.raises(NotOnDayError) as ceased:
        graph.as_of(AFTER).impact("region-sjaelland")
    assert "does not exist on 2027-01-02" in str(ceased.value)
    assert ceased.value.suggestions == ["Region Østdanmark (region/region-oestdanmark)"]
    with pytest.raises(NotOnDayError) as early:
        graph.as_of(BEFORE).neighbourhood("region-oestdanmark")
    assert "2027-01-01 – …" in str(early.value) and early.value.suggestions == []
    with pytest.raises(NotInGraphError):  # not in the graph on any day: the usual suggestions
        graph.as_of(AFTER).impact("no-such-system-at-all")


def test_organisations_gone_on_the_day_leave_the_graph_and_the_graph_is_kept_per_day(graph):
    after = graph.as_of(AFTER)
    for gone in (
        "region/region-hovedstaden",
        "region/region-sjaelland",
        "org/medcom",
        "org/sundhedsdatastyrelsen",
    ):
        assert ID + gone in graph.graph and ID + gone not in after.graph
    assert ID + "org/digital-sundhed-danmark" in after.graph
    assert ID + "org/digital-sundhed-danmark" not in graph.as_of(BEFORE).graph
    assert graph.as_of(AFTER) is after  # kept until the graph is rebuilt


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_an_as_of_neighbourhood_serialises_in_every_format(graph, fmt):
    sub = graph.as_of(AFTER).neighbourhood("region-oestdanmark", direction="up")
    assert sub.number_of_edges() > 5
    text = serialize(sub, fmt)
    assert "region-oestdanmark" in text


def test_nothing_is_handed_to_digital_sundhed_danmark_which_no_source_says(graph):
    sds, dsd = ID + "org/sundhedsdatastyrelsen", ID + "org/digital-sundhed-danmark"
    operated = [u for u, _v, k in graph.graph.in_edges(sds, keys=True) if k == "operatedBy"]
    assert operated  # Sundhedsdatastyrelsen operates systems in the data, so this can fail
    after = graph.as_of(AFTER).graph
    assert not any(after.has_edge(system, dsd) for system in operated)
    assert not any(d.get("derived") for _u, _v, d in after.in_edges(dsd, data=True))
