"""Shared page setup for the PDFs the platform issues (docs/documents.md).

A4 portrait; a header with the platform name and the document title; a footer with the document
reference and "第 N 页 / 共 M 页"; a bilingual title; key-value tables and data tables whose cells
wrap long Chinese text and whose header row repeats on every page.

Every font is embedded, as a subset (ISO 32000-1 §9.9 embedded font programs, §9.6.4 font
subsets): a PDF must render the same on a bare server as in Acrobat, and PDF/A-2 (ISO 19005-2
§6.2.11.4) requires it for the archive. Text and digests are set in WenQuanYi Micro Hei and its
monospaced face (文泉驿微米黑, TrueType outlines, Apache-2.0 or GPLv3 with font embedding
exception), found in the PyPI wheel ``paperang-p2-fonts-cjk`` or, failing that, in Debian's
``fonts-wqy-microhei`` (the same file, byte for byte). :func:`use_font` switches the text to
another TrueType file. None of the 14 standard PDF fonts (Helvetica, Courier…) is used: they are
never embedded.

Output is deterministic: reportlab runs in invariant mode and the PDF's creation date is the
document's own issue time, so the same data (and the same font file) gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeAlias
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from bidding import PRODUCT_NAME_EN, PRODUCT_NAME_ZH

FONT: Final = "WenQuanYiMicroHei"  # the default text font, as registered with reportlab
MONO: Final = "WenQuanYiMicroHeiMono"  # digests and fingerprints; face 1 of the same .ttc
FONT_PACKAGE: Final = "paperang_p2_fonts_cjk"  # PyPI paperang-p2-fonts-cjk: fonts/wqy-microhei.ttc
SYSTEM_FONT_FILE: Final = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei
SHANGHAI: Final = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
DEFAULT_PLATFORM_NAME: Final = f"{PRODUCT_NAME_ZH} / {PRODUCT_NAME_EN}"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN: Final = 18 * mm
CONTENT_WIDTH: Final = PAGE_WIDTH - 2 * MARGIN
_GRID: Final = colors.HexColor("#808080")
_SHADE: Final = colors.HexColor("#EEEEEE")

Cell: TypeAlias = str | Flowable
"""A table cell: plain text (escaped, wrapped) or a ready flowable (e.g. from :func:`markup`)."""


_lock = threading.Lock()  # documents render in worker threads; fonts are registered once
#: reportlab's TTFont keeps its subsetting state on the shared face (``makeSubset``), so two documents
#: built at once in two threads corrupt each other's font subsets (IndexError in ``glyphPos``, seen
#: when two bidders' receipts were rendered together): one document is built at a time per process.
_build_lock = threading.Lock()
_current_font: str = FONT


class DocumentFontError(ValueError):
    """The font file is missing or cannot be used; the message says which and why."""


def default_font_file() -> Path:
    """WenQuanYi Micro Hei (``wqy-microhei.ttc``): from the ``paperang-p2-fonts-cjk`` wheel, else
    from Debian's ``fonts-wqy-microhei``; :class:`DocumentFontError` naming both when neither is there."""
    try:
        packaged = Path(str(resources.files(FONT_PACKAGE) / "fonts" / "wqy-microhei.ttc"))
    except ModuleNotFoundError:
        packaged = None
    for candidate in (packaged, SYSTEM_FONT_FILE):
        if candidate is not None and candidate.is_file():
            return candidate
    raise DocumentFontError(
        "no font to embed in documents: install the Python package paperang-p2-fonts-cjk "
        f"or Debian's fonts-wqy-microhei ({SYSTEM_FONT_FILE})"
    )


def _register(name: str, file: Path, subfont_index: int) -> None:
    """Register ``file`` (face ``subfont_index``) under ``name`` unless it already is; it must have
    TrueType outlines and Chinese glyphs."""
    if name in pdfmetrics.getRegisteredFontNames():
        return
    if not file.is_file():
        raise DocumentFontError(f"document font {file} does not exist (install it, or use the default font)")
    try:
        font = TTFont(name, str(file), subfontIndex=subfont_index)
    except (TTFError, OSError, ValueError) as exc:  # e.g. CFF outlines (Noto Sans CJK .otf/.ttc)
        raise DocumentFontError(f"document font {file} cannot be used: {exc}") from None
    if ord("中") not in font.face.charToGlyph:  # a Latin-only font would draw every hanzi as a box
        raise DocumentFontError(f"document font {file} has no Chinese characters")
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(name)  # one face for regular, bold and italic: <b> cannot fail


def _default_fonts() -> None:
    """Register the default text and monospaced faces on first use (not at import: a machine
    without the font can still import the package and gets the error when it renders)."""
    with _lock:
        if MONO not in pdfmetrics.getRegisteredFontNames():
            file = default_font_file()
            _register(FONT, file, 0)
            _register(MONO, file, 1)


# Paragraphs look up a font's family when they are built, the font file only when they are laid
# out (in build_pdf, which registers it): map the default names now.
pdfmetrics.registerFontFamily(FONT)
pdfmetrics.registerFontFamily(MONO)


def current_font() -> str:
    """Name (as registered with reportlab) of the font text is set in: :data:`FONT` unless
    :func:`use_font` chose another."""
    return _current_font


def _style(name: str, size: float, *, leading: float | None = None, **kwargs: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=FONT,
        fontSize=size,
        leading=leading or size * 1.35,
        wordWrap="CJK",  # break between any two CJK characters, as Chinese typesetting does
        splitLongWords=1,
        **kwargs,
    )


BODY: Final = _style("body", 9.5)
SMALL: Final = _style("small", 8)
CELL: Final = _style("cell", 8.5)
LABEL: Final = _style("label", 8.5, textColor=colors.HexColor("#333333"))
TITLE: Final = _style("title", 17, alignment=TA_CENTER, spaceAfter=1 * mm)
SUBTITLE: Final = _style("subtitle", 11, alignment=TA_CENTER, spaceAfter=4 * mm, textColor=colors.HexColor("#444444"))
HEADING: Final = _style("heading", 11.5, spaceBefore=4 * mm, spaceAfter=2 * mm)
_STYLES: Final = (BODY, SMALL, CELL, LABEL, TITLE, SUBTITLE, HEADING)


def use_font(path: str | Path | None, *, subfont_index: int = 0) -> str:
    """Set text in the TrueType font at ``path`` (``.ttf``, or ``.ttc`` with ``subfont_index``),
    embedded as a subset; ``None`` goes back to WenQuanYi Micro Hei. Returns the font name in use.
    Digests stay in WenQuanYi Micro Hei Mono.

    Call it once at start-up, before rendering (it changes module state). Fonts with PostScript (CFF)
    outlines, such as Noto Sans CJK, are not supported by reportlab, nor are fonts without Chinese
    characters: both raise :class:`DocumentFontError`.
    """
    global _current_font
    _default_fonts()
    if path is None:
        name = FONT
    else:
        file = Path(path)
        # reportlab ignores a second registration under a name it knows: one name per file and face
        digest = hashlib.sha256(f"{file.resolve()}#{subfont_index}".encode()).hexdigest()[:12]
        name = f"BiddingText-{digest}"
        _register(name, file, subfont_index)
    for style in _STYLES:
        style.fontName = name
    _current_font = name
    return name


def shanghai(value: datetime) -> str:
    """An aware time as people in China read it: ``2026-11-23 19:06:19 (UTC+8)``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"time must be timezone-aware (stored in UTC), got naive {value.isoformat()}")
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)"


def shanghai_date(value: datetime) -> str:
    """The calendar date in Asia/Shanghai: ``2026年11月23日``."""
    shanghai(value)  # refuses a naive time
    local = value.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def text(value: str, style: ParagraphStyle = CELL) -> Paragraph:
    """Plain text (escaped: ``&``, ``<`` in names are shown, not parsed); newlines are kept."""
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def markup(value: str, style: ParagraphStyle = CELL) -> Paragraph:
    """Text already in reportlab paragraph markup (the caller escapes what it inserts)."""
    return Paragraph(value, style)


def bilingual(zh: str, en: str, style: ParagraphStyle = LABEL) -> Paragraph:
    """Chinese first, English below in smaller grey type."""
    return Paragraph(
        f'{escape(zh)}<br/><font size="{style.fontSize * 0.82:.1f}" color="#666666">{escape(en)}</font>', style
    )


def mono(value: str, style: ParagraphStyle = CELL) -> Paragraph:
    """A digest or fingerprint in the monospaced face, shown in full and wrapped at the cell edge."""
    return Paragraph(f'<font face="{MONO}">{escape(value)}</font>', style)


def title(zh: str, en: str) -> list[Flowable]:
    """The document title, Chinese above English."""
    return [text(zh, TITLE), text(en, SUBTITLE)]


def heading(zh: str, en: str) -> Paragraph:
    """A section heading: ``一、投标人 / Bidders``."""
    return Paragraph(f'{escape(zh)} <font size="9" color="#555555">{escape(en)}</font>', HEADING)


def paragraph(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain running text."""
    return text(value, style)


def spacer(height_mm: float = 3) -> Spacer:
    """Vertical space."""
    return Spacer(1, height_mm * mm)


def _cell(value: Cell) -> Flowable:
    return text(value) if isinstance(value, str) else value


def key_value_table(rows: Sequence[tuple[str, str, Cell]], *, label_width: float = 44 * mm) -> Table:
    """Two columns: bilingual label (zh, en) and value; the value column wraps long text."""
    data = [[bilingual(zh, en), _cell(value)] for zh, en, value in rows]
    table = Table(data, colWidths=[label_width, CONTENT_WIDTH - label_width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _current_font),  # else Helvetica, even for flowable cells
                ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
                ("BACKGROUND", (0, 0), (0, -1), _SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def data_table(
    header: Sequence[Cell], rows: Sequence[Sequence[Cell]], widths: Sequence[float], *, empty: str = ""
) -> Table:
    """A table with a shaded header row repeated on every page; cells wrap.

    ``widths`` are fractions of the content width (they are scaled to sum to 1). With no rows and
    ``empty`` given, one row spanning all columns says so (e.g. "无 / None").
    """
    if len(widths) != len(header) or any(len(row) != len(header) for row in rows):
        raise ValueError("every row needs one cell per header column")
    total = sum(widths)
    col_widths = [CONTENT_WIDTH * w / total for w in widths]
    data: list[list[Flowable | str]] = [[_cell(c) for c in header]]
    data += [[_cell(c) for c in row] for row in rows]
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), _current_font),  # else Helvetica, even for flowable cells
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if not rows and empty:
        data.append([text(empty)] + [""] * (len(header) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def keep(*flowables: Flowable) -> KeepTogether:
    """Keep a heading with what follows it on one page when possible."""
    return KeepTogether(list(flowables))


@dataclass(frozen=True)
class PageSetup:
    """What every page shows around the content, and the PDF's metadata."""

    title_zh: str
    title_en: str
    reference: str  # e.g. the receipt number; shown in the footer
    issued_at: datetime  # the PDF's creation date; shown in the footer
    platform_name: str = DEFAULT_PLATFORM_NAME


def _canvas_maker(setup: PageSetup) -> Callable[..., Canvas]:
    issued = setup.issued_at.astimezone(UTC)
    pdf_date = f"D:{issued:%Y%m%d%H%M%S}+00'00'"
    footer_left = f"{setup.reference}    生成于 Issued {shanghai(setup.issued_at)}"

    class _Canvas(Canvas):  # type: ignore[misc]
        """Holds every page until the end so each footer can say how many pages there are."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_: pdf_date)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(_GRID)
            self.setLineWidth(0.5)
            top = PAGE_HEIGHT - MARGIN + 5 * mm
            self.setFont(_current_font, 8)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(MARGIN, top + 1.5 * mm, setup.platform_name)
            self.drawRightString(PAGE_WIDTH - MARGIN, top + 1.5 * mm, f"{setup.title_zh} / {setup.title_en}")
            self.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
            bottom = MARGIN - 6 * mm
            self.line(MARGIN, bottom + 3.5 * mm, PAGE_WIDTH - MARGIN, bottom + 3.5 * mm)
            self.drawString(MARGIN, bottom, footer_left)
            self.drawRightString(PAGE_WIDTH - MARGIN, bottom, f"第 {number} 页 / 共 {total} 页")
            self.restoreState()

    return _Canvas


def build_pdf(setup: PageSetup, story: Sequence[Flowable]) -> bytes:
    """Lay out ``story`` on A4 pages with header and footer; return the PDF bytes."""
    shanghai(setup.issued_at)  # refuse a naive time before doing any work
    _default_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN,
        title=f"{setup.title_zh} / {setup.title_en} {setup.reference}",
        author=setup.platform_name,
        subject=setup.title_en,
        creator=setup.platform_name,
        invariant=1,
        initialFontName=_current_font,  # not Helvetica: a standard font, which is never embedded
        pageCompression=1,
        lang="zh-CN",
    )
    try:
        with _build_lock:
            doc.build(list(story), canvasmaker=_canvas_maker(setup))
    except LayoutError as exc:  # e.g. a single table cell taller than a page
        raise ValueError(f"{setup.title_en} {setup.reference}: content does not fit on A4 pages: {exc}") from None
    return buffer.getvalue()
