"""Matching rules: whose deposit a credit is, whether it counts, and the status a bidder gets.

Pure functions, each with its article. The ledger routes a credit to a bidder's sub-account by
the virtual account the payer addressed (:func:`sub_account_of`); these rules then decide, per
(lot, bidder), what the opening room and the signed opening record show (:class:`DepositStatus`,
replacing ``not_checked``). Nothing here rejects a bid by itself: the status is a fact for the
opening and the evaluation committee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bidding.core.clock import china_day
from bidding.deposits.entries import Direction, Entry, normalise_account
from bidding.deposits.virtual_accounts import SuffixProblem, VirtualAccountBook

__all__ = [
    "CollusionSignal",
    "DepositStatus",
    "Guarantee",
    "Payment",
    "Requirement",
    "StatusResult",
    "collusion_signals",
    "deposit_status",
    "guarantee_problems",
    "is_on_time",
    "is_right_payer",
    "sub_account_of",
]


class DepositStatus(StrEnum):
    """A bidder's deposit for one lot, as the opening room and the opening record show it."""

    PAID = "paid"  # enough, on time, from the right account
    SHORT = "short"  # less than required (条例 26: the required amount is the tender's)
    LATE = "late"  # enough only with money that arrived after the deadline
    WRONG_PAYER = "wrong_payer"  # 非基本账户: enough only with money from another account (条例 26)
    GUARANTEE = "guarantee"  # a valid electronic guarantee (电子保函) stands for it
    EXEMPT = "exempt"  # the lot exempts this bidder (e.g. a framework deposit), recorded by the agent
    NONE = "none"  # nothing received
    NOT_CHECKED = "not_checked"  # the lot requires no deposit: nothing to check


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a lot asks of each bidder (the validated requirement of :mod:`.forms`)."""

    amount_fen: int
    deadline: datetime
    """The bid deadline (投标截止时间): the deposit must have arrived by then."""
    basic_account_required: bool
    """条例 26: for projects that must be tendered, a transfer must come from the basic account."""


@dataclass(frozen=True, slots=True)
class Payment:
    """A credit booked on a bidder's sub-account (and not reversed)."""

    key: tuple[object, ...]
    amount_fen: int
    value_date: date
    booked_at: datetime | None
    payer_account: str | None
    payer_name: str | None = None

    @classmethod
    def from_entry(cls, entry: Entry) -> Payment:
        if entry.direction is not Direction.CREDIT:
            raise ValueError(f"entry {entry.index} of {entry.statement_id} is a debit, not a payment")
        return cls(
            entry.booking_key(),
            entry.amount_fen,
            entry.value_date,
            entry.booked_at,
            entry.counterparty_account,
            entry.counterparty_name,
        )


@dataclass(frozen=True, slots=True)
class Guarantee:
    """An electronic guarantee's structured data, after its signature was checked elsewhere."""

    amount_fen: int
    valid_until: date
    signature_valid: bool
    issuer: str = ""


@dataclass(frozen=True, slots=True)
class StatusResult:
    status: DepositStatus
    counted_fen: int
    """What counts towards the requirement: on time and from the right account."""
    received_fen: int
    """Everything on the sub-account, whatever its problems."""
    reasons: tuple[str, ...] = ()


def sub_account_of(entry: Entry, book: VirtualAccountBook) -> tuple[str, str] | SuffixProblem:
    """The (lot, bidder) whose virtual sub-account a credit was addressed to, or why none.

    南平 practice (RULES a): the collection account number plus the bidder's suffix; money
    without a valid suffix is unmatched and waits for the finance officer. A debit is never a
    deposit (:attr:`SuffixProblem.NO_SUFFIX`).
    """
    if entry.direction is not Direction.CREDIT or entry.account != book.collection:
        return SuffixProblem.NO_SUFFIX if entry.direction is not Direction.CREDIT else SuffixProblem.OTHER_ACCOUNT
    return book.lookup(entry.addressed_account)


def is_on_time(payment: Payment, deadline: datetime) -> bool:
    """Arrived by the bid deadline (条例 26: the deposit is submitted with the bid, by its deadline).

    With the bank's time of day (``DtTm``, a CSV's 交易时间) the moment is compared; with a date
    only, the value date must not be after the deadline's day in China time.
    """
    if payment.booked_at is not None:
        return payment.booked_at <= deadline
    return payment.value_date <= china_day(deadline)


def is_right_payer(payment: Payment, basic_account: str | None, required: bool) -> bool:
    """条例 26: for projects that must be tendered, a cash or cheque (transfer) deposit must come
    from the bidder's basic account (基本账户). Otherwise it is marked 非基本账户 and does not count
    (RULES a, acceptance check 2). Without the requirement every payer is right."""
    if not required:
        return True
    if not basic_account or not payment.payer_account:
        return False
    return normalise_account(payment.payer_account) == normalise_account(basic_account)


def guarantee_problems(guarantee: Guarantee, required_fen: int, bid_validity_end: date) -> list[str]:
    """Why an electronic guarantee does not stand for the deposit (RULES a, acceptance check 7).

    Its signature must verify, its amount must reach the requirement, and its validity must last
    at least as long as the bid's (条例 26: the deposit's validity equals the bid validity). Any
    issuer with a trusted certificate is accepted (发改法规〔2023〕27号: never a designated one).
    """
    problems = []
    if not guarantee.signature_valid:
        problems.append("guarantee_signature_invalid")
    if guarantee.amount_fen < required_fen:
        problems.append("guarantee_amount_short")
    if guarantee.valid_until < bid_validity_end:
        problems.append("guarantee_validity_short")
    return problems


def deposit_status(
    requirement: Requirement | None,
    payments: Sequence[Payment],
    *,
    basic_account: str | None = None,
    guarantee: Guarantee | None = None,
    bid_validity_end: date | None = None,
    exempt: bool = False,
) -> StatusResult:
    """The bidder's deposit status for one lot.

    In this order: no requirement → ``not_checked``; exempt → ``exempt``; a valid guarantee →
    ``guarantee``; then the payments: enough counted money (on time, right payer) → ``paid``;
    enough only counting other payers' money on time → ``wrong_payer`` (非基本账户, 条例 26);
    enough only counting money after the deadline → ``late``; some money → ``short``; none →
    ``none``. ``wrong_payer`` ranks before ``late`` because it is the breach of a rule rather
    than of a date.
    """
    received = sum(p.amount_fen for p in payments)
    if requirement is None or requirement.amount_fen <= 0:
        return StatusResult(DepositStatus.NOT_CHECKED, 0, received)
    if exempt:
        return StatusResult(DepositStatus.EXEMPT, 0, received)
    reasons: list[str] = []
    if guarantee is not None:
        problems = guarantee_problems(guarantee, requirement.amount_fen, bid_validity_end or date.max)
        if not problems:
            return StatusResult(DepositStatus.GUARANTEE, guarantee.amount_fen, received)
        reasons += problems
    required = requirement.amount_fen
    on_time = [p for p in payments if is_on_time(p, requirement.deadline)]
    right = [p for p in on_time if is_right_payer(p, basic_account, requirement.basic_account_required)]
    counted = sum(p.amount_fen for p in right)
    if counted >= required:
        return StatusResult(DepositStatus.PAID, counted, received, tuple(reasons))
    if len(right) < len(on_time):
        reasons.append("payer_not_basic_account")
    if len(on_time) < len(payments):
        reasons.append("after_deadline")
    if sum(p.amount_fen for p in on_time) >= required:
        return StatusResult(DepositStatus.WRONG_PAYER, counted, received, tuple(reasons))
    if received >= required:
        return StatusResult(DepositStatus.LATE, counted, received, tuple(reasons))
    if payments:
        return StatusResult(DepositStatus.SHORT, counted, received, (*reasons, "amount_short"))
    return StatusResult(DepositStatus.NONE, 0, 0, tuple(reasons))


@dataclass(frozen=True, slots=True)
class CollusionSignal:
    """Deposits of different bidders of one lot paid from the same account (条例 40(六))."""

    lot: str
    payer_account: str
    bidders: tuple[str, ...]


def collusion_signals(lot: str, payments: Mapping[str, Iterable[Payment]]) -> list[CollusionSignal]:
    """条例 40(六): deposits of different bidders paid from the same unit's or person's account are
    deemed collusion (视为串通投标). Recorded as a signal for the evaluation committee and the
    supervisor (RULES a5, acceptance check 3); nothing is rejected automatically.

    ``payments`` maps each bidder of the lot to its payments; one signal per shared account.
    """
    by_account: defaultdict[str, set[str]] = defaultdict(set)
    for bidder, items in payments.items():
        for payment in items:
            if payment.payer_account:
                by_account[normalise_account(payment.payer_account)].add(bidder)
    return [
        CollusionSignal(lot, account, tuple(sorted(bidders)))
        for account, bidders in sorted(by_account.items())
        if len(bidders) > 1
    ]
