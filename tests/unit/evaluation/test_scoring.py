"""Scores, totals, ranking, candidates and divergences (RULES c2, c8, c10: 87号令 55, 62; 条例 53; 规定 45),
with worked examples computed by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bidding.evaluation.criteria import Criteria, Method, Nature, Scorer, ScoringItem
from bidding.evaluation.scoring import (
    SYSTEM,
    Divergence,
    Ranked,
    RecheckReason,
    ScoreInvalid,
    SystemValueMissing,
    bid_totals,
    candidates,
    divergences,
    member_totals,
    rank,
    system_scores,
)
from bidding.tendering.rules.projects import Category

D = Decimal
PRICE = ScoringItem("投标报价", "Bid price", D(30), Nature.OBJECTIVE, Scorer.SYSTEM, is_price=True)
TECH = ScoringItem("技术方案", "Technical proposal", D(50), Nature.SUBJECTIVE, Scorer.EACH_EXPERT)
SERVICE = ScoringItem("售后服务", "After-sales service", D(20), Nature.OBJECTIVE, Scorer.EACH_EXPERT)
RECORD = ScoringItem("类似业绩", "Similar contracts", D(20), Nature.OBJECTIVE, Scorer.SYSTEM)
#: 综合评分法 for goods: price 30 (system), technical 50 and service 20 (each expert).
GP = Criteria(Method.COMPREHENSIVE_SCORING, Category.GOODS, True, (PRICE, TECH, SERVICE))
#: The same with the track record scored by the system from data.
GP_RECORD = Criteria(Method.COMPREHENSIVE_SCORING, Category.GOODS, True, (PRICE, TECH, RECORD))
LOWEST = Criteria(Method.LOWEST_EVALUATED_PRICE, Category.GOODS, False)

#: Three bids: ¥800,000, ¥1,000,000, ¥1,000,000 (fen).
PRICES = {"A": 80_000_000, "B": 100_000_000, "C": 100_000_000}


def sheet(tech: str, service: str) -> dict[str, Decimal]:
    return {"技术方案": D(tech), "售后服务": D(service)}


#: Members' scores: A's totals 53, 55, 54 (mean 54); B's 60, 65, 55 (mean 60); C's 60, 60, 60.
MEMBERS = {
    "m1": {"A": sheet("35", "18"), "B": sheet("42", "18"), "C": sheet("41", "19")},
    "m2": {"A": sheet("38", "17"), "B": sheet("45", "20"), "C": sheet("43", "17")},
    "m3": {"A": sheet("36", "18"), "B": sheet("40", "15"), "C": sheet("44", "16")},
}


def reasons(error: pytest.ExceptionInfo[ScoreInvalid]) -> list[tuple[Any, ...]]:
    return [(d["member"], d["bid"], d["item"], d["reason"]) for d in error.value.details]


def test_government_procurement_three_bids_price_formula_and_ties() -> None:
    """The issue's example: 87号令 55 price score lowest ÷ bid × 30, every bid kept; equal totals are
    ordered by price (A before B and C); equal total and price share a rank (B, C: 2, 2)."""
    system = system_scores(GP, PRICES)
    # 80,000,000 ÷ 80,000,000 × 30 = 30.00; 80,000,000 ÷ 100,000,000 × 30 = 24.00
    assert system == {"A": {"投标报价": D("30.00")}, "B": {"投标报价": D("24.00")}, "C": {"投标报价": D("24.00")}}
    totals = bid_totals(GP, system, MEMBERS)
    # A: 30 + (53 + 55 + 54) / 3 = 84; B: 24 + (60 + 65 + 55) / 3 = 84; C: 24 + 60 = 84
    assert totals == {"A": D("84.00"), "B": D("84.00"), "C": D("84.00")}
    ranking = rank(GP.method, totals, PRICES)
    assert ranking == [
        Ranked("A", 1, D("84.00"), 80_000_000),
        Ranked("B", 2, D("84.00"), 100_000_000),
        Ranked("C", 2, D("84.00"), 100_000_000),
    ]
    assert candidates(ranking) == ranking  # three bids, none dropped


def test_member_totals_sum_the_expert_items() -> None:
    assert member_totals(GP, MEMBERS) == {
        "m1": {"A": D(53), "B": D(60), "C": D(60)},
        "m2": {"A": D(55), "B": D(65), "C": D(60)},
        "m3": {"A": D(54), "B": D(55), "C": D(60)},
    }


def test_the_mean_of_all_members_never_drops_the_highest_or_lowest() -> None:
    """Five members give bid D expert totals 40, 44, 45, 46, 70: the mean of all is 245 / 5 = 49.00, so
    with the price score 30.00 the total is 79.00. Dropping the highest and lowest would give
    (44 + 45 + 46) / 3 = 45.00 and a total of 75.00 (RULES c2: never)."""
    members = {
        "m1": {"D": sheet("25", "15")},
        "m2": {"D": sheet("30", "14")},
        "m3": {"D": sheet("30", "15")},
        "m4": {"D": sheet("30", "16")},
        "m5": {"D": sheet("50", "20")},
    }
    totals = bid_totals(GP, {"D": {"投标报价": D("30.00")}}, members)
    assert totals == {"D": D("79.00")}
    dropped = sorted(t["D"] for t in member_totals(GP, members).values())[1:-1]
    assert D(30) + sum(dropped, D(0)) / len(dropped) == D(75) != totals["D"]


def test_the_mean_is_exact_and_rounded_once_half_up() -> None:
    # Two members, expert totals 60.00 and 60.01: 24.00 + 60.005 = 84.005 → 84.01 (half up, once).
    members = {"m1": {"B": sheet("40", "20")}, "m2": {"B": sheet("40.01", "20")}}
    assert bid_totals(GP, {"B": {"投标报价": D("24.00")}}, members) == {"B": D("84.01")}
    # Three members, 60, 60, 60.01: 180.01 / 3 = 60.00333… → 84.00 (exact thirds, not 28-digit decimals).
    members = {"m1": {"B": sheet("40", "20")}, "m2": {"B": sheet("40", "20")}, "m3": {"B": sheet("40.01", "20")}}
    assert bid_totals(GP, {"B": {"投标报价": D("24.00")}}, members) == {"B": D("84.00")}
    # Expert totals 10.01, 10.01, 10.00: 30.02 / 3 = 10.00666… → 24 + 10.00666… = 34.00666… → 34.01.
    members = {"m1": {"B": sheet("0.01", "10")}, "m2": {"B": sheet("0.01", "10")}, "m3": {"B": sheet("0", "10")}}
    assert bid_totals(GP, {"B": {"投标报价": D("24.00")}}, members) == {"B": D("34.01")}


def test_every_bad_score_is_reported_at_once() -> None:
    members = {
        "m1": {
            "A": {"技术方案": D("50.01"), "售后服务": D("-1")},  # both out of range
            "B": {"技术方案": D("40.005"), "售后服务": D(10), "价格": D(1)},  # too precise, unknown item
        },
        "m2": {"A": {"技术方案": D(40)}},  # service missing; B not scored at all
        "m3": {"A": {"技术方案": 40.0, "售后服务": D("NaN")}, "B": sheet("1", "1")},
    }
    with pytest.raises(ScoreInvalid) as error:
        member_totals(GP, members)  # type: ignore[arg-type]
    assert error.value.code == "score_invalid"
    assert error.value.status == 422
    assert reasons(error) == [
        ("m1", "A", "技术方案", "score_out_of_range"),
        ("m1", "A", "售后服务", "score_out_of_range"),
        ("m1", "B", "价格", "unknown_item"),
        ("m1", "B", "技术方案", "score_too_precise"),
        ("m2", "A", "售后服务", "score_missing"),
        ("m2", "B", "技术方案", "score_missing"),
        ("m2", "B", "售后服务", "score_missing"),
        ("m3", "A", "技术方案", "score_not_decimal"),
        ("m3", "A", "售后服务", "score_not_decimal"),
    ]
    assert error.value.details[0]["maximum"] == "50"
    assert error.value.details[0]["value"] == "50.01"
    assert error.value.details[0]["message_zh"] == "分项评分超出评分标准规定的分值范围"


def test_the_bounds_are_inclusive() -> None:
    members = {"m1": {"A": sheet("50.00", "0")}}
    assert member_totals(GP, members) == {"m1": {"A": D(50)}}


def test_a_member_may_not_score_a_system_item() -> None:
    members = {"m1": {"A": {**sheet("40", "10"), "投标报价": D(30)}}}
    with pytest.raises(ScoreInvalid) as error:
        member_totals(GP, members)
    assert reasons(error) == [("m1", "A", "投标报价", "unknown_item")]


def test_bid_totals_checks_the_system_scores_and_needs_members() -> None:
    with pytest.raises(ScoreInvalid) as error:
        bid_totals(GP, {"A": {}}, {"m1": {"A": sheet("40", "10")}})
    assert reasons(error) == [(SYSTEM, "A", "投标报价", "score_missing")]
    with pytest.raises(ScoreInvalid) as error:
        bid_totals(GP, {"A": {"投标报价": D(30)}}, {})
    assert reasons(error) == [("", "", None, "no_members")]
    # A bid a member scored but the system did not is missing its price score.
    with pytest.raises(ScoreInvalid) as error:
        bid_totals(GP, {"A": {"投标报价": D(30)}}, {"m1": {"A": sheet("1", "1"), "Z": sheet("1", "1")}})
    assert reasons(error) == [(SYSTEM, "Z", "投标报价", "score_missing")]


def test_system_scores_take_objective_values_from_data() -> None:
    with pytest.raises(SystemValueMissing) as missing:
        system_scores(GP_RECORD, {"A": 900, "B": 1000})
    assert missing.value.code == "system_value_missing"
    assert [d["bid"] for d in missing.value.details] == ["A", "B"]
    values = {"A": {"类似业绩": D("12.5")}, "B": {"类似业绩": D(20)}}
    # 900 ÷ 1000 × 30 = 27.00
    assert system_scores(GP_RECORD, {"A": 900, "B": 1000}, values) == {
        "A": {"投标报价": D("30.00"), "类似业绩": D("12.5")},
        "B": {"投标报价": D("27.00"), "类似业绩": D(20)},
    }
    with pytest.raises(ScoreInvalid) as error:
        system_scores(GP_RECORD, {"A": 900, "B": 1000}, {"A": {"类似业绩": D("20.01")}, "B": {"类似业绩": D(1)}})
    assert reasons(error) == [(SYSTEM, "A", "类似业绩", "score_out_of_range")]
    assert system_scores(LOWEST, {"A": 900, "B": 1000}) == {"A": {}, "B": {}}


def test_totals_with_a_system_objective_item() -> None:
    system = system_scores(GP_RECORD, {"A": 900, "B": 1000}, {"A": {"类似业绩": D(10)}, "B": {"类似业绩": D(20)}})
    members = {
        "m1": {"A": {"技术方案": D(40)}, "B": {"技术方案": D(30)}},
        "m2": {"A": {"技术方案": D(41)}, "B": {"技术方案": D(31)}},
    }
    # A: 30 + 10 + 40.5 = 80.50; B: 27 + 20 + 30.5 = 77.50
    assert bid_totals(GP_RECORD, system, members) == {"A": D("80.50"), "B": D("77.50")}


def test_rank_lowest_evaluated_price() -> None:
    ranking = rank(Method.LOWEST_EVALUATED_PRICE, None, {"A": 500, "B": 300, "C": 300, "D": 400})
    assert ranking == [
        Ranked("B", 1, None, 300),
        Ranked("C", 1, None, 300),
        Ranked("D", 3, None, 400),
        Ranked("A", 4, None, 500),
    ]
    # Totals are ignored by the lowest evaluated price method.
    assert rank(Method.LOWEST_EVALUATED_PRICE, {"A": D(1)}, {"A": 5}) == [Ranked("A", 1, None, 5)]


def test_rank_comprehensive_by_total_then_price() -> None:
    totals = {"A": D("90.5"), "B": D("88"), "C": D("90.5"), "D": D("95")}
    prices = {"A": 1000, "B": 800, "C": 900, "D": 1200}
    assert rank(Method.COMPREHENSIVE, totals, prices) == [
        Ranked("D", 1, D("95"), 1200),
        Ranked("C", 2, D("90.5"), 900),  # equal total: the lower price first
        Ranked("A", 3, D("90.5"), 1000),
        Ranked("B", 4, D("88"), 800),
    ]


def test_rank_comprehensive_scoring_competition_ranks() -> None:
    totals = {"A": D(80), "B": D(80), "C": D(70)}
    prices = {"A": 1000, "B": 1000, "C": 500}
    assert [(r.bid, r.rank) for r in rank(Method.COMPREHENSIVE_SCORING, totals, prices)] == [
        ("A", 1),
        ("B", 1),
        ("C", 3),
    ]


def test_rank_needs_a_total_and_a_price_for_every_bid() -> None:
    with pytest.raises(ValueError, match="totals"):
        rank(Method.COMPREHENSIVE, None, {"A": 1})
    with pytest.raises(ValueError, match="totals"):
        rank(Method.COMPREHENSIVE, {"A": D(1)}, {"A": 1, "B": 2})


def entries(*ranks: int) -> list[Ranked]:
    return [Ranked(chr(ord("A") + i), r, None, 100 * (i + 1)) for i, r in enumerate(ranks)]


@pytest.mark.parametrize(
    ("ranks", "kept"),
    [
        pytest.param((1, 2, 3, 4, 5), "ABC", id="top-three"),
        pytest.param((1, 2, 3, 3), "ABC", id="tie-at-three-cut-to-three"),
        pytest.param((1, 1, 1, 1), "ABC", id="four-tied-first"),
        pytest.param((1, 1, 3, 4), "ABC", id="1-1-3"),
        pytest.param((1, 2, 2, 4), "ABC", id="1-2-2"),
        pytest.param((1, 2), "AB", id="two-bids"),
        pytest.param((), "", id="none"),
    ],
)
def test_candidates_are_at_most_three(ranks: tuple[int, ...], kept: str) -> None:
    assert "".join(c.bid for c in candidates(entries(*ranks))) == kept


def test_candidates_limit() -> None:
    assert [c.bid for c in candidates(entries(1, 2, 3), limit=1)] == ["A"]
    assert [c.bid for c in candidates(entries(1, 1, 3), limit=1)] == ["A"]
    with pytest.raises(ValueError, match="three"):
        candidates(entries(1), limit=4)


def test_divergence_threshold_is_exclusive() -> None:
    """Threshold 20 % of technical (50) is 10 points; of service (20) 4 points. Bid A: technical spread
    exactly 10 → not reported; bid B: 10.01 → reported. Service on B: 4.5 → reported, an objective item."""
    members = {
        "m1": {"A": sheet("30", "10"), "B": sheet("30", "10")},
        "m2": {"A": sheet("40", "12"), "B": sheet("40.01", "14.5")},
        "m3": {"A": sheet("35", "13"), "B": sheet("30", "11")},
    }
    found = divergences(GP, members, D(20))
    assert found == [
        Divergence(
            "B", "技术方案", D(30), D("40.01"), D("10.01"), ("m1", "m3"), ("m2",), RecheckReason.ABNORMAL_SUBJECTIVE
        ),
        Divergence("B", "售后服务", D(10), D("14.5"), D("4.5"), ("m1",), ("m2",), RecheckReason.OBJECTIVE_INCONSISTENT),
    ]
    # A's service spread is 3 (≤ 4): nothing else. With threshold 0 every spread above 0 is reported.
    assert len(divergences(GP, members, D(0))) == 4
    assert found[0].reason.article == "87号令62（四）"


def test_recheck_reasons_are_87号令_62s_four() -> None:
    assert [r.value for r in RecheckReason] == [
        "sum_error",
        "out_of_range",
        "objective_inconsistent",
        "abnormal_subjective",
    ]
    assert [r.article for r in RecheckReason] == [
        "87号令62（一）",
        "87号令62（二）",
        "87号令62（三）",
        "87号令62（四）",
    ]
    assert RecheckReason.SUM_ERROR.message_zh == "分值汇总计算错误"


def test_divergences_validate_and_refuse_a_negative_threshold() -> None:
    with pytest.raises(ValueError, match="threshold"):
        divergences(GP, MEMBERS, D(-1))
    with pytest.raises(ScoreInvalid):
        divergences(GP, {"m1": {"A": {"技术方案": D(51)}}}, D(10))
