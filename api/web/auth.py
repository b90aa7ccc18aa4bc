"""Bearer-token check for writes: constant-time comparison, 401 without credentials, 403 with
wrong ones or when writes are off."""

from __future__ import annotations

import hmac

from .errors import HttpError


def require_token(authorization: str | None, token: str | None) -> None:
    if token is None:
        raise HttpError(403, "writes are disabled on this server; start it with --token-file to allow them")
    if not authorization:
        raise HttpError(
            401,
            "writes need the header 'Authorization: Bearer <token>'",
            {"WWW-Authenticate": 'Bearer realm="rsikg"'},
        )
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HttpError(403, "the bearer token is not the one this server accepts")
