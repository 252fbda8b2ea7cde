"""RFC 3161 Time-Stamp Authority (with the RFC 5816 ESSCertIDv2 profile).

A pure library: :meth:`TimeStampAuthority.respond` turns the DER body of an
``application/timestamp-query`` request into the DER body of an
``application/timestamp-reply`` response. It never raises on client input: a
malformed or unacceptable request yields a ``rejection`` response carrying the
matching ``PKIFailureInfo`` bit.

The token is a CMS ``SignedData`` (RFC 5652) whose encapsulated content is a
``TSTInfo`` (``id-ct-TSTInfo``). Its single ``SignerInfo`` carries the signed
attributes content-type, message-digest, signing-time and
signing-certificate-v2 (RFC 5816, SHA-256 hash of the TSA certificate plus
issuer/serial). The signature uses SHA-256 with either RSA PKCS#1 v1.5 or
ECDSA P-256.

See ``docs/timestamping.md``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from crypto.errors import CryptoError

__all__ = [
    "ACCEPTED_HASH_ALGORITHMS",
    "DEFAULT_POLICY_OID",
    "TimeStampAuthority",
    "TimeStampRequestError",
    "TimeStampResp",
    "TsaConfigurationError",
    "TsaError",
    "random_serial",
]

_log = logging.getLogger(__name__)

#: Placeholder TSA policy OID under a private-enterprise arc that is NOT registered
#: to this project (``1.3.6.1.4.1.99999`` is used in examples). Replace it with an
#: OID under the operator's own IANA Private Enterprise Number before production.
DEFAULT_POLICY_OID: Final = "1.3.6.1.4.1.99999.1"

#: Message-imprint hash algorithms accepted in requests: OID -> (name, digest length).
ACCEPTED_HASH_ALGORITHMS: Final[dict[str, tuple[str, int]]] = {
    "2.16.840.1.101.3.4.2.1": ("sha256", 32),
    "2.16.840.1.101.3.4.2.2": ("sha384", 48),
    "2.16.840.1.101.3.4.2.3": ("sha512", 64),
}

_ACCURACY_SECONDS: Final = 1


class TimeStampResp(tsp.TimeStampResp):  # type: ignore[misc]
    """RFC 3161 ``TimeStampResp`` with ``timeStampToken`` OPTIONAL, as the RFC says.

    ``asn1crypto.tsp.TimeStampResp`` declares the token mandatory, so it can neither
    encode nor read a rejection; use this class to parse replies.
    """

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TsaError(CryptoError):
    """Base class for errors of the time-stamp authority."""

    code = "tsa_error"


class TsaConfigurationError(TsaError):
    """The TSA key or certificate is unusable (wrong key type, mismatch, missing EKU)."""

    code = "tsa_configuration"


class TimeStampRequestError(TsaError):
    """A time-stamp request is refused; ``failure`` is the RFC 3161 PKIFailureInfo bit name."""

    code = "tsa_bad_request"

    def __init__(self, message: str, failure: str = "bad_request") -> None:
        super().__init__(message)
        self.failure = failure


def random_serial() -> int:
    """A random positive 128-bit serial number (the default serial source)."""
    return secrets.randbits(128) | 1


@dataclass(frozen=True, slots=True)
class _ParsedRequest:
    hash_oid: str
    hashed_message: bytes
    nonce: int | None
    cert_req: bool


def _parse_request(query_der: bytes, policy_oid: str) -> _ParsedRequest:
    """Decode and check a ``TimeStampReq``; raise :class:`TimeStampRequestError` when refused."""
    try:
        req = tsp.TimeStampReq.load(query_der, strict=True)
        native = req.native  # forces a full parse of every field
        imprint = req["message_imprint"]
        hash_oid = imprint["hash_algorithm"]["algorithm"].dotted
        params = imprint["hash_algorithm"]["parameters"]
        hashed_message = bytes(imprint["hashed_message"].native)
        nonce_value = req["nonce"].native
        cert_req = bool(req["cert_req"].native)
        policy_field = req["req_policy"]
        policy = policy_field.dotted if policy_field.native is not None else None
        version = native["version"]
        extensions = native["extensions"]
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise TimeStampRequestError(f"undecodable TimeStampReq: {exc}", "bad_request") from exc
    if version != "v1":
        raise TimeStampRequestError(f"unsupported TimeStampReq version {version!r}", "bad_request")
    if hash_oid not in ACCEPTED_HASH_ALGORITHMS:
        raise TimeStampRequestError(f"hash algorithm {hash_oid} is not accepted", "bad_alg")
    if params.native is not None:
        raise TimeStampRequestError("hash algorithm parameters must be absent or NULL", "bad_alg")
    name, length = ACCEPTED_HASH_ALGORITHMS[hash_oid]
    if len(hashed_message) != length:
        raise TimeStampRequestError(
            f"message imprint is {len(hashed_message)} bytes, {name} needs {length}", "bad_data_format"
        )
    if extensions:
        raise TimeStampRequestError("request extensions are not supported", "unaccepted_extensions")
    if policy is not None and policy != policy_oid:
        raise TimeStampRequestError(f"policy {policy} is not supported", "unaccepted_policy")
    nonce = int(nonce_value) if nonce_value is not None else None
    return _ParsedRequest(hash_oid, hashed_message, nonce, cert_req)


def _rejection(failure: str, text: str) -> bytes:
    resp = TimeStampResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({failure}),
            }
        }
    )
    return bytes(resp.dump())


class TimeStampAuthority:
    """An RFC 3161 TSA holding one signing key and its certificate.

    ``key`` is an RSA private key (signs PKCS#1 v1.5 with SHA-256) or an ECDSA P-256
    private key (signs ECDSA with SHA-256). ``certificate`` must carry the critical
    extended key usage ``id-kp-timeStamping`` (RFC 3161 §2.3) and match ``key``.
    ``chain`` lists further certificates (issuing CAs) put into tokens when the
    client asks for certificates. ``serial_source`` returns a fresh positive serial
    for every token (default: :func:`random_serial`).
    """

    def __init__(
        self,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        policy_oid: str = DEFAULT_POLICY_OID,
        serial_source: Callable[[], int] = random_serial,
    ) -> None:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            if not isinstance(key.curve, ec.SECP256R1):
                raise TsaConfigurationError(f"unsupported EC curve {key.curve.name}; only P-256 is supported")
            self._signature_algorithm = "sha256_ecdsa"
        elif isinstance(key, rsa.RSAPrivateKey):
            if key.key_size < 2048:
                raise TsaConfigurationError(f"RSA key of {key.key_size} bits is too small (need >= 2048)")
            self._signature_algorithm = "sha256_rsa"
        else:
            raise TsaConfigurationError(f"unsupported key type {type(key).__name__}")
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        if key.public_key().public_bytes(serialization.Encoding.DER, spki) != certificate.public_key().public_bytes(
            serialization.Encoding.DER, spki
        ):
            raise TsaConfigurationError("the TSA key does not match the TSA certificate")
        try:
            eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        except x509.ExtensionNotFound as exc:
            raise TsaConfigurationError("the TSA certificate has no extended key usage extension") from exc
        if not eku.critical or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
            raise TsaConfigurationError(
                "the TSA certificate must have a critical extended key usage of exactly id-kp-timeStamping"
            )
        try:
            core.ObjectIdentifier(policy_oid).dump()
        except (ValueError, TypeError) as exc:
            raise TsaConfigurationError(f"invalid policy OID {policy_oid!r}") from exc

        self._key = key
        self._policy_oid = policy_oid
        self._serial_source = serial_source
        cert_der = certificate.public_bytes(serialization.Encoding.DER)
        self._cert = asn1_x509.Certificate.load(cert_der)
        self._chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]
        self._cert_sha256 = hashlib.sha256(cert_der).digest()

    @property
    def policy_oid(self) -> str:
        return self._policy_oid

    def respond(self, query_der: bytes, now: datetime) -> bytes:
        """Answer a DER ``TimeStampReq`` with a DER ``TimeStampResp`` (granted or rejection).

        ``now`` must be timezone-aware; it becomes ``genTime`` (in UTC). Never raises on
        bad client input.
        """
        _require_aware(now)
        try:
            parsed = _parse_request(query_der, self._policy_oid)
        except TimeStampRequestError as exc:
            return _rejection(exc.failure, exc.message)
        try:
            token = self._token(
                parsed.hash_oid, parsed.hashed_message, now, nonce=parsed.nonce, cert_req=parsed.cert_req
            )
        except Exception:  # an internal fault must still produce a TimeStampResp
            _log.exception("time-stamp token generation failed")
            return _rejection("system_failure", "internal error")
        resp = TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
        return bytes(resp.dump())

    def timestamp(
        self,
        hashed_message: bytes,
        now: datetime,
        hash_algorithm: str = "sha256",
        nonce: int | None = None,
        cert_req: bool = True,
    ) -> bytes:
        """Make a DER token (CMS ``ContentInfo``) for a digest computed by the caller.

        For in-process use (e.g. bid receipts). ``hash_algorithm`` is ``sha256``,
        ``sha384`` or ``sha512``; raises :class:`TimeStampRequestError` otherwise.
        """
        _require_aware(now)
        by_name = {name: (oid, length) for oid, (name, length) in ACCEPTED_HASH_ALGORITHMS.items()}
        if hash_algorithm not in by_name:
            raise TimeStampRequestError(f"hash algorithm {hash_algorithm} is not accepted", "bad_alg")
        oid, length = by_name[hash_algorithm]
        if len(hashed_message) != length:
            raise TimeStampRequestError(
                f"message imprint is {len(hashed_message)} bytes, {hash_algorithm} needs {length}", "bad_data_format"
            )
        return bytes(self._token(oid, hashed_message, now, nonce=nonce, cert_req=cert_req).dump())

    # -- token construction -------------------------------------------------------------------

    def _token(
        self, hash_oid: str, hashed_message: bytes, now: datetime, *, nonce: int | None, cert_req: bool
    ) -> cms.ContentInfo:
        serial = self._serial_source()
        if not isinstance(serial, int) or serial <= 0:
            raise TsaError("serial source returned a non-positive serial number")
        gen_time = now.astimezone(UTC)
        tst_fields: dict[str, Any] = {
            "version": "v1",
            "policy": self._policy_oid,
            "message_imprint": {
                "hash_algorithm": {"algorithm": hash_oid},
                "hashed_message": hashed_message,
            },
            "serial_number": serial,
            "gen_time": gen_time,
            "accuracy": {"seconds": _ACCURACY_SECONDS},
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._cert.subject),
        }
        if nonce is not None:
            tst_fields["nonce"] = nonce
        tst_info = tsp.TSTInfo(tst_fields)
        tst_der = tst_info.dump()

        signing_cert_v2 = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "cert_hash": self._cert_sha256,
                        "issuer_serial": {
                            "issuer": [asn1_x509.GeneralName(name="directory_name", value=self._cert.issuer)],
                            "serial_number": self._cert.serial_number,
                        },
                    }
                ]
            }
        )
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}),
                cms.CMSAttribute({"type": "signing_time", "values": [cms.Time(name="utc_time", value=gen_time)]}),
                cms.CMSAttribute({"type": "signing_certificate_v2", "values": [signing_cert_v2]}),
            ]
        )
        signature = self._sign(signed_attrs.dump())

        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={"issuer": self._cert.issuer, "serial_number": self._cert.serial_number},
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attrs,
                "signature_algorithm": {"algorithm": self._signature_algorithm},
                "signature": signature,
            }
        )
        signed_data_fields: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info", "content": tst_info},
            "signer_infos": [signer_info],
        }
        if cert_req:
            signed_data_fields["certificates"] = [self._cert, *self._chain]
        return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data_fields)})

    def _sign(self, data: bytes) -> bytes:
        key = self._key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
