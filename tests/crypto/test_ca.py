"""Platform CA, subject profile and revocation (CRL / OCSP), with real keys and certificates."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from crypto.ca import (
    ID_KP_DOCUMENT_SIGNING,
    CertificateAuthority,
    create_ca,
    load_csr,
    load_or_create_ca,
    make_csr,
    make_key,
)
from crypto.errors import (
    CAStoreError,
    CryptoError,
    InvalidCreditCodeError,
    InvalidCSRError,
    InvalidSubjectError,
    UnsupportedKeyError,
)
from crypto.revocation import DelegatedResponder, RevocationList, build_crl, ocsp_response
from crypto.subject import PlatformSubject, is_valid_credit_code, parse_subject

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BASE = "https://ebid.example.cn"
SUBJECT = PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder")


@pytest.fixture(scope="module", params=["rsa3072", "ec-p256"])
def ca(request: pytest.FixtureRequest) -> CertificateAuthority:
    return create_ca("示例交易中心", request.param, NOW, BASE)


@pytest.fixture(scope="module")
def ec_ca() -> CertificateAuthority:
    return create_ca("示例交易中心", "ec-p256", NOW, BASE)


def _pem(csr: x509.CertificateSigningRequest) -> bytes:
    return csr.public_bytes(serialization.Encoding.PEM)


def _issue(ca: CertificateAuthority, key_type: str = "ec-p256") -> x509.Certificate:
    key = make_key(key_type)  # type: ignore[arg-type]
    return ca.issue_from_csr(_pem(make_csr(key, SUBJECT.with_role("agent"))), "bidder", NOW)


# --- subject profile ---------------------------------------------------------------------


def test_credit_code_check_digit() -> None:
    assert is_valid_credit_code("91350100M000100Y43")
    assert is_valid_credit_code("91110000600037341L")
    assert not is_valid_credit_code("91110000600037341M")
    assert not is_valid_credit_code("9111000060003734")
    assert not is_valid_credit_code("91110000600037341I")  # I is not in the alphabet


def test_subject_round_trip_and_errors() -> None:
    name = SUBJECT.to_name()
    assert name.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "NTRCN-91350100M000100Y43"
    assert parse_subject(name) == SUBJECT
    with pytest.raises(InvalidCreditCodeError):
        PlatformSubject("X", "91350100M000100Y44", "张三", "bidder")
    with pytest.raises(InvalidSubjectError, match="role"):
        PlatformSubject("X", "91350100M000100Y43", "张三", "boss")
    no_org = x509.Name([a for a in name if a.oid != NameOID.ORGANIZATION_NAME])
    with pytest.raises(InvalidSubjectError, match="O"):
        parse_subject(no_org)
    no_role = x509.Name([a for a in name if a.oid != NameOID.ORGANIZATIONAL_UNIT_NAME])
    with pytest.raises(InvalidSubjectError, match="OU"):
        parse_subject(no_role)
    assert parse_subject(no_role, role="expert").role == "expert"


# --- CA and issuance ---------------------------------------------------------------------


def test_ca_hierarchy(ca: CertificateAuthority) -> None:
    root_bc = ca.root_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    issuing_bc = ca.issuing_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert (root_bc.ca, root_bc.path_length) == (True, 1)
    assert (issuing_bc.ca, issuing_bc.path_length) == (True, 0)
    ca.root_cert.verify_directly_issued_by(ca.root_cert)
    ca.issuing_cert.verify_directly_issued_by(ca.root_cert)


@pytest.mark.parametrize("key_type", ["rsa2048", "ec-p256"])
def test_issue_from_csr(ca: CertificateAuthority, key_type: str) -> None:
    key = make_key(key_type)  # type: ignore[arg-type]
    cert = ca.issue_from_csr(_pem(make_csr(key, SUBJECT.with_role("agent"))), "bidder", NOW, validity_days=30)
    cert.verify_directly_issued_by(ca.issuing_cert)
    assert parse_subject(cert.subject) == SUBJECT  # role assigned by the CA, not the CSR
    assert 0 < cert.serial_number < 2**159
    ext = cert.extensions
    bc = ext.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    ku = ext.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert ku.value.key_encipherment is isinstance(key, rsa.RSAPrivateKey)
    assert ku.value.key_agreement is isinstance(key, ec.EllipticCurvePrivateKey)
    assert not (ku.value.data_encipherment or ku.value.key_cert_sign or ku.value.crl_sign)
    eku = list(ext.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert eku == [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION, ID_KP_DOCUMENT_SIGNING]
    cdp = ext.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name is not None
    assert cdp[0].full_name[0].value == f"{BASE}/pki/crl/issuing.crl"
    aia = ext.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert aia[0].access_location.value == f"{BASE}/pki/ocsp"
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.issuing_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert cert.not_valid_after_utc == NOW + timedelta(days=30)


def test_csr_der_accepted(ec_ca: CertificateAuthority) -> None:
    csr = make_csr(make_key("ec-p256"), SUBJECT)
    cert = ec_ca.issue_from_csr(csr.public_bytes(serialization.Encoding.DER), "expert", NOW)
    assert parse_subject(cert.subject).role == "expert"


def test_csr_bad_signature_refused(ec_ca: CertificateAuthority) -> None:
    der = bytearray(make_csr(make_key("ec-p256"), SUBJECT).public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the ECDSA signature
    with pytest.raises(InvalidCSRError):
        ec_ca.issue_from_csr(bytes(der), "bidder", NOW)
    with pytest.raises(InvalidCSRError, match="parsed"):
        load_csr(b"not a csr")


def test_csr_bad_credit_code_refused(ec_ca: CertificateAuthority) -> None:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "假公司"),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "NTRCN-91350100M000100Y44"),
            x509.NameAttribute(NameOID.COMMON_NAME, "李四"),
        ]
    )
    with pytest.raises(InvalidCreditCodeError, match="check character"):
        ec_ca.issue_from_csr(_pem(make_csr(make_key("ec-p256"), name)), "bidder", NOW)


def test_csr_weak_or_foreign_keys_refused(ec_ca: CertificateAuthority) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(UnsupportedKeyError, match="1024"):
        ec_ca.issue_from_csr(_pem(make_csr(weak, SUBJECT)), "bidder", NOW)
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(UnsupportedKeyError, match="secp384r1"):
        ec_ca.issue_from_csr(_pem(make_csr(p384, SUBJECT)), "bidder", NOW)


def test_unknown_role_refused(ec_ca: CertificateAuthority) -> None:
    with pytest.raises(InvalidSubjectError):
        ec_ca.issue_from_csr(_pem(make_csr(make_key("ec-p256"), SUBJECT)), "root", NOW)


def test_naive_time_refused(ec_ca: CertificateAuthority) -> None:
    with pytest.raises(CryptoError):
        ec_ca.issue_from_csr(_pem(make_csr(make_key("ec-p256"), SUBJECT)), "bidder", datetime(2026, 1, 1))


def test_tsa_certificate(ec_ca: CertificateAuthority) -> None:
    cert = ec_ca.issue_tsa_certificate(make_key("ec-p256").public_key(), NOW)
    cert.verify_directly_issued_by(ec_ca.issuing_cert)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and not ku.key_encipherment


@pytest.mark.parametrize("passphrase", [None, b"correct horse"])
def test_save_load_round_trip(ec_ca: CertificateAuthority, tmp_path: Path, passphrase: bytes | None) -> None:
    ec_ca.save(tmp_path, passphrase)
    assert (tmp_path / "root-key.pem").stat().st_mode & 0o077 == 0
    key_pem = (tmp_path / "issuing-key.pem").read_bytes()
    assert (b"ENCRYPTED PRIVATE KEY" in key_pem) is (passphrase is not None)
    loaded = CertificateAuthority.load(tmp_path, BASE, passphrase)
    assert loaded.root_cert == ec_ca.root_cert and loaded.issuing_cert == ec_ca.issuing_cert
    cert = loaded.issue_from_csr(_pem(make_csr(make_key("ec-p256"), SUBJECT)), "bidder", NOW)
    cert.verify_directly_issued_by(ec_ca.issuing_cert)
    if passphrase:
        with pytest.raises(CAStoreError):
            CertificateAuthority.load(tmp_path, BASE, b"wrong")
        with pytest.raises(CAStoreError):
            CertificateAuthority.load(tmp_path, BASE, None)


def test_load_missing_and_load_or_create(tmp_path: Path) -> None:
    with pytest.raises(CAStoreError, match="missing"):
        CertificateAuthority.load(tmp_path, BASE)
    first = load_or_create_ca(tmp_path / "ca", "首次", "ec-p256", NOW, BASE)
    again = load_or_create_ca(tmp_path / "ca", "首次", "ec-p256", NOW, BASE)
    assert first.root_cert == again.root_cert


# --- CRL and OCSP ------------------------------------------------------------------------


def test_crl(ca: CertificateAuthority) -> None:
    cert = _issue(ca)
    revoked = RevocationList()
    revoked.revoke(cert.serial_number, NOW, x509.ReasonFlags.key_compromise)
    revoked.revoke(12345, NOW, x509.ReasonFlags.unspecified)
    crl = x509.load_der_x509_crl(build_crl(ca, revoked, NOW, NOW + timedelta(days=1)))
    assert crl.is_signature_valid(ca.issuing_cert.public_key())  # type: ignore[arg-type]
    assert crl.issuer == ca.issuing_cert.subject
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == int(NOW.timestamp())
    plain = crl.get_revoked_certificate_by_serial_number(12345)
    assert plain is not None and len(plain.extensions) == 0
    root_crl = x509.load_der_x509_crl(build_crl(ca, RevocationList(), NOW, NOW + timedelta(days=1), issuer="root"))
    assert root_crl.is_signature_valid(ca.root_cert.public_key())  # type: ignore[arg-type]
    with pytest.raises(CryptoError):
        build_crl(ca, revoked, NOW, NOW)


def _ocsp_request(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    nonce: bytes | None = None,
    algorithm: hashes.HashAlgorithm | None = None,
) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm or hashes.SHA1())
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _verify(signer: x509.Certificate, signature: bytes, data: bytes) -> None:
    key = signer.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def test_ocsp_statuses(ca: CertificateAuthority) -> None:
    good, bad, stranger = _issue(ca), _issue(ca), _issue(ca)
    revoked = RevocationList()
    revoked.revoke(bad.serial_number, NOW - timedelta(hours=1), x509.ReasonFlags.affiliation_changed)
    issued = {good.serial_number, bad.serial_number}

    def answer(cert: x509.Certificate, nonce: bytes | None = None) -> ocsp.OCSPResponse:
        der = ocsp_response(ca, _ocsp_request(cert, ca.issuing_cert, nonce), revoked, NOW, issued.__contains__)
        resp = ocsp.load_der_ocsp_response(der)
        assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        _verify(ca.issuing_cert, resp.signature, resp.tbs_response_bytes)
        assert resp.serial_number == cert.serial_number
        return resp

    resp = answer(good, nonce=b"0123456789abcdef")
    assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"0123456789abcdef"
    resp = answer(bad)
    assert resp.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert resp.revocation_time_utc == NOW - timedelta(hours=1)
    assert resp.revocation_reason == x509.ReasonFlags.affiliation_changed
    assert answer(stranger).certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    # CertID hashed with SHA-256 instead of SHA-1 (RFC 6960 §4.1.1 leaves the choice to the client).
    der = ocsp_response(
        ca, _ocsp_request(good, ca.issuing_cert, algorithm=hashes.SHA256()), revoked, NOW, issued.__contains__
    )
    sha256_resp = ocsp.load_der_ocsp_response(der)
    assert sha256_resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert isinstance(sha256_resp.hash_algorithm, hashes.SHA256)


def test_ocsp_delegated_responder(ca: CertificateAuthority) -> None:
    """RFC 6960 §4.2.2.2: the responder's certificate, issued by the CA for OCSPSigning with
    ocsp-nocheck, signs the response, is named by its key hash and travels in ``certs``."""
    key = make_key("ec-p256")
    cert = ca.issue_ocsp_responder_certificate(key.public_key(), NOW)
    cert.verify_directly_issued_by(ca.issuing_cert)
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.OCSP_SIGNING
    ]
    assert cert.extensions.get_extension_for_class(x509.OCSPNoCheck)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.content_commitment
    with pytest.raises(x509.ExtensionNotFound):  # nothing to check: no CRL or OCSP pointer (§4.2.2.2.1)
        cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= timedelta(days=91)
    good = _issue(ca)
    responder = DelegatedResponder(key, cert)
    der = ocsp_response(
        ca, _ocsp_request(good, ca.issuing_cert), RevocationList(), NOW, lambda _s: True, responder=responder
    )
    resp = ocsp.load_der_ocsp_response(der)
    assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert resp.certificates == [cert]
    assert resp.responder_key_hash == cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    _verify(cert, resp.signature, resp.tbs_response_bytes)
    assert responder.valid_at(NOW) and not responder.valid_at(cert.not_valid_after_utc)


def test_ocsp_foreign_issuer_unknown(ca: CertificateAuthority, ec_ca: CertificateAuthority) -> None:
    other = create_ca("外部", "ec-p256", NOW, "https://other.example")
    cert = _issue(other)
    der = ocsp_response(ca, _ocsp_request(cert, other.issuing_cert), RevocationList(), NOW, lambda _s: True)
    assert ocsp.load_der_ocsp_response(der).certificate_status == ocsp.OCSPCertStatus.UNKNOWN


@pytest.mark.parametrize("garbage", [b"", b"\x30\x03\x02\x01\x01", b"hello"])
def test_ocsp_malformed(ec_ca: CertificateAuthority, garbage: bytes) -> None:
    der = ocsp_response(ec_ca, garbage, RevocationList(), NOW, lambda _s: True)
    assert ocsp.load_der_ocsp_response(der).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


# --- interoperability with the OpenSSL command line --------------------------------------


def test_openssl_verifies_chain_and_crl(ca: CertificateAuthority, tmp_path: Path) -> None:
    pem = serialization.Encoding.PEM
    (tmp_path / "root.pem").write_bytes(ca.root_cert.public_bytes(pem))
    (tmp_path / "issuing.pem").write_bytes(ca.issuing_cert.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(_issue(ca, "rsa2048").public_bytes(pem))
    at = str(int((NOW + timedelta(hours=1)).timestamp()))
    run = subprocess.run(
        ["/usr/bin/openssl", "verify", "-attime", at, "-CAfile", "root.pem", "-untrusted", "issuing.pem", "leaf.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    revoked = RevocationList()
    revoked.revoke(1, NOW, x509.ReasonFlags.superseded)
    (tmp_path / "crl.der").write_bytes(build_crl(ca, revoked, NOW, NOW + timedelta(days=1)))
    run = subprocess.run(
        ["/usr/bin/openssl", "crl", "-in", "crl.der", "-inform", "DER", "-CAfile", "issuing.pem", "-noout", "-verify"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and "verify OK" in run.stdout + run.stderr, run.stderr + run.stdout
