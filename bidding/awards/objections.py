"""Objections to the evaluation result (异议; 条例 54; RULES c11 and acceptance check 4; RULES d4).

* **Raised** (:func:`objection_statement`, :func:`raise_objection`): by a bidder of the lot, only
  during the publicity (:func:`bidding.awards.rules.check_objection_time`: 422
  ``objection_outside_publicity``; outside ``publicity``/``suspended`` the gate's 409
  ``award_state``), in writing and signed: the server hands out the statement (kind
  ``award_objection``; the text followed by the attachments' SHA-256 digests), the bidder signs its
  canonical JSON with the certificate it logged in with (:mod:`bidding.evaluation.statements`). The
  award moves ``publicity → suspended`` (条例 54: 作出答复前，应当暂停招标投标活动); the answer is due
  within 3 days (:func:`bidding.awards.rules.objection_answer_due`). The tenderer and the agent are
  told in their workspace (and by e-mail where the organisation gave an address).
* **Read** (:func:`list_objections`): the tenderer, the agent, the supervisor and the auditor read
  every objection of the award; a bidder only its own. Nobody else (the text is not public).
* **Answered** (:func:`answer_objection`): by the tenderer or the agent, with text and optional
  attachments. Once no objection is unanswered the award resumes: ``suspended → publicity`` while the
  publicity is still open, else ``→ awaiting_choice``. The answer goes to the objector (in-app; e-mail
  where it gave an address).
* **The red clock** (:func:`mark_overdue`, the watch's step): an objection unanswered at its due time
  gets ``overdue_at`` once and the audit event ``award.objection_overdue``; the project is told.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards import attachments, filings
from bidding.awards.access import AwardForbidden, AwardSeat, award, gate, lock, project_lot, role_of
from bidding.awards.attachments import AttachmentView, Digests
from bidding.awards.lifecycle import audit, set_state
from bidding.awards.models import Award, AwardObjection
from bidding.awards.rules import CHINA, Objection, check_objection_time, objection_answer_due, objection_overdue
from bidding.awards.states import AwardRole, AwardState
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, DomainError, InvalidInput, NotFound
from bidding.core.fields import TEXT_PATTERN, Body
from bidding.identity.contacts import tell_organisation
from bidding.identity.models import Organization
from bidding.messaging.channels import Text
from bidding.messaging.service import QueuedMessage, dispatch
from bidding.tendering.models import Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "KIND",
    "AnswerInput",
    "ObjectionAnswered",
    "ObjectionInput",
    "ObjectionNotFound",
    "ObjectionSignatureInvalid",
    "ObjectionStatementInput",
    "ObjectionStatementInvalid",
    "ObjectionView",
    "answer_objection",
    "list_objections",
    "mark_overdue",
    "objection_statement",
    "raise_objection",
    "reader",
]

log = logging.getLogger(__name__)

KIND: Final = "award_objection"
PURPOSE: Final = "award.objection"

#: An objection's or an answer's text: 1 to 5,000 characters, lines allowed.
ObjectionText = Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=TEXT_PATTERN)]
Signature = Annotated[str, msgspec.Meta(min_length=16, max_length=20_000, pattern=r"^[A-Za-z0-9+/=\s]*$")]
Algorithm = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


# ----------------------------------------------------------------------------- errors


class ObjectionNotFound(NotFound):
    code = "objection_not_found"
    message_zh = "异议不存在"
    message_en = "No such objection"


class ObjectionAnswered(Conflict):
    code = "objection_answered"
    message_zh = "该异议已答复"
    message_en = "This objection has been answered"


class ObjectionStatementInvalid(InvalidInput):
    code = "objection_statement_invalid"
    status = 422
    message_zh = "签署内容与提交的异议不符"
    message_en = "The signed statement is not this objection"


class ObjectionSignatureInvalid(DomainError):
    code = "objection_signature_invalid"
    status = 422
    message_zh = "异议签名无效"
    message_en = "The objection's signature does not verify"


# ----------------------------------------------------------------------------- wire


class ObjectionStatementInput(Body, frozen=True, kw_only=True):
    #: The objection and its grounds (条例 54).
    text: ObjectionText
    #: SHA-256 of files uploaded to ``PUT /api/awards/{id}/attachments`` (at most 10).
    attachments: Digests = msgspec.field(default_factory=list)


class ObjectionInput(Body, frozen=True, kw_only=True):
    text: ObjectionText
    attachments: Digests = msgspec.field(default_factory=list)
    #: The statement handed out by ``…/objections/statement``, as received.
    statement: dict[str, Any]
    #: Base64 of the signature over the statement's canonical JSON.
    signature: Signature
    algorithm: Algorithm


class AnswerInput(Body, frozen=True, kw_only=True):
    answer: ObjectionText
    attachments: Digests = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class ObjectionView:
    id: uuid.UUID
    award_id: uuid.UUID
    organization_id: uuid.UUID
    bidder: str
    text: str
    attachments: list[AttachmentView]
    received_at: datetime
    answer_due_at: datetime
    #: The red clock: unanswered at the due time, or answered after it.
    overdue: bool
    overdue_at: datetime | None
    answer: str | None
    answer_attachments: list[AttachmentView]
    answered_at: datetime | None
    #: The certificate that signed the objection (SHA-256 fingerprint).
    signed_by: str


def _view(o: AwardObjection, bidder: str, now: datetime) -> ObjectionView:
    return ObjectionView(
        id=o.id,
        award_id=o.award_id,
        organization_id=o.organization_id,
        bidder=bidder,
        text=o.text,
        attachments=attachments.views(o.attachments),
        received_at=o.received_at,
        answer_due_at=o.answer_due_at,
        overdue=objection_overdue(Objection(o.received_at, o.answered_at), now),
        overdue_at=o.overdue_at,
        answer=o.answer,
        answer_attachments=attachments.views(o.answer_attachments),
        answered_at=o.answered_at,
        signed_by=str(o.statement.get("fingerprint", "")),
    )


async def _org_names(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(wanted)))
    return dict(rows.all())


# ----------------------------------------------------------------------------- telling


def _china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


# ----------------------------------------------------------------------------- reading


async def reader(session: AsyncSession, caller: Caller, award_id: uuid.UUID) -> AwardSeat:
    """The award and the caller's role for reading objections or complaints: the project (tenderer,
    agent), the supervisor or auditor, or a bidder of the lot (its own only); the public is refused."""
    a = await award(session, award_id)
    project, lot = await project_lot(session, a)
    role = await role_of(session, caller, a, project)
    if role is AwardRole.PUBLIC:
        raise AwardForbidden(
            "objections and complaints are read by the project, the supervisor and the party that raised them",
            "异议和投诉仅限招标人、招标代理机构、监督部门及提出人查阅",
        )
    return AwardSeat(a, role, project, lot)


async def list_objections(platform: Platform, caller: Caller, award_id: uuid.UUID) -> list[ObjectionView]:
    """``GET /api/awards/{id}/objections``: all for the project and the supervisor, a bidder's own."""
    async with platform.sessions() as session:
        seat = await reader(session, caller, award_id)
        query = select(AwardObjection).where(AwardObjection.award_id == award_id)
        if seat.role is AwardRole.BIDDER:
            query = query.where(AwardObjection.organization_id == caller.organisation())
        rows = (await session.scalars(query.order_by(AwardObjection.received_at, AwardObjection.id))).all()
        names = await _org_names(session, (o.organization_id for o in rows))
        now = platform.clock.now()
        return [_view(o, names.get(o.organization_id, ""), now) for o in rows]


# ----------------------------------------------------------------------------- raising


def _check_time(a: Award, now: datetime) -> None:
    assert a.publicity_published_at is not None
    assert a.publicity_closes_at is not None
    check_objection_time(a.publicity_published_at, a.publicity_closes_at, now)


async def objection_statement(
    platform: Platform, caller: Caller, award_id: uuid.UUID, data: ObjectionStatementInput
) -> dict[str, Any]:
    """``POST /api/awards/{id}/objections/statement``: what the bidder signs (its text and the files' digests)."""
    now = platform.clock.now()
    if not data.text.strip():
        raise InvalidInput("the objection's text is empty", "异议内容不能为空")
    async with platform.sessions() as session:
        seat = await gate(session, caller, award_id, "raise_objection")
        _check_time(seat.award, now)
    return await filings.hand_out(platform, caller, award_id, KIND, data.text, data.attachments, now)


async def raise_objection(
    platform: Platform, caller: Caller, award_id: uuid.UUID, data: ObjectionInput
) -> ObjectionView:
    """``POST /api/awards/{id}/objections``: the signed objection; the award is suspended (条例 54)."""
    if not data.text.strip():
        raise InvalidInput("the objection's text is empty", "异议内容不能为空")
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        seat = await gate(session, caller, award_id, "raise_objection", for_update=True)
        a, now = seat.award, platform.clock.now()
        _check_time(a, now)
        filing = await filings.verify(
            session,
            platform,
            caller,
            a.id,
            KIND,
            data,
            now,
            signature_error=ObjectionSignatureInvalid,
            statement_error=ObjectionStatementInvalid,
        )
        signed, files = filing.signed, filing.files
        objection = AwardObjection(
            id=uuid.uuid4(),
            award_id=a.id,
            organization_id=caller.organisation(),
            text=data.text.strip(),
            statement=signed,
            attachments=[f.to_dict() for f in files],
            received_at=now,
            answer_due_at=objection_answer_due(now),
            answer_attachments=[],
        )
        session.add(objection)
        await session.flush()
        if a.state is AwardState.PUBLICITY:
            set_state(session, caller.actor, a, AwardState.SUSPENDED, now, reason="objection", article="条例54")
        audit(
            session,
            caller.actor,
            a,
            "objection_raised",
            objection=str(objection.id),
            organization=str(objection.organization_id),
            fingerprint=signed["fingerprint"],
            attachments=[f.sha256 for f in files],
            answer_due_at=objection.answer_due_at.isoformat(),
        )
        queued += await _tell_project(
            session,
            platform,
            caller.actor,
            seat.project,
            objection,
            Text("收到中标候选人公示异议", "An objection to the candidates"),
            Text(
                f"项目 {seat.project.code}（{seat.lot.code}）收到一项对评标结果的异议，"
                f"请于 {_china(objection.answer_due_at)}（北京时间）前在平台答复；答复前暂停招标投标活动"
                "（《招标投标法实施条例》第五十四条）。",
                f"{seat.project.code} ({seat.lot.code}) received an objection to the evaluation result. Answer it "
                f"on the platform before {_china(objection.answer_due_at)} (Beijing time); the tender is suspended "
                "until then (Art. 54).",
            ),
            now,
        )
        names = await _org_names(session, [objection.organization_id])
        view = _view(objection, names.get(objection.organization_id, ""), now)
    await dispatch(platform, queued)
    return view


async def _tell_project(
    session: AsyncSession,
    platform: Platform,
    actor: Actor,
    project: Project,
    objection: AwardObjection,
    subject: Text,
    body: Text,
    now: datetime,
) -> list[QueuedMessage]:
    queued: list[QueuedMessage] = []
    for org in sorted({project.tenderer_id, project.agent_id}):
        queued += await tell_organisation(
            session,
            platform,
            actor,
            org,
            purpose=PURPOSE,
            reference=f"award-objection:{objection.id}",
            subject=subject,
            body=body,
            now=now,
        )
    return queued


# ----------------------------------------------------------------------------- answering


async def answer_objection(
    platform: Platform, caller: Caller, award_id: uuid.UUID, objection_id: uuid.UUID, data: AnswerInput
) -> ObjectionView:
    """``POST /api/awards/{id}/objections/{oid}/answer``: the tenderer's or the agent's answer. With no
    objection left unanswered the award resumes: the publicity if still open, else the choice."""
    if not data.answer.strip():
        raise InvalidInput("the answer is empty", "答复内容不能为空")
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        seat = await gate(session, caller, award_id, "answer_objection", for_update=True)
        a, now = seat.award, platform.clock.now()
        files = await attachments.resolve(platform.store, award_id, data.attachments)
        objection = await session.get(AwardObjection, objection_id, populate_existing=True)
        if objection is None or objection.award_id != a.id:
            raise ObjectionNotFound()
        if objection.answered_at is not None:
            raise ObjectionAnswered()
        await attachments.retain(platform.store, a.id, files, now)
        objection.answer = data.answer.strip()
        objection.answer_attachments = [f.to_dict() for f in files]
        objection.answered_at = now
        objection.answered_by = caller.actor_id
        late = now >= objection.answer_due_at
        audit(
            session,
            caller.actor,
            a,
            "objection_answered",
            objection=str(objection.id),
            attachments=[f.sha256 for f in files],
            late=late,
        )
        await session.flush()
        unanswered = (
            await session.scalars(
                select(AwardObjection.id).where(AwardObjection.award_id == a.id, AwardObjection.answered_at.is_(None))
            )
        ).all()
        if not unanswered:
            assert a.publicity_closes_at is not None
            to = AwardState.PUBLICITY if now < a.publicity_closes_at else AwardState.AWAITING_CHOICE
            set_state(session, caller.actor, a, to, now, reason="objections_answered", article="条例54")
        queued += await tell_organisation(
            session,
            platform,
            caller.actor,
            objection.organization_id,
            purpose=PURPOSE,
            reference=f"award-objection:{objection.id}",
            subject=Text("异议答复", "The answer to your objection"),
            body=Text(
                f"贵方于 {_china(objection.received_at)} 就项目 {seat.project.code}（{seat.lot.code}）"
                f"提出的异议已答复：\n{objection.answer}\n对答复不满意的，可以依法向有关行政监督部门投诉"
                "（《招标投标法实施条例》第六十条）。",
                f"Your objection of {_china(objection.received_at)} to {seat.project.code} ({seat.lot.code}) "
                f"is answered:\n{objection.answer}\nIf not satisfied you may complain to the supervising "
                "authority (Art. 60).",
            ),
            now=now,
        )
        names = await _org_names(session, [objection.organization_id])
        view = _view(objection, names.get(objection.organization_id, ""), now)
    await dispatch(platform, queued)
    return view


# ----------------------------------------------------------------------------- the red clock


async def mark_overdue(platform: Platform, now: datetime) -> int:
    """The watch's step: each objection unanswered at its due time gets ``overdue_at`` (once) and the
    audit event ``award.objection_overdue``; the tenderer and the agent are told. The count marked."""
    actor = Actor.system("awards")
    async with platform.sessions() as session:
        due = (
            await session.execute(
                select(AwardObjection.id, AwardObjection.award_id).where(
                    AwardObjection.answered_at.is_(None),
                    AwardObjection.overdue_at.is_(None),
                    AwardObjection.answer_due_at <= now,
                )
            )
        ).all()
    done = 0
    for objection_id, award_id in due:
        queued: list[QueuedMessage] = []
        async with platform.sessions() as session, session.begin():
            a = await lock(session, award_id)
            objection = await session.get(AwardObjection, objection_id, populate_existing=True)
            assert objection is not None
            if objection.answered_at is not None or objection.overdue_at is not None:
                continue  # answered or marked meanwhile
            objection.overdue_at = now
            audit(
                session,
                actor,
                a,
                "objection_overdue",
                objection=str(objection.id),
                answer_due_at=objection.answer_due_at.isoformat(),
                article="条例54",
            )
            project = await session.get(Project, a.project_id)
            assert project is not None
            queued += await _tell_project(
                session,
                platform,
                actor,
                project,
                objection,
                Text("异议答复已超期", "An objection's answer is overdue"),
                Text(
                    f"项目 {project.code} 的异议应于 {_china(objection.answer_due_at)}（北京时间）前答复，"
                    "现已超期，请立即答复（《招标投标法实施条例》第五十四条）。",
                    f"An objection to {project.code} was due to be answered before "
                    f"{_china(objection.answer_due_at)} (Beijing time): answer it now (Art. 54).",
                ),
                now,
            )
            done += 1
        await dispatch(platform, queued)
    return done
