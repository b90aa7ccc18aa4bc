"""Mergers: the organisations that ceased into exactly one other, and which one.

A change event (``org:ChangeEvent``: W3C ORG gives ``org:originalOrganization`` and
``org:resultingOrganization`` that domain) with exactly one resulting organisation makes it the
successor of each of its originals. An event with several results (a split) names no one
successor, and an original that is also the result (an organisation that absorbs others) is not
its own successor. Read here once for what rsikg makes of a merger: the § 126 derivation
(api/core/derive.py), the compliance matrix's inherited cells and the dependency graph as of a
day. Dates are not part of it: each reader compares its own (the successor's start, the day asked).
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import URIRef

from .namespaces import SPARQL_PREFIXES
from .store import GraphStore

_SUCCESSORS = (
    SPARQL_PREFIXES
    + """SELECT ?original ?successor WHERE {
  ?event org:originalOrganization ?original ; org:resultingOrganization ?successor .
  FILTER NOT EXISTS { ?event org:resultingOrganization ?other FILTER (?other != ?successor) }
  FILTER (?original != ?successor)
} ORDER BY ?event ?original"""
)


def successors(store: GraphStore, graphs: Sequence[str] | None = None) -> dict[str, str]:
    """{original organisation's IRI: its successor's IRI}, over ``graphs`` as the default graph
    (the union of all graphs when None). An original of two such events (which no source
    describes) keeps the first event's result, by event IRI, so every reader sees the same one."""
    found: dict[str, str] = {}
    for original, successor in store.select(_SUCCESSORS, default_graphs=graphs).rows:
        if isinstance(original, URIRef) and isinstance(successor, URIRef):
            found.setdefault(str(original), str(successor))
    return found
