"""The platform certificate authority: a root CA and an issuing CA.

Hierarchy (RFC 5280 §6 path validation applies):

* root CA — self-signed, ``basicConstraints cA=TRUE, pathLenConstraint=1`` (§4.2.1.9);
* issuing CA — signed by the root, ``pathLenConstraint=0``; it signs end-entity certificates,
  the issuing CRL and OCSP responses (RFC 6960 §4.2.2.2, the CA itself as responder);
* end entities — one person for one organisation in one role (see :mod:`crypto.subject`).

Keys are RSA-3072 or ECDSA P-256. The CA is stored as PEM files in one directory, private keys
as PKCS#8 (RFC 5208), optionally encrypted with a passphrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Literal, get_args

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from crypto.errors import CAStoreError, CryptoError, InvalidCSRError, UnsupportedKeyError
from crypto.keyfiles import PrivateKey as PrivateKey  # re-exported: the key type of this API
from crypto.keyfiles import read_cert, read_key, same_public_key, write_cert, write_key
from crypto.subject import PlatformSubject, parse_subject

KeyType = Literal["rsa2048", "rsa3072", "rsa4096", "ec-p256"]
"""Key types the platform generates; CA keys use ``rsa3072`` or ``ec-p256``."""
CAKeyType = Literal["rsa3072", "ec-p256"]
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

ALLOWED_RSA_SIZES: Final = frozenset({2048, 3072, 4096})
ROOT_VALIDITY: Final = timedelta(days=20 * 365)
ISSUING_VALIDITY: Final = timedelta(days=10 * 365)
TSA_VALIDITY: Final = timedelta(days=5 * 365)
OCSP_RESPONDER_VALIDITY: Final = timedelta(days=90)
"""Short, as RFC 6960 §4.2.2.2.1 asks of a responder certificate that relying parties do not check."""
BACKDATE: Final = timedelta(minutes=5)
"""notBefore is set this far before ``now`` to tolerate client clock skew."""

ROOT_CERT_FILE: Final = "root.pem"
ROOT_KEY_FILE: Final = "root-key.pem"
ISSUING_CERT_FILE: Final = "issuing.pem"
ISSUING_KEY_FILE: Final = "issuing-key.pem"

ID_KP_DOCUMENT_SIGNING: Final = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
"""id-kp-documentSigning, the general-purpose document-signing key purpose (RFC 9336 §3.1)."""


def make_key(key_type: KeyType) -> PrivateKey:
    """Generate a fresh private key: RSA (e=65537) of the given size or ECDSA on P-256 (FIPS 186-4)."""
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type not in get_args(KeyType):
        raise UnsupportedKeyError(f"unknown key type {key_type!r}")
    return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type.removeprefix("rsa")))


def make_csr(key: PrivateKey, subject: PlatformSubject | x509.Name) -> x509.CertificateSigningRequest:
    """Build a PKCS#10 certificate signing request (RFC 2986) signed with SHA-256 by ``key``."""
    name = subject.to_name() if isinstance(subject, PlatformSubject) else subject
    return x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())


def check_public_key(key: object) -> PublicKey:
    """Enforce the key policy: RSA 2048/3072/4096 or EC P-256 only."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size not in ALLOWED_RSA_SIZES:
            raise UnsupportedKeyError(f"RSA key size {key.key_size} is not allowed; use 2048, 3072 or 4096 bits")
        return key
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise UnsupportedKeyError(f"EC curve {key.curve.name} is not allowed; use P-256 (secp256r1)")
        return key
    raise UnsupportedKeyError(f"key type {type(key).__name__} is not allowed; use RSA or EC P-256")


def load_csr(data: bytes) -> x509.CertificateSigningRequest:
    """Parse a PEM or DER CSR and verify its self-signature (RFC 2986 §3, proof of possession)."""
    try:
        csr = x509.load_pem_x509_csr(data) if data.lstrip().startswith(b"-----BEGIN") else x509.load_der_x509_csr(data)
    except ValueError as exc:
        raise InvalidCSRError(f"CSR cannot be parsed: {exc}") from exc
    try:
        valid = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InvalidCSRError(f"CSR signature cannot be checked: {exc}") from exc
    if not valid:
        raise InvalidCSRError("CSR signature is invalid (the request was not signed by the key it contains)")
    return csr


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise CryptoError("timestamps must be timezone-aware (UTC)")
    return now


def _key_usage(*bits: str) -> x509.KeyUsage:
    """A keyUsage extension (RFC 5280 §4.2.1.3) with exactly the named bits set."""
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    unknown = set(bits) - set(names)
    if unknown:
        raise ValueError(f"unknown keyUsage bits: {sorted(unknown)}")
    return x509.KeyUsage(**{name: name in bits for name in names})


def _ca_key_usage() -> x509.KeyUsage:
    # digitalSignature lets the issuing CA sign OCSP responses itself (RFC 6960 §4.2.2.2).
    return _key_usage("digital_signature", "key_cert_sign", "crl_sign")


def _ee_key_usage(public_key: PublicKey) -> x509.KeyUsage:
    """keyUsage of a user's certificate (RFC 5280 §4.2.1.3): one key signs and receives sealed bids.

    * digitalSignature — certificate login (TLS-style challenge) and the signatures the platform
      itself checks;
    * nonRepudiation (contentCommitment) — the user's signatures on documents (opening record
      confirmations): pyHanko's default signer policy requires it, Adobe and ETSI EN 319 412-2
      §4.3.2 expect it for a signature that commits the signer to content;
    * keyEncipherment for RSA (RSA-OAEP key transport to the bidder, RFC 8017 / RFC 5652 §6.2.1)
      or keyAgreement for EC (ECDH key agreement, RFC 5753 §3; RFC 5480 §3 lists the usages an
      id-ecPublicKey may assert, keyEncipherment is not one of them) — the recipient of the CMS
      EnvelopedData of a sealed bid (docs/sealed-bid-format.md).
    """
    wraps = "key_encipherment" if isinstance(public_key, rsa.RSAPublicKey) else "key_agreement"
    return _key_usage("digital_signature", "content_commitment", wraps)


def _ee_extended_key_usage() -> x509.ExtendedKeyUsage:
    """extKeyUsage of a user's certificate (RFC 5280 §4.2.1.12), non-critical.

    clientAuth for certificate login; emailProtection because NSS (Poppler's ``pdfsig``, Firefox,
    LibreOffice) checks PDF and CMS signers as certificateUsageEmailSigner, which refuses an EKU
    without it ("Certificate type not approved for application"), and Adobe accepts it for
    signing; id-kp-documentSigning (RFC 9336) for validators that ask for the document-signing
    purpose.
    """
    return x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION, ID_KP_DOCUMENT_SIGNING]
    )


def _signer_key_usage() -> x509.KeyUsage:
    """keyUsage of the platform's document-signing certificate: digitalSignature + nonRepudiation."""
    return _key_usage("digital_signature", "content_commitment")


def _signer_extended_key_usage() -> x509.ExtendedKeyUsage:
    """extKeyUsage of the platform's document-signing certificate: emailProtection + documentSigning.

    id-kp-documentSigning alone (RFC 9336) is refused by NSS (certificateUsageEmailSigner accepts an
    EKU only with emailProtection; anyExtendedKeyUsage does not help) and is not in Adobe's list of
    signing purposes; emailProtection (RFC 5280 §4.2.1.12) is accepted by both.
    """
    return x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ID_KP_DOCUMENT_SIGNING])


def signer_profile_is_current(cert: x509.Certificate) -> bool:
    """True if a document-signing certificate suits outside validators with their default settings.

    That is keyUsage with nonRepudiation (pyHanko's default signer policy) and digitalSignature or
    nonRepudiation (NSS, OpenSSL's smimesign purpose), and an extKeyUsage that is absent or names
    emailProtection (NSS certificateUsageEmailSigner, Adobe). Certificates issued before these
    profiles (EKU id-kp-documentSigning only) are not, and the platform re-certifies its key.
    """
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    if not usage.content_commitment:
        return False
    try:
        purposes = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return True
    return ExtendedKeyUsageOID.EMAIL_PROTECTION in purposes


def _tsa_key_usage() -> x509.KeyUsage:
    """keyUsage of the TSA: digitalSignature + nonRepudiation, nothing else.

    RFC 3161 §2.3 fixes only the EKU (timeStamping, sole and critical); OpenSSL's timestampsign
    purpose also refuses a keyUsage with any bit beyond these two.
    """
    return _key_usage("digital_signature", "content_commitment")


def _ocsp_responder_key_usage() -> x509.KeyUsage:
    """keyUsage of a delegated OCSP responder: digitalSignature only (RFC 6960 §4.2.2.2)."""
    return _key_usage("digital_signature")


def _ca_name(name: str, label: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} {label}"),
        ]
    )


def _distribution(url: str) -> x509.CRLDistributionPoints:
    """RFC 5280 §4.2.1.13: one distribution point with a full-name URI."""
    return x509.CRLDistributionPoints([x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)])


def _ocsp_access(url: str) -> x509.AuthorityInformationAccess:
    """RFC 5280 §4.2.2.1: id-ad-ocsp access location."""
    return x509.AuthorityInformationAccess(
        [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url))]
    )


@dataclass(frozen=True)
class CertificateAuthority:
    """A root CA plus the issuing CA it certifies, with the base URL where CRLs and OCSP are served."""

    root_cert: x509.Certificate
    root_key: PrivateKey
    issuing_cert: x509.Certificate
    issuing_key: PrivateKey
    base_url: str

    @property
    def issuing_crl_url(self) -> str:
        """URL of the CRL the issuing CA publishes (end-entity revocations)."""
        return f"{self.base_url.rstrip('/')}/pki/crl/issuing.crl"

    @property
    def root_crl_url(self) -> str:
        """URL of the CRL the root CA publishes (issuing-CA revocations)."""
        return f"{self.base_url.rstrip('/')}/pki/crl/root.crl"

    @property
    def ocsp_url(self) -> str:
        """URL of the OCSP responder (RFC 6960 over HTTP, appendix A)."""
        return f"{self.base_url.rstrip('/')}/pki/ocsp"

    @property
    def chain(self) -> list[x509.Certificate]:
        """The CA chain, issuing CA first then root."""
        return [self.issuing_cert, self.root_cert]

    def issue_from_csr(
        self,
        csr_data: bytes | x509.CertificateSigningRequest,
        role: str,
        now: datetime,
        validity_days: int = 365,
    ) -> x509.Certificate:
        """Issue an end-entity certificate from a CSR (RFC 2986) under the RFC 5280 §4 profile.

        The CSR signature is verified, the key checked against policy, and the CSR subject must be
        a valid :class:`PlatformSubject` (credit code check digit included); ``role`` is assigned by
        the CA and replaces any ``OU`` the CSR carried.
        """
        csr = load_csr(csr_data) if isinstance(csr_data, bytes) else _checked_csr(csr_data)
        public_key = check_public_key(csr.public_key())
        subject = parse_subject(csr.subject, role=role)
        if validity_days <= 0:
            raise CryptoError("validity_days must be positive")
        builder = self._ee_builder(subject.to_name(), public_key, now, timedelta(days=validity_days))
        builder = builder.add_extension(_ee_key_usage(public_key), critical=True).add_extension(
            _ee_extended_key_usage(), critical=False
        )
        return builder.sign(self.issuing_key, hashes.SHA256())

    def issue_tsa_certificate(
        self, public_key: PublicKey, now: datetime, name: str | None = None, validity: timedelta = TSA_VALIDITY
    ) -> x509.Certificate:
        """Issue a time-stamping certificate: RFC 3161 §2.3 requires a sole, critical timeStamping EKU."""
        check_public_key(public_key)
        org = self.root_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        org_name = str(org[0].value) if org else "Platform"
        subject = _ca_name(org_name, name or "Time Stamping Authority")
        builder = self._ee_builder(subject, public_key, now, validity)
        builder = builder.add_extension(_tsa_key_usage(), critical=True).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
        return builder.sign(self.issuing_key, hashes.SHA256())

    def issue_document_signer_certificate(
        self, public_key: PublicKey, now: datetime, name: str | None = None, validity: timedelta = TSA_VALIDITY
    ) -> x509.Certificate:
        """Issue the platform's PDF-signing certificate (ETSI EN 319 142-1 PAdES signer).

        keyUsage digitalSignature + nonRepudiation (critical, RFC 5280 §4.2.1.3; pyHanko requires
        nonRepudiation by default for document signatures) and extKeyUsage emailProtection +
        id-kp-documentSigning (RFC 9336 §3.1), non-critical: see :func:`_signer_extended_key_usage`.
        """
        check_public_key(public_key)
        org = self.root_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        org_name = str(org[0].value) if org else "Platform"
        subject = _ca_name(org_name, name or "Document Signing")
        builder = self._ee_builder(subject, public_key, now, validity)
        builder = builder.add_extension(_signer_key_usage(), critical=True).add_extension(
            _signer_extended_key_usage(), critical=False
        )
        return builder.sign(self.issuing_key, hashes.SHA256())

    def issue_ocsp_responder_certificate(
        self,
        public_key: PublicKey,
        now: datetime,
        name: str | None = None,
        validity: timedelta = OCSP_RESPONDER_VALIDITY,
    ) -> x509.Certificate:
        """Issue a delegated OCSP responder certificate (RFC 6960 §4.2.2.2).

        keyUsage digitalSignature (critical), extKeyUsage id-kp-OCSPSigning, id-pkix-ocsp-nocheck
        (§4.2.2.2.1: relying parties need not check its status, so it carries no CRL or OCSP
        pointer and lives :data:`OCSP_RESPONDER_VALIDITY`).
        """
        check_public_key(public_key)
        org = self.root_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        org_name = str(org[0].value) if org else "Platform"
        subject = _ca_name(org_name, name or "OCSP Responder")
        builder = self._ee_builder(subject, public_key, now, validity, revocation_pointers=False)
        builder = (
            builder.add_extension(_ocsp_responder_key_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
            .add_extension(x509.OCSPNoCheck(), critical=False)
        )
        return builder.sign(self.issuing_key, hashes.SHA256())

    def _ee_builder(
        self,
        subject: x509.Name,
        public_key: PublicKey,
        now: datetime,
        validity: timedelta,
        *,
        revocation_pointers: bool = True,
    ) -> x509.CertificateBuilder:
        """Common RFC 5280 §4.1/§4.2 fields of an end-entity certificate issued by the issuing CA."""
        _require_aware(now)
        not_after = min(now + validity, self.issuing_cert.not_valid_after_utc)
        issuer_ski = self.issuing_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.issuing_cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False)
        )
        if revocation_pointers:
            builder = builder.add_extension(_distribution(self.issuing_crl_url), critical=False).add_extension(
                _ocsp_access(self.ocsp_url), critical=False
            )
        return builder

    def save(self, directory: Path, passphrase: bytes | None = None) -> None:
        """Write the four PEM files into ``directory``; keys as PKCS#8, encrypted if ``passphrase``."""
        directory.mkdir(parents=True, exist_ok=True)
        write_cert(directory / ROOT_CERT_FILE, self.root_cert)
        write_cert(directory / ISSUING_CERT_FILE, self.issuing_cert)
        write_key(directory / ROOT_KEY_FILE, self.root_key, passphrase)
        write_key(directory / ISSUING_KEY_FILE, self.issuing_key, passphrase)

    @classmethod
    def load(cls, directory: Path, base_url: str, passphrase: bytes | None = None) -> CertificateAuthority:
        """Read a CA written by :meth:`save` (or supplied by an operator in the same layout)."""
        root_cert = read_cert(directory / ROOT_CERT_FILE)
        issuing_cert = read_cert(directory / ISSUING_CERT_FILE)
        root_key = read_key(directory / ROOT_KEY_FILE, passphrase)
        issuing_key = read_key(directory / ISSUING_KEY_FILE, passphrase)
        for cert, key, label in ((root_cert, root_key, ROOT_CERT_FILE), (issuing_cert, issuing_key, ISSUING_CERT_FILE)):
            if not same_public_key(cert, key):
                raise CAStoreError(f"the private key does not match {label}")
        try:
            issuing_cert.verify_directly_issued_by(root_cert)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise CAStoreError(f"{ISSUING_CERT_FILE} is not issued by {ROOT_CERT_FILE}: {exc}") from exc
        except InvalidSignature as exc:
            raise CAStoreError(f"{ISSUING_CERT_FILE} signature does not verify under {ROOT_CERT_FILE}") from exc
        return cls(root_cert, root_key, issuing_cert, issuing_key, base_url)


def _checked_csr(csr: x509.CertificateSigningRequest) -> x509.CertificateSigningRequest:
    return load_csr(csr.public_bytes(serialization.Encoding.DER))


def create_ca(name: str, key_type: CAKeyType, now: datetime, base_url: str) -> CertificateAuthority:
    """Create a new root CA (pathLen 1) and issuing CA (pathLen 0) named after ``name``."""
    if key_type not in get_args(CAKeyType):
        raise UnsupportedKeyError(f"CA key type must be one of {get_args(CAKeyType)}, got {key_type!r}")
    _require_aware(now)
    root_key = make_key(key_type)
    issuing_key = make_key(key_type)
    root_name = _ca_name(name, "Root CA")
    root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root_cert = (
        _ca_builder(root_name, root_name, root_key.public_key(), now, ROOT_VALIDITY, path_length=1)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    ca_base = base_url.rstrip("/")
    issuing_cert = (
        _ca_builder(
            _ca_name(name, "Issuing CA"), root_name, issuing_key.public_key(), now, ISSUING_VALIDITY, path_length=0
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), critical=False)
        .add_extension(_distribution(f"{ca_base}/pki/crl/root.crl"), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return CertificateAuthority(root_cert, root_key, issuing_cert, issuing_key, base_url)


def load_or_create_ca(
    directory: Path, name: str, key_type: CAKeyType, now: datetime, base_url: str, passphrase: bytes | None = None
) -> CertificateAuthority:
    """Load the CA in ``directory``, creating and saving a new one on first start (embedded default)."""
    if (directory / ROOT_CERT_FILE).exists():
        return CertificateAuthority.load(directory, base_url, passphrase)
    ca = create_ca(name, key_type, now, base_url)
    ca.save(directory, passphrase)
    return ca


def _ca_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: PublicKey,
    now: datetime,
    validity: timedelta,
    path_length: int,
) -> x509.CertificateBuilder:
    """RFC 5280 §4.2.1.9/§4.2.1.3: CA certificates carry critical basicConstraints and keyUsage."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
