"""The deposit book in the database against the pure ledger (issue 18, "done when"), on SQLite and
PostgreSQL: over random bank histories (camt.053 in two versions, the CSV export in UTF-8 and
GBK, camt.052 intraday reports) imported in any order, with duplicates, in part and again, the
book's balances equal the pure :class:`~bidding.deposits.ledger.Ledger`'s and the history's,
every posting balances (checked in SQL), and importing anything a second time changes nothing.
Then the same statement imported by two writers at once is booked once, and the finance
officer's resolution of an unmatched entry is the pure model's."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bidding.core.actor import Actor
from bidding.core.errors import Conflict
from bidding.deposits.book import (
    IntegrityProblems,
    balance_check,
    balances,
    book_statement,
    encode_key,
    integrity_problems,
    issue_virtual_account,
    lot_payments,
    lot_payments_by_bidder,
    resolve_entry,
)
from bidding.deposits.entries import Direction
from bidding.deposits.importer import import_file
from bidding.deposits.ledger import REFUNDS_PAYABLE, Account, Ledger, UnmatchedReason
from bidding.deposits.models import (
    BankEntry,
    DepositAlert,
    DepositVirtualAccount,
    LedgerPosting,
    QueueState,
    Resolution,
)
from bidding.deposits.statements import parse_statements
from bidding.deposits.statements.camt_writer import write_camt
from bidding.deposits.virtual_accounts import read_virtual_account
from tests.conftest import create_pg_database, drop_pg_database
from tests.fixtures.deposit_book import BookDb, clear_book, open_book_db, seed_lots, unbalanced_postings
from tests.fixtures.deposits import COLLECTION, History, book, entry, history, render, router, statement

NOW = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
ACTOR = Actor("test:deposit-book")
SETTINGS = settings(max_examples=25, deadline=None)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def book_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BookDb]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('book') / 'book.db'}"
    else:
        request.getfixturevalue("services_up")
        url = await create_pg_database()
    try:
        async with open_book_db(url) as db:
            yield db
    finally:
        if request.param == "postgresql":
            await drop_pg_database(url)


async def book_files(db: BookDb, files: list[tuple[str, bytes]], *, sha: str | None = None) -> list[str]:
    """Book every statement of ``files`` straight through the book (a transaction each); the
    alerts' kinds. ``sha`` stands in for the files' digest (another value: not the same file)."""
    alerts: list[str] = []
    for name, data in files:
        for current in parse_statements(data, name):
            async with db.sessions() as session, session.begin():
                booked = await book_statement(
                    session,
                    current,
                    source_sha256=sha or hashlib.sha256(data).hexdigest(),
                    actor=ACTOR.id,
                    now=NOW,
                    collections=db.collections,
                )
            alerts += [alert.kind.value for alert in booked.alerts]
    return alerts


def apply_pure(ledger: Ledger, files: list[tuple[str, bytes]]) -> list[str]:
    alerts: list[str] = []
    for name, data in files:
        for current in parse_statements(data, name):
            alerts += [alert.kind.value for alert in ledger.apply_statement(current).alerts]
    return alerts


async def snapshot(db: BookDb) -> tuple[Any, ...]:
    async with db.sessions() as session:
        keys = sorted((await session.scalars(select(LedgerPosting.key))).all())
        entries = await session.scalar(select(func.count()).select_from(BankEntry))
        queue = sorted(
            (await session.scalars(select(BankEntry.booking_key).where(BankEntry.queue_state == QueueState.OPEN))).all()
        )
        alerts = await session.scalar(select(func.count()).select_from(DepositAlert))
        return db.named(await balances(session)), keys, entries, queue, alerts


async def check_book(db: BookDb, ledger: Ledger, h: History | None = None) -> None:
    """The book equals the pure ledger: balances, postings, the unmatched queue; every posting
    balances in SQL; the daily check holds for every account whose statements were all imported."""
    async with db.sessions() as session:
        assert await unbalanced_postings(session) == []
        assert await integrity_problems(session) == IntegrityProblems(0, 0, 0, 0)
        named = db.named(await balances(session))
        assert named == ledger.balances()
        keys = set((await session.scalars(select(LedgerPosting.key))).all())
        assert keys == {encode_key(p.key) for p in ledger.postings}
        queue = set(
            (await session.scalars(select(BankEntry.booking_key).where(BankEntry.queue_state == QueueState.OPEN))).all()
        )
        assert queue == {encode_key(k) for k in ledger.unmatched}
        if h is not None:
            assert named == h.expected
            for account in {s.account for s in h.statements}:
                check = await balance_check(session, account)
                assert check is not None and check.ok, check


@SETTINGS
@given(h=history(), data=st.data())
async def test_any_order_with_duplicates_books_what_the_pure_ledger_books(
    book_db: BookDb, h: History, data: st.DataObject
) -> None:
    await clear_book(book_db)
    files = render(h)
    again = data.draw(st.lists(st.sampled_from(files), max_size=4)) if files else []
    plan = data.draw(st.permutations(files + again))
    ledger = Ledger(router())
    pure_alerts = apply_pure(ledger, plan)
    alerts = await book_files(book_db, plan)
    assert sorted(alerts) == sorted(pure_alerts)
    await check_book(book_db, ledger, h)


@SETTINGS
@given(h=history(), data=st.data())
async def test_importing_any_subset_twice_changes_nothing(book_db: BookDb, h: History, data: st.DataObject) -> None:
    await clear_book(book_db)
    files = render(h)
    first = data.draw(st.lists(st.sampled_from(files), unique_by=id)) if files else []
    ledger = Ledger(router())
    apply_pure(ledger, first)
    await book_files(book_db, first)
    await check_book(book_db, ledger)
    before = await snapshot(book_db)
    second = data.draw(st.lists(st.sampled_from(first), unique_by=id)) if first else []
    second = data.draw(st.permutations(second))
    # The same files (answered from the statements' record), and the same statements as if sent
    # again in other files (every line read and found booked).
    await book_files(book_db, second)
    await book_files(book_db, second, sha="0" * 64)
    assert await snapshot(book_db) == before
    apply_pure(ledger, files)
    await book_files(book_db, files)
    await check_book(book_db, ledger, h)


async def test_the_same_statement_by_two_writers_at_once_is_booked_once(book_db: BookDb) -> None:
    await clear_book(book_db)
    numbers = book(COLLECTION)
    lines = [
        entry(
            index=n,
            bank_ref=f"C{n:04d}",
            end_to_end_id=f"E{n:04d}",
            amount_fen=1_000 + n,
            addressed_account=numbers.issue("lot-1", "b-2").number if n % 2 else None,
        )
        for n in range(1, 201)
    ]
    data = write_camt([statement(lines)], version="001.08")

    async def one(tag: str) -> int:
        view = await import_file(
            book_db.sessions, ACTOR, data, "camt.053", collections=book_db.collections, now=NOW, source_name=tag
        )
        return view.booked

    booked = await asyncio.gather(one("a"), one("b"), one("c"))
    assert sorted(booked) == [0, 0, 200]
    ledger = Ledger(router())
    apply_pure(ledger, [("camt.053", data)])
    await check_book(book_db, ledger)
    # The same lines in another file (another digest): every one a duplicate, nothing written.
    before = await snapshot(book_db)
    results = await asyncio.gather(*(book_files(book_db, [("camt.053", data)], sha=str(n) * 64) for n in range(3)))
    assert results == [[], [], []]
    assert await snapshot(book_db) == before


async def test_resolving_an_unmatched_entry_by_hand(book_db: BookDb) -> None:
    await clear_book(book_db)
    numbers = book(COLLECTION)
    wrong = numbers.issue("lot-2", "b-1").number[:-1] + "0"  # a typing error in the check digits
    lines = [
        entry(index=1, bank_ref="U1", end_to_end_id="E-U1", amount_fen=50_000, addressed_account=wrong),
        entry(index=2, bank_ref="U2", end_to_end_id="E-U2", amount_fen=70_000, addressed_account=None),
        entry(
            index=3,
            bank_ref="P3",
            end_to_end_id="E-P3",
            amount_fen=80_000,
            addressed_account=numbers.issue("lot-2", "b-3").number,
        ),
    ]
    data = write_camt([statement(lines)], version="001.08")
    view = await import_file(book_db.sessions, ACTOR, data, None, collections=book_db.collections, now=NOW)
    assert (view.booked, view.unmatched, view.format) == (3, 2, "camt.053")
    ledger = Ledger(router())
    apply_pure(ledger, [("camt.053", data)])
    await check_book(book_db, ledger)
    assert {item.reason for item in ledger.unmatched.values()} == {
        UnmatchedReason.BAD_CHECK,
        UnmatchedReason.NO_SUFFIX,
    }
    async with book_db.sessions() as session:
        rows = {r.bank_ref: r for r in await session.scalars(select(BankEntry))}
        lot2 = book_db.lots["lot-2"]
        assert [p.amount_fen for p in await lot_payments(session, lot2)] == [80_000]

    # Assign U1 to (lot-2, b-1); mark U2 for return.
    async with book_db.sessions() as session, session.begin():
        await resolve_entry(
            session,
            rows["U1"].id,
            to=book_db.sub("lot-2", "b-1"),
            resolution=Resolution.ASSIGNED,
            reason="付款人电话确认：子账号末位输错",
            actor="test:finance",
            now=NOW,
        )
        returned = await resolve_entry(
            session,
            rows["U2"].id,
            to=REFUNDS_PAYABLE,
            resolution=Resolution.RETURN,
            reason="无法识别付款用途，原路退回",
            actor="test:finance",
            now=NOW,
        )
        refund_id = returned.return_refund_id
    ledger.resolve(ledger_key(ledger, "U1"), Account.sub("lot-2", "b-1"))
    ledger.resolve(ledger_key(ledger, "U2"), REFUNDS_PAYABLE)
    await check_book(book_db, ledger)
    async with book_db.sessions() as session:
        by_bidder = await lot_payments_by_bidder(session, book_db.lots["lot-2"])
        assert {k: [p.amount_fen for p in v] for k, v in by_bidder.items()} == {
            book_db.bidders["b-1"]: [50_000],
            book_db.bidders["b-3"]: [80_000],
        }
    with pytest.raises(Conflict):
        async with book_db.sessions() as session, session.begin():
            await resolve_entry(
                session,
                rows["U1"].id,
                to=book_db.sub("lot-1", "b-1"),
                resolution=Resolution.ASSIGNED,
                reason="again",
                actor="test:finance",
                now=NOW,
            )
    # The bank pays the return: its debit names the refund id and books against refunds payable.
    assert refund_id is not None
    payout = entry(
        statement_id="S2",
        sequence=2,
        index=1,
        bank_ref="R1",
        end_to_end_id=refund_id,
        amount_fen=70_000,
        direction=Direction.DEBIT,
    )
    data2 = write_camt([statement([payout], opening_fen=200_000)], version="001.08")
    ledger.state.refunds[refund_id] = 70_000
    apply_pure(ledger, [("camt.053", data2)])
    await import_file(book_db.sessions, ACTOR, data2, None, collections=book_db.collections, now=NOW)
    await check_book(book_db, ledger)
    assert ledger.balance(REFUNDS_PAYABLE) == 0


def ledger_key(ledger: Ledger, bank_ref: str) -> tuple[object, ...]:
    return next(k for k, item in ledger.unmatched.items() if item.entry.bank_ref == bank_ref)


async def test_virtual_accounts_are_issued_once_per_lot_and_bidder(book_db: BookDb) -> None:
    async with book_db.sessions() as session, session.begin():
        (lot,), bidders = await seed_lots(session, 1, 3)
    collection = "6222020200099999999"

    async def issue(org: uuid.UUID) -> str:
        async with book_db.sessions() as session, session.begin():
            row = await issue_virtual_account(session, lot, org, collection, now=NOW)
            return row.number

    numbers = await asyncio.gather(*(issue(bidders[n % 3]) for n in range(9)))
    assert len(set(numbers)) == 3
    for number in numbers:
        read = read_virtual_account(number, collection)
        assert not isinstance(read, str) and read.collection == collection
    async with book_db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(DepositVirtualAccount).where(DepositVirtualAccount.lot_id == lot)
        )
    assert count == 3
