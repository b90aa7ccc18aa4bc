"""multipart/form-data bodies (RFC 7578), which the Graph Store protocol allows for a POST: each
part an RDF document to merge into the graph.

Read by the standard library's email parser (no dependency is needed for bodies that are already
read, and capped, in full). It never raises on a malformed body but records defects, so any
defect refuses the body, naming the part it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from ..errors import InputError, Location

MAX_PARTS = 32
"""Parts one body may have: each is parsed by a worker process of its own (about 0.1 s to start),
one after the other while writes wait, so thousands of tiny parts would hold every write up."""

_BODY = "request body"


@dataclass(frozen=True)
class Part:
    """One part: ``name`` for messages (``part 2 ("first.ttl")``), its media type if it has one."""

    name: str
    media_type: str | None
    data: bytes
    field: str | None = None
    """The form field the part is (its Content-Disposition ``name``), if it says."""
    filename: str | None = None


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "multipart/form-data"


def read_parts(content_type: str, body: bytes) -> list[Part]:
    """The parts of a multipart/form-data ``body`` sent with ``content_type`` (which names the
    boundary). An InputError on the request body, or on the part, if it is malformed."""
    if "\r" in content_type or "\n" in content_type:  # a header of its own, in the parser's input
        raise InputError("the Content-Type spans more than one line", Location(_BODY))
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", errors="replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    _refuse_defects(message, _BODY)
    parts = list(message.iter_parts()) if isinstance(message, EmailMessage) else []
    if not parts:
        raise InputError("the multipart body has no part", Location(_BODY))
    if len(parts) > MAX_PARTS:
        raise InputError(
            f"the multipart body has {len(parts)} parts; at most {MAX_PARTS} are taken", Location(_BODY)
        )
    return [_part(number, part) for number, part in enumerate(parts, 1)]


def _part(number: int, part: Message) -> Part:
    label = part.get_filename() or part.get_param("name", header="content-disposition")
    name = f"part {number}" + (f" ({str(label)[:100]!r})" if label else "") + " of the request body"
    _refuse_defects(part, name)
    declared = part.get("content-type")
    data = part.get_payload(decode=True)  # undoes a Content-Transfer-Encoding, if any
    field = part.get_param("name", header="content-disposition")
    return Part(
        name=name,
        media_type=part.get_content_type() if declared is not None else None,
        data=data if isinstance(data, bytes) else b"",  # a nested multipart: no bytes, refused by type
        field=field if isinstance(field, str) else None,
        filename=part.get_filename(),
    )


def _refuse_defects(message: Message, where: str) -> None:
    if message.defects:
        found = "; ".join(sorted({(type(d).__doc__ or type(d).__name__).strip() for d in message.defects}))
        raise InputError(f"malformed multipart body: {found}", Location(where))
