"""The PKI pieces the PDF tests rely on (``tests.fixtures.pki``): the document signer's certificate
profile and the in-process time-stamper."""

from __future__ import annotations

import pytest
from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from crypto.pdf.errors import TimestampFailedError
from crypto.pdf.timestamper import InProcessTimeStamper
from tests.fixtures.pki import NOW, Pki


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
