"""The candidate publicity (中标候选人公示; 条例 54; RULES c11, c12 and acceptance check 4).

* **Published** (:func:`publish`): by the award watch (:func:`publish_due`) as soon as the award is
  ``reported`` — so within the 3 days of 条例 54 by construction — or earlier by the agent
  (``POST /api/awards/{id}/publicity``). The platform renders the publicity PDF
  (:mod:`bidding.documents.candidate_publicity`: candidates in rank order with price, duration,
  quality, the promised project manager and certificate, the evaluation summary, how to object),
  signs it as the platform and keeps it 15 years; publishes a tendering announcement of kind
  ``candidate_publicity`` (:func:`bidding.tendering.announcements.announce`: the portal lists it,
  with its content digest) and notifies each bidder of the lot in its workspace (the announcements'
  notifications); the award moves to ``publicity`` with ``publicity_*`` set and is audited. A
  publicity the platform publishes late (the watch down for days) is still published, and audited
  ``award.publicity_late`` with the lateness (:func:`bidding.awards.rules.publicity_window`):
  withholding it would only make the delay longer.
* **Government procurement** has no candidate publicity (87号令: the result is announced with the
  award): the watch moves such an award ``reported → awaiting_choice`` at once, reason
  ``government_procurement_no_publicity``; the agent's publish is refused (409
  ``publicity_not_applicable``).
* **Closed** (:func:`close_due`): once 3 full days have passed (:func:`bidding.awards.rules.may_close`,
  never earlier) and no objection is unanswered → ``awaiting_choice``. A ``suspended`` award stays
  suspended: the last answer moves it on (:mod:`bidding.awards.objections`).
* **Public view** (:func:`public_view`, :func:`publicity_pdf`): what the portal shows once something
  is published — the candidates as published, the period, how to object, whether the award is
  suspended, and the result once the notices are sent. Nothing else: no bid content, no expert, no
  objection or complaint text, no bank data, no internal ids of organisations.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.access import AwardNotFound, award_of_lot, check, gate, lock, project_lot
from bidding.awards.lifecycle import audit, set_state
from bidding.awards.models import Award, AwardObjection
from bidding.awards.rules import PUBLICITY_DAYS, PublicityLate, end_of_days, may_close, publicity_window
from bidding.awards.states import AwardRole, AwardState
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict
from bidding.documents.candidate_publicity import PublicityCandidate, PublicityData, render_candidate_publicity
from bidding.documents.layout import shanghai
from bidding.documents.money import chinese_uppercase, yuan
from bidding.evaluation.models import Evaluation
from bidding.identity.models import Organization
from bidding.tendering.announcements import announce
from bidding.tendering.models import Lot, Notification, Project
from bidding.tendering.rules.announcements import AnnouncementKind
from opening_room import record as stored

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "HOW_TO_OBJECT_EN",
    "HOW_TO_OBJECT_ZH",
    "PDF_KEY",
    "PublicAwardView",
    "PublicCandidate",
    "PublicityInfo",
    "PublicityNotApplicable",
    "ResultInfo",
    "close_due",
    "public_view",
    "publicity_number",
    "publicity_pdf",
    "publish",
    "publish_due",
]

log = logging.getLogger(__name__)

PDF_KEY: Final = "awards/{award}/publicity-v{version}.pdf"
SIGN_REASON: Final = "中标候选人公示 / publicity of the candidates（条例 54）"
HOW_TO_OBJECT_ZH: Final = (
    "投标人或者其他利害关系人对评标结果有异议的，应当在公示期内通过本平台提出（以数字证书签名），"
    "招标人自收到异议之日起3日内作出答复；作出答复前，暂停招标投标活动（《招标投标法实施条例》第五十四条）。"
)
HOW_TO_OBJECT_EN: Final = (
    "Bidders and other interested parties object to the evaluation result on this platform during the "
    "publicity, signed with their certificate; the tenderer answers within 3 days, and the tender is "
    "suspended until it does (Regulations on the Implementation of the Tendering and Bidding Law, Art. 54)."
)
_SYSTEM: Final = Actor.system("awards")


class PublicityNotApplicable(Conflict):
    """Government procurement publishes no candidate publicity (87号令): the result is announced."""

    code = "publicity_not_applicable"
    message_zh = "政府采购项目不进行中标候选人公示"
    message_en = "Government procurement has no candidate publicity"


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PublicCandidate:
    """A candidate as the publicity shows it (RULES c12); a field the opening form did not declare is None."""

    rank: int
    bidder: str
    credit_code: str
    price_fen: int
    price_uppercase: str
    total: str | None
    duration_days: int | None
    quality: str | None
    project_manager: str | None
    project_manager_certificate: str | None


@dataclass(frozen=True)
class PublicityInfo:
    number: str
    published_at: datetime
    #: The earliest close (00:00 China time after 3 full days, 条例 54).
    closes_at: datetime
    #: Whether objections are still received (now before ``closes_at`` and not yet closed).
    open: bool
    #: An objection is unanswered: the tender is suspended (暂停, 条例 54).
    suspended: bool
    announcement_id: uuid.UUID | None
    pdf_url: str
    pdf_sha256: str
    how_to_object_zh: str
    how_to_object_en: str


@dataclass(frozen=True)
class ResultInfo:
    """The winner once the notices are sent (the result announcement is the notices' module's)."""

    rank: int | None
    bidder: str | None
    credit_code: str | None
    price_fen: int | None
    notices_sent_at: datetime | None
    announcement_id: uuid.UUID | None


@dataclass(frozen=True)
class PublicAwardView:
    award_id: uuid.UUID
    project_id: uuid.UUID
    project_code: str
    project_name: str
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    state: AwardState
    government_procurement: bool
    candidates: list[PublicCandidate]
    publicity: PublicityInfo | None
    result: ResultInfo | None


def _public_candidate(c: dict[str, Any]) -> PublicCandidate:
    price = int(c["price_fen"])
    duration = c.get("duration_days")
    return PublicCandidate(
        rank=int(c["rank"]),
        bidder=str(c["bidder"]),
        credit_code=str(c.get("credit_code") or ""),
        price_fen=price,
        price_uppercase=chinese_uppercase(price),
        total=None if c.get("total") is None else str(c["total"]),
        duration_days=int(duration) if duration is not None else None,
        quality=_optional(c.get("quality")),
        project_manager=_optional(c.get("project_manager")),
        project_manager_certificate=_optional(c.get("project_manager_certificate")),
    )


def _optional(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value)


_NOTIFIED: Final = frozenset({AwardState.AWARDED, AwardState.CONTRACTED, AwardState.CLOSED})


def _view(a: Award, project: Project, lot: Lot, now: datetime) -> PublicAwardView:
    publicity = None
    if a.publicity_published_at is not None and a.publicity_closes_at is not None:
        publicity = PublicityInfo(
            number=a.publicity_number or "",
            published_at=a.publicity_published_at,
            closes_at=a.publicity_closes_at,
            open=a.state in (AwardState.PUBLICITY, AwardState.SUSPENDED) and now < a.publicity_closes_at,
            suspended=a.state is AwardState.SUSPENDED,
            announcement_id=a.publicity_announcement_id,
            pdf_url=f"/api/public/awards/{a.id}/publicity.pdf",
            pdf_sha256=a.publicity_sha256 or "",
            how_to_object_zh=HOW_TO_OBJECT_ZH,
            how_to_object_en=HOW_TO_OBJECT_EN,
        )
    result = None
    if a.state in _NOTIFIED or a.notices_sent_at is not None:
        winner = next((c for c in a.candidates if c.get("rank") == a.chosen_rank), None)
        result = ResultInfo(
            rank=a.chosen_rank,
            bidder=winner["bidder"] if winner else None,
            credit_code=winner.get("credit_code") if winner else None,
            price_fen=winner["price_fen"] if winner else None,
            notices_sent_at=a.notices_sent_at,
            announcement_id=a.result_announcement_id,
        )
    return PublicAwardView(
        award_id=a.id,
        project_id=project.id,
        project_code=project.code,
        project_name=project.name,
        lot_id=lot.id,
        lot_code=lot.code,
        lot_name=lot.name,
        state=a.state,
        government_procurement=a.government_procurement,
        candidates=[_public_candidate(c) for c in sorted(a.candidates, key=lambda c: int(c["rank"]))],
        publicity=publicity,
        result=result,
    )


def _published(a: Award) -> bool:
    """Something of the award is public: the publicity, or (government procurement) the result."""
    return a.publicity_published_at is not None or a.notices_sent_at is not None


async def public_view(platform: Platform, lot_id: uuid.UUID) -> PublicAwardView:
    """``GET /api/public/awards/lots/{lot_id}``: 404 until something is published."""
    async with platform.sessions() as session:
        try:
            a = await award_of_lot(session, lot_id)
        except AwardNotFound:
            raise AwardNotFound(f"nothing is published for lot {lot_id}", f"标段 {lot_id} 尚无公示") from None
        if not _published(a):
            raise AwardNotFound(f"nothing is published for lot {lot_id}", f"标段 {lot_id} 尚无公示")
        project, lot = await project_lot(session, a)
        return _view(a, project, lot, platform.clock.now())


async def publicity_pdf(platform: Platform, award_id: uuid.UUID) -> bytes:
    """``GET /api/public/awards/{id}/publicity.pdf``: the platform-signed publicity, once published."""
    async with platform.sessions() as session:
        a = await session.get(Award, award_id)
        if a is None or a.publicity_pdf_key is None:
            raise AwardNotFound(f"award {award_id} has no publicity", "尚无中标候选人公示")
        key = a.publicity_pdf_key
    return await stored.read(platform.store, key)


# ----------------------------------------------------------------------------- publishing


def publicity_number(lot_id: uuid.UUID) -> str:
    """``GS-1A2B3C4D`` (公示), as the report of the same lot is ``PB-…`` and its opening record ``KB-…``."""
    return f"GS-{str(lot_id)[:8].upper()}"


async def _store_new(platform: Platform, a: Award, data: bytes) -> str:
    """Store as the first free version (a key left by an attempt that did not commit is never overwritten)."""
    version = 1
    while await platform.store.exists(key := PDF_KEY.format(award=a.id, version=version)):
        version += 1
    await stored.put(platform.store, platform.clock, key, data)
    return key


async def _names(session: AsyncSession, project: Project) -> tuple[str, str]:
    rows = dict(
        (
            await session.execute(
                select(Organization.id, Organization.name).where(
                    Organization.id.in_([project.tenderer_id, project.agent_id])
                )
            )
        ).all()
    )
    return rows.get(project.tenderer_id, ""), rows.get(project.agent_id, "")


def _body(number: str, project: Project, lot: Lot, candidates: Sequence[PublicCandidate], closes_at: datetime) -> str:
    lines = [
        f"公示编号：{number}",
        f"项目：{project.code} {project.name}；标段：{lot.code} {lot.name}",
        "中标候选人（按排名）：",
    ]
    for c in candidates:
        manager = c.project_manager or "未填报"
        certificate = c.project_manager_certificate or "未填报"
        lines.append(
            f"第{c.rank}名 {c.bidder}，投标报价 {yuan(c.price_fen)}（{c.price_uppercase}），"
            f"工期 {c.duration_days if c.duration_days is not None else '未填报'}，质量 {c.quality or '未填报'}，"
            f"项目经理 {manager}（证书编号 {certificate}）" + (f"，评标得分 {c.total}" if c.total is not None else "")
        )
    lines += [f"公示期至 {shanghai(closes_at)}。", HOW_TO_OBJECT_ZH, "", HOW_TO_OBJECT_EN]
    return "\n".join(lines)


async def _publish(
    session: AsyncSession, platform: Platform, actor: Actor, a: Award, project: Project, lot: Lot, now: datetime
) -> None:
    """Publish ``a``'s publicity at ``now`` (the award is locked and ``reported``; the caller commits)."""
    if a.government_procurement:
        raise PublicityNotApplicable()
    late: dict[str, Any] | None = None
    try:
        closes_at = publicity_window(a.report_final_at, now)
    except PublicityLate as exc:
        # the platform publishes anyway (withholding it only lengthens the delay) and records it
        late = {"reason_en": exc.detail_en, "reason_zh": exc.detail_zh, "details": exc.details}
        closes_at = end_of_days(now, PUBLICITY_DAYS)
    ev = await session.get(Evaluation, a.evaluation_id)
    report = (ev.report if ev is not None else None) or {}
    method = report.get("method") or {}
    tenderer, agent = await _names(session, project)
    number = publicity_number(lot.id)
    candidates = [_public_candidate(c) for c in sorted(a.candidates, key=lambda c: int(c["rank"]))]
    data = PublicityData(
        number=number,
        project_code=project.code,
        project_name=project.name,
        lot_code=lot.code,
        lot_name=lot.name,
        tenderer=tenderer,
        agent=agent,
        candidates=[
            PublicityCandidate(
                c.rank,
                c.bidder,
                c.credit_code,
                c.price_fen,
                c.total,
                c.duration_days,
                c.quality,
                c.project_manager,
                c.project_manager_certificate,
            )
            for c in candidates
        ],
        method_zh=str(method.get("zh", "")),
        method_en=str(method.get("en", "")),
        report_number=str(report.get("report_number", "")),
        report_final_at=a.report_final_at,
        published_at=now,
        closes_at=closes_at,
    )
    pdf = await asyncio.to_thread(render_candidate_publicity, data)
    signed = await platform.documents.sign(pdf, reason=SIGN_REASON)
    key = await _store_new(platform, a, signed)
    digest = hashlib.sha256(signed).hexdigest()
    announcement = await announce(
        session,
        actor,
        project,
        AnnouncementKind.CANDIDATE_PUBLICITY,
        title=f"{project.name}（{lot.code} {lot.name}）中标候选人公示",
        body=_body(number, project, lot, candidates, closes_at),
        now=now,
        details={
            "award_id": str(a.id),
            "lot_id": str(lot.id),
            "number": number,
            "closes_at": closes_at.isoformat(),
            "pdf_url": f"/api/public/awards/{a.id}/publicity.pdf",
            "pdf_sha256": digest,
            "candidates": [
                {
                    "rank": c.rank,
                    "bidder": c.bidder,
                    "credit_code": c.credit_code,
                    "price_fen": c.price_fen,
                    "total": c.total,
                    "duration_days": c.duration_days,
                    "quality": c.quality,
                    "project_manager": c.project_manager,
                    "project_manager_certificate": c.project_manager_certificate,
                }
                for c in candidates
            ],
        },
    )
    # every bidder of the lot learns in its workspace that the publicity (and its objection window) is open
    for org in sorted({str(r["organization_id"]) for r in a.ranking}):
        session.add(
            Notification(
                organization_id=uuid.UUID(org), project_id=project.id, announcement_id=announcement.id, created_at=now
            )
        )
    a.publicity_number = number
    a.publicity_published_at = now
    a.publicity_closes_at = closes_at
    a.publicity_announcement_id = announcement.id
    a.publicity_pdf_key = key
    a.publicity_sha256 = digest
    set_state(session, actor, a, AwardState.PUBLICITY, now, reason="publicity_published", article="条例54")
    audit(
        session,
        actor,
        a,
        "publicity_published",
        number=number,
        announcement=str(announcement.id),
        pdf_sha256=digest,
        closes_at=closes_at.isoformat(),
        late=late is not None,
    )
    if late is not None:
        audit(session, actor, a, "publicity_late", article="条例54", **late)


async def publish(platform: Platform, caller: Caller | None, award_id: uuid.UUID) -> PublicAwardView:
    """Publish the publicity of ``award_id`` now: the agent (``caller``) before the watch does, or the
    platform (``caller`` None or a ``system:`` caller). Only from ``reported`` (409 ``award_state``)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        if caller is None or caller.actor_id.startswith("system:"):
            a = await lock(session, award_id)
            check("publish_publicity", AwardRole.SYSTEM, a.state)
            project, lot = await project_lot(session, a)
            actor = caller.actor if caller is not None else _SYSTEM
        else:
            seat = await gate(session, caller, award_id, "publish_publicity", for_update=True)
            a, project, lot, actor = seat.award, seat.project, seat.lot, caller.actor
        await _publish(session, platform, actor, a, project, lot, now)
        await session.flush()
        return _view(a, project, lot, now)


async def publish_due(platform: Platform, now: datetime) -> int:
    """The watch's step: every ``reported`` award published now (government procurement: straight to
    ``awaiting_choice``, no publicity). Each under its lock, in its own transaction; idempotent. The
    count of awards moved."""
    async with platform.sessions() as session:
        waiting = (await session.scalars(select(Award.id).where(Award.state == AwardState.REPORTED))).all()
    done = 0
    for award_id in waiting:
        try:
            async with platform.sessions() as session, session.begin():
                a = await lock(session, award_id)
                if a.state is not AwardState.REPORTED:
                    continue  # published by the agent, or by another watch, meanwhile
                if a.government_procurement:
                    set_state(
                        session,
                        _SYSTEM,
                        a,
                        AwardState.AWAITING_CHOICE,
                        now,
                        reason="government_procurement_no_publicity",
                        article="87号令",
                    )
                else:
                    project, lot = await project_lot(session, a)
                    await _publish(session, platform, _SYSTEM, a, project, lot, now)
            done += 1
        except Exception:  # one award's failure (signing, storage) does not stop the others
            log.exception("award %s: publicity not published", award_id)
    return done


async def _unanswered(session: AsyncSession, award_id: uuid.UUID) -> int:
    rows = await session.scalars(
        select(AwardObjection.id).where(AwardObjection.award_id == award_id, AwardObjection.answered_at.is_(None))
    )
    return len(rows.all())


async def close_due(platform: Platform, now: datetime) -> int:
    """The watch's step: each publicity whose 3 full days are over (:func:`may_close`, never earlier)
    and with no objection unanswered moves to ``awaiting_choice``. The count closed."""
    async with platform.sessions() as session:
        candidates = (
            await session.scalars(
                select(Award.id).where(Award.state == AwardState.PUBLICITY, Award.publicity_closes_at <= now)
            )
        ).all()
    done = 0
    for award_id in candidates:
        async with platform.sessions() as session, session.begin():
            a = await lock(session, award_id)
            if a.state is not AwardState.PUBLICITY or a.publicity_published_at is None:
                continue
            if not may_close(a.publicity_published_at, now) or await _unanswered(session, a.id):
                continue
            set_state(session, _SYSTEM, a, AwardState.AWAITING_CHOICE, now, reason="publicity_closed", article="条例54")
            audit(session, _SYSTEM, a, "publicity_closed", number=a.publicity_number, closes_at=now.isoformat())
            done += 1
    return done
