"""The graph as the SPARQL service serves it: guarded queries through the engine, and writes
that are checked against the shapes before they are committed."""

from __future__ import annotations

import ipaddress
import logging
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib.term import Node

from api.core import changes as change_briefing
from api.core import dependencies, sparql_guard, sparql_plan
from api.core.decisions import adoption, records
from api.core.decisions import dry_run as checking
from api.core.loading import load_project, shapes_files
from api.core.store import DEFAULT_GRAPH, OxigraphStore, rdf_format, sandbox
from api.core.store.engine import QueryAnswer, QueryEngine, QueryRequest
from api.core.validation import (
    ValidationReport,
    ValidationResult,
    read_shapes,
    validate_graph,
    validation_data,
)
from api.errors import InputError, IsolationUnavailableError, Location, ShapeViolationError
from api.settings import Settings

log = logging.getLogger("rsikg.service")

ViolationKey = tuple[Node | None, Node | None, Node | None, Node | None]


def _key(result: ValidationResult) -> ViolationKey:
    # the path is left out: the shape fixes it, and a blank-node path differs in every report
    return (result.focus_node, result.source_shape, result.component, result.value)


@dataclass(frozen=True)
class WriteOutcome:
    """What a committed write changed."""

    removed: int
    added: int
    created: bool = False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class GraphService:
    """Queries and writes over one store. Writes are serialised; each is validated on a
    scratch copy of the store and committed only if it adds no SHACL Violation."""

    def __init__(self, store: OxigraphStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.engine = QueryEngine(
            store,
            workers=settings.query_workers,
            deadline=settings.query_deadline,
            max_rows=settings.max_rows,
            memory_mb=settings.worker_memory_mb,
            max_queue=settings.max_queue,
        )
        self._shapes = read_shapes(shapes_files(settings))
        self._write_lock = threading.Lock()
        self._baseline: set[ViolationKey] | None = None
        self.known_graphs: frozenset[str] = frozenset(store.named_graphs())
        self.generation = 0  # counts committed writes; caches built from the graph compare it
        self._dependencies: tuple[int, dependencies.DependencyGraph] | None = None
        self._dependencies_lock = threading.Lock()
        self.triples = len(store)  # counted once per write, not per request

    async def start(self) -> None:
        """Load the project's graph into an empty store, then start the query workers."""
        if len(self.store) == 0:
            load_project(self.store, self.settings)
            self.known_graphs = frozenset(self.store.named_graphs())
            self.triples = len(self.store)
        await self.engine.start()
        if not self.engine.isolation:
            self._unisolated()

    def _unisolated(self) -> None:
        """Workers that can reach the network: refuse to serve writes or beyond loopback."""
        exposed = self.settings.token_file is not None or not is_loopback(self.settings.host)
        if not exposed or self.settings.allow_unisolated:
            log.warning("query workers can reach the network: neither a namespace nor seccomp is available")
            return
        raise IsolationUnavailableError(
            "query workers cannot be cut off from the network here (no network namespace: needs "
            "CAP_SYS_ADMIN; no seccomp: needs libseccomp2), so rsikg will not serve writes or a "
            "non-loopback address; install libseccomp2, or set RSIKG_ALLOW_UNISOLATED=true to accept the risk"
        )

    async def close(self) -> None:
        await self.engine.close()
        self.store.flush()

    # -- queries ------------------------------------------------------------------------------

    def check_query(
        self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> sparql_guard.SparqlFeatures:
        """Refuse a query that would fetch a URL or names graphs the store lacks."""
        features = sparql_guard.inspect(query)
        if features.form == "UPDATE":
            raise InputError(
                "this is a SPARQL Update, not a query: POST it as application/sparql-update",
                Location("query"),
            )
        allowed = self.settings.allowed_iris
        sparql_guard.check(features, known_graphs=self.known_graphs, allowed=allowed)
        sparql_guard.check_dataset(
            default_graphs, named_graphs, known_graphs=self.known_graphs, allowed=allowed
        )
        return features

    async def query(
        self,
        query: str,
        *,
        results_format: str | None,
        graph_format: str | None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        bindings: dict[str, Node] | None = None,
    ) -> QueryAnswer:
        features = self.check_query(query, default_graphs, named_graphs)
        request = QueryRequest(
            query=query,
            results_format=results_format,
            graph_format=graph_format,
            default_graphs=list(default_graphs) or None,
            named_graphs=list(named_graphs) or None,
            bindings=bindings or {},
            plan=sparql_plan.row_cap_plan(features, self.settings.max_rows),
            own_dataset=features.has_dataset_clause,
        )
        return await self.engine.run(request)

    # -- writes (blocking: the web layer runs them in a thread, then calls published()) -------

    def update(self, sparql: str) -> WriteOutcome:
        features = sparql_guard.inspect(sparql)
        sparql_guard.check(features, known_graphs=self.known_graphs, allowed=self.settings.allowed_iris)
        return self._write(self._in_worker({"operation": "update"}, sparql.encode(), "update"))

    def put_graph(self, graph: str, data: bytes, fmt: str) -> WriteOutcome:
        created = not self.store.has_graph(graph)
        job = {"operation": "replace", "name": "request body", "graph": graph, "format": rdf_format(fmt).name}
        outcome = self._write(self._in_worker(job, data, f"{fmt} document"))
        return WriteOutcome(outcome.removed, outcome.added, created)

    def post_graph(self, graph: str, data: bytes, fmt: str) -> WriteOutcome:
        created = not self.store.has_graph(graph)
        job = {"operation": "add", "name": "request body", "graph": graph, "format": rdf_format(fmt).name}
        outcome = self._write(self._in_worker(job, data, f"{fmt} document"))
        return WriteOutcome(outcome.removed, outcome.added, created)

    def delete_graph(self, graph: str) -> WriteOutcome:
        def drop(path: Path) -> None:
            OxigraphStore(path).remove_graph(graph)  # no client text to parse: done here

        return self._write(drop)

    def _in_worker(self, job: Mapping[str, object], data: bytes, what: str) -> Callable[[Path], None]:
        """A write of client text, applied to the scratch store by an isolated worker."""

        def apply(path: Path) -> None:
            where = Location("request body")
            sandbox.run(
                {"job": "write", "scratch": str(path), **job},
                data,
                limits=self.engine.limits,
                what=what,
                where=where,
            )

        return apply

    # -- decisions and statements --------------------------------------------------------------

    def check_record(self, data: bytes, media_type: str, *, statements: bool = False) -> checking.Check:
        """Dry-run a record against the graph (nothing is written)."""
        candidate = records.read_record(data, media_type, "request body", statements=statements)
        return checking.check(self.store, candidate, self._shapes, graph=self.dependencies())

    def adopt_record(
        self, data: bytes, media_type: str, agent: str, *, statements: bool = False
    ) -> tuple[checking.Check, list[adoption.Adopted]]:
        """Check a record, then commit it with its provenance; refused on any Violation."""
        candidate = records.read_record(data, media_type, "request body", statements=statements)
        # Checked and committed under the write lock, so no other write comes between. The check
        # is the dry run's, on the extract: the whole-graph check of _write would take minutes on a
        # large graph, and the extract gives the same results on what the record concerns.
        with self._write_lock:
            found, adopted = adoption.adopt(
                self.store, candidate, self._shapes, agent, graph=self.dependencies()
            )
            if adopted is None:
                raise ShapeViolationError(found.report, found.report.counts["Violation"])
            self.store.flush()
            self._baseline = None  # the graph changed: the next write recomputes it
        return found, adopted

    def has_graph(self, graph: str) -> bool:
        return self.store.has_graph(graph)

    def published(self) -> None:
        """After a committed write: new queries see it. Call on the event loop's thread."""
        self.known_graphs = frozenset(self.store.named_graphs())
        self.triples = len(self.store)
        self.generation += 1
        self.engine.publish()

    def dependencies(self, as_of: date | None = None) -> dependencies.DependencyGraph:
        """The dependency graph, built on first use and again after every committed write, so
        no answer is stale; as of a day when one is given (every period, as stored, when None).
        Blocking: the web layer calls it in a thread."""
        with self._dependencies_lock:
            generation = self.generation
            if self._dependencies is None or self._dependencies[0] != generation:
                self._dependencies = (generation, dependencies.build(self.store))
            graph = self._dependencies[1]
            return graph if as_of is None else graph.as_of(as_of)

    def changes(self, start: date, end: date) -> change_briefing.Report:
        """What changes between two dates (blocking: the web layer calls it in a thread)."""
        return change_briefing.changes(self.store, start, end)

    def _violations(self, store: OxigraphStore) -> ValidationReport:
        return validate_graph(validation_data(store, self.settings), self._shapes)

    def _write(self, operation: Callable[[Path], None]) -> WriteOutcome:
        """Apply ``operation`` to a scratch copy, validate it, and commit its difference."""
        if self.store.path is None:
            raise RuntimeError("writes need the on-disk store the service runs on")
        # The scratch copy goes in the store's scratch folder, which opening the store empties:
        # a copy a crash leaves behind lasts until the next start, not forever.
        with self._write_lock, tempfile.TemporaryDirectory(dir=self.store.scratch_dir()) as tmp:
            if self._baseline is None:
                self._baseline = {
                    _key(r) for r in self._violations(self.store).results if r.severity == "Violation"
                }
            self.store.checkpoint(Path(tmp) / "scratch")
            operation(Path(tmp) / "scratch")  # the worker closes the scratch store before this goes on
            scratch = OxigraphStore(Path(tmp) / "scratch")
            after = self._violations(scratch)
            new = [r for r in after.results if r.severity == "Violation" and _key(r) not in self._baseline]
            if new:
                raise ShapeViolationError(ValidationReport(new, after.graph), len(new))
            before, now = set(self.store.quads_nquads()), set(scratch.quads_nquads())
            removed, added = sorted(before - now), sorted(now - before)
            graphs_before, graphs_now = set(self.store.named_graphs()), set(scratch.named_graphs())
            del scratch  # releases the scratch store before its directory goes
            # all of it or none: graphs dropped (not merely emptied), created (perhaps empty)
            self.store.apply_diff(
                removed, added, dropped=graphs_before - graphs_now, created=graphs_now - graphs_before
            )
            self.store.flush()
            self._baseline = {_key(r) for r in after.results if r.severity == "Violation"}
            return WriteOutcome(removed=len(removed), added=len(added))


__all__ = ["DEFAULT_GRAPH", "GraphService", "WriteOutcome"]
