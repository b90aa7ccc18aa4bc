"""When a statement holds: the SPARQL that rsikg's own as-of answers are built from.

The model gives a thing its period with ``rsi:startDate`` and ``rsi:endDate`` (the last day it
holds, inclusive); no date means no bound. Dates are stored at the precision the source gives
(``xsd:gYear``, ``xsd:gYearMonth`` or ``xsd:date``), so "holds on day D" compares lexical forms
cut to the stored value's length: a region founded in "2007" exists on every day of 2007. The
same rule is written out in queries/list_regions.rq and the README, for people writing SPARQL.

A statement that is *dated* (``dct:date`` on a decision or a comply-or-explain statement) is
known on a day when its date is not after it, at the same precision.

The SPARQL patterns live with the other SPARQL text rsikg writes, in the one builder
(:mod:`rsikg.core.sparql_terms`): two ways to ask "holds on D", measured in benchmarks/as_of.py,
row by row (``holds_on``, two OPTIONAL lookups per solution, cheapest for an answer about a few
subjects) and set-wise (``held_set_wise`` with :func:`starting_after` here, hash anti-joins over
the ended and the not yet started, cheapest for an answer over thousands); ``not_ended_before``
(the end half, for what must still be there on a day); ``begins_within`` and ``ends_within``
(a period that begins or ends after one day up to and including another); and ``dated_by``.
Here: the rule in Python (:func:`holds`), the cached set of what starts after a day, and how a
day is read from a client and what "today" is.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rdflib.term import Node

from ..errors import InputError, Location
from .namespaces import SPARQL_PREFIXES
from .sparql_terms import literal
from .store import GraphStore

# xsd:date's lexical form, no time zone: a day is compared with stored dates by prefix, so
# "20270101" or "2027-W01-1" (which date.fromisoformat accepts) must not reach the queries.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: str | None, name: str, where: Location, *, blank_is_missing: bool = True) -> date:
    """A day given as YYYY-MM-DD for the option or parameter ``name``, or an InputError naming it.

    >>> parse_day("2027-01-01", "date", Location(field="date"))
    datetime.date(2027, 1, 1)

    Only a real day in that one form (stored dates are compared with it by prefix):

    >>> parse_day("2027-02-30", "date", Location(field="date"))
    Traceback (most recent call last):
    rsikg.errors.InputError: field 'date': date must be a date (YYYY-MM-DD), not '2027-02-30'
    >>> parse_day("20270101", "asOf", Location(field="asOf"))
    Traceback (most recent call last):
    rsikg.errors.InputError: field 'asOf': asOf must be a date (YYYY-MM-DD), not '20270101'

    A blank value is a missing one, unless ``blank_is_missing`` is False (an option whose absence
    means something else, such as today): then it is a bad date, shown as ''.

    >>> parse_day(" ", "from", Location(field="from"))
    Traceback (most recent call last):
    rsikg.errors.InputError: field 'from': from is required: a date (YYYY-MM-DD)
    >>> parse_day(" ", "asOf", Location(field="asOf"), blank_is_missing=False)
    Traceback (most recent call last):
    rsikg.errors.InputError: field 'asOf': asOf must be a date (YYYY-MM-DD), not ''
    """
    if value is None or (blank_is_missing and not value.strip()):
        raise InputError(f"{name} is required: a date (YYYY-MM-DD)", where)
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)  # a real day: not 2027-02-30
    except ValueError:
        shown = value if value.strip() else ""
        raise InputError(f"{name} must be a date (YYYY-MM-DD), not {shown[:40]!r}", where) from None


Clock = Callable[[], date]
EVERY_PERIOD = "all"
"""The value of an as-of option that asks for every statement with its period, as stored."""


def danish_today() -> date:
    """Today where the governance the graph describes happens: at 00:30 on 1 January 2027 in
    Copenhagen the reform holds although it is still 31 December in UTC."""
    try:
        return datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    except ZoneInfoNotFoundError:  # a system without the time zone database
        return datetime.now(UTC).date()


def clock(fixed: date | None) -> Clock:
    """The clock answers "as of today" read: ``fixed`` (the setting ``RSIKG_TODAY``, for
    reproducible runs and tests) or the date in Denmark."""
    if fixed is None:
        return danish_today
    return lambda: fixed


def as_of_or_every(value: str | None, name: str, today: Clock) -> date | None:
    """As :func:`as_of`, and None for ``all`` (every statement with its period, as stored)."""
    return None if value == EVERY_PERIOD else as_of(value, name, today)


def as_of(value: str | None, name: str, today: Clock) -> date:
    """The day an answer is for: ``value`` (YYYY-MM-DD) for the option or parameter ``name``, or
    ``today()`` when it is not given. The clock is an argument so that tests choose the day."""
    if value is None:
        return today()
    return parse_day(value, name, Location(field=name), blank_is_missing=False)


def holds(start: str | None, end: str | None, day: date) -> bool:
    """The rule in Python, for periods read out of the store as lexical forms (a dependency graph's
    nodes): no start or a start not after the day, and no end or an end not before it.

    A date holds at the precision it was stored with, and an end is the last day that holds:

    >>> holds("2007", None, date(2007, 1, 1))  # founded in 2007: holds on every day of 2007
    True
    >>> holds(None, "2026-12-31", date(2026, 12, 31)), holds(None, "2026-12-31", date(2027, 1, 1))
    (True, False)
    >>> holds(None, "2026", date(2026, 12, 31))  # ends in 2026: still holds on its last day
    True
    >>> holds("2027-01-01", None, date(2026, 12, 31))  # not yet
    False
    """
    text = day.isoformat()
    return (start is None or start <= text) and (end is None or end >= text[: len(end)])


_cache: dict[tuple[object, int, date], tuple[Node, ...]] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 32


def starting_after(store: GraphStore, day: date) -> tuple[Node, ...]:
    """Everything whose period starts after ``day``, over every graph merged: one scan of
    the start dates (every system has one), kept per store revision and day. Few things start
    in the future, so the set is small. Keyed by the store's own token, not ``id(store)``: a new
    store at a collected one's address, at the same revision, would read the old one's set."""
    key = (store.identity, store.revision, day)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    result = store.select(
        SPARQL_PREFIXES
        + "SELECT DISTINCT ?x WHERE { ?x rsi:startDate ?start "
        + f"FILTER(STR(?start) > {literal(day.isoformat())}) }}"
    )
    found = tuple(sorted((row[0] for row in result.rows if row[0] is not None), key=str))
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = found
    return found
