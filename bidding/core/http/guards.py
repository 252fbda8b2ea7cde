"""Who is calling, and guards that say who may call an endpoint.

The caller's identity (a :class:`~bidding.core.auth.caller.Principal`) is resolved once per request by
the middleware (:func:`resolve_principal`, through :class:`~bidding.core.auth.authenticator.Authenticator`)
and checked by guards on each protected handler; handlers get it as a
:class:`~bidding.core.auth.caller.Caller` (``bidding.core.http.dependencies``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from bidding.core.auth.authenticator import Authenticator
from bidding.core.auth.caller import Principal
from bidding.core.auth.errors import OrganisationRequired
from bidding.core.errors import Forbidden, NotAuthenticated
from bidding.core.roles import Role

__all__ = [
    "Guard",
    "RoleGuard",
    "auth_error_of",
    "organisation_user",
    "principal_of",
    "requires",
    "resolve_principal",
]

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


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


def auth_error_of(connection: ASGIConnection[Any, Any, Any, Any]) -> NotAuthenticated:
    """Why a request has no principal: its token's problem, or no token at all."""
    error: NotAuthenticated | None = connection.scope.get("state", {}).get("auth_error")
    return error or NotAuthenticated()


@dataclass(frozen=True)
class RoleGuard:
    """A guard admitting callers that hold at least one of ``roles`` (any role when empty) and, with
    ``requires_organisation``, act for an organisation (a certificate's user, not the operator token:
    :class:`~bidding.core.auth.errors.OrganisationRequired`, 403).

    The OpenAPI document reads the guard (bidding.core.http.openapi): any ``RoleGuard`` means the bearer
    token is needed, and ``roles`` or ``requires_organisation`` that the operation may answer 403."""

    roles: frozenset[Role]
    requires_organisation: bool = False

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        # A coroutine, so Litestar calls it in the event loop (a sync guard costs a thread hop).
        principal = principal_of(connection)
        if principal is None:
            raise auth_error_of(connection)
        if self.roles and not principal.roles & self.roles:
            names = ", ".join(sorted(r.value for r in self.roles))
            raise Forbidden(f"this needs one of the roles: {names}", f"需要以下角色之一：{names}")
        if self.requires_organisation and (principal.organization_id is None or principal.session is None):
            raise OrganisationRequired()


def requires(*roles: Role) -> Guard:
    """A guard admitting callers that hold at least one of ``roles``."""
    return RoleGuard(frozenset(roles))


#: A guard admitting the logged-in user of an organisation, in any role (not the operator token).
organisation_user: Final[Guard] = RoleGuard(frozenset(), requires_organisation=True)
