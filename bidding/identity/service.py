"""Identities on the platform (docs/login.md, docs/pki.md): an organisation registers, the operator
approves it and hands out one-time enrolment codes, a user exchanges a code and a CSR for a
certificate, logs in (``bidding.identity.login``) and out; certificates are listed and revoked, and
revoking one ends every session it opened.

Each use case takes the platform and the :class:`~bidding.core.auth.caller.Caller`, owns its
transaction and returns its view; the rules are :mod:`bidding.identity.issuance`'s and
:mod:`bidding.identity.organisations`'.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from bidding.audit.trail import record
from bidding.core.auth.caller import Caller
from bidding.core.auth.sessions import SessionInfo
from bidding.core.errors import InvalidInput
from bidding.core.fields import LINE_PATTERN, Body, CreditCode, OrgName, PersonName, Phone
from bidding.core.pki.keystore import PlatformKeys
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.identity.issuance import (
    IssuedCode,
    approve_organisation,
    create_enrolment_code,
    enrol,
    get_organisation,
    revoke_certificate,
)
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import Organization
from bidding.identity.organisations import register_organisation

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "ApprovalView",
    "CertificateView",
    "EnrolmentCodeView",
    "OrganisationView",
    "RegistrationRequest",
    "RevocationView",
    "SessionView",
    "approve",
    "certificates",
    "enrol_certificate",
    "logout",
    "new_enrolment_code",
    "organisations",
    "register",
    "revoke",
    "whoami",
]


#: An e-mail address (RFC 5321 length); checked by ``bidding.messaging.addresses`` when registered.
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=LINE_PATTERN)]


class RegistrationRequest(Body, frozen=True):
    name: OrgName
    credit_code: CreditCode
    kind: OrgKind
    contact_name: PersonName
    contact_phone: Phone
    #: Where the platform e-mails the organisation's notices (award and result notices), optional.
    contact_email: Email | None = None


@dataclass(frozen=True)
class OrganisationView:
    id: uuid.UUID
    name: str
    credit_code: str
    kind: str
    status: str
    contact_name: str | None
    contact_phone: str | None
    created_at: datetime
    contact_email: str | None = None

    @classmethod
    def of(cls, org: Organization) -> OrganisationView:
        return cls(
            org.id,
            org.name,
            org.credit_code,
            org.kind.value,
            org.status.value,
            org.contact_name,
            org.contact_phone,
            org.created_at,
            org.contact_email,
        )


@dataclass(frozen=True)
class CertificateView:
    serial: str
    fingerprint: str
    role: str
    common_name: str
    organization_id: uuid.UUID
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    certificate_pem: str
    chain_pem: str

    @classmethod
    def of(cls, cert: Certificate, chain_pem: str) -> CertificateView:
        pem = x509.load_der_x509_certificate(cert.der).public_bytes(serialization.Encoding.PEM).decode()
        return cls(
            cert.serial_hex,
            cert.fingerprint,
            cert.role,
            cert.common_name,
            cert.organization_id,
            cert.not_before,
            cert.not_after,
            cert.revoked_at,
            cert.revocation_reason,
            pem,
            chain_pem,
        )


@dataclass(frozen=True)
class SessionView:
    fingerprint: str
    organization_id: uuid.UUID
    organization_name: str
    credit_code: str
    common_name: str
    role: str
    issued_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, info: SessionInfo) -> SessionView:
        return cls(
            info.fingerprint,
            info.organization_id,
            info.organization_name,
            info.credit_code,
            info.common_name,
            info.role.value,
            info.issued_at,
            info.expires_at,
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


@dataclass(frozen=True)
class RevocationView:
    certificate: CertificateView
    sessions_closed: int


def chain_pem(keys: PlatformKeys) -> str:
    """The platform CA's chain (issuing, then root), PEM."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in keys.ca.chain).decode()


# ----------------------------------------------------------------------------- anyone


async def register(platform: Platform, caller: Caller, data: RegistrationRequest) -> OrganisationView:
    """Register an organisation, pending the operator's approval; the audit names its contact."""
    contact_name, contact_phone = data.contact_name.strip(), data.contact_phone.strip()
    if not contact_name or not contact_phone:
        raise InvalidInput("contact_name and contact_phone are required", "联系人和联系电话必填")
    async with platform.sessions() as db, db.begin():
        org = await register_organisation(
            db,
            caller.acting_as(f"public:{contact_name[:80]}"),
            name=data.name,
            credit_code=data.credit_code,
            kind=data.kind,
            contact_name=contact_name,
            contact_phone=contact_phone,
            contact_email=data.contact_email.strip() if data.contact_email else None,
        )
        return OrganisationView.of(org)


async def enrol_certificate(platform: Platform, caller: Caller, enrolment_code: str, csr_pem: bytes) -> CertificateView:
    """Exchange a one-time enrolment code and a CSR for a certificate of the platform CA."""
    async with platform.sessions() as db, db.begin():
        cert = await enrol(
            db, platform.keys, caller.acting_as("enrolment-code"), enrolment_code, csr_pem, now=platform.clock.now()
        )
    return CertificateView.of(cert, chain_pem(platform.keys))


# ----------------------------------------------------------------------------- a logged-in user


def whoami(caller: Caller) -> SessionView:
    """The caller's login session (the operator token has none: 403 ``organisation_required``)."""
    return SessionView.of(caller.user_session())


async def logout(platform: Platform, caller: Caller) -> bool:
    """End the caller's session; True if it was still open."""
    session = caller.user_session()
    closed = await platform.session_store.close(session.session_id)
    async with platform.sessions() as db, db.begin():
        record(db, caller.actor, "logout", object_type="certificate", object_id=session.fingerprint)
    return closed


# ----------------------------------------------------------------------------- the operator


async def organisations(platform: Platform, *, status: OrgStatus | None, limit: int) -> list[OrganisationView]:
    """Registered organisations, oldest first."""
    query = select(Organization).order_by(Organization.created_at, Organization.id).limit(limit)
    if status is not None:
        query = query.where(Organization.status == status)
    async with platform.sessions() as db:
        return [OrganisationView.of(o) for o in (await db.scalars(query)).all()]


async def approve(platform: Platform, caller: Caller, org_id: uuid.UUID) -> ApprovalView:
    """Approve a registered organisation, with its first one-time enrolment code."""
    async with platform.sessions() as db, db.begin():
        org, code = await approve_organisation(
            db, caller.actor, org_id, now=platform.clock.now(), code_days=platform.settings.enrolment_code_days
        )
        return ApprovalView(OrganisationView.of(org), EnrolmentCodeView.of(org.id, code))


async def new_enrolment_code(platform: Platform, caller: Caller, org_id: uuid.UUID, role: Role) -> EnrolmentCodeView:
    """A further one-time enrolment code for an approved organisation (one more user or role)."""
    async with platform.sessions() as db, db.begin():
        org = await get_organisation(db, org_id)
        code = await create_enrolment_code(
            db, caller.actor, org, role, now=platform.clock.now(), days=platform.settings.enrolment_code_days
        )
    return EnrolmentCodeView.of(org_id, code)


async def certificates(platform: Platform, *, organization_id: uuid.UUID | None, limit: int) -> list[CertificateView]:
    """Certificates the platform CA issued, oldest first."""
    query = select(Certificate).order_by(Certificate.issued_at, Certificate.id).limit(limit)
    if organization_id is not None:
        query = query.where(Certificate.organization_id == organization_id)
    chain = chain_pem(platform.keys)
    async with platform.sessions() as db:
        return [CertificateView.of(c, chain) for c in (await db.scalars(query)).all()]


async def revoke(platform: Platform, caller: Caller, serial_or_fingerprint: str, reason: str) -> RevocationView:
    """Revoke a certificate (serial in hex, or SHA-256 fingerprint) with an RFC 5280 §5.3.1 reason,
    then end every session it opened."""
    async with platform.sessions() as db, db.begin():
        cert = await revoke_certificate(db, caller.actor, serial_or_fingerprint, reason, now=platform.clock.now())
    closed = await platform.session_store.close_for_certificate(cert.fingerprint)
    return RevocationView(CertificateView.of(cert, chain_pem(platform.keys)), closed)
