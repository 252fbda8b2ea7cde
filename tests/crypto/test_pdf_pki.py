"""Shared test PKI for the PDF tests (real CA, real TSA) and tests of the PKI pieces they rely on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from crypto.ca import CAKeyType, CertificateAuthority, PrivateKey, create_ca, make_csr, make_key
from crypto.pdf.errors import TimestampFailedError
from crypto.pdf.timestamper import InProcessTimeStamper
from crypto.revocation import RevocationList, build_crl
from crypto.subject import PlatformSubject
from crypto.tsa import TimeStampAuthority

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
LATER = NOW + timedelta(minutes=5)
BIDDER = PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder")
BIDDER2 = PlatformSubject("北京某招标代理有限公司", "91110000600037341L", "王五", "bidder")


@dataclass
class Pki:
    """A platform CA with a TSA, a document-signing certificate and revocation data."""

    ca: CertificateAuthority
    tsa: TimeStampAuthority
    doc_key: PrivateKey
    doc_cert: x509.Certificate
    revoked: RevocationList = field(default_factory=RevocationList)

    def timestamper(self, at: datetime = NOW) -> InProcessTimeStamper:
        return InProcessTimeStamper(self.tsa, clock=lambda: at)

    def crls(self, at: datetime = NOW - timedelta(minutes=1)) -> list[bytes]:
        return [
            build_crl(self.ca, RevocationList(), at, at + DAY, issuer="root"),
            build_crl(self.ca, self.revoked, at, at + DAY),
        ]

    def bidder(
        self, key_type: str = "ec-p256", subject: PlatformSubject = BIDDER
    ) -> tuple[PrivateKey, x509.Certificate]:
        key = make_key(key_type)  # type: ignore[arg-type]
        return key, self.ca.issue_from_csr(make_csr(key, subject), subject.role, NOW - DAY)


def make_pki(key_type: CAKeyType = "ec-p256", name: str = "示例交易中心") -> Pki:
    ca = create_ca(name, key_type, NOW - 30 * DAY, "https://ebid.example.cn")
    tsa_key = make_key(key_type)
    tsa = TimeStampAuthority(tsa_key, ca.issue_tsa_certificate(tsa_key.public_key(), NOW - 30 * DAY), chain=ca.chain)
    doc_key = make_key(key_type)
    doc_cert = ca.issue_document_signer_certificate(doc_key.public_key(), NOW - 30 * DAY)
    return Pki(ca, tsa, doc_key, doc_cert)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def test_document_signer_certificate_profile(pki: Pki) -> None:
    cert = pki.doc_cert
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert not eku.critical
    # emailProtection for NSS (certificateUsageEmailSigner) and Adobe, documentSigning per RFC 9336.
    assert list(eku.value) == [ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")]
    assert ExtendedKeyUsageOID.TIME_STAMPING not in list(eku.value)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    cert.verify_directly_issued_by(pki.ca.issuing_cert)
    assert "Document Signing" in cert.subject.rfc4514_string()


async def test_in_process_timestamper_returns_token(pki: Pki) -> None:
    token = await pki.timestamper().async_timestamp(b"\x11" * 32, "sha256")
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    assert tst_info["gen_time"].native == NOW
    assert tst_info["message_imprint"]["hashed_message"].native == b"\x11" * 32


class _Sha1TimeStamper(InProcessTimeStamper):
    def request_cms(self, message_digest: bytes, md_algorithm: str) -> tuple[None, tsp.TimeStampReq]:
        imprint = {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}), "hashed_message": b"\0" * 20}
        return None, tsp.TimeStampReq({"version": 1, "message_imprint": imprint, "cert_req": True})


async def test_in_process_timestamper_refusal_is_an_error(pki: Pki) -> None:
    with pytest.raises(TimestampFailedError) as info:
        await _Sha1TimeStamper(pki.tsa).async_timestamp(b"\0" * 20, "sha1")
    assert info.value.code == "timestamp_failed"
    assert "bad_alg" in info.value.message
