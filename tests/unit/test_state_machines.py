"""The state machines in one form (issue 17): each table names every state of its enum, allows
exactly its listed moves through ``move`` and refuses every other with a clear error; the opening
session's table is the one the room's commands and its clock make, no more, no less; every status
column of the schema is a ``StrEnum`` column with its named CHECK constraint."""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, Enum

import opening_room.tables  # noqa: F401  (their tables on the metadata too)
from bidding.awards.states import AWARD_TRANSITIONS, AwardState
from bidding.awards.states import FINAL as AWARD_FINAL
from bidding.core.db.base import Base
from bidding.core.transitions import IllegalTransition, Transitions, edges, move
from bidding.evaluation.states import EVALUATION_TRANSITIONS, MEMBER_TRANSITIONS, EvaluationState, MemberStatus
from bidding.experts.draw_states import (
    DRAW_FINAL,
    DRAW_TRANSITIONS,
    SEAT_FINAL,
    SEAT_TRANSITIONS,
    DrawStatus,
    SeatStatus,
)
from bidding.submission.states import BID_TRANSITIONS, UPLOAD_IN_USE, UPLOAD_TRANSITIONS, BidStatus, UploadStatus
from opening_room.states import BID_OPENING_TRANSITIONS, COMMANDS, FINAL, TRANSITIONS, BidOpeningStatus, State

MACHINES: dict[str, tuple[type[StrEnum], Transitions[Any], frozenset[Any]]] = {
    "upload": (UploadStatus, UPLOAD_TRANSITIONS, frozenset({UploadStatus.COMPLETED, UploadStatus.REJECTED})),
    "bid": (BidStatus, BID_TRANSITIONS, frozenset({BidStatus.REPLACED, BidStatus.WITHDRAWN})),
    "opening session": (State, TRANSITIONS, FINAL),
    "bid opening": (BidOpeningStatus, BID_OPENING_TRANSITIONS, frozenset({BidOpeningStatus.DECRYPTED})),
    "expert draw": (DrawStatus, DRAW_TRANSITIONS, DRAW_FINAL),
    "expert seat": (SeatStatus, SEAT_TRANSITIONS, SEAT_FINAL),
    "evaluation": (EvaluationState, EVALUATION_TRANSITIONS, frozenset({EvaluationState.FINAL})),
    "evaluation member": (MemberStatus, MEMBER_TRANSITIONS, frozenset({MemberStatus.RECUSED})),
    "award": (AwardState, AWARD_TRANSITIONS, AWARD_FINAL),
}


@pytest.mark.parametrize("machine", MACHINES)
def test_every_state_has_its_row_and_only_final_states_have_no_way_out(machine: str) -> None:
    states, transitions, final = MACHINES[machine]
    assert set(transitions) == set(states)
    assert {state for state, ends in transitions.items() if not ends} == final
    assert all(end in set(states) for ends in transitions.values() for end in ends)


@pytest.mark.parametrize("machine", MACHINES)
def test_move_allows_the_listed_moves_and_refuses_every_other(machine: str) -> None:
    states, transitions, _ = MACHINES[machine]
    allowed = edges(transitions)
    assert allowed, "a machine without moves"
    for start, end in itertools.product(states, repeat=2):
        if (start, end) in allowed:
            assert move(transitions, start, end, what=machine) is end
            continue
        with pytest.raises(IllegalTransition) as refused:
            move(transitions, start, end, what=f"the {machine}")
        error = refused.value
        assert (error.code, error.status) == ("illegal_transition", 409)
        assert error.detail_en == f"the {machine} is {start.value} and cannot become {end.value}"
        assert error.details == [{"from": start.value, "to": end.value}]
        assert start.value in error.text("zh") and end.value in error.text("zh")


def test_every_state_is_reachable_from_the_start_and_can_end() -> None:
    for start, (_, transitions, final) in zip(
        (
            UploadStatus.OPEN,
            BidStatus.ACTIVE,
            State.WAITING,
            BidOpeningStatus.PENDING,
            DrawStatus.REQUESTED,
            SeatStatus.RESERVE,
            EvaluationState.CONVENING,
            MemberStatus.SEATED,
            AwardState.REPORTED,
        ),
        MACHINES.values(),
        strict=True,
    ):
        reached, frontier = {start}, [start]
        while frontier:
            for end in transitions[frontier.pop()]:
                if end not in reached:
                    reached.add(end)
                    frontier.append(end)
        assert reached == set(transitions), f"unreachable from {start}: {set(transitions) - reached}"
        for state in transitions:  # from every state some final state is reachable
            seen, todo = {state}, [state]
            while todo and not seen & final:
                for end in transitions[todo.pop()]:
                    if end not in seen:
                        seen.add(end)
                        todo.append(end)
            assert seen & final, f"{state} never ends"


def test_staged_bytes_are_kept_exactly_while_an_upload_can_still_move() -> None:
    assert {state for state, ends in UPLOAD_TRANSITIONS.items() if ends} == UPLOAD_IN_USE


#: Where each command of the room takes the session (None: it changes no state).
COMMAND_MOVES: dict[str, State | None] = {
    "sign_in": None,
    "continue": State.BIDDERS_PUBLISHED,
    "stop": State.FAILED,
    "start_decryption": State.DECRYPTING,
    "pause": State.PAUSED,
    "resume": State.DECRYPTING,
    "extend": None,
    "get_envelope": None,
    "decrypt": None,
    "close_decryption": State.ANNOUNCED,  # and on to objections, in the same transaction
    "platform_fault": None,
    "raise_objection": None,
    "answer_objection": None,
    "close_objections": State.SIGNING,
    "prepare_record_signature": None,
    "sign_record": None,
    "close": State.CLOSED,
    "adjourn": State.ADJOURNED,
    "remark": None,
}

#: What the clock alone does (``OpeningRoom.tick``): extraction at the deadline, and the end of the
#: decryption window, each followed within the same transaction by what comes next.
CLOCK_MOVES = {
    (State.WAITING, State.EXTRACTED),  # fewer than 3 bids: the host decides
    (State.WAITING, State.BIDDERS_PUBLISHED),  # at least 3 bids
    (State.WAITING, State.FAILED),  # the tender was terminated
    (State.DECRYPTING, State.ANNOUNCED),  # the window closed
    (State.ANNOUNCED, State.OBJECTIONS),  # 唱标, then the objections open
}


def test_the_session_table_is_what_the_commands_and_the_clock_do() -> None:
    assert set(COMMAND_MOVES) == set(COMMANDS)
    by_commands = {
        (state, target) for name, target in COMMAND_MOVES.items() if target is not None for state in COMMANDS[name][1]
    }
    assert by_commands | CLOCK_MOVES == edges(TRANSITIONS)
    # Adjourning is possible in every state before the end, and in none after it.
    assert {state for state in State if State.ADJOURNED in TRANSITIONS[state]} == set(State) - FINAL


STATE_COLUMNS = {"status", "state", "mode", "kind", "category", "outcome"}


def test_every_status_column_is_an_enum_with_its_named_check() -> None:
    found = []
    for table in Base.metadata.sorted_tables:
        checks = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        for column in table.columns:
            if column.name not in STATE_COLUMNS:
                continue
            assert isinstance(column.type, Enum), f"{table.name}.{column.name} is not an enum column"
            assert column.type.enum_class is not None and issubclass(column.type.enum_class, StrEnum)
            assert column.type.enums == [m.value for m in column.type.enum_class]
            assert f"ck_{table.name}_{column.type.name}" in checks, f"{table.name}.{column.name} has no named CHECK"
            found.append(f"{table.name}.{column.name}")
    assert sorted(found) == [
        "announcements.kind",
        "award_complaints.status",
        "award_notices.kind",
        "awards.state",
        "bank_statements.kind",
        "bid_openings.outcome",
        "bid_openings.status",
        "bid_uploads.mode",
        "bid_uploads.status",
        "bids.status",
        "deposit_alerts.kind",
        "deposit_checks.status",
        "deposit_refund_batches.status",
        "deposit_refunds.status",
        "evaluation_clarifications.kind",
        "evaluation_clarifications.status",
        "evaluation_members.status",
        "evaluation_signatures.outcome",
        "evaluations.state",
        "expert_draw_seats.kind",
        "expert_draw_seats.status",
        "expert_draws.status",
        "experts.status",
        "job_executions.status",
        "ledger_postings.kind",
        "message_replies.outcome",
        "messages.status",
        "opening_sessions.state",
        "organizations.kind",
        "organizations.status",
        "project_registrations.category",
        "project_registrations.status",
        "projects.category",
        "projects.status",
        "supervision_alerts.kind",
        "supervision_clocks.kind",
        "supervision_orders.kind",
        "supervision_orders.state",
    ]
