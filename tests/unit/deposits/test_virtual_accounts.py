"""Virtual sub-account numbers: collection account + deterministic body + ISO 7064 MOD 97-10 check digits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidding.deposits.errors import VirtualAccountInvalid
from bidding.deposits.virtual_accounts import (
    SuffixProblem,
    VirtualAccountBook,
    check_digits,
    is_valid,
    make_virtual_account,
    read_virtual_account,
    suffix_body,
)
from tests.fixtures.deposits import COLLECTION


def test_the_check_digits_are_iso_7064_mod_97_10_as_in_ibans() -> None:
    # ISO 13616's example IBAN GB82 WEST 1234 5698 7654 32: the check digits 82 are MOD 97-10 over
    # the BBAN followed by the country code, exactly what check_digits computes over collection + body.
    assert check_digits("WEST12345698765432GB", "") == "82"
    body = "0123456789"
    check = check_digits(COLLECTION, body)
    assert int(COLLECTION + body + check) % 97 == 1  # the whole number is ≡ 1 (mod 97)
    assert is_valid(COLLECTION, body + check) and not is_valid(COLLECTION, body + f"{(int(check) + 1) % 100:02d}")


def test_a_number_is_deterministic_and_reads_back() -> None:
    account = make_virtual_account(COLLECTION, "lot-1", "b-1")
    assert account == make_virtual_account(COLLECTION, "lot-1", "b-1")
    assert account.number == COLLECTION + account.body + account.check and len(account.suffix) == 12
    assert account.body == suffix_body("lot-1", "b-1") != suffix_body("lot-1", "b-1", attempt=1)
    assert read_virtual_account(account.number, COLLECTION) == account
    assert read_virtual_account(account.number[:6] + " " + account.number[6:], COLLECTION) == account


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        (None, SuffixProblem.NO_SUFFIX),
        (COLLECTION, SuffixProblem.NO_SUFFIX),
        ("31050161393600001234" + "0" * 12, SuffixProblem.OTHER_ACCOUNT),
        (COLLECTION + "123", SuffixProblem.MALFORMED),
        (COLLECTION + "12345678901A", SuffixProblem.MALFORMED),
    ],
)
def test_what_is_wrong_with_a_number(number: str | None, problem: SuffixProblem) -> None:
    assert read_virtual_account(number, COLLECTION) is problem


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=8), st.text(min_size=1, max_size=8), st.integers(0, 11), st.integers(1, 9))
def test_every_single_wrong_digit_in_the_suffix_is_caught(lot: str, bidder: str, position: int, delta: int) -> None:
    number = make_virtual_account(COLLECTION, lot, bidder).number
    at = len(COLLECTION) + position
    typo = number[:at] + str((int(number[at]) + delta) % 10) + number[at + 1 :]
    assert read_virtual_account(typo, COLLECTION) is SuffixProblem.BAD_CHECK


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=8), st.integers(0, 10))
def test_every_swap_of_adjacent_different_digits_is_caught(lot: str, position: int) -> None:
    number = make_virtual_account(COLLECTION, lot, "b").number
    at = len(COLLECTION) + position
    if number[at] == number[at + 1]:
        return
    swapped = number[:at] + number[at + 1] + number[at] + number[at + 2 :]
    assert read_virtual_account(swapped, COLLECTION) is SuffixProblem.BAD_CHECK


def test_the_book_issues_once_per_pair_and_steps_over_collisions() -> None:
    book = VirtualAccountBook(COLLECTION, digits=4)  # 10,000 bodies: 300 pairs collide for sure
    issued = {(lot, bidder): book.issue(lot, bidder) for lot in map(str, range(30)) for bidder in map(str, range(10))}
    assert len({a.number for a in issued.values()}) == len(issued) == len(book) == 300
    assert any(a.body != suffix_body(lot, bidder, digits=4) for (lot, bidder), a in issued.items())
    assert book.issue("3", "7") is issued[("3", "7")]
    assert all(book.lookup(a.number) == pair for pair, a in issued.items())
    unused = next(
        make_virtual_account(COLLECTION, "x", "y", digits=4, attempt=n)
        for n in range(100)
        if make_virtual_account(COLLECTION, "x", "y", digits=4, attempt=n).body not in {a.body for a in issued.values()}
    )
    assert book.lookup(unused.number) is SuffixProblem.UNKNOWN


def test_bad_parameters() -> None:
    with pytest.raises(VirtualAccountInvalid):
        suffix_body("l", "b", digits=3)
    with pytest.raises(VirtualAccountInvalid):
        make_virtual_account("", "l", "b")
    with pytest.raises(VirtualAccountInvalid):
        check_digits("62é2", "1")
