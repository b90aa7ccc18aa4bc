"""The graph store: the one module that knows pyoxigraph.

Everything else talks to :class:`GraphStore` and sees rdflib terms, bytes and plain Python
values, so that a remote SPARQL 1.1 store (Fuseki, GraphDB, Virtuoso, ...) can be put behind
the same interface later.

Each loaded source goes into a named graph of its own; queries see the union of all graphs as
their default graph. Loading parses every source before writing anything, and replaces each
graph in one transaction, so a malformed file leaves the store exactly as it was.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from api.core.namespaces import PREFIXES
from api.core.store.results import write_boolean
from api.errors import (
    InputError,
    Location,
    QuerySyntaxError,
    RdfSyntaxError,
    StoreUnavailableError,
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


# --------------------------------------------------------------------------------------------
# Values crossing the interface
# --------------------------------------------------------------------------------------------


DEFAULT_GRAPH = ""
"""The graph name that stands for the store's default graph (the Graph Store protocol's
``default``), as opposed to the named graphs files are loaded into."""


def _graph_node(graph: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph == DEFAULT_GRAPH else ox.NamedNode(graph)


def _graph_sparql(graph: str) -> str:
    return "DEFAULT" if graph == DEFAULT_GRAPH else f"<{graph}>"


@dataclass(frozen=True)
class Source:
    """One RDF input to load: a file, or bytes with a name to report errors against."""

    name: str
    graph: str
    format: RdfFormatInfo
    path: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class SelectResult:
    variables: list[str]
    rows: list[tuple[Node | None, ...]]

    def dicts(self) -> list[dict[str, Node]]:
        """The rows as {variable: term}, unbound variables left out."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows
        ]


QueryResult = SelectResult | bool | rdflib.Graph

ProgressCallback = Callable[[str, int, int], None]
"""Called as (phase, done, total) while loading; phase is 'parse' or 'write'."""


class GraphStore(Protocol):
    """What rsikg needs of a store. Terms are rdflib terms; serialised results are bytes."""

    def load(self, sources: Sequence[Source], progress: ProgressCallback | None = None) -> int:
        """Replace each source's graph with the source's triples; all or nothing per source,
        and nothing at all if any source is malformed. Returns the number of quads written."""
        ...

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Sequence[str] | None = None,
    ) -> QueryResult: ...

    def query_serialized(
        self, sparql: str, fmt: str, *, bindings: Mapping[str, Node] | None = None
    ) -> bytes: ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update."""
        ...

    def select_values(self, sparql: str) -> list[tuple[str | None, ...]]:
        """A SELECT's rows as plain strings (IRI text, literal lexical form)."""
        ...

    def select(self, sparql: str, *, default_graphs: Sequence[str] | None = None) -> SelectResult:
        """A SELECT query's solutions (as :meth:`query`, for a query known to be a SELECT)."""
        ...

    def named_graphs(self) -> list[str]: ...

    def export(self, fmt: str) -> bytes: ...

    def to_rdflib(self, *, exclude_graphs: Iterable[str] = ()) -> rdflib.Graph: ...

    def remove_graph(self, graph: str) -> None: ...

    def flush(self) -> None:
        """Make every write durable."""
        ...

    def __len__(self) -> int: ...


# --------------------------------------------------------------------------------------------
# Term conversion
# --------------------------------------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def _to_rdflib(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise InputError(f"RDF-star triple terms are not supported here: {term}")


def _to_ox(term: Node) -> OxTerm:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _RDF_LANG_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise InputError(f"cannot use {term!r} as an RDF term")


def _substitutions(
    bindings: Mapping[str, Node] | None,
) -> dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None:
    if not bindings:
        return None
    return {ox.Variable(name): _to_ox(value) for name, value in bindings.items()}


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


# --------------------------------------------------------------------------------------------
# The embedded Oxigraph store
# --------------------------------------------------------------------------------------------

_STAGING_PREFIX = "urn:rsikg:staging:"
BULK_THRESHOLD = 50_000
"""Graphs larger than this (in quads) are loaded with the bulk loader, not in a transaction."""


class OxigraphStore:
    """Embedded Oxigraph: on disk when given a directory, in memory otherwise."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        try:
            self._store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as err:
            if "lock" in str(err).lower():
                raise StoreUnavailableError(
                    f"the store {path} is in use by another process (a running 'rsikg serve'?); "
                    "stop that process, or point --store / RSIKG_STORE at another directory"
                ) from err
            raise StoreUnavailableError(f"cannot open the store {path}: {err}") from err
        self._drop_leftover_staging()

    # -- loading ------------------------------------------------------------------------------

    def load(self, sources: Sequence[Source], progress: ProgressCallback | None = None) -> int:
        parsed: list[tuple[Source, list[ox.Quad]]] = []
        for done, source in enumerate(sources):
            if progress:
                progress("parse", done, len(sources))
            parsed.append((source, self._parse(source)))
        if progress:
            progress("parse", len(sources), len(sources))
        written = 0
        for done, (source, quads) in enumerate(parsed):
            if progress:
                progress("write", done, len(parsed))
            written += self._replace(source, quads)
        if progress:
            progress("write", len(parsed), len(parsed))
        return written

    def _parse(self, source: Source) -> list[ox.Quad]:
        target = _graph_node(source.graph)
        base = source.path.resolve().as_uri() if source.path is not None else None
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
        # Triples (and a dataset's default graph) go to the source's own graph.
        return [
            q
            if not isinstance(q.graph_name, ox.DefaultGraph)
            else ox.Quad(q.subject, q.predicate, q.object, target)
            for q in quads
        ]

    def _replace(self, source: Source, quads: list[ox.Quad]) -> int:
        """Replace every graph the source fills.

        Up to BULK_THRESHOLD quads a graph is swapped in atomically: the quads go to a staging
        graph (one transaction) and one SPARQL MOVE puts them in place (another), so nobody
        ever sees a half-written graph. Larger graphs are written with the bulk loader, which is
        much faster (measured on 684k quads on disk: 5 s, against 20 s for a transactional
        insert and 89 s for the MOVE) but not crash-atomic: a process killed midway leaves a
        partial graph, which the next load of the file replaces. Either way the source was
        parsed in full first, so bad input never writes anything.
        """
        by_graph: dict[str, list[ox.Quad]] = {source.graph: []}
        for q in quads:
            name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else source.graph
            by_graph.setdefault(name, []).append(q)
        for graph, graph_quads in by_graph.items():
            if len(graph_quads) > BULK_THRESHOLD:
                self.remove_graph(graph)
                self._store.bulk_extend(graph_quads)
                continue
            staging = ox.NamedNode(f"{_STAGING_PREFIX}{uuid.uuid4()}")
            self._store.extend(ox.Quad(q.subject, q.predicate, q.object, staging) for q in graph_quads)
            self._store.update(f"MOVE SILENT <{staging.value}> TO {_graph_sparql(graph)}")
        return len(quads)

    def add(self, source: Source) -> int:
        """Add a source's triples to its graph, keeping what is there (one transaction)."""
        quads = self._parse(source)
        self._store.extend(quads)
        return len(quads)

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update (one transaction)."""
        try:
            self._store.update(sparql)
        except SyntaxError as err:
            raise located_query_error(str(err)) from None

    def create_graph(self, graph: str) -> None:
        """An empty named graph (as SPARQL CREATE GRAPH makes)."""
        self._store.add_graph(ox.NamedNode(graph))

    def has_graph(self, graph: str) -> bool:
        if graph == DEFAULT_GRAPH:
            return True
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_serialized(self, graph: str, fmt: str) -> bytes:
        """One graph in an RDF graph format (the default graph: the union, as queries see it)."""
        info = rdf_format(fmt)
        if graph == DEFAULT_GRAPH:
            return self.export(fmt)
        return _bytes(
            self._store.dump(format=info._ox, from_graph=ox.NamedNode(graph), prefixes=dict(PREFIXES))
        )

    def apply_diff(self, removed: Sequence[str], added: Sequence[str]) -> None:
        """Remove and add quads given as N-Quads lines (as :meth:`quads_nquads` yields them).

        Blank nodes keep their labels, so a diff taken against a checkpoint of this store
        applies to the same nodes here.
        """
        for quad in ox.parse("\n".join(removed), format=ox.RdfFormat.N_QUADS):
            self._store.remove(quad)
        self._store.extend(ox.parse("\n".join(added), format=ox.RdfFormat.N_QUADS))

    def _drop_leftover_staging(self) -> None:
        for graph in self._store.named_graphs():
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(_STAGING_PREFIX):
                self._store.remove_graph(graph)

    def remove_graph(self, graph: str) -> None:
        node = _graph_node(graph)
        if isinstance(node, ox.DefaultGraph):
            self._store.clear_graph(node)
        elif self._store.contains_named_graph(node):
            self._store.remove_graph(node)

    # -- querying -----------------------------------------------------------------------------

    def _execute(
        self, sparql: str, bindings: Mapping[str, Node] | None, default_graphs: Sequence[str] | None = None
    ):
        try:
            if default_graphs is not None:  # the protocol's default-graph-uri: these graphs, merged
                return self._store.query(
                    sparql,
                    default_graph=[_graph_node(g) for g in default_graphs],
                    substitutions=_substitutions(bindings),
                )
            return self._store.query(
                sparql,
                use_default_graph_as_union=True,
                substitutions=_substitutions(bindings),
            )
        except SyntaxError as err:
            raise located_query_error(str(err)) from None

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """Run a query over the union of all graphs, or over ``default_graphs`` merged."""
        result = self._execute(sparql, bindings, default_graphs)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(None if s[v] is None else _to_rdflib(s[v]) for v in variables) for s in result]
            return SelectResult(variables, rows)
        graph = rdflib.Graph()
        for t in result:
            graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
        return graph

    def select(self, sparql: str, *, default_graphs: Sequence[str] | None = None) -> SelectResult:
        """A SELECT query's solutions (as :meth:`query`, for a query known to be a SELECT)."""
        result = self.query(sparql, default_graphs=default_graphs)
        if not isinstance(result, SelectResult):
            raise InputError("select takes a SELECT query", Location(field="query"))
        return result

    def select_values(self, sparql: str) -> list[tuple[str | None, ...]]:
        """A SELECT's rows as plain strings (an IRI's text, a literal's lexical form; None for
        unbound and for the empty string), for bulk reads where making rdflib terms would cost
        more than the query: 8 of 11 s when the dependency graph was read from 700k triples."""
        result = self._execute(sparql, None)
        if not isinstance(result, ox.QuerySolutions):
            raise InputError("select_values takes a SELECT query", Location(field="query"))
        # Oxigraph writes SPARQL CSV (plain values) in Rust and the csv module reads it in C:
        # three times faster than reading each term of each solution from Python.
        text = _bytes(result.serialize(format=ox.QueryResultsFormat.CSV)).decode()
        rows = csv.reader(io.StringIO(text))
        next(rows, None)  # the header
        return [tuple(value or None for value in row) for row in rows]

    def query_serialized(self, sparql: str, fmt: str, *, bindings: Mapping[str, Node] | None = None) -> bytes:
        """Run a query and serialise its result: json/xml/csv/tsv for SELECT and ASK,
        an RDF format name for CONSTRUCT and DESCRIBE."""
        result = self._execute(sparql, bindings)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            if fmt not in RESULT_FORMATS:
                raise InputError(
                    f"format {fmt!r} is for CONSTRUCT and DESCRIBE queries; for SELECT and ASK "
                    f"use one of {', '.join(RESULT_FORMATS)}",
                    Location(field="format"),
                )
            if isinstance(result, ox.QueryBoolean):
                return write_boolean(bool(result), fmt)
            return _bytes(result.serialize(format=RESULT_FORMATS[fmt][1]))
        if fmt not in RDF_FORMATS or RDF_FORMATS[fmt].name in ("nquads", "trig"):
            graph_formats = [n for n, f in RDF_FORMATS.items() if not f.dataset or n == "jsonld"]
            raise InputError(
                f"format {fmt!r} is for SELECT and ASK results; a CONSTRUCT or DESCRIBE query "
                f"gives RDF: use one of {', '.join(graph_formats)}",
                Location(field="format"),
            )
        return _bytes(result.serialize(format=RDF_FORMATS[fmt]._ox))

    # -- whole-store views --------------------------------------------------------------------

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def export(self, fmt: str) -> bytes:
        """All of the store: a dataset format keeps the graphs, a graph format gets the union."""
        info = rdf_format(fmt)
        if info.dataset and info.name != "jsonld":
            return _bytes(self._store.dump(format=info._ox))
        union = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        assert isinstance(union, ox.QueryTriples)  # a CONSTRUCT query
        triples: Iterable[ox.Triple] = union  # QueryTriples iterates Triples
        return _bytes(ox.serialize(triples, format=info._ox, prefixes=dict(PREFIXES)))

    def to_rdflib(self, *, exclude_graphs: Iterable[str] = ()) -> rdflib.Graph:
        """The union of the store's graphs, but those excluded, as an in-memory rdflib graph
        (for pySHACL and the reasoner, which need one)."""
        excluded = {ox.NamedNode(g) for g in exclude_graphs}
        graph = rdflib.Graph()
        cache: dict[object, Node] = {}

        def conv(term: object) -> Node:
            node = cache.get(term)
            if node is None:
                node = cache[term] = _to_rdflib(term)
            return node

        for q in self._store.quads_for_pattern(None, None, None, None):
            if q.graph_name in excluded:
                continue
            graph.add((conv(q.subject), conv(q.predicate), conv(q.object)))
        return graph

    def quads_nquads(self) -> Iterator[str]:
        """Every quad as a sorted N-Quads line: a fingerprint of the store's whole state."""
        yield from sorted(_bytes(self._store.dump(format=ox.RdfFormat.N_QUADS)).decode().splitlines())

    def __len__(self) -> int:
        return len(self._store)

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()

    @property
    def native(self) -> ox.Store:
        """The pyoxigraph store itself, for the query engine in this package only."""
        return self._store

    def checkpoint(self, target: Path) -> None:
        """A consistent copy of the store at ``target`` (hard links where possible), for
        read-only use by query workers."""
        self._store.backup(str(target))


def _bytes(data: bytes | None) -> bytes:
    """pyoxigraph returns bytes when given no output file; say so to the type checker."""
    if data is None:
        raise RuntimeError("pyoxigraph wrote to a file where bytes were expected")
    return data


def open_store(path: Path | None) -> OxigraphStore:
    """Open the embedded store at ``path`` (created if missing), or in memory when None."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    return OxigraphStore(path)
