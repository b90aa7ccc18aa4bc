"""The graph store: the one package that knows pyoxigraph.

Everything else talks to :class:`GraphStore` (and, for the SPARQL service, the
:class:`~api.core.store.engine.QueryEngine`) and sees rdflib terms, bytes and plain Python
values, so that a remote SPARQL 1.1 store can be put behind the same interface later.
"""

from api.core.store.oxigraph import (
    DEFAULT_GRAPH,
    RDF_FORMATS,
    RESULT_FORMATS,
    GraphStore,
    OxigraphStore,
    ProgressCallback,
    QueryResult,
    RdfFormatInfo,
    SelectResult,
    Source,
    open_store,
    rdf_format,
    rdf_format_for_path,
)

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
    "open_store",
    "rdf_format",
    "rdf_format_for_path",
]
