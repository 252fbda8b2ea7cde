"""The committee validator (RULES b1: 法 37, 规定 9, 87号令 47) refuses each bad committee, with its code,
and the draw's time window (RULES b7: 198号 §14/17)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bidding.experts.committee import (
    CommitteeInvalid,
    CommitteeProblem,
    CommitteeRequest,
    DrawTooEarly,
    DrawTooLate,
    check_draw_time,
    committee_problems,
    earliest_draw_time,
    validate_committee,
)

P = CommitteeProblem
GOOD = CommitteeRequest(size=5, representatives=1, seats={"A0101": 2, "A0701": 2}, backups={"A0101": 2})
YUAN = 100  # fen


def test_a_good_committee_passes() -> None:
    assert committee_problems(GOOD) == ()
    validate_committee(GOOD)


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        pytest.param(CommitteeRequest(size=6, representatives=1, seats={"A01": 5}), P.SIZE_EVEN, id="even"),
        pytest.param(CommitteeRequest(size=3, representatives=0, seats={"A01": 3}), P.TOO_SMALL, id="fewer-than-5"),
        pytest.param(CommitteeRequest(size=51, representatives=0, seats={"A01": 51}), P.TOO_LARGE, id="too-large"),
        # 5 members, 2 representatives: 3 experts < 2/3 × 5 (3.33).
        pytest.param(
            CommitteeRequest(size=5, representatives=2, seats={"A01": 3}), P.EXPERTS_BELOW_TWO_THIRDS, id="experts<2/3"
        ),
        pytest.param(
            CommitteeRequest(size=5, representatives=-1, seats={"A01": 6}),
            P.REPRESENTATIVES_NEGATIVE,
            id="negative-representatives",
        ),
        pytest.param(
            CommitteeRequest(
                size=5, representatives=0, seats={"A01": 5}, government_procurement=True, budget_fen=10_000_000 * YUAN
            ),
            P.BELOW_SEVEN,
            id="gp-10M-needs-7",
        ),
        pytest.param(
            CommitteeRequest(
                size=5,
                representatives=0,
                seats={"A01": 5},
                government_procurement=True,
                budget_fen=YUAN,
                complex_or_high_impact=True,
            ),
            P.BELOW_SEVEN,
            id="gp-complex-needs-7",
        ),
        pytest.param(
            CommitteeRequest(size=7, representatives=0, seats={"A01": 7}, government_procurement=True),
            P.BUDGET_MISSING,
            id="gp-without-budget",
        ),
        pytest.param(
            CommitteeRequest(size=7, representatives=0, seats={"A01": 7}, government_procurement=True, budget_fen=-1),
            P.BUDGET_NEGATIVE,
            id="negative-budget",
        ),
        pytest.param(CommitteeRequest(size=5, representatives=0, seats={}), P.NO_SPECIALTY, id="no-specialty"),
        pytest.param(
            CommitteeRequest(size=5, representatives=0, seats={"A01": 3, "B01": 2, "C01": 0}),
            P.SEATS_NOT_POSITIVE,
            id="zero-seats",
        ),
        pytest.param(
            CommitteeRequest(size=7, representatives=1, seats={"A01": 3, "B01": 2}),
            P.SEATS_MISMATCH,
            id="seats≠experts",
        ),
        pytest.param(
            CommitteeRequest(size=5, representatives=0, seats={"A 01": 5}), P.SPECIALTY_CODE_INVALID, id="bad-code"
        ),
        pytest.param(
            CommitteeRequest(size=5, representatives=0, seats={"A01": 5}, backups={"A01": -1}),
            P.BACKUPS_NEGATIVE,
            id="negative-backups",
        ),
        pytest.param(
            CommitteeRequest(size=5, representatives=0, seats={"A01": 5}, backups={"A01": 51}),
            P.BACKUPS_TOO_MANY,
            id="too-many-backups",
        ),
        pytest.param(
            CommitteeRequest(size=5, representatives=0, seats={"A01": 5}, backups={"B01": 1}),
            P.BACKUPS_UNKNOWN_SPECIALTY,
            id="backups-without-seats",
        ),
    ],
)
def test_each_bad_committee_is_refused_with_its_code(request_: CommitteeRequest, problem: CommitteeProblem) -> None:
    assert problem in committee_problems(request_)
    with pytest.raises(CommitteeInvalid) as caught:
        validate_committee(request_)
    error = caught.value
    assert error.code == "committee_invalid"
    assert error.status == 422
    assert problem in error.problems
    detail = next(d for d in error.details if d["reason"] == problem.value)
    assert detail["message_zh"] == problem.message_zh
    assert detail["message_en"] == problem.message_en
    assert problem.message_en in error.text("en")
    assert problem.message_zh in error.text("zh")


def test_too_many_specialties() -> None:
    request = CommitteeRequest(size=21, representatives=0, seats={f"A{n:02d}": 1 for n in range(21)})
    assert committee_problems(request) == (P.TOO_MANY_SPECIALTIES,)
    assert committee_problems(request, max_specialties=21) == ()


def test_every_problem_is_reported_at_once() -> None:
    request = CommitteeRequest(size=4, representatives=2, seats={"A01": 1}, backups={"B01": -1})
    assert set(committee_problems(request)) == {
        P.SIZE_EVEN,
        P.TOO_SMALL,
        P.EXPERTS_BELOW_TWO_THIRDS,
        P.SEATS_MISMATCH,
        P.BACKUPS_NEGATIVE,
        P.BACKUPS_UNKNOWN_SPECIALTY,
    }


def test_every_problem_has_both_messages() -> None:
    for problem in CommitteeProblem:
        assert problem.message_zh
        assert problem.message_en


def test_two_thirds_boundary() -> None:
    # 9 members, 3 representatives: 6 experts = exactly 2/3 — allowed (法 37: "不得少于三分之二").
    assert committee_problems(CommitteeRequest(size=9, representatives=3, seats={"A01": 6})) == ()
    # 7 members, 3 representatives: 4 experts < 4.67.
    assert P.EXPERTS_BELOW_TWO_THIRDS in committee_problems(
        CommitteeRequest(size=7, representatives=3, seats={"A01": 4})
    )


def test_government_procurement_threshold_is_the_setting() -> None:
    gp = CommitteeRequest(
        size=5, representatives=0, seats={"A01": 5}, government_procurement=True, budget_fen=10_000_000 * YUAN - 1
    )
    assert committee_problems(gp) == ()  # one fen under ¥10M
    assert committee_problems(replace(gp, budget_fen=10_000_000 * YUAN)) == (P.BELOW_SEVEN,)
    assert committee_problems(replace(gp, min_size_7_threshold_fen=5_000_000 * YUAN, budget_fen=6_000_000 * YUAN)) == (
        P.BELOW_SEVEN,
    )
    seven = CommitteeRequest(
        size=7, representatives=2, seats={"A01": 5}, government_procurement=True, budget_fen=12_000_000 * YUAN
    )
    assert committee_problems(seven) == ()
    # Not government procurement: 5 members whatever the amount.
    assert committee_problems(replace(gp, government_procurement=False, budget_fen=10**12)) == ()


def test_the_request_is_frozen_against_the_callers_dict() -> None:
    seats = {"A01": 5}
    request = CommitteeRequest(size=5, representatives=0, seats=seats)
    seats["A01"] = 1
    assert request.seats == {"A01": 5}
    with pytest.raises(TypeError):
        request.seats["A01"] = 2  # type: ignore[index]


EVALUATION = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)
TWO_DAYS = timedelta(days=2)


def test_earliest_draw_time_is_the_lead_before_the_evaluation() -> None:
    assert earliest_draw_time(EVALUATION, TWO_DAYS) == datetime(2026, 6, 8, 1, 0, tzinfo=UTC)
    assert earliest_draw_time(EVALUATION, timedelta(0)) == EVALUATION
    with pytest.raises(ValueError, match="timezone"):
        earliest_draw_time(EVALUATION.replace(tzinfo=None), TWO_DAYS)
    with pytest.raises(ValueError, match="negative"):
        earliest_draw_time(EVALUATION, -TWO_DAYS)


def test_the_draw_window() -> None:
    check_draw_time(EVALUATION - TWO_DAYS, EVALUATION, TWO_DAYS)  # the first moment
    check_draw_time(EVALUATION - timedelta(seconds=1), EVALUATION, TWO_DAYS)  # the last one
    with pytest.raises(DrawTooEarly) as early:
        check_draw_time(EVALUATION - TWO_DAYS - timedelta(microseconds=1), EVALUATION, TWO_DAYS)
    assert early.value.code == "draw_too_early"
    assert early.value.details == [
        {"earliest": "2026-06-08T01:00:00+00:00", "evaluation_at": "2026-06-10T01:00:00+00:00"}
    ]
    with pytest.raises(DrawTooLate) as late:
        check_draw_time(EVALUATION, EVALUATION, TWO_DAYS)
    assert late.value.code == "draw_too_late"
