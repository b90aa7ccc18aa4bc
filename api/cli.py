"""The ``rsikg`` command: thin commands over api.core.

Exit codes, as pySHACL's: 0 success (or conforms / consistent), 1 the graph does not conform
or is inconsistent, 2 an error in the input or the environment.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import rdflib
import typer
from pydantic import ValidationError
from rdflib.query import ResultRow
from rdflib.term import Node
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from .core.formats import ANSWER_GRAPH_FORMATS, EXPORT_FORMATS, RESULT_FORMATS
from .core.service import (
    GRAPH_BASE,
    GRAPH_FORMATS,
    INFERRED_GRAPH,
    MAX_DEPTH,
    RELATIONS,
    Check,
    DecisionStatus,
    GraphService,
    SelectResult,
    angled,
    compact,
    display,
    local_id,
)
from .errors import InputError, Location, NotAcceptableError, RsikgError, display_path
from .settings import MEMORY, Settings

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
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="The day the answer is for (default: today in Denmark, or $RSIKG_TODAY); 'all': every "
        "statement with its period, as stored.",
    ),
]


# The format choices come from the registry (api.core.formats). An enum takes its members from
# a list only in the functional form, which mypy cannot follow: hence the ignores, and members
# reached as QueryFormat["table"] rather than QueryFormat.table.
_QUERY_FORMATS = ("table", *RESULT_FORMATS, *ANSWER_GRAPH_FORMATS)
QueryFormat = StrEnum("QueryFormat", [(n, n) for n in _QUERY_FORMATS])  # type: ignore[misc]


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


ExportFormat = StrEnum("ExportFormat", [(n, n) for n in EXPORT_FORMATS])  # type: ignore[misc]


class Materialisation(StrEnum):
    rdfs = "rdfs"
    owlrl = "owlrl"


def _settings(store: str | None) -> Settings:
    """The settings (from RSIKG_* variables and ``--store``); a bad value is an InputError that
    names the setting and its variable, not a traceback."""
    try:
        return Settings(store=store) if store else Settings()
    except ValidationError as error:
        said = [
            f"the setting {'.'.join(map(str, e['loc']))} (RSIKG_{'_'.join(map(str, e['loc'])).upper()}): "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        ]
        raise InputError("; ".join(said), Location("settings")) from None


@contextmanager
def _opened(store_option: str | None, *, read: bool = False) -> Iterator[GraphService]:
    """The service over the store a command names; every RsikgError becomes a message and exit
    code 2. A command that only reads (``read``) reads a store a running ``rsikg serve`` holds,
    as it is when the command opens it, and says so."""
    try:
        service = GraphService.for_command(_settings(store_option), read=read)
        if service.read_only:
            err.print(
                "note: the store is in use (a running 'rsikg serve'?); reading it read-only, as it is now",
                highlight=False,
            )
        yield service
        service.flush()
    except RsikgError as error:
        _fail(error)


def _fail(error: RsikgError) -> NoReturn:
    """An RsikgError as a message on stderr (each problem of a record on its line) and its exit code."""
    problems = getattr(error, "problems", None)  # a record with several things wrong: each
    for problem in problems or [error]:
        err.print(f"[bold red]error:[/] {problem}", highlight=False)
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
    with _opened(store) as service:
        paths = files or service.project_files(examples=examples)
        bar, progress = _progress()
        with bar or nullcontext():  # no files: the project's, then the graph rsikg derives from them
            service.load(files, examples=examples, progress=progress)
        derived = "" if files else " and what rsikg derives from them"
        err.print(  # what the store holds now, as the load counted it for the service (as stats counts)
            f"loaded {len(paths)} file(s){derived} into {service.settings.store}: "
            f"it holds {service.triples} triples in {len(service.known_graphs)} graphs",
            highlight=False,
        )
        if materialise:
            added = service.materialise(materialise.value)
            err.print(
                f"materialised {added} {materialise.value} triples into {INFERRED_GRAPH}", highlight=False
            )


def _read_query(query: str) -> str:
    if query == "-":
        return sys.stdin.read()
    path = Path(query)
    if len(query) < 4096 and "\n" not in query and path.suffix in (".rq", ".sparql"):
        if not path.is_file():
            raise InputError("no such query file", Location(display_path(path)))
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"not UTF-8 ({error.reason} at byte {error.start})", Location(display_path(path))
            ) from None
    return query


def _table(*headers: str) -> Table:
    """A table whose cells wrap to the terminal's width and fold a long id or IRI onto the
    next line rather than cut it with an ellipsis (Rich's default): every value is whole."""
    table = Table(show_lines=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _print_table(result: SelectResult) -> None:
    table = _table(*result.variables)
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
    ] = QueryFormat["table"],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="NAME=VALUE",
            help="A named query's parameter (queries/*.rq); the others take their defaults.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="A named query's date parameter (default today, or $RSIKG_TODAY).",
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Run a SPARQL query over every graph merged (in an isolated worker, as the server does)."""
    with _opened(store, read=True) as service:
        source = Path(query if query.endswith((".rq", ".sparql")) else "query")  # names errors
        text, bindings = service.bound_query(source, _read_query(query), param or [], as_of)
        if format is not QueryFormat["table"]:
            sys.stdout.buffer.write(_query_in(format.value, service, text, bindings))
            return
        used, body = service.run_query(text, results_format="json", graph_format="turtle", bindings=bindings)
    if used == "turtle":
        sys.stdout.write(body.decode())
        return
    result = rdflib.query.Result.parse(io.BytesIO(body), format="json")
    if result.type == "ASK":
        out.print("true" if result.askAnswer else "false")
    else:
        variables = [str(v) for v in result.vars or []]
        rows: list[tuple[Node | None, ...]] = [tuple(cast(ResultRow, row)) for row in result]
        _print_table(SelectResult(variables, rows))


def _query_in(format: str, service: GraphService, text: str, bindings: dict[str, Node]) -> bytes:
    """The answer in the ``--format`` asked for; an InputError naming it when the query's form
    cannot be written in it."""
    results, graph = (format, None) if format in RESULT_FORMATS else (None, format)
    try:
        return service.run_query(text, results_format=results, graph_format=graph, bindings=bindings)[1]
    except NotAcceptableError as error:
        kinds = "SELECT and ASK" if error.form == "results" else "CONSTRUCT and DESCRIBE"
        raise InputError(
            f"--format {format} cannot carry the result of {kinds} queries", Location(field="format")
        ) from None


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
    with _opened(store, read=True) as service:
        report = service.validate(data or [])
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
    with _opened(store, read=True) as service:
        report = service.reason()
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
    ] = ExportFormat["trig"],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    store: StoreOption = None,
) -> None:
    """Write the whole store in an RDF format."""
    with _opened(store, read=True) as service:
        data = service.export(format.value)
        if output:
            output.write_bytes(data)
            err.print(f"wrote {len(data)} bytes to {output}")
        else:
            sys.stdout.buffer.write(data)


@app.command()
def stats(store: StoreOption = None) -> None:
    """Count the resources by class and the triples by graph."""
    with _opened(store, read=True) as service:
        s = service.stats()
        location = "memory" if service.settings.store == MEMORY else service.settings.store
        out.print(f"{s.quads} triples in {len(s.by_graph)} graphs ({location})")
        by_graph = _table("graph", "triples")
        for graph, n in s.by_graph:
            by_graph.add_row(graph.removeprefix(GRAPH_BASE), str(n))
        out.print(by_graph)
        by_class = _table("class", "resources")
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
    from .core.synth import synthesise

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
    base_url: Annotated[
        str | None,
        typer.Option(
            help="URL clients reach the service at, for the service description (default http://HOST:PORT)."
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(help="File with the bearer token that allows writes; without it, writes are off."),
    ] = None,
    deadline: Annotated[float | None, typer.Option(help="Seconds a query may run (default 30).")] = None,
    workers: Annotated[int | None, typer.Option(help="Query worker processes (default 2).")] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            help="Serving processes on the address (default 1): one owns the store; the others answer "
            "anchored queries themselves and pass the rest to it. 2 uses both cores of a 2-core machine."
        ),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    store: StoreOption = None,
) -> None:
    """Serve the graph over HTTP: /sparql (SPARQL 1.1 Protocol), /store (Graph Store protocol),
    /queries (named queries), /docs. Loads the graph first when the store is empty."""

    chosen: dict[str, Any] = {
        "host": host,
        "port": port,
        "base_url": base_url,
        "token_file": token_file,
        "query_deadline": deadline,
        "query_workers": workers,
        "processes": processes,
        "store": store,
    }
    try:
        settings = Settings(**{k: v for k, v in chosen.items() if v is not None})
    except (RsikgError, OSError, ValueError) as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(2) from None
    _run_server(settings, access_log=access_log)


@app.command()
def openapi(
    base_url: Annotated[
        str | None, typer.Option(help="The server the document names (default http://127.0.0.1:8000).")
    ] = None,
) -> None:
    """Print the OpenAPI document of rsikg serve (JSON), as /openapi.json gives it: for client
    generators and linters, without a server."""
    from .web.app import openapi_document

    settings = Settings(store=":memory:", base_url=base_url or "")  # "": http://127.0.0.1:8000
    typer.echo(json.dumps(openapi_document(settings), ensure_ascii=False, indent=1))


def _announce(settings: Settings) -> None:
    """The first line of the server's log: what it serves, where, and whether it takes writes."""
    import logging

    text = (
        f"rsikg serving {settings.store} at http://{settings.host}:{settings.port}/sparql "
        f"(writes {'on' if settings.token_file else 'off'})"
    )
    if settings.log_format == "json":  # every line of a JSON log is an object
        extra = {"event": "serve.start", "store": settings.store, "writes": settings.token_file is not None}
        logging.getLogger("rsikg.web").info(text, extra=extra)
    else:
        err.print(text, highlight=False)


# Requests still running this long after SIGTERM are cancelled (uvicorn's graceful shutdown)...
STOP_GRACE_SECONDS = 5
# ... and the process ends this long after SIGTERM whatever still runs (see _end_when_stuck).
STOP_DEADLINE_SECONDS = STOP_GRACE_SECONDS + 3.0


def _run_server(settings: Settings, *, access_log: bool) -> None:
    """Serve until stopped: one process, or several on the one address (``settings.processes``)."""
    import uvicorn

    from . import logs
    from .web.app import create_app
    from .web.replica import Replicas

    # uvicorn's own logging, plus rsikg's loggers (refused requests and writes, deadline kills,
    # worker respawns, internal errors with their traceback) on the same stream and format;
    # uvicorn applies it once, here
    log_config = logs.server_config(uvicorn.config.LOGGING_CONFIG, settings.log_format, settings.log_level)
    replicas: Replicas | None = None
    try:
        if settings.processes > 1:
            replicas = Replicas(settings)  # binds every process's socket: a busy port fails here
    except OSError as error:
        where = f"{settings.host}:{settings.port}"
        err.print(f"[bold red]error:[/] cannot listen at {where}: {error}", highlight=False)
        raise typer.Exit(3) from None
    except ValueError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(2) from None
    try:
        web_app = create_app(settings, publication=replicas.publication if replicas else None)
    except (RsikgError, OSError, ValueError) as error:
        if replicas is not None:
            replicas.stop()
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(2) from None
    config = uvicorn.Config(
        web_app,
        host=settings.host,
        port=settings.port,
        http="httptools",
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        access_log=access_log,
        proxy_headers=False,  # rsikg reads no client address: X-Forwarded-For is not read either
        log_level=settings.log_level.lower(),
        log_config=log_config,
        timeout_graceful_shutdown=STOP_GRACE_SECONDS,
    )
    _announce(settings)  # after uvicorn.Config, which applied the logging configuration
    import logging

    if replicas is None:
        sockets = [config.bind_socket()]  # a busy port: exit 3 here, before the store is opened
    else:
        sockets = [replicas.listening[0], replicas.unix]
        replicas.start()  # before this process is cut off the network: each cuts itself off
    if GraphService.is_remote(settings):  # it talks to the store over the network; queries run there
        logging.getLogger("rsikg.web").info(
            "serving over the remote store %s: queries run in its engine; writes parsed in isolated workers",
            settings.store,
            extra={"event": "server.remote", "store": settings.store},
        )
    else:
        isolation = GraphService.isolate_server()  # before any thread: they inherit it
        logging.getLogger("rsikg.web").info(
            "serving process cut off the network (%s): anchored queries are answered in it",
            ", ".join(isolation) or "nothing took effect: every query goes to a worker",
            extra={"event": "server.isolated", "isolation": isolation},
        )
    server = uvicorn.Server(config)
    _end_when_stuck(lambda: server.should_exit)
    try:
        server.run(sockets=sockets)
    finally:
        if replicas is not None:
            replicas.stop()
    if not server.started:  # the app did not start (the store locked, ...): as uvicorn.run
        raise typer.Exit(3)


def _end_when_stuck(stopping: Callable[[], bool]) -> None:
    """End the process STOP_DEADLINE_SECONDS after the server began to stop, whatever still runs.

    uvicorn cancels the requests still running after its grace, but a request computing in a
    thread (anyio.to_thread, e.g. /graph/critical) cannot be cancelled: its task waits for the
    thread, asyncio.run waits for the task, and the interpreter's exit for the thread (anyio's
    are not daemons). A daemon thread watching for the stop ends the process instead. Writes
    commit in one transaction, so a write cut off here is lost whole, as on a kill -9.
    """
    import logging
    import threading
    import time

    def watch() -> None:
        while not stopping():
            time.sleep(0.1)
        time.sleep(STOP_DEADLINE_SECONDS)
        logging.getLogger("rsikg.web").error(
            "still running %g s after the stop began (a request in a thread): exiting now",
            STOP_DEADLINE_SECONDS,
        )
        sys.stderr.flush()
        os._exit(1)

    threading.Thread(target=watch, name="rsikg-stop-watchdog", daemon=True).start()


# --------------------------------------------------------------------------------------------
# Dependency graphs
# --------------------------------------------------------------------------------------------


def _print_tree(graph: Any, root: str) -> None:
    """The neighbourhood as indented lines, nearest first."""
    ordered = sorted(
        graph.nodes(data=True), key=lambda nd: (nd[1].get("distance", 0), nd[1].get("label", ""))
    )
    for node, data in ordered:
        indent = "  " * int(data.get("distance", 0))
        out.print(
            f"{indent}{data.get('label')} ({local_id(node)}, {data.get('type')})",
            highlight=False,
        )
        for _u, target, edge in sorted(
            graph.out_edges(node, data=True), key=lambda e: (e[2]["relation"], e[1])
        ):
            label = graph.nodes[target].get("label")
            out.print(f"{indent}  └ {edge['relation']} → {label}", highlight=False)


@app.command()
def deps(
    system: Annotated[str, typer.Argument(help="A full IRI, a local id (fmk, system/fmk) or a label.")],
    depth: Annotated[int, typer.Option(min=0, max=MAX_DEPTH)] = 1,
    direction: Annotated[
        str, typer.Option(help="down (what it depends on), up (what depends on it), both")
    ] = "down",
    relations: Annotated[str, typer.Option(help=f"Comma-separated, of {', '.join(RELATIONS)}")] = ",".join(
        RELATIONS
    ),
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"text, or one of {', '.join(GRAPH_FORMATS)}")
    ] = "text",
    as_of: AsOfOption = None,
    store: StoreOption = None,
) -> None:
    """A node's neighbourhood in the dependency graph as of a day, as text or for a graph tool."""
    with _opened(store, read=True) as service:
        if format != "text" and format not in GRAPH_FORMATS:
            raise InputError(f"unknown format {format!r}", Location(field="--format"))
        graph = service.dependencies_as_of(as_of, "--as-of")
        sub = graph.neighbourhood(system, depth=depth, direction=direction, relations=relations.split(","))
    if format == "text":
        _print_tree(sub, graph.resolve(system))
    else:
        sys.stdout.write(service.serialize_graph(sub, format))


@app.command()
def impact(
    system: Annotated[str, typer.Argument(help="A full IRI, a local id (fmk, system/fmk) or a label.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text, json, or a graph format")] = "text",
    as_of: AsOfOption = None,
    store: StoreOption = None,
) -> None:
    """Everything that depends on a system, transitively (what an outage touches), and the
    regions and sectors that use it, as of a day."""
    with _opened(store, read=True) as service:
        if format not in ("text", "json", *GRAPH_FORMATS):
            raise InputError(f"unknown format {format!r}", Location(field="--format"))
        graph = service.dependencies_as_of(as_of, "--as-of")
        found = graph.impact(system)
    if format == "json":
        out.print_json(json.dumps(found.as_json(), ensure_ascii=False))
        return
    if format in GRAPH_FORMATS:
        sys.stdout.write(service.serialize_graph(found.as_graph(), format))
        return
    g = graph.graph
    out.print(
        f"An outage of {g.nodes[found.roots[0]]['label']} touches {len(found.dependents)} system(s):",
        highlight=False,
    )
    for d in found.dependents:
        path = " → ".join(str(g.nodes[p]["label"]) for p in d.path) or f"via {g.nodes[d.via]['label']}"
        out.print(f"  {d.distance}  {g.nodes[d.node]['label']}  ({path})", highlight=False)
    regions = ", ".join(str(g.nodes[r]["label"]) for r in found.regions) or "(none recorded)"
    out.print(f"Regions using them: {regions}", highlight=False)
    sectors = ", ".join(s.rsplit("/", 1)[-1] for s in found.sectors) or "(none recorded)"
    out.print(f"Sectors: {sectors}", highlight=False)


class ChangesFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    csv = "csv"


@app.command()
def changes(
    start: Annotated[str, typer.Option("--from", help="The day before the window (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="The last day of the window (YYYY-MM-DD).")],
    format: Annotated[ChangesFormat, typer.Option("--format", "-f")] = ChangesFormat.text,
    store: StoreOption = None,
) -> None:
    """What changes after --from up to and including --to: organisations founded and dissolved,
    mergers, memberships, systems that pass to a successor, open questions (derived lines marked)."""
    with _opened(store, read=True) as service:
        first, last = service.changes_window(start, end, ("--from", "--to"))
        report = service.changes(first, last)
    if format is ChangesFormat.json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
    elif format is ChangesFormat.csv:
        sys.stdout.write(service.changes_csv(report))
    else:
        sys.stdout.write(service.changes_text(report, markdown=format is ChangesFormat.markdown))


# --------------------------------------------------------------------------------------------
# Decisions and comply-or-explain statements
# --------------------------------------------------------------------------------------------

decision_app = typer.Typer(
    help="Architecture decisions: dry-run validation, adoption, history.", no_args_is_help=True
)
compliance_app = typer.Typer(
    help="Comply-or-explain statements and the decision × region matrix.", no_args_is_help=True
)
app.add_typer(decision_app, name="decision")
app.add_typer(compliance_app, name="compliance")

AgentOption = Annotated[
    str | None,
    typer.Option("--agent", help="Who adopts the record, for its provenance (default: $USER)."),
]


def _print_check(found: Check, format: ReportFormat, lang: str) -> None:
    if format is ReportFormat.json:
        out.print_json(json.dumps(found.as_json(), ensure_ascii=False))
    elif format is ReportFormat.turtle:
        sys.stdout.write(found.report.to_turtle())
    else:
        out.print(GraphService.report_text(found, lang), highlight=False)


def _one_graph(store: str | None, endpoint: str | None, project_graph: bool, full: bool) -> None:
    """``decision validate`` checks against one graph: a store, a server or the project's."""
    given = [name for name, value in (("--store", store), ("--endpoint", endpoint)) if value is not None]
    given += ["--project-graph"] if project_graph else []
    if len(given) > 1:
        _fail(InputError(f"give one of --store, --endpoint and --project-graph, not {' and '.join(given)}"))
    if full and endpoint is not None:
        _fail(InputError("--full validates a local store; the dry run at --endpoint is the server's"))


@decision_app.command("validate")
def decision_validate(
    files: Annotated[list[Path], typer.Argument(help="MADR Markdown (.md), Turtle or JSON-LD files.")],
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    lang: Annotated[str, typer.Option(help="Language of the messages in text output.")] = "en",
    full: Annotated[
        bool, typer.Option("--full", help="Validate the whole merged graph (slow; the reference).")
    ] = False,
    store: StoreOption = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            metavar="URL",
            help="Dry-run at a running rsikg (its base URL, e.g. http://localhost:8000) instead of a "
            "store: its POST /decisions/validate, which needs no token.",
        ),
    ] = None,
    project_graph: Annotated[
        bool,
        typer.Option(
            "--project-graph",
            help="Check against the graph rsikg ships (ontology, vocabularies, graph data, as "
            "'rsikg load' loads them) in a throw-away store made for this run: no store needed.",
        ),
    ] = False,
) -> None:
    """Dry-run: validate proposed decisions against the shapes and the graph, and show their
    impact. Nothing is written. Exit 0 conforms (Warnings allowed), 1 Violations, 2 bad input
    (or, with --endpoint, a server that cannot be reached or gives no report)."""
    _one_graph(store, endpoint, project_graph, full)
    if endpoint is not None:
        try:
            found = GraphService.check_at(endpoint, files, turtle=format is ReportFormat.turtle)
        except RsikgError as error:
            _fail(error)
        _print_check(found, format, lang)
    else:
        with _opened(MEMORY if project_graph else store, read=True) as service:
            if project_graph:
                service.load(None)
            found = service.check_files(files, statements=False, full=full)
            _print_check(found, format, lang)
    if not found.conforms:
        raise typer.Exit(1)


def _adopt(files: list[Path], agent: str | None, store: str | None, *, statements: bool) -> None:
    with _opened(store) as service:
        candidate = service.read_files(files, statements=statements)
        who = agent or os.environ.get("USER") or "rsikg-cli"
        found, adopted = service.adopt(candidate, who)
        if adopted is None:
            out.print(service.report_text(found), highlight=False)
            err.print("[bold red]refused:[/] the record has Violations; nothing was written", highlight=False)
            raise typer.Exit(1)
        for item in adopted:
            verb = "revised" if item.revised else "adopted"
            out.print(
                f"{verb} {compact(item.record)} as version {item.version} in {angled(item.graph)}",
                highlight=False,
            )
        for change in found.changes:
            out.print(
                f"status of {compact(change.decision)}: {compact(change.before)} → {compact(change.after)}",
                highlight=False,
            )


@decision_app.command("add")
def decision_add(
    files: Annotated[list[Path], typer.Argument(help="MADR Markdown (.md), Turtle or JSON-LD files.")],
    agent: AgentOption = None,
    store: StoreOption = None,
) -> None:
    """Validate, then adopt decisions into their own named graphs with PROV provenance. Nothing
    is written when there is a Violation (exit 1)."""
    _adopt(files, agent, store, statements=False)


@decision_app.command("list")
def decision_list(store: StoreOption = None) -> None:
    """The decisions in the graph, newest first."""
    with _opened(store, read=True) as service:
        rows = service.decisions()
    table = _table("id", "status", "date", "kind", "decided by", "title")
    for row in rows:
        short = {k: str(row[k] or "").rsplit("/", 1)[-1] for k in ("status", "kind", "decidedBy")}
        table.add_row(
            str(row["id"]),
            short["status"],
            str(row["date"] or ""),
            short["kind"],
            short["decidedBy"],
            str(row["title"] or ""),
        )
    out.print(table)


@decision_app.command("history")
def decision_history(
    ident: Annotated[str, typer.Argument(metavar="ID", help="The decision's id or IRI.")],
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    store: StoreOption = None,
) -> None:
    """The adopted versions of a decision: when, by whom, from which file."""
    with _opened(store, read=True) as service:
        record, description = service.decision(ident)
        versions = service.decision_history(record)
        if not versions and not len(description):
            raise InputError(f"the graph has no decision {ident!r}", Location(field="ID"))
    if format is ReportFormat.json:
        out.print_json(json.dumps(versions, ensure_ascii=False))
        return
    if not versions:
        out.print(
            f"{compact(record)} was loaded from a file and has not been adopted through rsikg",
            highlight=False,
        )
    for v in versions:
        inputs = ", ".join(f"{i['name']} (sha256 {str(i['sha256'])[:12]})" for i in v["inputs"])  # type: ignore[attr-defined]
        revision = f", revises {v['revisionOf']}" if v["revisionOf"] else ""
        out.print(
            f"version {v['version']}: {v['adoptedAt']} by {v['adoptedBy']} from {inputs}{revision}",
            highlight=False,
        )


@compliance_app.command("add")
def compliance_add(
    files: Annotated[list[Path], typer.Argument(help="Statements as Markdown (.md), Turtle or JSON-LD.")],
    agent: AgentOption = None,
    store: StoreOption = None,
) -> None:
    """Validate, then record comply-or-explain statements with provenance (exit 1 on a Violation)."""
    _adopt(files, agent, store, statements=True)


@compliance_app.command("matrix")
def compliance_matrix(
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or csv")] = "table",
    all_decisions: Annotated[
        bool, typer.Option("--all", help="Every decision, not only accepted ones.")
    ] = False,
    as_of: AsOfOption = None,
    store: StoreOption = None,
) -> None:
    """Decisions × regions as of a day: complies, deviates, missing (applies but no statement),
    not-applicable, or for a merged region's successor complies (derived) or needed."""
    with _opened(store, read=True) as service:
        day = service.as_of(as_of, "--as-of")
        chosen = None if all_decisions else DecisionStatus.ACCEPTED
        matrix = service.compliance(chosen, day)
    if format == "json":
        out.print_json(json.dumps(matrix.as_json(), ensure_ascii=False))
    elif format == "csv":
        sys.stdout.write(matrix.to_csv())
    else:
        table = _table("decision", *(label for _iri, label in matrix.regions))
        for row in matrix.rows:
            cells = cast("dict[str, dict[str, object]]", row["cells"])
            table.add_row(str(row["id"]), *(matrix.shown(cells[iri]) for iri, _l in matrix.regions))
        out.print(f"As of {day.isoformat()}" if day else "Every region and statement ever", highlight=False)
        out.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
