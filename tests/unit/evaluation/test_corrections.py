"""Arithmetic corrections (RULES c6: 规定 19; 87号令 59) and abnormally low prices (RULES c5: 规定 21;
87号令 60), with worked examples computed by hand (amounts in fen)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bidding.evaluation.corrections import (
    Basis,
    Correction,
    LowReason,
    Readings,
    Regime,
    Step,
    UnitLine,
    abnormally_low,
    correct,
    line_total,
)
from bidding.evaluation.criteria import Criteria, Method, PriceInvalid
from bidding.tendering.rules.projects import Category

D = Decimal
LAW = Regime.TENDERING_LAW
GP = Regime.GOVERNMENT_PROCUREMENT
LOW = LowReason


def test_the_regime_follows_the_criteria() -> None:
    assert Regime.of(Criteria(Method.COMPREHENSIVE, Category.WORKS, False)) is LAW
    assert Regime.of(Criteria(Method.COMPREHENSIVE_SCORING, Category.GOODS, True)) is GP


def test_readings_that_agree_need_no_correction() -> None:
    lines = (UnitLine(12_345, D(10), 123_450), UnitLine(1_000, D("2.5"), 2_500))
    readings = Readings(125_950, words_fen=125_950, unit_lines=lines, body_total_fen=125_950)
    assert correct(LAW, readings) is None
    assert correct(GP, readings) is None
    assert correct(GP, Readings(100)) is None


def test_line_total_rounds_half_up_to_a_fen() -> None:
    assert line_total(999, D("2.5")) == 2_498  # 2,497.5 → 2,498
    assert line_total(333, D("0.5")) == 167  # 166.5 → 167
    assert line_total(333, D("0.3")) == 100  # 99.9 → 100


def test_tendering_law_words_prevail_over_figures() -> None:
    # Figures ¥1,000,000.00, words 壹拾万元整 (¥100,000.00): the words win.
    correction = correct(LAW, Readings(100_000_000, words_fen=10_000_000))
    assert correction == Correction(
        10_000_000,
        Basis.WORDS_OVER_FIGURES,
        (Step(Basis.WORDS_OVER_FIGURES, "规定19", "total", 100_000_000, 10_000_000),),
        100_000_000,
    )
    assert correction.needs_confirmation


def test_tendering_law_unit_price_prevails_over_the_total() -> None:
    # Line 2: ¥9.99 × 2.5 = ¥24.975 → ¥24.98, not the ¥25.00 written; total 1,234.50 + 24.98 = ¥1,259.48.
    lines = (UnitLine(12_345, D(10), 123_450), UnitLine(999, D("2.5"), 2_500))
    correction = correct(LAW, Readings(125_950, words_fen=125_950, unit_lines=lines))
    assert correction is not None
    assert correction.price_fen == 125_948
    assert correction.basis is Basis.UNIT_PRICE_OVER_TOTAL
    assert correction.steps == (
        Step(Basis.UNIT_PRICE_OVER_TOTAL, "规定19", "line_total", 2_500, 2_498, 1),
        Step(Basis.UNIT_PRICE_OVER_TOTAL, "规定19", "total", 125_950, 125_948),
    )


def test_tendering_law_words_first_then_unit_prices_decide() -> None:
    # Words ¥1,259.40 ≠ figures ¥1,259.50 → words; then the unit prices give ¥1,259.48, which prevails.
    lines = (UnitLine(12_345, D(10), 123_450), UnitLine(999, D("2.5"), 2_500))
    correction = correct(LAW, Readings(125_950, words_fen=125_940, unit_lines=lines))
    assert correction is not None
    assert correction.price_fen == 125_948
    assert [(s.basis, s.field, s.before_fen, s.after_fen) for s in correction.steps] == [
        (Basis.WORDS_OVER_FIGURES, "total", 125_950, 125_940),
        (Basis.UNIT_PRICE_OVER_TOTAL, "line_total", 2_500, 2_498),
        (Basis.UNIT_PRICE_OVER_TOTAL, "total", 125_940, 125_948),
    ]
    assert correction.announced_fen == 125_950


def test_tendering_law_misplaced_decimal_in_a_unit_price() -> None:
    # ¥1.50 × 100 written as ¥1,500.00: the unit price is ¥15.00 with its decimal one place off;
    # the total stands (规定 19: 但单价金额小数点有明显错误的除外).
    correction = correct(LAW, Readings(150_000, unit_lines=(UnitLine(150, D(100), 150_000),)))
    assert correction is not None
    assert correction.price_fen == 150_000
    assert correction.basis is Basis.MISPLACED_DECIMAL
    assert correction.steps == (Step(Basis.MISPLACED_DECIMAL, "规定19", "unit_price", 150, 1_500, 0),)


def test_tendering_law_has_no_rule_for_two_totals_without_unit_prices() -> None:
    assert correct(LAW, Readings(100_000, body_total_fen=99_000)) is None


def test_government_procurement_form_prevails_over_the_body() -> None:
    correction = correct(GP, Readings(100_000, body_total_fen=99_000))
    assert correction == Correction(
        100_000,
        Basis.FORM_OVER_BODY,
        (Step(Basis.FORM_OVER_BODY, "87号令59（一）", "body_total", 99_000, 100_000),),
        100_000,
    )


def test_government_procurement_all_four_rules_in_order() -> None:
    """开标一览表 figures ¥2,000.00, words ¥2,100.00, body total ¥1,900.00; line 0 ¥0.50 × 200 written as
    ¥1,000.00 (decimal one place off: ¥5.00); line 1 ¥12.00 × 100 written as ¥1,000.00 (really ¥1,200.00).
    (一) the body yields to the form; (二) words: ¥2,100.00; (三) unit price ¥0.50 → ¥5.00; (四) line 1 →
    ¥1,200.00 and the total ¥1,000.00 + ¥1,200.00 = ¥2,200.00."""
    lines = (UnitLine(50, D(200), 100_000), UnitLine(1_200, D(100), 100_000))
    readings = Readings(200_000, words_fen=210_000, unit_lines=lines, body_total_fen=190_000)
    correction = correct(GP, readings)
    assert correction is not None
    assert correction.price_fen == 220_000
    assert correction.basis is Basis.UNIT_PRICE_OVER_TOTAL
    assert correction.steps == (
        Step(Basis.FORM_OVER_BODY, "87号令59（一）", "body_total", 190_000, 200_000),
        Step(Basis.WORDS_OVER_FIGURES, "87号令59（二）", "total", 200_000, 210_000),
        Step(Basis.MISPLACED_DECIMAL, "87号令59（三）", "unit_price", 50, 500, 0),
        Step(Basis.UNIT_PRICE_OVER_TOTAL, "87号令59（四）", "line_total", 100_000, 120_000, 1),
        Step(Basis.UNIT_PRICE_OVER_TOTAL, "87号令59（四）", "total", 210_000, 220_000),
    )
    assert correction.needs_confirmation


def test_government_procurement_misplaced_decimal_keeps_the_forms_total() -> None:
    # ¥3,000.00 on the form; ¥300.00 × 10 written as unit ¥3.00 (two places off): amended, total stands.
    correction = correct(GP, Readings(300_000, unit_lines=(UnitLine(300, D(10), 300_000),)))
    assert correction is not None
    assert correction.price_fen == 300_000
    assert correction.steps == (Step(Basis.MISPLACED_DECIMAL, "87号令59（三）", "unit_price", 300, 30_000, 0),)
    # A shift that is not a power of ten is no misplaced decimal: the unit price prevails.
    correction = correct(GP, Readings(300_000, unit_lines=(UnitLine(29_000, D(10), 300_000),)))
    assert correction is not None
    assert correction.price_fen == 290_000
    assert correction.basis is Basis.UNIT_PRICE_OVER_TOTAL


def test_basis_messages_and_articles() -> None:
    assert Basis.WORDS_OVER_FIGURES.article(LAW) == "规定19"
    assert Basis.UNIT_PRICE_OVER_TOTAL.article(GP) == "87号令59（四）"
    assert Basis.WORDS_OVER_FIGURES.message_zh == "大写金额和小写金额不一致的，以大写金额为准"


@pytest.mark.parametrize(
    "readings",
    [
        pytest.param(Readings(0), id="zero"),
        pytest.param(Readings(-5), id="negative"),
        pytest.param(Readings(100.0), id="float"),  # type: ignore[arg-type]
        pytest.param(Readings(True), id="bool"),
        pytest.param(Readings(100, words_fen=0), id="words-zero"),
        pytest.param(Readings(100, unit_lines=(UnitLine(10, D(0), 0),)), id="line-total-zero"),
        pytest.param(Readings(100, unit_lines=(UnitLine(10, D(0), 10),)), id="quantity-zero"),
        pytest.param(Readings(100, unit_lines=(UnitLine(10, D("NaN"), 10),)), id="quantity-nan"),
    ],
)
def test_bad_readings_are_refused(readings: Readings) -> None:
    with pytest.raises(PriceInvalid):
        correct(LAW, readings)


def test_abnormally_low_every_reason() -> None:
    # mean (100 + 300 + 500) / 3 = 300 × 0.5 = 150; next for A: 300 × 0.5 = 150; ceiling 1000 × 0.45 = 450.
    assert abnormally_low({"A": 100, "B": 300, "C": 500}, ceiling_fen=1_000) == {
        "A": [LOW.BELOW_MEAN, LOW.BELOW_NEXT, LOW.BELOW_CEILING],
        "B": [LOW.BELOW_CEILING],
    }


def test_abnormally_low_thresholds_are_strict() -> None:
    # Exactly at every threshold: 150 = 300 × 0.5 (mean and next), 450 = 1000 × 0.45.
    assert abnormally_low({"A": 150, "B": 300, "C": 450}, ceiling_fen=1_000) == {
        "A": [LOW.BELOW_CEILING],
        "B": [LOW.BELOW_CEILING],
    }
    # One fen under: 149 < (149 + 300 + 450) / 3 × 0.5 = 149.83…; 149 < 150.
    assert abnormally_low({"A": 149, "B": 300, "C": 450}, ceiling_fen=None) == {"A": [LOW.BELOW_MEAN, LOW.BELOW_NEXT]}


def test_abnormally_low_mean_rule_needs_three_bids() -> None:
    # Two bids: the mean rule would flag A (100 < 550 × 0.5 = 275) but does not apply; the next rule does.
    assert abnormally_low({"A": 100, "B": 1_000}, ceiling_fen=None) == {"A": [LOW.BELOW_NEXT]}
    assert abnormally_low({"A": 100}, ceiling_fen=None) == {}
    assert abnormally_low({"A": 100}, ceiling_fen=1_000) == {"A": [LOW.BELOW_CEILING]}
    assert abnormally_low({}, ceiling_fen=1_000) == {}


def test_abnormally_low_two_tied_lowest_are_not_below_the_next() -> None:
    # mean 1200 / 3 = 400 × 0.5 = 200: both below the mean; each one's lowest other price is 100.
    assert abnormally_low({"A": 100, "B": 100, "C": 1_000}, ceiling_fen=None) == {
        "A": [LOW.BELOW_MEAN],
        "B": [LOW.BELOW_MEAN],
    }


def test_abnormally_low_ratios_from_the_tender_documents() -> None:
    prices = {"A": 700, "B": 1_000, "C": 1_000}
    assert abnormally_low(prices, ceiling_fen=None) == {}
    # next × 0.8 = 800: A flagged; mean 900 × 0.8 = 720: A flagged.
    assert abnormally_low(prices, ceiling_fen=None, mean_ratio=D("0.8"), next_ratio=D("0.8")) == {
        "A": [LOW.BELOW_MEAN, LOW.BELOW_NEXT]
    }
    for bad in (D(0), D("1.5"), D("NaN")):
        with pytest.raises(ValueError, match="ratio"):
            abnormally_low(prices, ceiling_fen=None, mean_ratio=bad)
    with pytest.raises(PriceInvalid):
        abnormally_low({"A": 0}, ceiling_fen=None)
    with pytest.raises(PriceInvalid):
        abnormally_low({"A": 1}, ceiling_fen=-1)
