"""The other two import paths of the deposit book (issue 18): the watched folder (a file imported
once and moved to ``done/``, a bad one to ``failed/`` with the reason beside it, a file still being
written left alone, the same bytes dropped again booking nothing), the daily balance check as its
cron job records it, and ``bidding deposits import`` on the command line (a bad file named, the
others imported, exit status 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select

from bidding.audit.models import AuditEvent
from bidding.deposits.jobs import check_balances, scan_folder, watch_statement_folder
from bidding.deposits.models import BankStatement
from bidding.deposits.statements.camt_writer import write_camt
from tests.conftest import DEPOSIT_COLLECTION
from tests.fixtures.deposits import entry, statement
from tests.fixtures.processes import clean_env


def statement_file(tag: str, lines: int = 3) -> bytes:
    made = [
        entry(index=n, statement_id=f"W{tag}", sequence=None, bank_ref=f"W{tag}{n}", end_to_end_id=f"WE{tag}{n}")
        for n in range(1, lines + 1)
    ]
    made = [msgspec.structs.replace(e, amount_fen=100 * n) for n, e in enumerate(made, 1)]
    return write_camt([statement(made, account=DEPOSIT_COLLECTION, sequence=None)])


async def test_the_watched_folder_imports_each_file_once_and_moves_it_on(
    platform: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await watch_statement_folder({"platform": platform}) == {"watching": False}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    tag = uuid.uuid4().hex[:10].upper()
    good = statement_file(tag)
    (inbox / "day-1.xml").write_bytes(good)
    (inbox / "garbage.xml").write_bytes(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e 'boom'>]><x>&e;</x>")
    (inbox / "day-2.xml.part").write_bytes(good)
    (inbox / ".hidden.xml").write_bytes(good)
    fresh = inbox / "day-3.xml"
    fresh.write_bytes(statement_file(tag + "X"))
    old = time.time() - 60
    for name in ("day-1.xml", "garbage.xml", "day-2.xml.part", ".hidden.xml"):
        os.utime(inbox / name, (old, old))

    run = await scan_folder(platform, inbox)
    assert (run.imported, run.failed, run.booked) == (["day-1.xml"], ["garbage.xml"], 3)
    assert sorted(run.skipped) == [".hidden.xml", "day-2.xml.part", "day-3.xml"]  # day-3 was just written
    assert (inbox / "done" / "day-1.xml").read_bytes() == good
    assert "statement_format_unknown" in (inbox / "failed" / "garbage.xml.error.txt").read_text()
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [".hidden.xml", "day-2.xml.part", "day-3.xml"]

    # The same bytes dropped again (a bank's retry) book nothing; the name already in done/ is kept apart.
    (inbox / "day-1.xml").write_bytes(good)
    os.utime(inbox / "day-1.xml", (old, old))
    monkeypatch.setattr(platform, "settings", platform.settings.with_overrides(deposit_watch_dir=inbox))
    result = await watch_statement_folder({"platform": platform})
    assert (result["imported"], result["booked"]) == (["day-1.xml"], 0)
    assert len(list((inbox / "done").glob("day-1*.xml"))) == 2
    async with platform.sessions() as db:
        rows = await db.scalar(
            select(func.count()).select_from(BankStatement).where(BankStatement.statement_id == f"W{tag}")
        )
    assert rows == 1


async def test_the_daily_balance_check_records_its_report(platform: Any) -> None:
    async with platform.sessions() as db:
        before = await db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "deposit.balance_checked")
        )
    result = await check_balances({"platform": platform})
    assert result["accounts"] >= 1
    async with platform.sessions() as db:
        after = await db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "deposit.balance_checked")
        )
    assert after == (before or 0) + 1


def test_the_command_imports_the_good_files_and_names_the_bad(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.csv"
    good.write_bytes(statement_file("CLI"))
    bad.write_bytes("账号：6222020200012345678\n\n交易日期,贷方发生额\n2024-05-06,1.005\n".encode())
    env = clean_env() | {
        "BIDDING_DATA_DIR": str(tmp_path / "var"),
        "BIDDING_DEPOSIT_COLLECTION_ACCOUNTS": DEPOSIT_COLLECTION,
        "BIDDING_LOG_FORMAT": "text",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bidding", "deposits", "import", str(bad), str(good)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert f"{bad}: statement_" in done.stderr
    (imported,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert (imported["file"], imported["booked"], imported["format"]) == (str(good), 3, "camt.053")
    again = subprocess.run(
        [sys.executable, "-m", "bidding", "deposits", "import", "--format", "camt053", str(good)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["duplicates"] == 3
