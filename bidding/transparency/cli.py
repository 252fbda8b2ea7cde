"""`bidding log …`: the transparency log on the command line (``docs/transparency-log.md``).

* ``vkey`` — print the log's verifier key (what anyone needs to check checkpoints and proofs);
* ``init-key [--origin O]`` — create the log's signing key where the platform may not create it itself;
* ``sequence [--all]`` — give leaves to the rows not yet logged now (the 5-second job does it by
  itself; ``--all`` looks at every row, not the recent window);
* ``checkpoint`` — sign a checkpoint of the current tree now if it has grown;
* ``audit`` — recompute the tree from the rows and check it against every signed checkpoint; prints
  each finding as a JSON line and exits 1 if there is any;
* ``verify-proof FILE --vkey KEY`` — check a ``.tlog-proof`` offline (no settings, database or network);
* ``witness --key FILE --log-vkey KEY --state FILE`` — run a witness (C2SP tlog-witness) for a
  supervisor or another centre: it cosigns only checkpoints consistent with the last it saw.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import click

from bidding.core.cli import fail, load_settings, run_guarded
from bidding.transparency.witness_cli import witness_command

__all__ = ["COMMANDS", "log_group"]


@click.group("log")
def log_group() -> None:
    """The transparency log: verifier key, sequencing, checkpoints, audit, offline proof check."""


@log_group.command("vkey")
def vkey_command() -> None:
    """Print the log's verifier key (C2SP signed-note)."""
    from bidding.transparency.keys import log_signer

    click.echo(log_signer(load_settings()).vkey)


@log_group.command("init-key")
@click.option("--origin", help="The log's origin (default: BIDDING_LOG_ORIGIN, or the public host and /log).")
def init_key_command(origin: str | None) -> None:
    """Create the log's signing key under the CA directory (once; an existing key is kept)."""
    from bidding.transparency.keys import LOG_KEY_FILE, create_key, log_signer

    settings = load_settings()
    path = settings.effective_ca_dir / LOG_KEY_FILE
    made = create_key(path, origin or settings.effective_log_origin)
    click.echo(("created " if made else "kept the existing key ") + str(path))
    click.echo(log_signer(settings).vkey)


@log_group.command("sequence")
@click.option("--all", "everything", is_flag=True, help="Look at every row, not only the recent ones.")
def sequence_command(everything: bool) -> None:
    """Give leaves to the rows not yet in the log; prints how many."""
    from bidding.core.platform import start_platform
    from bidding.transparency.sequencer import WINDOW, sequence_all

    settings = load_settings()

    async def go() -> int:
        async with start_platform(settings) as platform:
            return await sequence_all(platform.sessions, platform.clock.now(), window=None if everything else WINDOW)

    click.echo(json.dumps({"appended": run_guarded(go())}))


@log_group.command("checkpoint")
def checkpoint_command() -> None:
    """Sign a checkpoint of the current tree now (if it has grown); prints its size."""
    from bidding.core.platform import start_platform
    from bidding.transparency.checkpoints import InconsistentLog, sign_next
    from bidding.transparency.keys import log_signer
    from bidding.transparency.witnessing import witness_checkpoint

    settings = load_settings()

    async def go() -> int | None:
        async with start_platform(settings) as platform:
            now = platform.clock.now()
            try:
                row = await sign_next(platform.sessions, log_signer(settings), now, every=timedelta(0))
            except InconsistentLog as exc:
                fail(f"refused: {exc}")
            if row is not None and settings.log_witnesses:
                await witness_checkpoint(platform.sessions, settings, log_signer(settings), row.size, now)
            return None if row is None else row.size

    click.echo(json.dumps({"signed": run_guarded(go())}))


@log_group.command("audit")
def audit_command() -> None:
    """Recompute the tree from the rows and check every signed checkpoint; exit 1 on any finding."""
    from bidding.core.platform import start_platform
    from bidding.transparency.audit import AuditReport, audit_log
    from bidding.transparency.keys import log_signer

    settings = load_settings()

    async def go() -> AuditReport:
        async with start_platform(settings) as platform:
            return await audit_log(platform.sessions, log_signer(settings))

    report = run_guarded(go())
    for finding in report.findings:
        click.echo(json.dumps(finding.as_dict(), ensure_ascii=False))
    summary = {"size": report.size, "checkpoints": report.checkpoints, "findings": len(report.findings)}
    click.echo(("INTACT 完整: " if report.ok else "NOT INTACT 不完整: ") + json.dumps(summary))
    if not report.ok:
        sys.exit(1)


@log_group.command("verify-proof")
@click.argument("proof_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--vkey", "vkey", required=True, help="The log's verifier key (from /log/vkey or the docs).")
@click.option(
    "--leaf", "leaf_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The leaf's data."
)
@click.option("--leaf-hash", help="The leaf's hash (hex), instead of its data.")
@click.option("--origin", help="The log's origin (default: the verifier key's name).")
@click.option("--witness", "witnesses", multiple=True, help="A witness's verifier key (repeatable).")
@click.option("--witnesses-needed", default=0, show_default=True, help="How many of the witnesses must have cosigned.")
def verify_proof_command(
    proof_file: Path,
    vkey: str,
    leaf_file: Path | None,
    leaf_hash: str | None,
    origin: str | None,
    witnesses: tuple[str, ...],
    witnesses_needed: int,
) -> None:
    """Check a .tlog-proof offline with only the log's verifier key (C2SP tlog-proof@v1)."""
    from crypto.tlog.proof_file import ProofFileError, verify_proof_file

    try:
        verified = verify_proof_file(
            proof_file.read_text(encoding="utf-8"),
            leaf_file.read_bytes() if leaf_file else None,
            leaf_hash=bytes.fromhex(leaf_hash) if leaf_hash else None,
            origin=origin or vkey.split("+", 1)[0],
            log_vkey=vkey,
            witness_vkeys=witnesses,
            witnesses_needed=witnesses_needed,
        )
    except (ProofFileError, ValueError) as exc:
        click.echo(f"NOT VERIFIED 未通过: {exc}", err=True)
        sys.exit(1)
    click.echo(f"VERIFIED 通过: {verified}")


log_group.add_command(witness_command)

COMMANDS = (log_group,)
