"""SPARQL 1.1 query results (JSON, XML, CSV, TSV) from pyoxigraph solutions, with a row cap.

pyoxigraph serialises a whole ``QuerySolutions`` iterator and cannot stop after N rows, and it
cannot serialise a list of solutions. A capped answer therefore needs its own writer; these
follow the W3C result-format specifications and are checked in the tests by re-reading their
output with pyoxigraph's own result parser. A JSON cell is the term codec's SPARQL JSON form
(:func:`.terms.ox_json`); XML, CSV and TSV cells are written straight to text here, which is
cheaper than going through that form.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .terms import XSD_STRING, UnsupportedTermError, ox_json

_XSD = "http://www.w3.org/2001/XMLSchema#"
_BARE_NUMBER = {
    _XSD + "integer": re.compile(r"[+-]?\d+"),
    _XSD + "decimal": re.compile(r"[+-]?\d*\.\d+"),
    _XSD + "double": re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)[eE][+-]?\d+"),
    _XSD + "boolean": re.compile(r"true|false"),
}

Row = Sequence[object]  # terms or None, in variable order


def take(
    solutions: Iterable[ox.QuerySolution], variables: Sequence[str], limit: int
) -> tuple[list[tuple[object, ...]], bool]:
    """Up to ``limit`` rows, and whether more were left."""
    rows: list[tuple[object, ...]] = []
    for solution in solutions:
        if len(rows) == limit:
            return rows, True
        rows.append(tuple(solution[v] for v in variables))
    return rows, False


def write_json(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    bindings = [{v: ox_json(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
    document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value == XSD_STRING:
            return f"<literal>{escape(term.value)}</literal>"
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    raise UnsupportedTermError(f"cannot write {term!r} in SPARQL results")


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def write_xml(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    parts = [_XML_HEAD, "<head>"]
    parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
    parts.append("</head><results>")
    for row in rows:
        parts.append("<result>")
        for v, t in zip(variables, row, strict=True):
            if t is not None:
                parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>\n")
    return "".join(parts).encode()


def _csv_term(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    raise UnsupportedTermError(f"cannot write {term!r} in SPARQL results")


def write_csv(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_term(t) for t in row] for row in rows)
    return out.getvalue().encode()


def _tsv_term(term: object) -> str:
    """A term as SPARQL TSV writes it: its N-Triples form, which pyoxigraph writes (escapes
    included), and a number or boolean bare where its lexical form is Turtle's own."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        bare = _BARE_NUMBER.get(term.datatype.value)
        if bare is not None and bare.fullmatch(term.value):
            return term.value
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return str(term)
    raise UnsupportedTermError(f"cannot write {term!r} in SPARQL results")


def write_tsv(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def write_boolean(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return f"{_XML_HEAD}<head/><boolean>{str(value).lower()}</boolean></sparql>\n".encode()
    # SPARQL 1.1 CSV/TSV define no boolean form; answer as a one-cell table.
    return f"{'result' if fmt == 'csv' else '?result'}\n{str(value).lower()}\n".encode()


WRITERS = {"json": write_json, "xml": write_xml, "csv": write_csv, "tsv": write_tsv}

# The fewest bytes a row takes in Oxigraph's own serialisation: a body shorter than
# MIN_ROW_BYTES × n cannot hold n rows, so only longer ones need counting.
MIN_ROW_BYTES = {"json": 2, "xml": 17, "csv": 2, "tsv": 1}


def trim(body: bytes, fmt: str, limit: int) -> tuple[bytes, bool]:
    """Cut a natively serialised SELECT answer to ``limit`` rows; (body, whether it was cut).

    Exact for each format: JSON is parsed; in XML a ``<result>`` tag cannot occur inside a
    value (``<`` is escaped); TSV escapes newlines in values; CSV is read as CSV.
    """
    if len(body) < MIN_ROW_BYTES[fmt] * (limit + 1):
        return body, False
    if fmt == "json":
        # A row with a binding holds a term, and each term one "type" key, which cannot occur
        # inside a value (a quote there is escaped); a row without one is {}. So these counts
        # bound the rows from above, and a parse (30 µs for 2.5 kB) is needed only past the limit.
        terms = body.count(b'"type":')
        if terms and terms + body.count(b"{}") <= limit:
            return body, False
        document = json.loads(body)
        bindings = document["results"]["bindings"]
        if len(bindings) <= limit:
            return body, False
        del bindings[limit:]
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), True
    if fmt == "xml":
        starts = [m.start() for m in re.finditer(rb"<result>", body)]
        if len(starts) <= limit:
            return body, False
        return body[: starts[limit]] + b"</results></sparql>", True
    if fmt == "tsv":
        lines = body.split(b"\n")
        rows = lines[1:-1] if lines[-1] == b"" else lines[1:]
        if len(rows) <= limit:
            return body, False
        return b"\n".join([lines[0], *rows[:limit]]) + b"\n", True
    records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    if len(records) - 1 <= limit:
        return body, False
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(records[: limit + 1])
    return out.getvalue().encode(), True
