"""Matching rules and the deposit status, each with its article (条例 26, 40(六); RULES a, checks 2, 3, 7)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bidding.deposits.entries import Direction
from bidding.deposits.matching import (
    DepositStatus,
    Guarantee,
    Payment,
    Requirement,
    collusion_signals,
    deposit_status,
    sub_account_of,
)
from bidding.deposits.virtual_accounts import SuffixProblem
from tests.fixtures.deposits import book, entry

CST = timezone(timedelta(hours=8))
DEADLINE = datetime(2024, 5, 10, 9, 30, tzinfo=CST)
BASIC = "110000000000000001"
REQUIRED = Requirement(100_000, DEADLINE, basic_account_required=True)


def pay(fen: int = 100_000, day: date = date(2024, 5, 9), at: datetime | None = None, payer: str = BASIC) -> Payment:
    return Payment(("ref", str(fen), str(day), str(at)), fen, day, at, payer)


def status(*payments: Payment, **options: object) -> DepositStatus:
    return deposit_status(REQUIRED, payments, basic_account=BASIC, **options).status  # type: ignore[arg-type]


def test_paid_in_full_on_time_from_the_basic_account() -> None:
    assert status(pay()) is DepositStatus.PAID
    assert status(pay(60_000), pay(40_000)) is DepositStatus.PAID  # two transfers add up
    assert status(pay(200_000)) is DepositStatus.PAID


def test_short_by_a_fen() -> None:
    result = deposit_status(REQUIRED, [pay(99_999)], basic_account=BASIC)
    assert (result.status, result.counted_fen, result.reasons) == (DepositStatus.SHORT, 99_999, ("amount_short",))


def test_late_by_the_time_of_day_or_the_value_date() -> None:
    assert status(pay(at=DEADLINE)) is DepositStatus.PAID
    assert status(pay(at=DEADLINE + timedelta(minutes=1))) is DepositStatus.LATE
    assert status(pay(day=date(2024, 5, 10))) is DepositStatus.PAID  # a date only: the deadline's day counts
    assert status(pay(day=date(2024, 5, 11))) is DepositStatus.LATE
    assert status(pay(50_000), pay(50_000, day=date(2024, 5, 11))) is DepositStatus.LATE


def test_wrong_payer_is_non_basic_account() -> None:
    """条例 26 / RULES a check 2: from another account than the registered basic account → 非基本账户."""
    result = deposit_status(REQUIRED, [pay(payer="622848001234567890")], basic_account=BASIC)
    assert result.status is DepositStatus.WRONG_PAYER and result.reasons == ("payer_not_basic_account",)
    assert status(pay(payer="1100 0000 0000 0000 01")) is DepositStatus.PAID  # spacing does not matter
    assert deposit_status(REQUIRED, [pay()], basic_account=None).status is DepositStatus.WRONG_PAYER
    free = Requirement(100_000, DEADLINE, basic_account_required=False)
    assert deposit_status(free, [pay(payer="622848001234567890")]).status is DepositStatus.PAID


def test_nothing_none_exempt_and_no_requirement() -> None:
    assert status() is DepositStatus.NONE
    assert status(exempt=True) is DepositStatus.EXEMPT
    assert deposit_status(None, [pay()]).status is DepositStatus.NOT_CHECKED
    assert deposit_status(Requirement(0, DEADLINE, False), []).status is DepositStatus.NOT_CHECKED


def test_an_electronic_guarantee_stands_for_the_deposit_only_when_valid() -> None:
    """RULES a check 7: signature, amount and validity ≥ bid validity (条例 26)."""
    good = Guarantee(100_000, date(2024, 8, 10), signature_valid=True, issuer="某保险公司")
    end = date(2024, 8, 8)
    assert status(guarantee=good, bid_validity_end=end) is DepositStatus.GUARANTEE
    for bad, reason in [
        (Guarantee(100_000, date(2024, 8, 10), signature_valid=False), "guarantee_signature_invalid"),
        (Guarantee(99_999, date(2024, 8, 10), signature_valid=True), "guarantee_amount_short"),
        (Guarantee(100_000, date(2024, 8, 7), signature_valid=True), "guarantee_validity_short"),
    ]:
        result = deposit_status(REQUIRED, [], basic_account=BASIC, guarantee=bad, bid_validity_end=end)
        assert (result.status, result.reasons) == (DepositStatus.NONE, (reason,))
    assert status(pay(), guarantee=Guarantee(1, end, False), bid_validity_end=end) is DepositStatus.PAID


def test_the_right_sub_account() -> None:
    accounts = book()
    number = accounts.issue("lot-2", "b-3").number
    assert sub_account_of(entry(addressed_account=number), accounts) == ("lot-2", "b-3")
    assert sub_account_of(entry(addressed_account=None), accounts) is SuffixProblem.NO_SUFFIX
    assert (
        sub_account_of(entry(direction=Direction.DEBIT, addressed_account=number), accounts) is SuffixProblem.NO_SUFFIX
    )
    assert sub_account_of(entry(account="999", addressed_account=number), accounts) is SuffixProblem.OTHER_ACCOUNT


def test_two_bidders_paying_from_one_account_is_a_collusion_signal() -> None:
    """条例 40(六) / RULES a check 3: recorded, nothing rejected."""
    payments = {
        "b-1": [pay(payer="1100 0000 0000 0000 01")],
        "b-2": [pay(payer="1100-0000-0000-0000-01"), pay(payer="622848001234567890")],
        "b-3": [pay(payer="4000023009200123456")],
        "b-4": [Payment(("x",), 1, date(2024, 5, 9), None, None)],
    }
    (signal,) = collusion_signals("lot-1", payments)
    assert (signal.lot, signal.payer_account, signal.bidders) == ("lot-1", "110000000000000001", ("b-1", "b-2"))
    assert collusion_signals("lot-1", {"b-1": payments["b-1"] * 2}) == []  # one bidder paying twice is not
