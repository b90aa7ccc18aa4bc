"""SHACL validation with pySHACL over in-memory rdflib graphs.

pySHACL is run on an in-memory extract, never on the store itself: measured here, pySHACL
over a pyoxigraph-backed graph took over 10 minutes on 70k triples, against 11 s in memory.
A report conforms when it has no Violation; Warnings and Infos are reported but do not fail.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import pyshacl
import rdflib
import rdflib.query
from rdflib.namespace import SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Identifier, Node

from ..errors import InputError, Location, display_path
from ..settings import Settings
from .loading import data_extract, data_graphs, load_files, project_files, shapes_files
from .namespaces import compact
from .store import GraphStore, open_store

SEVERITIES = ("Violation", "Warning", "Info")


class PreparedQueryProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, keeping each query it has parsed.

    pySHACL hands rdflib the text of a SPARQL-based constraint on every validation, and rdflib
    parses it each time: 18 parses took 0.28 s of a 0.46 s dry run of one decision. A parsed
    and translated query can be evaluated again with other bindings (rdflib's prepareQuery
    exists for that), so parsing once per text is enough. Used by :func:`validate_graph`
    through :func:`prepared`; rdflib's own processor stays the default for everything else.
    """

    @staticmethod
    @lru_cache(maxsize=512)
    def _prepared(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Query:
        return translateQuery(parseQuery(text), base, dict(namespaces))

    def query(  # type: ignore[override]
        self,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):  # rdflib's Graph.query passes the graph's prefixes as initNs
            namespaces = tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items()))
            strOrQuery = self._prepared(strOrQuery, base, namespaces)
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


class _PreparedGraph(rdflib.Graph):
    """A graph whose SPARQL queries go through :class:`PreparedQueryProcessor`.

    pySHACL calls ``query`` on the data graph it is given with rdflib's default processor, the
    plugin named "sparql". Registering the prepared processor under that name would change
    every query in the process (and did, at import, until issue 11); this graph swaps it in for
    its own queries only. Measured on the project data and violating.ttl: the same 119 of 125
    queries answered from the cache as with the plugin registered, in the same 0.40 s.
    """

    def query(
        self,
        query_object: str | Query,
        processor: str | rdflib.query.Processor = "sparql",
        result: str | type[rdflib.query.Result] = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> rdflib.query.Result:
        if processor == "sparql":
            processor = PreparedQueryProcessor(self)  # type: ignore[no-untyped-call]  # rdflib's __init__
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


def prepared(graph: rdflib.Graph) -> rdflib.Graph:
    """``graph``'s triples (the same store, nothing copied) as a graph whose SPARQL queries
    parse each text once. A dataset is returned as it is: a graph over its store would see
    only one of its graphs."""
    if type(graph) is not rdflib.Graph:
        return graph
    return _PreparedGraph(
        graph.store, graph.identifier, namespace_manager=graph.namespace_manager, base=graph.base
    )


T = TypeVar("T")
Triple = tuple[Node, Node, Node]


class PerShapesGraph(Generic[T]):
    """One ``make(shapes)`` per shapes graph, made on first use and kept for as long as the graph
    is (the service reads its shapes once, at start): for what is costly to derive from them."""

    def __init__(self, make: Callable[[rdflib.Graph], T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[rdflib.Graph, tuple[weakref.ref[rdflib.Graph], T]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def __call__(self, shapes: rdflib.Graph) -> T:
        with self._lock:
            made = self._made.get(shapes)
            # a weak dictionary compares keys by rdflib's equality (the graph's identifier): the
            # entry must also be this very graph
            if made is None or made[0]() is not shapes:
                made = (weakref.ref(shapes), self._make(shapes))
                self._made[shapes] = made
            return made[1]


class ShapesPool:
    """Copies of a shapes graph without its targets, each run adding its own targets to a copy
    no other run is using (taken from the pool and given back, its targets removed).

    A copy per run would cost too much: copying the shapes (966 triples) took 10-20 ms here,
    against a dry run's target of 50 ms, while adding and removing a run's targets takes well
    under one. Runs on several threads share nothing but the pool, which grows to the most
    runs at once."""

    def __init__(self, untargeted: rdflib.Graph) -> None:
        self._untargeted = untargeted
        self._idle: list[rdflib.Graph] = []  # list.pop and list.append are atomic

    @contextmanager
    def run(self, targets: Sequence[Triple]) -> Iterator[rdflib.Graph]:
        """The shapes with ``targets`` added, this run's alone."""
        try:
            graph = self._idle.pop()
        except IndexError:
            graph = rdflib.Graph()
            graph += self._untargeted
        for triple in targets:
            graph.add(triple)
        try:
            yield graph
        finally:
            for triple in targets:
                graph.remove(triple)
            self._idle.append(graph)


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, in plain values."""

    severity: str
    focus_node: Node | None
    path: Node | None
    value: Node | None
    messages: dict[str, str]
    source_shape: Node | None
    component: Node | None
    node: Node | None = field(default=None, compare=False, repr=False)  # in the report graph

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "focusNode": _json_term(self.focus_node),
            "path": _json_term(self.path),
            "value": _json_term(self.value),
            "message": self.messages,
            "sourceShape": _json_term(self.source_shape),
            "sourceConstraintComponent": _json_term(self.component),
        }


@dataclass
class ValidationReport:
    results: list[ValidationResult]
    graph: rdflib.Graph = field(repr=False)

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.severity for r in self.results)

    @property
    def conforms(self) -> bool:
        """True when nothing is a Violation."""
        return self.counts["Violation"] == 0

    def as_json(self) -> dict[str, object]:
        counts = self.counts
        return {
            "conforms": self.conforms,
            "violations": counts["Violation"],
            "warnings": counts["Warning"],
            "infos": counts["Info"],
            "results": [r.as_json() for r in self.results],
        }

    def restricted_to(self, focus_nodes: Iterable[Node]) -> ValidationReport:
        """The results on these focus nodes only, in the Turtle report too."""
        keep = set(focus_nodes)
        kept = [r for r in self.results if r.focus_node in keep]
        if len(kept) == len(self.results):
            return self
        graph = rdflib.Graph()
        graph += self.graph
        for r in self.results:
            if r.focus_node not in keep and r.node is not None:
                graph.remove((None, SH.result, r.node))
                _remove_tree(graph, r.node)
        conforms = all(r.severity != "Violation" for r in kept)
        for report in graph.subjects(SH.conforms, None):
            graph.set((report, SH.conforms, rdflib.Literal(conforms)))
        return ValidationReport(kept, graph)

    def to_json(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2)

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def to_text(self, lang: str = "en") -> str:
        counts = self.counts
        lines = [
            f"{'Conforms' if self.conforms else 'Does not conform'}: "
            f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), "
            f"{counts['Info']} info(s)"
        ]
        order = {s: i for i, s in enumerate(SEVERITIES)}
        for r in sorted(
            self.results, key=lambda r: (order.get(r.severity, 9), str(r.focus_node), str(r.source_shape))
        ):
            message = r.messages.get(lang) or next(iter(r.messages.values()), "")
            lines.append(f"{r.severity:9} {compact(r.focus_node)}")
            detail = [f"shape {compact(r.source_shape)}"]
            if r.path is not None:
                detail.append(f"path {compact(r.path)}")
            if r.value is not None:
                detail.append(f"value {compact(r.value)}")
            lines.append(f"          {message}")
            lines.append(f"          ({'; '.join(detail)})")
        return "\n".join(lines)


def _json_term(term: Node | None) -> str | None:
    return None if term is None else str(term)


def read_shapes(paths: Iterable[Path]) -> rdflib.Graph:
    """The shapes graph from shapes files."""
    shapes = rdflib.Graph()
    for path in paths:
        try:
            shapes.parse(path, format="turtle")
        except Exception as err:  # rdflib raises many kinds of parser errors
            raise InputError(f"shapes file does not parse: {err}", Location(display_path(path))) from None
    return shapes


_PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")


def _message_templates(shapes: rdflib.Graph) -> dict[Node, dict[str, str]]:
    """Each shape's sh:message templates by language, including those on its SPARQL
    constraints."""
    templates: dict[Node, dict[str, str]] = {}
    for shape, message in shapes.subject_objects(SH.message):
        owners = [shape, *shapes.subjects(SH.sparql, shape)]
        for owner in owners:
            lang = getattr(message, "language", None)
            if lang:
                templates.setdefault(owner, {}).setdefault(lang, str(message))
    return templates


_templates_of = PerShapesGraph(_message_templates)
"""The templates of a shapes graph, read once: 4 ms a report (a write's whole check is 30 ms).
A pool's copies differ from their graph in targets only, which hold no message."""


def _fill_languages(messages: dict[str, str], templates: dict[str, str]) -> dict[str, str]:
    """Give back the languages pySHACL drops.

    For a SPARQL-based constraint pySHACL reports one message with its {?var} placeholders
    filled in and without a language tag. The filled-in message is matched against each
    language's template to recover the values, which then fill the other templates.
    """
    untagged = messages.get("und")
    if untagged is None or not templates:
        return messages
    for template in templates.values():
        names = _PLACEHOLDER.findall(template)
        if len(set(names)) != len(names):  # a value that appears twice cannot be read back once
            continue
        pattern = "".join(
            "(.*?)" if i % 2 else re.escape(part) for i, part in enumerate(_PLACEHOLDER.split(template))
        )
        match = re.fullmatch(pattern, untagged, flags=re.DOTALL)
        if match is None:
            continue
        values = dict(zip(names, match.groups(), strict=True))

        def fill(placeholder: re.Match[str], values: dict[str, str] = values) -> str:
            return values.get(placeholder.group(1), placeholder.group(0))

        filled = {lang: _PLACEHOLDER.sub(fill, t) for lang, t in templates.items()}
        return {**filled, **{k: v for k, v in messages.items() if k != "und"}}
    return messages


def _remove_tree(graph: rdflib.Graph, node: Node) -> None:
    """Remove a node's triples and, depth first, those of the blank nodes it leads to."""
    for _s, _p, o in list(graph.triples((node, None, None))):
        graph.remove((node, _p, o))
        if isinstance(o, rdflib.BNode):
            _remove_tree(graph, o)


def read_report(report_graph: object, text: str, shapes: rdflib.Graph) -> ValidationReport:
    """What pySHACL returned, as a report; a ValidationFailure (a shape it cannot run) is an error."""
    if not isinstance(report_graph, rdflib.Graph):
        raise InputError(f"the shapes cannot be run: {text}", Location("shapes"))
    return ValidationReport(_read_results(report_graph, _templates_of(shapes)), report_graph)


def validate_graph(data: rdflib.Graph, shapes: rdflib.Graph) -> ValidationReport:
    """Validate ``data`` against ``shapes``. The data graph should include the ontology, so
    that sh:class and sh:targetClass follow rdfs:subClassOf."""
    _conforms, report_graph, text = pyshacl.validate(
        prepared(data),
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        inplace=True,  # no SHACL rules write to the data; without it pySHACL first copies the data graph
        allow_warnings=True,
        allow_infos=True,
    )
    return read_report(report_graph, text, shapes)


def _read_results(report: rdflib.Graph, templates: dict[Node, dict[str, str]]) -> list[ValidationResult]:
    results = []
    for node in report.objects(None, SH.result):
        severity = report.value(node, SH.resultSeverity)
        messages: dict[str, str] = {}
        for m in report.objects(node, SH.resultMessage):
            lang = getattr(m, "language", None) or "und"
            messages.setdefault(lang, str(m))
        shape = report.value(node, SH.sourceShape)
        filled = _fill_languages(messages, templates.get(shape, {}) if shape is not None else {})
        if filled is not messages:  # the Turtle report gets the tagged messages too
            report.remove((node, SH.resultMessage, None))
            for lang, text in filled.items():
                report.add((node, SH.resultMessage, rdflib.Literal(text, lang=lang)))
            messages = filled
        results.append(
            ValidationResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=report.value(node, SH.focusNode),
                path=report.value(node, SH.resultPath),
                value=report.value(node, SH.value),
                messages=messages,
                source_shape=shape,
                component=report.value(node, SH.sourceConstraintComponent),
                node=node,
            )
        )
    return results


def validation_data(store: GraphStore, settings: Settings, extra: Sequence[Path] = ()) -> rdflib.Graph:
    """The graph to validate: the store's data graphs, plus any extra files.

    When the store holds no data yet, the project's ontology and vocabularies stand in as the
    background, so that files can be checked before anything is loaded. Extra files are
    parsed by the store's parser, so a malformed one is reported with its line and column.
    """
    graphs = data_graphs(store)
    data = data_extract(store) if graphs else rdflib.Graph()
    if not graphs or extra:
        scratch = open_store(None)
        background: list[Path] = []
        if not graphs:
            background = [
                p
                for p in project_files(settings, empty_ok=True)  # an empty project: no background
                if p.parent in (settings.ontology_dir, settings.ontology_dir / "vocab")
            ]
        load_files(scratch, [*background, *extra], settings)
        data += scratch.to_rdflib()
    return data


def validate_store(store: GraphStore, settings: Settings, extra: Sequence[Path] = ()) -> ValidationReport:
    """Validate what is in the store (and any extra files) against the project's shapes."""
    data = validation_data(store, settings, extra)
    return validate_graph(data, read_shapes(shapes_files(settings)))
