"""The transparency log at a million leaves: how fast rows become leaves, and what a proof costs.

    python bench/log_bench.py [--leaves 1000000] [--backend postgresql|sqlite]
    python bench/log_bench.py --quick           # 50,000 leaves

What it does, on a database of its own (PostgreSQL: a new database on 127.0.0.1, dropped at the
end; SQLite: a file in a temp dir), migrated to head:

1. writes ``--leaves`` audit events in the database itself (``generate_series`` / a recursive CTE:
   the platform's own rows, written fast, are not what is measured);
2. **baseline**: reads every row back in the sequencer's batch size and computes its leaf (the
   canonical encoding and ``SHA-256``) and the tree's right edge in memory — the least work any
   way of logging these rows must do;
3. **sequencer**: ``sequence_all`` — the platform's path: finds rows not yet logged, appends them
   under the state row's lock, stores the leaves and the tiles, batch after batch;
4. signs a checkpoint (its consistency check over the stored tiles included);
5. **proofs** at that size, from the stored tiles: 1,000 inclusion proofs of random leaves and 200
   consistency proofs from random earlier sizes (time each, p50/p99), their size in hashes and
   bytes, and one ``.tlog-proof`` file's size;
6. **audit**: ``audit_log`` over every leaf (the rows re-read and re-encoded, the tree rebuilt and
   held against the checkpoint).

It prints leaves/s of the sequencer and the baseline and their ratio, the proof figures, the audit's
leaves/s and the process's peak RSS. The last line is the sequencer's leaves/s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bidding.audit.models import AuditEvent
from bidding.core.db.engine import create_engine, session_factory
from bidding.core.db.migrate import ensure_schema
from bidding.transparency.audit import audit_log
from bidding.transparency.checkpoints import sign_next
from bidding.transparency.leaves import hash_row
from bidding.transparency.proofs import proof_of_row
from bidding.transparency.sequencer import BATCH, sequence_all
from bidding.transparency.tree import Tree
from crypto.tlog.merkle import CompactRange
from crypto.tlog.note import Ed25519Signer

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1/test"

PG_ROWS = """
INSERT INTO audit_events (occurred_at, actor, client_address, request_id, action, object_type, object_id,
                          content_sha256, details)
SELECT timestamptz '2026-12-07 00:00:00+00' + g * interval '1 millisecond', 'bench:' || (g % 97), '127.0.0.1',
       md5(g::text), 'bench.event', 'bench', g::text, encode(sha256(g::text::bytea), 'hex'),
       jsonb_build_object('n', g, 'amount_fen', g * 100, '名称', '基准')
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
"""
SQLITE_ROWS = """
WITH RECURSIVE g(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM g WHERE n < :last)
INSERT INTO audit_events (occurred_at, actor, client_address, request_id, action, object_type, object_id,
                          content_sha256, details)
SELECT strftime('%Y-%m-%d %H:%M:%f', '2026-12-07 00:00:00', '+' || (n / 1000.0) || ' seconds'), 'bench:' || (n % 97),
       '127.0.0.1', hex(randomblob(16)), 'bench.event', 'bench', CAST(n AS TEXT), hex(randomblob(32)),
       json_object('n', n, 'amount_fen', n * 100, '名称', '基准')
FROM g
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def fill(sessions: async_sessionmaker[AsyncSession], backend: str, count: int) -> None:
    step = 100_000
    for first in range(1, count + 1, step):
        last = min(count, first + step - 1)
        async with sessions() as db, db.begin():
            await db.execute(text(PG_ROWS if backend == "postgresql" else SQLITE_ROWS), {"first": first, "last": last})


async def baseline(sessions: async_sessionmaker[AsyncSession]) -> tuple[float, int, bytes]:
    """Seconds to read every row, encode and hash it, and build the tree's right edge in memory."""
    table = AuditEvent.__table__
    compact = CompactRange()
    started = time.perf_counter()
    after = 0
    async with sessions() as db:
        while True:
            rows = (
                await db.execute(select(table).where(table.c.id > after).order_by(table.c.id).limit(BATCH))
            ).mappings()
            batch = [dict(r) for r in rows]
            if not batch:
                break
            for row in batch:
                compact.append(hash_row("audit", row))
            after = batch[-1]["id"]
    return time.perf_counter() - started, compact.size, compact.root()


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="log-bench-"))
    database: str | None = None
    if args.backend == "postgresql":
        database = f"bench_log_{secrets.token_hex(4)}"
        admin = create_async_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        await admin.dispose()
        url = f"postgresql+asyncpg://postgres@127.0.0.1/{database}"
    else:
        url = f"sqlite+aiosqlite:///{workdir / 'log.db'}"
    engine = create_engine(url)
    try:
        await ensure_schema(engine, auto_migrate=True)
        sessions = session_factory(engine)
        signer = Ed25519Signer.generate("bench.example/log")
        now = datetime(2026, 12, 7, tzinfo=UTC)
        n = args.leaves

        started = time.perf_counter()
        await fill(sessions, args.backend, n)
        fill_s = time.perf_counter() - started

        base_s, base_size, base_root = await baseline(sessions)

        started = time.perf_counter()
        appended = await sequence_all(sessions, now)
        seq_s = time.perf_counter() - started
        assert appended == n == base_size, (appended, n, base_size)

        started = time.perf_counter()
        checkpoint = await sign_next(sessions, signer, now, every=timedelta(0))
        sign_s = time.perf_counter() - started
        assert checkpoint is not None
        assert checkpoint.root == base_root, "the stored tree differs from the baseline's"

        rng = random.Random(7)
        inclusion_ms: list[float] = []
        inclusion_hashes: list[int] = []
        consistency_ms: list[float] = []
        consistency_hashes: list[int] = []
        async with sessions() as db:
            tree = Tree(db, n)
            for _ in range(args.proofs):
                index = rng.randrange(n)
                t = time.perf_counter()
                proof = await tree.inclusion(index)
                inclusion_ms.append((time.perf_counter() - t) * 1000)
                inclusion_hashes.append(len(proof))
            for _ in range(args.proofs // 5):
                first = rng.randrange(1, n)
                t = time.perf_counter()
                proof = await tree.consistency(first)
                consistency_ms.append((time.perf_counter() - t) * 1000)
                consistency_hashes.append(len(proof))
            some_row = await db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
            assert some_row is not None
            file = await proof_of_row(db, "audit", some_row)
            assert file is not None
            file_bytes = len(file.encode().encode())

        started = time.perf_counter()
        report = await audit_log(sessions, signer)
        audit_s = time.perf_counter() - started
        assert report.ok, report.findings[:5]
    finally:
        await engine.dispose()
        if database is not None:
            admin = create_async_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            await admin.dispose()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seq_rate, base_rate = n / seq_s, n / base_s
    inc_p50, inc_p99 = statistics.median(inclusion_ms), percentile(inclusion_ms, 0.99)
    con_p50, con_p99 = statistics.median(consistency_ms), percentile(consistency_ms, 0.99)
    inc_max, con_max = max(inclusion_hashes), max(consistency_hashes)
    print(f"transparency log bench: {n:,} leaves on {args.backend}")
    print(f"  rows written (setup)           {fill_s:8.1f} s")
    print(f"  baseline (read+encode+hash)    {base_s:8.1f} s   {base_rate:10,.0f} leaves/s")
    print(
        f"  sequencer (sequence_all)       {seq_s:8.1f} s   {seq_rate:10,.0f} leaves/s"
        f"   = {seq_rate / base_rate:.2f}x baseline"
    )
    print(f"  checkpoint signed              {sign_s * 1000:8.1f} ms (consistency checked over the tiles)")
    print(
        f"  inclusion proof at {n:,}: p50 {inc_p50:.2f} ms, p99 {inc_p99:.2f} ms;"
        f" {inc_max} hashes = {inc_max * 32} bytes; .tlog-proof file {file_bytes} bytes"
    )
    print(
        f"  consistency proof to {n:,}: p50 {con_p50:.2f} ms, p99 {con_p99:.2f} ms;"
        f" up to {con_max} hashes = {con_max * 32} bytes"
    )
    print(f"  audit (rows re-read, tree rebuilt) {audit_s:8.1f} s   {n / audit_s:10,.0f} leaves/s")
    print(f"  peak RSS of this process       {peak_mib:8.0f} MiB")
    print(f"sequencer leaves/s: {seq_rate:,.0f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--proofs", type=int, default=1000, help="inclusion proofs timed (consistency: a fifth)")
    parser.add_argument("--quick", action="store_true", help="50,000 leaves")
    args = parser.parse_args()
    if args.quick:
        args.leaves = 50_000
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
