"""Importing bank statements into the deposit book: one use case for the CLI
(``bidding deposits import``), the finance officer's upload and the watched folder
(``docs/deposits.md``, "Import paths").

The file is read by the adapter of its format (``bidding.deposits.statements``: camt.053,
camt.052, CSV, sniffed when not named); a file the adapters refuse is refused whole, nothing
written, with the error naming the entry and the field. Each statement in it is then booked in a
transaction of its own (:func:`bidding.deposits.book.book_statement`) with its audit events:
``deposit.statement_imported`` (the counts) and one ``deposit.alert`` per sequence gap, reversal
or reused bank reference. A crash between two statements leaves the first booked and the second
not; importing the file again books the second and finds the first's lines duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import multiprocessing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Forbidden
from bidding.core.roles import Role
from bidding.deposits.book import BookedStatement, book_statement
from bidding.deposits.entries import Statement
from bidding.deposits.errors import DepositError
from bidding.deposits.ledger import AlertKind
from bidding.deposits.statements import parse_statements, sniff

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "IMPORTERS",
    "ImportView",
    "ParsedFile",
    "StatementView",
    "book_file",
    "import_file",
    "import_files",
    "import_statement",
    "parse_file",
]

#: Roles that may import statements (the finance officer; the administrator stands in).
IMPORTERS: Final = (Role.FINANCE, Role.ADMIN)
#: Alerts that also go to the audit trail (the finance officer sees every alert in the book).
AUDITED_ALERTS: Final = frozenset(
    {AlertKind.SEQUENCE_GAP, AlertKind.REVERSAL, AlertKind.REVERSAL_WITHOUT_ORIGINAL, AlertKind.KEY_CONFLICT}
)
#: Transactions a statement gets when another writer's key got in first (the lock makes it rare).
ATTEMPTS: Final = 3


@dataclass(frozen=True)
class StatementView:
    """What one statement of the file did."""

    account: str
    kind: str
    statement_id: str
    sequence: int | None
    entries: int
    booked: int
    duplicates: int
    pending: int
    """Lines not booked: PDNG or INFO (a booked line seen later is booked then)."""
    reversals: int
    unmatched: int
    alerts: list[str]
    already_imported: bool
    """The same statement was imported whole from the same file before: nothing was done."""


@dataclass(frozen=True)
class ImportView:
    """What importing one file did: per statement and in total."""

    sha256: str
    format: str
    statements: list[StatementView] = field(default_factory=list)
    booked: int = 0
    duplicates: int = 0
    pending: int = 0
    unmatched: int = 0
    alerts: int = 0


def _view(statement: Statement, booked: BookedStatement) -> StatementView:
    result = booked.result
    return StatementView(
        account=statement.account,
        kind=statement.kind.value,
        statement_id=statement.statement_id,
        sequence=statement.sequence,
        entries=len(statement.entries),
        booked=result.booked,
        duplicates=result.duplicates,
        pending=result.not_booked,
        reversals=result.reversals,
        unmatched=len(result.unmatched),
        alerts=[alert.kind.value for alert in booked.alerts],
        already_imported=booked.already,
    )


async def _book_one(
    session: AsyncSession,
    actor: Actor,
    statement: Statement,
    *,
    sha256: str,
    source_name: str | None,
    collections: Iterable[str],
    now: datetime,
) -> BookedStatement:
    booked = await book_statement(
        session,
        statement,
        source_sha256=sha256,
        actor=actor.id,
        now=now,
        collections=collections,
        source_name=source_name,
    )
    view = _view(statement, booked)
    record(
        session,
        actor,
        "deposit.statement_imported",
        object_type="bank_statement",
        object_id=str(booked.statement_row_id),
        content_sha256=sha256,
        details={
            "account": view.account,
            "kind": view.kind,
            "statement_id": view.statement_id,
            "sequence": view.sequence,
            "booked": view.booked,
            "duplicates": view.duplicates,
            "pending": view.pending,
            "reversals": view.reversals,
            "unmatched": view.unmatched,
            "already_imported": view.already_imported,
            "source": source_name,
        },
    )
    for alert in booked.alerts:
        if alert.kind in AUDITED_ALERTS:
            record(
                session,
                actor,
                "deposit.alert",
                object_type="bank_statement",
                object_id=str(booked.statement_row_id),
                details={
                    "kind": alert.kind.value,
                    "account": alert.account,
                    "statement_id": alert.statement_id,
                    "entry": alert.entry,
                    "data": {k: v if isinstance(v, int | str | list) else repr(v) for k, v in alert.data.items()},
                },
            )
    return booked


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic garbage collection while one statement is booked.

    Booking allocates some ten objects an entry, nearly all freed by reference counting; the cyclic
    collector would still run hundreds of times a statement, its oldest generation walking the whole
    heap (the book's caches among it) each tenth time. Paused, it runs once or twice after the
    statement instead: a quarter off the import's time (``bench/deposits_bench.py``). Cycles made
    meanwhile wait for that run; nothing else is changed.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class ParsedFile:
    """A file read by its format's adapter, ready to book."""

    sha256: str
    format: str
    statements: tuple[Statement, ...]


def parse_file(data: bytes, fmt: str | None = None) -> ParsedFile:
    """Read ``data`` by the adapter of ``fmt`` (sniffed when None); the adapters' errors name the
    entry and the field (:class:`~bidding.deposits.errors.StatementInvalid`)."""
    name = fmt or sniff(data)
    return ParsedFile(hashlib.sha256(data).hexdigest(), name, parse_statements(data, name))


async def book_file(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    parsed: ParsedFile,
    *,
    collections: Iterable[str],
    now: datetime,
    source_name: str | None = None,
    before_commit: Callable[[StatementView], Awaitable[None]] | None = None,
) -> ImportView:
    """Book each statement of a parsed file in a transaction of its own (see the module docstring).
    ``before_commit`` runs inside each statement's transaction, once booked (the CLI's fault test
    holds there)."""
    accounts = tuple(collections)
    views: list[StatementView] = []
    for statement in parsed.statements:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with collector_paused():
                    async with sessions() as session, session.begin():
                        booked = await _book_one(
                            session,
                            actor,
                            statement,
                            sha256=parsed.sha256,
                            source_name=source_name,
                            collections=accounts,
                            now=now,
                        )
                        if before_commit is not None:
                            await before_commit(_view(statement, booked))
                break
            except IntegrityError:
                # Another writer booked one of these keys first (past the lock): all rolled back;
                # the next attempt finds its lines duplicates.
                if attempt == ATTEMPTS:
                    raise
        views.append(_view(statement, booked))
    return ImportView(
        sha256=parsed.sha256,
        format=parsed.format,
        statements=views,
        booked=sum(v.booked for v in views),
        duplicates=sum(v.duplicates for v in views),
        pending=sum(v.pending for v in views),
        unmatched=sum(v.unmatched for v in views),
        alerts=sum(len(v.alerts) for v in views),
    )


async def import_file(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    data: bytes,
    fmt: str | None = None,
    *,
    collections: Iterable[str],
    now: datetime,
    source_name: str | None = None,
    before_commit: Callable[[StatementView], Awaitable[None]] | None = None,
) -> ImportView:
    """Parse ``data`` (format ``fmt``, sniffed when None) and book each statement in a transaction
    of its own; see the module docstring. A file the adapters refuse raises their
    :class:`~bidding.deposits.errors.StatementInvalid` before anything is written."""
    return await book_file(
        sessions,
        actor,
        parse_file(data, fmt),
        collections=collections,
        now=now,
        source_name=source_name,
        before_commit=before_commit,
    )


def _parse_or_none(data: bytes, fmt: str | None) -> ParsedFile | None:
    """In the parsing process: the parsed file, or None when refused (the caller parses it again
    to raise the adapter's own error, which carries more than a pickle would)."""
    try:
        return parse_file(data, fmt)
    except DepositError:
        return None


async def import_files(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    files: Sequence[Path],
    fmt: str | None = None,
    *,
    collections: Iterable[str],
    now: datetime,
    before_commit: Callable[[StatementView], Awaitable[None]] | None = None,
) -> AsyncIterator[tuple[Path, ImportView | DepositError]]:
    """Import several files in order, each as :func:`import_file` does; yields each file with its
    view, or with the error that refused it (the others are still imported).

    With more than two files the next file is read in a second process while this one is booked
    (a backlog of a bank's statements, ``bidding deposits import *.xml``): parsing is pure CPU, the
    booking mostly waits on the database, and the two overlap on a machine with two cores or more.
    """
    accounts = tuple(collections)

    async def one(path: Path, parsed: ParsedFile | None, data: bytes) -> ImportView | DepositError:
        try:
            ready = parsed if parsed is not None else parse_file(data, fmt)
        except DepositError as exc:
            return exc
        return await book_file(
            sessions,
            actor,
            ready,
            collections=accounts,
            now=now,
            source_name=path.name,
            before_commit=before_commit,
        )

    if len(files) <= 2:
        for path in files:
            data = await anyio.Path(path).read_bytes()
            yield path, await one(path, None, data)
        return
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        data = await anyio.Path(files[0]).read_bytes()
        pending = loop.run_in_executor(pool, _parse_or_none, data, fmt)
        for index, path in enumerate(files):
            parsed, current = await pending, data
            if index + 1 < len(files):
                data = await anyio.Path(files[index + 1]).read_bytes()
                pending = loop.run_in_executor(pool, _parse_or_none, data, fmt)
            yield path, await one(path, parsed, current)


async def import_statement(
    platform: Platform, caller: Caller, data: bytes, fmt: str | None = None, *, source_name: str | None = None
) -> ImportView:
    """The finance officer (or the administrator, the CLI, the watched folder as the system)
    imports a bank statement file; see :func:`import_file`."""
    if not (caller.has(*IMPORTERS) or caller.actor_id.startswith("system:")):
        raise Forbidden("importing bank statements is the finance officer's", "导入银行对账单须由财务人员操作")
    return await import_file(
        platform.sessions,
        caller.actor,
        data,
        fmt,
        collections=platform.settings.deposit_collection_accounts,
        now=platform.clock.now(),
        source_name=source_name,
    )
