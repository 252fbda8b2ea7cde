"""Interest on refunded deposits, refund due dates and the overdue charge.

**Interest** (条例 57: deposits are refunded "及银行同期存款利息"; RULES a6, a11). The basis is the
demand-deposit (活期) rate, from a dated table (effective-from date → annual rate) that the
deployment configures; the default holds the People's Bank of China benchmark of 0.35 %, in force
on 2015-10-24, the last benchmark adjustment (the demand rate had been 0.35 % since 2012-07-06
[mem]). Banks' own posted demand rates are lower today: a centre configures its bank's table.

* Period: from the value date (the day the money arrived) to the refund date, counting the first
  day and not the last (算头不算尾, the banks' rule), so a refund on the value date earns nothing.
* Day count: actual/360 by default. 《人民币利率管理规定》(PBoC, 1999) sets the daily rate as the
  annual rate ÷ 360, and interest = balance × days × daily rate (积数计息) [mem: article number not
  confirmed]; actual/365 is a parameter for a contract that says otherwise.
* Rate changes inside the period split it: each part earns its own rate (``split=True``). Demand
  deposits at a bank earn the rate posted on the settlement day for the whole period instead;
  ``split=False`` does that, with the rate on the refund date.
* The exact sum is rounded once, half up, to the fen.

**Due dates**: 条例 57: within 5 days after the contract is signed (also after a withdrawal before
the deadline, 条例 35, and a termination, 条例 31); 规定 52 says 5 *working* days, and the stricter
(calendar) rule applies. Government procurement (政采条例 33, 87号令 38): 5 working days after the
award notice (losers) or the contract (winner), counted with a holiday calendar the caller passes
(``is_working_day``), since China's working days are set each year by the State Council.

**Overdue charge** (RULES a8, government procurement): a late refund also pays the PBoC lending
rate + 20 % for each day late: :func:`overdue_charge_fen` with the lending rate table passed in
(no default: the figure is the deployment's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from itertools import pairwise
from typing import Final

from bidding.deposits.errors import RateTableInvalid

__all__ = [
    "DEFAULT_DEMAND_RATES",
    "REFUND_DAYS",
    "DayCount",
    "RateTable",
    "interest_fen",
    "is_refund_late",
    "overdue_charge_fen",
    "refund_due",
    "round_half_up",
]

REFUND_DAYS: Final = 5


class DayCount(Enum):
    """Days in the year the annual rate is divided by."""

    ACT_360 = 360
    ACT_365 = 365


@dataclass(frozen=True, slots=True)
class RateTable:
    """Annual rates by the day they take effect, earliest first: ``((date, Decimal("0.0035")), …)``."""

    entries: tuple[tuple[date, Decimal], ...]

    def __post_init__(self) -> None:
        if not self.entries:
            raise RateTableInvalid("the rate table is empty")
        for (day, _), (next_day, _) in pairwise(self.entries):
            if next_day <= day:
                raise RateTableInvalid(f"rates must be in strictly increasing date order ({next_day} after {day})")
        for day, rate in self.entries:
            if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
                raise RateTableInvalid(f"the rate from {day} must be a non-negative Decimal, got {rate!r}")

    def rate_on(self, day: date) -> Decimal:
        """The rate in force on ``day``."""
        if day < self.entries[0][0]:
            raise RateTableInvalid(f"the rate table starts on {self.entries[0][0]}, after {day}")
        rate = self.entries[0][1]
        for start, value in self.entries:
            if start > day:
                break
            rate = value
        return rate

    def periods(self, start: date, end: date) -> list[tuple[date, date, Decimal]]:
        """``[start, end)`` cut at every rate change: (from, to, rate) with ``to`` excluded."""
        if end <= start:
            return []
        self.rate_on(start)  # refuses a start before the table
        cuts = [day for day, _ in self.entries if start < day < end]
        bounds = [start, *cuts, end]
        return [(a, b, self.rate_on(a)) for a, b in pairwise(bounds)]


#: PBoC benchmark demand-deposit rate (see the module docstring); configure the bank's own table.
DEFAULT_DEMAND_RATES: Final = RateTable(((date(2015, 10, 24), Decimal("0.0035")),))


def round_half_up(value: Fraction) -> int:
    """To the nearest integer, halves away from zero (四舍五入)."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def interest_fen(
    principal_fen: int,
    value_date: date,
    refund_date: date,
    *,
    rates: RateTable = DEFAULT_DEMAND_RATES,
    day_count: DayCount = DayCount.ACT_360,
    split: bool = True,
) -> int:
    """Interest in fen on ``principal_fen`` from ``value_date`` (counted) to ``refund_date`` (not counted).

    Worked example: ¥100,000.00 from 2024-03-01 to 2024-04-30 is 60 days; at 0.35 % on
    actual/360 that is 10,000,000 × 0.0035 × 60 / 360 = 5,833.33… fen → 5,833 fen (¥58.33).
    """
    if isinstance(principal_fen, bool) or not isinstance(principal_fen, int) or principal_fen < 0:
        raise ValueError(f"principal must be a non-negative integer of fen, got {principal_fen!r}")
    if refund_date <= value_date or principal_fen == 0:
        return 0
    if split:
        parts = rates.periods(value_date, refund_date)
    else:
        rates.rate_on(value_date)
        parts = [(value_date, refund_date, rates.rate_on(refund_date))]
    total = sum(
        (Fraction(principal_fen) * Fraction(rate) * (end - start).days for start, end, rate in parts),
        Fraction(0),
    )
    return round_half_up(total / day_count.value)


def _is_weekday(day: date) -> bool:
    return day.weekday() < 5


def refund_due(
    trigger: date,
    *,
    working_days: bool = False,
    is_working_day: Callable[[date], bool] | None = None,
    days: int = REFUND_DAYS,
) -> date:
    """The last day a refund may be paid: ``trigger`` + 5 days (条例 57), or the 5th working day after
    ``trigger`` (政采条例 33) with ``working_days=True`` and the calendar ``is_working_day``
    (Monday to Friday if none is given: pass the real one, which knows holidays and 调休 Saturdays).

    Worked examples: contract signed Friday 2024-05-10 → due Wednesday 2024-05-15; the same as
    government procurement, Monday–Friday calendar → due Friday 2024-05-17.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    if not working_days:
        return trigger + timedelta(days=days)
    working = is_working_day or _is_weekday
    day, counted = trigger, 0
    while counted < days:
        day += timedelta(days=1)
        if working(day):
            counted += 1
    return day


def is_refund_late(due: date, paid_on: date | None, today: date) -> bool:
    """Late: paid after the due date, or unpaid and the due date has passed (the supervisor's red mark)."""
    return (paid_on or today) > due


def overdue_charge_fen(
    principal_fen: int,
    due: date,
    paid_on: date,
    *,
    lending_rates: RateTable,
    markup: Decimal = Decimal("1.2"),
    day_count: DayCount = DayCount.ACT_360,
) -> int:
    """RULES a8 (government procurement): the PBoC lending rate + 20 % for each day late, i.e.
    ``paid_on − due`` days (paid the day after the due date: one day)."""
    if paid_on <= due:
        return 0
    raised = RateTable(tuple((day, rate * markup) for day, rate in lending_rates.entries))
    return interest_fen(principal_fen, due, paid_on, rates=raised, day_count=day_count)
