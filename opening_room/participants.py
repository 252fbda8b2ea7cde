"""Who a connection is in the room (docs/opening-room-protocol.md, Roles), and what it may see.

The role is decided once, when the client says ``hello`` with its session token, by
:func:`participant`; the protocol layer only finds out who holds the token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from bidding.core.actor import Actor
from bidding.core.auth.caller import Principal
from bidding.core.roles import Role as UserRole
from opening_room.events import HOST, PUBLIC, bidder_audience
from opening_room.states import Role

__all__ = ["Participant", "participant"]


@dataclass(frozen=True)
class Participant:
    """Who is in the room: their role, who they are, and the certificate of their session."""

    role: Role
    actor: Actor
    organization_id: uuid.UUID | None = None
    #: SHA-256 of the session's certificate: the bidder's key opens its envelope and signs the record.
    fingerprint: str | None = None
    #: The organisation's name, shown with what it says in the room.
    name: str = ""

    def sees(self, audience: str) -> bool:
        """Public events are for everyone, ``host`` events for the host and supervisors, and a bidder's
        private events (its opened form) for that bidder alone: not even the host learns a price
        before the 唱标 (办法 30)."""
        if audience == PUBLIC:
            return True
        if audience == HOST:
            return self.role in (Role.HOST, Role.SUPERVISOR)
        return self.organization_id is not None and audience == bidder_audience(self.organization_id)


def participant(caller: Principal | None, *, agent_id: uuid.UUID | None, address: str | None) -> Participant:
    """The room's role of ``caller`` (whom the token of its ``hello`` stands for) at the opening of a
    project run by the agent ``agent_id``:

    * nobody logged in: the public;
    * an agent of the organisation running the project: the host;
    * a supervisor or an administrator: a supervisor;
    * a bidder logged in with its certificate: a bidder (its certificate opens its envelope);
    * anyone else (another agent, a tenderer, a bidder by the operator's token): the public, under
      its own name.

    >>> participant(None, agent_id=None, address="10.0.0.1").role
    <Role.PUBLIC: 'public'>
    """
    if caller is None:
        return Participant(role=Role.PUBLIC, actor=Actor(id="public", client_address=address))
    actor = Actor(id=caller.actor_id, client_address=address)
    info = caller.session
    name = info.organization_name if info else ""
    fingerprint = info.fingerprint if info else None
    org = caller.organization_id
    if UserRole.AGENT in caller.roles and org is not None and org == agent_id:
        return Participant(Role.HOST, actor, org, fingerprint, name)
    if UserRole.SUPERVISOR in caller.roles or UserRole.ADMIN in caller.roles:
        return Participant(Role.SUPERVISOR, actor, org, fingerprint, name)
    if UserRole.BIDDER in caller.roles and info is not None:
        return Participant(Role.BIDDER, actor, org, info.fingerprint, name)
    return Participant(role=Role.PUBLIC, actor=actor, organization_id=org, name=name)
