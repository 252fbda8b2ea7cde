"""The supervisor's read-only view of evaluations with remarks, and the project party's progress
(issue 20 "Pages … the supervisor's read-only view with remarks"; ``docs/evaluation.md`` §The
supervisor's view).

* **The supervisor** (监督, 办法 5; 条例 4 and 60's supervision departments) reads everything of an
  evaluation but a body (the bodies are the committee's alone, 条例 49 and ``access.py``): the members
  with their status and declarations, recusals and the chair, the bids with their review and
  rejection, the committee's judgements per item, every member's **submitted** score sheet (a sheet
  not yet submitted is not shown: 87号令 55 — members score independently), the clarifications, the
  re-checks, the collusion signals, the remarks and the report's status. A remark (≤ 2,000
  characters) is kept, audited, and shown to the committee in the room (``room.remarks``).
* **The project's agent and tenderer** (:func:`progress`) see counts only while the committee works
  (规定 6 and 条例 49: nobody may influence the committee or learn its work in progress): the state,
  members sitting of the size, bids in review / passed / rejected — not who rejected what — and,
  once final, where the report is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.auth.caller import Caller
from bidding.core.errors import InvalidInput
from bidding.core.fields import TEXT_PATTERN, Body
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.evaluation import clarifications, report_data
from bidding.evaluation import report as report_service
from bidding.evaluation.access import (
    EvaluationForbidden,
    bids_of,
    evaluation,
    project_gate,
    project_of,
    supervisor_gate,
)
from bidding.evaluation.lifecycle import audit
from bidding.evaluation.models import (
    Evaluation,
    EvaluationBid,
    EvaluationMember,
    EvaluationRecheck,
    EvaluationRemark,
)
from bidding.evaluation.review import BidConclusion, judgement_summary
from bidding.evaluation.sheets import member_scores
from bidding.evaluation.states import BidReview, EvaluationState, MemberStatus
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "BidRow",
    "ClarificationRow",
    "MemberRow",
    "ProgressView",
    "RecheckRow",
    "RemarkInput",
    "RemarkView",
    "SubmittedSheet",
    "SupervisedItem",
    "SupervisionView",
    "list_evaluations",
    "progress",
    "remark",
    "remarks",
    "supervised",
]

RemarkText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]


class RemarkInput(Body, frozen=True, kw_only=True):
    text: RemarkText


@dataclass(frozen=True)
class RemarkView:
    id: uuid.UUID
    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class SupervisedItem:
    """One line of the supervisor's list."""

    id: uuid.UUID
    project_code: str
    project_name: str
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    state: str
    size: int
    sitting: int
    bids: int
    passed: int
    rejected: int
    remarks: int
    opened_at: datetime
    state_at: datetime
    finalised_at: datetime | None


@dataclass(frozen=True)
class MemberRow:
    id: uuid.UUID
    name: str
    specialty: str
    status: str
    is_chair: bool
    signed_in_at: datetime | None
    declared_at: datetime | None
    #: The conflict a recused member declared, in their words.
    conflict: str | None
    replaces: uuid.UUID | None
    judgements_submitted_at: datetime | None
    sheet_submitted_at: datetime | None


@dataclass(frozen=True)
class BidRow:
    bid_id: uuid.UUID
    order_no: int
    bidder_name: str
    price_fen: int | None
    evaluated_price_fen: int | None
    review: str
    rejection: dict[str, Any] | None
    low_price: dict[str, Any] | None


@dataclass(frozen=True)
class SubmittedSheet:
    """A member's submitted scores: bid id → item → score."""

    member_id: uuid.UUID
    name: str
    submitted_at: datetime | None
    scores: dict[str, dict[str, str]]


@dataclass(frozen=True)
class ClarificationRow:
    id: uuid.UUID
    bid_id: uuid.UUID
    kind: str
    status: str
    question: str
    correction: dict[str, Any] | None
    asked_at: datetime
    due_at: datetime
    answer: str | None
    accepted: bool | None
    answered_at: datetime | None


@dataclass(frozen=True)
class RecheckRow:
    id: uuid.UUID
    member_id: uuid.UUID
    bid_id: uuid.UUID
    item: str
    reason: str
    note: str
    asked_at: datetime
    old_score: str | None
    new_score: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class SupervisionView:
    """``GET /api/supervision/evaluations/{id}``: everything but a body."""

    id: uuid.UUID
    state: str
    state_at: datetime
    project_code: str
    project_name: str
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    size: int
    criteria: dict[str, Any]
    criteria_sha256: str
    opening_record_sha256: str | None
    chair_id: uuid.UUID | None
    members: list[MemberRow]
    bids: list[BidRow]
    judgements: list[BidConclusion]
    sheets: list[SubmittedSheet]
    system_scores: dict[str, Any] | None
    ranking: list[dict[str, Any]] | None
    clarifications: list[ClarificationRow]
    rechecks: list[RecheckRow]
    signals: list[dict[str, Any]]
    remarks: list[RemarkView]
    report: report_service.ReportStatusView | None


@dataclass(frozen=True)
class ProgressView:
    """``GET /api/agent/lots/{lot_id}/evaluation``: counts only; the report's links once final."""

    lot_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    #: ``not_started`` before the first member signs in, else the evaluation's state.
    state: str
    size: int
    sitting: int
    bids: int
    in_review: int
    passed: int
    rejected: int
    finalised_at: datetime | None
    report_sha256: str | None
    report: report_service.ReportLinks | None


# ----------------------------------------------------------------------------- remarks


async def remarks(session: AsyncSession, evaluation_id: uuid.UUID) -> list[RemarkView]:
    """The supervisor's remarks on an evaluation, oldest first (the room shows them to the committee)."""
    rows = await session.scalars(
        select(EvaluationRemark)
        .where(EvaluationRemark.evaluation_id == evaluation_id)
        .order_by(EvaluationRemark.at, EvaluationRemark.id)
    )
    return [RemarkView(r.id, r.author, r.text, r.at) for r in rows.all()]


async def remark(platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: RemarkInput) -> RemarkView:
    """``POST /api/supervision/evaluations/{id}/remarks``: the supervisor's remark, kept and audited
    (办法 14: every operation recorded); in any state, the final one included."""
    now = platform.clock.now()
    text = data.text.strip()
    if not text:
        raise InvalidInput("`text` is blank", "备注内容不能为空")
    async with platform.sessions() as session, session.begin():
        ev = await evaluation(session, evaluation_id)
        supervisor_gate(caller, ev, "remark")
        name = await session.scalar(
            select(Certificate.common_name).where(Certificate.fingerprint == caller.fingerprint)
        )
        row = EvaluationRemark(evaluation_id=ev.id, author=(name or caller.actor_id)[:200], text=text, at=now)
        session.add(row)
        await session.flush()
        audit(session, caller.actor, ev, "remark", remark=str(row.id), text=text)
        return RemarkView(row.id, row.author, row.text, row.at)


# ----------------------------------------------------------------------------- the supervisor


async def _counts(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    counts: dict[uuid.UUID, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return counts
    for ev_id, review, n in (
        await session.execute(
            select(EvaluationBid.evaluation_id, EvaluationBid.review, func.count())
            .where(EvaluationBid.evaluation_id.in_(ids))
            .group_by(EvaluationBid.evaluation_id, EvaluationBid.review)
        )
    ).all():
        counts[ev_id][review.value] = int(n)
    for ev_id, n in (
        await session.execute(
            select(EvaluationMember.evaluation_id, func.count())
            .where(EvaluationMember.evaluation_id.in_(ids), EvaluationMember.status == MemberStatus.SITTING)
            .group_by(EvaluationMember.evaluation_id)
        )
    ).all():
        counts[ev_id]["sitting"] = int(n)
    for ev_id, n in (
        await session.execute(
            select(EvaluationRemark.evaluation_id, func.count())
            .where(EvaluationRemark.evaluation_id.in_(ids))
            .group_by(EvaluationRemark.evaluation_id)
        )
    ).all():
        counts[ev_id]["remarks"] = int(n)
    return counts


def _require_supervisor(caller: Caller) -> None:
    if not caller.has(Role.SUPERVISOR):
        raise EvaluationForbidden("only the supervisor", "仅限监督人员")


async def list_evaluations(
    platform: Platform, caller: Caller, state: EvaluationState | None = None
) -> list[SupervisedItem]:
    """``GET /api/supervision/evaluations``: every evaluation, newest first, with its counts."""
    _require_supervisor(caller)
    async with platform.sessions() as session:
        query = (
            select(Evaluation, Lot, Project)
            .join(Lot, Lot.id == Evaluation.lot_id)
            .join(Project, Project.id == Lot.project_id)
            .order_by(Evaluation.opened_at.desc(), Evaluation.id)
            .limit(500)
        )
        if state is not None:
            query = query.where(Evaluation.state == state)
        rows = (await session.execute(query)).all()
        counts = await _counts(session, [ev.id for ev, _, _ in rows])
        return [
            SupervisedItem(
                id=ev.id,
                project_code=project.code,
                project_name=project.name,
                lot_id=lot.id,
                lot_code=lot.code,
                lot_name=lot.name,
                state=ev.state.value,
                size=ev.size,
                sitting=counts[ev.id].get("sitting", 0),
                bids=sum(counts[ev.id].get(r.value, 0) for r in BidReview),
                passed=counts[ev.id].get(BidReview.PASSED.value, 0),
                rejected=counts[ev.id].get(BidReview.REJECTED.value, 0),
                remarks=counts[ev.id].get("remarks", 0),
                opened_at=ev.opened_at,
                state_at=ev.state_at,
                finalised_at=ev.finalised_at,
            )
            for ev, lot, project in rows
        ]


async def _sheets(session: AsyncSession, ev: Evaluation, members: list[EvaluationMember]) -> list[SubmittedSheet]:
    scores = await member_scores(session, ev, submitted_only=True)
    return [
        SubmittedSheet(
            m.id,
            m.name,
            m.sheet_submitted_at,
            {bid: {item: str(v) for item, v in items.items()} for bid, items in scores[str(m.id)].items()},
        )
        for m in members
        if m.status is MemberStatus.SITTING and m.sheet_submitted_at is not None and str(m.id) in scores
    ]


async def supervised(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> SupervisionView:
    """``GET /api/supervision/evaluations/{id}``: the evaluation as the supervisor reads it (see the
    module doc); never a body, and never a sheet before its member submitted it."""
    async with platform.sessions() as session:
        ev = await evaluation(session, evaluation_id)
        supervisor_gate(caller, ev, "supervise")
        project, lot = await project_of(session, ev)
        members = list(
            (
                await session.scalars(
                    select(EvaluationMember)
                    .where(EvaluationMember.evaluation_id == ev.id)
                    .order_by(EvaluationMember.specialty, EvaluationMember.signed_in_at, EvaluationMember.id)
                )
            ).all()
        )
        bids = await bids_of(session, ev)
        questions = await clarifications.of_evaluation(session, ev.id)
        rechecks = (
            await session.scalars(
                select(EvaluationRecheck)
                .where(EvaluationRecheck.evaluation_id == ev.id)
                .order_by(EvaluationRecheck.asked_at, EvaluationRecheck.id)
            )
        ).all()
        report = await report_service.report_status_of(session, ev) if ev.report is not None else None
        return SupervisionView(
            id=ev.id,
            state=ev.state.value,
            state_at=ev.state_at,
            project_code=project.code,
            project_name=project.name,
            lot_id=lot.id,
            lot_code=lot.code,
            lot_name=lot.name,
            size=ev.size,
            criteria=ev.criteria,
            criteria_sha256=ev.criteria_sha256,
            opening_record_sha256=ev.opening_record_sha256,
            chair_id=ev.chair_id,
            members=[
                MemberRow(
                    m.id,
                    m.name,
                    m.specialty,
                    m.status.value,
                    ev.chair_id == m.id,
                    m.signed_in_at,
                    m.declared_at,
                    m.conflict,
                    m.replaces_id,
                    m.judgements_submitted_at,
                    m.sheet_submitted_at,
                )
                for m in members
            ],
            bids=[
                BidRow(
                    b.bid_id,
                    b.order_no,
                    b.bidder_name,
                    b.price_fen,
                    b.evaluated_price_fen,
                    b.review.value,
                    b.rejection,
                    b.low_price,
                )
                for b in bids
            ],
            judgements=await judgement_summary(session, ev),
            sheets=await _sheets(session, ev, members),
            system_scores=ev.system_scores,
            ranking=ev.ranking,
            clarifications=[ClarificationRow(**clarifications.view_fields(q)) for q in questions],
            rechecks=[
                RecheckRow(
                    r.id,
                    r.member_id,
                    r.bid_id,
                    r.item,
                    r.reason,
                    r.note,
                    r.asked_at,
                    r.old_score,
                    r.new_score,
                    r.answered_at,
                )
                for r in rechecks
            ],
            signals=await report_data.shown_signals(session, platform, ev),
            remarks=await remarks(session, ev.id),
            report=report,
        )


# ----------------------------------------------------------------------------- the project


async def progress(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> ProgressView:
    """``GET /api/agent/lots/{lot_id}/evaluation``: the project's agent or tenderer sees how far the
    evaluation of its lot is, in counts (see the module doc)."""
    async with platform.sessions() as session:
        lot = await session.get(Lot, lot_id)
        project = await session.get(Project, lot.project_id) if lot is not None else None
        if (
            project is None
            or not caller.has(Role.AGENT, Role.TENDERER)
            or caller.organization_id not in (project.agent_id, project.tenderer_id)
        ):
            raise EvaluationForbidden("only the project's agent or tenderer", "仅限本项目的招标代理或招标人")
        ev = await session.scalar(select(Evaluation).where(Evaluation.lot_id == lot_id))
        if ev is None:
            return ProgressView(lot_id, None, "not_started", 0, 0, 0, 0, 0, 0, None, None, None)
        await project_gate(session, caller, ev, "progress")
        counts = (await _counts(session, [ev.id]))[ev.id]
        final = ev.state is EvaluationState.FINAL
        return ProgressView(
            lot_id=lot_id,
            evaluation_id=ev.id,
            state=ev.state.value,
            size=ev.size,
            sitting=counts.get("sitting", 0),
            bids=sum(counts.get(r.value, 0) for r in BidReview),
            in_review=counts.get(BidReview.IN_REVIEW.value, 0),
            passed=counts.get(BidReview.PASSED.value, 0),
            rejected=counts.get(BidReview.REJECTED.value, 0),
            finalised_at=ev.finalised_at if final else None,
            report_sha256=ev.report_sha256 if final else None,
            report=report_service.links(ev) if final else None,
        )
