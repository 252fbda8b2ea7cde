"""What an uploaded contract says (issue 21; 法 46): its text read from a real PDF, and the winner and
the awarded price found in it — by hand-written examples of each written form, and of the near
misses that must not count (a longer number, a larger 大写 amount, a fen digit more)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader, PdfWriter

from bidding.awards.contract_text import PdfTextError, normalise, pdf_text, price_forms, price_found, winner_found
from bidding.documents.layout import PageSetup, build_pdf, paragraph, title


def _pdf(*lines: str) -> bytes:
    return build_pdf(
        PageSetup("合同", "Contract", "HT-1", datetime(2026, 3, 20, 2, tzinfo=UTC)),
        [*title("建设工程施工合同", "Works contract"), *(paragraph(line) for line in lines)],
    )


def test_the_forms_of_a_price() -> None:
    # 1,234,567.89 元 = 123.456789 万元 = 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分
    assert price_forms(123_456_789) == [
        "1,234,567.89",
        "1234567.89",
        "123.456789万",
        "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
    ]
    # a whole amount: also without decimals, and 整 written 正 or left out
    assert price_forms(4_650_000_00) == [
        "4,650,000.00",
        "4650000.00",
        "4,650,000",
        "4650000",
        "465万",
        "肆佰陆拾伍万元整",
        "肆佰陆拾伍万元正",
        "肆佰陆拾伍万元",
    ]
    # a zero fen digit: one decimal too
    assert "1234567.8" in price_forms(123_456_780)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("签约合同价：¥4,650,000.00元", ["4,650,000.00"]),
        ("合同总价 4650000 元", ["4650000"]),
        ("合同价款：465 万元", ["465万"]),
        ("大写：人民币肆佰陆拾伍万元整", ["肆佰陆拾伍万元整", "肆佰陆拾伍万元"]),
        ("小写：４，６５０，０００．００元", ["4,650,000.00"]),  # full-width, as some editors type it
        ("合同价：4,650,\n000.00 元", ["4,650,000.00"]),  # a line broken inside the number
        # near misses: another amount that contains the awarded one
        ("合同价：14,650,000.00元", []),
        ("合同价：4,650,000.001元", []),
        ("合同价：4650000.5元", []),
        ("大写：壹仟肆佰陆拾伍万元整", []),
        ("大写：肆佰陆拾伍万元叁角", []),
        ("合同价：1465万元", []),
    ],
)
def test_the_price_is_found_whole(text: str, found: list[str]) -> None:
    assert price_found(text, 4_650_000_00) == found


def test_the_winner_by_name_or_credit_code() -> None:
    text = "承包人：某某（北京）建设\n工程有限公司\n统一社会信用代码：91110000mA01ABCD2X"
    assert winner_found(text, "某某(北京)建设工程有限公司", "91110000MA01ABCD2X") == {"name": True, "credit_code": True}
    assert winner_found(text, "某某建设工程有限公司", None) == {"name": False, "credit_code": False}
    assert winner_found("", "", "") == {"name": False, "credit_code": False}
    assert normalise("Ａ　Ｂ\nC") == "ABC"


def test_the_text_of_a_real_pdf() -> None:
    read = pdf_text(_pdf("承包人：某某建设工程有限公司", "签约合同价：人民币肆佰陆拾伍万元整（¥4,650,000.00）"))
    assert read.pages == read.pages_read == 1
    assert price_found(read.text, 4_650_000_00)[:1] == ["4,650,000.00"]
    assert winner_found(read.text, "某某建设工程有限公司", None)["name"]


def test_what_is_not_a_readable_pdf() -> None:
    with pytest.raises(PdfTextError) as not_pdf:
        pdf_text(b"PK\x03\x04 a zip, not a contract")
    assert not_pdf.value.reason == "not_a_pdf"
    with pytest.raises(PdfTextError) as broken:
        pdf_text(b"%PDF-1.7\n" + b"\x00" * 2000)
    assert broken.value.reason == "malformed"

    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf("合同"))))
    locked.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    locked.write(out)
    with pytest.raises(PdfTextError) as encrypted:
        pdf_text(out.getvalue())
    assert encrypted.value.reason == "encrypted"

    # an owner password alone (printing restricted, say) opens without one: read
    opened = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf("合同价 465 万元"))))
    opened.encrypt(user_password="", owner_password="owner")
    out = io.BytesIO()
    opened.write(out)
    assert "465万" in normalise(pdf_text(out.getvalue()).text)
