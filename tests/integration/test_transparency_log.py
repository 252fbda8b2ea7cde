"""The transparency log over a real database (SQLite and PostgreSQL): every row a leaf exactly once,
stored tiles that give the roots and proofs, checkpoints that refuse an inconsistent tree, and an
audit that finds an edited or deleted row by its index (``docs/transparency-log.md``)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.audit.models import AuditEvent
from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.db.engine import create_engine, session_factory
from bidding.transparency.audit import audit_log
from bidding.transparency.checkpoints import InconsistentLog, sign_next
from bidding.transparency.leaves import SOURCES, hash_row
from bidding.transparency.models import LogLeaf, LogTile
from bidding.transparency.sequencer import sequence, sequence_all
from bidding.transparency.tree import Tree, read_state
from crypto.tlog.checkpoint import Checkpoint
from crypto.tlog.merkle import root_of, verify_consistency, verify_inclusion
from crypto.tlog.note import Ed25519Signer, open_note
from tests.conftest import REDIS_URL, SECRET_KEY
from tests.fixtures.log_db import add_events, triggers_off
from tests.fixtures.processes import clean_env

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
EVERY = timedelta(0)


@pytest.fixture
def sessions(log_sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Each test on a private database of each kind (``tests/fixtures/log_db.py``)."""
    return log_sessions


@pytest.fixture
def signer() -> Ed25519Signer:
    return Ed25519Signer.generate("ggzy.example.cn/log")


async def stored_hashes(sessions: async_sessionmaker[AsyncSession]) -> list[bytes]:
    async with sessions() as db:
        return list(await db.scalars(select(LogLeaf.leaf_hash).order_by(LogLeaf.index)))


async def test_every_row_becomes_one_leaf_and_the_tiles_give_roots_and_proofs(
    sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer
) -> None:
    await add_events(sessions, 300)
    await add_events(sessions, 20, sealed=True)
    assert await sequence_all(sessions, NOW) == 320
    assert await sequence_all(sessions, NOW) == 0  # nothing twice
    first = await sign_next(sessions, signer, NOW, every=EVERY)
    assert first is not None and first.size == 320

    # Each leaf is its row's encoding, and the rows are all there, once each.
    async with sessions() as db:
        leaves = list(await db.scalars(select(LogLeaf).order_by(LogLeaf.index)))
        for leaf in leaves:
            table = SOURCES[leaf.source]
            row = (await db.execute(select(table).where(table.c.id == leaf.source_id))).mappings().one()
            assert hash_row(leaf.source, dict(row)) == leaf.leaf_hash
    assert [leaf.index for leaf in leaves] == list(range(320))
    assert sorted(leaf.source for leaf in leaves).count("sealed") == 20
    hashes = [leaf.leaf_hash for leaf in leaves]

    # The checkpoint signs the root of those hashes; the stored tiles give the same root and proofs.
    _, verified = open_note(first.note, [signer.verifier])
    assert [s.name for s in verified] == [signer.name]
    checkpoint = Checkpoint.parse(first.note.split("\n\n", 1)[0] + "\n")
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (signer.name, 320, root_of(hashes))
    async with sessions() as db:
        tree = Tree(db, 320)
        assert await tree.root() == root_of(hashes)
        for index in (0, 1, 255, 256, 257, 319):
            verify_inclusion(hashes[index], index, 320, await tree.inclusion(index), checkpoint.root)
        smaller = Tree(db, 100)  # any size up to the current one, from the same tiles
        assert await smaller.root() == root_of(hashes[:100])
        verify_consistency(100, 320, await tree.consistency(100), root_of(hashes[:100]), checkpoint.root)
        assert (await db.get(LogTile, (0, 0))) is not None and len(
            (await db.get_one(LogTile, (0, 0))).hashes
        ) == 256 * 32

    # More rows: the next checkpoint is consistent with the first.
    await add_events(sessions, 5)
    await sequence_all(sessions, NOW)
    second = await sign_next(sessions, signer, NOW, every=EVERY)
    assert second is not None and second.size == 325
    async with sessions() as db:
        proof = await Tree(db, 325).consistency(320)
    verify_consistency(320, 325, proof, checkpoint.root, root_of(await stored_hashes(sessions)))
    assert await sign_next(sessions, signer, NOW, every=EVERY) is None  # nothing new: nothing signed
    assert (await audit_log(sessions, signer)).ok


async def test_the_interval_between_checkpoints_is_kept(
    sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer
) -> None:
    await add_events(sessions, 3)
    await sequence_all(sessions, NOW)
    assert (await sign_next(sessions, signer, NOW, every=timedelta(seconds=10))) is not None
    await add_events(sessions, 1)
    await sequence_all(sessions, NOW)
    assert await sign_next(sessions, signer, NOW + timedelta(seconds=9), every=timedelta(seconds=10)) is None
    later = await sign_next(sessions, signer, NOW + timedelta(seconds=10), every=timedelta(seconds=10))
    assert later is not None and later.size == 4
    # A clock set back (a test's, or another process's) does not stop the log: the last checkpoint
    # "from the future" is no reason to wait, with or without an interval.
    await add_events(sessions, 1)
    await sequence_all(sessions, NOW)
    earlier = await sign_next(sessions, signer, NOW - timedelta(days=2), every=timedelta(seconds=10))
    assert earlier is not None and earlier.size == 5
    await add_events(sessions, 1)
    await sequence_all(sessions, NOW)
    assert await sign_next(sessions, signer, NOW - timedelta(days=3), every=timedelta(0)) is not None


async def test_concurrent_sequencers_give_each_row_one_index(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_events(sessions, 200)

    async def run() -> int:
        total = 0
        for _ in range(10):
            try:
                total += await sequence(sessions, NOW, batch=30)
            except Exception:  # a racing first append or SQLite's lock: the other one went first
                await asyncio.sleep(0.01)
        return total

    await asyncio.gather(run(), run(), run())
    await sequence_all(sessions, NOW)
    async with sessions() as db:
        leaves = list(await db.scalars(select(LogLeaf).order_by(LogLeaf.index)))
        assert (await read_state(db)).size == 200
    assert [leaf.index for leaf in leaves] == list(range(200))
    assert len({(leaf.source, leaf.source_id) for leaf in leaves}) == 200


async def test_a_row_committed_after_later_ids_were_logged_is_picked_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # A transaction takes its id, another commits and is logged, then the first commits.
    async with sessions() as slow:
        await slow.begin()
        record(slow, Actor.system("test"), "test.slow", object_type="test")
        await slow.flush()
        if slow.bind.dialect.name == "sqlite":  # one writer at a time: commit the slow one first there
            await slow.commit()
            await add_events(sessions, 2)
        else:
            await add_events(sessions, 2)
            await sequence_all(sessions, NOW)
            await slow.commit()
    await sequence_all(sessions, NOW)
    async with sessions() as db:
        logged = set(await db.scalars(select(LogLeaf.source_id).where(LogLeaf.source == "audit")))
        ids = set(await db.scalars(select(AuditEvent.id)))
    assert logged == ids and len(ids) == 3


async def test_an_edited_or_deleted_audit_row_is_found_by_its_index(
    sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer
) -> None:
    await add_events(sessions, 40)
    await sequence_all(sessions, NOW)
    assert await sign_next(sessions, signer, NOW, every=EVERY) is not None
    async with sessions() as db:
        edited, deleted = (
            (await db.execute(select(LogLeaf).where(LogLeaf.index.in_([7, 23])).order_by(LogLeaf.index)))
            .scalars()
            .all()
        )
    async with sessions() as db, db.begin():
        await triggers_off(db)  # behind the platform's back
        await db.execute(
            text("UPDATE audit_events SET actor = 'someone else' WHERE id = :id"), {"id": edited.source_id}
        )
        await db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": deleted.source_id})
    report = await audit_log(sessions, signer)
    found = {(f.kind, f.index) for f in report.findings}
    assert ("altered", 7) in found and ("deleted", 23) in found, report.findings
    assert ("root_mismatch", None) in found  # the edit changes the root the checkpoint signed


async def test_a_tree_that_does_not_extend_the_last_checkpoint_is_not_signed(
    sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer
) -> None:
    await add_events(sessions, 10)
    await sequence_all(sessions, NOW)
    assert await sign_next(sessions, signer, NOW, every=EVERY) is not None
    await add_events(sessions, 3)
    await sequence_all(sessions, NOW)
    async with sessions() as db, db.begin():  # one stored leaf hash rewritten in the tile
        tile = await db.get_one(LogTile, (0, 0))
        tile.hashes = tile.hashes[:32] + bytes(32) + tile.hashes[64:]
    with pytest.raises(InconsistentLog):
        await sign_next(sessions, signer, NOW, every=EVERY)


async def test_a_stored_checkpoint_that_does_not_verify_is_reported(
    sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer
) -> None:
    await add_events(sessions, 4)
    await sequence_all(sessions, NOW)
    assert await sign_next(sessions, signer, NOW, every=EVERY) is not None
    other = Ed25519Signer.generate(signer.name)
    report = await audit_log(sessions, other)
    assert [f.kind for f in report.findings] == ["bad_checkpoint"]


async def test_unlogged_rows_below_the_newest_logged_one_are_reported(
    sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer
) -> None:
    await add_events(sessions, 3)
    await sequence_all(sessions, NOW)
    async with sessions() as db, db.begin():
        await triggers_off(db)
        oldest = await db.scalar(select(LogLeaf).where(LogLeaf.index == 0))
        assert oldest is not None
        await db.execute(text('DELETE FROM log_leaves WHERE "index" = 0'))
    report = await audit_log(sessions, signer)
    kinds = {(f.kind, f.index, f.source_id) for f in report.findings}
    assert ("missing_leaf", 0, None) in kinds and ("unlogged", None, oldest.source_id) in kinds


def test_bidding_log_audit_reports_a_row_edited_in_postgresql(fresh_pg_url: str, tmp_path: Path) -> None:
    """The operator's command, as run on a production database: exit 1 and the finding's index."""
    env = {
        **clean_env(),
        "BIDDING_DATA_DIR": str(tmp_path / "var"),
        "BIDDING_DATABASE_URL": fresh_pg_url,
        "BIDDING_REDIS_URL": REDIS_URL,
        "BIDDING_SECRET_KEY": SECRET_KEY,
        "BIDDING_AUTO_MIGRATE": "true",
        "BIDDING_CA_CREATE": "true",
    }

    def bidding(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bidding", *args], env=env, capture_output=True, text=True, timeout=180
        )

    async def tamper(edit: bool) -> int:
        engine = create_engine(fresh_pg_url)
        try:
            sessions = session_factory(engine)
            if not edit:
                await add_events(sessions, 20)
                return 0
            async with sessions() as db, db.begin():
                leaf = await db.scalar(select(LogLeaf).where(LogLeaf.index == 11))
                assert leaf is not None
                await triggers_off(db)
                await db.execute(
                    text("UPDATE audit_events SET client_address = '10.0.0.66' WHERE id = :id"), {"id": leaf.source_id}
                )
            return leaf.source_id
        finally:
            await engine.dispose()

    assert bidding("migrate").returncode == 0
    assert bidding("log", "vkey").returncode == 0  # makes the log's key
    asyncio.run(tamper(edit=False))
    assert bidding("log", "sequence").returncode == 0
    signed = bidding("log", "checkpoint")
    assert signed.returncode == 0 and '"signed": 20' in signed.stdout, signed.stdout + signed.stderr
    intact = bidding("log", "audit")
    assert intact.returncode == 0 and intact.stdout.startswith("INTACT"), intact.stdout + intact.stderr
    row = asyncio.run(tamper(edit=True))
    found = bidding("log", "audit")
    assert found.returncode == 1, found.stdout + found.stderr
    findings = [json.loads(line) for line in found.stdout.splitlines() if line.startswith("{")]
    assert {"kind": "altered", "index": 11, "source": "audit", "source_id": row} in findings
    assert "NOT INTACT" in found.stdout
