"""The Caller a service takes (bidding.core.auth.caller): what a principal makes of it, the audit actor
it gives, and the one error for a caller without an organisation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bidding.core.actor import Actor
from bidding.core.auth.caller import ANONYMOUS, Caller, Principal
from bidding.core.auth.errors import OrganisationRequired
from bidding.core.auth.sessions import SessionInfo
from bidding.core.roles import Role

ORG = uuid.UUID("00000000-0000-4000-8000-000000000001")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def session(role: Role = Role.BIDDER) -> SessionInfo:
    return SessionInfo(
        session_id="s" * 64,
        fingerprint="f" * 64,
        organization_id=ORG,
        credit_code="91350100M000100Y43",
        organization_name="某某建设有限公司",
        common_name="张三",
        role=role,
        issued_at=NOW,
        expires_at=NOW + timedelta(hours=8),
    )


def test_a_certificate_user_is_its_organisation_and_certificate() -> None:
    principal = Principal(f"cert:{'f' * 64}", frozenset({Role.BIDDER}), ORG, session())
    caller = Caller.of(principal, client_address="10.0.0.7", request_id="req-12345678", language="en")
    assert caller.organisation() == ORG
    assert caller.certificate() == (ORG, "f" * 64)
    assert caller.user_session() == principal.session
    assert caller.has(Role.BIDDER) and not caller.has(Role.AGENT)
    assert caller.actor == Actor(f"cert:{'f' * 64}", "10.0.0.7", "req-12345678")
    assert not caller.anonymous and caller.language == "en"


def test_no_principal_is_the_anonymous_public() -> None:
    caller = Caller.of(None, client_address="10.0.0.8", request_id="req-87654321")
    assert caller.anonymous and caller.actor_id == ANONYMOUS and caller.roles == frozenset()
    # Known by what it brings instead (login: the certificate; enrolment: the code), from where it is.
    assert caller.acting_as("enrolment-code") == Actor("enrolment-code", "10.0.0.8", "req-87654321")


@pytest.mark.parametrize(
    "caller",
    [
        Caller.of(Principal("operator:admin-token", frozenset({Role.ADMIN, Role.AUDITOR}))),
        Caller.of(None),
        Caller.system("sweeper"),
    ],
    ids=["operator", "anonymous", "system"],
)
def test_without_an_organisation_one_error_everywhere(caller: Caller) -> None:
    for needs in (caller.organisation, caller.certificate, caller.user_session):
        with pytest.raises(OrganisationRequired) as raised:
            needs()
        assert (raised.value.status, raised.value.code) == (403, "organisation_required")


def test_the_system_acts_as_itself() -> None:
    assert Caller.system("staging", request_id="job-1").actor == Actor.system("staging", request_id="job-1")
