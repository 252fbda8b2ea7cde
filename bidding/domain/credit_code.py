"""Unified social credit code (统一社会信用代码) as the platform's domain sees it.

The check-digit algorithm of GB 32100-2015 lives once, in :mod:`crypto.subject` (certificates
carry the code in their subject); this module adds what people type: surrounding spaces, lower
case, and messages that say which characters are wrong.
"""

from __future__ import annotations

from crypto.subject import credit_code_check_char

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class CreditCodeError(ValueError):
    """The code is malformed; the message says how."""


def validate_credit_code(code: str) -> str:
    """Return the normalised (upper-case, stripped) code or raise :class:`CreditCodeError`."""
    value = code.strip().upper()
    if len(value) != 18:
        raise CreditCodeError(f"must be 18 characters, got {len(value)}")
    bad = sorted({ch for ch in value if ch not in ALPHABET})
    if bad:
        raise CreditCodeError(f"contains characters not allowed in a credit code: {''.join(bad)}")
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        raise CreditCodeError(f"check character is {value[17]!r}, expected {expected!r}")
    return value


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with their check character (demo data and tests)."""
    if len(first17) != 17 or any(ch not in ALPHABET for ch in first17):
        raise CreditCodeError("need 17 characters of the credit-code alphabet")
    return first17 + credit_code_check_char(first17)
