"""Certificate path validation with pyhanko-certvalidator: each failure has its own reason code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from crypto.ca import CertificateAuthority, make_csr, make_key
from crypto.revocation import RevocationList, build_crl, ocsp_response
from crypto.subject import PlatformSubject
from crypto.validation import MESSAGES, ValidationResult, validate_certificate
from tests.fixtures.pki import make_pki

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AT = NOW + timedelta(hours=1)
DAY = timedelta(days=1)
SUBJECT = PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder")
OUTSIDE_SUBJECT = PlatformSubject("北京某招标代理有限公司", "91110000600037341L", "王五", "agent")


@pytest.fixture(scope="module", params=["ec-p256", "rsa3072"])
def ca(request: pytest.FixtureRequest) -> CertificateAuthority:
    return make_pki(request.param, now=NOW).ca


@pytest.fixture(scope="module")
def outside_ca() -> CertificateAuthority:
    return make_pki(name="外部数字认证中心", now=NOW, base_url="https://ca.example.com").ca


def issue(
    ca: CertificateAuthority, now: datetime = NOW, days: int = 365, subject: PlatformSubject = SUBJECT
) -> x509.Certificate:
    csr = make_csr(make_key("ec-p256"), subject).public_bytes(serialization.Encoding.PEM)
    return ca.issue_from_csr(csr, subject.role, now, validity_days=days)


def crls(ca: CertificateAuthority, revoked: RevocationList | None = None) -> list[bytes]:
    """The root CRL (covers the issuing CA) and the issuing CRL (covers end entities)."""
    return [
        build_crl(ca, RevocationList(), NOW, NOW + DAY, issuer="root"),
        build_crl(ca, revoked or RevocationList(), NOW, NOW + DAY),
    ]


async def check(
    ca: CertificateAuthority,
    cert: x509.Certificate | bytes,
    *,
    roots: Sequence[x509.Certificate] | None = None,
    intermediates: Sequence[x509.Certificate] | None = None,
    crl_list: Sequence[bytes] | None = None,
    ocsps: Sequence[bytes] = (),
    **kwargs: object,
) -> ValidationResult:
    return await validate_certificate(
        cert,
        trust_roots=roots if roots is not None else [ca.root_cert],
        intermediates=intermediates if intermediates is not None else [ca.issuing_cert],
        now=AT,
        crls=crl_list if crl_list is not None else crls(ca),
        ocsps=ocsps,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_good_certificate(ca: CertificateAuthority) -> None:
    cert = issue(ca)
    result = await check(ca, cert, extended_key_usage={"client_auth"})
    assert result.ok, result.detail
    assert (result.reason_code, result.message_zh, result.message_en) == ("ok", *MESSAGES["ok"])
    assert result.chain == (cert, ca.issuing_cert, ca.root_cert)


async def test_good_certificate_as_der_and_pem(ca: CertificateAuthority) -> None:
    cert = issue(ca)
    for data in (cert.public_bytes(serialization.Encoding.DER), cert.public_bytes(serialization.Encoding.PEM)):
        assert (await check(ca, data)).ok


async def test_expired(ca: CertificateAuthority) -> None:
    result = await check(ca, issue(ca, now=NOW - 20 * DAY, days=10))
    assert (result.ok, result.reason_code) == (False, "expired")
    assert result.message_zh == "证书已过期"


async def test_not_yet_valid(ca: CertificateAuthority) -> None:
    result = await check(ca, issue(ca, now=NOW + 10 * DAY))
    assert result.reason_code == "not_yet_valid"


async def test_revoked_via_crl(ca: CertificateAuthority) -> None:
    cert = issue(ca)
    revoked = RevocationList()
    revoked.revoke(cert.serial_number, NOW - timedelta(minutes=1), x509.ReasonFlags.key_compromise)
    result = await check(ca, cert, crl_list=crls(ca, revoked))
    assert result.reason_code == "revoked", result.detail
    assert result.message_en == "certificate has been revoked"


def _ocsp(ca: CertificateAuthority, cert: x509.Certificate, revoked: RevocationList) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, ca.issuing_cert, hashes.SHA1()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    return ocsp_response(ca, der, revoked, NOW, lambda _serial: True)


async def test_good_via_ocsp(ca: CertificateAuthority) -> None:
    cert = issue(ca)
    root_crl_only = crls(ca)[:1]
    result = await check(ca, cert, crl_list=root_crl_only, ocsps=[_ocsp(ca, cert, RevocationList())])
    assert result.ok, result.detail


async def test_revoked_via_ocsp(ca: CertificateAuthority) -> None:
    cert = issue(ca)
    revoked = RevocationList()
    revoked.revoke(cert.serial_number, NOW - timedelta(minutes=1), x509.ReasonFlags.cessation_of_operation)
    result = await check(ca, cert, crl_list=crls(ca)[:1], ocsps=[_ocsp(ca, cert, revoked)])
    assert result.reason_code == "revoked", result.detail


async def test_revocation_unknown(ca: CertificateAuthority) -> None:
    cert = issue(ca)
    result = await check(ca, cert, crl_list=[])
    assert result.reason_code == "revocation_unknown", result.detail
    assert (await check(ca, cert, crl_list=[], revocation_mode="soft-fail")).ok


async def test_unknown_issuer(ca: CertificateAuthority, outside_ca: CertificateAuthority) -> None:
    cert = issue(outside_ca, subject=OUTSIDE_SUBJECT)
    result = await check(ca, cert, intermediates=[ca.issuing_cert, outside_ca.issuing_cert])
    assert result.reason_code == "unknown_issuer", result.detail
    # A self-signed certificate that is not a trust root is an unknown issuer too.
    assert (await check(ca, outside_ca.root_cert)).reason_code == "unknown_issuer"


async def test_wrong_key_usage(ca: CertificateAuthority) -> None:
    cert = issue(ca)
    assert (await check(ca, cert, key_usage={"key_cert_sign"})).reason_code == "wrong_key_usage"
    assert (await check(ca, cert, extended_key_usage={"time_stamping"})).reason_code == "wrong_key_usage"


async def test_tampered_signature(ca: CertificateAuthority) -> None:
    der = bytearray(issue(ca).public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # inside the signature value, the last field of the certificate
    result = await check(ca, bytes(der))
    assert result.reason_code == "invalid_signature", result.detail


async def test_malformed(ca: CertificateAuthority) -> None:
    result = await check(ca, b"\x30\x82garbage")
    assert result.reason_code == "malformed"
    assert result.message_zh == "证书格式错误"


async def test_second_trusted_root(ca: CertificateAuthority, outside_ca: CertificateAuthority) -> None:
    """Mutual recognition: with both roots trusted, certificates from either CA validate."""
    roots = [ca.root_cert, outside_ca.root_cert]
    intermediates = [ca.issuing_cert, outside_ca.issuing_cert]
    all_crls = crls(ca) + crls(outside_ca)
    outside = issue(outside_ca, subject=OUTSIDE_SUBJECT)
    result = await check(ca, outside, roots=roots, intermediates=intermediates, crl_list=all_crls)
    assert result.ok, result.detail
    assert result.chain[-1] == outside_ca.root_cert
    ours = await check(ca, issue(ca), roots=roots, intermediates=intermediates, crl_list=all_crls)
    assert ours.ok and ours.chain[-1] == ca.root_cert


def test_reason_codes_are_distinct() -> None:
    assert len({zh for zh, _ in MESSAGES.values()}) == len(MESSAGES)
    assert len({en for _, en in MESSAGES.values()}) == len(MESSAGES)
