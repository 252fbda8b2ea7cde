# mypy: disable-error-code="no-untyped-call"
"""A minimal one-page PDF (ISO 32000-2 §7.7 document structure, §9 text) for tests and demos.

Text uses the standard Type 1 font Helvetica (§9.6.2.2) with WinAnsi encoding, so only Latin-1
characters print; others are replaced by ``?``. Real platform documents come from the document
generator, not from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

A4: tuple[int, int, int, int] = (0, 0, 595, 842)


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_content(lines: Sequence[str], *, size: int = 12, top: int = 800, left: int = 56) -> bytes:
    """A content stream (§8.2) printing ``lines`` top-down with font resource ``/F1``."""
    ops = [b"BT", b"/F1 %d Tf" % size, b"%d TL" % int(size * 1.5), b"%d %d Td" % (left, top)]
    for line in lines:
        ops.append(b"(" + _escape(line) + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def font_resources() -> generic.DictionaryObject:
    """Resources dictionary (§7.8.3) with Helvetica as ``/F1``."""
    font = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
            pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
        }
    )
    return generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): font})})


def simple_pdf(lines: Sequence[str]) -> bytes:
    """A one-page A4 PDF showing ``lines``."""
    writer = PdfFileWriter()
    stream = generic.StreamObject(stream_data=text_content(lines))
    page = PageObject(contents=writer.add_object(stream), media_box=A4, resources=font_resources())
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
