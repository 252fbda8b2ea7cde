"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and upper-case letters without I, O, Z, S, V):
registration authority (1), organisation type (1), administrative division (6), organisation
code (9), check character (1). The check character is ``31 - (Σ cᵢ·wᵢ mod 31)`` with
``wᵢ = 3ⁱ mod 31`` (clause 4.5), where a result of 31 is written ``0``.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class CreditCodeError(ValueError):
    """The code is malformed; the message says how."""


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return the normalised (upper-case, stripped) code or raise :class:`CreditCodeError`."""
    value = code.strip().upper()
    if len(value) != 18:
        raise CreditCodeError(f"must be 18 characters, got {len(value)}")
    bad = sorted({ch for ch in value if ch not in _VALUE})
    if bad:
        raise CreditCodeError(f"contains characters not allowed in a credit code: {''.join(bad)}")
    expected = check_character(value[:17])
    if value[17] != expected:
        raise CreditCodeError(f"check character is {value[17]!r}, expected {expected!r}")
    return value


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with their check character (demo data and tests)."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise CreditCodeError("need 17 characters of the credit-code alphabet")
    return first17 + check_character(first17)
