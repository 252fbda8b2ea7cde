"""Arithmetic corrections of a bid's price and abnormally low prices (issue 20; RULES c5, c6). Pure: no
database, no clock.

**Corrections** (:func:`correct`): when the readings of one bid's price disagree, the rules of its
:class:`Regime` say which prevails — the tendering law (规定 19: words over figures, unit price over
total, except a unit price with an obviously misplaced decimal) or government procurement (87号令 59:
开标一览表 over the body, words over figures, a misplaced decimal in a unit price yields to the
开标一览表's total, unit prices over the total, in that order). Every step names its rule
(:class:`Basis`). The corrected price binds only once the bidder confirms it; a bidder who does not
confirm has its bid rejected (87号令 59: 投标无效; 规定 19 with 条例 51) — :attr:`Correction.needs_confirmation`
is always ``True`` and the service asks for the confirmation.

**Abnormally low prices** (:func:`abnormally_low`): flags the bids the committee must ask to explain
their price in writing with evidence (规定 21; 87号令 60). A flag is a clarification request, never a
rejection: only a bidder that cannot justify its price is rejected, by the committee.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

from bidding.evaluation.criteria import Criteria, PriceInvalid, check_fen

__all__ = [
    "MISPLACED_DECIMAL_SHIFTS",
    "Basis",
    "Correction",
    "LowReason",
    "Readings",
    "Regime",
    "Step",
    "UnitLine",
    "abnormally_low",
    "correct",
    "line_total",
]

#: The powers of ten a unit price's decimal point may be off by and still be "obviously misplaced"
#: (规定 19; 87号令 59 (三)): one to four places either way.
MISPLACED_DECIMAL_SHIFTS: Final = (1, 2, 3, 4)


class Regime(StrEnum):
    """Which correction rules apply: the tendering law's (规定 19) or government procurement's (87号令 59)."""

    TENDERING_LAW = "tendering_law"
    GOVERNMENT_PROCUREMENT = "government_procurement"

    @classmethod
    def of(cls, criteria: Criteria) -> Regime:
        return cls.GOVERNMENT_PROCUREMENT if criteria.government_procurement else cls.TENDERING_LAW


class Basis(StrEnum):
    """The rule one correction step applies; :attr:`article` cites it."""

    WORDS_OVER_FIGURES = "words_over_figures"  # 大写金额 > 小写金额
    UNIT_PRICE_OVER_TOTAL = "unit_price_over_total"  # 单价 > 总价
    MISPLACED_DECIMAL = "misplaced_decimal"  # 单价小数点明显错位: the total stands, the unit price is amended
    FORM_OVER_BODY = "form_over_body"  # 开标一览表 > 投标文件中相应内容 (government procurement)

    def article(self, regime: Regime) -> str:
        if regime is Regime.TENDERING_LAW:
            return "规定19"
        return _GP_ARTICLES[self]

    @property
    def message_zh(self) -> str:
        return _BASIS_MESSAGES[self][0]

    @property
    def message_en(self) -> str:
        return _BASIS_MESSAGES[self][1]


_GP_ARTICLES: Final[Mapping[Basis, str]] = {
    Basis.FORM_OVER_BODY: "87号令59（一）",
    Basis.WORDS_OVER_FIGURES: "87号令59（二）",
    Basis.MISPLACED_DECIMAL: "87号令59（三）",
    Basis.UNIT_PRICE_OVER_TOTAL: "87号令59（四）",
}
_BASIS_MESSAGES: Final[Mapping[Basis, tuple[str, str]]] = {
    Basis.WORDS_OVER_FIGURES: ("大写金额和小写金额不一致的，以大写金额为准", "Words prevail over figures"),
    Basis.UNIT_PRICE_OVER_TOTAL: (
        "总价金额与单价汇总金额不一致的，以单价金额计算结果为准",
        "The unit prices prevail over the total",
    ),
    Basis.MISPLACED_DECIMAL: (
        "单价金额小数点有明显错位的，以总价为准，并修改单价",
        "A unit price with an obviously misplaced decimal is amended; the total stands",
    ),
    Basis.FORM_OVER_BODY: (
        "开标一览表（报价表）内容与投标文件中相应内容不一致的，以开标一览表（报价表）为准",
        "The opening form (开标一览表) prevails over the body of the bid",
    ),
}


@dataclass(frozen=True, slots=True)
class UnitLine:
    """One line of the price schedule: unit price (fen) × quantity = the line total the bidder wrote."""

    unit_price_fen: int
    quantity: Decimal
    line_total_fen: int


@dataclass(frozen=True, slots=True)
class Readings:
    """What the committee reads of one bid's price.

    * ``figures_fen`` — the total in figures (小写) on the opening form (开标一览表 / the bid form's
      price): the price announced at the opening.
    * ``words_fen`` — the same total in words (大写), read in the bid; ``None`` if not written.
    * ``unit_lines`` — the lines of the price schedule the total adds up (in government procurement,
      those of the 开标一览表 (报价表) itself or of the schedule it refers to); ``None`` if none.
    * ``body_total_fen`` — the total stated in the body of the bid (e.g. the schedule's 合计);
      ``None`` if none.
    """

    figures_fen: int
    words_fen: int | None = None
    unit_lines: tuple[UnitLine, ...] | None = None
    body_total_fen: int | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a correction: the rule, what it replaced (``field``, ``line`` counted from 0 for a unit
    price) and the values before and after (fen)."""

    basis: Basis
    article: str
    field: str
    before_fen: int
    after_fen: int
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    """A corrected price: ``price_fen`` (what the bid is evaluated at once confirmed), ``basis`` (the rule
    whose reading the price is: the last step that changed the price, else the first step), every step
    in the order applied, and the price announced at the opening."""

    price_fen: int
    basis: Basis
    steps: tuple[Step, ...]
    announced_fen: int

    @property
    def needs_confirmation(self) -> bool:
        """Always ``True``: a corrected price binds only once the bidder confirms it in writing, and a
        bidder who does not confirm has its bid rejected (87号令 59, 51; 规定 19 with 条例 51)."""
        return True


def line_total(unit_price_fen: int, quantity: Decimal) -> int:
    """unit price × quantity, ``ROUND_HALF_UP`` to a fen (a quantity may have decimals: 12.5 m³)."""
    return int((Decimal(unit_price_fen) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _misplaced(line: UnitLine) -> int | None:
    """The unit price with its decimal point put back, if shifting it by 10¹…10⁴ makes the line exact."""
    for shift in MISPLACED_DECIMAL_SHIFTS:
        for unit in (line.unit_price_fen * 10**shift, Fraction(line.unit_price_fen, 10**shift)):
            if isinstance(unit, Fraction) and unit.denominator != 1:
                continue
            if line_total(int(unit), line.quantity) == line.line_total_fen:
                return int(unit)
    return None


def _check_readings(readings: Readings) -> None:
    check_fen("figures_fen", readings.figures_fen)
    if readings.words_fen is not None:
        check_fen("words_fen", readings.words_fen)
    if readings.body_total_fen is not None:
        check_fen("body_total_fen", readings.body_total_fen)
    for index, line in enumerate(readings.unit_lines or ()):
        check_fen(f"unit_price_fen of line {index}", line.unit_price_fen)
        check_fen(f"line_total_fen of line {index}", line.line_total_fen)
        if not isinstance(line.quantity, Decimal) or not line.quantity.is_finite() or line.quantity <= 0:
            raise PriceInvalid(
                f"the quantity of line {index} must be a positive decimal",
                f"第{index}行数量须为正数",
                details=[{"reason": "quantity_invalid", "line": index}],
            )


def correct(regime: Regime, readings: Readings) -> Correction | None:
    """The corrected price of a bid, or ``None`` when its readings agree.

    **Tendering law** (规定 19), in this order:

    1. *Words over figures*: a total in words that differs from the figures replaces them.
    2. *Misplaced decimal*: a unit price that is off its own line total by a power of ten (10¹–10⁴)
       has its decimal point put back and the line total stands (规定 19: 以单价金额为准，但单价金额
       小数点有明显错误的除外).
    3. *Unit price over total*: each line is recomputed as unit price × quantity (``ROUND_HALF_UP`` to a
       fen) and the total is their sum; it replaces the total of step 1 when it differs.

    Words are applied first because they establish which *total* is the bidder's; the unit prices
    come last because they are the most detailed statement of the price and, when given, decide the
    total whatever the words say — both discrepancies are recorded. A body total without unit lines
    has no rule in 规定 19 (two totals, no unit price): it is not corrected here; the committee asks the
    bidder to clarify (条例 52).

    **Government procurement** (87号令 59), in the article's order (同时出现两种以上不一致的，按照前款
    规定的顺序修正):

    1. (一) *开标一览表 over the body*: a body total that differs yields to the form (the step is
       recorded; the price stays the form's).
    2. (二) *Words over figures*.
    3. (三) *Misplaced decimal*: as above, the unit price is amended and the 开标一览表's total stands.
    4. (四) *Unit price over total*: the sum of the recomputed lines replaces the total when it differs.

    Every step names its :class:`Basis` and article. The corrected price binds only once the bidder
    confirms it (:attr:`Correction.needs_confirmation`); a refusal rejects the bid (the service's
    part). A reading that is not a positive whole number of fen, or a quantity ≤ 0, is refused
    (:class:`~bidding.evaluation.criteria.PriceInvalid`).

    >>> correct(Regime.TENDERING_LAW, Readings(100_000_00, words_fen=10_000_00)).price_fen
    1000000
    """
    _check_readings(readings)
    gp = regime is Regime.GOVERNMENT_PROCUREMENT
    steps: list[Step] = []
    price = readings.figures_fen
    decided: Basis | None = None

    def step(basis: Basis, field: str, before: int, after: int, line: int | None = None) -> None:
        steps.append(Step(basis, basis.article(regime), field, before, after, line))

    if gp and readings.body_total_fen is not None and readings.body_total_fen != price:
        step(Basis.FORM_OVER_BODY, "body_total", readings.body_total_fen, price)
    if readings.words_fen is not None and readings.words_fen != price:
        step(Basis.WORDS_OVER_FIGURES, "total", price, readings.words_fen)
        price, decided = readings.words_fen, Basis.WORDS_OVER_FIGURES
    if readings.unit_lines:
        units: list[int] = []
        for index, line in enumerate(readings.unit_lines):
            unit = line.unit_price_fen
            if line_total(unit, line.quantity) != line.line_total_fen:
                fixed = _misplaced(line)
                if fixed is not None:
                    step(Basis.MISPLACED_DECIMAL, "unit_price", unit, fixed, index)
                    unit = fixed
            units.append(unit)
        for index, (unit, line) in enumerate(zip(units, readings.unit_lines, strict=True)):
            recomputed = line_total(unit, line.quantity)
            if recomputed != line.line_total_fen:
                step(Basis.UNIT_PRICE_OVER_TOTAL, "line_total", line.line_total_fen, recomputed, index)
        total = sum(line_total(unit, line.quantity) for unit, line in zip(units, readings.unit_lines, strict=True))
        if total != price:
            step(Basis.UNIT_PRICE_OVER_TOTAL, "total", price, total)
            price, decided = total, Basis.UNIT_PRICE_OVER_TOTAL
    if not steps:
        return None
    return Correction(price, decided or steps[0].basis, tuple(steps), readings.figures_fen)


class LowReason(StrEnum):
    """Why a price looks abnormally low (规定 21; 87号令 60); thresholds from the tender documents."""

    BELOW_MEAN = "below_mean"  # < mean of all prices × mean_ratio (three bids or more)
    BELOW_NEXT = "below_next"  # < the next-lowest other price × next_ratio (two bids or more)
    BELOW_CEILING = "below_ceiling"  # < the ceiling price (最高限价) × ceiling_ratio


def _ratio(name: str, value: Decimal) -> Fraction:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= 1:
        raise ValueError(f"{name} must be a Decimal in (0, 1]")
    return Fraction(value)


def abnormally_low(
    prices: Mapping[str, int],
    *,
    ceiling_fen: int | None,
    mean_ratio: Decimal = Decimal("0.5"),
    next_ratio: Decimal = Decimal("0.5"),
    ceiling_ratio: Decimal = Decimal("0.45"),
) -> dict[str, list[LowReason]]:
    """The bids whose price looks abnormally low, each with every reason that applies (only flagged bids
    are keys, in key order). ``prices`` are those of the bids that passed the compliance review.

    * ``below_mean`` — with three bids or more: price < the mean of all the given prices × ``mean_ratio``;
    * ``below_next`` — with two bids or more: price < the lowest *other* price × ``next_ratio`` (with a
      ratio ≤ 1 only the lowest bid can be, and two bids tied at the lowest never are);
    * ``below_ceiling`` — a ceiling (最高限价) is given and price < ceiling × ``ceiling_ratio``.

    Every comparison is strict and exact (rational arithmetic): a price exactly at a threshold is not
    flagged. 规定 21 and 87号令 60 require the bidder to explain in writing with evidence a price that
    may be below cost; the thresholds are the tender documents' — the defaults (50 % of the mean,
    50 % of the next-lowest, 45 % of the ceiling) follow the Ministry of Finance's 2025 practice on
    abnormally low price review [defaults, not an article]. A flag triggers a clarification request
    (条例 52), **never a rejection**.

    >>> abnormally_low({"A": 400, "B": 1000, "C": 1000}, ceiling_fen=None)
    {'A': [<LowReason.BELOW_NEXT: 'below_next'>]}
    """
    mean_r, next_r, ceiling_r = (
        _ratio("mean_ratio", mean_ratio),
        _ratio("next_ratio", next_ratio),
        _ratio("ceiling_ratio", ceiling_ratio),
    )
    for bid, value in prices.items():
        check_fen(f"price of {bid}", value)
    if ceiling_fen is not None:
        check_fen("ceiling_fen", ceiling_fen)
    count = len(prices)
    mean = Fraction(sum(prices.values()), count) if count else Fraction(0)
    flagged: dict[str, list[LowReason]] = {}
    for bid in sorted(prices):
        price = prices[bid]
        reasons: list[LowReason] = []
        if count >= 3 and price < mean * mean_r:
            reasons.append(LowReason.BELOW_MEAN)
        if count >= 2:
            others = min(value for key, value in prices.items() if key != bid)
            if price < others * next_r:
                reasons.append(LowReason.BELOW_NEXT)
        if ceiling_fen is not None and price < ceiling_fen * ceiling_r:
            reasons.append(LowReason.BELOW_CEILING)
        if reasons:
            flagged[bid] = reasons
    return flagged
