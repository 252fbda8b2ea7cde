"""Interest on refunds (条例 57, RULES a11), due dates (条例 57, 政采条例 33) and the overdue charge (RULES a8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bidding.deposits.errors import RateTableInvalid
from bidding.deposits.interest import (
    DEFAULT_DEMAND_RATES,
    DayCount,
    RateTable,
    interest_fen,
    is_refund_late,
    overdue_charge_fen,
    refund_due,
)

TWO_RATES = RateTable(((date(2024, 1, 1), Decimal("0.0035")), (date(2024, 3, 1), Decimal("0.0020"))))


def test_the_worked_example_of_the_docstring() -> None:
    # ¥100,000.00 for 60 days (1 March counted, 30 April not) at 0.35 %, actual/360: 5,833.33… fen.
    assert interest_fen(10_000_000, date(2024, 3, 1), date(2024, 4, 30)) == 5_833
    assert DEFAULT_DEMAND_RATES.rate_on(date(2024, 3, 1)) == Decimal("0.0035")


def test_first_day_counted_last_not_and_half_up() -> None:
    assert interest_fen(10_000_000, date(2024, 3, 1), date(2024, 3, 1)) == 0
    assert interest_fen(10_000_000, date(2024, 3, 2), date(2024, 3, 1)) == 0
    # 360,000 fen × 0.35 % / 360 = 3.5 fen a day: one day rounds half up to 4, two days are 7.
    assert interest_fen(360_000, date(2024, 3, 1), date(2024, 3, 2)) == 4
    assert interest_fen(360_000, date(2024, 3, 1), date(2024, 3, 3)) == 7
    assert interest_fen(0, date(2024, 3, 1), date(2025, 3, 1)) == 0


def test_a_rate_change_splits_the_period() -> None:
    # 20 Feb – 1 Mar 2024 (10 days, a leap year) at 0.35 %: 3,500; 1–10 Mar (9 days) at 0.20 %: 1,800.
    assert interest_fen(36_000_000, date(2024, 2, 20), date(2024, 3, 10), rates=TWO_RATES) == 5_300
    # a bank's demand deposit: the rate of the settlement (refund) day for the whole period
    assert interest_fen(36_000_000, date(2024, 2, 20), date(2024, 3, 10), rates=TWO_RATES, split=False) == 3_800


def test_day_count_is_a_parameter() -> None:
    assert interest_fen(36_500_000, date(2024, 3, 1), date(2024, 3, 11), day_count=DayCount.ACT_365) == 3_500
    assert interest_fen(36_000_000, date(2024, 3, 1), date(2024, 3, 11), day_count=DayCount.ACT_360) == 3_500


def test_rate_tables_are_checked() -> None:
    with pytest.raises(RateTableInvalid):
        RateTable(())
    with pytest.raises(RateTableInvalid):
        RateTable(((date(2024, 3, 1), Decimal("0.1")), (date(2024, 1, 1), Decimal("0.1"))))
    with pytest.raises(RateTableInvalid):
        RateTable(((date(2024, 3, 1), Decimal("-0.1")),))
    with pytest.raises(RateTableInvalid, match="starts on"):
        interest_fen(100, date(2015, 1, 1), date(2016, 1, 1))
    with pytest.raises(ValueError, match="principal"):
        interest_fen(-1, date(2024, 3, 1), date(2024, 3, 2))


def test_refund_due_dates() -> None:
    """条例 57: 5 days after the contract; 政采条例 33: 5 working days with the year's calendar."""
    friday = date(2024, 5, 10)
    assert refund_due(friday) == date(2024, 5, 15)
    assert refund_due(friday, working_days=True) == date(2024, 5, 17)
    # National Day 2024: 1–7 October off, Saturday 12 October a working day (调休).
    holidays = {date(2024, 10, d) for d in range(1, 8)}
    make_up = {date(2024, 10, 12)}

    def working(day: date) -> bool:
        return day in make_up or (day.weekday() < 5 and day not in holidays)

    assert refund_due(date(2024, 9, 30), working_days=True, is_working_day=working) == date(2024, 10, 12)
    assert refund_due(date(2024, 9, 30)) == date(2024, 10, 5)


def test_late_refunds_and_the_overdue_charge() -> None:
    due = date(2024, 5, 15)
    assert not is_refund_late(due, date(2024, 5, 15), date(2024, 6, 1))
    assert is_refund_late(due, date(2024, 5, 16), date(2024, 6, 1))
    assert not is_refund_late(due, None, date(2024, 5, 15))
    assert is_refund_late(due, None, date(2024, 5, 16))
    lending = RateTable(((date(2015, 10, 24), Decimal("0.0435")),))
    # ¥360,000 ten days late at 4.35 % × 1.2 = 5.22 %, actual/360: 52,200 fen.
    assert overdue_charge_fen(36_000_000, due, date(2024, 5, 25), lending_rates=lending) == 52_200
    assert overdue_charge_fen(36_000_000, due, due, lending_rates=lending) == 0
