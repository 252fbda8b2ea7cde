"""ASGI middleware: request id, access log and resolution of the caller's identity."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bidding.core.http.context import request_id_of
from bidding.core.http.guards import resolve_principal
from bidding.core.logs import request_id_var

access_log = logging.getLogger("bidding.access")


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    """Give each request an id (echoed as ``X-Request-ID``), resolve its principal and log it; every
    response says ``X-Content-Type-Options: nosniff``."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        rid = request_id_of(connection)
        token = request_id_var.set(rid)
        await resolve_principal(connection)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableScopeHeaders.from_message(message)
                if "x-request-id" not in headers:
                    headers["X-Request-ID"] = rid
                # Every response, downloads above all: a browser renders what we say it is, never
                # what it guesses (an uploaded file sniffed as HTML would run as our page).
                if "x-content-type-options" not in headers:
                    headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        try:
            # A WebSocket's frames go straight out: nothing here touches them, and a wrapper would cost
            # a call per frame per viewer (10,000 viewers of an opening).
            await app(scope, receive, send_with_id if scope["type"] == ScopeType.HTTP else send)
        finally:
            raw = cast(dict[str, Any], scope)
            if raw["type"] == "http":
                client = raw.get("client")
                access_log.info(
                    "%s %s %s",
                    raw["method"],
                    raw["path"],
                    status,
                    extra={
                        "method": raw["method"],
                        "path": raw["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": client[0] if client else None,
                    },
                )
            request_id_var.reset(token)

    return middleware
