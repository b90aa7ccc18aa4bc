"""Which files go into the store, under which graph names.

Each file gets a named graph of its own, so a fact's file can be queried
(``GRAPH ?g { ... }``). Project files are named by their path in the project, so the names
do not depend on where the checkout lives:
``graph_data/systems.ttl`` → ``https://w3id.org/rsikg/graph/graph_data/systems.ttl``.
Files outside the project are named by their ``file:`` URI.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import rdflib

from ..errors import InputError, Location, display_path
from ..settings import Settings
from . import derive
from .store import GraphStore, ProgressCallback, Source, rdf_format_for_path

GRAPH_BASE = "https://w3id.org/rsikg/graph/"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
SHAPES_GRAPH_PREFIX = GRAPH_BASE + "shapes/"
DEFAULT_DATA_GRAPH = GRAPH_BASE + "default"
"""The named graph that holds what is written to the default graph (an update's triples outside
GRAPH, a Graph Store write to ``?default``): the store's own default graph stays empty, so that
the default graph an update acts on is the union a query reads (api/core/sparql_dataset.py)."""

log = logging.getLogger("rsikg.loading")


def graph_iri_for(path: Path, project_dir: Path) -> str:
    """The named graph a file is loaded into."""
    resolved = path.resolve()
    try:
        relative = resolved.relative_to(project_dir.resolve())
    except ValueError:
        return resolved.as_uri()
    return GRAPH_BASE + relative.as_posix()


def source_for(path: Path, project_dir: Path) -> Source:
    """A file as a :class:`Source`, its format told by its extension."""
    if not path.is_file():
        raise InputError("no such file", Location(display_path(path)))
    return Source(
        name=display_path(path),
        graph=graph_iri_for(path, project_dir),
        format=rdf_format_for_path(path),
        path=path,
    )


def project_files(settings: Settings, *, examples: bool = False, empty_ok: bool = False) -> list[Path]:
    """The project's own RDF: ontology, vocabularies, shapes and the sourced graph data.

    The illustrative records in graph_data/examples/ come only when asked for. No file at all is
    an InputError (most likely the wrong RSIKG_PROJECT_DIR) unless ``empty_ok``.
    """
    files = [
        *sorted(settings.ontology_dir.glob("*.ttl")),
        *sorted((settings.ontology_dir / "vocab").glob("*.ttl")),
        *sorted(settings.shapes_dir.glob("*.ttl")),
        *sorted(settings.data_dir.glob("*.ttl")),
    ]
    if examples:
        files += sorted((settings.data_dir / "examples").rglob("*.ttl"))
    if not files and not empty_ok:
        raise InputError(
            f"found no .ttl files under {settings.project_dir}; set RSIKG_PROJECT_DIR to the "
            "folder that holds ontology/, shapes/ and graph_data/"
        )
    return files


def shapes_files(settings: Settings) -> list[Path]:
    return sorted(settings.shapes_dir.glob("*.shapes.ttl"))


def is_shapes_graph(graph: str) -> bool:
    return graph.startswith(SHAPES_GRAPH_PREFIX)


def load_files(
    store: GraphStore,
    paths: Iterable[Path],
    settings: Settings,
    progress: ProgressCallback | None = None,
) -> int:
    """Load files into their graphs. Every file is parsed before anything is written."""
    sources = [source_for(p, settings.project_dir) for p in paths]
    return store.load(sources, progress)


def load_project(
    store: GraphStore,
    settings: Settings,
    *,
    examples: bool = False,
    progress: ProgressCallback | None = None,
    empty_ok: bool = False,
) -> int:
    """Load the project's own files (see :func:`project_files`), then write what rsikg derives
    from them (:mod:`rsikg.core.derive`) into its own graph, replacing an earlier derivation.
    Returns the number of quads written, derived ones included. With ``empty_ok`` a project
    without files loads nothing: a plain store, without shapes (a Graph Store's own data)."""
    files = project_files(settings, examples=examples, empty_ok=empty_ok)
    if not files:
        log.warning(
            "no .ttl files under %s: starting with an empty store and no shapes", settings.project_dir
        )
        return 0
    written = load_files(store, files, settings, progress)
    return written + derive.write_derived(store, data_graphs(store))


def is_data_graph(graph: str) -> bool:
    """Whether a graph holds data (to validate, reason over): not shapes, not inferred triples."""
    return not is_shapes_graph(graph) and graph != INFERRED_GRAPH


def data_graphs(store: GraphStore) -> Sequence[str]:
    """The graphs that hold data: all but the shapes and the inferred triples."""
    return [g for g in store.named_graphs() if is_data_graph(g)]


def data_extract(store: GraphStore) -> rdflib.Graph:
    """The data graphs as one in-memory rdflib graph (for pySHACL, HermiT and owlrl)."""
    return store.to_rdflib(exclude_graphs=[g for g in store.named_graphs() if not is_data_graph(g)])
