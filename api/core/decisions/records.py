"""Proposed decisions and compliance statements as RDF in the rsikg ontology: MADR Markdown,
Turtle or JSON-LD in, a :class:`Candidate` out.

A MADR record's front matter keys map to properties (:data:`DECISION_KEYS`,
:data:`STATEMENT_KEYS`); its sections "Context and Problem Statement", "Decision Outcome" and
"Consequences" (or their Danish names, :data:`DECISION_SECTIONS`) become rsi:context,
rsi:decisionOutcome and rsi:consequences. A key rsikg does not know, a section that is missing or
empty, or a value that cannot be read is an :class:`~rsikg.errors.InputError` naming the key or
section and its line; everything found wrong is reported at once. :mod:`madr` reads the
Markdown; what differs between a decision and a statement is in its :class:`RecordKind`.

Values that name things (affects, supersedes, ...) are a full IRI, ``kind:slug`` or a bare
slug, which is read as ``https://w3id.org/rsikg/id/<kind>/<slug>`` with the key's kind. Whether
the thing exists, and is what the key needs, is for the SHACL shapes to say, not the reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import rdflib
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rdflib.term import Node, URIRef

from ...errors import InputError, Location, display_path
from .. import sparql_terms
from ..loading import GRAPH_BASE
from ..namespaces import ID, RSI
from ..store import Source, open_store, rdf_format, rdf_format_for_path
from . import madr, vocabulary
from .madr import RecordError
from .vocabulary import COMPLIANCE_STATUS, DECISION_KIND, DECISION_STATUS

CANDIDATE_GRAPH = "https://w3id.org/rsikg/graph/candidate"
PROVENANCE_BASE = GRAPH_BASE + "provenance/"

MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "ntriples"}
"""The RDF a record may come as: media type → the store's format name."""
MEDIA_TYPES = (*MARKDOWN_TYPES, *RDF_TYPES)

MAX_RECORD_BYTES = 1 << 20
"""1 MiB per record. The largest example record is 1.5 KB and a long real one a few tens of KB;
within 1 MiB the YAML reader (pure Python, about 1 s per MiB of scalars) and the Markdown
parser stay around a second. The HTTP body limit (10 MiB) is for the Graph Store's graphs."""

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_REF = re.compile(r"^(?P<kind>[a-z][a-z0-9-]*):(?P<slug>[A-Za-z0-9][A-Za-z0-9._-]*)$")


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

    def named(self, predicate: URIRef) -> list[URIRef]:
        """The IRIs the candidate's decisions name by ``predicate`` (the systems they affect,
        the decisions they supersede), sorted."""
        found = {o for d in self.decisions for o in self.graph.objects(d, predicate) if isinstance(o, URIRef)}
        return sorted(found)

    def records_of(self, kind: RecordKind) -> list[URIRef]:
        """The candidate's records of ``kind``: its decisions or its statements."""
        return self.statements if kind is STATEMENT else self.decisions


@dataclass(frozen=True)
class RecordInput:
    """One input as it was given: kept for the provenance of an adopted record."""

    name: str
    media_type: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def slug(record: URIRef) -> str:
    """The last segment of an IRI: a record's id, a concept's word."""
    return str(record).rsplit("/", 1)[-1]


def record_graph(record: URIRef) -> str:
    """The named graph an adopted record lives in: ``…/graph/<its kind's folder>/<slug>``."""
    segment = str(record).removeprefix(str(ID)).split("/", 1)[0]
    kind = KINDS.get(segment)
    return f"{GRAPH_BASE}{kind.folder if kind else segment}/{slug(record)}"


def provenance_graph(record: URIRef) -> str:
    """The named graph that gathers the provenance of every version of an adopted record."""
    return record_graph(record).replace(GRAPH_BASE, PROVENANCE_BASE, 1)


def record_iri(kind: str, ident: str) -> URIRef:
    """A record's IRI from its id (a slug) or its full IRI; ``kind`` is a :class:`RecordKind`'s
    name."""
    if ident.startswith(("http://", "https://")):
        return URIRef(sparql_terms.checked_iri(ident, Location(field="id")))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", ident):
        raise InputError(
            f"{ident!r} is not a record id (letters, digits, '.', '_', '-')", Location(field="id")
        )
    return ID[f"{kind}/{ident}"]


# --------------------------------------------------------------------------------------------
# Front-matter keys and sections
# --------------------------------------------------------------------------------------------

Read = Literal["id", "lang", "text", "text-en", "vocab", "date", "refs", "bool"]
"""How a key's value is read: ``id`` and ``lang`` fill no property (they name the record and
the language of its texts); ``text`` is a literal in the record's language and ``text-en`` one
in English; ``vocab`` a word of a SKOS scheme; ``date`` an xsd:date; ``refs`` one or more
references; ``bool`` true or false."""


@dataclass(frozen=True)
class Key:
    """A front-matter key: the property it fills and how its value is read."""

    predicate: URIRef | None
    read: Read
    kind: str = ""  # for refs: the id kind of a bare slug (system, decision, ...)
    namespace: str = ""  # for vocab: the scheme's namespace


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
# The kinds of record
# --------------------------------------------------------------------------------------------


def _describe_decision(graph: rdflib.Graph, record: URIRef, document: madr.Document, lang: str) -> None:
    title = next(
        (t for t in graph.objects(record, DCTERMS.title) if getattr(t, "language", None) == lang), None
    )
    heading = document.heading()
    if title is None and heading is not None:  # MADR puts the title in the first heading
        graph.add((record, DCTERMS.title, rdflib.Literal(heading, lang=lang)))
    for label in graph.objects(record, DCTERMS.title):  # a label per language, as the shapes ask
        if isinstance(label, rdflib.Literal):
            graph.add((record, SKOS.prefLabel, label))


_VERBS = {"complies": ("følger", "complies with"), "deviates": ("afviger fra", "deviates from")}


def _describe_statement(graph: rdflib.Graph, record: URIRef, _document: madr.Document, _lang: str) -> None:
    decision = graph.value(record, RSI.complianceOf)
    region = graph.value(record, RSI.statedBy)
    status = graph.value(record, RSI.complianceStatus)
    verb = _VERBS.get(str(status).rsplit("/", 1)[-1], ("udtaler sig om", "states on"))
    short: Callable[[Node | None], str] = lambda t: str(t).rsplit("/", 1)[-1] if t is not None else "?"  # noqa: E731
    graph.add(
        (record, SKOS.prefLabel, rdflib.Literal(f"{short(region)} {verb[0]} {short(decision)}", lang="da"))
    )
    graph.add(
        (record, SKOS.prefLabel, rdflib.Literal(f"{short(region)} {verb[1]} {short(decision)}", lang="en"))
    )


@dataclass(frozen=True)
class RecordKind:
    """What differs between a decision record and a comply-or-explain statement: one row of
    :data:`KINDS`, chosen by the caller (the route or command the record was sent to)."""

    name: str
    """The IRI segment (``…/id/<name>/<slug>``), and the word for the kind in messages."""
    rdf_class: URIRef
    keys: Mapping[str, Key]
    sections: Mapping[URIRef, tuple[str, ...]]
    sections_required: bool
    describe: Callable[[rdflib.Graph, URIRef, madr.Document, str], None]
    """Adds the record's labels once its class, keys and sections are in the graph."""
    folder: str
    """The folder of an adopted record's named graph: ``…/graph/<folder>/<slug>``."""
    source_label: str
    """The Danish label of the source document a record is, before its slug."""
    illustrative: tuple[str, str]
    """The note on a record marked ``illustrative: true``, in Danish and in English."""
    admits: Callable[[Candidate], bool]
    """Whether RDF input holds what this kind takes; else :attr:`wrong_input` refuses it."""
    wrong_input: str
    id_from: tuple[str, ...] = ()
    """Keys whose slugs, joined by '-', are the id of a record whose front matter has none."""


DECISION = RecordKind(
    name="decision",
    rdf_class=RSI.ArchitectureDecision,
    keys=DECISION_KEYS,
    sections=DECISION_SECTIONS,
    sections_required=True,
    describe=_describe_decision,
    folder="decisions",
    source_label="Beslutningsoplæg",
    illustrative=(
        "Illustrativt eksempel – ikke en faktisk beslutning",
        "Illustrative example – not an actual decision",
    ),
    # statements may come along with the decisions they are on
    admits=lambda candidate: bool(candidate.decisions),
    wrong_input="this takes decisions (rsi:ArchitectureDecision); send comply-or-explain "
    "statements to /compliance",
)
STATEMENT = RecordKind(
    name="compliance",
    rdf_class=RSI.ComplianceStatement,
    keys=STATEMENT_KEYS,
    sections=STATEMENT_SECTIONS,
    sections_required=False,
    describe=_describe_statement,
    folder="compliance",
    source_label="Følg-eller-forklar-erklæring",
    illustrative=(
        "Illustrativt eksempel – ikke en faktisk erklæring",
        "Illustrative example – not an actual statement",
    ),
    admits=lambda candidate: not candidate.decisions,
    wrong_input="this takes comply-or-explain statements (rsi:ComplianceStatement), but the input "
    "describes a decision; send decisions to /decisions",
    id_from=("decision", "region"),
)
KINDS = {kind.name: kind for kind in (DECISION, STATEMENT)}
"""The kinds by name, the IRI segment of their records."""


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def media_type_for_path(path: Path) -> str:
    if path.suffix.lower() in (".md", ".markdown"):
        return "text/markdown"
    return rdf_format_for_path(path).media_type


def read_files(
    paths: Sequence[Path], *, kind: RecordKind | None = None, statements: bool = False
) -> Candidate:
    """Read record files (Markdown by extension .md, else RDF by extension) as one candidate."""
    candidate = Candidate(rdflib.Graph())
    for path in paths:
        if not path.is_file():
            raise InputError("no such file", Location(display_path(path)))
        media_type, name = media_type_for_path(path), display_path(path)
        _merge(candidate, read_record(path.read_bytes(), media_type, name, kind=kind, statements=statements))
    return candidate


def read_record(
    data: bytes, media_type: str, name: str, *, kind: RecordKind | None = None, statements: bool = False
) -> Candidate:
    """Read one record of ``kind`` (a decision unless said) from bytes of the given media type
    (parameters such as charset ignored). ``statements=True`` says ``kind=STATEMENT`` the way the
    CLI, the service and the routes still do."""
    kind = kind or (STATEMENT if statements else DECISION)
    base = media_type.split(";", 1)[0].strip().lower()
    text = _decoded(data, name)
    if base in MARKDOWN_TYPES:
        graph, record = _read_markdown(text, name, kind)
        candidate = Candidate(graph)
        candidate.records_of(kind).append(record)
    else:
        candidate = _read_rdf(data, base, name)
        if not kind.admits(candidate):
            raise InputError(kind.wrong_input, Location(name))
    candidate.inputs.append(RecordInput(name, base, text))
    return candidate


def _decoded(data: bytes, name: str) -> str:
    """The record's text, once it is known to be within the limit, not empty, and UTF-8."""
    if len(data) > MAX_RECORD_BYTES:
        raise InputError(
            f"the record is {len(data)} bytes, more than the limit of {MAX_RECORD_BYTES} bytes (1 MiB) "
            "for one record",
            Location(name),
        )
    if not data.strip():
        raise InputError("the record is empty", Location(name))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"the record is not UTF-8 ({err.reason} at byte {err.start})", Location(name)
        ) from None


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
# MADR Markdown
# --------------------------------------------------------------------------------------------


def _read_markdown(text: str, name: str, kind: RecordKind) -> tuple[rdflib.Graph, URIRef]:
    document = madr.read(text, name)
    problems: list[InputError] = []
    for key, (_value, line) in document.fields.items():
        if key not in kind.keys:
            problems.append(
                InputError(
                    f"unknown front-matter key {key!r}; the keys of a {kind.name} record are "
                    f"{', '.join(kind.keys)}",
                    Location(name, line=line, field=key),
                )
            )
    lang = _language(document.fields, name, problems)
    record = _record_iri(document.fields, name, problems, kind)
    sections = _sections(document, name, problems, kind)
    if problems or record is None:
        raise RecordError(problems)

    graph = rdflib.Graph()
    for key, (value, line) in document.fields.items():
        spec = kind.keys[key]
        if spec.predicate is None:
            continue
        for obj in _values(spec, value, lang, Location(name, line=line, field=key), problems):
            graph.add((record, spec.predicate, obj))
    if problems:
        raise RecordError(problems)
    for predicate, section in sections.items():
        graph.add((record, predicate, rdflib.Literal(section.text, lang=lang)))
    graph.add((record, RDF.type, kind.rdf_class))
    kind.describe(graph, record, document, lang)
    _add_record_source(graph, record, document.fields, kind)
    return graph, record


def _sections(
    document: madr.Document, name: str, problems: list[InputError], kind: RecordKind
) -> dict[URIRef, madr.Section]:
    """The sections of ``kind`` the record has, by the property each fills; a missing one
    (where the kind requires it) or an empty one is a problem."""
    found: dict[URIRef, madr.Section] = {}
    for predicate, names in kind.sections.items():
        section = document.section(names)
        if section is None:
            if kind.sections_required:
                problems.append(
                    InputError(
                        f"missing section {names[0]!r}: add a heading '## {names[0]}' with its text "
                        f"(or {', '.join(repr(n) for n in names[1:])})",
                        Location(name, line=document.end, field=names[0]),
                    )
                )
        elif not section.text:
            problems.append(
                InputError(
                    f"section {section.title!r} is empty",
                    Location(name, line=section.line, field=section.title),
                )
            )
        else:
            found[predicate] = section
    return found


def _language(fields: madr.Fields, name: str, problems: list[InputError]) -> str:
    value, line = fields.get("lang", ("da", 0))
    if value not in ("da", "en"):
        problems.append(
            InputError(f"lang must be da or en, not {value!r}", Location(name, line=line, field="lang"))
        )
        return "da"
    return str(value)


def _record_iri(
    fields: madr.Fields, name: str, problems: list[InputError], kind: RecordKind
) -> URIRef | None:
    if "id" not in fields:
        if kind.id_from and all(k in fields for k in kind.id_from):
            parts = (str(fields[k][0]).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kind.id_from)
            return ID[f"{kind.name}/{'-'.join(parts)}"]
        problems.append(
            InputError(
                "the front matter has no id (e.g. id: adr-0007-fhir-til-nye-snitflader)",
                Location(name, line=2, field="id"),
            )
        )
        return None
    value, line = fields["id"]
    ident = str(value)
    if not _SLUG.match(ident):
        problems.append(
            InputError(
                f"id {ident!r} must be a slug: letters, digits, '.', '_' and '-', "
                "starting with a letter or digit",
                Location(name, line=line, field="id"),
            )
        )
        return None
    return ID[f"{kind.name}/{ident}"]


class _Refusal(Exception):
    """A value that cannot be read as its key's kind: the message for the record's problems."""


def _text_values(spec: Key, value: object, lang: str) -> list[Node]:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _Refusal("must be a text")
    return [rdflib.Literal(str(value), lang="en" if spec.read == "text-en" else lang)]


def _date_values(spec: Key, value: object, lang: str) -> list[Node]:
    if isinstance(value, dt.date):
        return [rdflib.Literal(value.isoformat(), datatype=XSD.date)]
    # not a date: kept as it is, so that the shapes report it (rsish:DecisionDateShape)
    return [rdflib.Literal(str(value))]


def _bool_values(spec: Key, value: object, lang: str) -> list[Node]:
    if not isinstance(value, bool):
        raise _Refusal("must be true or false")
    return [rdflib.Literal(value)]


def _vocab_values(spec: Key, value: object, lang: str) -> list[Node]:
    # Checked here, not left to the shapes: the word becomes an IRI that queries are built
    # from, so only the vocabulary's own words get that far.
    allowed = ", ".join(vocabulary.words(spec.namespace))
    if not isinstance(value, str) or not value.strip():
        raise _Refusal(f"must be a word from its vocabulary: one of {allowed}")
    concept = vocabulary.concept(spec.namespace, re.sub(r"\s+", "-", value.strip().lower()))
    if concept is None:
        raise _Refusal(f"{value[:80]!r} is not a word of its vocabulary; use {allowed}")
    return [concept]


def _ref_values(spec: Key, value: object, lang: str) -> list[Node]:
    refs: list[Node] = []
    for item in value if isinstance(value, list) else [value]:
        ref = _reference(item, spec.kind)
        if ref is None:
            raise _Refusal(f"{item!r} is not an IRI, a kind:slug or a slug (e.g. {spec.kind}:some-name)")
        refs.append(ref)
    return refs


_READERS: dict[str, Callable[[Key, object, str], list[Node]]] = {
    "text": _text_values,
    "text-en": _text_values,
    "date": _date_values,
    "bool": _bool_values,
    "vocab": _vocab_values,
    "refs": _ref_values,
}


def _values(spec: Key, value: object, lang: str, where: Location, problems: list[InputError]) -> list[Node]:
    """The RDF values of one key's value, read as the key's kind; a value that cannot be read
    adds a problem naming the field and gives none."""
    try:
        return _READERS[spec.read](spec, value, lang)
    except _Refusal as refusal:
        message = str(refusal)
        joiner = " " if message.startswith("must") else ": "
        problems.append(InputError(f"{where.field}{joiner}{message}", where))
        return []


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


def _add_record_source(graph: rdflib.Graph, record: URIRef, fields: madr.Fields, kind: RecordKind) -> None:
    """The record is the source of its own facts: a rsi:SourceDocument that names it."""
    source = ID[f"source/{kind.name}-record/{slug(record)}"]
    graph.add((record, DCTERMS.source, source))
    graph.add((source, RDF.type, RSI.SourceDocument))
    graph.add((source, SKOS.prefLabel, rdflib.Literal(f"{kind.source_label} {slug(record)}", lang="da")))
    if fields.get("illustrative", (False, 0))[0] is True:
        da, en = kind.illustrative
        for node in (record, source):
            graph.add((node, RDFS.comment, rdflib.Literal(da, lang="da")))
            graph.add((node, RDFS.comment, rdflib.Literal(en, lang="en")))
        graph.add((source, RSI.illustrative, rdflib.Literal(True)))


__all__ = [
    "DECISION",
    "DECISION_KEYS",
    "KINDS",
    "MEDIA_TYPES",
    "STATEMENT",
    "STATEMENT_KEYS",
    "Candidate",
    "RecordError",
    "RecordInput",
    "RecordKind",
    "media_type_for_path",
    "provenance_graph",
    "read_files",
    "read_record",
    "record_graph",
    "record_iri",
    "slug",
]
