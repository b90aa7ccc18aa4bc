"""The ``rsikg`` command: thin commands over api.core.

Exit codes, as pySHACL's: 0 success (or conforms / consistent), 1 the graph does not conform
or is inconsistent, 2 an error in the input or the environment.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import rdflib
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from api.core import loading, reasoning, validation
from api.core.namespaces import compact, display
from api.core.stats import store_stats
from api.core.store import GraphStore, SelectResult, open_store
from api.errors import InputError, Location, RsikgError, display_path
from api.settings import MEMORY, Settings

app = typer.Typer(
    name="rsikg",
    help="rsikg: the knowledge graph of Danish regional health IT (Regionernes Sundheds-it).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="DIR",
        help="Store directory (default ./.rsikg/store, or $RSIKG_STORE); ':memory:' for a throw-away store.",
    ),
]


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    rdfxml = "rdfxml"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


class ExportFormat(StrEnum):
    trig = "trig"
    nquads = "nquads"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    rdfxml = "rdfxml"


class Materialisation(StrEnum):
    rdfs = "rdfs"
    owlrl = "owlrl"


def _settings(store: str | None) -> Settings:
    return Settings(store=store) if store else Settings()


@contextmanager
def _opened(store_option: str | None) -> Iterator[tuple[Settings, GraphStore]]:
    """Settings and the open store; every RsikgError becomes a message and exit code 2."""
    try:
        settings = _settings(store_option)
        store = open_store(None if settings.in_memory else Path(settings.store))
        yield settings, store
        store.flush()
    except RsikgError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(error.exit_code) from None


def _progress() -> tuple[Progress | None, Callable[[str, int, int], None] | None]:
    """A progress bar on a terminal; nothing when output goes to a file or a pipe."""
    if not err.is_terminal:
        return None, None
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    )
    tasks: dict[str, TaskID] = {}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(f"{phase:5} files", total=total)
        bar.update(tasks[phase], completed=done)

    return bar, update


@app.command()
def load(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD). "
            "None: ontology/, ontology/vocab/, shapes/ and graph_data/."
        ),
    ] = None,
    examples: Annotated[
        bool, typer.Option(help="With no files: also load the illustrative records in graph_data/examples/.")
    ] = False,
    materialise: Annotated[
        Materialisation | None,
        typer.Option(help="Afterwards, store the RDFS or OWL 2 RL closure (owlrl) in its own graph."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Load files into the store, each into its own named graph (a reloaded file replaces its
    graph). Every file is parsed before anything is written: one bad file, nothing changes."""
    with _opened(store) as (settings, graph_store):
        paths = files or loading.project_files(settings, examples=examples)
        bar, progress = _progress()
        if bar:
            with bar:
                written = loading.load_files(graph_store, paths, settings, progress)
        else:
            written = loading.load_files(graph_store, paths, settings)
        err.print(
            f"loaded {written} triples from {len(paths)} file(s) into {settings.store}", highlight=False
        )
        if materialise:
            added = reasoning.materialise(graph_store, loading.data_extract(graph_store), materialise.value)
            err.print(
                f"materialised {added} {materialise.value} triples into {loading.INFERRED_GRAPH}",
                highlight=False,
            )


def _read_query(query: str) -> str:
    if query == "-":
        return sys.stdin.read()
    path = Path(query)
    if len(query) < 4096 and "\n" not in query and path.suffix in (".rq", ".sparql"):
        if not path.is_file():
            raise InputError("no such query file", Location(display_path(path)))
        return path.read_text(encoding="utf-8")
    return query


def _print_table(result: SelectResult) -> None:
    table = Table(*result.variables, show_lines=False)
    for row in result.rows:
        table.add_row(*(display(t) for t in row))
    out.print(table)
    err.print(f"{len(result.rows)} row(s)")


@app.command()
def query(
    query: Annotated[
        str, typer.Argument(metavar="QUERY|FILE|-", help="SPARQL text, a .rq/.sparql file, or - for stdin.")
    ],
    format: Annotated[
        QueryFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (SELECT/ASK), json, xml, csv, tsv; "
            "turtle, ntriples, jsonld, rdfxml (CONSTRUCT/DESCRIBE).",
        ),
    ] = QueryFormat.table,
    store: StoreOption = None,
) -> None:
    """Run a SPARQL query over the union of all graphs."""
    with _opened(store) as (_, graph_store):
        text = _read_query(query)
        if format is not QueryFormat.table:
            sys.stdout.buffer.write(graph_store.query_serialized(text, format.value))
            return
        result = graph_store.query(text)
        if isinstance(result, bool):
            out.print("true" if result else "false")
        elif isinstance(result, SelectResult):
            _print_table(result)
        else:
            assert isinstance(result, rdflib.Graph)
            sys.stdout.write(result.serialize(format="turtle"))


@app.command()
def validate(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Also validate these files, merged with the store (nothing is written)."),
    ] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    lang: Annotated[str, typer.Option(help="Language of the messages in text output.")] = "en",
    store: StoreOption = None,
) -> None:
    """Validate the store (and --data files) against shapes/. Exit 0 conforms (Warnings
    allowed), 1 there are Violations, 2 error."""
    with _opened(store) as (settings, graph_store):
        report = validation.validate_store(graph_store, settings, data or [])
        if format is ReportFormat.json:
            out.print_json(report.to_json())
        elif format is ReportFormat.turtle:
            sys.stdout.write(report.to_turtle())
        else:
            out.print(report.to_text(lang), highlight=False)
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
def reason(store: StoreOption = None) -> None:
    """Check ontology + data for consistency with HermiT (owlready2). Exit 0 consistent, 1
    inconsistent or unsatisfiable classes, 2 error (e.g. no Java)."""
    with _opened(store) as (_, graph_store):
        if not loading.data_graphs(graph_store):
            raise InputError("the store is empty; run 'rsikg load' first")
        report = reasoning.check_consistency(loading.data_extract(graph_store))
        out.print(report.to_text(), highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def export(
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-f", help="trig and nquads keep the named graphs; the others give their union."
        ),
    ] = ExportFormat.trig,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    store: StoreOption = None,
) -> None:
    """Write the whole store in an RDF format."""
    with _opened(store) as (_, graph_store):
        data = graph_store.export(format.value)
        if output:
            output.write_bytes(data)
            err.print(f"wrote {len(data)} bytes to {output}")
        else:
            sys.stdout.buffer.write(data)


@app.command()
def stats(store: StoreOption = None) -> None:
    """Count the resources by class and the triples by graph."""
    with _opened(store) as (settings, graph_store):
        s = store_stats(graph_store)
        location = "memory" if settings.store == MEMORY else settings.store
        out.print(f"{s.quads} triples in {len(s.by_graph)} graphs ({location})")
        by_graph = Table("graph", "triples")
        for graph, n in s.by_graph:
            by_graph.add_row(graph.removeprefix(loading.GRAPH_BASE), str(n))
        out.print(by_graph)
        by_class = Table("class", "resources")
        for cls, n in s.by_class:
            by_class.add_row(compact(rdflib.URIRef(cls)), str(n))
        out.print(by_class)


@app.command()
def synth(
    systems: Annotated[int, typer.Option("--systems", min=1, help="How many IT systems.")] = 25_000,
    out: Annotated[Path, typer.Option("--out", help="N-Triples file to write.")] = Path("synth.nt"),
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 1,
    chain: Annotated[int, typer.Option(help="Length of the deep dependency chain.")] = 1200,
) -> None:
    """Write a synthetic national-scale graph in rsikg's ontology (for benchmarks); it conforms
    to the shapes. 25,000 systems give about 700,000 triples."""
    from api.core.synth import synthesise

    stats = synthesise(systems, out, seed=seed, chain=chain)
    err.print(
        f"wrote {stats.triples} triples to {out}: {stats.systems} systems, {stats.dependencies} "
        f"dependencies (a chain {stats.chain_depth} deep), {stats.decisions} decisions, "
        f"{stats.statements} compliance statements",
        highlight=False,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(help="File with the bearer token that allows writes; without it, writes are off."),
    ] = None,
    deadline: Annotated[float | None, typer.Option(help="Seconds a query may run (default 30).")] = None,
    workers: Annotated[int | None, typer.Option(help="Query worker processes (default 2).")] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    store: StoreOption = None,
) -> None:
    """Serve the graph over HTTP: /sparql (SPARQL 1.1 Protocol), /store (Graph Store protocol),
    /queries (named queries), /docs. Loads the graph first when the store is empty."""
    import uvicorn

    from api.web.app import create_app

    chosen: dict[str, Any] = {
        "host": host,
        "port": port,
        "token_file": token_file,
        "query_deadline": deadline,
        "query_workers": workers,
        "store": store,
    }
    try:
        settings = Settings(**{k: v for k, v in chosen.items() if v is not None})
        web_app = create_app(settings)
    except (RsikgError, OSError, ValueError) as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(2) from None
    err.print(
        f"rsikg serving {settings.store} at http://{settings.host}:{settings.port}/sparql "
        f"(writes {'on' if settings.token_file else 'off'})",
        highlight=False,
    )
    uvicorn.run(
        web_app,
        host=settings.host,
        port=settings.port,
        http="httptools",
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        access_log=access_log,
        log_level="info",
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
