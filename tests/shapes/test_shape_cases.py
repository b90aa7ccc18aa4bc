"""SHACL shape cases for rsikg, in the style of the W3C SHACL test suite.

Each file under ``cases/<concern>/`` is one case: its data graph and, in the same file, a manifest
entry (``sht:Validate``) naming the shape under test (``rsit:shape``) and the expected report.

How a case is run:

* the case file (data and manifest alike, as ``sht:dataGraph <>`` says) is merged with the ontology
  and the SKOS vocabularies, so that ``sh:class`` sees ``rdfs:subClassOf`` and vocabulary checks see
  ``skos:inScheme``;
* it is validated against *all* ``shapes/*.shapes.ttl`` at once, as the graph will be;
* only the results of the shape under test are kept: those whose ``sh:sourceShape`` is the case's
  ``rsit:shape`` or one of the property shapes it reaches through ``sh:property``. A node shape whose
  constraints live in named property shapes is thus tested through them, while a property shape's
  own case sees only its own results;
* kept and expected results are compared as sets of (focusNode, resultPath, sourceShape,
  sourceConstraintComponent, resultSeverity), never on message text. Blank-node paths such as
  ``[ sh:alternativePath (...) ]`` are compared by structure. ``sh:conforms true`` in a case means
  "no result from the shape under test"; other shapes may well report on the small case data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, SH
from rdflib.term import Node
from rsikg.core.validation import validate_graph

ROOT = Path(__file__).resolve().parents[2]
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY_DIR = ROOT / "ontology"
CASES_DIR = Path(__file__).resolve().parent / "cases"
MALFORMED_DIR = Path(__file__).resolve().parent / "fixtures" / "malformed"

RSISH = Namespace("https://w3id.org/rsikg/shapes#")
RSIT = Namespace("https://w3id.org/rsikg/test#")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
SEVERITIES = {SH.Violation, SH.Warning, SH.Info}

# Listing file names is cheap and needed at collection time for the ids; nothing is parsed here.
CASE_FILES = sorted(CASES_DIR.rglob("*.ttl"))
CASE_NAME = re.compile(r"^(?P<shape>[A-Za-z0-9]+)-(?P<kind>pass|fail)-(?P<number>\d{3})\.ttl$")

PathKey = object
ResultKey = tuple[Node, PathKey, Node, Node, Node]


class MalformedCaseError(ValueError):
    """A case file whose manifest entry or expected report does not follow the case format."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {problem} "
            "(see shapes/README.md, 'Adding a shape and its cases')"
        )


@dataclass(frozen=True)
class Case:
    """One parsed case file."""

    path: Path
    graph: Graph
    shape: URIRef
    shapes_graph_file: Path
    conforms: bool
    expected: frozenset[ResultKey]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def path_key(graph: Graph, node: Node | None) -> PathKey:
    """A hashable, graph-independent form of a SHACL property path (IRIs kept, blank nodes by shape)."""
    if node is None or isinstance(node, URIRef):
        return node
    for keyword in (
        SH.alternativePath,
        SH.inversePath,
        SH.zeroOrMorePath,
        SH.oneOrMorePath,
        SH.zeroOrOnePath,
    ):
        inner = graph.value(node, keyword)
        if inner is not None:
            if keyword == SH.alternativePath:
                return (str(keyword), tuple(path_key(graph, item) for item in Collection(graph, inner)))
            return (str(keyword), path_key(graph, inner))
    if graph.value(node, RDF.first) is not None:
        return ("sequence", tuple(path_key(graph, item) for item in Collection(graph, node)))
    raise ValueError(f"not a SHACL path: {node!r}")


def shapes_in(graph: Graph) -> set[Node]:
    """Every shape in a shapes graph: typed shapes, and any node used where SHACL expects a shape."""
    shapes: set[Node] = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    shapes |= set(graph.subjects(SH.path, None))
    for predicate in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
        shapes |= set(graph.objects(None, predicate))
    for predicate in (SH["and"], SH["or"], SH.xone):
        for head in graph.objects(None, predicate):
            shapes |= set(Collection(graph, head))
    return shapes


def value_shapes_in(graph: Graph) -> set[Node]:
    """Shapes used only to test values (sh:qualifiedValueShape, sh:node, ...): no targets of their own.

    Their behaviour shows in the results of the shape that uses them, so they are tested through
    that shape's cases rather than cases of their own.
    """
    used_as_value = set()
    for predicate in (SH.node, SH.qualifiedValueShape, SH["not"]):
        used_as_value |= set(graph.objects(None, predicate))
    for predicate in (SH["and"], SH["or"], SH.xone):
        for head in graph.objects(None, predicate):
            used_as_value |= set(Collection(graph, head))
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    reached = set(graph.objects(None, SH.property))
    return {s for s in used_as_value if s not in reached and not any((s, t, None) in graph for t in targets)}


def shapes_of(shapes: Graph, shape: URIRef) -> set[Node]:
    """The shape under test and the property shapes it reaches through sh:property."""
    return {shape, *shapes.objects(shape, SH.property)}


def describe(graph: Graph, key: ResultKey) -> str:
    """A readable form of a result key for failure messages."""

    def name(term: object) -> str:
        if isinstance(term, (URIRef, BNode, Literal)):
            return term.n3(graph.namespace_manager)
        return repr(term)

    focus, path, shape, component, severity = key
    return (
        f"focus={name(focus)} path={name(path)} shape={name(shape)} "
        f"component={name(component)} severity={name(severity)}"
    )


def lang_values(graph: Graph, subject: Node, predicate: URIRef) -> set[str]:
    return {o.language or "" for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


# --------------------------------------------------------------------------------------------
# Reading a case
# --------------------------------------------------------------------------------------------


def one(graph: Graph, path: Path, subject: Node, predicate: URIRef, what: str) -> Node:
    values = list(graph.objects(subject, predicate))
    if len(values) != 1:
        raise MalformedCaseError(
            path, f"{what}: expected exactly one {predicate.n3(graph.namespace_manager)}, found {len(values)}"
        )
    return values[0]


def load_case(path: Path) -> Case:
    """Parse a case file and check its manifest; raise MalformedCaseError saying what is wrong."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:
        raise MalformedCaseError(path, f"not valid Turtle: {error}") from error
    graph.bind("rsish", RSISH)

    manifests = list(graph.subjects(RDF.type, MF.Manifest))
    if len(manifests) != 1:
        raise MalformedCaseError(path, f"expected one mf:Manifest, found {len(manifests)}")
    entries_head = one(graph, path, manifests[0], MF.entries, "the manifest")
    entries = list(Collection(graph, entries_head))
    if len(entries) != 1:
        raise MalformedCaseError(
            path, f"expected one entry in mf:entries (one case a file), found {len(entries)}"
        )
    entry = entries[0]
    if (entry, RDF.type, SHT.Validate) not in graph:
        raise MalformedCaseError(path, "the entry is not typed sht:Validate")
    if not list(graph.objects(entry, RDFS.label)):
        raise MalformedCaseError(path, "the entry has no rdfs:label saying what it tests")

    shape = one(graph, path, entry, RSIT.shape, "the entry")
    if not isinstance(shape, URIRef) or not str(shape).startswith(str(RSISH)):
        raise MalformedCaseError(path, f"rsit:shape must be an IRI in {RSISH}, found {shape!r}")

    action = one(graph, path, entry, MF.action, "the entry")
    data_graph = one(graph, path, action, SHT.dataGraph, "mf:action")
    if data_graph != URIRef(path.resolve().as_uri()):
        raise MalformedCaseError(path, "sht:dataGraph must be <> (the case file itself)")
    shapes_graph = one(graph, path, action, SHT.shapesGraph, "mf:action")
    shapes_graph_file = Path(str(shapes_graph).removeprefix("file://"))
    if not shapes_graph_file.is_file() or shapes_graph_file.parent != SHAPES_DIR:
        raise MalformedCaseError(path, f"sht:shapesGraph {shapes_graph} is not a file in shapes/")

    report = one(graph, path, entry, MF.result, "the entry")
    if (report, RDF.type, SH.ValidationReport) not in graph:
        raise MalformedCaseError(path, "mf:result is not typed sh:ValidationReport")
    conforms = one(graph, path, report, SH.conforms, "the expected report")
    if not (isinstance(conforms, Literal) and isinstance(conforms.value, bool)):
        raise MalformedCaseError(path, f"sh:conforms must be true or false, found {conforms!r}")

    expected: set[ResultKey] = set()
    for result in graph.objects(report, SH.result):
        where = f"sh:result {result.n3()}"
        focus = one(graph, path, result, SH.focusNode, where)
        source_shape = one(graph, path, result, SH.sourceShape, where)
        component = one(graph, path, result, SH.sourceConstraintComponent, where)
        severity = one(graph, path, result, SH.resultSeverity, where)
        if severity not in SEVERITIES:
            raise MalformedCaseError(
                path, f"{where}: sh:resultSeverity {severity} is not sh:Violation, sh:Warning or sh:Info"
            )
        if not str(component).startswith(str(SH)) or not str(component).endswith("ConstraintComponent"):
            raise MalformedCaseError(path, f"{where}: {component} is not a sh:...ConstraintComponent")
        paths = list(graph.objects(result, SH.resultPath))
        if len(paths) > 1:
            raise MalformedCaseError(path, f"{where}: more than one sh:resultPath")
        try:
            key = path_key(graph, paths[0] if paths else None)
        except ValueError as error:
            raise MalformedCaseError(path, f"{where}: {error}") from error
        expected.add((focus, key, source_shape, component, severity))

    if conforms.value and expected:
        raise MalformedCaseError(path, "sh:conforms true, yet the report lists sh:result")
    if not conforms.value and not expected:
        raise MalformedCaseError(path, "sh:conforms false, yet the report lists no sh:result")
    return Case(path, graph, shape, shapes_graph_file, bool(conforms.value), frozenset(expected))


# --------------------------------------------------------------------------------------------
# Fixtures: loaded once per session, not at import time
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def shapes_files() -> dict[Path, Graph]:
    """Each shapes file, parsed on its own."""
    files = sorted(SHAPES_DIR.glob("*.shapes.ttl"))
    assert files, f"no *.shapes.ttl in {SHAPES_DIR}"
    return {f: Graph().parse(f, format="turtle") for f in files}


@pytest.fixture(scope="session")
def shapes_graph(shapes_files: dict[Path, Graph]) -> Graph:
    """All shapes files as one shapes graph."""
    merged = Graph()
    merged.bind("rsish", RSISH)
    for graph in shapes_files.values():
        merged += graph
    return merged


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The ontology and its SKOS vocabularies, merged into every case's data graph."""
    graph = Graph()
    for f in [ONTOLOGY_DIR / "rsi.ttl", *sorted((ONTOLOGY_DIR / "vocab").glob("*.ttl"))]:
        graph.parse(f, format="turtle")
    return graph


@pytest.fixture(scope="session")
def all_cases() -> list[Case]:
    return [load_case(p) for p in CASE_FILES]


def case_id(path: Path) -> str:
    return path.stem


# --------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_file", CASE_FILES, ids=case_id)
def test_case_is_well_formed(case_file: Path, shapes_files: dict[Path, Graph]) -> None:
    """The manifest entry is complete, and the file name agrees with it."""
    case = load_case(case_file)
    match = CASE_NAME.match(case_file.name)
    assert match, f"{case_file.name}: name must be <ShapeLocalName>-pass|fail-NNN.ttl"
    assert match["shape"] == str(case.shape).removeprefix(str(RSISH)), (
        f"{case_file.name}: file is named after {match['shape']} but rsit:shape is {case.shape}"
    )
    assert (match["kind"] == "pass") == case.conforms, (
        f"{case_file.name}: a -pass- case expects sh:conforms true and a -fail- case false"
    )
    declared_in = shapes_files[case.shapes_graph_file]
    assert case.shape in shapes_in(declared_in), (
        f"{case_file.name}: rsit:shape {case.shape} is not a shape of {case.shapes_graph_file.name}"
    )
    assert case_file.parent.name == case.shapes_graph_file.name.removesuffix(".shapes.ttl"), (
        f"{case_file.name}: lives in cases/{case_file.parent.name}/ but tests {case.shapes_graph_file.name}"
    )


@pytest.mark.parametrize("case_file", CASE_FILES, ids=case_id)
def test_case(case_file: Path, shapes_graph: Graph, ontology_graph: Graph) -> None:
    """The shape under test reports exactly the expected results on the case data."""
    case = load_case(case_file)
    data = Graph()
    data += ontology_graph
    data += case.graph
    # the validator users run, with its settings, not a copy of them
    report = validate_graph(data, shapes_graph)
    under_test = shapes_of(shapes_graph, case.shape)
    actual = {
        (
            result.focus_node,
            path_key(report.graph, result.path),
            result.source_shape,
            result.component,
            SH[result.severity],
        )
        for result in report.results
        if result.source_shape in under_test
    }
    missing = case.expected - actual
    unexpected = actual - case.expected
    lines = [
        f"{case_file.name}: results of {case.shape.n3(shapes_graph.namespace_manager)} "
        "differ from the manifest"
    ]
    lines += [f"  missing:    {describe(case.graph, key)}" for key in sorted(missing, key=str)]
    lines += [f"  unexpected: {describe(case.graph, key)}" for key in sorted(unexpected, key=str)]
    assert not missing and not unexpected, "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The shapes themselves
# --------------------------------------------------------------------------------------------


def test_every_shape_is_named(shapes_graph: Graph) -> None:
    """Every shape is an IRI in the rsish: namespace, so that a result can name it."""
    unnamed = [
        s for s in shapes_in(shapes_graph) if not (isinstance(s, URIRef) and str(s).startswith(str(RSISH)))
    ]
    assert not unnamed, f"shapes that are not rsish: IRIs: {unnamed}"


def test_every_shape_has_a_pass_and_a_fail_case(shapes_graph: Graph, all_cases: list[Case]) -> None:
    """No shape without tests: each has at least one pass and one fail case of its own.

    Value shapes (see value_shapes_in) are tested through the cases of the shapes that use them.
    """
    passing = {c.shape for c in all_cases if c.conforms}
    failing = {c.shape for c in all_cases if not c.conforms}
    problems = []
    for shape in sorted(shapes_in(shapes_graph) - value_shapes_in(shapes_graph), key=str):
        local = str(shape).removeprefix(str(RSISH))
        if shape not in passing:
            problems.append(f"{local}: no pass case (add cases/<concern>/{local}-pass-001.ttl)")
        if shape not in failing:
            problems.append(f"{local}: no fail case (add cases/<concern>/{local}-fail-001.ttl)")
    assert not problems, "\n".join(problems)


def test_every_expected_result_names_a_shape_under_test(shapes_graph: Graph, all_cases: list[Case]) -> None:
    """An expected result from another shape could never match, since those results are filtered out."""
    problems = [
        f"{c.path.name}: expects a result from {key[2]}, which is not {c.shape} or one of its property shapes"
        for c in all_cases
        for key in c.expected
        if key[2] not in shapes_of(shapes_graph, c.shape)
    ]
    assert not problems, "\n".join(problems)


def test_every_shape_has_names_messages_severity_and_a_rule(shapes_graph: Graph) -> None:
    """sh:name and sh:message in Danish and English, one explicit sh:severity, and a pointer to its rule."""
    problems = []
    for shape in sorted(shapes_in(shapes_graph), key=str):
        local = shape.n3(shapes_graph.namespace_manager)
        for predicate in (SH.name, SH.message):
            missing = {"da", "en"} - lang_values(shapes_graph, shape, predicate)
            if missing:
                problems.append(
                    f"{local}: no {predicate.n3(shapes_graph.namespace_manager)} in {sorted(missing)}"
                )
        severities = list(shapes_graph.objects(shape, SH.severity))
        if len(severities) != 1 or severities[0] not in SEVERITIES:
            problems.append(
                f"{local}: needs exactly one sh:severity of sh:Violation, sh:Warning or sh:Info, "
                f"has {severities}"
            )
        if not list(shapes_graph.objects(shape, RDFS.seeAlso)) and not list(
            shapes_graph.objects(shape, DCTERMS.source)
        ):
            problems.append(f"{local}: no rdfs:seeAlso or dct:source pointing to the rule it enforces")
    assert not problems, "\n".join(problems)


def test_every_shapes_file_describes_itself(shapes_files: dict[Path, Graph]) -> None:
    """Each shapes file has one owl:Ontology with dct:title and dct:description in Danish and English."""
    problems = []
    for path, graph in shapes_files.items():
        heads = list(graph.subjects(RDF.type, OWL.Ontology))
        if len(heads) != 1:
            problems.append(f"{path.name}: expected one owl:Ontology, found {len(heads)}")
            continue
        for predicate in (DCTERMS.title, DCTERMS.description):
            missing = {"da", "en"} - lang_values(graph, heads[0], predicate)
            if missing:
                problems.append(f"{path.name}: no {predicate} in {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_label_shapes_target_the_same_classes(shapes_graph: Graph) -> None:
    """The Danish (core) and English (recommended) label rules cover the same classes."""
    danish = set(shapes_graph.objects(RSISH.DescribedResourceShape, SH.targetClass))
    english = set(shapes_graph.objects(RSISH.EnglishPrefLabelShape, SH.targetClass))
    assert danish == english, f"only in core: {danish - english}; only in recommended: {english - danish}"


def test_value_shapes_are_used_by_a_tested_shape(shapes_graph: Graph, all_cases: list[Case]) -> None:
    """A value shape counts as tested only if a shape with cases uses it."""
    tested = {c.shape for c in all_cases}
    tested |= {p for s in set(tested) for p in shapes_graph.objects(s, SH.property)}
    problems = []
    for value_shape in value_shapes_in(shapes_graph):
        users = set(shapes_graph.subjects(None, value_shape))
        if not users & tested:
            problems.append(f"{value_shape}: used by {sorted(map(str, users))}, none of which has cases")
    assert not problems, "\n".join(problems)


def test_in_lists_equal_their_vocabulary(shapes_graph: Graph, ontology_graph: Graph) -> None:
    """Each sh:in list of concepts holds exactly the concepts of one SKOS scheme, so a concept added
    to or removed from a vocabulary fails here until the shape follows."""
    skos_in_scheme = URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
    problems = []
    for shape, head in shapes_graph.subject_objects(SH["in"]):
        values = set(Collection(shapes_graph, head))
        schemes = {s for v in values for s in ontology_graph.objects(v, skos_in_scheme)}
        if len(schemes) != 1:
            problems.append(
                f"{shape}: sh:in values belong to {len(schemes)} schemes "
                f"{sorted(map(str, schemes))}, expected one"
            )
            continue
        scheme = schemes.pop()
        concepts = set(ontology_graph.subjects(skos_in_scheme, scheme))
        if values != concepts:
            problems.append(
                f"{shape}: sh:in differs from {scheme}: missing {sorted(map(str, concepts - values))}, "
                f"extra {sorted(map(str, values - concepts))}"
            )
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# The case reader rejects malformed cases with a clear message
# --------------------------------------------------------------------------------------------


def malformed_fixtures() -> Iterator[tuple[Path, str]]:
    """Each fixture states the message it must produce in a '# expect-error: <regex>' line."""
    for path in sorted(MALFORMED_DIR.glob("*.ttl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# expect-error:"):
                yield path, line.removeprefix("# expect-error:").strip()
                break
        else:
            raise AssertionError(f"{path}: no '# expect-error:' line")


@pytest.mark.parametrize(
    ("fixture", "pattern"), list(malformed_fixtures()), ids=lambda v: v.stem if isinstance(v, Path) else ""
)
def test_malformed_case_is_rejected(fixture: Path, pattern: str) -> None:
    with pytest.raises(MalformedCaseError, match=pattern):
        load_case(fixture)
