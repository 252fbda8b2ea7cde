"""Enrolment and certificate login over HTTP (docs/login.md).

Public: an organisation registers; a user exchanges a one-time enrolment code and a CSR for a
certificate; anyone with a certificate asks for a challenge and logs in (``bidding.identity.login``).
Logged in: who am I, log out. The use cases are :mod:`bidding.identity.service`'s.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.errors import InvalidInput
from bidding.core.fields import Body, Pem, Token
from bidding.core.http.dependencies import CallerDep, PlatformDep, VisitorDep
from bidding.core.http.guards import organisation_user
from bidding.core.http.openapi import wire
from bidding.identity import service as identity
from bidding.identity.login import decode_signature, login_service, parse_certificate
from bidding.identity.service import CertificateView, OrganisationView, RegistrationRequest, SessionView
from crypto.login import SIGNATURE_ALGORITHMS

MAX_CHAIN = 5
MAX_PEM_CHARS = 20_000


class EnrolmentRequest(Body, frozen=True):
    enrolment_code: Token
    csr: Pem


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
class LoginView:
    token: str
    token_type: str
    expires_at: datetime
    session: SessionView


def _bounded(value: str, name: str) -> str:
    if len(value) > MAX_PEM_CHARS:
        raise InvalidInput(f"{name} is longer than {MAX_PEM_CHARS} characters", f"{name} 超过 {MAX_PEM_CHARS} 个字符")
    return value


class EnrolmentController(Controller):
    path = "/api/enrolment"
    tags = ["identity"]

    @post("/organisations", status_code=HTTP_201_CREATED, summary="Register an organisation (pending approval)")
    async def register(
        self, data: JSONBody[RegistrationRequest], platform: PlatformDep, visitor: VisitorDep
    ) -> OrganisationView:
        return await identity.register(platform, visitor, data)

    @post(
        "/certificates",
        status_code=HTTP_201_CREATED,
        opt=wire(errors=[403]),  # the enrolment code is unknown, used or expired (EnrolmentRefused)
        summary="Exchange an enrolment code and a CSR for a certificate",
    )
    async def certificate(
        self, data: JSONBody[EnrolmentRequest], platform: PlatformDep, visitor: VisitorDep
    ) -> CertificateView:
        csr = _bounded(data.csr, "csr").encode()
        return await identity.enrol_certificate(platform, visitor, data.enrolment_code, csr)


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
        challenge = await login_service(platform).challenge(cert)
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
    async def login(self, data: JSONBody[LoginRequest], platform: PlatformDep, visitor: VisitorDep) -> LoginView:
        cert = parse_certificate(_bounded(data.certificate, "certificate"))
        if len(data.chain) > MAX_CHAIN:
            raise InvalidInput(f"at most {MAX_CHAIN} chain certificates", f"证书链最多 {MAX_CHAIN} 张")
        chain = [parse_certificate(_bounded(c, "chain"), "chain") for c in data.chain]
        signature = decode_signature(_bounded(data.signature, "signature"))
        result = await login_service(platform).login(
            visitor,
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

    @get("/me", guards=[organisation_user], summary="The logged-in user's session")
    async def me(self, caller: CallerDep) -> SessionView:
        return identity.whoami(caller)

    @post("/logout", guards=[organisation_user], status_code=HTTP_200_OK, summary="End this session")
    async def logout(self, platform: PlatformDep, caller: CallerDep) -> dict[str, bool]:
        return {"closed": await identity.logout(platform, caller)}
