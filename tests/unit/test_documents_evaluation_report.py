"""The evaluation report (评标报告) and its signing sheet (评标报告签署情况): the ten items of 规定 42
in order, the Chinese text extractable, one empty signature field per sitting member beside the
member's printed name (条例 53), which a member's remote signature then fills in place; a 30-bid,
15-item, 7-member evaluation runs over pages with every score; the signing sheet shows a dissent in
full and a 视为同意 with its note."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from bidding.documents.evaluation_report import (
    DEEMED_AGREEMENT_NOTE,
    Bid,
    Candidate,
    Clarification,
    CollusionSignal,
    Correction,
    ExpertScores,
    Member,
    MemberChange,
    RankRow,
    Rejection,
    ReportData,
    ReportItem,
    SigningEntry,
    TotalRow,
    member_field,
    money,
    points,
    render_evaluation_report,
    render_signing_sheet,
    signature_fields,
)
from crypto.pdf import validate_pdf
from tests.fixtures.documents import compact, pages, pdftotext
from tests.fixtures.pki import BIDDER, LATER, Pki

T = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in China
REPORT_SHA = hashlib.sha256(b"report").hexdigest()
RECORD_SHA = hashlib.sha256(b"opening record").hexdigest()
SECTIONS = [
    "一、基本情况和数据表",
    "二、评标委员会成员名单",
    "三、开标记录",
    "四、符合要求的投标一览表",
    "五、否决投标的情况说明",
    "六、评标标准、评标方法或者评标因素一览表",
    "七、经评审的价格或者评分比较一览表",
    "八、经评审的投标人排序",
    "九、推荐的中标候选人名单与签订合同前要处理的事宜",
    "十、澄清、说明、补正事项纪要",
]


def bidder_name(order: int) -> str:
    return f"福州第{order:03d}建设工程有限公司"


def report(n_bids: int = 3, n_items: int = 2, n_members: int = 5, **changes: Any) -> ReportData:
    """``n_members`` sitting members (seat 1 chairs) plus seat ``n_members + 1``, recused; every
    member gives bid ``b`` ``s.bb`` points on each item (seat 3, bid 17 → 3.17), so each score can be
    found in the text."""
    members = [
        Member(s, f"专家{s:02d}", f"某大学{s}", "土建工程", "chair" if s == 1 else "member")
        for s in range(1, n_members + 1)
    ]
    members.append(Member(n_members + 1, "回避专家", "某设计院", "造价", status="recused", reason="与投标人有利害关系"))
    bids = [Bid(b, bidder_name(b), b * 100_000_000 + 1234) for b in range(1, n_bids + 1)]
    items = [ReportItem("P", "投标报价", "Price", Decimal(30), "system")]
    items += [
        ReportItem(f"T{i}", f"技术评分项{i}", f"Technical {i}", Decimal(5), "each_expert")
        for i in range(1, n_items + 1)
    ]
    expert_items = [i for i in items if i.scorer == "each_expert"]
    scores = [
        ExpertScores(
            m.seat,
            {b.order: {i.code: Decimal(f"{m.seat}.{b.order:02d}") for i in expert_items} for b in bids},
            {b.order: Decimal(f"{m.seat}{b.order:02d}.5") for b in bids},
        )
        for m in members
        if m.status == "sat"
    ]
    totals = [
        TotalRow(b.order, b.bidder, Decimal("27.5"), {e.seat: e.totals[b.order] for e in scores}, Decimal("66.66"))
        for b in bids
    ]
    ranking = [RankRow(r, b.order, b.bidder, b.price_fen or 0, Decimal("66.66")) for r, b in enumerate(bids, start=1)]
    data = ReportData(
        report_number="ER-2026-0001-01",
        project_code="FZ-2026-0001",
        project_name="福州市某道路改造工程施工",
        lot_code="01",
        lot_name="第一标段",
        method_zh="综合评估法",
        method_en="Comprehensive evaluation",
        government_procurement=False,
        opening_record_number="OR-2026-0001-01",
        opening_record_sha256=RECORD_SHA,
        opening_record_url="https://platform.example/opening/OR-2026-0001-01.pdf",
        opening_at=T - timedelta(days=1),
        evaluation_started_at=T,
        evaluation_finished_at=T + timedelta(hours=5),
        members=members,
        bids=bids,
        items=items,
        expert_scores=scores,
        totals=totals,
        ranking=ranking,
        candidates=[Candidate(r.rank, r.bidder, r.price_fen, r.total) for r in ranking[:3]],
        report_sha256=REPORT_SHA,
        issued_at=T + timedelta(hours=5, minutes=1),
        changes=[MemberChange(T + timedelta(minutes=20), "recused", "回避专家", "与投标人有利害关系", "专家05")],
        tenderer="福州市某局",
        agent="某招标代理有限公司",
    )
    return replace(data, **changes)


def fields_of(pdf: bytes) -> list[tuple[str, Any, Any]]:
    return list(enumerate_sig_fields(PdfFileReader(BytesIO(pdf))))


def assert_widgets_on_their_pages(pdf: bytes) -> None:
    """Each field's widget is a visible, printed /Sig box on A4 whose /P is the page listing it."""
    kids = [k.get_object() for k in PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Kids"]]
    for name, _, ref in fields_of(pdf):
        widget = ref.get_object()
        assert widget["/FT"] == "/Sig" and widget["/F"] == 4, name
        x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
        assert 0 < x0 < x1 < 595 and 0 < y0 < y1 < 842 and y1 - y0 > 40, name
        holders = [i for i, page in enumerate(kids) if any(a.get_object() == widget for a in page.get("/Annots", []))]
        assert len(holders) == 1 and kids[holders[0]] == widget["/P"], name


# --- report ------------------------------------------------------------------------------------------


def test_report_shows_the_ten_items_of_article_42_in_order(tmp_path: Path) -> None:
    data = report(
        rejections=[Rejection(2, bidder_name(2), "投标保证金", "第二章 3.4.1", "未按招标文件要求提交投标保证金")],
        corrections=[Correction(3, bidder_name(3), 300_001_234, 299_991_234, "单价与总价不一致，以单价为准", True)],
        clarifications=[
            Clarification(
                3, bidder_name(3), "请说明第5页报价明细", "系笔误，以单价为准", T, T + timedelta(hours=1), "answered"
            )
        ],
        signals=[CollusionSignal("40(一) 同一上传设备", [bidder_name(1), bidder_name(3)], "上传设备MAC哈希相同")],
        pre_contract_matters="中标人应在签订合同前提交履约担保。",
        # price score = lowest ÷ bid × 30 (87号令 55): 1,000,012.34 ÷ 3,000,012.34 × 30 = 10.0000… → 10.00
        system_scores={1: {"P": Decimal("30.00")}, 2: {"P": Decimal("15.00")}, 3: {"P": Decimal("10.00")}},
    )
    flat = compact(pdftotext(render_evaluation_report(data), tmp_path))
    positions = [flat.find(s) for s in SECTIONS]
    assert -1 not in positions, dict(zip(SECTIONS, positions, strict=True))
    assert positions == sorted(positions)  # in the article's order
    for expected in (
        "评标报告",
        "Evaluationreport",
        "第四十二条",
        "第五十三条",
        "ER-2026-0001-01（规定42）",  # footer
        "2026-12-0109:00:00(UTC+8)至",  # evaluation start, 01:00 UTC in China
        "共3家，否决1家，符合要求2家",
        "专家01",
        "某大学1",
        "回避Recused回避专家专家05与投标人有利害关系",  # member change (87号令 58(六))
        "与投标人有利害关系",
        "第二章3.4.1",
        "未按招标文件要求提交投标保证金",
        "不构成否决",
        "上传设备MAC哈希相同",
        "¥3,000,012.34",  # bid 3: 300,001,234 fen
        "¥2,999,912.34",  # corrected
        "单价与总价不一致，以单价为准",
        "系笔误，以单价为准",
        "中标人应在签订合同前提交履约担保。",
        "第1名",
        "系统计算得分",
        "3福州第003建设工程有限公司10.00",
        "席位3专家03的评分",
        "3福州第003建设工程有限公司3.033.03303.50",  # seat 3, bid 3: T1, T2, total
        "https://platform.example/opening/OR-2026-0001-01.pdf",
        RECORD_SHA,
        REPORT_SHA,
    ):
        assert compact(expected) in flat, expected
    # 第四项: the rejected bid 2 is not among the compliant bids (its price appears only in 八 and 九)
    compliant = flat[flat.find(SECTIONS[3]) : flat.find(SECTIONS[4])]
    assert bidder_name(1) in compliant and bidder_name(3) in compliant and bidder_name(2) not in compliant


def test_government_procurement_cites_order_87(tmp_path: Path) -> None:
    flat = compact(pdftotext(render_evaluation_report(report(government_procurement=True)), tmp_path))
    assert "《政府采购货物和服务招标投标管理办法》第五十八条" in flat
    assert "第五十八条" not in compact(pdftotext(render_evaluation_report(report()), tmp_path))


def test_one_empty_signature_field_per_sitting_member_beside_the_name(tmp_path: Path) -> None:
    data = report()
    pdf = render_evaluation_report(data)
    found = fields_of(pdf)
    assert [name for name, _, _ in found] == ["Member01", "Member02", "Member03", "Member04", "Member05"]
    assert signature_fields(data) == [name for name, _, _ in found]  # the recused seat 6 has none
    assert all(value is None for _, value, _ in found)  # empty, for the members to fill
    assert_widgets_on_their_pages(pdf)
    text = pdftotext(pdf, tmp_path)
    signing_part = compact(text[text.find("评标委员会成员签字") :])
    for seat in range(1, 6):
        assert f"{seat}专家{seat:02d}" in signing_part and member_field(seat) in signing_part
    assert "回避专家" not in signing_part


def test_member_field() -> None:
    assert member_field(1) == "Member01"
    assert member_field(12) == "Member12"
    with pytest.raises(ValueError):
        member_field(0)


def test_money_and_points() -> None:
    assert money(123_456_789) == "¥1,234,567.89"
    assert money(5) == "¥0.05"
    assert money(None) == "—"
    assert points(Decimal("27")) == "27.00"
    assert points(Decimal("1234.5")) == "1,234.50"


def test_thirty_bids_fifteen_items_seven_members_run_over_pages(tmp_path: Path) -> None:
    data = report(30, 15, 7)
    pdf = render_evaluation_report(data)
    assert pages(pdf) > 10
    text = pdftotext(pdf, tmp_path)
    flat = compact(text)
    for seat in (1, 4, 7):
        for order in (1, 17, 30):
            # 15 items (two tables of 8 and 7 columns) → the score 15 times; the member's total twice
            # (own table, totals table)
            assert flat.count(f"{seat}.{order:02d}") >= 15, (seat, order)
            assert f"{seat}{order:02d}.50" in flat
    for order in range(1, 31):
        assert bidder_name(order) in flat
    assert text.count("Bidder") > 2 * 7  # headers repeated on every page and chunk
    assert [name for name, _, _ in fields_of(pdf)] == [member_field(s) for s in range(1, 8)]
    assert_widgets_on_their_pages(pdf)  # on page 20-odd, not on page 1 where drawing began
    total = pages(pdf)
    assert f"第{total}页/共{total}页" in flat


def test_report_is_deterministic() -> None:
    assert render_evaluation_report(report()) == render_evaluation_report(report())
    assert render_evaluation_report(report()) != render_evaluation_report(report(report_sha256="0" * 64))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"candidates": [Candidate(r, bidder_name(r), 100) for r in range(1, 5)]}, "条例 53"),
        ({"report_sha256": "not a digest"}, "report_sha256"),
        ({"opening_record_sha256": "ab" * 31}, "opening_record_sha256"),
        ({"expert_scores": [ExpertScores(6, {}, {})]}, "seat 6"),  # the recused member scores nothing
        ({"evaluation_finished_at": T - timedelta(hours=1)}, "before"),
        ({"members": [Member(1, "甲", "单位", "土建"), Member(1, "乙", "单位", "土建")]}, "seat"),
    ],
)
def test_report_refuses_bad_data(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        render_evaluation_report(report(**changes))


async def test_a_member_signs_in_the_field_by_remote_signing(pki: Pki) -> None:
    """The member's remote signature fills the existing field in place (pyHanko reuses an empty field
    of that name); the other fields stay empty and the signature validates."""
    pdf = render_evaluation_report(report())
    rect_before = [float(v) for v in fields_of(pdf)[1][2].get_object()["/Rect"]]
    key, cert = pki.bidder("ec-p256", BIDDER)
    signed = await pki.confirm(pdf, key, cert, member_field(2))
    assert signed[: len(pdf)] == pdf
    found = {name: (value, ref) for name, value, ref in fields_of(signed)}
    assert sorted(found) == [member_field(s) for s in range(1, 6)]
    assert found[member_field(2)][0] is not None
    assert [float(v) for v in found[member_field(2)][1].get_object()["/Rect"]] == rect_before
    assert all(found[member_field(s)][0] is None for s in (1, 3, 4, 5))
    result = await validate_pdf(signed, trust_roots=[pki.ca.root_cert], now=LATER)
    assert result.verdict == "TOTAL_PASSED", result.to_dict()
    assert [s.field_name for s in result.signatures] == [member_field(2)]


# --- signing sheet -----------------------------------------------------------------------------------

DISSENT = "本人认为第002号投标人的技术方案不满足招标文件第三章第2.1条的要求，" * 30


def entries() -> list[SigningEntry]:
    return [
        SigningEntry("专家01", "signed", T + timedelta(hours=6)),
        SigningEntry("专家02", "dissent", T + timedelta(hours=6, minutes=5), DISSENT),
        SigningEntry("专家03", "deemed_agreement", T + timedelta(hours=7), None, "组长及监督人见证"),
    ]


def test_signing_sheet_lists_dissent_in_full_and_deemed_agreement(tmp_path: Path) -> None:
    pdf = render_signing_sheet(REPORT_SHA, entries(), T + timedelta(hours=8), report_number="ER-2026-0001-01")
    assert pdf == render_signing_sheet(REPORT_SHA, entries(), T + timedelta(hours=8), report_number="ER-2026-0001-01")
    flat = compact(pdftotext(pdf, tmp_path))
    for expected in (
        "评标报告签署情况",
        "Signing of the evaluation report",
        REPORT_SHA,
        "2026-12-0117:00:00(UTC+8)",  # finalised 09:00 UTC
        "签字1人，书面不同意见1人，视为同意1人",
        "专家01已签字",
        "签字并书面陈述不同意见",
        DEEMED_AGREEMENT_NOTE,
        "组长及监督人见证",
        "ER-2026-0001-01",
    ):
        assert compact(expected) in flat, expected
    assert flat.count(compact(DISSENT[:31])) >= 29  # the dissent in full (a page break may split one)
    assert "视为同意" in flat[flat.find("专家03") :]


@pytest.mark.parametrize(
    "entry",
    [
        SigningEntry("专家02", "dissent", T, None),  # a dissent needs its reasons
        SigningEntry("专家02", "dissent", T, "  "),
        SigningEntry("专家01", "signed", T, "意见"),  # only a dissent carries text
        SigningEntry("专家01", "maybe", T),  # type: ignore[arg-type]
    ],
)
def test_signing_sheet_refuses_bad_entries(entry: SigningEntry) -> None:
    with pytest.raises(ValueError):
        render_signing_sheet(REPORT_SHA, [entry], T)


def test_signing_sheet_refuses_a_bad_digest() -> None:
    with pytest.raises(ValueError, match="report_sha256"):
        render_signing_sheet("xyz", entries(), T)
