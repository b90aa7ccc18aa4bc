"""When a statement holds: the SPARQL that rsikg's own as-of answers are built from.

The model gives a thing its period with ``rsi:startDate`` and ``rsi:endDate`` (the last day it
holds, inclusive); no date means no bound. Dates are stored at the precision the source gives
(``xsd:gYear``, ``xsd:gYearMonth`` or ``xsd:date``), so "holds on day D" compares lexical forms
cut to the stored value's length: a region founded in "2007" exists on every day of 2007. The
same rule is written out in queries/list_regions.rq and the README, for people writing SPARQL.

A statement that is *dated* (``dct:date`` on a decision or a comply-or-explain statement) is
known on a day when its date is not after it, at the same precision.

Two ways to ask it, measured in benchmarks/as_of.py: row by row (:func:`holds_on`, two
OPTIONAL lookups per solution, cheapest for an answer about a few subjects) and set-wise
(:func:`held_set_wise`, hash anti-joins over the ended and the not yet started, cheapest for
an answer over thousands).

The functions return SPARQL text over variables rsikg names itself (each goes through
:func:`~api.core.sparql_terms.variable`); the day enters only as a literal the builder writes
from a :class:`~datetime.date`, never as a client's text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from datetime import date

import rdflib
from rdflib.namespace import XSD
from rdflib.term import Node

from api.core.namespaces import SPARQL_PREFIXES
from api.core.sparql_terms import literal, values, variable
from api.core.store import GraphStore
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


def _day(day: date) -> str:
    if not isinstance(day, date):
        raise TypeError(f"a day is a date, not {type(day).__name__}")
    return literal(day.isoformat())


def day_values(day: date, name: str = "day") -> str:
    """``VALUES ?day { "2027-01-01"^^xsd:date }``: the day an answer is for, as a variable."""
    _day(day)
    return values(name, [rdflib.Literal(day.isoformat(), datatype=XSD.date)])


def holds_on(subject: str, day: date) -> str:
    """Row by row: "``?subject`` holds on ``day``", its start (if any) not after the day and its
    end (if any) not before it. Two OPTIONAL lookups per solution: the cheaper way for an answer
    about a few subjects (benchmarks/as_of.py). Place it after a pattern that binds ``?subject``.

    A start holds when ``STR(start) <= D``: comparing with the whole day is the same as comparing
    with the day cut to the start's length. An end is compared with the day cut to its length."""
    s, d = variable(subject), _day(day)
    start, end = variable(f"{subject}_start"), variable(f"{subject}_end")
    return (
        f"OPTIONAL {{ {s} rsi:startDate {start} }} OPTIONAL {{ {s} rsi:endDate {end} }} "
        f"FILTER((!BOUND({start}) || STR({start}) <= {d}) && (!BOUND({end}) || {_not_before(end, d)}))"
    )


def _not_before(stored: str, day: str) -> str:
    return f"STR({stored}) >= SUBSTR({day}, 1, STRLEN(STR({stored})))"


_STARTING_AFTER = "SELECT DISTINCT ?x WHERE { ?x rsi:startDate ?start FILTER(STR(?start) > %s) }"

_cache: dict[tuple[int, int, date], tuple[Node, ...]] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 32


def starting_after(store: GraphStore, day: date) -> tuple[Node, ...]:
    """Everything whose period starts after ``day``, over the union of all graphs: one scan of
    the start dates (every system has one), kept per store revision and day. Few things start
    in the future, so the set is small."""
    key = (id(store), store.revision, day)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    result = store.select(SPARQL_PREFIXES + _STARTING_AFTER % _day(day))
    found = tuple(sorted((row[0] for row in result.rows if row[0] is not None), key=str))
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = found
    return found


def held_set_wise(subject: str, day: date, starting: Sequence[Node]) -> str:
    """Set-wise: "``?subject`` holds on ``day``" as hash anti-joins evaluated once per query, not
    per solution: a MINUS over the end dates before the day (a scan of the few end dates), and
    a MINUS over ``starting`` (:func:`starting_after`, cached). The cheaper way for an answer
    over thousands of subjects."""
    s, d = variable(subject), _day(day)
    end = variable(f"{subject}_end")
    ended = f"MINUS {{ {s} rsi:endDate {end} FILTER(STR({end}) < SUBSTR({d}, 1, STRLEN(STR({end})))) }}"
    return f"{ended} MINUS {{ {values(subject, starting)} }}" if starting else ended


def dated_by(subject: str, day: date) -> str:
    """ "``?subject``'s ``dct:date`` (if any) is not after ``day``", set-wise (a MINUS over the
    dated subjects, evaluated once, not per solution)."""
    s, d = variable(subject), _day(day)
    stated = variable(f"{subject}_date")
    return f"MINUS {{ {s} dct:date {stated} FILTER(STR({stated}) > {d}) }}"
