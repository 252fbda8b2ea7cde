"""The deposit book in the database: the pure ledger's decisions, applied to the tables of
:mod:`bidding.deposits.models` (``docs/deposits.md``, "The book").

:func:`book_statement` books one statement inside the caller's transaction:

1. it takes the collection account's lock (``deposit_books``: an upsert of its row, which on
   PostgreSQL locks the row and on SQLite takes the database's write lock), so imports into one
   account run one after another and what it reads next is current;
2. a statement already imported whole from the same file (same account, kind, id and SHA-256) is
   answered at once: every booked line a duplicate;
3. it loads the part of the book the statement can touch into a
   :class:`~bidding.deposits.ledger.MemoryState` — the booking keys of its lines, the live
   originals and orphan reversals under their links, the refunds its debits name — and the
   virtual sub-accounts its credits address;
4. it runs :func:`bidding.deposits.ledger.decide` on every line, the very decision the pure
   :class:`~bidding.deposits.ledger.Ledger` takes;
5. it writes what was booked in a few batched statements: the entries (their ``booking_key`` is
   UNIQUE), their postings and legs, the pairing of reversals and originals, alerts.

Exactly once: an entry's key and its posting are written in one transaction, under the account's
lock; a key booked by anyone before makes the line a duplicate; were two writers ever to race past
the lock, the UNIQUE key refuses the second transaction whole (the importer runs it again and
finds every line a duplicate).

Reading a lot's payments (:func:`lot_payments`) is for the platform's own use — deposit statuses
at the opening, collusion signals — never for listing payers to a person before the lot's bids
are extracted (办法 21): the finance service seals them (:mod:`bidding.deposits.service`).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Text,
    any_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.errors import Conflict, NotFound
from bidding.deposits.entries import (
    BookingKey,
    Direction,
    Entry,
    EntryStatus,
    Statement,
    StatementKind,
    normalise_account,
)
from bidding.deposits.ledger import (
    UNMATCHED,
    Account,
    AccountKind,
    Alert,
    AlertKind,
    ApplyResult,
    BalanceCheck,
    Booked,
    Booking,
    Index,
    Link,
    MemoryState,
    Outcome,
    Posting,
    Route,
    UnmatchedReason,
    decide,
    is_intraday,
    resolution_posting,
    reversal_links,
    sequence_gap,
)
from bidding.deposits.matching import Payment
from bidding.deposits.models import (
    BankEntry,
    BankStatement,
    DepositAlert,
    DepositBook,
    DepositVirtualAccount,
    LedgerLeg,
    LedgerPosting,
    PostingKind,
    QueueState,
    Resolution,
)
from bidding.deposits.refund_models import DepositRefund, RefundItem
from bidding.deposits.virtual_accounts import SuffixProblem, VirtualAccount, make_virtual_account, read_virtual_account

__all__ = [
    "BookedStatement",
    "IntegrityProblems",
    "NotInQueue",
    "account_of",
    "balance_check",
    "balances",
    "book_statement",
    "decode_key",
    "encode_key",
    "integrity_problems",
    "issue_virtual_account",
    "lock_book",
    "lot_payments",
    "lot_payments_by_bidder",
    "resolve_entry",
]

ENTRIES: Final = cast(Table, BankEntry.__table__)
POSTINGS: Final = cast(Table, LedgerPosting.__table__)
LEGS: Final = cast(Table, LedgerLeg.__table__)
ALERTS: Final = cast(Table, DepositAlert.__table__)

#: Values per ``IN (…)`` list: far below SQLite's and asyncpg's limits on bound parameters.
CHUNK: Final = 500


def encode_key(key: tuple[object, ...]) -> str:
    """A booking or posting key as canonical JSON (dates as ISO 8601): the UNIQUE column's value."""
    return json.dumps(
        [part.isoformat() if isinstance(part, date) else part for part in key],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_key(text: str) -> BookingKey:
    """The booking key :func:`encode_key` wrote (the fallback key's value date back to a date)."""
    parts = json.loads(text)
    if parts and parts[0] == "e2e" and len(parts) == 6:
        parts[4] = date.fromisoformat(parts[4])
    return tuple(parts)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(dict.fromkeys(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _one_of(session: AsyncSession, column: Any, values: list[str]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter however many
    values (planned in a fraction of the time of a list of hundreds of parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(ColumnElement[bool], column == any_(bindparam(None, values, type_=postgresql.ARRAY(Text()))))
    return cast(ColumnElement[bool], column.in_(values))


# --- accounts as columns -------------------------------------------------------------------------


def account_of(kind: AccountKind, bank: str | None, lot_id: uuid.UUID | None, org_id: uuid.UUID | None) -> Account:
    """The pure model's account for a leg's (or an entry's counter) columns."""
    if kind is AccountKind.COLLECTION:
        return Account.collection(bank or "")
    if kind is AccountKind.SUB_ACCOUNT:
        return Account.sub(str(lot_id), str(org_id))
    return Account(kind)


# --- the lock ------------------------------------------------------------------------------------


async def lock_book(session: AsyncSession, account: str, now: datetime) -> None:
    """Take the collection account's lock until the end of the transaction (see the module docstring).

    An upsert of its ``deposit_books`` row: PostgreSQL locks the row it inserts or updates until
    the commit (a second importer waits on it); on SQLite the write takes the database's write lock,
    held to the commit, so every read after it sees the latest data.
    """
    dialect = session.get_bind().dialect.name
    values = {"account": account, "opened_at": now, "touched_at": now}
    if dialect == "postgresql":
        # The book's look-ups are prepared statements whose tables grow by a thousand rows a
        # statement: a generic plan made while a table was small (a sequential scan) would stay.
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        pg = postgresql.insert(DepositBook).values(values)
        await session.execute(pg.on_conflict_do_update(index_elements=["account"], set_={"touched_at": now}))
    else:
        lite = sqlite.insert(DepositBook).values(values)
        await session.execute(lite.on_conflict_do_update(index_elements=["account"], set_={"touched_at": now}))


# --- booking a statement ------------------------------------------------------------------------


@dataclass
class BookedStatement:
    """What :func:`book_statement` did with one statement."""

    statement_row_id: int
    result: ApplyResult = field(default_factory=ApplyResult)
    #: Imported whole from the same file before: nothing was read or written but the lock.
    already: bool = False
    #: Alerts written (the statement's sequence gap among them).
    alerts: list[Alert] = field(default_factory=list)


def _fingerprint(row: Any) -> tuple[int, Direction, str]:
    return (row.amount_fen, Direction(row.direction), row.currency)


def _row_links(row: BankEntry) -> tuple[Link, ...]:
    """The links a stored entry is found by, exactly as :func:`~bidding.deposits.ledger.original_links`
    and :func:`~bidding.deposits.ledger.reversal_links` give them for the entry it was read from."""
    if row.reversal:
        references: tuple[str | None, ...] = (row.reversal_of, row.bank_ref)
        direction = Direction.DEBIT if row.direction is Direction.CREDIT else Direction.CREDIT
    else:
        references, direction = (row.bank_ref,), row.direction
    links: list[Link] = [("ref", row.account, ref, None, None) for ref in dict.fromkeys(references) if ref]
    if row.end_to_end_id:
        links.append(("e2e", row.account, row.end_to_end_id, row.amount_fen, direction))
    return tuple(links)


def _counter(row: BankEntry) -> Account:
    assert row.counter_kind is not None
    return account_of(row.counter_kind, row.account, row.lot_id, row.organization_id)


async def _load_state(
    session: AsyncSession, statement: Statement, entries: Sequence[Entry], keys: dict[BookingKey, str]
) -> tuple[MemoryState, dict[BookingKey, int]]:
    """The part of the book ``entries`` can touch, as a :class:`MemoryState`; and the row id of
    every loaded original and orphan by its key."""
    state = MemoryState()
    by_text = {text: key for key, text in keys.items()}
    for chunk in _chunks(keys.values()):
        found = await session.execute(
            select(BankEntry.booking_key, BankEntry.amount_fen, BankEntry.direction, BankEntry.currency).where(
                _one_of(session, BankEntry.booking_key, chunk)
            )
        )
        for seen in found:
            state.remember(by_text[seen.booking_key], _fingerprint(seen))
    account = statement.account
    rows: dict[int, BankEntry] = {}
    # Live originals a reversal of this statement may undo.
    reversals = [e for e in entries if e.reversal and e.amount_fen]
    refs = {link[2] for e in reversals for link in reversal_links(e) if link[0] == "ref"}
    e2es = {e.end_to_end_id for e in reversals if e.end_to_end_id}
    live_originals = (
        BankEntry.account == account,
        BankEntry.reversal.is_(False),
        BankEntry.consumed_by_id.is_(None),
        BankEntry.counter_kind.is_not(None),
    )
    for chunk in _chunks(refs):
        rows.update(
            (r.id, r)
            for r in await session.scalars(
                select(BankEntry).where(*live_originals, _one_of(session, BankEntry.bank_ref, chunk))
            )
        )
    for chunk in _chunks(e2es):
        rows.update(
            (r.id, r)
            for r in await session.scalars(
                select(BankEntry).where(*live_originals, _one_of(session, BankEntry.end_to_end_id, chunk))
            )
        )
    # Orphan reversals an original of this statement nets out.
    originals = [e for e in entries if not e.reversal and e.amount_fen]
    refs = {e.bank_ref for e in originals if e.bank_ref}
    e2es = {e.end_to_end_id for e in originals if e.end_to_end_id}
    live_orphans = (
        # an orphan waits in the queue or was resolved by hand; once netted out it is cleared
        BankEntry.queue_state.in_((QueueState.OPEN, QueueState.RESOLVED)),
        BankEntry.unmatched_reason == UnmatchedReason.REVERSAL_WITHOUT_ORIGINAL,
        BankEntry.account == account,
        BankEntry.reversal.is_(True),
        BankEntry.consumed_by_id.is_(None),
    )
    if refs or e2es:
        # Orphans are few (a reversal whose original never came); find them first, then match.
        orphans = (await session.scalars(select(BankEntry).where(*live_orphans))).all()
        for row in orphans:
            if row.bank_ref in refs or row.reversal_of in refs or row.end_to_end_id in e2es:
                rows[row.id] = row
    row_ids: dict[BookingKey, int] = {}
    for row in sorted(rows.values(), key=lambda r: r.id):
        key = decode_key(row.booking_key)
        row_ids[key] = row.id
        index = Index.ORPHANS if row.reversal else Index.ORIGINALS
        state.add(index, Booked(key, _counter(row), _row_links(row), row.id))
    # Refunds the statement's debits may pay (entries marked for return by the finance officer).
    e2es = {e.end_to_end_id for e in entries if e.direction is Direction.DEBIT and e.end_to_end_id}
    for chunk in _chunks(e2es):
        found = await session.execute(
            select(BankEntry.return_refund_id, BankEntry.amount_fen).where(
                _one_of(session, BankEntry.return_refund_id, chunk)
            )
        )
        for refund in found:
            state.refunds[refund.return_refund_id] = refund.amount_fen
        # Deposit refunds (bidding.deposits.refunds) whose debit is not booked yet: a second debit
        # of the same refund is no refund the book knows (unmatched).
        paid = select(BankEntry.id).where(
            BankEntry.end_to_end_id == DepositRefund.id,
            BankEntry.direction == Direction.DEBIT,
            BankEntry.counter_kind == AccountKind.REFUNDS_PAYABLE,
            BankEntry.reversal.is_(False),
            BankEntry.consumed_by_id.is_(None),
        )
        found = await session.execute(
            select(DepositRefund.id, DepositRefund.amount_fen).where(DepositRefund.id.in_(chunk), ~paid.exists())
        )
        for refund in found:
            state.refunds[refund.id] = refund.amount_fen
    return state, row_ids


#: Issued numbers → their sub-account, per database: a number, once issued, names its (lot, bidder)
#: for ever (``deposit_virtual_accounts`` rows are never changed or removed), so what was read once
#: is read from here; a number not found is asked again next time (it may be issued meanwhile).
_ISSUED: dict[tuple[str, str], Account] = {}
ISSUED_CACHE: Final = 500_000


async def _router(
    session: AsyncSession, statement: Statement, entries: Sequence[Entry], collections: frozenset[str]
) -> dict[str, Route]:
    """Where each credit's money goes, by the number the payer addressed: the sub-account issued
    under that number, or unmatched with the reason (``virtual_accounts.read_virtual_account``)."""
    routes: dict[str, Route] = {}
    if statement.account not in collections:
        return routes
    database = str(session.get_bind().engine.url)
    wanted: dict[str, str] = {}
    for entry in entries:
        addressed = entry.addressed_account or ""
        if entry.direction is not Direction.CREDIT or addressed in routes or addressed in wanted:
            continue
        read = read_virtual_account(addressed, statement.account)
        if isinstance(read, SuffixProblem):
            routes[addressed] = Route(UNMATCHED, UnmatchedReason(read.value))
        elif (known := _ISSUED.get((database, read.number))) is not None:
            routes[addressed] = Route(known)
        else:
            wanted[addressed] = read.number
    if len(_ISSUED) > ISSUED_CACHE:
        _ISSUED.clear()
    for chunk in _chunks(wanted.values()):
        found = await session.execute(
            select(
                DepositVirtualAccount.number, DepositVirtualAccount.lot_id, DepositVirtualAccount.organization_id
            ).where(_one_of(session, DepositVirtualAccount.number, chunk))
        )
        issued = {number: Account.sub(str(lot), str(org)) for number, lot, org in found}
        _ISSUED.update(((database, number), account) for number, account in issued.items())
        for addressed, number in wanted.items():
            if number in issued:
                routes[addressed] = Route(issued[number])
    for addressed in wanted:
        routes.setdefault(addressed, Route(UNMATCHED, UnmatchedReason.UNKNOWN_SUB_ACCOUNT))
    return routes


async def _sequence_gap(session: AsyncSession, statement: Statement) -> list[int]:
    if statement.sequence is None:
        return []
    series = (
        BankStatement.kind == StatementKind.CAMT052
        if is_intraday(statement.kind)
        else BankStatement.kind != StatementKind.CAMT052
    )
    where = (BankStatement.account == statement.account, series, BankStatement.sequence.is_not(None))
    low, high = (
        await session.execute(select(func.min(BankStatement.sequence), func.max(BankStatement.sequence)).where(*where))
    ).one()
    present = await session.scalar(
        select(literal(1)).where(*where, BankStatement.sequence == statement.sequence).limit(1)
    )
    return sequence_gap(low, high, present is not None, statement.sequence)


async def book_statement(
    session: AsyncSession,
    statement: Statement,
    *,
    source_sha256: str,
    actor: str,
    now: datetime,
    collections: Iterable[str] = (),
    source_name: str | None = None,
) -> BookedStatement:
    """Book ``statement`` in the caller's transaction (see the module docstring); ``collections``
    are the collection accounts whose credits are routed by virtual sub-account."""
    await lock_book(session, statement.account, now)
    existing = await session.scalar(
        select(BankStatement).where(
            BankStatement.account == statement.account,
            BankStatement.kind == statement.kind,
            BankStatement.statement_id == statement.statement_id,
        )
    )
    if existing is not None and existing.source_sha256 == source_sha256:
        result = ApplyResult()
        booked = len(statement.booked())
        result.duplicates, result.not_booked = booked, len(statement.entries) - booked
        return BookedStatement(existing.id, result, already=True)
    alerts: list[Alert] = []
    gap = await _sequence_gap(session, statement)
    if gap:
        alerts.append(Alert(AlertKind.SEQUENCE_GAP, statement.account, statement.statement_id, data={"missing": gap}))
    if existing is None:
        existing = BankStatement(
            account=statement.account,
            kind=statement.kind,
            statement_id=statement.statement_id,
            sequence=statement.sequence,
            currency=statement.currency,
            opening_fen=statement.opening_fen,
            closing_fen=statement.closing_fen,
            created_at=statement.created_at,
            entries=len(statement.entries),
            source_sha256=source_sha256,
            source_name=source_name,
            imported_at=now,
            imported_by=actor,
        )
        session.add(existing)
        await session.flush()
    statement_row_id = existing.id

    entries = statement.booked()
    keys = {key: encode_key(key) for key in dict.fromkeys(entry.booking_key() for entry in entries)}
    state, row_ids = await _load_state(session, statement, entries, keys)
    routes = await _router(session, statement, entries, frozenset(collections))

    def route(entry: Entry) -> Route:
        return routes.get(entry.addressed_account or "", Route(UNMATCHED, UnmatchedReason.NO_ROUTER))

    result = ApplyResult()
    bookings: list[Booking] = []
    for entry in statement.entries:
        booking = decide(entry, state, route)
        result.count(booking)
        if booking.outcome is Outcome.BOOKED:
            bookings.append(booking)
    await _write(session, statement_row_id, bookings, keys, row_ids, actor=actor, now=now)
    alerts += result.alerts
    await _write_alerts(session, statement_row_id, alerts, now)
    return BookedStatement(statement_row_id, result, alerts=alerts)


#: ``bank_entries`` columns in the order :func:`_entry_row` gives them.
ENTRY_COLUMNS: Final = (
    "id",
    "booking_key",
    "statement_row_id",
    "account",
    "statement_id",
    "sequence",
    "index",
    "amount_fen",
    "currency",
    "direction",
    "reversal",
    "booking_date",
    "value_date",
    "booked_at",
    "bank_ref",
    "end_to_end_id",
    "reversal_of",
    "counterparty_name",
    "counterparty_account",
    "addressed_account",
    "remittance",
    "counter_kind",
    "lot_id",
    "organization_id",
    "consumed_by_id",
    "unmatched_reason",
    "queue_state",
    "resolution",
    "resolution_reason",
    "resolved_by",
    "resolved_at",
    "return_refund_id",
    "imported_at",
)
POSTING_COLUMNS: Final = ("id", "key", "kind", "entry_id", "reason", "actor", "created_at")
LEG_COLUMNS: Final = ("posting_id", "account_kind", "bank_account", "lot_id", "organization_id", "amount_fen")


class _Uuids(dict[str, uuid.UUID]):
    """str → UUID, each parsed once (a statement names the same lots and bidders many times)."""

    def __missing__(self, key: str) -> uuid.UUID:
        value = self[key] = uuid.UUID(key)
        return value


def _entry_row(
    entry_id: int, statement_row_id: int, booking: Booking, key: str, uuids: _Uuids, now: datetime
) -> tuple[Any, ...]:
    entry, counter = booking.entry, booking.counter
    lot = org = None
    if counter is not None and counter.kind is AccountKind.SUB_ACCOUNT:
        lot, org = uuids[counter.lot], uuids[counter.bidder]
    return (
        entry_id,
        key,
        statement_row_id,
        entry.account,
        entry.statement_id,
        entry.sequence,
        entry.index,
        entry.amount_fen,
        entry.currency,
        entry.direction,
        entry.reversal,
        entry.booking_date,
        entry.value_date,
        entry.booked_at,
        entry.bank_ref,
        entry.end_to_end_id,
        entry.reversal_of,
        entry.counterparty_name,
        entry.counterparty_account,
        entry.addressed_account,
        entry.remittance,
        counter.kind if counter is not None else None,
        lot,
        org,
        None,
        booking.reason,
        QueueState.OPEN if booking.reason is not None else None,
        None,
        None,
        None,
        None,
        None,
        now,
    )


def _leg_rows(posting_id: int, posting: Posting, uuids: _Uuids) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for account, fen in posting.legs:
        kind = account.kind
        if kind is AccountKind.SUB_ACCOUNT:
            rows.append((posting_id, kind, None, uuids[account.lot], uuids[account.bidder], fen))
        elif kind is AccountKind.COLLECTION:
            rows.append((posting_id, kind, account.bank, None, None, fen))
        else:
            rows.append((posting_id, kind, None, None, None, fen))
    return rows


async def _allocate_ids(session: AsyncSession, table: Table, count: int) -> list[int]:
    """``count`` new ids of ``table``, so that rows can be inserted in one batch and referred to.

    PostgreSQL draws them from the column's sequence. SQLite numbers on from the highest id: the
    caller holds the database's write lock (:func:`lock_book`), so nobody else inserts meanwhile.
    (A batched ``INSERT … RETURNING`` in parameter order would run row by row on SQLite.)
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        found = await session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count},
        )
        return [row[0] for row in found]
    highest = int(await session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(highest + 1, highest + 1 + count))


async def _insert_many(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values of ``columns``, in order) in one batch: PostgreSQL's binary ``COPY``
    on the session's own connection, in its transaction; elsewhere an ``executemany``.

    ``COPY`` skips SQLAlchemy's type processing, so the rows hold what the driver takes as is:
    timezone-aware datetimes, UUIDs, dates, enum members (strings); constraints, foreign keys and
    unique keys are checked by the database all the same.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
        return
    await session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


async def _write_postings(
    session: AsyncSession,
    postings: Sequence[tuple[Posting, PostingKind, int | None, str | None, str]],
    *,
    actor: str,
    now: datetime,
    uuids: _Uuids | None = None,
) -> None:
    """Insert postings (posting, kind, entry id, reason, encoded key) and their legs; every
    posting balances by construction (:class:`~bidding.deposits.ledger.Posting`)."""
    if not postings:
        return
    uuids = uuids if uuids is not None else _Uuids()
    ids = await _allocate_ids(session, POSTINGS, len(postings))
    await _insert_many(
        session,
        POSTINGS,
        POSTING_COLUMNS,
        [
            (posting_id, key, kind, entry_id, reason, actor, now)
            for posting_id, (_, kind, entry_id, reason, key) in zip(ids, postings, strict=True)
        ],
    )
    legs = [row for posting_id, (p, *_) in zip(ids, postings, strict=True) for row in _leg_rows(posting_id, p, uuids)]
    await _insert_many(session, LEGS, LEG_COLUMNS, legs)


async def _write(
    session: AsyncSession,
    statement_row_id: int,
    bookings: list[Booking],
    keys: dict[BookingKey, str],
    row_ids: dict[BookingKey, int],
    *,
    actor: str,
    now: datetime,
) -> None:
    uuids = _Uuids()
    ids = await _allocate_ids(session, ENTRIES, len(bookings))
    rows = []
    for booking, entry_id in zip(bookings, ids, strict=True):
        assert booking.key is not None
        row_ids[booking.key] = entry_id
        rows.append(_entry_row(entry_id, statement_row_id, booking, keys[booking.key], uuids, now))
    await _insert_many(session, ENTRIES, ENTRY_COLUMNS, rows)
    # A bank entry's posting key is ("bank", …its booking key): its JSON follows from the key's.
    await _write_postings(
        session,
        [
            (b.posting, PostingKind.BANK, row_ids[b.key], None, '["bank",' + keys[b.key][1:])
            for b in bookings
            if b.posting is not None and b.key is not None
        ],
        actor=actor,
        now=now,
        uuids=uuids,
    )
    pairs = [(row_ids[b.key], row_ids[b.pair.key]) for b in bookings if b.pair is not None and b.key is not None]
    if pairs:
        link = update(ENTRIES).where(ENTRIES.c.id == bindparam("row")).values(consumed_by_id=bindparam("other"))
        await session.execute(
            link, [{"row": a, "other": b} for a, b in pairs] + [{"row": b, "other": a} for a, b in pairs]
        )
        await session.execute(
            update(BankEntry)
            .where(BankEntry.id.in_([b for _, b in pairs]), BankEntry.queue_state == QueueState.OPEN)
            .values(queue_state=QueueState.CLEARED)
            .execution_options(synchronize_session=False)
        )


async def _write_alerts(
    session: AsyncSession, statement_row_id: int | None, alerts: list[Alert], now: datetime
) -> None:
    if not alerts:
        return
    await session.execute(
        insert(ALERTS),
        [
            {
                "kind": alert.kind,
                "account": alert.account,
                "statement_id": alert.statement_id,
                "entry_index": alert.entry,
                "statement_row_id": statement_row_id,
                "details": _jsonable(dict(alert.data)),
                "created_at": now,
            }
            for alert in alerts
        ],
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- the finance officer's own postings ----------------------------------------------------------


class NotInQueue(Conflict):
    """The entry is not waiting in the unmatched queue (matched, resolved, or cleared by a reversal)."""

    code = "entry_not_in_queue"
    message_zh = "该笔流水不在待处理队列中"
    message_en = "The entry is not waiting in the unmatched queue"


async def resolve_entry(
    session: AsyncSession,
    entry_id: int,
    *,
    to: Account,
    resolution: Resolution,
    reason: str,
    actor: str,
    now: datetime,
) -> BankEntry:
    """Resolve an unmatched entry by hand (the finance officer, with a mandatory reason): its money
    moves from ``unmatched`` to ``to`` (:func:`~bidding.deposits.ledger.resolution_posting`).

    ``to`` is a bidder's sub-account (:attr:`Resolution.ASSIGNED`: from then on the credit is that
    bidder's payment for the lot) or refunds payable (:attr:`Resolution.RETURN`: paid back to the
    payer; the bank's debit whose EndToEndId is ``return_refund_id`` then books against it).
    Refused (409) unless the entry waits in the queue.
    """
    entry = await session.get(BankEntry, entry_id)
    if entry is None:
        raise NotFound(f"bank entry {entry_id} does not exist", f"银行流水 {entry_id} 不存在")
    await lock_book(session, entry.account, now)
    await session.refresh(entry)
    if entry.queue_state is not QueueState.OPEN:
        state = entry.queue_state.value if entry.queue_state else "matched"
        raise NotInQueue(
            f"bank entry {entry_id} is not waiting in the unmatched queue ({state})",
            f"银行流水 {entry_id} 不在待处理队列中（{state}）",
        )
    if resolution is Resolution.RETURN and (entry.direction is not Direction.CREDIT or entry.reversal):
        raise Conflict("only money received can be returned", "只有收到的款项才能退回")
    key = decode_key(entry.booking_key)
    fake = Entry(
        account=entry.account,
        statement_id=entry.statement_id,
        sequence=entry.sequence,
        index=entry.index,
        amount_fen=entry.amount_fen,
        currency=entry.currency,
        direction=entry.direction,
        reversal=entry.reversal,
        status=EntryStatus.BOOKED,
        booking_date=entry.booking_date,
        value_date=entry.value_date,
    )
    posting = resolution_posting(key, fake, to)
    try:
        async with session.begin_nested():
            await _write_postings(
                session,
                [(posting, PostingKind.RESOLVE, entry.id, reason, encode_key(posting.key))],
                actor=actor,
                now=now,
            )
    except IntegrityError:
        raise NotInQueue(f"bank entry {entry_id} was resolved already", f"银行流水 {entry_id} 已处理") from None
    entry.queue_state = QueueState.RESOLVED
    entry.resolution = resolution
    entry.resolution_reason = reason
    entry.resolved_by = actor
    entry.resolved_at = now
    if resolution is Resolution.ASSIGNED and to.kind is AccountKind.SUB_ACCOUNT:
        entry.lot_id, entry.organization_id = uuid.UUID(to.lot), uuid.UUID(to.bidder)
    if resolution is Resolution.RETURN:
        entry.return_refund_id = f"RET{entry.id}"
    await session.flush()
    return entry


# --- virtual sub-accounts ------------------------------------------------------------------------


async def issue_virtual_account(
    session: AsyncSession, lot_id: uuid.UUID, organization_id: uuid.UUID, collection: str, *, now: datetime
) -> DepositVirtualAccount:
    """The bidder's virtual sub-account for the lot, issued on first call and the same ever after.

    The number is :func:`~bidding.deposits.virtual_accounts.make_virtual_account`'s; a body that
    another pair already holds takes the next attempt (the UNIQUE number decides, so two issuers
    at once cannot share a number), and two issuances for the same pair at once end with one row
    (the UNIQUE (lot, bidder) pair; the loser reads the winner's).
    """
    collection = normalise_account(collection)
    query = select(DepositVirtualAccount).where(
        DepositVirtualAccount.lot_id == lot_id, DepositVirtualAccount.organization_id == organization_id
    )
    found = await session.scalar(query)
    if found is not None:
        return found
    attempt = 0
    while True:
        account: VirtualAccount = make_virtual_account(collection, str(lot_id), str(organization_id), attempt=attempt)
        taken = await session.scalar(
            select(DepositVirtualAccount.id).where(DepositVirtualAccount.number == account.number)
        )
        if taken is None:
            row = DepositVirtualAccount(
                lot_id=lot_id,
                organization_id=organization_id,
                collection_account=collection,
                number=account.number,
                attempt=attempt,
                created_at=now,
            )
            try:
                async with session.begin_nested():
                    session.add(row)
                    await session.flush()
                return row
            except IntegrityError:
                found = await session.scalar(query)
                if found is not None:
                    return found
        attempt += 1


# --- reading the book ----------------------------------------------------------------------------


async def balances(session: AsyncSession) -> dict[Account, int]:
    """Every account with a non-zero balance, on its natural side (as :meth:`Ledger.balances`)."""
    found = await session.execute(
        select(
            LedgerLeg.account_kind,
            LedgerLeg.bank_account,
            LedgerLeg.lot_id,
            LedgerLeg.organization_id,
            func.sum(LedgerLeg.amount_fen),
        ).group_by(LedgerLeg.account_kind, LedgerLeg.bank_account, LedgerLeg.lot_id, LedgerLeg.organization_id)
    )
    out: dict[Account, int] = {}
    for kind, bank, lot, org, total in found:
        raw = int(total)
        if raw:
            account = account_of(kind, bank, lot, org)
            out[account] = raw if kind in (AccountKind.COLLECTION, AccountKind.INTEREST_EXPENSE) else -raw
    return out


@dataclass(frozen=True)
class IntegrityProblems:
    """What foreign keys and the double-entry rule would refuse, counted (all zero when sound)."""

    unbalanced_postings: int
    """Postings whose legs do not sum to zero, or that have fewer than two legs."""
    legs_without_posting: int
    postings_without_entry: int
    """Postings of bank entries (``kind`` bank) whose entry is missing."""
    entries_without_statement: int

    @property
    def ok(self) -> bool:
        return not (
            self.unbalanced_postings
            or self.legs_without_posting
            or self.postings_without_entry
            or self.entries_without_statement
        )


async def integrity_problems(session: AsyncSession) -> IntegrityProblems:
    """Check the book's structure by SQL (see :mod:`bidding.deposits.models` on why its hot tables
    carry no foreign keys): every posting balances and has two legs or more, every leg has its
    posting, every bank posting its entry, every entry its statement."""
    unbalanced = select(LedgerLeg.posting_id).group_by(LedgerLeg.posting_id)
    unbalanced = unbalanced.having((func.sum(LedgerLeg.amount_fen) != 0) | (func.count() < 2))
    legless = select(LedgerPosting.id).where(
        ~select(LedgerLeg.id).where(LedgerLeg.posting_id == LedgerPosting.id).exists()
    )
    counts = await session.execute(
        select(
            select(func.count()).select_from(unbalanced.subquery()).scalar_subquery(),
            select(func.count()).select_from(legless.subquery()).scalar_subquery(),
            select(func.count())
            .select_from(LedgerLeg)
            .where(~select(LedgerPosting.id).where(LedgerPosting.id == LedgerLeg.posting_id).exists())
            .scalar_subquery(),
            select(func.count())
            .select_from(LedgerPosting)
            .where(
                LedgerPosting.kind == PostingKind.BANK,
                ~select(BankEntry.id).where(BankEntry.id == LedgerPosting.entry_id).exists(),
            )
            .scalar_subquery(),
            select(func.count())
            .select_from(BankEntry)
            .where(~select(BankStatement.id).where(BankStatement.id == BankEntry.statement_row_id).exists())
            .scalar_subquery(),
        )
    )
    unbalanced_n, legless_n, orphan_legs, orphan_postings, orphan_entries = counts.one()
    return IntegrityProblems(
        int(unbalanced_n) + int(legless_n), int(orphan_legs), int(orphan_postings), int(orphan_entries)
    )


async def collection_balance(session: AsyncSession, account: str) -> int:
    """The ledger's balance of a collection account (debit side: the money on the bank account)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerLeg.amount_fen), 0)).where(
            LedgerLeg.account_kind == AccountKind.COLLECTION, LedgerLeg.bank_account == account
        )
    )
    return int(total or 0)


async def balance_check(session: AsyncSession, account: str) -> BalanceCheck | None:
    """The daily check: the ledger's collection balance against the closing balance of the
    account's last end-of-day statement (highest ``ElctrncSeqNb``, else the last imported); None
    before any statement with a closing balance."""
    last = await session.scalar(
        select(BankStatement)
        .where(
            BankStatement.account == account,
            BankStatement.kind != StatementKind.CAMT052,
            BankStatement.closing_fen.is_not(None),
        )
        .order_by(BankStatement.sequence.desc().nulls_last(), BankStatement.id.desc())
        .limit(1)
    )
    if last is None or last.closing_fen is None:
        return None
    return BalanceCheck(account, last.statement_id, last.closing_fen, await collection_balance(session, account))


def _payment(row: BankEntry) -> Payment:
    return Payment(
        decode_key(row.booking_key),
        row.amount_fen,
        row.value_date,
        row.booked_at,
        row.counterparty_account,
        row.counterparty_name,
    )


def _payments_query(lot_id: uuid.UUID, organization_id: uuid.UUID | None = None) -> Select[BankEntry]:
    query = (
        select(BankEntry)
        .where(
            BankEntry.lot_id == lot_id,
            BankEntry.direction == Direction.CREDIT,
            BankEntry.reversal.is_(False),
            BankEntry.consumed_by_id.is_(None),
            or_(BankEntry.counter_kind == AccountKind.SUB_ACCOUNT, BankEntry.resolution == Resolution.ASSIGNED),
            # A payment a refund returns or a forfeit keeps is no longer held: a bidder who withdrew
            # (条例 35) and bids again has no deposit in it.
            BankEntry.id.not_in(select(RefundItem.entry_id)),
        )
        .order_by(BankEntry.id)
    )
    if organization_id is not None:
        query = query.where(BankEntry.organization_id == organization_id)
    return query


async def lot_payments(
    session: AsyncSession, lot_id: uuid.UUID, organization_id: uuid.UUID | None = None
) -> list[Payment]:
    """The credits booked on the lot's sub-accounts, not reversed and not refunded or forfeited, oldest first (for
    :func:`bidding.deposits.matching.deposit_status`): paid to a bidder's virtual sub-account, or
    assigned to it by the finance officer from the unmatched queue. With ``organization_id``, one
    bidder's only.

    Who paid for a lot is sealed until its bids are extracted (办法 21): use this for the
    platform's decisions (the deposit status the opening shows), never to list payers to anyone
    before :attr:`bidding.tendering.models.Lot.bids_extracted_at`.
    """
    rows = (await session.scalars(_payments_query(lot_id, organization_id))).all()
    return [_payment(row) for row in rows]


async def lot_payments_by_bidder(session: AsyncSession, lot_id: uuid.UUID) -> dict[uuid.UUID, list[Payment]]:
    """:func:`lot_payments` per bidder (organisation id), for the statuses and the collusion signal
    (条例 40(六), :func:`bidding.deposits.matching.collusion_signals`). Same seal as :func:`lot_payments`."""
    rows = (await session.scalars(_payments_query(lot_id))).all()
    found: defaultdict[uuid.UUID, list[Payment]] = defaultdict(list)
    for row in rows:
        assert row.organization_id is not None
        found[row.organization_id].append(_payment(row))
    return dict(found)
