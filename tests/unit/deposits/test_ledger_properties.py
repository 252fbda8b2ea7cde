"""Issue 18, "done when": over random bank histories (camt.053 in two versions, the CSV export in
UTF-8 and GBK, camt.052 intraday reports) imported with duplicates, in any order, in part and
again: every posting balances, the collection balance equals the bank's closing balance, every
account ends where the history says, and importing anything a second time changes nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bidding.deposits.entries import StatementKind
from bidding.deposits.ledger import Account, AlertKind, Ledger
from bidding.deposits.statements import parse_statement
from tests.fixtures.deposits import History, history, render, router

SETTINGS = settings(max_examples=50, deadline=None)


def apply_files(ledger: Ledger, files: list[tuple[str, bytes]]) -> list[AlertKind]:
    alerts = []
    for name, data in files:
        result = ledger.apply_statement(parse_statement(data, name))
        alerts += [alert.kind for alert in result.alerts]
    return alerts


def snapshot(ledger: Ledger) -> tuple[object, ...]:
    return (
        ledger.balances(),
        sorted(repr(p.key) for p in ledger.postings),
        sorted(repr(k) for k in ledger.unmatched),
    )


def check_invariants(ledger: Ledger) -> None:
    assert ledger.is_balanced()
    for posting in ledger.postings:
        assert sum(leg.fen for leg in posting.legs) == 0
        assert all(leg.fen != 0 for leg in posting.legs)


@SETTINGS
@given(history(), st.data())
def test_any_order_with_duplicates_ends_at_the_banks_closing_balance(h: History, data: st.DataObject) -> None:
    files = render(h)
    again = data.draw(st.lists(st.sampled_from(files), max_size=4)) if files else []
    plan = data.draw(st.permutations(files + again))
    ledger = Ledger(router())
    apply_files(ledger, plan)
    check_invariants(ledger)
    for account in {s.account for s in h.statements}:
        assert ledger.balance(Account.collection(account)) == h.closing(account)
        assert ledger.sequence_gaps(account, StatementKind.CAMT053) == []
    assert ledger.balances() == h.expected


@SETTINGS
@given(history(), st.data())
def test_importing_any_subset_twice_changes_nothing(h: History, data: st.DataObject) -> None:
    files = render(h)
    first = data.draw(st.lists(st.sampled_from(files), unique_by=id)) if files else []
    ledger = Ledger(router())
    apply_files(ledger, first)
    check_invariants(ledger)
    before = snapshot(ledger)
    second = data.draw(st.lists(st.sampled_from(first), unique_by=id)) if first else []
    apply_files(ledger, data.draw(st.permutations(second)))
    assert snapshot(ledger) == before
    # and the rest, afterwards, ends where importing everything at once ends
    apply_files(ledger, files)
    check_invariants(ledger)
    assert ledger.balances() == h.expected


@SETTINGS
@given(history(), st.data())
def test_order_of_import_does_not_change_final_balances(h: History, data: st.DataObject) -> None:
    files = render(h)
    one, two = Ledger(router()), Ledger(router())
    apply_files(one, data.draw(st.permutations(files)))
    apply_files(two, data.draw(st.permutations(files)))
    assert one.balances() == two.balances() == h.expected
    assert sorted(repr(p.key) for p in one.postings) == sorted(repr(p.key) for p in two.postings)
    assert one.unmatched.keys() == two.unmatched.keys()


@SETTINGS
@given(history(max_statements=5), st.data())
def test_a_missing_statement_is_an_alert(h: History, data: st.DataObject) -> None:
    numbered = [s for s in h.statements if s.sequence is not None]
    by_account = {a: [s for s in numbered if s.account == a] for a in {s.account for s in numbered}}
    account, chain = max(by_account.items(), key=lambda item: len(item[1]))
    if len(chain) < 3:
        return
    missing = data.draw(st.sampled_from(chain[1:-1]))
    ledger = Ledger(router())
    alerts = []
    for current in chain:
        if current is not missing:
            alerts += ledger.apply_statement(current).alerts
    gaps = [a for a in alerts if a.kind is AlertKind.SEQUENCE_GAP]
    assert [a.data["missing"] for a in gaps] == [[missing.sequence]]
    assert ledger.sequence_gaps(account) == [missing.sequence]
    ledger.apply_statement(missing)
    assert ledger.sequence_gaps(account) == []
