"""What an uploaded contract says (法 46: the contract is made on the terms of the tender and the
winning bid): its text read from the PDF, and whether it names the winner and the awarded price.
Pure (bytes in, findings out): the use case is :mod:`bidding.awards.contract`.

The text is read with pypdf (pyHanko, which signs and validates the platform's PDFs, reads a PDF's
structure but extracts no text). A scanned contract without a text layer has no text to check: it is
refused as such, not as one that names no winner.

Matching is on a normalised text — Unicode NFKC (full-width digits, commas and brackets become
ASCII, so ``１，２３４`` and ``1,234`` are the same) with every space and line break removed (the
extraction breaks lines where the layout wrapped them, inside a name or a number):

* **the winner**: its name as registered, or its unified social credit code (统一社会信用代码,
  letters in any case);
* **the price** in one of the forms Chinese contracts write it: yuan with two decimals, with or
  without thousands separators (``1,234,567.89`` / ``1234567.89``); a whole amount also without
  decimals (``1,234,567``) and one decimal when the fen digit is zero (``1234567.8``); in 万元
  exactly (``123.456789万``); or in 人民币大写 (:func:`bidding.documents.money.chinese_uppercase`,
  ``整`` also written ``正`` or left out). A number only counts whole: ``1,234.00`` is not found
  in ``21,234.00`` nor in ``1,234.005``, and ``壹佰元整`` not in ``贰仟壹佰元整``.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from bidding.documents.money import DIGITS, chinese_uppercase

__all__ = [
    "MAX_PAGES",
    "ContractText",
    "PdfTextError",
    "normalise",
    "pdf_text",
    "price_forms",
    "price_found",
    "winner_found",
]

#: The pages read (a contract longer than this is checked on its first pages, which name the parties
#: and the price; the count read is recorded with the checks).
MAX_PAGES: Final = 500

_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_UPPER_DIGITS: Final = DIGITS + "拾佰仟万亿"


class PdfTextError(ValueError):
    """The file is not a PDF pypdf can read (``reason``: not_a_pdf, encrypted, malformed)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ContractText:
    text: str
    pages: int
    pages_read: int


def pdf_text(data: bytes, *, max_pages: int = MAX_PAGES) -> ContractText:
    """The text of ``data``'s first ``max_pages`` pages (:class:`PdfTextError` if it is no readable
    PDF). An encrypted PDF is read if it opens without a password (an owner password only)."""
    if b"%PDF-" not in data[:1024]:  # ISO 32000-2 §7.5.2: the header within the first 1024 bytes
        raise PdfTextError("not_a_pdf", "the file is not a PDF (no %PDF- header)")
    from pypdf import PdfReader  # imported on use: the upload is the only reader of PDF text
    from pypdf.errors import PyPdfError

    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # a sloppy but readable PDF is not worth a warning per object
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfTextError("encrypted", "the PDF is encrypted with a password")
        pages = len(reader.pages)
        texts = [reader.pages[i].extract_text() or "" for i in range(min(pages, max_pages))]
    except PdfTextError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise PdfTextError("malformed", f"the PDF cannot be read: {type(exc).__name__}") from None
    except Exception as exc:  # pypdf raises more than it declares on hostile input (zlib, struct, …)
        raise PdfTextError("malformed", f"the PDF cannot be read: {type(exc).__name__}") from None
    finally:
        quiet.setLevel(level)
    return ContractText("\n".join(texts), pages, min(pages, max_pages))


def normalise(text: str) -> str:
    """NFKC, every space and line break removed (see the module doc)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def winner_found(text: str, name: str, credit_code: str | None) -> dict[str, bool]:
    """Whether the normalised ``text`` names the winner: ``{"name": …, "credit_code": …}``."""
    flat = normalise(text)
    code = normalise(credit_code or "").upper()
    return {
        "name": bool(normalise(name)) and normalise(name) in flat,
        "credit_code": bool(code) and code in flat.upper(),
    }


def price_forms(fen: int) -> list[str]:
    """The written forms of ``fen`` looked for (see the module doc), numeric ones first."""
    whole, cents = divmod(fen, 100)
    forms = [f"{whole:,}.{cents:02d}", f"{whole}.{cents:02d}"]
    if cents == 0:
        forms += [f"{whole:,}", f"{whole}"]
    elif cents % 10 == 0:
        forms += [f"{whole:,}.{cents // 10}", f"{whole}.{cents // 10}"]
    wan = format((Decimal(fen) / Decimal(1_000_000)).normalize(), "f")
    forms.append(f"{wan}万")
    upper = chinese_uppercase(fen)
    forms.append(upper)
    if upper.endswith("整"):
        forms += [upper[:-1] + "正", upper[:-1]]
    return list(dict.fromkeys(forms))


def _pattern(form: str) -> re.Pattern[str]:
    if form[0].isdigit():
        # a whole number only: no digit, separator or point joined to either end
        return re.compile(rf"(?<![\d.,]){re.escape(form)}(?!\d|[.,]\d)")
    # 大写: no higher digit or unit before it; without 整, no 角/分 or digit after it
    after = "" if form[-1] in "整正" else rf"(?![{DIGITS}角分])"
    return re.compile(rf"(?<![{_UPPER_DIGITS}]){re.escape(form)}{after}")


def price_found(text: str, fen: int) -> list[str]:
    """The forms of ``fen`` found in ``text`` (empty: the price is not there)."""
    flat = normalise(text)
    return [form for form in price_forms(fen) if _pattern(form).search(flat)]
