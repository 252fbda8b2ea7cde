"""The opening room's parts without a database: the command table, who a caller is in the room, what a
change leaves for after its commit."""

from __future__ import annotations

import inspect
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bidding.core.actor import Actor
from bidding.core.auth.caller import Principal
from bidding.core.auth.sessions import SessionInfo
from bidding.core.errors import Forbidden
from bidding.core.roles import Role as UserRole
from bidding.submission.extraction import OPEN_BID_BODY
from opening_room import states
from opening_room.commands import COMMANDS
from opening_room.effects import NOTHING, AfterCommit, Job
from opening_room.errors import CommandRefused
from opening_room.participants import Participant, participant
from opening_room.states import Role, State


def test_every_command_is_one_function_with_the_rule_of_the_states_table() -> None:
    assert list(COMMANDS) == list(states.COMMANDS)
    for name, command in COMMANDS.items():
        assert (command.name, command.roles, command.states) == (name, *states.COMMANDS[name])
        assert inspect.iscoroutinefunction(command.run), name
        assert command.run.__module__.startswith("opening_room.commands."), name


ROOM = Path(__file__).resolve().parents[2] / "opening_room"


def test_the_socket_only_speaks_the_protocol_and_nothing_is_dispatched_by_name() -> None:
    """ws.py reaches the database only through the room; commands are found in the table, not by getattr."""
    socket = (ROOM / "ws.py").read_text()
    assert not re.findall(r"select\(|\.begin\(\)|session\.execute", socket)
    assert [str(p.relative_to(ROOM)) for p in sorted(ROOM.rglob("*.py")) if "getattr(" in p.read_text()] == []


def test_a_command_refuses_other_roles_and_states_in_words() -> None:
    command = COMMANDS["start_decryption"]
    bidder = Participant(role=Role.BIDDER, actor=Actor(id="b"))
    with pytest.raises(Forbidden, match="start_decryption is for the host"):
        command.allow(bidder)
    command.allow(Participant(role=Role.HOST, actor=Actor(id="h")))
    with pytest.raises(CommandRefused, match="not possible while the session is waiting"):
        command.possible(State.WAITING)
    command.possible(State.BIDDERS_PUBLISHED)


AGENCY, OTHER = uuid.uuid4(), uuid.uuid4()


def logged_in(role: UserRole, org: uuid.UUID) -> Principal:
    now = datetime.now(UTC)
    info = SessionInfo("s", f"fp-{role}", org, "91110000000000000X", f"org {role}", "cn", role, now, now)
    return Principal(f"cert:fp-{role}", frozenset({role}), org, info)


@pytest.mark.parametrize(
    ("caller", "role", "fingerprint"),
    [
        (None, Role.PUBLIC, None),
        (logged_in(UserRole.AGENT, AGENCY), Role.HOST, "fp-agent"),  # the agency running the project
        (logged_in(UserRole.AGENT, OTHER), Role.PUBLIC, None),  # another agency watches
        (logged_in(UserRole.SUPERVISOR, OTHER), Role.SUPERVISOR, "fp-supervisor"),
        (Principal("operator:admin-token", frozenset({UserRole.ADMIN, UserRole.AUDITOR})), Role.SUPERVISOR, None),
        (logged_in(UserRole.BIDDER, OTHER), Role.BIDDER, "fp-bidder"),
        (Principal("x", frozenset({UserRole.BIDDER}), OTHER), Role.PUBLIC, None),  # a bidder without its certificate
        (logged_in(UserRole.TENDERER, OTHER), Role.PUBLIC, None),
    ],
)
def test_who_a_caller_is_in_the_room(caller: Principal | None, role: Role, fingerprint: str | None) -> None:
    who = participant(caller, agent_id=AGENCY, address="10.0.0.7")
    assert (who.role, who.fingerprint, who.actor.client_address) == (role, fingerprint, "10.0.0.7")
    assert who.actor.id == (caller.actor_id if caller else "public")
    assert who.organization_id == (caller.organization_id if caller else None)


def test_after_commit_announces_the_later_number_and_keeps_every_job() -> None:
    lot = uuid.uuid4()
    job = Job(OPEN_BID_BODY, ("b",), job_id="open-body:b")
    merged = AfterCommit(jobs=(job,)) | AfterCommit(publish=(lot, 7)) | AfterCommit(publish=(lot, 5))
    assert merged == AfterCommit(publish=(lot, 7), jobs=(job,))
    assert NOTHING | NOTHING == NOTHING
