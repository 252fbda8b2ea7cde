"""The certificate login (docs/login.md): challenge → signature → certificate → organisation → session.

Order of the checks: the challenge is consumed first (so a failed attempt still burns it), then
the signature (cheap, and it proves possession of the key), then the certificate path and its
revocation status, then the organisation and role. Every attempt, successful or not, is an audit
event with the client address and the certificate fingerprint, committed on its own.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.auth.errors import (
    CERTIFICATE_ERRORS,
    CertificateRefused,
    LoginRefused,
    OrganisationNotEnrolled,
    RoleNotAllowed,
    SignatureInvalid,
)
from bidding.core.auth.sessions import SessionInfo, SessionStore
from bidding.core.errors import InvalidInput
from bidding.core.pki.models import Certificate
from bidding.core.pki.verifier import CertificateVerifier
from bidding.core.roles import Role, allowed_roles
from bidding.identity.challenges import ChallengeStore
from bidding.identity.kinds import OrgStatus
from bidding.identity.models import Organization
from crypto.errors import CryptoError
from crypto.login import Challenge, certificate_fingerprint, verify_signature
from crypto.subject import parse_subject
from crypto.validation import load_certificate

if TYPE_CHECKING:
    from bidding.core.platform import Platform


class InvalidCertificateInput(InvalidInput):
    code = "invalid_certificate"
    message_zh = "证书格式错误"
    message_en = "The certificate cannot be parsed"


def parse_certificate(data: str | bytes, field: str = "certificate") -> x509.Certificate:
    """A PEM certificate, or base64 DER; a clear 400 otherwise."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if b"-----BEGIN" not in raw:
            raw = base64.b64decode(raw, validate=True)
        return load_certificate(raw)
    except (ValueError, binascii.Error) as exc:
        raise InvalidCertificateInput(f"{field}: {exc}", f"{field}：{exc}") from None


def decode_signature(value: str) -> bytes:
    """Standard or URL-safe base64, padded or not."""
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):
        decoded = b""
    if not decoded:
        raise InvalidInput("signature: not valid base64", "signature：不是有效的 base64")
    return decoded


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: SessionInfo


class LoginService:
    def __init__(
        self,
        challenges: ChallengeStore,
        sessions: SessionStore,
        verifier: CertificateVerifier,
        db: async_sessionmaker[AsyncSession],
    ) -> None:
        self.challenges = challenges
        self.sessions = sessions
        self.verifier = verifier
        self._db = db

    async def challenge(self, certificate: x509.Certificate) -> Challenge:
        return await self.challenges.issue(certificate_fingerprint(certificate))

    async def login(
        self,
        caller: Caller,
        *,
        challenge_id: str,
        certificate: x509.Certificate,
        signature: bytes,
        algorithm: str,
        intermediates: Sequence[x509.Certificate] = (),
    ) -> LoginResult:
        fingerprint = certificate_fingerprint(certificate)
        actor = caller.acting_as(f"cert:{fingerprint}")  # who logs in is who holds the certificate
        try:
            result = await self._login(challenge_id, certificate, fingerprint, signature, algorithm, intermediates)
        except LoginRefused as exc:
            await self._audit(actor, "login.failed", fingerprint, {"reason": exc.code, "detail": exc.detail_en})
            raise
        info = result.session
        await self._audit(
            actor,
            "login.succeeded",
            fingerprint,
            {"organisation": info.credit_code, "role": info.role.value, "session": info.session_id[:16]},
        )
        return result

    async def _login(
        self,
        challenge_id: str,
        certificate: x509.Certificate,
        fingerprint: str,
        signature: bytes,
        algorithm: str,
        intermediates: Sequence[x509.Certificate],
    ) -> LoginResult:
        challenge = await self.challenges.consume(challenge_id, fingerprint)
        try:
            verify_signature(certificate, challenge.message(), signature, algorithm)
        except CryptoError as exc:
            raise SignatureInvalid(exc.message) from None
        validation = await self.verifier.verify_user_certificate(certificate, intermediates)
        if not validation.ok:
            error = CERTIFICATE_ERRORS.get(validation.reason_code, CertificateRefused)
            raise error(validation.detail or validation.message_en, validation.message_zh)
        org, role, common_name = await self._identity(certificate, fingerprint)
        token, info = await self.sessions.open(
            fingerprint=fingerprint,
            organization_id=org.id,
            credit_code=org.credit_code,
            organization_name=org.name,
            common_name=common_name,
            role=role,
        )
        return LoginResult(token=token, session=info)

    async def _identity(self, certificate: x509.Certificate, fingerprint: str) -> tuple[Organization, Role, str]:
        """The organisation and role a valid certificate stands for on this platform."""
        try:
            subject = parse_subject(certificate.subject)
        except CryptoError as exc:
            raise OrganisationNotEnrolled(f"the certificate subject is not usable: {exc.message}") from None
        async with self._db() as session:
            if self.verifier.is_platform_issued(certificate):
                issued = await session.scalar(select(Certificate).where(Certificate.fingerprint == fingerprint))
                if issued is None:  # signed by our CA key yet not in our books: refuse loudly
                    raise CertificateRefused(
                        "this certificate is not in the platform's register of issued certificates"
                    )
            org = await session.scalar(select(Organization).where(Organization.credit_code == subject.credit_code))
        if org is None or org.status is not OrgStatus.APPROVED:
            raise OrganisationNotEnrolled(f"organisation {subject.credit_code} is not registered and approved")
        role = Role(subject.role)
        if role not in allowed_roles(org.kind.value):
            raise RoleNotAllowed(f"role {role.value} is not allowed for an organisation of kind {org.kind.value}")
        return org, role, subject.common_name

    async def _audit(self, actor: Actor, action: str, fingerprint: str, details: dict[str, object]) -> None:
        async with self._db() as session, session.begin():
            record(
                session,
                actor,
                action,
                object_type="certificate",
                object_id=fingerprint,
                content_sha256=fingerprint,
                details=details,
            )


def login_service(platform: Platform) -> LoginService:
    """Certificate login over the running platform's challenge and session stores (both in Redis,
    so any app process answers any step)."""
    return LoginService(
        ChallengeStore(platform.arq, platform.settings, platform.clock),
        platform.session_store,
        platform.verifier,
        platform.sessions,
    )
