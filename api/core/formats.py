"""The one registry of the formats rsikg reads and writes: each format's name, media type, file
extensions and kind (RDF graph, RDF dataset, SPARQL results, dependency graph).

The store, the web layer and the CLI all take their lists from here, so a format is added or
renamed in one place. Nothing here knows a parser: the store maps these names to pyoxigraph's
formats (:mod:`rsikg.core.store.formats`), :mod:`rsikg.core.graph_formats` writes the dependency-graph
formats. No pyoxigraph and no rdflib here, so that a worker process can import it cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..errors import Location, UnknownFormatError, display_path


class Kind(StrEnum):
    GRAPH = "RDF graph"  # triples only
    DATASET = "RDF dataset"  # can hold named graphs
    RESULTS = "SPARQL results"  # SELECT and ASK answers
    DEPENDENCY_GRAPH = "dependency graph"  # a networkx graph for graph tools


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    kind: Kind
    extensions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    """Other media types for this very format (read in a body, and offered in Accept)."""
    broader: tuple[str, ...] = ()
    """Looser types a client may ask for and get this format in (offered in Accept, never read)."""
    w3c: str = ""
    """The format's name at http://www.w3.org/ns/formats/ (for the SPARQL service description)."""
    rdflib: str = ""
    """The name rdflib's serializer knows it by, where rsikg writes it with rdflib."""

    @property
    def dataset(self) -> bool:
        return self.kind is Kind.DATASET

    @property
    def content_type(self) -> str:
        # every format here is text in UTF-8 (the RDF syntaxes and SPARQL results by their specs)
        return f"{self.media_type}; charset=utf-8"


_G, _D, _R, _DG = Kind.GRAPH, Kind.DATASET, Kind.RESULTS, Kind.DEPENDENCY_GRAPH

FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", _G, (".ttl",), ("application/x-turtle",), w3c="Turtle", rdflib="turtle"),
    Format(
        "ntriples",
        "application/n-triples",
        _G,
        (".nt",),
        broader=("text/plain",),
        w3c="N-Triples",
        rdflib="nt",
    ),
    Format("nquads", "application/n-quads", _D, (".nq",), w3c="N-Quads", rdflib="nquads"),
    Format("trig", "application/trig", _D, (".trig",), w3c="TriG", rdflib="trig"),
    Format("rdfxml", "application/rdf+xml", _G, (".rdf", ".owl", ".xml"), w3c="RDF_XML", rdflib="xml"),
    Format(
        "jsonld",
        "application/ld+json",
        _D,
        (".jsonld", ".json"),
        broader=("application/json",),
        w3c="JSON-LD",
        rdflib="json-ld",
    ),
    Format("n3", "text/n3", _G, (".n3",), w3c="N3", rdflib="n3"),
    Format(
        "json",
        "application/sparql-results+json",
        _R,
        broader=("application/json",),
        w3c="SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        _R,
        broader=("application/xml", "text/xml"),
        w3c="SPARQL_Results_XML",
    ),
    Format("csv", "text/csv", _R, w3c="SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", _R, w3c="SPARQL_Results_TSV"),
    Format("node-link", "application/json", _DG),
    Format("cytoscape", "application/vnd.cytoscape+json", _DG),
    Format("graphml", "application/graphml+xml", _DG),
    Format("gexf", "application/gexf+xml", _DG),
    Format("dot", "text/vnd.graphviz", _DG),
    Format("mermaid", "text/vnd.mermaid", _DG),
)
"""Every format, in the order lists of them are shown (and Accept ties are broken)."""

BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}


def of_kind(*kinds: Kind) -> dict[str, Format]:
    """The formats of these kinds by name, in registry order."""
    return {f.name: f for f in FORMATS if f.kind in kinds}


RDF_FORMATS = of_kind(Kind.GRAPH, Kind.DATASET)
RESULT_FORMATS = of_kind(Kind.RESULTS)
DEPENDENCY_GRAPH_FORMATS = of_kind(Kind.DEPENDENCY_GRAPH)

ANSWER_GRAPH_FORMATS: tuple[str, ...] = ("turtle", "ntriples", "jsonld", "rdfxml")
"""The formats a CONSTRUCT or DESCRIBE answer (and a graph read over the Graph Store protocol)
comes in, most preferred first: the RDF formats a SPARQL service commonly offers."""

EXPORT_FORMATS: tuple[str, ...] = ("trig", "nquads", "turtle", "ntriples", "jsonld", "rdfxml")
"""The formats ``rsikg export`` offers: the datasets first (they keep the named graphs)."""


def rdf_format(name: str) -> Format:
    """The RDF format called ``name`` (turtle, ntriples, nquads, trig, rdfxml, jsonld, n3)."""
    try:
        return RDF_FORMATS[name]
    except KeyError:
        raise UnknownFormatError(
            f"unknown RDF format {name!r}; use one of {', '.join(RDF_FORMATS)}"
        ) from None


def rdf_format_for_path(path: Path) -> Format:
    """The RDF format of a file, from its extension."""
    suffix = path.suffix.lower()
    for info in RDF_FORMATS.values():
        if suffix in info.extensions:
            return info
    known = ", ".join(e for f in RDF_FORMATS.values() for e in f.extensions)
    raise UnknownFormatError(
        f"cannot tell the RDF format from the extension {suffix or '(none)'!r}; "
        f"rename the file to one of {known}",
        Location(display_path(path)),
    )


def media_type(name: str) -> str:
    """The media type a format is served as."""
    return BY_NAME[name].media_type


def offers(names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(media type, format name) pairs for content negotiation: each format's own media type in
    the order given, then its aliases and the broader types it answers, so that an exact match
    wins a tie against a loose one."""
    chosen = [BY_NAME[name] for name in names]
    exact = [(f.media_type, f.name) for f in chosen]
    return (*exact, *((m, f.name) for f in chosen for m in (*f.aliases, *f.broader)))


def readable(names: Iterable[str]) -> dict[str, str]:
    """Media type → format name, for reading a body: each format's media type and its aliases
    (not the broader types: text/plain is no promise of N-Triples)."""
    return {m: f.name for f in (BY_NAME[name] for name in names) for m in (f.media_type, *f.aliases)}
