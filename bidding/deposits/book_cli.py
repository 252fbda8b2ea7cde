"""`bidding deposits import FILE…`: bank statements into the deposit book from the command line
(``docs/deposits.md`` "Import paths"), for the finance officer on the server or a bank's batch.

Each file is read by its format's adapter (``--format camt053|camt052|csv``, sniffed when not
given) and each statement in it booked in a transaction of its own, exactly as the upload and the
watched folder do (:func:`bidding.deposits.importer.import_files`: the next file is read in a
second process while one is booked). One JSON object per file on
stdout; a file the adapters refuse is named on stderr with the entry and field, the others are
still imported, and the exit status is 1. Killed at any moment, the command can be run again on
the same files: what was committed is found booked (duplicates), the rest is booked once.

It needs the database only (no Redis, no object store): ``BIDDING_DATABASE_URL``, or the embedded
default's SQLite file; the collection accounts are ``BIDDING_DEPOSIT_COLLECTION_ACCOUNTS``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from bidding.core.actor import Actor
from bidding.core.cli import load_settings, run_guarded
from bidding.core.clock import clock_for
from bidding.deposits.errors import DepositError
from bidding.deposits.importer import StatementView, import_files

__all__ = ["import_statements"]

#: The operator at the server's console, acting as the finance officer.
OPERATOR = Actor(id="operator:cli-finance")
FORMATS = {"camt053": "camt.053", "camt052": "camt.052", "csv": "csv"}


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default=None,
    help="The files' format (default: recognised from the bytes).",
)
@click.option("--hold-before-commit", type=float, default=0.0, hidden=True, help="Tests: wait inside each transaction.")
def import_statements(files: tuple[Path, ...], fmt: str | None, hold_before_commit: float) -> None:
    """导入银行对账单 / Import bank statements (camt.053, camt.052, CSV) into the deposit book."""
    from bidding.core.db.engine import create_engine, session_factory
    from bidding.core.db.migrate import ensure_schema

    settings = load_settings()

    async def hold(view: StatementView) -> None:
        click.echo(f"holding {view.statement_id} before commit", err=True)
        sys.stderr.flush()
        await asyncio.sleep(hold_before_commit)

    async def go() -> int:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.effective_database_url)
        clock = clock_for(settings.clock_offset_file)
        failed = 0
        try:
            await ensure_schema(engine, auto_migrate=settings.should_auto_migrate)
            sessions = session_factory(engine)
            async for path, outcome in import_files(
                sessions,
                OPERATOR,
                list(files),
                FORMATS[fmt] if fmt else None,
                collections=settings.deposit_collection_accounts,
                now=clock.now(),
                before_commit=hold if hold_before_commit > 0 else None,
            ):
                if isinstance(outcome, DepositError):
                    failed += 1
                    click.echo(f"{path}: {outcome.code}: {outcome.text('en')}", err=True)
                    continue
                click.echo(json.dumps({"file": str(path), **asdict(outcome)}, ensure_ascii=False, default=str))
                sys.stdout.flush()
        finally:
            await engine.dispose()
        return failed

    if run_guarded(go()):
        sys.exit(1)
