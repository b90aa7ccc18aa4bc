"""One exception family. Every message says what was wrong, where, and what would be right.

The CLI maps each to an exit code (2: the input or the environment is at fault, as pySHACL);
the web layer will map them to HTTP status codes in one handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class RsikgError(Exception):
    """Base of every error rsikg raises on purpose."""

    exit_code = 2


@dataclass
class Location:
    """Where in an input something is wrong. Lines and columns count from 1."""

    source: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source)
        if self.line is not None:
            parts.append(f"line {self.line}")
            if self.column is not None:
                parts.append(f"column {self.column}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)


class InputError(RsikgError):
    """Input that cannot be used: a malformed file, an unknown format, a bad value."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location or Location()
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message)


class RdfSyntaxError(InputError):
    """An RDF file that does not parse."""


class QuerySyntaxError(InputError):
    """A SPARQL query or update that does not parse."""


class UnknownFormatError(InputError):
    """A file extension or format name rsikg does not read or write."""


class StoreUnavailableError(RsikgError):
    """The store cannot be opened (locked by another process, unreadable directory, ...)."""


class StoreInUseError(StoreUnavailableError):
    """The store is locked by another process (a running server): a reading command may open it
    read-only instead."""


class IsolationUnavailableError(RsikgError):
    """The worker processes cannot be cut off from the network, and the settings expose the
    service (writes, a public address) without the operator's leave."""


class NotOnThisStoreError(RsikgError):
    """What the store rsikg runs on cannot do (yet): e.g. a validated write or the query
    workers on a remote SPARQL store (issue 14). HTTP 501."""


class WriteConflictError(RsikgError):
    """A write that could not be committed because the store kept changing under it (other
    replicas writing to the same remote store). HTTP 409: send it again."""


class ReasonerUnavailableError(RsikgError):
    """The OWL reasoner cannot run, usually because Java is missing."""


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the current directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class QueryRefusedError(InputError):
    """A query or update that would make the server fetch a URL, or names a graph the store
    does not have (SERVICE, LOAD, FROM, FROM NAMED)."""


class NotAcceptableError(RsikgError):
    """The client accepts no format this kind of result can be written in."""

    def __init__(self, form: str) -> None:
        self.form = form
        kinds = "SELECT and ASK" if form == "results" else "CONSTRUCT and DESCRIBE"
        super().__init__(f"no format in the Accept header can carry the result of {kinds} queries")


class QueryDeadlineError(RsikgError):
    """A query ran past its deadline and was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"the query was stopped at its deadline of {seconds:g} s; narrow it (a LIMIT, a more "
            "selective pattern) or ask the operator for a longer deadline"
        )


class ResourceLimitError(RsikgError):
    """A request stopped by a limit on what one request may take (memory, a full queue); the
    service answers 503 with Retry-After, as for a deadline."""


class QueryEngineError(RsikgError):
    """The query engine itself failed (a worker died, no checkpoint could be taken)."""


class ShapeViolationError(RsikgError):
    """A write that would add SHACL Violations; nothing was committed."""

    def __init__(self, report: object, count: int) -> None:
        self.report = report
        super().__init__(f"refused: the write would add {count} SHACL violation(s); nothing was changed")
