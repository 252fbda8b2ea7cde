"""The tender agent's use cases: draft projects and their lots, upload tender documents, publish,
clarify or amend, terminate, and post the notices that follow evaluation. Only the agent that runs
a project sees or changes it: another agent's project is not found.

What an agent never sees here, before or after the deadline: who downloaded the documents, who has
bid or how many (办法 21). Those facts live in tables no use case here reads.

Each use case takes the platform and the :class:`~bidding.core.auth.caller.Caller` (an agent's user),
owns its transaction — one, on ``platform.sessions``, holding the project's row lock — and returns
its view; the rules are :mod:`bidding.tendering.service`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.auth.caller import Caller
from bidding.core.fields import Body, Code, LongText, Moment, Title
from bidding.tendering.models import Announcement, Project, TenderDocument
from bidding.tendering.projects import newest_projects
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.service import (
    MAX_LOTS_CEILING,
    DraftLimits,
    DraftProject,
    agent_project,
    clarify,
    create_draft,
    phase_of,
    post_notice,
    publish,
    terminate,
    update_draft,
    upload_document,
)

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "AgentLotView",
    "AgentProjectView",
    "AnnouncementRef",
    "ClarificationInput",
    "DocumentView",
    "NoticeInput",
    "PublishInput",
    "add_document",
    "clarify_project",
    "create_project",
    "edit_project",
    "get_project",
    "list_projects",
    "post_project_notice",
    "publish_project",
    "terminate_project",
]

#: The most projects :func:`list_projects` returns, newest first.
MAX_LISTED = 200


class PublishInput(Body, frozen=True):
    title: Title
    body: LongText
    documents_available_at: Moment | None = None


class ClarificationInput(Body, frozen=True):
    kind: AnnouncementKind
    title: Title
    body: LongText
    #: Lot code → new bid deadline (later only); required when fewer than the minimum days remain.
    new_deadlines: Annotated[dict[Code, Moment], msgspec.Meta(max_length=MAX_LOTS_CEILING)] = msgspec.field(
        default_factory=dict
    )


class NoticeInput(Body, frozen=True):
    kind: AnnouncementKind
    title: Title
    body: LongText


@dataclass(frozen=True)
class AgentLotView:
    id: uuid.UUID
    code: str
    name: str
    estimated_price_fen: int
    deposit_fen: int
    bid_deadline: datetime | None
    decrypt_window_minutes: int
    objection_window_minutes: int
    form_fields: list[dict[str, Any]]
    #: The deposit requirement (docs/deposits.md): forms, basic account, cap category, bid validity.
    deposit_forms: list[str]
    basic_account_required: bool
    design_survey: bool
    bid_validity_days: int


@dataclass(frozen=True)
class DocumentView:
    id: uuid.UUID
    version: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, d: TenderDocument) -> DocumentView:
        return cls(d.id, d.version, d.filename, d.content_type, d.size, d.sha256, d.uploaded_at, d.published_at)


@dataclass(frozen=True)
class AgentProjectView:
    id: uuid.UUID
    code: str
    name: str
    category: str
    status: str
    phase: str
    tenderer: str
    tenderer_credit_code: str
    region: str | None
    published_at: datetime | None
    tender_start_at: datetime | None
    clarification_deadline: datetime | None
    lots: list[AgentLotView]
    documents: list[DocumentView]


@dataclass(frozen=True)
class AnnouncementRef:
    id: uuid.UUID
    kind: str
    title: str
    published_at: datetime
    content_sha256: str
    details: dict[str, Any]

    @classmethod
    def of(cls, a: Announcement) -> AnnouncementRef:
        return cls(a.id, a.kind.value, a.title, a.published_at, a.content_sha256, a.details)


async def create_project(platform: Platform, caller: Caller, draft: DraftProject) -> AgentProjectView:
    """A draft project with its lots, run by the caller's agency."""
    agent_id = caller.organisation()
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        limits = DraftLimits.at(platform.settings, now)
        project = await create_draft(db, caller.actor, agent_id, draft, limits=limits)
        project = await agent_project(db, agent_id, project.id)
        return await _view(db, project, now)


async def edit_project(
    platform: Platform, caller: Caller, project_id: uuid.UUID, draft: DraftProject
) -> AgentProjectView:
    """Replace what a draft says (fields, lots, schedule, opening forms) before publication."""
    agent_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        project = await agent_project(db, agent_id, project_id)
        limits = DraftLimits.at(platform.settings, platform.clock.now())
        await update_draft(db, caller.actor, project, draft, limits=limits)
        db.expire(project)  # the tenderer may have changed: load the relationships again
        project = await agent_project(db, agent_id, project_id)
        return await _view(db, project, platform.clock.now())


async def list_projects(platform: Platform, caller: Caller) -> list[AgentProjectView]:
    """The projects the caller's agency runs, newest first (at most :data:`MAX_LISTED`)."""
    agent_id = caller.organisation()
    async with platform.sessions() as db:
        projects = await newest_projects(db, Project.agent_id == agent_id, limit=MAX_LISTED)
        now = platform.clock.now()
        return [await _view(db, p, now) for p in projects]


async def get_project(platform: Platform, caller: Caller, project_id: uuid.UUID) -> AgentProjectView:
    """One project of the caller's agency, drafts included."""
    agent_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        project = await agent_project(db, agent_id, project_id)
        return await _view(db, project, platform.clock.now())


async def add_document(
    platform: Platform,
    caller: Caller,
    project_id: uuid.UUID,
    *,
    filename: str,
    content_type: str,
    source: AsyncIterator[bytes],
) -> DocumentView:
    """A new (unpublished) version of the tender documents, streamed from ``source`` to the store."""
    agent_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        project = await agent_project(db, agent_id, project_id)
        document = await upload_document(
            db,
            platform.store,
            caller.actor,
            project,
            filename=filename,
            content_type=content_type,
            source=source,
            now=platform.clock.now(),
        )
    return DocumentView.of(document)


async def publish_project(
    platform: Platform, caller: Caller, project_id: uuid.UUID, data: PublishInput
) -> AnnouncementRef:
    """Publish a draft with its tender announcement (招标公告) and documents."""
    agent_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        project = await agent_project(db, agent_id, project_id)
        announcement = await publish(
            db,
            caller.actor,
            project,
            platform.settings,
            title=data.title,
            body=data.body,
            documents_available_at=data.documents_available_at,
            now=platform.clock.now(),
        )
        return AnnouncementRef.of(announcement)


async def clarify_project(
    platform: Platform, caller: Caller, project_id: uuid.UUID, data: ClarificationInput
) -> AnnouncementRef:
    """A clarification or amendment: publishes pending documents, may move deadlines later."""
    agent_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        project = await agent_project(db, agent_id, project_id)
        announcement = await clarify(
            db,
            caller.actor,
            project,
            platform.settings,
            kind=data.kind,
            title=data.title,
            body=data.body,
            new_deadlines=data.new_deadlines,
            now=platform.clock.now(),
        )
        return AnnouncementRef.of(announcement)


async def terminate_project(
    platform: Platform, caller: Caller, project_id: uuid.UUID, data: NoticeInput
) -> AnnouncementRef:
    """Terminate the tendering (终止公告) before the opening."""
    agent_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        project = await agent_project(db, agent_id, project_id)
        announcement = await terminate(
            db, caller.actor, project, title=data.title, body=data.body, now=platform.clock.now()
        )
        return AnnouncementRef.of(announcement)


async def post_project_notice(
    platform: Platform, caller: Caller, project_id: uuid.UUID, data: NoticeInput
) -> AnnouncementRef:
    """Candidate publicity or award announcement after evaluation."""
    agent_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        project = await agent_project(db, agent_id, project_id)
        announcement = await post_notice(
            db, caller.actor, project, kind=data.kind, title=data.title, body=data.body, now=platform.clock.now()
        )
        return AnnouncementRef.of(announcement)


async def _view(db: AsyncSession, project: Project, now: datetime) -> AgentProjectView:
    documents = (
        await db.scalars(
            select(TenderDocument).where(TenderDocument.project_id == project.id).order_by(TenderDocument.version)
        )
    ).all()
    return AgentProjectView(
        id=project.id,
        code=project.code,
        name=project.name,
        category=project.category.value,
        status=project.status.value,
        phase=phase_of(project, now).value,
        tenderer=project.tenderer.name,
        tenderer_credit_code=project.tenderer.credit_code,
        region=project.region,
        published_at=project.published_at,
        tender_start_at=project.tender_start_at,
        clarification_deadline=project.clarification_deadline,
        lots=[
            AgentLotView(
                lot.id,
                lot.code,
                lot.name,
                lot.estimated_price_fen,
                lot.deposit_fen,
                lot.bid_deadline,
                lot.decrypt_window_minutes,
                lot.objection_window_minutes,
                list(lot.form_fields),
                list(lot.deposit_forms or []),
                lot.deposit_basic_account,
                lot.design_survey,
                lot.bid_validity_days,
            )
            for lot in project.lots
        ],
        documents=[DocumentView.of(d) for d in documents],
    )
