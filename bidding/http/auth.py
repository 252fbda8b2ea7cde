"""Who is calling, and guards that say who may call an endpoint.

The caller's identity (a :class:`Principal`) is resolved once per request by the middleware and
checked by guards on each protected handler. A bearer token is either a session token from a
certificate login (docs/login.md), looked up in Redis so any process can serve any user, or the
operator's break-glass administrator token.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from bidding.auth.sessions import SessionInfo, SessionStore
from bidding.domain.roles import Role
from bidding.errors import Forbidden, NotAuthenticated

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


@dataclass(frozen=True)
class Principal:
    actor_id: str
    roles: frozenset[Role]
    organization_id: uuid.UUID | None = None
    session: SessionInfo | None = None


@dataclass(frozen=True)
class Authenticator:
    """Verifies credentials; held in app state so every process verifies the same way."""

    admin_token: str
    sessions: SessionStore

    async def from_bearer(self, token: str) -> Principal | None:
        if hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Principal(actor_id="operator:admin-token", roles=frozenset({Role.ADMIN, Role.AUDITOR}))
        info = await self.sessions.resolve(token)
        if info is None:
            return None
        return Principal(
            actor_id=f"cert:{info.fingerprint}",
            roles=frozenset({info.role}),
            organization_id=info.organization_id,
            session=info,
        )


async def resolve_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    state = connection.scope.setdefault("state", {})
    authorization = connection.headers.get("authorization")
    if not authorization:
        return
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        state["auth_error"] = NotAuthenticated(
            "the Authorization header must be `Bearer <token>`", "Authorization 头必须是 `Bearer <令牌>`"
        )
        return
    authenticator: Authenticator = connection.app.state.authenticator
    principal = await authenticator.from_bearer(credentials.strip())
    if principal is None:
        state["auth_error"] = NotAuthenticated("the bearer token is not valid or has expired", "令牌无效或已过期")
    else:
        state["principal"] = principal


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    principal: Principal | None = connection.scope.get("state", {}).get("principal")
    return principal


@dataclass(frozen=True)
class RoleGuard:
    """A guard admitting callers that hold at least one of ``roles`` (any role when empty).

    ``requires_login`` tells the OpenAPI document that the operation needs the bearer token
    (bidding.http.openapi)."""

    roles: frozenset[Role]
    requires_login: bool = True

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        # A coroutine, so Litestar calls it in the event loop (a sync guard costs a thread hop).
        principal = principal_of(connection)
        if principal is None:
            error: NotAuthenticated | None = connection.scope.get("state", {}).get("auth_error")
            raise error or NotAuthenticated()
        if self.roles and not principal.roles & self.roles:
            names = ", ".join(sorted(r.value for r in self.roles))
            raise Forbidden(f"this needs one of the roles: {names}", f"需要以下角色之一：{names}")


def requires(*roles: Role) -> Guard:
    """A guard admitting callers that hold at least one of ``roles``."""
    return RoleGuard(frozenset(roles))


#: A guard admitting any authenticated caller.
logged_in: Final[Guard] = RoleGuard(frozenset())
