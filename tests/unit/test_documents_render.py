"""The platform's PDFs (receipt, opening record, award notice): they render, the Chinese text can be
extracted, the same data gives the same bytes, and big openings span pages with every bidder listed."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bidding.documents import (
    Objection,
    confirmation_field,
    render_award,
    render_opening_record,
    render_receipt,
)
from bidding.documents.layout import shanghai
from bidding.documents.receipt import size_text
from tests.fixtures.documents import T, award_data, bidder, compact, pages, pdftotext, receipt_data, record_data

# --- receipt -------------------------------------------------------------------------------------------


def test_receipt_text_is_extractable(tmp_path: Path) -> None:
    r = receipt_data()
    pdf = render_receipt(r)
    assert pdf.startswith(b"%PDF-1.4") and pages(pdf) == 1
    text = pdftotext(pdf, tmp_path)
    for expected in (
        "投标文件接收回执",
        "Tender receipt",
        "福州示例建设有限公司",
        "91350100M000100Y43",
        "第一标段 & <施工>",  # escaped, shown as typed
        "第 2 次递交",
        "2026-11-23 10:00:00 (UTC+8)",  # submitted_at 02:00 UTC in Asia/Shanghai
        "2026-11-23 10:00:01 (UTC+8)",  # time-stamp
        "示例交易中心 Time Stamping Authority",
        "123,456,789",
        "117.74 MiB",
        "第二十七条",
    ):
        assert expected in text, expected
    flat = compact(text)
    assert "第1页/共1页" in flat
    for digest in (r.ciphertext_sha256, r.package_digest, r.uploader_fingerprint):
        assert digest in flat  # in full, possibly wrapped


def test_receipt_is_deterministic_and_depends_on_data() -> None:
    assert render_receipt(receipt_data()) == render_receipt(receipt_data())
    assert render_receipt(receipt_data(version=3)) != render_receipt(receipt_data())
    assert render_receipt(receipt_data(issued_at=T + timedelta(hours=1))) != render_receipt(receipt_data())


def test_documents_built_at_once_in_threads_are_each_whole() -> None:
    """Receipts render in worker threads (``asyncio.to_thread``); two built at once shared the font's
    subsetting state and one failed with an IndexError (seen in the deadline-race test)."""
    from concurrent.futures import ThreadPoolExecutor

    data = [receipt_data(version=v) for v in range(1, 9)]
    alone = [render_receipt(d) for d in data]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(render_receipt, data * 3))
    assert together == alone * 3


def test_receipt_creation_date_is_the_issue_time() -> None:
    assert b"D:20261123020002+00'00'" in render_receipt(receipt_data())


@pytest.mark.parametrize(
    "changes",
    [
        {"submitted_at": datetime(2026, 11, 23, 2, 0)},  # naive
        {"version": 0},
        {"ciphertext_sha256": "not hex"},
        {"size_bytes": -1},
    ],
)
def test_receipt_refuses_bad_data(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        render_receipt(receipt_data(**changes))


def test_size_text() -> None:
    assert size_text(0) == "0 字节 bytes (0.00 MiB)"
    assert size_text(1 << 20) == "1,048,576 字节 bytes (1.00 MiB)"
    assert size_text(5_242_880 + 5242) == "5,248,122 字节 bytes (5.00 MiB)"  # 5.004999…
    assert size_text(5_242_880 + 5243) == "5,248,123 字节 bytes (5.01 MiB)"  # 5.005000… rounds half-up


def test_shanghai_time() -> None:
    assert shanghai(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == "2027-01-01 00:30:00 (UTC+8)"


# --- opening record ------------------------------------------------------------------------------------


def test_opening_record_one_bidder(tmp_path: Path) -> None:
    pdf = render_opening_record(record_data(1))
    text = pdftotext(pdf, tmp_path)
    flat = compact(text)
    for expected in (
        "开标记录表",
        "Opening record",
        "不见面开标大厅（远程）",
        "福州第001建设工程有限公司",
        "李主持",
        "王监督、赵监督",
        "123,456.79元",
        "壹拾贰万叁仟肆佰伍拾陆元柒角玖分",
        "工期（日历天）",
        "1,005.00元",  # money field shown in yuan
        "项目经理",
        "质保期",  # fifth other field: second form table
        "我方解密失败系网络原因",
        "不予延长",
        "开标过程符合规定",
        confirmation_field(1),
        hashlib.sha256(b"{}").hexdigest(),
    ):
        assert compact(expected) in flat, expected


def test_opening_record_no_bidders(tmp_path: Path) -> None:
    pdf = render_opening_record(record_data(0, objections=[], supervisor_remarks="", fields=[]))
    text = pdftotext(pdf, tmp_path)
    assert "开标记录表" in text and "No bids were received" in text and "No objections were raised" in text
    assert "开标一览表其他内容" not in text and "二、异议及答复" in text  # sections renumbered


def test_opening_record_decryption_failures_name_the_consequence(tmp_path: Path) -> None:
    flat = compact(pdftotext(render_opening_record(record_data(4)), tmp_path))
    assert "视为撤销" in flat and "deemedrevoked" in flat  # bidder's fault (办法 31)
    assert "视为撤回" in flat and "deemedwithdrawn" in flat  # not the bidder's fault


def test_opening_record_108_bidders(tmp_path: Path) -> None:
    pdf = render_opening_record(record_data(108))
    assert pages(pdf) > 1
    text = pdftotext(pdf, tmp_path)
    flat = compact(text)
    for i in range(1, 109):
        assert f"福州第{i:03d}建设工程有限公司" in flat, i
        assert confirmation_field(i) in flat, i
    total = pages(pdf)
    assert f"第{total}页/共{total}页" in flat
    assert text.count("Bidder / credit code") > 1  # header row repeated on the next pages


def test_opening_record_is_deterministic() -> None:
    assert render_opening_record(record_data(5)) == render_opening_record(record_data(5))


def test_opening_record_refuses_unknown_status() -> None:
    row = replace(bidder(1), deposit="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="deposit"):
        render_opening_record(record_data(0, bidders=[row]))


# --- award ---------------------------------------------------------------------------------------------


def test_award(tmp_path: Path) -> None:
    pdf = render_award(award_data())
    assert pdf == render_award(award_data())
    flat = compact(pdftotext(pdf, tmp_path))
    for expected in (
        "中标结果公告",
        "Awardannouncement",
        "福州示例建设有限公司",
        "123,456.78元",
        "壹拾贰万叁仟肆佰伍拾陆元柒角捌分",
        "2026-11-2610:00:00(UTC+8)至",
        "2026年11月30日",
    ):
        assert expected in flat, expected


def test_award_refuses_reversed_publicity() -> None:
    with pytest.raises(ValueError, match="publicity"):
        render_award(replace(award_data(), publicity_end=T))


def test_opening_record_long_texts_run_over_pages(tmp_path: Path) -> None:
    """Long objections and the longest form texts (500 characters) do not break the layout."""
    long_text = "异议内容较长，" * 600
    row = replace(bidder(1), form={**bidder(1).form, "quality": "质" * 500, "manager": "经" * 500})
    data = record_data(
        0,
        bidders=[row, bidder(2)],
        objections=[Objection("福州第001建设工程有限公司", T, long_text, "答" * 2000, "李主持", T)],
        supervisor_remarks="备注" * 1500,
    )
    pdf = render_opening_record(data)
    assert pages(pdf) > 3
    flat = compact(pdftotext(pdf, tmp_path))
    assert flat.count("异议内容较长") >= 595 and "质" * 500 in flat  # a page break may split one


def test_content_that_cannot_fit_is_a_clear_error() -> None:
    row = replace(bidder(1), name="长" * 3000)  # one table cell taller than a page
    with pytest.raises(ValueError, match="does not fit on A4 pages"):
        render_opening_record(record_data(0, bidders=[row]))
