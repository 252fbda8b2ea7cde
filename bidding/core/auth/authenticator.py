"""Who a bearer token stands for: a session token from a certificate login (docs/login.md), looked
up in Redis so any process can serve any user, or the operator's break-glass administrator token.

The HTTP middleware (``bidding.core.http.guards``) and the opening room's WebSocket both resolve tokens
here, so every entry point verifies them the same way.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final

from bidding.core.auth.caller import Principal
from bidding.core.auth.sessions import SessionStore
from bidding.core.roles import Role

__all__ = ["OPERATOR", "Authenticator"]

#: The actor id of the operator's break-glass token.
OPERATOR: Final = "operator:admin-token"


@dataclass(frozen=True)
class Authenticator:
    """Verifies credentials; held in app state so every process verifies the same way."""

    admin_token: str
    sessions: SessionStore

    async def from_bearer(self, token: str) -> Principal | None:
        if hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Principal(actor_id=OPERATOR, roles=frozenset({Role.ADMIN, Role.AUDITOR}))
        info = await self.sessions.resolve(token)
        if info is None:
            return None
        return Principal(
            actor_id=f"cert:{info.fingerprint}",
            roles=frozenset({info.role}),
            organization_id=info.organization_id,
            session=info,
        )
