"""A refund run killed in the middle, on SQLite and PostgreSQL (issue 18, "done when": exactly once
under faults): ``bidding deposits refunds export`` killed with SIGKILL inside its transaction and
again after its commit but before the file is written, ``confirm`` killed inside its transaction;
each rerun finishes the work, and nothing is exported, posted or paid twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bidding.deposits.payments import RefundStatus as BankStatus
from bidding.deposits.payments import TxStatus, pain002
from bidding.deposits.refund_models import PaymentReportImport, RefundBatch
from bidding.deposits.refund_rules import RefundStatus
from bidding.deposits.refunds import record_contract_signed
from tests.fixtures.deposits import cli_database
from tests.fixtures.refunds import RefundDb, at, open_refund_db, unbalanced

DEADLINE = at(date(2024, 5, 6), 10)
SIGNED = date(2024, 5, 10)


@pytest.fixture(params=["sqlite", "postgresql"])
async def prepared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[RefundDb, dict[str, str]]]:
    """Three refunds due (the contract of 2024-05-10), and the CLI's environment for that database."""
    async with (
        cli_database(request, tmp_path) as (url, env),
        open_refund_db(url, tmp_path, deadline=DEADLINE, now=at(SIGNED, 15)) as db,
    ):
        await db.book(
            [
                db.credit(0, 10_000_000, date(2024, 3, 1), "110000000000000001"),
                db.credit(1, 5_000_000, date(2024, 4, 15), "110000000000000002"),
                db.credit(2, 5_000_000, date(2024, 4, 20), "622848001234567890"),
            ]
        )
        await db.open()
        await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
        yield db, env


def cli(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bidding", "deposits", "refunds", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("wb"),
    )


def kill_when(handle: subprocess.Popen[bytes], log: Path, marker: str, timeout: float = 60) -> None:
    """SIGKILL the process once ``marker`` shows on its stderr (it holds there)."""
    deadline = time.monotonic() + timeout
    while marker not in log.read_text(errors="replace"):
        if handle.poll() is not None:
            raise AssertionError(f"exited before {marker!r}:\n{log.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            handle.kill()
            raise AssertionError(f"no {marker!r} in time:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    handle.send_signal(signal.SIGKILL)
    handle.wait(30)
    assert handle.returncode == -signal.SIGKILL


def finish(handle: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    out, _ = handle.communicate(timeout=120)
    assert handle.returncode == 0, log.read_text(errors="replace")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def state(db: RefundDb) -> dict[str, Any]:
    async with db.sessions() as session:
        return {
            "batches": await session.scalar(select(func.count(RefundBatch.id))),
            "reports": await session.scalar(select(func.count(PaymentReportImport.id))),
            "statuses": sorted(r.status.value for r in await db.refunds()),
            "unbalanced": await unbalanced(session),
            "refund_postings": await db.postings("refund"),
            "interest_postings": await db.postings("refund_interest"),
        }


async def test_a_refund_run_killed_in_the_middle_is_finished_by_its_rerun_once(
    prepared: tuple[RefundDb, dict[str, str]], tmp_path: Path
) -> None:
    db, env = prepared
    out = tmp_path / "refunds.xml"
    export = ["export", "--key", "run-2024-05-13", "--out", str(out), "--execution-date", "2024-05-13"]
    before = await state(db)
    assert before["statuses"] == ["due"] * 3 and before["refund_postings"] == 3

    # Killed inside the transaction: nothing happened.
    log = tmp_path / "export-1.log"
    kill_when(cli(env, log, *export, "--pause-before-commit", "60"), log, "holding before commit")
    assert await state(db) == before and not out.exists()

    # Killed after the commit, before the file is written: the batch stands, the file is missing.
    log = tmp_path / "export-2.log"
    kill_when(cli(env, log, *export, "--pause-after-commit", "60"), log, "holding after commit")
    committed = await state(db)
    assert committed["batches"] == 1 and committed["statuses"] == ["exported"] * 3 and not out.exists()
    assert committed["interest_postings"] == 3  # interest brought to 05-13, once per refund

    # The rerun with the same key gives the same file; nothing is exported or posted again.
    log = tmp_path / "export-3.log"
    result = finish(cli(env, log, *export), log)
    assert await state(db) == committed and out.exists()
    async with db.sessions() as session:
        batch = (await session.scalars(select(RefundBatch))).one()
    assert result["batch"] == batch.id and out.read_bytes() == batch.pain001
    assert sorted(result["refunds"]) == sorted(r.id for r in await db.refunds())
    # Another key finds nothing due: no refund is in two files.
    log = tmp_path / "export-4.log"
    other = cli(env, log, "export", "--key", "run-2024-05-13-b", "--out", str(tmp_path / "b.xml"))
    other.communicate(timeout=120)
    assert other.returncode == 1 and "refund_nothing_to_export" in log.read_text()

    # The bank's report, imported by a run killed inside its transaction, then again twice.
    report = tmp_path / "pain002.xml"
    report.write_bytes(
        pain002(
            batch.id,
            [BankStatus(rid, TxStatus.ACSC) for rid in result["refunds"]],
            message_id="BANK-K1",
            created_at=db.clock.now(),
        )
    )
    log = tmp_path / "confirm-1.log"
    kill_when(cli(env, log, "confirm", str(report), "--pause-before-commit", "60"), log, "holding before commit")
    assert await state(db) == committed
    log = tmp_path / "confirm-2.log"
    confirmed = finish(cli(env, log, "confirm", str(report)), log)
    assert sorted(confirmed["paid"]) == sorted(result["refunds"]) and not confirmed["already_imported"]
    log = tmp_path / "confirm-3.log"
    assert finish(cli(env, log, "confirm", str(report)), log)["already_imported"]
    after = await state(db)
    assert after["statuses"] == ["paid"] * 3 and after["reports"] == 1
    assert (after["refund_postings"], after["interest_postings"], after["unbalanced"]) == (3, 3, [])
    assert {r.status for r in await db.refunds()} == {RefundStatus.PAID}
