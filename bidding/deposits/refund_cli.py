"""`bidding deposits refunds …`: refunds on the command line, for the finance officer on the server
(``docs/deposits.md`` "Refunds").

* ``export --key K --out FILE`` — a payment file of the due refunds (pain.001, or ``--format csv``);
  the same key again gives the same file back, so a run cut off after the commit is finished by
  running it again (the file is written under a temporary name, then renamed);
* ``file BATCH --out FILE`` — a payment file as it was made;
* ``confirm FILE`` — the bank's pain.002 report, once per file;
* ``watch`` — one pass of the refund watch (the cron job ``watch_deposit_refunds``).

They need the database only (no Redis, no object store): ``BIDDING_DATABASE_URL``, or the embedded
default's SQLite file. Output is one JSON object on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.actor import Actor
from bidding.core.cli import load_settings, run_guarded
from bidding.core.clock import clock_for
from bidding.core.settings import Settings

__all__ = ["refunds"]

#: The operator at the server's console, acting as the finance officer.
OPERATOR = Actor(id="operator:cli-finance")
T = TypeVar("T")


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    from bidding.core.db.engine import create_engine, session_factory
    from bidding.core.db.migrate import ensure_schema

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.effective_database_url)
    try:
        await ensure_schema(engine, auto_migrate=settings.should_auto_migrate)
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _in_transaction(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    pause: float,
) -> T:
    """``work`` in one transaction; with ``pause`` > 0, wait that long before the commit, saying so
    on stderr (tests kill the process there)."""
    async with sessions() as db, db.begin():
        result = await work(db)
        if pause > 0:
            click.echo("holding before commit", err=True)
            sys.stderr.flush()
            await asyncio.sleep(pause)
    return result


def _hold(seconds: float, what: str) -> None:
    if seconds > 0:
        click.echo(f"holding {what}", err=True)
        sys.stderr.flush()
        import time

        time.sleep(seconds)


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary name, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def _json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=str, sort_keys=True))


@click.group("refunds")
def refunds() -> None:
    """Deposit refunds: payment files, the bank's reports, the watch (条例 57)."""


_pause = click.option("--pause-before-commit", type=float, default=0.0, hidden=True)


@refunds.command("export")
@click.option("--key", required=True, help="Idempotency key: the same key gives the same payment file back.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["pain001", "csv"]), default="pain001", show_default=True)
@click.option("--account", default=None, help="Collection account to pay from (default: the first configured).")
@click.option(
    "--execution-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day the bank is asked to pay (default today, China time); interest runs to it.",
)
@_pause
@click.option("--pause-after-commit", type=float, default=0.0, hidden=True)
def export(
    key: str,
    out: Path,
    fmt: Literal["pain001", "csv"],
    account: str | None,
    execution_date: Any,
    pause_before_commit: float,
    pause_after_commit: float,
) -> None:
    """Make a payment file of the due refunds and write it to OUT."""
    from bidding.core.clock import china_day
    from bidding.core.errors import InvalidInput
    from bidding.deposits.refunds import debtor_of, export_batch, policy_of

    settings = load_settings()
    clock = clock_for(settings.clock_offset_file)
    accounts = settings.deposit_collection_accounts
    chosen = account or (accounts[0] if accounts else "")

    async def go() -> dict[str, Any]:
        if chosen not in accounts:
            raise InvalidInput(f"{chosen or '(none)'} is no configured collection account", "不是配置的收款账户")
        now = clock.now()
        day: date = execution_date.date() if execution_date else china_day(now)
        async with _database(settings) as sessions:

            async def work(db: AsyncSession) -> dict[str, Any]:
                batch, ids, skipped = await export_batch(
                    db,
                    OPERATOR,
                    policy_of(settings),
                    debtor_of(settings, chosen),
                    execution_date=day,
                    now=now,
                    idempotency_key=key,
                )
                return {
                    "batch": batch.id,
                    "refunds": ids,
                    "skipped": skipped,
                    "total_fen": batch.total_fen,
                    "sha256": batch.pain001_sha256 if fmt == "pain001" else batch.csv_sha256,
                    "data": batch.pain001 if fmt == "pain001" else batch.csv,
                }

            return await _in_transaction(sessions, work, pause=pause_before_commit)

    result = run_guarded(go())
    _hold(pause_after_commit, "after commit")
    _write(out, result.pop("data"))
    _json(result | {"file": str(out)})


@refunds.command("file")
@click.argument("batch_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["pain001", "csv"]), default="pain001", show_default=True)
def file_(batch_id: str, out: Path, fmt: Literal["pain001", "csv"]) -> None:
    """Write a payment file as it was made."""
    from bidding.core.errors import NotFound
    from bidding.deposits.refund_models import RefundBatch

    settings = load_settings()

    async def go() -> bytes:
        async with _database(settings) as sessions, sessions() as db:
            batch = await db.get(RefundBatch, batch_id)
            if batch is None:
                raise NotFound(f"no payment file {batch_id}", f"没有付款批次 {batch_id}")
            return batch.pain001 if fmt == "pain001" else batch.csv

    _write(out, run_guarded(go()))
    _json({"batch": batch_id, "file": str(out)})


@refunds.command("confirm")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_pause
def confirm(report: Path, pause_before_commit: float) -> None:
    """Import the bank's pain.002 payment status report REPORT (once per file)."""
    from bidding.deposits.refunds import import_report

    settings = load_settings()
    clock = clock_for(settings.clock_offset_file)
    data = report.read_bytes()

    async def go() -> dict[str, Any]:
        async with _database(settings) as sessions:

            async def work(db: AsyncSession) -> dict[str, Any]:
                return asdict(await import_report(db, OPERATOR, data, now=clock.now()))

            return await _in_transaction(sessions, work, pause=pause_before_commit)

    _json(run_guarded(go()))


@refunds.command("watch")
def watch() -> None:
    """One pass of the refund watch: triggers, closing by the bank's debits, overdue alerts."""
    from bidding.deposits.refunds import policy_of, refund_watch

    settings = load_settings()
    clock = clock_for(settings.clock_offset_file)

    async def go() -> dict[str, int]:
        async with _database(settings) as sessions:
            return await refund_watch(sessions, policy_of(settings), now=clock.now())

    _json(run_guarded(go()))
