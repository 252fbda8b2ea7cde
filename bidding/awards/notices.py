"""The notice batch (issue 21; 法 45; 办法 36–37; RULES c14–c15): once the winner is chosen, the award
notice (中标通知书) to the winner and a result notice (中标结果通知书) to every other evaluated bidder go
out **in one transaction**, with the result announcement (中标结果公告) on the portal.

:func:`send_batch` (``POST /api/awards/{id}/notices`` by the tenderer or the agent, or the system right
after a deemed choice, :func:`bidding.awards.choice.deem_due`), under the award's lock:

* ``Award.notice_batch`` += 1; one :class:`~bidding.awards.models.AwardNotice` per evaluated bidder —
  the winner's of kind ``award``, each other's of kind ``result`` (government procurement: with the
  loser's own rank and score, 87号令 69, and the committee's names, published with the award);
* each PDF rendered (:mod:`bidding.documents.award_notice`), signed by the platform (PAdES) and stored
  for 15 years; an e-mail queued (``bidding.messaging``) with the signed PDF attached, its SHA-256 and
  the link to the workspace, to the organisation's ``contact_email`` when it has one (the workspace is
  the delivery that always happens; the e-mail is a courtesy copy);
* the result announcement (kind ``award``, ``bidding.tendering.announcements.announce``) with its
  signed PDF (:func:`bidding.documents.award.render_award`);
* the award ``awarded``; the contract due in 30 days (法 46) and the report to the supervisor in 15
  (法 47), both from the notice's day;
* government procurement: the award notice is the deposits' refund trigger for every bidder but the
  winner (政采条例 33; :func:`bidding.deposits.refunds.record_trigger` and ``decide_refunds``), the
  winners of withdrawn batches kept out too (a winner who refuses to sign does not get its deposit back
  automatically, 条例 74).

Exactly once: the batch moves the award to ``awarded``, so sending again is refused (409
``award_notices_sent``); a new batch needs a new choice after a winner's withdrawal. E-mails are
dispatched after the commit (the ``messages`` table is the outbox).

Reading: the project and the supervisor see every notice of every batch; a bidder its own only (a
notice of another bidder is "not found" to it); ``/api/me/award-notices`` lists a bidder's notices
across awards, and reading the PDF there marks it read.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import AuditEvent
from bidding.awards import access
from bidding.awards.lifecycle import audit, set_state
from bidding.awards.models import Award, AwardNotice
from bidding.awards.project_status import settle_project_status
from bidding.awards.rules import CHINA, china_day, contract_due, supervisor_report_due
from bidding.awards.service import reader, view_of
from bidding.awards.states import AwardRole, AwardState, NoticeKind
from bidding.awards.views import AwardView, NoticeView, notice_view
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.calendar import add_working_days
from bidding.core.errors import Conflict, Forbidden, NotFound
from bidding.core.holidays import deployment_calendar
from bidding.core.roles import Role
from bidding.deposits.refund_rules import RefundTrigger
from bidding.deposits.refunds import decide_refunds, policy_of, record_trigger
from bidding.documents.award import AwardData, render_award
from bidding.documents.award_notice import (
    AwardNoticeData,
    ResultNoticeData,
    render_award_notice,
    render_result_notice,
)
from bidding.evaluation.models import Evaluation
from bidding.identity.models import Organization
from bidding.messaging.channels import Attachment, ChannelKind, Notice, Text
from bidding.messaging.config import available_channels
from bidding.messaging.errors import InvalidNotice
from bidding.messaging.service import QueuedMessage, dispatch, queue_message
from bidding.tendering.announcements import announce
from bidding.tendering.locks import lock_lot
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.transparency.proofs import proof_of_row, proof_text
from opening_room import record as stored

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "NOTICE_KEY",
    "RESULT_KEY",
    "AwardNoticeNotFound",
    "ChoiceMissing",
    "MyNoticeView",
    "NoticeBatchView",
    "NoticesAlreadySent",
    "list_notices",
    "my_notice_pdf",
    "my_notices",
    "notice_pdf",
    "pdf_name",
    "send_batch",
    "send_notices",
]

NOTICE_KEY: Final = "award-notices/{award}/batch-{batch}/{notice}.pdf"
RESULT_KEY: Final = "award-results/{award}/batch-{batch}-{token}.pdf"
_FILENAMES: Final = {NoticeKind.AWARD: "中标通知书.pdf", NoticeKind.RESULT: "中标结果通知书.pdf"}


class ChoiceMissing(Conflict):
    code = "award_choice_missing"
    message_zh = "招标人尚未确定中标人"
    message_en = "The winner has not been chosen yet"


class NoticesAlreadySent(Conflict):
    code = "award_notices_sent"
    message_zh = "本批中标通知书和中标结果通知书已发出"
    message_en = "The notices of this batch have already been sent"


class AwardNoticeNotFound(NotFound):
    code = "award_notice_not_found"
    message_zh = "通知书不存在"
    message_en = "No such notice"


class NoticeBatchView(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /api/awards/{id}/notices``: the batch just sent and the award after it."""

    batch: int
    notices: list[NoticeView]
    announcement_id: uuid.UUID
    award: AwardView


class MyNoticeView(msgspec.Struct, frozen=True, kw_only=True):
    """A bidder's notice in its workspace (``/api/me/award-notices``)."""

    notice: NoticeView
    project_id: uuid.UUID
    project_code: str
    project_name: str
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    pdf_url: str


@dataclass(frozen=True)
class _Party:
    name: str
    credit_code: str
    email: str | None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


async def _parties(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, _Party]:
    rows = await session.scalars(select(Organization).where(Organization.id.in_(ids)))
    return {o.id: _Party(o.name, o.credit_code, o.contact_email) for o in rows.all()}


def _experts(ev: Evaluation | None) -> tuple[str, ...]:
    """The committee's names as the final report lists the sitting members (87号令 69: published with
    the award in government procurement; never before the result)."""
    members = (ev.report or {}).get("members", []) if ev is not None else []
    return tuple(str(m["name"]) for m in members if m.get("status") == "sat")


def _gp_announcement_window(now: datetime, platform: Platform) -> datetime:
    """Government procurement has no candidate publicity: the award announcement runs 1 working day
    (87号令 69), to 24:00 China time of the next working day."""
    last = add_working_days(china_day(now), 1, deployment_calendar(platform.settings))
    return datetime.combine(last + timedelta(days=1), time(0), CHINA).astimezone(UTC)


def _link(platform: Platform, path: str) -> str:
    return f"{platform.settings.public_base_url or ''}{path}"


async def _store(platform: Platform, key: str, data: bytes) -> None:
    await stored.put(platform.store, platform.clock, key, data)  # kept 15 years, as the evaluation report


async def _email(
    session: AsyncSession,
    platform: Platform,
    actor: Actor,
    a: Award,
    notice: AwardNotice,
    party: _Party,
    project: Project,
    lot: Lot,
    now: datetime,
) -> QueuedMessage | None:
    """The notice by e-mail, the signed PDF attached, if the organisation gave an address and the
    platform sends e-mail; None otherwise (the workspace copy is the notice)."""
    if not party.email or ChannelKind.EMAIL not in available_channels(platform.settings):
        return None
    award = notice.kind is NoticeKind.AWARD
    what_zh, what_en = ("中标通知书", "notice of award") if award else ("中标结果通知书", "notice of the tender result")
    link = _link(platform, f"/api/me/award-notices/{notice.id}.pdf")
    body_zh = (
        f"{party.name}：\n\n{project.code} {project.name} 标段 {lot.code} {lot.name} 的{what_zh}"
        f"（编号 {notice.number}）已发出，见附件（平台电子签名）。也可登录平台查看：{link}\n"
        f"文件 SHA-256：{notice.sha256}\n"
    )
    body_en = (
        f"The {what_en} {notice.number} for {project.code} lot {lot.code} is attached (signed by the platform). "
        f"It is also in your workspace: {link}\nSHA-256 of the file: {notice.sha256}\n"
    )
    try:
        return await queue_message(
            session,
            platform,
            Notice(
                channel=ChannelKind.EMAIL,
                recipient=party.email,
                purpose="award.notice" if award else "award.result",
                reference=f"award:{notice.award_id}:batch:{notice.batch}:org:{notice.organization_id}",
                subject=Text(
                    f"{what_zh}：{project.name} {lot.code}", f"{what_en.capitalize()}: {project.code} {lot.code}"
                ),
                body=Text(body_zh, body_en),
                attachments=(Attachment(_FILENAMES[notice.kind], "application/pdf", notice.pdf_key),),
            ),
            actor=actor,
            now=now,
        )
    except InvalidNotice as exc:  # a malformed address must not stop the batch: recorded, not sent
        audit(session, actor, a, "notice_email_refused", notice=str(notice.id), error=str(exc))
        return None


def _withdrawn_orgs(a: Award) -> list[uuid.UUID]:
    return [uuid.UUID(str(w["organization_id"])) for w in (a.choice or {}).get("withdrawn", [])]


async def send_batch(
    session: AsyncSession,
    platform: Platform,
    actor: Actor,
    a: Award,
    project: Project,
    lot: Lot,
    now: datetime,
    *,
    reason: str = "notices_sent",
) -> tuple[list[AwardNotice], uuid.UUID, list[QueuedMessage]]:
    """Send the batch of ``a`` (locked, ``awaiting_choice``, winner chosen) in ``session``'s
    transaction: (the notices, the result announcement's id, the e-mails to dispatch after the commit).
    See the module doc."""
    if a.chosen_rank is None or a.winner_bid_id is None or a.winner_org_id is None:
        raise ChoiceMissing()
    if a.state is not AwardState.AWAITING_CHOICE:  # the batch moves it to awarded: once per choice
        raise NoticesAlreadySent()
    winner = next(c for c in a.candidates if int(c["rank"]) == a.chosen_rank)
    batch = a.notice_batch + 1
    day = china_day(now)
    gp = a.government_procurement
    deemed = bool((a.choice or {}).get("deemed"))
    ev = await session.get(Evaluation, a.evaluation_id)
    experts = _experts(ev) if gp else ()
    orgs = {uuid.UUID(str(r["organization_id"])) for r in a.ranking} | {project.tenderer_id, project.agent_id}
    parties = await _parties(session, orgs)
    tenderer, agent = parties[project.tenderer_id].name, parties[project.agent_id].name
    price = int(winner["price_fen"])
    short = str(a.id)[:8].upper()
    notices: list[AwardNotice] = []
    queued: list[QueuedMessage] = []
    # the winner first, then the others in opening order
    ranking = sorted(a.ranking, key=lambda r: (str(r["bid_id"]) != str(a.winner_bid_id), int(r.get("order") or 0)))
    for seq, row in enumerate(ranking, start=1):
        org_id = uuid.UUID(str(row["organization_id"]))
        party = parties[org_id]
        is_winner = str(row["bid_id"]) == str(a.winner_bid_id)
        kind = NoticeKind.AWARD if is_winner else NoticeKind.RESULT
        number = f"{'ZB' if is_winner else 'JG'}-{short}-{batch}-{seq:02d}"
        # what both notices say of the tender (法 45)
        heading = {
            "number": number,
            "project_code": project.code,
            "project_name": project.name,
            "lot_code": lot.code,
            "lot_name": lot.name,
            "tenderer": tenderer,
            "agent": agent,
        }
        if is_winner:
            pdf = await asyncio.to_thread(
                render_award_notice,
                AwardNoticeData(
                    **heading,
                    winner_name=party.name,
                    winner_credit_code=party.credit_code,
                    price_fen=price,
                    issued_at=now,
                    contract_due_on=contract_due(day),
                    duration_days=_text(winner.get("duration_days")),
                    quality=_text(winner.get("quality")),
                    project_manager=_text(winner.get("project_manager")),
                    project_manager_certificate=_text(winner.get("project_manager_certificate")),
                    government_procurement=gp,
                    deemed=deemed,
                ),
            )
            reason_text = "中标通知书 / notice of award（法 45）"
        else:
            pdf = await asyncio.to_thread(
                render_result_notice,
                ResultNoticeData(
                    **heading,
                    bidder_name=party.name,
                    bidder_credit_code=party.credit_code,
                    winner_name=str(winner.get("bidder") or ""),
                    winner_credit_code=str(winner.get("credit_code") or ""),
                    price_fen=price,
                    issued_at=now,
                    government_procurement=gp,
                    own_rank=row.get("rank") if gp else None,
                    own_score=_text(row.get("total")) if gp else None,
                    rejected=row.get("review") == "rejected",
                    experts=experts,
                ),
            )
            reason_text = "中标结果通知书 / notice of the tender result（法 45）"
        signed = await platform.documents.sign(pdf, reason=reason_text)
        notice_id = uuid.uuid4()
        key = NOTICE_KEY.format(award=a.id, batch=batch, notice=notice_id)
        await _store(platform, key, signed)
        notice = AwardNotice(
            id=notice_id,
            award_id=a.id,
            batch=batch,
            organization_id=org_id,
            bid_id=uuid.UUID(str(row["bid_id"])),
            kind=kind,
            number=number,
            rank=row.get("rank") if gp and not is_winner else None,
            score=_text(row.get("total")) if gp and not is_winner else None,
            pdf_key=key,
            sha256=_sha256(signed),
            sent_at=now,
        )
        session.add(notice)
        await session.flush()
        message = await _email(session, platform, actor, a, notice, party, project, lot, now)
        if message is not None:
            notice.message_id = message.id
            queued.append(message)
        notices.append(notice)

    # the result announcement on the portal (中标结果公告)
    announcement_number = f"ZBGG-{short}-{batch}"
    if a.publicity_published_at is not None and a.publicity_closes_at is not None:
        start, end = a.publicity_published_at, a.publicity_closes_at
    else:  # government procurement: no candidate publicity; the award announcement's own period
        start, end = now, _gp_announcement_window(now, platform)
    remarks = ""
    if gp:
        remarks = f"评审专家 / Evaluation committee：{'、'.join(experts)}（87号令 69）"
    if deemed:
        remarks = (remarks + "\n" if remarks else "") + "采购人未在规定期限内确定中标人，视同排名第一。"
    result_pdf = await asyncio.to_thread(
        render_award,
        AwardData(
            notice_number=announcement_number,
            project_code=project.code,
            project_name=project.name,
            lot_code=lot.code,
            lot_name=lot.name,
            winner_name=str(winner.get("bidder") or ""),
            winner_credit_code=str(winner.get("credit_code") or ""),
            price_fen=price,
            publicity_start=start,
            publicity_end=end,
            published_at=now,
            tenderer=tenderer,
            agent=agent,
            remarks=remarks,
        ),
    )
    result_signed = await platform.documents.sign(result_pdf, reason="中标结果公告 / award announcement")
    result_key = RESULT_KEY.format(award=a.id, batch=batch, token=uuid.uuid4().hex[:12])
    await _store(platform, result_key, result_signed)
    body = (
        f"{project.code} {project.name} 标段（包）{lot.code} {lot.name}\n"
        f"中标人：{winner.get('bidder')}（统一社会信用代码 {winner.get('credit_code')}）\n"
        f"中标价：{price / 100:,.2f} 元\n"
        + (f"评审专家：{'、'.join(experts)}\n" if gp else "")
        + f"\nAward of lot {lot.code}: {winner.get('bidder')}, {price / 100:,.2f} yuan."
    )
    announcement = await announce(
        session,
        actor,
        project,
        AnnouncementKind.AWARD,
        title=f"{project.name} {lot.code} 中标结果公告"[:300],
        body=body,
        now=now,
        details={
            "award_id": str(a.id),
            "lot_id": str(lot.id),
            "batch": batch,
            "number": announcement_number,
            "pdf_key": result_key,
            "pdf_sha256": _sha256(result_signed),
            "government_procurement": gp,
        },
    )

    a.notice_batch = batch
    a.notices_sent_at = now
    a.result_announcement_id = announcement.id
    a.contract_due_on = contract_due(day)
    a.report_due_on = supervisor_report_due(day)
    set_state(session, actor, a, AwardState.AWARDED, now, reason=reason, batch=batch)
    await settle_project_status(session, a, project)  # 已定标 once no lot is still open
    audit(
        session,
        actor,
        a,
        "notices_sent",
        batch=batch,
        winner=str(a.winner_bid_id),
        rank=a.chosen_rank,
        notices=[
            {"id": str(n.id), "organization": str(n.organization_id), "kind": n.kind.value, "sha256": n.sha256}
            for n in notices
        ],
        announcement=str(announcement.id),
        announcement_pdf_sha256=_sha256(result_signed),
        emails=len(queued),
    )
    if gp:  # 政采条例 33: the losers' deposits within 5 working days of the award notice
        locked = await lock_lot(session, lot.id)
        assert locked is not None
        event, _ = await record_trigger(
            session,
            actor,
            locked,
            RefundTrigger.AWARD_NOTICE,
            day,
            now=now,
            scope="" if batch == 1 else f"award-batch-{batch}",
            excluded=[a.winner_org_id, *_withdrawn_orgs(a)],
        )
        await decide_refunds(session, actor, event, locked, policy_of(platform.settings), now=now)
    await session.flush()
    return notices, announcement.id, queued


async def send_notices(platform: Platform, caller: Caller, award_id: uuid.UUID) -> NoticeBatchView:
    """``POST /api/awards/{id}/notices``: the tenderer or the agent sends the batch (module doc)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        try:
            seat = await access.gate(session, caller, award_id, "send_notices", for_update=True)
        except access.AwardStateRefused:
            a = await access.award(session, award_id)
            if a.state is AwardState.AWARDED:
                raise NoticesAlreadySent(
                    f"batch {a.notice_batch} was sent at {a.notices_sent_at}", f"第{a.notice_batch}批通知书已发出"
                ) from None
            raise
        notices, announcement_id, queued = await send_batch(
            session, platform, caller.actor, seat.award, seat.project, seat.lot, now
        )
        names = await _parties(session, {n.organization_id for n in notices})
        views = [notice_view(n, seat.award, names[n.organization_id].name) for n in notices]
        award = await view_of(session, seat, caller)
        batch = seat.award.notice_batch
    await dispatch(platform, queued)
    return NoticeBatchView(batch=batch, notices=views, announcement_id=announcement_id, award=award)


async def _notices(session: AsyncSession, seat: access.AwardSeat, caller: Caller) -> list[tuple[AwardNotice, str]]:
    query = (
        select(AwardNotice, Organization.name)
        .join(Organization, Organization.id == AwardNotice.organization_id)
        .where(AwardNotice.award_id == seat.award.id)
    )
    if seat.role is AwardRole.BIDDER:
        query = query.where(AwardNotice.organization_id == caller.organization_id)
    rows = await session.execute(query.order_by(AwardNotice.batch.desc(), AwardNotice.number))
    return [(n, name) for n, name in rows.all()]


def _bidder_command(a: Award) -> str:
    """A bidder reads its own notice (``read_own_notice``) while the award stands; after its winner
    withdrew (back to ``awaiting_choice``) its earlier notice stays readable as an announcement."""
    return (
        "read_own_notice"
        if a.state in {AwardState.AWARDED, AwardState.CONTRACTED, AwardState.CLOSED}
        else ("view_announcements")
    )


async def _reader(session: AsyncSession, caller: Caller, award_id: uuid.UUID) -> access.AwardSeat:
    a = await access.award(session, award_id)
    return await reader(session, caller, award_id, bidder_command=_bidder_command(a))


async def list_notices(platform: Platform, caller: Caller, award_id: uuid.UUID) -> list[NoticeView]:
    """``GET /api/awards/{id}/notices``: every batch for the project and the supervisor, a bidder's
    own notices for a bidder."""
    async with platform.sessions() as session:
        seat = await _reader(session, caller, award_id)
        return [notice_view(n, seat.award, name) for n, name in await _notices(session, seat, caller)]


async def notice_pdf(
    platform: Platform, caller: Caller, award_id: uuid.UUID, notice_id: uuid.UUID
) -> tuple[bytes, str]:
    """``GET /api/awards/{id}/notices/{nid}.pdf``: the signed PDF; a bidder's own only (another's is
    not found to it), marked read when its addressee reads it."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await _reader(session, caller, award_id)
        notice = await session.get(AwardNotice, notice_id)
        if notice is None or notice.award_id != seat.award.id:
            raise AwardNoticeNotFound()
        if seat.role is AwardRole.BIDDER and notice.organization_id != caller.organization_id:
            raise AwardNoticeNotFound()
        if seat.role is AwardRole.BIDDER:
            _mark_read(session, caller, seat.award, notice, now)
        key, kind = notice.pdf_key, notice.kind
    return await stored.read(platform.store, key), _FILENAMES[kind]


def _mark_read(session: AsyncSession, caller: Caller, a: Award, notice: AwardNotice, now: datetime) -> None:
    if notice.read_at is None:
        notice.read_at = now
        audit(session, caller.actor, a, "notice_read", notice=str(notice.id), batch=notice.batch)


def pdf_name(file: str) -> uuid.UUID:
    """The notice id of ``{id}.pdf`` (the route's last segment); anything else is not found."""
    stem, dot, ext = file.rpartition(".")
    try:
        if dot and ext == "pdf":
            return uuid.UUID(stem)
    except ValueError:
        pass
    raise AwardNoticeNotFound(f"no notice {file!r}: ask for {{id}}.pdf", f"没有通知书 {file!r}")


def _require_bidder(caller: Caller) -> uuid.UUID:
    if not caller.has(Role.BIDDER) or caller.organization_id is None:
        raise Forbidden("award notices are read by the bidders they are sent to", "通知书仅限收件投标人查看")
    return caller.organization_id


async def my_notices(platform: Platform, caller: Caller) -> list[MyNoticeView]:
    """``GET /api/me/award-notices``: the caller's organisation's notices across awards, newest first."""
    org = _require_bidder(caller)
    async with platform.sessions() as session:
        rows = (
            await session.execute(
                select(AwardNotice, Award, Project, Lot, Organization.name)
                .join(Award, Award.id == AwardNotice.award_id)
                .join(Project, Project.id == Award.project_id)
                .join(Lot, Lot.id == Award.lot_id)
                .join(Organization, Organization.id == AwardNotice.organization_id)
                .where(AwardNotice.organization_id == org)
                .order_by(AwardNotice.sent_at.desc(), AwardNotice.id)
            )
        ).all()
        return [
            MyNoticeView(
                notice=notice_view(n, a, name),
                project_id=p.id,
                project_code=p.code,
                project_name=p.name,
                lot_id=lot.id,
                lot_code=lot.code,
                lot_name=lot.name,
                pdf_url=f"/api/me/award-notices/{n.id}.pdf",
            )
            for n, a, p, lot, name in rows
        ]


async def my_notice_pdf(platform: Platform, caller: Caller, notice_id: uuid.UUID) -> tuple[bytes, str]:
    """``GET /api/me/award-notices/{nid}.pdf``: the signed PDF of the caller's own notice, marked read."""
    org = _require_bidder(caller)
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        notice = await session.get(AwardNotice, notice_id)
        if notice is None or notice.organization_id != org:
            raise AwardNoticeNotFound()
        a = await access.award(session, notice.award_id)
        _mark_read(session, caller, a, notice, now)
        key, kind = notice.pdf_key, notice.kind
    return await stored.read(platform.store, key), _FILENAMES[kind]


async def my_notice_log_proof(platform: Platform, caller: Caller, notice_id: uuid.UUID) -> str:
    """``GET /api/me/award-notices/{nid}/tlog-proof``: the ``.tlog-proof`` (C2SP tlog-proof@v1) that the
    award's ``award.notices_sent`` event — which lists every notice with its PDF's SHA-256 — is in the
    transparency log; 404 until a checkpoint covers it (``docs/transparency-log.md``)."""
    org = _require_bidder(caller)
    async with platform.sessions() as session:
        notice = await session.get(AwardNotice, notice_id)
        if notice is None or notice.organization_id != org:
            raise AwardNoticeNotFound()
        events = await session.execute(
            select(AuditEvent.id, AuditEvent.details).where(
                AuditEvent.action == "award.notices_sent",
                AuditEvent.object_type == "award",
                AuditEvent.object_id == str(notice.award_id),
            )
        )
        sent = next(
            (row.id for row in events if any(n.get("id") == str(notice.id) for n in row.details.get("notices", []))),
            None,
        )
        proof = None if sent is None else await proof_of_row(session, "audit", sent)
    return proof_text(proof, "the notice", "该通知书")
