"""The administrator's console over identities: registrations refused with a reason, an
organisation's users and sessions, the agents' roster, the trust list and the settings that are
safe to show (approval, codes and revocation are in :mod:`.pki_admin`)."""

from __future__ import annotations

from litestar import Controller


class IdentityConsoleController(Controller):
    path = "/api/admin"
    tags = ["admin"]
