"""The graph as the SPARQL service serves it: guarded queries through the engine, and writes
that are checked against the shapes before they are committed.

:class:`GraphService` is the one way the web layer (and the CLI's commands on a served graph)
call the domain: routes import this module and :mod:`rsikg.core.formats`, nothing else of
``rsikg.core``. The types, limits and pure helpers a route needs to state its parameters and shape
its answers are named here too (see ``__all__``), so that a route never learns which module of
the core owns them."""

from __future__ import annotations

import ipaddress
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, cast

import anyio.to_thread
import networkx as nx
import rdflib
from rdflib.term import Node, URIRef

from ..errors import (
    InputError,
    IsolationUnavailableError,
    Location,
    NotOnThisStoreError,
    ShapeViolationError,
    WriteConflictError,
)
from ..settings import Settings
from . import changes as change_briefing
from . import (
    dataset,
    dependencies,
    dependency_updates,
    graph_formats,
    periods,
    reasoning,
    resources,
    sparql_dataset,
    sparql_guard,
    sparql_journal,
)
from .answer_cache import AnswerCache
from .answering import AnsweredElsewhere, Answering, At, Inline, ReplicaService
from .check_process import CheckProcess
from .decisions import adoption, catalogue, compliance, records
from .decisions import dry_run as checking
from .decisions import endpoint as endpoint_check
from .decisions.dry_run import Check
from .decisions.records import MEDIA_TYPES as RECORD_MEDIA_TYPES
from .decisions.vocabulary import DECISION_KIND, DecisionKind, DecisionStatus
from .dependencies import (
    DIRECTIONS,
    MAX_DEPTH,
    MAX_NODES,
    MAX_SAMPLES,
    MIN_SAMPLES,
    RELATIONS,
    DependencyGraph,
    NoPathError,
    NotInGraphError,
    TooLargeError,
    local_id,
)
from .graph_formats import FORMATS as GRAPH_FORMATS
from .graph_formats import PICTURE_RELATIONS, PICTURES, RELATION_STYLES
from .loading import (
    DEFAULT_DATA_GRAPH,
    GRAPH_BASE,
    INFERRED_GRAPH,
    data_extract,
    data_graphs,
    load_files,
    load_project,
    project_files,
    shapes_files,
)
from .named_queries import (
    TODAY,
    NamedQuery,
    bound_text,
    load_named_queries,
    paged,
    parse_assignments,
)
from .named_queries import bind as bind_named
from .namespaces import PREDECLARED, SD, W3C_FORMATS, angled, compact, display
from .shape_reach import ShapesReach
from .sparql_terms import checked_iri
from .stats import Stats, store_stats
from .store import (
    DEFAULT_GRAPH,
    MERGED_GRAPH,
    MERGED_GRAPH_IS_KEPT,
    GraphStore,
    OxigraphStore,
    ProgressCallback,
    RemoteStore,
    SelectResult,
    Source,
    iri_problem,
    is_description,
    open_store,
    published,
    rdf_format,
    sandbox,
)
from .store.engine import QueryAnswer, QueryEngine, QueryRequest
from .store.oxigraph import Touched, let_go, write_diff
from .store.published import Publisher
from .store.remote import RemoteEngine
from .store.sandbox import Limits
from .validation import ValidationReport, read_shapes, validate_store
from .write_scope import WriteCheck, check_write

log = logging.getLogger("rsikg.service")

T = TypeVar("T")
_BODY = "request body"  # where a write's text is, in error messages


@dataclass(frozen=True)
class WriteOutcome:
    """What a committed write changed."""

    removed: int
    added: int
    created: bool = False


@dataclass(frozen=True)
class Document:
    """One RDF document of a Graph Store write. ``name`` is where its errors are ("request
    body", or a part of a multipart body); ``format`` a name of :mod:`rsikg.core.formats`."""

    name: str
    data: bytes
    format: str


class _Phases:
    """Milliseconds spent in each phase of a write, for its log line."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._last = time.perf_counter()

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        self.ms[phase] = round((now - self._last) * 1000, 1)
        self._last = now


def _log_commit(
    removed: list[str], added: list[str], dropped: set[str], created: set[str], ms: dict[str, float]
) -> None:
    """A committed write's trace: how many quads it removed and added, which graphs it made or
    dropped (counts and graph names only: the quads may be the client's private data), and the
    milliseconds of each phase (apply in the worker, diff, validate, commit)."""
    log.info(
        "write committed: %d quad(s) removed, %d added in %.0f ms",
        len(removed),
        len(added),
        sum(ms.values()),
        extra={
            "event": "write.committed",
            "removed": len(removed),
            "added": len(added),
            "graphs_created": sorted(created),
            "graphs_dropped": sorted(dropped),
            "ms": ms,
        },
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class GraphService(Answering):
    """Queries and writes over one store. Writes are serialised; each is validated on a
    scratch copy of the store and committed only if it adds no SHACL Violation, then published
    to the query workers by the write method itself.

    Reads go through :class:`GraphStore` (``self.store``). The writes and the query engine still
    need the on-disk Oxigraph store (``self._disk``): a checkpoint for the workers and for the
    scratch copy a write is validated on, the quad-level diff, and the journaled commit are not
    part of the interface yet."""

    def __init__(self, store: OxigraphStore | RemoteStore, settings: Settings) -> None:
        # the embedded store's own powers (checkpoints, diffs, the journal): None over a remote
        # store, where writes and the query workers are refused until issue 14 brings them
        self._local = store if isinstance(store, OxigraphStore) else None
        self._remote = store if isinstance(store, RemoteStore) else None
        self.store: GraphStore = store
        self.settings = settings
        # a load's parse worker gets the operator's memory cap, as the query workers do
        for concrete in (self._local, self._remote):
            if concrete is not None:
                concrete.parse_memory_mb = settings.worker_memory_mb
        self._engine: QueryEngine | RemoteEngine | None = None  # made on first use: a command needs none
        # over a remote store, writes are checked on a copy of it kept here: (its generation, the copy)
        self._mirror: tuple[int, OxigraphStore] | None = None
        self._mirror_dir: Path | None = None
        self._shapes_graph: rdflib.Graph | None = None
        self._write_lock = threading.Lock()
        self.known_graphs: frozenset[str] = frozenset(store.named_graphs())
        self.generation = 0  # counts committed writes; caches built from the graph compare it
        # answers are kept by this process's generation, or by a remote store's own state (which
        # every replica's write moves on)
        self.answers = AnswerCache(settings.answer_cache_mb * 2**20) if settings.answer_cache_mb else None
        self._dependencies: tuple[int, DependencyGraph] | None = None
        self._dependencies_lock = threading.Lock()
        # the dataset's description and the ontology's JSON-LD context, by the store's change mark
        self._described: dict[str, tuple[int, Any]] = {}
        self.triples = len(store)  # counted once per write, not per request
        self._quads_after: int | None = None  # what a committed write left, for _published
        self._checks = CheckProcess(settings)  # started by the first long check
        self._started = False

    @staticmethod
    def isolate_server() -> list[str]:
        """Cut this serving process off the network, once it listens (see
        :func:`rsikg.core.store.sandbox.isolate_server`): then it answers anchored queries itself."""
        return sandbox.isolate_server()

    @staticmethod
    def die_with_parent() -> None:
        """End this process when the process that started it ends (another serving process)."""
        sandbox.die_with_parent()

    @staticmethod
    def is_remote(settings: Settings) -> bool:
        """Whether the settings name a remote store's description, not a directory."""
        return is_description(settings.store)

    @classmethod
    def opened(cls, path: Path, settings: Settings) -> GraphService:
        """The service over the on-disk store at ``path`` (created if need be), or over the
        remote store a description at ``path`` names."""
        if is_description(str(path)):
            return cls(RemoteStore.described(path), settings)
        return cls(open_store(path), settings)

    @classmethod
    def for_command(cls, settings: Settings, *, read: bool = False) -> GraphService:
        """The service over the store ``settings`` names (in memory for ``:memory:``), for one
        command of the CLI: no query workers are started; a query runs in a one-shot isolated
        worker (:meth:`run_query`). A command that only reads (``read``) opens a store another
        process holds (a running server) read-only, as it is at that moment."""
        if is_description(settings.store):
            return cls(RemoteStore.described(Path(settings.store)), settings)
        if settings.in_memory:
            return cls(open_store(None), settings)
        return cls(open_store(Path(settings.store), in_use_read_only=read), settings)

    @property
    def read_only(self) -> bool:
        """Whether the store was opened only to be read (another process holds it)."""
        return self._local is not None and self._local.opened_read_only

    @property
    def _disk(self) -> OxigraphStore:
        """The embedded store, for what only it can do yet; NotOnThisStoreError over a remote one."""
        if self._local is None:
            raise NotOnThisStoreError(
                "this needs the embedded store: over a remote SPARQL store, rsikg reads (query, validate, "
                "reason, export, stats, dependencies) but does not yet serve or write (issue 14)"
            )
        return self._local

    @property
    def engine(self) -> QueryEngine | RemoteEngine:
        """The query workers' pool (made on first use; it needs the on-disk store); over a
        remote store, the store's own engine."""
        if self._engine is None and self._remote is not None:
            s = self.settings
            limits = Limits(seconds=s.query_deadline, memory_mb=s.worker_memory_mb)
            self._engine = RemoteEngine(
                self._remote, deadline=s.query_deadline, max_rows=s.max_rows, limits=limits
            )
        if self._engine is None:
            s = self.settings
            self._engine = QueryEngine(
                self._disk,
                workers=s.query_workers,
                deadline=s.query_deadline,
                max_rows=s.max_rows,
                memory_mb=s.worker_memory_mb,
                max_queue=s.max_queue,
            )
        return self._engine

    @property
    def _shapes(self) -> rdflib.Graph:
        """The project's shapes graph, read on first use (a command that validates nothing
        does not parse it)."""
        if self._shapes_graph is None:
            self._shapes_graph = read_shapes(shapes_files(self.settings))
        return self._shapes_graph

    @staticmethod
    def named_queries(settings: Settings) -> dict[str, NamedQuery]:
        """The project's named queries (read once, when the app is made)."""
        return load_named_queries(settings.project_dir / "queries")

    async def start(self) -> None:
        """Load the project's graph into an empty store, then start the query workers."""
        if self.triples == 0:  # counted when the service was made (a count reads every quad)
            load_project(self.store, self.settings, empty_ok=True)  # no files: a plain store
            self.known_graphs = frozenset(self.store.named_graphs())
            self.triples = len(self.store)
        ShapesReach.of(self._shapes)  # what each shape reads: 0.7-0.9 s, paid here, not by a write
        await self.engine.start(self.generation)
        sandbox.start_fork_server(self.engine.limits)  # a write or a record's parse: forked, not started
        self._started = True
        if self._remote is not None and self.settings.token_file is not None:
            # the copy writes are checked on, made now rather than by the first write, which waited
            # for it (55 s for a store of 700k triples over oxigraph serve)
            threading.Thread(target=self._warm_mirror, args=(self._remote,), daemon=True).start()
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
        sandbox.stop_fork_server()
        self._checks.close()
        self._mirror = None
        if self._mirror_dir is not None:
            shutil.rmtree(self._mirror_dir, ignore_errors=True)
        if self._engine is not None:
            await self._engine.close()
        self.store.flush()

    def flush(self) -> None:
        """Make what was written durable (a command's last step)."""
        self.store.flush()

    @property
    def isolation(self) -> list[str]:
        """What cuts the query workers off the network (namespace, seccomp); empty if nothing."""
        return self.engine.isolation

    # -- the clock and "as of" -----------------------------------------------------------------

    def clock(self) -> periods.Clock:
        """Today as the service reads it: the setting ``RSIKG_TODAY`` or the date in Denmark."""
        return periods.clock(self.settings.today)

    def as_of(self, value: str | None, name: str) -> date | None:
        """The day of a request's ``name`` parameter (YYYY-MM-DD; today when not given), or None
        for ``all`` (every period, as stored). A bad value is an InputError naming ``name``."""
        return periods.as_of_or_every(value, name, self.clock())

    # -- queries ------------------------------------------------------------------------------

    async def query(
        self,
        query: str,
        *,
        results_format: str | None,
        graph_format: str | None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        bindings: dict[str, Node] | None = None,
        if_none_match: str | None = None,
    ) -> QueryAnswer:
        """Run a query, or give its answer from the cache when the same request was answered
        since the last write. ``if_none_match``: the entity tags the client holds (an
        ``If-None-Match`` header); when one is the answer's, the answer is ``unchanged`` and
        has no body."""
        request = self.prepared(
            query,
            results_format=results_format,
            graph_format=graph_format,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            bindings=bindings,
        )
        return self.answer_now(request, if_none_match) or await self.answer(request, if_none_match)

    def _view(self) -> tuple[int, Inline]:
        return self.generation, self.engine.answer_inline

    def answer_now(self, request: QueryRequest, if_none_match: str | None = None) -> QueryAnswer | None:
        if self._remote is not None:
            return None  # what a remote store holds now is a round trip away: see answer
        return super().answer_now(request, if_none_match)

    async def answer(self, request: QueryRequest, if_none_match: str | None = None) -> QueryAnswer:
        if self._remote is not None:
            remote = self._remote
            return await anyio.to_thread.run_sync(
                self._remote_answer, remote, request, if_none_match, abandon_on_cancel=True
            )
        generation = self.generation  # before the run: a write during it must not be kept as newer
        answer = await self.engine.run(request)
        return self._kept(request, answer, At(generation, generation)) if request.kept else answer

    def _remote_answer(
        self, remote: RemoteStore, request: QueryRequest, if_none_match: str | None
    ) -> QueryAnswer:
        """Over a remote store: its state read (one request; another replica may have written),
        then the answer kept at that state, or the query run by the store's engine and kept."""
        engine = cast(RemoteEngine, self.engine)
        if not request.kept and not request.names_graphs:
            return engine.answer(request)  # nothing to key by the store's state: one request
        generation, writer = remote.state()
        at = At((generation, writer), generation, writer[:12] or "new")
        found = self._from_cache(request, if_none_match, at)
        if found is not None:
            return found
        answer = engine.answer(request, generation)
        return self._kept(request, answer, at) if request.kept else answer

    @staticmethod
    def create_publication(path: Path) -> None:
        """An empty published record at ``path`` for :meth:`share`, made before the other
        serving processes start (:mod:`rsikg.core.store.published`)."""
        published.create(path)

    def share(self, publication: Path) -> None:
        """Publish every checkpoint to the other serving processes too, in the record at
        ``publication`` (:mod:`rsikg.core.store.published`); before :meth:`start`."""
        epoch = self.answers.epoch if self.answers is not None else uuid.uuid4().hex[:12]
        engine = self.engine
        if not isinstance(engine, QueryEngine):
            raise NotOnThisStoreError("several serving processes need the embedded store (for now)")
        engine.publisher = Publisher(publication, epoch)

    def bind_named(self, query: NamedQuery, given: Mapping[str, str]) -> tuple[str, dict[str, Node]]:
        """A named query's text for the page asked for, and the given parameters bound as RDF
        terms (a ``today`` date default read from the service's clock). Bad parameters are
        InputErrors naming them; run the text with :meth:`query`."""
        bindings, page = bind_named(query, given, self.clock())
        return paged(query, page), bindings

    # -- the Graph Store protocol ----------------------------------------------------------------

    @staticmethod
    def graph_name(iri: str) -> str:
        """``iri`` itself if it may name a graph: absolute (RFC 3987), no character SPARQL
        forbids; an InputError on the query string's ``graph`` field otherwise."""
        where = Location("query string", field="graph")
        checked_iri(iri, where)  # a scheme, and no character SPARQL forbids in an IRI
        problem = iri_problem(iri)  # the finer grammar (escapes, host, port), as the store reads it
        if problem is not None:
            raise InputError(f"{iri[:200]!r} is not an absolute IRI (RFC 3987): {problem}", where)
        return iri

    def has_graph(self, graph: str) -> bool:
        if self._remote is not None:
            return self._remote.has_graph(graph)
        return self._disk.has_graph(graph)  # not in GraphStore yet: the Oxigraph store's own

    def graph_serialized(self, graph: str, fmt: str) -> bytes:
        """A graph (the union for the default graph) in format ``fmt`` (blocking)."""
        if self._remote is not None:
            return self._remote.graph_serialized(graph, fmt)
        return self._disk.graph_serialized(graph, fmt)  # not in GraphStore yet

    # -- writes: each commits, then publishes, so no write can leave queries on the old state ---

    async def update(
        self, sparql: str, using: Sequence[str] = (), using_named: Sequence[str] = ()
    ) -> WriteOutcome:
        """Run a SPARQL Update, checked against the shapes, and publish it. ``using`` and
        ``using_named``: the protocol's using-graph-uri and using-named-graph-uri."""
        return await self._published_after(self._update, sparql, using, using_named)

    async def put_graph(self, graph: str, data: bytes, fmt: str) -> WriteOutcome:
        """Replace ``graph`` with the RDF document ``data`` in ``fmt``, and publish it."""
        return await self._published_after(self._graph_write, "replace", graph, [Document(_BODY, data, fmt)])

    async def post_graph(self, graph: str, data: bytes, fmt: str) -> WriteOutcome:
        """Add the RDF document ``data`` in ``fmt`` to ``graph``, and publish it."""
        return await self.post_documents(graph, [Document(_BODY, data, fmt)])

    async def post_documents(self, graph: str, documents: Sequence[Document]) -> WriteOutcome:
        """Add every document (the parts of a multipart body) to ``graph`` in one write: all
        of them or, if any fails to parse or the result to validate, none; and publish it."""
        return await self._published_after(self._graph_write, "add", graph, documents)

    async def delete_graph(self, graph: str) -> WriteOutcome:
        """Drop ``graph``, and publish it."""
        return await self._published_after(self._delete_graph, graph)

    async def _published_after(self, write: Callable[..., T], *args: object) -> T:
        """Run a blocking write in a thread, then publish it on the event loop's thread. The
        thread is not abandoned when the request is cancelled, so a write that committed is
        always published."""
        outcome = await anyio.to_thread.run_sync(write, *args)
        self._published()
        return outcome

    def _update(self, sparql: str, using: Sequence[str], using_named: Sequence[str]) -> WriteOutcome:
        features = sparql_guard.inspect(sparql)
        sparql_guard.check(features, allowed=self.settings.allowed_iris)
        sparql_guard.check_dataset({"using-graph-uri": using, "using-named-graph-uri": using_named})
        # an update without a dataset of its own acts on the union a query reads: refused here,
        # before any copy, if it cannot be written so (api/core/sparql_dataset.py)
        sparql_dataset.refuse_naming(sparql, MERGED_GRAPH, self.base_iri, MERGED_GRAPH_IS_KEPT)
        graphs = self.known_graphs
        text = sparql_dataset.rewritten(sparql, using, using_named, graphs, self.base_iri)
        job = {"operation": "update", "base_iri": self.base_iri, "original": sparql}

        def apply(path: Path) -> Touched | None:
            # under the write lock: a graph a write committed since is in the union too
            now = frozenset(self.store.named_graphs())
            final = (
                text
                if now == graphs
                else sparql_dataset.rewritten(sparql, using, using_named, now, self.base_iri)
            )
            journal = f"urn:rsikg:journal:{uuid.uuid4()}"  # a graph no client names: dropped at each step
            steps = sparql_journal.journaled(final, journal, self.base_iri)
            texts = [step.text.encode() for step in steps]
            lengths = [
                {"length": len(t), "graphs": step.graphs} for t, step in zip(texts, steps, strict=True)
            ]
            return self._in_worker({**job, "journal": journal, "steps": lengths}, b"".join(texts), "update")(
                path
            )

        return self._write(apply)

    def _graph_write(self, operation: str, graph: str, documents: Sequence[Document]) -> WriteOutcome:
        _writable(graph)
        created = not self.has_graph(graph)
        graph = DEFAULT_DATA_GRAPH if graph == DEFAULT_GRAPH else graph  # the store's own stays empty
        writes = [
            self._in_worker(
                {"operation": operation, "name": d.name, "graph": graph, "format": rdf_format(d.format).name},
                d.data,
                f"{d.format} document",
            )
            for d in documents
        ]

        def apply(path: Path) -> Touched | None:
            touched: set[str] = set()
            for write in writes:  # one after the other on the same scratch copy: one commit
                done = write(path)
                if done is None:
                    return None
                touched.update(done.graphs)
            return Touched(tuple(sorted(touched)))

        outcome = self._write(apply)
        return WriteOutcome(outcome.removed, outcome.added, created)

    def _delete_graph(self, graph: str) -> WriteOutcome:
        _writable(graph)
        graph = DEFAULT_DATA_GRAPH if graph == DEFAULT_GRAPH else graph  # where ?default's triples are

        def drop(path: Path) -> Touched:
            OxigraphStore(path).remove_graph(graph)  # no client text to parse: done here
            return Touched((graph,))

        return self._write(drop)

    def _in_worker(
        self, job: Mapping[str, object], data: bytes, what: str
    ) -> Callable[[Path], Touched | None]:
        """A write of client text, applied to the scratch store by an isolated worker, which
        answers with what it can have changed (None: anything)."""

        def apply(path: Path) -> Touched | None:
            where = Location(str(job.get("name", _BODY)))
            header, body = sandbox.run(
                {"job": "write", "scratch": str(path), **job},
                data,
                limits=self.engine.limits,
                what=what,
                where=where,
            )
            graphs = header.get("graphs")
            if graphs is None:
                return None
            return Touched(tuple(str(g) for g in graphs), body if header.get("triples") else None)

        return apply

    def _published(self) -> None:
        """After a committed write: new queries see it. On the event loop's thread, as the
        engine's checkpoints are handed to workers there. Before :meth:`start` there are no
        workers, and start takes the first checkpoint itself."""
        self.known_graphs = frozenset(self.store.named_graphs())
        # a write knows its count; anything else is counted (700k quads: 150 ms on this thread)
        self.triples = len(self.store) if self._quads_after is None else self._quads_after
        self._quads_after = None
        self.generation += 1
        if self._started:
            self.engine.publish(self.generation)

    # -- decisions and statements --------------------------------------------------------------

    def check_record(self, data: bytes, media_type: str, *, statements: bool = False) -> checking.Check:
        """Dry-run a record against the graph (nothing is written)."""
        candidate = records.read_record(data, media_type, "request body", statements=statements)
        return checking.check(self.store, candidate, self._shapes, graph=self.dependencies())

    def impact_picture(self, found: checking.Check, lang: str) -> resources.Picture | None:
        """A dry run's impact as a picture, in ``lang`` (blocking): what depends on the systems
        the record affects, those systems, and the regions that use any of them, in three
        columns; None when the dry run has no impact or the record affects no system."""
        if found.impact is None:
            return None
        return resources.impact_picture(self.store, found.impact.systems, found.impact.reach, lang)

    async def adopt_record(
        self, data: bytes, media_type: str, agent: str, *, statements: bool = False
    ) -> tuple[checking.Check, list[adoption.Adopted]]:
        """Check a record, then commit it with its provenance and publish it; refused on any
        Violation."""

        def adopt() -> tuple[checking.Check, list[adoption.Adopted]]:
            return self._adopt_record(data, media_type, agent, statements=statements)

        return await self._published_after(adopt)

    def _adopt_record(
        self, data: bytes, media_type: str, agent: str, *, statements: bool
    ) -> tuple[checking.Check, list[adoption.Adopted]]:
        candidate = records.read_record(data, media_type, "request body", statements=statements)
        found, adopted = self.adopt(candidate, agent)
        if adopted is None:
            raise ShapeViolationError(found.report, found.report.counts["Violation"])
        return found, adopted

    def adopt(
        self, candidate: records.Candidate, agent: str
    ) -> tuple[checking.Check, list[adoption.Adopted] | None]:
        """Check a candidate record, then commit it with its provenance (blocking); with a
        Violation nothing is written and the second value is None.

        Checked and committed under the write lock, so no other write comes between. The check
        is the dry run's, on the extract: the whole-graph check of _write would take minutes on a
        large graph, and the extract gives the same results on what the record concerns."""
        with self._write_lock:
            found, adopted = adoption.adopt(
                self.store, candidate, self._shapes, agent, graph=self.dependencies()
            )
            if adopted is None:
                violations = found.report.counts["Violation"]
                log.info(
                    "record refused: %d violation(s) of the shapes",
                    violations,
                    extra={"event": "write.refused", "write": "record", "violations": violations},
                )
                return found, None
            self.store.flush()
            log.info(
                "record adopted: %d graph(s) written",
                len(adopted),
                extra={"event": "write.committed", "write": "record", "graphs": [a.graph for a in adopted]},
            )
            self.generation += 1
        return found, adopted

    @staticmethod
    def report_text(found: checking.Check, lang: str = "en") -> str:
        """A dry run's report for a terminal, its messages in ``lang`` where the shapes have them."""
        return checking.to_text(found, lang)

    def decisions(self) -> list[dict[str, object]]:
        """The decisions in the graph, newest first (blocking)."""
        return catalogue.list_decisions(self.store)

    def decision(self, ident: str) -> tuple[URIRef, rdflib.Graph]:
        """The decision ``ident``'s IRI and its description (empty if the graph has none; blocking)."""
        record = records.record_iri("decision", ident)
        return record, catalogue.describe_record(self.store, record)

    def decision_history(self, record: URIRef) -> list[dict[str, object]]:
        """A record's adopted versions with their provenance (blocking)."""
        return catalogue.history(self.store, record)

    @staticmethod
    def record_graph(record: URIRef) -> str:
        """The named graph an adopted record lives in."""
        return records.record_graph(record)

    def compliance_of(self, decision: str) -> compliance.ComplianceMatrix:
        """One decision's comply-or-explain row, over every region and statement ever (blocking)."""
        return compliance.compliance_matrix(self.store, status=None, as_of=None, decision=decision)

    def compliance(
        self, status: DecisionStatus | None, as_of: date | None, kind: DecisionKind | None = None
    ) -> compliance.ComplianceMatrix:
        """The comply-or-explain matrix of decisions of ``status`` (None: all) on a day (None:
        every region and statement ever), of one decision kind or all (None; blocking)."""
        concept = None if kind is None else DECISION_KIND + kind.value
        return compliance.compliance_matrix(self.store, status=status, as_of=as_of, kind=concept)

    def decision_kinds(self, lang: str) -> dict[DecisionKind, resources.Term]:
        """The decision kinds, each with its concept labelled in ``lang``."""
        concepts = {kind: URIRef(DECISION_KIND + kind.value) for kind in DecisionKind}
        shown = resources.labelled(self.store, concepts.values(), lang)
        return {kind: shown[concept] for kind, concept in concepts.items()}

    def check_files(self, files: Sequence[Path], *, statements: bool, full: bool = False) -> checking.Check:
        """Dry-run records read from files (nothing is written); ``full`` validates the whole
        merged graph instead of the extract (the slow reference), with the impact."""
        candidate = self.read_files(files, statements=statements)
        if not full:
            return checking.check(self.store, candidate, self._shapes)
        found = checking.check_full(self.store, candidate, self._shapes)
        found.impact = checking.assess_impact(self.store, candidate, list(data_graphs(self.store)))
        return found

    @staticmethod
    def check_at(endpoint: str, files: Sequence[Path], *, turtle: bool = False) -> checking.Check:
        """Dry-run decision records read from files at the running rsikg whose base URL is
        ``endpoint`` (its ``POST /decisions/validate``; nothing is written, no token needed),
        asking for its JSON report, or with ``turtle`` its ``sh:ValidationReport``. An
        :class:`~rsikg.core.decisions.endpoint.EndpointError` (an RsikgError, exit 2) names the
        URL when it cannot be reached or answers anything but a report."""
        return endpoint_check.check_at(endpoint, files, report="turtle" if turtle else "json")

    @staticmethod
    def read_files(files: Sequence[Path], *, statements: bool) -> records.Candidate:
        """Records (decisions, or with ``statements`` compliance statements) read from files."""
        return records.read_files(list(files), statements=statements)

    # -- what the command line does on its store -------------------------------------------------

    def project_files(self, *, examples: bool = False) -> list[Path]:
        """The project's RDF files (with ``examples``: the illustrative records too)."""
        return project_files(self.settings, examples=examples)

    def load(
        self,
        files: Sequence[Path] | None,
        *,
        examples: bool = False,
        progress: ProgressCallback | None = None,
    ) -> int:
        """Load files, each into its own named graph; None: the project's files and what rsikg
        derives from them. Every file is parsed before anything is written. Returns the triples
        written."""
        if files:
            written = load_files(self.store, list(files), self.settings, progress)
        else:
            written = load_project(self.store, self.settings, examples=examples, progress=progress)
        self._published()
        return written

    def materialise(self, profile: str) -> int:
        """Store the RDFS or OWL 2 RL (``owlrl``) closure of the data in its own graph."""
        added = reasoning.materialise(self.store, data_extract(self.store), profile)
        self._published()
        return added

    def validate(self, extra: Sequence[Path] = ()) -> ValidationReport:
        """The whole graph (and ``extra`` files, merged, not written) against the shapes; an
        InputError when the project has none (a report of "conforms" would say nothing)."""
        if not shapes_files(self.settings):
            raise InputError(
                f"found no shapes (*.shapes.ttl) under {self.settings.shapes_dir}; set "
                "RSIKG_PROJECT_DIR to the folder that holds ontology/, shapes/ and graph_data/"
            )
        return validate_store(self.store, self.settings, extra)

    def reason(self) -> reasoning.ReasoningReport:
        """The ontology and data checked for consistency by HermiT; an InputError when empty."""
        if not data_graphs(self.store):
            raise InputError("the store is empty; run 'rsikg load' first")
        return reasoning.check_consistency(data_extract(self.store))

    def export(self, fmt: str) -> bytes:
        """The whole store in the format named ``fmt`` (of EXPORT_FORMATS)."""
        return self.store.export(fmt)

    def stats(self) -> Stats:
        """Triples by graph and resources by class."""
        return store_stats(self.store)

    def _kept_until_a_change(self, key: str, make: Callable[[], Any]) -> Any:
        mark = self.store.change_mark()
        kept = self._described.get(key)
        if kept is None or kept[0] != mark:
            kept = (mark, make())
            self._described[key] = kept
        return kept[1]

    DATASET_DOCUMENT = dataset.DOCUMENT
    DUMPS = dataset.DUMPS

    def dataset_description(self, base_url: str) -> rdflib.Graph:
        """VoID and DCAT for the dataset served at ``base_url`` (what ``/.well-known/void``
        gives), counted from the store; kept until the store changes. Blocking."""
        return cast(
            rdflib.Graph,
            self._kept_until_a_change(
                f"void {base_url}", lambda: dataset.describe(self.store, self.stats(), base_url)
            ),
        )

    CONTEXT_PATH = dataset.CONTEXT_PATH

    def json_ld(self, graph: rdflib.Graph, base_url: str) -> bytes:
        """``graph`` as JSON-LD compacted with the ontology's context, named by its URL under
        ``base_url`` (every JSON-LD document rsikg writes itself). Blocking."""
        return dataset.compact_json_ld(graph, self.json_ld_context(), f"{base_url}{dataset.CONTEXT_PATH}")

    def json_ld_context(self) -> dict[str, Any]:
        """The ontology's JSON-LD context (prefixes and every ``rsi:`` term by its local name);
        kept until the store changes. Blocking."""
        return cast(dict[str, Any], self._kept_until_a_change("context", lambda: dataset.context(self.store)))

    # -- Linked Data: what rsikg says about one of its IRIs ------------------------------------

    PAGE_LANGUAGES = resources.LANGUAGES
    PREFIXES = PREDECLARED
    """The usual prefixes (rsi, id, org, skos, dct, the vocabularies, …), which every query and
    update may use undeclared: the editor declares them, the service description lists them."""

    @staticmethod
    def data_iri(path: str) -> str | None:
        """The data IRI ``https://w3id.org/rsikg/id/{path}``, or None where ``path`` makes no
        IRI that could be in the graph (empty, or with a character no IRI holds)."""
        return resources.data_iri(path)

    @staticmethod
    def data_path(subject: str) -> str | None:
        """The path of a data IRI under /id/ (``system/fmk``), None for any other IRI."""
        return resources.local_path(subject)

    @staticmethod
    def in_languages(labels: dict[str, str]) -> Sequence[tuple[str, str]]:
        return resources.in_languages(labels)

    def description(self, subject: str) -> rdflib.Graph:
        """The concise bounded description of ``subject`` (empty: the graph has none)."""
        return resources.description(self.store, subject)

    def resource(self, subject: str, lang: str) -> resources.Resource | None:
        """What the page of ``subject`` shows in ``lang``; None: the graph does not know it."""
        return resources.resource(self.store, subject, lang)

    def resource_sections(self, subject: str, lang: str) -> resources.Sections:
        """What the page of a system, forum, decision or region adds, in ``lang`` (blocking):
        a system's dependency picture and impact, a forum's members and mandates, a decision's
        status and supersession chain, a region's systems and comply-or-explain statements.
        The dependency graph is as of today where the resource exists today, else of every
        period, as stored (a system retired, a region that ceased or is yet to begin)."""
        kinds = resources.section_kinds(self.store, subject)
        today = self.clock()()
        system = region = None
        if kinds & {"system", "region"}:
            graph, day = self._dependencies_having(subject, today)
            if "system" in kinds:
                system = resources.system_section(self.store, graph, subject, lang, day)
            if "region" in kinds:
                matrix = compliance.compliance_matrix(self.store, status=None, as_of=None)
                region = resources.region_section(self.store, graph, subject, lang, day, matrix)
        return resources.Sections(
            system=system,
            forum=resources.forum_section(self.store, subject, lang, today) if "forum" in kinds else None,
            decision=resources.decision_section(self.store, subject, lang) if "decision" in kinds else None,
            region=region,
        )

    def _dependencies_having(self, subject: str, today: date) -> tuple[DependencyGraph, date | None]:
        """The dependency graph as of ``today`` if ``subject`` is on it, else of every period."""
        on_day = self.dependencies(today)
        if subject in on_day.graph:
            return on_day, today
        return self.dependencies(None), None

    def suggestions(self, wanted: str) -> list[resources.Term]:
        """The data IRIs closest to ``wanted``, a path under /id/ that names nothing."""
        return resources.suggestions(self.store, wanted)

    def ontology(self, lang: str) -> resources.Ontology:
        """The ontology's classes and properties with their statements: its page."""
        return resources.ontology(self.store, lang)

    def ontology_description(self) -> rdflib.Graph:
        """The ontology as RDF, from the store."""
        return resources.ontology_description(self.store)

    def labelled(self, nodes: Iterable[Node], lang: str) -> dict[Node, resources.Term]:
        """Terms as a page shows them: each IRI with its label in ``lang``, if it has one."""
        return resources.labelled(self.store, nodes, lang)

    @staticmethod
    def plain_term(node: Node) -> resources.Term:
        """A term as a page shows it, with no label looked up (a literal, a blank node)."""
        return resources.Term(node)

    def shape_notes(self, shapes: Iterable[Node], lang: str) -> dict[Node, str]:
        """What each shape checks, in ``lang`` where it says so: its sh:description, else its
        rdfs:comment, else its sh:name."""
        return resources.notes(self._shapes, shapes, lang)

    def overview(self, lang: str) -> list[resources.Kind]:
        """The classes of the graph's resources with their first members: the front page."""
        return resources.overview(self.store, lang)

    def bound_query(
        self, source: Path, text: str, params: Sequence[str], as_of: str | None
    ) -> tuple[str, dict[str, Node]]:
        """A query given on the command line and its bindings: a named query (queries/*.rq)
        gets ``params`` (NAME=VALUE) and its date parameter from ``as_of``; plain SPARQL none."""
        given = parse_assignments(list(params))
        return bound_text(source, text, given, self.clock(), as_of=as_of)

    def run_query(
        self, text: str, *, results_format: str | None, graph_format: str | None, bindings: dict[str, Node]
    ) -> tuple[str, bytes]:
        """Run a guarded query in a one-shot isolated worker, as a command does (blocking):
        (the format used, the answer's bytes)."""
        features = self.check_query(text)
        return self.store.client_query(
            text,
            results_format=results_format,
            graph_format=graph_format,
            bindings=bindings,
            own_dataset=features.has_dataset_clause,
            predeclared=features.predeclared,
        )

    # -- dependencies and changes --------------------------------------------------------------

    def dependencies(self, as_of: date | None = None) -> DependencyGraph:
        """The dependency graph, built on first use and again after every committed write, so
        no answer is stale; as of a day when one is given (every period, as stored, when None).
        Blocking: the web layer calls it in a thread."""
        with self._dependencies_lock:
            # the store's mark: its revision, or over a remote store its generation, which
            # another replica's write moves too (and then what it changed is unknown here)
            if self._dependencies is None:
                mark = self.store.change_mark()  # before the build: a write meanwhile is read again
                self._dependencies = (mark, dependencies.build(self.store))
            mark, graph = self._dependencies
            now, changes = self.store.changes_since(mark)
            if now != mark:
                found = None if changes is None else dependency_updates.patched(graph, self.store, changes)
                graph = found if found is not None else dependencies.build(self.store)
                self._dependencies = (now, graph)
            return graph if as_of is None else graph.as_of(as_of)

    def dependencies_as_of(self, value: str | None, name: str = "asOf") -> DependencyGraph:
        """The dependency graph on the day a request's ``name`` parameter gives (blocking)."""
        return self.dependencies(self.as_of(value, name))

    @staticmethod
    def serialize_graph(graph: nx.MultiDiGraph, fmt: str) -> str:
        """A dependency graph (or part of one) in the format named ``fmt`` (of GRAPH_FORMATS)."""
        return graph_formats.serialize(graph, fmt)

    @staticmethod
    def graph_style(node_type: str) -> tuple[str, str]:
        """A node type's (colour, shape) in every picture of the graph: the map, DOT, Mermaid."""
        return graph_formats.style_of(node_type)

    @staticmethod
    def ordered_edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, str, dict[str, object]]]:
        """A graph's edges (source, target, relation, data) in the order their ids e0, e1, … follow."""
        return graph_formats.ordered_edges(graph)

    @staticmethod
    def changes_window(start: str | None, end: str | None, names: tuple[str, str]) -> tuple[date, date]:
        """The window (start, end] of a changes request, its parameters named as the caller's."""
        return change_briefing.window(start, end, names)

    def changes(self, start: date, end: date) -> change_briefing.Report:
        """What changes between two dates (blocking: the web layer calls it in a thread)."""
        return change_briefing.changes(self.store, start, end)

    @staticmethod
    def changes_csv(report: change_briefing.Report) -> str:
        return change_briefing.to_csv(report)

    @staticmethod
    def changes_text(report: change_briefing.Report, *, markdown: bool = False) -> str:
        return change_briefing.to_text(report, markdown=markdown)

    # -- the checked write ---------------------------------------------------------------------

    def _write(self, operation: Callable[[Path], Touched | None]) -> WriteOutcome:
        """Apply ``operation`` to a scratch copy, validate what it changed, and commit its
        difference. ``operation`` returns what it can have changed (None: anything), so the
        difference is read from that alone.

        Validated on what the write can change (:func:`rsikg.core.write_scope.check_write`: the
        focus nodes its changed triples reach, as the shapes read them), not the whole graph,
        which took 0.5-0.8 s a write on the project's graph and minutes at 700k triples. On the
        Oxigraph store itself, not the interface: the scratch copy is a checkpoint of the on-disk
        store, and the commit a journaled diff of N-Quads lines."""
        if self._remote is not None:
            return self._remote_write(self._remote, operation)
        disk = self._disk
        if disk.path is None:
            raise RuntimeError("writes need the on-disk store the service runs on")
        with self._write_lock:
            return self._checked_commit(disk, operation, disk.apply_diff)

    def _remote_write(self, remote: RemoteStore, operation: Callable[[Path], Touched | None]) -> WriteOutcome:
        """A checked write to a remote store: applied and validated on the copy kept here (made
        again when the store's generation moved: another replica wrote), then committed to the
        store only if it is still at that generation, and to the copy."""
        with self._write_lock:
            for _attempt in range(3):  # another replica may commit between the check and ours
                expected = remote.generation()
                mirror = self._mirror_at(remote, expected)

                def commit(
                    removed: Sequence[str],
                    added: Sequence[str],
                    *,
                    dropped: Iterable[str] = (),
                    created: Iterable[str] = (),
                    mirror: OxigraphStore = mirror,
                    expected: int = expected,
                ) -> None:
                    gone, made = mirror.merged_change(removed, added, dropped)
                    applied = remote.commit(
                        [*removed, *gone],
                        [*added, *made],
                        dropped=dropped,
                        created=created,
                        replaced=mirror.replaced_graphs(removed, added),
                        expected=expected,
                    )
                    if not applied:
                        raise _Moved
                    mirror.apply_diff(removed, added, dropped=dropped, created=created)
                    self._mirror = (expected + 1, mirror)

                try:
                    return self._checked_commit(mirror, operation, commit)
                except _Moved:
                    continue
            raise WriteConflictError(
                "the store kept changing while this write was checked (other replicas writing); send it again"
            )

    def _warm_mirror(self, remote: RemoteStore) -> None:
        """Make the copy of the remote store that writes are checked on, under the write lock (a
        write that comes meanwhile waits for it, as it would have made it itself)."""
        try:
            with self._write_lock:
                self._mirror_at(remote, remote.generation())
        except Exception as error:  # the first write makes it then; said, not raised in a thread
            log.warning(
                "could not copy the remote store ahead of the first write: %s",
                error,
                extra={"event": "mirror.failed"},
            )

    def _mirror_at(self, remote: RemoteStore, generation: int) -> OxigraphStore:
        """The copy of the remote store at ``generation``: kept, or read again whole."""
        if self._mirror is not None and self._mirror[0] == generation:
            return self._mirror[1]
        self._mirror = None
        if self._mirror_dir is not None:
            shutil.rmtree(self._mirror_dir, ignore_errors=True)
        self._mirror_dir = Path(tempfile.mkdtemp(prefix="rsikg-mirror-"))
        started = time.perf_counter()
        mirror = OxigraphStore(self._mirror_dir / "store")
        data = remote.export("nquads")
        if data.strip():
            mirror.load([Source("the remote store", DEFAULT_DATA_GRAPH, rdf_format("nquads"), data=data)])
        self._mirror = (generation, mirror)
        seconds = round(time.perf_counter() - started, 3)
        log.info(
            "copied the remote store at generation %d to check writes on (%.1f s)",
            generation,
            seconds,
            extra={"event": "mirror.ready", "generation": generation, "seconds": seconds},
        )
        return mirror

    def _long_check(
        self, disk: OxigraphStore, scratch: OxigraphStore, tmp: Path, removed: list[str], added: list[str]
    ) -> Callable[[], WriteCheck] | None:
        """The write's check in the checking process (api/core/check_process.py), for a check
        too long to hold this process's GIL; here if that process died. None before the server
        starts (a command waits anyway)."""
        if not self._started:
            return None

        def elsewhere() -> WriteCheck:
            disk.checkpoint(tmp / "before")  # hard links: 2-3 ms; the store is not written meanwhile
            found = self._checks.check(tmp / "before", tmp / "scratch", removed, added)
            if found is None:
                return check_write(disk, scratch, removed, added, self._shapes, self.settings)
            return found

        return elsewhere

    def _checked_commit(
        self, disk: OxigraphStore, operation: Callable[[Path], Touched | None], commit: Callable[..., None]
    ) -> WriteOutcome:
        # The scratch copy goes in the store's scratch folder, which opening the store empties:
        # a copy a crash leaves behind lasts until the next start, not forever.
        # called under the write lock (_write, _remote_write)
        with tempfile.TemporaryDirectory(dir=disk.scratch_dir()) as tmp:
            clock = _Phases()
            disk.checkpoint(Path(tmp) / "scratch")
            touched = operation(Path(tmp) / "scratch")  # the worker closes the scratch store first
            clock.mark("apply")
            scratch = OxigraphStore.read_only(Path(tmp) / "scratch")
            try:
                removed, added = write_diff(disk, scratch, touched, self.triples)
                clock.mark("diff")
                long_check = self._long_check(disk, scratch, Path(tmp), removed, added)
                found = check_write(disk, scratch, removed, added, self._shapes, self.settings, long_check)
                clock.mark("validate")
                graphs_before, graphs_now = set(disk.named_graphs()), set(scratch.named_graphs())
            except BaseException as err:
                let_go(err)  # the error's frames hold the scratch store open too
                raise
            finally:
                # released before its directory goes, on a refusal or an error too: a store left
                # open keeps its files, and the directory's removal failed with a 500
                del scratch
            if found.new:
                log.info(
                    "write refused: %d new violation(s) of the shapes",
                    len(found.new),
                    extra={"event": "write.refused", "violations": len(found.new)},
                )
                raise ShapeViolationError(found.refused, len(found.new))
            # all of it or none: graphs dropped (not merely emptied), created (perhaps empty)
            dropped, created = graphs_before - graphs_now, graphs_now - graphs_before
            commit(removed, added, dropped=dropped, created=created)
            # counted from the last write not yet published, if any (under the write lock)
            base = self.triples if self._quads_after is None else self._quads_after
            self._quads_after = base - len(removed) + len(added)
            disk.flush()
            clock.mark("commit")
            _log_commit(removed, added, dropped, created, clock.ms)
            return WriteOutcome(removed=len(removed), added=len(added))


class _Moved(Exception):
    """The remote store moved on between a write's check and its commit: check it again."""


def _writable(graph: str) -> None:
    """Refuse a Graph Store write to the merged graph (rsikg keeps it)."""
    OxigraphStore.refuse_merged([graph], Location("query string", field="graph"))


__all__ = [
    "DEFAULT_GRAPH",
    "DIRECTIONS",
    "GRAPH_BASE",
    "GRAPH_FORMATS",
    "INFERRED_GRAPH",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_SAMPLES",
    "MIN_SAMPLES",
    "PICTURES",
    "PICTURE_RELATIONS",
    "RECORD_MEDIA_TYPES",
    "RELATIONS",
    "RELATION_STYLES",
    "SD",
    "TODAY",
    "W3C_FORMATS",
    "AnsweredElsewhere",
    "Answering",
    "Check",
    "DecisionKind",
    "DecisionStatus",
    "DependencyGraph",
    "Document",
    "GraphService",
    "NamedQuery",
    "NoPathError",
    "NotInGraphError",
    "ReplicaService",
    "SelectResult",
    "TooLargeError",
    "ValidationReport",
    "WriteOutcome",
    "angled",
    "compact",
    "display",
    "local_id",
]
