"""A store rsikg reaches over the SPARQL 1.1 Protocol and Update alone (issue 14, item 1).

Any SPARQL 1.1 store that regions and national bodies already run (Oxigraph's server, Apache Jena
Fuseki, GraphDB, Virtuoso) can hold rsikg's graph: :class:`RemoteStore` implements
:class:`~rsikg.core.store.base.GraphStore` with two URLs, one for queries and one for updates,
described in a small TOML file that ``--store`` names (:class:`Endpoint`).

The layout is the embedded store's (ADR 0012): each file a named graph, and the graph
:data:`~rsikg.core.store.base.MERGED_GRAPH` the set union of every other, so that a query without a
dataset of its own reads a default graph with each triple once, whatever the engine makes of its
own default graph. That graph is kept by every write rsikg sends, in the same update request as
the write: one request is one transaction on Oxigraph's server, Fuseki (TDB2) and GraphDB, so a
load or an update is all or nothing there. A query is sent with the protocol's dataset
(``default-graph-uri`` the merged graph, ``named-graph-uri`` every other graph), never relying on
an engine's setting. The engine runs the queries, so its own limits and isolation apply to them;
rsikg still refuses ``SERVICE`` and ``LOAD`` before a query leaves it (:mod:`rsikg.core.sparql_guard`).

What the embedded store does natively and this one does not yet: checkpoints for query workers,
the quad-level diff a validated write needs, and the journal (issue 14 goes on).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import tomllib
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import rdflib
from rdflib.term import Node, URIRef

from ...errors import (
    InputError,
    Location,
    NotOnThisStoreError,
    QueryDeadlineError,
    QuerySyntaxError,
    RsikgError,
    StoreUnavailableError,
)
from .. import sparql_dataset, sparql_guard
from ..formats import rdf_format
from ..namespaces import PREDECLARED_NAMESPACES, PREFIXES
from ..sparql_lexer import spans
from ..sparql_terms import insert_template, integer, iri, literal, one_of, prologue, quad_blocks, values
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
from .diffs import changed, read_nquads
from .engine import QueryAnswer, QueryRequest
from .formats import OX_RDF, OX_RESULTS
from .merged import MERGED
from .parsing import located_query_error
from .results import MIN_ROW_BYTES, WRITERS, trim, write_boolean
from .sandbox import Limits
from .terms import answer, csv_values, selected, to_rdflib

AUTH_SCHEMES = ("basic", "digest")

CONTROL = "urn:rsikg:control"
STORE = "urn:rsikg:store"
GENERATION = "urn:rsikg:generation"
WRITER = "urn:rsikg:writer"
"""The store's generation, ``<urn:rsikg:store> <urn:rsikg:generation> N``, in the graph
``urn:rsikg:control``, which rsikg's queries never read (they name their dataset, and it is not
among the graphs rsikg lists): every write rsikg sends moves it on in the same request, so every
replica reads one number to know whether what it keeps (a dependency graph, a copy to validate
writes on) is current. A named graph, not the engine's own default graph: Virtuoso has no
default graph apart from its named graphs, and refuses a triple written to none."""

STAGING = "urn:rsikg:staging:"
"""Graphs a large load is sent into before one last request moves them into place."""
NO_GRAPH = "urn:rsikg:no-graph"
"""A graph nobody writes: the part of a query's dataset that holds nothing, for engines that read a
missing part as every graph (:meth:`RemoteStore._dataset`)."""
CHUNK_QUADS = 100_000
"""Quads in one request at most (about 15 MB of SPARQL): engines cap a request's body."""

FORM = "application/x-www-form-urlencoded"
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
    auth: str = "basic"  # or "digest" (Virtuoso's /sparql-auth asks for it)
    ignore_graphs: tuple[str, ...] = ()  # graphs rsikg leaves alone: the engine's own, other tools'
    chunk_quads: int = CHUNK_QUADS  # quads in one request at most (Virtuoso: about 1,000)

    @classmethod
    def read(cls, path: Path) -> Endpoint:
        """The endpoint a TOML file describes::

            query = "http://127.0.0.1:7878/query"
            update = "http://127.0.0.1:7878/update"
            # user = "rsikg"
            # password_file = "rsikg-password.txt"
            # auth = "basic"   # or "digest"
            # timeout = 60
            # ignore_graphs = ["http://www.openlinksw.com/schemas/virtrdf#"]
            # chunk_quads = 100000

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
        auth = described.get("auth", "basic")
        if auth not in AUTH_SCHEMES:
            raise InputError(
                f"auth must be one of {', '.join(AUTH_SCHEMES)}, not {auth!r}",
                Location(str(path), field="auth"),
            )
        ignored = described.get("ignore_graphs", [])
        if not isinstance(ignored, list) or not all(isinstance(g, str) and ":" in g for g in ignored):
            raise InputError(
                "ignore_graphs must be a list of graph IRIs", Location(str(path), field="ignore_graphs")
            )
        chunk = described.get("chunk_quads", CHUNK_QUADS)
        if not isinstance(chunk, int) or chunk < 2:
            raise InputError(
                "chunk_quads must be a whole number above 1", Location(str(path), field="chunk_quads")
            )
        user = described.get("user")
        return cls(
            described["query"],
            described["update"],
            str(user) if user else None,
            password,
            float(timeout),
            auth,
            tuple(ignored),
            chunk,
        )

    def credentials(self) -> httpx.Auth | None:
        """HTTP authentication with the user and password, in the scheme the store asks for."""
        if not self.user:
            return None
        if self.auth == "digest":
            return httpx.DigestAuth(self.user, self.password or "")
        return httpx.BasicAuth(self.user, self.password or "")


def is_description(store: str) -> bool:
    """Whether ``--store`` names a remote store's description (a ``.toml`` file) rather than a
    directory of the embedded store."""
    return store.endswith(".toml")


class RemoteStore:
    """A :class:`~rsikg.core.store.base.GraphStore` over a SPARQL 1.1 endpoint (see the module)."""

    def __init__(self, endpoint: Endpoint, *, client: httpx.Client | None = None) -> None:
        self.endpoint = endpoint
        self.path = None  # no directory: no checkpoints, no scratch copies
        self.revision = 0
        self.identity = object()
        self._generation_kept = False  # the store is known to hold a generation (see _counted)
        self.changes = ChangeLog()  # what this object's writes changed, by the generation they made
        self.parse_memory_mb: int | None = None  # the parse worker's cap (None: the sandbox's default)
        self._graphs: tuple[int, list[str]] | None = None  # (the store's generation, its named graphs)
        self._widens: bool | None = None  # see _widens_a_missing_part
        self._oxigraph: bool | None = None  # the engine is Oxigraph's server (read from its first answer)
        self._client = client or httpx.Client(timeout=endpoint.timeout, auth=endpoint.credentials())

    @classmethod
    def described(cls, path: Path) -> RemoteStore:
        return cls(Endpoint.read(path))

    # -- the protocol ---------------------------------------------------------------------------

    def _post(
        self, url: str, data: dict[str, object], accept: str, what: str, deadline: float | None = None
    ) -> httpx.Response:
        """One request; ``deadline``: a query's, after which it is a QueryDeadlineError (503)."""
        timeout = self.endpoint.timeout if deadline is None else deadline
        # the form encoded here: httpx's own encoding (data=) quotes character by character in
        # Python, 0.4 ms of a 1 ms selective lookup (benchmarks/remote.py)
        form = urllib.parse.urlencode(data, doseq=True).encode()
        headers = {"Accept": accept, "Content-Type": FORM}
        try:
            response = self._client.post(url, content=form, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            if deadline is not None:
                raise QueryDeadlineError(deadline) from None
            raise StoreUnavailableError(
                f"the remote store did not answer the {what} within {timeout:g} s"
            ) from None
        except httpx.HTTPError as err:
            raise StoreUnavailableError(f"the remote store at {url} cannot be reached: {err}") from None
        if self._oxigraph is None:
            self._oxigraph = str(response.headers.get("server", "")).startswith("Oxigraph/")
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
        generation: int | None = None,
        names_graphs: bool = True,
        predeclared: Sequence[str] = (),
    ) -> httpx.Response:
        """A query with rsikg's dataset: ``default_graphs`` and ``named_graphs`` when given (the
        protocol's own parameters); else the merged graph and every named graph, unless the
        query names its own (FROM, FROM NAMED). ``predeclared``: the prefixes to declare for
        it (:func:`_declaring`)."""
        text = _declaring(_bound(sparql, bindings), predeclared)[0]
        data: dict[str, object] = {"query": text}
        if default_graphs is not None or named_graphs is not None:
            data.update(self._dataset(default_graphs or [], named_graphs or []))
        elif not own_dataset:
            named = self.named_graphs(generation) if names_graphs else []
            data.update(self._dataset([MERGED_GRAPH], named))
        return self._post(self.endpoint.query, data, accept, "query", deadline)

    def _dataset(self, default: Sequence[str], named: Sequence[str]) -> dict[str, list[str]]:
        """The protocol's dataset parameters. A dataset given in part has nothing in the other
        part (SPARQL 1.1 Query 13.2); an engine that reads a missing part as "every graph"
        (Virtuoso: ``GRAPH ?g`` then saw its own graphs and rsikg's control graph) is given
        a graph that holds nothing for it instead."""
        if (not default or not named) and self._widens_a_missing_part():
            default, named = default or [NO_GRAPH], named or [NO_GRAPH]
        return {"default-graph-uri": list(default), "named-graph-uri": list(named)}

    def _widens_a_missing_part(self) -> bool:
        """Whether the engine answers ``GRAPH ?g`` over a dataset of a default graph alone with
        graphs it holds; asked until the engine holds a graph, then kept."""
        if self._widens is None:
            ask = "ASK { GRAPH ?g { ?s ?p ?o } }"
            alone: dict[str, object] = {"query": ask, "default-graph-uri": [NO_GRAPH]}
            if self._asked(alone):
                self._widens = True
            elif self._asked({"query": ask}):  # the engine holds a graph, and did not show it
                self._widens = False
            else:
                return False  # nothing to show yet
        return self._widens

    def _asked(self, form: dict[str, object]) -> bool:
        found = _results(self._post(self.endpoint.query, form, RESULTS_JSON, "query").content)
        return isinstance(found, ox.QueryBoolean) and bool(found)

    def _update(self, text: str) -> None:
        """A write, the store's generation moved on in the same request."""
        self._counted()
        self._post(self.endpoint.update, {"update": f"{text}\n;\n{_next_generation()}"}, "*/*", "update")
        self.revision += 1

    def _counted(self) -> None:
        """Make sure the store holds a generation (0 in a store rsikg never wrote), before a
        write moves it on: the write's own updates then only match the generation that is there.
        Not a conditional insert: Virtuoso 7.2 runs neither ``FILTER NOT EXISTS`` alone nor an
        ``OPTIONAL`` first in an update's WHERE as SPARQL has it (tests/core/test_store_contract.py).
        Two replicas writing a new store's first write at once may each insert the 0; the
        generation read is the greatest, so a stray 0 changes nothing."""
        if self._generation_kept:
            return
        if not self._control(GENERATION):
            self._post(
                self.endpoint.update,
                {
                    "update": f"INSERT DATA {{ GRAPH {iri(CONTROL)} "
                    f"{{ {iri(STORE)} {iri(GENERATION)} {integer(0)} }} }}"
                },
                "*/*",
                "update",
            )
        self._generation_kept = True

    def generation(self) -> int:
        """The store's generation: how many writes rsikg has sent it (0: none yet)."""
        return _newest(self._control(GENERATION))

    def state(self) -> tuple[int, str]:
        """The store's generation and the writer that made it (one request): together they name
        what the store holds, for caches and entity tags every replica agrees on; (0, "") for a
        store rsikg never wrote."""
        response = self._post(
            self.endpoint.query,
            {
                "query": f"SELECT ?p ?v WHERE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} ?p ?v }} "
                f"{one_of('p', [URIRef(GENERATION), URIRef(WRITER)])} }}"
            },
            RESULTS_JSON,
            "query",
        )
        found: dict[str, list[str]] = {GENERATION: [], WRITER: []}
        for row in _solutions(response):
            if isinstance(row["p"], ox.NamedNode) and isinstance(row["v"], ox.Literal):
                found.setdefault(row["p"].value, []).append(row["v"].value)
        return _newest(found[GENERATION]), min(found[WRITER], default="")

    def change_mark(self) -> int:
        return self.generation()

    def changes_since(self, mark: int) -> tuple[int, list[Changed] | None]:
        """Known only for writes made through this object: another replica's write (or any
        other) leaves a generation this log lacks, and the answer is None."""
        now = self.generation()
        return now, self.changes.since(mark, now)

    def _control(self, predicate: str) -> list[str]:
        """The values of the store's own ``predicate`` (its generation, its last writer)."""
        response = self._post(
            self.endpoint.query,
            {"query": f"SELECT ?v WHERE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(predicate)} ?v }} }}"},
            RESULTS_JSON,
            "query",
        )
        return [s["v"].value for s in _solutions(response) if isinstance(s["v"], ox.Literal)]

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
        self._counted()
        operations = [op for graph in whole for op in _emptied(graph, expected)]
        blank = sum(1 for q in new if _has_blank(q))
        if len(old) + len(new) <= self.endpoint.chunk_quads and blank <= BLANK_TEMPLATE_QUADS:
            operations.append(_conditional(old, new, expected, token, token[:8]))
            self._post(self.endpoint.update, {"update": " ;\n".join(operations)}, "*/*", "update")
        else:
            self._staged_commit(old, new, operations, expected, token)
        self.revision += 1
        if self._control(WRITER)[:1] != [token]:
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
        from . import sandbox

        if progress:
            progress("parse", 0, len(sources))
        parsed = sandbox.parse(sources, limits=sandbox.limits_for(self.parse_memory_mb))
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
            blank = sum(1 for q in quads if _has_blank(q))
            chunk = self.endpoint.chunk_quads
            # twice: each quad and its copy in the merged graph
            if 2 * len(quads) <= chunk and (not blank or 2 * len(quads) <= BLANK_TEMPLATE_QUADS):
                self._update(_replacing(graphs, quads))
            else:
                self._staged(graphs, quads)
            written += len(quads)
        if progress:
            progress("write", len(sources), len(sources))
        return written

    def _staged_commit(
        self, old: Sequence[ox.Quad], new: Sequence[ox.Quad], first: list[str], expected: int, token: str
    ) -> None:
        """A diff too large for one request (Virtuoso's SPARQL compiler ran out of memory on the
        5,000 quads of a DROP ALL; Oxigraph's server caps a body at 128 MiB): the quads to
        remove and to add sent in chunks into staging graphs of their own, then one request,
        conditional on the generation as :meth:`commit`'s is, that removes and adds them and
        drops the staging graphs (``first``: its operations that come before)."""
        stage = f"{STAGING}{uuid.uuid4().hex}/"
        out = {g: f"{stage}out/{i}" for i, g in enumerate(dict.fromkeys(map(_graph, old)))}
        into = {g: f"{stage}in/{i}" for i, g in enumerate(dict.fromkeys(map(_graph, new)))}
        staging = [*out.values(), *into.values()]
        try:
            self._stage(old, out)
            self._stage(new, into)
            operations = [*first, *_moved_where(out, into, expected)]
            operations.append(_conditional([], [], expected, token, token[:8]))
            operations += [f"DROP SILENT GRAPH {iri(g)}" for g in staging]
            self._post(self.endpoint.update, {"update": " ;\n".join(operations)}, "*/*", "update")
        except Exception:
            self._dropped_quietly(staging)
            raise

    def _stage(self, quads: Sequence[ox.Quad], staging: Mapping[str, str]) -> None:
        """``quads`` sent, in chunks, into their graphs' staging graphs. Quads with a blank node
        go in requests of their own, each with whole groups of the quads that share blank
        nodes, as a blank node sent in two requests would be two nodes (:func:`_inserted`)."""
        blank = [q for q in quads if _has_blank(q)]
        plain = [q for q in quads if not _has_blank(q)]
        label = uuid.uuid4().hex[:8]
        size = self.endpoint.chunk_quads
        for chunk in [blank, *(plain[i : i + size] for i in range(0, len(plain), size))]:
            if chunk:
                moved = [_into(q, staging[_graph(q)]) for q in chunk]
                for operation in _inserted(moved, label):  # a request each: see BLANK_TEMPLATE_QUADS
                    self._post(self.endpoint.update, {"update": operation}, "*/*", "update")

    def _dropped_quietly(self, graphs: Sequence[str]) -> None:
        """Staging graphs dropped after a failure (they are nobody's), a failure to drop them
        passed over: the first error is the one to report."""
        with contextlib.suppress(RsikgError):
            drops = " ;\n".join(f"DROP SILENT GRAPH {iri(g)}" for g in graphs)
            self._post(self.endpoint.update, {"update": drops}, "*/*", "update")

    def _staged(self, graphs: Sequence[str], quads: Sequence[ox.Quad]) -> None:
        """A source too large for one request (engines cap a request's body: Oxigraph's server
        at 128 MiB): its quads sent in chunks into staging graphs of its own, which no query
        names, then moved into place in one last request, which is the commit (all or nothing
        where a request is a transaction). Quads with a blank node go in requests of their own,
        each with whole groups of the quads that share blank nodes, as a blank node sent in two
        requests would be two nodes (:func:`_inserted`)."""
        stage = f"{STAGING}{uuid.uuid4().hex}/"
        staging = {graph: f"{stage}{i}" for i, graph in enumerate(graphs)}
        try:
            self._stage(quads, staging)
            self._update(_moved_into_place(staging))
        except Exception:
            self._dropped_quietly(list(staging.values()))
            raise

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        accept = N_TRIPLES if _makes_graph(sparql) else f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"
        response = self._query(sparql, accept, bindings=bindings, default_graphs=default_graphs)
        if _media(response) == RESULTS_JSON:
            return answer(_results(response.content))
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
        generation: int | None = None,
        names_graphs: bool = True,
        predeclared: Sequence[str] = (),
    ) -> tuple[str, bytes]:
        """A client's query, run by the engine (which is not this process) in the first format
        the client accepts for the query's kind; ``deadline``: seconds, then QueryDeadlineError;
        ``generation``: the store's, when the caller has just read it; ``names_graphs``: False
        for a query with no GRAPH pattern, which no named graph can change (the store's graphs
        are then not listed, nor its generation read); ``predeclared``: the predeclared
        prefixes it may need, declared in its text (:func:`_declaring`)."""
        ask = functools.partial(
            self._query,
            sparql,
            bindings=bindings,
            own_dataset=own_dataset,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            deadline=deadline,
            generation=generation,
            names_graphs=names_graphs,
            predeclared=predeclared,
        )
        try:
            return _answered(ask, sparql, results_format, graph_format, self._oxigraph is True)
        except QuerySyntaxError as refused:
            raise _as_written(sparql, predeclared, refused) from None

    def update(self, sparql: str) -> None:
        """One of rsikg's own updates (they name their graphs: the default graph of an update is
        the store's own, as on the embedded store), the merged graph brought up to date in the
        same request: a full pass over the store, for now (a diff, as the embedded store takes,
        is issue 14's next step)."""
        sparql_dataset.refuse_naming(sparql, MERGED_GRAPH, None, MERGED_GRAPH_IS_KEPT)
        text = sparql_dataset.written_out(sparql)
        self._update(f"{text}\n;\n{_resynced(self._not_ours)}")

    def named_graphs(self, generation: int | None = None) -> list[str]:
        """The store's named graphs, enumerated again whenever the store's generation moved
        (another replica may have made one): the generation is a point lookup, where
        enumerating the graphs took 80 ms on Oxigraph's server at 700k triples. ``generation``:
        the store's, when the caller has just read it."""
        generation = self.generation() if generation is None else generation
        if self._graphs is not None and self._graphs[0] == generation:
            return list(self._graphs[1])
        found = self._graph_names("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        if not found:
            # Virtuoso binds ?g to no graph for an empty pattern (SPARQL 1.1 binds it to each
            # named graph); its graphs are read from their triples then (an empty graph, which
            # Virtuoso does not keep anyway, cannot be found so)
            found = self._graph_names("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        self._graphs = (generation, found)
        return list(found)

    @property
    def _not_ours(self) -> list[str]:
        """The graphs no write of rsikg's reads into the merged graph."""
        return [MERGED_GRAPH, CONTROL, *self.endpoint.ignore_graphs]

    def _graph_names(self, query: str) -> list[str]:
        response = self._post(self.endpoint.query, {"query": query}, RESULTS_JSON, "query")
        ignored = set(self._not_ours)
        return sorted(
            s["g"].value
            for s in _solutions(response)
            if isinstance(s["g"], ox.NamedNode)
            and s["g"].value not in ignored
            and not s["g"].value.startswith(STAGING)
        )

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

        return await anyio.to_thread.run_sync(self.answer, request, abandon_on_cancel=True)

    def answer(self, request: QueryRequest, generation: int | None = None) -> QueryAnswer:
        """The engine's answer (blocking); ``generation``: the store's, read just before by
        the caller (not read again for the store's graphs)."""
        fmt, body = self.store.client_query(
            request.query,
            results_format=request.results_format,
            graph_format=request.graph_format,
            bindings=request.bindings,
            own_dataset=request.own_dataset,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            deadline=self.deadline,
            generation=generation,
            names_graphs=request.names_graphs,
            predeclared=request.predeclared,
        )
        truncated = False
        if fmt in MIN_ROW_BYTES:  # a SELECT's rows, cut at the server's cap as any answer is
            body, truncated = trim(body, fmt, self.max_rows)
        return QueryAnswer(body, fmt, truncated, None)


def _media(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def _results(content: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL JSON results, read by Oxigraph's parser. Virtuoso names blank nodes
    ``nodeID://b10005``, which is no blank node label (Oxigraph refuses it, row by row as the
    rows are read): results with a blank node get each label made a valid one first (the same
    label for the same node)."""
    if b'"bnode"' not in content:
        return ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)
    found = json.loads(content)
    for row in found.get("results", {}).get("bindings", []):
        for value in row.values():
            if value.get("type") == "bnode":
                value["value"] = re.sub(r"[^A-Za-z0-9_]", "_", value["value"])
    return ox.parse_query_results(json.dumps(found).encode(), format=ox.QueryResultsFormat.JSON)


def _answered(
    ask: Callable[[str], httpx.Response],
    sparql: str,
    results_format: str | None,
    graph_format: str | None,
    oxigraph: bool = False,
) -> tuple[str, bytes]:
    """The answer to ``sparql`` (``ask``: sends it with an Accept header) in the first format
    the client accepts for its kind; a SELECT's or an ASK's read as JSON and written here,
    except a SELECT's from Oxigraph's server (``oxigraph``), which the engine writes with the
    embedded store's own writer: passed on as it came (0.6 ms of a 100-row join's 7 ms)."""
    form = sparql_guard.inspect(sparql).form
    makes_graph = form in GRAPH_FORMS
    if results_format in WRITERS and not makes_graph:
        if oxigraph and form == "SELECT":
            response = ask(MEDIA[results_format])
            if _media(response) == MEDIA[results_format]:
                return results_format, response.content
        return results_format, _written(ask(RESULTS_JSON).content, results_format)
    kinds = (graph_format,) if graph_format and makes_graph else (results_format, graph_format)
    offered = [(fmt, MEDIA[fmt]) for fmt in kinds if fmt in MEDIA]
    if not offered:
        raise InputError("no format to answer in", Location("query"))
    response = ask(", ".join(f"{media};q={1 - i / 10:g}" for i, (_, media) in enumerate(offered)))
    media = _media(response)
    fmt = next((fmt for fmt, offered_media in offered if offered_media == media), offered[0][0])
    return fmt, response.content


def _located(sparql: str) -> QuerySyntaxError | None:
    """The syntax error in a client's query as Oxigraph's parser finds it, at its line and
    column, where the engine's message says neither (Virtuoso's); None where Oxigraph reads
    the query. A SELECT, CONSTRUCT or DESCRIBE is only read, never run (pyoxigraph runs it as
    its answer is iterated); an ASK, which pyoxigraph would run, is not tried."""
    if sparql_guard.inspect(sparql).form == "ASK":
        return None
    try:
        ox.Store().query(sparql, prefixes=PREDECLARED_NAMESPACES)
    except SyntaxError as own:
        return located_query_error(str(sparql_guard.explained(sparql, own)))
    except Exception:  # read, then failed to start: no syntax error
        return None
    return None


@functools.lru_cache(maxsize=64)
def _declarations(predeclared: tuple[str, ...]) -> str:
    """The prologue declaring ``predeclared`` on one line, made once for each set."""
    return prologue(((name, PREDECLARED_NAMESPACES[name]) for name in predeclared), one_line=True)


def _declaring(sparql: str, predeclared: Sequence[str]) -> tuple[str, int, int]:
    """``sparql`` with ``predeclared`` (prefixes it does not declare itself) declared where its
    own prologue ends, so that no name is declared twice and a ``BASE`` it begins with stays
    first (Virtuoso refuses a BASE after a PREFIX, which SPARQL 1.1 allows); on that line, so
    that every line stays the one the client wrote. Also: where they went and their length."""
    if not predeclared:
        return sparql, 0, 0
    found = spans(sparql)
    i = 0
    while i < len(found) and found[i][0] == "word" and found[i][1].upper() in ("PREFIX", "BASE"):
        i += 3 if found[i][1].upper() == "PREFIX" else 2
    at = found[i][2] if i < len(found) else len(sparql)
    declarations = _declarations(tuple(predeclared))
    return f"{sparql[:at]}{declarations}{sparql[at:]}", at, len(declarations)


def _as_written(sparql: str, predeclared: Sequence[str], refused: QuerySyntaxError) -> QuerySyntaxError:
    """The engine's syntax error in a client's query where the client wrote it: the column of
    one on the line rsikg declared the predeclared prefixes on (:func:`_declaring`) moved back;
    one that stands for a prefix the query does not declare naming it
    (:func:`rsikg.core.sparql_guard.undeclared_prefix`); where the engine's message gives no
    line (Virtuoso's), the error as Oxigraph's parser finds it (:func:`_located`)."""
    where = refused.location
    if where.line is None:
        found = _located(sparql)
        if found is not None:
            return found
        named = sparql_guard.undeclared_prefix(sparql) if "prefix" in refused.message.lower() else None
        return refused if named is None else located_query_error(str(named))
    line, column = where.line, where.column
    _text, at, length = _declaring(sparql, predeclared)
    if length and column is not None and line == sparql.count("\n", 0, at) + 1:
        start = at - sparql.rfind("\n", 0, at)  # the column the declarations began at
        column = column if column <= start else max(start, column - length)
    named = sparql_guard.undeclared_prefix(sparql, line, column)
    if named is not None:
        return located_query_error(str(named))
    if column == where.column:
        return refused
    return QuerySyntaxError(refused.message, Location(where.source, line, column, where.field))


def _written(content: bytes, fmt: str) -> bytes:
    """The engine's SPARQL JSON results written in ``fmt`` by Oxigraph's serialiser, as the
    embedded store writes them: the same answer whatever the engine (Virtuoso quoted CSV's
    header names, wrote TSV's without their ``?``, and added keys of a 2008 draft to JSON).
    Natively: rsikg's own writers took 1.9 ms for 100 rows of four IRIs, this 0.5-0.7 ms."""
    result = _results(content)
    if isinstance(result, ox.QueryBoolean):
        return write_boolean(bool(result), fmt)
    return result.serialize(format=OX_RESULTS[fmt]) or b""


def _solutions(response: httpx.Response) -> ox.QuerySolutions:
    """A SELECT's solutions from the engine's SPARQL JSON."""
    result = _results(response.content)
    if not isinstance(result, ox.QuerySolutions):
        raise StoreUnavailableError("the remote store answered a SELECT query with a boolean")
    return result


def _bound(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with its bindings as a VALUES block (the protocol has no substitution), each
    term from the builder: first in the query's WHERE group, so that the group's filters see
    them as they see the embedded store's substitutions (at the query's end, as rdflib's
    SPARQLStore puts them, a FILTER on ``?date`` saw it unbound and a named query of regions on
    a date answered none); at the end where the group has no such place."""
    if not bindings:
        return sparql
    names = sorted(bindings)
    block = values(names, [[bindings[name] for name in names]])
    at = sparql_dataset.where_opens(sparql)
    if at is None:
        return f"{sparql}\n{block}"
    return f"{sparql[:at]} {block}\n{sparql[at:]}"


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
        parts += _inserted([*quads, *in_merged], label)
    return " ;\n".join(parts)


BLANK_TEMPLATE_QUADS = 200
"""Quads of blank-node triples in one ``INSERT { … } WHERE {}`` at most, and in one request: a
source with more is staged (:meth:`RemoteStore._staged`). Virtuoso compiles a request to SQL and
refuses one past 10,000 lines ("The length of generated SQL text has exceeded 10000 lines of
code"), which the ontology's 700 blank-node quads passed, in one template or in several."""


def _inserted(quads: Sequence[ox.Quad], label: str) -> list[str]:
    """Update operations that insert ``quads``: one ``INSERT DATA`` of those without a blank
    node; those with one in ``INSERT { … } WHERE {}``, which means the same (one solution: one
    new node for each label), as Virtuoso refuses a blank node in INSERT DATA ("not allowed in a
    constant clause"), which SPARQL allows. A label names one node within one operation only, so
    the blank-node quads go in whole groups of quads that share blank nodes, BLANK_TEMPLATE_QUADS
    or so to an operation."""
    plain = [q for q in quads if not _has_blank(q)]
    if len(plain) == len(quads):
        return [insert_template(quad_blocks(_terms(quads, label)), data=True)]
    if len(quads) <= BLANK_TEMPLATE_QUADS:  # one operation (Virtuoso failed on INSERT DATA then a template)
        return [_template(quads, label)]
    operations = [insert_template(quad_blocks(_terms(plain, label)), data=True)] if plain else []
    chunk: list[ox.Quad] = []
    for group in _sharing_blank_nodes([q for q in quads if _has_blank(q)]):
        if chunk and len(chunk) + len(group) > BLANK_TEMPLATE_QUADS:
            operations.append(_template(chunk, label))
            chunk = []
        chunk += group
    if chunk:
        operations.append(_template(chunk, label))
    return operations


def _template(quads: Sequence[ox.Quad], label: str) -> str:
    """``INSERT { quads } WHERE {}``: one solution, so one new node for each blank node label."""
    return f"{insert_template(quad_blocks(_terms(quads, label)))} WHERE {{}}"


def _sharing_blank_nodes(quads: Sequence[ox.Quad]) -> list[list[ox.Quad]]:
    """``quads`` in groups: two quads that name the same blank node are in the same group."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def blanks(quad: ox.Quad) -> list[str]:
        return [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]

    for quad in quads:
        found = blanks(quad)
        for other in found[1:]:
            parent[root(other)] = root(found[0])
    groups: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        groups.setdefault(root(blanks(quad)[0]), []).append(quad)
    return list(groups.values())


GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


def _makes_graph(sparql: str) -> bool:
    """Whether the query is a CONSTRUCT or DESCRIBE: it is asked for a graph format alone, as
    Virtuoso answers one in SPARQL JSON results (rows ?s ?p ?o) when the Accept header offers
    that format too, rather than choosing by the query's form."""
    return sparql_guard.inspect(sparql).form in GRAPH_FORMS


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


def _moved_where(out: Mapping[str, str], into: Mapping[str, str], expected: int) -> list[str]:
    """Updates that remove from each graph what its staging graph in ``out`` holds and add to
    each what its staging graph in ``into`` holds, where the store is at generation ``expected``."""
    return [
        *(
            f"DELETE {{ {quad_blocks([(*SPO, graph)])} }} WHERE {{ "
            f"GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} }} "
            f"GRAPH {iri(stage)} {{ ?s ?p ?o }} }}"
            for graph, stage in out.items()
        ),
        *(
            f"INSERT {{ {quad_blocks([(*SPO, graph)])} }} WHERE {{ "
            f"GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} }} "
            f"GRAPH {iri(stage)} {{ ?s ?p ?o }} }}"
            for graph, stage in into.items()
        ),
    ]


SPO = (rdflib.Variable("s"), rdflib.Variable("p"), rdflib.Variable("o"))


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
    return [
        f"DELETE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} WHERE {{ "
        f"GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} }} "
        f"GRAPH {iri(graph)} {{ ?s ?p ?o }} FILTER (isBlank(?s) || isBlank(?o)) }}",
        f"DELETE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }} WHERE {{ "
        f"GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} }} "
        f"GRAPH {iri(graph)} {{ ?s ?p ?o }} }}",
    ]


def _newest(generations: Iterable[str]) -> int:
    """The store's generation from the values it holds: the greatest (two replicas writing a
    new store's first write at once may each have written a 0; see RemoteStore._counted)."""
    return max((int(v) for v in generations if v.isdigit()), default=0)


def _next_generation() -> str:
    """Updates that move the store's generation on by one (the store holds one: see
    :meth:`RemoteStore._counted`) and name a writer of their own, so that the generation and the
    writer name one state of the store, even after it was emptied and written again from 0.
    Apart, as Virtuoso 7.2 inserted nothing for an OPTIONAL after the BIND."""
    return (
        f"DELETE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} ?n }} }} "
        f"INSERT {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} ?next }} }} "
        f"WHERE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} ?n }} BIND (?n + 1 AS ?next) }} ;\n"
        f"DELETE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(WRITER)} ?w }} }} "
        f"WHERE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(WRITER)} ?w }} }} ;\n"
        f"INSERT DATA {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(WRITER)} {literal(uuid.uuid4().hex)} }} }}"
    )


def _conditional(
    old: Sequence[ox.Quad], new: Sequence[ox.Quad], expected: int, token: str, label: str
) -> str:
    """One DELETE/INSERT: ``old`` out, ``new`` in, the generation from ``expected`` to the next
    and the writer ``token``, all only where the generation is ``expected``."""
    return (
        f"DELETE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} . "
        f"{iri(STORE)} {iri(WRITER)} ?w }} {quad_blocks(_terms(old, label))} }} "
        f"INSERT {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} {integer(expected + 1)} . "
        f"{iri(STORE)} {iri(WRITER)} {literal(token)} }} {quad_blocks(_terms(new, label))} }} "
        f"WHERE {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(GENERATION)} {integer(expected)} }} "
        f"OPTIONAL {{ GRAPH {iri(CONTROL)} {{ {iri(STORE)} {iri(WRITER)} ?w }} }} }}"
    )


def _resynced(not_ours: Sequence[str]) -> str:
    """Updates that make the merged graph the union of every other graph again (but those in
    ``not_ours``: the merged graph itself, rsikg's control graph, the ones it is told to ignore)."""
    return (
        f"DELETE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} "
        f"WHERE {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} "
        f"{one_of('g', [URIRef(g) for g in not_ours], negated=True)} }} }} ;\n"
        f"INSERT {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }} "
        f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {one_of('g', [URIRef(g) for g in not_ours], negated=True)} }}"
    )


__all__ = ["Endpoint", "RemoteEngine", "RemoteStore", "is_description"]
