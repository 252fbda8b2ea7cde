"""Opening record (开标记录表): what happened at a lot's opening, generated and published by the
platform (《电子招标投标办法》第三十二条) and confirmed by the bidders with their electronic
signatures (《招标投标法实施条例》第四十四条). The platform signs the PDF first; each bidder then
adds a signature in the field named by :func:`confirmation_field`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from reportlab.platypus import Flowable

from bidding.documents import layout
from bidding.documents.layout import (
    PageSetup,
    bilingual,
    data_table,
    heading,
    key_value_table,
    markup,
    mono,
    paragraph,
    spacer,
    text,
    title,
)
from bidding.documents.money import chinese_uppercase, yuan

TITLE_ZH: Final = "开标记录表"
TITLE_EN: Final = "Opening record"
PLACE: Final = "不见面开标大厅（远程） / Remote opening hall (online)"
PRICE_FIELD: Final = "price_fen"  # as in bidding.tendering.rules.forms; shown in its own column
FIELDS_PER_TABLE: Final = 4  # other opening-form fields per table, so columns stay readable on A4 portrait

#: A bidder's deposit at the opening (``bidding.deposits.matching.DepositStatus``'s values; ``received``
#: and ``not_received`` are the coarse pair of records made before the deposit service).
DepositStatus = Literal[
    "paid",
    "short",
    "late",
    "wrong_payer",
    "guarantee",
    "exempt",
    "none",
    "not_checked",
    "received",
    "not_received",
]
DecryptionResult = Literal["decrypted", "bidder_fault", "platform_fault", "pending"]

DEPOSIT_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "paid": ("已缴纳", "Paid"),
    "short": ("金额不足", "Short"),
    "late": ("逾期到账", "Arrived late"),
    "wrong_payer": ("非基本账户", "Not from the basic account"),
    "guarantee": ("电子保函", "Guarantee"),
    "exempt": ("无需缴纳", "Not required"),
    "none": ("未缴纳", "Not received"),
    "not_checked": ("未核验", "Not checked"),
    "received": ("已缴纳", "Received"),
    "not_received": ("未缴纳", "Not received"),
}
DECRYPTION_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "decrypted": ("成功", "Decrypted"),
    # 《电子招标投标办法》第三十一条
    "bidder_fault": ("失败（投标人原因）→ 视为撤销", "Failed, bidder's fault: deemed revoked"),
    "platform_fault": ("失败（非投标人原因）→ 视为撤回", "Failed, not the bidder's fault: deemed withdrawn"),
    "pending": ("未解密", "Not decrypted"),
}


@dataclass(frozen=True)
class BidderRow:
    """One bidder at the opening. ``form`` holds the decrypted opening-form values by field key."""

    order: int  # 序号, from 1
    name: str
    credit_code: str
    deposit: DepositStatus
    decryption: DecryptionResult
    price_fen: int | None = None  # None when not decrypted
    form: Mapping[str, Any] = field(default_factory=dict)
    failure_detail: str = ""  # what went wrong, when decryption failed


@dataclass(frozen=True)
class Objection:
    """An objection raised during the opening and the host's answer on the spot (条例 44)."""

    raised_by: str
    raised_at: datetime
    text: str
    answer: str = ""
    answered_by: str = ""
    answered_at: datetime | None = None


@dataclass(frozen=True)
class OpeningRecordData:
    """Everything an opening record shows. Times are timezone-aware (UTC).

    ``fields`` is the lot's opening-form declaration (``{"key", "label_zh", "label_en", "type"}``,
    type ``money`` | ``integer`` | ``text``, see ``bidding.tendering.rules.forms``); the price field
    ``price_fen`` is shown in the bidders table, every other field in its own column after it.
    ``record_sha256`` is the SHA-256 of the record's JSON counterpart.
    """

    record_number: str
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    opening_at: datetime  # = the bid deadline
    host: str
    supervisors: Sequence[str]
    bidders: Sequence[BidderRow]
    record_sha256: str
    issued_at: datetime
    fields: Sequence[Mapping[str, str]] = ()
    objections: Sequence[Objection] = ()
    supervisor_remarks: str = ""
    tenderer: str = ""
    agent: str = ""
    platform_name: str = layout.DEFAULT_PLATFORM_NAME


def confirmation_field(order: int) -> str:
    """Name of the signature field in which the bidder with this order number confirms the record."""
    return f"BidderConfirmation{order:03d}"


def price_cell(fen: int | None) -> str:
    """``123,456.78 元`` with its 人民币大写 on the next line; ``—`` when there is no price."""
    if fen is None:
        return "—"
    return f"{yuan(fen)}\n{chinese_uppercase(fen)}"


def field_value(kind: str, value: Any) -> str:
    """A decrypted form value as shown: money in yuan, integers with separators, text as is."""
    if value is None:
        return "—"
    if kind == "money":
        return yuan(value)
    if kind == "integer":
        return f"{value:,}"
    return str(value)


def _label(zh: str, en: str) -> Flowable:
    return bilingual(zh, en, layout.CELL)


def _decryption_cell(b: BidderRow) -> Flowable:
    zh, en = DECRYPTION_LABELS[b.decryption]
    detail = f"\n{b.failure_detail}" if b.failure_detail else ""
    return text(f"{zh}\n{en}{detail}")


def _check(d: OpeningRecordData) -> None:
    for b in d.bidders:
        if b.deposit not in DEPOSIT_LABELS:
            raise ValueError(f"bidder {b.order}: unknown deposit status {b.deposit!r}")
        if b.decryption not in DECRYPTION_LABELS:
            raise ValueError(f"bidder {b.order}: unknown decryption result {b.decryption!r}")
    for f in d.fields:
        if f.get("type") not in ("money", "integer", "text"):
            raise ValueError(f"field {f.get('key')!r}: unknown type {f.get('type')!r}")


def _bidders_table(d: OpeningRecordData) -> Flowable:
    header = [
        _label("序号", "No."),
        _label("投标人 / 统一社会信用代码", "Bidder / credit code"),
        _label("保证金", "Deposit"),
        _label("解密结果", "Decryption"),
        _label("投标报价（元）/ 人民币大写", "Bid price (CNY)"),
    ]
    rows: list[list[layout.Cell]] = []
    for b in d.bidders:
        zh, en = DEPOSIT_LABELS[b.deposit]
        rows.append(
            [str(b.order), f"{b.name}\n{b.credit_code}", f"{zh}\n{en}", _decryption_cell(b), price_cell(b.price_fen)]
        )
    return data_table(header, rows, [0.5, 2.9, 1.3, 2.4, 3.3], empty="无投标人 / No bids were received")


def _form_tables(d: OpeningRecordData) -> list[Flowable]:
    others = [f for f in d.fields if f.get("key") != PRICE_FIELD]
    out: list[Flowable] = []
    for start in range(0, len(others), FIELDS_PER_TABLE):
        chunk = others[start : start + FIELDS_PER_TABLE]
        header = [_label("序号", "No."), _label("投标人", "Bidder")]
        header += [_label(f["label_zh"], f["label_en"]) for f in chunk]
        rows: list[list[layout.Cell]] = [
            [str(b.order), b.name, *(field_value(f["type"], b.form.get(f["key"])) for f in chunk)] for b in d.bidders
        ]
        out += [data_table(header, rows, [0.6, 3.0] + [2.0] * len(chunk), empty="无 / None"), spacer(2)]
    return out


def _objections(d: OpeningRecordData) -> list[Flowable]:
    """One block per objection: paragraphs, not table rows, so a long text can run over pages."""
    if not d.objections:
        return [paragraph("开标过程中无异议 / No objections were raised")]
    out: list[Flowable] = []
    for number, o in enumerate(d.objections, start=1):
        out += [
            text(f"异议 {number} / Objection {number}：{o.raised_by}，{layout.shanghai(o.raised_at)}", layout.LABEL),
            paragraph(o.text),
            spacer(1),
        ]
        if o.answer:
            by = "，".join(x for x in (o.answered_by, layout.shanghai(o.answered_at) if o.answered_at else "") if x)
            out += [text(f"答复 / Answer{'：' + by if by else ''}", layout.LABEL), paragraph(o.answer)]
        else:
            out.append(text("未答复 / Not answered", layout.LABEL))
        out.append(spacer(2.5))
    return out


def _confirmations(d: OpeningRecordData) -> Flowable:
    header = [
        _label("序号", "No."),
        _label("投标人", "Bidder"),
        _label("签名域", "Signature field"),
        _label("确认", "Confirmation"),
    ]
    rows: list[list[layout.Cell]] = [
        [str(b.order), b.name, mono(confirmation_field(b.order)), "待电子签名确认\nAwaiting electronic signature"]
        for b in d.bidders
    ]
    return data_table(header, rows, [0.6, 3.6, 2.6, 3.2], empty="无 / None")


def render_opening_record(d: OpeningRecordData) -> bytes:
    """The unsigned opening record PDF; the same data always gives the same bytes."""
    _check(d)
    decrypted = sum(1 for b in d.bidders if b.decryption == "decrypted")
    overview: list[tuple[str, str, layout.Cell]] = [
        ("记录编号", "Record number", d.record_number),
        ("项目", "Project", f"{d.project_code}  {d.project_name}"),
        ("标段（包）", "Lot", f"{d.lot_code}  {d.lot_name}"),
    ]
    if d.tenderer:
        overview.append(("招标人", "Tenderer", d.tenderer))
    if d.agent:
        overview.append(("招标代理机构", "Tender agent", d.agent))
    overview += [
        ("开标时间", "Opening time (bid deadline)", layout.shanghai(d.opening_at)),
        ("开标地点", "Place", PLACE),
        ("主持人", "Host", d.host),
        ("监督人", "Supervisor(s)", "、".join(d.supervisors) or "—"),
        (
            "投标人数",
            "Bids",
            f"共 {len(d.bidders)} 家，解密成功 {decrypted} 家 / {len(d.bidders)} bids, {decrypted} decrypted",
        ),
    ]
    numbers = iter("一二三四五六七八")

    def section(zh: str, en: str) -> Flowable:
        return heading(f"{next(numbers)}、{zh}", en)

    story: list[Flowable] = [
        *title(TITLE_ZH, TITLE_EN),
        key_value_table(overview),
        section("开标一览", "Bids opened"),
        _bidders_table(d),
    ]
    if any(f.get("key") != PRICE_FIELD for f in d.fields):
        story += [section("开标一览表其他内容", "Other items of the opening form"), *_form_tables(d)]
    story += [
        section("异议及答复", "Objections and answers"),
        *_objections(d),
        section("监督人意见", "Supervisor's remarks"),
        paragraph(d.supervisor_remarks or "无 / None"),
        section("投标人确认", "Bidders' confirmation"),
        paragraph(
            "投标人在开标结束后以电子签名确认本记录（《招标投标法实施条例》第四十四条）；签名附加在本文件之后，"
            "不改变上述内容。 / Bidders confirm this record afterwards with their electronic signatures, "
            "added to this file without changing its content."
        ),
        spacer(2),
        _confirmations(d),
        section("记录数据", "Record data"),
        key_value_table([("记录 JSON SHA-256", "SHA-256 of the JSON record", mono(d.record_sha256.lower()))]),
        spacer(2),
        markup(
            "本记录由平台自动生成并经平台电子签名；"
            "JSON 格式的同一记录可在平台下载，其 SHA-256 应与上值一致。 / Generated and signed by the platform; "
            "the same record in JSON can be downloaded from the platform and must have the SHA-256 above.",
            layout.SMALL,
        ),
    ]
    setup = PageSetup(TITLE_ZH, TITLE_EN, d.record_number, d.issued_at, d.platform_name)
    return layout.build_pdf(setup, story)
