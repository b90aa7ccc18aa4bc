"""The embedded Oxigraph store: the :class:`~api.core.store.base.GraphStore` rsikg runs on.

Everything outside :mod:`api.core.store` talks to the interface in :mod:`.base` and sees rdflib
terms, bytes and plain Python values, so that a remote SPARQL 1.1 store (Fuseki, GraphDB,
Virtuoso, ...) can be put behind the same interface later; terms are converted by :mod:`.terms`.

Each loaded source goes into a named graph of its own; queries see the union of all graphs as
their default graph. Loading parses every source before writing anything, and replaces each
source's graphs all or nothing, so a malformed file leaves the store exactly as it was. A write
Oxigraph cannot make in one transaction goes through a redo journal (journal.py), so that no
crash leaves it half done.
"""

from __future__ import annotations

import csv
import functools
import io
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from api.core.formats import rdf_format
from api.core.namespaces import PREFIXES
from api.core.store.base import DEFAULT_GRAPH, ProgressCallback, QueryResult, SelectResult, Source
from api.core.store.diffs import MAX_TERM_BYTES, diff_update, has_blank_nodes, read_nquads, to_nquads
from api.core.store.formats import OX_RDF
from api.core.store.journal import Journal
from api.core.store.parsing import graph_node, located_query_error, parse_quads
from api.core.store.terms import substitutions, to_json, to_rdflib
from api.errors import InputError, Location, StoreUnavailableError

_Method = TypeVar("_Method", bound=Callable[..., Any])


# --------------------------------------------------------------------------------------------
# The embedded Oxigraph store
# --------------------------------------------------------------------------------------------

_STAGING_PREFIX = "urn:rsikg:staging:"  # graphs of loads by earlier versions; dropped on open
BULK_THRESHOLD = 50_000
"""Sources of more quads than this are loaded with the bulk loader, not in a transaction; diffs
of more are applied in steps under the journal rather than as one SPARQL update."""


def _writes(method: _Method) -> _Method:
    """Marks a method that may change the store: :attr:`OxigraphStore.revision` moves on once it
    has returned (or failed), so that a cache keyed by the revision it read is never reused."""

    @functools.wraps(method)
    def wrapper(self: OxigraphStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            self.revision += 1

    return cast(_Method, wrapper)


class OxigraphStore:
    """Embedded Oxigraph: on disk when given a directory, in memory otherwise."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        self.revision = 0  # moves on after every write (see _writes)
        self.identity = object()  # this object's own, never equal to another's (GraphStore.identity)
        self._write_lock = threading.Lock()  # one journal entry at a time
        if read_only and path is not None:  # see read_only(): nothing of the owner's is done
            self._store = ox.Store.read_only(str(path))
            self._journal: Journal | None = None
            return
        try:
            self._store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as err:
            if "lock" in str(err).lower():
                raise StoreUnavailableError(
                    f"the store {path} is in use by another process (a running 'rsikg serve'?); "
                    "stop that process, or point --store / RSIKG_STORE at another directory"
                ) from err
            raise StoreUnavailableError(f"cannot open the store {path}: {err}") from err
        # Opened: this process holds the store's lock, so nobody else is using its journal or
        # its scratch copies. A journal entry is a write a crash interrupted: completed here.
        self._journal = Journal(path) if path is not None else None
        if path is not None:
            shutil.rmtree(self._scratch_root(path), ignore_errors=True)
        self._recover()
        self._drop_leftover_staging()

    @classmethod
    def read_only(cls, path: Path) -> OxigraphStore:
        """A store on disk opened only to be read, by a process that does not own it (a write's
        scratch copy, once its worker wrote it and closed it): no lock taken, no journal
        replayed, nothing removed beside it; 8 ms to open at 700k triples, against 35 ms for
        the owner's open."""
        return cls(path, read_only=True)

    @staticmethod
    def _scratch_root(path: Path) -> Path:
        return path.parent / f".{path.name}.scratch"

    def scratch_dir(self) -> Path:
        """The folder for scratch copies of this store (beside it, like the query engine's
        checkpoints); whatever an interrupted write left there goes when the store is opened."""
        if self.path is None:
            raise StoreUnavailableError("a store in memory has no scratch folder")
        root = self._scratch_root(self.path)
        root.mkdir(exist_ok=True)
        return root

    # -- loading ------------------------------------------------------------------------------

    @_writes
    def load(self, sources: Sequence[Source], progress: ProgressCallback | None = None) -> int:
        if progress:
            progress("parse", 0, len(sources))
        parsed = list(zip(sources, self._parse(sources), strict=True))
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

    def _parse(self, sources: Sequence[Source]) -> list[list[ox.Quad]]:
        """Each source's quads, parsed in one isolated worker (or here, inside a worker)."""
        from api.core.store import sandbox

        if sandbox.inside_worker:
            return [parse_quads(source) for source in sources]
        return sandbox.parse(sources)

    def _replace(self, source: Source, quads: list[ox.Quad]) -> int:
        """Replace every graph the source fills: all of them or none, at any size.

        The quads are stated in the journal first (see journal.py); then the graphs are dropped
        and filled, in one transaction up to BULK_THRESHOLD quads and with the bulk loader
        beyond, which is much faster (measured on 684k quads on disk: 5 s, against 20 s for a
        transactional insert) and not transactional at all: a crash midway is completed from
        the journal when the store is next opened. One SPARQL update cannot do it: it gives
        blank nodes new labels and refuses one label in two graphs, and MOVE from a staging
        graph took 5 s for 50k quads. The source was parsed in full first, and a term the
        journal could not read back is refused, so bad input writes nothing.
        """
        named = (q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode))
        graphs = list(dict.fromkeys([source.graph, *named]))
        body = to_nquads(quads, Location(source.name)) if self._journal is not None else b""
        self._journaled({"kind": "replace", "graphs": graphs}, body, lambda: self._fill(graphs, quads))
        return len(quads)

    def _fill(self, graphs: Sequence[str], quads: Sequence[ox.Quad]) -> None:
        """Drop ``graphs``, then add ``quads`` (idempotent: the journal may do it twice)."""
        for graph in graphs:
            self.remove_graph(graph)
        if len(quads) > BULK_THRESHOLD:
            self._store.bulk_extend(quads)
        else:
            self._store.extend(quads)

    @_writes
    def add(self, source: Source) -> int:
        """Add a source's triples to its graph, keeping what is there (one transaction)."""
        (quads,) = self._parse([source])
        self._store.extend(quads)
        return len(quads)

    @_writes
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update (one transaction)."""
        try:
            self._store.update(sparql)
        except SyntaxError as err:
            raise located_query_error(str(err)) from None

    @_writes
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
            self._store.dump(
                format=OX_RDF[info.name], from_graph=ox.NamedNode(graph), prefixes=dict(PREFIXES)
            )
        )

    @_writes
    def apply_diff(
        self,
        removed: Sequence[str],
        added: Sequence[str],
        *,
        dropped: Iterable[str] = (),
        created: Iterable[str] = (),
    ) -> None:
        """Remove and add quads given as N-Quads lines (as :meth:`quads_nquads` yields them),
        drop the named graphs ``dropped`` and create ``created`` (perhaps empty): all or nothing.

        Blank nodes keep their labels, so a diff taken against a checkpoint of this store
        applies to the same nodes here. A diff of up to BULK_THRESHOLD quads and no blank node
        is one SPARQL update, so one transaction (not even a query in this process sees half
        of it); any other is applied in steps under the journal, which a crash cannot tear.
        Every line is read before anything is written, so a diff the store cannot take (a
        term over diffs.MAX_TERM_BYTES) leaves it exactly as it was.
        """
        where = Location("request body")
        old, new = read_nquads(removed, where), read_nquads(added, where)
        gone, made = sorted(dropped), sorted(created)
        if len(old) + len(new) <= BULK_THRESHOLD and not has_blank_nodes([*old, *new]):
            try:
                with self._write_lock:
                    self._store.update(diff_update(old, new, gone, made))
                return
            except (ValueError, InputError, SyntaxError):
                pass  # a term the builder or Oxigraph will not spell: nothing written, in steps then
        header = {"kind": "diff", "removed": len(old), "dropped": gone, "created": made}
        body = to_nquads([*old, *new], where) if self._journal is not None else b""
        self._journaled(header, body, lambda: self._apply_steps(old, new, gone, made))

    def _apply_steps(
        self, old: Sequence[ox.Quad], new: Sequence[ox.Quad], dropped: Sequence[str], created: Sequence[str]
    ) -> None:
        """A diff one call at a time (idempotent: the journal may do it twice)."""
        for quad in old:
            self._store.remove(quad)
        if len(new) > BULK_THRESHOLD:
            self._store.bulk_extend(new)
        else:
            self._store.extend(new)
        for graph in dropped:
            self.remove_graph(graph)
        for graph in created:
            self._store.add_graph(ox.NamedNode(graph))

    def _journaled(self, header: dict[str, object], body: bytes, apply: Callable[[], None]) -> None:
        """Apply a write of several steps so that a crash cannot tear it (see journal.py)."""
        if self._journal is None:  # in memory: a crash leaves nothing behind to tear
            apply()
            return
        with self._write_lock:
            self._journal.commit(header, body)
            try:
                apply()
                self._store.flush()
                self._journal.done()
            except Exception:
                # Committed but not applied (a full disk?): complete it from the journal now, as
                # the next open would (or that replay would undo later writes); if that fails too,
                # StoreUnavailableError says so.
                self._recover()

    def _recover(self) -> None:
        """Complete the write the journal holds, if one was interrupted (see journal.py)."""
        journal = self._journal
        entry = journal.pending() if journal is not None else None
        if journal is None or entry is None:
            return
        header, body = entry
        try:
            quads = list(ox.parse(body, format=ox.RdfFormat.N_QUADS))  # labels kept
            if header["kind"] == "replace":
                self._fill(_strings(header["graphs"]), quads)
            else:
                removed = _count(header["removed"])
                self._apply_steps(
                    quads[:removed], quads[removed:], _strings(header["dropped"]), _strings(header["created"])
                )
            self._store.flush()
        except (KeyError, TypeError, ValueError, SyntaxError, OSError) as err:
            raise StoreUnavailableError(
                f"the write held in {journal.path} cannot be completed ({err}); the store is as "
                "that write left it: move the journal away to open the store without it"
            ) from err
        journal.done()

    def _drop_leftover_staging(self) -> None:
        for graph in self._store.named_graphs():
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(_STAGING_PREFIX):
                self._store.remove_graph(graph)

    @_writes
    def remove_graph(self, graph: str) -> None:
        node = graph_node(graph)
        if isinstance(node, ox.DefaultGraph):
            self._store.clear_graph(node)
        elif self._store.contains_named_graph(node):
            self._store.remove_graph(node)

    # -- querying -----------------------------------------------------------------------------

    def _execute(
        self, sparql: str, bindings: Mapping[str, Node] | None, default_graphs: Sequence[str] | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        try:
            if default_graphs is not None:  # the protocol's default-graph-uri: these graphs, merged
                return self._store.query(
                    sparql,
                    default_graph=[graph_node(g) for g in default_graphs],
                    substitutions=substitutions(bindings),
                )
            return self._store.query(
                sparql,
                use_default_graph_as_union=True,
                substitutions=substitutions(bindings),
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
            rows = [tuple(None if s[v] is None else to_rdflib(s[v]) for v in variables) for s in result]
            return SelectResult(variables, rows)
        graph = rdflib.Graph()
        for t in result:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
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

    def client_query(
        self,
        sparql: str,
        *,
        results_format: str | None,
        graph_format: str | None,
        bindings: Mapping[str, Node] | None = None,
        own_dataset: bool = False,
    ) -> tuple[str, bytes]:
        """A client's query (not one rsikg wrote), run where a crash, a fetch or a runaway harms
        nothing: an isolated worker over this store (opened read-only beside this process).
        ``results_format`` serves SELECT and ASK, ``graph_format`` CONSTRUCT and DESCRIBE; the
        answer is (the format used, its bytes). A store in memory, which no other process can
        open, answers here."""
        from api.core.store import sandbox, worker

        request: dict[str, object] = {
            "job": "query",
            "checkpoint": str(self.path),
            "query": sparql,
            "results_format": results_format,
            "graph_format": graph_format,
            "max_rows": 2**62,
            "own_dataset": own_dataset,  # FROM / FROM NAMED: not the union
        }
        if bindings:  # a named query's parameters, bound as terms (SEP-0007) in the worker
            request["bindings"] = {name: to_json(term) for name, term in bindings.items()}
        if self.path is not None:
            self.flush()
            header, body = sandbox.run(request, what="query", where=Location("query"))
        else:
            header, body = worker.respond(worker.execute, self._store, request)
            if not header.get("ok"):
                raise sandbox.answer_error(header, "query", Location("query"))
        return str(header["format"]), body

    # -- whole-store views --------------------------------------------------------------------

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def export(self, fmt: str) -> bytes:
        """All of the store: a dataset format keeps the graphs, a graph format gets the union."""
        info = rdf_format(fmt)
        if info.dataset and info.name != "jsonld":
            return _bytes(self._store.dump(format=OX_RDF[info.name]))
        union = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        if not isinstance(union, ox.QueryTriples):
            raise TypeError("a CONSTRUCT query answers triples")
        triples: Iterable[ox.Triple] = union  # QueryTriples iterates Triples
        return _bytes(ox.serialize(triples, format=OX_RDF[info.name], prefixes=dict(PREFIXES)))

    def to_rdflib(self, *, exclude_graphs: Iterable[str] = ()) -> rdflib.Graph:
        """The union of the store's graphs, but those excluded, as an in-memory rdflib graph
        (for pySHACL and the reasoner, which need one)."""
        excluded = {ox.NamedNode(g) for g in exclude_graphs}
        graph = rdflib.Graph()
        cache: dict[object, Node] = {}

        def conv(term: object) -> Node:
            node = cache.get(term)
            if node is None:
                node = cache[term] = to_rdflib(term)
            return node

        for q in self._store.quads_for_pattern(None, None, None, None):
            if q.graph_name in excluded:
                continue
            graph.add((conv(q.subject), conv(q.predicate), conv(q.object)))
        return graph

    @staticmethod
    def check_lines(lines: Iterable[str]) -> None:
        """Refuse, before a diff is validated or applied, a line this store could not read back
        (a term over MAX_TERM_BYTES): an InputError naming the limit."""
        long = [line for line in lines if len(line) > MAX_TERM_BYTES]
        if long:
            read_nquads(long, Location("request body"))

    def quads_nquads(self, graphs: Iterable[str] | None = None) -> Iterator[str]:
        """Every quad (of the named ``graphs`` only, when given) as a sorted N-Quads line: a
        fingerprint of the store's state. A write that knows which graphs it can change is
        diffed on those alone: the whole store's lines took 6.7 s at 700k triples."""
        if graphs is None:
            dumped = self._store.dump(format=ox.RdfFormat.N_QUADS)
        else:
            quads = [
                q for g in graphs for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g))
            ]
            dumped = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        yield from sorted(_lines(dumped))

    def quads_of_triples(self, triples: bytes) -> list[str]:
        """The quads, in any graph, of the N-Triples lines ``triples``, as N-Quads lines (in no
        order: the caller compares them as sets): what an update's candidates
        (api/core/sparql_journal.py) are in this store. Blank nodes are read by their labels,
        which are the store's own: the lines were written from this store or a checkpoint of it."""
        found = [
            q
            for t in ox.parse(triples, format=ox.RdfFormat.N_TRIPLES)
            for q in self._store.quads_for_pattern(t.subject, t.predicate, t.object, None)
        ]
        return _lines(ox.serialize(found, format=ox.RdfFormat.N_QUADS))

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


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"expected a list of graph names, not {value!r}")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected a count, not {value!r}")
    return value


def _lines(data: bytes | None) -> list[str]:
    """N-Quads output as its lines, split at LF only: a literal may hold U+2028 or U+0085
    unescaped, where splitlines() would cut its quad in two (and the diff of every later write
    would not parse)."""
    return [line for line in _bytes(data).decode().split("\n") if line]


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
