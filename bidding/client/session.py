"""Certificate login from the client side (docs/login.md): fetch a challenge, sign it locally, log in."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization

from bidding.client.identity import Identity
from crypto.login import LOGIN_CONTEXT, certificate_fingerprint, default_algorithm, sign_message


class ApiError(RuntimeError):
    """The platform answered with its JSON error format; ``code`` is the machine-readable cause."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def raise_for_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error.get("message_en") or error.get("message"))
    except (ValueError, KeyError, TypeError):
        code, message = "http_error", response.text[:200]
    raise ApiError(response.status_code, code, message)


@dataclass(frozen=True)
class LoggedIn:
    token: str
    expires_at: str
    session: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _pem(identity: Identity) -> tuple[str, list[str]]:
    cert = identity.certificate.public_bytes(serialization.Encoding.PEM).decode()
    chain = [c.public_bytes(serialization.Encoding.PEM).decode() for c in identity.chain]
    return cert, chain


class ChallengeMismatch(RuntimeError):
    """The server asked us to sign something that is not a login challenge for this platform and certificate."""


def check_challenge(message: bytes, audience: str, fingerprint: str) -> None:
    """Refuse to sign anything but our own login challenge: a relaying server cannot borrow our signature."""
    lines = message.decode("utf-8", "replace").split("\n")
    if len(lines) != 7 or lines[0] != LOGIN_CONTEXT:
        raise ChallengeMismatch("the server sent something that is not a login challenge")
    if lines[1].rstrip("/") != audience.rstrip("/"):
        raise ChallengeMismatch(f"the challenge is for {lines[1]!r}, not for {audience!r}")
    if lines[6] != fingerprint:
        raise ChallengeMismatch("the challenge names another certificate")


async def login(http: httpx.AsyncClient, identity: Identity, audience: str | None = None) -> LoggedIn:
    """Log in on the platform ``http`` points at (its ``base_url``); raise :class:`ApiError` if refused.

    ``audience`` is the platform's public base URL as it names itself (default: ``http.base_url``).
    """
    cert_pem, chain = _pem(identity)
    response = await http.post("/api/auth/challenge", json={"certificate": cert_pem})
    raise_for_error(response)
    challenge = response.json()
    message = base64.b64decode(challenge["message"])
    check_challenge(message, audience or str(http.base_url), certificate_fingerprint(identity.certificate))
    algorithm = default_algorithm(identity.key)
    signature = sign_message(identity.key, message, algorithm)
    response = await http.post(
        "/api/auth/login",
        json={
            "challenge_id": challenge["challenge_id"],
            "certificate": cert_pem,
            "signature": base64.b64encode(signature).decode(),
            "algorithm": algorithm,
            "chain": chain,
        },
    )
    raise_for_error(response)
    body = response.json()
    return LoggedIn(token=body["token"], expires_at=body["expires_at"], session=body["session"])
