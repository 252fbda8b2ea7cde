"""C2SP ``tlog-checkpoint`` (https://c2sp.org/tlog-checkpoint, v1.0.0): a log's signed tree head.

The note text is three or more non-empty lines (§Note text): the origin (non-empty; SHOULD be a
schema-less URL with no spaces or ``+``), the tree size (ASCII decimal, no leading zeroes unless 0),
the root hash (standard base64 of the 32-byte RFC 6962 root), then optional opaque extension lines
(non-empty; NOT RECOMMENDED). It is signed as a C2SP signed note (:mod:`crypto.tlog.note`), with the
log's key name matching the origin (§Signatures, SHOULD); witnesses add tlog-cosignature lines.

Refusing to sign a checkpoint inconsistent with an earlier one (§Signatures, MUST) needs the log's
history and a consistency proof: the caller's job, before :func:`sign_checkpoint`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from crypto.tlog.cosignature import Cosignature, CosignatureVerifier
from crypto.tlog.note import (
    MalformedNote,
    Note,
    NoteError,
    Signature,
    Signer,
    UnverifiedNote,
    Verifier,
    b64decode_strict,
    check_key_name,
    parse_note,
    sign_note,
    verify_signatures,
)

__all__ = [
    "MAX_TREE_SIZE",
    "ROOT_SIZE",
    "Checkpoint",
    "CheckpointError",
    "OpenedCheckpoint",
    "TooFewCosignatures",
    "WrongOrigin",
    "open_checkpoint",
    "sign_checkpoint",
]

ROOT_SIZE: Final = 32
MAX_TREE_SIZE: Final = 2**64 - 1
_DECIMAL: Final = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(NoteError, ValueError):
    """A checkpoint body breaks tlog-checkpoint §Note text."""

    code = "checkpoint_malformed"


class WrongOrigin(CheckpointError):
    """The checkpoint names another log than the one expected."""

    code = "checkpoint_wrong_origin"


class TooFewCosignatures(NoteError):
    """Fewer known witnesses cosigned the checkpoint than the policy needs (tlog-proof, step 3)."""

    code = "checkpoint_too_few_cosignatures"


def _check_line(line: str, what: str) -> str:
    if not line or "\n" in line or any(ord(ch) < 0x20 for ch in line):
        raise CheckpointError(f"the {what} line is non-empty, on one line, without control characters")
    return line


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: origin, tree size, 32-byte root hash, and any extension lines (without newlines)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError("the tree size is an integer from 0 to 2^64 - 1")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_SIZE:
            raise CheckpointError(f"the root hash is {ROOT_SIZE} bytes")
        for line in self.extensions:
            _check_line(line, "extension")

    def body(self) -> str:
        """``origin\\nsize\\nbase64(root)\\n`` then each extension line (tlog-checkpoint §Note text)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint note text strictly, so that ``parse(b).body() == b``."""
        if not body.endswith("\n"):
            raise CheckpointError("a checkpoint body ends with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint body has an origin, a tree size and a root hash line")
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.fullmatch(size_text):
            raise CheckpointError("the tree size is ASCII decimal without leading zeroes")
        root = b64decode_strict(root_text, "the root hash", CheckpointError)
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a signed note with the log's signature (tlog-checkpoint §Signatures).
    The origin must be a valid key name (no spaces or ``+``), since the log's key is named after it;
    witnesses' cosignatures are added later with :func:`crypto.tlog.note.add_signatures`."""
    try:
        check_key_name(checkpoint.origin)
    except MalformedNote:
        raise CheckpointError("a signed checkpoint's origin has no spaces and no '+'") from None
    return sign_note(checkpoint.body(), [signer])


@dataclass(frozen=True)
class OpenedCheckpoint:
    """A verified checkpoint: the tree head, the parsed note, the log's signature and the verified
    cosignatures of known witnesses (with the time each states)."""

    checkpoint: Checkpoint
    note: Note
    log_signature: Signature
    cosignatures: tuple[Cosignature, ...]


def open_checkpoint(
    note: str | bytes,
    origin: str,
    log_verifier: Verifier,
    witnesses: Sequence[CosignatureVerifier] = (),
    need: int = 0,
) -> OpenedCheckpoint:
    """Verify a signed checkpoint in the order of tlog-proof §Verifying: the body parses and names
    ``origin`` (:class:`WrongOrigin`), the log's key signed it (:class:`~crypto.tlog.note.UnverifiedNote`,
    or :class:`~crypto.tlog.note.BadSignature` for a bad signature), and at least ``need`` of the known
    ``witnesses`` cosigned it (:class:`TooFewCosignatures`; a known witness's bad cosignature refuses the
    note with BadSignature, as signed-note §Signatures says). Unknown signature lines are ignored."""
    if not 0 <= need <= len(witnesses):
        raise ValueError("the cosignature policy needs between 0 and the number of known witnesses")
    parsed = parse_note(note)
    checkpoint = Checkpoint.parse(parsed.text)
    if checkpoint.origin != origin:
        raise WrongOrigin(f"the checkpoint is from {checkpoint.origin!r}, not {origin!r}")
    logged = verify_signatures(parsed, [log_verifier])
    if not logged:
        raise UnverifiedNote(f"the checkpoint is not signed by the log key {log_verifier.name}")
    cosigned = verify_signatures(parsed, list(witnesses))
    if len(cosigned) < need:
        raise TooFewCosignatures(f"{len(cosigned)} known witnesses cosigned the checkpoint; {need} are needed")
    return OpenedCheckpoint(checkpoint, parsed, logged[0], tuple(Cosignature.from_signature(s) for s in cosigned))
