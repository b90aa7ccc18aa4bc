"""Reading RDF into quads, and what Oxigraph's parsers say when they cannot: the checks run
before its parsers (RDF/XML entity expansion, JSON-LD depth), its errors located at a line and
column, graph names and IRIs as it reads them.

Called in a worker process (:mod:`.worker`), where a crash or a fetch can harm nothing. Free of
rdflib, so that a worker that only parses starts in 40 ms rather than 150 ms.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from ...errors import InputError, Location, QuerySyntaxError, RdfSyntaxError
from .base import DEFAULT_GRAPH, Source
from .formats import OX_RDF
from .xml_check import check_rdfxml


def graph_node(graph: str) -> ox.NamedNode | ox.DefaultGraph:
    """A graph name of the interface (:data:`.base.DEFAULT_GRAPH` or an IRI) as Oxigraph's."""
    return ox.DefaultGraph() if graph == DEFAULT_GRAPH else ox.NamedNode(graph)


def iri_problem(text: str) -> str | None:
    """What makes ``text`` no absolute IRI by RFC 3987 (its %-escapes, host, port, ...), as
    Oxigraph's own IRI parser reads it; None when it is one."""
    try:
        ox.NamedNode(text)
    except ValueError as err:
        return str(err)
    return None


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
                format=OX_RDF[source.format.name],
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
