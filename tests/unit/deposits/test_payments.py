"""Refund files for the bank (pain.001.001.09, CSV) and the bank's status report (pain.002)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from lxml import etree  # type: ignore[import-untyped]

from bidding.deposits.errors import PaymentReportInvalid
from bidding.deposits.payments import (
    Debtor,
    Outcome,
    RefundInstruction,
    RefundStatus,
    TxStatus,
    pain001,
    pain002,
    parse_pain002,
    refunds_csv,
)

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
CENTRE = Debtor("某市公共资源交易中心", "6222 0202 0001 2345 678", "102100099996")
REFUNDS = [
    RefundInstruction(
        "RF-0001", 10_005_833, "福州示例建设有限公司", "110000000000000001", "105391000011", "退还投标保证金及利息"
    ),
    RefundInstruction("RF-0002", 1, "Acme & <Co>", "GB82WEST12345698765432", "NWBKGB2L"),
]
T = datetime(2024, 5, 15, 9, 0, tzinfo=UTC)


def test_pain001_has_the_header_totals_and_one_transfer_per_refund() -> None:
    root = etree.fromstring(
        pain001(REFUNDS, CENTRE, message_id="PAY-20240515", created_at=T, execution_date=date(2024, 5, 15))
    )

    def text(path: str) -> list[str]:
        return [e.text for e in root.xpath(path, namespaces=NS)]

    assert text("//p:GrpHdr/p:MsgId") == ["PAY-20240515"]
    assert text("//p:GrpHdr/p:NbOfTxs") == text("//p:PmtInf/p:NbOfTxs") == ["2"]
    assert text("//p:GrpHdr/p:CtrlSum") == text("//p:PmtInf/p:CtrlSum") == ["100058.34"]
    assert text("//p:PmtInf/p:DbtrAcct/p:Id/p:Othr/p:Id") == ["6222020200012345678"]
    assert text("//p:DbtrAgt//p:ClrSysMmbId/p:MmbId") == ["102100099996"]
    assert text("//p:CdtTrfTxInf/p:PmtId/p:EndToEndId") == ["RF-0001", "RF-0002"]
    assert text("//p:CdtTrfTxInf/p:Amt/p:InstdAmt") == ["100058.33", "0.01"]
    assert [e.get("Ccy") for e in root.xpath("//p:InstdAmt", namespaces=NS)] == ["CNY", "CNY"]
    assert text("//p:CdtTrfTxInf/p:Cdtr/p:Nm") == ["福州示例建设有限公司", "Acme & <Co>"]
    assert text("//p:CdtrAcct/p:Id/p:Othr/p:Id") == ["110000000000000001"]
    assert text("//p:CdtrAcct/p:Id/p:IBAN") == ["GB82WEST12345698765432"]
    assert text("//p:CdtrAgt//p:BICFI") == ["NWBKGB2L"]


@pytest.mark.parametrize(
    ("refunds", "message"),
    [
        ([], "at least one"),
        ([REFUNDS[0], REFUNDS[0]], "twice"),
        ([RefundInstruction("R" * 36, 1, "n", "1")], "1 to 35"),
        ([RefundInstruction("R", 0, "n", "1")], "positive"),
    ],
)
def test_pain001_refuses_nonsense(refunds: list[RefundInstruction], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pain001(refunds, CENTRE, message_id="M", created_at=T, execution_date=date(2024, 5, 15))


def test_the_csv_instruction_file() -> None:
    rows = list(csv.reader(io.StringIO(refunds_csv(REFUNDS, encoding="gbk").decode("gbk"))))
    assert rows[0] == ["退款编号", "收款人户名", "收款人账号", "收款行", "金额", "币种", "附言"]
    assert rows[1] == [
        "RF-0001",
        "福州示例建设有限公司",
        "110000000000000001",
        "105391000011",
        "100058.33",
        "CNY",
        "退还投标保证金及利息",
    ]
    assert refunds_csv(REFUNDS).startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("version", ["001.03", "001.10"])
def test_the_banks_status_report(version: str) -> None:
    data = pain002(
        "PAY-20240515",
        [RefundStatus("RF-0001", TxStatus.ACSC), RefundStatus("RF-0002", TxStatus.RJCT, "AC04")],
        message_id="BANK-1",
        created_at=T,
        group_status=TxStatus.PART,
        version=version,
    )
    report = parse_pain002(data)
    assert (report.original_message_id, report.group_status) == ("PAY-20240515", TxStatus.PART)
    assert [(s.refund_id, s.outcome, s.reason) for s in report.statuses(["RF-0001", "RF-0002", "RF-0003"])] == [
        ("RF-0001", Outcome.PAID, None),
        ("RF-0002", Outcome.REJECTED, "AC04"),
    ]


def test_a_group_status_covers_refunds_not_listed() -> None:
    report = parse_pain002(pain002("M", [], message_id="B", created_at=T, group_status=TxStatus.RJCT))
    assert [s.outcome for s in report.statuses(["a", "b"])] == [Outcome.REJECTED, Outcome.REJECTED]
    pending = parse_pain002(pain002("M", [], message_id="B", created_at=T, group_status=TxStatus.ACTC))
    assert pending.statuses(["a"]) == []
    assert RefundStatus("a", TxStatus.ACSP).outcome is Outcome.PENDING


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "b">]><Document/>', "DOCTYPE"),
        (b"not xml", "not well-formed"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrPmtStsRpt/></Document>',
            "not pain.002",
        ),
        (b"<Document><Other/></Document>", "not a pain.002"),
        (pain002("M", [RefundStatus("", TxStatus.ACSC)], message_id="B", created_at=T), "OrgnlEndToEndId"),
        (
            pain002("M", [RefundStatus("a", TxStatus.ACSC)], message_id="B", created_at=T).replace(b"ACSC", b"WHAT"),
            "WHAT",
        ),
        (pain002("M", [], message_id="B", created_at=T), "neither a group status"),
        (pain002("", [], message_id="B", created_at=T, group_status=TxStatus.ACSC), "OrgnlMsgId"),
    ],
)
def test_bad_reports_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(PaymentReportInvalid, match=message):
        parse_pain002(data)
