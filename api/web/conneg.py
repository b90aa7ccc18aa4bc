"""Content negotiation: the Accept header with q-values (RFC 9110, section 12.5.1)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from ..core import formats
from .errors import HttpError

RESULT_OFFERS = formats.offers(formats.RESULT_FORMATS)
"""What a SELECT or ASK answer is offered as: application/sparql-results+json, ..., then the
looser types (application/json, application/xml, text/xml) the registry lets them answer."""
GRAPH_OFFERS = formats.offers(formats.ANSWER_GRAPH_FORMATS)
"""What a CONSTRUCT or DESCRIBE answer, or a graph, is offered as: text/turtle, ..., then
application/x-turtle, text/plain (N-Triples) and application/json (JSON-LD)."""


def _ranges(header: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) for each media range; malformed parts are skipped."""
    ranges = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if "/" not in media:
            continue
        kind, _, sub = media.lower().partition("/")
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((kind, sub, q))
    return ranges


def _quality(ranges: list[tuple[str, str, float]], media_type: str) -> float:
    """The q of the most specific range that matches (exact, then type/*, then */*)."""
    kind, _, sub = media_type.partition("/")
    best, specificity = 0.0, -1
    for r_kind, r_sub, q in ranges:
        if r_kind == kind and r_sub == sub:
            level = 2
        elif r_kind == kind and r_sub == "*":
            level = 1
        elif r_kind == "*" and r_sub == "*":
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def choose(header: str | None, offers: Sequence[tuple[str, str]]) -> str | None:
    """The format the client prefers among the offers (server order breaks ties); None if the
    client accepts none of them. No Accept header, or an empty one, accepts anything."""
    if not header or not header.strip():
        return offers[0][1]
    ranges = _ranges(header)
    if not ranges:
        return offers[0][1]
    best, best_q = None, 0.0
    for media_type, fmt in offers:
        q = _quality(ranges, media_type)
        if q > best_q:
            best, best_q = fmt, q
    return best


def answer_formats(accept: str | None) -> tuple[str | None, str | None]:
    """The preferred format for each kind of query answer (SELECT/ASK results, CONSTRUCT/DESCRIBE
    RDF); 406 when the client accepts neither kind."""
    results_format, graph_format = _answer_formats(accept)
    if results_format is None and graph_format is None:
        raise HttpError(406, f"no result format of this endpoint matches Accept: {accept}")
    return results_format, graph_format


@functools.lru_cache(maxsize=256)
def _answer_formats(accept: str | None) -> tuple[str | None, str | None]:
    """A client sends the same Accept header with every request: read once (15 µs a request)."""
    return choose(accept, RESULT_OFFERS), choose(accept, GRAPH_OFFERS)


def media_type_of(fmt: str) -> str:
    """The media type of an answer format name (json, turtle, ...)."""
    return formats.media_type(fmt)
