"""Logging through the standard library: rsikg's loggers (``rsikg.*``) as text or JSON lines.

Nothing here runs at import: ``rsikg serve`` hands :func:`server_config` to uvicorn, which
applies it once with :func:`logging.config.dictConfig`, so uvicorn's records and rsikg's share
one stream and one format. Events carry their facts as ``extra={...}`` (``event``, ``status``,
``path``, ``request_id``, ``seconds``, ``worker_pid``, ...): the text format names them in the
message, the JSON format writes them as fields a log collector can filter on.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

QUERY_EXCERPT = 200  # characters of a query text a log record may carry at most

# The attributes every LogRecord has; anything else on a record came through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def excerpt(text: str) -> str:
    """A client's text cut to QUERY_EXCERPT characters, for a log record."""
    return text if len(text) <= QUERY_EXCERPT else text[:QUERY_EXCERPT] + "…"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time, level, logger, message and the extras.

    json.dumps escapes newlines, so a client's text in a field cannot forge another line.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        # uvicorn's formatters add color_message (the message with ANSI colours): noise here
        entry.pop("color_message", None)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def server_config(base: dict[str, Any], log_format: LogFormat, level: str) -> dict[str, Any]:
    """uvicorn's logging configuration ``base`` with rsikg's loggers added, in ``log_format``.

    Text keeps uvicorn's own formatters (what an operator at a terminal is used to); JSON
    replaces every formatter, so each line of the server's output is one JSON object.
    """
    config = copy.deepcopy(base)
    config["loggers"]["rsikg"] = {"handlers": ["default"], "level": level, "propagate": False}
    if log_format == "json":
        json_formatter = {"()": f"{__name__}.JsonFormatter"}
        config["formatters"] = {name: dict(json_formatter) for name in config["formatters"]}
    return config


__all__ = ["QUERY_EXCERPT", "JsonFormatter", "LogFormat", "excerpt", "server_config"]
