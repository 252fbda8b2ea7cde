"""Platform signatures on PDFs: PAdES baseline B-LT (ETSI EN 319 142-1 §6.3, level B-LT).

The platform signs the documents it issues (tender receipts, opening records, award notices):

* CMS ``SignedData`` (RFC 5652) in the signature dictionary, ``/SubFilter /ETSI.CAdES.detached``
  (ISO 32000-2 §12.8.3.4), SHA-256, with the ``signing-certificate-v2`` attribute (B-B);
* a signature time-stamp from the platform TSA as an unsigned attribute (B-T, RFC 3161);
* the certificates, CRLs and OCSP responses needed to validate both the signer and the TSA in the
  document security store (DSS, ISO 32000-2 §12.8.4.3) in a following incremental update (B-LT),
  so the signature validates offline.

Only pyHanko's ``async_*`` APIs are used: the synchronous helpers call ``asyncio.run``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from io import BytesIO
from typing import BinaryIO, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from crypto.pdf.errors import PdfError, PdfSigningError, SignerCertificateError
from crypto.pdf.pki import PrivateKey, to_asn1_cert, to_private_key_info, unique_certs, validation_context
from crypto.pdf.reader import MAX_PDF_BYTES, PARSE_ERRORS, open_reader, read_input

DIGEST: Final = "sha256"
PLATFORM_KEY_USAGE: Final = frozenset({"non_repudiation"})
"""keyUsage the platform's own signing certificate must carry (pyHanko's default for signers)."""


def self_signed(cert: x509.Certificate) -> bool:
    """True for a self-issued certificate (subject = issuer), i.e. a root candidate."""
    return cert.subject == cert.issuer


def _key_matches(key: PrivateKey, cert: x509.Certificate) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(der, spki)


async def sign_pdf(
    pdf: bytes | BinaryIO,
    *,
    signer_key: PrivateKey,
    signer_cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    timestamper: TimeStamper,
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    trust_roots: Sequence[x509.Certificate] | None = None,
    field_name: str = "PlatformSignature",
    reason: str | None = None,
    location: str | None = None,
    now: datetime | None = None,
    key_usage: frozenset[str] = PLATFORM_KEY_USAGE,
    max_bytes: int = MAX_PDF_BYTES,
) -> bytes:
    """Sign ``pdf`` in an incremental update with a PAdES B-LT signature (ETSI EN 319 142-1).

    ``chain`` holds the issuing CA(s) and root of ``signer_cert``; ``trust_roots`` defaults to its
    self-signed members. ``crls`` / ``ocsps`` (DER) are the only revocation data used: they must
    cover the signer and the TSA certificates (the signature is refused otherwise, so a document is
    never issued with a signature that would not validate offline). ``now`` sets the signing time
    (``/M``, ISO 32000-2 §12.8.1); the time-stamp token carries the TSA's own time.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    if not _key_matches(signer_key, signer_cert):
        raise PdfSigningError("the signing key does not match the signer certificate")
    data = read_input(pdf, max_bytes)
    reader = open_reader(data)
    roots = list(trust_roots) if trust_roots is not None else [c for c in chain if self_signed(c)]
    context = validation_context(
        trust_roots=roots, other_certs=unique_certs(chain), crls=crls, ocsps=ocsps, moment=moment
    )
    signer = signers.SimpleSigner(
        signing_cert=to_asn1_cert(signer_cert),
        signing_key=to_private_key_info(signer_key),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [to_asn1_cert(c) for c in unique_certs(chain)]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        validation_context=context,
        signer_key_usage=set(key_usage),
    )
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=timestamper, new_field_spec=fields.SigFieldSpec(sig_field_name=field_name)
    )
    try:
        writer = IncrementalPdfFileWriter.from_reader(reader)
        return await _sign(pdf_signer, writer, moment)
    except PdfError:
        raise
    except (ValidationError, PathBuildingError, PathValidationError) as exc:
        raise SignerCertificateError(f"the signer or TSA certificate does not validate: {exc}") from exc
    except SigningError as exc:
        if isinstance(exc.__cause__, ValidationError | PathBuildingError | PathValidationError):
            raise SignerCertificateError(f"{exc}: {exc.__cause__}") from exc
        raise PdfSigningError(f"signing failed: {exc}") from exc
    except PARSE_ERRORS as exc:
        raise PdfSigningError(f"signing failed: {type(exc).__name__}: {exc}") from exc


async def _sign(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, moment: datetime) -> bytes:
    """pyHanko's ``async_sign_pdf`` with the signing time fixed to ``moment`` (not the system clock)."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = moment
    validation_info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(validation_info, tight=False)
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved)
    output = BytesIO()
    prepared, out = tbs.digest_tbs_document(output=output)
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=moment),
    )
    await post.post_signature_processing(out)
    return output.getvalue()
