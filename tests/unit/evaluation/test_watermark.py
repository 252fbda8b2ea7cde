# mypy: disable-error-code="no-untyped-call"
"""The reading watermark (bidding.evaluation.watermark): every page of a bid's PDF carries the expert's
name, 评标专用 and the China time, over the page's own content, in the box the page shows; PDFs that
cannot be stamped are refused with a reason."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from reportlab.pdfgen.canvas import Canvas

from bidding.evaluation.watermark import PdfNotStampable, is_pdf, stamp_pdf, watermark_lines

LINES = watermark_lines("张三", datetime(2026, 12, 7, 2, 5, tzinfo=UTC))


def _pdf(sizes: list[tuple[float, float]]) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    for i, size in enumerate(sizes):
        canvas.setPageSize(size)
        canvas.drawString(72, 72, f"page {i + 1}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written by hand (object i + 1 = objects[i]), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _pages(pdf: bytes) -> list[generic.DictionaryObject]:
    reader = PdfFileReader(io.BytesIO(pdf))
    count = int(reader.root["/Pages"]["/Count"])
    return [reader.find_page_for_modification(i)[0].get_object() for i in range(count)]


def _content(page: generic.DictionaryObject) -> list[bytes]:
    return [ref.get_object().data for ref in page["/Contents"]]


def test_the_lines_name_the_expert_and_the_time_in_china() -> None:
    assert LINES == ("张三", "评标专用", "2026-12-07 10:05 北京时间")
    # 17:30 UTC is half past one the next morning in China
    assert watermark_lines("李四", datetime(2026, 12, 7, 17, 30, tzinfo=UTC))[2] == "2026-12-08 01:30 北京时间"


def test_a_pdf_is_known_by_its_name_and_its_header() -> None:
    assert is_pdf("投标函.PDF", b"%PDF-1.4")
    assert not is_pdf("投标函.pdf", b"<html>")  # a renamed file is not shown as a PDF
    assert not is_pdf("说明.txt", b"%PDF-1.4")


def test_every_page_is_stamped_over_its_own_content() -> None:
    original = _pdf([(595, 842), (595, 842), (842, 595)])
    stamped = stamp_pdf(original, LINES)
    pages = _pages(stamped)
    assert len(pages) == 3
    forms = []
    for page in pages:
        streams = _content(page)
        # q + the page's own stream(s) + Q and the stamp: an unbalanced page cannot move the stamp
        assert streams[0] == b"q\n"
        assert streams[-1].startswith(b"Q\nq 1 0 0 1 0.0000 0.0000 cm /EvalWatermark Do Q")
        assert any(b"page" in s or b"BT" in s for s in streams[1:-1])
        form = page["/Resources"]["/XObject"]["/EvalWatermark"]
        forms.append(form)
        assert form["/Subtype"] == "/Form"
        # semi-transparent: the form's graphics state sets a fill alpha below 1
        states = form["/Resources"]["/ExtGState"]
        assert any(0 < float(state.get("/ca", 1)) < 1 for state in states.values())
        # set in the platform's Chinese font, embedded as a subset; no unembedded standard font
        fonts = [font.get_object() for font in form["/Resources"]["/Font"].get_object().values()]
        assert [str(font["/BaseFont"]).split("+")[1] for font in fonts] == ["WenQuanYiMicroHei-0"]
        assert all("/FontDescriptor" in font for font in fonts)
    # the two portrait pages share one stamp, the landscape page has its own (a diagonal of its size)
    assert forms[0].container_ref == forms[1].container_ref
    assert forms[0].container_ref != forms[2].container_ref
    assert [float(v) for v in forms[2]["/BBox"]] == [0, 0, 842, 595]


def test_the_stamp_is_placed_in_the_box_the_page_shows_and_inherited_boxes_count() -> None:
    # The page tree node holds the MediaBox [100 50 400 450] and the resources; the page has neither.
    pdf = _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [100 50 400 450] /Resources << /XObject << >> >> >>",
            b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
            _stream(b"2 0 0 2 0 0 cm"),  # a page that leaves its scale changed
        ]
    )
    (page,) = _pages(stamp_pdf(pdf, LINES))
    streams = _content(page)
    assert streams == [b"q\n", b"2 0 0 2 0 0 cm", b"Q\nq 1 0 0 1 100.0000 50.0000 cm /EvalWatermark Do Q\n"]
    form = page["/Resources"]["/XObject"]["/EvalWatermark"]
    assert [float(v) for v in form["/BBox"]] == [0, 0, 300, 400]


def test_a_name_the_page_already_uses_is_not_taken() -> None:
    pdf = _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
            b" /Resources << /XObject << /EvalWatermark 5 0 R >> >> >>",
            _stream(b"/EvalWatermark Do"),
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length 0 >>\nstream\n\nendstream",
        ]
    )
    (page,) = _pages(stamp_pdf(pdf, LINES))
    assert set(page["/Resources"]["/XObject"]) == {"/EvalWatermark", "/EvalWatermark1"}
    assert b"/EvalWatermark1 Do" in _content(page)[-1]


def test_pdfs_that_cannot_be_stamped_say_why() -> None:
    with pytest.raises(PdfNotStampable, match="cannot be read"):
        stamp_pdf(b"%PDF-1.7\nthis is not a PDF\n", LINES)
    writer = PdfFileWriter()
    writer.encrypt("owner", "user")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    with pytest.raises(PdfNotStampable, match="encrypted"):
        stamp_pdf(encrypted.getvalue(), LINES)
    empty = _raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    with pytest.raises(PdfNotStampable, match="no pages"):
        stamp_pdf(empty, LINES)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm renders the page")
def test_the_stamp_is_visible_on_the_rendered_page(tmp_path: Path) -> None:
    """Rendered by poppler, the middle of an A4 page that was white is tinted by the stamp."""

    def middle_pixels(pdf: bytes) -> list[tuple[int, int, int]]:
        (tmp_path / "in.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "20", "-singlefile", str(tmp_path / "in.pdf"), str(tmp_path / "out")], check=True
        )
        ppm = (tmp_path / "out.ppm").read_bytes()
        _, size, _, pixels = ppm.split(b"\n", 3)
        width, height = (int(v) for v in size.split())
        rows = range(height // 3, 2 * height // 3)
        return [
            (pixels[(y * width + x) * 3], pixels[(y * width + x) * 3 + 1], pixels[(y * width + x) * 3 + 2])
            for y in rows
            for x in range(width // 3, 2 * width // 3)
        ]

    original = _pdf([(595, 842)])
    assert all(pixel == (255, 255, 255) for pixel in middle_pixels(original))
    tinted = [p for p in middle_pixels(stamp_pdf(original, LINES)) if p != (255, 255, 255)]
    assert len(tinted) > 50
    # light and reddish, not black: the page under it stays readable
    assert all(r > 150 and r >= g for r, g, _ in tinted)
