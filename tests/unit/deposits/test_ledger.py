"""The pure deposit ledger, rule by rule (RULES a, acceptance checks 1 and 6), with worked examples."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.deposits.entries import Direction, EntryStatus, StatementKind
from bidding.deposits.errors import PostingUnbalanced
from bidding.deposits.ledger import (
    FORFEITS,
    INTEREST_EXPENSE,
    REFUNDS_PAYABLE,
    UNMATCHED,
    Account,
    AlertKind,
    Ledger,
    Leg,
    Posting,
    UnmatchedReason,
)
from tests.fixtures.deposits import COLLECTION, book, entry, router, statement

BANK = Account.collection(COLLECTION)
SUB = Account.sub("lot-1", "b-1")


def to_sub(**fields: object) -> dict[str, object]:
    return {"addressed_account": book().issue("lot-1", "b-1").number, **fields}


def test_a_postings_legs_must_balance() -> None:
    with pytest.raises(PostingUnbalanced, match="does not balance"):
        Posting(("x",), (Leg(BANK, 100), Leg(SUB, -99)))
    with pytest.raises(PostingUnbalanced, match="at least 2"):
        Posting(("x",), (Leg(BANK, 0),))
    with pytest.raises(PostingUnbalanced, match="non-zero integer"):
        Posting(("x",), (Leg(BANK, 1.0), Leg(SUB, -1.0)))  # type: ignore[arg-type]
    with pytest.raises(PostingUnbalanced, match="positive"):
        Posting.transfer(("x",), BANK, SUB, -5)


def test_a_deposit_credits_the_bidders_sub_account() -> None:
    ledger = Ledger(router())
    result = ledger.apply([entry(**to_sub())])
    assert result.booked == 1 and not result.alerts
    assert ledger.balance(BANK) == ledger.balance(SUB) == 100_000
    assert [p.amount_fen for p in ledger.payments("lot-1", "b-1")] == [100_000]


def test_the_same_statement_twice_is_booked_once() -> None:
    ledger = Ledger(router())
    s = statement([entry(**to_sub()), entry(index=2, bank_ref="B2", end_to_end_id="E2")])
    ledger.apply_statement(s)
    again = ledger.apply_statement(s)
    assert (again.booked, again.duplicates) == (0, 2)
    assert ledger.balance(BANK) == 200_000 and len(ledger.postings) == 2


def test_intraday_then_end_of_day_is_booked_once() -> None:
    """RULES a, check 1: a line seen in camt.052 and again in camt.053 is booked once; a pending
    line is not booked until it is booked."""
    ledger = Ledger(router())
    pending = entry(statement_id="R1", status=EntryStatus.PENDING, **to_sub())
    booked_early = entry(statement_id="R1", index=2, bank_ref="B2", end_to_end_id="E2")
    report = ledger.apply_statement(statement([pending, booked_early], kind=StatementKind.CAMT052))
    assert (report.booked, report.not_booked) == (1, 1)
    day = ledger.apply_statement(statement([entry(**to_sub()), entry(index=2, bank_ref="B2", end_to_end_id="E2")]))
    assert (day.booked, day.duplicates) == (1, 1)
    assert ledger.balance(BANK) == 200_000


def test_without_a_bank_reference_the_fallback_key_is_used() -> None:
    ledger = Ledger(router())
    one = entry(bank_ref=None, end_to_end_id="E9")
    assert one.booking_key() == ("e2e", COLLECTION, "E9", 100_000, one.value_date, False)
    ledger.apply([one, entry(bank_ref=None, end_to_end_id="E9", statement_id="S2")])
    assert ledger.balance(BANK) == 100_000
    ledger.apply([entry(bank_ref=None, end_to_end_id="E9", amount_fen=5)])  # another amount: another entry
    assert ledger.balance(BANK) == 100_005


def test_a_reused_bank_reference_with_another_amount_is_an_alert_not_a_booking() -> None:
    ledger = Ledger(router())
    ledger.apply([entry()])
    result = ledger.apply([entry(amount_fen=999)])
    assert [a.kind for a in result.alerts] == [AlertKind.KEY_CONFLICT]
    assert ledger.balance(BANK) == 100_000


def test_a_reversal_unbooks_and_alerts() -> None:
    """RULES a, check 6: a reversal (RvslInd) unbooks the deposit and alerts."""
    ledger = Ledger(router())
    ledger.apply([entry(**to_sub())])
    reversal = entry(
        bank_ref="B2", reversal=True, reversal_of="B0001", direction=Direction.DEBIT, end_to_end_id=None, **to_sub()
    )
    result = ledger.apply([reversal])
    assert [a.kind for a in result.alerts] == [AlertKind.REVERSAL]
    assert ledger.balance(BANK) == ledger.balance(SUB) == 0
    assert ledger.payments("lot-1", "b-1") == []


def test_a_reversal_before_its_original_nets_out_on_unmatched() -> None:
    ledger = Ledger(router())
    reversal = entry(bank_ref="B2", reversal=True, direction=Direction.DEBIT, **to_sub())
    first = ledger.apply([reversal])
    assert [a.kind for a in first.alerts] == [AlertKind.REVERSAL_WITHOUT_ORIGINAL]
    assert ledger.balance(UNMATCHED) == -100_000 and list(ledger.unmatched)  # waits for the officer
    second = ledger.apply([entry(**to_sub())])  # linked by EndToEndId + amount
    assert [a.kind for a in second.alerts] == [AlertKind.ORIGINAL_AFTER_REVERSAL]
    assert ledger.balances() == {} and not ledger.unmatched


def test_money_without_a_valid_suffix_is_unmatched_and_resolved_by_hand() -> None:
    ledger = Ledger(router())
    number = book().issue("lot-1", "b-1").number
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    cases = {
        "N": (None, UnmatchedReason.NO_SUFFIX),
        "T": (typo, UnmatchedReason.BAD_CHECK),
        "O": ("999" + number, UnmatchedReason.OTHER_ACCOUNT),
        "M": (COLLECTION + "12", UnmatchedReason.MALFORMED),
    }
    result = ledger.apply(
        [entry(bank_ref=ref, end_to_end_id=ref, addressed_account=acct) for ref, (acct, _) in cases.items()]
    )
    assert [item.reason for item in result.unmatched] == [reason for _, reason in cases.values()]
    assert ledger.balance(UNMATCHED) == 400_000
    key = result.unmatched[1].key
    assert ledger.resolve(key, SUB) and not ledger.resolve(key, SUB)  # once
    assert ledger.balance(SUB) == 100_000 and ledger.balance(UNMATCHED) == 300_000
    assert len(ledger.payments("lot-1", "b-1")) == 1


def test_a_credit_for_a_collection_account_without_a_book_is_unmatched() -> None:
    ledger = Ledger(router())
    result = ledger.apply([entry(account="999", **to_sub())])
    assert result.unmatched[0].reason is UnmatchedReason.NO_ROUTER


def test_refund_with_interest_paid_by_the_bank() -> None:
    """Refund decided (Dr sub-account principal, Dr interest / Cr refunds payable), then the bank's
    debit whose EndToEndId is the refund id clears refunds payable."""
    ledger = Ledger(router())
    ledger.apply([entry(**to_sub())])
    assert ledger.record_refund("RF-1", "lot-1", "b-1", 100_000, 58) and not ledger.record_refund(
        "RF-1", "lot-1", "b-1", 100_000, 58
    )
    assert ledger.balance(REFUNDS_PAYABLE) == 100_058 and ledger.balance(INTEREST_EXPENSE) == 58
    paid = entry(bank_ref="B9", end_to_end_id="RF-1", direction=Direction.DEBIT, amount_fen=100_058)
    assert not ledger.apply([paid]).unmatched
    assert ledger.balance(REFUNDS_PAYABLE) == 0 and ledger.balance(SUB) == 0
    assert ledger.balance(BANK) == -58  # the centre paid the interest out of its own money
    wrong = entry(bank_ref="B10", end_to_end_id="RF-1", direction=Direction.DEBIT, amount_fen=1)
    assert ledger.apply([wrong]).unmatched[0].reason is UnmatchedReason.REFUND_AMOUNT_DIFFERS
    stray = entry(bank_ref="B11", end_to_end_id="X", direction=Direction.DEBIT, amount_fen=1)
    assert ledger.apply([stray]).unmatched[0].reason is UnmatchedReason.UNKNOWN_DEBIT
    assert ledger.is_balanced()


def test_forfeit_and_opening_balance() -> None:
    ledger = Ledger(router())
    ledger.apply([entry(**to_sub())])
    assert ledger.forfeit("lot-1", "b-1", 100_000)
    assert ledger.balance(FORFEITS) == 100_000 and ledger.balance(SUB) == 0
    assert ledger.open_account(COLLECTION, 5_000, date(2024, 1, 1))
    assert not ledger.open_account(COLLECTION, 5_000, date(2024, 1, 1))
    assert ledger.balance(BANK) == 105_000 and ledger.is_balanced()


def test_sequence_gap_and_daily_balance_check() -> None:
    ledger = Ledger(router())
    one = statement([entry(statement_id="S1", sequence=1)])
    three = statement([entry(statement_id="S3", sequence=3, bank_ref="B3")], opening_fen=200_000)
    assert not ledger.apply_statement(one).alerts
    gap = ledger.apply_statement(three).alerts
    assert [(a.kind, a.data["missing"]) for a in gap] == [(AlertKind.SEQUENCE_GAP, [2])]
    check = ledger.check_closing(three)
    assert check is not None and not check.ok and (check.bank_fen, check.ledger_fen) == (300_000, 200_000)
    ledger.apply_statement(statement([entry(statement_id="S2", sequence=2, bank_ref="B2")], opening_fen=100_000))
    assert ledger.sequence_gaps(COLLECTION) == []
    check = ledger.check_closing(three)
    assert check is not None and check.ok
    assert ledger.sequence_gaps(COLLECTION, StatementKind.CAMT052) == []  # reports are another series
