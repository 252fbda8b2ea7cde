"""The ``Allow`` header of the automatic OPTIONS answer (RFC 9110 §10.2.1), from the merged route.

Litestar 2 builds the OPTIONS handler when a path's first handler is registered, so when several
handlers share a path (GET and PUT of ``/api/storage/{key}``, GET and PUT of an agent's project)
its ``Allow`` names only the first method (litestar#4169, fixed in Litestar 3). This hook rewrites
the header from the route as finally assembled; drop it with the move to Litestar 3.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

__all__ = ["fix_allow_header"]

_STATE_KEY = "allow_by_path"


def _methods_by_path(app: Any) -> dict[str, str]:
    table: dict[str, str] | None = app.state.get(_STATE_KEY)
    if table is None:
        table = {route.path: ", ".join(sorted(route.methods)) for route in app.routes if isinstance(route, HTTPRoute)}
        app.state[_STATE_KEY] = table
    return table


async def fix_allow_header(message: Message, scope: Scope) -> None:
    """``before_send`` hook: on an OPTIONS answer, list every method of the matched route."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    handler = scope["route_handler"]
    allow = next((_methods_by_path(scope["app"]).get(p) for p in handler.paths), None)
    if allow:
        MutableScopeHeaders.from_message(message)["Allow"] = allow
