"""Reading proposed decisions and compliance statements: MADR Markdown, Turtle or JSON-LD in,
RDF in the rsikg ontology out.

A MADR record is YAML front matter plus Markdown sections (https://adr.github.io/madr/). The
front matter's keys map to properties (:data:`DECISION_KEYS`); the sections "Context and Problem
Statement", "Decision Outcome" and "Consequences" (or their Danish names) become rsi:context,
rsi:decisionOutcome and rsi:consequences. A key rsikg does not know, a section that is missing or
empty, or YAML that does not parse is an :class:`~api.errors.InputError` naming the key or
section and its line; everything found wrong is reported at once.

Values that name things (affects, supersedes, ...) are a full IRI, ``kind:slug`` or a bare
slug, which is read as ``https://w3id.org/rsikg/id/<kind>/<slug>`` with the key's kind. Whether
the thing exists, and is what the key needs, is for the SHACL shapes to say, not the reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rdflib.term import Node, URIRef

from api.core import sparql_terms
from api.core.decisions import vocabulary
from api.core.namespaces import ID, RSI
from api.core.store import Source, open_store, rdf_format, rdf_format_for_path
from api.errors import InputError, Location, display_path

DECISION_STATUS = "https://w3id.org/rsikg/id/vocab/decision-status/"
DECISION_KIND = "https://w3id.org/rsikg/id/vocab/decision-kinds/"
COMPLIANCE_STATUS = "https://w3id.org/rsikg/id/vocab/compliance-status/"
CANDIDATE_GRAPH = "https://w3id.org/rsikg/graph/candidate"

MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "ntriples"}
"""The RDF a record may come as: media type → the store's format name."""
MEDIA_TYPES = (*MARKDOWN_TYPES, *RDF_TYPES)

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_REF = re.compile(r"^(?P<kind>[a-z][a-z0-9-]*):(?P<slug>[A-Za-z0-9][A-Za-z0-9._-]*)$")


class RecordError(InputError):
    """A record that cannot be read; ``problems`` holds each thing found wrong, located."""

    def __init__(self, problems: Sequence[InputError]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first.message + more, first.location)


@dataclass
class Candidate:
    """Proposed records as RDF, with what they were read from."""

    graph: rdflib.Graph
    decisions: list[URIRef] = field(default_factory=list)
    statements: list[URIRef] = field(default_factory=list)
    inputs: list[RecordInput] = field(default_factory=list)

    @property
    def records(self) -> list[URIRef]:
        return [*self.decisions, *self.statements]

    def subjects(self) -> set[URIRef]:
        """Every IRI the candidate describes (records, and the sources it defines with them)."""
        return {s for s in self.graph.subjects() if isinstance(s, URIRef)}


@dataclass(frozen=True)
class RecordInput:
    """One input as it was given: kept for the provenance of an adopted record."""

    name: str
    media_type: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Front-matter keys
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A front-matter key: the property it fills and how its value is read."""

    predicate: URIRef | None
    read: str  # "text", "date", "ref", "refs", "bool", "lang", "id"
    kind: str = ""  # for refs: the id kind of a bare slug (system, decision, ...)
    namespace: str = ""  # for vocabulary values: the scheme's namespace


DECISION_KEYS: dict[str, Key] = {
    "id": Key(None, "id"),
    "title": Key(DCTERMS.title, "text"),
    "title-en": Key(DCTERMS.title, "text-en"),
    "status": Key(RSI.status, "vocab", namespace=DECISION_STATUS),
    "date": Key(DCTERMS.date, "date"),
    "decided-by": Key(RSI.decidedBy, "refs", "forum"),
    "deciders": Key(RSI.decidedBy, "refs", "forum"),
    "decision-makers": Key(RSI.decidedBy, "refs", "forum"),
    "kind": Key(RSI.decisionKind, "vocab", namespace=DECISION_KIND),
    "affects": Key(RSI.affects, "refs", "system"),
    "supersedes": Key(RSI.supersedes, "refs", "decision"),
    "applies-to": Key(RSI.appliesTo, "refs", "region"),
    "principles": Key(RSI.basedOnPrinciple, "refs", "principle"),
    "standards": Key(RSI.usesStandard, "refs", "standard"),
    "prescribes": Key(RSI.prescribes, "refs", "system"),
    "prescribes-vendor": Key(RSI.prescribesVendor, "refs", "org"),
    "source": Key(DCTERMS.source, "refs", "source"),
    "lang": Key(None, "lang"),
    "illustrative": Key(RSI.illustrative, "bool"),
}
"""The front matter of a decision record. ``title-en`` gives the English title beside the
record's own language (``lang``, Danish by default). ``deciders`` and ``decision-makers`` are MADR's own
names for ``decided-by``; here the decider is the forum that took the decision."""

STATEMENT_KEYS: dict[str, Key] = {
    "id": Key(None, "id"),
    "decision": Key(RSI.complianceOf, "refs", "decision"),
    "region": Key(RSI.statedBy, "refs", "region"),
    "status": Key(RSI.complianceStatus, "vocab", namespace=COMPLIANCE_STATUS),
    "date": Key(DCTERMS.date, "date"),
    "source": Key(DCTERMS.source, "refs", "source"),
    "lang": Key(None, "lang"),
    "illustrative": Key(RSI.illustrative, "bool"),
}
"""The front matter of a comply-or-explain statement."""

DECISION_SECTIONS: dict[URIRef, tuple[str, ...]] = {
    RSI.context: ("Context and Problem Statement", "Context", "Kontekst og problemformulering", "Kontekst"),
    RSI.decisionOutcome: ("Decision Outcome", "Beslutning", "Beslutningens udfald"),
    RSI.consequences: ("Consequences", "Konsekvenser"),
}
"""The sections a decision record must have, by the property each fills (first name is MADR's)."""

STATEMENT_SECTIONS: dict[URIRef, tuple[str, ...]] = {
    RSI.explanation: ("Explanation", "Forklaring"),
}
"""A statement's optional section: the explanation a deviating region gives."""


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def media_type_for_path(path: Path) -> str:
    if path.suffix.lower() in (".md", ".markdown"):
        return "text/markdown"
    return rdf_format_for_path(path).media_type


def read_files(paths: Sequence[Path], *, statements: bool = False) -> Candidate:
    """Read record files (Markdown by extension .md, else RDF by extension) as one candidate."""
    candidate = Candidate(rdflib.Graph())
    for path in paths:
        if not path.is_file():
            raise InputError("no such file", Location(display_path(path)))
        data = path.read_bytes()
        part = read_record(data, media_type_for_path(path), display_path(path), statements=statements)
        _merge(candidate, part)
    return candidate


def read_record(data: bytes, media_type: str, name: str, *, statements: bool = False) -> Candidate:
    """Read one record from bytes of the given media type (parameters such as charset ignored)."""
    base = media_type.split(";", 1)[0].strip().lower()
    if len(data) > MAX_RECORD_BYTES:
        raise InputError(
            f"the record is {len(data)} bytes, more than the limit of {MAX_RECORD_BYTES} bytes (1 MiB) "
            "for one record",
            Location(name),
        )
    if not data.strip():
        raise InputError("the record is empty", Location(name))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"the record is not UTF-8 ({err.reason} at byte {err.start})", Location(name)
        ) from None
    if base in MARKDOWN_TYPES:
        _refuse_control_characters(text, name)
        graph, record = _read_markdown(text, name, statements=statements)
        candidate = Candidate(graph)
        (candidate.statements if statements else candidate.decisions).append(record)
    else:
        candidate = _read_rdf(data, base, name)
        if statements and candidate.decisions:
            raise InputError(
                "this takes comply-or-explain statements (rsi:ComplianceStatement), but the input "
                "describes a decision; send decisions to /decisions",
                Location(name),
            )
        if not statements and candidate.statements and not candidate.decisions:
            raise InputError(
                "this takes decisions (rsi:ArchitectureDecision); send comply-or-explain "
                "statements to /compliance",
                Location(name),
            )
    candidate.inputs.append(RecordInput(name, base, text))
    return candidate


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(text: str, name: str) -> None:
    """A record is text: a NUL or another control character would be turned into U+FFFD by
    the Markdown reader and stored as something the author did not write."""
    found = _CONTROL.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise InputError(
            f"the record holds the control character U+{ord(found.group()):04X}, which a text record may not",
            Location(name, line, column),
        )


def _merge(into: Candidate, part: Candidate) -> None:
    into.graph += part.graph
    into.decisions += [d for d in part.decisions if d not in into.decisions]
    into.statements += [s for s in part.statements if s not in into.statements]
    into.inputs += part.inputs


# --------------------------------------------------------------------------------------------
# RDF
# --------------------------------------------------------------------------------------------


def _read_rdf(data: bytes, media_type: str, name: str) -> Candidate:
    if media_type not in RDF_TYPES:
        raise InputError(
            f"cannot read {media_type or 'a body without a Content-Type'}; send one of "
            f"{', '.join(MEDIA_TYPES)}",
            Location(name, field="Content-Type"),
        )
    scratch = open_store(None)
    # the store's parser reports the line and column of a syntax error
    scratch.load(
        [Source(name=name, graph=CANDIDATE_GRAPH, format=rdf_format(RDF_TYPES[media_type]), data=data)]
    )
    graph = scratch.to_rdflib()
    decisions = _typed(graph, RSI.ArchitectureDecision, name)
    statements = _typed(graph, RSI.ComplianceStatement, name)
    if not decisions and not statements:
        raise InputError(
            "the input describes no rsi:ArchitectureDecision and no rsi:ComplianceStatement",
            Location(name),
        )
    return Candidate(graph, decisions, statements)


def _typed(graph: rdflib.Graph, cls: URIRef, name: str) -> list[URIRef]:
    found: list[URIRef] = []
    for node in graph.subjects(RDF.type, cls):
        if not isinstance(node, URIRef):
            raise InputError(
                f"a {cls.removeprefix(str(RSI))} must have an IRI, not a blank node, so that it "
                "can be referred to and revised",
                Location(name),
            )
        found.append(node)
    return sorted(found)


# --------------------------------------------------------------------------------------------
# Limits: what a record may be, checked before any work is done on it
# --------------------------------------------------------------------------------------------

MAX_RECORD_BYTES = 1 << 20
"""1 MiB per record. The largest example record is 1.5 KB and a long real one a few tens of KB;
within 1 MiB the YAML reader (pure Python, about 1 s per MiB of scalars) and the Markdown
parser stay around a second. The HTTP body limit (10 MiB) is for the Graph Store's graphs."""

MAX_LIST_ITEMS = 1000
"""Items in one front-matter list (``affects:``, ``applies-to:``, ...), and keys in one
mapping. A decision names a handful of systems or regions; 1,000 is far beyond any real one,
yet bounds the triples a record adds, and so the SHACL check of the candidate (200,000 items
ran over 300 s before this limit). A decision touching more systems names a group of them."""

MAX_FRONT_MATTER_VALUES = 10_000
"""Values in the whole front matter (every key, list item and scalar): about 0.3 s of YAML."""

MAX_FRONT_MATTER_DEPTH = 10
"""Nesting of lists and mappings; a record needs two (keys → a list). The YAML composer
recurses per level, so a deep nesting would otherwise exhaust the stack."""


class _Refused(yaml.MarkedYAMLError):
    """Front matter that parses but is refused (a limit, an alias, a duplicate key)."""

    def __init__(
        self,
        problem: str,
        mark: yaml.Mark | None,
        *,
        field: str | None = None,
        first: yaml.Mark | None = None,
    ) -> None:
        super().__init__(problem=problem, problem_mark=mark, context_mark=first)
        self.field = field


class _RecordLoader(yaml.SafeLoader):
    """YAML for a record's front matter: the safe loader, refusing anchors and aliases (a record
    needs none, and seven levels of them made a 1.7 KB record a 702 MB answer), duplicate keys
    (the last one would silently win), and lists, mappings and nesting past the limits above.
    The checks run while the document is composed, so an oversized list stops at its limit."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._values = 0
        self._keys: list[str] = []  # per level being composed, the top-level key it is under
        self._under: dict[int, str] = {}  # id of each mapping node → the top-level key it is under

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as err:  # e.g. an integer of more than 4,300 digits, a date out of range
            raise _Refused(f"the value cannot be read ({err})", node.start_mark) from None

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # index: a list item's position, a mapping value's key node, or None for a key
        # errors name the top-level key a value is under (the root and its keys have none)
        if len(self._keys) == 1 and isinstance(index, yaml.ScalarNode):
            field = str(index.value)
        else:
            field = self._keys[-1] if self._keys else ""
        event = self.peek_event()
        problem = self._refusal(event, parent, index)
        if problem:
            raise _Refused(problem, event.start_mark, field=field or None)
        self._keys.append(field)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._keys.pop()
        if isinstance(node, yaml.MappingNode):
            self._under[id(node)] = field
        return node

    def _refusal(self, event: yaml.Event, parent: yaml.Node | None, index: Any) -> str:
        """Why the node ``event`` starts is refused, or ""."""
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            return "anchors and aliases (&name, *name) are not allowed in a record"
        self._values += 1
        if self._values > MAX_FRONT_MATTER_VALUES:
            return f"more than {MAX_FRONT_MATTER_VALUES} values (the limit)"
        if len(self._keys) >= MAX_FRONT_MATTER_DEPTH:
            return f"nested deeper than {MAX_FRONT_MATTER_DEPTH} levels (the limit)"
        if isinstance(parent, yaml.SequenceNode) and isinstance(index, int) and index >= MAX_LIST_ITEMS:
            return f"a list of more than {MAX_LIST_ITEMS} items (the limit)"
        if isinstance(parent, yaml.MappingNode) and index is None and len(parent.value) >= MAX_LIST_ITEMS:
            return f"more than {MAX_LIST_ITEMS} keys in one mapping (the limit)"
        return ""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Hashable, yaml.Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: the safe constructor says so
            if first is not key_node:
                raise _Refused(
                    f"duplicate key {key!r}: a key may be given once",
                    key_node.start_mark,
                    field=self._under.get(id(node)) or str(key),
                    first=first.start_mark,
                )
        return super().construct_mapping(node, deep)


# --------------------------------------------------------------------------------------------
# MADR Markdown
# --------------------------------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark").use(front_matter_plugin)


@dataclass
class _Section:
    title: str
    line: int  # 1-based line of the heading
    level: int
    text: str


def _read_markdown(text: str, name: str, *, statements: bool) -> tuple[rdflib.Graph, URIRef]:
    tokens = _MARKDOWN.parse(text)
    lines = text.splitlines()
    problems: list[InputError] = []
    front = next((t for t in tokens if t.type == "front_matter"), None)
    if front is None:
        raise RecordError(
            [
                InputError(
                    "no YAML front matter: a record starts with a line '---', its keys "
                    "(id, title, status, ...), and another '---'",
                    Location(name, line=1),
                )
            ]
        )
    fields = _front_matter(front.content, name, problems)
    headings = [(i, t) for i, t in enumerate(tokens) if t.type == "heading_open" and t.map is not None]
    sections: list[_Section] = []
    for n, (i, token) in enumerate(headings):
        assert token.map is not None
        start = token.map[1]
        end = headings[n + 1][1].map[0] if n + 1 < len(headings) else len(lines)  # type: ignore[index]
        body = "\n".join(lines[start:end]).strip()
        sections.append(_Section(tokens[i + 1].content.strip(), token.map[0] + 1, int(token.tag[1:]), body))

    keys = STATEMENT_KEYS if statements else DECISION_KEYS
    kind = "compliance" if statements else "decision"
    for key, (_value, line) in fields.items():
        if key not in keys:
            problems.append(
                InputError(
                    f"unknown front-matter key {key!r}; the keys of a {kind} record are {', '.join(keys)}",
                    Location(name, line=line, field=key),
                )
            )
    lang = _language(fields, name, problems)
    record = _record_iri(fields, name, problems, statements=statements)

    graph = rdflib.Graph()
    wanted = STATEMENT_SECTIONS if statements else DECISION_SECTIONS
    found: dict[URIRef, _Section] = {}
    for predicate, names in wanted.items():
        section = next((s for s in sections if s.title.lower() in {n.lower() for n in names}), None)
        if section is None:
            if not statements:
                problems.append(
                    InputError(
                        f"missing section {names[0]!r}: add a heading '## {names[0]}' with its text "
                        f"(or {', '.join(repr(n) for n in names[1:])})",
                        Location(name, line=len(lines) + 1, field=names[0]),
                    )
                )
            continue
        if not section.text:
            problems.append(
                InputError(
                    f"section {section.title!r} is empty",
                    Location(name, line=section.line, field=section.title),
                )
            )
            continue
        found[predicate] = section
    if problems or record is None:
        raise RecordError(problems)

    for key, (value, line) in fields.items():
        spec = keys[key]
        if spec.predicate is None:
            continue
        for obj in _values(spec, value, lang, Location(name, line=line, field=key), problems):
            graph.add((record, spec.predicate, obj))
    if problems:
        raise RecordError(problems)
    for predicate, section in found.items():
        graph.add((record, predicate, rdflib.Literal(section.text, lang=lang)))

    if statements:
        _describe_statement(graph, record, fields, lang)
    else:
        title = next(
            (t for t in graph.objects(record, DCTERMS.title) if getattr(t, "language", None) == lang), None
        )
        if title is None:  # MADR puts the title in the first heading
            h1 = next((s for s in sections if s.level == 1), None)
            if h1 is not None:
                title = rdflib.Literal(h1.title, lang=lang)
                graph.add((record, DCTERMS.title, title))
        graph.add((record, RDF.type, RSI.ArchitectureDecision))
        for label in graph.objects(record, DCTERMS.title):  # a label per language, as the shapes ask
            if isinstance(label, rdflib.Literal):
                graph.add((record, SKOS.prefLabel, label))
    _add_record_source(graph, record, fields, statements=statements)
    return graph, record


def _front_matter(content: str, name: str, problems: list[InputError]) -> dict[str, tuple[object, int]]:
    """The front matter's top-level keys, each with its value and 1-based line in the file."""
    loader = _RecordLoader(content)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        raise RecordError([_yaml_problem(err, name)]) from None
    finally:
        loader.dispose()
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise RecordError(
            [InputError("the front matter must be YAML keys and values (key: value)", Location(name, line=2))]
        )
    lines = {k.value: k.start_mark.line + 2 for k, _v in node.value if isinstance(k, yaml.ScalarNode)}
    return {str(k): (v, lines.get(str(k), 2)) for k, v in data.items()}


def _yaml_problem(err: yaml.MarkedYAMLError, name: str) -> InputError:
    """A YAML error as a located problem; lines count the file's, past the opening '---'."""
    mark = err.problem_mark or err.context_mark
    line = mark.line + 2 if mark is not None else 2  # +1 for the opening '---', +1 to count from 1
    column = mark.column + 1 if mark is not None else None
    if isinstance(err, _Refused):
        first = f" (first at line {err.context_mark.line + 2})" if err.context_mark is not None else ""
        return InputError(
            f"the front matter is refused: {err.problem}{first}", Location(name, line, column, err.field)
        )
    return InputError(f"the YAML front matter does not parse: {err.problem}", Location(name, line, column))


def _language(fields: dict[str, tuple[object, int]], name: str, problems: list[InputError]) -> str:
    value, line = fields.get("lang", ("da", 0))
    if value not in ("da", "en"):
        problems.append(
            InputError(f"lang must be da or en, not {value!r}", Location(name, line=line, field="lang"))
        )
        return "da"
    return str(value)


def _record_iri(
    fields: dict[str, tuple[object, int]], name: str, problems: list[InputError], *, statements: bool
) -> URIRef | None:
    kind = "compliance" if statements else "decision"
    if "id" not in fields:
        if statements and "decision" in fields and "region" in fields:
            decision, region = (
                str(fields[k][0]).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in ("decision", "region")
            )
            return ID[f"{kind}/{decision}-{region}"]
        problems.append(
            InputError(
                "the front matter has no id (e.g. id: adr-0007-fhir-til-nye-snitflader)",
                Location(name, line=2, field="id"),
            )
        )
        return None
    value, line = fields["id"]
    slug = str(value)
    if not _SLUG.match(slug):
        problems.append(
            InputError(
                f"id {slug!r} must be a slug: letters, digits, '.', '_' and '-', "
                "starting with a letter or digit",
                Location(name, line=line, field="id"),
            )
        )
        return None
    return ID[f"{kind}/{slug}"]


def _values(spec: Key, value: object, lang: str, where: Location, problems: list[InputError]) -> list[Node]:
    def fail(message: str) -> list[Node]:
        problems.append(InputError(message, where))
        return []

    if spec.read in ("text", "text-en"):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            return fail(f"{where.field} must be a text")
        return [rdflib.Literal(str(value), lang="en" if spec.read == "text-en" else lang)]
    if spec.read == "date":
        if isinstance(value, dt.date):
            return [rdflib.Literal(value.isoformat(), datatype=XSD.date)]
        # not a date: kept as it is, so that the shapes report it (rsish:DecisionDateShape)
        return [rdflib.Literal(str(value))]
    if spec.read == "bool":
        if not isinstance(value, bool):
            return fail(f"{where.field} must be true or false")
        return [rdflib.Literal(value)]
    if spec.read == "vocab":
        # Checked here, not left to the shapes: the word becomes an IRI that queries are built
        # from, so only the vocabulary's own words get that far.
        allowed = ", ".join(vocabulary.words(spec.namespace))
        if not isinstance(value, str) or not value.strip():
            return fail(f"{where.field} must be a word from its vocabulary: one of {allowed}")
        concept = vocabulary.concept(spec.namespace, re.sub(r"\s+", "-", value.strip().lower()))
        if concept is None:
            return fail(f"{where.field}: {value[:80]!r} is not a word of its vocabulary; use {allowed}")
        return [concept]
    if spec.read == "refs":
        items = value if isinstance(value, list) else [value]
        refs: list[Node] = []
        for item in items:
            ref = _reference(item, spec.kind)
            if ref is None:
                return fail(
                    f"{where.field}: {item!r} is not an IRI, a kind:slug or a slug "
                    f"(e.g. {spec.kind}:some-name)"
                )
            refs.append(ref)
        return refs
    raise AssertionError(spec.read)


def _reference(item: object, kind: str) -> URIRef | None:
    if not isinstance(item, str):
        return None
    item = item.strip()
    if item.startswith(("http://", "https://", "urn:")) and sparql_terms.is_iri(item):
        return URIRef(item)
    match = _REF.match(item)
    if match:
        return ID[f"{match['kind']}/{match['slug']}"]
    if _SLUG.match(item):
        return ID[f"{kind}/{item.lower() if kind in ('forum', 'region') else item}"]
    return None


def _describe_statement(
    graph: rdflib.Graph, record: URIRef, fields: dict[str, tuple[object, int]], lang: str
) -> None:
    graph.add((record, RDF.type, RSI.ComplianceStatement))
    decision = graph.value(record, RSI.complianceOf)
    region = graph.value(record, RSI.statedBy)
    status = graph.value(record, RSI.complianceStatus)
    verb = {"complies": ("følger", "complies with"), "deviates": ("afviger fra", "deviates from")}.get(
        str(status).rsplit("/", 1)[-1], ("udtaler sig om", "states on")
    )
    short: Callable[[Node | None], str] = lambda t: str(t).rsplit("/", 1)[-1] if t is not None else "?"  # noqa: E731
    graph.add(
        (record, SKOS.prefLabel, rdflib.Literal(f"{short(region)} {verb[0]} {short(decision)}", lang="da"))
    )
    graph.add(
        (record, SKOS.prefLabel, rdflib.Literal(f"{short(region)} {verb[1]} {short(decision)}", lang="en"))
    )


_ILLUSTRATIVE = {
    "decision": (
        "Illustrativt eksempel – ikke en faktisk beslutning",
        "Illustrative example – not an actual decision",
    ),
    "compliance": (
        "Illustrativt eksempel – ikke en faktisk erklæring",
        "Illustrative example – not an actual statement",
    ),
}


def _add_record_source(
    graph: rdflib.Graph, record: URIRef, fields: dict[str, tuple[object, int]], *, statements: bool
) -> None:
    """The record is the source of its own facts: a rsi:SourceDocument that names it."""
    kind = "compliance" if statements else "decision"
    slug = str(record).rsplit("/", 1)[-1]
    source = ID[f"source/{kind}-record/{slug}"]
    graph.add((record, DCTERMS.source, source))
    graph.add((source, RDF.type, RSI.SourceDocument))
    label = f"Beslutningsoplæg {slug}" if not statements else f"Følg-eller-forklar-erklæring {slug}"
    graph.add((source, SKOS.prefLabel, rdflib.Literal(label, lang="da")))
    if fields.get("illustrative", (False, 0))[0] is True:
        da, en = _ILLUSTRATIVE[kind]
        for node in (record, source):
            graph.add((node, RDFS.comment, rdflib.Literal(da, lang="da")))
            graph.add((node, RDFS.comment, rdflib.Literal(en, lang="en")))
        graph.add((source, RSI.illustrative, rdflib.Literal(True)))


__all__ = [
    "DECISION_KEYS",
    "MEDIA_TYPES",
    "STATEMENT_KEYS",
    "Candidate",
    "RecordError",
    "RecordInput",
    "media_type_for_path",
    "read_files",
    "read_record",
]
