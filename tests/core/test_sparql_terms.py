"""The one way to put a term into SPARQL text (api/core/sparql_terms.py), and the check that
fails the build when ``api/`` formats a term into query text by hand."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.sparql import prepareQuery
from rsikg.core import sparql_terms
from rsikg.core.decisions import vocabulary
from rsikg.core.decisions.records import record_iri
from rsikg.core.periods import holds
from rsikg.core.sparql_terms import integer, iri, literal, term, triples_block, values, variable
from rsikg.core.store import SelectResult, open_store
from rsikg.errors import InputError, Location
from rsikg.web.routes.decisions import StatusParam

from tests.conftest import ROOT
from tests.source_imports import by_path, imported_from

# --------------------------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------------------------

VALID_IRIS = [
    "https://w3id.org/rsikg/id/system/ppj",
    "http://example.org/a?b=c&d=e#frag",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    "https://例え.jp/パス/æøå",
    "mailto:someone@example.org",
    "file:///tmp/x.ttl",
]
FORBIDDEN = [*'<>"{}|^`\\', " ", "\x7f", "\x85", *(chr(c) for c in range(0x20))]


def _bound(text: str) -> rdflib.term.Node | None:
    """What ``text`` (a term as SPARQL) is, as the store parses and evaluates it."""
    result = open_store(None).query(f"SELECT ?x WHERE {{ BIND ({text} AS ?x) }}")
    assert isinstance(result, SelectResult)
    return result.rows[0][0]


@pytest.mark.parametrize("value", VALID_IRIS)
def test_a_valid_iri_is_written_in_angle_brackets_and_read_back_the_same(value):
    assert iri(value) == f"<{value}>"
    assert _bound(iri(value)) == rdflib.URIRef(value)
    assert sparql_terms.is_iri(value)


@pytest.mark.parametrize("char", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_every_character_sparql_forbids_in_an_iri_is_refused_naming_where(char):
    prefix = "https://w3id.org/rsikg/id/x"
    value = f"{prefix}{char}y"
    with pytest.raises(InputError) as raised:
        iri(value, Location("query", field="graph"))
    assert raised.value.location.field == "graph"
    assert f"at character {len(prefix) + 1}," in raised.value.message  # where the bad one is
    assert not sparql_terms.is_iri(value)


@pytest.mark.parametrize("value", ["", "system/ppj", "//example.org/x", ":x", "1http://x", "ppj"])
def test_a_relative_or_empty_iri_is_refused(value):
    with pytest.raises(InputError, match="not an absolute IRI"):
        iri(value)


def test_an_injection_through_an_iri_is_refused_not_written():
    attack = "https://w3id.org/x> } ; DROP ALL ; INSERT DATA { <https://w3id.org/y"
    with pytest.raises(InputError):
        iri(attack)
    with pytest.raises(InputError):
        term(rdflib.URIRef(attack))
    with pytest.raises(InputError) as raised:
        record_iri("decision", attack)  # a record id given as a full IRI, as clients may
    assert raised.value.location.field == "id"


TEXTS = [
    "plain",
    'with "quotes"',
    "back\\slash",
    "ends with a backslash\\",
    "new\nline and\r\ncarriage return",
    "tab\tbackspace\bform feed\f",
    '"""',
    "'single' and '''triple'''",
    "\\u0022 and \\U0001F600 are text, not escapes",
    'accepted" . } DROP ALL ; INSERT DATA { <x> <y> "z',
    "}} ; CLEAR ALL #",
    "NUL \x00 and DEL \x7f",
    "Æble, øl og å; 😀; \u2028\u2029",
    "",
]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_a_literal_reads_back_as_the_same_text_plain_tagged_and_typed(text):
    assert _bound(literal(text)) == rdflib.Literal(text)
    assert _bound(literal(text, lang="da")) == rdflib.Literal(text, lang="da")
    typed = literal(text, datatype="https://w3id.org/rsikg/ontology#code")
    assert _bound(typed) == rdflib.Literal(
        text, datatype=rdflib.URIRef("https://w3id.org/rsikg/ontology#code")
    )


@pytest.mark.parametrize("text", [t for t in TEXTS if "\\u" not in t], ids=str)
def test_rdflib_reads_the_same_literal_too(text):
    # rdflib replaces \\u escapes before it parses (SPARQL 1.1 §19.2), so those texts are left out
    query = prepareQuery(f"SELECT ?x WHERE {{ BIND ({literal(text, lang='en')} AS ?x) }}")
    assert next(iter(rdflib.Graph().query(query)))[0] == rdflib.Literal(text, lang="en")


def test_a_literal_with_a_bad_language_tag_or_no_unicode_is_refused():
    for lang in ("da> . }", "", "da_DK", "toolongtag9"):
        if lang:
            with pytest.raises(InputError, match="language tag"):
                literal("x", lang=lang)
    with pytest.raises(InputError, match="surrogate"):
        literal("half a pair \ud800", where=Location(field="title"))
    with pytest.raises(InputError):
        literal("x", datatype="not an iri")


def test_term_writes_every_kind_of_rdflib_node():
    assert term(rdflib.URIRef(VALID_IRIS[0])) == f"<{VALID_IRIS[0]}>"
    assert _bound(term(rdflib.Literal(42))) == rdflib.Literal(42)
    assert _bound(term(rdflib.Literal("2025-01-01", datatype=rdflib.XSD.date))) == rdflib.Literal(
        "2025-01-01", datatype=rdflib.XSD.date
    )
    assert term(rdflib.BNode("b0")) == "_:b0"
    assert term(rdflib.Variable("x")) == "?x"
    with pytest.raises(InputError):
        term(rdflib.BNode("b0> } #"))
    with pytest.raises(ValueError):
        variable("x }")
    with pytest.raises(TypeError):
        integer("5")  # type: ignore[arg-type]


def test_values_blocks_of_one_and_of_several_variables_select_what_they_hold():
    store = open_store(None)
    a, b = rdflib.URIRef("https://e.org/a"), rdflib.URIRef("https://e.org/b")
    one = store.query(f"SELECT ?x WHERE {{ {values('x', [a, b])} }} ORDER BY ?x")
    assert isinstance(one, SelectResult) and one.rows == [(a,), (b,)]
    pairs = store.query(f"SELECT ?x ?y WHERE {{ {values(('x', 'y'), [(a, rdflib.Literal('ø'))])} }}")
    assert isinstance(pairs, SelectResult) and pairs.rows == [(a, rdflib.Literal("ø"))]
    empty = store.query(f"SELECT ?x WHERE {{ {values('x', [])} }}")
    assert isinstance(empty, SelectResult) and empty.rows == []
    with pytest.raises(ValueError, match="2 variables"):
        values(("x", "y"), [(a,)])


def test_an_insert_made_by_the_builder_adds_exactly_its_triples():
    store = open_store(None)
    s, p = rdflib.URIRef("https://e.org/s"), rdflib.URIRef("https://e.org/p")
    tricky = rdflib.Literal('" } ; DROP ALL ; #\n', lang="da")
    store.update(f"INSERT DATA {{ GRAPH {iri('https://e.org/g')} {{ {triples_block([(s, p, tricky)])} }} }}")
    result = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert isinstance(result, SelectResult) and result.rows == [(s, p, tricky)]


# --------------------------------------------------------------------------------------------
# The vocabularies
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("namespace", sorted(vocabulary.SCHEMES))
def test_each_enumeration_holds_exactly_the_words_of_its_skos_scheme(namespace):
    graph = rdflib.Graph()
    for path in (ROOT / "ontology" / "vocab").glob("*.ttl"):
        graph.parse(path)
    scheme = rdflib.URIRef(namespace.rstrip("/"))
    concepts = set(graph.subjects(rdflib.SKOS.inScheme, scheme))
    assert concepts, f"no concepts in {scheme}"
    assert {str(c) for c in concepts} == {namespace + w for w in vocabulary.words(namespace)}
    assert {str(graph.value(c, rdflib.SKOS.notation)) for c in concepts} == set(vocabulary.words(namespace))


def test_the_compliance_status_parameter_is_the_decision_statuses_and_all():
    assert {p.value for p in StatusParam} == {*vocabulary.words(vocabulary.VOCAB + "decision-status/"), "all"}


# The window and "not ended before": stored dates at every precision the sources use, read by
# the store through the builder's patterns, against the rule in Python (periods.holds).
STORED_DATES = [
    ("2026", "gYear"),
    ("2026-12", "gYearMonth"),
    ("2026-12-30", "date"),
    ("2026-12-31", "date"),
    ("2027", "gYear"),
    ("2027-01", "gYearMonth"),
    ("2027-01-01", "date"),
    ("2027-01-02", "date"),
]
WINDOWS = [
    (date(2026, 12, 31), date(2027, 1, 1)),
    (date(2026, 6, 1), date(2027, 1, 31)),
    (date(2027, 1, 1),) * 2,
]
END_DATE = rdflib.URIRef("https://w3id.org/rsikg/ontology#endDate")


def _dated_store():
    """A thing per stored date, ending on it (``<urn:x:2026> rsi:endDate "2026"^^xsd:gYear``),
    and ``<urn:open>`` with no end."""
    rows = [
        (rdflib.URIRef(f"urn:x:{t}"), END_DATE, rdflib.Literal(t, datatype=rdflib.XSD[k]))
        for t, k in STORED_DATES
    ]
    rows.append((rdflib.URIRef("urn:open"), rdflib.RDF.type, rdflib.OWL.Thing))
    store = open_store(None)
    store.update(f"INSERT DATA {{ GRAPH <urn:g> {{\n{triples_block(rows)}\n}} }}")
    return store


def _dates_where(store, condition: str, window: tuple[date, date] | None = None) -> set[str]:
    bound = values(["from", "to"], [tuple(rdflib.Literal(d) for d in window)]) if window else ""
    query = f"SELECT ?d WHERE {{ {bound} ?x {iri(END_DATE)} ?d FILTER({condition}) }}"
    return {str(row[0]) for row in store.select(query).rows}


@pytest.mark.parametrize("window", WINDOWS, ids=str)
def test_the_window_patterns_find_what_begins_and_ends_after_the_first_day_up_to_the_last(window):
    first, last = window
    store = _dated_store()
    begins = {t for t, _ in STORED_DATES if not holds(t, None, first) and holds(t, None, last)}
    ends = {t for t, _ in STORED_DATES if holds(None, t, first) and not holds(None, t, last)}
    assert _dates_where(store, sparql_terms.begins_within("d", first, last)) == begins
    assert _dates_where(store, sparql_terms.ends_within("d", first, last)) == ends
    # the same days bound in the query (a VALUES row, as the changes briefing has them)
    row = rdflib.Variable("from"), rdflib.Variable("to")
    assert _dates_where(store, sparql_terms.begins_within("d", *row), window) == begins
    assert _dates_where(store, sparql_terms.ends_within("d", *row), window) == ends


def test_the_reform_day_window_at_each_precision():
    store = _dated_store()
    window = date(2026, 12, 31), date(2027, 1, 1)
    assert _dates_where(store, sparql_terms.begins_within("d", *window)) == {"2027", "2027-01", "2027-01-01"}
    assert _dates_where(store, sparql_terms.ends_within("d", *window)) == {"2026", "2026-12", "2026-12-31"}


@pytest.mark.parametrize("day", [date(2026, 12, 31), date(2027, 1, 1)], ids=str)
def test_not_ended_before_keeps_what_has_no_end_or_an_end_not_before_the_day(day):
    store = _dated_store()
    pattern = sparql_terms.not_ended_before("x", rdflib.Variable("day"))
    query = (
        "PREFIX rsi: <https://w3id.org/rsikg/ontology#> SELECT ?x WHERE { "
        f"{values('day', [rdflib.Literal(day)])} GRAPH <urn:g> {{ ?x ?p ?o }} {pattern} }}"
    )
    kept = {str(row[0]) for row in store.select(query).rows}
    assert kept == {f"urn:x:{t}" for t, _ in STORED_DATES if holds(None, t, day)} | {"urn:open"}
    assert ("urn:x:2026" in kept) is (day.year == 2026)  # a year's end holds to its last day


# --------------------------------------------------------------------------------------------
# No term formatted into query text by hand
# --------------------------------------------------------------------------------------------

BUILDER = "api.core.sparql_terms"
BUILDERS = {
    "iri",
    "literal",
    "term",
    "values",
    "values_or_all",
    "one_of",
    "integer",
    "variable",
    "blank",
    "triples_block",
    "quad_blocks",
    "insert_template",
    "prologue",
    "holds_on",
    "held_set_wise",
    "dated_by",
    "not_ended_before",
    "begins_within",
    "ends_within",
    "using",
    "delete_where_written_out",
    "group",
    "in_any_graph",
    "found_in_any_graph",
    "graph_named",
    "default_graph_moved",
}
"""The functions that return SPARQL text (``is_iri`` and ``checked_iri`` return a bare value)."""

KEYWORDS = re.compile(
    r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE|INSERT|DELETE|WHERE|GRAPH|VALUES|PREFIX|BASE|FILTER|BIND|"
    r"OPTIONAL|UNION|MINUS|SERVICE|LOAD|CLEAR|DROP|CREATE|MOVE|COPY|ADD|WITH|USING|FROM|NAMED)\b"
)

ALLOWED_CONSTANTS = {
    "SPARQL_PREFIXES": "the prologue, made once by sparql_terms.prologue() from namespaces.PREFIXES",
    "_CHAIN": "a property path written in dry_run.py, no value in it",
    "_NEIGHBOUR_FACTS": "a list of prefixed names written in dry_run.py, no value in it",
    "_DECISION_LINKS": "a list of prefixed names written in dry_run.py, no value in it",
}
"""Module-level constants that are SPARQL text themselves, by name, and why they may be spliced
(test_allowed_constants_are_constants checks that each is a literal string or a builder call)."""

ALLOWED_HELPERS: dict[tuple[str, str], str] = {}  # none today (oxigraph.py's _graph_sparql is gone)
"""Functions whose result is SPARQL text, checked to return only the builder's or a constant."""

EXEMPT_FUNCTIONS = {
    ("api/core/namespaces.py", "compact"): "display text for people (CLI tables, reports), never a query",
    ("api/core/namespaces.py", "angled"): "an IRI as messages name it, for people, never a query",
    ("api/web/routes/pages.py", "link_value"): "an HTTP Link header's link (RFC 8288), never a query",
}
EXEMPT_FILES = {"api/core/sparql_terms.py": "the builder itself: the one place terms are written"}

_MESSAGE_CALLS = {"print", "echo", "secho", "debug", "info", "warning", "error", "exception", "critical"}


def _builder_names(tree: ast.Module, path: str) -> tuple[set[str], set[str]]:
    """The names bound to the builder's functions, and to the builder module, by the imports
    of the file at ``path`` (relative imports resolved against its package)."""
    functions: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and imported_from(node, path) == BUILDER:
            functions |= {a.asname or a.name for a in node.names if a.name in BUILDERS}
        elif isinstance(node, ast.ImportFrom) and imported_from(node, path) == "api.core":
            modules |= {a.asname or a.name for a in node.names if a.name == "sparql_terms"}
        elif isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if by_path(a.name) == BUILDER and a.asname}
    return functions, modules


class _Checker(ast.NodeVisitor):
    """Finds SPARQL text made by formatting (f-strings, str.format, %, +) with any value that
    is not the builder's output, an allowed constant or an allowed helper."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.functions, self.modules = _builder_names(tree, path)
        self.helpers = {name for (file, name) in ALLOWED_HELPERS if file == path}
        self.problems: list[str] = []
        self._scope: list[str] = []
        self._message = 0  # > 0 inside a raise or an exception's or a logger's arguments

    def _safe(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str | int):
            return True
        if isinstance(node, ast.IfExp):
            return self._safe(node.body) and self._safe(node.orelse)
        if isinstance(node, ast.Name | ast.Attribute):
            return ast.unparse(node).rsplit(".", 1)[-1] in ALLOWED_CONSTANTS
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in self.functions or func.id in self.helpers
        return (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.modules
            and func.attr in BUILDERS
        )

    def _report(self, node: ast.AST, values: list[ast.expr], *, keywords: bool = True) -> None:
        # An exempt function may write a term (for display, for results), never a query.
        if self._message or (not keywords and any(scope in self._exempt for scope in self._scope)):
            return
        for value in values:
            if not self._safe(value):
                where = f"{self.path}:{getattr(value, 'lineno', getattr(node, 'lineno', 0))}"
                self.problems.append(f"{where}: {{{ast.unparse(value)}}} formatted into SPARQL text")

    @property
    def _exempt(self) -> set[str]:
        return {name for (file, name) in EXEMPT_FUNCTIONS if file == self.path}

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scope.append(node.name)
        self.generic_visit(node)
        self._scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Raise(self, node: ast.Raise) -> None:
        self._message += 1
        self.generic_visit(node)
        self._message -= 1

    def visit_Call(self, node: ast.Call) -> None:
        name = ast.unparse(node.func).rsplit(".", 1)[-1]
        message = re.search(r"(Error|Exception|Warning)$", name) is not None or name in _MESSAGE_CALLS
        self._message += message
        func = node.func
        formatted = isinstance(func, ast.Attribute) and func.attr == "format" and _is_text(func.value)
        if formatted and _query_like(func.value.value):  # type: ignore[attr-defined]
            self._report(node, [*node.args, *(k.value for k in node.keywords)])
        self.generic_visit(node)
        self._message -= message

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        parts = node.values
        text = "".join(p.value for p in parts if isinstance(p, ast.Constant))
        hand_made = any(_hand_made_term(parts[i - 1 : i + 2]) for i in range(1, len(parts)))
        if KEYWORDS.search(text) or hand_made:
            formatted = [p.value for p in parts if isinstance(p, ast.FormattedValue)]
            self._report(node, formatted, keywords=bool(KEYWORDS.search(text)))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mod) and _is_text(node.left) and _query_like(node.left.value):  # type: ignore[attr-defined]
            right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            self._report(node, right)
        if isinstance(node.op, ast.Add):
            operands = _added(node)
            if any(_is_text(o) and _query_like(o.value) for o in operands):  # type: ignore[attr-defined]
                self._report(node, [o for o in operands if not isinstance(o, ast.JoinedStr)])
            for operand in operands:
                self.visit(operand)
            return
        self.generic_visit(node)


def _hand_made_term(parts: list[ast.expr]) -> bool:
    """'<' + value: an IRI (not a regular expression's named group, '(?P<');
    '"' + value + '"@' or '"^^': a literal."""
    before, value, after = [*parts, None][:3]
    if not (isinstance(before, ast.Constant) and isinstance(value, ast.FormattedValue)):
        return False
    text = str(before.value)
    if text.endswith("<") and not text.endswith("(?P<"):
        return True
    follows = str(after.value) if isinstance(after, ast.Constant) else ""
    return text.endswith('"') and follows.startswith(('"@', '"^^'))


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _query_like(text: str) -> bool:
    return bool(KEYWORDS.search(text)) or text.rstrip().endswith("<") or "<{" in text or "<%" in text


def _added(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_added(node.left), *_added(node.right)]
    return [node]


def check_source(source: str, path: str) -> list[str]:
    """Every value formatted into SPARQL text by hand in ``source``, as 'path:line: ...'."""
    if path in EXEMPT_FILES:
        return []
    tree = ast.parse(source)
    checker = _Checker(path, tree)
    checker.visit(tree)
    return checker.problems


def _api_files() -> list[Path]:
    return sorted((ROOT / "api").rglob("*.py"))


def test_no_term_is_formatted_into_query_text_by_hand_anywhere_in_api():
    problems = [
        problem
        for path in _api_files()
        for problem in check_source(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    ]
    assert problems == [], "use api.core.sparql_terms (or bindings) instead:\n" + "\n".join(problems)


HAND_MADE = [
    'x = "s"\nq = f"SELECT ?x WHERE {{ <{x}> ?p ?o }}"\n',
    'q = f"<{x}>"\n',
    "q = f'\"{x}\"@da'\n",
    'q = f"INSERT DATA {{ GRAPH {g} {{ {s} {p} {o} }} }}"\n',
    'q = f"FILTER (?status = {status})"\n',
    'q = "SELECT ?x WHERE {{ <{}> ?p ?o }}".format(x)\n',
    'q = "SELECT ?x WHERE { <%s> ?p ?o }" % x\n',
    'q = "SELECT ?x WHERE { <" + x + "> ?p ?o }"\n',
    # a function of the builder's name that is not the builder's is no excuse
    'def iri(x):\n    return x\nq = f"SELECT ?x WHERE {{ {iri(x)} ?p ?o }}"\n',
    # nor is a fragment of a query kept in a variable
    'from api.core.sparql_terms import iri\nf = iri(x)\nq = f"SELECT ?x WHERE {{ {f} ?p ?o }}"\n',
]


@pytest.mark.parametrize("source", HAND_MADE, ids=range(len(HAND_MADE)))
def test_the_check_finds_a_term_formatted_by_hand(source):
    problems = check_source(source, "api/core/example.py")
    assert problems and problems[0].startswith("api/core/example.py:")


def test_the_hand_made_query_is_found_appended_to_any_file_of_api():
    attack = 'x = "s"\nq = f"SELECT ?x WHERE {{ <{x}> ?p ?o }}"\n'
    missed = []
    for path in _api_files():
        relative = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8") + "\n" + attack
        lines = source.count("\n")
        if relative not in EXEMPT_FILES and f"{relative}:{lines}: {{x}} formatted into SPARQL text" not in (
            check_source(source, relative)
        ):
            missed.append(relative)
    assert missed == []


@pytest.mark.parametrize(("path", "function"), sorted(EXEMPT_FUNCTIONS))
def test_a_query_is_found_even_in_a_function_that_may_write_terms_for_display(path, function):
    display = f'def {function}(x):\n    return f"<{{x}}>"\n'
    assert check_source(display, path) == []
    query = f'def {function}(x):\n    return f"SELECT ?x WHERE {{{{ <{{x}}> ?p ?o }}}}"\n'
    assert check_source(query, path) == [f"{path}:2: {{x}} formatted into SPARQL text"]


BUILT = [
    'from api.core.sparql_terms import iri\nq = f"SELECT ?x WHERE {{ {iri(x)} ?p ?o }}"\n',
    'from api.core import sparql_terms as s\nq = f"SELECT ?x WHERE {{ {s.term(x)} ?p {s.literal(y)} }}"\n',
    "from api.core.sparql_terms import values\n"
    "q = f\"SELECT ?x WHERE {{ {values('x', xs) if xs else ''} }}\"\n",
    "from api.core.namespaces import SPARQL_PREFIXES\n"
    'q = f"{SPARQL_PREFIXES}SELECT ?x WHERE {{ ?x ?p ?o }}"\n',
    # messages name IRIs in angle brackets, and are not query text
    'raise InputError(f"the store has no graph <{target}>")\n',
    'raise QueryRefusedError(f"SERVICE <{target}> is refused")\n',
    'console.print(f"adopted in <{graph}>")\n',
]


@pytest.mark.parametrize("source", BUILT, ids=range(len(BUILT)))
def test_the_check_lets_the_builder_constants_and_messages_pass(source):
    assert check_source(source, "api/core/example.py") == []


def test_allowed_constants_are_constants_and_helpers_only_return_built_text():
    defined: dict[str, ast.expr] = {}
    helpers: dict[tuple[str, str], ast.FunctionDef] = {}
    for path in _api_files():
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined.update({t.id: node.value for t in targets if isinstance(t, ast.Name)})
            if isinstance(node, ast.FunctionDef) and (relative, node.name) in ALLOWED_HELPERS:
                helpers[relative, node.name] = node
    for name in ALLOWED_CONSTANTS:
        value = defined[name]
        is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
        built = isinstance(value, ast.Call) and ast.unparse(value.func) in BUILDERS
        assert is_text or built, f"{name} must be a string literal or a builder call"
    # a helper that is gone needs no allowance; one that is there must earn it
    for (relative, _), function in helpers.items():
        checker = _Checker(relative, ast.parse(Path(ROOT / relative).read_text(encoding="utf-8")))
        checker.helpers = set()  # a helper may not vouch for itself
        for node in ast.walk(function):
            if isinstance(node, ast.Return):
                assert node.value is not None and checker._safe(node.value), ast.unparse(node)
