"""Roles a user holds on the platform, bound to their organisation by their certificate."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    BIDDER = "bidder"
    AGENT = "agent"
    TENDERER = "tenderer"
    SUPERVISOR = "supervisor"
    EXPERT = "expert"
    AUDITOR = "auditor"
    ADMIN = "admin"
    #: The centre's finance officer (财务): bank statements, the unmatched queue, refunds (issue 18).
    FINANCE = "finance"


def allowed_roles(kind: str) -> frozenset[Role]:
    """The roles a user of an organisation of ``kind`` (an ``OrgKind`` value) may hold."""
    return _ROLES_BY_KIND.get(kind, frozenset())


_ROLES_BY_KIND: dict[str, frozenset[Role]] = {
    # The trading centre runs the platform: its staff administer, audit, keep the deposit accounts
    # (财务) and sit in the expert pool.
    "trading_centre": frozenset({Role.ADMIN, Role.AUDITOR, Role.EXPERT, Role.FINANCE}),
    "agent": frozenset({Role.AGENT}),
    "tenderer": frozenset({Role.TENDERER}),
    "bidder": frozenset({Role.BIDDER}),
    "supervisor": frozenset({Role.SUPERVISOR, Role.AUDITOR}),
}
