"""Errors of the PDF signature package; each carries a stable ``code`` (see :mod:`crypto.errors`)."""

from __future__ import annotations

from crypto.errors import CryptoError


class PdfError(CryptoError):
    """Base class for errors raised by :mod:`crypto.pdf`."""

    code = "pdf_error"


class NotAPdfError(PdfError):
    """The input does not start with a ``%PDF-`` header (ISO 32000-2 §7.5.2)."""

    code = "not_a_pdf"


class MalformedPdfError(PdfError):
    """The input claims to be a PDF but its structure cannot be read (ISO 32000-2 §7.5)."""

    code = "malformed_pdf"


class PdfTooLargeError(PdfError):
    """The input exceeds the configured size limit for untrusted uploads."""

    code = "pdf_too_large"


class EncryptedPdfError(PdfError):
    """The PDF is encrypted (ISO 32000-2 §7.6); the platform does not sign or validate those."""

    code = "encrypted_pdf"


class PdfSigningError(PdfError):
    """Signing failed (bad key/certificate pairing, locked document, field clash …)."""

    code = "pdf_signing_failed"


class TimestampFailedError(PdfError):
    """The platform TSA refused or failed to produce a time-stamp token (RFC 3161 §2.4.2)."""

    code = "timestamp_failed"


class RemoteSigningError(PdfError):
    """Base class for remote (interrupted) signing failures."""

    code = "remote_signing_failed"


class RemoteStateError(RemoteSigningError):
    """The stored remote-signing state is unreadable or inconsistent (tampered or corrupted)."""

    code = "remote_state_invalid"


class RemoteSignatureInvalidError(RemoteSigningError):
    """The client's signature does not verify over the signed attributes with the signer's key."""

    code = "remote_signature_invalid"


class SignerCertificateError(PdfError):
    """The signer certificate is unusable: wrong key usage, untrusted, revoked or unsupported key."""

    code = "signer_certificate_invalid"
