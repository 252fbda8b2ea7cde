"""The tender agent's console API: projects and lots, tender documents, publication, clarifications,
termination and the notices after evaluation. Only the agent that runs a project sees or changes it.

The use cases are :mod:`bidding.tendering.agent`'s; this only translates the wire.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import unquote

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.tendering import agent, registrations
from bidding.tendering.agent import (
    AgentProjectView,
    AnnouncementRef,
    ClarificationInput,
    DocumentView,
    NoticeInput,
    PublishInput,
)
from bidding.tendering.registrations import RegistrationView, TakeUpInput
from bidding.tendering.service import ALLOWED_DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, DraftProject

ProjectId = FromPath[uuid.UUID]


class AgentController(Controller):
    path = "/api/agent/projects"
    tags = ["agent"]
    guards = [requires(Role.AGENT)]

    @post("/", status_code=HTTP_201_CREATED, summary="Create a draft project with its lots")
    async def create(self, data: JSONBody[DraftProject], platform: PlatformDep, caller: CallerDep) -> AgentProjectView:
        return await agent.create_project(platform, caller, data)

    @get("/appointments", summary="The tenderers' registrations this agent is appointed to")
    async def appointments(self, platform: PlatformDep, caller: CallerDep) -> list[RegistrationView]:
        return await registrations.list_appointments(platform, caller)

    @post(
        "/appointments/{registration_id:uuid}/project",
        status_code=HTTP_201_CREATED,
        summary="Create the draft project from a registration this agent is appointed to",
    )
    async def take_up(
        self,
        registration_id: FromPath[uuid.UUID],
        data: JSONBody[TakeUpInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> AgentProjectView:
        return await registrations.take_up(platform, caller, registration_id, data)

    @put("/{project_id:uuid}", summary="Edit a draft: fields, lots, schedule and opening forms (before publication)")
    async def edit(
        self, project_id: ProjectId, data: JSONBody[DraftProject], platform: PlatformDep, caller: CallerDep
    ) -> AgentProjectView:
        return await agent.edit_project(platform, caller, project_id, data)

    @get("/", summary="The projects this agent runs")
    async def list_projects(self, platform: PlatformDep, caller: CallerDep) -> list[AgentProjectView]:
        return await agent.list_projects(platform, caller)

    @get("/{project_id:uuid}", summary="One project of this agent, drafts included")
    async def detail(self, project_id: ProjectId, platform: PlatformDep, caller: CallerDep) -> AgentProjectView:
        return await agent.get_project(platform, caller, project_id)

    @post(
        "/{project_id:uuid}/documents",
        status_code=HTTP_201_CREATED,
        opt=wire(request=sorted(ALLOWED_DOCUMENT_TYPES)),
        request_max_body_size=MAX_DOCUMENT_BYTES,
        summary="Upload a new version of the tender documents (raw body; file name in X-Filename)",
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        project_id: ProjectId,
        platform: PlatformDep,
        caller: CallerDep,
        filename: Annotated[
            str,
            HeaderParameter(
                name="X-Filename",
                max_length=1000,
                description="The file's name, percent-encoded UTF-8 (e.g. `%E6%8B%9B%E6%A0%87.pdf`)",
            ),
        ] = "",
    ) -> DocumentView:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return await agent.add_document(
            platform, caller, project_id, filename=unquote(filename), content_type=content_type, source=request.stream()
        )

    @post("/{project_id:uuid}/publish", status_code=HTTP_200_OK, summary="Publish with the tender announcement")
    async def publish(
        self, project_id: ProjectId, data: JSONBody[PublishInput], platform: PlatformDep, caller: CallerDep
    ) -> AnnouncementRef:
        return await agent.publish_project(platform, caller, project_id, data)

    @post(
        "/{project_id:uuid}/clarifications",
        status_code=HTTP_201_CREATED,
        summary="A clarification or amendment (publishes pending documents, may move deadlines)",
    )
    async def clarification(
        self, project_id: ProjectId, data: JSONBody[ClarificationInput], platform: PlatformDep, caller: CallerDep
    ) -> AnnouncementRef:
        return await agent.clarify_project(platform, caller, project_id, data)

    @post("/{project_id:uuid}/terminate", status_code=HTTP_200_OK, summary="Terminate the tendering (终止公告)")
    async def terminate(
        self, project_id: ProjectId, data: JSONBody[NoticeInput], platform: PlatformDep, caller: CallerDep
    ) -> AnnouncementRef:
        return await agent.terminate_project(platform, caller, project_id, data)

    @post(
        "/{project_id:uuid}/notices",
        status_code=HTTP_201_CREATED,
        summary="Candidate publicity or award announcement after evaluation",
    )
    async def notice(
        self, project_id: ProjectId, data: JSONBody[NoticeInput], platform: PlatformDep, caller: CallerDep
    ) -> AnnouncementRef:
        return await agent.post_project_notice(platform, caller, project_id, data)
