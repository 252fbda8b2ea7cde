"""The sealed-bid envelope format (``docs/sealed-bid-format.md``).

A package seals an opening form (开标一览表, signed JSON) and a body (the bid documents, any size)
under one random 256-bit data key, as two independently decryptable STREAM parts of
AES-256-GCM; the data key is wrapped per recipient certificate in CMS EnvelopedData, and the
bidder signs the package with a detached CMS SignedData trailer.

Modules: :mod:`~crypto.sealed.keys` (HKDF key schedule, key commitment),
:mod:`~crypto.sealed.stream` (segmented AEAD), :mod:`~crypto.sealed.envelope` (CMS recipients),
:mod:`~crypto.sealed.signature` (CMS SignedData), :mod:`~crypto.sealed.header`,
:mod:`~crypto.sealed.package` (reader and writer), :mod:`~crypto.sealed.verify` (push-style
keyless verification of uploads), :mod:`~crypto.sealed.errors`.
"""

from __future__ import annotations

from crypto.sealed.envelope import EnvelopeInfo, build_envelope, cert_sha256, envelope_info, unwrap_data_key
from crypto.sealed.errors import (
    HeaderMismatchError,
    InvalidFormError,
    KeyCommitmentMismatchError,
    MalformedEnvelopeError,
    MalformedPackageError,
    NotAPackageError,
    NotARecipientError,
    SealedError,
    SegmentAuthenticationError,
    SignatureInvalidError,
    SignerMismatchError,
    TrailingDataError,
    TruncatedError,
    UnsupportedRecipientError,
    UnsupportedVersionError,
)
from crypto.sealed.header import DEFAULT_SEGMENT_SIZE, MAGIC, Header, Recipient
from crypto.sealed.keys import Randomness, SystemRandomness
from crypto.sealed.package import (
    BodyResult,
    OpeningForm,
    PackageInfo,
    PackageWriter,
    SealResult,
    check_key,
    inspect,
    locate_body,
    open_body,
    open_form,
    open_form_bytes,
    read_header,
    recipient_blob,
    seal,
    validate_form,
)
from crypto.sealed.signature import VerifiedSignature, sign_detached, verify_detached
from crypto.sealed.verify import PackageVerifier

__all__ = [
    "DEFAULT_SEGMENT_SIZE",
    "MAGIC",
    "BodyResult",
    "EnvelopeInfo",
    "Header",
    "HeaderMismatchError",
    "InvalidFormError",
    "KeyCommitmentMismatchError",
    "MalformedEnvelopeError",
    "MalformedPackageError",
    "NotAPackageError",
    "NotARecipientError",
    "OpeningForm",
    "PackageInfo",
    "PackageVerifier",
    "PackageWriter",
    "Randomness",
    "Recipient",
    "SealResult",
    "SealedError",
    "SegmentAuthenticationError",
    "SignatureInvalidError",
    "SignerMismatchError",
    "SystemRandomness",
    "TrailingDataError",
    "TruncatedError",
    "UnsupportedRecipientError",
    "UnsupportedVersionError",
    "VerifiedSignature",
    "build_envelope",
    "cert_sha256",
    "check_key",
    "envelope_info",
    "inspect",
    "locate_body",
    "open_body",
    "open_form",
    "open_form_bytes",
    "read_header",
    "recipient_blob",
    "seal",
    "sign_detached",
    "unwrap_data_key",
    "validate_form",
    "verify_detached",
]
