"""The deposit core (issue 18) on Nanjing's scale: 360,000 statement entries for 10,000 lots,
parsed from camt.053 and booked in the pure ledger, against a bare lxml parse of the same files.

    .venv/bin/python bench/deposits_core_bench.py            # 360,000 entries, 360 files
    .venv/bin/python bench/deposits_core_bench.py --quick    # 36,000 entries, 36 files

The generator writes camt.053.001.08 files (one statement of ~1,000 entries each, consecutive
``ElctrncSeqNb``) into a temporary directory: deposits to the bidders' virtual sub-accounts (12
bidders a lot), 1 % to the bare collection account (unmatched), 5 % duplicates (entries an earlier
file already had, as overlapping exports repeat them) and 1 % reversals of earlier entries. It
also writes what the ledger must end with: every sub-account's and the unmatched balance and the
bank's last closing balance.

Each measurement runs in its own subprocess, which reports its time and its peak RSS
(``resource.getrusage``), so generation does not count:

* **baseline**: ``lxml.etree.iterparse`` over the same files, counting ``Ntry`` elements and
  clearing them (the least any camt import must do);
* **core**: per file, ``parse_statement`` (camt → :class:`Entry`) then ``Ledger.apply_statement``;
  parse and apply times are summed separately. The virtual-account book (what the database will
  hold) is loaded first and not timed.

Booking errors = accounts whose balance differs from the generator's, plus a collection balance
that differs from the bank's closing balance, plus duplicates or reversals not counted as such.
It must be 0.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bidding.deposits.entries import Direction, Entry, EntryStatus, Statement, StatementKind  # noqa: E402
from bidding.deposits.ledger import Account, Ledger, SubAccountRouter  # noqa: E402
from bidding.deposits.statements import parse_statement  # noqa: E402
from bidding.deposits.statements.camt_writer import write_camt  # noqa: E402
from bidding.deposits.virtual_accounts import VirtualAccountBook  # noqa: E402

COLLECTION = "6222020200012345678"
BIDDERS_PER_LOT = 12
PAYERS = [f"1100{n:014d}" for n in range(5000)]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_book(lots: int) -> VirtualAccountBook:
    book = VirtualAccountBook(COLLECTION)
    for lot in range(lots):
        for bidder in range(BIDDERS_PER_LOT):
            book.issue(f"L{lot:05d}", f"B{bidder:02d}")
    return book


def generate(directory: Path, entries: int, lots: int, files: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    book = build_book(lots)
    per_file = entries // files
    duplicates_total, reversals_total = entries * 5 // 100, entries // 100
    expected: dict[str, int] = {}
    pool: list[tuple[Entry, str]] = []  # recent originals not reversed, with the account they hit
    counter = 0
    balance = 0
    made = {"duplicates": 0, "reversals": 0}
    day = date(2024, 1, 1)
    for number in range(1, files + 1):
        day += timedelta(days=1)
        statement_id = f"STMT-{number:05d}"
        items: list[Entry] = []
        opening = balance
        remaining_dups = duplicates_total - made["duplicates"]
        remaining_revs = reversals_total - made["reversals"]
        left = files - number + 1
        dups = remaining_dups // left
        revs = remaining_revs // left
        for _ in range(min(dups, len(pool))):
            items.append(rng.choice(pool)[0])  # the very same entry again: same AcctSvcrRef
            made["duplicates"] += 1
        for _ in range(min(revs, len(pool))):
            original, where = pool.pop(rng.randrange(len(pool)))
            counter += 1
            items.append(
                Entry(
                    account=COLLECTION,
                    statement_id=statement_id,
                    sequence=number,
                    index=0,
                    amount_fen=original.amount_fen,
                    currency="CNY",
                    direction=Direction.DEBIT,
                    reversal=True,
                    status=EntryStatus.BOOKED,
                    booking_date=day,
                    value_date=day,
                    bank_ref=f"R{counter:08d}",
                    end_to_end_id=original.end_to_end_id,
                    reversal_of=original.bank_ref,
                    remittance="冲正",
                )
            )
            expected[where] -= original.amount_fen
            balance -= original.amount_fen
            made["reversals"] += 1
        while len(items) < per_file:
            counter += 1
            amount = rng.randrange(100_00, 800_000_00)
            if rng.random() < 0.01:
                addressed, where = None, "unmatched"
            else:
                lot, bidder = f"L{rng.randrange(lots):05d}", f"B{rng.randrange(BIDDERS_PER_LOT):02d}"
                addressed, where = book.issue(lot, bidder).number, f"{lot}/{bidder}"
            item = Entry(
                account=COLLECTION,
                statement_id=statement_id,
                sequence=number,
                index=0,
                amount_fen=amount,
                currency="CNY",
                direction=Direction.CREDIT,
                reversal=False,
                status=EntryStatus.BOOKED,
                booking_date=day,
                value_date=day,
                bank_ref=f"B{counter:08d}",
                end_to_end_id=f"E{counter:08d}",
                counterparty_name="某某建设有限公司",
                counterparty_account=rng.choice(PAYERS),
                addressed_account=addressed,
                remittance="投标保证金",
            )
            items.append(item)
            pool.append((item, where))
            if len(pool) > 40_000:
                del pool[:20_000]
            expected[where] = expected.get(where, 0) + amount
            balance += amount
        rng.shuffle(items)
        statement = Statement(
            account=COLLECTION,
            statement_id=statement_id,
            sequence=number,
            kind=StatementKind.CAMT053,
            currency="CNY",
            opening_fen=opening,
            closing_fen=balance,
            created_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=18),
            entries=tuple(items),
        )
        (directory / f"{number:05d}.xml").write_bytes(write_camt([statement], message_id=statement_id))
    return {
        "balances": {k: v for k, v in expected.items() if v},
        "closing": balance,
        "duplicates": made["duplicates"],
        "reversals": made["reversals"],
        "entries": per_file * files,
        "lots": lots,
    }


def run_baseline(directory: Path) -> dict[str, Any]:
    from lxml import etree

    count = 0
    start = time.perf_counter()
    for path in sorted(directory.glob("*.xml")):
        for _, element in etree.iterparse(
            str(path), tag="{*}Ntry", resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
        ):
            count += 1
            element.clear(keep_tail=False)
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
    return {"seconds": time.perf_counter() - start, "entries": count, "rss": peak_rss_mib()}


def run_core(directory: Path, expected_path: Path) -> dict[str, Any]:
    expected = json.loads(expected_path.read_text())
    start = time.perf_counter()
    ledger = Ledger(SubAccountRouter([build_book(expected["lots"])]))
    setup = time.perf_counter() - start
    parse_s = apply_s = 0.0
    entries = duplicates = reversals = gaps = 0
    last = None
    for path in sorted(directory.glob("*.xml")):
        data = path.read_bytes()
        t0 = time.perf_counter()
        statement = parse_statement(data, "camt.053")
        t1 = time.perf_counter()
        result = ledger.apply_statement(statement)
        apply_s += time.perf_counter() - t1
        parse_s += t1 - t0
        entries += len(statement.entries)
        duplicates += result.duplicates
        reversals += result.reversals
        gaps += sum(1 for a in result.alerts if a.kind == "sequence_gap")
        last = statement
    errors = 0
    balances = {
        (f"{account.lot}/{account.bidder}" if account.lot else account.kind.value): fen
        for account, fen in ledger.balances().items()
        if account.kind.value != "collection"
    }
    want = expected["balances"]
    errors += sum(1 for key in set(want) | set(balances) if want.get(key, 0) != balances.get(key, 0))
    collection = ledger.balance(Account.collection(COLLECTION))
    assert last is not None
    check = ledger.check_closing(last)
    errors += int(collection != expected["closing"]) + int(check is None or not check.ok)
    errors += int(duplicates != expected["duplicates"]) + int(reversals != expected["reversals"])
    errors += int(not ledger.is_balanced()) + gaps
    return {
        "setup": setup,
        "parse": parse_s,
        "apply": apply_s,
        "entries": entries,
        "errors": errors,
        "postings": len(ledger.postings),
        "rss": peak_rss_mib(),
    }


def child(kind: str, directory: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--dir", str(directory)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="36,000 entries, 1,000 lots, 36 files")
    parser.add_argument("--entries", type=int, default=360_000)
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=360)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--child", choices=["baseline", "core"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_baseline(args.dir) if args.child == "baseline" else run_core(args.dir, args.dir / "expected.json")
        print(json.dumps(result))
        return
    if args.quick:
        args.entries, args.lots, args.files = 36_000, 1_000, 36
    with tempfile.TemporaryDirectory(prefix="deposits-bench-") as tmp:
        directory = Path(tmp)
        t0 = time.perf_counter()
        expected = generate(directory, args.entries, args.lots, args.files, args.seed)
        (directory / "expected.json").write_text(json.dumps(expected))
        generated = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in directory.glob("*.xml")) / 2**20
        print(
            f"{expected['entries']:,} entries ({expected['duplicates']:,} duplicates, {expected['reversals']:,} "
            f"reversals) for {args.lots:,} lots in {args.files} camt.053 files ({size:.0f} MiB); "
            f"generated in {generated:.1f} s (not timed below)\n"
        )
        base = child("baseline", directory)
        core = child("core", directory)
    n = expected["entries"]
    assert base["entries"] == core["entries"] == n, (base["entries"], core["entries"], n)
    rows = [
        ("lxml iterparse (baseline)", base["seconds"], base["rss"]),
        ("parse: camt → Entry", core["parse"], None),
        ("apply: ledger booking", core["apply"], None),
        ("parse + apply", core["parse"] + core["apply"], core["rss"]),
    ]
    print(f"{'step':28} {'seconds':>8} {'entries/s':>11} {'vs baseline':>12} {'peak RSS':>10}")
    for name, seconds, rss in rows:
        ratio = seconds / base["seconds"]
        memory = f"{rss:.0f} MiB" if rss is not None else ""
        print(f"{name:28} {seconds:8.2f} {n / seconds:11,.0f} {ratio:11.2f}x {memory:>10}")
    print(
        f"\nvirtual-account book of {args.lots * BIDDERS_PER_LOT:,} numbers loaded in {core['setup']:.2f} s (not timed)"
    )
    print(f"postings: {core['postings']:,}; booking errors: {core['errors']}")
    if core["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
