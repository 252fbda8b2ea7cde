"""The `bidding` command: serve, worker, migrate, demo, doctor, settings."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

import click

from bidding.core.cli import fail, load_settings, run, run_guarded
from bidding.core.settings import Settings

if TYPE_CHECKING:
    from bidding.demo.seed import DemoSummary


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """电子招投标与不见面开标平台 / e-Bidding and Remote Bid-Opening Platform."""


@main.command()
@click.option("--host", default=None, help="Listen address (default BIDDING_HOST).")
@click.option("--port", type=int, default=None, help="Port (default BIDDING_PORT).")
@click.option("--workers", type=int, default=None, help="App processes (default BIDDING_WEB_WORKERS).")
@click.option("--demo", is_flag=True, help="Load the demo data before serving.")
@click.option(
    "--demo-opening-minutes",
    type=click.IntRange(0, 24 * 60),
    default=3,
    show_default=True,
    help=(
        "With --demo: the demo's live opening, played by simulated participants this many minutes after the "
        "first start (0: none; later starts finish it if it was cut off)."
    ),
)
def serve(host: str | None, port: int | None, workers: int | None, demo: bool, demo_opening_minutes: int) -> None:
    """Serve the web app and API with uvicorn."""
    import os

    import uvicorn

    from bidding.core.logs import configure_logging

    # Options become settings, so the app processes uvicorn spawns read the same values.
    for name, value in (("HOST", host), ("PORT", port), ("WEB_WORKERS", workers)):
        if value is not None:
            os.environ[f"BIDDING_{name}"] = str(value)
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    if demo:
        # Nothing else plays the demo's openings while this server starts: finish any that is overdue.
        _load_demo(settings, overdue_grace=timedelta(0))
    if not settings.should_auto_migrate:
        _check_schema(settings)
    if demo and demo_opening_minutes:
        _start_demo_opening(settings, demo_opening_minutes)
    click.echo(
        f"serving on {settings.effective_base_url}  (API docs: {settings.effective_base_url}/api/docs)", err=True
    )
    uvicorn.run(
        "bidding.asgi:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.web_workers,
        ws="websockets-sansio",
        # The opening room's frames are small JSON: per-message deflate would cost each viewer its own
        # zlib contexts (tens of KiB) and a compression per frame per viewer (issue 22, bench/README.md).
        ws_per_message_deflate=False,
        proxy_headers=True,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


def _check_schema(settings: Settings) -> None:
    from bidding.core.db.engine import create_engine
    from bidding.core.db.migrate import SchemaNotReady, ensure_schema

    async def check() -> None:
        engine = create_engine(settings.effective_database_url)
        try:
            await ensure_schema(engine, auto_migrate=False)
        finally:
            await engine.dispose()

    try:
        run(check())
    except SchemaNotReady as exc:
        fail(str(exc))


@main.command()
@click.option("--queue", type=click.Choice(["all", "default", "urgent"]), default="all", show_default=True)
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
def worker(queue: str, burst: bool) -> None:
    """Run job workers (production: as many processes as needed)."""
    from bidding.catalogue import CATALOGUE
    from bidding.core.jobs.registry import Queue
    from bidding.core.logs import configure_logging
    from bidding.core.platform import start_platform
    from bidding.worker import run_burst, run_until_stopped

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    queues = list(Queue) if queue == "all" else [Queue(queue)]

    async def work() -> None:
        async with start_platform(settings) as platform:
            if burst:
                done = await run_burst(platform, CATALOGUE, queues)
                click.echo(f"{done} jobs completed", err=True)
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await run_until_stopped(platform, CATALOGUE, queues, stop)

    run_guarded(work())


@main.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.option("--downgrade", "down", is_flag=True, help="Downgrade to --revision instead.")
@click.option("--check", is_flag=True, help="Only report whether the schema is at head (exit 1 if not).")
def migrate(revision: str, down: bool, check: bool) -> None:
    """Apply the database migrations (Alembic)."""
    from bidding.core.db import migrate as m
    from bidding.core.db.engine import create_engine

    settings = load_settings()

    async def go() -> None:
        engine = create_engine(settings.effective_database_url)
        try:
            if check:
                state = await m.schema_state(engine)
                click.echo(f"schema at {state.current or 'nothing'}, head is {state.head}")
                if not state.up_to_date:
                    sys.exit(1)
                return
            if down:
                await m.downgrade(engine, revision)
            else:
                settings.data_dir.mkdir(parents=True, exist_ok=True)
                await m.upgrade(engine, revision)
            state = await m.schema_state(engine)
            click.echo(f"schema now at {state.current or 'nothing'} (head {state.head})")
        finally:
            await engine.dispose()

    run(go())


def _load_demo(settings: Settings, *, overdue_grace: timedelta | None = None) -> None:
    """Load what is missing of the demo; print what was added, and the operator token once."""
    from bidding.core.platform import start_platform
    from bidding.demo.seed import OVERDUE_GRACE, load_demo

    identities = settings.data_dir / "demo" / "identities"

    async def go() -> DemoSummary:
        async with start_platform(settings) as platform:
            return await load_demo(
                platform,
                now=platform.clock.now(),
                identities_dir=identities,
                overdue_grace=OVERDUE_GRACE if overdue_grace is None else overdue_grace,
            )

    summary = run_guarded(go())
    if summary.created:
        click.echo(
            f"demo data loaded: {summary.organisations} organisations, {summary.projects} projects, "
            f"{summary.bids} sealed bids, {summary.openings} openings, {summary.identities} user certificates, "
            f"{summary.experts} experts in the pool",
            err=True,
        )
    else:
        click.echo("demo data already present: nothing added", err=True)
    # The token goes to the terminal (and its file), never to the logs, which collectors keep.
    click.echo(f"operator token: {settings.resolved_secret('admin_token')}", err=True)
    click.echo(f"demo users' keys and certificates (passphrase 'demo'): {identities}/*/identity.p12", err=True)


def _start_demo_opening(settings: Settings, minutes: int) -> None:
    """The demo's live lot: its opening played once the server is up (the demo's load, just before,
    finished it if a previous start was stopped after its deadline)."""
    from bidding.core.platform import start_platform
    from bidding.demo.opening import (
        DemoOpening,
        ensure_live_lot,
        local_url,
        opening_state,
        start_in_background,
    )
    from bidding.demo.tender import beijing
    from opening_room.states import FINAL, State

    identities = settings.data_dir / "demo" / "identities"
    base = settings.effective_base_url

    async def go() -> tuple[DemoOpening, State]:
        async with start_platform(settings) as platform:
            now = platform.clock.now()
            opening = await ensure_live_lot(platform, now=now, minutes=minutes)
            return opening, await opening_state(platform, opening.lot_id)

    opening, state = run_guarded(go())
    if state in FINAL:
        pdf = f"{base}/api/public/openings/{opening.lot_id}/record.pdf"
        record = f"; its record: {pdf}" if state is State.CLOSED else ""
        click.echo(
            f"demo opening: project {opening.code} was opened at {beijing(opening.deadline)} ({state.value}){record} "
            "(for another live opening, start with an empty BIDDING_DATA_DIR)",
            err=True,
        )
        return
    start_in_background(local_url(settings.host, settings.port), opening, identities, audience=base)
    click.echo(
        f"demo opening: project {opening.code}, lot {opening.lot_id}, opens at {beijing(opening.deadline)}; "
        f"watch it at {base}/openings/{opening.lot_id}/live or: bidding room join --watch "
        f"--url {base} --lot {opening.lot_id}",
        err=True,
    )


@main.command()
def demo() -> None:
    """Load the demo data (trading centre, agent, bidders, projects in every phase) once."""
    from bidding.core.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    _load_demo(settings)


@main.command()
def doctor() -> None:
    """Check every dependency and say what is wrong."""
    from bidding.operations.doctor import diagnose

    settings = load_settings()
    click.echo("settings: ok")
    findings = run(diagnose(settings))
    for f in findings:
        mark = click.style("✓", fg="green") if f.ok else click.style("✗", fg="red")
        click.echo(f"{mark} {f.name}: {f.detail}")
        if not f.ok and f.fix:
            click.echo(f"    fix: {f.fix}")
    essential = [f for f in findings if f.name in {"database", "redis", "storage"}]
    sys.exit(0 if all(f.ok for f in essential) else 1)


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the table of all settings (as in the README).")
def show_settings(markdown: bool) -> None:
    """Show the effective settings (secrets masked)."""
    if markdown:
        click.echo(Settings.markdown_table())
        return
    for name, value in load_settings().describe():
        click.echo(f"{name}={value}")


def _register() -> None:
    from bidding.archive.cli import COMMANDS as ARCHIVE
    from bidding.deposits.cli import COMMANDS as DEPOSITS
    from bidding.experts.cli import COMMANDS as EXPERTS
    from bidding.identity.cli import COMMANDS as IDENTITY
    from bidding.opendata.cli import COMMANDS as OPENDATA
    from bidding.room_cli import COMMANDS as ROOM
    from bidding.submission.cli import COMMANDS as SEALING
    from bidding.transparency.cli import COMMANDS as LOG
    from bidding.verification.cli import verify_pdf

    for command in (*IDENTITY, *SEALING, *ROOM, *DEPOSITS, *EXPERTS, *ARCHIVE, *OPENDATA, *LOG, verify_pdf):
        main.add_command(command)


_register()
