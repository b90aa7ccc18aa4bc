"""What depends on what: a networkx MultiDiGraph built from the store, and the questions tools
ask of it (a neighbourhood, the transitive impact of an outage, cycles, critical systems, a path).

Nodes are the IRIs of systems, infrastructure services, organisations, fora and decisions, with
their Danish and English labels, their most specific class and the sectors they are in or used
in. Edges run from subject to object, one per statement of rsi:dependsOn, rsi:operatedBy,
rsi:systemManager, rsi:usedBy, rsi:governedBy or rsi:affects, each with its relation (the local
name) and its sources (the subject's dct:source documents). "Down" from a system follows the
edges out (what it depends on, who runs it); "up" follows them in (what depends on it).

Everything is breadth-first over adjacency dicts, so a chain thousands of links deep is no
problem (rdflib's property-path evaluator recurses and fails there).
"""

from __future__ import annotations

import difflib
import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, ItemsView, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import networkx as nx
from rdflib import URIRef

from ..errors import InputError, Location, QueryDeadlineError, RsikgError
from . import mergers, periods
from .derive import RULE_SECTION_126_OBLIGATIONS
from .namespaces import RSI, SPARQL_PREFIXES
from .sparql_terms import values, values_or_all
from .store import GraphStore

RELATIONS = ("dependsOn", "operatedBy", "systemManager", "usedBy", "governedBy", "affects")
DEPENDS_ON = "dependsOn"
DIRECTIONS = ("down", "up", "both")
MAX_DEPTH = 10
MAX_NODES = 5000
MIN_SAMPLES = 2
MAX_SAMPLES = 256
"""Sources a betweenness estimate may use. One gives no estimate for the source itself (0/0:
networkx answers NaN, which is no JSON); 256 is 8 times the default of 32 and about a minute
at 25,000 systems, beyond any query deadline, which stops it earlier anyway."""
BETWEENNESS_CHUNK = 4
"""Sources per chunk of the betweenness computation: the deadline and a client gone away are
checked between chunks (about 0.2 s each at 25,000 systems, with under 5% overhead)."""
MAX_PATH_ENTRIES = 200_000
"""An impact lists each dependent's whole path while the paths add up to no more than this many
steps; beyond, each keeps ``via``, the next step (a chain 1,000 deep would give gigabytes)."""
REGION = "rsi:Region"
HANDED_OVER = frozenset({"usedBy", "operatedBy", "systemManager"})
"""Relations to an organisation that pass to its successor when it merges into one."""
RULE_HANDOVER = str(RULE_SECTION_126_OBLIGATIONS)


Edges = Mapping[str, dict[str, object]]
"""The edges between two nodes of a MultiDiGraph: relation (the edge's key) → the edge's data."""


# The one place that reads networkx's private adjacency dicts. The public views give the same
# pairs, but wrap each neighbour's edges in a read-only AtlasView: one pass over the in-edges of
# every node took 428 ms through ``graph.pred[node]`` against 102 ms through ``graph._pred[node]``
# on a generated MultiDiGraph of 300,000 edges, and 831 against 190 ms on the dependency graph of
# the 25,000-system synthetic store (302,483 edges; timeit, best of 5, networkx 3.6). Through
# these functions it took 197 ms, and an impact of system/0 (24,999 dependents) 381 ms against
# 366 and 374 ms for two copies of the code reading ``_pred`` inline: the call is about noise.
def edges_out(graph: nx.MultiDiGraph, node: str) -> ItemsView[str, Edges]:
    """(neighbour, edges) for the edges out of ``node``; to read, not to change."""
    return cast("ItemsView[str, Edges]", graph._succ[node].items())  # networkx is unannotated


def edges_in(graph: nx.MultiDiGraph, node: str) -> ItemsView[str, Edges]:
    """(neighbour, edges) for the edges into ``node``; to read, not to change."""
    return cast("ItemsView[str, Edges]", graph._pred[node].items())


class NotInGraphError(RsikgError):
    """A node the dependency graph does not have; ``suggestions`` are the closest names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"the dependency graph has no node {name!r}{hint}")


class TooLargeError(InputError):
    """A neighbourhood with more nodes than the caller's bound (a smaller depth may fit)."""


def _successor_on(node: str, successors: dict[str, str], gone: set[str]) -> str | None:
    """The organisation ``node`` merged into, followed through later mergers to one that exists
    (is not in ``gone``); None when there is none."""
    seen = {node}
    current = successors.get(node)
    while current is not None and current in gone and current not in seen:
        seen.add(current)
        current = successors.get(current)
    return None if current is None or current in gone else current


class NotOnDayError(NotInGraphError):
    """A node the graph has, but not on the day asked about (it ceased, or begins later); the
    suggestion is its successor, where it has one."""

    def __init__(self, message: str, suggestions: list[str]) -> None:
        self.name = ""
        self.suggestions = suggestions
        RsikgError.__init__(self, message)


def hand_over(
    day: nx.MultiDiGraph,
    full: nx.MultiDiGraph,
    user: str,
    ceased: Mapping[str, str],
    add_edge: Callable[[str, str, str, dict[str, object]], object],
) -> None:
    """Give ``user`` (a node of ``day``) the edges it has in ``full`` to a region that ceased
    (``ceased``: original → successor) as derived edges to the successor, unless it has that
    edge itself; used by both originals of a merger, the edge names both."""
    for original, edges in edges_out(full, user):
        successor = ceased.get(original)
        if successor is None:
            continue
        for relation, data in edges.items():
            if relation not in HANDED_OVER:
                continue
            present = day.get_edge_data(user, successor, key=relation)
            if present is None:
                add_edge(
                    user,
                    successor,
                    relation,
                    {**data, "derived": True, "via": original, "rule": RULE_HANDOVER},
                )
            elif present.get("derived"):
                present["via"] = " ".join(sorted({*str(present["via"]).split(), original}))


class NoPathError(RsikgError):
    """Two nodes with no path between them along the chosen relations."""


@dataclass
class DependencyGraph:
    """The graph, and an index from the names people type to node IRIs."""

    graph: nx.MultiDiGraph
    built_seconds: float = 0.0
    names: dict[str, str] = field(default_factory=dict)  # lower-case local id or label → IRI
    successors: dict[str, str] = field(default_factory=dict)  # merged organisation → its result
    day: date | None = None  # the day this graph is as of (None: every period, as stored)
    ceased: dict[str, str] = field(default_factory=dict)  # on ``day``: a node gone → its successor
    full: DependencyGraph | None = field(default=None, repr=False)  # the graph this one is a day of
    claims: dict[str, set[tuple[int, str]]] = field(default_factory=dict, repr=False)  # name_claims()
    class_depth: dict[str, int] = field(default_factory=dict, repr=False)  # read_class_depth()
    _memo: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False)  # answers kept

    # -- finding nodes -----------------------------------------------------------------------

    def resolve(self, name: str) -> str:
        """A node from its IRI, its local id (``fmk``, ``system/fmk``) or its label."""
        if name in self.graph:
            return name
        found = self.names.get(name.strip().lower())
        if found is not None:
            return found
        if self.full is not None and self.day is not None:
            self._not_on_day(name)
        close = difflib.get_close_matches(name.strip().lower(), list(self.names), n=5, cutoff=0.6)
        raise NotInGraphError(name, list(dict.fromkeys(self._display(self.names[c]) for c in close)))

    def _not_on_day(self, name: str) -> None:
        """Raise if ``name`` is a node of the full graph that does not exist on this graph's day."""
        if self.full is None or self.day is None:
            return  # the full graph, not a day of it: every node is on it
        try:
            node = self.full.resolve(name)
        except NotInGraphError:
            return
        data = self.full.graph.nodes[node]
        period = f"{data.get('startDate', '…')} – {data.get('endDate', '…')}"
        successor = self.ceased.get(node)
        shown = [self._display(successor)] if successor else []
        then = f"; its successor is {shown[0]}" if shown else ""
        day = self.day.isoformat()
        raise NotOnDayError(
            f"{self.full._display(node)} does not exist on {day} (its period: {period}){then}", shown
        )

    def _display(self, node: str) -> str:
        data = self.graph.nodes[node]
        return f"{data.get('label') or node} ({local_id(node)})"

    # -- a day -------------------------------------------------------------------------------

    def as_of(self, day: date) -> DependencyGraph:
        """The graph as it is on ``day``: without what does not exist then (a node whose period
        does not hold), and with what a region that ceased in a merger used, operated or managed
        passed to the region it merged into (Overgangsloven § 126,
        rule:overgangsloven-126-forpligtelser): such an edge is marked ``derived`` and names the
        original (``via``). Kept for this graph, per day."""
        key = ("as_of", day)
        if key not in self._memo:
            self._memo[key] = self._as_of(day)
        return self._memo[key]  # type: ignore[return-value]

    def _as_of(self, day: date) -> DependencyGraph:
        nodes = self.graph.nodes
        gone = {
            n
            for n, data in nodes(data=True)
            if not periods.holds(data.get("startDate"), data.get("endDate"), day)
        }
        # a copy, since the hand-over edges are added to it (copy() then remove: 2 s at 300,000
        # edges, where building a graph from a filtered view took 6.7 s)
        graph = self.graph.copy()
        graph.remove_nodes_from(gone)
        graph.graph["asOf"] = day.isoformat()
        successors = self.successors
        ceased: dict[str, str] = {}
        for original in gone:
            successor = _successor_on(original, successors, gone)
            # § 126 speaks of the regions; where other organisations merged (Digital Sundhed
            # Danmark), no source says who takes their systems over, so nothing is handed over
            if successor is not None and successor in graph and nodes[original].get("type") == REGION:
                ceased[original] = successor
        users = {
            user for original in ceased for user, _edges in edges_in(self.graph, original) if user in graph
        }
        for user in sorted(users):
            hand_over(
                graph, self.graph, user, ceased, lambda u, v, key, data: graph.add_edge(u, v, key, **data)
            )
        names = {name: node for name, node in self.names.items() if node not in gone}
        return DependencyGraph(graph, 0.0, names, self.successors, day=day, ceased=ceased, full=self)

    # -- questions ---------------------------------------------------------------------------

    def neighbourhood(
        self,
        root: str,
        *,
        depth: int = 1,
        direction: str = "down",
        relations: Iterable[str] = RELATIONS,
        max_nodes: int = MAX_NODES,
    ) -> nx.MultiDiGraph:
        """The nodes within ``depth`` steps of ``root`` along ``relations``, and the edges
        among them of those relations."""
        return self._within(root, depth, direction, relations, max_nodes, fit=False)[0]

    def neighbourhood_that_fits(
        self, root: str, *, depth: int, direction: str, relations: Iterable[str], max_nodes: int
    ) -> tuple[nx.MultiDiGraph, int]:
        """:meth:`neighbourhood` at ``depth``, or, when that has more than ``max_nodes`` nodes,
        at the deepest depth below it that has not, in one walk; and the depth it is at."""
        return self._within(root, depth, direction, relations, max_nodes, fit=True)

    def _within(
        self, root: str, depth: int, direction: str, relations: Iterable[str], max_nodes: int, *, fit: bool
    ) -> tuple[nx.MultiDiGraph, int]:
        allowed = _relations(relations)
        if not 0 <= depth <= MAX_DEPTH:
            raise InputError(f"depth must be between 0 and {MAX_DEPTH}, not {depth}", Location(field="depth"))
        if direction not in DIRECTIONS:
            raise InputError(f"direction must be one of {', '.join(DIRECTIONS)}", Location(field="direction"))
        start = self.resolve(root)
        distance = {start: 0}
        frontier = [start]
        reached = 0
        for step in range(1, depth + 1):
            following = []
            for node in frontier:
                for neighbour in self._neighbours(node, direction, allowed):
                    if neighbour not in distance:
                        distance[neighbour] = step
                        following.append(neighbour)
                if len(distance) > max_nodes:
                    break
            if len(distance) > max_nodes:
                if not fit:
                    raise TooLargeError(
                        f"the answer would have more than {max_nodes} nodes; lower the depth "
                        "or narrow the relations",
                        Location(field="depth"),
                    )
                distance = {node: d for node, d in distance.items() if d < step}  # the last level that fit
                break
            frontier, reached = following, step
        sub = self._induced(distance, allowed)
        for node, d in distance.items():
            sub.nodes[node]["distance"] = d
        return sub, reached

    def whole(self, *, relations: Iterable[str] = RELATIONS, max_nodes: int = MAX_NODES) -> nx.MultiDiGraph:
        """Every node that has an edge of ``relations``, and those edges: the whole graph as a
        map draws it (a node with none of them would float alone)."""
        allowed = _relations(relations)
        touched = {
            node
            for u, v, relation in self.graph.edges(data="relation")
            if relation in allowed
            for node in (u, v)
        }
        if len(touched) > max_nodes:
            raise InputError(
                f"the whole graph has {len(touched)} nodes with these relations, more than {max_nodes}; "
                "give a root and a depth, or narrow the relations",
                Location(field="root"),
            )
        return self._induced(touched, allowed)

    def impact(self, root: str) -> Impact:
        """Everything that depends on ``root`` through rsi:dependsOn, at any depth, nearest
        first with its distance and one shortest path; and the regions and sectors that use
        ``root`` or any of them."""
        return self.impact_of([self.resolve(root)])

    def impact_of(self, roots: list[str]) -> Impact:
        """As :meth:`impact`, from several nodes at once (those not in the graph are skipped):
        a dependent's distance is to the nearest of them."""
        starts, order, parent, distance = self._dependents_of(roots)
        dependents = []
        full = sum(distance[node] + 1 for node in order) <= MAX_PATH_ENTRIES
        for node in order:
            path = [node]
            while full and (step := parent[path[-1]]) is not None:
                path.append(step)
            via = cast(str, parent[node])  # only a root has no parent, and roots are not in order
            dependents.append(Dependent(node, distance[node], via, path if full else []))
        regions, sectors = self._users([*starts, *order])
        return Impact(starts, dependents, regions, sectors, self)

    def impact_summary(self, root: str) -> tuple[int, list[str], list[str]]:
        """How many nodes depend on ``root`` at any depth, and the regions and sectors that use
        it or them: :meth:`impact` without the dependents' distances and paths (a page's summary;
        for a node with 20,000 dependents it takes a third of the time)."""
        starts, order, _, _ = self._dependents_of([self.resolve(root)])
        nodes = self.graph.nodes
        users: set[str] = set()
        sectors: set[str] = set()
        for system in [*starts, *order]:
            users.update(user for user, edges in edges_out(self.graph, system) if "usedBy" in edges)
            sectors.update(_split(nodes[system].get("sectors")))
        for user in users:
            sectors.update(_split(nodes[user].get("sectors")))
        return len(order), sorted(u for u in users if nodes[u].get("type") == REGION), sorted(sectors)

    def _dependents_of(
        self, roots: list[str]
    ) -> tuple[list[str], list[str], dict[str, str | None], dict[str, int]]:
        """A breadth-first walk up rsi:dependsOn from ``roots`` (those in the graph): the roots,
        the dependents nearest first, each one's parent on a shortest path, and its distance."""
        starts = [r for r in dict.fromkeys(roots) if r in self.graph]
        parent: dict[str, str | None] = dict.fromkeys(starts)
        distance = dict.fromkeys(starts, 0)
        queue = deque(starts)
        order = []
        while queue:
            node = queue.popleft()
            for user, edges in edges_in(self.graph, node):
                if user not in distance and DEPENDS_ON in edges:  # an edge's key is its relation
                    distance[user] = distance[node] + 1
                    parent[user] = node
                    order.append(user)
                    queue.append(user)
        return starts, order, parent, distance

    def _users(self, affected: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """The regions that use any of ``affected`` and the sectors they are used in, each with
        the affected systems it uses."""
        regions: dict[str, list[str]] = {}
        sectors: dict[str, list[str]] = {}
        for system in affected:
            for user, edges in edges_out(self.graph, system):
                if "usedBy" in edges:
                    if self.graph.nodes[user].get("type") == REGION:
                        regions.setdefault(user, []).append(system)
                    for sector in _split(self.graph.nodes[user].get("sectors")):
                        sectors.setdefault(sector, []).append(system)
            for sector in _split(self.graph.nodes[system].get("sectors")):
                sectors.setdefault(sector, []).append(system)
        return regions, {s: sorted(set(v)) for s, v in sectors.items()}

    def cycles(self, relations: Iterable[str] = (DEPENDS_ON,)) -> list[dict[str, object]]:
        """Each group of nodes that depend on each other (a strongly connected component with
        more than one node, or a node that depends on itself), with one cycle through it;
        remembered for this graph."""
        allowed = _relations(relations)
        key = ("cycles", *sorted(allowed))
        if key not in self._memo:
            self._memo[key] = self._cycles(allowed)
        return self._memo[key]  # type: ignore[return-value]

    def _cycles(self, allowed: set[str]) -> list[dict[str, object]]:
        view = self._simple(allowed)
        found = []
        for component in nx.strongly_connected_components(view):
            if len(component) == 1:
                (node,) = component
                if not view.has_edge(node, node):
                    continue
            cycle = nx.find_cycle(view.subgraph(component))
            found.append(
                {
                    "nodes": sorted(component),
                    "cycle": [str(u) for u, _v in cycle] + [str(cycle[0][0])],
                }
            )
        return sorted(found, key=lambda c: (-len(c["nodes"]), c["nodes"]))  # type: ignore[arg-type]

    def critical(
        self,
        *,
        top: int = 20,
        samples: int | None = None,
        deadline: float | None = None,
        cancel: threading.Event | None = None,
    ) -> dict[str, object]:
        """As :meth:`_critical`, remembered for this graph (betweenness is the slow part).
        The work stops with :class:`~rsikg.errors.QueryDeadlineError` after ``deadline`` seconds,
        or with :class:`Cancelled` once ``cancel`` is set (the client went away)."""
        if samples is not None and not MIN_SAMPLES <= samples <= MAX_SAMPLES:
            raise InputError(
                f"samples must be between {MIN_SAMPLES} and {MAX_SAMPLES} (the limit), not {samples}",
                Location(field="samples"),
            )
        key = ("critical", top, samples)
        if key not in self._memo:
            self._memo[key] = self._critical(top=top, samples=samples, check=_checker(deadline, cancel))
        return self._memo[key]  # type: ignore[return-value]

    def _critical(self, *, top: int, samples: int | None, check: Callable[[], None]) -> dict[str, object]:
        """Single points of failure in the dependency graph: its articulation points (taken
        undirected), and the nodes with the highest betweenness centrality. Betweenness is exact
        up to 2,000 nodes and estimated from ``samples`` (default 32: 6 s at 25,000 systems) sources
        beyond; the answer is kept until the graph changes."""
        view = self._simple({DEPENDS_ON})
        nodes = [n for n in view if view.degree(n)]
        core = view.subgraph(nodes)
        articulation = sorted(nx.articulation_points(core.to_undirected(as_view=True)))
        exact = samples is None and len(nodes) <= 2000
        k = None if exact else min(len(nodes), samples or 32)
        found = betweenness(core, k, check=check) if nodes else {}
        ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return {
            "articulationPoints": [node_json(self.graph, n) for n in articulation],
            "betweenness": [{**node_json(self.graph, n), "betweenness": round(b, 6)} for n, b in ranked],
            "betweennessSamples": k,
            "nodes": len(nodes),
        }

    def path(
        self, source: str, target: str, relations: Iterable[str] = RELATIONS, *, directed: bool = True
    ) -> nx.MultiDiGraph:
        """A shortest path from ``source`` to ``target`` along ``relations`` (following edge
        directions unless ``directed`` is False), as a graph."""
        allowed = _relations(relations)
        start, end = self.resolve(source), self.resolve(target)
        # a view, not a copy: a request touches only the nodes the search reaches
        view = nx.subgraph_view(self.graph, filter_edge=lambda _u, _v, key: key in allowed)
        try:
            nodes = nx.shortest_path(view if directed else view.to_undirected(as_view=True), start, end)
        except nx.NetworkXNoPath:
            raise NoPathError(
                f"no path from {local_id(start)} to {local_id(end)} along {', '.join(sorted(allowed))}"
                + ("" if not directed else "; try directed=false")
            ) from None
        sub = nx.MultiDiGraph()
        for i, node in enumerate(nodes):
            sub.add_node(node, **self.graph.nodes[node], distance=i)
        for a, b in itertools.pairwise(nodes):
            for u, v in ((a, b), (b, a)):
                for key, data in self.graph.get_edge_data(u, v, default={}).items():
                    if key in allowed:
                        sub.add_edge(u, v, key=key, **data)
        return sub

    # -- helpers -----------------------------------------------------------------------------

    def _neighbours(self, node: str, direction: str, allowed: set[str]) -> Iterator[str]:
        if direction in ("down", "both"):
            for other, edges in edges_out(self.graph, node):
                if not allowed.isdisjoint(edges):
                    yield other
        if direction in ("up", "both"):
            for other, edges in edges_in(self.graph, node):
                if not allowed.isdisjoint(edges):
                    yield other

    def _induced(self, nodes: Iterable[str], allowed: set[str]) -> nx.MultiDiGraph:
        keep = set(nodes)
        sub = nx.MultiDiGraph()
        for node in keep:
            sub.add_node(node, **self.graph.nodes[node])
        for node in keep:
            for other, edges in edges_out(self.graph, node):
                if other in keep:
                    for key, data in edges.items():
                        if key in allowed:  # an edge's key is its relation
                            sub.add_edge(node, other, key=key, **data)
        return sub

    def _simple(self, allowed: set[str]) -> nx.DiGraph:
        view = nx.DiGraph()
        view.add_nodes_from(self.graph.nodes)
        view.add_edges_from((u, v) for u, v, r in self.graph.edges(data="relation") if r in allowed)
        return view


@dataclass
class Dependent:
    node: str
    distance: int
    via: str  # the next node on one shortest path to the root, along rsi:dependsOn
    path: list[str]  # that whole path, from the dependent to the root; [] when paths are omitted


@dataclass
class Impact:
    roots: list[str]
    dependents: list[Dependent]
    regions: dict[str, list[str]]  # region → the affected systems it uses
    sectors: dict[str, list[str]]  # sector → the affected systems used in it
    source: DependencyGraph

    def as_json(self) -> dict[str, object]:
        g = self.source.graph
        return {
            "root": node_json(g, self.roots[0]) if len(self.roots) == 1 else None,
            "roots": [node_json(g, r) for r in self.roots],
            "dependents": [
                {
                    **node_json(g, d.node),
                    "distance": d.distance,
                    "via": d.via,
                    **({"path": d.path} if d.path else {}),
                }
                for d in self.dependents
            ],
            "pathsOmitted": any(not d.path for d in self.dependents),
            "regions": [{**node_json(g, r), "uses": sorted(s)} for r, s in sorted(self.regions.items())],
            "sectors": [{"iri": s, "systems": systems} for s, systems in sorted(self.sectors.items())],
        }

    def as_graph(self) -> nx.MultiDiGraph:
        """The root, what depends on it, and the regions using them, with the edges between."""
        nodes = {**dict.fromkeys(self.roots, 0), **{d.node: d.distance for d in self.dependents}}
        sub = self.source._induced([*nodes, *self.regions], {DEPENDS_ON, "usedBy"})
        for node, d in nodes.items():
            sub.nodes[node]["distance"] = d
        return sub


# -- betweenness, in chunks that can be stopped ---------------------------------------------


class Cancelled(RsikgError):
    """Work stopped because the client that asked for it went away."""


def _checker(deadline: float | None, cancel: threading.Event | None) -> Callable[[], None]:
    """A check to call between chunks of work: raises once past ``deadline`` seconds from now,
    or once ``cancel`` is set."""
    end = time.monotonic() + deadline if deadline is not None else None

    def check() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("the client went away; the computation was stopped")
        if end is not None and deadline is not None and time.monotonic() > end:
            raise QueryDeadlineError(deadline)

    return check


def betweenness(
    graph: nx.DiGraph, k: int | None = None, *, seed: int = 1, check: Callable[[], None] = lambda: None
) -> dict[str, float]:
    """``networkx.betweenness_centrality(graph, k, seed=seed)`` (normalised, endpoints left
    out), computed BETWEENNESS_CHUNK sources at a time with ``check()`` called before each
    chunk, so a deadline or a client gone away stops it between chunks. The sources are the
    ones networkx samples for the same seed; each chunk's raw path counts come from
    ``betweenness_centrality_subset`` (all nodes as targets: the same accumulation), and the
    sum is scaled as networkx 3.5+ scales an exact or a k-sample estimate."""
    nodes = list(graph)
    if k is not None and k >= len(nodes):
        k = None  # as networkx: every node a source is the exact answer
    sources = nodes if k is None else random.Random(seed).sample(nodes, k)  # noqa: S311 (a sample, no secret)
    total = dict.fromkeys(nodes, 0.0)
    for start in range(0, len(sources), BETWEENNESS_CHUNK):
        check()
        chunk = sources[start : start + BETWEENNESS_CHUNK]
        for node, value in nx.betweenness_centrality_subset(graph, chunk, nodes).items():
            total[node] += value
    return _rescaled(total, len(nodes), None if k is None else set(sources))


def _rescaled(raw: dict[str, float], n: int, sampled: set[str] | None) -> dict[str, float]:
    """Raw directed path counts normalised by the (s, t) pairs that could pass through a node,
    as networkx does: (n-1)(n-2) exactly; from k sources, k(n-2) for a node not sampled and
    (k-1)(n-2) for a sampled one (it cannot lie on its own paths). k >= 2, so never 0/0."""
    pairs = n - 1  # endpoints left out: a node is never the target of a path through it
    if pairs < 2:
        return raw
    if sampled is None:
        return {v: b / (pairs * (pairs - 1)) for v, b in raw.items()}
    k = len(sampled)
    return {v: b / ((k - 1 if v in sampled else k) * (pairs - 1)) for v, b in raw.items()}


def node_json(graph: nx.MultiDiGraph, node: str) -> dict[str, object]:
    data = graph.nodes[node]
    return {"iri": node, "id": local_id(node), "label": data.get("label"), "type": data.get("type")}


def local_id(iri: str) -> str:
    """``https://w3id.org/rsikg/id/system/fmk`` → ``system/fmk``."""
    marker = "/id/"
    return iri.split(marker, 1)[1] if marker in iri else iri


def _split(value: object) -> list[str]:
    return str(value).split() if value else []


def _relations(relations: Iterable[str]) -> set[str]:
    chosen = {r.strip() for r in relations if r.strip()}
    unknown = chosen - set(RELATIONS)
    if unknown or not chosen:
        raise InputError(
            f"unknown relation(s) {', '.join(sorted(unknown)) or '(none given)'}; use {', '.join(RELATIONS)}",
            Location(field="relations"),
        )
    return chosen


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


def _select(store: GraphStore, query: str) -> list[tuple[str | None, ...]]:
    return store.select_values(SPARQL_PREFIXES + query)


def build(store: GraphStore) -> DependencyGraph:
    """Read the graph's dependency relations into a MultiDiGraph (seconds at 700k triples)."""
    started = time.perf_counter()
    graph = nx.MultiDiGraph()
    for s, relation, o in read_edges(store):
        graph.add_edge(s, o, key=relation, relation=relation)
    graph.add_nodes_from(n for n in read_members(store) if n not in graph)
    depth = read_class_depth(store)
    read_attributes(store, graph, None, depth)
    successors = mergers.successors(store)
    claims = name_claims(graph)
    names = {name: name_holder(claimed) for name, claimed in claims.items()}
    return DependencyGraph(
        graph,
        time.perf_counter() - started,
        names,
        successors=successors,
        claims=claims,
        class_depth=depth,
    )


def _uris(nodes: Collection[str] | None) -> list[URIRef] | None:
    return None if nodes is None else [URIRef(n) for n in sorted(nodes)]


def read_edges(store: GraphStore, only: Collection[str] | None = None) -> Iterator[tuple[str, str, str]]:
    """(subject, relation, object) for each statement of the relations (of subjects ``only``,
    when given) whose object is an IRI. No DISTINCT (it doubled the time): a statement repeated
    in two files is one edge, as the relation is the edge's key."""
    rsi = str(RSI)
    for s, p, o in _select(
        store,
        f"SELECT ?s ?p ?o WHERE {{ {values_or_all('s', _uris(only))} "
        f"{values('p', [RSI[r] for r in RELATIONS])} ?s ?p ?o FILTER (isIRI(?o)) }}",
    ):
        if s is not None and p is not None and o is not None:
            yield s, p.removeprefix(rsi), o


def read_members(store: GraphStore, only: Collection[str] | None = None) -> set[str]:
    """Each system, organisation (fora among them) and decision (of ``only``, when given): a
    node even with no edge yet."""
    return {
        s
        for (s,) in _select(
            store,
            f"SELECT DISTINCT ?s WHERE {{ {values_or_all('s', _uris(only))} "
            "VALUES ?top { rsi:ITSystem org:Organization rsi:ArchitectureDecision } "
            "?s a/rdfs:subClassOf* ?top }",
        )
        if s is not None
    }


def read_class_depth(store: GraphStore) -> dict[str, int]:
    """How many superclasses each class has: the most specific of a node's classes has most.
    Counted here from the direct rdfs:subClassOf statements (an ontology's few hundred), not by
    ``?c rdfs:subClassOf+ ?sup``, which Virtuoso refuses with neither end given ("transitive
    start not given")."""
    hierarchy = nx.DiGraph()
    hierarchy.add_edges_from(
        (c, sup)
        for c, sup in _select(
            store, "SELECT DISTINCT ?c ?sup WHERE { ?c rdfs:subClassOf ?sup FILTER (isIRI(?sup)) }"
        )
        if c is not None and sup is not None and c != sup
    )
    return {c: len(nx.descendants(hierarchy, c)) for c in hierarchy if hierarchy.out_degree(c)}


def read_attributes(
    store: GraphStore, graph: nx.MultiDiGraph, only: Collection[str] | None, depth: Mapping[str, int]
) -> None:
    """What the nodes are (all, or those in ``only``, whose data is expected empty), each in one
    pass over its predicate; in this order, which is the order of the keys in a node's data (and
    so in the JSON answers). Then every node read gets its ``iri``, ``type`` and ``label``."""
    _read_sources(store, graph, only)
    _read_labels(store, graph, only)
    _read_classes(store, graph, only, depth)
    _read_sectors(store, graph, only)
    _read_periods(store, graph, only)
    for node in graph if only is None else only:
        _complete(node, graph.nodes[node])


def _read_sources(store: GraphStore, graph: nx.MultiDiGraph, only: Collection[str] | None) -> None:
    """Each edge's ``sources``: its subject's dct:source documents."""
    nodes = graph.nodes
    sources: dict[str, list[str]] = {}
    for s, src in _select(
        store, f"SELECT DISTINCT ?s ?src WHERE {{ {values_or_all('s', _uris(only))} ?s dct:source ?src }}"
    ):
        if s in nodes:
            sources.setdefault(str(s), []).append(str(src))
    for u, _v, data in graph.edges(only, data=True):
        # "sources", not "source": node-link and Cytoscape JSON use "source" for the edge's start
        data["sources"] = " ".join(sorted(sources.get(u, [])))


def _read_labels(store: GraphStore, graph: nx.MultiDiGraph, only: Collection[str] | None) -> None:
    """A node's ``label_da`` and ``label_en`` (the least of each, where it has several)."""
    nodes = graph.nodes
    for s, lang, label in _select(
        store,
        f"SELECT ?s ?lang (MIN(STR(?label)) AS ?l) WHERE {{ {values_or_all('s', _uris(only))} "
        '?s skos:prefLabel ?label BIND (LANG(?label) AS ?lang) FILTER (?lang IN ("da", "en")) } '
        "GROUP BY ?s ?lang ORDER BY ?lang",
    ):
        if s in nodes and label is not None:
            nodes[s][f"label_{lang}"] = label


def _read_classes(
    store: GraphStore, graph: nx.MultiDiGraph, only: Collection[str] | None, depth: Mapping[str, int]
) -> None:
    """A node's most specific class (the one with the most superclasses; of equals, the least
    IRI), as ``_class``."""
    nodes = graph.nodes
    for s, cls in _select(
        store,
        f"SELECT DISTINCT ?s ?c WHERE {{ {values_or_all('s', _uris(only))} ?s a ?c FILTER (isIRI(?c)) }}",
    ):
        if s in nodes and cls is not None:
            data = nodes[s]
            current = data.get("_class")
            if current is None or (-depth.get(cls, 0), cls) < (-depth.get(current, 0), current):
                data["_class"] = cls


def _read_sectors(store: GraphStore, graph: nx.MultiDiGraph, only: Collection[str] | None) -> None:
    """The sectors a node is in or used in, space-separated and sorted, as ``sectors``."""
    nodes = graph.nodes
    for s, sector in _select(
        store,
        f"SELECT DISTINCT ?s ?sector WHERE {{ {values_or_all('s', _uris(only))} "
        "{ ?s rsi:usedInSector ?sector } UNION { ?s rsi:inSector ?sector } }",
    ):
        if s in nodes:
            data = nodes[s]
            data["sectors"] = " ".join(sorted({*_split(data.get("sectors")), str(sector)}))


def _read_periods(store: GraphStore, graph: nx.MultiDiGraph, only: Collection[str] | None) -> None:
    """Each node's period (``startDate``/``endDate``, lexical forms, absent when open)."""
    nodes = graph.nodes
    found: dict[str, dict[str, str]] = {}
    for s, p, d in _select(
        store,
        f"SELECT ?s ?p ?d WHERE {{ {values_or_all('s', _uris(only))} "
        "VALUES ?p { rsi:startDate rsi:endDate } ?s ?p ?d }",
    ):
        if s is not None and s in nodes and p is not None and d is not None:
            key = p.removeprefix(str(RSI))
            current = found.setdefault(s, {}).get(key)
            # stated twice at two precisions: the earlier start, the later end
            if current is None or (d < current if key == "startDate" else d > current):
                found[s][key] = d
    for s, period in found.items():  # the start first, however they were read
        nodes[s].update((key, period[key]) for key in ("startDate", "endDate") if key in period)


def _complete(node: str, data: dict[str, object]) -> None:
    """Give a node its ``iri``, ``type`` and ``label`` (and empty labels and sectors where it
    has none)."""
    cls = data.pop("_class", "")
    data["iri"] = node
    data["type"] = _compact_class(str(cls))
    data["label"] = data.get("label_da") or data.get("label_en") or local_id(node)
    for key in ("label_da", "label_en", "sectors"):
        data.setdefault(key, "")


def node_names(node: str, data: Mapping[str, object]) -> list[tuple[str, int]]:
    """The names people type for a node, lower-case, each with its kind (its rank: a local id
    goes before a label)."""
    ident = local_id(node)
    found = (ident, ident.rsplit("/", 1)[-1], data.get("label_da"), data.get("label_en"))
    return [(str(name).lower(), kind) for kind, name in enumerate(found) if name]


def name_claims(graph: nx.MultiDiGraph) -> dict[str, set[tuple[int, str]]]:
    """For each name, the (kind, node) pairs that claim it. A name goes to its least claim:
    a local id before a last segment before a label, then the least IRI; so the index is the
    same however the nodes were read, and one write can update it."""
    claims: dict[str, set[tuple[int, str]]] = {}
    for node, data in graph.nodes(data=True):
        for name, kind in node_names(node, data):
            claims.setdefault(name, set()).add((kind, node))
    return claims


def name_holder(claimed: set[tuple[int, str]]) -> str:
    """The node a name goes to, of the (kind, node) pairs that claim it (see :func:`name_claims`)."""
    return min(claimed)[1]


def _compact_class(iri: str) -> str:
    for prefix, namespace in (("rsi", str(RSI)), ("org", "http://www.w3.org/ns/org#")):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
