"""Witnesses for the transparency log (C2SP tlog-witness, tlog-cosignature), with the witness as a
real process (``python -m bidding log witness``) on a free port and the log on SQLite and PostgreSQL:
consistent checkpoints are cosigned; a log rebuilt to hide an edited or deleted audit row is refused
(issue 23, "Done when"); every refusal has the spec's status; a witness that is down changes nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.settings import Settings
from bidding.transparency.checkpoints import sign_next
from bidding.transparency.models import LogCheckpoint, LogLeaf, LogWitness
from bidding.transparency.sequencer import sequence_all
from bidding.transparency.witnessing import request_body, witness_checkpoint
from crypto.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from crypto.tlog.cosignature import CosignatureSigner, CosignatureVerifier
from crypto.tlog.merkle import leaf_hash, root_of
from crypto.tlog.note import Ed25519Signer, Signature, add_signatures, parse_note
from tests.fixtures.log_db import add_events, grow_and_sign, triggers_off
from tests.fixtures.processes import clean_env, free_port, stop

ORIGIN = "ggzy.example.cn/log"
WITNESS_NAME = "supervisor.example.cn/witness"
NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
EVERY = timedelta(0)


@dataclass
class RunningWitness:
    url: str
    vkey: str
    state: Path
    handle: subprocess.Popen[bytes]

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.from_vkey(self.vkey)


@contextmanager
def running_witness(tmp: Path, *log_vkeys: str) -> Iterator[RunningWitness]:
    """A witness process on a free port, with a new key (it makes it) and an empty state."""
    port = free_port()
    key, state, out = tmp / "witness.key", tmp / "witness-state.json", tmp / "witness.out"
    args = ["--key", str(key), "--name", WITNESS_NAME, "--state", str(state), "--port", str(port)]
    for vkey in log_vkeys:
        args += ["--log-vkey", vkey]
    handle = subprocess.Popen(
        [sys.executable, "-m", "bidding", "log", "witness", *args],
        env=clean_env(),
        stdout=out.open("wb"),
        stderr=(tmp / "witness.err").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if handle.poll() is not None:
                raise AssertionError(f"the witness exited: {(tmp / 'witness.err').read_text()}")
            try:
                answer = httpx.get(f"{url}/vkey", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert answer.status_code == 200
        vkey = answer.text.strip()
        assert out.read_text().splitlines()[0] == vkey  # printed on start
        assert key.read_text().startswith(f"PRIVATE+KEY+{WITNESS_NAME}+")
        assert CosignatureSigner.from_private_key_string(key.read_text().strip()).vkey == vkey
        yield RunningWitness(url + "/", vkey, state, handle)
    finally:
        stop(handle, grace=10)


@pytest.fixture
def sessions(log_sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Each test on a private database of each kind (``tests/fixtures/log_db.py``)."""
    return log_sessions


@pytest.fixture
def log_key() -> Ed25519Signer:
    return Ed25519Signer.generate(ORIGIN)


@pytest.fixture
def witness(tmp_path: Path, log_key: Ed25519Signer) -> Iterator[RunningWitness]:
    with running_witness(tmp_path, log_key.vkey) as running:
        yield running


def settings_for(*witnesses: tuple[str, str]) -> Settings:
    return Settings.from_env({"BIDDING_LOG_WITNESSES": ", ".join(f"{url} {vkey}" for url, vkey in witnesses)})


async def stored(sessions: async_sessionmaker[AsyncSession], size: int) -> LogCheckpoint:
    async with sessions() as db:
        return await db.get_one(LogCheckpoint, size)


async def witness_sizes(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as db:
        return {w.name: w.size for w in await db.scalars(select(LogWitness))}


async def test_consistent_checkpoints_are_cosigned(
    sessions: async_sessionmaker[AsyncSession], log_key: Ed25519Signer, witness: RunningWitness
) -> None:
    settings = settings_for((witness.url, witness.vkey))
    first = await grow_and_sign(sessions, log_key, 30, NOW)
    assert await witness_checkpoint(sessions, settings, log_key, first, NOW) == 1
    row = await stored(sessions, first)
    assert row.cosigned is not None and row.cosigned.startswith(row.note)  # the note, then the cosignature
    opened = open_checkpoint(row.cosigned, ORIGIN, log_key.verifier, [witness.verifier], need=1)
    assert opened.checkpoint.size == 30 and opened.cosignatures[0].name == WITNESS_NAME
    assert await witness_sizes(sessions) == {WITNESS_NAME: 30}

    # The next checkpoint is sent with a proof from 30, the size the witness cosigned.
    second = await grow_and_sign(sessions, log_key, 11, NOW)
    assert await witness_checkpoint(sessions, settings, log_key, second, NOW) == 1
    row = await stored(sessions, second)
    assert row.cosigned is not None
    open_checkpoint(row.cosigned, ORIGIN, log_key.verifier, [witness.verifier], need=1)
    assert await witness_sizes(sessions) == {WITNESS_NAME: 41}
    # Asked again for the same checkpoint: a fresh cosignature replaces the line, never a second one.
    assert await witness_checkpoint(sessions, settings, log_key, second, NOW) == 1
    again = (await stored(sessions, second)).cosigned
    assert again is not None and len(parse_note(again).signatures) == 2

    # Monitors read the witness's latest view of the log (tlog-witness §Monitor Retrieval Mechanism).
    served = httpx.get(f"{witness.url}{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint")
    assert served.status_code == 200
    assert open_checkpoint(served.text, ORIGIN, log_key.verifier, [witness.verifier], need=1).checkpoint.size == 41


@pytest.mark.parametrize("tampering", ["edit", "delete"])
async def test_a_log_rebuilt_to_hide_an_edited_or_deleted_row_is_not_cosigned(
    sessions: async_sessionmaker[AsyncSession],
    log_key: Ed25519Signer,
    witness: RunningWitness,
    tampering: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for((witness.url, witness.vkey))
    size = await grow_and_sign(sessions, log_key, 20, NOW)
    assert await witness_checkpoint(sessions, settings, log_key, size, NOW) == 1
    witness_state = witness.state.read_bytes()
    async with sessions() as db:
        victim = await db.scalar(select(LogLeaf.source_id).where(LogLeaf.index == 7))

    # The operator changes (or deletes) one audit row, throws the whole log away and rebuilds it
    # from the rows as they now are, signing with the log's own key: a history without the edit.
    async with sessions() as db, db.begin():
        await triggers_off(db)
        if tampering == "edit":
            await db.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE id = :id"), {"id": victim})
        else:
            await db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": victim})
        for table in ("log_witnesses", "log_checkpoints", "log_leaves", "log_tiles", "log_state"):
            await db.execute(text(f"DELETE FROM {table}"))
    await sequence_all(sessions, NOW, window=None)
    caplog.set_level(logging.WARNING, logger="bidding.transparency.witnessing")
    if tampering == "delete":
        # 19 rows: smaller than what the witness cosigned, so there is nothing to show it.
        smaller = await sign_next(sessions, log_key, NOW, every=EVERY)
        assert smaller is not None and smaller.size == 19
        assert await witness_checkpoint(sessions, settings, log_key, 19, NOW) == 0
        assert "larger than this checkpoint" in caplog.text
        await add_events(sessions, 3)  # and then grown past it, to be cosigned "from 20"
        await sequence_all(sessions, NOW)
        rebuilt = await sign_next(sessions, log_key, NOW, every=EVERY)
        assert rebuilt is not None and rebuilt.size == 22
    else:
        rebuilt = await sign_next(sessions, log_key, NOW, every=EVERY)
        assert rebuilt is not None and rebuilt.size == 20
        assert rebuilt.root != parse_checkpoint_root(witness_state)

    # Whatever the platform's records say (they were thrown away: old 0), the witness answers 409
    # with 20, and from 20 the rebuilt tree cannot be proved: 422.
    assert await witness_checkpoint(sessions, settings, log_key, rebuilt.size, NOW) == 0
    assert "422" in caplog.text
    assert (await stored(sessions, rebuilt.size)).cosigned is None
    assert await witness_sizes(sessions) == {}
    assert witness.state.read_bytes() == witness_state  # the witness still holds the true size and root


def parse_checkpoint_root(state: bytes) -> bytes:
    return base64.b64decode(json.loads(state)["logs"][ORIGIN]["root"])


# --- the protocol's statuses, over HTTP against the real process (no database needed) ----------

LEAVES = [leaf_hash(f"leaf {i}".encode()) for i in range(64)]


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF."""
    n = len(leaves)
    if m == n:
        return [] if complete else [root_of(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root_of(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root_of(leaves[:k])]


def signed(key: Ed25519Signer, size: int, leaves: Sequence[bytes] = LEAVES) -> str:
    return sign_checkpoint(Checkpoint(key.name, size, root_of(leaves[:size])), key)


def post(witness: RunningWitness, body: bytes) -> httpx.Response:
    return httpx.post(f"{witness.url}add-checkpoint", content=body, timeout=5)


def test_the_witness_answers_with_the_spec_statuses(witness: RunningWitness, log_key: Ed25519Signer) -> None:
    first = post(witness, request_body(0, [], signed(log_key, 16)))
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/plain")
    sig = Signature.from_line(first.text.rstrip("\n"))
    cosigned = add_signatures(signed(log_key, 16), [sig])
    open_checkpoint(cosigned, ORIGIN, log_key.verifier, [witness.verifier], need=1)
    state = witness.state.read_bytes()

    # old ≠ the witness's size: 409, exactly text/x.tlog.size, its size and a newline.
    conflict = post(witness, request_body(9, _subproof(9, LEAVES[:40], True), signed(log_key, 40)))
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "text/x.tlog.size" and conflict.text == "16\n"
    # A log key the witness does not trust, under the right origin: 403. Another origin: 404.
    impostor = Ed25519Signer.generate(ORIGIN)
    assert post(witness, request_body(16, _subproof(16, LEAVES[:40], True), signed(impostor, 40))).status_code == 403
    other = Ed25519Signer.generate("elsewhere.example/log")
    assert post(witness, request_body(0, [], signed(other, 40))).status_code == 404
    # Malformed bodies: 400.
    for bad in (b"", b"old 16\n", b"old 016\n\n" + signed(log_key, 40).encode(), b"old x\n\nfoo\n\n\xe2\x80\x94 a b\n"):
        answer = post(witness, bad)
        assert answer.status_code == 400 and answer.text.endswith("\n"), (bad, answer.text)
    assert post(witness, request_body(41, [], signed(log_key, 40))).status_code == 400  # old > size
    # A proof with one bit flipped: 422 (and the right proof is then cosigned).
    good = _subproof(16, LEAVES[:40], True)
    flipped = [good[0], bytes([good[1][0] ^ 0x80]) + good[1][1:], *good[2:]]
    answer = post(witness, request_body(16, flipped, signed(log_key, 40)))
    assert answer.status_code == 422 and "consistency" in answer.text
    # Another root at the witness's size: 422.
    forked = [leaf_hash(b"forked"), *LEAVES[1:]]
    assert post(witness, request_body(16, [], signed(log_key, 16, forked))).status_code == 422
    assert witness.state.read_bytes() == state  # nothing refused moved the witness
    assert post(witness, request_body(16, good, signed(log_key, 40))).status_code == 200
    assert httpx.get(f"{witness.url}{'0' * 64}/checkpoint").status_code == 404


async def test_a_witness_that_is_down_or_wrong_changes_nothing_but_its_own_line(
    sessions: async_sessionmaker[AsyncSession],
    log_key: Ed25519Signer,
    witness: RunningWitness,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bidding.transparency.witnessing")
    size = await grow_and_sign(sessions, log_key, 5, NOW)
    down = f"http://127.0.0.1:{free_port()}/"
    lookalike = CosignatureSigner.generate(WITNESS_NAME)  # the running witness's name, another key
    nobody = CosignatureSigner.generate("down.example/witness")

    # Only a witness that is down: the checkpoint stands without cosignatures, nothing raised.
    assert await witness_checkpoint(sessions, settings_for((down, nobody.vkey)), log_key, size, NOW) == 0
    assert (await stored(sessions, size)).cosigned is None and "unreachable" in caplog.text
    # A witness whose answer is not signed by the key configured for it: refused.
    assert await witness_checkpoint(sessions, settings_for((witness.url, lookalike.vkey)), log_key, size, NOW) == 0
    assert (await stored(sessions, size)).cosigned is None and "no valid cosignature" in caplog.text
    assert await witness_sizes(sessions) == {}
    # One down, one up: the one that answered is added.
    both = settings_for((down, nobody.vkey), (witness.url, witness.vkey))
    assert await witness_checkpoint(sessions, both, log_key, size, NOW) == 1
    row = await stored(sessions, size)
    assert row.cosigned is not None
    open_checkpoint(row.cosigned, ORIGIN, log_key.verifier, [witness.verifier, nobody.verifier], need=1)
    assert await witness_sizes(sessions) == {WITNESS_NAME: 5}
