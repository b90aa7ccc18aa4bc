"""The graph store: the one package that imports pyoxigraph.

Everything else talks to :class:`GraphStore` (and, for the SPARQL service, the
:class:`~rsikg.core.store.engine.QueryEngine`) and sees rdflib terms, bytes and plain Python
values, so that a remote SPARQL 1.1 store can be put behind the same interface later
(tests/test_architecture.py holds every other module to it). The modules:

- :mod:`.base`: the :class:`GraphStore` interface and the values that cross it (no pyoxigraph);
  a second backend imports this, not :mod:`.oxigraph`.
- :mod:`.oxigraph`: the embedded Oxigraph store; :mod:`.journal` and :mod:`.diffs` make its
  writes all or nothing, :mod:`.merged` keeps its default graph the set union of the others.
- :mod:`.terms`: the one term codec (pyoxigraph ↔ rdflib ↔ the SPARQL JSON form).
- :mod:`.formats`: the format registry's (:mod:`rsikg.core.formats`) formats as pyoxigraph's.
- :mod:`.parsing`, :mod:`.xml_check`: reading RDF, in a worker.
- :mod:`.worker`, :mod:`.sandbox`, :mod:`.engine`, :mod:`.results`: the isolated processes
  that parse and query client text, and the answers they write.

The names below are imported on first use, so that a worker process importing
:mod:`rsikg.core.store.worker` does not pay for rdflib (100 ms of a one-shot worker's start).
The format names are the registry's, kept here so that callers need not change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..formats import (
        RDF_FORMATS,
        RESULT_FORMATS,
        rdf_format,
        rdf_format_for_path,
    )
    from ..formats import Format as RdfFormatInfo
    from .base import (
        DEFAULT_GRAPH,
        MERGED_GRAPH,
        MERGED_GRAPH_IS_KEPT,
        Changed,
        GraphStore,
        ProgressCallback,
        QueryResult,
        SelectResult,
        Source,
    )
    from .oxigraph import OxigraphStore, open_store
    from .parsing import iri_problem
    from .remote import RemoteStore, is_description
    from .terms import nquads_terms

_REGISTRY = f"{__name__.rpartition('.')[0]}.formats"
_HOMES: dict[str, tuple[str, str]] = {
    "RDF_FORMATS": (_REGISTRY, "RDF_FORMATS"),
    "RESULT_FORMATS": (_REGISTRY, "RESULT_FORMATS"),
    "RdfFormatInfo": (_REGISTRY, "Format"),
    "rdf_format": (_REGISTRY, "rdf_format"),
    "rdf_format_for_path": (_REGISTRY, "rdf_format_for_path"),
    **{
        name: (f"{__name__}.base", name)
        for name in (
            "DEFAULT_GRAPH",
            "MERGED_GRAPH",
            "MERGED_GRAPH_IS_KEPT",
            "Changed",
            "GraphStore",
            "ProgressCallback",
            "QueryResult",
            "SelectResult",
            "Source",
        )
    },
    "OxigraphStore": (f"{__name__}.oxigraph", "OxigraphStore"),
    "open_store": (f"{__name__}.oxigraph", "open_store"),
    "RemoteStore": (f"{__name__}.remote", "RemoteStore"),
    "is_description": (f"{__name__}.remote", "is_description"),
    "iri_problem": (f"{__name__}.parsing", "iri_problem"),
    "nquads_terms": (f"{__name__}.terms", "nquads_terms"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = home
    return getattr(importlib.import_module(module), attribute)


__all__ = [
    "DEFAULT_GRAPH",
    "MERGED_GRAPH",
    "MERGED_GRAPH_IS_KEPT",
    "RDF_FORMATS",
    "RESULT_FORMATS",
    "Changed",
    "GraphStore",
    "OxigraphStore",
    "ProgressCallback",
    "QueryResult",
    "RdfFormatInfo",
    "RemoteStore",
    "SelectResult",
    "Source",
    "iri_problem",
    "is_description",
    "nquads_terms",
    "open_store",
    "rdf_format",
    "rdf_format_for_path",
]
