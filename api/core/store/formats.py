"""The registry's formats (:mod:`rsikg.core.formats`) as pyoxigraph knows them.

Keyed by the registry's names and found by each format's media type, so that the registry
stays the one list: a format added there that Oxigraph cannot read or write fails the import
here. Free of rdflib, so that a worker process that only parses starts in 40 ms rather than
150 ms.
"""

from __future__ import annotations

from typing import TypeVar

import pyoxigraph as ox

from ..formats import RDF_FORMATS, RESULT_FORMATS

_F = TypeVar("_F")


def _known(name: str, found: _F | None) -> _F:
    if found is None:
        raise LookupError(f"pyoxigraph has no format for the registry's {name!r}")
    return found


OX_RDF: dict[str, ox.RdfFormat] = {
    name: _known(name, ox.RdfFormat.from_media_type(info.media_type)) for name, info in RDF_FORMATS.items()
}
OX_RESULTS: dict[str, ox.QueryResultsFormat] = {
    name: _known(name, ox.QueryResultsFormat.from_media_type(info.media_type))
    for name, info in RESULT_FORMATS.items()
}
