"""The log's signing key: an Ed25519 key named by the log's origin (C2SP signed-note, tlog-checkpoint),
kept beside the platform CA as ``log-key`` in the Go ``PRIVATE+KEY+<name>+<id>+<key>`` form.

Created once, where the platform may create its CA (the embedded default, or ``BIDDING_CA_CREATE``),
with ``BIDDING_LOG_ORIGIN`` (or the public host and ``/log``) as its name; from then on the file's
name is the origin, whatever the setting says — a log never changes its origin. Its verifier key
(``/log/vkey``) is what anyone needs to check checkpoints and proofs offline.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Final

from bidding.core.settings import Settings
from crypto.tlog.note import Ed25519Signer, Ed25519SigningKey

__all__ = ["LOG_KEY_FILE", "LogKeyMissing", "create_key", "log_signer", "write_new_key"]

LOG_KEY_FILE: Final = "log-key"


class LogKeyMissing(RuntimeError):
    """No log key where it should be, and this platform may not create one."""


def log_signer(settings: Settings) -> Ed25519Signer:
    """The log's signer (loaded once per process and key file)."""
    return _load(settings.effective_ca_dir / LOG_KEY_FILE, settings.effective_log_origin, settings.should_create_ca)


@cache
def _load(path: Path, origin: str, may_create: bool) -> Ed25519Signer:
    if not path.exists():
        if not may_create:
            raise LogKeyMissing(
                f"no transparency-log key at {path}: create one with `bidding log init-key` (docs/transparency-log.md)"
            )
        create_key(path, origin)
    return Ed25519Signer.from_private_key_string(path.read_text(encoding="utf-8").strip())


def create_key(path: Path, origin: str) -> bool:
    """Write a new log key named ``origin`` at ``path`` unless one is there; True if this call made it."""
    return write_new_key(path, Ed25519Signer.generate(origin))


def write_new_key(path: Path, key: Ed25519SigningKey[Any]) -> bool:
    """Write ``key`` (its ``PRIVATE+KEY`` form) at ``path`` unless a key is there; True if this call
    made it. Written whole to a private temporary file and linked into place: several processes may
    race, the first link wins and nobody reads a half-written key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(key.private_key_string() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)
