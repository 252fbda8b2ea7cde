"""Administration of identities: approve organisations, hand out enrolment codes, list and revoke
certificates (the use cases of :mod:`bidding.identity.service`). Revoking a certificate also ends
every session it opened.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.fields import Body
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.roles import Role
from bidding.identity import service as identity
from bidding.identity.issuance import REVOCATION_REASONS
from bidding.identity.kinds import OrgStatus
from bidding.identity.service import (
    ApprovalView,
    CertificateView,
    EnrolmentCodeView,
    OrganisationView,
    RevocationView,
)


class CodeRequest(Body, frozen=True):
    role: Role


class RevocationRequest(Body, frozen=True):
    #: An RFC 5280 §5.3.1 reason code, by name.
    reason: Annotated[str, msgspec.Meta(pattern=f"^({'|'.join(REVOCATION_REASONS)})$")]


class IdentityAdminController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @get("/organisations", guards=[requires(Role.ADMIN, Role.AUDITOR)], summary="Registered organisations")
    async def organisations(
        self,
        platform: PlatformDep,
        status: FromQuery[OrgStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[OrganisationView]:
        return await identity.organisations(platform, status=status, limit=limit)

    @post(
        "/organisations/{org_id:uuid}/approve",
        guards=[requires(Role.ADMIN)],
        status_code=HTTP_200_OK,
        summary="Approve a registered organisation; returns its first one-time enrolment code",
    )
    async def approve(self, org_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> ApprovalView:
        return await identity.approve(platform, caller, org_id)

    @post(
        "/organisations/{org_id:uuid}/enrolment-codes",
        guards=[requires(Role.ADMIN)],
        status_code=HTTP_201_CREATED,
        summary="A further one-time enrolment code (one more user or role)",
    )
    async def enrolment_code(
        self, org_id: FromPath[uuid.UUID], data: JSONBody[CodeRequest], platform: PlatformDep, caller: CallerDep
    ) -> EnrolmentCodeView:
        return await identity.new_enrolment_code(platform, caller, org_id, data.role)

    @get("/certificates", guards=[requires(Role.ADMIN, Role.AUDITOR)], summary="Certificates the platform CA issued")
    async def certificates(
        self,
        platform: PlatformDep,
        organization_id: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[CertificateView]:
        return await identity.certificates(platform, organization_id=organization_id, limit=limit)

    @post(
        "/certificates/{serial:str}/revoke",
        guards=[requires(Role.ADMIN)],
        status_code=HTTP_200_OK,
        summary="Revoke a certificate (serial in hex, or SHA-256 fingerprint) with an RFC 5280 reason",
    )
    async def revoke(
        self, serial: FromPath[str], data: JSONBody[RevocationRequest], platform: PlatformDep, caller: CallerDep
    ) -> RevocationView:
        return await identity.revoke(platform, caller, serial, data.reason)
