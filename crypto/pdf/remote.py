"""Remote (interrupted) PAdES signing: the signer's key never leaves the browser or CLI.

Protocol (ETSI EN 319 142-1 PAdES baseline; CMS per RFC 5652 §5.4: the signature is computed over
the DER encoding of the ``SignedAttributes`` SET OF):

1. :func:`prepare_remote_signature` — the server adds the signature field and dictionary with a
   zero-filled ``/Contents`` placeholder in an incremental update (ISO 32000-2 §12.8.1), hashes the
   ``/ByteRange`` with SHA-256 and builds the signed attributes for the signer's certificate
   (content-type, message-digest, signing-certificate-v2). It returns the DER of those attributes
   (what the client signs, with RSASSA-PKCS1-v1_5/SHA-256 or ECDSA P-256/SHA-256) and an opaque
   JSON *state* for the server to store (database row or object store) until the client answers.
2. :func:`finish_remote_signature` — the server reloads the state, re-checks it (placeholder,
   byte-range digest, message-digest attribute, signing certificate, optional HMAC), verifies the
   client's signature with the certificate's public key, packs the CMS ``SignedData``, asks the
   platform TSA for a signature time-stamp (PAdES B-T) and writes the certificates, CRLs and OCSP
   responses to the DSS (B-LT).

Nothing but bytes crosses the two calls.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any, BinaryIO, Final, Literal

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from crypto.ca import check_public_key
from crypto.ecdsa import verify_ecdsa
from crypto.pdf.errors import (
    PdfError,
    PdfSigningError,
    RemoteSignatureInvalidError,
    RemoteStateError,
    SignerCertificateError,
)
from crypto.pdf.pki import to_asn1_cert, unique_certs, validation_context
from crypto.pdf.reader import MAX_PDF_BYTES, PARSE_ERRORS, open_reader, read_input
from crypto.pdf.signing import DIGEST, self_signed

STATE_VERSION: Final = 1
RESERVED_BYTES: Final = 48 * 1024
"""Hex characters reserved for ``/Contents`` (CMS + certificates + time-stamp token ≈ 10–20 KB DER)."""

Algorithm = Literal["RSASSA-PKCS1-v1_5-SHA256", "ECDSA-P256-SHA256"]


@dataclass(frozen=True)
class RemoteSigningRequest:
    """What :func:`prepare_remote_signature` returns.

    ``to_be_signed`` goes to the client, which signs exactly these bytes with ``algorithm``
    (WebCrypto: ``RSASSA-PKCS1-v1_5`` or ``ECDSA`` with ``hash: SHA-256``); ``state`` stays on the
    server. ``digest`` is SHA-256 of ``to_be_signed`` for display / logging.
    """

    to_be_signed: bytes
    algorithm: Algorithm
    digest: bytes
    state: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, label: str) -> bytes:
    if not isinstance(value, str):
        raise RemoteStateError(f"state field {label} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RemoteStateError(f"state field {label} is not base64") from exc


def _algorithm(cert: x509.Certificate) -> tuple[Algorithm, str]:
    """The client algorithm name and the CMS signatureAlgorithm (RFC 5754 §3.2/§3.3) for ``cert``."""
    key = check_public_key(cert.public_key())
    if isinstance(key, rsa.RSAPublicKey):
        return "RSASSA-PKCS1-v1_5-SHA256", "sha256_rsa"
    return "ECDSA-P256-SHA256", "sha256_ecdsa"


def _check_key_usage(cert: x509.Certificate) -> None:
    """ETSI EN 319 412-2 §4.3.2: a signing certificate has digitalSignature or nonRepudiation."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SignerCertificateError("the certificate's key usage allows neither digitalSignature nor nonRepudiation")


def _mac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _external_signer(
    cert: x509.Certificate, chain: Sequence[x509.Certificate], mechanism: str, value: bytes | int
) -> signers.ExternalSigner:
    return signers.ExternalSigner(
        signing_cert=to_asn1_cert(cert),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [to_asn1_cert(c) for c in unique_certs(chain)]
        ),
        signature_value=value,
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}),
    )


async def prepare_remote_signature(
    pdf: bytes | BinaryIO,
    *,
    signer_cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    field_name: str,
    reason: str | None = None,
    location: str | None = None,
    now: datetime | None = None,
    state_key: bytes | None = None,
    max_bytes: int = MAX_PDF_BYTES,
) -> RemoteSigningRequest:
    """Step 1: prepare ``pdf`` for a signature by ``signer_cert`` and return what the client signs.

    ``chain`` (issuing CA, root) is embedded in the CMS. With ``state_key`` the state carries an
    HMAC-SHA256 that :func:`finish_remote_signature` checks.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    algorithm, mechanism = _algorithm(signer_cert)
    _check_key_usage(signer_cert)
    data = read_input(pdf, max_bytes)
    reader = open_reader(data)
    signer = _external_signer(signer_cert, chain, mechanism, 512)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    pdf_signer = signers.PdfSigner(meta, signer, new_field_spec=fields.SigFieldSpec(sig_field_name=field_name))
    try:
        writer = IncrementalPdfFileWriter.from_reader(reader)
        session = pdf_signer.init_signing_session(writer)
        session.system_time = moment
        tbs = session.prepare_tbs_document(validation_info=None, bytes_reserved=RESERVED_BYTES)
        output = BytesIO()
        prepared, _ = tbs.digest_tbs_document(output=output)
        signed_attrs = await signer.signed_attrs(
            prepared.document_digest, DIGEST, attr_settings=PdfCMSSignedAttributes(signing_time=moment), use_pades=True
        )
    except PdfError:
        raise
    except SigningError as exc:
        raise PdfSigningError(f"the document cannot be prepared for signing: {exc}") from exc
    except PARSE_ERRORS as exc:
        raise PdfSigningError(f"the document cannot be prepared for signing: {type(exc).__name__}: {exc}") from exc
    to_be_signed = bytes(signed_attrs.dump())
    body = {
        "v": STATE_VERSION,
        "field": field_name,
        "created": moment.isoformat(),
        "pdf": _b64(output.getvalue()),
        "region": [prepared.reserved_region_start, prepared.reserved_region_end],
        "digest": prepared.document_digest.hex(),
        "signed_attrs": _b64(to_be_signed),
        "cert": _b64(signer_cert.public_bytes(serialization.Encoding.DER)),
        "chain": [_b64(c.public_bytes(serialization.Encoding.DER)) for c in unique_certs(chain)],
    }
    payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    envelope = {"body": payload.decode(), "mac": _mac(state_key, payload) if state_key else None}
    return RemoteSigningRequest(
        to_be_signed=to_be_signed,
        algorithm=algorithm,
        digest=hashlib.sha256(to_be_signed).digest(),
        state=json.dumps(envelope, separators=(",", ":")).encode(),
    )


@dataclass(frozen=True)
class _State:
    field: str
    pdf: bytes
    start: int
    end: int
    digest: bytes
    signed_attrs: cms.CMSAttributes
    signed_attrs_der: bytes
    cert: x509.Certificate
    chain: list[x509.Certificate]


def load_state(state: bytes, state_key: bytes | None = None) -> _State:
    """Parse and re-check a stored state (RemoteStateError if unreadable, tampered or inconsistent)."""
    try:
        envelope = json.loads(state)
        payload = envelope["body"].encode()
        body = json.loads(payload)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RemoteStateError("the signing state is not readable") from exc
    if state_key is not None:
        mac = envelope.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(state_key, payload)):
            raise RemoteStateError("the signing state failed its integrity check (HMAC)")
    if not isinstance(body, dict) or body.get("v") != STATE_VERSION:
        raise RemoteStateError("unknown signing state version")
    pdf = _unb64(body.get("pdf"), "pdf")
    region = body.get("region")
    if not (isinstance(region, list) and len(region) == 2 and all(isinstance(i, int) for i in region)):
        raise RemoteStateError("state field region is invalid")
    start, end = region
    if not (0 < start < end <= len(pdf)) or pdf[start : start + 1] != b"<" or pdf[end - 1 : end] != b">":
        raise RemoteStateError("the signature placeholder is not where the state says")
    if pdf[start + 1 : end - 1].strip(b"0"):
        raise RemoteStateError("the signature placeholder is not empty")
    try:
        digest = bytes.fromhex(str(body.get("digest")))
        attrs_der = _unb64(body.get("signed_attrs"), "signed_attrs")
        attrs = cms.CMSAttributes.load(attrs_der)
        _ = attrs.native
        cert = x509.load_der_x509_certificate(_unb64(body.get("cert"), "cert"))
        chain = [x509.load_der_x509_certificate(_unb64(c, "chain")) for c in body.get("chain") or []]
        field = str(body["field"])
    except (ValueError, TypeError, KeyError) as exc:
        raise RemoteStateError(f"the signing state is inconsistent: {exc}") from exc
    if hashlib.sha256(pdf[:start] + pdf[end:]).digest() != digest:
        raise RemoteStateError("the prepared document does not match its recorded digest")
    _check_attributes(attrs, digest, cert)
    return _State(field, pdf, start, end, digest, attrs, attrs_der, cert, chain)


def _attribute(attrs: cms.CMSAttributes, name: str) -> Any:
    values = [a["values"][0] for a in attrs if a["type"].native == name]
    if len(values) != 1:
        raise RemoteStateError(f"the signed attributes must contain exactly one {name}")
    return values[0]


def _check_attributes(attrs: cms.CMSAttributes, digest: bytes, cert: x509.Certificate) -> None:
    """RFC 5652 §11.2 message-digest and RFC 5035 signing-certificate-v2 must match the state."""
    if _attribute(attrs, "message_digest").native != digest:
        raise RemoteStateError("the message-digest attribute does not match the document")
    ess = _attribute(attrs, "signing_certificate_v2")
    cert_hash = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()
    if ess["certs"][0]["cert_hash"].native != cert_hash:
        raise RemoteStateError("the signing-certificate-v2 attribute does not name the signer certificate")


def verify_client_signature(cert: x509.Certificate, to_be_signed: bytes, signature: bytes) -> bytes:
    """Verify the client's signature; returns it DER-normalised (RemoteSignatureInvalidError otherwise)."""
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, to_be_signed, padding.PKCS1v15(), hashes.SHA256())
            return signature
        if isinstance(key, ec.EllipticCurvePublicKey):
            # DER or WebCrypto's raw r||s; what is embedded in the CMS is DER.
            return verify_ecdsa(key, signature, to_be_signed)
        raise RemoteSignatureInvalidError("unsupported key type")  # pragma: no cover - prepare refuses others
    except (InvalidSignature, ValueError) as exc:
        raise RemoteSignatureInvalidError(
            "the signature does not verify with the signer certificate's public key over the signed attributes"
        ) from exc


async def finish_remote_signature(
    state: bytes,
    signature: bytes,
    *,
    timestamper: TimeStamper,
    trust_roots: Sequence[x509.Certificate] | None = None,
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    now: datetime | None = None,
    state_key: bytes | None = None,
) -> bytes:
    """Step 2: check the client's ``signature`` and return the signed PDF (PAdES B-LT).

    Raises :class:`RemoteStateError` (``remote_state_invalid``) for a bad state,
    :class:`RemoteSignatureInvalidError` (``remote_signature_invalid``) for a signature that does
    not verify, and :class:`SignerCertificateError` (``signer_certificate_invalid``) if the signer
    or TSA certificate does not validate against ``trust_roots`` with ``crls``/``ocsps``.
    """
    loaded = load_state(state, state_key)
    sig = verify_client_signature(loaded.cert, loaded.signed_attrs_der, signature)
    _, mechanism = _algorithm(loaded.cert)
    signer = _external_signer(loaded.cert, loaded.chain, mechanism, sig)
    try:
        content = await signer.async_sign_prescribed_attributes(DIGEST, loaded.signed_attrs, timestamper=timestamper)
    except SigningError as exc:
        raise PdfSigningError(f"the CMS signature cannot be assembled: {exc}") from exc
    der = bytes(content.dump())
    if 2 * len(der) > loaded.end - loaded.start - 2:
        raise PdfSigningError(f"the signature ({len(der)} bytes) does not fit the reserved space")
    output = BytesIO(loaded.pdf)
    PreparedByteRangeDigest(loaded.digest, loaded.start, loaded.end).fill_with_cms(output, content)
    roots = list(trust_roots) if trust_roots is not None else [c for c in loaded.chain if self_signed(c)]
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    context = validation_context(trust_roots=roots, other_certs=loaded.chain, crls=crls, ocsps=ocsps, moment=moment)
    return await _add_dss(output.getvalue(), loaded.field, context)


async def _add_dss(data: bytes, field_name: str, context: Any) -> bytes:
    """Append the validation material of the new signature to the DSS (ISO 32000-2 §12.8.4.3)."""
    reader = PdfFileReader(BytesIO(data), strict=True)
    matches = [s for s in reader.embedded_signatures if s.field_name == field_name]
    if len(matches) != 1:
        raise PdfSigningError(f"signature field {field_name!r} not found after embedding")
    try:
        out = await async_add_validation_info(matches[0], context, output=BytesIO())
    except (ValidationError, PathBuildingError, PathValidationError) as exc:
        raise SignerCertificateError(f"the signer or TSA certificate does not validate: {exc}") from exc
    result: bytes = out.getvalue()
    return result
