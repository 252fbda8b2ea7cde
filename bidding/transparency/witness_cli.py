"""``bidding log witness``: run a witness (C2SP ``tlog-witness``) for a supervisor or another centre.

It needs none of the platform's settings, database or keys: only its own key file (created on the
first run, a ``cosignature/v1`` Ed25519 key in Go's ``PRIVATE+KEY+<name>+<id>+<key>`` form, mode
0600), the verifier key of each log it follows (``--log-vkey``, repeatable; the key's name is the
log's origin) and its state file (the latest cosigned size and root per log). It prints its verifier
key on the first line of stdout — what the platform puts in ``BIDDING_LOG_WITNESSES`` — and serves
:mod:`bidding.transparency.witness_server` with uvicorn until stopped.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["witness_command"]


def _load_or_create_key(path: Path, name: str | None) -> tuple[str, bool]:
    """The key file's text, creating it (named ``name``) if missing; True when this call made it.
    Written to a private temporary file and linked into place: a racing second start keeps the first."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), False
    if not name:
        raise click.UsageError(f"{path} does not exist: give --name to create the witness key")
    from bidding.transparency.keys import write_new_key
    from crypto.tlog.cosignature import CosignatureSigner

    made = write_new_key(path, CosignatureSigner.generate(name))
    return path.read_text(encoding="utf-8").strip(), made


@click.command("witness")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The witness's signing key (PRIVATE+KEY+…, cosignature/v1); created if missing.",
)
@click.option("--name", help="The witness's key name when the key is created (e.g. witness.example.gov.cn/w1).")
@click.option(
    "--log-vkey",
    "log_vkeys",
    multiple=True,
    required=True,
    help="The verifier key of a log to follow (its name is the log's origin); repeatable.",
)
@click.option(
    "--state",
    "state_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The witness's state (JSON: the latest cosigned size and root per log); created empty.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=7380, show_default=True, type=click.IntRange(1, 65535), help="The port.")
def witness_command(
    key_file: Path, name: str | None, log_vkeys: tuple[str, ...], state_file: Path, host: str, port: int
) -> None:
    """Run a witness: cosign each log checkpoint consistent with the last one it cosigned (C2SP
    tlog-witness: POST /add-checkpoint, GET /vkey, GET /<sha256(origin)>/checkpoint)."""
    import uvicorn

    from bidding.core.clock import SystemClock
    from bidding.transparency.witness import Witness, WitnessState, WitnessStateError
    from bidding.transparency.witness_server import create_witness_app
    from crypto.errors import CryptoError
    from crypto.tlog.cosignature import CosignatureSigner

    text, made = _load_or_create_key(key_file, name)
    try:
        signer = CosignatureSigner.from_private_key_string(text)
    except CryptoError as exc:
        raise click.UsageError(f"{key_file}: {exc.message}") from None
    if name and name != signer.name:
        raise click.UsageError(f"{key_file} holds the key of {signer.name}, not {name}")
    try:
        witness = Witness(signer, log_vkeys, WitnessState(state_file), SystemClock())
    except (CryptoError, ValueError, WitnessStateError) as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(signer.vkey)
    click.echo(
        f"{'created' if made else 'loaded'} {key_file}; following {', '.join(witness.origins)}; "
        f"listening on http://{host}:{port}",
        err=True,
    )
    uvicorn.run(create_witness_app(witness), host=host, port=port, log_level="warning", access_log=False)
