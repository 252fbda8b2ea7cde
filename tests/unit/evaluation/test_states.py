"""The evaluation's state tables (bidding/evaluation/states.py) are exactly the moves and the
role × state rights written out here by hand: a change to either must change both."""

from __future__ import annotations

import pytest

from bidding.core.transitions import IllegalTransition, edges, move
from bidding.evaluation.states import (
    COMMANDS,
    EVALUATION_TRANSITIONS,
    MEMBER_TRANSITIONS,
    EvaluationRole,
    EvaluationState,
    MemberStatus,
    allowed,
)

E = EvaluationState
M = MemberStatus
R = EvaluationRole

EVALUATION_MOVES = {
    (E.CONVENING, E.PRELIMINARY),  # the committee is full and has a chair
    (E.PRELIMINARY, E.DETAILED),  # every member judged every bid
    (E.PRELIMINARY, E.CONVENING),  # a recusal
    (E.DETAILED, E.REPORTING),  # the chair drafts the report
    (E.DETAILED, E.CONVENING),  # a recusal
    (E.REPORTING, E.FINAL),  # every member signed, dissented or is deemed to agree
}
MEMBER_MOVES = {
    (M.SEATED, M.SIGNED_IN),
    (M.SIGNED_IN, M.SITTING),
    (M.SIGNED_IN, M.RECUSED),
    (M.SITTING, M.RECUSED),
}


def test_the_tables_are_exactly_the_listed_moves() -> None:
    assert edges(EVALUATION_TRANSITIONS) == EVALUATION_MOVES
    assert edges(MEMBER_TRANSITIONS) == MEMBER_MOVES


@pytest.mark.parametrize(
    ("start", "end"), [(E.FINAL, E.REPORTING), (E.REPORTING, E.DETAILED), (E.CONVENING, E.DETAILED)]
)
def test_no_way_back_from_the_report_and_no_skipping(start: EvaluationState, end: EvaluationState) -> None:
    with pytest.raises(IllegalTransition):
        move(EVALUATION_TRANSITIONS, start, end, what="evaluation")


MEMBERS = {R.MEMBER, R.CHAIR}


@pytest.mark.parametrize("command", ["read_body", "read_scores", "judge", "score", "sign_report"])
def test_bodies_and_scores_are_the_committees_alone(command: str) -> None:
    for role in EvaluationRole:
        for state in EvaluationState:
            if allowed(command, role, state):
                assert role in MEMBERS, (command, role)


def test_nothing_is_read_through_the_evaluation_once_final() -> None:
    for command in ("read_body", "read_scores", "judge", "score", "ask_clarification", "declare"):
        assert not any(allowed(command, role, E.FINAL) for role in EvaluationRole), command


def test_a_declarant_declares_and_sees_the_room_only() -> None:
    assert {c for c in COMMANDS if any(allowed(c, R.DECLARANT, s) for s in EvaluationState)} == {"declare", "view_room"}


def test_the_chair_alone_corrects_decides_rechecks_drafts_and_records_refusals() -> None:
    for command in ("correct_price", "decide_low_price", "ask_recheck", "draft_report", "record_refusal"):
        roles, _ = COMMANDS[command]
        assert roles == {R.CHAIR}, command


def test_the_supervisor_never_reads_a_body_and_a_bidder_only_answers() -> None:
    assert {c for c in COMMANDS if any(allowed(c, R.SUPERVISOR, s) for s in EvaluationState)} == {
        "supervise",
        "remark",
        "progress",
        "read_draft_report",
        "read_final_report",
    }
    assert {c for c in COMMANDS if any(allowed(c, R.BIDDER, s) for s in EvaluationState)} == {"answer_clarification"}
    assert {c for c in COMMANDS if any(allowed(c, R.PROJECT, s) for s in EvaluationState)} == {
        "progress",
        "read_final_report",
    }
    assert {s for s in EvaluationState if allowed("read_final_report", R.PROJECT, s)} == {E.FINAL}
