"""The award's rules (issue 21; RULES c11–c16): worked examples with dates computed by hand.

The working-day examples use an *example* calendar shaped like China's National Day week in 2026
(holidays 2026-10-01…08, Saturday 2026-10-10 worked) and a May Day week (2026-05-01…05, Saturday
2026-05-09 worked): examples, not a statement of the State Council's 2026 calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bidding.awards import rules
from bidding.awards.rules import CHINA, Objection, SkipReason
from bidding.core.calendar import WorkingCalendar, add_working_days, working_days_before
from bidding.deposits import refund_rules

EXAMPLE = WorkingCalendar(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 9)) | frozenset(date(2026, 5, d) for d in range(1, 6)),
    working_weekends=frozenset({date(2026, 10, 10), date(2026, 5, 9)}),
)


def cn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A moment given in China time, as stored (UTC)."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=CHINA).astimezone(UTC)


# -- the calendar ---------------------------------------------------------------------------------


def test_the_deposits_calendar_is_the_core_one() -> None:
    assert refund_rules.WorkingCalendar is WorkingCalendar
    assert "WorkingCalendar" in refund_rules.__all__


def test_working_days_skip_holidays_and_count_worked_weekends() -> None:
    # Wed 09-30 → 10-09 (Fri), 10-10 (worked Saturday), 10-12, 10-13, 10-14
    assert add_working_days(date(2026, 9, 30), 5, EXAMPLE) == date(2026, 10, 14)
    assert add_working_days(date(2026, 9, 30), 0, EXAMPLE) == date(2026, 9, 30)
    assert working_days_before(date(2026, 10, 14), 5, EXAMPLE) == date(2026, 9, 30)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 30), -1, EXAMPLE)


# -- the publicity (条例 54) --------------------------------------------------------------------


def test_publicity_published_on_the_third_day_closes_after_three_full_days() -> None:
    report = cn(2026, 3, 2, 9)  # Monday
    closes = rules.publicity_window(report, cn(2026, 3, 5, 23, 59, 59))  # Thursday, last second
    assert closes == cn(2026, 3, 9)  # Friday, Saturday, Sunday: Monday 00:00
    assert closes == datetime(2026, 3, 8, 16, tzinfo=UTC)


def test_publicity_published_on_the_fourth_day_is_refused_naming_the_lateness() -> None:
    report = cn(2026, 3, 2, 9)
    with pytest.raises(rules.PublicityLate) as late:
        rules.publicity_window(report, cn(2026, 3, 6))
    assert late.value.code == "publicity_late"
    assert late.value.status == 422
    assert "late by 0 d 0 h 0 min" in str(late.value)
    with pytest.raises(rules.PublicityLate) as later:
        rules.publicity_window(report, cn(2026, 3, 7, 5, 30))
    assert "late by 1 d 5 h 30 min" in str(later.value)
    assert "迟延1天5小时30分" in later.value.text("zh")


def test_publicity_before_the_report_or_without_a_zone_is_refused() -> None:
    with pytest.raises(rules.PublicityLate):
        rules.publicity_window(cn(2026, 3, 2, 9), cn(2026, 3, 2, 8, 59, 59))
    with pytest.raises(rules.AwardTimeInvalid):
        rules.publicity_window(datetime(2026, 3, 2, 9), cn(2026, 3, 2, 10))


def test_no_early_close_exactly_72_hours_is_not_three_full_days() -> None:
    published = cn(2026, 3, 5, 10)  # Thursday 10:00
    close = cn(2026, 3, 9)  # Monday 00:00: 86 hours later
    assert not rules.may_close(published, published + timedelta(hours=72))
    assert not rules.may_close(published, close - timedelta(seconds=1))
    assert rules.may_close(published, close)


def test_the_shortest_publicity_is_72_hours_and_one_second() -> None:
    published = cn(2026, 3, 5, 23, 59, 59)
    assert not rules.may_close(published, published + timedelta(hours=72))
    assert rules.may_close(published, published + timedelta(hours=72, seconds=1))
    midnight = cn(2026, 3, 5)
    assert not rules.may_close(midnight, midnight + timedelta(hours=96) - timedelta(seconds=1))
    assert rules.may_close(midnight, midnight + timedelta(hours=96))


# -- objections (条例 54) -----------------------------------------------------------------------


def test_objections_only_during_the_publicity() -> None:
    published, closes = cn(2026, 3, 5, 10), cn(2026, 3, 9)
    rules.check_objection_time(published, closes, published)
    rules.check_objection_time(published, closes, closes - timedelta(seconds=1))
    for outside in (published - timedelta(seconds=1), closes):
        with pytest.raises(rules.ObjectionOutsidePublicity) as refused:
            rules.check_objection_time(published, closes, outside)
        assert refused.value.code == "objection_outside_publicity"


def test_the_answer_is_due_within_three_calendar_days_of_receipt() -> None:
    received = cn(2026, 3, 6, 15)  # Friday: Saturday, Sunday, Monday count
    due = rules.objection_answer_due(received)
    assert due == cn(2026, 3, 10)
    assert not rules.objection_overdue(Objection(received), due - timedelta(seconds=1))
    assert rules.objection_overdue(Objection(received), due)  # the red clock
    assert not rules.objection_overdue(Objection(received, answered_at=cn(2026, 3, 9, 18)), cn(2026, 4, 1))
    assert rules.objection_overdue(Objection(received, answered_at=due), due)


def test_the_award_is_suspended_while_any_objection_is_unanswered() -> None:
    t = cn(2026, 3, 6, 15)
    assert rules.award_suspended([Objection(t, answered_at=t), Objection(t)])
    assert not rules.award_suspended([Objection(t, answered_at=t)])
    assert not rules.award_suspended([])


# -- complaints (条例 60–61; RULES d) -----------------------------------------------------------


def test_complaint_clocks() -> None:
    assert rules.complaint_last_day(date(2026, 3, 10)) == date(2026, 3, 20)
    assert rules.complaint_last_day(date(2026, 3, 10), objection_days=3) == date(2026, 3, 23)
    # received Tue 09-29: 09-30, 10-09, 10-10 (worked Saturday)
    assert rules.complaint_acceptance_due(date(2026, 9, 29), EXAMPLE) == date(2026, 10, 10)
    # accepted on the worked Saturday: six full weeks from Monday 10-12 → Friday 11-20
    assert rules.complaint_decision_due(date(2026, 10, 10), EXAMPLE) == date(2026, 11, 20)


# -- the winner's choice (条例 55) --------------------------------------------------------------

ABC = ("A", "B", "C")


def test_state_controlled_rank_one_wins_without_a_reason() -> None:
    assert rules.check_choice(ABC, 1, state_controlled=True, reason={}) == "A"


def test_state_controlled_goes_down_only_in_order_with_a_reason_for_each_skipped_rank() -> None:
    assert rules.check_choice(ABC, 2, state_controlled=True, reason={1: SkipReason.DECLINED}) == "B"
    both = {1: SkipReason.DECLINED, 2: SkipReason.NO_PERFORMANCE_SECURITY}
    assert rules.check_choice(ABC, 3, state_controlled=True, reason=both) == "C"
    with pytest.raises(rules.ChoiceInvalid) as missing:
        rules.check_choice(ABC, 2, state_controlled=True, reason={})
    assert missing.value.code == "skip_reason_missing"
    with pytest.raises(rules.ChoiceInvalid) as rank_two_in:
        rules.check_choice(ABC, 3, state_controlled=True, reason={1: SkipReason.BROKE_THE_LAW})
    assert rank_two_in.value.code == "skip_reason_missing"
    assert rank_two_in.value.details[0]["ranks"] == [2]


def test_refused_choices() -> None:
    for rank, candidates in ((0, ABC), (4, (*ABC, "D")), (2, ("A",))):
        with pytest.raises(rules.ChoiceInvalid) as out:
            rules.check_choice(candidates, rank, state_controlled=False, reason={})
        assert out.value.code == "rank_out_of_range"
    with pytest.raises(rules.ChoiceInvalid) as unexpected:
        rules.check_choice(ABC, 2, state_controlled=True, reason={1: SkipReason.DECLINED, 2: SkipReason.DECLINED})
    assert unexpected.value.code == "skip_reason_unexpected"


def test_otherwise_any_candidate_unless_the_documents_bind_rank_one() -> None:
    assert rules.check_choice(ABC, 3, state_controlled=False, reason={}) == "C"
    with pytest.raises(rules.ChoiceInvalid) as bound:
        rules.check_choice(ABC, 2, state_controlled=False, reason={}, documents_bind_first=True)
    assert bound.value.code == "first_rank_bound"
    chosen = rules.check_choice(
        ABC, 2, state_controlled=False, reason={1: SkipReason.CANNOT_PERFORM}, documents_bind_first=True
    )
    assert chosen == "B"


def test_retender_when_every_candidate_is_out() -> None:
    assert not rules.retender_required(ABC, {1: SkipReason.DECLINED, 2: SkipReason.DECLINED})
    assert rules.retender_required(ABC, {r: SkipReason.DECLINED for r in (1, 2, 3)})
    assert rules.retender_required(("A",), {1: SkipReason.BROKE_THE_LAW})


# -- government procurement (RULES c15) ---------------------------------------------------------


def test_rank_one_is_deemed_chosen_after_five_working_days() -> None:
    report = cn(2026, 10, 2, 10)  # Friday, a holiday in the example calendar
    assert rules.purchaser_choice_due(report, EXAMPLE) == date(2026, 10, 14)
    assert rules.deemed_choice(report, cn(2026, 10, 14, 23, 59, 59), EXAMPLE) is None
    deemed = rules.deemed_choice(report, cn(2026, 10, 15), EXAMPLE)
    assert deemed is not None
    assert (deemed.rank, deemed.due, deemed.marker) == (1, date(2026, 10, 14), "视同排名第一")


def test_the_report_day_is_the_china_day() -> None:
    # 17:00 UTC on 10-01 is 01:00 on 10-02 in China: same due day as above
    assert rules.purchaser_choice_due(datetime(2026, 10, 1, 17, tzinfo=UTC), EXAMPLE) == date(2026, 10, 14)
    # 15:59 UTC on 10-01 is 23:59 on 10-01 in China: still a holiday, the same five days
    assert rules.purchaser_choice_due(datetime(2026, 10, 1, 15, 59, tzinfo=UTC), EXAMPLE) == date(2026, 10, 14)
    # Tuesday 2026-03-03 → 03-04, 05, 06, 09, 10
    assert rules.purchaser_choice_due(cn(2026, 3, 3, 9), EXAMPLE) == date(2026, 3, 10)


def test_government_procurement_two_working_day_clocks() -> None:
    assert rules.report_to_purchaser_due(date(2026, 3, 5), EXAMPLE) == date(2026, 3, 9)  # Thu → Mon
    assert rules.award_notice_due(date(2026, 9, 30), EXAMPLE) == date(2026, 10, 10)  # worked Saturday
    assert rules.gp_contract_publication_due(date(2026, 10, 9), EXAMPLE) == date(2026, 10, 12)


# -- the contract (法 46–47; RULES c14) ---------------------------------------------------------


def test_contract_report_and_refund_clocks() -> None:
    assert rules.contract_due(date(2026, 3, 16)) == date(2026, 4, 15)  # 30 calendar days, not working
    assert rules.supervisor_report_due(date(2026, 3, 16)) == date(2026, 3, 31)
    assert rules.refunds_due(date(2026, 9, 30), government_procurement=False, calendar=EXAMPLE) == date(2026, 10, 5)
    assert rules.refunds_due(date(2026, 9, 30), government_procurement=True, calendar=EXAMPLE) == date(2026, 10, 14)


# -- the bid validity (规定 40; RULES c16) ------------------------------------------------------


def test_award_thirty_working_days_before_the_validity_ends() -> None:
    deadline = cn(2026, 3, 2, 9, 30)  # Monday; 90 days → valid through Sunday 05-31
    on_time = rules.validity_check(deadline, 90, cn(2026, 4, 16, 18), EXAMPLE)
    assert on_time.validity_ends == date(2026, 5, 31)
    # back from 05-31: 19 working days in May (the worked 05-09 in, 05-01…05 out), then 04-30 … 04-16
    assert on_time.latest_award_on == date(2026, 4, 16)
    assert not on_time.extension_needed
    assert rules.validity_check(deadline, 90, cn(2026, 4, 17), EXAMPLE).extension_needed
    with pytest.raises(ValueError):
        rules.validity_check(deadline, 0, cn(2026, 4, 17), EXAMPLE)
