"""The award's states and its role × command × state table (issue 21; RULES c11–c16)."""

from __future__ import annotations

import itertools

import pytest

from bidding.awards.states import (
    AWARD_TRANSITIONS,
    BEFORE_CONTRACT,
    COMMANDS,
    FINAL,
    AwardRole,
    AwardState,
    allowed,
)
from bidding.core.transitions import IllegalTransition, move

S = AwardState


def test_every_state_has_its_row_and_only_the_final_states_have_no_way_out() -> None:
    assert set(AWARD_TRANSITIONS) == set(S)
    assert {state for state, ends in AWARD_TRANSITIONS.items() if not ends} == FINAL


def test_the_path_from_report_to_close() -> None:
    path = [S.REPORTED, S.PUBLICITY, S.SUSPENDED, S.PUBLICITY, S.AWAITING_CHOICE, S.AWARDED, S.CONTRACTED, S.CLOSED]
    for start, end in itertools.pairwise(path):
        assert move(AWARD_TRANSITIONS, start, end, what="award") is end
    # an objection answered after the publicity's 3 days: straight to the choice
    assert move(AWARD_TRANSITIONS, S.SUSPENDED, S.AWAITING_CHOICE, what="award") is S.AWAITING_CHOICE
    # government procurement has no candidate publicity
    assert move(AWARD_TRANSITIONS, S.REPORTED, S.AWAITING_CHOICE, what="award") is S.AWAITING_CHOICE


def test_failed_or_terminated_from_any_state_before_the_contract_only() -> None:
    for state in S:
        for end in (S.FAILED, S.TERMINATED):
            if state in BEFORE_CONTRACT:
                assert move(AWARD_TRANSITIONS, state, end, what="award") is end
            else:
                with pytest.raises(IllegalTransition):
                    move(AWARD_TRANSITIONS, state, end, what="award")


def test_no_skipping_the_publicity_close_or_the_award() -> None:
    for start, end in ((S.PUBLICITY, S.AWARDED), (S.SUSPENDED, S.AWARDED), (S.AWAITING_CHOICE, S.CONTRACTED)):
        with pytest.raises(IllegalTransition):
            move(AWARD_TRANSITIONS, start, end, what="award")


def test_every_command_names_roles_and_states() -> None:
    for command, (roles, states) in COMMANDS.items():
        assert roles, command
        assert states, command


@pytest.mark.parametrize(
    ("command", "role", "state", "expected"),
    [
        ("publish_publicity", AwardRole.SYSTEM, S.REPORTED, True),
        ("publish_publicity", AwardRole.BIDDER, S.REPORTED, False),
        ("view_announcements", AwardRole.PUBLIC, S.PUBLICITY, True),
        ("view_announcements", AwardRole.PUBLIC, S.REPORTED, False),  # nothing published yet
        ("raise_objection", AwardRole.BIDDER, S.PUBLICITY, True),
        ("raise_objection", AwardRole.BIDDER, S.SUSPENDED, True),
        ("raise_objection", AwardRole.BIDDER, S.AWAITING_CHOICE, False),  # the publicity is over
        ("raise_objection", AwardRole.PUBLIC, S.PUBLICITY, False),
        ("answer_objection", AwardRole.TENDERER, S.SUSPENDED, True),
        ("close_publicity", AwardRole.SYSTEM, S.SUSPENDED, False),  # suspended: nothing moves on
        ("close_publicity", AwardRole.AGENT, S.PUBLICITY, False),  # only the clock closes it
        ("choose_winner", AwardRole.TENDERER, S.AWAITING_CHOICE, True),
        ("choose_winner", AwardRole.AGENT, S.AWAITING_CHOICE, False),
        ("choose_winner", AwardRole.TENDERER, S.SUSPENDED, False),
        ("deem_first", AwardRole.SYSTEM, S.AWAITING_CHOICE, True),
        ("send_notices", AwardRole.AGENT, S.AWAITING_CHOICE, True),
        ("read_own_notice", AwardRole.BIDDER, S.AWARDED, True),
        ("read_own_notice", AwardRole.BIDDER, S.PUBLICITY, False),
        ("upload_contract", AwardRole.TENDERER, S.AWARDED, True),
        ("upload_contract", AwardRole.BIDDER, S.AWARDED, False),
        ("declare_failed", AwardRole.AGENT, S.AWARDED, True),
        ("declare_failed", AwardRole.AGENT, S.CONTRACTED, False),
        ("terminate", AwardRole.TENDERER, S.PUBLICITY, True),
        ("terminate", AwardRole.AGENT, S.PUBLICITY, False),
        ("file_complaint", AwardRole.BIDDER, S.AWARDED, True),
        ("decide_complaint", AwardRole.SUPERVISOR, S.CLOSED, True),
        ("decide_complaint", AwardRole.TENDERER, S.CLOSED, False),
        ("supervise", AwardRole.SUPERVISOR, S.REPORTED, True),
    ],
)
def test_who_may_do_what(command: str, role: AwardRole, state: AwardState, expected: bool) -> None:
    assert allowed(command, role, state) is expected
