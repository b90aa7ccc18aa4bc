"""What rsikg needs of a store: the :class:`GraphStore` interface and the values that cross it.

A backend (the embedded Oxigraph store in :mod:`.oxigraph` today; a remote SPARQL 1.1 store
later) implements :class:`GraphStore` and imports this module, never another backend. Terms
crossing the interface are rdflib terms, serialised answers are bytes, graphs are named by IRI
strings (:data:`DEFAULT_GRAPH` for the default graph).

Neither pyoxigraph nor rdflib is imported here at run time, so that a worker process that only
parses (it builds :class:`Source` values) starts without them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias

from ..formats import Format

if TYPE_CHECKING:
    import rdflib
    from rdflib.term import Node

DEFAULT_GRAPH = ""
"""The graph name that stands for the store's default graph (the Graph Store protocol's
``default``), as opposed to the named graphs files are loaded into."""

MERGED_GRAPH = "https://w3id.org/rsikg/graph/all"
"""The default graph a query reads, on the embedded store: every other graph merged, each triple
once, kept so by every write (:mod:`.merged`). Not one of the store's named graphs to its users:
a write that names it is refused."""
MERGED_GRAPH_IS_KEPT = (
    "the default graph queries read (every graph merged, kept by rsikg): it cannot be written; "
    "write to the graph the triples belong to"
)
"""Why a write that names :data:`MERGED_GRAPH` is refused."""


@dataclass(frozen=True)
class Source:
    """One RDF input to load: a file, or bytes with a name to report errors against."""

    name: str
    graph: str
    format: Format
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


QueryResult: TypeAlias = "SelectResult | bool | rdflib.Graph"
"""A SELECT's solutions, an ASK's answer, or a CONSTRUCT's or DESCRIBE's graph."""

ProgressCallback = Callable[[str, int, int], None]
"""Called as (phase, done, total) while loading; phase is 'parse' or 'write'."""


@dataclass(frozen=True)
class Changed:
    """What one write changed, as far as a cache built from the graph needs to know: the
    subject and predicate of every quad it removed or added (an IRI as its text, a blank node
    as ``_:label``). Enough to re-read what the write touched instead of everything."""

    statements: frozenset[tuple[str, str]]


MAX_NOTED_QUADS = 50_000
"""A write of more quads than this is logged as changed-unknown: a cache rebuilds after it
(re-reading that much piecemeal would cost more than reading everything)."""


class ChangeLog:
    """The last writes to a store, each under the mark (revision or generation) it moved the
    store to, with what it changed where that is known (None: a write whose effect only a
    full re-read can tell)."""

    KEPT = 64

    def __init__(self) -> None:
        self._entries: deque[tuple[int, Changed | None]] = deque(maxlen=self.KEPT)

    def note(self, mark: int, changed: Changed | None) -> None:
        self._entries.append((mark, changed))

    def since(self, mark: int, now: int) -> list[Changed] | None:
        """What every write after ``mark`` up to ``now`` changed, in order; None if any of them
        is unknown or not logged here (another process's write, or one too far back)."""
        found = {m: changed for m, changed in list(self._entries) if mark < m <= now}
        if len(found) != now - mark or any(changed is None for changed in found.values()):
            return None
        return [found[m] for m in range(mark + 1, now + 1)]  # type: ignore[misc]


class GraphStore(Protocol):
    """What rsikg needs of a store. Terms are rdflib terms; serialised results are bytes."""

    revision: int
    """Moves on after every write through this object: caches built from the graph compare it."""

    @property
    def identity(self) -> object:
        """A token made when this store object is opened, shared with no other: a cache keyed
        by it and :attr:`revision` never serves a later store (``id()`` of a store that is gone
        can be a new one's)."""
        ...

    def change_mark(self) -> int:
        """Where the store is now, for :meth:`changes_since` later (the revision of an
        embedded store; the generation of a remote one, which every replica's write moves)."""
        ...

    def changes_since(self, mark: int) -> tuple[int, list[Changed] | None]:
        """The store's mark now, and what each write since ``mark`` changed (None where that
        is unknown here: then re-read everything)."""
        ...

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
        """A client's query, run isolated: (the format used, the serialised answer);
        ``predeclared``: the predeclared prefixes it may need (namespaces.PREDECLARED)."""
        ...

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
