"""A store rsikg reaches over the SPARQL 1.1 Protocol and Update alone (issue 14, item 1).

Any SPARQL 1.1 store that regions and national bodies already run (Oxigraph's server, Apache Jena
Fuseki, GraphDB, Virtuoso) can hold rsikg's graph: :class:`RemoteStore` implements
:class:`~api.core.store.base.GraphStore` with two URLs, one for queries and one for updates,
described in a small TOML file that ``--store`` names (:class:`Endpoint`).

The layout is the embedded store's (ADR 0012): each file a named graph, and the graph
:data:`~api.core.store.base.MERGED_GRAPH` the set union of every other, so that a query without a
dataset of its own reads a default graph with each triple once, whatever the engine makes of its
own default graph. That graph is kept by every write rsikg sends, in the same update request as
the write: one request is one transaction on Oxigraph's server, Fuseki (TDB2) and GraphDB, so a
load or an update is all or nothing there. A query is sent with the protocol's dataset
(``default-graph-uri`` the merged graph, ``named-graph-uri`` every other graph), never relying on
an engine's setting. The engine runs the queries, so its own limits and isolation apply to them;
rsikg still refuses ``SERVICE`` and ``LOAD`` before a query leaves it (:mod:`api.core.sparql_guard`).

What the embedded store does natively and this one does not yet: checkpoints for query workers,
the quad-level diff a validated write needs, and the journal (issue 14 goes on).
"""

from __future__ import annotations

import contextlib
import tomllib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from api.core import sparql_dataset
from api.core.formats import rdf_format
from api.core.namespaces import PREFIXES
from api.core.sparql_terms import insert_template, integer, iri, literal, quad_blocks, values
from api.core.store.base import (
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
from api.core.store.diffs import changed, read_nquads
from api.core.store.engine import QueryAnswer, QueryRequest
from api.core.store.formats import OX_RDF
from api.core.store.merged import MERGED
from api.core.store.parsing import located_query_error
from api.core.store.results import MIN_ROW_BYTES, trim
from api.core.store.sandbox import Limits
from api.core.store.terms import answer, csv_values, selected, to_rdflib
from api.errors import (
    InputError,
    Location,
    NotOnThisStoreError,
    QueryDeadlineError,
    RsikgError,
    StoreUnavailableError,
)

STORE = "urn:rsikg:store"
GENERATION = "urn:rsikg:generation"
WRITER = "urn:rsikg:writer"
"""The store's generation, ``<urn:rsikg:store> <urn:rsikg:generation> N``, in the engine's own
default graph (which rsikg's queries never read: they name their dataset): every write rsikg
sends moves it on in the same request, so every replica reads one number to know whether what
it keeps (a dependency graph, a copy to validate writes on) is current."""

STAGING = "urn:rsikg:staging:"
"""Graphs a large load is sent into before one last request moves them into place."""
CHUNK_QUADS = 100_000
"""Quads in one request at most (about 15 MB of SPARQL): engines cap a request's body."""

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
MEDIA = {
    "json": RESULTS_JSON,
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": N_TRIPLES,
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
"""What rsikg asks the engine for, by rsikg's format names (api/core/formats.py)."""


@dataclass(frozen=True)
class Endpoint:
    """Where a remote store answers: its SPARQL 1.1 query and update URLs, and optional HTTP
    basic credentials (the password read from a file of its own, never the description)."""

    query: str
    update: str
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0

    @classmethod
    def read(cls, path: Path) -> Endpoint:
        """The endpoint a TOML file describes::

            query = "http://127.0.0.1:7878/query"
            update = "http://127.0.0.1:7878/update"
            # user = "rsikg"
            # password_file = "rsikg-password.txt"
            # timeout = 60

        A missing or wrong field is an InputError naming the file and the field."""
        where = Location(str(path))
        try:
            described = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise StoreUnavailableError(f"cannot read the store description {path}: {err}") from err
        except tomllib.TOMLDecodeError as err:
            raise InputError(f"the store description is not TOML: {err}", where) from None
        for name in ("query", "update"):
            value = described.get(name)
            if not isinstance(value, str) or not value.startswith(("http://", "https://")):
                raise InputError(f"{name} must be an http(s) URL", Location(str(path), field=name))
        password = None
        if described.get("password_file"):
            secret = (path.parent / str(described["password_file"])).expanduser()
            try:
                password = secret.read_text(encoding="utf-8").strip()
            except OSError as err:
                raise StoreUnavailableError(f"cannot read the password file {secret}: {err}") from err
        timeout = described.get("timeout", 60)
        if not isinstance(timeout, int | float) or timeout <= 0:
            raise InputError(
                "timeout must be a positive number of seconds", Location(str(path), field="timeout")
            )
        user = described.get("user")
        return cls(
            described["query"], described["update"], str(user) if user else None, password, float(timeout)
        )


def is_description(store: str) -> bool:
    """Whether ``--store`` names a remote store's description (a ``.toml`` file) rather than a
    directory of the embedded store."""
    return store.endswith(".toml")


class RemoteStore:
    """A :class:`~api.core.store.base.GraphStore` over a SPARQL 1.1 endpoint (see the module)."""

    def __init__(self, endpoint: Endpoint, *, client: httpx.Client | None = None) -> None:
        self.endpoint = endpoint
        self.path = None  # no directory: no checkpoints, no scratch copies
        self.revision = 0
        self.identity = object()
        self.changes = ChangeLog()  # what this object's writes changed, by the generation they made
        self._graphs: tuple[int, list[str]] | None = None  # (the store's generation, its named graphs)
        auth = (endpoint.user, endpoint.password or "") if endpoint.user else None
        self._client = client or httpx.Client(timeout=endpoint.timeout, auth=auth)

    @classmethod
    def described(cls, path: Path) -> RemoteStore:
        return cls(Endpoint.read(path))

    # -- the protocol ---------------------------------------------------------------------------

    def _post(
        self, url: str, data: dict[str, object], accept: str, what: str, deadline: float | None = None
    ) -> httpx.Response:
        """One request; ``deadline``: a query's, after which it is a QueryDeadlineError (503)."""
        timeout = self.endpoint.timeout if deadline is None else deadline
        try:
            response = self._client.post(url, data=data, headers={"Accept": accept}, timeout=timeout)
        except httpx.TimeoutException:
            if deadline is not None:
                raise QueryDeadlineError(deadline) from None
            raise StoreUnavailableError(
                f"the remote store did not answer the {what} within {timeout:g} s"
            ) from None
        except httpx.HTTPError as err:
            raise StoreUnavailableError(f"the remote store at {url} cannot be reached: {err}") from None
        if response.status_code == 400:
            # the engine's own message, in its words: where a query's text is wrong
            message = response.text.strip()[:2000] or f"the remote store refused the {what}"
            if what == "update":  # rsikg's own text, or one the engine will not take (a size cap)
                raise InputError(f"the remote store refused the update: {message}", Location(field="update"))
            raise located_query_error(message)
        if response.status_code >= 300:
            answer = response.text[:300]
            raise StoreUnavailableError(
                f"the remote store answered the {what} with HTTP {response.status_code}: {answer}"
            )
        return response

    def _query(
        self,
        sparql: str,
        accept: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        own_dataset: bool = False,
        deadline: float | None = None,
    ) -> httpx.Response:
        """A query with rsikg's dataset: ``default_graphs`` and ``named_graphs`` when given (the
        protocol's own parameters); else the merged graph and every named graph, unless the
        query names its own (FROM, FROM NAMED)."""
        text = _bound(sparql, bindings)
        data: dict[str, object] = {"query": text}
        if default_graphs is not None or named_graphs is not None:
            if default_graphs is not None:
                data["default-graph-uri"] = list(default_graphs)
            if named_graphs is not None:
                data["named-graph-uri"] = list(named_graphs)
        elif not own_dataset:
            data["default-graph-uri"] = [MERGED_GRAPH]
            named = self.named_graphs()
            if named:
                data["named-graph-uri"] = named
        return self._post(self.endpoint.query, data, accept, "query", deadline)

    def _update(self, text: str) -> None:
        """A write, the store's generation moved on in the same request."""
        self._post(self.endpoint.update, {"update": f"{text}\n;\n{_next_generation()}"}, "*/*", "update")
        self.revision += 1

    def generation(self) -> int:
        """The store's generation: how many writes rsikg has sent it (0: none yet)."""
        found = self._control(GENERATION)
        return int(found) if found is not None and found.isdigit() else 0

    def change_mark(self) -> int:
        return self.generation()

    def changes_since(self, mark: int) -> tuple[int, list[Changed] | None]:
        """Known only for writes made through this object: another replica's write (or any
        other) leaves a generation this log lacks, and the answer is None."""
        now = self.generation()
        return now, self.changes.since(mark, now)

    def _control(self, predicate: str) -> str | None:
        """The value of the store's own ``predicate`` (its generation, its last writer)."""
        response = self._post(
            self.endpoint.query,
            {"query": f"SELECT ?v WHERE {{ {iri(STORE)} {iri(predicate)} ?v }}"},
            RESULTS_JSON,
            "query",
        )
        found = [s["v"].value for s in _solutions(response) if isinstance(s["v"], ox.Literal)]
        return found[0] if found else None

    def commit(
        self,
        removed: Sequence[str],
        added: Sequence[str],
        *,
        dropped: Iterable[str] = (),
        created: Iterable[str] = (),
        replaced: Mapping[str, Sequence[str]] | None = None,
        expected: int,
    ) -> bool:
        """Apply a diff (N-Quads lines, the merged graph's changes among them) only if the
        store is still at generation ``expected``: one request whose every operation's WHERE
        is that generation, so a write another replica committed meanwhile makes it do nothing
        (False: check again, on the newer store).

        A triple with a blank node cannot be named over SPARQL, so a graph the diff removes one
        from comes in ``replaced``, with its whole content after the diff: the graph is emptied
        (and the merged graph of its blank-node triples) and filled again. A removed blank-node
        triple of any other graph: NotOnThisStoreError, nothing written."""
        where = Location("request body")
        whole = dict(replaced or {})
        every_old, every_new = read_nquads(removed, where), read_nquads(added, where)
        old = [q for q in every_old if _graph(q) not in whole]
        old = [q for q in old if not (q.graph_name == MERGED and _has_blank(q))]  # emptied with their graphs
        if any(_has_blank(q) for q in old):
            raise NotOnThisStoreError(
                "this write removes triples with blank nodes, which a remote store cannot be told "
                "apart over SPARQL; replace the whole graph instead (Graph Store PUT)"
            )
        new = [q for q in every_new if _graph(q) not in whole]
        for lines in whole.values():
            content = read_nquads(lines, where)
            new += [*content, *(ox.Quad(q.subject, q.predicate, q.object, MERGED) for q in content)]
        token = uuid.uuid4().hex
        operations = [op for graph in whole for op in _emptied(graph, expected)]
        operations.append(_conditional(old, new, expected, token, token[:8]))
        self._post(self.endpoint.update, {"update": " ;\n".join(operations)}, "*/*", "update")
        self.revision += 1
        if self._control(WRITER) != token:
            return False
        self.changes.note(expected + 1, changed(every_old, every_new))
        after = [f"DROP SILENT GRAPH {iri(g)}" for g in dropped]
        after += [f"CREATE SILENT GRAPH {iri(g)}" for g in created]
        if after:  # once committed, as the protocol has no conditional DROP
            self._post(self.endpoint.update, {"update": " ;\n".join(after)}, "*/*", "update")
        return True

    def has_graph(self, graph: str) -> bool:
        return graph == DEFAULT_GRAPH or graph in self.named_graphs()

    def graph_serialized(self, graph: str, fmt: str) -> bytes:
        """One graph in an RDF graph format (the default graph: every graph merged)."""
        info = rdf_format(fmt)
        if graph == DEFAULT_GRAPH:
            return self.export(fmt)
        response = self._query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", N_TRIPLES, default_graphs=[graph])
        triples = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        return ox.serialize(triples, format=OX_RDF[info.name], prefixes=dict(PREFIXES)) or b""

    # -- GraphStore -------------------------------------------------------------------------------

    def load(self, sources: Sequence[Source], progress: ProgressCallback | None = None) -> int:
        """Replace each source's graphs with its triples, each source in one update request
        (its graphs dropped, the merged graph kept, its triples inserted): all or nothing per
        source on an engine that runs a request as one transaction. Every source is parsed,
        isolated, before anything is sent."""
        from api.core.store import sandbox

        if progress:
            progress("parse", 0, len(sources))
        parsed = sandbox.parse(sources)
        if progress:
            progress("parse", len(sources), len(sources))
        written = 0
        for done, (source, quads) in enumerate(zip(sources, parsed, strict=True)):
            if progress:
                progress("write", done, len(sources))
            named = (q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode))
            graphs = list(dict.fromkeys([source.graph, *named]))
            if MERGED_GRAPH in graphs:
                raise InputError(MERGED_GRAPH_IS_KEPT, Location(source.name))
            if len(quads) <= CHUNK_QUADS:
                self._update(_replacing(graphs, quads))
            else:
                self._staged(graphs, quads)
            written += len(quads)
        if progress:
            progress("write", len(sources), len(sources))
        return written

    def _staged(self, graphs: Sequence[str], quads: Sequence[ox.Quad]) -> None:
        """A source too large for one request (engines cap a request's body: Oxigraph's server
        at 128 MiB): its quads sent in chunks into staging graphs of its own, which no query
        names, then moved into place in one last request, which is the commit (all or nothing
        where a request is a transaction). Quads with a blank node go together in the first
        chunk, as a blank node sent in two requests would be two nodes."""
        stage = f"{STAGING}{uuid.uuid4().hex}/"
        staging = {graph: f"{stage}{i}" for i, graph in enumerate(graphs)}
        blank = [q for q in quads if _has_blank(q)]
        plain = [q for q in quads if not _has_blank(q)]
        label = uuid.uuid4().hex[:8]
        chunks = [blank, *(plain[i : i + CHUNK_QUADS] for i in range(0, len(plain), CHUNK_QUADS))]
        try:
            for chunk in chunks:
                if chunk:
                    moved = [
                        ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(staging[_graph(q)]))
                        for q in chunk
                    ]
                    self._post(
                        self.endpoint.update,
                        {"update": insert_template(quad_blocks(_terms(moved, label)), data=True)},
                        "*/*",
                        "update",
                    )
            self._update(_moved_into_place(staging))
        except Exception:
            with contextlib.suppress(RsikgError):  # the staging graphs are nobody's: dropped
                drops = " ;\n".join(f"DROP SILENT GRAPH {iri(g)}" for g in staging.values())
                self._post(self.endpoint.update, {"update": drops}, "*/*", "update")
            raise

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        accept = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"
        response = self._query(sparql, accept, bindings=bindings, default_graphs=default_graphs)
        if _media(response) == RESULTS_JSON:
            return answer(ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON))
        return answer(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))

    def select(self, sparql: str, *, default_graphs: Sequence[str] | None = None) -> SelectResult:
        return selected(self.query(sparql, default_graphs=default_graphs))

    def select_values(self, sparql: str) -> list[tuple[str | None, ...]]:
        """A SELECT's rows as plain strings, from the engine's SPARQL CSV."""
        return csv_values(self._query(sparql, "text/csv").content.decode("utf-8"))

    def client_query(
        self,
        sparql: str,
        *,
        results_format: str | None,
        graph_format: str | None,
        bindings: Mapping[str, Node] | None = None,
        own_dataset: bool = False,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        deadline: float | None = None,
    ) -> tuple[str, bytes]:
        """A client's query, run by the engine (which is not this process) in the first format
        the client accepts for the query's kind; ``deadline``: seconds, then QueryDeadlineError."""
        offered = [(fmt, MEDIA[fmt]) for fmt in (results_format, graph_format) if fmt in MEDIA]
        if not offered:
            raise InputError("no format to answer in", Location("query"))
        accept = ", ".join(f"{media};q={1 - i / 10:g}" for i, (_, media) in enumerate(offered))
        response = self._query(
            sparql,
            accept,
            bindings=bindings,
            own_dataset=own_dataset,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            deadline=deadline,
        )
        media = _media(response)
        fmt = next((fmt for fmt, offered_media in offered if offered_media == media), offered[0][0])
        return fmt, response.content

    def update(self, sparql: str) -> None:
        """One of rsikg's own updates (they name their graphs: the default graph of an update is
        the store's own, as on the embedded store), the merged graph brought up to date in the
        same request: a full pass over the store, for now (a diff, as the embedded store takes,
        is issue 14's next step)."""
        sparql_dataset.refuse_naming(sparql, MERGED_GRAPH, None, MERGED_GRAPH_IS_KEPT)
        self._update(f"{sparql}\n;\n{_resynced()}")

    def named_graphs(self) -> list[str]:
        """The store's named graphs, enumerated again whenever the store's generation moved
        (another replica may have made one): the generation is a point lookup, where
        enumerating the graphs took 80 ms on Oxigraph's server at 700k triples."""
        generation = self.generation()
        if self._graphs is not None and self._graphs[0] == generation:
            return list(self._graphs[1])
        response = self._post(
            self.endpoint.query,
            {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"},
            RESULTS_JSON,
            "query",
        )
        found = sorted(
            s["g"].value
            for s in _solutions(response)
            if isinstance(s["g"], ox.NamedNode)
            and s["g"].value != MERGED_GRAPH
            and not s["g"].value.startswith(STAGING)
        )
        self._graphs = (generation, found)
        return list(found)

    def export(self, fmt: str) -> bytes:
        """All of the store: a dataset format keeps the graphs, a graph format gets the merged
        graph (each triple once)."""
        info = rdf_format(fmt)
        if info.dataset and info.name != "jsonld":
            response = self._query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", RESULTS_JSON)
            solutions = _solutions(response)
            quads = [ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in solutions]
            return ox.serialize(quads, format=OX_RDF[info.name], prefixes=dict(PREFIXES)) or b""
        response = self._query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", N_TRIPLES)
        triples = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        return ox.serialize(triples, format=OX_RDF[info.name], prefixes=dict(PREFIXES)) or b""

    def to_rdflib(self, *, exclude_graphs: Iterable[str] = ()) -> rdflib.Graph:
        excluded = set(exclude_graphs)
        kept = [g for g in self.named_graphs() if g not in excluded]
        graph = rdflib.Graph()
        if not kept:
            return graph
        response = self._query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", N_TRIPLES, default_graphs=kept)
        for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES):
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph

    def remove_graph(self, graph: str) -> None:
        if graph == MERGED_GRAPH:
            raise InputError(MERGED_GRAPH_IS_KEPT, Location(field="graph"))
        self._update(_replacing([graph], []))

    def flush(self) -> None:
        """Nothing to do: the engine made each write durable before it answered."""

    def close(self) -> None:
        self._client.close()

    def __len__(self) -> int:
        """The quads in the store's graphs (the merged graph's not counted)."""
        found = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != {iri(MERGED_GRAPH)}) }}"
        )
        return int(str(found.rows[0][0])) if found.rows else 0


class RemoteEngine:
    """The query engine of ``rsikg serve`` over a remote store: the store's own engine runs each
    query (rsikg's guard has refused SERVICE and LOAD first), and a request past the deadline is
    a QueryDeadlineError (the engine's own query timeout stops its work; rsikg cannot). No
    checkpoints, no inline answers: there is nothing local to read."""

    def __init__(self, store: RemoteStore, *, deadline: float, max_rows: int, limits: Limits) -> None:
        self.isolation = ["remote engine"]  # where client queries run: the store's engine, not here
        self.store = store
        self.deadline = deadline
        self.max_rows = max_rows
        self.limits = limits  # for the writes' isolated workers, which run here

    async def start(self, generation: int = 0) -> None:
        """Nothing to start: the engine is the store's."""

    async def close(self) -> None:
        """Nothing to stop."""

    def publish(self, generation: int = 0) -> None:
        """Nothing to publish: every query reads the store itself."""

    def answer_inline(self, request: QueryRequest) -> QueryAnswer | None:
        return None

    async def run(self, request: QueryRequest) -> QueryAnswer:
        import anyio.to_thread

        def ask() -> tuple[str, bytes]:
            return self.store.client_query(
                request.query,
                results_format=request.results_format,
                graph_format=request.graph_format,
                bindings=request.bindings,
                own_dataset=request.own_dataset,
                default_graphs=request.default_graphs,
                named_graphs=request.named_graphs,
                deadline=self.deadline,
            )

        fmt, body = await anyio.to_thread.run_sync(ask, abandon_on_cancel=True)
        truncated = False
        if fmt in MIN_ROW_BYTES:  # a SELECT's rows, cut at the server's cap as any answer is
            body, truncated = trim(body, fmt, self.max_rows)
        return QueryAnswer(body, fmt, truncated, None)


def _media(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def _solutions(response: httpx.Response) -> ox.QuerySolutions:
    """A SELECT's solutions from the engine's SPARQL JSON."""
    result = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    if not isinstance(result, ox.QuerySolutions):
        raise StoreUnavailableError("the remote store answered a SELECT query with a boolean")
    return result


def _bound(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with its bindings as a VALUES block at its end (the protocol has no
    substitution; rdflib's SPARQLStore binds the same way), each term from the builder."""
    if not bindings:
        return sparql
    names = sorted(bindings)
    return f"{sparql}\n{values(names, [[bindings[name] for name in names]])}"


def _replacing(graphs: Sequence[str], quads: Sequence[ox.Quad]) -> str:
    """One update: ``graphs`` emptied (the merged graph losing what no other graph holds),
    then ``quads`` inserted in their graphs and in the merged graph."""
    parts = []
    for graph in graphs:
        parts.append(
            f"DELETE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} "
            f"FILTER (?other NOT IN ({iri(MERGED_GRAPH)}, {iri(graph)})) }} }}"
        )
        parts.append(f"DROP SILENT GRAPH {iri(graph)}")
    if quads:
        label = uuid.uuid4().hex[:8]  # blank nodes of this load: one label space for the request
        in_merged = [ox.Quad(q.subject, q.predicate, q.object, MERGED) for q in quads]
        parts.append(insert_template(quad_blocks(_terms([*quads, *in_merged], label)), data=True))
    return " ;\n".join(parts)


def _into(quad: ox.Quad, graph: str) -> ox.Quad:
    return ox.Quad(quad.subject, quad.predicate, quad.object, ox.NamedNode(graph))


def _moved_into_place(staging: Mapping[str, str]) -> str:
    """One update: each target graph emptied (the merged graph losing what no other graph
    holds), its staging graph added to the merged graph and moved into its place."""
    parts = []
    for graph, stage in staging.items():
        parts.append(
            f"DELETE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} "
            f"FILTER (?other NOT IN ({iri(MERGED_GRAPH)}, {iri(graph)}, {iri(stage)})) }} }}"
        )
        parts.append(f"DROP SILENT GRAPH {iri(graph)}")
        parts.append(f"ADD SILENT {iri(stage)} TO {iri(MERGED_GRAPH)}")
        parts.append(f"MOVE SILENT {iri(stage)} TO {iri(graph)}")
    return " ;\n".join(parts)


def _node(term: object, label: str) -> Node:
    node = to_rdflib(term, normalize=False)
    return rdflib.BNode(f"{label}{node}") if isinstance(node, rdflib.BNode) else node


def _terms(quads: Iterable[ox.Quad], label: str) -> list[tuple[Node, Node, Node, str]]:
    """Quads as the builder takes them: rdflib terms, lexical forms kept, blank nodes labelled
    apart from any other request's; the graph's IRI ("" for the default graph)."""
    return [
        (
            _node(q.subject, label),
            _node(q.predicate, label),
            _node(q.object, label),
            q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else DEFAULT_GRAPH,
        )
        for q in quads
    ]


def _graph(quad: ox.Quad) -> str:
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else DEFAULT_GRAPH


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _emptied(graph: str, expected: int) -> list[str]:
    """Two updates that empty ``graph``, and the merged graph of its blank-node triples, where
    the store is at generation ``expected``."""
    if expected:
        return [
            f"DELETE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} WHERE {{ "
            f"{iri(STORE)} {iri(GENERATION)} {integer(expected)} . "
            f"GRAPH {iri(graph)} {{ ?s ?p ?o }} FILTER (isBlank(?s) || isBlank(?o)) }}",
            f"DELETE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }} WHERE {{ "
            f"{iri(STORE)} {iri(GENERATION)} {integer(expected)} . GRAPH {iri(graph)} {{ ?s ?p ?o }} }}",
        ]
    return [
        f"DELETE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} WHERE {{ "
        f"FILTER NOT EXISTS {{ {iri(STORE)} {iri(GENERATION)} ?any }} "
        f"GRAPH {iri(graph)} {{ ?s ?p ?o }} FILTER (isBlank(?s) || isBlank(?o)) }}",
        f"DELETE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }} WHERE {{ "
        f"FILTER NOT EXISTS {{ {iri(STORE)} {iri(GENERATION)} ?any }} GRAPH {iri(graph)} {{ ?s ?p ?o }} }}",
    ]


def _next_generation() -> str:
    """An update that moves the store's generation on by one (from none: to 1)."""
    return (
        f"DELETE {{ {iri(STORE)} {iri(GENERATION)} ?n }} INSERT {{ {iri(STORE)} {iri(GENERATION)} ?next }} "
        f"WHERE {{ OPTIONAL {{ {iri(STORE)} {iri(GENERATION)} ?n }} BIND (COALESCE(?n, 0) + 1 AS ?next) }}"
    )


def _conditional(
    old: Sequence[ox.Quad], new: Sequence[ox.Quad], expected: int, token: str, label: str
) -> str:
    """One DELETE/INSERT: ``old`` out, ``new`` in, the generation from ``expected`` to the next
    and the writer ``token``, all only where the generation is ``expected`` (none for 0)."""
    if expected:
        return (
            f"DELETE {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} . {iri(STORE)} {iri(WRITER)} ?w . "
            f"{quad_blocks(_terms(old, label))} }} "
            f"INSERT {{ {iri(STORE)} {iri(GENERATION)} {integer(expected + 1)} . "
            f"{iri(STORE)} {iri(WRITER)} {literal(token)} . {quad_blocks(_terms(new, label))} }} "
            f"WHERE {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} . "
            f"OPTIONAL {{ {iri(STORE)} {iri(WRITER)} ?w }} }}"
        )
    return (
        f"DELETE {{ {iri(STORE)} {iri(WRITER)} ?w . {quad_blocks(_terms(old, label))} }} "
        f"INSERT {{ {iri(STORE)} {iri(GENERATION)} {integer(1)} . "
        f"{iri(STORE)} {iri(WRITER)} {literal(token)} . {quad_blocks(_terms(new, label))} }} "
        f"WHERE {{ FILTER NOT EXISTS {{ {iri(STORE)} {iri(GENERATION)} ?any }} "
        f"OPTIONAL {{ {iri(STORE)} {iri(WRITER)} ?w }} }}"
    )


def _resynced() -> str:
    """Updates that make the merged graph the union of every other graph again."""
    return (
        f"DELETE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} "
        f"WHERE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != {iri(MERGED_GRAPH)}) }} }} ;\n"
        f"INSERT {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} "
        f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != {iri(MERGED_GRAPH)}) }}"
    )


__all__ = ["Endpoint", "RemoteEngine", "RemoteStore", "is_description"]
