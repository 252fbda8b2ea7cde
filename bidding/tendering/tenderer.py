"""The tenderer's (招标人) view of its projects: progress, and the approval of the tender documents.

* **Progress** (``GET /api/tenderer/projects``, ``…/{id}``): every project naming the caller as its
  tenderer (registered or not) with its phase, lots and deadlines, whether each lot's opening is
  done, its evaluation final, and its award's state — the award's decisions themselves are the
  award pages' (``/awards/{id}``, :mod:`bidding.awards.choice`).
* **Documents** (``…/{id}/documents``): the versions the agent uploaded, with size and SHA-256,
  downloadable by the tenderer before publication; and the tenderer's decisions
  (``POST …/{id}/documents/decision`` ``{document_id, decision, comments}``) on the *current*
  version: approved, or returned with comments. The decision names the version the tenderer read:
  a newer upload meanwhile is a conflict (``document_superseded``). The agent is told either way.
  The rule it feeds is :mod:`bidding.tendering.approvals`.

The opening, evaluation and award are later capabilities that build on tendering; their state is
read here from their tables by name (``sqlalchemy.table``), not by importing their models, which
would make the packages depend on each other.

A project of another tenderer is "not found" (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import Uuid, column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, InvalidInput, NotFound
from bidding.core.fields import Body
from bidding.identity.contacts import tell_organisation
from bidding.messaging.channels import Text
from bidding.messaging.service import dispatch
from bidding.tendering.agent import DocumentView
from bidding.tendering.approvals import approval_state
from bidding.tendering.documents import Download
from bidding.tendering.models import Project, ProjectRegistration, TenderDocument, TenderDocumentApproval
from bidding.tendering.projects import newest_projects
from bidding.tendering.registrations import PURPOSE, Note
from bidding.tendering.rules.projects import ProjectStatus
from bidding.tendering.rules.registrations import DocumentDecision
from bidding.tendering.service import phase_of

if TYPE_CHECKING:
    from bidding.core.platform import Platform

MAX_LISTED: Final = 500

_OPENINGS = table("opening_sessions", column("lot_id", Uuid()), column("state"))
_EVALUATIONS = table("evaluations", column("lot_id", Uuid()), column("state"), column("finalised_at"))
_AWARDS = table("awards", column("id", Uuid()), column("lot_id", Uuid()), column("state"))
#: Opening states after which the opening is over (``opening_room.states.FINAL``).
_OPENING_DONE: Final = frozenset({"closed", "failed", "adjourned"})


class DecisionInput(Body, frozen=True):
    """The tenderer's decision on the documents version it read."""

    document_id: uuid.UUID
    decision: DocumentDecision
    #: Required when the documents are returned: what the agent is to change.
    comments: Note | None = None


class DocumentSuperseded(Conflict):
    code = "document_superseded"
    message_zh = "代理机构已上传更新版本的招标文件，请确认最新版本"
    message_en = "The agent uploaded a newer version of the tender documents: decide on that one"


@dataclass(frozen=True)
class LotProgress:
    id: uuid.UUID
    code: str
    name: str
    estimated_price_fen: int
    bid_deadline: datetime | None
    opening_state: str | None
    opening_done: bool
    evaluation_state: str | None
    evaluation_final: bool
    award_id: uuid.UUID | None
    award_state: str | None


@dataclass(frozen=True)
class DecisionView:
    document_id: uuid.UUID
    version: int
    decision: str
    comments: str | None
    decided_at: datetime


@dataclass(frozen=True)
class TendererProjectView:
    id: uuid.UUID
    code: str
    name: str
    category: str
    status: str
    phase: str
    agent: str
    agent_credit_code: str
    region: str | None
    registration_id: uuid.UUID | None
    published_at: datetime | None
    tender_start_at: datetime | None
    estimated_price_fen: int
    lots: list[LotProgress]
    #: ``not_required`` (no registration), ``no_documents``, ``pending``, ``approved``, ``returned``.
    documents_approval: str
    current_document: DocumentView | None


@dataclass(frozen=True)
class TendererDocumentsView:
    project_id: uuid.UUID
    documents_approval: str
    current_document: DocumentView | None
    documents: list[DocumentView]
    decisions: list[DecisionView]


async def _own(session: AsyncSession, tenderer_id: uuid.UUID, project_id: uuid.UUID, *, lock: bool = False) -> Project:
    query = (
        select(Project)
        .where(Project.id == project_id, Project.tenderer_id == tenderer_id)
        .options(selectinload(Project.lots), selectinload(Project.agent), selectinload(Project.tenderer))
    )
    project = await session.scalar(query.with_for_update() if lock else query)
    if project is None:
        raise NotFound(f"you tender no project {project_id}", f"您没有招标项目 {project_id}")
    return project


async def _progress(db: AsyncSession, project: Project, now: datetime) -> TendererProjectView:
    lot_ids = [lot.id for lot in project.lots]
    openings = {
        lot_id: state
        for lot_id, state in await db.execute(
            select(_OPENINGS.c.lot_id, _OPENINGS.c.state).where(_OPENINGS.c.lot_id.in_(lot_ids))
        )
    }
    evaluations = {
        lot_id: (state, final_at)
        for lot_id, state, final_at in (
            await db.execute(
                select(_EVALUATIONS.c.lot_id, _EVALUATIONS.c.state, _EVALUATIONS.c.finalised_at).where(
                    _EVALUATIONS.c.lot_id.in_(lot_ids)
                )
            )
        )
    }
    awards = {
        lot_id: (award_id, state)
        for award_id, lot_id, state in (
            await db.execute(
                select(_AWARDS.c.id, _AWARDS.c.lot_id, _AWARDS.c.state).where(_AWARDS.c.lot_id.in_(lot_ids))
            )
        )
    }
    registration_id = await db.scalar(
        select(ProjectRegistration.id).where(ProjectRegistration.project_id == project.id)
    )
    approval = await approval_state(db, project.id, registered=registration_id is not None)
    lots = []
    for lot in project.lots:
        evaluation = evaluations.get(lot.id)
        award = awards.get(lot.id)
        opening = openings.get(lot.id)
        lots.append(
            LotProgress(
                lot.id,
                lot.code,
                lot.name,
                lot.estimated_price_fen,
                lot.bid_deadline,
                str(opening) if opening else None,
                opening in _OPENING_DONE,
                str(evaluation[0]) if evaluation else None,
                bool(evaluation and evaluation[0] == "final"),
                award[0] if award else None,
                str(award[1]) if award else None,
            )
        )
    return TendererProjectView(
        id=project.id,
        code=project.code,
        name=project.name,
        category=project.category.value,
        status=project.status.value,
        phase=phase_of(project, now).value,
        agent=project.agent.name,
        agent_credit_code=project.agent.credit_code,
        region=project.region,
        registration_id=registration_id,
        published_at=project.published_at,
        tender_start_at=project.tender_start_at,
        estimated_price_fen=sum(lot.estimated_price_fen for lot in project.lots),
        lots=lots,
        documents_approval=approval.state,
        current_document=DocumentView.of(approval.document) if approval.document else None,
    )


async def list_projects(platform: Platform, caller: Caller) -> list[TendererProjectView]:
    """The projects naming the caller as tenderer, newest first, with their progress."""
    tenderer_id = caller.organisation()
    async with platform.sessions() as db:
        projects = await newest_projects(db, Project.tenderer_id == tenderer_id, limit=MAX_LISTED)
        now = platform.clock.now()
        return [await _progress(db, p, now) for p in projects]


async def get_project(platform: Platform, caller: Caller, project_id: uuid.UUID) -> TendererProjectView:
    tenderer_id = caller.organisation()
    async with platform.sessions() as db:
        project = await _own(db, tenderer_id, project_id)
        return await _progress(db, project, platform.clock.now())


async def _documents(db: AsyncSession, project_id: uuid.UUID) -> TendererDocumentsView:
    documents = (
        await db.scalars(
            select(TenderDocument).where(TenderDocument.project_id == project_id).order_by(TenderDocument.version)
        )
    ).all()
    versions = {d.id: d.version for d in documents}
    decisions = (
        await db.scalars(
            select(TenderDocumentApproval)
            .where(TenderDocumentApproval.project_id == project_id)
            .order_by(TenderDocumentApproval.id)
        )
    ).all()
    approval = await approval_state(db, project_id)
    return TendererDocumentsView(
        project_id=project_id,
        documents_approval=approval.state,
        current_document=DocumentView.of(approval.document) if approval.document else None,
        documents=[DocumentView.of(d) for d in documents],
        decisions=[
            DecisionView(a.document_id, versions.get(a.document_id, 0), a.decision.value, a.comments, a.decided_at)
            for a in decisions
        ],
    )


async def documents(platform: Platform, caller: Caller, project_id: uuid.UUID) -> TendererDocumentsView:
    """Every documents version of the project, the current one, and the tenderer's decisions."""
    tenderer_id = caller.organisation()
    async with platform.sessions() as db:
        await _own(db, tenderer_id, project_id)
        return await _documents(db, project_id)


class ApprovalNotRequired(Conflict):
    code = "approval_not_required"
    message_zh = "该项目并非据招标人登记创建，无需招标人确认招标文件"
    message_en = "The project was not created from your registration: its documents need no approval here"


async def decide(
    platform: Platform, caller: Caller, project_id: uuid.UUID, data: DecisionInput
) -> TendererDocumentsView:
    """Approve the current documents version, or return it with comments; before publication only."""
    tenderer_id = caller.organisation()
    comments = (data.comments or "").strip() or None
    if data.decision is DocumentDecision.RETURNED and comments is None:
        raise InvalidInput(
            "returning the documents needs comments", "退回招标文件须填写意见", details=[{"key": "comments"}]
        )
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        project = await _own(db, tenderer_id, project_id, lock=True)
        approval = await approval_state(db, project_id)
        if approval.state == "not_required":
            raise ApprovalNotRequired(f"project {project.code} has no registration", f"项目 {project.code} 无登记")
        if project.status is not ProjectStatus.DRAFT:
            raise Conflict(
                "the documents were published already: changes go by clarification",
                "招标文件已发布，变更须发布澄清或修改公告",
            )
        if approval.document is None:
            raise Conflict("the agent uploaded no documents yet", "代理机构尚未上传招标文件")
        if approval.document.id != data.document_id:
            raise DocumentSuperseded(
                f"the current version is {approval.document.version}",
                f"当前为第 {approval.document.version} 版",
                details=[{"key": "document_id", "current": str(approval.document.id)}],
            )
        document = approval.document
        db.add(
            TenderDocumentApproval(
                project_id=project_id,
                document_id=document.id,
                decision=data.decision,
                comments=comments,
                decided_by=caller.actor.id,
                decided_at=now,
            )
        )
        await db.flush()
        record(
            db,
            caller.actor,
            f"tender_document.{data.decision.value}",
            object_type="project",
            object_id=str(project_id),
            content_sha256=document.sha256,
            details={"document": str(document.id), "version": document.version, "comments": comments},
        )
        approved = data.decision is DocumentDecision.APPROVED
        verdict_zh, verdict_en = ("已确认", "approved") if approved else ("已退回", "returned")
        queued = await tell_organisation(
            db,
            platform,
            caller.actor,
            project.agent_id,
            purpose=PURPOSE,
            reference=f"tender-documents:{document.id}",
            subject=Text(f"【招标文件{verdict_zh}】{project.code}", f"[Tender documents {verdict_en}] {project.code}"),
            body=Text(
                f"招标人{verdict_zh}项目 {project.code}《{project.name}》第 {document.version} 版招标文件。"
                + (f"意见：{comments}" if comments else ""),
                f"The tenderer {verdict_en} version {document.version} of the tender documents of {project.code}."
                + (f" Comments: {comments}" if comments else ""),
            ),
            now=now,
        )
        view = await _documents(db, project_id)
    await dispatch(platform, queued)
    return view


async def download(platform: Platform, caller: Caller, project_id: uuid.UUID, document_id: uuid.UUID) -> Download:
    """A documents version of the tenderer's own project, published or not (the one it approves)."""
    tenderer_id = caller.organisation()
    async with platform.sessions() as db:
        await _own(db, tenderer_id, project_id)
        document = await db.scalar(
            select(TenderDocument).where(TenderDocument.id == document_id, TenderDocument.project_id == project_id)
        )
        if document is None:
            raise NotFound(f"no document {document_id} in this project", f"本项目没有文件 {document_id}")
    return Download(
        filename=document.filename,
        content_type=document.content_type,
        chunks=platform.store.open(document.object_key),
        size=document.size,
        sha256=document.sha256,
    )
