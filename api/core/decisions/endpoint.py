"""A dry run by a running rsikg: ``rsikg decision validate FILES --endpoint URL`` (issue 16, item 7),
what RITA's ADR repository runs as a pre-commit hook against the graph its rsikg serves.

The records are read here, by the reader the local check uses: a record that cannot be read is the
same error naming its file and line (exit 2), before anything is sent, and several files are one
candidate, as they are locally (a record may supersede another one of the same commit). That
candidate goes to the server's ``POST /decisions/validate`` as one Turtle body; the dry run writes
nothing and needs no token. The answer is mapped back to a :class:`~.dry_run.Check`, which the
command prints as it prints a local one:

- asked for JSON (``--format json``, and ``text``, which is made from it), the server's JSON is the
  JSON printed (it is the server's ``Check.as_json()``), and the report, the implied status changes
  and the impact are read back from it;
- asked for Turtle, the server's ``sh:ValidationReport`` is read back whole, with its results'
  messages in every language.

What the JSON does not carry, the text made from it cannot show (:func:`check_from_json`): a
literal ``value``'s datatype or language (it is shown as a plain string; a string that reads as
an IRI is taken for one), and the impact's labels other than Danish for the dependents and the
regions (the JSON gives one label for them, Danish where there is one; the affected systems have
both Danish and English).

Anything but a report is an :class:`EndpointError` (exit 2) naming the URL and what went wrong:
the server cannot be reached, does not answer in time, answers 4xx or 5xx (with the server's own
``detail``), or answers something that is not a dry run's report (not an rsikg).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import networkx as nx
import rdflib
from rdflib.term import BNode, Node, URIRef

from ...errors import InputError, Location, RsikgError
from .. import dependencies
from ..validation import ValidationReport, ValidationResult, read_report
from .dry_run import Check, StatusChange
from .impact import DecisionImpact
from .records import Candidate, read_files

DRY_RUN_PATH = "/decisions/validate"
TIMEOUT = 60.0
"""Seconds to wait for the server's answer: a dry run takes well under a second on a served
graph, but the first one after a start also builds the dependency graph the impact is read from."""

ReportFormat = Literal["json", "turtle"]
_ACCEPT = {"json": "application/json", "turtle": "text/turtle"}
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


class EndpointError(RsikgError):
    """The rsikg at ``--endpoint`` cannot be reached or did not answer a dry run's report."""


@dataclass
class RemoteCheck(Check):
    """A dry run the server at ``endpoint`` made; ``answer`` is its JSON (empty when the report
    was asked for as Turtle), which :meth:`as_json` gives back as it came."""

    endpoint: str = ""
    answer: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return self.answer


def dry_run_url(endpoint: str) -> str:
    """The dry run's URL at an rsikg's base URL (``http://host:8000``, with or without a path or
    a trailing slash; the dry run's own URL is taken as it is)."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"{endpoint!r} is not the http:// or https:// URL of a running rsikg",
            Location(field="--endpoint"),
        )
    base = endpoint.strip().rstrip("/")
    return base if base.endswith(DRY_RUN_PATH) else base + DRY_RUN_PATH


def check_at(
    endpoint: str,
    files: Sequence[Path],
    *,
    report: ReportFormat = "json",
    timeout: float = TIMEOUT,
) -> RemoteCheck:
    """Dry-run decision records read from ``files`` at the rsikg whose base URL is ``endpoint``;
    ``report`` is what to ask it for (the JSON, or the Turtle ``sh:ValidationReport``)."""
    url = dry_run_url(endpoint)
    candidate = read_files(list(files))
    body = candidate.graph.serialize(format="turtle").encode("utf-8")
    headers = {"Content-Type": "text/turtle; charset=utf-8", "Accept": _ACCEPT[report]}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise EndpointError(f"the rsikg at {url} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise EndpointError(
            f"cannot reach an rsikg at {url}: {_one_line(str(error) or type(error).__name__)}"
        ) from None
    if response.status_code != 200:
        raise EndpointError(_refusal(url, response))
    if report == "turtle":
        return check_from_turtle(candidate, response.text, url)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("conforms"), bool):
        raise EndpointError(
            f"{url} answered HTTP 200 with {_kind(response)}, not a dry run's report: is it an rsikg?"
        )
    return check_from_json(candidate, answer, url)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _kind(response: httpx.Response) -> str:
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    return media_type or "no Content-Type"


def _refusal(url: str, response: httpx.Response) -> str:
    """What an answer other than 200 says, in one line: rsikg's ``detail`` (with each problem of a
    record it cannot read), or the start of the body."""
    said = f"{url} answered HTTP {response.status_code} {response.reason_phrase}".rstrip()
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "detail" in body:
        problems = body.get("problems")
        if isinstance(problems, list) and problems:
            detail = "; ".join(str(p.get("detail", p)) if isinstance(p, dict) else str(p) for p in problems)
        else:
            detail = body["detail"] if isinstance(body["detail"], str) else json.dumps(body["detail"])
    elif response.text.strip():
        detail = response.text
    if response.status_code == 404:
        detail = f"no POST {DRY_RUN_PATH} there: is it an rsikg?" + (f" ({detail})" if detail else "")
    return f"{said}: {_one_line(detail)}" if detail else said


# --------------------------------------------------------------------------------------------
# The answer, read back
# --------------------------------------------------------------------------------------------


def _node(value: object) -> Node | None:
    """An IRI, or a blank node (the JSON gives a blank node's id alone); None for null."""
    if value is None:
        return None
    text = str(value)
    return URIRef(text) if _IRI.match(text) else BNode(text)


def _value(value: object) -> Node | None:
    """A result's value: an IRI when the string reads as one, else a plain literal (the JSON
    drops a literal's datatype and language)."""
    if value is None:
        return None
    text = str(value)
    return URIRef(text) if _IRI.match(text) else rdflib.Literal(text)


def _result(row: Mapping[str, Any]) -> ValidationResult:
    message = row.get("message")
    return ValidationResult(
        severity=str(row.get("severity", "Violation")),
        focus_node=_node(row.get("focusNode")),
        path=_node(row.get("path")),
        value=_value(row.get("value")),
        messages={str(k): str(v) for k, v in message.items()} if isinstance(message, dict) else {},
        source_shape=_node(row.get("sourceShape")),
        component=_node(row.get("sourceConstraintComponent")),
    )


def _iris(values: object) -> list[URIRef]:
    return [URIRef(str(v)) for v in values] if isinstance(values, list) else []


def check_from_json(candidate: Candidate, answer: dict[str, Any], endpoint: str) -> RemoteCheck:
    """The dry run a server answered as JSON (``Check.as_json()``), as a :class:`Check`."""
    results = [_result(r) for r in answer.get("results") or [] if isinstance(r, dict)]
    changes = [
        StatusChange(URIRef(str(c["decision"])), URIRef(str(c["from"])), URIRef(str(c["to"])))
        for c in answer.get("changes") or []
        if isinstance(c, dict)
    ]
    impact = answer.get("impact")
    return RemoteCheck(
        candidate,
        ValidationReport(results, rdflib.Graph()),
        _iris(answer.get("concerns")),
        _iris(answer.get("revises")),
        changes,
        _impact(impact) if isinstance(impact, dict) else None,
        endpoint=endpoint,
        answer=answer,
    )


def _impact(answer: dict[str, Any]) -> DecisionImpact:
    """The impact from its JSON: the nodes it names, labelled as the JSON labels them, in a graph
    of their own for :meth:`DecisionImpact.to_lines`."""
    graph = nx.MultiDiGraph()
    systems = []
    for row in answer.get("systems") or []:
        iri = str(row["iri"])
        labels = row.get("label") or {}
        own = {f"label_{lang}": str(text) for lang, text in labels.items() if text and text != iri}
        graph.add_node(iri, **own, label=own.get("label_da") or own.get("label_en") or iri)
        systems.append(URIRef(iri))
    for row in [*(answer.get("dependents") or []), *(answer.get("regions") or [])]:
        if row.get("label") is not None and str(row["iri"]) not in graph:
            graph.add_node(str(row["iri"]), label=str(row["label"]))
    dependents = [
        dependencies.Dependent(
            str(d["iri"]), int(d["distance"]), str(d["via"]), [str(p) for p in d.get("path") or []]
        )
        for d in answer.get("dependents") or []
    ]
    reach = dependencies.Impact(
        roots=[str(s) for s in systems],
        dependents=dependents,
        regions={str(r["iri"]): [str(s) for s in r.get("uses") or []] for r in answer.get("regions") or []},
        sectors={
            str(s["iri"]): [str(x) for x in s.get("systems") or []] for s in answer.get("sectors") or []
        },
        source=dependencies.DependencyGraph(graph),
    )
    rows = [
        {k: (None if v is None else str(v)) for k, v in row.items() if k != "label"}
        for row in answer.get("complyOrExplain") or []
    ]
    labels = {
        str(row["region"]): {"da": str(row["label"])}
        for row in answer.get("complyOrExplain") or []
        if row.get("label") and row["label"] != row["region"]
    }
    return DecisionImpact(systems, reach, rows, labels)


def check_from_turtle(candidate: Candidate, text: str, endpoint: str) -> RemoteCheck:
    """The dry run a server answered as its Turtle ``sh:ValidationReport``: the report whole (its
    messages are in every language the shapes have), without the changes or the impact."""
    graph = rdflib.Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as error:  # rdflib raises many kinds for a body that is not Turtle
        raise EndpointError(
            f"{endpoint} answered HTTP 200 with a body that is not Turtle ({_one_line(str(error), 120)}): "
            "is it an rsikg?"
        ) from None
    if not any(graph.subjects(rdflib.RDF.type, rdflib.SH.ValidationReport)):
        raise EndpointError(f"{endpoint} answered HTTP 200 with no sh:ValidationReport: is it an rsikg?")
    report = read_report(graph, "", rdflib.Graph())
    return RemoteCheck(candidate, report, [], [], [], endpoint=endpoint)


__all__ = [
    "DRY_RUN_PATH",
    "EndpointError",
    "RemoteCheck",
    "ReportFormat",
    "check_at",
    "check_from_json",
    "check_from_turtle",
    "dry_run_url",
]
