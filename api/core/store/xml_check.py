"""A strict pre-check of RDF/XML before Oxigraph parses it.

Oxigraph's RDF/XML parser accepts a document cut short after an element (the triples before
the cut load, and a replaced graph silently shrinks), and expands the document's entities
without a limit (a "billion laughs" of nested entities). The standard library's expat parser
reads the whole document first, in chunks: any XML error (a truncated document ends in "no
element found" or "unclosed token") is an :class:`~rsikg.errors.RdfSyntaxError` with its line and
column, and the text expat delivers after expanding entities (character data and attribute
values) may not exceed :func:`expansion_limit`. Expat never fetches external entities (no
handler is set for them), and has its own amplification guard as a second line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from ...errors import Location, RdfSyntaxError

CHUNK = 1 << 16
"""Bytes fed to expat at a time, so a large file is never read into memory here."""
EXPANSION_FACTOR = 4
EXPANSION_SLACK = 1 << 20
"""Expanded text may be up to EXPANSION_FACTOR times the document's size plus EXPANSION_SLACK
characters. Without entity declarations expanded text is never longer than the document (it
is a part of it; character references and &amp; only shrink); the entities Protégé and other
OWL tools declare (&owl; for "http://www.w3.org/2002/07/owl#", ...) lengthen the IRIs that use
them, by less than 2 times over a whole document. Four times leaves room for that; the slack
lets a small document use a few long entities. A billion laughs expands a kilobyte to
gigabytes, and is stopped at about a mebibyte."""


def expansion_limit(size: int) -> int:
    """The most expanded text (characters) a document of ``size`` bytes may deliver."""
    return EXPANSION_FACTOR * size + EXPANSION_SLACK


class _TooMuchText(Exception):
    """Raised from an expat handler: the expanded text passed the limit at this line."""

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


def _chunks(data: bytes | None, path: Path | None) -> Iterator[bytes]:
    if data is not None:
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start : start + CHUNK])
        return
    if path is None:
        raise ValueError("an RDF/XML source needs data or a path")
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _size(data: bytes | None, path: Path | None) -> int:
    if data is not None:
        return len(data)
    return path.stat().st_size if path is not None else 0


def check_rdfxml(name: str, data: bytes | None = None, path: Path | None = None) -> None:
    """Refuse RDF/XML that is not well-formed XML (truncated, ...) or whose entities expand
    past :func:`expansion_limit`; ``name`` is the source reported in the error."""
    size = _size(data, path)
    limit = expansion_limit(size)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True  # text in pieces of up to 8 KiB: fewer calls while counting
    delivered = 0

    def count(length: int) -> None:
        nonlocal delivered
        delivered += length
        if delivered > limit:
            raise _TooMuchText(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    parser.CharacterDataHandler = lambda text: count(len(text))
    parser.StartElementHandler = lambda _tag, attributes: count(sum(map(len, attributes.values())))
    try:
        for chunk in _chunks(data, path):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as err:
        raise RdfSyntaxError(
            f"not valid rdfxml: the XML is not well-formed: {expat.ErrorString(err.code)}"
            + (" (is the document cut short?)" if err.code in _TRUNCATED else ""),
            Location(name, err.lineno, err.offset + 1),
        ) from None
    except _TooMuchText as err:
        raise RdfSyntaxError(
            f"refused rdfxml: its entities expand to more than {limit} characters of text (the "
            f"limit: {EXPANSION_FACTOR} times the document's {size} bytes plus {EXPANSION_SLACK})",
            Location(name, err.line, err.column),
        ) from None


_TRUNCATED = {
    expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
    expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
}
