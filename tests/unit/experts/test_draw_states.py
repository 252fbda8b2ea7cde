"""The expert draw's state tables and its reveal rules, pinned (issue 19; ``docs/expert-draws.md`` §2 and
§6): every allowed move of the draw and of a seat, listed here by hand, and nothing else; which role may
send which command in which state, and what each command's moves are, covering the table; and who may
read the committee's names when, as worked examples of :func:`bidding.experts.sealed.may_reveal`.

The common checks of every machine (each state has its row, the final states, reachability, every other
move refused in words) are ``tests/unit/test_state_machines.py``; this file pins the draw's own tables,
in the way that file pins the opening room's session table to its commands and clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bidding.core.transitions import IllegalTransition, edges, move
from bidding.experts.draw_states import (
    COMMANDS,
    DRAW_FINAL,
    DRAW_TRANSITIONS,
    SEAT_FINAL,
    SEAT_TRANSITIONS,
    DrawRole,
    DrawStatus,
    SeatStatus,
    allowed,
)
from bidding.experts.sealed import Audience, RevealFacts, may_reveal

D = DrawStatus
S = SeatStatus
R = DrawRole

#: Every move of a draw, by hand (the diagram of ``draw_states.py``).
DRAW_MOVES = {
    (D.REQUESTED, D.COMMITTED),  # the job at the draw time, or the agent's draw-now
    (D.REQUESTED, D.CANCELLED),  # the agent withdraws the request
    (D.REQUESTED, D.FAILED),  # the pool is short at the commitment
    (D.COMMITTED, D.INVITING),  # drawn; the seated are invited
    (D.COMMITTED, D.FAILED),  # the pool is short at the draw
    (D.INVITING, D.COMPLETE),  # every seat accepted
    (D.INVITING, D.SHORT),  # backups and the top-up pool ran out
    (D.COMPLETE, D.FINAL),  # the report is final (or the supervisor finalises)
    (D.COMPLETE, D.INVITING),  # a member recused at the evaluation: the next backup is invited (条例 46)
    (D.SHORT, D.INVITING),  # a top-up (补抽) was drawn
    (D.SHORT, D.CANCELLED),  # the agent gives up
}

#: Every move of a seat, by hand.
SEAT_MOVES = {
    (S.RESERVE, S.INVITED),  # its turn came
    (S.RESERVE, S.RELEASED),  # the draw ended without it
    (S.INVITED, S.ACCEPTED),
    (S.ACCEPTED, S.RECUSED),  # declared a conflict at the evaluation
    (S.INVITED, S.DECLINED),
    (S.INVITED, S.TIMED_OUT),  # no answer within BIDDING_EXPERT_ANSWER_MINUTES
    (S.INVITED, S.RELEASED),  # the draw was cancelled while it waited
}

ALL = frozenset(D)
LIVE = ALL - {D.REQUESTED, D.CANCELLED}

#: Command → (roles, states), by hand: the table the services and the controllers obey.
EXPECTED_COMMANDS: dict[str, tuple[frozenset[DrawRole], frozenset[DrawStatus]]] = {
    "cancel": (frozenset({R.REQUESTER}), frozenset({D.REQUESTED, D.SHORT})),
    "draw_now": (frozenset({R.REQUESTER}), frozenset({D.REQUESTED})),
    "top_up": (frozenset({R.REQUESTER}), frozenset({D.SHORT})),
    "progress": (frozenset({R.REQUESTER, R.SUPERVISOR}), ALL),
    "commit": (frozenset({R.SYSTEM, R.REQUESTER}), frozenset({D.REQUESTED})),
    "draw": (frozenset({R.SYSTEM, R.REQUESTER}), frozenset({D.COMMITTED})),
    "time_out": (frozenset({R.SYSTEM}), frozenset({D.INVITING, D.SHORT})),
    "answer": (frozenset({R.EXPERT}), frozenset({D.INVITING, D.SHORT})),
    "sign_in": (frozenset({R.EXPERT}), frozenset({D.COMPLETE, D.FINAL})),
    "recuse": (frozenset({R.EXPERT}), frozenset({D.COMPLETE, D.INVITING, D.SHORT})),
    "supervise": (frozenset({R.SUPERVISOR}), ALL),
    "finalise": (frozenset({R.SUPERVISOR, R.SYSTEM}), frozenset({D.COMPLETE})),
    "commitments": (frozenset(DrawRole), LIVE),
    "record": (frozenset(DrawRole), frozenset({D.FINAL})),
}

#: Where each command can take a draw (empty: a read, or a move of seats only). ``draw_now`` is
#: ``commit`` and ``draw`` in one pass; an answer or a time-out calls a backup or draws a top-up,
#: which may complete the committee, leave it short, or (from short) fill it again.
COMMAND_TARGETS: dict[str, frozenset[DrawStatus]] = {
    "cancel": frozenset({D.CANCELLED}),
    "draw_now": frozenset({D.COMMITTED, D.FAILED}),
    "top_up": frozenset({D.INVITING}),
    "progress": frozenset(),
    "commit": frozenset({D.COMMITTED, D.FAILED}),
    "draw": frozenset({D.INVITING, D.FAILED}),
    "time_out": frozenset({D.SHORT, D.INVITING}),
    "answer": frozenset({D.COMPLETE, D.SHORT, D.INVITING}),
    "sign_in": frozenset(),
    "recuse": frozenset({D.INVITING, D.SHORT}),  # the backup invited, or a top-up short
    "supervise": frozenset(),
    "finalise": frozenset({D.FINAL}),
    "commitments": frozenset(),
    "record": frozenset(),
}


def test_the_draw_table_is_exactly_the_listed_moves() -> None:
    assert edges(DRAW_TRANSITIONS) == DRAW_MOVES
    assert {D.FINAL, D.CANCELLED, D.FAILED} == DRAW_FINAL


def test_the_seat_table_is_exactly_the_listed_moves() -> None:
    assert edges(SEAT_TRANSITIONS) == SEAT_MOVES
    assert {S.DECLINED, S.TIMED_OUT, S.RELEASED, S.RECUSED} == SEAT_FINAL


@pytest.mark.parametrize(("start", "end"), sorted(DRAW_MOVES))
def test_each_draw_move_is_allowed(start: DrawStatus, end: DrawStatus) -> None:
    assert move(DRAW_TRANSITIONS, start, end, what="expert draw") is end


@pytest.mark.parametrize(("start", "end"), sorted(SEAT_MOVES))
def test_each_seat_move_is_allowed(start: SeatStatus, end: SeatStatus) -> None:
    assert move(SEAT_TRANSITIONS, start, end, what="seat") is end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D.REQUESTED, D.INVITING),  # never invited without a committed, drawn round
        (D.INVITING, D.CANCELLED),  # invitations out: the draw is not withdrawn (only a short one is)
        (D.COMPLETE, D.REQUESTED),  # an accepted committee is not drawn again
        (D.FINAL, D.INVITING),
        (D.FAILED, D.REQUESTED),
    ],
)
def test_a_draw_move_not_listed_is_refused(start: DrawStatus, end: DrawStatus) -> None:
    with pytest.raises(IllegalTransition) as refused:
        move(DRAW_TRANSITIONS, start, end, what="the expert draw")
    assert refused.value.status == 409
    assert refused.value.detail_en == f"the expert draw is {start.value} and cannot become {end.value}"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (S.DECLINED, S.ACCEPTED),  # a second answer changes nothing
        (S.TIMED_OUT, S.ACCEPTED),  # a late answer changes nothing
        (S.ACCEPTED, S.DECLINED),  # nor does changing one's mind after accepting (条例 48: not built)
        (S.RESERVE, S.ACCEPTED),  # a backup accepts only once invited
        (S.RELEASED, S.INVITED),
    ],
)
def test_a_seat_move_not_listed_is_refused(start: SeatStatus, end: SeatStatus) -> None:
    with pytest.raises(IllegalTransition):
        move(SEAT_TRANSITIONS, start, end, what="seat")


def test_the_commands_table_is_pinned() -> None:
    assert dict(COMMANDS) == EXPECTED_COMMANDS


def test_the_commands_make_every_move_of_the_draw_and_no_other() -> None:
    assert set(COMMAND_TARGETS) == set(COMMANDS)
    made = set()
    for name, targets in COMMAND_TARGETS.items():
        _, states = COMMANDS[name]
        for start in states:
            made |= {(start, end) for end in targets if end in DRAW_TRANSITIONS[start]}
    assert made == DRAW_MOVES
    # Each command's targets are reachable from some state it is allowed in (no dead entry).
    for name, targets in COMMAND_TARGETS.items():
        _, states = COMMANDS[name]
        for end in targets:
            assert any(end in DRAW_TRANSITIONS[start] for start in states), (name, end)


@pytest.mark.parametrize(
    ("command", "role", "status", "expected"),
    [
        ("draw_now", R.REQUESTER, D.REQUESTED, True),
        ("draw_now", R.SUPERVISOR, D.REQUESTED, False),  # the supervisor watches, does not draw
        ("draw_now", R.REQUESTER, D.INVITING, False),  # no second draw (the service answers the first)
        ("cancel", R.REQUESTER, D.SHORT, True),
        ("cancel", R.REQUESTER, D.INVITING, False),
        ("top_up", R.REQUESTER, D.SHORT, True),
        ("top_up", R.REQUESTER, D.INVITING, False),
        ("time_out", R.SYSTEM, D.SHORT, True),  # the other seats' answers go on while short
        ("time_out", R.REQUESTER, D.INVITING, False),
        ("answer", R.EXPERT, D.INVITING, True),
        ("answer", R.EXPERT, D.COMPLETE, False),  # a late answer to a full committee does nothing
        ("answer", R.REQUESTER, D.INVITING, False),  # nobody answers for the expert
        ("sign_in", R.EXPERT, D.INVITING, False),
        ("sign_in", R.EXPERT, D.COMPLETE, True),
        ("finalise", R.SUPERVISOR, D.COMPLETE, True),
        ("finalise", R.SYSTEM, D.COMPLETE, True),  # bidding experts finalise; the award (issue 21)
        ("finalise", R.REQUESTER, D.COMPLETE, False),
        ("finalise", R.SUPERVISOR, D.SHORT, False),
        ("finalise", R.SUPERVISOR, D.FINAL, False),  # once
        ("commitments", R.PUBLIC, D.REQUESTED, False),  # nothing committed yet
        ("commitments", R.PUBLIC, D.FAILED, True),  # failed at the draw: its commitment stays public
        ("record", R.PUBLIC, D.COMPLETE, False),  # the seed is revealed with the result
        ("record", R.PUBLIC, D.FINAL, True),
    ],
)
def test_who_may_do_what_when(command: str, role: DrawRole, status: DrawStatus, expected: bool) -> None:
    assert allowed(command, role, status) is expected


# ----------------------------------------------------------------------------- the reveal rules

EVALUATION = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # 09:00 in Nanjing
BEFORE = EVALUATION - timedelta(hours=1)
DURING = EVALUATION + timedelta(hours=2)


def facts(now: datetime, *, final: bool = False, gp: bool = False, signed_in: bool = False) -> RevealFacts:
    return RevealFacts(now=now, evaluation_at=EVALUATION, final=final, government_procurement=gp, signed_in=signed_in)


@pytest.mark.parametrize(
    ("audience", "case", "expected"),
    [
        # The committee: a member reads the names once signed in on the day (规定 8), not before.
        (Audience.COMMITTEE, facts(BEFORE), "sealed_until_sign_in"),
        (Audience.COMMITTEE, facts(DURING), "sealed_until_sign_in"),  # the day came, not signed in yet
        (Audience.COMMITTEE, facts(DURING, signed_in=True), None),
        (Audience.COMMITTEE, facts(DURING, final=True), None),
        # The supervisor: from the evaluation's start.
        (Audience.SUPERVISOR, facts(BEFORE), "sealed_until_evaluation"),
        (Audience.SUPERVISOR, facts(BEFORE, gp=True), "sealed_until_evaluation"),
        (Audience.SUPERVISOR, facts(EVALUATION), None),  # at the minute it starts
        (Audience.SUPERVISOR, facts(DURING), None),
        (Audience.SUPERVISOR, facts(BEFORE, final=True), None),
        # The parties (agent, tenderer, bidders of the lot): once the result is final (条例 46).
        (Audience.PARTY, facts(DURING), "sealed_until_final"),
        (Audience.PARTY, facts(DURING, signed_in=True), "sealed_until_final"),  # another's sign-in opens nothing
        (Audience.PARTY, facts(DURING, gp=True), "sealed_until_final"),
        (Audience.PARTY, facts(DURING, final=True), None),
        # The public: government procurement only, once final (政采条例 43, 87号令 69).
        (Audience.PUBLIC, facts(DURING, gp=True), "sealed_until_final"),
        (Audience.PUBLIC, facts(DURING, final=True), "not_published"),
        (Audience.PUBLIC, facts(DURING, final=True, gp=True), None),
    ],
)
def test_who_may_read_the_names_when(audience: Audience, case: RevealFacts, expected: str | None) -> None:
    assert may_reveal(audience, case) == expected


def test_before_the_evaluation_nobody_but_a_signed_in_member_reads_the_names() -> None:
    """Not final, not started: every audience is refused, whatever the procurement (the sealed list)."""
    for gp in (False, True):
        for audience in Audience:
            assert may_reveal(audience, facts(BEFORE, gp=gp)) is not None, audience
