"""The login challenge message and its signature check (crypto/login.py)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from crypto.ca import CertificateAuthority, PrivateKey, make_csr, make_key
from crypto.errors import CryptoError
from crypto.login import (
    Challenge,
    LoginSignatureError,
    UnsupportedSignatureAlgorithm,
    certificate_fingerprint,
    sign_message,
    verify_signature,
)
from crypto.subject import PlatformSubject
from tests.fixtures.pki import make_pki

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return make_pki(name="测试中心", now=NOW).ca


def user(ca: CertificateAuthority, key_type: str) -> tuple[PrivateKey, x509.Certificate]:
    key = make_key(key_type)  # type: ignore[arg-type]
    csr = make_csr(key, PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder"))
    return key, ca.issue_from_csr(csr, "bidder", NOW)


def challenge(fingerprint: str = "ab" * 32) -> Challenge:
    return Challenge("cid", b"\x01" * 32, "https://ebid.example.cn", fingerprint, NOW, NOW + timedelta(minutes=2))


def test_message_is_the_documented_text() -> None:
    nonce = base64.urlsafe_b64encode(b"\x01" * 32).rstrip(b"=").decode()
    assert challenge().message().decode().split("\n") == [
        "bidding-platform-login-v1",
        "https://ebid.example.cn",
        "cid",
        nonce,
        "2026-11-23T10:00:00Z",
        "2026-11-23T10:02:00Z",
        "ab" * 32,
    ]
    # Times in another zone are written in UTC; naive times are refused.
    east8 = Challenge(
        "cid",
        b"\x01" * 32,
        "a",
        "f",
        NOW.astimezone(timezone(timedelta(hours=8))),
        NOW,
    )
    assert b"2026-11-23T10:00:00Z" in east8.message()
    with pytest.raises(CryptoError):
        Challenge("cid", b"", "a", "f", NOW.replace(tzinfo=None), NOW).message()


@pytest.mark.parametrize(
    ("key_type", "algorithm"),
    [("ec-p256", "ecdsa-p256-sha256"), ("rsa2048", "rsa-pss-sha256"), ("rsa2048", "rsa-pkcs1-sha256")],
)
def test_sign_and_verify(ca: CertificateAuthority, key_type: str, algorithm: str) -> None:
    key, cert = user(ca, key_type)
    message = challenge(certificate_fingerprint(cert)).message()
    signature = sign_message(key, message, algorithm)  # type: ignore[arg-type]
    verify_signature(cert, message, signature, algorithm)
    with pytest.raises(LoginSignatureError):
        verify_signature(cert, message + b"x", signature, algorithm)
    with pytest.raises(LoginSignatureError):
        verify_signature(cert, message, signature[:-1] + bytes([signature[-1] ^ 1]), algorithm)


def test_raw_p1363_ecdsa_signature_is_accepted(ca: CertificateAuthority) -> None:
    key, cert = user(ca, "ec-p256")
    message = b"hello"
    r, s = decode_dss_signature(sign_message(key, message))
    verify_signature(cert, message, r.to_bytes(32, "big") + s.to_bytes(32, "big"), "ecdsa-p256-sha256")


def test_raw_signature_that_looks_like_der_is_accepted(ca: CertificateAuthority) -> None:
    """Once in 256, WebCrypto's raw r||s starts with 0x30, the DER SEQUENCE tag: still a raw signature.

    (Before the fix, such a login failed with "the signature does not verify": a browser test
    caught it as an occasional failure.)
    """
    key, cert = user(ca, "ec-p256")
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    message = b"hello"
    for attempt in range(5000):
        r, s = decode_dss_signature(sign_message(key, message + str(attempt).encode()))
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if raw[0] == 0x30:
            verify_signature(cert, message + str(attempt).encode(), raw, "ecdsa-p256-sha256")
            with pytest.raises(LoginSignatureError):
                verify_signature(cert, b"other", raw, "ecdsa-p256-sha256")
            return
    pytest.fail("no signature starting with 0x30 in 5000 (expected about one in 256)")


def test_algorithm_must_fit_the_key(ca: CertificateAuthority) -> None:
    key, cert = user(ca, "ec-p256")
    signature = sign_message(key, b"m")
    with pytest.raises(UnsupportedSignatureAlgorithm, match="does not fit"):
        verify_signature(cert, b"m", signature, "rsa-pss-sha256")
    with pytest.raises(UnsupportedSignatureAlgorithm, match="unknown signature algorithm"):
        verify_signature(cert, b"m", signature, "md5")
    with pytest.raises(LoginSignatureError):
        verify_signature(cert, b"m", b"\x30\x01", "ecdsa-p256-sha256")
    with pytest.raises(UnsupportedSignatureAlgorithm):
        sign_message(key, b"m", "rsa-pss-sha256")
    other = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(UnsupportedSignatureAlgorithm, match="P-256"):
        sign_message(other, b"m", "ecdsa-p256-sha256")
