"""Unified social credit code (统一社会信用代码) as people type it.

The code's one validator (GB 32100-2015: length, alphabet, check character) is
:func:`crypto.subject.validate_credit_code`, since certificates and sealed packages carry the code;
this module only normalises what people type (surrounding spaces, lower case) before it.
"""

from __future__ import annotations

from crypto.errors import InvalidCreditCodeError as CreditCodeError
from crypto.subject import make_credit_code, validate_credit_code

__all__ = ["CreditCodeError", "make_credit_code", "normalise_credit_code"]


def normalise_credit_code(code: str) -> str:
    """The code as typed, stripped and upper-cased, validated; raises :class:`CreditCodeError`."""
    return validate_credit_code(code.strip().upper())
