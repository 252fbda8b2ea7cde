# mypy: disable-error-code="no-untyped-call"
"""The reading watermark on a bid's PDF: every page stamped with a diagonal, semi-transparent text
naming the expert who reads it, "评标专用" and the time in China (issue 20: "PDFs shown inline, any
file downloadable, with a watermark of the expert's name"; 条例 49 and 规定 17: the bids are read by
the committee alone, and 办法 14: every operation is traceable to its author — a copy that leaves the
room names who took it).

Pure bytes in, bytes out (no I/O, no clock: the time is a parameter); run it in a worker thread.

How: the stamp is drawn once per page size by reportlab (the platform's documents' font, 文泉驿微米黑,
embedded as a subset: :mod:`bidding.documents.layout`), imported into the bid's PDF as a form XObject
(ISO 32000-1 §8.10) by pyHanko and painted over each page's content, after that content is wrapped in
``q … Q`` so that a page leaving its graphics state changed cannot move or hide the stamp. The document
is rewritten whole (pyHanko's ``copy_into_new_writer``), not extended by an incremental update: an
update can be cut off by truncating the file at the original ``%%EOF``, which would give back an
unmarked copy. A signature inside the bid's PDF therefore does not verify on the stamped copy; the
bid's signature was checked at the opening on the sealed package, and the stamped copy is for reading.

pyHanko's own text stamps need fontTools and HarfBuzz for a CJK font (``pyHanko[opentype]``), which the
platform does not install; reportlab already draws the platform's Chinese documents.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree
from pyhanko.pdf_utils.writer import BasePdfFileWriter, copy_into_new_writer
from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bidding.core.clock import CHINA_TIME
from bidding.documents.layout import default_font_file

__all__ = [
    "MAX_PAGES",
    "PdfNotStampable",
    "is_pdf",
    "stamp_pdf",
    "watermark_lines",
]

#: The font the stamp is set in (registered with reportlab under this name, apart from the documents').
FONT: Final = "EvaluationWatermark"
#: Grey at 22 % opacity: the page stays readable, the name cannot be missed.
COLOUR: Final = Color(0.55, 0.1, 0.1, alpha=0.22)
#: A document with more pages than this is not stamped (a page tree of millions is an attack).
MAX_PAGES: Final = 20_000
_XOBJECT: Final = "/EvalWatermark"

_lock = threading.Lock()  # reportlab keeps a TrueType font's subsetting state on the shared face


class PdfNotStampable(ValueError):
    """The file is not a PDF the platform can stamp (unreadable, encrypted, no pages, too many pages)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_pdf(name: str, head: bytes) -> bool:
    """A PDF by its name *and* its first bytes (ISO 32000-1 §7.5.2: the header ``%PDF-``).

    >>> is_pdf("技术标.PDF", b"%PDF-1.7")
    True
    >>> is_pdf("notes.txt", b"%PDF-1.7"), is_pdf("x.pdf", b"PK\\x03\\x04")
    (False, False)
    """
    return name.lower().endswith(".pdf") and head.startswith(b"%PDF-")


def watermark_lines(name: str, at: datetime) -> tuple[str, str, str]:
    """The three lines of the stamp: the expert's name, 评标专用, the time in China (UTC+8).

    >>> from datetime import UTC
    >>> watermark_lines("张三", datetime(2026, 12, 7, 2, 5, tzinfo=UTC))
    ('张三', '评标专用', '2026-12-07 10:05 北京时间')
    """
    local = at.astimezone(CHINA_TIME)
    return name, "评标专用", f"{local:%Y-%m-%d %H:%M} 北京时间"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(default_font_file()), subfontIndex=0))
    return FONT


def _stamp_page(width: float, height: float, lines: Sequence[str]) -> bytes:
    """A one-page PDF of ``width`` × ``height`` points holding the stamp: the lines centred on the
    page's diagonal, the widest as wide as 60 % of the diagonal (at most 60 pt high)."""
    with _lock:
        font = _font()
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1, initialFontName=font)
        widest = max(pdfmetrics.stringWidth(line, font, 1) for line in lines) or 1
        diagonal = math.hypot(width, height)
        size = min(60.0, 0.6 * diagonal / widest)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(math.degrees(math.atan2(height, width)))
        canvas.setFillColor(COLOUR)
        canvas.setFont(font, size)
        leading = size * 1.3
        top = leading * (len(lines) - 1) / 2
        for i, line in enumerate(lines):
            canvas.drawCentredString(0, top - i * leading - size * 0.35, line)
        canvas.showPage()
        canvas.save()
        return out.getvalue()


def _box(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    """The visible box of a page (``/CropBox``, else ``/MediaBox``, inherited from the page tree)."""
    box = find_inherited_value_in_tree(page, "/CropBox", "/Parent") or find_inherited_value_in_tree(
        page, "/MediaBox", "/Parent"
    )
    if box is None or len(box) != 4:
        raise PdfNotStampable("a page has no MediaBox")
    x0, y0, x1, y1 = (float(v) for v in box)
    left, right, bottom, top = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    if right - left < 1 or top - bottom < 1 or right - left > 200_000 or top - bottom > 200_000:
        raise PdfNotStampable("a page has an unusable MediaBox")
    return left, bottom, right - left, top - bottom


def _pages(writer: BasePdfFileWriter) -> list[tuple[generic.DictionaryObject, generic.DictionaryObject]]:
    """Every page of the document with its resources (its own, else inherited from the page tree), in
    one walk of the tree (ISO 32000-1 §7.7.3); a tree with a loop, or with more than :data:`MAX_PAGES`
    pages, is refused."""
    pages: list[tuple[generic.DictionaryObject, generic.DictionaryObject]] = []
    root = writer.root["/Pages"]
    stack: list[tuple[generic.PdfObject, generic.PdfObject]] = [
        (root, root.get("/Resources", generic.DictionaryObject()))
    ]
    seen: set[int] = set()
    while stack:
        node, inherited = stack.pop()
        if id(node) in seen:
            raise PdfNotStampable("the page tree has a loop")
        seen.add(id(node))
        assert isinstance(node, generic.DictionaryObject)
        resources = node.get("/Resources", inherited)
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            kids = [kid.get_object() for kid in node["/Kids"]]
            stack.extend((kid, resources) for kid in reversed(kids))
        else:
            pages.append((node, resources))
            if len(pages) > MAX_PAGES:
                raise PdfNotStampable(f"the document has more than {MAX_PAGES} pages")
    if not pages:
        raise PdfNotStampable("the document has no pages")
    return pages


def _free_name(resources: generic.DictionaryObject) -> generic.NameObject:
    """A resource name for the stamp that the page's resources do not use yet."""
    taken = resources.get("/XObject", generic.DictionaryObject())
    n = 0
    while (name := f"{_XOBJECT}{n or ''}") in taken:
        n += 1
    return generic.NameObject(name)


def _contents(page: generic.DictionaryObject) -> list[generic.PdfObject]:
    """The page's content streams, as references (ISO 32000-1 §7.7.3.3: a stream or an array)."""
    if "/Contents" not in page:
        return []
    raw = page.raw_get("/Contents")
    value = raw.get_object() if isinstance(raw, generic.IndirectObject) else raw
    if isinstance(value, generic.ArrayObject):
        return [*value]
    return [raw]


def _stamp(writer: BasePdfFileWriter, lines: Sequence[str]) -> None:
    """Paint the stamp over every page: ``q`` + the page's own streams + ``Q`` and the stamp."""
    forms: dict[tuple[float, float], generic.IndirectObject] = {}
    opening = writer.add_object(generic.StreamObject(stream_data=b"q\n"))
    for page, inherited in _pages(writer):
        left, bottom, width, height = _box(page)
        key = (round(width, 2), round(height, 2))
        if key not in forms:
            stamp = PdfFileReader(io.BytesIO(_stamp_page(*key, lines)))
            forms[key] = writer.import_page_as_xobject(stamp, 0)
        resources = generic.DictionaryObject(inherited.get_object())
        name = _free_name(resources)
        xobjects = generic.DictionaryObject(resources.get("/XObject", generic.DictionaryObject()))
        xobjects[name] = forms[key]
        resources[generic.NameObject("/XObject")] = xobjects
        paint = f"Q\nq 1 0 0 1 {left:.4f} {bottom:.4f} cm {name} Do Q\n".encode("ascii")
        page[generic.NameObject("/Resources")] = resources
        page[generic.NameObject("/Contents")] = generic.ArrayObject(
            [opening, *_contents(page), writer.add_object(generic.StreamObject(stream_data=paint))]
        )


def stamp_pdf(pdf: bytes, lines: Sequence[str]) -> bytes:
    """``pdf`` with ``lines`` stamped diagonally on every page (see the module doc).

    :class:`PdfNotStampable` if it cannot be read as a PDF, is encrypted, or has no (or too many)
    pages; the reason names which."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if reader.encrypted:
            raise PdfNotStampable("the document is encrypted")
        writer = copy_into_new_writer(reader)
        _stamp(writer, lines)
        out = io.BytesIO()
        writer.write(out)
    except PdfNotStampable:
        raise
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise PdfNotStampable(f"the document cannot be read: {type(exc).__name__}") from None
    return out.getvalue()
