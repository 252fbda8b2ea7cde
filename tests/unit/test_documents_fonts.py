"""Every font in every PDF the platform issues is embedded, as a subset (ISO 32000-1 §9.9, §9.6.4;
PDF/A-2 needs it, ISO 19005-2 §6.2.11.4), as Poppler's ``pdffonts`` reports it: receipts, opening
records (none, some and 108 bidders; signed by the platform and confirmed by a bidder) and award
notices. Also: the font can be switched, and a missing, broken or non-Chinese font is refused."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import reportlab

from bidding.documents import confirmation_field, layout, render_award, render_opening_record, render_receipt
from tests.fixtures.documents import award_data, compact, pdftotext, receipt_data, record_data
from tests.fixtures.pki import BIDDER, Pki


@dataclass(frozen=True)
class FontRow:
    """One line of ``pdffonts``: name, type, encoding, emb, sub, uni, object ID."""

    name: str
    type: str
    embedded: bool
    subset: bool
    unicode: bool


def pdffonts(pdf: bytes, tmp_path: Path) -> list[FontRow]:
    """The fonts of ``pdf`` as Poppler lists them (every page, every revision's resources)."""
    if shutil.which("pdffonts") is None:  # .ci/run installs it: the check must not vanish silently
        pytest.fail("pdffonts is not installed: apt-get install -y poppler-utils")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["name", "type", "encoding"] and lines[1].startswith("---"), out
    rows = []
    for line in lines[2:]:
        # The type may hold spaces ("Type 1", "CID TrueType"): read the fixed columns from the right.
        cells = line.split()
        emb, sub, uni = cells[-5:-2]
        rows.append(FontRow(cells[0], " ".join(cells[1:-6]), emb == "yes", sub == "yes", uni == "yes"))
    return rows


def assert_all_embedded(pdf: bytes, tmp_path: Path) -> list[FontRow]:
    rows = pdffonts(pdf, tmp_path)
    assert rows, "pdffonts found no font at all"
    for row in rows:
        assert row.embedded and row.subset and row.unicode, row  # uni: the text stays extractable
    return rows


RENDERERS: dict[str, Callable[[], bytes]] = {
    "receipt": lambda: render_receipt(receipt_data()),
    "opening record, no bidders": lambda: render_opening_record(record_data(0)),
    "opening record, 4 bidders": lambda: render_opening_record(record_data(4)),
    "opening record, 108 bidders": lambda: render_opening_record(record_data(108)),
    "award notice": lambda: render_award(award_data()),
}


@pytest.mark.parametrize("kind", RENDERERS)
def test_every_font_is_an_embedded_subset(kind: str, tmp_path: Path) -> None:
    pdf = RENDERERS[kind]()
    rows = assert_all_embedded(pdf, tmp_path)
    assert {row.type for row in rows} == {"TrueType"}
    # Text and digests in WenQuanYi Micro Hei and its monospaced face, nothing else (no Helvetica).
    assert {row.name.split("+", 1)[1] for row in rows} <= {"WenQuanYiMicroHei-0", "WenQuanYiMicroHeiMono-1"}
    assert pdf == RENDERERS[kind]()  # still the same bytes for the same data


async def test_signed_and_confirmed_documents_keep_every_font_embedded(pki: Pki, tmp_path: Path) -> None:
    """What the platform hands out is the signed PDF; signatures are invisible and add no font."""
    for name, render in RENDERERS.items():
        assert_all_embedded(await pki.sign(render(), reason=name), tmp_path)
    signed = await pki.sign(render_opening_record(record_data(1)), reason="开标记录")
    key, cert = pki.bidder("ec-p256", BIDDER)
    confirmed = await pki.confirm(signed, key, cert, confirmation_field(1))
    assert_all_embedded(confirmed, tmp_path)


def test_the_default_font_comes_from_a_package() -> None:
    """A fresh machine has the font from the Python wheel; Debian's package is only the fallback."""
    assert layout.current_font() == layout.FONT
    file = layout.default_font_file()
    assert file.name == "wqy-microhei.ttc" and layout.FONT_PACKAGE in file.parts, file


def test_no_font_anywhere_is_refused_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(layout, "FONT_PACKAGE", "no_such_font_package")
    monkeypatch.setattr(layout, "SYSTEM_FONT_FILE", tmp_path / "wqy-microhei.ttc")
    with pytest.raises(layout.DocumentFontError, match=r"paperang-p2-fonts-cjk.*fonts-wqy-microhei"):
        layout.default_font_file()


def test_missing_broken_or_latin_only_font_is_refused(tmp_path: Path) -> None:
    with pytest.raises(layout.DocumentFontError, match="does not exist"):
        layout.use_font(tmp_path / "nope.ttf")
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(layout.DocumentFontError, match="cannot be used"):
        layout.use_font(bad)
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # Bitstream Vera: Latin only
    with pytest.raises(layout.DocumentFontError, match="no Chinese characters"):
        layout.use_font(vera)
    assert layout.current_font() == layout.FONT


def test_another_truetype_font_is_embedded_too(tmp_path: Path) -> None:
    """``use_font`` with another TrueType face (here the monospaced face of the same collection)."""
    try:
        name = layout.use_font(layout.default_font_file(), subfont_index=1)
        assert name != layout.FONT and layout.current_font() == name
        pdf = render_opening_record(record_data(2))
        assert pdf == render_opening_record(record_data(2))
        rows = assert_all_embedded(pdf, tmp_path)
        assert {row.name.split("+", 1)[1] for row in rows} == {"WenQuanYiMicroHeiMono-1"}
        flat = compact(pdftotext(pdf, tmp_path))
        assert "开标记录表" in flat and "福州第002建设工程有限公司" in flat
    finally:
        layout.use_font(None)
    assert layout.current_font() == layout.FONT
    rows = assert_all_embedded(render_receipt(receipt_data()), tmp_path)
    assert "WenQuanYiMicroHei-0" in {row.name.split("+", 1)[1] for row in rows}
