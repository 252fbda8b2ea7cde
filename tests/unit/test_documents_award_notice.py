"""The award notice (中标通知书) and the result notice (中标结果通知书): they render with their Chinese
text extractable (winner, price in yuan and 大写, the 30-day contract clause, 法 45–46), a government
procurement result notice gives the loser its own rank and score and the committee's names (87号令 69)
and a non-government one does not, a deemed choice says 视同排名第一, and the same data gives the same
bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from bidding.documents.award_notice import (
    AwardNoticeData,
    ResultNoticeData,
    render_award_notice,
    render_result_notice,
)
from tests.fixtures.documents import T, compact, pages, pdftotext


def award() -> AwardNoticeData:
    return AwardNoticeData(
        number="ZB-1A2B3C4D-1-01",
        project_code="FZ-2026-0001",
        project_name="示例道路改造工程",
        lot_code="BD01",
        lot_name="第一标段 & <施工>",
        tenderer="福州示例城建集团",
        agent="福州示例招标代理有限公司",
        winner_name="福州示例建设有限公司",
        winner_credit_code="91350100M000100Y43",
        price_fen=4_650_000_00,
        issued_at=T,
        contract_due_on=date(2026, 12, 23),
        duration_days="365",
        quality="合格",
        project_manager="张三",
        project_manager_certificate="闽1352020202000001",
    )


def result(**changes: object) -> ResultNoticeData:
    data = ResultNoticeData(
        number="JG-1A2B3C4D-1-02",
        project_code="FZ-2026-0001",
        project_name="示例道路改造工程",
        lot_code="BD01",
        lot_name="第一标段",
        tenderer="福州示例城建集团",
        agent="福州示例招标代理有限公司",
        bidder_name="厦门示例工程有限公司",
        bidder_credit_code="91350200M000200X11",
        winner_name="福州示例建设有限公司",
        winner_credit_code="91350100M000100Y43",
        price_fen=4_650_000_00,
        issued_at=T,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def test_the_award_notice_names_winner_price_terms_and_the_30_days(tmp_path: Path) -> None:
    pdf = render_award_notice(award())
    assert pdf.startswith(b"%PDF-") and pages(pdf) == 1
    text = compact(pdftotext(pdf, tmp_path))
    for expected in (
        "中标通知书",
        "Noticeofaward",
        "福州示例建设有限公司",
        "91350100M000100Y43",
        "4,650,000.00",
        "肆佰陆拾伍万元整",
        "365",
        "合格",
        "张三",
        "闽1352020202000001",
        "30日内",
        "2026-12-23",
        "第四十五条、第四十六条",
        "第一标段&<施工>",
        "2026-11-2310:00:00(UTC+8)",
    ):
        assert expected in text, expected
    assert "视同排名第一" not in text
    deemed = compact(
        pdftotext(render_award_notice(replace(award(), deemed=True, government_procurement=True)), tmp_path)
    )
    assert "视同排名第一" in deemed and "第六十九条" in deemed


def test_a_result_notice_in_government_procurement_gives_own_rank_score_and_experts(tmp_path: Path) -> None:
    gp = result(government_procurement=True, own_rank=2, own_score="87.35", experts=("李四", "王五", "赵六"))
    text = compact(pdftotext(render_result_notice(gp), tmp_path))
    for expected in (
        "中标结果通知书",
        "厦门示例工程有限公司",
        "福州示例建设有限公司",
        "肆佰陆拾伍万元整",
        "87.35",
        "李四、王五、赵六",
        "第六十九条",
    ):
        assert expected in text, expected
    rejected = compact(
        pdftotext(render_result_notice(replace(gp, rejected=True, own_rank=None, own_score=None)), tmp_path)
    )
    assert "无评审得分与排序" in rejected and "李四" in rejected
    # Under the tendering law a loser learns the winner and the price, not scores or the committee.
    plain = compact(pdftotext(render_result_notice(result(own_rank=2, own_score="87.35", experts=("李四",))), tmp_path))
    assert "福州示例建设有限公司" in plain and "第四十五条" in plain
    assert "87.35" not in plain and "李四" not in plain


def test_same_data_same_bytes_and_the_bytes_follow_the_data() -> None:
    assert render_award_notice(award()) == render_award_notice(award())
    assert render_award_notice(replace(award(), price_fen=1)) != render_award_notice(award())
    assert render_result_notice(result()) == render_result_notice(result())
    assert render_result_notice(result(issued_at=T + timedelta(seconds=1))) != render_result_notice(result())
