"""Reading decisions back from the graph: the list, one record's own statements, and the history
of its adopted versions (from the provenance :mod:`adoption` writes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import rdflib
from rdflib.term import Node, URIRef

from .. import sparql_terms as sparql
from ..namespaces import SPARQL_PREFIXES
from ..store import GraphStore
from .records import PROVENANCE_BASE, provenance_graph, slug


def select(store: GraphStore, query: str, graphs: Sequence[str] | None = None) -> list[dict[str, Node]]:
    """A SELECT (written with the project's prefixes) as rows of {variable: term}, over
    ``graphs`` as the default graph if given."""
    return store.select(SPARQL_PREFIXES + query, default_graphs=graphs).dicts()


def optional_text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def list_decisions(store: GraphStore) -> list[dict[str, object]]:
    """Every decision in the graph, newest first."""
    rows = select(
        store,
        """SELECT ?decision (SAMPLE(?t) AS ?title) (SAMPLE(?s) AS ?status) (SAMPLE(?d) AS ?date)
                  (SAMPLE(?k) AS ?kind) (SAMPLE(?f) AS ?decidedBy) WHERE {
            ?decision a rsi:ArchitectureDecision .
            OPTIONAL { ?decision dct:title ?t }
            OPTIONAL { ?decision rsi:status ?s }
            OPTIONAL { ?decision dct:date ?d }
            OPTIONAL { ?decision rsi:decisionKind ?k }
            OPTIONAL { ?decision rsi:decidedBy ?f }
        } GROUP BY ?decision ORDER BY DESC(?date) ?decision""",
    )
    return [
        {
            "id": slug(row["decision"]),  # type: ignore[arg-type]
            "iri": str(row["decision"]),
            **{k: optional_text(row.get(k)) for k in ("title", "status", "date", "kind", "decidedBy")},
        }
        for row in rows
    ]


def describe_record(store: GraphStore, record: URIRef) -> rdflib.Graph:
    """The record's own statements (from every graph but provenance)."""
    result = store.query(
        f"""CONSTRUCT {{ {sparql.term(record)} ?p ?o }} WHERE {{
            GRAPH ?g {{ {sparql.term(record)} ?p ?o }}
            FILTER (!STRSTARTS(STR(?g), {sparql.literal(PROVENANCE_BASE)}))
        }}"""
    )
    if not isinstance(result, rdflib.Graph):
        raise TypeError("a CONSTRUCT query answers a graph")
    return result


def history(store: GraphStore, record: URIRef) -> list[dict[str, object]]:
    """The record's adopted versions, oldest first."""
    rows = select(
        store,
        f"""SELECT ?version ?n ?time ?agent ?input ?sha ?format ?revisionOf ?graph WHERE {{
            GRAPH {sparql.iri(provenance_graph(record))} {{
                ?version prov:specializationOf {sparql.term(record)} ; dct:identifier ?n ;
                         prov:generatedAtTime ?time ; prov:atLocation ?graph ;
                         prov:wasAttributedTo [ rdfs:label ?agent ] ;
                         prov:wasDerivedFrom ?src .
                ?src dct:title ?input ; dct:identifier ?sha ; dct:format ?format .
                OPTIONAL {{ ?version prov:wasRevisionOf ?revisionOf }}
            }}
        }} ORDER BY ?n ?input""",
    )
    versions: dict[str, dict[str, object]] = {}
    for row in rows:
        entry = versions.setdefault(
            str(row["version"]),
            {
                "version": int(row["n"]),  # type: ignore[call-overload]
                "iri": str(row["version"]),
                "adoptedAt": str(row["time"]),
                "adoptedBy": str(row["agent"]),
                "graph": str(row["graph"]),
                "revisionOf": optional_text(row.get("revisionOf")),
                "inputs": [],
            },
        )
        inputs = cast("list[dict[str, str]]", entry["inputs"])
        item = {
            "name": str(row["input"]),
            "mediaType": str(row["format"]),
            "sha256": str(row["sha"]).removeprefix("sha256:"),
        }
        if item not in inputs:
            inputs.append(item)
    return sorted(versions.values(), key=lambda v: v["version"])  # type: ignore[arg-type, return-value]
