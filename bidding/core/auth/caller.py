"""Who calls a use case: the :class:`Principal` a credential stands for, and the :class:`Caller` a
service function takes — that principal with where the call comes from.

A service function (in its capability, e.g. ``bidding.submission.service``) takes the ``Caller``
whoever calls it: the HTTP layer builds one per request
(``bidding.core.http.dependencies.provide_caller``), a command or a job builds its own
(:meth:`Caller.system`, or :meth:`Caller.of` a principal). The audit trail's
:class:`~bidding.core.actor.Actor` is derived from it (:attr:`Caller.actor`), so every event names the
caller, its client address and its request id the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final, Literal

from bidding.core.actor import Actor
from bidding.core.auth.errors import OrganisationRequired
from bidding.core.auth.sessions import SessionInfo
from bidding.core.roles import Role

__all__ = ["ANONYMOUS", "Caller", "Language", "Principal"]

#: The actor id of a caller who sent no credential (the public portal, registration, login).
ANONYMOUS: Final = "public"

Language = Literal["zh", "en"]


@dataclass(frozen=True)
class Principal:
    """What a verified credential stands for (``bidding.core.auth.authenticator``): a certificate's user
    session, or the operator's break-glass token (no organisation, no session)."""

    actor_id: str
    roles: frozenset[Role]
    organization_id: uuid.UUID | None = None
    session: SessionInfo | None = None


@dataclass(frozen=True)
class Caller:
    """Who calls, for which organisation, in which roles, from where and in which request."""

    #: ``cert:<fingerprint>`` for a certificate's user, ``operator:admin-token``, ``system:<part>``
    #: for the platform itself, :data:`ANONYMOUS` for someone who sent no credential.
    actor_id: str
    roles: frozenset[Role] = frozenset()
    #: The organisation the caller acts for; None for the operator token, the system, the anonymous.
    organization_id: uuid.UUID | None = None
    #: SHA-256 fingerprint of the certificate the caller logged in with.
    fingerprint: str | None = None
    #: The login session (None unless the caller logged in with a certificate).
    session: SessionInfo | None = None
    client_address: str | None = None
    request_id: str | None = None
    #: The language the caller reads (the first tag of its ``Accept-Language``).
    language: Language = "zh"

    @classmethod
    def of(
        cls,
        principal: Principal | None,
        *,
        client_address: str | None = None,
        request_id: str | None = None,
        language: Language = "zh",
    ) -> Caller:
        """The caller a principal stands for (an anonymous one for None)."""
        if principal is None:
            return cls(ANONYMOUS, client_address=client_address, request_id=request_id, language=language)
        return cls(
            principal.actor_id,
            principal.roles,
            principal.organization_id,
            principal.session.fingerprint if principal.session else None,
            principal.session,
            client_address,
            request_id,
            language,
        )

    @classmethod
    def system(cls, component: str, *, request_id: str | None = None) -> Caller:
        """The platform itself (a job, a command): ``system:<component>``."""
        return cls(Actor.system(component).id, request_id=request_id)

    @property
    def anonymous(self) -> bool:
        return self.actor_id == ANONYMOUS

    @property
    def actor(self) -> Actor:
        """The audit trail's actor: this caller, from its address, in its request."""
        return self.acting_as(self.actor_id)

    def acting_as(self, actor_id: str) -> Actor:
        """The audit actor for a caller known by something else than a login (an anonymous caller
        named by the certificate it logs in with, or by the enrolment code it brings)."""
        return Actor(id=actor_id, client_address=self.client_address, request_id=self.request_id)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & frozenset(roles))

    def organisation(self) -> uuid.UUID:
        """The organisation the caller acts for; :class:`OrganisationRequired` (403) if none."""
        if self.organization_id is None:
            raise OrganisationRequired()
        return self.organization_id

    def certificate(self) -> tuple[uuid.UUID, str]:
        """The organisation and the certificate fingerprint of a certificate's user;
        :class:`OrganisationRequired` (403) for any other caller."""
        if self.organization_id is None or self.fingerprint is None:
            raise OrganisationRequired()
        return self.organization_id, self.fingerprint

    def user_session(self) -> SessionInfo:
        """The caller's login session; :class:`OrganisationRequired` (403) without one."""
        if self.session is None:
            raise OrganisationRequired()
        return self.session
