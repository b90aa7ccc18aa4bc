"""What changes between two dates, over HTTP: ``GET /changes?from=&to=``.

The same briefing as ``rsikg changes`` (api/core/changes.py): JSON by default, CSV or a Markdown
report by Accept. A missing or malformed date, or ``to`` before ``from``, is a 400 naming the
parameter.
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from ..conneg import choose
from ..deps import ServiceDep
from ..errors import HttpError
from ..models import Changes, errors

router = APIRouter(tags=["time"])

_OFFERS = [("application/json", "json"), ("text/csv", "csv"), ("text/markdown", "markdown")]
_RESPONSES: dict[int | str, dict[str, object]] = {
    # the JSON answer's schema is the model; CSV (a row per change) and Markdown are text
    200: {"model": Changes, "content": {media: {} for media, _ in _OFFERS}},
    **errors(
        {
            400: "A date missing or not YYYY-MM-DD, or to before from",
            406: "Accept names none of JSON, CSV, Markdown",
        }
    ),
}


@router.get(
    "/changes", summary="What changes after one date up to and including another", responses=_RESPONSES
)
async def changes(
    service: ServiceDep,
    start: Annotated[
        str | None, Query(alias="from", description="The day before the window (YYYY-MM-DD).")
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", description="The last day of the window (YYYY-MM-DD).")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    # Optional in the signature so that a missing date is our 400 naming it, like a bad one.
    first, last = service.changes_window(start, end, ("from", "to"))
    fmt = choose(accept, _OFFERS)
    if fmt is None:
        raise HttpError(406, f"the changes are answered as JSON, CSV or Markdown; not {accept}")
    report = await anyio.to_thread.run_sync(lambda: service.changes(first, last))
    headers = {"Vary": "Accept"}
    if fmt == "csv":
        return Response(service.changes_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "markdown":
        text = service.changes_text(report, markdown=True)
        return Response(text, media_type="text/markdown; charset=utf-8", headers=headers)
    return JSONResponse(report.as_json(), headers=headers)
