"""Exactly once under faults (issue 18, "done when"), on SQLite and PostgreSQL: ``bidding deposits
import`` over thirty bank statements (overlapping exports: duplicates across files; reversals; an
intraday report seen before its end-of-day statement) is killed with SIGKILL inside a statement's
transaction, killed again at a random moment, run twice at once, and finally run to the end. The
book then equals the pure ledger fed every file once: no entry, no posting twice, every posting
balanced, the daily balance check true."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bidding.deposits.book import balance_check, balances, encode_key, integrity_problems
from bidding.deposits.entries import Direction, EntryStatus, Statement, StatementKind
from bidding.deposits.ledger import Ledger
from bidding.deposits.models import BankEntry, BankStatement, LedgerPosting
from bidding.deposits.statements import parse_statements
from bidding.deposits.statements.camt_writer import write_camt
from tests.fixtures.deposit_book import BookDb, open_book_db
from tests.fixtures.deposits import BIDDERS, COLLECTION, DAY, LOTS, book, cli_database, entry, router, statement

pytestmark = pytest.mark.slow

FILES = 30
PER_FILE = 40


def bank_files(directory: Path, seed: int = 18) -> list[Path]:
    """Thirty end-of-day camt.053 statements of the collection account (consecutive numbers, chained
    balances) and, before the tenth, an intraday camt.052 showing part of its day, some pending."""
    rng = random.Random(seed)
    numbers = book(COLLECTION)
    earlier: list[Any] = []
    balance = 0
    paths: list[Path] = []
    counter = 0
    for n in range(1, FILES + 1):
        day = DAY + timedelta(days=n)
        lines: list[Any] = []
        moved = 0  # what the day's new lines move on the account (a repeated line moves nothing)
        for i in range(1, PER_FILE + 1):
            counter += 1
            roll = rng.random()
            common = {"statement_id": f"K{n:03d}", "sequence": n, "index": i, "booking_date": day, "value_date": day}
            if roll < 0.05 and earlier:  # the bank's export overlaps the previous day's
                again = rng.choice(earlier)
                lines.append(entry(**{**{f: getattr(again, f) for f in again.__struct_fields__}, **common}))
                continue
            if roll < 0.08 and earlier:
                original = earlier.pop(rng.randrange(len(earlier)))
                lines.append(
                    entry(
                        **common,
                        amount_fen=original.amount_fen,
                        direction=Direction.DEBIT,
                        reversal=True,
                        bank_ref=f"KR{counter:05d}",
                        end_to_end_id=original.end_to_end_id,
                        reversal_of=original.bank_ref,
                    )
                )
                moved += lines[-1].signed_fen
                continue
            addressed = None
            if roll > 0.1:
                addressed = numbers.issue(rng.choice(LOTS), rng.choice(BIDDERS)).number
            made = entry(
                **common,
                amount_fen=rng.randrange(1_00, 900_000_00),
                bank_ref=f"K{counter:05d}",
                end_to_end_id=f"KE{counter:05d}",
                addressed_account=addressed,
            )
            lines.append(made)
            earlier.append(made)
            moved += made.signed_fen
        booked = statement(
            lines, opening_fen=balance, closing_fen=balance + moved, sequence=n, statement_id=f"K{n:03d}"
        )
        balance += moved
        if n == 10:
            shown = tuple(
                entry(
                    **{
                        **{f: getattr(e, f) for f in e.__struct_fields__},
                        "statement_id": "R010",
                        "sequence": 1,
                        "status": EntryStatus.PENDING if i % 3 else e.status,
                    }
                )
                for i, e in enumerate(lines[:15])
            )
            report = Statement(
                account=COLLECTION,
                statement_id="R010",
                sequence=1,
                kind=StatementKind.CAMT052,
                currency="CNY",
                opening_fen=None,
                closing_fen=None,
                entries=shown,
            )
            path = directory / "R010.xml"
            path.write_bytes(write_camt([report], kind=StatementKind.CAMT052, version="001.08"))
            paths.append(path)
        path = directory / f"K{n:03d}.xml"
        path.write_bytes(write_camt([booked], version="001.08"))
        paths.append(path)
    return paths


@pytest.fixture(params=["sqlite", "postgresql"])
async def prepared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[BookDb, dict[str, str]]]:
    async with cli_database(request, tmp_path) as (url, env), open_book_db(url) as db:
        yield db, env


def run_import(env: dict[str, str], log: Path, files: list[Path], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bidding", "deposits", "import", *extra, *map(str, files)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("wb"),
    )


def kill_at(handle: subprocess.Popen[bytes], log: Path, marker: str, count: int, timeout: float = 120) -> None:
    """SIGKILL once ``marker`` has shown ``count`` times on stderr (the process holds there, inside
    a statement's transaction)."""
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count(marker) < count:
        if handle.poll() is not None:
            raise AssertionError(f"exited early:\n{log.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            handle.kill()
            raise AssertionError(f"not reached in time:\n{log.read_text(errors='replace')}")
        time.sleep(0.02)
    handle.send_signal(signal.SIGKILL)
    handle.wait(30)
    assert handle.returncode == -signal.SIGKILL


def finish(handle: subprocess.Popen[bytes], log: Path) -> list[dict[str, Any]]:
    out, _ = handle.communicate(timeout=300)
    assert handle.returncode == 0, log.read_text(errors="replace")
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


async def committed(db: BookDb) -> tuple[int, int, int]:
    async with db.sessions() as session:
        statements = await session.scalar(select(func.count()).select_from(BankStatement))
        entries = await session.scalar(select(func.count()).select_from(BankEntry))
        postings = await session.scalar(select(func.count()).select_from(LedgerPosting))
        problems = await integrity_problems(session)
    assert problems.ok, problems
    return int(statements or 0), int(entries or 0), int(postings or 0)


async def test_an_import_killed_anywhere_is_finished_by_its_rerun_exactly_once(
    prepared: tuple[BookDb, dict[str, str]], tmp_path: Path
) -> None:
    db, env = prepared
    files = bank_files(tmp_path)
    ledger = Ledger(router())
    for path in files:
        for current in parse_statements(path.read_bytes()):
            ledger.apply_statement(current)

    # Killed inside the transaction of the seventh statement: six are in, the seventh is not.
    log = tmp_path / "kill-1.log"
    kill_at(run_import(env, log, files, "--hold-before-commit", "1.5"), log, "holding", 7)
    assert (await committed(db))[0] == 6

    # Killed at a random moment, then two imports of everything at once.
    log = tmp_path / "kill-2.log"
    handle = run_import(env, log, files)
    time.sleep(random.Random(7).uniform(1.5, 4.0))
    handle.send_signal(signal.SIGKILL)
    handle.wait(30)
    await committed(db)
    both = [run_import(env, tmp_path / f"twin-{n}.log", files) for n in (1, 2)]
    results = [finish(handle, tmp_path / f"twin-{n}.log") for n, handle in enumerate(both, 1)]
    assert all(len(r) == len(files) for r in results)

    # Once more: every line found booked.
    again = finish(run_import(env, tmp_path / "again.log", files), tmp_path / "again.log")
    assert sum(r["booked"] for r in again) == 0

    statements, entries, postings = await committed(db)
    assert statements == len(files)
    assert entries == len(ledger.state.booked)
    async with db.sessions() as session:
        assert db.named(await balances(session)) == ledger.balances()
        keys = set((await session.scalars(select(LedgerPosting.key))).all())
        check = await balance_check(session, COLLECTION)
    assert keys == {encode_key(p.key) for p in ledger.postings} and postings == len(ledger.postings)
    assert check is not None and check.ok and check.statement_id == f"K{FILES:03d}"
