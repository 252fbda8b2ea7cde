"""The statutory clocks of supervision (issue 24; RULES d, acceptance check 1): for every clock, with a
frozen clock (:class:`~bidding.core.clock.ManualClock`) and the State Council's holiday calendar,
yellow at the leads, red at the limit + 1 s, none when done in time; guards refuse the step that breaks
them; the limits agree with the award, deposit and tendering rules they reuse."""

from __future__ import annotations

import dataclasses
import doctest
from datetime import UTC, date, datetime, timedelta

import pytest

from bidding.awards import rules as awards
from bidding.core.calendar import WorkingCalendar, add_working_days
from bidding.core.clock import CHINA_TIME, ManualClock
from bidding.core.holidays import china_calendar
from bidding.deposits.refund_rules import due_on
from bidding.supervision import clocks
from bidding.supervision.clocks import (
    CLOCK_RULES,
    DEFAULT_LEADS,
    RED_AFTER,
    Alert,
    Bound,
    ClockKind,
    ClockRule,
    ClockTimeInvalid,
    Counting,
    Direction,
    Level,
    alert_level,
    due,
    earliest_anchor,
    next_alert_at,
    would_break,
)
from bidding.tendering.rules.schedule import ScheduleError, check_bid_period, check_clarification

CAL = china_calendar()
DAY, SECOND, MICRO = timedelta(days=1), timedelta(seconds=1), timedelta(microseconds=1)
# The module docstring's worked examples: forward clocks start Monday 2026-03-02 10:00, clocks
# counted back (and the opening) are anchored at the deadline Tuesday 2026-03-24 09:30, China time.
START = datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TIME)
ANCHOR = datetime(2026, 3, 24, 9, 30, tzinfo=CHINA_TIME)

#: Kind → its limit in China time, as the docstring's table gives it.
EXAMPLES: dict[ClockKind, datetime] = {
    ClockKind.DOCUMENTS_ON_SALE: datetime(2026, 3, 8, 0, 0, 0),
    ClockKind.BID_PERIOD: datetime(2026, 3, 22, 0, 0, 0),
    ClockKind.PREQUALIFICATION_APPLICATION: datetime(2026, 3, 7, 0, 0, 0),
    ClockKind.CLARIFICATION: datetime(2026, 3, 9, 23, 59, 59),
    ClockKind.PREQUALIFICATION_CLARIFICATION: datetime(2026, 3, 21, 23, 59, 59),
    ClockKind.DOCUMENTS_OBJECTION: datetime(2026, 3, 14, 23, 59, 59),
    ClockKind.PREQUALIFICATION_OBJECTION: datetime(2026, 3, 22, 23, 59, 59),
    ClockKind.DOCUMENTS_OBJECTION_ANSWER: datetime(2026, 3, 5, 23, 59, 59),
    ClockKind.OPENING: datetime(2026, 3, 24, 9, 30, 0),
    ClockKind.CANDIDATE_PUBLICITY: datetime(2026, 3, 5, 23, 59, 59),
    ClockKind.PUBLICITY_PERIOD: datetime(2026, 3, 6, 0, 0, 0),
    ClockKind.PUBLICITY_OBJECTION_ANSWER: datetime(2026, 3, 5, 23, 59, 59),
    ClockKind.CONTRACT: datetime(2026, 4, 1, 23, 59, 59),
    ClockKind.SUPERVISOR_REPORT: datetime(2026, 3, 17, 23, 59, 59),
    ClockKind.DEPOSIT_REFUND: datetime(2026, 3, 7, 23, 59, 59),
    ClockKind.COMPLAINT_FILING: datetime(2026, 3, 12, 23, 59, 59),
    ClockKind.COMPLAINT_ACCEPTANCE: datetime(2026, 3, 5, 23, 59, 59),
    ClockKind.COMPLAINT_DECISION: datetime(2026, 4, 14, 23, 59, 59),
    ClockKind.GP_DOCUMENTS: datetime(2026, 3, 10, 0, 0, 0),
    ClockKind.GP_ENQUIRY_ANSWER: datetime(2026, 3, 5, 23, 59, 59),
    ClockKind.GP_REPORT_TO_PURCHASER: datetime(2026, 3, 4, 23, 59, 59),
    ClockKind.GP_PURCHASER_CHOICE: datetime(2026, 3, 9, 23, 59, 59),
    ClockKind.GP_AWARD_NOTICE: datetime(2026, 3, 4, 23, 59, 59),
    ClockKind.GP_CONTRACT: datetime(2026, 4, 1, 23, 59, 59),
    ClockKind.GP_CONTRACT_PUBLICATION: datetime(2026, 3, 4, 23, 59, 59),
    ClockKind.GP_DEPOSIT_REFUND: datetime(2026, 3, 9, 23, 59, 59),
}

DUTIES = [kind for kind in ClockKind if CLOCK_RULES[kind].duty]
GUARDS = [kind for kind in ClockKind if not CLOCK_RULES[kind].duty]


def china(moment: datetime) -> datetime:
    return moment.replace(tzinfo=CHINA_TIME)


def start_of(rule: ClockRule) -> datetime:
    return ANCHOR if rule.direction is Direction.BEFORE or rule.counting is Counting.INSTANT else START


def limit_of(kind: ClockKind) -> datetime:
    rule = CLOCK_RULES[kind]
    return due(rule, start_of(rule), CAL)


def test_every_kind_has_a_rule_and_a_worked_example() -> None:
    assert set(CLOCK_RULES) == set(ClockKind) == set(EXAMPLES)
    for kind, rule in CLOCK_RULES.items():
        assert rule.kind is kind
        assert rule.article and rule.duty_zh and rule.duty_en and rule.starts_zh and rule.starts_en
        assert rule.responsible


@pytest.mark.parametrize("kind", list(ClockKind))
def test_worked_example(kind: ClockKind) -> None:
    limit = limit_of(kind)
    assert limit.tzinfo is UTC
    assert limit == china(EXAMPLES[kind]).astimezone(UTC)


def test_example_in_utc() -> None:
    # Thursday 2026-03-05 23:59:59 in Beijing is 15:59:59 UTC the same day.
    assert limit_of(ClockKind.CANDIDATE_PUBLICITY) == datetime(2026, 3, 5, 15, 59, 59, tzinfo=UTC)


# -- duties: yellow at the leads, red at the limit + 1 s, none when done in time -----------------


@pytest.mark.parametrize("kind", DUTIES)
def test_duty_alerts_with_a_frozen_clock(kind: ClockKind) -> None:
    rule = CLOCK_RULES[kind]
    limit = limit_of(kind)
    clock = ManualClock(limit - 3 * DAY - MICRO)

    assert alert_level(rule, limit, clock.now()) == Alert(Level.NONE)
    clock.advance(MICRO)  # the limit − 3 days
    assert alert_level(rule, limit, clock.now()) == Alert(Level.YELLOW, timedelta(days=3))
    clock.set(limit - DAY - MICRO)
    assert alert_level(rule, limit, clock.now()) == Alert(Level.YELLOW, timedelta(days=3))
    clock.advance(MICRO)  # the limit − 1 day
    assert alert_level(rule, limit, clock.now()) == Alert(Level.YELLOW, timedelta(days=1))
    clock.set(limit)  # the last second is still in time
    assert alert_level(rule, limit, clock.now()) == Alert(Level.YELLOW, timedelta(days=1))
    clock.set(limit + RED_AFTER)  # limit + 1 s
    assert alert_level(rule, limit, clock.now()) == Alert(Level.RED)
    clock.advance(30 * DAY)
    assert alert_level(rule, limit, clock.now()) == Alert(Level.RED)


@pytest.mark.parametrize("kind", DUTIES)
def test_duty_done_in_time_shows_nothing_and_done_late_stays_red(kind: ClockKind) -> None:
    rule = CLOCK_RULES[kind]
    limit = limit_of(kind)
    later = limit + 10 * DAY
    for in_time in (limit - 5 * DAY, limit, limit + SECOND - MICRO):
        assert alert_level(rule, limit, later, done_at=in_time) == Alert(Level.NONE, done=True)
    assert alert_level(rule, limit, limit + SECOND, done_at=limit + SECOND) == Alert(Level.RED, done=True)
    assert alert_level(rule, limit, later, done_at=limit + 2 * DAY) == Alert(Level.RED, done=True)
    # Done in the yellow: nothing from then on, yellow before.
    done = limit - timedelta(hours=12)
    assert alert_level(rule, limit, done - MICRO, done_at=done).level is Level.YELLOW
    assert alert_level(rule, limit, done, done_at=done) == Alert(Level.NONE, done=True)
    assert would_break(rule, start_of(rule), limit, CAL) is False
    assert would_break(rule, start_of(rule), limit + SECOND, CAL) is True


@pytest.mark.parametrize("kind", DUTIES)
def test_next_alert_walks_the_clock(kind: ClockKind) -> None:
    rule = CLOCK_RULES[kind]
    limit = limit_of(kind)
    red_from = limit + SECOND
    clock = ManualClock(red_from - 10 * DAY)
    seen = []
    while (moment := next_alert_at(rule, limit, clock.now())) is not None:
        clock.set(moment)
        seen.append((moment, alert_level(rule, limit, moment)))
    assert seen == [
        (limit - 3 * DAY, Alert(Level.YELLOW, timedelta(days=3))),
        (limit - DAY, Alert(Level.YELLOW, timedelta(days=1))),
        (red_from, Alert(Level.RED)),
    ]
    done = red_from - 2 * DAY
    assert next_alert_at(rule, limit, red_from - 10 * DAY, done_at=done) == limit - 3 * DAY
    assert next_alert_at(rule, limit, limit - 3 * DAY, done_at=done) == done
    assert next_alert_at(rule, limit, done, done_at=done) is None


# -- guards: the step that breaks them ------------------------------------------------------------


@pytest.mark.parametrize("kind", GUARDS)
def test_guard_refuses_the_step_that_breaks_it(kind: ClockKind) -> None:
    rule = CLOCK_RULES[kind]
    start, limit = start_of(rule), limit_of(kind)
    if rule.bound is Bound.NOT_BEFORE:
        allowed, broken = [limit, limit + 5 * DAY], [limit - MICRO, limit - 2 * DAY]
    else:
        allowed, broken = [limit, limit + SECOND - MICRO, limit - 5 * DAY], [limit + SECOND, limit + 2 * DAY]
    for step in allowed:
        assert would_break(rule, start, step, CAL) is False, step
        assert alert_level(rule, limit, step + DAY, done_at=step) == Alert(Level.NONE, done=True)
    for step in broken:
        assert would_break(rule, start, step, CAL) is True, step
        assert alert_level(rule, limit, step + DAY, done_at=step) == Alert(Level.RED, done=True)
    # A guard is never yellow, and time alone never changes it.
    for now in (limit - 3 * DAY, limit - DAY, limit, limit + SECOND, limit + 30 * DAY):
        assert alert_level(rule, limit, now) == Alert(Level.NONE)
        assert next_alert_at(rule, limit, now) is None


def test_amendment_less_than_15_days_before_the_deadline_breaks_unless_it_moves() -> None:
    rule = CLOCK_RULES[ClockKind.CLARIFICATION]
    deadline = china(datetime(2026, 3, 24, 9, 30))
    assert would_break(rule, deadline, china(datetime(2026, 3, 9, 23, 59, 59)), CAL) is False
    late_amendment = china(datetime(2026, 3, 10, 0, 0))
    assert would_break(rule, deadline, late_amendment, CAL) is True
    moved = earliest_anchor(rule, late_amendment, CAL)
    assert moved == china(datetime(2026, 3, 25, 0, 0)).astimezone(UTC)
    assert would_break(rule, moved, late_amendment, CAL) is False
    assert would_break(rule, moved - MICRO, late_amendment, CAL) is True
    # Pre-qualification: 3 days.
    pre = CLOCK_RULES[ClockKind.PREQUALIFICATION_CLARIFICATION]
    assert would_break(pre, deadline, china(datetime(2026, 3, 21, 18, 0)), CAL) is False
    assert would_break(pre, deadline, china(datetime(2026, 3, 22, 8, 0)), CAL) is True
    with pytest.raises(ValueError, match="not counted back"):
        earliest_anchor(CLOCK_RULES[ClockKind.BID_PERIOD], late_amendment, CAL)


def test_objection_to_the_documents_ten_days_before_the_deadline() -> None:
    rule = CLOCK_RULES[ClockKind.DOCUMENTS_OBJECTION]
    deadline = china(datetime(2026, 3, 24, 9, 30))
    assert would_break(rule, deadline, china(datetime(2026, 3, 14, 23, 59, 59)), CAL) is False
    assert would_break(rule, deadline, china(datetime(2026, 3, 15, 0, 0)), CAL) is True


def test_a_configured_minimum_replaces_the_law_s() -> None:
    services = dataclasses.replace(CLOCK_RULES[ClockKind.BID_PERIOD], days=15)
    assert due(services, START, CAL) == china(datetime(2026, 3, 17)).astimezone(UTC)


# -- the holiday calendar: National Day 2025, a 调休 Saturday, a last day on a holiday ---------------


@pytest.mark.parametrize("kind", [ClockKind.COMPLAINT_ACCEPTANCE, ClockKind.GP_ENQUIRY_ANSWER])
def test_working_day_clock_across_national_day_2025(kind: ClockKind) -> None:
    rule = CLOCK_RULES[kind]
    received = china(datetime(2025, 9, 30, 16, 0))  # Tuesday, the eve of the holiday
    # 10-01 … 10-08 off; Thursday 10-09 (1), Friday 10-10 (2), Saturday 10-11 worked (3).
    limit = due(rule, received, CAL)
    assert limit == china(datetime(2025, 10, 11, 23, 59, 59)).astimezone(UTC)
    assert alert_level(rule, limit, china(datetime(2025, 10, 8, 23, 59, 58))) == Alert(Level.NONE)
    assert alert_level(rule, limit, china(datetime(2025, 10, 8, 23, 59, 59))) == Alert(Level.YELLOW, 3 * DAY)
    assert alert_level(rule, limit, china(datetime(2025, 10, 11, 0, 0))) == Alert(Level.YELLOW, DAY)
    assert alert_level(rule, limit, china(datetime(2025, 10, 12, 0, 0))) == Alert(Level.RED)
    assert alert_level(rule, limit, china(datetime(2025, 10, 13, 9, 0)), done_at=limit) == Alert(Level.NONE, done=True)
    # Weekends alone would have ended it on Friday 10-03: the calendar matters.
    assert due(rule, received, WorkingCalendar()) == china(datetime(2025, 10, 3, 23, 59, 59)).astimezone(UTC)


def test_a_working_sunday_counts() -> None:
    rule = CLOCK_RULES[ClockKind.COMPLAINT_ACCEPTANCE]
    # Friday 2025-09-26: Sunday 09-28 worked (1), Monday 09-29 (2), Tuesday 09-30 (3).
    assert due(rule, china(datetime(2025, 9, 26, 11, 0)), CAL) == china(datetime(2025, 9, 30, 23, 59, 59)).astimezone(
        UTC
    )


def test_last_day_on_a_holiday_moves_for_government_procurement_only() -> None:
    notice = china(datetime(2025, 9, 1, 10, 0))  # + 30 days = Wednesday 2025-10-01, National Day
    assert due(CLOCK_RULES[ClockKind.GP_CONTRACT], notice, CAL) == china(datetime(2025, 10, 9, 23, 59, 59)).astimezone(
        UTC
    )
    assert due(CLOCK_RULES[ClockKind.CONTRACT], notice, CAL) == china(datetime(2025, 10, 1, 23, 59, 59)).astimezone(UTC)
    # 2026: + 30 days = Monday 04-06, the last day of 清明 → Tuesday 04-07; a Sunday → the Monday.
    assert due(CLOCK_RULES[ClockKind.GP_CONTRACT], china(datetime(2026, 3, 7, 9)), CAL) == china(
        datetime(2026, 4, 7, 23, 59, 59)
    ).astimezone(UTC)
    assert due(CLOCK_RULES[ClockKind.GP_CONTRACT], china(datetime(2026, 2, 1, 9)), CAL) == china(
        datetime(2026, 3, 3, 23, 59, 59)
    ).astimezone(UTC)


def test_refund_ending_on_a_holiday_is_not_moved() -> None:
    # 条例 57: 5 calendar days, no rule moving the last day in RULES: Sunday 2026-10-04 stays.
    rule = CLOCK_RULES[ClockKind.DEPOSIT_REFUND]
    assert due(rule, china(datetime(2026, 9, 29, 15)), CAL) == china(datetime(2026, 10, 4, 23, 59, 59)).astimezone(UTC)


def test_the_start_s_china_day_decides() -> None:
    rule = CLOCK_RULES[ClockKind.CONTRACT]
    # 2026-03-01 16:30 UTC is already Monday 2 March in Beijing.
    assert due(rule, datetime(2026, 3, 1, 16, 30, tzinfo=UTC), CAL) == limit_of(ClockKind.CONTRACT)
    assert due(rule, datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), CAL) == limit_of(ClockKind.CONTRACT) - DAY


def test_complaint_excludes_the_objection_s_days() -> None:
    rule = CLOCK_RULES[ClockKind.COMPLAINT_FILING]
    known = china(datetime(2026, 3, 10, 9))
    assert due(rule, known, CAL, excluded_days=3) == china(datetime(2026, 3, 23, 23, 59, 59)).astimezone(UTC)
    assert due(rule, known, CAL, excluded_days=3).astimezone(CHINA_TIME).date() == awards.complaint_last_day(
        date(2026, 3, 10), objection_days=3
    )


# -- agreement with the rules reused (awards, deposits, tendering) ---------------------------------


def days_2025_2026() -> list[date]:
    return [date(2025, 1, 1) + timedelta(days=n) for n in range(730)]


@pytest.mark.parametrize("kind", [kind for kind in ClockKind if CLOCK_RULES[kind].counter is not None])
def test_reused_counters_match_the_rule_s_days(kind: ClockKind) -> None:
    rule = CLOCK_RULES[kind]
    assert rule.counter is not None
    for day in days_2025_2026():
        if rule.counting is Counting.WORKING_DAYS:
            expected = add_working_days(day, rule.days, CAL)
        else:
            expected = day + timedelta(days=rule.days)
        assert rule.counter(day, CAL) == expected, day


def test_publicity_clocks_agree_with_the_award_rules() -> None:
    report = china(datetime(2026, 3, 2, 9))
    publish_by = due(CLOCK_RULES[ClockKind.CANDIDATE_PUBLICITY], report, CAL)
    assert publish_by + SECOND == awards.end_of_days(report, awards.PUBLICITY_DAYS)
    awards.publicity_window(report, publish_by)  # in time
    with pytest.raises(awards.PublicityLate):
        awards.publicity_window(report, publish_by + SECOND)

    published = china(datetime(2026, 3, 5, 10))
    close_from = due(CLOCK_RULES[ClockKind.PUBLICITY_PERIOD], published, CAL)
    assert awards.may_close(published, close_from) and not awards.may_close(published, close_from - MICRO)

    received = china(datetime(2026, 3, 6, 15))
    answer_by = due(CLOCK_RULES[ClockKind.PUBLICITY_OBJECTION_ANSWER], received, CAL)
    assert answer_by + SECOND == awards.objection_answer_due(received)
    assert not awards.objection_overdue(awards.Objection(received), answer_by)
    assert awards.objection_overdue(awards.Objection(received), answer_by + SECOND)


def test_purchaser_choice_agrees_with_the_deemed_choice() -> None:
    report = china(datetime(2025, 9, 30, 10))
    choose_by = due(CLOCK_RULES[ClockKind.GP_PURCHASER_CHOICE], report, CAL)
    assert choose_by.astimezone(CHINA_TIME).date() == awards.purchaser_choice_due(report, CAL) == date(2025, 10, 14)
    assert awards.deemed_choice(report, choose_by, CAL) is None
    assert awards.deemed_choice(report, choose_by + SECOND, CAL) is not None


@pytest.mark.parametrize(("kind", "working"), [(ClockKind.DEPOSIT_REFUND, False), (ClockKind.GP_DEPOSIT_REFUND, True)])
def test_refund_clocks_agree_with_the_refund_rules(kind: ClockKind, working: bool) -> None:
    for day in days_2025_2026():
        start = datetime(day.year, day.month, day.day, 12, tzinfo=CHINA_TIME)
        limit = due(CLOCK_RULES[kind], start, CAL)
        assert limit.astimezone(CHINA_TIME).date() == due_on(day, working_days=working, calendar=CAL)


def test_what_tendering_accepts_never_breaks_the_guards() -> None:
    """The tendering checks count 24-hour days from the instant (stricter); the guards count China days
    (87号令 85): whatever tendering accepts, supervision does not flag."""
    period, clarification = CLOCK_RULES[ClockKind.BID_PERIOD], CLOCK_RULES[ClockKind.CLARIFICATION]
    issued = china(datetime(2026, 3, 2, 15, 0))
    for hours in range(20 * 24 - 30, 20 * 24 + 30):
        deadline = issued + timedelta(hours=hours)
        try:
            check_bid_period(issued, [deadline], 20)
        except ScheduleError:
            continue
        assert not would_break(period, issued, deadline, CAL)
        check_clarification(issued, [deadline], 15)
        assert not would_break(clarification, deadline, issued, CAL)
    # … and 法 24 counted in days allows a deadline on the morning of the 20th day.
    assert not would_break(period, issued, china(datetime(2026, 3, 22, 9, 0)), CAL)
    assert would_break(period, issued, china(datetime(2026, 3, 21, 23, 59, 59)), CAL)


# -- inputs ---------------------------------------------------------------------------------------


def test_naive_times_and_bad_leads_are_refused() -> None:
    rule = CLOCK_RULES[ClockKind.CONTRACT]
    limit = limit_of(ClockKind.CONTRACT)
    with pytest.raises(ClockTimeInvalid):
        due(rule, datetime(2026, 3, 2, 10), CAL)
    with pytest.raises(ClockTimeInvalid):
        alert_level(rule, limit, datetime(2026, 3, 2, 10))
    with pytest.raises(ClockTimeInvalid):
        alert_level(rule, limit, START, leads=(timedelta(0),))
    with pytest.raises(ClockTimeInvalid):
        due(rule, START, CAL, excluded_days=-1)
    with pytest.raises(ClockTimeInvalid):
        dataclasses.replace(rule, days=-1)
    with pytest.raises(ClockTimeInvalid):
        dataclasses.replace(CLOCK_RULES[ClockKind.BID_PERIOD], roll=True)


def test_custom_leads_and_no_leads() -> None:
    rule = CLOCK_RULES[ClockKind.CONTRACT]
    limit = limit_of(ClockKind.CONTRACT)
    hours = (timedelta(hours=2), timedelta(days=7))
    assert alert_level(rule, limit, limit - 6 * DAY, leads=hours) == Alert(Level.YELLOW, 7 * DAY)
    assert alert_level(rule, limit, limit, leads=hours) == Alert(Level.YELLOW, timedelta(hours=2))
    assert alert_level(rule, limit, limit, leads=()) == Alert(Level.NONE)
    assert next_alert_at(rule, limit, limit, leads=()) == limit + SECOND
    assert (timedelta(days=3), timedelta(days=1)) == DEFAULT_LEADS


def test_docstring_examples() -> None:
    result = doctest.testmod(clocks)
    assert result.attempted >= 4 and result.failed == 0
