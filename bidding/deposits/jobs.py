"""The deposit book's cron jobs (``docs/deposits.md`` "Import paths", "The daily balance check"):

* **the watched folder** (``BIDDING_DEPOSIT_WATCH_DIR``): every minute, each statement file dropped
  there (by the bank's SFTP, by an operator) is imported once, as the CLI and the upload import it
  (:func:`bidding.deposits.importer.import_file`), then moved to ``done/`` (imported, or found
  imported before) or ``failed/`` (refused by its format's adapter, with a ``.error.txt`` beside it
  naming the entry and the field). A file still being written is left for the next minute: hidden
  files, ``*.part``/``*.tmp``/``*.filepart``, and files changed in the last few seconds. Exactly
  once: a statement imported whole from the same bytes (SHA-256) before is answered at once, and
  every entry has its UNIQUE booking key, so a crash between the import and the move, or two
  workers on one folder, books nothing twice. A database that cannot be reached leaves the file
  where it is.
* **the daily balance check** (09:30 China time): the ledger balance of every collection account
  against the bank's last closing balance, a ``balance_mismatch`` alert for each that differs, and
  the report in the audit trail (:func:`bidding.deposits.finance.daily_balance_check`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import anyio

from bidding.core.actor import Actor
from bidding.core.jobs.registry import CronSpec
from bidding.deposits.errors import DepositError
from bidding.deposits.finance import StatementTooLarge, daily_balance_check
from bidding.deposits.importer import import_file

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["BALANCE_CHECK", "STATEMENT_WATCH", "FolderRun", "check_balances", "scan_folder", "watch_statement_folder"]

log = logging.getLogger("bidding.deposits")

WATCHER: Final = Actor.system("deposit-watch")
#: Names that mean "still being written" (SFTP clients and banks' agents write, then rename).
PARTIAL_SUFFIXES: Final = (".part", ".tmp", ".filepart", ".partial", ".crdownload")
#: A file changed more recently than this is left for the next run.
SETTLE_SECONDS: Final = 5.0
#: Where a file goes once imported, or once refused.
DONE, FAILED = "done", "failed"


@dataclass
class FolderRun:
    """What one pass over the folder did, file names by outcome."""

    imported: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    booked: int = 0
    duplicates: int = 0


def _ready(path: Path, now: float, settle: float) -> bool:
    """A regular file that is not still being written."""
    name = path.name
    if name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    return path.is_file() and now - info.st_mtime >= settle


def _move(path: Path, where: Path, sha256: str) -> Path:
    """Move ``path`` into ``where``; a name already there gets the file's digest added."""
    where.mkdir(parents=True, exist_ok=True)
    target = where / path.name
    if target.exists():
        target = where / f"{path.stem}.{sha256[:12]}{path.suffix}"
    os.replace(path, target)
    return target


def _listing(directory: Path, settle: float) -> tuple[list[Path], list[str]]:
    """The files ready to import, oldest first, and the names left for later."""
    if not directory.is_dir():
        return [], []
    now = time.time()
    ready: list[Path] = []
    later: list[str] = []
    for path in sorted((p for p in directory.iterdir() if p.is_file()), key=lambda p: (p.stat().st_mtime, p.name)):
        if _ready(path, now, settle):
            ready.append(path)
        else:
            later.append(path.name)
    return ready, later


def _refused(path: Path, directory: Path, sha256: str, exc: DepositError) -> None:
    moved = _move(path, directory / FAILED, sha256)
    moved.with_name(moved.name + ".error.txt").write_text(
        f"{exc.code}: {exc.text('en')}\n{exc.text('zh')}\n{exc.details}\n", encoding="utf-8"
    )


async def scan_folder(platform: Platform, directory: Path, *, settle: float = SETTLE_SECONDS) -> FolderRun:
    """One pass over ``directory``: import each settled file, oldest first, and move it on."""
    run = FolderRun()
    limit = platform.settings.deposit_statement_max_mib * 1024 * 1024
    ready, run.skipped = await anyio.to_thread.run_sync(_listing, directory, settle)
    for path in ready:
        try:
            data = await anyio.Path(path).read_bytes()
        except FileNotFoundError:  # another worker took it
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            if len(data) > limit:  # refused unread, like an oversized upload
                raise StatementTooLarge(
                    f"{path.name} is larger than {platform.settings.deposit_statement_max_mib} MiB",
                    f"{path.name} 超过 {platform.settings.deposit_statement_max_mib} MiB",
                )
            view = await import_file(
                platform.sessions,
                WATCHER,
                data,
                None,
                collections=platform.settings.deposit_collection_accounts,
                now=platform.clock.now(),
                source_name=path.name,
            )
        except DepositError as exc:
            await anyio.to_thread.run_sync(_refused, path, directory, sha256, exc)
            log.warning("statement file refused", extra={"file": path.name, "code": exc.code})
            run.failed.append(path.name)
            continue
        await anyio.to_thread.run_sync(_move, path, directory / DONE, sha256)
        run.imported.append(path.name)
        run.booked += view.booked
        run.duplicates += view.duplicates
    return run


async def watch_statement_folder(ctx: dict[str, Any]) -> dict[str, Any]:
    """The cron job: one pass over ``BIDDING_DEPOSIT_WATCH_DIR`` (nothing when it is not set)."""
    platform: Platform = ctx["platform"]
    directory = platform.settings.deposit_watch_dir
    if directory is None:
        return {"watching": False}
    run = await scan_folder(platform, directory)
    return {"watching": True, "imported": run.imported, "failed": run.failed, "booked": run.booked}


async def check_balances(ctx: dict[str, Any]) -> dict[str, Any]:
    """The cron job: the daily balance check, recorded."""
    platform: Platform = ctx["platform"]
    report = await daily_balance_check(platform)
    return {"ok": report.ok, "accounts": len(report.accounts)}


#: Every minute at :37 seconds.
STATEMENT_WATCH: Final = CronSpec("watch_statement_folder", watch_statement_folder, schedule={"second": {37}})
#: Daily at 01:30 UTC (09:30 China time), after the banks' end-of-day statements are in.
BALANCE_CHECK: Final = CronSpec("deposit_balance_check", check_balances, schedule={"hour": {1}, "minute": {30}})
