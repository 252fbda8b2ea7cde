"""Signed statements: a short text a user signs with their certificate's key in the browser (or the
CLI), checked here against the certificate they logged in with — the recusal declaration (承诺书) of a
member and a bidder's answer to a clarification (条例 52: in writing).

The signed bytes are the statement's canonical JSON (:func:`canonical`: UTF-8, keys sorted, no
spaces), which the server builds and hands out first, so that the client signs exactly what will be
kept: ``{"kind": …, "text": …, "object": …, "signer": fingerprint, "at": ISO time}``. The signature is
the login signature's (:func:`crypto.login.verify_signature`: ECDSA P-256 raw or DER, RSA-PSS or
PKCS#1 v1.5 with SHA-256). What is stored is the statement, the signature and the algorithm: anyone
with the certificate can check it again.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.auth.caller import Caller
from bidding.core.errors import Forbidden, InvalidInput
from bidding.core.pki.models import Certificate
from crypto.errors import CryptoError
from crypto.login import verify_signature

__all__ = ["FRESH", "SignatureInvalid", "Statement", "canonical", "statement", "verify_statement"]


class SignatureInvalid(InvalidInput):
    code = "statement_signature_invalid"
    status = 422
    message_zh = "签名无效"
    message_en = "The signature does not verify"


@dataclass(frozen=True)
class Statement:
    kind: str
    text: str
    object: str
    signer: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "object": self.object,
            "signer": self.signer,
            "at": self.at.isoformat(),
        }


def canonical(statement: dict[str, Any]) -> bytes:
    """The bytes that are signed."""
    return json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


#: How long a statement handed out may wait for its signature.
FRESH = timedelta(minutes=30)


def statement(kind: str, text: str, obj: str, caller: Caller, now: datetime) -> Statement:
    """What the caller is to sign (handed out first, signed as :func:`canonical` of its dict)."""
    if caller.fingerprint is None:
        raise Forbidden("log in with a certificate to sign", "请使用证书登录后签名")
    return Statement(kind, text, obj, caller.fingerprint, now)


async def verify_statement(
    session: AsyncSession,
    caller: Caller,
    posted: dict[str, Any],
    signature_b64: str,
    algorithm: str,
    *,
    kind: str,
    obj: str,
    now: datetime,
    text: str | None = None,
) -> dict[str, Any]:
    """Check the caller's signature of the statement ``posted`` back (of ``kind`` about ``obj``, signed by
    the certificate they logged in with, not revoked, made within :data:`FRESH`, and when ``text`` is
    given saying exactly that) and return what is kept: ``{"statement", "signature", "algorithm",
    "fingerprint"}``."""
    try:
        at = datetime.fromisoformat(str(posted["at"]))
        given = Statement(str(posted["kind"]), str(posted["text"]), str(posted["object"]), str(posted["signer"]), at)
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            "`statement` must be the object handed out: kind, text, object, signer, at",
            "`statement` 须为下发的待签内容：kind、text、object、signer、at",
        ) from None
    if set(posted) != {"kind", "text", "object", "signer", "at"} or at.tzinfo is None:
        raise InvalidInput("`statement` has other fields than those handed out", "`statement` 字段与下发内容不符")
    if given.kind != kind or given.object != obj or (text is not None and given.text != text):
        raise InvalidInput(f"the statement is not a {kind} of {obj}", f"待签内容不是 {obj} 的 {kind}")
    if not given.text.strip():
        raise InvalidInput("the statement's text is empty", "签署内容不能为空")
    if not (now - FRESH <= at <= now + timedelta(minutes=1)):
        raise InvalidInput("the statement is stale: ask for it again", "待签内容已过期，请重新获取")
    if caller.fingerprint is None or caller.fingerprint != given.signer:
        raise Forbidden("sign with the certificate you logged in with", "请使用登录所用证书签名")
    certificate = await session.scalar(select(Certificate).where(Certificate.fingerprint == caller.fingerprint))
    if certificate is None or certificate.revoked_at is not None:
        raise Forbidden(
            "only a valid certificate issued by this platform can sign here", "仅本平台签发的有效证书可在此签名"
        )
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("`signature` must be base64", "`signature` 须为 base64") from None
    body = given.to_dict()
    try:
        verify_signature(x509.load_der_x509_certificate(certificate.der), canonical(body), signature, algorithm)
    except CryptoError as exc:
        raise SignatureInvalid(str(exc), str(exc)) from None
    return {"statement": body, "signature": signature_b64, "algorithm": algorithm, "fingerprint": caller.fingerprint}
