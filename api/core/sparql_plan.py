"""How a SELECT's row cap can be left to Oxigraph, planned from the request's tokens.

The server answers at most ``max_rows`` rows. Where Oxigraph itself can be kept within the cap,
by the query's own LIMIT or by a LIMIT appended to it, the answer can be serialised natively
instead of counted row by row. The tokens are those :func:`rsikg.core.sparql_guard.inspect` lexed
(with :mod:`rsikg.core.sparql_lexer`), so a request is lexed once for both.
"""

from __future__ import annotations

from .sparql_guard import SparqlFeatures
from .sparql_lexer import Token, form_of, walk


def row_cap_plan(features: SparqlFeatures, cap: int) -> str | None:
    """How a SELECT can be kept within ``cap`` rows by Oxigraph itself, so its answer can be
    serialised natively: 'within' (its own LIMIT is at most the cap), 'append' (a LIMIT may be
    appended at the end), or None (count the rows one by one instead)."""
    return row_cap_plans(features, cap)[0]


def row_cap_plans(features: SparqlFeatures, *caps: int) -> tuple[str | None, ...]:
    """:func:`row_cap_plan` for each of ``caps``, the query's modifiers read once."""
    if features.form != "SELECT":
        return tuple(None for _ in caps)
    top_limit, closed = _modifiers(features.tokens)
    if closed:
        return tuple(None for _ in caps)
    if top_limit is not None:
        return tuple("within" if top_limit <= cap else None for cap in caps)
    return tuple("append" for _ in caps)


def _modifiers(found: list[Token]) -> tuple[int | None, bool]:
    """The LIMIT after the query's last closing brace (None: it has none), and whether nothing
    may be appended after it: a VALUES block follows, or a LIMIT that is no integer (Oxigraph
    refuses the query, as written, with the line and column)."""
    braces = 0
    top_limit: int | None = None
    closed = begun = False
    for i, value, word in walk(found):
        if value == "{":
            braces += 1
        elif value == "}":
            braces -= 1
            if braces == 0 and not closed:  # modifiers after it are the query's own
                top_limit = None
        elif braces == 0 and word == "LIMIT" and i + 1 < len(found) and found[i + 1][0] == "number":
            number = found[i + 1][1]
            top_limit = int(number) if number.isdigit() else None
            closed = closed or not number.isdigit()
        elif braces == 0 and word == "VALUES" and begun:
            closed = True
        begun = begun or form_of(word) is not None
    return top_limit, closed


# -- queries a server answers inline --------------------------------------------------------------

_TERM_KINDS = {"iri", "pname", "var", "string", "number"}
_CONSTANT_WORDS = {"TRUE", "FALSE"}


def anchored(features: SparqlFeatures) -> bool:
    """Whether a query is one basic graph pattern anchored at constants: some triple patterns
    have a constant subject or object, and every other is reached from them through a variable
    in its subject or object. A SELECT (of variables or ``*``, perhaps DISTINCT) or an ASK, with
    no FROM, no FILTER, OPTIONAL, UNION, GRAPH, subquery, property path, blank node, expression,
    ORDER BY or GROUP BY; at most a LIMIT and an OFFSET. Its work is bounded by the triples its
    constants reach (index lookups, not scans), so it can be answered where no deadline can
    stop it: in the serving process itself, when that process has no network either."""
    found = features.tokens
    if features.form not in ("SELECT", "ASK") or features.has_dataset_clause:
        return False
    i = 0
    while i + 2 < len(found) and _word(found[i]) == "PREFIX":
        if found[i + 1][0] != "pname" or found[i + 2][0] != "iri":
            return False
        i += 3
    body = _head(found, i)
    if body is None:
        return False
    close = _closing(found, body)
    if close is None or not _modifiers_only(found, close + 1):
        return False
    patterns = _patterns(found[body + 1 : close])
    return bool(patterns) and _reached(patterns)


def _word(token: Token) -> str:
    return token[1].upper() if token[0] == "word" else ""


def _head(found: list[Token], i: int) -> int | None:
    """The index of the WHERE clause's ``{`` after the query form at ``i``, or None when the
    head is more than a form, DISTINCT and plain variables."""
    form = _word(found[i]) if i < len(found) else ""
    i += 1
    if form == "SELECT":
        if i < len(found) and _word(found[i]) in ("DISTINCT", "REDUCED"):
            i += 1
        if i < len(found) and found[i] == ("other", "*"):
            i += 1
        else:
            start = i
            while i < len(found) and found[i][0] == "var":
                i += 1
            if i == start:
                return None
    elif form != "ASK":
        return None
    if i < len(found) and _word(found[i]) == "WHERE":
        i += 1
    return i if i < len(found) and found[i] == ("other", "{") else None


def _closing(found: list[Token], opening: int) -> int | None:
    """The ``}`` that closes the block at ``opening``, if no other brace comes first."""
    for j in range(opening + 1, len(found)):
        if found[j] == ("other", "}"):
            return j
        if found[j] == ("other", "{"):
            return None
    return None


def _modifiers_only(found: list[Token], i: int) -> bool:
    """Whether what follows the block is at most LIMIT n and OFFSET n."""
    while i < len(found):
        if _word(found[i]) not in ("LIMIT", "OFFSET") or i + 1 >= len(found) or found[i + 1][0] != "number":
            return False
        i += 2
    return True


Pattern = tuple[Token, Token, Token]


def _patterns(inside: list[Token]) -> list[Pattern]:
    """The triple patterns of a block of plain triples (``.``, ``;`` and ``,`` abbreviations);
    an empty list for anything else in it."""
    terms: list[Token] = []
    separators: list[str] = []
    i = 0
    while i < len(inside):
        kind, value = inside[i]
        if kind == "string":
            term, i = (kind, value), i + 1
            if i < len(inside) and inside[i][0] == "langtag":
                term, i = ("string", value + inside[i][1]), i + 1
            elif i + 2 < len(inside) and inside[i][1] == "^" and inside[i + 1][1] == "^":
                if inside[i + 2][0] not in ("iri", "pname"):
                    return []
                term, i = ("string", f"{value}^^{inside[i + 2][1]}"), i + 3
            terms.append(term)
        elif kind in _TERM_KINDS or (kind == "word" and (value == "a" or value.upper() in _CONSTANT_WORDS)):
            terms.append((kind, value))
            i += 1
        elif kind == "other" and value in ".;,":
            separators.append(value)
            terms.append(("sep", value))
            i += 1
        else:
            return []  # FILTER, OPTIONAL, GRAPH, a path, a blank node, an expression, ...
    return _triples(terms)


def _triples(terms: list[Token]) -> list[Pattern]:
    out: list[Pattern] = []
    subject = predicate = None
    expect = "s"
    for term in terms:
        if term[0] == "sep":
            if expect != "sep":
                if term[1] == "." and expect == "s":
                    continue  # a '.' where none is needed
                return []
            expect = {".": "s", ";": "p", ",": "o"}[term[1]]
        elif expect == "s":
            subject, expect = term, "p"
        elif expect == "p":
            if term[0] not in ("iri", "pname", "var") and term != ("word", "a"):
                return []
            predicate, expect = term, "o"
        elif expect == "o":
            if subject is None or predicate is None:
                return []
            out.append((subject, predicate, term))
            expect = "sep"
        else:
            return []
    return out if expect in ("sep", "s") else []


def _has_anchor(pattern: Pattern) -> bool:
    """Whether the pattern's subject or object is a constant (an index lookup from it)."""
    subject, _, obj = pattern
    if subject[0] in ("string", "number") or _word(subject) in _CONSTANT_WORDS:
        return False  # a literal subject: not SPARQL Oxigraph is asked for here
    return subject[0] != "var" or obj[0] != "var"


def _reached(patterns: list[Pattern]) -> bool:
    """Whether, from the patterns with a constant subject or object, every other is reached
    through a variable bound before in its subject or object (an index lookup from a bound
    term, not a scan of its predicate)."""
    reached = {t[1].lstrip("?$") for p in patterns if _has_anchor(p) for t in p if t[0] == "var"}
    waiting = [p for p in patterns if not _has_anchor(p)]
    if len(waiting) == len(patterns):
        return False
    progress = True
    while waiting and progress:
        progress = False
        for pattern in list(waiting):
            subject, _, obj = pattern
            ends = {t[1].lstrip("?$") for t in (subject, obj) if t[0] == "var"}
            if ends & reached:
                reached |= {t[1].lstrip("?$") for t in pattern if t[0] == "var"}
                waiting.remove(pattern)
                progress = True
    return not waiting
