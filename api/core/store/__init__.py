"""The graph store: the one package that knows pyoxigraph.

Everything else talks to :class:`GraphStore` (and, for the SPARQL service, the
:class:`~api.core.store.engine.QueryEngine`) and sees rdflib terms, bytes and plain Python
values, so that a remote SPARQL 1.1 store can be put behind the same interface later.

The names below are imported on first use, so that a worker process importing
:mod:`api.core.store.worker` does not pay for rdflib (100 ms of a one-shot worker's start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.core.store.formats import (
        DEFAULT_GRAPH,
        RDF_FORMATS,
        RESULT_FORMATS,
        RdfFormatInfo,
        Source,
        iri_problem,
        rdf_format,
        rdf_format_for_path,
    )
    from api.core.store.oxigraph import (
        GraphStore,
        OxigraphStore,
        ProgressCallback,
        QueryResult,
        SelectResult,
        open_store,
    )

_HOMES = {
    "DEFAULT_GRAPH": "formats",
    "RDF_FORMATS": "formats",
    "RESULT_FORMATS": "formats",
    "RdfFormatInfo": "formats",
    "Source": "formats",
    "iri_problem": "formats",
    "rdf_format": "formats",
    "rdf_format_for_path": "formats",
    "GraphStore": "oxigraph",
    "OxigraphStore": "oxigraph",
    "ProgressCallback": "oxigraph",
    "QueryResult": "oxigraph",
    "SelectResult": "oxigraph",
    "open_store": "oxigraph",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "DEFAULT_GRAPH",
    "RDF_FORMATS",
    "RESULT_FORMATS",
    "GraphStore",
    "OxigraphStore",
    "ProgressCallback",
    "QueryResult",
    "RdfFormatInfo",
    "SelectResult",
    "Source",
    "iri_problem",
    "open_store",
    "rdf_format",
    "rdf_format_for_path",
]
