"""How a SELECT's row cap can be left to Oxigraph, planned from the request's tokens.

The server answers at most ``max_rows`` rows. Where Oxigraph itself can be kept within the cap,
by the query's own LIMIT or by a LIMIT appended to it, the answer can be serialised natively
instead of counted row by row. The tokens are those :func:`api.core.sparql_guard.inspect` lexed
(with :mod:`api.core.sparql_lexer`), so a request is lexed once for both.
"""

from __future__ import annotations

from api.core.sparql_guard import SparqlFeatures
from api.core.sparql_lexer import Token, form_of, walk


def row_cap_plan(features: SparqlFeatures, cap: int) -> str | None:
    """How a SELECT can be kept within ``cap`` rows by Oxigraph itself, so its answer can be
    serialised natively: 'within' (its own LIMIT is at most the cap), 'append' (a LIMIT may be
    appended at the end), or None (count the rows one by one instead)."""
    if features.form != "SELECT":
        return None
    top_limit, closed = _modifiers(features.tokens)
    if closed:
        return None
    if top_limit is not None:
        return "within" if top_limit <= cap else None
    return "append"


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
