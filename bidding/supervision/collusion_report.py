"""Supervision's collusion report (围标串标, issue 24 "Collusion report"; RULES e, acceptance check 6:
"each signal is shown to the supervisor and logged"; ``docs/supervision.md`` §Collusion report).

* ``GET /api/supervision/lots/{lot_id}/collusion`` (:func:`lot_report`) — every collusion signal
  among the bids of one lot, computed now by the one rules module (:func:`bidding.collusion.signals.
  signals`, through :func:`bidding.evaluation.signal_facts.lot_signals`) over the facts the committee
  sees (:func:`bidding.evaluation.signal_facts.bid_facts`).
* ``GET /api/supervision/collusion`` (:func:`opened_lots`) — the lots that were opened, newest first,
  with the counts of the **last computation** read from the audit trail (never a recomputation).

**Who.** The supervisor and the auditor (who reads everything supervision shows); anyone else 403.
An unknown lot is 404 (``lot_not_found``); a lot whose prices were not announced yet is 409
(``lot_not_opened``): before the 唱标 the prices and the bidders are secret (办法 21, 30).

**Opened** means the opening room announced the lot's bids (唱标, its ``announcement`` event;
``opened_at`` is that event's time): from then on the bids are decrypted, their prices public and the
upload events released from their embargo. The facts are those of the bids decrypted at the opening —
exactly the bids an evaluation takes (``bidding.evaluation.room``: one evaluation bid per decrypted
opening) — and of the lot's withdrawn bids, so the report exists as soon as the lot is opened, before
any committee sits (:func:`bidding.evaluation.signal_facts.lot_facts`, given the bids built from the
opening as the evaluation would take them, unsaved: nothing is written).

**Logged once.** Each distinct signal — its rule, its sorted bids and the SHA-256 of its evidence
(canonical JSON, :func:`bidding.audit.trail.content_hash`) — is recorded once in the audit trail as
``supervision.collusion_signal`` (object ``lot`` / the lot id; ``content_sha256`` the signal's digest
over rule, bids and evidence; details ``rule``, ``article``, ``bids``, ``blocking``,
``evidence_sha256``), by the caller who first computed it. Evidence that changes (a later sighting)
is a new distinct signal, logged again. Besides, each computation whose set of signals differs from
the last one recorded — the first computation included, even with no signal — is recorded as
``supervision.collusion_report`` (same object; details ``signals``, ``blocking`` (counts),
``digests`` (the sorted signal digests) and ``computed_at``): the list reads its counts from the
newest such event, ``null`` for a lot never computed. A second reading that finds the same signals
records nothing. The writes take the lot's lock (:func:`bidding.tendering.locks.lock_lot`) and look
again, so two supervisors reading at once log each signal once.

``reported_at`` of a signal is the time of its audit event (when supervision first saw and logged it),
``computed_at`` the moment of this computation.

**A signal is a suspicion, never a rejection** (RULES e): the report reads the bids and writes only
to the audit trail; no bid, evaluation or award changes because of it. Only
``same_legal_representative`` is ``blocking`` (条例 34), a ground for the committee to decide.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import AuditEvent
from bidding.audit.trail import content_hash, record
from bidding.collusion.signals import BidFacts, Signal
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, NotFound
from bidding.core.roles import Role
from bidding.evaluation.models import EvaluationBid
from bidding.evaluation.signal_facts import lot_facts, lot_signals
from bidding.identity.models import Organization
from bidding.operations.audit_trail import release_due
from bidding.tendering.locks import lock_lot
from bidding.tendering.models import Lot, Project
from opening_room.states import BidOpeningStatus
from opening_room.tables import BidOpening, OpeningEvent

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "ANNOUNCEMENT",
    "MAX_LISTED",
    "READERS",
    "REPORT_ACTION",
    "SIGNAL_ACTION",
    "CollusionLotItem",
    "CollusionReport",
    "CollusionSignalView",
    "LotNotFound",
    "LotNotOpened",
    "lot_report",
    "opened_lots",
    "signal_digest",
]

#: The audit action of one distinct signal, recorded once (the contract's ``supervision.collusion_signal``).
SIGNAL_ACTION: Final = "supervision.collusion_signal"
#: The audit action of a computation whose signals differ from the last one recorded (counts for the list).
REPORT_ACTION: Final = "supervision.collusion_report"
#: The opening room's event of the 唱标 (opening_room/commands/decryption.py): the lot is opened.
ANNOUNCEMENT: Final = "announcement"
#: At most this many lots in one list.
MAX_LISTED: Final = 200
#: Who reads the report: the supervisor, and the auditor who reads what supervision shows.
READERS: Final = (Role.SUPERVISOR, Role.AUDITOR)


class LotNotFound(NotFound):
    code = "lot_not_found"
    message_zh = "标段不存在"
    message_en = "No such lot"


class LotNotOpened(Conflict):
    code = "lot_not_opened"
    message_zh = "该标段尚未开标唱标，串标分析须在唱标之后进行"
    message_en = "The lot's bids have not been announced at an opening yet: the collusion report comes after it"


@dataclass(frozen=True)
class CollusionSignalView:
    """One signal as supervision shows it: ``bid_ids`` sorted, ``evidence`` as the rules made it (with
    its ``bids`` map: bidder id and name and what the rule saw), ``at`` the latest moment in the
    evidence, ``reported_at`` when it was first logged (its audit event)."""

    rule: str
    article: str
    bid_ids: list[uuid.UUID]
    evidence: dict[str, Any]
    blocking: bool
    at: datetime | None
    reported_at: datetime
    summary_zh: str
    summary_en: str


@dataclass(frozen=True)
class CollusionReport:
    """``GET /api/supervision/lots/{lot_id}/collusion``."""

    lot_id: uuid.UUID
    project_id: uuid.UUID
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    opened_at: datetime
    computed_at: datetime
    signals: list[CollusionSignalView]


@dataclass(frozen=True)
class CollusionLotItem:
    """One opened lot of ``GET /api/supervision/collusion``: ``signals`` and ``blocking`` are the counts
    of the last computation recorded, both ``None`` if the report was never computed."""

    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    project_id: uuid.UUID
    project_code: str
    project_name: str
    opened_at: datetime
    signals: int | None
    blocking: int | None


def _gate(caller: Caller) -> None:
    if not caller.has(*READERS):
        names = ", ".join(role.value for role in READERS)
        raise Forbidden(f"this needs one of the roles: {names}", f"需要以下角色之一：{names}")


def signal_digest(found: Signal) -> str:
    """The identity of a distinct signal: SHA-256 of its rule, sorted bids and evidence (canonical JSON)."""
    return content_hash({"rule": found.rule.value, "bids": list(found.bid_ids), "evidence": found.evidence})


async def _opened_lot(session: AsyncSession, lot_id: uuid.UUID) -> tuple[Lot, Project, datetime]:
    row = (
        await session.execute(select(Lot, Project).join(Project, Project.id == Lot.project_id).where(Lot.id == lot_id))
    ).first()
    if row is None:
        raise LotNotFound(f"no lot {lot_id}", f"标段 {lot_id} 不存在")
    lot, project = row
    opened_at = await session.scalar(
        select(func.min(OpeningEvent.at)).where(OpeningEvent.lot_id == lot_id, OpeningEvent.name == ANNOUNCEMENT)
    )
    if opened_at is None:
        raise LotNotOpened(f"lot {lot.code} has not been opened", f"标段 {lot.code} 尚未开标唱标")
    return lot, project, opened_at


async def _facts(session: AsyncSession, lot_id: uuid.UUID) -> list[BidFacts]:
    """The facts of the bids decrypted at the opening (the bids an evaluation takes) and of the lot's
    withdrawn bids: the evaluation's bids as the evaluation would take them, unsaved."""
    rows = await session.execute(
        select(BidOpening, Organization.name)
        .join(Organization, Organization.id == BidOpening.organization_id)
        .where(BidOpening.lot_id == lot_id, BidOpening.status == BidOpeningStatus.DECRYPTED)
        .order_by(BidOpening.order_no)
    )
    bids = [
        EvaluationBid(
            bid_id=opening.bid_id,
            organization_id=opening.organization_id,
            order_no=opening.order_no,
            bidder_name=name,
            price_fen=opening.price_fen,
        )
        for opening, name in rows.all()
    ]
    return await lot_facts(session, lot_id, bids)


def _of_lot(lot_id: uuid.UUID, action: str) -> Any:
    return (AuditEvent.object_type == "lot") & (AuditEvent.object_id == str(lot_id)) & (AuditEvent.action == action)


async def _logged(session: AsyncSession, lot_id: uuid.UUID) -> dict[str, datetime]:
    """The digests of the signals already logged for the lot, with when each was first logged."""
    rows = await session.execute(
        select(AuditEvent.content_sha256, func.min(AuditEvent.occurred_at))
        .where(_of_lot(lot_id, SIGNAL_ACTION))
        .group_by(AuditEvent.content_sha256)
    )
    return {digest: at for digest, at in rows.all() if digest is not None}


async def _last_digests(session: AsyncSession, lot_id: uuid.UUID) -> list[str] | None:
    """The signal digests of the last computation recorded for the lot; ``None`` if never computed."""
    details = await session.scalar(
        select(AuditEvent.details).where(_of_lot(lot_id, REPORT_ACTION)).order_by(AuditEvent.id.desc()).limit(1)
    )
    if details is None:
        return None
    return [str(digest) for digest in details.get("digests", [])]


def _settled(logged: dict[str, datetime], last: list[str] | None, digests: dict[str, Signal]) -> bool:
    return last == sorted(digests) and all(digest in logged for digest in digests)


async def _log(
    platform: Platform, caller: Caller, lot_id: uuid.UUID, digests: dict[str, Signal], now: datetime
) -> dict[str, datetime]:
    """Log each signal not logged yet and, if the signals differ from the last computation recorded,
    this computation; return when each signal was first logged. Reads first and writes only when
    something is new; the writes take the lot's lock and read again (two readers log once)."""
    async with platform.sessions() as session:
        logged = await _logged(session, lot_id)
        last = await _last_digests(session, lot_id)
    if _settled(logged, last, digests):
        return logged
    async with platform.sessions() as session, session.begin():
        await lock_lot(session, lot_id)
        logged = await _logged(session, lot_id)
        last = await _last_digests(session, lot_id)
        written: dict[str, AuditEvent] = {}
        for digest, found in digests.items():
            if digest in logged:
                continue
            event = record(
                session,
                caller.actor,
                SIGNAL_ACTION,
                object_type="lot",
                object_id=str(lot_id),
                content_sha256=digest,
                details={
                    "rule": found.rule.value,
                    "article": found.article,
                    "bids": list(found.bid_ids),
                    "blocking": found.blocking,
                    "evidence_sha256": content_hash(found.evidence),
                },
            )
            assert isinstance(event, AuditEvent)  # no embargo: the lot is opened
            written[digest] = event
        if last != sorted(digests):
            record(
                session,
                caller.actor,
                REPORT_ACTION,
                object_type="lot",
                object_id=str(lot_id),
                details={
                    "signals": len(digests),
                    "blocking": sum(1 for found in digests.values() if found.blocking),
                    "digests": sorted(digests),
                    "computed_at": now.isoformat(),
                },
            )
        await session.flush()  # the events' times (a column default) are set now
        return logged | {digest: event.occurred_at for digest, event in written.items()}


async def lot_report(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> CollusionReport:
    """``GET /api/supervision/lots/{lot_id}/collusion``: every signal among the lot's bids, computed now,
    each distinct one logged once (``supervision.collusion_signal``). Reads the bids, never changes them."""
    _gate(caller)
    async with platform.sessions() as session:
        await _opened_lot(session, lot_id)
    # The upload events named a bidder before the deadline (办法 21): released into the trail by
    # their first reader since the deadline, as every reader of the trail does.
    now = platform.clock.now()
    await release_due(platform.sessions, now)
    async with platform.sessions() as session:
        lot, project, opened_at = await _opened_lot(session, lot_id)
        found = lot_signals(platform, await _facts(session, lot_id))
    digests = {signal_digest(signal): signal for signal in found}
    logged = await _log(platform, caller, lot_id, digests, now)
    return CollusionReport(
        lot_id=lot.id,
        project_id=project.id,
        project_code=project.code,
        project_name=project.name,
        lot_code=lot.code,
        lot_name=lot.name,
        opened_at=opened_at,
        computed_at=now,
        signals=[_view(signal, logged[digest]) for digest, signal in digests.items()],
    )


def _view(found: Signal, reported_at: datetime) -> CollusionSignalView:
    return CollusionSignalView(
        rule=found.rule.value,
        article=found.article,
        bid_ids=[uuid.UUID(bid) for bid in found.bid_ids],
        evidence=found.evidence,
        blocking=found.blocking,
        at=found.at,
        reported_at=reported_at,
        summary_zh=found.summary_zh,
        summary_en=found.summary_en,
    )


async def _last_counts(session: AsyncSession, lot_ids: Sequence[uuid.UUID]) -> dict[str, dict[str, Any]]:
    """The details of the newest ``supervision.collusion_report`` of each lot, by lot id (text)."""
    if not lot_ids:
        return {}
    newest = (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.object_type == "lot",
            AuditEvent.object_id.in_([str(lot_id) for lot_id in lot_ids]),
            AuditEvent.action == REPORT_ACTION,
        )
        .group_by(AuditEvent.object_id)
    )
    rows = await session.execute(select(AuditEvent.object_id, AuditEvent.details).where(AuditEvent.id.in_(newest)))
    return {str(object_id): dict(details or {}) for object_id, details in rows.all()}


def _count(details: dict[str, Any] | None, key: str) -> int | None:
    value = details.get(key) if details is not None else None
    return int(value) if isinstance(value, int) else None


async def opened_lots(platform: Platform, caller: Caller, limit: int = 50) -> list[CollusionLotItem]:
    """``GET /api/supervision/collusion``: the opened lots, newest opening first, each with the counts of
    its last computation recorded (``supervision.collusion_report``), ``None`` if never computed."""
    _gate(caller)
    opened = (
        select(OpeningEvent.lot_id, func.min(OpeningEvent.at).label("opened_at"))
        .where(OpeningEvent.name == ANNOUNCEMENT)
        .group_by(OpeningEvent.lot_id)
        .subquery()
    )
    async with platform.sessions() as session:
        rows = (
            await session.execute(
                select(Lot, Project, opened.c.opened_at)
                .join(opened, opened.c.lot_id == Lot.id)
                .join(Project, Project.id == Lot.project_id)
                .order_by(opened.c.opened_at.desc(), Lot.id)
                .limit(max(1, min(limit, MAX_LISTED)))
            )
        ).all()
        counts = await _last_counts(session, [lot.id for lot, _, _ in rows])
    return [
        CollusionLotItem(
            lot_id=lot.id,
            lot_code=lot.code,
            lot_name=lot.name,
            project_id=project.id,
            project_code=project.code,
            project_name=project.name,
            opened_at=opened_at,
            signals=_count(counts.get(str(lot.id)), "signals"),
            blocking=_count(counts.get(str(lot.id)), "blocking"),
        )
        for lot, project, opened_at in rows
    ]
