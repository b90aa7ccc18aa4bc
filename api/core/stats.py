"""What is in the store: resources by class and triples by graph."""

from __future__ import annotations

from dataclasses import dataclass

from .store import GraphStore, SelectResult

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?resources)
WHERE { ?s a ?class }
GROUP BY ?class
ORDER BY DESC(?resources) ?class
"""

GRAPH_COUNTS = """
SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph
ORDER BY ?graph
"""


@dataclass(frozen=True)
class Stats:
    quads: int
    by_class: list[tuple[str, int]]
    by_graph: list[tuple[str, int]]


def _pairs(result: SelectResult) -> list[tuple[str, int]]:
    return [(str(row[0]), int(str(row[1]))) for row in result.rows]


def store_stats(store: GraphStore) -> Stats:
    """Counts of resources by rdf:type and of triples by named graph."""
    return Stats(
        quads=len(store),
        by_class=_pairs(store.select(CLASS_COUNTS)),
        by_graph=_pairs(store.select(GRAPH_COUNTS)),
    )
