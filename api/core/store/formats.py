"""What the store reads and writes, and reading it: RDF formats, sources, parsing.

Kept apart from :mod:`.oxigraph` and free of rdflib, so that a worker process that only parses
(:mod:`.worker`) starts in 40 ms rather than 150 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from api.core.store.xml_check import check_rdfxml
from api.errors import (
    InputError,
    Location,
    QuerySyntaxError,
    RdfSyntaxError,
    UnknownFormatError,
    display_path,
)

# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RdfFormatInfo:
    name: str
    media_type: str
    extensions: tuple[str, ...]
    dataset: bool  # can hold named graphs
    _ox: ox.RdfFormat


RDF_FORMATS: dict[str, RdfFormatInfo] = {
    f.name: f
    for f in (
        RdfFormatInfo("turtle", "text/turtle", (".ttl",), False, ox.RdfFormat.TURTLE),
        RdfFormatInfo("ntriples", "application/n-triples", (".nt",), False, ox.RdfFormat.N_TRIPLES),
        RdfFormatInfo("nquads", "application/n-quads", (".nq",), True, ox.RdfFormat.N_QUADS),
        RdfFormatInfo("trig", "application/trig", (".trig",), True, ox.RdfFormat.TRIG),
        RdfFormatInfo("rdfxml", "application/rdf+xml", (".rdf", ".owl", ".xml"), False, ox.RdfFormat.RDF_XML),
        RdfFormatInfo("jsonld", "application/ld+json", (".jsonld", ".json"), True, ox.RdfFormat.JSON_LD),
        RdfFormatInfo("n3", "text/n3", (".n3",), False, ox.RdfFormat.N3),
    )
}

RESULT_FORMATS: dict[str, tuple[str, ox.QueryResultsFormat]] = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}


def rdf_format(name: str) -> RdfFormatInfo:
    """The RDF format called ``name`` (turtle, ntriples, nquads, trig, rdfxml, jsonld, n3)."""
    try:
        return RDF_FORMATS[name]
    except KeyError:
        raise UnknownFormatError(
            f"unknown RDF format {name!r}; use one of {', '.join(RDF_FORMATS)}"
        ) from None


def rdf_format_for_path(path: Path) -> RdfFormatInfo:
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


DEFAULT_GRAPH = ""
"""The graph name that stands for the store's default graph (the Graph Store protocol's
``default``), as opposed to the named graphs files are loaded into."""


def graph_node(graph: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph == DEFAULT_GRAPH else ox.NamedNode(graph)


def iri_problem(text: str) -> str | None:
    """What makes ``text`` no absolute IRI by RFC 3987 (its %-escapes, host, port, ...), as
    Oxigraph's own IRI parser reads it; None when it is one."""
    try:
        ox.NamedNode(text)
    except ValueError as err:
        return str(err)
    return None


@dataclass(frozen=True)
class Source:
    """One RDF input to load: a file, or bytes with a name to report errors against."""

    name: str
    graph: str
    format: RdfFormatInfo
    path: Path | None = None
    data: bytes | None = None


def located_query_error(message: str) -> QuerySyntaxError:
    """Turn Oxigraph's 'error at L:C: ...' into a located error."""
    line = column = None
    if message.startswith("error at "):
        position, _, rest = message[len("error at ") :].partition(": ")
        line_text, _, column_text = position.partition(":")
        if line_text.isdigit() and column_text.isdigit():
            line, column, message = int(line_text), int(column_text), rest
    return QuerySyntaxError(f"SPARQL syntax error: {message}", Location("query", line, column))


def _xml_error_position(source: Source) -> tuple[int | None, int | None]:
    """Where an RDF/XML file stops being well-formed XML (Oxigraph's RDF/XML parser does not
    say), from the standard library's expat parser; (None, None) if the XML is well-formed."""
    from xml.parsers import expat

    data = source.data if source.data is not None else source.path.read_bytes()  # type: ignore[union-attr]
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        return err.lineno, err.offset + 1
    return None, None


MAX_JSON_DEPTH = 256
"""Deepest JSON-LD document read. Oxigraph's JSON-LD reader recurses: 10,000 levels overflow its
stack (measured); documents people write stay under 20."""

_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_json_depth(source: Source) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH, with the line where it goes too deep."""
    data = source.data if source.data is not None else source.path.read_bytes() if source.path else b""
    depth = 0
    for token in _JSON_TOKENS.finditer(data):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = data.count(b"\n", 0, token.start()) + 1
                raise InputError(
                    f"the JSON-LD nests deeper than {MAX_JSON_DEPTH} levels, the limit",
                    Location(source.name, line),
                )
        elif bracket in (b"]", b"}"):
            depth -= 1


def parse_quads(source: Source) -> list[ox.Quad]:
    """Parse a source in this process: only where a crash or a fetch can harm nothing (a worker)."""
    target = graph_node(source.graph)
    base = source.path.resolve().as_uri() if source.path is not None else None
    if source.format.name == "rdfxml":  # Oxigraph accepts truncated RDF/XML, expands entities unbounded
        check_rdfxml(source.name, source.data, source.path)
    if source.format.name == "jsonld":
        check_json_depth(source)
    try:
        quads = list(
            ox.parse(
                input=source.data,
                path=str(source.path) if source.data is None and source.path else None,
                format=source.format._ox,
                base_iri=base,
                rename_blank_nodes=True,
            )
        )
    except SyntaxError as err:
        details = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], tuple) else ()
        line = details[1] if len(details) > 2 else err.lineno
        column = details[2] if len(details) > 2 else err.offset
        if line is None and source.format.name == "rdfxml":
            line, column = _xml_error_position(source)
        raise RdfSyntaxError(
            f"not valid {source.format.name}: {err.args[0] if err.args else err}",
            Location(source.name, line, column),
        ) from None
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read: {err}", Location(source.name)) from None
    except MemoryError as err:  # Oxigraph's parsers hold one token in at most 16 MiB
        raise InputError(f"cannot read: a single term is too long ({err})", Location(source.name)) from None
    # Triples (and a dataset's default graph) go to the source's own graph.
    return [
        q
        if not isinstance(q.graph_name, ox.DefaultGraph)
        else ox.Quad(q.subject, q.predicate, q.object, target)
        for q in quads
    ]
