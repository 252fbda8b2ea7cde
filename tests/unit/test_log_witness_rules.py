"""The witness's rules alone (C2SP tlog-witness §add-checkpoint): what it cosigns, every refusal with
the status the spec names, and its state file (``bidding/transparency/witness.py``)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bidding.core.clock import ManualClock
from bidding.transparency.witness import (
    BadOldSize,
    InconsistentCheckpoint,
    MalformedRequest,
    SizeConflict,
    UnknownLog,
    UntrustedCheckpoint,
    Witness,
    WitnessRefusal,
    WitnessState,
    WitnessStateError,
    origin_hash,
    parse_request,
)
from crypto.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from crypto.tlog.cosignature import CosignatureSigner
from crypto.tlog.merkle import empty_root, leaf_hash, root_of, verify_consistency
from crypto.tlog.note import Ed25519Signer, Signature, add_signatures, parse_note

ORIGIN = "ggzy.example.cn/log"
NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
LEAVES = [leaf_hash(f"event {i}".encode()) for i in range(40)]


def subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF, written from the text (the reference the witness is checked against)."""
    n = len(leaves)
    if m == n:
        return [] if complete else [root_of(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], complete), root_of(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), root_of(leaves[:k])]


def proof(m: int, n: int, leaves: Sequence[bytes] = LEAVES) -> list[bytes]:
    return [] if m in (0, n) else subproof(m, leaves[:n], True)


def body(old: int, hashes: Sequence[bytes], note: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in hashes)]
    return ("".join(line + "\n" for line in lines) + "\n" + note).encode()


@pytest.fixture
def log_key() -> Ed25519Signer:
    return Ed25519Signer.generate(ORIGIN)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def witness(tmp_path: Path, log_key: Ed25519Signer, clock: ManualClock) -> Witness:
    other = Ed25519Signer.generate("other.example/log")
    state = WitnessState(tmp_path / "state" / "witness.json")
    return Witness(CosignatureSigner.generate("witness.example/w1"), [log_key.vkey, other.vkey], state, clock)


def checkpoint(log_key: Ed25519Signer, size: int, leaves: Sequence[bytes] = LEAVES) -> str:
    return sign_checkpoint(Checkpoint(log_key.name, size, root_of(leaves[:size])), log_key)


def add(witness: Witness, old: int, size: int, log_key: Ed25519Signer, hashes: Sequence[bytes] | None = None) -> str:
    return witness.add_checkpoint(body(old, proof(old, size) if hashes is None else hashes, checkpoint(log_key, size)))


def test_the_reference_proofs_verify() -> None:
    for m in range(1, 20):
        for n in range(m, 21):
            verify_consistency(m, n, proof(m, n), root_of(LEAVES[:m]), root_of(LEAVES[:n]))


def test_consistent_checkpoints_are_cosigned_and_remembered(
    witness: Witness, log_key: Ed25519Signer, clock: ManualClock
) -> None:
    assert json.loads(witness.state.path.read_text()) == {"logs": {}}  # created empty
    line = add(witness, 0, 7, log_key)
    assert line.startswith("\u2014 witness.example/w1 ") and line.endswith("\n") and line.count("\n") == 1
    cosigned = add_signatures(checkpoint(log_key, 7), [Signature.from_line(line[:-1])])
    opened = open_checkpoint(cosigned, ORIGIN, log_key.verifier, [witness.signer.verifier], need=1)
    assert opened.checkpoint.size == 7 and opened.cosignatures[0].timestamp == int(NOW.timestamp())
    assert witness.state.read()[ORIGIN].size == 7 and witness.state.read()[ORIGIN].root == root_of(LEAVES[:7])

    clock.set(datetime(2026, 12, 7, 4, 1, tzinfo=UTC))
    second = add(witness, 7, 23, log_key)
    again = add_signatures(checkpoint(log_key, 23), [Signature.from_line(second[:-1])])
    opened = open_checkpoint(again, ORIGIN, log_key.verifier, [witness.signer.verifier], need=1)
    assert opened.cosignatures[0].timestamp == int(NOW.timestamp()) + 60
    # The same checkpoint again is cosigned again (a fresher timestamp), nothing else changes.
    assert add(witness, 23, 23, log_key)
    assert witness.state.read()[ORIGIN].size == 23

    # Monitors read the latest one at /<sha256(origin)>/checkpoint: log signature and cosignature.
    served = witness.latest(origin_hash(ORIGIN))
    assert served is not None
    open_checkpoint(served, ORIGIN, log_key.verifier, [witness.signer.verifier], need=1)
    assert witness.latest(origin_hash("other.example/log")) is None
    assert witness.latest("../etc") is None


def test_a_new_witness_trusts_the_first_checkpoint_on_its_signature(witness: Witness, log_key: Ed25519Signer) -> None:
    with pytest.raises(SizeConflict) as conflict:
        add(witness, 5, 9, log_key)  # a client that thinks the witness saw 5
    assert conflict.value.status == 409 and conflict.value.body() == "0\n"
    with pytest.raises(InconsistentCheckpoint):  # from 0 the proof is empty
        witness.add_checkpoint(body(0, proof(4, 9), checkpoint(log_key, 9)))
    assert witness.state.read() == {}
    assert add(witness, 0, 9, log_key)


def test_the_empty_tree(witness: Witness, log_key: Ed25519Signer) -> None:
    bad = sign_checkpoint(Checkpoint(ORIGIN, 0, root_of(LEAVES[:1])), log_key)
    with pytest.raises(InconsistentCheckpoint) as refused:
        witness.add_checkpoint(body(0, [], bad))
    assert refused.value.status == 422
    empty = sign_checkpoint(Checkpoint(ORIGIN, 0, empty_root()), log_key)
    assert witness.add_checkpoint(body(0, [], empty))
    assert witness.state.read()[ORIGIN].size == 0
    assert add(witness, 0, 3, log_key)  # from a cosigned empty tree, the first real one: no proof


def refused(witness: Witness, request: bytes, kind: type[WitnessRefusal], status: int) -> WitnessRefusal:
    before = witness.state.path.read_bytes()
    with pytest.raises(kind) as caught:
        witness.add_checkpoint(request)
    assert caught.value.status == status
    assert witness.state.path.read_bytes() == before  # a refusal changes nothing
    return caught.value


def test_inconsistent_checkpoints_are_refused(witness: Witness, log_key: Ed25519Signer) -> None:
    add(witness, 0, 10, log_key)
    forked = [*LEAVES[:4], leaf_hash(b"edited"), *LEAVES[5:]]
    # Another root at the same size.
    refused(witness, body(10, [], checkpoint(log_key, 10, forked)), InconsistentCheckpoint, 422)
    # A larger tree whose proof is for another history: it cannot lead to the root the witness has.
    refused(witness, body(10, proof(10, 20, forked), checkpoint(log_key, 20, forked)), InconsistentCheckpoint, 422)
    # Every single bit flip of a valid proof.
    good = proof(10, 20)
    for i in range(len(good)):
        for bit in (0, 7, 255):
            flipped = list(good)
            flipped[i] = bytes(b ^ (1 << (bit % 8)) if j == bit // 8 else b for j, b in enumerate(flipped[i]))
            refused(witness, body(10, flipped, checkpoint(log_key, 20)), InconsistentCheckpoint, 422)
    refused(witness, body(10, good[:-1], checkpoint(log_key, 20)), InconsistentCheckpoint, 422)
    refused(witness, body(10, [*good, good[0]], checkpoint(log_key, 20)), InconsistentCheckpoint, 422)
    refused(witness, body(10, [good[0]], checkpoint(log_key, 10)), InconsistentCheckpoint, 422)
    # A smaller tree is never cosigned: old must be the witness's size, and old <= size.
    refused(witness, body(10, [], checkpoint(log_key, 6)), BadOldSize, 400)
    conflict = refused(witness, body(6, [], checkpoint(log_key, 6)), SizeConflict, 409)
    assert isinstance(conflict, SizeConflict) and conflict.size == 10
    assert witness.state.read()[ORIGIN].size == 10
    assert add(witness, 10, 20, log_key)


def test_only_trusted_log_keys_count(witness: Witness, log_key: Ed25519Signer) -> None:
    unknown = Ed25519Signer.generate("elsewhere.example/log")
    refused(witness, body(0, [], checkpoint(unknown, 3)), UnknownLog, 404)
    impostor = Ed25519Signer.generate(ORIGIN)  # the right name, another key
    refused(witness, body(0, [], checkpoint(impostor, 3)), UntrustedCheckpoint, 403)
    note = parse_note(checkpoint(log_key, 3))
    sig = note.signatures[0]
    broken = Signature(sig.name, sig.key_id, bytes([sig.signature[0] ^ 1]) + sig.signature[1:])
    refused(witness, body(0, [], add_signatures(note.encode(), [broken])), UntrustedCheckpoint, 403)
    # Signatures of unknown keys beside the log's are ignored (and not served to monitors).
    both = add_signatures(checkpoint(log_key, 3), [parse_note(checkpoint(impostor, 3)).signatures[0]])
    # (the impostor shares the name but not the key ID: unknown, ignored)
    assert witness.add_checkpoint(body(0, [], both))
    served = witness.latest(origin_hash(ORIGIN))
    assert served is not None and len(parse_note(served).signatures) == 2


@pytest.mark.parametrize(
    "raw",
    [
        b"old 0\n",  # no checkpoint
        b"old 0",
        b"old 01\n\nX",
        b"old -1\n\nX",
        b"old  1\n\nX",
        b"Old 1\n\nX",
        b"old 18446744073709551616\n\nX",
        b"\xff\xfe",
    ],
)
def test_malformed_bodies_are_400(raw: bytes, witness: Witness) -> None:
    refused(witness, raw, MalformedRequest, 400)


def test_malformed_proof_lines_and_notes_are_400(witness: Witness, log_key: Ed25519Signer) -> None:
    note = checkpoint(log_key, 40)
    good = proof(20, 40)
    refused(witness, body(20, [good[0][:31]], note), MalformedRequest, 400)
    refused(witness, body(20, [good[0] * 64], note), MalformedRequest, 400)
    refused(witness, body(20, [good[0]] * 64, note), MalformedRequest, 400)  # > 63 lines
    text = body(20, good, note).decode()
    refused(witness, text.replace("=\n", "\n", 1).encode(), MalformedRequest, 400)  # not canonical base64
    refused(witness, body(0, [], note.split("\n\n")[0] + "\n"), MalformedRequest, 400)  # unsigned
    refused(witness, body(0, [], note.replace("\n40\n", "\n040\n")), MalformedRequest, 400)
    refused(witness, body(0, [], note.replace("\u2014", "-")), MalformedRequest, 400)
    assert parse_request(body(20, good, note)).proof == tuple(good)


def test_the_state_outlives_the_process_and_a_broken_one_is_not_guessed(
    tmp_path: Path, witness: Witness, log_key: Ed25519Signer, clock: ManualClock
) -> None:
    add(witness, 0, 12, log_key)
    again = Witness(witness.signer, [log_key.vkey], WitnessState(witness.state.path), clock)
    with pytest.raises(SizeConflict) as conflict:
        add(again, 0, 15, log_key)
    assert conflict.value.size == 12
    assert add(again, 12, 15, log_key)
    witness.state.path.write_text('{"logs": {"x": {"size": "12"}}}')
    with pytest.raises(WitnessStateError):
        add(again, 15, 16, log_key)
    witness.state.path.write_text("not json")
    with pytest.raises(WitnessStateError):
        WitnessState(witness.state.path)


def test_racing_requests_from_one_size_give_one_cosignature(witness: Witness, log_key: Ed25519Signer) -> None:
    add(witness, 0, 10, log_key)
    outcomes: list[object] = []
    bodies = [body(10, proof(10, n), checkpoint(log_key, n)) for n in (14, 20, 27, 33, 40) * 4]

    def submit(request: bytes) -> None:
        other = Witness(witness.signer, [log_key.vkey], WitnessState(witness.state.path), witness.clock)
        try:
            outcomes.append(other.add_checkpoint(request))
        except SizeConflict as exc:
            outcomes.append(exc.size)

    threads = [threading.Thread(target=submit, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cosigned = [o for o in outcomes if isinstance(o, str)]
    stored = witness.state.read()[ORIGIN].size
    # The first under the lock wins; every other one, sent from 10, is told the winner's size.
    assert len(outcomes) == 20 and len(cosigned) == 1
    assert [o for o in outcomes if isinstance(o, int)] == [stored] * 19


def test_a_witness_needs_a_log(tmp_path: Path, clock: ManualClock) -> None:
    with pytest.raises(ValueError):
        Witness(CosignatureSigner.generate("w"), [], WitnessState(tmp_path / "s.json"), clock)
