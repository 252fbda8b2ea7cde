"""Errors of the sealed-bid envelope format (``docs/sealed-bid-format.md`` §"Error codes").

Every failure is its own subclass of :class:`crypto.errors.CryptoError` with a stable ``code``
that callers (HTTP layer, opening room, CLI) map to a localised message.
"""

from __future__ import annotations

from crypto.errors import CryptoError


class SealedError(CryptoError):
    """Base class for every error of ``crypto.sealed``."""

    code = "sealed_error"


class NotAPackageError(SealedError):
    """The stream does not start with the ``BIDSEAL`` magic."""

    code = "not_a_package"


class UnsupportedVersionError(SealedError):
    """The stream is a sealed bid of a format version this code does not read."""

    code = "unsupported_version"


class MalformedPackageError(SealedError):
    """The byte layout or the header content violates the format."""

    code = "malformed_package"


class TruncatedError(SealedError):
    """The stream ends (or a part ends) before the format says it may: missing final segment, cut record."""

    code = "truncated"


class TrailingDataError(SealedError):
    """Bytes follow the signature trailer."""

    code = "trailing_data"


class SegmentAuthenticationError(SealedError):
    """An AES-GCM segment tag does not verify: flipped bit, reordered, dropped or foreign segment."""

    code = "segment_authentication_failed"


class KeyCommitmentMismatchError(SealedError):
    """The data key does not match the key commitment in the header (wrong key), checked before decrypting."""

    code = "key_commitment_mismatch"


class HeaderMismatchError(SealedError):
    """A part was sealed under another header (header swapped or modified)."""

    code = "header_mismatch"


class NotARecipientError(SealedError):
    """The certificate is not among the recipients, or the private key does not open the envelope."""

    code = "not_a_recipient"


class UnsupportedRecipientError(SealedError):
    """A recipient certificate's key is neither RSA (≥ 2048 bits) nor EC P-256."""

    code = "unsupported_recipient"


class MalformedEnvelopeError(SealedError):
    """A CMS EnvelopedData recipient blob is not in the profile of this format."""

    code = "malformed_envelope"


class SignatureInvalidError(SealedError):
    """A CMS SignedData (package trailer or opening form) is malformed or does not verify."""

    code = "signature_invalid"


class SignerMismatchError(SealedError):
    """A signature verifies but was made with another certificate than the header's bidder certificate."""

    code = "signer_mismatch"


class InvalidFormError(SealedError):
    """The opening form is not a UTF-8 JSON object with a non-negative integer ``price_fen``."""

    code = "invalid_form"
