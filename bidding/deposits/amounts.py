"""Decimal amount text ↔ integer fen, exactly: no float ever touches money.

``"1234.5"`` → ``123450``; ``"1234.567"`` is refused (a fen is the smallest unit, 1/100 yuan, and
a bank that sends a third decimal is sending something else than CNY bank money). Thousands
separators (``1,234.50``, as online banking exports print them) are accepted only where the caller
allows them.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_FEN", "fen_text", "parse_fen"]

#: ISO 20022 amounts have at most 18 digits; 10¹⁸ − 1 fen is far above any deposit.
MAX_FEN: Final = 10**18 - 1
_AMOUNT: Final = re.compile(r"(\d{1,16})(?:\.(\d{1,2}))?")
_AMOUNT_SEPARATED: Final = re.compile(r"(\d{1,3}(?:,\d{3})+|\d{1,16})(?:\.(\d{1,2}))?")


def parse_fen(text: str, *, separators: bool = False) -> int:
    """A non-negative decimal with at most two decimals → integer fen; ``ValueError`` otherwise.

    Leading and trailing white space is ignored; signs, exponents, more than two decimals and
    empty text are refused.
    """
    pattern = _AMOUNT_SEPARATED if separators else _AMOUNT
    match = pattern.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a non-negative amount with at most two decimals")
    whole, cents = match.group(1), match.group(2) or ""
    return int(whole.replace(",", "")) * 100 + int(cents.ljust(2, "0"))


def fen_text(fen: int) -> str:
    """Integer fen → the ISO 20022 decimal text, always two decimals: ``123450`` → ``"1234.50"``."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError(f"amount must be a non-negative integer number of fen, got {fen!r}")
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}"
