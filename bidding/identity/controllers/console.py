"""The administrator's console over identities: registrations refused with a reason, an
organisation's users and sessions, the agents' roster, the trust list and the settings that are
safe to show (approval, codes and revocation are in :mod:`.pki_admin`). Reading: the centre's
administrator and auditor; changing: the administrator (docs/frontend-admin.md)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.fields import LINE_PATTERN, Body
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.identity import console
from bidding.identity.console import (
    AgentView,
    CodeStateView,
    OrganisationDetailView,
    RegistrationPage,
    RegistrationView,
    ReissueView,
    SettingView,
    SortKey,
    SortOrder,
    StatusChangeView,
)
from bidding.identity.controllers.pki_admin import RevocationRequest
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.service import RevocationView

#: A reason told to the organisation; empty is refused by the service with 422 ``reason_required``.
Reason = Annotated[str, msgspec.Meta(max_length=500, pattern=LINE_PATTERN)]

READERS = requires(Role.ADMIN, Role.AUDITOR)
ADMIN = requires(Role.ADMIN)


class ReasonRequest(Body, frozen=True):
    reason: Reason


class ReissueRequest(Body, frozen=True):
    role: Role


class IdentityConsoleController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @get("/registrations", guards=[READERS], summary="Registrations: filtered, sorted, one page with the total")
    async def registrations(
        self,
        platform: PlatformDep,
        status: FromQuery[OrgStatus | None] = None,
        kind: FromQuery[OrgKind | None] = None,
        q: Annotated[str, QueryParameter(max_length=100)] = "",
        sort: FromQuery[SortKey] = SortKey.CREATED_AT,
        order: FromQuery[SortOrder] = SortOrder.DESC,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> RegistrationPage:
        return await console.registrations(
            platform, status=status, kind=kind, text=q, sort=sort, order=order, offset=offset, limit=limit
        )

    @post(
        "/registrations/{org_id:uuid}/refuse",
        guards=[ADMIN],
        opt=wire(errors=[422]),  # an empty reason: 422 reason_required
        status_code=HTTP_200_OK,
        summary="Refuse a pending registration with a reason (the organisation is told in-app and by e-mail)",
    )
    async def refuse(
        self, org_id: FromPath[uuid.UUID], data: JSONBody[ReasonRequest], platform: PlatformDep, caller: CallerDep
    ) -> RegistrationView:
        return await console.refuse(platform, caller, org_id, data.reason)

    @get("/organisations/{org_id:uuid}", guards=[READERS], summary="An organisation: its users' certificates, codes")
    async def organisation(self, org_id: FromPath[uuid.UUID], platform: PlatformDep) -> OrganisationDetailView:
        return await console.organisation_detail(platform, org_id)

    @get(
        "/organisations/{org_id:uuid}/enrolment-codes",
        guards=[READERS],
        summary="An organisation's enrolment codes and their state (never the code itself)",
    )
    async def codes(self, org_id: FromPath[uuid.UUID], platform: PlatformDep) -> list[CodeStateView]:
        return await console.enrolment_codes(platform, org_id)

    @post(
        "/organisations/{org_id:uuid}/enrolment-codes/reissue",
        guards=[ADMIN],
        status_code=HTTP_201_CREATED,
        summary="A new code for a role; the earlier unused codes for that role stop working",
    )
    async def reissue(
        self, org_id: FromPath[uuid.UUID], data: JSONBody[ReissueRequest], platform: PlatformDep, caller: CallerDep
    ) -> ReissueView:
        return await console.reissue_code(platform, caller, org_id, data.role)

    @post(
        "/organisations/{org_id:uuid}/certificates/{serial:str}/revoke",
        guards=[ADMIN],
        status_code=HTTP_200_OK,
        summary="Revoke one of the organisation's certificates (RFC 5280 reason); its sessions end",
    )
    async def revoke(
        self,
        org_id: FromPath[uuid.UUID],
        serial: FromPath[str],
        data: JSONBody[RevocationRequest],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> RevocationView:
        return await console.revoke_of_organisation(platform, caller, org_id, serial, data.reason)

    @post(
        "/organisations/{org_id:uuid}/suspend",
        guards=[ADMIN],
        opt=wire(errors=[422]),  # an empty reason: 422 reason_required
        status_code=HTTP_200_OK,
        summary="Suspend an approved organisation with a reason: no more logins, open sessions end",
    )
    async def suspend(
        self, org_id: FromPath[uuid.UUID], data: JSONBody[ReasonRequest], platform: PlatformDep, caller: CallerDep
    ) -> StatusChangeView:
        return await console.suspend(platform, caller, org_id, data.reason)

    @post(
        "/organisations/{org_id:uuid}/reinstate",
        guards=[ADMIN],
        opt=wire(errors=[422]),  # an empty reason: 422 reason_required
        status_code=HTTP_200_OK,
        summary="Reinstate a suspended organisation with a reason",
    )
    async def reinstate(
        self, org_id: FromPath[uuid.UUID], data: JSONBody[ReasonRequest], platform: PlatformDep, caller: CallerDep
    ) -> StatusChangeView:
        return await console.reinstate(platform, caller, org_id, data.reason)

    @get("/agents", guards=[READERS], summary="Agents (代理机构): status, projects run, last activity")
    async def agents(
        self,
        platform: PlatformDep,
        status: FromQuery[OrgStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 200,
    ) -> list[AgentView]:
        return await console.agents(platform, status=status, limit=limit)

    @get("/settings", guards=[READERS], summary="Every setting; values only of those safe to show (an allow-list)")
    async def settings(self, platform: PlatformDep) -> list[SettingView]:
        return console.safe_settings(platform.settings)
