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
from urllib.parse import quote, urlencode

import anyio.to_thread
import rdflib
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.core import formats
from api.core.service import GraphService
from api.errors import InputError
from api.web.conneg import choose
from api.web.deps import ServiceDep, StateDep
from api.web.errors import HttpError
from api.web.models import errors

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

TEXT: dict[str, dict[str, str]] = {
    "da": {
        "home": "Forside",
        "title": "rsikg: vidensgrafen for regionernes sundheds-it",
        "intro": "Aktører, systemer, principper og arkitekturbeslutninger i Regionernes Sundheds-it, "
        "hver med sin kilde.",
        "types": "Type",
        "statements": "Udsagn",
        "incoming": "Det, der peger hertil",
        "sources": "Kilder",
        "labels": "Navne",
        "formats": "Som data",
        "of": "af",
        "shown": "viser de første",
        "more": "flere",
        "not_found": "Ikke fundet",
        "not_found_text": "Grafen kender ikke denne IRI.",
        "did_you_mean": "Mente du",
        "no_suggestions": "Ingen lignende navne.",
        "ontology": "Ontologi",
        "classes": "Klasser",
        "properties": "Egenskaber",
        "api": "API-dokumentation",
        "queries": "Navngivne forespørgsler",
        "skip": "Spring til indhold",
        "language": "Sprog",
        "iri": "IRI",
        "none": "Ingen",
        "queries_intro": "Forespørgsler med typede parametre: udfyld formularen, og resultaterne linker til "
        "ressourcernes sider. Samme forespørgsler som JSON, CSV og SPARQL-resultater på /queries/{navn}.",
        "required": "skal udfyldes",
        "run": "Kør",
        "results": "Resultater",
        "truncated": "Svaret er afkortet ved serverens grænse for rækker.",
        "compliance": "Følg eller forklar",
        "compliance_intro": "Hver regions udsagn om hver beslutning: følger den, eller forklarer den, "
        "hvorfor den afviger.",
        "decision": "Beslutning",
        "status": "Status",
        "kind": "Beslutningstype",
        "as_of": "Pr. dag",
        "as_of_hint": "ÅÅÅÅ-MM-DD; tom: i dag; all: hele historikken",
        "all_kinds": "alle",
        "filter": "Vis",
        "download": "Hent",
    },
    "en": {
        "home": "Home",
        "title": "rsikg: the knowledge graph of Danish regional health IT",
        "intro": "Actors, systems, principles and architecture decisions of the Danish regions' shared "
        "health IT (RSI), each with its source.",
        "types": "Type",
        "statements": "Statements",
        "incoming": "What points here",
        "sources": "Sources",
        "labels": "Names",
        "formats": "As data",
        "of": "of",
        "shown": "showing the first",
        "more": "more",
        "not_found": "Not found",
        "not_found_text": "The graph does not know this IRI.",
        "did_you_mean": "Did you mean",
        "no_suggestions": "No similar names.",
        "ontology": "Ontology",
        "classes": "Classes",
        "properties": "Properties",
        "api": "API documentation",
        "queries": "Named queries",
        "skip": "Skip to content",
        "language": "Language",
        "iri": "IRI",
        "none": "None",
        "queries_intro": "Queries with typed parameters: fill in the form, and the results link to the "
        "resources' pages. The same queries as JSON, CSV and SPARQL results at /queries/{name}.",
        "required": "required",
        "run": "Run",
        "results": "Results",
        "truncated": "The answer is cut at the server's row limit.",
        "compliance": "Comply or explain",
        "compliance_intro": "Each region's statement on each decision: it complies, or explains why it "
        "deviates.",
        "decision": "Decision",
        "status": "Status",
        "kind": "Decision kind",
        "as_of": "As of",
        "as_of_hint": "YYYY-MM-DD; empty: today; all: the whole record",
        "all_kinds": "all",
        "filter": "Show",
        "download": "Download",
    },
}
LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


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
        """The link of a term on a page (a :class:`api.core.resources.Term`)."""
        if not term.is_iri:
            return None
        value = str(term.node)
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


def _render(
    request: Request, name: str, lang: str, explicit: bool, status: int = 200, **context: Any
) -> Response:
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


def _rdf(graph: rdflib.Graph, fmt: str, location: str) -> Response:
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
    return _render(request, "home.html", chosen, lang is not None, kinds=kinds, triples=service.triples)


@router.api_route(
    "/id/{path:path}",
    methods=["GET"],
    response_class=HTMLResponse,
    summary="A data IRI: its page (HTML) or its description (RDF)",
    responses={
        200: {
            "description": "The resource's page, or its concise bounded description",
            "content": {**{formats.media_type(f): {} for f in DESCRIPTION_FORMATS}},
        },
        **errors(
            {400: "An unknown format or language", 404: "No such resource (with suggestions)", 406: "Accept"}
        ),
    },
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
        response = _render(
            request,
            "resource.html",
            language,
            lang is not None,
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
    response = _rdf(graph, chosen, here)
    response.headers["Link"] = link_value(here, "describedby")
    return response


async def _not_found(request: Request, service: ServiceDep, path: str, lang: str, explicit: bool) -> Response:
    suggested = await anyio.to_thread.run_sync(service.suggestions, path)
    return _render(
        request, "not_found.html", lang, explicit, status=404, wanted=ID + path, suggestions=suggested
    )


@router.api_route(
    "/ontology",
    methods=["GET"],
    response_class=HTMLResponse,
    summary="The ontology: its page (HTML, a section per term at #Term) or its RDF",
    responses={
        200: {
            "description": "The ontology's page, or its terms as RDF",
            "content": {**{formats.media_type(f): {} for f in DESCRIPTION_FORMATS}},
        },
        **errors({400: "An unknown format or language", 406: "Accept names neither HTML nor an RDF format"}),
    },
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
        response = _render(request, "ontology.html", language, lang is not None, ontology=found)
        response.headers["Link"] = _alternates(here)
        return response
    graph = await anyio.to_thread.run_sync(service.ontology_description)
    return _rdf(graph, chosen, here)


# -- named queries as pages: the gallery and a query's form with its results -----------------------


def render_gallery(request: Request, queries: Sequence[Any]) -> Response:
    """The named queries as a gallery: each with its summary, tags and a link to its form."""
    lang = request.query_params.get("lang")
    chosen = page_language(lang, request.headers.get("accept-language"))
    ordered = sorted(queries, key=lambda q: q.name)
    return _render(request, "queries.html", chosen, lang is not None, queries=ordered)


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
    return _render(request, "query.html", chosen, lang is not None, status=status, **context)


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


# HEAD wherever GET is: the same answer without its body (Starlette leaves the body out)
for _path, _read in (("/id/{path:path}", resource), ("/ontology", ontology)):
    router.add_api_route(
        _path,
        _read,
        methods=["HEAD"],
        operation_id=f"head_{_read.__name__}",
        response_class=HTMLResponse,
        summary=f"The headers of GET {_path}",
        responses={200: {"description": "The headers GET would send"}},
    )


# -- comply or explain: the decision × region matrix as a page --------------------------------------

STATES = {
    "da": {
        "complies": "følger",
        "deviates": "afviger (forklaret)",
        "missing": "mangler",
        "not-applicable": "gælder ikke",
        "needed": "skal forklares",
        "derived": "afledt",
    },
    "en": {
        "complies": "complies",
        "deviates": "deviates (explained)",
        "missing": "missing",
        "not-applicable": "not applicable",
        "needed": "statement needed",
        "derived": "derived",
    },
}


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
    return _render(
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
