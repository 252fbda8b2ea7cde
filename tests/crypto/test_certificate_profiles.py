"""Certificate profiles against outside validators' default rules (docs/pki.md, "Profiles and outside
validators"): NSS (``vfychain``, the CERT_PKIXVerifyCert call that Poppler's pdfsig makes, for
certUsageEmailSigner), OpenSSL's purposes and pyHanko's default key-usage policies. The profiles
before issue 14 are kept here as they were issued: outside validators refused them, the platform
itself still accepts them.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureStatus, TimestampSignatureStatus
from pyhanko_certvalidator.errors import InvalidCertificateError

from bidding.core.pki.verifier import CLIENT_AUTH, SIGNING_KEY_USAGE
from crypto.ca import (
    ID_KP_DOCUMENT_SIGNING,
    CAKeyType,
    CertificateAuthority,
    PrivateKey,
    make_csr,
    make_key,
    signer_profile_is_current,
)
from crypto.pdf import simple_pdf, validate_pdf
from crypto.pdf.pki import to_asn1_cert
from crypto.revocation import RevocationList, build_crl
from crypto.subject import PlatformSubject
from crypto.validation import validate_certificate
from tests.fixtures.outside_validators import (
    NSS_EMAIL_RECIPIENT,
    NSS_EMAIL_SIGNER,
    VFYCHAIN,
    nss_database,
    pem,
    vfychain,
)
from tests.fixtures.pki import BIDDER, LATER, Pki, make_pki

NOW = datetime.now(UTC).replace(microsecond=0)  # vfychain and openssl verify at the present time
EXPERT = PlatformSubject("福建省公共资源交易中心", "12350000MB0000000N", "李四", "expert")
USERS = ("bidder-ec", "bidder-rsa", "expert-ec")
SIGNERS = ("signer", *USERS)

needs_nss = pytest.mark.skipif(VFYCHAIN is None, reason="libnss3-tools (certutil, vfychain) is not installed")


@dataclass(frozen=True)
class Issued:
    ca: CertificateAuthority
    certs: dict[str, x509.Certificate]
    keys: dict[str, PrivateKey]


def _old_profile(ca: CertificateAuthority, kind: str, key: PrivateKey) -> x509.Certificate:
    """A certificate as the platform issued it before issue 14 (same builder, old extensions)."""
    is_rsa = not kind.endswith("ec")
    public_key = key.public_key()
    if kind == "old-signer":
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        purposes = [ID_KP_DOCUMENT_SIGNING]
        name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "示例交易中心 Document Signing")])
    else:
        usage = x509.KeyUsage(True, False, is_rsa, False, not is_rsa, False, False, False, False)
        purposes = [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
        name = BIDDER.to_name()
    builder = ca._ee_builder(name, public_key, NOW - timedelta(days=1), timedelta(days=365))
    builder = builder.add_extension(usage, critical=True).add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
    return builder.sign(ca.issuing_key, hashes.SHA256())


def issue_all(key_type: CAKeyType) -> Issued:
    ca = make_pki(key_type, now=NOW, base_url="http://127.0.0.1:9/").ca
    keys: dict[str, PrivateKey] = {
        "signer": make_key(key_type),
        "tsa": make_key(key_type),
        "bidder-ec": make_key("ec-p256"),
        "bidder-rsa": make_key("rsa2048"),
        "expert-ec": make_key("ec-p256"),
        "old-signer": make_key(key_type),
        "old-bidder-ec": make_key("ec-p256"),
        "old-bidder-rsa": make_key("rsa2048"),
    }
    certs = {
        "signer": ca.issue_document_signer_certificate(keys["signer"].public_key(), NOW - timedelta(days=1)),
        "tsa": ca.issue_tsa_certificate(keys["tsa"].public_key(), NOW - timedelta(days=1)),
        "bidder-ec": ca.issue_from_csr(make_csr(keys["bidder-ec"], BIDDER), "bidder", NOW - timedelta(days=1)),
        "bidder-rsa": ca.issue_from_csr(make_csr(keys["bidder-rsa"], BIDDER), "bidder", NOW - timedelta(days=1)),
        "expert-ec": ca.issue_from_csr(make_csr(keys["expert-ec"], EXPERT), "expert", NOW - timedelta(days=1)),
    }
    for kind in ("old-signer", "old-bidder-ec", "old-bidder-rsa"):
        certs[kind] = _old_profile(ca, kind, keys[kind])
    return Issued(ca, certs, keys)


@pytest.fixture(scope="module", params=["ec-p256", "rsa3072"])
def issued(request: pytest.FixtureRequest) -> Issued:
    return issue_all(request.param)


@pytest.fixture(scope="module")
async def nssdir(issued: Issued, tmp_path_factory: pytest.TempPathFactory) -> str:
    if VFYCHAIN is None:
        pytest.skip("libnss3-tools (certutil, vfychain) is not installed")
    return await nss_database(tmp_path_factory.mktemp("nss"), issued.ca.root_cert)


# --- NSS: what pdfsig checks ----------------------------------------------------------------


@needs_nss
@pytest.mark.parametrize("kind", SIGNERS)
async def test_nss_accepts_every_signer_for_document_signatures(issued: Issued, nssdir: str, kind: str) -> None:
    """certUsageEmailSigner: keyUsage digitalSignature or nonRepudiation, an EKU only with emailProtection."""
    assert await vfychain(nssdir, issued.certs[kind], [issued.ca.issuing_cert], NSS_EMAIL_SIGNER) == ""


@needs_nss
@pytest.mark.parametrize("kind", USERS)
async def test_nss_accepts_users_as_envelope_recipients(issued: Issued, nssdir: str, kind: str) -> None:
    """certUsageEmailRecipient: keyEncipherment (RSA) or keyAgreement (EC) survived the change."""
    assert await vfychain(nssdir, issued.certs[kind], [issued.ca.issuing_cert], NSS_EMAIL_RECIPIENT) == ""


@needs_nss
async def test_nss_refused_the_old_document_signer(issued: Issued, nssdir: str) -> None:
    """What pdfsig reported as "Unknown issue with Certificate": an EKU of id-kp-documentSigning alone."""
    error = await vfychain(nssdir, issued.certs["old-signer"], [issued.ca.issuing_cert], NSS_EMAIL_SIGNER)
    assert "-8101" in error and "Certificate type not approved for application" in error


@needs_nss
async def test_nss_does_not_take_any_extended_key_usage_instead(issued: Issued, nssdir: str) -> None:
    """Why emailProtection and not anyExtendedKeyUsage: NSS refuses the latter for a signer too."""
    key = make_key("ec-p256")
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    cert = (
        issued.ca._ee_builder(BIDDER.to_name(), key.public_key(), NOW - timedelta(days=1), timedelta(days=30))
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]), critical=False)
        .sign(issued.ca.issuing_key, hashes.SHA256())
    )
    assert "-8101" in await vfychain(nssdir, cert, [issued.ca.issuing_cert], NSS_EMAIL_SIGNER)


# --- OpenSSL purposes -----------------------------------------------------------------------


def openssl_verify(issued: Issued, cert: x509.Certificate, purpose: str, tmp_path: Path) -> str:
    (tmp_path / "root.pem").write_bytes(pem(issued.ca.root_cert))
    (tmp_path / "issuing.pem").write_bytes(pem(issued.ca.issuing_cert))
    (tmp_path / "leaf.pem").write_bytes(pem(cert))
    done = subprocess.run(
        ["openssl", "verify", "-purpose", purpose, "-CAfile", "root.pem", "-untrusted", "issuing.pem", "leaf.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    return (done.stdout + done.stderr).strip()


@pytest.mark.parametrize(
    ("kind", "purpose"),
    [
        ("signer", "smimesign"),
        ("tsa", "timestampsign"),
        ("bidder-ec", "smimesign"),
        ("bidder-ec", "sslclient"),
        ("bidder-rsa", "smimesign"),
        ("bidder-rsa", "sslclient"),
        ("bidder-rsa", "smimeencrypt"),
        ("expert-ec", "smimesign"),
    ],
)
def test_openssl_purposes(issued: Issued, kind: str, purpose: str, tmp_path: Path) -> None:
    assert openssl_verify(issued, issued.certs[kind], purpose, tmp_path) == "leaf.pem: OK"


def test_openssl_smimeencrypt_asks_keyencipherment_even_of_ec_keys(issued: Issued, tmp_path: Path) -> None:
    """Documented limit: OpenSSL's S/MIME-encryption purpose wants keyEncipherment, which RFC 5480 §3
    does not allow for an EC key; `openssl cms -encrypt` does not check purposes
    (tests/crypto/test_sealed_envelope.py) and NSS accepts keyAgreement (above)."""
    assert "unsuitable certificate purpose" in openssl_verify(
        issued, issued.certs["bidder-ec"], "smimeencrypt", tmp_path
    )


# --- pyHanko's defaults ---------------------------------------------------------------------


def pyhanko_signer_policy() -> KeyUsageConstraints:
    """The policy pyHanko's validation uses when nobody configures one (SignatureStatus defaults)."""
    return KeyUsageConstraints(key_usage=SignatureStatus.key_usage, extd_key_usage=SignatureStatus.extd_key_usage)


@pytest.mark.parametrize("kind", SIGNERS)
def test_pyhanko_default_signer_policy_accepts(issued: Issued, kind: str) -> None:
    pyhanko_signer_policy().validate(to_asn1_cert(issued.certs[kind]))


@pytest.mark.parametrize("kind", ["old-bidder-ec", "old-bidder-rsa"])
def test_pyhanko_default_signer_policy_refused_old_user_certificates(issued: Issued, kind: str) -> None:
    """What made pyHanko judge every bidder's confirmation INVALID: no nonRepudiation."""
    with pytest.raises(InvalidCertificateError, match="non repudiation"):
        pyhanko_signer_policy().validate(to_asn1_cert(issued.certs[kind]))


def test_pyhanko_default_timestamp_policy_accepts_the_tsa(issued: Issued) -> None:
    policy = KeyUsageConstraints(
        key_usage=TimestampSignatureStatus.key_usage, extd_key_usage=TimestampSignatureStatus.extd_key_usage
    )
    policy.validate(to_asn1_cert(issued.certs["tsa"]))


# --- the platform keeps accepting what it issued before -------------------------------------


def test_signer_profile_is_current(issued: Issued) -> None:
    assert signer_profile_is_current(issued.certs["signer"])
    assert not signer_profile_is_current(issued.certs["old-signer"])


@pytest.mark.parametrize("kind", ["old-bidder-ec", "old-bidder-rsa", "bidder-ec", "bidder-rsa"])
async def test_login_validation_accepts_old_and_new_user_certificates(issued: Issued, kind: str) -> None:
    """The rule certificate login applies (bidding/core/pki/verifier.py) is unchanged by the new profile."""
    crls = [
        build_crl(issued.ca, RevocationList(), NOW - timedelta(minutes=1), NOW + timedelta(days=1), issuer=issuer)
        for issuer in ("root", "issuing")
    ]
    result = await validate_certificate(
        issued.certs[kind],
        trust_roots=[issued.ca.root_cert],
        intermediates=[issued.ca.issuing_cert],
        now=NOW,
        crls=crls,
        key_usage=SIGNING_KEY_USAGE,
        extended_key_usage=CLIENT_AUTH,
        extended_optional=True,
    )
    assert result.ok, result.detail


@pytest.fixture(scope="module")
async def platform_signed(pki: Pki) -> bytes:
    return await pki.sign(simple_pdf(["Opening record", "Bidder A: CNY 1,000,000", "Bidder B: CNY 990,000"]))


@pytest.mark.parametrize("key_type", ["ec-p256", "rsa2048"])
async def test_platform_still_validates_a_confirmation_made_with_an_old_certificate(
    pki: Pki,
    platform_signed: bytes,
    key_type: str,
) -> None:
    """A bidder enrolled before the change confirms a record: the platform's report passes it."""
    key = make_key(key_type)  # type: ignore[arg-type]
    cert = _old_profile(pki.ca, "old-bidder-ec" if key_type == "ec-p256" else "old-bidder-rsa", key)
    confirmed = await pki.confirm(platform_signed, key, cert, "Bidder1")
    report = await validate_pdf(confirmed, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_PASSED", report.summary("en")
