"""Administration of identities: approve organisations, hand out enrolment codes, list and revoke
certificates. Revoking a certificate also ends every session it opened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import select

from bidding.db.models import Certificate, Organization
from bidding.domain.organisations import OrgStatus
from bidding.domain.roles import Role
from bidding.fields import Body
from bidding.http.auth import principal_of, requires
from bidding.http.context import actor_of
from bidding.http.controllers.identity import CertificateView, OrganisationView, chain_pem
from bidding.http.dependencies import DbSession, PlatformDep
from bidding.pki.issuance import (
    REVOCATION_REASONS,
    IssuedCode,
    approve_organisation,
    create_enrolment_code,
    get_organisation,
    revoke_certificate,
)


@dataclass(frozen=True)
class EnrolmentCodeView:
    organization_id: uuid.UUID
    enrolment_code: str
    role: str
    expires_at: datetime

    @classmethod
    def of(cls, org_id: uuid.UUID, code: IssuedCode) -> EnrolmentCodeView:
        return cls(org_id, code.code, code.role.value, code.expires_at)


@dataclass(frozen=True)
class ApprovalView:
    organisation: OrganisationView
    enrolment: EnrolmentCodeView


class CodeRequest(Body, frozen=True):
    role: Role


class RevocationRequest(Body, frozen=True):
    #: An RFC 5280 §5.3.1 reason code, by name.
    reason: Annotated[str, msgspec.Meta(pattern=f"^({'|'.join(REVOCATION_REASONS)})$")]


@dataclass(frozen=True)
class RevocationView:
    certificate: CertificateView
    sessions_closed: int


def _actor_id(request: Request[Any, Any, Any]) -> str:
    principal = principal_of(request)
    assert principal is not None  # the guard admitted the caller
    return principal.actor_id


class IdentityAdminController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @get("/organisations", guards=[requires(Role.ADMIN, Role.AUDITOR)], summary="Registered organisations")
    async def organisations(
        self,
        db: DbSession,
        status: FromQuery[OrgStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[OrganisationView]:
        query = select(Organization).order_by(Organization.created_at, Organization.id).limit(limit)
        if status is not None:
            query = query.where(Organization.status == status)
        return [OrganisationView.of(o) for o in (await db.scalars(query)).all()]

    @post(
        "/organisations/{org_id:uuid}/approve",
        guards=[requires(Role.ADMIN)],
        status_code=HTTP_200_OK,
        summary="Approve a registered organisation; returns its first one-time enrolment code",
    )
    async def approve(
        self, request: Request[Any, Any, Any], org_id: FromPath[uuid.UUID], db: DbSession, platform: PlatformDep
    ) -> ApprovalView:
        async with db.begin():
            org, code = await approve_organisation(
                db,
                actor_of(request, _actor_id(request)),
                org_id,
                now=platform.clock.now(),
                code_days=platform.settings.enrolment_code_days,
            )
        return ApprovalView(OrganisationView.of(org), EnrolmentCodeView.of(org.id, code))

    @post(
        "/organisations/{org_id:uuid}/enrolment-codes",
        guards=[requires(Role.ADMIN)],
        status_code=HTTP_201_CREATED,
        summary="A further one-time enrolment code (one more user or role)",
    )
    async def enrolment_code(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        data: JSONBody[CodeRequest],
        db: DbSession,
        platform: PlatformDep,
    ) -> EnrolmentCodeView:
        async with db.begin():
            org = await get_organisation(db, org_id)
            code = await create_enrolment_code(
                db,
                actor_of(request, _actor_id(request)),
                org,
                data.role,
                now=platform.clock.now(),
                days=platform.settings.enrolment_code_days,
            )
        return EnrolmentCodeView.of(org.id, code)

    @get("/certificates", guards=[requires(Role.ADMIN, Role.AUDITOR)], summary="Certificates the platform CA issued")
    async def certificates(
        self,
        db: DbSession,
        platform: PlatformDep,
        organization_id: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[CertificateView]:
        query = select(Certificate).order_by(Certificate.issued_at, Certificate.id).limit(limit)
        if organization_id is not None:
            query = query.where(Certificate.organization_id == organization_id)
        chain = chain_pem(platform)
        return [CertificateView.of(c, chain) for c in (await db.scalars(query)).all()]

    @post(
        "/certificates/{serial:str}/revoke",
        guards=[requires(Role.ADMIN)],
        status_code=HTTP_200_OK,
        summary="Revoke a certificate (serial in hex, or SHA-256 fingerprint) with an RFC 5280 reason",
    )
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        serial: FromPath[str],
        data: JSONBody[RevocationRequest],
        db: DbSession,
        platform: PlatformDep,
    ) -> RevocationView:
        async with db.begin():
            cert = await revoke_certificate(
                db, actor_of(request, _actor_id(request)), serial, data.reason, now=platform.clock.now()
            )
        closed = await platform.login.sessions.close_for_certificate(cert.fingerprint)
        return RevocationView(CertificateView.of(cert, chain_pem(platform)), closed)
