"""The deposit book (issue 18) on Nanjing's scale, through the database: 360,000 statement entries
(5 % duplicates, 1 % reversals) for 10,000 lots imported from camt.053 files and reconciled, on
the embedded default (SQLite) or on PostgreSQL, against baselines measured in the same run.

    .venv/bin/python bench/deposits_bench.py                   # SQLite file, 360,000 entries
    .venv/bin/python bench/deposits_bench.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/deposits_bench.py --quick           # 36,000 entries, 1,000 lots

The files are the ones ``bench/deposits_core_bench.py`` generates (one statement of ~1,000
entries per file, consecutive ``ElctrncSeqNb``; deposits to 12 bidders' virtual sub-accounts per
lot, 1 % to the bare collection account, 5 % duplicates of earlier entries, 1 % reversals). With
PostgreSQL the bench creates a database of its own on the server the URL names and drops it after.

Each measurement runs in its own subprocess (time and peak RSS, ``resource.getrusage``):

* **pure ledger**: ``parse_statement`` + :class:`~bidding.deposits.ledger.Ledger` in memory (the
  reference model; no database);
* **bare INSERT**: the same entries, parsed, inserted as rows of a five-column table with a unique
  key, one transaction per file (``executemany``): the least a database import must write;
* **book**: :func:`bidding.deposits.importer.import_files` over the files, as ``bidding deposits
  import`` runs it (the next file parsed in a second process while one is booked): parse, lock,
  load what the statement touches, decide, write entries, postings, legs, alerts and the audit
  events, one transaction per statement.

Setup (migrating, 10,000 lots, 120,000 virtual sub-accounts) is not timed. Reconciliation after
the book's run: the balance of every account read back by SQL against the generator's, the
collection balance against the last statement's closing balance (the daily check), every posting's
legs summing to zero (SQL), the duplicates and reversals counted. Booking errors = every
difference found; it must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import deposits_core_bench as core  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from bidding.core.actor import Actor  # noqa: E402
from bidding.core.db.engine import create_engine, session_factory  # noqa: E402
from bidding.core.db.migrate import upgrade  # noqa: E402
from bidding.deposits.book import ENTRIES, balance_check, balances, integrity_problems  # noqa: E402
from bidding.deposits.importer import import_files  # noqa: E402
from bidding.deposits.ledger import AccountKind  # noqa: E402
from bidding.deposits.models import DepositVirtualAccount, LedgerPosting  # noqa: E402
from bidding.deposits.statements import parse_statement  # noqa: E402
from bidding.identity.kinds import OrgKind, OrgStatus  # noqa: E402
from bidding.identity.models import Organization  # noqa: E402
from bidding.tendering.models import Lot, Project  # noqa: E402
from bidding.tendering.rules.projects import Category, ProjectStatus  # noqa: E402

COLLECTION = core.COLLECTION
NOW = core.datetime(2025, 1, 1, tzinfo=core.UTC)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_database(url: str | None, tmp: Path) -> str:
    if url is None:
        return f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    name = f"deposits_bench_{secrets.token_hex(5)}"
    asyncio.run(_pg_admin(url, f'CREATE DATABASE "{name}"'))
    return f"{url.rsplit('/', 1)[0]}/{name}"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        base, name = url.rsplit("/", 1)
        asyncio.run(_pg_admin(f"{base}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def seed_lots(session: AsyncSession, lots: int, bidders: int) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """One project of ``lots`` lots, and ``bidders`` bidder organisations."""

    def org(kind: OrgKind, name: str) -> Organization:
        return Organization(credit_code=secrets.token_hex(9).upper(), name=name, kind=kind, status=OrgStatus.APPROVED)

    agent, tenderer = org(OrgKind.AGENT, "代理"), org(OrgKind.TENDERER, "招标人")
    session.add_all([agent, tenderer])
    await session.flush()
    project = Project(
        code=f"BENCH-{secrets.token_hex(4)}",
        name="保证金压测项目",
        category=Category.WORKS,
        status=ProjectStatus.PUBLISHED,
        tenderer_id=tenderer.id,
        agent_id=agent.id,
    )
    session.add(project)
    await session.flush()
    lot_rows = [
        Lot(project_id=project.id, code=f"{n:05d}", name=f"第{n + 1}标段", estimated_price_fen=10**12, deposit_fen=0)
        for n in range(lots)
    ]
    org_rows = [org(OrgKind.BIDDER, f"投标人{n}") for n in range(bidders)]
    session.add_all([*lot_rows, *org_rows])
    await session.flush()
    return [lot.id for lot in lot_rows], [o.id for o in org_rows]


async def setup(url: str, lots: int, mapping_path: Path) -> None:
    """Migrate, then 10,000 lots, 12 bidders and the generator's virtual sub-accounts (not timed)."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        book = core.build_book(lots)
        async with sessions() as session, session.begin():
            lot_ids, bidder_ids = await seed_lots(session, lots, core.BIDDERS_PER_LOT)
            rows = [
                {
                    "id": uuid.uuid4(),
                    "lot_id": lot_ids[lot],
                    "organization_id": bidder_ids[bidder],
                    "collection_account": COLLECTION,
                    "number": book.issue(f"L{lot:05d}", f"B{bidder:02d}").number,
                    "attempt": 0,
                    "created_at": NOW,
                }
                for lot in range(lots)
                for bidder in range(core.BIDDERS_PER_LOT)
            ]
            for start in range(0, len(rows), 5000):
                await session.execute(insert(DepositVirtualAccount), rows[start : start + 5000])
        mapping = {
            "lots": {str(lot_id): f"L{n:05d}" for n, lot_id in enumerate(lot_ids)},
            "bidders": {str(org): f"B{n:02d}" for n, org in enumerate(bidder_ids)},
        }
        mapping_path.write_text(json.dumps(mapping))
    finally:
        await engine.dispose()


def run_pure(directory: Path) -> dict[str, Any]:
    result = core.run_core(directory, directory / "expected.json")
    return {"seconds": result["parse"] + result["apply"], "errors": result["errors"], "rss": peak_rss_mib()}


async def run_bare(url: str, directory: Path) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "CREATE TABLE bench_bare (key TEXT PRIMARY KEY, account VARCHAR(40), amount_fen BIGINT, "
                    "direction VARCHAR(4), value_date DATE)"
                )
            )
        statement = text(
            "INSERT INTO bench_bare (key, account, amount_fen, direction, value_date) "
            "VALUES (:key, :account, :amount_fen, :direction, :value_date) ON CONFLICT DO NOTHING"
        )
        start = time.perf_counter()
        for path in sorted(directory.glob("*.xml")):
            parsed = parse_statement(path.read_bytes(), "camt.053")
            rows = [
                {
                    "key": json.dumps([str(p) for p in e.booking_key()]),
                    "account": e.account,
                    "amount_fen": e.amount_fen,
                    "direction": e.direction.value,
                    "value_date": e.value_date,
                }
                for e in parsed.entries
            ]
            async with engine.begin() as conn:
                await conn.execute(statement, rows)
        seconds = time.perf_counter() - start
    finally:
        await engine.dispose()
    return {"seconds": seconds, "rss": peak_rss_mib()}


async def run_book(url: str, directory: Path) -> dict[str, Any]:
    expected = json.loads((directory / "expected.json").read_text())
    mapping = json.loads((directory / "mapping.json").read_text())
    engine = create_engine(url)
    sessions = session_factory(engine)
    actor = Actor.system("deposits-bench")
    booked = duplicates = reversals = alerts = 0
    try:
        start = time.perf_counter()
        files = sorted(directory.glob("*.xml"))
        async for path, view in import_files(sessions, actor, files, "camt.053", collections=(COLLECTION,), now=NOW):
            assert not isinstance(view, Exception), (path, view)
            booked += view.booked
            duplicates += view.duplicates
            reversals += sum(s.reversals for s in view.statements)
            alerts += view.alerts
        seconds = time.perf_counter() - start
        # Reconcile (timed apart): every account against the generator, the daily check, SQL sums.
        t0 = time.perf_counter()
        async with sessions() as session:
            found = await balances(session)
            check = await balance_check(session, COLLECTION)
            problems = await integrity_problems(session)
            postings = await session.scalar(select(func.count()).select_from(LedgerPosting))
            entries = await session.scalar(select(func.count()).select_from(ENTRIES))
        reconcile = time.perf_counter() - t0
    finally:
        await engine.dispose()
    got: dict[str, int] = {}
    for account, fen in found.items():
        if account.kind is AccountKind.COLLECTION:
            continue
        name = (
            f"{mapping['lots'][account.lot]}/{mapping['bidders'][account.bidder]}"
            if account.kind is AccountKind.SUB_ACCOUNT
            else account.kind.value
        )
        got[name] = fen
    want = expected["balances"]
    errors = sum(1 for key in set(want) | set(got) if want.get(key, 0) != got.get(key, 0))
    errors += int(check is None or not check.ok or check.bank_fen != expected["closing"])
    errors += int(duplicates != expected["duplicates"]) + int(reversals != expected["reversals"])
    errors += sum(vars(problems).values())
    return {
        "seconds": seconds,
        "reconcile": reconcile,
        "booked": booked,
        "duplicates": duplicates,
        "reversals": reversals,
        "alerts": alerts,
        "postings": postings,
        "entries": entries,
        "errors": errors,
        "rss": peak_rss_mib(),
        "parser_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child(kind: str, directory: Path, url: str | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--dir", str(directory)]
    if url:
        command += ["--url", url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="36,000 entries, 1,000 lots, 36 files")
    parser.add_argument("--database-url", help="postgresql+asyncpg://… (default: a SQLite file in a temp dir)")
    parser.add_argument("--entries", type=int, default=360_000)
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=360)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--child", choices=["pure", "bare", "book"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "pure":
            result = run_pure(args.dir)
        elif args.child == "bare":
            result = asyncio.run(run_bare(args.url, args.dir))
        else:
            result = asyncio.run(run_book(args.url, args.dir))
        print(json.dumps(result))
        return
    if args.quick:
        args.entries, args.lots, args.files = 36_000, 1_000, 36
    with tempfile.TemporaryDirectory(prefix="deposits-db-bench-") as tmp:
        directory = Path(tmp)
        t0 = time.perf_counter()
        expected = core.generate(directory, args.entries, args.lots, args.files, args.seed)
        (directory / "expected.json").write_text(json.dumps(expected))
        generated = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in directory.glob("*.xml")) / 2**20
        database = "PostgreSQL" if args.database_url else "SQLite (embedded default)"
        print(
            f"{expected['entries']:,} entries ({expected['duplicates']:,} duplicates, {expected['reversals']:,} "
            f"reversals) for {args.lots:,} lots in {args.files} camt.053 files ({size:.0f} MiB) on {database}; "
            f"generated in {generated:.1f} s (not timed)"
        )
        book_url = fresh_database(args.database_url, directory)
        bare_url = fresh_database(args.database_url, directory / "bare") if args.database_url else None
        if bare_url is None:
            (directory / "bare").mkdir()
            bare_url = f"sqlite+aiosqlite:///{directory / 'bare' / 'bare.db'}"
        try:
            t0 = time.perf_counter()
            asyncio.run(setup(book_url, args.lots, directory / "mapping.json"))
            print(
                f"setup: schema, {args.lots:,} lots, {args.lots * core.BIDDERS_PER_LOT:,} virtual sub-accounts "
                f"in {time.perf_counter() - t0:.1f} s (not timed)\n"
            )
            pure = child("pure", directory)
            bare = child("bare", directory, bare_url)
            book = child("book", directory, book_url)
        finally:
            drop_database(book_url)
            drop_database(bare_url)
    n = expected["entries"]
    print(f"{'run':34} {'seconds':>8} {'entries/s':>11} {'vs bare':>8} {'peak RSS':>10}")
    for name, result in (
        ("pure ledger (parse + apply)", pure),
        ("bare INSERT of the entries", bare),
        ("book: import_files, all tables", book),
    ):
        ratio = result["seconds"] / bare["seconds"]
        print(
            f"{name:34} {result['seconds']:8.2f} {n / result['seconds']:11,.0f} {ratio:7.2f}x {result['rss']:7.0f} MiB"
        )
    print(
        f"\nbook: {book['booked']:,} booked, {book['duplicates']:,} duplicates, {book['reversals']:,} reversals, "
        f"{book['alerts']:,} alerts; {book['entries']:,} entry rows, {book['postings']:,} postings; "
        f"reconciled in {book['reconcile']:.2f} s; the parsing process's peak RSS {book['parser_rss']:.0f} MiB"
    )
    print(f"booking errors: {book['errors']} (pure ledger: {pure['errors']})")
    if book["errors"] or pure["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
