"""Linked Data: every data IRI answers at ``/id/{path}``, the ontology at ``/ontology``, and
the front page at ``/`` (issue 15).

A browser gets an HTML page rendered on the server (readable with JavaScript off), a machine
the resource's concise bounded description in Turtle, JSON-LD, RDF/XML or N-Triples, by
Accept or ``?format=``. ``/id/{path}`` answers 200 itself rather than 303 to a separate
document: the IRIs are slash IRIs, and the W3C TAG's 2012 resolution lets a 200 carry a
description of the thing named (the page says what it describes, ``Content-Location`` and
``Link: rel=describedby`` name the document), which spares every client a second round trip
and lets ``curl -H 'Accept: text/turtle'`` work without ``-L``. An IRI the graph does not know
is a 404, with the closest names as suggestions.

The IRIs are ``https://w3id.org/rsikg/…``; ``deploy/w3id/.htaccess`` sends them to wherever
rsikg runs (``base_url``), and every link on a page is relative to that deployment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

import anyio.to_thread
import rdflib
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ...core import formats
from ...core.service import GraphService
from ...errors import InputError, Location, ShapeViolationError
from ..auth import require_token
from ..conneg import choose
from ..deps import ServiceDep, StateDep, read_body
from ..errors import HttpError
from ..models import errors
from ..multipart import Part, is_multipart, read_parts
from ..texts import LANGUAGE_NAMES, STATES, TEXT

router = APIRouter(tags=["linked data"])
LANGUAGES = GraphService.PAGE_LANGUAGES
TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
ID = "https://w3id.org/rsikg/id/"
ONTOLOGY = "https://w3id.org/rsikg/ontology"
HTML = "html"
DESCRIPTION_FORMATS = formats.ANSWER_GRAPH_FORMATS
RDF_OFFERS = formats.offers(DESCRIPTION_FORMATS)
"""What an IRI is offered as besides its page: Turtle first (for ``*/*``), then the others."""

FormatParam = Annotated[
    str | None,
    Query(description=f"One of html, {', '.join(DESCRIPTION_FORMATS)} (instead of Accept)."),
]
LangParam = Annotated[
    str | None, Query(description="The page's language: da or en (default: Accept-Language).")
]


def page_language(lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` when given (400 for one rsikg has no pages in), else the first page language
    the browser's Accept-Language names, else Danish."""
    if lang is not None:
        if lang not in LANGUAGES:
            raise HttpError(400, f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
        return lang
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in LANGUAGES:
            return tag
    return LANGUAGES[0]


class Links:
    """Where a term links to on this deployment: a data IRI to its page under ``/id/``, an
    ontology term to its anchor on ``/ontology``; any other IRI to itself. Every link keeps
    the language the page was asked in (``?lang=``), if it was."""

    def __init__(self, root: str, lang: str, explicit: bool) -> None:
        self.root = root
        self.lang = lang
        self.explicit = explicit

    def path(self, path: str, **params: str) -> str:
        if self.explicit:
            params = {"lang": self.lang, **params}
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.root}{path}{query}"

    def of(self, term: Any) -> str | None:
        """The link of a term on a page (a :class:`rsikg.core.resources.Term`)."""
        return self.of_iri(str(term.node)) if term.is_iri else None

    def of_iri(self, value: str) -> str:
        """The link of an IRI on a page."""
        own = GraphService.data_path(value)
        if own is not None:
            return self.path(f"/id/{quote(own, safe='/:@!$&()*+,;=-._~')}")
        if value.startswith(ONTOLOGY + "#"):
            return self.path("/ontology") + "#" + quote(value[len(ONTOLOGY) + 1 :], safe="")
        return value

    def switch(self, request: Request, lang: str) -> str:
        """This page in ``lang``."""
        params = dict(request.query_params)
        params["lang"] = lang
        return f"{self.root}{request.url.path}?{urlencode(params)}"


PAGE_OFFERS = (("text/html", HTML), ("application/xhtml+xml", HTML))


def wants_page(accept: str | None, machine: Sequence[tuple[str, str]]) -> bool:
    """Whether the client asks for a page: it names HTML (as every browser does) and prefers it
    to each of the ``machine`` formats; ``*/*`` alone (curl, tools) gets a machine format."""
    named = (accept or "").lower()
    if "text/html" not in named and "application/xhtml+xml" not in named:
        return False
    return choose(accept, (*PAGE_OFFERS, *machine)) == HTML


def _chosen(fmt: str | None, accept: str | None) -> str:
    if fmt is not None:
        if fmt != HTML and fmt not in DESCRIPTION_FORMATS:
            raise HttpError(400, f"format must be one of html, {', '.join(DESCRIPTION_FORMATS)}, not {fmt!r}")
        return fmt
    if wants_page(accept, RDF_OFFERS):
        return HTML
    chosen = choose(accept, RDF_OFFERS)
    if chosen is None:
        media = ", ".join(media for media, _ in (*PAGE_OFFERS[:1], *RDF_OFFERS))
        raise HttpError(406, f"no format of this resource matches Accept: {accept}; it is offered as {media}")
    return chosen


def render(
    request: Request, name: str, lang: str, explicit: bool, status: int = 200, **context: Any
) -> Response:
    """The page of template ``name`` in ``lang`` (``explicit``: asked for by ``?lang=``, which its
    links then keep), with the pages' words, links and language switch, and the headers a page
    varies by. Every page of the web layer is made here."""
    root = request.scope.get("root_path", "")
    links = Links(root, lang, explicit)
    response = TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": TEXT[lang],
            "lang": lang,
            "links": links,
            "languages": [(code, LANGUAGE_NAMES[code], links.switch(request, code)) for code in LANGUAGES],
            **context,
        },
        status_code=status,
    )
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Content-Language"] = lang
    return response


async def _rdf(
    graph: rdflib.Graph, fmt: str, location: str, service: GraphService, base_url: str
) -> Response:
    """``graph`` in ``fmt``; JSON-LD compacted with the ontology's context, named by its URL."""
    if fmt == "jsonld":
        body = await anyio.to_thread.run_sync(service.json_ld, graph, base_url)
    else:
        body = graph.serialize(format=formats.BY_NAME[fmt].rdflib, encoding="utf-8")
    return Response(
        body,
        media_type=formats.BY_NAME[fmt].content_type,
        headers={"Vary": "Accept", "Content-Location": location},
    )


def link_value(target: str, rel: str, media: str | None = None) -> str:
    """One link of an HTTP Link header (RFC 8288): ``<target>; rel="rel"``, never query text."""
    typed = f'; type="{media}"' if media else ""
    return f'<{target}>; rel="{rel}"{typed}'


def _alternates(path: str) -> str:
    return ", ".join(
        link_value(f"{path}?format={fmt}", "alternate", formats.media_type(fmt))
        for fmt in DESCRIPTION_FORMATS
    )


def _described(ok: str, more: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a route that gives a page or RDF: 200 in each format, and
    its 4xx (``more`` besides the bad format or language and the unacceptable Accept)."""
    return {
        200: {"description": ok, "content": {formats.media_type(f): {} for f in DESCRIPTION_FORMATS}},
        **errors(
            {
                400: "An unknown format or language",
                406: "Accept names neither HTML nor an RDF format",
                **(more or {}),
            }
        ),
    }


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
async def home(
    request: Request,
    service: ServiceDep,
    lang: LangParam = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The front page: what the graph holds, by class, with links to every listed resource."""
    chosen = page_language(lang, accept_language)
    kinds = await anyio.to_thread.run_sync(service.overview, chosen)
    return render(request, "home.html", chosen, lang is not None, kinds=kinds, triples=service.triples)


@router.api_route(
    "/id/{path:path}",
    methods=["GET"],
    response_class=HTMLResponse,
    summary="A data IRI: its page (HTML) or its description (RDF)",
    responses=_described(
        "The resource's page, or its concise bounded description",
        {404: "No such resource (the answer suggests the closest names)"},
    ),
)
async def resource(
    path: str,
    request: Request,
    service: ServiceDep,
    state: StateDep,
    format: FormatParam = None,
    lang: LangParam = None,
    accept: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The resource ``https://w3id.org/rsikg/id/{path}``: an HTML page for a browser, its
    concise bounded description for a machine (Turtle, N-Triples, JSON-LD, RDF/XML), 404 with
    the closest names when the graph does not know it."""
    chosen = _chosen(format, accept)
    subject = GraphService.data_iri(path)
    here = f"{state.settings.base_url}/id/{quote(path, safe='/:@!$&()*+,;=-._~')}"
    if chosen == HTML:
        language = page_language(lang, accept_language)
        found = await anyio.to_thread.run_sync(service.resource, subject, language) if subject else None
        if found is None:
            return await _not_found(request, service, path, language, lang is not None)
        row = await _compliance_row(service, found, language)
        sections = await _sections(service, found, language)
        response = render(
            request,
            "resource.html",
            language,
            lang is not None,
            compliance=row,
            sections=sections,
            states=STATES[language],
            resource=found,
            labels=GraphService.in_languages(found.labels),
            data_formats=[(fmt, formats.BY_NAME[fmt].media_type) for fmt in DESCRIPTION_FORMATS],
        )
        response.headers["Link"] = _alternates(here)
        return response
    graph = await anyio.to_thread.run_sync(service.description, subject) if subject else rdflib.Graph()
    if len(graph) == 0:
        suggested = await anyio.to_thread.run_sync(service.suggestions, path)
        names = ", ".join(f"/id/{GraphService.data_path(str(term.node))}" for term in suggested)
        raise HttpError(
            404, f"the graph does not know {ID}{path}" + (f"; did you mean {names}?" if names else "")
        )
    response = await _rdf(graph, chosen, here, service, state.settings.base_url)
    response.headers["Link"] = link_value(here, "describedby")
    return response


DECISION = "https://w3id.org/rsikg/ontology#ArchitectureDecision"


async def _compliance_row(service: GraphService, found: Any, lang: str) -> list[tuple[Any, Any]] | None:
    """A decision's comply-or-explain row, as (region, cell) pairs; None for any other resource."""
    if not any(str(t.node) == DECISION for t in found.types):
        return None
    matrix = await anyio.to_thread.run_sync(service.compliance_of, found.iri)
    if not matrix.rows:
        return None
    regions = [rdflib.URIRef(iri) for iri, _ in matrix.regions]
    shown = await anyio.to_thread.run_sync(service.labelled, regions, lang)
    cells: Any = matrix.rows[0]["cells"]
    return [(shown[region], cells[str(region)]) for region in regions]


async def _sections(service: GraphService, found: Any, lang: str) -> Any:
    """The sections the page of a system, forum, decision or region adds (the dependency
    picture and impact, members and mandates, supersession chain, systems and statements)."""
    return await anyio.to_thread.run_sync(service.resource_sections, found.iri, lang)


async def _not_found(request: Request, service: ServiceDep, path: str, lang: str, explicit: bool) -> Response:
    suggested = await anyio.to_thread.run_sync(service.suggestions, path)
    return render(
        request, "not_found.html", lang, explicit, status=404, wanted=ID + path, suggestions=suggested
    )


@router.api_route(
    "/ontology",
    methods=["GET"],
    response_class=HTMLResponse,
    summary="The ontology: its page (HTML, a section per term at #Term) or its RDF",
    responses=_described("The ontology's page, or its terms as RDF"),
)
async def ontology(
    request: Request,
    service: ServiceDep,
    state: StateDep,
    format: FormatParam = None,
    lang: LangParam = None,
    accept: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """``https://w3id.org/rsikg/ontology`` and its terms (``…/ontology#ITSystem``: hash IRIs, so
    one document describes them all): a page with a section per term, or the terms as RDF."""
    chosen = _chosen(format, accept)
    here = f"{state.settings.base_url}/ontology"
    if chosen == HTML:
        language = page_language(lang, accept_language)
        found = await anyio.to_thread.run_sync(service.ontology, language)
        response = render(request, "ontology.html", language, lang is not None, ontology=found)
        response.headers["Link"] = _alternates(here)
        return response
    graph = await anyio.to_thread.run_sync(service.ontology_description)
    return await _rdf(graph, chosen, here, service, state.settings.base_url)


@router.api_route(
    GraphService.DATASET_DOCUMENT,
    methods=["GET"],
    response_class=Response,  # RDF by Accept (the OpenAPI document would say JSON)
    summary="The dataset's description: VoID and DCAT, counted from the store",
    responses=_described("VoID and DCAT (Turtle for */* and for a browser)"),
)
async def dataset_description(
    service: ServiceDep,
    state: StateDep,
    format: FormatParam = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """What the dataset is and where to get it: a ``void:Dataset`` and ``dcat:Dataset`` with its
    counts (``void:triples`` as ``rsikg stats`` counts them, classes, properties, entities, a
    subset per named graph, a partition per class), licence, publisher, SPARQL endpoint and dumps,
    in a ``dcat:Catalog`` with the SPARQL service as a ``dcat:DataService``."""
    chosen = "turtle" if format is None and wants_page(accept, RDF_OFFERS) else _chosen(format, accept)
    if chosen == HTML:
        raise HttpError(
            400, f"the dataset's description has no page; format is one of {', '.join(DESCRIPTION_FORMATS)}"
        )
    base = state.settings.base_url
    graph = await anyio.to_thread.run_sync(service.dataset_description, base)
    return await _rdf(graph, chosen, f"{base}{GraphService.DATASET_DOCUMENT}", service, base)


@router.get(
    GraphService.CONTEXT_PATH,
    response_class=Response,  # JSON-LD, described below (the OpenAPI document would say JSON)
    summary="The ontology's JSON-LD context, which every JSON-LD document rsikg writes names",
    responses={200: {"description": "The context", "content": {"application/ld+json": {}}}},
)
async def json_ld_context(service: ServiceDep) -> Response:
    """The usual prefixes, and each ``rsi:`` term by its local name (object properties typed
    ``@id``, datatype properties by their XSD range)."""
    made = await anyio.to_thread.run_sync(service.json_ld_context)
    body = json.dumps(made, ensure_ascii=False, indent=2).encode()
    return Response(body, media_type="application/ld+json")


# -- named queries as pages: the gallery and a query's form with its results -----------------------


def render_gallery(request: Request, queries: Sequence[Any]) -> Response:
    """The named queries as a gallery: each with its summary, tags and a link to its form."""
    lang = request.query_params.get("lang")
    chosen = page_language(lang, request.headers.get("accept-language"))
    ordered = sorted(queries, key=lambda q: q.name)
    return render(request, "queries.html", chosen, lang is not None, queries=ordered)


async def render_query(request: Request, service: GraphService, query: Any) -> Response:
    """A named query's page: a form made from its typed parameters and, once it is sent (any
    parameter given, or none needed), its results as a table whose IRIs link to their pages.
    A parameter missing or of the wrong type is said on the page, with a 400."""
    given = {k: v for k, v in request.query_params.items() if k != "lang" and v != ""}
    lang = request.query_params.get("lang")
    chosen = page_language(lang, request.headers.get("accept-language"))
    asked = bool(given) or request.query_params.get("run") == "1"
    context: dict[str, Any] = {"query": query, "given": given, "asked": asked, "error": None}
    if asked:
        given.pop("run", None)
        try:
            text, bindings = service.bind_named(query, given)
            answer = await service.query(text, results_format="json", graph_format=None, bindings=bindings)
            context.update(await _table(service, answer.body, chosen), truncated=answer.truncated)
        except InputError as error:  # a parameter missing or wrong: said on the page
            context["error"] = str(error)
    status = 400 if context["error"] else 200
    return render(request, "query.html", chosen, lang is not None, status=status, **context)


async def _table(service: GraphService, body: bytes, lang: str) -> dict[str, Any]:
    """SPARQL JSON results as a page's table: the variables, and each row's terms labelled."""
    found = json.loads(body)
    variables = found.get("head", {}).get("vars", [])
    rows = [[_node(row.get(v)) for v in variables] for row in found.get("results", {}).get("bindings", [])]
    nodes = [n for row in rows for n in row if n is not None]
    shown = await anyio.to_thread.run_sync(service.labelled, nodes, lang)
    return {"variables": variables, "rows": [[None if n is None else shown[n] for n in row] for row in rows]}


def _node(binding: dict[str, str] | None) -> rdflib.term.Node | None:
    """One term of SPARQL JSON results as an rdflib term."""
    if binding is None:
        return None
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return rdflib.URIRef(value)
    if kind == "bnode":
        return rdflib.BNode(value)
    datatype = binding.get("datatype")
    typed = rdflib.URIRef(datatype) if datatype else None
    return rdflib.Literal(value, lang=binding.get("xml:lang"), datatype=typed)


# -- comply or explain: the decision × region matrix as a page --------------------------------------


async def render_compliance(
    request: Request,
    service: GraphService,
    status: Any,
    day: Any,
    kind: Any,
    filters: dict[str, str],
) -> Response:
    """The comply-or-explain matrix as a page: a row per decision, a column per region, each
    cell its state in words and colour with the region's explanation; the filters as a form,
    and the same matrix as CSV and JSON one click away."""
    lang = request.query_params.get("lang")
    chosen = page_language(lang, request.headers.get("accept-language"))
    matrix = await anyio.to_thread.run_sync(lambda: service.compliance(status=status, as_of=day, kind=kind))
    decisions = [rdflib.URIRef(str(row["iri"])) for row in matrix.rows]
    statuses = [rdflib.URIRef(str(row["status"])) for row in matrix.rows if row["status"]]
    nodes = [rdflib.URIRef(iri) for iri, _ in matrix.regions] + decisions + statuses
    shown = await anyio.to_thread.run_sync(service.labelled, nodes, chosen)
    kinds = await anyio.to_thread.run_sync(service.decision_kinds, chosen)
    given = {name: value for name, value in filters.items() if value}
    downloads = [
        (fmt, media, f"{request.scope.get('root_path', '')}/compliance?{urlencode({**given, 'format': fmt})}")
        for fmt, media in (("csv", "text/csv"), ("json", "application/json"))
    ]
    return render(
        request,
        "compliance.html",
        chosen,
        lang is not None,
        matrix=matrix,
        regions=[(iri, shown[rdflib.URIRef(iri)]) for iri, _ in matrix.regions],
        decisions=[
            (shown[d], row["title"] or row["id"], shown.get(rdflib.URIRef(str(row["status"]))))
            for d, row in zip(decisions, matrix.rows, strict=True)
        ],
        kinds=kinds,
        filters=filters,
        states=STATES[chosen],
        statuses=["accepted", "proposed", "rejected", "deprecated", "superseded", "all"],
        downloads=downloads,
    )


# -- a proposed decision: the dry run and the adoption, from a page --------------------------------

RECORD_FORMATS = {"markdown": "text/markdown", "turtle": "text/turtle", "jsonld": "application/ld+json"}
"""What the decision page reads a pasted or uploaded record as."""
_BY_EXTENSION = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".ttl": "turtle",
    ".jsonld": "jsonld",
    ".json": "jsonld",
}


def render_decision_form(request: Request) -> Response:
    """The decision page, empty: paste or upload a MADR record (or Turtle, JSON-LD)."""
    lang = request.query_params.get("lang")
    chosen = page_language(lang, request.headers.get("accept-language"))
    return render(request, "decision.html", chosen, lang is not None, **_decision_context())


def _decision_context(**given: Any) -> dict[str, Any]:
    return {
        "record": "",
        "format": "markdown",
        "agent": "",
        "formats": list(RECORD_FORMATS),
        "check": None,
        "adopted": None,
        "error": None,
        **given,
    }


async def render_decision(request: Request, service: GraphService, token: str | None, limit: int) -> Response:
    """The decision page, sent: the record's dry run as a report (each result with its focus
    node linked to its page and what its shape checks), its impact, or its adoption when the
    form's token is the server's. Every refusal is said on the page with its 4xx."""
    lang = request.query_params.get("lang")
    chosen = page_language(lang, request.headers.get("accept-language"))
    fields = _form_fields(request.headers.get("content-type"), await read_body(request, limit))
    upload = fields.get("file")
    text = fields.get("record")
    data = upload.data if upload is not None and upload.data.strip() else (text.data if text else b"")
    fmt = _value(fields, "format") or "markdown"
    if upload is not None and upload.data.strip() and upload.filename:
        fmt = _BY_EXTENSION.get(Path(upload.filename).suffix.lower(), fmt)
    if fmt not in RECORD_FORMATS:
        raise HttpError(400, f"format must be one of {', '.join(RECORD_FORMATS)}, not {fmt!r}")
    agent = _value(fields, "agent") or "web page"
    context = _decision_context(record=data.decode("utf-8", errors="replace"), format=fmt, agent=agent)
    status = 200
    try:
        if not data.strip():
            raise InputError("paste a record or choose a file", Location("record"))
        if _value(fields, "action") == "adopt":
            require_token(f"Bearer {_value(fields, 'token')}" if _value(fields, "token") else None, token)
            found, adopted = await service.adopt_record(data, RECORD_FORMATS[fmt], agent)
            context["adopted"] = [(GraphService.plain_term(a.record), a.version) for a in adopted]
            status = 201 if any(not a.revised for a in adopted) else 200
        else:
            found = await anyio.to_thread.run_sync(lambda: service.check_record(data, RECORD_FORMATS[fmt]))
        context["check"] = await _report(service, found.report, chosen, found)
    except ShapeViolationError as refused:  # adoption refused: its report says why
        context["error"] = str(refused)
        context["check"] = await _report(service, refused.report, chosen)
        status = 422
    except (InputError, HttpError) as refused:
        context["error"] = refused.detail if isinstance(refused, HttpError) else str(refused)
        status = refused.status if isinstance(refused, HttpError) else 400
    return render(request, "decision.html", chosen, lang is not None, status=status, **context)


def _form_fields(content_type: str | None, body: bytes) -> dict[str, Any]:
    """The decision form's fields, from multipart/form-data (a file chosen) or a plain form."""
    if is_multipart(content_type):
        return {part.field: part for part in read_parts(str(content_type), body) if part.field}
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise HttpError(415, "the decision page takes its own form (multipart/form-data or urlencoded)")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: Part(name, None, values[-1].encode(), field=name) for name, values in parsed.items()}


def _value(fields: dict[str, Any], name: str) -> str:
    part = fields.get(name)
    return part.data.decode("utf-8", errors="replace").strip() if part is not None else ""


async def _report(service: GraphService, report: Any, lang: str, found: Any = None) -> dict[str, Any]:
    """A dry run as the page shows it: its counts, each result with its terms labelled and its
    shape's purpose, and (``found``: the dry run, with the records it read) the impact with its
    nodes labelled and drawn as a picture."""
    results = report.results
    records: Sequence[Any] = found.candidate.records if found is not None else ()
    impact = found.impact.as_json() if found is not None and found.impact is not None else None
    nodes: list[rdflib.term.Node] = [
        n for r in results for n in (r.focus_node, r.path, r.value) if isinstance(n, rdflib.URIRef)
    ]
    if impact is not None:
        nodes += [rdflib.URIRef(str(s["iri"])) for s in impact["systems"]]
        nodes += [rdflib.URIRef(str(d["iri"])) for d in impact["dependents"]]
        nodes += [rdflib.URIRef(str(r["iri"])) for r in impact["regions"]]
    shown = await anyio.to_thread.run_sync(service.labelled, nodes, lang)
    picture = None if impact is None else await anyio.to_thread.run_sync(service.impact_picture, found, lang)
    shapes = [r.source_shape for r in results if r.source_shape is not None]
    purposes = await anyio.to_thread.run_sync(service.shape_notes, shapes, lang)

    def term(node: Any) -> Any:
        return None if node is None else (shown.get(node) or _plain(node))

    return {
        "conforms": report.conforms,
        "counts": report.counts,
        "results": [
            {
                "severity": r.severity,
                "focus": term(r.focus_node),
                "path": term(r.path),
                "value": term(r.value),
                "message": r.messages.get(lang)
                or r.messages.get("en")
                or next(iter(r.messages.values()), ""),
                "shape": None if r.source_shape is None else str(r.source_shape),
                "purpose": purposes.get(r.source_shape) if r.source_shape is not None else None,
            }
            for r in results
        ],
        "records": [term(rdflib.URIRef(str(r))) for r in records],
        "impact": None
        if impact is None
        else {
            "systems": [term(rdflib.URIRef(str(s["iri"]))) for s in impact["systems"]],
            "dependents": [(term(rdflib.URIRef(str(d["iri"]))), d["distance"]) for d in impact["dependents"]],
            "regions": [term(rdflib.URIRef(str(r["iri"]))) for r in impact["regions"]],
            "comply": impact["complyOrExplain"],
            "picture": picture,
        },
    }


def _plain(node: Any) -> Any:
    """A term no label was looked up for (a literal, a blank node), as a page shows it."""
    return GraphService.plain_term(node)
