"""The tenderer's (招标人) side of tendering over HTTP: its projects registered, the agent
appointed, the tender documents approved before publication, each project's progress.

The use cases are :mod:`bidding.tendering.registrations` and :mod:`bidding.tendering.tenderer`;
this only translates the wire. Another tenderer's registration or project is 404.
"""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.tendering import registrations, tenderer
from bidding.tendering.registrations import AppointmentInput, RegistrationInput, RegistrationView
from bidding.tendering.service import ALLOWED_DOCUMENT_TYPES
from bidding.tendering.tenderer import DecisionInput, TendererDocumentsView, TendererProjectView
from storage.signing import content_disposition

Id = FromPath[uuid.UUID]


class TendererController(Controller):
    path = "/api/tenderer"
    tags = ["tenderer"]
    guards = [requires(Role.TENDERER)]

    @get("/registrations", summary="The projects this tenderer registered (项目登记), newest first")
    async def registrations(self, platform: PlatformDep, caller: CallerDep) -> list[RegistrationView]:
        return await registrations.list_registrations(platform, caller)

    @post("/registrations", status_code=HTTP_201_CREATED, summary="Register a project (项目登记)")
    async def register(
        self, data: JSONBody[RegistrationInput], platform: PlatformDep, caller: CallerDep
    ) -> RegistrationView:
        return await registrations.register(platform, caller, data)

    @get("/registrations/{registration_id:uuid}", summary="One registration of this tenderer")
    async def registration(self, registration_id: Id, platform: PlatformDep, caller: CallerDep) -> RegistrationView:
        return await registrations.get_registration(platform, caller, registration_id)

    @put("/registrations/{registration_id:uuid}", summary="Edit a registration before the agent takes it up")
    async def edit(
        self, registration_id: Id, data: JSONBody[RegistrationInput], platform: PlatformDep, caller: CallerDep
    ) -> RegistrationView:
        return await registrations.edit(platform, caller, registration_id, data)

    @put("/registrations/{registration_id:uuid}/agent", summary="Appoint or change the agent (by credit code)")
    async def appoint(
        self, registration_id: Id, data: JSONBody[AppointmentInput], platform: PlatformDep, caller: CallerDep
    ) -> RegistrationView:
        return await registrations.appoint(platform, caller, registration_id, data)

    @delete(
        "/registrations/{registration_id:uuid}/agent",
        status_code=HTTP_200_OK,
        summary="Withdraw the appointment before the agent creates the project",
    )
    async def withdraw(self, registration_id: Id, platform: PlatformDep, caller: CallerDep) -> RegistrationView:
        return await registrations.withdraw(platform, caller, registration_id)

    @get("/projects", summary="The projects naming this tenderer, with their progress")
    async def projects(self, platform: PlatformDep, caller: CallerDep) -> list[TendererProjectView]:
        return await tenderer.list_projects(platform, caller)

    @get("/projects/{project_id:uuid}", summary="One project's progress: phase, lots, opening, evaluation, award")
    async def project(self, project_id: Id, platform: PlatformDep, caller: CallerDep) -> TendererProjectView:
        return await tenderer.get_project(platform, caller, project_id)

    @get("/projects/{project_id:uuid}/documents", summary="The tender documents' versions and the decisions on them")
    async def documents(self, project_id: Id, platform: PlatformDep, caller: CallerDep) -> TendererDocumentsView:
        return await tenderer.documents(platform, caller, project_id)

    @post(
        "/projects/{project_id:uuid}/documents/decision",
        status_code=HTTP_200_OK,
        summary="Approve the current documents version, or return it with comments (before publication)",
    )
    async def decide(
        self, project_id: Id, data: JSONBody[DecisionInput], platform: PlatformDep, caller: CallerDep
    ) -> TendererDocumentsView:
        return await tenderer.decide(platform, caller, project_id, data)

    @get(
        "/projects/{project_id:uuid}/documents/{document_id:uuid}",
        opt=wire(response=sorted(ALLOWED_DOCUMENT_TYPES)),
        summary="Download a documents version of this tenderer's project (published or not)",
    )
    async def download(self, project_id: Id, document_id: Id, platform: PlatformDep, caller: CallerDep) -> Stream:
        file = await tenderer.download(platform, caller, project_id, document_id)
        headers = {
            "Content-Length": str(file.size),
            "Content-Disposition": content_disposition(file.filename),
            "X-Content-SHA256": file.sha256 or "",
        }
        return Stream(file.chunks, media_type=file.content_type, headers=headers)
