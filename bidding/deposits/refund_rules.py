"""Refunds of deposits as rules (issue 18; RULES a6–a9, a11): what each trigger refunds and by when,
the interest on each payment, the reasons a deposit may be kept, the refund's states, and the
working-day calendar of government procurement. Pure: no database, no clock (the day is passed in).

**Triggers** (:class:`RefundTrigger`), each with its article:

=================  ==========================================================  ===================
trigger            what it refunds, by when                                    article
=================  ==========================================================  ===================
withdrawal         the withdrawing bidder's deposit, 5 days after its notice   条例 35
termination        every deposit of the lot, with interest; the article says   条例 31
                   "及时" (promptly): the platform holds it to 5 days
contract_signed    every deposit not yet refunded, with interest, ≤ 5 days     条例 57 (规定 52's 5
                   after the contract; government procurement: the winner,    working days is the
                   5 working days                                              weaker rule);
                                                                               政采条例 33
award_notice       government procurement: every bidder but the winners,       政采条例 33
                   5 working days after the award notice
=================  ==========================================================  ===================

Interest is paid on every refund: 条例 31 and 57 require it, and 条例 35 and 政采条例 33 do not
forbid it (the fair-competition checklists of 发改法规〔2023〕27号 flag "no refund with interest").
Each payment earns the demand-deposit rate of the dated table from its own value date (counted) to
the refund date (not counted), rounded to the fen per payment (:func:`quote`); the refund date is
the day the bank is asked to pay (the payment file's execution date). A refund of government
procurement paid after its due date also pays the overdue charge (RULES a8: PBoC lending rate
+ 20 %, :func:`overdue_charge`), when the deployment configures the lending rate table.

**Forfeits** (:class:`ForfeitReason`): only a revocation after the deadline (条例 35) or a winner who
refuses the contract, adds conditions, or gives no performance security (条例 74); never for
anything else (a bidder refusing a validity extension gets its deposit back, 规定 40).

**States** of a refund::

    (decided) ──▶ due ──in a payment file──▶ exported ──bank: ACSC/ACCC (pain.002)──▶ paid
                  ▲ │                          │  │                                   │
                  │ └──────────────────────────┼──┴──the bank's debit booked──▶ closed ◀┘
                  └──batch cancelled, or ──────┘     (camt, EndToEndId = refund id)
                     bank: RJCT (reason kept)

(``due`` → ``closed``: the bank ran a file that was cancelled or rejected; an alert says so.)

``due`` and ``exported`` refunds are *open*; an open refund past its due date is **overdue** (the
supervisor's red mark, alerted once); a refund paid after its due date stays marked **late**.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from bidding.core.calendar import WorkingCalendar
from bidding.core.transitions import Transitions
from bidding.deposits.interest import (
    DEFAULT_DEMAND_RATES,
    REFUND_DAYS,
    DayCount,
    RateTable,
    interest_fen,
    overdue_charge_fen,
    refund_due,
)

__all__ = [
    "FORFEIT_ARTICLES",
    "OPEN",
    "REFUND_TRANSITIONS",
    "TRIGGER_RULES",
    "ForfeitReason",
    "Held",
    "ItemQuote",
    "RefundPolicy",
    "RefundStatus",
    "RefundTrigger",
    "TriggerRule",
    "WorkingCalendar",
    "creditor_groups",
    "days_late",
    "due_on",
    "is_late",
    "is_overdue",
    "overdue_charge",
    "parse_rate_table",
    "quote",
]


class RefundTrigger(StrEnum):
    WITHDRAWAL = "withdrawal"
    TERMINATION = "termination"
    CONTRACT_SIGNED = "contract_signed"
    AWARD_NOTICE = "award_notice"


@dataclass(frozen=True, slots=True)
class TriggerRule:
    article: str
    #: Refunds every deposit of the lot (and money that arrives later), not one bidder's.
    lot_wide: bool
    #: 5 working days (government procurement) rather than 5 calendar days.
    working_days: bool = False


TRIGGER_RULES: Final[dict[RefundTrigger, TriggerRule]] = {
    RefundTrigger.WITHDRAWAL: TriggerRule("条例35", lot_wide=False),
    RefundTrigger.TERMINATION: TriggerRule("条例31", lot_wide=True),
    # Government procurement's winner: working days when the lot had an award notice (政采条例 33).
    RefundTrigger.CONTRACT_SIGNED: TriggerRule("条例57", lot_wide=True),
    RefundTrigger.AWARD_NOTICE: TriggerRule("政采条例33", lot_wide=True, working_days=True),
}


class RefundStatus(StrEnum):
    DUE = "due"  # decided, waiting for a payment file
    EXPORTED = "exported"  # in a payment file the bank has not answered for yet
    PAID = "paid"  # the bank reported it paid (pain.002 ACSC/ACCC)
    CLOSED = "closed"  # the bank's debit is booked against refunds payable


REFUND_TRANSITIONS: Final[Transitions[RefundStatus]] = {
    RefundStatus.DUE: frozenset({RefundStatus.EXPORTED, RefundStatus.CLOSED}),
    RefundStatus.EXPORTED: frozenset({RefundStatus.DUE, RefundStatus.PAID, RefundStatus.CLOSED}),
    RefundStatus.PAID: frozenset({RefundStatus.CLOSED}),
    RefundStatus.CLOSED: frozenset(),
}

#: Not paid yet: such a refund past its due date is overdue.
OPEN: Final = frozenset({RefundStatus.DUE, RefundStatus.EXPORTED})


class ForfeitReason(StrEnum):
    REVOKED_AFTER_DEADLINE = "revoked_after_deadline"
    WINNER_REFUSED_CONTRACT = "winner_refused_contract"
    WINNER_ADDED_CONDITIONS = "winner_added_conditions"
    NO_PERFORMANCE_SECURITY = "no_performance_security"


#: The article behind each reason a deposit may be kept (RULES a7), and its words (zh, en).
FORFEIT_ARTICLES: Final[dict[ForfeitReason, tuple[str, str, str]]] = {
    ForfeitReason.REVOKED_AFTER_DEADLINE: ("条例35", "投标截止后撤销投标文件", "bid revoked after the deadline"),
    ForfeitReason.WINNER_REFUSED_CONTRACT: (
        "条例74",
        "中标人无正当理由不与招标人订立合同",
        "the winner refused the contract",
    ),
    ForfeitReason.WINNER_ADDED_CONDITIONS: (
        "条例74",
        "中标人在签订合同时向招标人提出附加条件",
        "the winner added conditions to the contract",
    ),
    ForfeitReason.NO_PERFORMANCE_SECURITY: (
        "条例74",
        "中标人不按照招标文件要求提交履约保证金",
        "the winner gave no performance security",
    ),
}


@dataclass(frozen=True, slots=True)
class RefundPolicy:
    """What a deployment configures: the demand-deposit rate table (RULES a11), the day count, the
    working-day calendar, and the lending rate table of the overdue charge (None: not charged)."""

    rates: RateTable = DEFAULT_DEMAND_RATES
    day_count: DayCount = DayCount.ACT_360
    calendar: Callable[[date], bool] = field(default_factory=WorkingCalendar)
    lending_rates: RateTable | None = None


def parse_rate_table(pairs: Iterable[tuple[date, Decimal]]) -> RateTable:
    """A table from (effective date, annual rate in per cent) pairs: ``(2015-10-24, 0.35)`` → 0.35 %."""
    return RateTable(tuple(sorted((day, percent / 100) for day, percent in pairs)))


def due_on(occurred_on: date, *, working_days: bool, calendar: Callable[[date], bool]) -> date:
    """The last day a refund may be paid: 5 days after the trigger (条例 35, 57), or the 5th working
    day after it (政采条例 33).

    Worked examples: contract signed Friday 2024-05-10 → due Wednesday 2024-05-15 (条例 57);
    award notice Friday 2024-09-27 with the National Day holiday 2024-10-01…07 and the 调休
    Sunday 2024-09-29 and Saturday 2024-10-12 worked → due Thursday 2024-10-10 (working days:
    09-29, 09-30, 10-08, 10-09, 10-10).
    """
    return refund_due(occurred_on, working_days=working_days, is_working_day=calendar, days=REFUND_DAYS)


@dataclass(frozen=True, slots=True)
class Held:
    """A payment on a bidder's sub-account not yet refunded or kept: the bank entry it came as."""

    entry_id: int
    amount_fen: int
    value_date: date
    #: The collection account it arrived on (the refund is paid from the same one).
    collection_account: str
    payer_account: str | None
    payer_name: str | None


@dataclass(frozen=True, slots=True)
class ItemQuote:
    entry_id: int
    principal_fen: int
    interest_fen: int


def quote(held: Sequence[Held], refund_date: date, policy: RefundPolicy) -> list[ItemQuote]:
    """Principal and interest of each payment refunded on ``refund_date`` (条例 57, RULES a11): the
    demand rate from its value date (counted) to the refund date (not counted), each rate period
    at its own rate, rounded once per payment, half up.

    Worked example (a rate change inside the period): ¥100,000.00 paid with value date 2024-03-01,
    rates 0.35 % then 0.20 % from 2024-04-01, refunded 2024-04-30: 31 days × 0.35 % + 29 days ×
    0.20 % on actual/360 = 3,013.89 + 1,611.11 = 4,625.00 fen → ¥46.25.
    """
    return [
        ItemQuote(
            h.entry_id,
            h.amount_fen,
            interest_fen(h.amount_fen, h.value_date, refund_date, rates=policy.rates, day_count=policy.day_count),
        )
        for h in held
    ]


def overdue_charge(
    principal_fen: int, due: date, refund_date: date, *, working_days: bool, policy: RefundPolicy
) -> int:
    """RULES a8 (政采条例 33): a government procurement refund paid after its due date also pays the
    PBoC lending rate + 20 % for each day late. Zero for other refunds, on time, or when the
    deployment configured no lending rate table."""
    if not working_days or policy.lending_rates is None or refund_date <= due:
        return 0
    return overdue_charge_fen(principal_fen, due, refund_date, lending_rates=policy.lending_rates)


def creditor_groups(held: Sequence[Held], fallback: tuple[str, str] | None) -> dict[tuple[str, str, str], list[Held]]:
    """Refunds go back to the account the money came from (issue 18; 眉山 practice): the payments,
    grouped by (collection account, payer account, payer name) — one refund each. A payment whose
    payer account the bank did not give goes to ``fallback`` (the bidder's registered basic
    account and name), else to an empty account that a payment file refuses to carry."""
    groups: dict[tuple[str, str, str], list[Held]] = {}
    for h in held:
        if h.payer_account:
            account, name = h.payer_account, h.payer_name or ""
        elif fallback is not None:
            account, name = fallback
        else:
            account, name = "", h.payer_name or ""
        groups.setdefault((h.collection_account, account, name), []).append(h)
    return groups


def is_overdue(status: RefundStatus, due: date, today: date) -> bool:
    """Open and past its due date (RULES a, acceptance check 5: the red alert)."""
    return status in OPEN and today > due


def is_late(due: date, paid_on: date | None, today: date) -> bool:
    """Paid after its due date, or unpaid and past it."""
    return (paid_on or today) > due


def days_late(due: date, paid_on: date | None, today: date) -> int:
    return max(0, ((paid_on or today) - due) // timedelta(days=1))
