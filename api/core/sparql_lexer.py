"""The SPARQL request lexer that the guard (:mod:`rsikg.core.sparql_guard`: what a request would
reach for) and the planner (:mod:`rsikg.core.sparql_plan`: how a row cap can be left to Oxigraph)
both read a request with.

It reads strings, IRIs, comments, variables and prefixed names as the SPARQL 1.1 grammar defines
them, so a keyword inside a string, an IRI or a comment is not taken for one. Lexing, not a
parse: where it and Oxigraph's parser read a request differently, the worker the request runs in
still has no network to reach.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

Token = tuple[str, str]
"""A token's kind (a group name of _TOKEN) and its text."""

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
    | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*)?:
                (?:(?:[\w\-.:%\u00B7-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%])*
                   (?:[\w\-:%\u00B7-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%]))?)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_OPERATIONS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def form_of(word: str) -> str | None:
    """The request form a keyword (upper case) begins: SELECT, ASK, CONSTRUCT, DESCRIBE or
    UPDATE; None for any other word."""
    if word in QUERY_FORMS:
        return word
    return "UPDATE" if word in UPDATE_OPERATIONS else None


_FUSED = re.compile(r"^(SERVICE|LOAD|FROM)?(SILENT|NAMED)?(.*)$", re.IGNORECASE | re.DOTALL)


_FUSABLE = frozenset({"word", "pname"})


def tokens(text: str, predeclared: Collection[str] = ()) -> list[Token]:
    """The request's tokens, without white space and comments. ``predeclared``: the prefixes
    the request may use without declaring them (the parser reads fused keywords with them as
    with its own)."""
    raw = [
        (m.lastgroup or "other", m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]
    declared = {
        raw[i + 1][1].partition(":")[0]
        for i in range(len(raw) - 1)
        if raw[i][0] == "word" and raw[i][1].upper() == "PREFIX" and raw[i + 1][0] == "pname"
    }
    # only a word or a prefixed name can be fused keywords: every other token is kept as it is
    # (a request of 200,000 parentheses is lexed in half the time)
    found: list[Token] = []
    for token in raw:
        if token[0] in _FUSABLE:
            found.extend(_unfused(token[0], token[1], declared, predeclared))
        else:
            found.append(token)
    return found


def _unfused(kind: str, value: str, declared: set[str], predeclared: Collection[str] = ()) -> list[Token]:
    """Oxigraph's parser reads ``SERVICESILENT<…>``, ``FROMNAMED<…>`` and ``SERVICEl:x`` (``l:``
    declared, or given in ``prefixes=``) as the keywords followed by the rest (measured), where a
    lexer sees one word or one prefixed name: split them the same way."""
    fused = _FUSED.match(value) if kind in ("word", "pname") else None
    if fused is None or not (fused[1] or fused[2]):
        return [(kind, value)]
    if fused[1] and fused[2] and (fused[1].upper() == "FROM") != (fused[2].upper() == "NAMED"):
        return [(kind, value)]  # FROMSILENT, SERVICENAMED: no keywords of SPARQL
    if kind == "word" and (fused[3] or not fused[1]):
        return [(kind, value)]  # a word such as SERVICEX or a lone SILENT
    own_prefix, rest_prefix = value.partition(":")[0], fused[3].partition(":")[0]
    own = own_prefix in declared or own_prefix in predeclared
    if kind == "pname" and (own or (rest_prefix not in declared and rest_prefix not in predeclared)):
        return [(kind, value)]  # a prefixed name of its own, such as loading:x
    split = [("word", k) for k in (fused[1], fused[2]) if k]
    return [*split, ("pname", fused[3])] if fused[3] else split


def declares_prefix(found: list[Token], i: int) -> bool:
    """Whether token i begins a prefix declaration: ``PREFIX``, a prefixed name, and its IRI."""
    kind, value = found[i]
    return kind == "word" and value.upper() == "PREFIX" and i + 2 < len(found) and found[i + 1][0] == "pname"


def walk(found: list[Token]) -> Iterator[tuple[int, str, str]]:
    """(index, text, keyword) for each token the guard and the planner read, in order; the
    keyword is a word's text in upper case ("" for other tokens). A prefix declaration is one
    step: its name and IRI are not walked (they are read with the ``PREFIX``)."""
    i, end = 0, len(found)
    while i < end:  # on every request: declares_prefix written out, as a call per token shows
        kind, value = found[i]
        word = value.upper() if kind == "word" else ""
        yield i, value, word
        i += 3 if word == "PREFIX" and i + 2 < end and found[i + 1][0] == "pname" else 1


Span = tuple[str, str, int, int]
"""A token's kind, its text, and where it starts and ends in the request."""


def spans(text: str) -> list[Span]:
    """The request's tokens with their offsets, without white space and comments (not split
    as :func:`tokens` splits fused keywords: for rewriting a request where it stands)."""
    return [
        (m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]
