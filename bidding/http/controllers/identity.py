"""Enrolment and certificate login over HTTP (docs/login.md).

Public: an organisation registers; a user exchanges a one-time enrolment code and a CSR for a
certificate; anyone with a certificate asks for a challenge and logs in. Logged in: who am I,
log out.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.audit import record
from bidding.auth.login import decode_signature, parse_certificate
from bidding.auth.sessions import SessionInfo
from bidding.db.models import Certificate, Organization
from bidding.domain.organisations import OrgKind
from bidding.errors import InvalidInput, NotAuthenticated
from bidding.fields import Body, CreditCode, OrgName, Pem, PersonName, Phone, Token
from bidding.http.auth import logged_in, principal_of
from bidding.http.context import actor_of
from bidding.http.dependencies import DbSession, PlatformDep
from bidding.http.openapi import wire
from bidding.pki.issuance import enrol
from bidding.services.organisations import register_organisation
from crypto.login import SIGNATURE_ALGORITHMS, certificate_fingerprint

MAX_CHAIN = 5
MAX_PEM_CHARS = 20_000


class RegistrationRequest(Body, frozen=True):
    name: OrgName
    credit_code: CreditCode
    kind: OrgKind
    contact_name: PersonName
    contact_phone: Phone


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
        )


class EnrolmentRequest(Body, frozen=True):
    enrolment_code: Token
    csr: Pem


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


class ChallengeRequest(Body, frozen=True):
    certificate: Pem


@dataclass(frozen=True)
class ChallengeView:
    challenge_id: str
    #: The exact bytes to sign, base64 (standard alphabet).
    message: str
    #: The same bytes as text, for display and debugging.
    message_text: str
    expires_at: datetime
    algorithms: list[str]


class LoginRequest(Body, frozen=True):
    challenge_id: Token
    certificate: Pem
    signature: Pem
    algorithm: Token
    #: Intermediate CA certificates (PEM) for a certificate from an outside CA.
    chain: Annotated[list[Pem], msgspec.Meta(max_length=MAX_CHAIN)] = msgspec.field(default_factory=list)


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
class LoginView:
    token: str
    token_type: str
    expires_at: datetime
    session: SessionView


def chain_pem(platform: PlatformDep) -> str:
    certs = platform.keys.ca.chain
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs).decode()


def _bounded(value: str, name: str) -> str:
    if len(value) > MAX_PEM_CHARS:
        raise InvalidInput(f"{name} is longer than {MAX_PEM_CHARS} characters", f"{name} 超过 {MAX_PEM_CHARS} 个字符")
    return value


class EnrolmentController(Controller):
    path = "/api/enrolment"
    tags = ["identity"]

    @post("/organisations", status_code=HTTP_201_CREATED, summary="Register an organisation (pending approval)")
    async def register(
        self, request: Request[Any, Any, Any], data: JSONBody[RegistrationRequest], db: DbSession
    ) -> OrganisationView:
        if not data.contact_name.strip() or not data.contact_phone.strip():
            raise InvalidInput("contact_name and contact_phone are required", "联系人和联系电话必填")
        async with db.begin():
            org = await register_organisation(
                db,
                actor_of(request, f"public:{data.contact_name.strip()[:80]}"),
                name=data.name,
                credit_code=data.credit_code,
                kind=data.kind,
                contact_name=data.contact_name.strip(),
                contact_phone=data.contact_phone.strip(),
            )
        return OrganisationView.of(org)

    @post(
        "/certificates",
        status_code=HTTP_201_CREATED,
        opt=wire(errors=[403]),  # the enrolment code is unknown, used or expired (EnrolmentRefused)
        summary="Exchange an enrolment code and a CSR for a certificate",
    )
    async def certificate(
        self, request: Request[Any, Any, Any], data: JSONBody[EnrolmentRequest], db: DbSession, platform: PlatformDep
    ) -> CertificateView:
        csr = _bounded(data.csr, "csr").encode()
        async with db.begin():
            cert = await enrol(
                db,
                platform.keys,
                actor_of(request, "enrolment-code"),
                data.enrolment_code,
                csr,
                now=platform.clock.now(),
            )
        return CertificateView.of(cert, chain_pem(platform))


class AuthController(Controller):
    path = "/api/auth"
    tags = ["identity"]

    @post(
        "/challenge",
        status_code=HTTP_200_OK,
        opt=wire(errors=[401]),  # the certificate is refused (LoginRefused: unknown issuer, revoked, …)
        summary="A one-time login challenge for a certificate",
    )
    async def challenge(self, data: JSONBody[ChallengeRequest], platform: PlatformDep) -> ChallengeView:
        cert = parse_certificate(_bounded(data.certificate, "certificate"))
        challenge = await platform.login.challenge(cert)
        message = challenge.message()
        return ChallengeView(
            challenge_id=challenge.challenge_id,
            message=base64.b64encode(message).decode(),
            message_text=message.decode(),
            expires_at=challenge.expires_at,
            algorithms=list(SIGNATURE_ALGORITHMS),
        )

    @post(
        "/login",
        status_code=HTTP_200_OK,
        opt=wire(errors=[401]),  # the login is refused (LoginRefused: signature, challenge, certificate)
        summary="Log in with a signed challenge; returns a bearer token",
    )
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest], platform: PlatformDep
    ) -> LoginView:
        cert = parse_certificate(_bounded(data.certificate, "certificate"))
        if len(data.chain) > MAX_CHAIN:
            raise InvalidInput(f"at most {MAX_CHAIN} chain certificates", f"证书链最多 {MAX_CHAIN} 张")
        chain = [parse_certificate(_bounded(c, "chain"), "chain") for c in data.chain]
        signature = decode_signature(_bounded(data.signature, "signature"))
        result = await platform.login.login(
            actor_of(request, f"cert:{certificate_fingerprint(cert)}"),
            challenge_id=data.challenge_id,
            certificate=cert,
            signature=signature,
            algorithm=data.algorithm,
            intermediates=chain,
        )
        info = result.session
        return LoginView(
            token=result.token,
            token_type="Bearer",  # noqa: S106 (the scheme name, not a secret)
            expires_at=info.expires_at,
            session=SessionView.of(info),
        )

    @get("/me", guards=[logged_in], summary="The logged-in user's session")
    async def me(self, request: Request[Any, Any, Any]) -> SessionView:
        principal = principal_of(request)
        if principal is None or principal.session is None:
            raise NotAuthenticated("this token is not a user session", "该令牌不是用户会话")
        return SessionView.of(principal.session)

    @post("/logout", guards=[logged_in], status_code=HTTP_200_OK, summary="End this session")
    async def logout(self, request: Request[Any, Any, Any], platform: PlatformDep, db: DbSession) -> dict[str, bool]:
        principal = principal_of(request)
        if principal is None or principal.session is None:
            raise NotAuthenticated("this token is not a user session", "该令牌不是用户会话")
        closed = await platform.login.sessions.close(principal.session.session_id)
        async with db.begin():
            record(
                db,
                actor_of(request, principal.actor_id),
                "logout",
                object_type="certificate",
                object_id=principal.session.fingerprint,
            )
        return {"closed": closed}
