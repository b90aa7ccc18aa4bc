"""Named queries: the .rq files in queries/ with their grlc-style ``#+`` YAML headers.

A header says what the query answers and which parameters it takes, each with a type::

    #+ summary: Systems a region uses
    #+ tags: [systems]
    #+ params:
    #+   - name: region
    #+     type: iri
    #+     default: region/region-hovedstaden
    #+ pagination: 50

Parameters are bound as RDF terms (pyoxigraph substitutions: SEP-0007), never pasted into the
query text; SEP-0007 needs each bound variable in the SELECT projection. An IRI parameter may
be a full IRI or a path below https://w3id.org/rsikg/id/ (``system/ppj``). A date parameter may
default to ``today``: the date is read from a clock when the query is bound, never when it is
loaded (a server runs for days), and the clock is an argument so that tests choose the day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import rdflib
import yaml
from rdflib.namespace import XSD
from rdflib.term import Node

from ..errors import InputError, Location, display_path
from .namespaces import ID
from .periods import Clock, danish_today
from .sparql_terms import is_iri

PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean", "date", "language")
RESERVED = ("page",)
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_LOCAL_ID = re.compile(r"[a-z0-9][a-z0-9/._-]*")
# xsd:date's lexical form without a time zone: what the "holds on date D" filters compare with
# stored dates by prefix, so "20270101" or "2027-W01-1" (which date.fromisoformat accepts) must
# not reach them.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TODAY = "today"  # a date parameter's default: the date of the request


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str = ""
    default: str | None = None
    required: bool = False
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str
    pagination: int | None = None
    method: str = "GET"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": f"/queries/{self.name}",
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "pagination": self.pagination,
            "params": [
                {
                    "name": p.name,
                    "type": p.type,
                    "description": p.description,
                    "default": p.default,
                    "required": p.required,
                    **({"enum": list(p.enum)} if p.enum else {}),
                }
                for p in self.params
            ],
        }


def _header(path: Path, text: str) -> tuple[dict[str, Any], int]:
    lines = text.splitlines()
    header = []
    for line in lines:
        if line.startswith("#+"):
            header.append(line[2:].removeprefix(" "))
        elif header or line.strip():
            break
    if not header:
        raise InputError(
            "has no '#+' YAML header (summary, description, tags, params)", Location(display_path(path), 1)
        )
    try:
        parsed = yaml.safe_load("\n".join(header))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        error_line = mark.line + 1 if mark is not None else None
        raise InputError(
            f"the '#+' header is not valid YAML: {getattr(err, 'problem', err)}",
            Location(display_path(path), error_line),
        ) from None
    if not isinstance(parsed, dict):
        raise InputError("the '#+' header must be a YAML mapping", Location(display_path(path), 1))
    return parsed, len(header)


def _param(path: Path, spec: object, index: int) -> Param:
    where = Location(display_path(path), field=f"params[{index}]")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise InputError("each parameter needs a name", where)
    name = spec["name"]
    if not _NAME.fullmatch(name) or name in RESERVED:
        raise InputError(f"parameter name {name!r} must be lower_snake_case and not one of {RESERVED}", where)
    kind = spec.get("type")
    if kind not in PARAM_TYPES:
        raise InputError(f"parameter {name!r} has type {kind!r}; use one of {', '.join(PARAM_TYPES)}", where)
    unknown = set(spec) - {"name", "type", "description", "default", "required", "enum"}
    if unknown:
        raise InputError(f"parameter {name!r} has unknown keys {sorted(unknown)}", where)
    default = spec.get("default")
    param = Param(
        name=name,
        type=kind,
        description=str(spec.get("description", "")),
        default=None if default is None else str(default),
        required=bool(spec.get("required", False)),
        enum=tuple(str(e) for e in spec.get("enum", ())),
    )
    if param.default is not None and not (param.type == "date" and param.default == TODAY):
        try:
            to_term(param, param.default)  # a default must itself be valid
        except InputError as error:
            raise InputError(f"bad default: {error.message}", where) from None
    return param


def load_named_query(path: Path) -> NamedQuery:
    """Read one .rq file and its header; a malformed header is an InputError with its place."""
    return parse_named_query(path, path.read_text(encoding="utf-8"))


def parse_named_query(path: Path, text: str) -> NamedQuery:
    """A named query from its text (``path`` names it and places errors)."""
    header, _ = _header(path, text)
    where = Location(display_path(path))
    known = {
        "summary",
        "description",
        "tags",
        "params",
        "pagination",
        "method",
        "defaults",
        "endpoint_in_url",
    }
    unknown = set(header) - known
    if unknown:
        raise InputError(f"unknown header keys {sorted(unknown)}; known: {sorted(known)}", where)
    for key in ("summary", "description"):
        value = header.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"the header needs a non-empty {key!r}", Location(where.source, field=key))
    tags = header.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InputError("'tags' must be a list of strings", Location(where.source, field="tags"))
    params = tuple(_param(path, spec, i) for i, spec in enumerate(header.get("params") or []))
    pagination = header.get("pagination")
    if pagination is not None and (not isinstance(pagination, int) or pagination <= 0):
        raise InputError(
            "'pagination' must be a positive whole number", Location(where.source, field="pagination")
        )
    method = str(header.get("method", "GET")).upper()
    if method != "GET":
        raise InputError(
            "named queries are read-only: 'method' can only be GET", Location(where.source, field="method")
        )
    return NamedQuery(
        name=path.stem,
        path=path,
        summary=header["summary"].strip(),
        description=header["description"].strip(),
        tags=tuple(tags),
        params=params,
        text=text,
        pagination=pagination,
    )


def load_named_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every queries/*.rq (not checks/), by name."""
    return {q.name: q for q in (load_named_query(p) for p in sorted(folder.glob("*.rq")))}


def to_term(param: Param, value: str) -> Node:
    """A parameter's text as the RDF term of its type; InputError naming it otherwise."""
    where = Location(field=param.name)
    if param.enum and value not in param.enum:
        raise InputError(
            f"parameter {param.name!r} must be one of {', '.join(param.enum)}, not {value!r}", where
        )
    if param.type == "iri":
        if is_iri(value):  # the builder's own test: a bound IRI is one a query could hold
            return rdflib.URIRef(value)
        if _LOCAL_ID.fullmatch(value):
            return ID[value]
        raise InputError(
            f"parameter {param.name!r} must be an IRI or an id such as system/ppj, not {value!r}", where
        )
    if param.type == "string":
        return rdflib.Literal(value)
    if param.type == "language":
        if not re.fullmatch(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*", value):
            raise InputError(f"parameter {param.name!r} must be a language tag such as da or en", where)
        return rdflib.Literal(value)
    checks: dict[str, tuple[str, rdflib.URIRef]] = {
        "integer": (r"[+-]?\d+", XSD.integer),
        "decimal": (r"[+-]?(\d+(\.\d*)?|\.\d+)", XSD.decimal),
        "boolean": (r"true|false", XSD.boolean),
    }
    if param.type in checks:
        pattern, datatype = checks[param.type]
        if not re.fullmatch(pattern, value):
            raise InputError(f"parameter {param.name!r} must be of type {param.type}, not {value!r}", where)
        return rdflib.Literal(value, datatype=datatype)
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)  # a real day: not 2027-02-30
    except ValueError:
        raise InputError(
            f"parameter {param.name!r} must be a date (YYYY-MM-DD), not {value!r}", where
        ) from None
    return rdflib.Literal(value, datatype=XSD.date)


def bind(
    query: NamedQuery, given: Mapping[str, str], today: Clock = danish_today
) -> tuple[dict[str, Node], int]:
    """The bindings for the given parameters (defaults filled in) and the page (from 1).

    A date parameter whose default is ``today`` and which is not given gets ``today()``.
    Unknown parameters, missing required ones and ill-typed values are InputErrors naming them.
    """
    names = {p.name for p in query.params}
    unknown = set(given) - names - ({"page"} if query.pagination else set())
    if unknown:
        known = sorted(names | ({"page"} if query.pagination else set()))
        raise InputError(
            f"unknown parameter(s) {sorted(unknown)}; this query takes {known or 'none'}",
            Location(field=sorted(unknown)[0]),
        )
    bindings: dict[str, Node] = {}
    for param in query.params:
        value = given.get(param.name, param.default)
        if param.name not in given and param.type == "date" and value == TODAY:
            value = today().isoformat()
        if value is None:
            if param.required:
                raise InputError(f"parameter {param.name!r} is required", Location(field=param.name))
            continue
        bindings[param.name] = to_term(param, value)
    page = 1
    if "page" in given:
        if not given["page"].isdigit() or int(given["page"]) < 1:
            raise InputError("parameter 'page' must be a whole number from 1", Location(field="page"))
        page = int(given["page"])
    return bindings, page


def paged(query: NamedQuery, page: int) -> str:
    """The query text with LIMIT and OFFSET for the page (numbers this module computed)."""
    if not query.pagination:
        return query.text
    return f"{query.text.rstrip()}\nLIMIT {query.pagination} OFFSET {(page - 1) * query.pagination}\n"


def is_named(text: str) -> bool:
    """Whether a query text opens with a ``#+`` header (blank lines before it allowed)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first.startswith("#+")


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs (the CLI's ``--param``) by name; a malformed or repeated one is an
    InputError naming it."""
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(f"--param takes NAME=VALUE, not {pair!r}", Location(field="param"))
        if name in given:
            raise InputError(f"parameter {name!r} is given twice", Location(field=name))
        given[name] = value
    return given


def _date_param(query: NamedQuery) -> str:
    """The name of the query's one ``date`` parameter, which --as-of sets."""
    dated = [p.name for p in query.params if p.type == "date"]
    if len(dated) != 1:
        found = "none" if not dated else ", ".join(dated)
        raise InputError(
            f"--as-of sets a named query's one date parameter; {query.name} has {found}",
            Location(field="as-of"),
        )
    return dated[0]


def bound_text(
    source: Path,
    text: str,
    given: Mapping[str, str],
    today: Clock = danish_today,
    *,
    as_of: str | None = None,
) -> tuple[str, dict[str, Node]]:
    """The query to run and its bindings, as ``GET /queries/{name}`` would run it: a named
    query gets its parameters from ``given`` or its defaults; other SPARQL runs as it is and
    takes no parameters. ``as_of`` is the value for the query's one ``date`` parameter."""
    if not is_named(text):
        if given or as_of is not None:
            raise InputError(
                "parameters and --as-of need a named query: a .rq file with a '#+' header "
                "(queries/README.md); plain SPARQL sees every statement with its period",
                Location(field=sorted(given)[0] if given else "as-of"),
            )
        return text, {}
    query = parse_named_query(source, text)
    if as_of is not None:
        name = _date_param(query)
        if name in given:
            raise InputError(
                f"the date is given twice: by --as-of and by --param {name}=", Location(field=name)
            )
        given = {**given, name: as_of}
    bindings, page = bind(query, given, today)
    return paged(query, page), bindings
