"""`bidding experts import FILE` and `bidding experts list`: the expert pool from the server's console
(``docs/experts.md`` "Import"), for the centre's administrator.

``import`` reads one CSV or XLSX file (``--format``, else recognised from the bytes) and writes it
into the pool in one transaction, all rows or none, exactly as the upload does
(:func:`bidding.experts.pool_import.run_import`); it prints one JSON object with the counts on stdout,
or every refused row (row number, field, reason) on stderr with exit status 1. Run twice on the same
file, the second run changes nothing (idempotent by registry number).

``list`` prints the pool as JSON lines, by registry number, with the same filters as the API.

Both need the database only (``BIDDING_DATABASE_URL``, or the embedded default's SQLite file) and the
platform secret (``BIDDING_SECRET_KEY``, or the embedded default's), which keys the identity-number
digests. The command objects are :data:`COMMANDS`; the ``bidding experts`` group adds them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from bidding.core.actor import Actor
from bidding.core.cli import load_settings, run_guarded
from bidding.core.clock import china_day, clock_for
from bidding.experts.pool import id_number_key, search
from bidding.experts.pool_import import PoolImportRefused, run_import
from bidding.experts.pool_rules import ExpertStatus

__all__ = ["COMMANDS", "import_experts", "list_experts"]

#: The operator at the server's console, acting as the centre's administrator.
OPERATOR = Actor(id="operator:cli-experts")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default=None,
    help="The file's format (default: recognised from the bytes).",
)
def import_experts(file: Path, fmt: str | None) -> None:
    """导入评标专家 / Import experts from a CSV or XLSX file: all rows or none."""
    from bidding.core.db.engine import create_engine, session_factory
    from bidding.core.db.migrate import ensure_schema

    settings = load_settings()
    data = file.read_bytes()

    async def go() -> int:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.effective_database_url)
        try:
            await ensure_schema(engine, auto_migrate=settings.should_auto_migrate)
            try:
                result = await run_import(
                    session_factory(engine),
                    OPERATOR,
                    data,
                    key=id_number_key(settings.resolved_secret("secret_key")),
                    now=clock_for(settings.clock_offset_file).now(),
                    fmt="xlsx" if fmt == "xlsx" else "csv" if fmt == "csv" else None,
                    source_name=file.name,
                )
            except PoolImportRefused as exc:
                click.echo(f"{file}: {exc.code}: {exc.text('en')}", err=True)
                for error in exc.errors:
                    click.echo(f"  row {error.row} {error.field}: {error.message_en} / {error.message_zh}", err=True)
                return 1
        finally:
            await engine.dispose()
        summary = asdict(result)
        summary.pop("experts")
        click.echo(json.dumps({"file": str(file), **summary}, ensure_ascii=False))
        return 0

    if run_guarded(go()):
        sys.exit(1)


@click.command("list")
@click.option("--q", "q", default=None, help="A name or registry number containing this.")
@click.option("--specialty", default=None, help="A specialty code; a group takes its sub-specialties.")
@click.option("--status", type=click.Choice([s.value for s in ExpertStatus]), default=None)
@click.option("--region", default=None, help="A GB/T 2260 code prefix (32 Jiangsu, 3201 Nanjing).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True)
def list_experts(q: str | None, specialty: str | None, status: str | None, region: str | None, limit: int) -> None:
    """列出专家库 / List the expert pool as JSON lines, by registry number."""
    from bidding.core.db.engine import create_engine, session_factory
    from bidding.core.db.migrate import ensure_schema

    settings = load_settings()

    async def go() -> int:
        engine = create_engine(settings.effective_database_url)
        try:
            await ensure_schema(engine, auto_migrate=settings.should_auto_migrate)
            async with session_factory(engine)() as db:
                rows = await search(
                    db,
                    today=china_day(clock_for(settings.clock_offset_file).now()),
                    q=q,
                    specialty=specialty,
                    status=ExpertStatus(status) if status else None,
                    region=region,
                    limit=limit,
                )
        finally:
            await engine.dispose()
        for row in rows:
            click.echo(json.dumps(asdict(row), ensure_ascii=False, default=str))
        return 0

    if run_guarded(go()):
        sys.exit(1)


COMMANDS = (import_experts, list_experts)
