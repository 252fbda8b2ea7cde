"""Per-request context: request id, client address, preferred language, and the :class:`Caller`
they make with the request's principal."""

from __future__ import annotations

import re
import secrets
from typing import Any, Literal

from litestar.connection import ASGIConnection

from bidding.core.auth.caller import Caller
from bidding.core.http.guards import principal_of
from bidding.core.logs import request_id_var

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id() -> str:
    return secrets.token_hex(12)


def request_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The request's id: set by the middleware, or taken from a valid ``X-Request-ID``, or new."""
    state = connection.scope.setdefault("state", {})
    rid = state.get("request_id")
    if rid is None:
        incoming = connection.headers.get("x-request-id", "")
        rid = incoming if _REQUEST_ID.match(incoming) else new_request_id()
        state["request_id"] = rid
        request_id_var.set(rid)
    return str(rid)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    # Behind the load balancer uvicorn's --proxy-headers puts the real client here.
    return connection.client.host if connection.client else None


def preferred_language(connection: ASGIConnection[Any, Any, Any, Any]) -> Literal["zh", "en"]:
    """Chinese unless the client prefers English (first tag of Accept-Language)."""
    accept = connection.headers.get("accept-language", "")
    first = accept.split(",", 1)[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def caller_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    """Who calls, from where, in which request: anonymous when the request carries no valid token."""
    return Caller.of(
        principal_of(connection),
        client_address=client_address(connection),
        request_id=request_id_of(connection),
        language=preferred_language(connection),
    )
