"""Evaluation report (评标报告) and its signing sheet (评标报告签署情况): pure renderers, no database.

The report records the ten items of 《评标委员会和评标方法暂行规定》第四十二条 as ten numbered
sections, in the article's order: (一) 基本情况和数据表, (二) 评标委员会成员名单, (三) 开标记录,
(四) 符合要求的投标一览表, (五) 否决投标的情况说明, (六) 评标标准、评标方法或者评标因素一览表,
(七) 经评审的价格或者评分比较一览表, (八) 经评审的投标人排序, (九) 推荐的中标候选人名单与签订合同前
要处理的事宜, (十) 澄清、说明、补正事项纪要. In government procurement the six items of 《政府采购
货物和服务招标投标管理办法》(财政部87号令) 第五十八条 are covered too: the notice's media and the
opening (一), bidders and members with member changes (二, 四), the method and standards (六), the
opening record and the invalid bids with reasons (三, 五), the candidates (九) and the clarifications
and corrections (十).

At most three ranked candidates are recommended (《招标投标法实施条例》第五十三条). Every member signs
the report (条例 53; 规定 43): the report carries one empty signature field per member who sat, named
by :func:`member_field`, drawn beside the member's printed name, which the member fills later by
remote signing (``bidding.core.pki.documents.DocumentSigner.prepare_user_signature`` with that field
name: pyHanko fills an existing empty field in place). A written dissent, or a refusal without
reasons (视为同意), is listed on the signing sheet rendered by :func:`render_signing_sheet`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Literal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObjectReference, PDFString
from reportlab.platypus import Flowable

from bidding.documents import layout
from bidding.documents.layout import (
    PageSetup,
    bilingual,
    data_table,
    heading,
    keep,
    key_value_table,
    markup,
    mono,
    paragraph,
    spacer,
    text,
    title,
)
from bidding.documents.money import yuan

__all__ = [
    "DEEMED_AGREEMENT_NOTE",
    "MAX_CANDIDATES",
    "Bid",
    "Candidate",
    "Clarification",
    "CollusionSignal",
    "Correction",
    "ExpertScores",
    "Member",
    "MemberChange",
    "RankRow",
    "Rejection",
    "ReportData",
    "ReportItem",
    "SigningEntry",
    "TotalRow",
    "member_field",
    "money",
    "points",
    "render_evaluation_report",
    "render_signing_sheet",
    "signature_fields",
]

TITLE_ZH: Final = "评标报告"
TITLE_EN: Final = "Evaluation report"
SHEET_TITLE_ZH: Final = "评标报告签署情况"
SHEET_TITLE_EN: Final = "Signing of the evaluation report"
MAX_CANDIDATES: Final = 3  # 条例 53: 中标候选人应当不超过3个，并标明排序
ITEMS_PER_TABLE: Final = 8  # scoring-item columns per score table, so numbers stay readable on A4 portrait
MEMBERS_PER_TABLE: Final = 7  # member-total columns per totals table
SIGNATURE_BOX_HEIGHT: Final = 16 * mm
DEEMED_AGREEMENT_NOTE: Final = "拒绝在评标报告上签字且不陈述不同意见和理由的，视为同意评标结果（条例 53）"
_HEX64: Final = re.compile(r"[0-9a-f]{64}")

Role = Literal["chair", "member"]
MemberStatus = Literal["sat", "recused", "replaced"]
ChangeKind = Literal["recused", "replaced", "absent"]
ItemScorer = Literal["system", "each_expert"]
ClarificationStatus = Literal["pending", "answered", "expired", "withdrawn"]
Outcome = Literal["signed", "dissent", "deemed_agreement"]

ROLE_LABELS: Final = {"chair": ("组长", "Chair"), "member": ("成员", "Member")}
STATUS_LABELS: Final = {
    "sat": ("参加评标", "Sat"),
    "recused": ("回避", "Recused"),
    "replaced": ("已更换", "Replaced"),
}
CHANGE_LABELS: Final = {
    "recused": ("回避", "Recused"),
    "replaced": ("更换", "Replaced"),
    "absent": ("缺席", "Absent"),
}
CLARIFICATION_LABELS: Final = {
    "pending": ("待答复", "Awaiting answer"),
    "answered": ("已答复", "Answered"),
    "expired": ("逾期未答复", "Not answered in time"),
    "withdrawn": ("已撤回", "Withdrawn"),
}
OUTCOME_LABELS: Final = {
    "signed": ("已签字", "Signed"),
    "dissent": ("签字并书面陈述不同意见", "Signed with a written dissent"),
    "deemed_agreement": ("视为同意", "Deemed agreement"),
}
SCORER_LABELS: Final = {"system": ("系统计算", "System"), "each_expert": ("专家独立评分", "Each member")}


# --- data ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A member of the evaluation committee (规定 42(二)). ``seat`` (席位, from 1) is fixed for the
    evaluation and names the member's signature field; only members who ``sat`` sign."""

    seat: int
    name: str
    employer: str
    specialty: str
    role: Role = "member"
    status: MemberStatus = "sat"
    reason: str = ""  # why the member recused or was replaced
    replaced_by: str = ""  # the replacement's name, when status is "replaced"


@dataclass(frozen=True)
class MemberChange:
    """A recusal or replacement of a member during the evaluation (87号令 58(六), 87号令 48)."""

    at: datetime
    kind: ChangeKind
    member: str
    reason: str
    replacement: str = ""


@dataclass(frozen=True)
class Bid:
    """A bid the committee evaluated (规定 42(四)); it is compliant unless a :class:`Rejection` names its order."""

    order: int  # 序号 at the opening, from 1
    bidder: str
    price_fen: int | None


@dataclass(frozen=True)
class Rejection:
    """A rejected bid (否决投标, 条例 51; 规定 42(五); 87号令 58(四) 无效投标): which check, under which
    clause of the tender documents, and the committee's reason."""

    order: int
    bidder: str
    item: str
    clause: str
    reason: str


@dataclass(frozen=True)
class Correction:
    """An arithmetic correction (规定 19; 87号令 59): the price from ``from_fen`` to ``to_fen``, on
    which basis, and whether the bidder confirmed it (87号令 59: unconfirmed → invalid)."""

    order: int
    bidder: str
    from_fen: int
    to_fen: int
    basis: str
    confirmed: bool


@dataclass(frozen=True)
class Clarification:
    """A written clarification the committee asked for (条例 52; 规定 42(十))."""

    order: int
    bidder: str
    question: str
    answer: str  # summary; empty when not answered
    asked_at: datetime
    answered_at: datetime | None
    status: ClarificationStatus


@dataclass(frozen=True)
class CollusionSignal:
    """A collusion signal shown to the committee (条例 40): a suspicion with evidence, not a rejection."""

    rule: str  # e.g. "40(一) 同一上传设备"
    bidders: Sequence[str]
    evidence: str


@dataclass(frozen=True)
class ReportItem:
    """A scoring item of the criteria (规定 42(六)); ``code`` (e.g. ``T1``) heads its score column."""

    code: str
    name_zh: str
    name_en: str
    maximum: Decimal
    scorer: ItemScorer


@dataclass(frozen=True)
class ExpertScores:
    """One member's own scores (规定 42(七)): bid order → item code → points, for the items the
    members score; ``totals`` holds the member's total per bid order (system points included)."""

    seat: int
    scores: Mapping[int, Mapping[str, Decimal]]
    totals: Mapping[int, Decimal]


@dataclass(frozen=True)
class TotalRow:
    """One bid in the totals table: the system's points, each member's total by seat, and the
    average total (87号令 55: no score dropped)."""

    order: int
    bidder: str
    system_points: Decimal
    member_totals: Mapping[int, Decimal]
    average: Decimal


@dataclass(frozen=True)
class RankRow:
    """One line of the ranking (规定 42(八)); ``total`` is None under the lowest evaluated price method."""

    rank: int
    order: int
    bidder: str
    price_fen: int
    total: Decimal | None
    evaluated_price_fen: int | None = None  # 经评审的价格, under the lowest evaluated price method


@dataclass(frozen=True)
class Candidate:
    """A recommended candidate (中标候选人, 条例 53: at most three, ranked)."""

    rank: int
    bidder: str
    price_fen: int
    total: Decimal | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the evaluation report shows. Times are timezone-aware (UTC), shown in China time.

    ``report_sha256`` is the SHA-256 (hex) of the report's canonical JSON the service computes;
    ``opening_record_sha256`` and ``opening_record_url`` point at the opening record (规定 42(三)).
    """

    report_number: str
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    method_zh: str
    method_en: str
    government_procurement: bool
    opening_record_number: str
    opening_record_sha256: str
    opening_record_url: str
    opening_at: datetime
    evaluation_started_at: datetime
    evaluation_finished_at: datetime
    members: Sequence[Member]
    bids: Sequence[Bid]
    items: Sequence[ReportItem]
    expert_scores: Sequence[ExpertScores]
    totals: Sequence[TotalRow]
    ranking: Sequence[RankRow]
    candidates: Sequence[Candidate]
    report_sha256: str
    issued_at: datetime
    changes: Sequence[MemberChange] = ()
    system_scores: Mapping[int, Mapping[str, Decimal]] = field(default_factory=dict)  # order → item code → points
    rejections: Sequence[Rejection] = ()
    corrections: Sequence[Correction] = ()
    clarifications: Sequence[Clarification] = ()
    signals: Sequence[CollusionSignal] = ()
    tenderer: str = ""
    agent: str = ""
    notice_media: str = ""  # 87号令 58(一): where the tender notice was published
    place: str = "电子评标室（平台） / Electronic evaluation room (platform)"
    pre_contract_matters: str = ""  # 规定 42(九): 签订合同前要处理的事宜
    platform_name: str = layout.DEFAULT_PLATFORM_NAME


@dataclass(frozen=True)
class SigningEntry:
    """How one member ended with the report (条例 53; 规定 43): signed, signed with a written dissent,
    or refused without reasons (视为同意). ``at`` is when it was recorded."""

    name: str
    outcome: Outcome
    at: datetime
    dissent: str | None = None
    note: str = ""


# --- helpers ---------------------------------------------------------------------------------------


def member_field(seat: int) -> str:
    """Name of the signature field in which the member in ``seat`` signs the report: ``Member01``."""
    if seat < 1:
        raise ValueError(f"seat must be at least 1, got {seat}")
    return f"Member{seat:02d}"


def signature_fields(data: ReportData) -> list[str]:
    """The report's signature fields, one per member who sat, in seat order."""
    return [member_field(m.seat) for m in sorted(data.members, key=lambda m: m.seat) if m.status == "sat"]


def money(fen: int | None) -> str:
    """``¥1,234,567.89`` from fen; ``—`` for no amount."""
    if fen is None:
        return "—"
    return "¥" + yuan(fen).removesuffix(" 元")


def points(value: Decimal | None) -> str:
    """Points to two decimals (``27.00``); ``—`` for none."""
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.01')):,}"


def _label(zh: str, en: str) -> Flowable:
    return bilingual(zh, en, layout.CELL)


def _pair(labels: dict[str, tuple[str, str]], key: str) -> str:
    zh, en = labels[key]
    return f"{zh}\n{en}"


def _check_digest(name: str, value: str) -> None:
    if not _HEX64.fullmatch(value.lower()):
        raise ValueError(f"{name} must be 64 hexadecimal digits (SHA-256), got {value!r}")


def _check(d: ReportData) -> None:
    _check_digest("report_sha256", d.report_sha256)
    _check_digest("opening_record_sha256", d.opening_record_sha256)
    if len(d.candidates) > MAX_CANDIDATES:
        raise ValueError(f"at most {MAX_CANDIDATES} candidates may be recommended (条例 53), got {len(d.candidates)}")
    seats = [m.seat for m in d.members]
    if len(set(seats)) != len(seats):
        raise ValueError("two members share a seat")
    for m in d.members:
        member_field(m.seat)
        if m.role not in ROLE_LABELS or m.status not in STATUS_LABELS:
            raise ValueError(f"member {m.seat}: unknown role {m.role!r} or status {m.status!r}")
    sat = {m.seat for m in d.members if m.status == "sat"}
    for e in d.expert_scores:
        if e.seat not in sat:
            raise ValueError(f"scores of seat {e.seat}, which is not a sitting member")
    if d.evaluation_finished_at < d.evaluation_started_at:
        raise ValueError("evaluation_finished_at is before evaluation_started_at")
    for c in d.changes:
        if c.kind not in CHANGE_LABELS:
            raise ValueError(f"unknown member change {c.kind!r}")
    for q in d.clarifications:
        if q.status not in CLARIFICATION_LABELS:
            raise ValueError(f"unknown clarification status {q.status!r}")
    for i in d.items:
        if i.scorer not in SCORER_LABELS:
            raise ValueError(f"item {i.code}: unknown scorer {i.scorer!r}")


class SignatureBox(Flowable):  # type: ignore[misc]
    """An empty signature field (ISO 32000-1 §12.7.4.5, field type /Sig) with a visible widget where
    the flowable is drawn, printed (annotation flag 4), for the member to fill by remote signing."""

    def __init__(self, field_name: str, width: float, height: float = SIGNATURE_BOX_HEIGHT) -> None:
        super().__init__()
        self.field_name = field_name
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = min(self.width, available_width)
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(colors.HexColor("#9A9A9A"))
        canv.setDash(2, 2)
        canv.rect(0, 0, self.width, self.height)
        canv.restoreState()
        x0, y0 = canv.absolutePosition(0, 0)
        x1, y1 = canv.absolutePosition(self.width, self.height)
        # layout's canvas defers every page to the end, so the document's own page counter is still at
        # page 1 while drawing: name the page object by the canvas's page number instead.
        widget: dict[str, Any] = {
            "Type": PDFName("Annot"),
            "Subtype": PDFName("Widget"),
            "FT": PDFName("Sig"),
            "T": PDFString(self.field_name),
            "F": 4,
            "Rect": PDFArray([round(v, 2) for v in (x0, y0, x1, y1)]),
            "P": PDFObjectReference(f"Page{canv.getPageNumber()}"),
        }
        annotation = PDFDictionary(widget)
        form = canv.acroForm
        canv._addAnnotation(annotation, name=self.field_name)
        form.fields.append(canv._doc.refAnnotation(self.field_name))


# --- sections --------------------------------------------------------------------------------------


def _overview(d: ReportData) -> Flowable:
    rejected = {r.order for r in d.rejections}
    compliant = sum(1 for b in d.bids if b.order not in rejected)
    rows: list[tuple[str, str, layout.Cell]] = [
        ("报告编号", "Report number", d.report_number),
        ("项目", "Project", f"{d.project_code}  {d.project_name}"),
        ("标段（包）", "Lot", f"{d.lot_code}  {d.lot_name}"),
    ]
    if d.tenderer:
        rows.append(("招标人（采购人）", "Tenderer (purchaser)", d.tenderer))
    if d.agent:
        rows.append(("招标代理机构", "Tender agent", d.agent))
    rows += [
        (
            "项目类别",
            "Kind",
            "政府采购项目 / Government procurement" if d.government_procurement else "依法必须招标项目 / Tendering",
        ),
    ]
    if d.notice_media:
        rows.append(("招标公告发布媒介", "Notice published in", d.notice_media))
    rows += [
        ("评标办法", "Evaluation method", f"{d.method_zh} / {d.method_en}"),
        ("开标时间", "Opening", layout.shanghai(d.opening_at)),
        (
            "评标时间",
            "Evaluation",
            f"{layout.shanghai(d.evaluation_started_at)} 至 to\n{layout.shanghai(d.evaluation_finished_at)}",
        ),
        ("评标地点", "Place", d.place),
        (
            "投标情况",
            "Bids",
            f"共 {len(d.bids)} 家，否决 {len(d.rejections)} 家，符合要求 {compliant} 家 / "
            f"{len(d.bids)} bids, {len(d.rejections)} rejected, {compliant} compliant",
        ),
        ("推荐中标候选人", "Candidates", f"{len(d.candidates)} 名 / {len(d.candidates)} recommended"),
    ]
    return key_value_table(rows)


def _members(d: ReportData) -> list[Flowable]:
    header = [
        _label("席位", "Seat"),
        _label("姓名", "Name"),
        _label("工作单位", "Employer"),
        _label("专业", "Specialty"),
        _label("职务", "Role"),
        _label("状态", "Status"),
    ]
    rows: list[list[layout.Cell]] = []
    for m in sorted(d.members, key=lambda m: m.seat):
        status = _pair(STATUS_LABELS, m.status)
        if m.status == "replaced" and m.replaced_by:
            status += f"\n由 {m.replaced_by} 替换"
        if m.reason:
            status += f"\n{m.reason}"
        rows.append([str(m.seat), m.name, m.employer, m.specialty, _pair(ROLE_LABELS, m.role), status])
    out: list[Flowable] = [data_table(header, rows, [0.6, 1.3, 2.6, 1.8, 1.0, 2.4], empty="无 / None")]
    out += [
        spacer(2),
        text("成员回避与更换 / Recusals and replacements（87号令 58(六)）", layout.LABEL),
        spacer(1),
    ]
    change_rows: list[list[layout.Cell]] = [
        [layout.shanghai(c.at), _pair(CHANGE_LABELS, c.kind), c.member, c.replacement or "—", c.reason]
        for c in d.changes
    ]
    out.append(
        data_table(
            [
                _label("时间", "Time"),
                _label("类型", "Kind"),
                _label("原成员", "Member"),
                _label("替换成员", "Replacement"),
                _label("原因", "Reason"),
            ],
            change_rows,
            [2.0, 1.0, 1.3, 1.3, 3.4],
            empty="评标过程中无成员回避或更换 / No member recused or was replaced",
        )
    )
    return out


def _opening(d: ReportData) -> Flowable:
    return key_value_table(
        [
            ("开标记录编号", "Opening record", d.opening_record_number),
            ("开标时间", "Opening", layout.shanghai(d.opening_at)),
            ("开标记录 SHA-256", "SHA-256 of the record", mono(d.opening_record_sha256.lower())),
            ("开标记录地址", "Where to read it", mono(d.opening_record_url)),
        ]
    )


def _compliant(d: ReportData) -> Flowable:
    rejected = {r.order for r in d.rejections}
    rows: list[list[layout.Cell]] = [
        [str(b.order), b.bidder, money(b.price_fen)] for b in d.bids if b.order not in rejected
    ]
    return data_table(
        [_label("序号", "No."), _label("投标人", "Bidder"), _label("投标报价", "Bid price")],
        rows,
        [0.6, 5.0, 2.2],
        empty="无符合要求的投标 / No compliant bid",
    )


def _rejections(d: ReportData) -> list[Flowable]:
    rows: list[list[layout.Cell]] = [[str(r.order), r.bidder, r.item, r.clause, r.reason] for r in d.rejections]
    out: list[Flowable] = [
        data_table(
            [
                _label("序号", "No."),
                _label("投标人", "Bidder"),
                _label("评审项", "Check"),
                _label("招标文件条款", "Clause"),
                _label("否决理由", "Committee's reason"),
            ],
            rows,
            [0.6, 2.2, 1.6, 1.4, 3.6],
            empty="无否决投标 / No bid was rejected",
        ),
        spacer(2),
        text("围标串标预警信号 / Collusion signals shown to the committee", layout.LABEL),
        paragraph(
            "以下信号由平台提示评标委员会，仅为疑点，不构成否决；是否否决由评标委员会依据证据认定（条例 40）。 / "
            "Signals are suspicions shown to the committee, not rejections; the committee decides on the evidence.",
            layout.SMALL,
        ),
        spacer(1),
    ]
    signal_rows: list[list[layout.Cell]] = [[s.rule, "\n".join(s.bidders), s.evidence] for s in d.signals]
    out.append(
        data_table(
            [_label("规则", "Rule"), _label("涉及投标人", "Bidders"), _label("证据摘要", "Evidence")],
            signal_rows,
            [1.6, 2.8, 4.6],
            empty="无 / None",
        )
    )
    return out


def _criteria(d: ReportData) -> Flowable:
    rows: list[list[layout.Cell]] = [
        [i.code, f"{i.name_zh}\n{i.name_en}", points(i.maximum), _pair(SCORER_LABELS, i.scorer)] for i in d.items
    ]
    return data_table(
        [
            _label("代号", "Code"),
            _label("评分因素", "Item"),
            _label("分值", "Maximum"),
            _label("评分方式", "Scored by"),
        ],
        rows,
        [0.8, 5.0, 1.2, 2.0],
        empty="无评分项（经评审的最低投标价法） / No scoring items (lowest evaluated price)",
    )


def _chunks(values: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)] or [values]


def _score_tables(
    title_zh: str,
    title_en: str,
    d: ReportData,
    items: Sequence[ReportItem],
    scores: Mapping[int, Mapping[str, Decimal]],
    totals: Mapping[int, Decimal] | None,
) -> list[Flowable]:
    """Bids × items, :data:`ITEMS_PER_TABLE` item columns per table (the total after the last), the
    bidder column as wide in every table of the set."""
    bidders = {b.order: b.bidder for b in d.bids}
    orders = sorted(set(scores) | set(totals or {}))
    chunks = _chunks(items, ITEMS_PER_TABLE)
    out: list[Flowable] = []
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        with_total = last and totals is not None
        header: list[layout.Cell] = [_label("序号", "No."), _label("投标人", "Bidder")]
        header += [_label(i.code, f"≤{points(i.maximum)}") for i in chunk]
        bidder_width = 2.6
        if len(chunks) > 1:  # columns missing from this table widen the bidder column
            bidder_width += (ITEMS_PER_TABLE - len(chunk)) * 1.0 - (1.2 if with_total else 0)
        widths = [0.6, bidder_width] + [1.0] * len(chunk)
        if with_total:
            header.append(_label("总分", "Total"))
            widths.append(1.2)
        rows: list[list[layout.Cell]] = []
        for order in orders:
            own = scores.get(order, {})
            row: list[layout.Cell] = [str(order), bidders.get(order, "—")]
            row += [points(own.get(i.code)) for i in chunk]
            if with_total:
                row.append(points((totals or {}).get(order)))
            rows.append(row)
        table = data_table(header, rows, widths, empty="无 / None")
        out += [keep(text(f"{title_zh} / {title_en}", layout.LABEL), spacer(1), table) if n == 0 else table, spacer(2)]
    return out


def _comparison(d: ReportData) -> list[Flowable]:
    """规定 42(七): the system's scores, each member's own scores, then the totals."""
    members = {m.seat: m for m in d.members}
    system_items = [i for i in d.items if i.scorer == "system"]
    expert_items = [i for i in d.items if i.scorer == "each_expert"]
    out: list[Flowable] = []
    if d.system_scores:
        out += _score_tables("系统计算得分", "Scores computed by the system", d, system_items, d.system_scores, None)
    for e in sorted(d.expert_scores, key=lambda e: e.seat):
        name = members[e.seat].name
        out += _score_tables(
            f"席位 {e.seat} {name} 的评分", f"Scores of seat {e.seat}", d, expert_items, e.scores, e.totals
        )
    return out + _totals(d)


def _totals(d: ReportData) -> list[Flowable]:
    members = {m.seat: m for m in d.members}
    seats = sorted({s for row in d.totals for s in row.member_totals} | {e.seat for e in d.expert_scores})
    out: list[Flowable] = []
    chunks = _chunks(seats, MEMBERS_PER_TABLE)
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        header: list[layout.Cell] = [_label("序号", "No."), _label("投标人", "Bidder"), _label("系统分", "System")]
        header += [_label(members[s].name if s in members else f"席位{s}", f"Seat {s}") for s in chunk]
        bidder_width = 2.6
        if len(chunks) > 1:
            bidder_width += (MEMBERS_PER_TABLE - len(chunk)) * 1.1 - (1.2 if last else 0)
        widths = [0.6, bidder_width, 1.1] + [1.1] * len(chunk)
        if last:
            header.append(_label("平均总分", "Average"))
            widths.append(1.2)
        rows: list[list[layout.Cell]] = []
        for t in d.totals:
            row: list[layout.Cell] = [str(t.order), t.bidder, points(t.system_points)]
            row += [points(t.member_totals.get(s)) for s in chunk]
            if last:
                row.append(points(t.average))
            rows.append(row)
        table = data_table(header, rows, widths, empty="无 / None")
        out += [keep(text("总分汇总 / Totals", layout.LABEL), spacer(1), table) if n == 0 else table, spacer(2)]
    out.append(
        paragraph(
            "各成员独立评分，平均总分为全体成员总分的算术平均值，未去掉最高分和最低分（87号令 55）。 / "
            "Members scored independently; the average is of all members' totals, none dropped.",
            layout.SMALL,
        )
    )
    return out


def _ranking(d: ReportData) -> Flowable:
    evaluated = any(r.evaluated_price_fen is not None for r in d.ranking)
    scored = any(r.total is not None for r in d.ranking) or not evaluated
    header: list[layout.Cell] = [
        _label("排序", "Rank"),
        _label("序号", "No."),
        _label("投标人", "Bidder"),
        _label("投标报价", "Bid price"),
    ]
    widths = [0.7, 0.6, 3.4, 1.8]
    if evaluated:  # 经评审的最低投标价法: the evaluated price decides
        header.append(_label("评审价格", "Evaluated price"))
        widths.append(1.8)
    if scored:
        header.append(_label("总分", "Total"))
        widths.append(1.1)
    rows: list[list[layout.Cell]] = []
    for r in d.ranking:
        row: list[layout.Cell] = [str(r.rank), str(r.order), r.bidder, money(r.price_fen)]
        if evaluated:
            row.append(money(r.evaluated_price_fen))
        if scored:
            row.append(points(r.total))
        rows.append(row)
    return data_table(header, rows, widths, empty="无 / None")


def _candidates(d: ReportData) -> list[Flowable]:
    rows: list[list[layout.Cell]] = [
        [f"第{c.rank}名", c.bidder, money(c.price_fen), points(c.total)]
        for c in sorted(d.candidates, key=lambda c: c.rank)
    ]
    return [
        data_table(
            [
                _label("排序", "Rank"),
                _label("中标候选人", "Candidate"),
                _label("投标报价", "Bid price"),
                _label("总分", "Total"),
            ],
            rows,
            [1.0, 4.4, 2.0, 1.2],
            empty="无推荐的中标候选人 / No candidate recommended",
        ),
        spacer(1),
        paragraph("中标候选人不超过 3 个，并标明排序（条例 53）。 / At most three candidates, ranked.", layout.SMALL),
        spacer(1),
        text("签订合同前要处理的事宜 / Matters to settle before the contract", layout.LABEL),
        paragraph(d.pre_contract_matters or "无 / None"),
    ]


def _clarifications(d: ReportData) -> list[Flowable]:
    out: list[Flowable] = [text("澄清、说明 / Clarifications（条例 52）", layout.LABEL), spacer(1)]
    if not d.clarifications:
        out.append(paragraph("评标委员会未要求澄清 / The committee asked for no clarification"))
    for n, q in enumerate(d.clarifications, start=1):
        answered = layout.shanghai(q.answered_at) if q.answered_at else "—"
        zh, en = CLARIFICATION_LABELS[q.status]
        out += [
            text(
                f"澄清 {n} / Clarification {n}：{q.order} {q.bidder}；提出 {layout.shanghai(q.asked_at)}；"
                f"答复 {answered}；{zh} / {en}",
                layout.LABEL,
            ),
            paragraph(f"问题 / Question：{q.question}"),
            paragraph(f"答复摘要 / Answer：{q.answer or '—'}"),
            spacer(2),
        ]
    rows: list[list[layout.Cell]] = [
        [
            str(c.order),
            c.bidder,
            money(c.from_fen),
            money(c.to_fen),
            c.basis,
            "已确认\nConfirmed" if c.confirmed else "未确认\nNot confirmed",
        ]
        for c in d.corrections
    ]
    out += [
        text("算术错误修正（补正） / Arithmetic corrections（规定 19；87号令 59）", layout.LABEL),
        spacer(1),
        data_table(
            [
                _label("序号", "No."),
                _label("投标人", "Bidder"),
                _label("原报价", "From"),
                _label("修正后", "To"),
                _label("修正依据", "Basis"),
                _label("投标人确认", "Bidder"),
            ],
            rows,
            [0.6, 2.2, 1.6, 1.6, 2.4, 1.2],
            empty="无算术修正 / No corrections",
        ),
    ]
    return out


def _signatures(d: ReportData) -> list[Flowable]:
    box_width = layout.CONTENT_WIDTH * 4.2 / 10 - 6
    rows: list[list[layout.Cell]] = []
    for m in sorted(d.members, key=lambda m: m.seat):
        if m.status != "sat":
            continue
        name = member_field(m.seat)
        rows.append(
            [
                str(m.seat),
                f"{m.name}\n{_pair(ROLE_LABELS, m.role)}",
                mono(name),
                SignatureBox(name, box_width),
            ]
        )
    return [
        paragraph(
            "评标委员会全体成员应当在评标报告上签字（条例 53；规定 43）；成员以电子签名在下列签名域签署，"
            "签名附加在本文件之后，不改变上述内容。对评标结果有不同意见的，以书面形式说明其不同意见和理由，"
            "评标报告注明该不同意见；拒绝签字且不陈述不同意见和理由的，视为同意评标结果。 / "
            "Every member signs in the field beside the name with an electronic signature added to this file; "
            "dissents and refusals are recorded on the signing sheet."
        ),
        spacer(2),
        data_table(
            [_label("席位", "Seat"), _label("成员", "Member"), _label("签名域", "Field"), _label("签名", "Signature")],
            rows,
            [0.7, 2.6, 2.5, 4.2],
            empty="无 / None",
        ),
    ]


def render_evaluation_report(data: ReportData) -> bytes:
    """The unsigned evaluation report PDF with an empty signature field per sitting member; the same
    data always gives the same bytes."""
    d = data
    _check(d)
    numbers = iter("一二三四五六七八九十")
    gp = d.government_procurement
    story: list[Flowable] = [
        *title(TITLE_ZH, TITLE_EN),
        markup(
            "依据《评标委员会和评标方法暂行规定》第四十二条、《招标投标法实施条例》第五十三条"
            + ("、《政府采购货物和服务招标投标管理办法》第五十八条" if gp else "")
            + "编制。 / Drawn up under Article 42 of the Interim Provisions on Evaluation Committees and "
            "Evaluation Methods and Article 53 of the Regulations on the Tendering and Bidding Law"
            + (" and Article 58 of MOF Order No. 87" if gp else "")
            + ".",
            layout.SMALL,
        ),
        spacer(2),
    ]

    def section(zh: str, en: str, *content: Flowable) -> None:
        """A numbered section (规定 42's item), its heading kept on the page of its first block."""
        story.append(keep(heading(f"{next(numbers)}、{zh}", en), content[0]))
        story.extend(content[1:])

    section("基本情况和数据表", "Basic information", _overview(d))
    section("评标委员会成员名单", "Committee members", *_members(d))
    section("开标记录", "Opening record", _opening(d))
    section("符合要求的投标一览表", "Compliant bids", _compliant(d))
    section("否决投标的情况说明", "Rejected bids", *_rejections(d))
    section(
        "评标标准、评标方法或者评标因素一览表",
        "Criteria and method",
        paragraph(f"评标办法 / Method：{d.method_zh} / {d.method_en}"),
        spacer(1),
        _criteria(d),
    )
    if d.expert_scores or d.totals or d.system_scores:
        comparison = _comparison(d)
    else:
        comparison = [paragraph("经评审的价格见第八项 / The evaluated prices are in item 8")]
    section("经评审的价格或者评分比较一览表", "Comparison of evaluated prices or scores", *comparison)
    section("经评审的投标人排序", "Ranking", _ranking(d))
    section("推荐的中标候选人名单与签订合同前要处理的事宜", "Recommended candidates", *_candidates(d))
    section("澄清、说明、补正事项纪要", "Clarifications and corrections", *_clarifications(d))
    signatures = _signatures(d)
    story += [
        keep(heading("评标委员会成员签字", "Members' signatures"), signatures[0]),
        *signatures[1:],
        keep(
            heading("报告数据", "Report data"),
            key_value_table([("报告 JSON SHA-256", "SHA-256 of the JSON report", mono(d.report_sha256.lower()))]),
        ),
        spacer(2),
        markup(
            "本报告由平台根据评标数据生成；JSON 格式的同一报告可在平台下载，其 SHA-256 应与上值一致。 / "
            "Generated by the platform from the evaluation data; the same report in JSON can be downloaded "
            "from the platform and must have the SHA-256 above.",
            layout.SMALL,
        ),
    ]
    setup = PageSetup(TITLE_ZH, TITLE_EN, f"{d.report_number}（规定 42）", d.issued_at, d.platform_name)
    return layout.build_pdf(setup, story)


# --- signing sheet ---------------------------------------------------------------------------------


def _check_entry(e: SigningEntry) -> None:
    if e.outcome not in OUTCOME_LABELS:
        raise ValueError(f"{e.name}: unknown outcome {e.outcome!r}")
    if e.outcome == "dissent" and not (e.dissent or "").strip():
        raise ValueError(f"{e.name}: a dissent needs its written reasons (条例 53)")
    if e.outcome != "dissent" and e.dissent:
        raise ValueError(f"{e.name}: only a dissent carries a written text")


def render_signing_sheet(
    report_sha256: str,
    entries: Sequence[SigningEntry],
    finalised_at: datetime,
    *,
    report_number: str = "",
    platform_name: str = layout.DEFAULT_PLATFORM_NAME,
) -> bytes:
    """The appendix 评标报告签署情况: each member's outcome, the written dissents in full and, for a
    refusal without reasons, the note that it counts as agreement (条例 53; 规定 43). Unsigned: the
    platform signs it when the report is finalised."""
    _check_digest("report_sha256", report_sha256)
    for e in entries:
        _check_entry(e)
    rows: list[list[layout.Cell]] = []
    for n, e in enumerate(entries, start=1):
        zh, en = OUTCOME_LABELS[e.outcome]
        note = e.note
        if e.outcome == "deemed_agreement":
            note = f"{DEEMED_AGREEMENT_NOTE}\n{note}" if note else DEEMED_AGREEMENT_NOTE
        elif e.outcome == "dissent":
            note = f"书面意见见第二项 / In full in section 2\n{note}".rstrip()
        rows.append([str(n), e.name, f"{zh}\n{en}", layout.shanghai(e.at), note or "—"])
    counts = {k: sum(1 for e in entries if e.outcome == k) for k in OUTCOME_LABELS}
    story: list[Flowable] = [
        *title(SHEET_TITLE_ZH, SHEET_TITLE_EN),
        key_value_table(
            [
                *([("报告编号", "Report number", report_number)] if report_number else []),
                ("评标报告 SHA-256", "SHA-256 of the report", mono(report_sha256.lower())),
                ("定稿时间", "Finalised", layout.shanghai(finalised_at)),
                (
                    "签署情况",
                    "Summary",
                    f"签字 {counts['signed']} 人，书面不同意见 {counts['dissent']} 人，视为同意 "
                    f"{counts['deemed_agreement']} 人 / {counts['signed']} signed, {counts['dissent']} dissented, "
                    f"{counts['deemed_agreement']} deemed to agree",
                ),
            ]
        ),
        heading("一、成员签署情况", "Each member"),
        data_table(
            [
                _label("序号", "No."),
                _label("成员", "Member"),
                _label("结果", "Outcome"),
                _label("时间", "Time"),
                _label("说明", "Note"),
            ],
            rows,
            [0.6, 1.6, 2.0, 2.2, 3.6],
            empty="无 / None",
        ),
        heading("二、书面不同意见", "Written dissents"),
    ]
    dissents = [e for e in entries if e.outcome == "dissent"]
    if not dissents:
        story.append(paragraph("无 / None"))
    for e in dissents:
        story += [
            text(f"{e.name}（{layout.shanghai(e.at)}）", layout.LABEL),
            paragraph(e.dissent or ""),
            spacer(2),
        ]
    story += [
        spacer(2),
        markup(
            "评标委员会成员对评标结果有不同意见的，应当以书面形式说明其不同意见和理由，评标报告应当注明该不同意见；"
            f"{DEEMED_AGREEMENT_NOTE}。 / A member who disagrees states the reasons in writing and the report notes "
            "them; a member who refuses to sign without reasons is deemed to agree (Regulations, Article 53).",
            layout.SMALL,
        ),
    ]
    reference = report_number or f"SHA-256 {report_sha256.lower()[:16]}"
    setup = PageSetup(SHEET_TITLE_ZH, SHEET_TITLE_EN, reference, finalised_at, platform_name)
    return layout.build_pdf(setup, story)
