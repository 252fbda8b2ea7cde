"""Refund payment files for the bank, and the bank's answer.

* :func:`pain001` — ISO 20022 pain.001.001.09 (CustomerCreditTransferInitiationV09): one group
  header (``MsgId``, ``CreDtTm``, ``NbOfTxs``, ``CtrlSum``, ``InitgPty``), one payment information
  block whose debtor is the centre's collection account, and one ``CdtTrfTxInf`` per refund with
  ``EndToEndId`` = the refund id, the amount, and the creditor's name and account = the account the
  deposit came from (issue 18: refunds go back where the money came from). Chinese account numbers
  are written as ``Othr/Id``, IBANs as ``IBAN``; a bank is named by BIC (``BICFI``), by its 12-digit
  CNAPS code (``ClrSysMmbId``, clearing system ``CNAPS``), or not at all.
* :func:`refunds_csv` — the same instructions as a CSV for banks that take a spreadsheet upload
  (批量转账): 退款编号, 收款人户名, 收款人账号, 收款行, 金额, 币种, 附言; UTF-8 with BOM or GBK.
* :func:`parse_pain002` — the bank's CustomerPaymentStatusReport (pain.002, any version): the
  group status (``GrpSts``) and per transaction ``OrgnlEndToEndId`` (= refund id), ``TxSts`` and
  the reason (``StsRsnInf/Rsn/Cd``, ``AddtlInf``). :meth:`PaymentReport.statuses` applies a
  group-level status to refunds the report does not list one by one.
* :func:`pain002` — writes such a report (the bank simulator of tests and the benchmark).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final
from xml.sax.saxutils import escape

from bidding.deposits.amounts import fen_text
from bidding.deposits.entries import normalise_account
from bidding.deposits.errors import PaymentReportInvalid, at
from bidding.deposits.statements.xml import local_name, namespace_of, parse_document

__all__ = [
    "PAIN001_NAMESPACE",
    "Debtor",
    "Outcome",
    "PaymentReport",
    "RefundInstruction",
    "RefundStatus",
    "TxStatus",
    "pain001",
    "pain002",
    "parse_pain002",
    "refunds_csv",
]

PAIN001_NAMESPACE: Final = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
PAIN002_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:pain.002."
_IBAN: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_BIC: Final = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
_CNAPS: Final = re.compile(r"\d{12}")
_MAX35: Final = 35


@dataclass(frozen=True, slots=True)
class RefundInstruction:
    """One refund to pay: ``refund_id`` becomes the ``EndToEndId`` the bank reports back."""

    refund_id: str
    amount_fen: int
    creditor_name: str
    creditor_account: str
    creditor_bank: str | None = None
    """BIC, or the 12-digit CNAPS bank code (联行号), or None."""
    remittance: str = ""


@dataclass(frozen=True, slots=True)
class Debtor:
    """The centre: its name, collection account and bank."""

    name: str
    account: str
    bank: str | None = None


class TxStatus(StrEnum):
    """ISO 20022 ExternalPaymentTransactionStatus1Code / group status codes used by banks."""

    RCVD = "RCVD"  # received
    PDNG = "PDNG"  # pending
    ACTC = "ACTC"  # technical validation passed
    ACCP = "ACCP"  # accepted, customer profile
    ACSP = "ACSP"  # accepted, settlement in process
    ACWC = "ACWC"  # accepted with change
    ACSC = "ACSC"  # accepted, settlement completed (debtor's account debited)
    ACCC = "ACCC"  # accepted, credited to the creditor
    PART = "PART"  # group: some accepted, some rejected
    RJCT = "RJCT"  # rejected


class Outcome(StrEnum):
    """What a refund's status means for the platform."""

    PAID = "paid"  # mark the refund paid (the camt debit books it)
    PENDING = "pending"  # wait for the next report
    REJECTED = "rejected"  # the finance officer must act (wrong account, frozen account…)


_OUTCOME: Final = {
    TxStatus.ACSC: Outcome.PAID,
    TxStatus.ACCC: Outcome.PAID,
    TxStatus.RJCT: Outcome.REJECTED,
}


@dataclass(frozen=True, slots=True)
class RefundStatus:
    refund_id: str
    status: TxStatus
    reason: str | None = None

    @property
    def outcome(self) -> Outcome:
        return _OUTCOME.get(self.status, Outcome.PENDING)


@dataclass(frozen=True, slots=True)
class PaymentReport:
    message_id: str | None
    original_message_id: str
    group_status: TxStatus | None
    group_reason: str | None
    items: tuple[RefundStatus, ...]

    def statuses(self, refund_ids: Iterable[str]) -> list[RefundStatus]:
        """A status for each refund of the original file: its own line, else the group status
        when it is final for all (ACSC, ACCC, RJCT), else nothing (still pending)."""
        own = {item.refund_id: item for item in self.items}
        out = []
        for refund_id in refund_ids:
            if refund_id in own:
                out.append(own[refund_id])
            elif self.group_status in (TxStatus.ACSC, TxStatus.ACCC, TxStatus.RJCT):
                out.append(RefundStatus(refund_id, self.group_status, self.group_reason))
        return out


def _check_id(text: str, what: str) -> str:
    if not text or len(text) > _MAX35:
        raise ValueError(f"{what} must have 1 to {_MAX35} characters, got {text!r}")
    return text


def _account(number: str) -> str:
    number = normalise_account(number)
    if _IBAN.fullmatch(number):
        return f"<Id><IBAN>{number}</IBAN></Id>"
    return f"<Id><Othr><Id>{escape(number)}</Id></Othr></Id>"


def _agent(bank: str | None) -> str:
    if bank and _BIC.fullmatch(bank):
        inner = f"<BICFI>{bank}</BICFI>"
    elif bank and _CNAPS.fullmatch(bank):
        inner = f"<ClrSysMmbId><ClrSysId><Cd>CNAPS</Cd></ClrSysId><MmbId>{bank}</MmbId></ClrSysMmbId>"
    else:
        inner = "<Othr><Id>NOTPROVIDED</Id></Othr>"
    return f"<FinInstnId>{inner}</FinInstnId>"


def pain001(
    refunds: Sequence[RefundInstruction],
    debtor: Debtor,
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    currency: str = "CNY",
) -> bytes:
    """The refunds as one pain.001.001.09 credit transfer initiation (UTF-8)."""
    _check_id(message_id, "MsgId")
    if not refunds:
        raise ValueError("a payment file needs at least one refund")
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    seen: set[str] = set()
    total = 0
    transactions = []
    for refund in refunds:
        _check_id(refund.refund_id, "refund id (EndToEndId)")
        if refund.refund_id in seen:
            raise ValueError(f"refund {refund.refund_id} appears twice")
        seen.add(refund.refund_id)
        if refund.amount_fen <= 0:
            raise ValueError(f"refund {refund.refund_id}: amount must be positive")
        total += refund.amount_fen
        agent = f"<CdtrAgt>{_agent(refund.creditor_bank)}</CdtrAgt>" if refund.creditor_bank else ""
        remittance = f"<RmtInf><Ustrd>{escape(refund.remittance[:140])}</Ustrd></RmtInf>" if refund.remittance else ""
        transactions.append(
            f"<CdtTrfTxInf><PmtId><InstrId>{escape(refund.refund_id)}</InstrId>"
            f"<EndToEndId>{escape(refund.refund_id)}</EndToEndId></PmtId>"
            f'<Amt><InstdAmt Ccy="{currency}">{fen_text(refund.amount_fen)}</InstdAmt></Amt>{agent}'
            f"<Cdtr><Nm>{escape(refund.creditor_name[:140])}</Nm></Cdtr>"
            f"<CdtrAcct>{_account(refund.creditor_account)}</CdtrAcct>{remittance}</CdtTrfTxInf>"
        )
    count, control = str(len(refunds)), fen_text(total)
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{PAIN001_NAMESPACE}"><CstmrCdtTrfInitn>'
        f"<GrpHdr><MsgId>{escape(message_id)}</MsgId><CreDtTm>{created_at.isoformat(timespec='seconds')}</CreDtTm>"
        f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{control}</CtrlSum><InitgPty><Nm>{escape(debtor.name[:140])}</Nm></InitgPty>"
        f"</GrpHdr><PmtInf><PmtInfId>{escape(message_id)}</PmtInfId><PmtMtd>TRF</PmtMtd>"
        f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{control}</CtrlSum>"
        f"<ReqdExctnDt><Dt>{execution_date.isoformat()}</Dt></ReqdExctnDt>"
        f"<Dbtr><Nm>{escape(debtor.name[:140])}</Nm></Dbtr><DbtrAcct>{_account(debtor.account)}</DbtrAcct>"
        f"<DbtrAgt>{_agent(debtor.bank)}</DbtrAgt>{''.join(transactions)}</PmtInf></CstmrCdtTrfInitn></Document>"
    )
    return document.encode("utf-8")


REFUND_CSV_HEADER: Final = ("退款编号", "收款人户名", "收款人账号", "收款行", "金额", "币种", "附言")


def refunds_csv(refunds: Sequence[RefundInstruction], *, currency: str = "CNY", encoding: str = "utf-8-sig") -> bytes:
    """The refunds as a CSV for a bank's batch transfer upload (金额 in yuan with two decimals)."""
    if encoding not in ("utf-8-sig", "gbk", "gb18030"):
        raise ValueError(f"encoding {encoding!r}: write utf-8-sig or gbk")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REFUND_CSV_HEADER)
    for refund in refunds:
        writer.writerow(
            [
                refund.refund_id,
                refund.creditor_name,
                normalise_account(refund.creditor_account),
                refund.creditor_bank or "",
                fen_text(refund.amount_fen),
                currency,
                refund.remittance,
            ]
        )
    return out.getvalue().encode(encoding)


def _status(text: str | None, where: str) -> TxStatus | None:
    if text is None:
        return None
    try:
        return TxStatus(text.strip())
    except ValueError:
        raise PaymentReportInvalid(f"{where}: status {text!r} is not a known ISO 20022 status code") from None


def _reason(element: Any, ns: str) -> str | None:
    parts = [
        element.findtext(f"{ns}StsRsnInf/{ns}Rsn/{ns}Cd") or element.findtext(f"{ns}StsRsnInf/{ns}Rsn/{ns}Prtry"),
        element.findtext(f"{ns}StsRsnInf/{ns}AddtlInf"),
    ]
    text = " ".join(p.strip() for p in parts if p and p.strip())
    return text or None


def parse_pain002(data: bytes) -> PaymentReport:
    """The bank's pain.002 status report (any 001.NN version); errors name the transaction."""
    root = parse_document(data, "the payment status report", PaymentReportInvalid, PaymentReportInvalid)
    if local_name(root.tag) != "Document" or len(root) == 0 or local_name(root[0].tag) != "CstmrPmtStsRpt":
        raise PaymentReportInvalid("not a pain.002 CstmrPmtStsRpt document")
    ns = namespace_of(root[0].tag)
    if ns and not ns[1:].startswith(PAIN002_PREFIX):
        raise PaymentReportInvalid(f"namespace {ns[1:-1]} is not pain.002")
    report = root[0]
    group = report.find(f"{ns}OrgnlGrpInfAndSts")
    if group is None:
        raise PaymentReportInvalid("OrgnlGrpInfAndSts is missing", details=[at(None, "OrgnlGrpInfAndSts")])
    original = (group.findtext(f"{ns}OrgnlMsgId") or "").strip()
    if not original:
        raise PaymentReportInvalid("OrgnlGrpInfAndSts/OrgnlMsgId is missing", details=[at(None, "OrgnlMsgId")])
    group_status = _status(group.findtext(f"{ns}GrpSts"), "OrgnlGrpInfAndSts")
    items = []
    for index, tx in enumerate(report.iter(f"{ns}TxInfAndSts"), 1):
        refund_id = (tx.findtext(f"{ns}OrgnlEndToEndId") or "").strip()
        if not refund_id:
            raise PaymentReportInvalid(
                f"transaction {index}: OrgnlEndToEndId is missing", details=[at(index, "OrgnlEndToEndId")]
            )
        status = _status(tx.findtext(f"{ns}TxSts"), f"transaction {index}")
        if status is None:
            raise PaymentReportInvalid(f"transaction {index}: TxSts is missing", details=[at(index, "TxSts")])
        items.append(RefundStatus(refund_id, status, _reason(tx, ns)))
    if group_status is None and not items:
        raise PaymentReportInvalid(
            "the report has neither a group status nor transaction statuses", details=[at(None, "GrpSts")]
        )
    message_id = report.findtext(f"{ns}GrpHdr/{ns}MsgId")
    return PaymentReport(message_id, original, group_status, _reason(group, ns), tuple(items))


def pain002(
    original_message_id: str,
    statuses: Sequence[RefundStatus],
    *,
    message_id: str,
    created_at: datetime,
    group_status: TxStatus | None = None,
    version: str = "001.10",
) -> bytes:
    """A pain.002 status report (the bank's side, for tests and the benchmark)."""
    txs = []
    for status in statuses:
        reason = f"<StsRsnInf><Rsn><Cd>{escape(status.reason)}</Cd></Rsn></StsRsnInf>" if status.reason else ""
        txs.append(
            f"<TxInfAndSts><OrgnlEndToEndId>{escape(status.refund_id)}</OrgnlEndToEndId>"
            f"<TxSts>{status.status}</TxSts>{reason}</TxInfAndSts>"
        )
    group = f"<GrpSts>{group_status}</GrpSts>" if group_status else ""
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{PAIN002_PREFIX}{version}"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{escape(message_id)}</MsgId><CreDtTm>{created_at.isoformat(timespec='seconds')}</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{escape(original_message_id)}</OrgnlMsgId>"
        f"<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>{group}</OrgnlGrpInfAndSts>"
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{escape(original_message_id)}</OrgnlPmtInfId>{''.join(txs)}"
        "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"
    )
    return document.encode("utf-8")
