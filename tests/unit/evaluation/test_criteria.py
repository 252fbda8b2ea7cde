"""The evaluation criteria (RULES c1, c2: 规定 29–37, 政采条例 34, 87号令 55): each method, each refusal
with its code and article, and the price score's worked examples (87号令 55: lowest ÷ bid × maximum)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from bidding.evaluation.criteria import (
    GP_PRICE_WEIGHT_FLOORS,
    ChecklistItem,
    CheckStage,
    Criteria,
    CriteriaInvalid,
    CriteriaProblem,
    Method,
    Nature,
    PriceFormula,
    PriceInvalid,
    Problem,
    Scorer,
    ScoringItem,
    criteria_problems,
    price_score,
    price_scores,
    validate_criteria,
)
from bidding.tendering.rules.projects import Category

P = CriteriaProblem
D = Decimal
YUAN = 100  # fen


def price(maximum: int | str = 30) -> ScoringItem:
    return ScoringItem("投标报价", "Bid price", D(maximum), Nature.OBJECTIVE, Scorer.SYSTEM, is_price=True)


def technical(maximum: int | str = 50, name: str = "技术方案", name_en: str = "Technical proposal") -> ScoringItem:
    return ScoringItem(name, name_en, D(maximum), Nature.SUBJECTIVE, Scorer.EACH_EXPERT)


def objective(maximum: int | str = 20, name: str = "类似业绩", name_en: str = "Similar contracts") -> ScoringItem:
    return ScoringItem(name, name_en, D(maximum), Nature.OBJECTIVE, Scorer.SYSTEM)


CHECKLIST = (
    ChecklistItem("投标函签字盖章", "Bid form signed and sealed", CheckStage.FORMAL, "第二章 3.7.3"),
    ChecklistItem("营业执照", "Business licence", CheckStage.QUALIFICATION, "第二章 1.4.1"),
    ChecklistItem("投标有效期", "Bid validity", CheckStage.RESPONSIVENESS, "第二章 3.3.1"),
)
#: 综合评分法 for goods: price 30, technical 50 (subjective), track record 20 (objective).
GP_GOODS = Criteria(
    Method.COMPREHENSIVE_SCORING, Category.GOODS, True, (price(30), technical(50), objective(20)), CHECKLIST
)
#: 综合评估法 for works under the tendering law.
WORKS = Criteria(Method.COMPREHENSIVE, Category.WORKS, False, (price(60), technical(25), objective(15)), CHECKLIST)
#: 经评审的最低投标价法: the checklist only.
LOWEST = Criteria(Method.LOWEST_EVALUATED_PRICE, Category.GOODS, False, (), CHECKLIST)


def reasons(criteria: Criteria) -> list[CriteriaProblem]:
    return [problem.reason for problem in criteria_problems(criteria)]


@pytest.mark.parametrize(
    "criteria",
    [
        pytest.param(GP_GOODS, id="gp-goods-30%"),
        pytest.param(
            Criteria(Method.COMPREHENSIVE_SCORING, Category.SERVICES, True, (price(10), technical(90))),
            id="gp-services-10%",
        ),
        pytest.param(WORKS, id="comprehensive-works"),
        pytest.param(
            Criteria(Method.COMPREHENSIVE, Category.SERVICES, False, (technical(60), objective(40))),
            id="comprehensive-without-price",
        ),
        pytest.param(LOWEST, id="lowest-evaluated-price"),
        pytest.param(replace(LOWEST, government_procurement=True), id="gp-lowest-price"),
        pytest.param(replace(LOWEST, checklist=()), id="lowest-without-checklist"),
        pytest.param(
            Criteria(
                Method.COMPREHENSIVE, Category.WORKS, False, (price("33.33"), technical("33.34"), objective("33.33"))
            ),
            id="maxima-with-decimals",
        ),
    ],
)
def test_each_method_with_good_criteria_passes(criteria: Criteria) -> None:
    assert criteria_problems(criteria) == ()
    validate_criteria(criteria)


def test_the_price_weight_and_the_defaults() -> None:
    assert GP_GOODS.price_formula is PriceFormula.LOWEST_OVER_BID
    assert GP_GOODS.price_item == price(30)
    assert GP_GOODS.total_maximum == 100
    assert GP_GOODS.price_weight == 30
    assert WORKS.price_weight == 60
    assert LOWEST.price_item is None
    assert LOWEST.price_weight is None
    assert GP_PRICE_WEIGHT_FLOORS == {Category.GOODS: 30, Category.SERVICES: 10}
    assert not Method.LOWEST_EVALUATED_PRICE.scored
    assert Method.COMPREHENSIVE.scored
    assert Method.COMPREHENSIVE_SCORING.scored


@pytest.mark.parametrize(
    ("criteria", "problem"),
    [
        pytest.param(
            replace(GP_GOODS, government_procurement=False), P.METHOD_PROCUREMENT_MISMATCH, id="综合评分法-not-gp"
        ),
        pytest.param(
            replace(WORKS, category=Category.GOODS, government_procurement=True),
            P.METHOD_PROCUREMENT_MISMATCH,
            id="综合评估法-in-gp",
        ),
        pytest.param(replace(GP_GOODS, category=Category.WORKS), P.WORKS_NOT_GOVERNMENT_PROCUREMENT, id="gp-works"),
        pytest.param(
            replace(LOWEST, scoring_items=(technical(100),)), P.LOWEST_PRICE_WITH_SCORING_ITEMS, id="lowest-subjective"
        ),
        pytest.param(
            replace(LOWEST, scoring_items=(price(100),)), P.LOWEST_PRICE_WITH_SCORING_ITEMS, id="lowest-price-item"
        ),
        pytest.param(replace(WORKS, scoring_items=()), P.NO_SCORING_ITEMS, id="comprehensive-no-items"),
        pytest.param(replace(WORKS, scoring_items=(price(60), technical(25))), P.MAXIMA_NOT_100, id="sum-85"),
        pytest.param(
            replace(GP_GOODS, scoring_items=(price(30), technical(50), objective(21))), P.MAXIMA_NOT_100, id="sum-101"
        ),
        pytest.param(
            replace(GP_GOODS, scoring_items=(technical(50), objective(50, "售后服务", "After-sales service"))),
            P.PRICE_ITEM_MISSING,
            id="gp-no-price",
        ),
        pytest.param(
            replace(
                GP_GOODS,
                scoring_items=(price(30), replace(price(20), name_zh="价格2", name_en="Price 2"), technical(50)),
            ),
            P.PRICE_ITEM_DUPLICATE,
            id="two-price-items",
        ),
        pytest.param(
            replace(GP_GOODS, scoring_items=(price("29.99"), technical("50.01"), objective(20))),
            P.PRICE_WEIGHT_BELOW_FLOOR,
            id="goods-29.99%",
        ),
        pytest.param(
            Criteria(Method.COMPREHENSIVE_SCORING, Category.SERVICES, True, (price("9.5"), technical("90.5"))),
            P.PRICE_WEIGHT_BELOW_FLOOR,
            id="services-9.5%",
        ),
        pytest.param(
            replace(
                GP_GOODS, scoring_items=(replace(price(30), scorer=Scorer.EACH_EXPERT), technical(50), objective(20))
            ),
            P.PRICE_ITEM_NOT_BY_SYSTEM,
            id="price-by-experts",
        ),
        pytest.param(
            replace(
                GP_GOODS, scoring_items=(replace(price(30), nature=Nature.SUBJECTIVE), technical(50), objective(20))
            ),
            P.PRICE_ITEM_NOT_BY_SYSTEM,
            id="price-subjective",
        ),
        pytest.param(
            replace(GP_GOODS, scoring_items=(price(30), replace(technical(50), scorer=Scorer.SYSTEM), objective(20))),
            P.SUBJECTIVE_ITEM_BY_SYSTEM,
            id="subjective-by-system",
        ),
        pytest.param(
            replace(WORKS, scoring_items=(price(60), technical(40), objective(0))), P.MAXIMUM_NOT_POSITIVE, id="zero"
        ),
        pytest.param(
            replace(WORKS, scoring_items=(price(60), technical(45), objective(-5))),
            P.MAXIMUM_NOT_POSITIVE,
            id="negative",
        ),
        pytest.param(
            replace(WORKS, scoring_items=(price("59.995"), technical("25.005"), objective(15))),
            P.MAXIMUM_TOO_PRECISE,
            id="three-decimals",
        ),
        pytest.param(
            replace(WORKS, scoring_items=(price(60), technical(25), objective("NaN"))), P.MAXIMUM_TOO_PRECISE, id="nan"
        ),
        pytest.param(
            replace(WORKS, scoring_items=(price(60), technical(25, "技术方案", " "), objective(15))),
            P.NAME_MISSING,
            id="no-english-name",
        ),
        pytest.param(
            replace(LOWEST, checklist=(ChecklistItem("", "Licence", CheckStage.QUALIFICATION, "1.4.1"),)),
            P.NAME_MISSING,
            id="checklist-no-chinese-name",
        ),
        pytest.param(
            replace(WORKS, scoring_items=(price(60), technical(25), objective(15, "技术方案", "Track record"))),
            P.DUPLICATE_ITEM_NAME,
            id="same-zh-name",
        ),
        pytest.param(
            replace(WORKS, scoring_items=(price(60), technical(25), objective(15, "业绩", " technical PROPOSAL "))),
            P.DUPLICATE_ITEM_NAME,
            id="same-en-name-case-and-blanks",
        ),
        pytest.param(
            replace(LOWEST, checklist=(*CHECKLIST, replace(CHECKLIST[1], stage=CheckStage.RESPONSIVENESS))),
            P.DUPLICATE_CHECK_NAME,
            id="same-check-twice",
        ),
        pytest.param(
            replace(LOWEST, checklist=(replace(CHECKLIST[0], clause="  "),)), P.CLAUSE_MISSING, id="no-clause"
        ),
    ],
)
def test_each_bad_criteria_is_refused_with_its_code(criteria: Criteria, problem: CriteriaProblem) -> None:
    assert problem in reasons(criteria)
    with pytest.raises(CriteriaInvalid) as caught:
        validate_criteria(criteria)
    error = caught.value
    assert error.code == "criteria_invalid"
    assert error.status == 422
    assert problem in [p.reason for p in error.problems]
    detail = next(d for d in error.details if d["reason"] == problem.value)
    assert detail["message_zh"] == problem.message_zh
    assert detail["message_en"] == problem.message_en
    assert detail["article"] == problem.article
    assert problem.message_en in error.text("en")
    assert problem.message_zh in error.text("zh")


def test_each_problem_is_exercised_and_has_both_messages() -> None:
    for problem in CriteriaProblem:
        assert problem.message_zh
        assert problem.message_en
    articles = {p: p.article for p in CriteriaProblem}
    assert articles[P.PRICE_WEIGHT_BELOW_FLOOR] == "87号令55"
    assert articles[P.METHOD_PROCUREMENT_MISMATCH] == "政采条例34；规定29"
    assert articles[P.LOWEST_PRICE_WITH_SCORING_ITEMS] == "规定30–32；87号令54"


def test_the_floors_are_inclusive() -> None:
    # Goods: exactly 30 % passes, 29.99 % does not (87号令 55: "不得低于").
    assert criteria_problems(GP_GOODS) == ()
    services = Criteria(Method.COMPREHENSIVE_SCORING, Category.SERVICES, True, (price(10), technical(90)))
    assert criteria_problems(services) == ()
    assert reasons(replace(services, scoring_items=(price("9.99"), technical("90.01")))) == [P.PRICE_WEIGHT_BELOW_FLOOR]
    # The tendering law's 综合评估法 has no floor: 5 % of price is allowed for works.
    assert criteria_problems(replace(WORKS, scoring_items=(price(5), technical(80), objective(15)))) == ()


def test_the_floor_is_a_share_of_the_total_when_the_maxima_are_wrong() -> None:
    # 30 of 120 is 25 %: both the sum and the floor are reported.
    criteria = replace(GP_GOODS, scoring_items=(price(30), technical(70), objective(20)))
    problems = criteria_problems(criteria)
    assert [p.reason for p in problems] == [P.MAXIMA_NOT_100, P.PRICE_WEIGHT_BELOW_FLOOR]
    assert problems[0] == Problem(P.MAXIMA_NOT_100, value="120")
    assert problems[1] == Problem(P.PRICE_WEIGHT_BELOW_FLOOR, "投标报价", "25.00% < 30%")
    assert problems[1].detail() == {
        "reason": "price_weight_below_floor",
        "message_zh": P.PRICE_WEIGHT_BELOW_FLOOR.message_zh,
        "message_en": P.PRICE_WEIGHT_BELOW_FLOOR.message_en,
        "article": "87号令55",
        "item": "投标报价",
        "value": "25.00% < 30%",
    }


def test_every_problem_is_reported_at_once_one_detail_each() -> None:
    criteria = Criteria(
        Method.COMPREHENSIVE_SCORING,
        Category.WORKS,
        False,
        (technical(50), technical(0), ScoringItem("", "", D("1.234"), Nature.SUBJECTIVE, Scorer.SYSTEM)),
        (ChecklistItem("资格", "Qualification", CheckStage.QUALIFICATION, ""),),
    )
    problems = criteria_problems(criteria)
    assert [p.reason for p in problems] == [
        P.METHOD_PROCUREMENT_MISMATCH,
        P.PRICE_ITEM_MISSING,
        P.SUBJECTIVE_ITEM_BY_SYSTEM,
        P.MAXIMUM_NOT_POSITIVE,
        P.MAXIMUM_TOO_PRECISE,
        P.NAME_MISSING,
        P.DUPLICATE_ITEM_NAME,
        P.DUPLICATE_ITEM_NAME,
        P.CLAUSE_MISSING,
    ]
    # The method still needs its price item; works are not refused outside government procurement;
    # the sum is not checked while a maximum is malformed; an item without a name is named by its place.
    assert [p.item for p in problems] == [
        None,
        None,
        "scoring #3",
        "技术方案",
        "scoring #3",
        "scoring #3",
        "技术方案",
        "Technical proposal",
        "资格",
    ]
    with pytest.raises(CriteriaInvalid) as caught:
        validate_criteria(criteria)
    assert len(caught.value.details) == len(problems)


def test_the_criteria_are_frozen_against_the_callers_list() -> None:
    items = [price(30), technical(50), objective(20)]
    criteria = Criteria(Method.COMPREHENSIVE_SCORING, Category.GOODS, True, items)  # type: ignore[arg-type]
    items.append(objective(10, "其他", "Other"))
    assert criteria.scoring_items == (price(30), technical(50), objective(20))
    assert criteria_problems(criteria) == ()


# --- the price score (87号令 55) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lowest", "bid", "maximum", "score"),
    [
        pytest.param(9_000_000, 10_000_000, "30", "27.00", id="brief-example"),
        pytest.param(10_000_000, 10_000_000, "30", "30.00", id="the-lowest-scores-the-maximum"),
        pytest.param(900_000 * YUAN, 1_000_000 * YUAN, "100", "90.00", id="87号令-F-out-of-100"),
        pytest.param(1, 3, "10", "3.33", id="a-third"),
        pytest.param(2, 3, "10", "6.67", id="two-thirds-up"),
        pytest.param(1, 8, "0.1", "0.01", id="0.0125-down"),
        pytest.param(1, 8, "0.3", "0.04", id="0.0375-up"),
        pytest.param(1, 200, "1", "0.01", id="exact-half-rounds-up"),
        pytest.param(1, 400, "1", "0.00", id="a-quarter-rounds-down"),
        pytest.param(19_999, 20_000, "10", "10.00", id="9.9995-half-up"),
        pytest.param(10**15, 10**15 + 1, "30", "30.00", id="large-amounts"),
        pytest.param(1, 10**15, "30", "0.00", id="tiny-share"),
        pytest.param(8_000_000, 9_600_000, "33.33", "27.78", id="decimal-maximum"),
    ],
)
def test_worked_examples_of_the_price_score(lowest: int, bid: int, maximum: str, score: str) -> None:
    result = price_score(lowest, bid, D(maximum))
    assert result == D(score)
    assert str(result) == score  # always two decimals


def test_three_bids_with_a_tie_none_dropped() -> None:
    # 87号令 55: the lowest compliant price (¥800,000) is the base and scores the maximum (30); the two
    # bids at ¥1,000,000 score equally; nothing is averaged or dropped (RULES c2).
    scores = price_scores({"甲": 800_000 * YUAN, "乙": 1_000_000 * YUAN, "丙": 1_000_000 * YUAN}, D(30))
    assert scores == {"甲": D("30.00"), "乙": D("24.00"), "丙": D("24.00")}
    # The same bids out of 100 (87号令's Fi), weighted by 30 %: the same numbers.
    out_of_100 = price_scores({"甲": 800_000 * YUAN, "乙": 1_000_000 * YUAN, "丙": 1_250_000 * YUAN}, D(100))
    assert out_of_100 == {"甲": D("100.00"), "乙": D("80.00"), "丙": D("64.00")}
    assert {k: (v * D("0.30")).quantize(D("0.01")) for k, v in out_of_100.items()} == price_scores(
        {"甲": 800_000 * YUAN, "乙": 1_000_000 * YUAN, "丙": 1_250_000 * YUAN}, D(30)
    )
    # Two lowest tie: both score the maximum.
    assert price_scores({"A": 5, "B": 5, "C": 10}, D(10)) == {"A": D("10.00"), "B": D("10.00"), "C": D("5.00")}
    assert price_scores({}, D(30)) == {}


def test_the_score_is_the_exact_quotient_rounded_once_half_up() -> None:
    """Against exact rational arithmetic: round(lowest × maximum ÷ bid) half up to 0.01."""
    for lowest in (1, 7, 999, 123_457, 9_000_000, 10**12 + 3):
        for bid in (lowest, lowest + 1, 3 * lowest + 1, 7 * lowest, 10**13 + 7):
            if bid < lowest:
                continue
            for maximum in ("30", "10", "0.01", "33.33", "99.99", "7.5"):
                exact = Fraction(lowest) * Fraction(maximum) / bid * 100
                hundredths = (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)
                assert price_score(lowest, bid, D(maximum)) == D(hundredths).scaleb(-2), (lowest, bid, maximum)


@pytest.mark.parametrize(
    ("lowest", "bid", "reason"),
    [
        pytest.param(9_000_000, 0, "price_not_positive", id="bid-zero"),
        pytest.param(9_000_000, -1, "price_not_positive", id="bid-negative"),
        pytest.param(0, 10_000_000, "price_not_positive", id="lowest-zero"),
        pytest.param(-5, 10_000_000, "price_not_positive", id="lowest-negative"),
        pytest.param(10_000_001, 10_000_000, "lowest_above_bid", id="lowest-above-bid"),
        pytest.param(True, 10_000_000, "price_not_integer_fen", id="bool"),
        pytest.param(9_000_000, 10_000_000.0, "price_not_integer_fen", id="float"),
        pytest.param(9_000_000, D(10_000_000), "price_not_integer_fen", id="decimal"),
    ],
)
def test_a_price_that_cannot_be_scored_is_refused(lowest: int, bid: int, reason: str) -> None:
    with pytest.raises(PriceInvalid) as caught:
        price_score(lowest, bid, D(30))
    assert caught.value.code == "price_invalid"
    assert caught.value.status == 422
    assert caught.value.details[0]["reason"] == reason


def test_price_scores_refuses_a_non_positive_price() -> None:
    with pytest.raises(PriceInvalid) as caught:
        price_scores({"A": 9_000_000, "B": 0}, D(30))
    assert caught.value.details == [{"reason": "price_not_positive", "field": "price of B", "value": 0}]


@pytest.mark.parametrize("maximum", ["0", "-30", "NaN", "Infinity"])
def test_a_bad_maximum_is_a_programming_error(maximum: str) -> None:
    with pytest.raises(ValueError, match="maximum"):
        price_score(9_000_000, 10_000_000, D(maximum))
