"""A witness's rules (C2SP ``tlog-witness`` §add-checkpoint, ``tlog-cosignature``), without HTTP.

A witness keeps, per log origin, the size and root hash of the latest checkpoint it cosigned (a JSON
file, replaced atomically under an ``fcntl`` lock) and cosigns a new checkpoint only when it is
signed by a key it trusts for that origin and is consistent with what it cosigned before, so that a
log can never show two different histories to people who rely on the witness:

====================================================================  ======
the request body does not parse (``old`` line, proof lines, note)     400
the checkpoint's origin is not one of the configured logs             404
no trusted log key signed it, or a trusted key's signature fails      403
``old`` is larger than the checkpoint's size                          400
``old`` is not the size the witness last cosigned (0 if none)         409 + that size (``text/x.tlog.size``)
a size-0 checkpoint whose root is not SHA-256("")                     422
same size as the last cosigned one but another root                   422
``old`` is 0 and a proof is given, or the RFC 9162 proof fails        422
====================================================================  ======

Otherwise the witness cosigns (``cosignature/v1``, timestamp = its clock's now, never 0), stores
the new size and root *before* answering, and returns the cosignature line. The check against the
stored size and the update happen under one lock (tlog-witness: "must be performed atomically"),
so a witness never cosigns a smaller size, nor a second root at one size.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Final

from bidding.core.clock import Clock
from crypto.tlog.checkpoint import Checkpoint, CheckpointError
from crypto.tlog.cosignature import CosignatureSigner
from crypto.tlog.merkle import ConsistencyError, empty_root, verify_consistency
from crypto.tlog.note import (
    BadSignature,
    Ed25519Verifier,
    MalformedNote,
    Note,
    b64decode_strict,
    parse_note,
    verify_signatures,
)

__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_MEDIA_TYPE",
    "AddCheckpoint",
    "BadOldSize",
    "InconsistentCheckpoint",
    "LogRecord",
    "MalformedRequest",
    "SizeConflict",
    "UnknownLog",
    "UntrustedCheckpoint",
    "Witness",
    "WitnessRefusal",
    "WitnessState",
    "WitnessStateError",
    "origin_hash",
    "parse_request",
]

MAX_PROOF_LINES: Final = 63
"""tlog-witness §add-checkpoint: "The client MUST NOT send more than 63 consistency proof lines"."""
SIZE_MEDIA_TYPE: Final = "text/x.tlog.size"
"""The Content-Type of a 409 answer, whose body is the witness's size and a newline."""
_OLD_LINE: Final = re.compile(r"old (0|[1-9][0-9]{0,19})")
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_MAX_SIZE: Final = 2**64 - 1
_HASH_SIZE: Final = 32


class WitnessRefusal(Exception):
    """The witness does not cosign; ``status`` is the HTTP status tlog-witness names for the cause."""

    status: ClassVar[int] = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedRequest(WitnessRefusal):
    """The body is not ``old <size>``, ≤ 63 base64 hashes, a blank line and a checkpoint note (400)."""

    status = 400


class BadOldSize(MalformedRequest):
    """``old`` is larger than the checkpoint's size (400: "The old size MUST be equal to or lower")."""


class UnknownLog(WitnessRefusal):
    """The checkpoint's origin is not a log this witness follows (404)."""

    status = 404


class UntrustedCheckpoint(WitnessRefusal):
    """No trusted key of the origin signed the checkpoint, or a trusted key's signature fails (403)."""

    status = 403


class SizeConflict(WitnessRefusal):
    """``old`` is not the size of the latest checkpoint cosigned for the origin (409); ``size`` is."""

    status = 409

    def __init__(self, size: int) -> None:
        super().__init__(f"the witness's latest cosigned size is {size}")
        self.size = size

    def body(self) -> str:
        """The 409 body: the size in decimal and a newline (Content-Type :data:`SIZE_MEDIA_TYPE`)."""
        return f"{self.size}\n"


class InconsistentCheckpoint(WitnessRefusal):
    """The checkpoint is not provably consistent with the one cosigned before (422)."""

    status = 422


class WitnessStateError(RuntimeError):
    """The state file is unreadable or not what this module writes: an operator must look."""


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint body: the old size, the proof hashes and the checkpoint note."""

    old: int
    proof: tuple[bytes, ...]
    note: Note
    checkpoint: Checkpoint


def parse_request(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint body strictly (tlog-witness §add-checkpoint): ``old <decimal, no
    leading zeroes>\\n``, at most 63 lines of standard base64 of a 32-byte hash, an empty line, then a
    signed note whose text is a checkpoint (tlog-checkpoint). Any deviation is :class:`MalformedRequest`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("the body is not UTF-8") from None
    head, blank, rest = text.partition("\n\n")
    if not blank:
        raise MalformedRequest("the body has no empty line between the old size and proof lines and the checkpoint")
    old_line, *proof_lines = head.split("\n")
    matched = _OLD_LINE.fullmatch(old_line)
    if matched is None or int(matched[1]) > _MAX_SIZE:
        raise MalformedRequest("the first line is 'old <size>' (ASCII decimal, no leading zeroes)")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise MalformedRequest(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for number, line in enumerate(proof_lines, 1):
        try:
            digest = b64decode_strict(line, f"proof line {number}")
        except MalformedNote as exc:
            raise MalformedRequest(exc.message) from None
        if len(digest) != _HASH_SIZE:
            raise MalformedRequest(f"proof line {number} is not a {_HASH_SIZE}-byte hash")
        proof.append(digest)
    try:
        note = parse_note(rest)
        checkpoint = Checkpoint.parse(note.text)
    except (MalformedNote, CheckpointError) as exc:
        raise MalformedRequest(f"the checkpoint is not a signed note of a checkpoint: {exc}") from None
    return AddCheckpoint(int(matched[1]), tuple(proof), note, checkpoint)


def origin_hash(origin: str) -> str:
    """Lowercase hex SHA-256 of the origin: the monitoring path ``<prefix>/<origin hash>/checkpoint``."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LogRecord:
    """What the witness keeps for one origin: the latest cosigned size and root, and that checkpoint
    as served to monitors (the verified log signatures and the witness's cosignature)."""

    size: int
    root: bytes
    checkpoint: str

    def as_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": base64.b64encode(self.root).decode("ascii"), "checkpoint": self.checkpoint}

    @classmethod
    def from_json(cls, raw: Any) -> LogRecord:
        if not isinstance(raw, dict):
            raise WitnessStateError("a log's record is an object")
        size, root, checkpoint = raw.get("size"), raw.get("root"), raw.get("checkpoint")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= _MAX_SIZE:
            raise WitnessStateError("a log's size is a whole number")
        if not isinstance(root, str) or not isinstance(checkpoint, str):
            raise WitnessStateError("a log's root and checkpoint are strings")
        try:
            digest = b64decode_strict(root, "a stored root")
        except MalformedNote as exc:
            raise WitnessStateError(exc.message) from None
        if len(digest) != _HASH_SIZE:
            raise WitnessStateError("a stored root is 32 bytes")
        return cls(size, digest, checkpoint)


class WitnessState:
    """The JSON state file ``{"logs": {origin: {"size", "root", "checkpoint"}}}``: read and replaced
    whole (write to a temporary file, fsync, rename) while holding an exclusive ``flock`` on the
    side file ``<state>.lock``, so several threads or processes serving one witness take turns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.locked() as records:
            if not path.exists():
                self._write(records)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, LogRecord]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise WitnessStateError(f"the witness state {self.path} is unreadable: {exc}") from exc
        logs = raw.get("logs") if isinstance(raw, dict) else None
        if not isinstance(logs, dict):
            raise WitnessStateError(f"the witness state {self.path} has no 'logs' object")
        return {str(origin): LogRecord.from_json(record) for origin, record in logs.items()}

    def _write(self, records: dict[str, LogRecord]) -> None:
        data = json.dumps({"logs": {o: r.as_json() for o, r in sorted(records.items())}}, ensure_ascii=False, indent=1)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            os.unlink(temporary)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    @contextmanager
    def locked(self) -> Iterator[dict[str, LogRecord]]:
        """The records, locked until the block ends; call :meth:`save` inside it to change them."""
        with self._lock():
            yield self._read()

    def save(self, records: dict[str, LogRecord]) -> None:
        """Replace the file with ``records``; only inside :meth:`locked`."""
        self._write(records)

    def read(self) -> dict[str, LogRecord]:
        """The records as last saved (a rename is atomic: no lock needed to read a whole file)."""
        return self._read()


class Witness:
    """One witness key, the logs it follows (their Ed25519 verifier keys, origin = key name, as
    tlog-checkpoint §Signatures recommends) and its state."""

    def __init__(self, signer: CosignatureSigner, log_vkeys: Sequence[str], state: WitnessState, clock: Clock) -> None:
        self.signer = signer
        self.state = state
        self.clock = clock
        self._logs: dict[str, list[Ed25519Verifier]] = {}
        for vkey in log_vkeys:
            verifier = Ed25519Verifier.from_vkey(vkey)
            known = self._logs.setdefault(verifier.name, [])
            if any(k.key_id == verifier.key_id for k in known):
                if any(k.vkey == verifier.vkey for k in known):
                    continue
                raise ValueError(f"two log keys are named {verifier.name}+{verifier.key_id.hex()}")
            known.append(verifier)
        if not self._logs:
            raise ValueError("a witness follows at least one log key")

    @property
    def vkey(self) -> str:
        """The witness's cosignature/v1 verifier key (tlog-cosignature), for the logs' settings."""
        return self.signer.vkey

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(sorted(self._logs))

    def add_checkpoint(self, body: bytes) -> str:
        """Handle one add-checkpoint body: the cosignature line (with its newline) or a
        :class:`WitnessRefusal` subclass naming the spec's status. The new state is saved first."""
        request = parse_request(body)
        checkpoint = request.checkpoint
        verifiers = self._logs.get(checkpoint.origin)
        if verifiers is None:
            raise UnknownLog(f"this witness does not follow the log {checkpoint.origin!r}")
        try:
            logged = verify_signatures(request.note, verifiers)
        except BadSignature:
            raise UntrustedCheckpoint("a trusted log key's signature on the checkpoint does not verify") from None
        if not logged:
            raise UntrustedCheckpoint(f"no trusted key of {checkpoint.origin} signed the checkpoint")
        if request.old > checkpoint.size:
            raise BadOldSize(f"old size {request.old} is larger than the checkpoint's size {checkpoint.size}")
        if checkpoint.size == 0 and not hmac.compare_digest(checkpoint.root, empty_root()):
            raise InconsistentCheckpoint("a checkpoint of size 0 has the root of the empty tree")
        with self.state.locked() as records:
            record = records.get(checkpoint.origin)
            stored = 0 if record is None else record.size
            if request.old != stored:
                raise SizeConflict(stored)
            if record is not None and checkpoint.size == record.size:
                if not hmac.compare_digest(checkpoint.root, record.root):
                    raise InconsistentCheckpoint(
                        f"another root than the one cosigned for size {record.size}: the log forked"
                    )
                if request.proof:
                    raise InconsistentCheckpoint("the proof between equal sizes is empty")
            elif request.old == 0:
                if request.proof:
                    raise InconsistentCheckpoint("the proof from old size 0 is empty")
            else:
                assert record is not None  # old == stored > 0
                try:
                    verify_consistency(record.size, checkpoint.size, request.proof, record.root, checkpoint.root)
                except ConsistencyError as exc:
                    raise InconsistentCheckpoint(f"the consistency proof does not verify: {exc}") from None
            timestamp = int(self.clock.now().timestamp())
            if timestamp <= 0:
                raise RuntimeError("the witness's clock is not after 1970: a cosignature's time is never 0")
            cosignature = self.signer.cosign(request.note.text, timestamp)
            records[checkpoint.origin] = LogRecord(
                checkpoint.size, checkpoint.root, Note(request.note.text, (*logged, cosignature)).encode()
            )
            self.state.save(records)
        return cosignature.line()

    def latest(self, hashed_origin: str) -> str | None:
        """The latest cosigned checkpoint of the log whose origin hashes to ``hashed_origin``
        (tlog-witness §Monitor Retrieval Mechanism), or None if it never cosigned one."""
        if not _HEX64.fullmatch(hashed_origin):
            return None
        for origin, record in self.state.read().items():
            if hmac.compare_digest(origin_hash(origin), hashed_origin):
                return record.checkpoint
        return None
