"""Error hierarchy shared by the ``crypto`` package.

Every error carries a stable machine-readable ``code`` so that callers (HTTP
layer, CLI) can map it to a localised message without parsing text.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class for all errors raised by the ``crypto`` package."""

    code: str = "crypto_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidSubjectError(CryptoError):
    """A distinguished name does not satisfy the platform subject profile."""

    code = "invalid_subject"


class InvalidCreditCodeError(InvalidSubjectError):
    """A unified social credit code fails the GB 32100-2015 format or check digit."""

    code = "invalid_credit_code"


class InvalidCSRError(CryptoError):
    """A certificate signing request is malformed or its self-signature is invalid (RFC 2986)."""

    code = "invalid_csr"


class UnsupportedKeyError(CryptoError):
    """A public key uses an algorithm or size outside the platform policy."""

    code = "unsupported_key"


class CAStoreError(CryptoError):
    """The CA key/certificate directory is missing, incomplete or cannot be decrypted."""

    code = "ca_store_error"
