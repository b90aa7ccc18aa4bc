"""When a statement holds: the SPARQL that rsikg's own as-of answers are built from.

The model gives a thing its period with ``rsi:startDate`` and ``rsi:endDate`` (the last day it
holds, inclusive); no date means no bound. Dates are stored at the precision the source gives
(``xsd:gYear``, ``xsd:gYearMonth`` or ``xsd:date``), so "holds on day D" compares lexical forms
cut to the stored value's length: a region founded in "2007" exists on every day of 2007. The
same rule is written out in queries/list_regions.rq and the README, for people writing SPARQL.

A statement that is *dated* (``dct:date`` on a decision or a comply-or-explain statement) is
known on a day when its date is not after it, at the same precision.

The functions return SPARQL text over variables rsikg names itself (each goes through
:func:`~api.core.sparql_terms.variable`); the day enters only as a typed literal in a VALUES
block (:func:`day_values`), never as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import rdflib
from rdflib.namespace import XSD

from api.core.sparql_terms import values, variable
from api.errors import InputError, Location

# xsd:date's lexical form, no time zone: a day is compared with stored dates by prefix, so
# "20270101" or "2027-W01-1" (which date.fromisoformat accepts) must not reach the queries.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: str | None, name: str, where: Location) -> date:
    """A day given as YYYY-MM-DD for the option or parameter ``name``, or an InputError naming it."""
    if value is None or not value.strip():
        raise InputError(f"{name} is required: a date (YYYY-MM-DD)", where)
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)  # a real day: not 2027-02-30
    except ValueError:
        raise InputError(f"{name} must be a date (YYYY-MM-DD), not {value[:40]!r}", where) from None


def as_of(value: str | None, name: str, today: Callable[[], date]) -> date:
    """The day an answer is for: ``value`` (YYYY-MM-DD) for the option or parameter ``name``, or
    ``today()`` when it is not given. The clock is an argument so that tests choose the day."""
    if value is None:
        return today()
    if not value.strip():
        raise InputError(f"{name} must be a date (YYYY-MM-DD), not ''", Location(field=name))
    return parse_day(value, name, Location(field=name))


def day_values(day: date, name: str = "day") -> str:
    """``VALUES ?day { "2027-01-01"^^xsd:date }``: the day an as-of answer is for."""
    if not isinstance(day, date):
        raise TypeError(f"day_values takes a date, not {type(day).__name__}")
    return values(name, [rdflib.Literal(day.isoformat(), datatype=XSD.date)])


def _not_after(stored: str, day: str) -> str:
    return f"STR({stored}) <= SUBSTR(STR({day}), 1, STRLEN(STR({stored})))"


def _not_before(stored: str, day: str) -> str:
    return f"STR({stored}) >= SUBSTR(STR({day}), 1, STRLEN(STR({stored})))"


def holds_on(subject: str, day: str = "day") -> str:
    """The pattern "``?subject`` holds on ``?day``": its start (if any) is not after the day and
    its end (if any) is not before it. Place it after a pattern that binds ``?subject``."""
    s, d = variable(subject), variable(day)
    start, end = variable(f"{subject}_start"), variable(f"{subject}_end")
    return (
        f"OPTIONAL {{ {s} rsi:startDate {start} }} OPTIONAL {{ {s} rsi:endDate {end} }} "
        f"FILTER((!BOUND({start}) || {_not_after(start, d)}) && (!BOUND({end}) || {_not_before(end, d)}))"
    )


def dated_by(subject: str, day: str = "day") -> str:
    """The pattern "``?subject``'s ``dct:date`` (if any) is not after ``?day``"."""
    s, d = variable(subject), variable(day)
    stated = variable(f"{subject}_date")
    return f"OPTIONAL {{ {s} dct:date {stated} }} FILTER(!BOUND({stated}) || {_not_after(stated, d)})"
