"""The one reading of "the one result of a merger" (api/core/mergers.py), which the § 126
derivation, the compliance matrix and the dependency graph share."""

from __future__ import annotations

from rsikg.core.mergers import successors
from rsikg.core.store import open_store

EVENTS = """PREFIX org: <http://www.w3.org/ns/org#>
INSERT DATA {
  GRAPH <urn:g:events> {
    <urn:merger> a org:ChangeEvent ; org:originalOrganization <urn:a> , <urn:b> ;
        org:resultingOrganization <urn:c> .
    <urn:split> a org:ChangeEvent ; org:originalOrganization <urn:d> ;
        org:resultingOrganization <urn:e> , <urn:f> .
    <urn:absorbs> a org:ChangeEvent ; org:originalOrganization <urn:g> , <urn:h> ;
        org:resultingOrganization <urn:g> .
  }
  GRAPH <urn:g:other> { <urn:x> a org:Organization }
}"""


def test_each_original_of_an_event_with_one_result_has_that_result_as_its_successor():
    store = open_store(None)
    store.update(EVENTS)
    # a split names no one successor; what absorbs others is not its own successor
    assert successors(store) == {"urn:a": "urn:c", "urn:b": "urn:c", "urn:h": "urn:g"}


def test_only_the_graphs_asked_are_read():
    store = open_store(None)
    store.update(EVENTS)
    assert successors(store, ["urn:g:other"]) == {}
    assert successors(store, ["urn:g:events"])["urn:a"] == "urn:c"
