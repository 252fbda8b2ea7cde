"""``bidding log audit``: recompute the tree from the rows and hold it against the signed checkpoints.

The log is only as good as the check that its leaves are still the rows (办法 14, 49). For every
index in order, the row the leaf names is read and encoded again (:mod:`bidding.transparency.leaves`);
a row that is gone, or whose leaf hash differs, is reported with its index. The tree rebuilt from
those hashes must give, at every signed checkpoint's size, the root that checkpoint signs (its
signature checked with the log's key); the first size where it does not is reported too — an edit
made with the database's triggers switched off, rows swapped, or leaves rewritten to match shows
here. A row with no leaf below the newest logged row of its table is reported as ``unlogged``.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.transparency.checkpoints import InconsistentLog, read_checkpoint
from bidding.transparency.leaves import SOURCES, hash_row
from bidding.transparency.models import LogCheckpoint, LogLeaf
from bidding.transparency.tree import read_state
from crypto.tlog.merkle import CompactRange
from crypto.tlog.note import Ed25519Signer

__all__ = ["AuditReport", "Finding", "audit_log"]

#: Leaves read per query.
CHUNK: Final = 10_000


@dataclass(frozen=True)
class Finding:
    """One thing wrong: ``kind`` is ``altered`` (the row no longer gives its leaf), ``deleted`` (the
    row is gone), ``missing_leaf`` (no leaf at an index below the size), ``root_mismatch`` (the
    rebuilt tree does not give a signed root), ``bad_checkpoint`` (a stored checkpoint does not
    verify) or ``unlogged`` (a row with no leaf)."""

    kind: str
    index: int | None = None
    source: str | None = None
    source_id: int | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class AuditReport:
    size: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


async def _rows(db: AsyncSession, leaves: Sequence[LogLeaf]) -> dict[tuple[str, int], dict[str, Any]]:
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for source, table in SOURCES.items():
        ids = [leaf.source_id for leaf in leaves if leaf.source == source]
        if ids:
            for row in (await db.execute(select(table).where(table.c.id.in_(ids)))).mappings():
                found[(source, row["id"])] = dict(row)
    return found


async def audit_log(sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer) -> AuditReport:
    """Check every leaf against its row and every signed checkpoint against the rebuilt tree."""
    report = AuditReport()
    async with sessions() as db:
        report.size = (await read_state(db)).size
        stored = list(await db.scalars(select(LogCheckpoint).order_by(LogCheckpoint.size)))
        signed: dict[int, bytes] = {}
        for checkpoint in stored:
            try:
                signed[checkpoint.size] = read_checkpoint(checkpoint, signer).root
            except InconsistentLog as exc:
                report.findings.append(Finding("bad_checkpoint", detail=str(exc)))
        report.checkpoints = len(signed)
        rebuilt = CompactRange()
        expected = 0
        while expected < report.size:
            leaves = list(
                await db.scalars(
                    select(LogLeaf)
                    .where(LogLeaf.index >= expected, LogLeaf.index < min(expected + CHUNK, report.size))
                    .order_by(LogLeaf.index)
                )
            )
            rows = await _rows(db, leaves)
            by_index = {leaf.index: leaf for leaf in leaves}
            for index in range(expected, min(expected + CHUNK, report.size)):
                leaf = by_index.get(index)
                if leaf is None:
                    report.findings.append(Finding("missing_leaf", index))
                    rebuilt.append(bytes(32))  # a hole: every later root differs, as it should
                else:
                    row = rows.get((leaf.source, leaf.source_id))
                    if row is None:
                        report.findings.append(Finding("deleted", index, leaf.source, leaf.source_id))
                        recomputed = leaf.leaf_hash
                    else:
                        recomputed = hash_row(leaf.source, row)
                        if not hmac.compare_digest(recomputed, leaf.leaf_hash):
                            report.findings.append(Finding("altered", index, leaf.source, leaf.source_id))
                    rebuilt.append(recomputed)
                root = signed.get(rebuilt.size)
                if root is not None and not hmac.compare_digest(rebuilt.root(), root):
                    report.findings.append(
                        Finding("root_mismatch", detail=f"the rows do not give the root signed at size {rebuilt.size}")
                    )
            expected += CHUNK
        for source, table in SOURCES.items():
            # Rows newer than the newest logged one are waiting for the sequencer, not left out.
            newest = await db.scalar(select(func.max(LogLeaf.source_id)).where(LogLeaf.source == source))
            if newest is None:
                continue
            unlogged = await db.scalars(
                select(table.c.id)
                .where(table.c.id < newest)
                .where(~exists().where(LogLeaf.source == source, LogLeaf.source_id == table.c.id))
                .order_by(table.c.id)
                .limit(100)
            )
            report.findings += [Finding("unlogged", source=source, source_id=i) for i in unlogged]
    return report
