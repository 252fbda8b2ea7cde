"""The candidate publicity PDF (中标候选人公示; 条例 54; RULES c12): the candidates in rank order with
price in figures and in Chinese uppercase, duration, quality, the promised project manager and the
certificate number (or that the opening form did not declare them), the evaluation summary, the period
and how to object; the same data gives the same bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bidding.documents.candidate_publicity import PublicityCandidate, PublicityData, render_candidate_publicity
from tests.fixtures.documents import compact, pdftotext

T = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thursday 10:00 in China


def data(**changes: object) -> PublicityData:
    d = PublicityData(
        number="GS-1A2B3C4D",
        project_code="FZ-2026-0007",
        project_name="福州市某道路改造工程施工",
        lot_code="01",
        lot_name="第一标段 & <施工>",
        tenderer="福州市示例建设局",
        agent="示例招标代理有限公司",
        candidates=(
            PublicityCandidate(
                1,
                "福州甲建设有限公司",
                "91350100M000100Y43",
                12_345_678,
                "87.50",
                365,
                "合格",
                "张三",
                "闽135060812345",
            ),
            PublicityCandidate(
                2, "福州乙建设有限公司", "91350100M000200Y21", 11_000_000, "80.25", 360, "合格", None, None
            ),
            PublicityCandidate(
                3, "福州丙建设有限公司", "91350100M000300Y05", 13_000_000, "70.00", None, None, "李四", ""
            ),
        ),
        method_zh="综合评估法",
        method_en="Comprehensive evaluation",
        report_number="PB-1A2B3C4D",
        report_final_at=T - timedelta(days=1),
        published_at=T,
        closes_at=datetime(2026, 3, 8, 16, 0, tzinfo=UTC),  # Monday 00:00 in China
    )
    return replace(d, **changes)  # type: ignore[arg-type]


def test_publicity_shows_what_10号令_asks_in_rank_order(tmp_path: Path) -> None:
    text = pdftotext(render_candidate_publicity(data()), tmp_path)
    flat = compact(text)
    for expected in (
        "中标候选人公示",
        "Publicity of the candidates",
        "GS-1A2B3C4D",
        "第一标段&<施工>",
        "福州市示例建设局",
        "示例招标代理有限公司",
        "123,456.78元",
        "壹拾贰万叁仟肆佰伍拾陆元柒角捌分",
        "365日历天",
        "张三",
        "闽135060812345",
        "综合评估法",
        "PB-1A2B3C4D",
        "87.50",
        "2026-03-0510:00:00(UTC+8)",
        "2026-03-0900:00:00(UTC+8)",
        "第五十四条",
        "3日内作出答复",
        "Article54",
        "投诉",
    ):
        assert compact(expected) in flat, expected
    # in rank order
    assert flat.index("福州甲建设有限公司") < flat.index("福州乙建设有限公司") < flat.index("福州丙建设有限公司")
    # rank 2 declared no project manager nor certificate; rank 3 no certificate, duration, quality
    assert flat.count(compact("未在开标一览表中填报")) == 5
    assert "notdeclaredintheopeningform" in flat


def test_publicity_is_deterministic_and_depends_on_data() -> None:
    assert render_candidate_publicity(data()) == render_candidate_publicity(data())
    assert render_candidate_publicity(data(number="GS-00000000")) != render_candidate_publicity(data())
    moved = data(published_at=T + timedelta(seconds=1))
    assert render_candidate_publicity(moved) != render_candidate_publicity(data())


@pytest.mark.parametrize(
    "changes",
    [
        {"closes_at": T},  # not after the publication
        {"candidates": ()},
        {"candidates": tuple(reversed(data().candidates))},  # not in rank order
        {"published_at": datetime(2026, 3, 5, 10, 0)},  # naive
    ],
)
def test_publicity_refuses_inconsistent_data(changes: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        render_candidate_publicity(data(**changes))
