"""Crafted snapshots of one two-lot project at each stage of its life, for the pure builder's tests."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bidding.opendata.release import (
    AmendmentSnap,
    AwardSnap,
    BatchSnap,
    BidSnap,
    CandidateSnap,
    ContractSnap,
    DocumentSnap,
    EndSnap,
    LotSnap,
    OpeningSnap,
    Org,
    ProjectSnap,
    build_release,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
BASE = "https://bid.example.cn"
BUYER = Org("某市人民医院", "12330100470000001X")
AGENT = Org("某招标代理有限公司", "91330100MA27000001")
BIDDERS = [Org(f"投标人{i}有限公司", f"91330100MA2700{i:03d}1A") for i in range(1, 5)]
BIDS = [uuid.UUID(int=i + 1) for i in range(4)]
OCID = "ocds-abc123-ZB2026-001"

#: Stage → when it happened.
AT = {
    "tender": T0,
    "amendment": T0 + timedelta(days=3),
    "opening-A": T0 + timedelta(days=25),
    "opening-failed-B": T0 + timedelta(days=25, minutes=5),
    "publicity-A": T0 + timedelta(days=30),
    "award-A-1": T0 + timedelta(days=36),
    "contract-A": T0 + timedelta(days=40),
}
STAGES = list(AT)

DEADLINE = T0 + timedelta(days=25)


def _doc(id_: str, kind: str, at: datetime, lot: str | None = None) -> DocumentSnap:
    return DocumentSnap(
        id_, kind, f"{kind} 文件", f"{BASE}/api/public/announcements/{id_}", at, "application/json", lot
    )


def snapshot_at(stage: str, **changes: Any) -> ProjectSnap:
    """The project as public right after ``stage`` (and every stage before it)."""
    at = AT[stage]
    seen = set(STAGES[: STAGES.index(stage) + 1])
    amended = "amendment" in seen
    lot_a = LotSnap(
        code="A",
        name="门诊楼设备",
        estimated_price_fen=123_456_789,
        deposit_fen=2_000_000,
        bid_validity_days=90,
        deadline=DEADLINE + (timedelta(days=2) if amended else timedelta(0)),
    )
    lot_b = LotSnap("B", "住院楼设备", 50_000_000, 0, 60, DEADLINE)
    if "opening-A" in seen:
        bids = (
            BidSnap(BIDS[0], 1, BIDDERS[0], "decrypted", 120_000_001),
            BidSnap(BIDS[1], 2, BIDDERS[1], "decrypted", 118_500_050),
            BidSnap(BIDS[2], 3, BIDDERS[2], "decrypted", 99_000_000),
            BidSnap(BIDS[3], 4, BIDDERS[3], "failed", None),
        )
        record = _doc("opening-record-A", "bidders", AT["opening-A"], "A")
        lot_a = dataclasses.replace(lot_a, opening=OpeningSnap(AT["opening-A"], bids, record))
    if "opening-failed-B" in seen:
        lot_b = dataclasses.replace(lot_b, opening_failed_at=AT["opening-failed-B"])
    if "publicity-A" in seen:
        candidates = (
            CandidateSnap(1, BIDS[1], BIDDERS[1], 118_500_050),
            CandidateSnap(2, BIDS[0], BIDDERS[0], 120_000_001),
        )
        award = AwardSnap(
            publicity_at=AT["publicity-A"],
            candidates=candidates,
            ranking={BIDS[0]: 2, BIDS[1]: 1, BIDS[2]: None},
            publicity=_doc("publicity-A", "evaluationReports", AT["publicity-A"]),
        )
        if "award-A-1" in seen:
            award = dataclasses.replace(
                award,
                batches=(BatchSnap(1, AT["award-A-1"], BIDS[1], BIDDERS[1], 118_500_050),),
                result=_doc("result-A", "awardNotice", AT["award-A-1"]),
            )
        if "contract-A" in seen:
            award = dataclasses.replace(award, contract=ContractSnap(date(2026, 4, 11), 118_500_050, AT["contract-A"]))
        lot_a = dataclasses.replace(lot_a, award=award)
    docs = [_doc("tender", "tenderNotice", T0)]
    amendments = []
    if amended:
        docs.append(_doc("amendment-1", "clarifications", AT["amendment"]))
        amendments.append(
            AmendmentSnap(
                "amendment-1",
                AT["amendment"],
                "关于截止时间的变更",
                "amendment",
                {"A": {"from": DEADLINE.isoformat(), "to": (DEADLINE + timedelta(days=2)).isoformat()}},
            )
        )
    snap = ProjectSnap(
        as_of=at,
        ocid=OCID,
        code="ZB2026-001",
        name="某市人民医院设备采购",
        category="goods",
        buyer=BUYER,
        agent=AGENT,
        published_at=T0,
        tender_start_at=T0,
        lots=(lot_a, lot_b),
        documents=tuple(docs),
        amendments=tuple(amendments),
        description="某市人民医院设备采购招标公告",
    )
    return dataclasses.replace(snap, **changes)


TAGS = {
    "tender": ["tender"],
    "amendment": ["tenderAmendment"],
    "opening-A": ["tenderUpdate"],
    "opening-failed-B": ["tenderUpdate"],
    "publicity-A": ["award"],
    "award-A-1": ["awardUpdate"],
    "contract-A": ["contract"],
}


def release_at(stage: str, **changes: Any) -> dict[str, Any]:
    return build_release(snapshot_at(stage, **changes), release_id=f"{OCID}-{stage}", tags=TAGS[stage])


def all_releases() -> list[dict[str, Any]]:
    return [release_at(stage) for stage in STAGES]


def ended(stage: str, kind: str) -> dict[str, Any]:
    """The release of lot A's end (流标 or termination) right after ``stage``."""
    snap = snapshot_at(stage)
    at = snap.as_of + timedelta(hours=1)
    lot_a = snap.lots[0]
    assert lot_a.award is not None
    lot_a = dataclasses.replace(lot_a, award=dataclasses.replace(lot_a.award, ended=EndSnap(at, kind)))  # type: ignore[arg-type]
    snap = dataclasses.replace(snap, as_of=at, lots=(lot_a, snap.lots[1]))
    return build_release(snap, release_id=f"{OCID}-end-A", tags=["tenderCancellation"])
