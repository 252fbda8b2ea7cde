"""The tender agent's console API: projects and lots, tender documents, publication, clarifications,
termination and the notices after evaluation. Only the agent that runs a project sees or changes it.

What an agent never sees here, before or after the deadline: who downloaded the documents, who has
bid or how many (办法 21). Those facts live in tables no agent endpoint reads.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import unquote

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit import Actor
from bidding.db.models import Project, TenderDocument
from bidding.domain.announcements import AnnouncementKind
from bidding.domain.roles import Role
from bidding.errors import InvalidInput
from bidding.fields import Body, Code, LongText, Moment, Title
from bidding.http.auth import principal_of, requires
from bidding.http.context import actor_of
from bidding.http.dependencies import DbSession, PlatformDep
from bidding.http.openapi import wire
from bidding.services.tendering import (
    ALLOWED_DOCUMENT_TYPES,
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

MAX_UPLOAD = 512 * 1024 * 1024


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


def document_view(d: TenderDocument) -> DocumentView:
    return DocumentView(d.id, d.version, d.filename, d.content_type, d.size, d.sha256, d.uploaded_at, d.published_at)


async def _view(db: DbSession, project: Project, now: datetime) -> AgentProjectView:
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
            )
            for lot in project.lots
        ],
        documents=[document_view(d) for d in documents],
    )


@contextlib.asynccontextmanager
async def _own_project(
    request: Request[Any, Any, Any], db: AsyncSession, project_id: uuid.UUID
) -> AsyncIterator[tuple[Actor, Project]]:
    """One transaction on a project the calling agent runs (another agent's is not found)."""
    actor_id, org_id = _agent(request)
    async with db.begin():
        yield actor_of(request, actor_id), await agent_project(db, org_id, project_id)


def _agent(request: Request[Any, Any, Any]) -> tuple[str, uuid.UUID]:
    principal = principal_of(request)
    if principal is None or principal.organization_id is None:
        raise InvalidInput("log in with an agent's certificate", "请使用招标代理的证书登录")
    return principal.actor_id, principal.organization_id


class AgentController(Controller):
    path = "/api/agent/projects"
    tags = ["agent"]
    guards = [requires(Role.AGENT)]

    @post("/", status_code=HTTP_201_CREATED, summary="Create a draft project with its lots")
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[DraftProject], db: DbSession, platform: PlatformDep
    ) -> AgentProjectView:
        actor_id, org_id = _agent(request)
        now = platform.clock.now()
        async with db.begin():
            limits = DraftLimits.at(platform.settings, now)
            project = await create_draft(db, actor_of(request, actor_id), org_id, data, limits=limits)
            project = await agent_project(db, org_id, project.id)
            return await _view(db, project, now)

    @put("/{project_id:uuid}", summary="Edit a draft: fields, lots, schedule and opening forms (before publication)")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        project_id: FromPath[uuid.UUID],
        data: JSONBody[DraftProject],
        db: DbSession,
        platform: PlatformDep,
    ) -> AgentProjectView:
        actor_id, org_id = _agent(request)
        async with db.begin():
            project = await agent_project(db, org_id, project_id)
            limits = DraftLimits.at(platform.settings, platform.clock.now())
            await update_draft(db, actor_of(request, actor_id), project, data, limits=limits)
            db.expire(project)  # the tenderer may have changed: load the relationships again
            project = await agent_project(db, org_id, project_id)
            return await _view(db, project, platform.clock.now())

    @get("/", summary="The projects this agent runs")
    async def list_projects(
        self, request: Request[Any, Any, Any], db: DbSession, platform: PlatformDep
    ) -> list[AgentProjectView]:
        _, org_id = _agent(request)
        projects = (
            await db.scalars(
                select(Project)
                .where(Project.agent_id == org_id)
                .options(selectinload(Project.lots), selectinload(Project.tenderer), selectinload(Project.agent))
                .order_by(Project.created_at.desc())
                .limit(200)
            )
        ).all()
        now = platform.clock.now()
        return [await _view(db, p, now) for p in projects]

    @get("/{project_id:uuid}", summary="One project of this agent, drafts included")
    async def detail(
        self, request: Request[Any, Any, Any], project_id: FromPath[uuid.UUID], db: DbSession, platform: PlatformDep
    ) -> AgentProjectView:
        _, org_id = _agent(request)
        async with db.begin():
            project = await agent_project(db, org_id, project_id)
            return await _view(db, project, platform.clock.now())

    @post(
        "/{project_id:uuid}/documents",
        status_code=HTTP_201_CREATED,
        opt=wire(request=sorted(ALLOWED_DOCUMENT_TYPES)),
        request_max_body_size=MAX_UPLOAD,
        summary="Upload a new version of the tender documents (raw body; file name in X-Filename)",
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        project_id: FromPath[uuid.UUID],
        db: DbSession,
        platform: PlatformDep,
        filename: Annotated[
            str,
            HeaderParameter(
                name="X-Filename",
                max_length=1000,
                description="The file's name, percent-encoded UTF-8 (e.g. `%E6%8B%9B%E6%A0%87.pdf`)",
            ),
        ] = "",
    ) -> DocumentView:
        actor_id, org_id = _agent(request)
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        async with db.begin():
            project = await agent_project(db, org_id, project_id)
            document = await upload_document(
                db,
                platform.store,
                actor_of(request, actor_id),
                project,
                filename=unquote(filename),
                content_type=content_type,
                source=request.stream(),
                now=platform.clock.now(),
            )
        return document_view(document)

    @post("/{project_id:uuid}/publish", status_code=HTTP_200_OK, summary="Publish with the tender announcement")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        project_id: FromPath[uuid.UUID],
        data: JSONBody[PublishInput],
        db: DbSession,
        platform: PlatformDep,
    ) -> AnnouncementRef:
        async with _own_project(request, db, project_id) as (actor, project):
            announcement = await publish(
                db,
                actor,
                project,
                platform.settings,
                title=data.title,
                body=data.body,
                documents_available_at=data.documents_available_at,
                now=platform.clock.now(),
            )
        return _ref(announcement)

    @post(
        "/{project_id:uuid}/clarifications",
        status_code=HTTP_201_CREATED,
        summary="A clarification or amendment (publishes pending documents, may move deadlines)",
    )
    async def clarification(
        self,
        request: Request[Any, Any, Any],
        project_id: FromPath[uuid.UUID],
        data: JSONBody[ClarificationInput],
        db: DbSession,
        platform: PlatformDep,
    ) -> AnnouncementRef:
        async with _own_project(request, db, project_id) as (actor, project):
            announcement = await clarify(
                db,
                actor,
                project,
                platform.settings,
                kind=data.kind,
                title=data.title,
                body=data.body,
                new_deadlines=data.new_deadlines,
                now=platform.clock.now(),
            )
        return _ref(announcement)

    @post("/{project_id:uuid}/terminate", status_code=HTTP_200_OK, summary="Terminate the tendering (终止公告)")
    async def terminate(
        self,
        request: Request[Any, Any, Any],
        project_id: FromPath[uuid.UUID],
        data: JSONBody[NoticeInput],
        db: DbSession,
        platform: PlatformDep,
    ) -> AnnouncementRef:
        async with _own_project(request, db, project_id) as (actor, project):
            announcement = await terminate(
                db, actor, project, title=data.title, body=data.body, now=platform.clock.now()
            )
        return _ref(announcement)

    @post(
        "/{project_id:uuid}/notices",
        status_code=HTTP_201_CREATED,
        summary="Candidate publicity or award announcement after evaluation",
    )
    async def notice(
        self,
        request: Request[Any, Any, Any],
        project_id: FromPath[uuid.UUID],
        data: JSONBody[NoticeInput],
        db: DbSession,
        platform: PlatformDep,
    ) -> AnnouncementRef:
        async with _own_project(request, db, project_id) as (actor, project):
            announcement = await post_notice(
                db,
                actor,
                project,
                kind=data.kind,
                title=data.title,
                body=data.body,
                now=platform.clock.now(),
            )
        return _ref(announcement)


def _ref(a: Any) -> AnnouncementRef:
    return AnnouncementRef(a.id, a.kind.value, a.title, a.published_at, a.content_sha256, a.details)
