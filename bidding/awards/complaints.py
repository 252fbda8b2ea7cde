"""Complaints to the supervisor (投诉; 条例 60–61; RULES d: ≤ 10 days from knowledge, the objection's
time excluded; acceptance ≤ 3 working days; decision ≤ 30 working days).

* **Filed** (:func:`complaint_statement`, :func:`file_complaint`): by a bidder of the lot once
  something is published, signed as an objection is (kind ``award_complaint``; the text followed by
  the attachments' digests). The day it knew (``known_on``) is the publicity's China day (government
  procurement, without a publicity: the day the notices were sent); naming its own objection, the
  days that objection waited for its answer (receipt to answer, or to today while unanswered) are
  not counted (条例 60: 异议答复期间不计算在前款规定的期限内). The last day is
  :func:`bidding.awards.rules.complaint_last_day`; later is refused (422 ``complaint_late``). The
  acceptance is due by :func:`bidding.awards.rules.complaint_acceptance_due` on the deployment's
  working-day calendar.
* **Handled** by the supervisor (the auditor reads only): accept (``received → accepted``; the
  decision then due by :func:`bidding.awards.rules.complaint_decision_due`), refuse with the reason
  (``received → refused``), decide in writing (``accepted → decided``). Each is audited with whether
  it came after its clock; the complainant is told in its workspace (and by e-mail where it gave an
  address). Another move is refused (409 ``complaint_status``).
* **Read** (:func:`list_complaints`): the supervisor and the auditor all of an award, the project
  (tenderer, agent) those against its award, a bidder its own.

A complaint does not move the award's state: the supervisor acts on the award by its own powers
(条例 62: it may order the suspension), which the platform does not model here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from sqlalchemy import select

from bidding.awards import filings
from bidding.awards.access import gate
from bidding.awards.attachments import AttachmentView, Digests
from bidding.awards.lifecycle import audit
from bidding.awards.models import Award, AwardComplaint, AwardObjection
from bidding.awards.objections import ObjectionNotFound, ObjectionText, reader
from bidding.awards.rules import (
    china_day,
    complaint_acceptance_due,
    complaint_decision_due,
    complaint_last_day,
)
from bidding.awards.states import AwardRole, ComplaintStatus
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, DomainError, InvalidInput, NotFound
from bidding.core.fields import Body
from bidding.core.holidays import deployment_calendar
from bidding.identity.contacts import tell_organisation
from bidding.identity.models import Organization
from bidding.messaging.channels import Text
from bidding.messaging.service import QueuedMessage, dispatch

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bidding.core.platform import Platform

__all__ = [
    "KIND",
    "ComplaintInput",
    "ComplaintLate",
    "ComplaintNotFound",
    "ComplaintStatementInput",
    "ComplaintStatusRefused",
    "ComplaintView",
    "DecisionInput",
    "RefusalInput",
    "accept_complaint",
    "complaint_statement",
    "complaint_view",
    "decide_complaint",
    "file_complaint",
    "list_complaints",
    "refuse_complaint",
]

KIND: Final = "award_complaint"
PURPOSE: Final = "award.complaint"

Signature = Annotated[str, msgspec.Meta(min_length=16, max_length=20_000, pattern=r"^[A-Za-z0-9+/=\s]*$")]
Algorithm = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


class ComplaintLate(DomainError):
    """Filed after the 10 days of 条例 60 (the objection's waiting days not counted)."""

    code = "complaint_late"
    status = 422
    message_zh = "投诉应当自知道或者应当知道之日起10日内提出"
    message_en = "A complaint is filed within 10 days of knowing (条例 60)"


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"
    message_zh = "投诉不存在"
    message_en = "No such complaint"


class ComplaintStatusRefused(Conflict):
    code = "complaint_status"
    message_zh = "投诉当前状态不允许该操作"
    message_en = "The complaint's status does not allow this"


class ComplaintStatementInvalid(InvalidInput):
    code = "complaint_statement_invalid"
    status = 422
    message_zh = "签署内容与提交的投诉不符"
    message_en = "The signed statement is not this complaint"


class ComplaintSignatureInvalid(DomainError):
    code = "complaint_signature_invalid"
    status = 422
    message_zh = "投诉签名无效"
    message_en = "The complaint's signature does not verify"


# ----------------------------------------------------------------------------- wire


class ComplaintStatementInput(Body, frozen=True, kw_only=True):
    #: The complaint, its facts and grounds (条例 60).
    text: ObjectionText
    attachments: Digests = msgspec.field(default_factory=list)
    #: The complainant's own objection this complaint follows (its waiting days are not counted).
    objection_id: uuid.UUID | None = None


class ComplaintInput(Body, frozen=True, kw_only=True):
    text: ObjectionText
    attachments: Digests = msgspec.field(default_factory=list)
    objection_id: uuid.UUID | None = None
    statement: dict[str, Any]
    signature: Signature
    algorithm: Algorithm


class RefusalInput(Body, frozen=True, kw_only=True):
    #: Why the complaint is not accepted (out of time, not an interested party, no facts…).
    reason: ObjectionText


class DecisionInput(Body, frozen=True, kw_only=True):
    #: The written decision (条例 61).
    decision: ObjectionText


@dataclass(frozen=True)
class ComplaintView:
    id: uuid.UUID
    award_id: uuid.UUID
    organization_id: uuid.UUID
    bidder: str
    objection_id: uuid.UUID | None
    text: str
    attachments: list[AttachmentView]
    known_on: date
    last_day: date
    received_at: datetime
    status: ComplaintStatus
    acceptance_due_on: date
    #: Not accepted nor refused, and past its last day (the red clock); or handled after it.
    acceptance_overdue: bool
    accepted_at: datetime | None
    decision_due_on: date | None
    decision_overdue: bool
    #: The decision, or the reason of a refusal.
    decision: str | None
    decided_at: datetime | None
    signed_by: str


def complaint_view(c: AwardComplaint, bidder: str, now: datetime) -> ComplaintView:
    today = china_day(now)
    accepted_on = china_day(c.accepted_at) if c.accepted_at else None
    handled_on = accepted_on or (china_day(c.decided_at) if c.decided_at else None)
    decided_on = china_day(c.decided_at) if c.decided_at else None
    return ComplaintView(
        id=c.id,
        award_id=c.award_id,
        organization_id=c.organization_id,
        bidder=bidder,
        objection_id=c.objection_id,
        text=c.text,
        attachments=[
            AttachmentView(r["sha256"], r["filename"], r["content_type"], int(r["size"])) for r in c.attachments
        ],
        known_on=c.known_on,
        last_day=c.last_day,
        received_at=c.received_at,
        status=c.status,
        acceptance_due_on=c.acceptance_due_on,
        acceptance_overdue=(handled_on or today) > c.acceptance_due_on,
        accepted_at=c.accepted_at,
        decision_due_on=c.decision_due_on,
        decision_overdue=c.decision_due_on is not None
        and c.status is not ComplaintStatus.REFUSED
        and (decided_on or today) > c.decision_due_on,
        decision=c.decision,
        decided_at=c.decided_at,
        signed_by=str(c.statement.get("fingerprint", "")),
    )


async def _name(session: AsyncSession, organization_id: uuid.UUID) -> str:
    org = await session.get(Organization, organization_id)
    return org.name if org is not None else ""


# ----------------------------------------------------------------------------- filing


async def _clock(
    session: AsyncSession, a: Award, organization_id: uuid.UUID, objection_id: uuid.UUID | None, now: datetime
) -> tuple[date, date]:
    """(known_on, last_day) of a complaint filed ``now`` (条例 60; see the module doc)."""
    known = a.publicity_published_at or a.notices_sent_at or now
    known_on = china_day(known)
    waited = 0
    if objection_id is not None:
        objection = await session.get(AwardObjection, objection_id)
        if objection is None or objection.award_id != a.id or objection.organization_id != organization_id:
            raise ObjectionNotFound("name one of your own objections to this award", "请选择本单位对本项目提出的异议")
        answered = china_day(objection.answered_at or now)
        waited = max(0, (answered - china_day(objection.received_at)).days)
    return known_on, complaint_last_day(known_on, objection_days=waited)


def _check_in_time(last_day: date, now: datetime) -> None:
    if china_day(now) > last_day:
        raise ComplaintLate(
            f"the last day was {last_day.isoformat()}",
            f"投诉期限截止于 {last_day.isoformat()}",
            details=[{"last_day": last_day.isoformat(), "article": "条例60"}],
        )


async def complaint_statement(
    platform: Platform, caller: Caller, award_id: uuid.UUID, data: ComplaintStatementInput
) -> dict[str, Any]:
    """``POST /api/awards/{id}/complaints/statement``: what the bidder signs to complain."""
    now = platform.clock.now()
    if not data.text.strip():
        raise InvalidInput("the complaint's text is empty", "投诉内容不能为空")
    async with platform.sessions() as session:
        seat = await gate(session, caller, award_id, "file_complaint")
        _, last_day = await _clock(session, seat.award, caller.organisation(), data.objection_id, now)
        _check_in_time(last_day, now)
    return await filings.hand_out(platform, caller, award_id, KIND, data.text, data.attachments, now)


async def file_complaint(
    platform: Platform, caller: Caller, award_id: uuid.UUID, data: ComplaintInput
) -> ComplaintView:
    """``POST /api/awards/{id}/complaints``: the signed complaint, within its 10 days (条例 60)."""
    if not data.text.strip():
        raise InvalidInput("the complaint's text is empty", "投诉内容不能为空")
    async with platform.sessions() as session, session.begin():
        seat = await gate(session, caller, award_id, "file_complaint", for_update=True)
        a, now, org = seat.award, platform.clock.now(), caller.organisation()
        known_on, last_day = await _clock(session, a, org, data.objection_id, now)
        _check_in_time(last_day, now)
        filing = await filings.verify(
            session,
            platform,
            caller,
            a.id,
            KIND,
            data,
            now,
            signature_error=ComplaintSignatureInvalid,
            statement_error=ComplaintStatementInvalid,
        )
        signed, files = filing.signed, filing.files
        complaint = AwardComplaint(
            id=uuid.uuid4(),
            award_id=a.id,
            organization_id=org,
            objection_id=data.objection_id,
            text=data.text.strip(),
            statement=signed,
            attachments=[f.to_dict() for f in files],
            known_on=known_on,
            last_day=last_day,
            received_at=now,
            status=ComplaintStatus.RECEIVED,
            acceptance_due_on=complaint_acceptance_due(china_day(now), deployment_calendar(platform.settings)),
        )
        session.add(complaint)
        await session.flush()
        audit(
            session,
            caller.actor,
            a,
            "complaint_filed",
            complaint=str(complaint.id),
            organization=str(org),
            objection=str(data.objection_id) if data.objection_id else None,
            known_on=known_on.isoformat(),
            last_day=last_day.isoformat(),
            acceptance_due_on=complaint.acceptance_due_on.isoformat(),
            fingerprint=signed["fingerprint"],
            attachments=[f.sha256 for f in files],
        )
        return complaint_view(complaint, await _name(session, org), now)


# ----------------------------------------------------------------------------- reading


async def list_complaints(platform: Platform, caller: Caller, award_id: uuid.UUID) -> list[ComplaintView]:
    """``GET /api/awards/{id}/complaints``: the supervisor and the project all, a bidder its own."""
    async with platform.sessions() as session:
        seat = await reader(session, caller, award_id)
        query = select(AwardComplaint).where(AwardComplaint.award_id == award_id)
        if seat.role is AwardRole.BIDDER:
            query = query.where(AwardComplaint.organization_id == caller.organisation())
        rows = (await session.scalars(query.order_by(AwardComplaint.received_at, AwardComplaint.id))).all()
        now = platform.clock.now()
        return [complaint_view(c, await _name(session, c.organization_id), now) for c in rows]


# ----------------------------------------------------------------------------- the supervisor


async def _handle(
    platform: Platform,
    caller: Caller,
    award_id: uuid.UUID,
    complaint_id: uuid.UUID,
    command: str,
    expected: ComplaintStatus,
    change: Any,
) -> ComplaintView:
    """One supervisor's move on a complaint, under the award's lock, audited, the complainant told."""
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        seat = await gate(session, caller, award_id, command, for_update=True)
        now = platform.clock.now()
        complaint = await session.get(AwardComplaint, complaint_id, populate_existing=True)
        if complaint is None or complaint.award_id != seat.award.id:
            raise ComplaintNotFound()
        if complaint.status is not expected:
            raise ComplaintStatusRefused(
                f"the complaint is {complaint.status.value}, not {expected.value}",
                f"投诉当前为 {complaint.status.value}",
                details=[{"status": complaint.status.value, "expected": expected.value}],
            )
        action, subject, body = change(complaint, now)
        complaint.handled_by = caller.actor_id
        audit(session, caller.actor, seat.award, action, complaint=str(complaint.id), status=complaint.status.value)
        queued += await tell_organisation(
            session,
            platform,
            caller.actor,
            complaint.organization_id,
            purpose=PURPOSE,
            reference=f"award-complaint:{complaint.id}",
            subject=subject,
            body=body,
            now=now,
        )
        view = complaint_view(complaint, await _name(session, complaint.organization_id), now)
    await dispatch(platform, queued)
    return view


async def accept_complaint(
    platform: Platform, caller: Caller, award_id: uuid.UUID, complaint_id: uuid.UUID
) -> ComplaintView:
    """``POST …/complaints/{cid}/accept``: accepted; the decision due within 30 working days (条例 61)."""
    calendar = deployment_calendar(platform.settings)

    def change(c: AwardComplaint, now: datetime) -> tuple[str, Text, Text]:
        c.status, c.accepted_at = ComplaintStatus.ACCEPTED, now
        c.decision_due_on = complaint_decision_due(china_day(now), calendar)
        late = "（已超过受理期限）" if china_day(now) > c.acceptance_due_on else ""
        return (
            "complaint_accepted",
            Text("投诉已受理", "Your complaint is accepted"),
            Text(
                f"贵方的投诉已受理{late}，处理决定将于 {c.decision_due_on.isoformat()} 前作出"
                "（《招标投标法实施条例》第六十一条）。",
                f"Your complaint is accepted; the decision is due by {c.decision_due_on.isoformat()} (Art. 61).",
            ),
        )

    return await _handle(platform, caller, award_id, complaint_id, "accept_complaint", ComplaintStatus.RECEIVED, change)


async def refuse_complaint(
    platform: Platform, caller: Caller, award_id: uuid.UUID, complaint_id: uuid.UUID, data: RefusalInput
) -> ComplaintView:
    """``POST …/complaints/{cid}/refuse``: not accepted, with the reason (条例 61)."""
    if not data.reason.strip():
        raise InvalidInput("the reason is empty", "不予受理的理由不能为空")

    def change(c: AwardComplaint, now: datetime) -> tuple[str, Text, Text]:
        c.status, c.decision, c.decided_at = ComplaintStatus.REFUSED, data.reason.strip(), now
        return (
            "complaint_refused",
            Text("投诉不予受理", "Your complaint is not accepted"),
            Text(f"贵方的投诉不予受理，理由：{c.decision}", f"Your complaint is not accepted: {c.decision}"),
        )

    return await _handle(platform, caller, award_id, complaint_id, "accept_complaint", ComplaintStatus.RECEIVED, change)


async def decide_complaint(
    platform: Platform, caller: Caller, award_id: uuid.UUID, complaint_id: uuid.UUID, data: DecisionInput
) -> ComplaintView:
    """``POST …/complaints/{cid}/decide``: the written decision of an accepted complaint (条例 61)."""
    if not data.decision.strip():
        raise InvalidInput("the decision is empty", "处理决定不能为空")

    def change(c: AwardComplaint, now: datetime) -> tuple[str, Text, Text]:
        c.status, c.decision, c.decided_at = ComplaintStatus.DECIDED, data.decision.strip(), now
        return (
            "complaint_decided",
            Text("投诉处理决定", "The decision on your complaint"),
            Text(f"贵方投诉的处理决定：\n{c.decision}", f"The decision on your complaint:\n{c.decision}"),
        )

    return await _handle(platform, caller, award_id, complaint_id, "decide_complaint", ComplaintStatus.ACCEPTED, change)
