"""Reading PDFs from untrusted sources: size limit, header check, structural parse.

A PDF file starts with a ``%PDF-x.y`` header (ISO 32000-2 §7.5.2; readers accept it anywhere in
the first 1024 bytes) and ends with a trailer and cross-reference data (§7.5.4–§7.5.8). pyHanko
parses lazily and applies its own stream-decoding limits (``DecodeLimits``), which guard
against decompression bombs; this module adds the outer checks and turns every parser failure
into a :class:`~crypto.pdf.errors.PdfError` with a stable code.
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from typing import BinaryIO, Final

from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from crypto.pdf.errors import EncryptedPdfError, MalformedPdfError, NotAPdfError, PdfTooLargeError

MAX_PDF_BYTES: Final = 64 * 1024 * 1024
"""Default upper bound for a PDF handed to signing or validation (64 MiB)."""

HEADER_WINDOW: Final = 1024
PARSE_ERRORS: Final = (
    PyHankoPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
    OverflowError,
    UnicodeError,
    NotImplementedError,
    AssertionError,
    EOFError,
    struct.error,
    zlib.error,
)
"""What pyHanko / asn1crypto may raise on structurally broken input."""


def read_input(pdf: bytes | bytearray | memoryview | BinaryIO, max_bytes: int = MAX_PDF_BYTES) -> bytes:
    """Load the PDF into memory, refusing more than ``max_bytes`` (read at most one byte past it)."""
    data = bytes(pdf) if isinstance(pdf, bytes | bytearray | memoryview) else pdf.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PdfTooLargeError(f"the PDF is larger than the limit of {max_bytes} bytes")
    return data


def check_header(data: bytes) -> None:
    """ISO 32000-2 §7.5.2: the ``%PDF-`` header must appear within the first 1024 bytes."""
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise NotAPdfError("the file is not a PDF (no %PDF- header)")


def open_reader(data: bytes) -> PdfFileReader:
    """Parse ``data`` as a PDF in pyHanko's strict mode (no hybrid cross-reference tricks)."""
    check_header(data)
    try:
        reader = PdfFileReader(BytesIO(data), strict=True)
        encrypted = bool(reader.encrypted)
        _ = reader.root  # force the catalog to resolve: a broken trailer fails here
    except PARSE_ERRORS as exc:
        raise MalformedPdfError(f"the PDF structure cannot be read: {type(exc).__name__}: {exc}") from exc
    if encrypted:
        raise EncryptedPdfError("encrypted PDFs are not supported")
    return reader
