"""Enrolment and certificate life cycle: approve an organisation, hand out one-time codes, issue
certificates from CSRs, revoke them. Every step is an audit event in the same transaction.

Flow (docs/login.md): an organisation registers (public) → an administrator approves it and gets
a one-time enrolment code for a role → the organisation's user generates a key and CSR locally
and exchanges code + CSR for a certificate. The private key never reaches the server.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.errors import Conflict, InvalidInput, NotFound
from bidding.core.pki.keystore import PlatformKeys
from bidding.core.pki.models import Certificate
from bidding.core.pki.revocations import serial_hex
from bidding.core.roles import Role, allowed_roles
from bidding.identity.kinds import OrgStatus
from bidding.identity.models import EnrolmentCode, Organization
from crypto.ca import load_csr
from crypto.errors import CryptoError
from crypto.login import certificate_fingerprint
from crypto.subject import parse_subject

REVOCATION_REASONS: Final = (
    "unspecified",
    "key_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "certificate_hold",
    "privilege_withdrawn",
)
MAX_VALIDITY_DAYS: Final = 3 * 365


class EnrolmentRefused(InvalidInput):
    code = "enrolment_refused"
    status = 403
    message_zh = "无法办理证书"
    message_en = "Enrolment refused"


class RegistrationDecided(Conflict):
    """A registration is decided once (approved or refused): deciding it again is a conflict."""

    code = "registration_decided"
    message_zh = "该单位的注册申请已处理"
    message_en = "The registration has already been decided"


class InvalidCsr(InvalidInput):
    code = "invalid_csr"
    message_zh = "证书请求（CSR）无效"
    message_en = "Invalid certificate signing request"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    role: Role
    expires_at: datetime


def code_digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _role(value: str, org: Organization) -> Role:
    try:
        role = Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {value!r}; roles are {names}", f"未知角色 {value!r}；可选：{names}") from None
    if role not in allowed_roles(org.kind.value):
        allowed = ", ".join(sorted(r.value for r in allowed_roles(org.kind.value)))
        raise InvalidInput(
            f"an organisation of kind {org.kind.value} may hold the roles {allowed}, not {role.value}",
            f"{org.kind.value} 类单位可持有的角色为 {allowed}，不能是 {role.value}",
        )
    return role


async def get_organisation(session: AsyncSession, org_id: uuid.UUID) -> Organization:
    org = await session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"organisation {org_id} does not exist", f"单位 {org_id} 不存在")
    return org


def default_role(org: Organization) -> Role:
    roles = allowed_roles(org.kind.value)
    # The first role of the kind in the enum's order: bidder for bidders, admin for the centre.
    return next(r for r in Role if r in roles)


async def approve_organisation(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, *, now: datetime, code_days: int
) -> tuple[Organization, IssuedCode]:
    """Approve a pending organisation (decided_at/decided_by filled) and create its first enrolment
    code (for its default role). A registration already approved, refused or suspended: 409
    ``registration_decided``."""
    org = await get_organisation(session, org_id)
    ensure_pending(org)
    org.status = OrgStatus.APPROVED
    org.decided_at, org.decided_by, org.decision_reason = now, actor.id, None
    record(
        session,
        actor,
        "organisation.approved",
        object_type="organisation",
        object_id=str(org.id),
        details={"credit_code": org.credit_code},
    )
    code = await create_enrolment_code(session, actor, org, default_role(org).value, now=now, days=code_days)
    return org, code


def ensure_pending(org: Organization) -> None:
    """A registration may be decided only while pending."""
    if org.status is not OrgStatus.PENDING:
        raise RegistrationDecided(
            f"the registration of {org.credit_code} is already decided ({org.status.value})",
            f"单位 {org.credit_code} 的注册申请已处理（{org.status.value}）",
        )


async def create_enrolment_code(
    session: AsyncSession, actor: Actor, org: Organization, role: str, *, now: datetime, days: int
) -> IssuedCode:
    """A one-time code for one certificate of ``role``; only its SHA-256 is stored."""
    if org.status is not OrgStatus.APPROVED:
        raise Conflict(
            f"organisation {org.credit_code} is {org.status.value}, not approved",
            f"单位 {org.credit_code} 尚未审核通过（{org.status.value}）",
        )
    checked = _role(role, org)
    code = "-".join(secrets.token_hex(4).upper() for _ in range(4))
    entry = EnrolmentCode(
        code_sha256=code_digest(code),
        organization_id=org.id,
        role=checked.value,
        created_at=now,
        created_by=actor.id,
        expires_at=now + timedelta(days=days),
    )
    session.add(entry)
    await session.flush()
    record(
        session,
        actor,
        "enrolment_code.created",
        object_type="organisation",
        object_id=str(org.id),
        details={"role": checked.value, "expires_at": entry.expires_at.isoformat(), "code_id": str(entry.id)},
    )
    return IssuedCode(code=code, role=checked, expires_at=entry.expires_at)


def _parse_csr(csr_pem: bytes) -> x509.CertificateSigningRequest:
    try:
        return load_csr(csr_pem)
    except CryptoError as exc:
        raise InvalidCsr(exc.message) from exc


async def issue_certificate(
    session: AsyncSession,
    keys: PlatformKeys,
    actor: Actor,
    org: Organization,
    csr_pem: bytes,
    role: str,
    *,
    now: datetime,
    validity_days: int = 365,
) -> Certificate:
    """Issue a certificate from ``csr_pem`` for a user of ``org``; the CSR must name ``org`` exactly."""
    if org.status is not OrgStatus.APPROVED:
        raise EnrolmentRefused(f"organisation {org.credit_code} is not approved", f"单位 {org.credit_code} 未审核通过")
    if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
        raise InvalidInput(
            f"validity must be 1 to {MAX_VALIDITY_DAYS} days", f"有效期须在 1 至 {MAX_VALIDITY_DAYS} 天之间"
        )
    checked = _role(role, org)
    csr = _parse_csr(csr_pem)
    try:
        subject = parse_subject(csr.subject, role=checked.value)
    except CryptoError as exc:
        raise InvalidCsr(exc.message) from exc
    if subject.credit_code != org.credit_code:
        raise InvalidCsr(
            f"the CSR names credit code {subject.credit_code}, but this enrolment is for {org.credit_code}",
            f"CSR 中的统一社会信用代码 {subject.credit_code} 与办理单位 {org.credit_code} 不符",
        )
    if subject.organisation != org.name:
        raise InvalidCsr(
            f"the CSR names organisation {subject.organisation!r}, registered as {org.name!r}",
            f"CSR 中的单位名称 {subject.organisation!r} 与登记名称 {org.name!r} 不符",
        )
    try:
        cert = keys.ca.issue_from_csr(csr, checked.value, now, validity_days=validity_days)
    except CryptoError as exc:
        raise InvalidCsr(exc.message) from exc
    row = Certificate(
        serial_hex=serial_hex(cert.serial_number),
        fingerprint=certificate_fingerprint(cert),
        organization_id=org.id,
        role=checked.value,
        common_name=subject.common_name,
        key_type=_key_type(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        der=cert.public_bytes(serialization.Encoding.DER),
        issued_at=now,
        issued_by=actor.id,
    )
    session.add(row)
    await session.flush()
    record(
        session,
        actor,
        "certificate.issued",
        object_type="certificate",
        object_id=row.fingerprint,
        content_sha256=row.fingerprint,
        details={
            "serial": row.serial_hex,
            "organisation": org.credit_code,
            "role": checked.value,
            "common_name": subject.common_name,
        },
    )
    return row


async def enrol(
    session: AsyncSession, keys: PlatformKeys, actor: Actor, code: str, csr_pem: bytes, *, now: datetime
) -> Certificate:
    """Exchange a one-time enrolment code and a CSR for a certificate."""
    entry = await session.scalar(select(EnrolmentCode).where(EnrolmentCode.code_sha256 == code_digest(code)))
    if entry is None or entry.revoked:
        raise EnrolmentRefused("the enrolment code is not valid", "办理码无效")
    if entry.used_at is not None:
        raise EnrolmentRefused("the enrolment code has already been used", "办理码已使用")
    if now >= entry.expires_at:
        raise EnrolmentRefused("the enrolment code has expired; ask the platform for a new one", "办理码已过期")
    org = await get_organisation(session, entry.organization_id)
    cert = await issue_certificate(session, keys, actor, org, csr_pem, entry.role, now=now)
    # Compare-and-set: of two concurrent uses of one code only one commits.
    claimed = await session.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.id == entry.id, EnrolmentCode.used_at.is_(None))
        .values(used_at=now, certificate_id=cert.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise EnrolmentRefused("the enrolment code has already been used", "办理码已使用")
    return cert


async def find_certificate(session: AsyncSession, serial_or_fingerprint: str) -> Certificate:
    key = serial_or_fingerprint.strip().lower().removeprefix("0x")
    column = Certificate.fingerprint if len(key) == 64 else Certificate.serial_hex
    cert = await session.scalar(select(Certificate).where(column == key))
    if cert is None:
        raise NotFound(
            f"no certificate {serial_or_fingerprint!r} was issued here", f"本平台未签发证书 {serial_or_fingerprint!r}"
        )
    return cert


async def revoke_certificate(
    session: AsyncSession, actor: Actor, serial_or_fingerprint: str, reason: str, *, now: datetime
) -> Certificate:
    """Revoke (RFC 5280 §5.3.1 reason); revocation is final, revoking twice is a conflict."""
    if reason not in REVOCATION_REASONS:
        raise InvalidInput(
            f"unknown revocation reason {reason!r}; use one of {', '.join(REVOCATION_REASONS)}",
            f"未知吊销原因 {reason!r}；可选：{', '.join(REVOCATION_REASONS)}",
        )
    cert = await find_certificate(session, serial_or_fingerprint)
    if cert.revoked_at is not None:
        raise Conflict(f"certificate {cert.serial_hex} is already revoked", f"证书 {cert.serial_hex} 已被吊销")
    cert.revoked_at = now
    cert.revocation_reason = reason
    cert.revoked_by = actor.id
    record(
        session,
        actor,
        "certificate.revoked",
        object_type="certificate",
        object_id=cert.fingerprint,
        content_sha256=cert.fingerprint,
        details={"serial": cert.serial_hex, "reason": reason},
    )
    await session.flush()
    return cert


def _key_type(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"rsa{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ec-{key.curve.name}"
    return "other"
