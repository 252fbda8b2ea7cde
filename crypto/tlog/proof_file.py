"""C2SP ``tlog-proof@v1`` (https://c2sp.org/tlog-proof): an offline-verifiable proof that an entry is in a
transparency log, as a text file with extension ``.tlog-proof``::

    c2sp.org/tlog-proof@v1
    extra <base64>            (optional, opaque, NOT authenticated)
    index <N>                 (0-based, ASCII decimal, no leading zeroes)
    <base64 hash>             (zero or more: the RFC 6962 §2.1.1 inclusion path, leaf's sibling first)

    <the checkpoint signed note, verbatim, with its signature and cosignature lines>

Verification (§Verifying a tlog proof) runs in the spec's order, each step with its own error:
1. the leaf hash (:class:`LeafMismatch`); 2. the checkpoint's origin (:class:`WrongOrigin`) and the log's
signature (:class:`LogSignatureInvalid`); 3. the witnesses' cosignatures, k of n
(:class:`NotEnoughCosignatures`); 4. the inclusion proof to the signed root (:class:`InclusionFailed`).
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from crypto.errors import CryptoError
from crypto.tlog import checkpoint as cp
from crypto.tlog.cosignature import Cosignature, CosignatureError, CosignatureVerifier
from crypto.tlog.merkle import HASH_SIZE, InclusionError, verify_inclusion
from crypto.tlog.merkle import leaf_hash as rfc6962_leaf_hash
from crypto.tlog.note import (
    BadSignature,
    Ed25519Verifier,
    NoteError,
    Signature,
    b64decode_strict,
    parse_note,
    verify_signatures,
)

__all__ = [
    "HEADER",
    "MAX_PROOF_FILE",
    "MAX_PROOF_HASHES",
    "InclusionFailed",
    "InvalidKey",
    "LeafMismatch",
    "LogSignatureInvalid",
    "MalformedProof",
    "NotEnoughCosignatures",
    "ProofFileError",
    "TlogProof",
    "Verified",
    "WrongOrigin",
    "verify_proof_file",
]

HEADER: Final = "c2sp.org/tlog-proof@v1"
MAX_PROOF_FILE: Final = 256 * 1024
MAX_PROOF_HASHES: Final = 64
"""A tree of at most 2^64 leaves has inclusion paths of at most 64 hashes."""
_DECIMAL: Final = re.compile(r"0|[1-9][0-9]*")


class ProofFileError(CryptoError):
    """A ``.tlog-proof`` file is malformed or does not verify; the subclass names the failing step."""

    code = "tlog_proof_invalid"


class MalformedProof(ProofFileError):
    """The file, or the checkpoint note in it, breaks the tlog-proof / signed-note / checkpoint syntax."""

    code = "tlog_proof_malformed"


class InvalidKey(ProofFileError):
    """The log's or a witness's verifier key, as given by the caller, is malformed."""

    code = "tlog_proof_invalid_key"


class LeafMismatch(ProofFileError):
    """Step 1: the leaf data given does not hash to the leaf hash given."""

    code = "tlog_proof_leaf_mismatch"


class WrongOrigin(ProofFileError):
    """Step 2: the checkpoint is from another log than the one accepted."""

    code = "tlog_proof_wrong_origin"


class LogSignatureInvalid(ProofFileError):
    """Step 2: the checkpoint is not signed by the log's key, or the log's signature does not verify."""

    code = "tlog_proof_log_signature"


class NotEnoughCosignatures(ProofFileError):
    """Step 3: fewer known witnesses than the policy needs cosigned, or a known witness's cosignature fails."""

    code = "tlog_proof_cosignatures"


class InclusionFailed(ProofFileError):
    """Step 4: the inclusion proof does not lead from the leaf to the checkpoint's root."""

    code = "tlog_proof_inclusion"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class TlogProof:
    """One proof file: leaf index, inclusion path, the signed checkpoint verbatim, and optional extra data."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or not 0 <= self.index < 2**64:
            raise MalformedProof("the index is an integer from 0 to 2^64 - 1")
        if len(self.proof) > MAX_PROOF_HASHES or any(len(h) != HASH_SIZE for h in self.proof):
            raise MalformedProof(f"the inclusion proof is at most {MAX_PROOF_HASHES} hashes of {HASH_SIZE} bytes")
        if not self.checkpoint or not self.checkpoint.endswith("\n") or self.checkpoint.startswith("\n"):
            raise MalformedProof("the checkpoint is a signed note ending with a newline")

    def encode(self) -> str:
        """The file's text (tlog-proof §Format)."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {_b64(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(_b64(h) for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, text: str | bytes) -> TlogProof:
        """Parse a proof file strictly (canonical base64, no leading zeroes), so that
        ``parse(t).encode() == t``. The checkpoint is kept verbatim; it is checked when verified."""
        if len(text) > MAX_PROOF_FILE:
            raise MalformedProof(f"a proof file is at most {MAX_PROOF_FILE} bytes")
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedProof("a proof file is UTF-8 text") from None
        head, sep, checkpoint = text.partition("\n\n")
        if not sep:
            raise MalformedProof("a blank line separates the proof from the checkpoint")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise MalformedProof(f"the first line of a proof file is {HEADER}")
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            extra = b64decode_strict(rest.pop(0)[len("extra ") :], "the extra data", MalformedProof)
        if not rest or not rest[0].startswith("index "):
            raise MalformedProof("the line after the header (and extra) is 'index <N>'")
        index_text = rest.pop(0)[len("index ") :]
        if not _DECIMAL.fullmatch(index_text):
            raise MalformedProof("the index is ASCII decimal without leading zeroes")
        proof = tuple(b64decode_strict(line, "an inclusion proof hash", MalformedProof) for line in rest)
        return cls(int(index_text), proof, checkpoint, extra)


@dataclass(frozen=True)
class Verified:
    """What a verified proof file establishes: leaf ``index`` with ``leaf_hash`` is in the tree of
    ``checkpoint``, signed by the log and cosigned by the listed witnesses. ``extra`` is unauthenticated
    unless it was itself the leaf (``leaf_from_extra``)."""

    checkpoint: cp.Checkpoint
    index: int
    leaf_hash: bytes
    log_signature: Signature
    cosignatures: tuple[Cosignature, ...]
    extra: bytes | None
    leaf_from_extra: bool

    def __str__(self) -> str:
        tree = self.checkpoint
        text = f"leaf {self.index} ({self.leaf_hash.hex()}) is in {tree.origin} at tree size {tree.size}"
        for cosig in self.cosignatures:
            text += f"; cosigned by {cosig.name} at {cosig.timestamp}"
        return text


def _leaf(proof: TlogProof, leaf_data: bytes | None, given: bytes | None) -> tuple[bytes, bool]:
    if given is not None and len(given) != HASH_SIZE:
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
    if leaf_data is not None:
        computed = rfc6962_leaf_hash(leaf_data)
        if given is not None and not hmac.compare_digest(computed, given):
            raise LeafMismatch("the leaf data does not hash to the leaf hash given")
        return computed, False
    if given is not None:
        return given, False
    if proof.extra is None:
        raise ValueError("give the leaf data or its hash: the proof file has no extra data to take as the leaf")
    return rfc6962_leaf_hash(proof.extra), True


def verify_proof_file(
    text: str | bytes,
    leaf_data: bytes | None = None,
    *,
    leaf_hash: bytes | None = None,
    origin: str,
    log_vkey: str,
    witness_vkeys: Sequence[str] = (),
    witnesses_needed: int = 0,
) -> Verified:
    """Verify a ``.tlog-proof`` offline (tlog-proof §Verifying a tlog proof, steps 1-4 in order).

    The leaf is ``leaf_data`` (hashed as RFC 6962 ``SHA-256(0x00 || data)``), or ``leaf_hash`` directly,
    or, when neither is given, the file's ``extra`` data taken as the leaf itself (the inclusion proof
    then authenticates it). ``log_vkey`` is the log's Ed25519 verifier key; ``witness_vkeys`` are
    cosignature/v1 keys, of which ``witnesses_needed`` must have cosigned.
    """
    proof = TlogProof.parse(text)
    try:
        log_verifier = Ed25519Verifier.from_vkey(log_vkey)
        witnesses = [CosignatureVerifier.from_vkey(vkey) for vkey in witness_vkeys]
    except NoteError as exc:  # CosignatureError included
        raise InvalidKey(exc.message) from None
    if len({(w.name, w.key_id) for w in witnesses}) != len(witnesses):
        raise InvalidKey("a witness key is given twice")
    if not 0 <= witnesses_needed <= len(witnesses):
        raise ValueError("witnesses_needed is between 0 and the number of witness keys")
    hashed, from_extra = _leaf(proof, leaf_data, leaf_hash)  # step 1
    try:
        note = parse_note(proof.checkpoint)
        checkpoint = cp.Checkpoint.parse(note.text)
    except NoteError as exc:  # CheckpointError included
        raise MalformedProof(f"the checkpoint: {exc.message}") from None
    if checkpoint.origin != origin:  # step 2
        raise WrongOrigin(f"the checkpoint is from {checkpoint.origin!r}, not {origin!r}")
    try:
        logged = verify_signatures(note, [log_verifier])
    except BadSignature as exc:
        raise LogSignatureInvalid(exc.message) from None
    if not logged:
        raise LogSignatureInvalid(f"the checkpoint is not signed by the log key {log_verifier.name}")
    try:  # step 3
        cosigned = [Cosignature.from_signature(sig) for sig in verify_signatures(note, witnesses)]
    except (BadSignature, CosignatureError) as exc:
        raise NotEnoughCosignatures(exc.message) from None
    if len(cosigned) < witnesses_needed:
        raise NotEnoughCosignatures(f"{len(cosigned)} known witnesses cosigned; {witnesses_needed} are needed")
    try:  # step 4
        verify_inclusion(hashed, proof.index, checkpoint.size, proof.proof, checkpoint.root)
    except InclusionError as exc:
        raise InclusionFailed(str(exc)) from None
    return Verified(checkpoint, proof.index, hashed, logged[0], tuple(cosigned), proof.extra, from_extra)
