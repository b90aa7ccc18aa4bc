"""The embedded Oxigraph store: the :class:`~rsikg.core.store.base.GraphStore` rsikg runs on.

Everything outside :mod:`rsikg.core.store` talks to the interface in :mod:`.base` and sees rdflib
terms, bytes and plain Python values, so that a remote SPARQL 1.1 store (Fuseki, GraphDB,
Virtuoso, ...) can be put behind the same interface later; terms are converted by :mod:`.terms`.

Each loaded source goes into a named graph of its own; queries see every graph merged, each
triple once, as their default graph (a graph every write keeps so: merged.py). Loading parses
every source before writing anything, and replaces each source's graphs all or nothing, so a
malformed file leaves the store exactly as it was. A write Oxigraph cannot make in one
transaction goes through a redo journal (journal.py), so that no crash leaves it half done.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from ...errors import InputError, Location, StoreInUseError, StoreUnavailableError
from ..formats import rdf_format
from ..namespaces import PREFIXES, angled
from . import merged
from .base import (
    DEFAULT_GRAPH,
    MERGED_GRAPH,
    MERGED_GRAPH_IS_KEPT,
    Changed,
    ChangeLog,
    ProgressCallback,
    QueryResult,
    SelectResult,
    Source,
)
from .diffs import (
    MAX_TERM_BYTES,
    changed,
    diff_update,
    has_blank_nodes,
    read_nquads,
    to_nquads,
)
from .formats import OX_RDF
from .journal import Journal
from .parsing import graph_node, located_query_error, parse_quads
from .terms import answer, csv_values, selected, substitutions, to_json, to_rdflib

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
        self._noted = None
        try:
            return method(self, *args, **kwargs)
        finally:
            # what it changed, if the method said (apply_diff, add): else unknown, and a cache
            # reads everything again; a write within another leaves the outer one unknown
            self.revision += 1
            self.changes.note(self.revision, self._noted)
            self._noted = None

    return cast(_Method, wrapper)


class OxigraphStore:
    """Embedded Oxigraph: on disk when given a directory, in memory otherwise."""

    def __init__(
        self, path: Path | None = None, *, read_only: bool = False, native: ox.Store | None = None
    ) -> None:
        self.path = path
        self.revision = 0  # moves on after every write (see _writes)
        self.changes = ChangeLog()  # what the last writes changed, by revision
        self.parse_memory_mb: int | None = None  # the parse worker's cap (None: the sandbox's default)
        self._noted: Changed | None = None  # what the write under way changed, once it is done
        self.identity = object()  # this object's own, never equal to another's (GraphStore.identity)
        self._write_lock = threading.RLock()  # one write (and its journal entry) at a time
        self._dataset: tuple[int, dict[str, object]] | None = None  # (revision, the merged dataset)
        self._counted: tuple[int, int] | None = None  # (revision, distinct triples)
        # Only the store's owner keeps the merged graph. Elsewhere (a write's scratch copy,
        # which raw pyoxigraph writes) it may be stale: queries read the union of all graphs.
        self._keeps_merged = not read_only and native is None
        self.opened_read_only = read_only  # opened only to be read: another process owns the store
        if native is not None:  # a copy in memory, made by _copy()
            self._store, self._journal = native, None
            return
        if read_only and path is not None:  # see read_only(): nothing of the owner's is done
            self._store = ox.Store.read_only(str(path))
            self._journal = None
            return
        try:
            self._store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as err:
            if "lock" in str(err).lower():
                raise StoreInUseError(
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
        if not merged.is_kept(self._store):  # new, or written by a version without it
            self._journaled({"kind": "merged"}, b"", self._rebuild_merged)

    @classmethod
    def read_only(cls, path: Path) -> OxigraphStore:
        """A store on disk opened only to be read, by a process that does not own it (a write's
        scratch copy, once its worker wrote it and closed it): no lock taken, no journal
        replayed, nothing removed beside it; 8 ms to open at 700k triples, against 35 ms for
        the owner's open."""
        return cls(path, read_only=True)

    @classmethod
    def served(cls, path: Path) -> OxigraphStore:
        """The store a running server owns, opened read-only as it is at this moment. Its
        owner keeps its merged graph with every write, in the same transaction, so it is read
        as the owner reads it: the default graph of queries, left out of the named graphs and
        the counts (a scratch copy's, which raw pyoxigraph writes, may be stale: not there)."""
        store = cls(path, read_only=True)
        store._keeps_merged = merged.is_kept(store._store)
        return store

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
        from . import sandbox

        if sandbox.inside_worker:
            return [parse_quads(source) for source in sources]
        return sandbox.parse(sources, limits=sandbox.limits_for(self.parse_memory_mb))

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
        self.refuse_merged(graphs, Location(source.name))
        with self._write_lock:
            gone = self._merged_gone([], quads, graphs)
            body = to_nquads([*gone, *quads], Location(source.name)) if self._journal is not None else b""
            header = {"kind": "replace", "graphs": graphs, "merged_removed": len(gone)}
            self._journaled(header, body, lambda: self._fill(graphs, quads, gone))
        return len(quads)

    def _fill(self, graphs: Sequence[str], quads: Sequence[ox.Quad], gone: Sequence[ox.Quad]) -> None:
        """Drop ``graphs``, take ``gone`` from the merged graph, then add ``quads`` (idempotent:
        the journal may do it twice)."""
        for graph in graphs:
            self._drop(graph)
        for quad in gone:
            self._store.remove(quad)
        self._extend(quads)

    def _rebuild_merged(self) -> None:
        """Make the merged graph from every other graph (idempotent: the journal may do it
        twice). With the bulk loader, read as it writes, then compacted: 18 s for a store of
        684k triples an earlier version wrote, against 50 s (and twice the disk) for one SPARQL
        update."""
        self._store.clear_graph(merged.MERGED)
        self._store.bulk_extend(merged.merged(self._store.quads_for_pattern(None, None, None, None)))
        self._store.add_graph(merged.MERGED)  # the mark an open looks for, on an empty store too
        self._store.optimize()

    def _extend(self, quads: Sequence[ox.Quad]) -> None:
        """Add ``quads``, and their triples to the merged graph: in one transaction up to
        BULK_THRESHOLD quads; beyond, with the bulk loader, the store compacted afterwards.

        Measured at 684k quads, in process, p50: a merged graph the bulk loader left as it
        wrote it answered 1.2-1.6× slower than Oxigraph's plain default graph (path 7.7-8.0 ms
        against 4.8), compacted as fast (4.7-4.9 ms); compacting took 1.7 s. The merged
        graph's quads are made as they are written (a list of them took 0.9 GB more at peak)
        and bulk-written apart from the others (280 MB on disk, against 352 MB together)."""
        if len(quads) <= BULK_THRESHOLD:
            self._store.extend([*quads, *merged.merged(quads)] if self._keeps_merged else quads)
            return
        self._store.bulk_extend(quads)
        if self._keeps_merged:
            self._store.bulk_extend(merged.merged(quads))
        self._store.optimize()

    def _merged_gone(
        self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad], dropped: Iterable[str]
    ) -> list[ox.Quad]:
        """The merged graph's quads a change takes away (none on a store that keeps none)."""
        if not self._keeps_merged:
            return []
        graphs = [graph_node(g) for g in dropped]
        existing = [
            g for g in graphs if isinstance(g, ox.DefaultGraph) or self._store.contains_named_graph(g)
        ]
        return merged.gone(self._store, removed, added, existing)

    def merged_change(
        self, removed: Sequence[str], added: Sequence[str], dropped: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        """What a diff (N-Quads lines) takes from and adds to the merged graph, as N-Quads lines:
        for a store that copies this one (a remote store rsikg validates writes for here)."""
        where = Location("request body")
        old, new = read_nquads(removed, where), read_nquads(added, where)
        gone = self._merged_gone(old, new, dropped)
        return _lines(ox.serialize(gone, format=ox.RdfFormat.N_QUADS)), _lines(
            ox.serialize(list(merged.merged(new)), format=ox.RdfFormat.N_QUADS)
        )

    def replaced_graphs(self, removed: Sequence[str], added: Sequence[str]) -> dict[str, list[str]]:
        """Each graph (the merged graph aside) from which a diff removes a triple with a blank
        node, with its content after the diff as N-Quads lines: what a store that cannot name
        blank nodes (a remote one) must replace whole."""
        where = Location("request body")
        old, new = read_nquads(removed, where), read_nquads(added, where)
        graphs = {
            q.graph_name
            for q in old
            if q.graph_name != merged.MERGED
            and any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))
        }
        after: dict[str, list[str]] = {}
        gone = set(old)
        for graph in graphs:
            kept = [q for q in self._store.quads_for_pattern(None, None, None, graph) if q not in gone]
            fresh = [q for q in new if q.graph_name == graph]
            name = graph.value if isinstance(graph, ox.NamedNode) else DEFAULT_GRAPH
            after[name] = _lines(ox.serialize([*kept, *fresh], format=ox.RdfFormat.N_QUADS))
        return after

    @staticmethod
    def refuse_merged(graphs: Iterable[str], where: Location) -> None:
        """A write that names the merged graph: an InputError (rsikg keeps that graph itself)."""
        if MERGED_GRAPH in graphs:
            raise InputError(f"{angled(MERGED_GRAPH)} is {MERGED_GRAPH_IS_KEPT}", where)

    @_writes
    def add(self, source: Source) -> int:
        """Add a source's triples to its graph, keeping what is there (one transaction)."""
        (quads,) = self._parse([source])
        named = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        self.refuse_merged([source.graph, *named], Location(source.name))
        self._change([], quads, (), ())
        self._noted = changed(quads)
        return len(quads)

    @_writes
    def update(self, sparql: str) -> None:
        """Run one of rsikg's own SPARQL 1.1 Updates (a client's runs isolated: the service's
        writes), as one write: on a copy of the store, the triples it can have changed found as
        api/core/sparql_journal.py finds them, and their difference applied here
        (:meth:`apply_diff`: the merged graph kept, one transaction or one journal entry).
        The update's default graph is the store's own, which holds nothing."""
        from .. import sparql_dataset, sparql_journal

        sparql_dataset.refuse_naming(sparql, MERGED_GRAPH, None, MERGED_GRAPH_IS_KEPT)
        journal = f"urn:rsikg:journal:{uuid.uuid4()}"
        steps = [(step.text, step.graphs) for step in sparql_journal.journaled(sparql, journal)]
        with self._write_lock, self._scratch() as target:
            removed, added, dropped, created = self._run_on_copy(target, sparql, steps, journal)
            self.apply_diff(removed, added, dropped=dropped, created=created)
            self._noted = Changed(frozenset())  # all it changed, apply_diff's own entry says

    def _run_on_copy(
        self, target: Path | None, sparql: str, steps: list[tuple[str, Any]], journal: str
    ) -> tuple[list[str], list[str], set[str], set[str]]:
        """:meth:`update`'s steps run on a copy of the store (in ``target``, or in memory):
        what they removed and added, the graphs they dropped and created. The copies live in
        this frame only, so that an error's traceback lets go of them (:meth:`_scratch`)."""
        from . import worker

        if target is None:
            native = ox.Store()
            native.extend(self._store)
        else:
            self._store.backup(str(target))  # hard links: a few ms
            native = ox.Store(str(target))
        try:
            triples = worker.run_steps(native, steps, journal, None)
        except SyntaxError as err:
            own = worker.client_error(sparql, None)
            raise located_query_error(str(own or err)) from None
        if target is None:
            copy = OxigraphStore(native=native)
        else:
            del native  # closed (its lock released) before it is read
            copy = OxigraphStore.read_only(target)
        touched = None if triples is None else Touched((), triples)
        removed, added = write_diff(self, copy, touched, 2**62)
        before, after = set(self.named_graphs()), set(copy.named_graphs())
        return removed, added, before - after, after - before

    @contextmanager
    def _scratch(self) -> Iterator[Path | None]:
        """Where a copy of the store goes: a folder in the scratch folder for a store on disk
        (removed afterwards), None (memory) for a store in memory."""
        if self.path is None:
            yield None
            return
        with tempfile.TemporaryDirectory(dir=self.scratch_dir()) as tmp:
            try:
                yield Path(tmp) / "copy"
            except BaseException as err:
                # A store opened on the copy and held by the error's frames stays open, RocksDB
                # writing in the folder while it is removed: "Directory not empty" (a CI
                # failure). The finished frames let go of their locals; the traceback stays.
                let_go(err)
                raise

    @_writes
    def create_graph(self, graph: str) -> None:
        """An empty named graph (as SPARQL CREATE GRAPH makes)."""
        self.refuse_merged([graph], Location(field="graph"))
        self._store.add_graph(ox.NamedNode(graph))

    def has_graph(self, graph: str) -> bool:
        if graph == DEFAULT_GRAPH:
            return True
        return graph != MERGED_GRAPH and self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_serialized(self, graph: str, fmt: str) -> bytes:
        """One graph in an RDF graph format (the default graph: every graph merged, as queries
        see it)."""
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
        self.refuse_merged(
            [
                *dropped,
                *created,
                *(q.graph_name.value for q in [*old, *new] if isinstance(q.graph_name, ox.NamedNode)),
            ],
            where,
        )
        self._change(old, new, dropped, created)
        self._noted = changed(old, new)  # a dropped graph's quads are among ``removed``

    def change_mark(self) -> int:
        return self.revision

    def changes_since(self, mark: int) -> tuple[int, list[Changed] | None]:
        now = self.revision
        return now, self.changes.since(mark, now)

    def _change(
        self, old: Sequence[ox.Quad], new: Sequence[ox.Quad], dropped: Iterable[str], created: Iterable[str]
    ) -> None:
        """Remove ``old``, add ``new``, drop and create graphs, the merged graph kept: one
        SPARQL update when it can be (see :meth:`apply_diff`), else steps under the journal."""
        where = Location("request body")
        gone, made = sorted(dropped), sorted(created)
        with self._write_lock:
            old = [*old, *self._merged_gone(old, new, gone)]
            every = [*new, *merged.merged(new)] if self._keeps_merged else list(new)
            if len(old) + len(every) <= BULK_THRESHOLD and not has_blank_nodes([*old, *every]):
                try:
                    self._store.update(diff_update(old, every, gone, made))
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
        self._extend(new)
        for graph in dropped:
            self._drop(graph)
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
            if header["kind"] == "merged":
                self._rebuild_merged()
            elif header["kind"] == "replace":
                gone = _count(header.get("merged_removed", 0))
                self._fill(_strings(header["graphs"]), quads[gone:], quads[:gone])
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
        """Drop a named graph (empty the default graph), the merged graph kept."""
        self.refuse_merged([graph], Location(field="graph"))
        if graph == DEFAULT_GRAPH:
            self._change(list(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())), [], (), ())
        elif self._store.contains_named_graph(ox.NamedNode(graph)):
            self._change([], [], (graph,), ())

    def _drop(self, graph: str) -> None:
        """Drop a named graph or empty the default graph, the merged graph left as it is."""
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
            return self._store.query(sparql, substitutions=substitutions(bindings), **self._merged_dataset())
        except SyntaxError as err:
            raise located_query_error(str(err)) from None

    def _merged_dataset(self) -> dict[str, Any]:
        """The dataset of a query without one of its own (:func:`.merged.dataset`), read again
        after each write; the union of all graphs where the merged graph is not kept here."""
        if not self._keeps_merged:
            return {"use_default_graph_as_union": True}
        if self._dataset is None or self._dataset[0] != self.revision:
            self._dataset = (self.revision, merged.dataset(self._store))
        return self._dataset[1]

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """Run a query over every graph merged, or over ``default_graphs`` merged."""
        result = self._execute(sparql, bindings, default_graphs)
        return answer(result)

    def select(self, sparql: str, *, default_graphs: Sequence[str] | None = None) -> SelectResult:
        """A SELECT query's solutions (as :meth:`query`, for a query known to be a SELECT)."""
        return selected(self.query(sparql, default_graphs=default_graphs))

    def select_values(self, sparql: str) -> list[tuple[str | None, ...]]:
        """A SELECT's rows as plain strings (an IRI's text, a literal's lexical form; None for
        unbound and for the empty string), for bulk reads where making rdflib terms would cost
        more than the query: 8 of 11 s when the dependency graph was read from 700k triples."""
        result = self._execute(sparql, None)
        if not isinstance(result, ox.QuerySolutions):
            raise InputError("select_values takes a SELECT query", Location(field="query"))
        # Oxigraph writes SPARQL CSV (plain values) in Rust and the csv module reads it in C:
        # three times faster than reading each term of each solution from Python.
        return csv_values(_bytes(result.serialize(format=ox.QueryResultsFormat.CSV)).decode())

    def client_query(
        self,
        sparql: str,
        *,
        results_format: str | None,
        graph_format: str | None,
        bindings: Mapping[str, Node] | None = None,
        own_dataset: bool = False,
        predeclared: Sequence[str] = (),
    ) -> tuple[str, bytes]:
        """A client's query (not one rsikg wrote), run where a crash, a fetch or a runaway harms
        nothing: an isolated worker over this store (opened read-only beside this process).
        ``results_format`` serves SELECT and ASK, ``graph_format`` CONSTRUCT and DESCRIBE; the
        answer is (the format used, its bytes). A store in memory, which no other process can
        open, answers here. ``predeclared``: the predeclared prefixes the query may need
        (:attr:`rsikg.core.sparql_guard.SparqlFeatures.predeclared`)."""
        from . import sandbox, worker

        request: dict[str, object] = {
            "job": "query",
            "checkpoint": str(self.path),
            "query": sparql,
            "results_format": results_format,
            "graph_format": graph_format,
            "max_rows": 2**62,
            "own_dataset": own_dataset,  # FROM / FROM NAMED: not the union
            "prefixes": bool(predeclared),
        }
        if bindings:  # a named query's parameters, bound as terms (SEP-0007) in the worker
            request["bindings"] = {name: to_json(term) for name, term in bindings.items()}
        if self.path is not None:
            self.flush()
            header, body = sandbox.run(request, what="query", where=Location("query"))
        else:  # the store itself, which writes change: its graphs are read again each time
            header, body = worker.respond(worker.execute, self._store, {**request, "live": True})
            if not header.get("ok"):
                raise sandbox.answer_error(header, "query", Location("query"))
        return str(header["format"]), body

    # -- whole-store views --------------------------------------------------------------------

    def named_graphs(self) -> list[str]:
        graphs = merged.without_graph(self._store.named_graphs())
        return sorted(g.value for g in graphs if isinstance(g, ox.NamedNode))

    def export(self, fmt: str) -> bytes:
        """All of the store: a dataset format keeps the graphs, a graph format gets them merged
        (each triple once)."""
        info = rdf_format(fmt)
        if info.dataset and info.name != "jsonld":
            quads = merged.without(self._store.quads_for_pattern(None, None, None, None))
            return _bytes(ox.serialize(quads, format=OX_RDF[info.name], prefixes=dict(PREFIXES)))
        if self._keeps_merged:
            return _bytes(
                self._store.dump(format=OX_RDF[info.name], from_graph=merged.MERGED, prefixes=dict(PREFIXES))
            )
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
        excluded = {ox.NamedNode(g) for g in exclude_graphs} | {merged.MERGED}
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
        if graphs is None:  # dumped whole in Rust, the merged graph's lines left out here
            lines = _lines(self._store.dump(format=ox.RdfFormat.N_QUADS))
            yield from sorted(line for line in lines if not line.endswith(merged.NQUADS_GRAPH))
            return
        quads = [q for g in graphs for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g))]
        yield from sorted(_lines(ox.serialize(quads, format=ox.RdfFormat.N_QUADS)))

    def quads_of_triples(self, triples: bytes) -> list[str]:
        """The quads, in any graph, of the N-Triples lines ``triples``, as N-Quads lines (in no
        order: the caller compares them as sets): what an update's candidates
        (api/core/sparql_journal.py) are in this store. Blank nodes are read by their labels,
        which are the store's own: the lines were written from this store or a checkpoint of it."""
        found = [
            q
            for t in ox.parse(triples, format=ox.RdfFormat.N_TRIPLES)
            for q in merged.without(self._store.quads_for_pattern(t.subject, t.predicate, t.object, None))
        ]
        return _lines(ox.serialize(found, format=ox.RdfFormat.N_QUADS))

    def __len__(self) -> int:
        """The quads in the store's graphs (the merged graph's not counted)."""
        return len(self._store) - (self.triple_count() if self._keeps_merged else 0)

    def triple_count(self) -> int:
        """The distinct triples of all graphs: what ``COUNT(*)`` over the default graph says
        (counted once per write: 220 ms at 684k triples)."""
        if self._counted is None or self._counted[0] != self.revision:
            self._counted = (self.revision, self._count_triples())
        return self._counted[1]

    def _count_triples(self) -> int:
        if not self._keeps_merged:
            found = self._store.query(
                "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }",
                use_default_graph_as_union=True,
            )
        else:
            found = self._store.query(merged.COUNT)
        if not isinstance(found, ox.QuerySolutions):
            raise TypeError("a SELECT query answers solutions")
        count = next(iter(found))["n"]
        return int(count.value) if isinstance(count, ox.Literal) else 0

    def flush(self) -> None:
        if self.path is not None and not self.opened_read_only:  # nothing written: nothing to flush
            self._store.flush()

    @property
    def native(self) -> ox.Store:
        """The pyoxigraph store itself, for the query engine in this package only."""
        return self._store

    def checkpoint(self, target: Path) -> None:
        """A consistent copy of the store at ``target`` (hard links where possible), for
        read-only use by query workers."""
        self._store.backup(str(target))


@dataclass(frozen=True)
class Touched:
    """What a write on the scratch copy can have changed: every quad of ``graphs``, and the
    quads (in any graph) of the N-Triples lines ``triples`` (an update's candidates:
    api/core/sparql_journal.py)."""

    graphs: tuple[str, ...] = ()
    triples: bytes | None = None


def _read(store: OxigraphStore, touched: Touched | None, size: int) -> set[str]:
    """The N-Quads lines of what a write can have changed, in one of the two stores compared.
    More candidate triples than a quarter of ``size`` (the store's quads, as last counted: a
    count reads them all): the whole store, read in one go (a point lookup per candidate costs
    more than its share of a dump)."""
    if touched is None or (touched.triples and touched.triples.count(b"\n") + 1 > size // 4):
        return set(store.quads_nquads())
    lines = set(store.quads_nquads(touched.graphs)) if touched.graphs else set()
    if touched.triples:
        lines.update(store.quads_of_triples(touched.triples))
    return lines


def let_go(err: BaseException) -> None:
    """The finished frames of an error's traceback, and of the errors it was raised from or
    during, cleared of their locals (the tracebacks themselves kept, for the log)."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        traceback.clear_frames(err.__traceback__)
        err = err.__cause__ or err.__context__  # type: ignore[assignment]


def write_diff(
    before: OxigraphStore, after: OxigraphStore, touched: Touched | None, size: int
) -> tuple[list[str], list[str]]:
    """The N-Quads lines a write removed and added, read from what it touched alone when known."""
    old, new = _read(before, touched, size), _read(after, touched, size)
    added = sorted(new - old)
    before.check_lines(added)  # a term too long for the diff: refused before it is validated
    return sorted(old - new), added


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


def open_store(path: Path | None, *, in_use_read_only: bool = False) -> OxigraphStore:
    """Open the embedded store at ``path`` (created if missing), or in memory when None. With
    ``in_use_read_only``, a store another process holds (a running server) is opened read-only,
    as it is at that moment, rather than refused."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    try:
        return OxigraphStore(path)
    except StoreInUseError:
        if not in_use_read_only or path is None:
            raise
        return OxigraphStore.served(path)
