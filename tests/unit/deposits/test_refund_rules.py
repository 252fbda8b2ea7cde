"""Refund rules as worked examples with their articles (issue 18; RULES a6–a8, a11): due dates in
calendar days (条例 35, 57) and working days with a holiday calendar (政采条例 33, 87号令 85),
interest per payment over a rate change, the overdue charge, where the money goes back, the
refund's state machine, forfeit reasons."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from bidding.core.settings import Settings, SettingsError
from bidding.core.transitions import IllegalTransition, edges, move
from bidding.deposits.interest import RateTable
from bidding.deposits.ledger import INTEREST_EXPENSE, REFUNDS_PAYABLE, Ledger, refund_interest_posting
from bidding.deposits.refund_rules import (
    FORFEIT_ARTICLES,
    OPEN,
    REFUND_TRANSITIONS,
    TRIGGER_RULES,
    ForfeitReason,
    Held,
    RefundPolicy,
    RefundStatus,
    RefundTrigger,
    WorkingCalendar,
    creditor_groups,
    days_late,
    due_on,
    is_late,
    is_overdue,
    overdue_charge,
    parse_rate_table,
    quote,
)

#: 2024's National Day: 10-01 … 10-07 off, Sunday 09-29 and Saturday 10-12 worked (国办发明电〔2023〕7号).
NATIONAL_DAY = WorkingCalendar(
    frozenset(date(2024, 10, d) for d in range(1, 8)), frozenset({date(2024, 9, 29), date(2024, 10, 12)})
)


def test_contract_refund_is_due_five_calendar_days_after_signing() -> None:
    """条例 57: signed Friday 2024-05-10 → due Wednesday 05-15, weekends counted."""
    assert due_on(date(2024, 5, 10), working_days=False, calendar=NATIONAL_DAY) == date(2024, 5, 15)
    # 条例 35 (withdrawal) and the platform's clock for 条例 31 (termination, "及时") are the same 5 days.
    assert due_on(date(2024, 9, 30), working_days=False, calendar=NATIONAL_DAY) == date(2024, 10, 5)


def test_government_procurement_counts_working_days_with_the_holiday_calendar() -> None:
    """政采条例 33: award notice Friday 2024-09-27 → 5 working days, the first day not counted
    (87号令 85): 09-29 (调休 Sunday), 09-30, 10-08, 10-09, 10-10 → due Thursday 10-10."""
    assert due_on(date(2024, 9, 27), working_days=True, calendar=NATIONAL_DAY) == date(2024, 10, 10)
    # With the weekend-only default calendar the same notice is due Friday 10-04.
    assert due_on(date(2024, 9, 27), working_days=True, calendar=WorkingCalendar()) == date(2024, 10, 4)
    assert due_on(date(2024, 5, 10), working_days=True, calendar=WorkingCalendar()) == date(2024, 5, 17)
    assert NATIONAL_DAY(date(2024, 10, 12)) and not NATIONAL_DAY(date(2024, 10, 1))
    assert not NATIONAL_DAY(date(2024, 10, 13))


def test_interest_over_a_rate_change_per_payment() -> None:
    """RULES a11: ¥100,000.00 from 2024-03-01, 0.35 % then 0.20 % from 04-01, refunded 04-30:
    31 days at 0.35 % + 29 days at 0.20 %, actual/360 → 3,013.89 + 1,611.11 = 4,625.00 fen; a
    second payment of ¥50,000.00 from 04-15: 15 days at 0.20 % → 416.67 → 417 fen."""
    policy = RefundPolicy(
        rates=parse_rate_table([(date(2015, 10, 24), Decimal("0.35")), (date(2024, 4, 1), Decimal("0.20"))])
    )
    held = [
        Held(1, 10_000_000, date(2024, 3, 1), "C", "A", "甲"),
        Held(2, 5_000_000, date(2024, 4, 15), "C", "A", "甲"),
    ]
    assert [(q.principal_fen, q.interest_fen) for q in quote(held, date(2024, 4, 30), policy)] == [
        (10_000_000, 4_625),
        (5_000_000, 417),
    ]
    # Refunded on its value date: no interest (算头不算尾).
    assert quote(held[:1], date(2024, 3, 1), policy)[0].interest_fen == 0


def test_overdue_charge_only_for_late_government_procurement_with_a_lending_table() -> None:
    """RULES a8 (政采条例 33): 4 days late on ¥10,000.00 at 3.45 % × 1.2 on actual/360 = 460 fen."""
    lending = RateTable(((date(2019, 8, 20), Decimal("0.0345")),))
    policy = RefundPolicy(lending_rates=lending)
    due, paid = date(2024, 10, 10), date(2024, 10, 14)
    assert overdue_charge(1_000_000, due, paid, working_days=True, policy=policy) == 460
    assert overdue_charge(1_000_000, due, due, working_days=True, policy=policy) == 0
    assert overdue_charge(1_000_000, due, paid, working_days=False, policy=policy) == 0  # not procurement
    assert overdue_charge(1_000_000, due, paid, working_days=True, policy=RefundPolicy()) == 0  # not configured


def test_money_goes_back_to_the_account_it_came_from() -> None:
    """One refund per payer account; a payment without one goes to the registered basic account."""
    held = [
        Held(1, 100, date(2024, 4, 1), "C1", "A", "甲"),
        Held(2, 200, date(2024, 4, 2), "C1", "B", "甲"),
        Held(3, 300, date(2024, 4, 3), "C1", "A", "甲"),
        Held(4, 400, date(2024, 4, 4), "C1", None, None),
        Held(5, 500, date(2024, 4, 5), "C2", "A", "甲"),
    ]
    groups = creditor_groups(held, ("BASIC", "甲公司"))
    assert {key: [h.entry_id for h in items] for key, items in groups.items()} == {
        ("C1", "A", "甲"): [1, 3],
        ("C1", "B", "甲"): [2],
        ("C1", "BASIC", "甲公司"): [4],
        ("C2", "A", "甲"): [5],
    }
    assert ("C1", "", "") in creditor_groups(held[3:4], None)


def test_refund_states_allow_only_their_moves() -> None:
    allowed = edges(REFUND_TRANSITIONS)
    assert set(REFUND_TRANSITIONS) == set(RefundStatus)
    assert {s for s, ends in REFUND_TRANSITIONS.items() if not ends} == {RefundStatus.CLOSED}
    for start, end in itertools.product(RefundStatus, repeat=2):
        if (start, end) in allowed:
            assert move(REFUND_TRANSITIONS, start, end, what="refund") is end
        else:
            with pytest.raises(IllegalTransition):
                move(REFUND_TRANSITIONS, start, end, what="refund")
    assert {RefundStatus.DUE, RefundStatus.EXPORTED} == OPEN


def test_overdue_and_late() -> None:
    """RULES a, acceptance check 5: contract on D, unpaid after D+5 → overdue (red)."""
    due = date(2024, 5, 15)
    assert not is_overdue(RefundStatus.DUE, due, due)
    assert is_overdue(RefundStatus.EXPORTED, due, date(2024, 5, 16))
    assert not is_overdue(RefundStatus.PAID, due, date(2024, 5, 30))
    assert (
        is_late(due, date(2024, 5, 17), date(2024, 5, 30)) and days_late(due, date(2024, 5, 17), date(2024, 6, 1)) == 2
    )
    assert not is_late(due, date(2024, 5, 15), date(2024, 5, 30))


def test_articles_of_triggers_and_forfeits() -> None:
    assert {t: r.article for t, r in TRIGGER_RULES.items()} == {
        RefundTrigger.WITHDRAWAL: "条例35",
        RefundTrigger.TERMINATION: "条例31",
        RefundTrigger.CONTRACT_SIGNED: "条例57",
        RefundTrigger.AWARD_NOTICE: "政采条例33",
    }
    assert (
        not TRIGGER_RULES[RefundTrigger.WITHDRAWAL].lot_wide and TRIGGER_RULES[RefundTrigger.AWARD_NOTICE].working_days
    )
    assert {FORFEIT_ARTICLES[r][0] for r in ForfeitReason} == {"条例35", "条例74"}
    assert FORFEIT_ARTICLES[ForfeitReason.REVOKED_AFTER_DEADLINE][0] == "条例35"


def test_the_pure_ledger_books_a_refund_with_its_interest_brought_forward() -> None:
    """Decided with interest to the decision day, brought to the execution day by a second posting:
    refunds payable holds principal + all interest, the sub-account is empty, every posting balances."""
    ledger = Ledger()
    assert ledger.record_refund("RF1", "lot", "b", 1_000_000, 100)
    posting = refund_interest_posting("RF1", "RB1", 25)
    assert posting is not None and ledger.post(posting)
    assert refund_interest_posting("RF1", "RB2", 0) is None
    down = refund_interest_posting("RF1", "RB3", -5)
    assert down is not None and ledger.post(down)
    balances = ledger.balances()
    assert balances[REFUNDS_PAYABLE] == 1_000_120 and balances[INTEREST_EXPENSE] == 120
    assert ledger.is_balanced()


def test_settings_read_the_rate_table_and_the_calendar() -> None:
    settings = Settings.from_env(
        {
            "BIDDING_DEPOSIT_DEMAND_RATES": "2024-04-01:0.20, 2015-10-24:0.35",
            "BIDDING_DEPOSIT_HOLIDAYS": "2024-10-01,2024-10-02",
            "BIDDING_DEPOSIT_WORKING_WEEKENDS": "2024-10-12",
        }
    )
    assert settings.deposit_demand_rates == ((date(2015, 10, 24), Decimal("0.35")), (date(2024, 4, 1), Decimal("0.20")))
    assert parse_rate_table(settings.deposit_demand_rates).rate_on(date(2024, 5, 1)) == Decimal("0.002")
    assert settings.deposit_working_weekends == (date(2024, 10, 12),)
    for bad in ("2024-04-01", "2024-13-01:0.3", "2024-04-01:abc", "2024-04-01:101", "2024-04-01:1,2024-04-01:2"):
        with pytest.raises(SettingsError, match="DEPOSIT_DEMAND_RATES"):
            Settings.from_env({"BIDDING_DEPOSIT_DEMAND_RATES": bad})
    with pytest.raises(SettingsError, match="DEPOSIT_HOLIDAYS"):
        Settings.from_env({"BIDDING_DEPOSIT_HOLIDAYS": "2024-10-32"})
