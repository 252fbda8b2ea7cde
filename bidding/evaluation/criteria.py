"""A lot's evaluation criteria (评标办法, issue 20; RULES c1, c2) and the price score. Pure: no database,
no clock.

The agent sets, per lot and before publication, the **method**, the pass/fail **checklist** of the
preliminary review (初步评审: 形式/资格/响应性, each item with its clause of the tender documents) and
the **scoring items** with their maxima; the criteria are published with the documents.

**Methods** (:class:`Method`):

* ``lowest_evaluated_price`` — 经评审的最低投标价法 (规定 30–33; in government procurement 最低评标价法,
  政采条例 34): the technical part is pass/fail, prices are adjusted for commercial deviations and
  compared (标价比较表); no scoring items.
* ``comprehensive`` — 综合评估法 (规定 34–37), tendering under the law (not government procurement): the
  weighted technical and commercial score, the weights set in the tender (综合评估比较表). Only the
  scoring form is built (规定 35 also allows a money value).
* ``comprehensive_scoring`` — 综合评分法 of government procurement (政采条例 34, 87号令 55): the price
  is a scoring item with a weight of at least **30 % for goods, 10 % for services**.

Maxima add up to 100, so that an item's maximum is its weight in per cent (87号令 55: total = Σ Fi × Ai
with Fi out of 100 and Σ Ai = 100 %); the price item's maximum is then its weight.

**Validation** (:func:`criteria_problems`, :func:`validate_criteria`), each refusal with its code
and article:

* ``method_procurement_mismatch`` — 综合评分法 is government procurement's, 综合评估法 the tendering
  law's (政采条例 34; 规定 29);
* ``works_not_government_procurement`` — works tendered with public money follow the tendering law,
  not government procurement's rules (政采条例 7);
* ``lowest_price_with_scoring_items`` — the lowest evaluated price method scores nothing: the
  technical part is pass/fail and bids rank by evaluated price (规定 30–32; 87号令 54);
* ``no_scoring_items`` — a comprehensive method has at least one scoring item (规定 35; 87号令 55);
* ``maxima_not_100`` — a comprehensive method's maxima add up to 100 (规定 35–36: the weights are set
  in the tender; 87号令 55: Σ Ai = 100 %);
* ``price_item_missing`` — 综合评分法 scores the price (87号令 55);
* ``price_item_duplicate`` — at most one price item (87号令 55: one 评标基准价);
* ``price_weight_below_floor`` — 综合评分法: the price weight is at least 30 % for goods, 10 % for
  services (87号令 55);
* ``price_item_not_by_system`` — the price score is objective and computed once by the system
  (87号令 55; the platform: RULES c, acceptance check 1);
* ``subjective_item_by_system`` — a subjective item is scored by each expert on their own, never
  computed or agreed (87号令 62: no negotiated subjective scores);
* ``maximum_not_positive``, ``maximum_too_precise`` — every maximum is > 0, with at most two decimals
  (scores are kept to 0.01);
* ``name_missing``, ``duplicate_item_name``, ``duplicate_check_name`` — every item has a Chinese and
  an English name, unique (ignoring case and surrounding blanks) among the scoring items and among the
  checklist items;
* ``clause_missing`` — every checklist item names its clause of the tender documents, which a
  rejection cites (条例 51).

Every problem is reported at once, each as a detail of :class:`CriteriaInvalid`
(``{"reason", "message_zh", "message_en", "article"}``, plus ``"item"`` when one item is at fault
and ``"value"`` for a sum or a weight).

**Price score** (:func:`price_score`, :func:`price_scores`): the lowest valid price ÷ the bid price ×
the item's maximum (87号令 55, 低价优先法: the lowest compliant price scores the maximum), computed in
:class:`~decimal.Decimal` from prices in integer fen and rounded once, ``ROUND_HALF_UP`` to two
decimals. Worked example: lowest ¥90,000.00, bid ¥100,000.00, maximum 30 → 27.00.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from bidding.core.errors import DomainError
from bidding.tendering.rules.projects import Category

__all__ = [
    "GP_PRICE_WEIGHT_FLOORS",
    "SCORE_QUANTUM",
    "TOTAL_MAXIMUM",
    "CheckStage",
    "ChecklistItem",
    "Criteria",
    "CriteriaInvalid",
    "CriteriaProblem",
    "Method",
    "Nature",
    "PriceFormula",
    "PriceInvalid",
    "Problem",
    "Scorer",
    "ScoringItem",
    "check_fen",
    "criteria_problems",
    "price_score",
    "price_scores",
    "validate_criteria",
]

#: What the maxima of a comprehensive method add up to: an item's maximum is its weight in per cent.
TOTAL_MAXIMUM: Final = Decimal(100)
#: Scores are kept to the fen of a point: two decimals, rounded half up.
SCORE_QUANTUM: Final = Decimal("0.01")
#: 87号令 55: the price weight of 综合评分法 is at least 30 % for goods and 10 % for services.
GP_PRICE_WEIGHT_FLOORS: Final[Mapping[Category, Decimal]] = MappingProxyType(
    {Category.GOODS: Decimal(30), Category.SERVICES: Decimal(10)}
)


class Method(StrEnum):
    """How the committee evaluates a lot (规定 29; 政采条例 34)."""

    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price"  # 经评审的最低投标价法 / 最低评标价法
    COMPREHENSIVE = "comprehensive"  # 综合评估法 (规定 34–37)
    COMPREHENSIVE_SCORING = "comprehensive_scoring"  # 综合评分法 (政府采购, 87号令 55)

    @property
    def scored(self) -> bool:
        """Whether the method ranks by scores (the two comprehensive methods)."""
        return self is not Method.LOWEST_EVALUATED_PRICE


class Nature(StrEnum):
    """Whether an item's score follows from facts (objective, 客观分) or from judgement (subjective, 主观分)."""

    OBJECTIVE = "objective"
    SUBJECTIVE = "subjective"


class Scorer(StrEnum):
    """Who gives an item's score: each member independently, or the system once for all."""

    EACH_EXPERT = "each_expert"
    SYSTEM = "system"


class CheckStage(StrEnum):
    """The part of the preliminary review (初步评审) a pass/fail item belongs to."""

    FORMAL = "formal"  # 形式评审
    QUALIFICATION = "qualification"  # 资格评审
    RESPONSIVENESS = "responsiveness"  # 响应性评审


class PriceFormula(StrEnum):
    """How the price item is scored; the default (and, for 综合评分法, the only one: 87号令 55)."""

    LOWEST_OVER_BID = "lowest_over_bid"  # 低价优先法: lowest valid price ÷ bid price × maximum


@dataclass(frozen=True, slots=True)
class ScoringItem:
    """One scoring item (评分项) of the detailed review (详细评审)."""

    name_zh: str
    name_en: str
    #: The most the item gives, in points (its weight in per cent when the maxima add up to 100).
    maximum: Decimal
    nature: Nature
    scorer: Scorer
    #: The price item (投标报价): scored by :func:`price_score`, objectively and by the system.
    is_price: bool = False


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One pass/fail item of the preliminary review; a bid that fails it is rejected (否决) under ``clause``."""

    name_zh: str
    name_en: str
    stage: CheckStage
    #: The clause of the tender documents the item applies (e.g. ``第二章 3.2.1``), cited on a rejection.
    clause: str


@dataclass(frozen=True, slots=True)
class Criteria:
    """A lot's evaluation criteria (评标办法), as the agent sets them before publication."""

    method: Method
    #: The lot's category (works, goods, services): government procurement's price floor depends on it.
    category: Category
    government_procurement: bool
    scoring_items: tuple[ScoringItem, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    price_formula: PriceFormula = PriceFormula.LOWEST_OVER_BID

    def __post_init__(self) -> None:
        # Frozen means frozen: a caller's list changed later must not change the criteria.
        object.__setattr__(self, "scoring_items", tuple(self.scoring_items))
        object.__setattr__(self, "checklist", tuple(self.checklist))

    @property
    def price_items(self) -> tuple[ScoringItem, ...]:
        return tuple(item for item in self.scoring_items if item.is_price)

    @property
    def price_item(self) -> ScoringItem | None:
        """The price item, when there is exactly one."""
        items = self.price_items
        return items[0] if len(items) == 1 else None

    @property
    def total_maximum(self) -> Decimal:
        return sum((item.maximum for item in self.scoring_items), Decimal(0))

    @property
    def price_weight(self) -> Decimal | None:
        """The price item's share of the total maximum, in per cent (exact); ``None`` without one."""
        item, total = self.price_item, self.total_maximum
        if item is None or total <= 0:
            return None
        return item.maximum * 100 / total


class CriteriaProblem(StrEnum):
    """Why criteria are refused; the value is the code the API returns."""

    METHOD_PROCUREMENT_MISMATCH = "method_procurement_mismatch"
    WORKS_NOT_GOVERNMENT_PROCUREMENT = "works_not_government_procurement"
    LOWEST_PRICE_WITH_SCORING_ITEMS = "lowest_price_with_scoring_items"
    NO_SCORING_ITEMS = "no_scoring_items"
    MAXIMA_NOT_100 = "maxima_not_100"
    PRICE_ITEM_MISSING = "price_item_missing"
    PRICE_ITEM_DUPLICATE = "price_item_duplicate"
    PRICE_WEIGHT_BELOW_FLOOR = "price_weight_below_floor"
    PRICE_ITEM_NOT_BY_SYSTEM = "price_item_not_by_system"
    SUBJECTIVE_ITEM_BY_SYSTEM = "subjective_item_by_system"
    MAXIMUM_NOT_POSITIVE = "maximum_not_positive"
    MAXIMUM_TOO_PRECISE = "maximum_too_precise"
    NAME_MISSING = "name_missing"
    DUPLICATE_ITEM_NAME = "duplicate_item_name"
    DUPLICATE_CHECK_NAME = "duplicate_check_name"
    CLAUSE_MISSING = "clause_missing"

    @property
    def message_zh(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_en(self) -> str:
        return _MESSAGES[self][1]

    @property
    def article(self) -> str:
        return _MESSAGES[self][2]


_MESSAGES: Final[Mapping[CriteriaProblem, tuple[str, str, str]]] = {
    CriteriaProblem.METHOD_PROCUREMENT_MISMATCH: (
        "评标方法与项目性质不符：综合评分法仅用于政府采购，政府采购不适用综合评估法",
        "The method does not fit the procurement: 综合评分法 is for government procurement only, "
        "and government procurement does not use 综合评估法",
        "政采条例34；规定29",
    ),
    CriteriaProblem.WORKS_NOT_GOVERNMENT_PROCUREMENT: (
        "政府采购工程进行招标投标的，适用招标投标法，不适用政府采购评审规则",
        "Works tendered with public money follow the tendering law, not government procurement's rules",
        "政采条例7",
    ),
    CriteriaProblem.LOWEST_PRICE_WITH_SCORING_ITEMS: (
        "经评审的最低投标价法不设评分项：技术部分只作合格判断，按评审后的投标价排序",
        "The lowest evaluated price method has no scoring items: the technical part is pass/fail "
        "and bids rank by evaluated price",
        "规定30–32；87号令54",
    ),
    CriteriaProblem.NO_SCORING_ITEMS: (
        "综合评估（评分）法须设置评分项",
        "A comprehensive method needs scoring items",
        "规定35；87号令55",
    ),
    CriteriaProblem.MAXIMA_NOT_100: (
        "各评分项分值之和须为100分",
        "The maxima of the scoring items must add up to 100",
        "规定35–36；87号令55",
    ),
    CriteriaProblem.PRICE_ITEM_MISSING: (
        "综合评分法须设置价格评分项",
        "综合评分法 needs a price item",
        "87号令55",
    ),
    CriteriaProblem.PRICE_ITEM_DUPLICATE: (
        "价格评分项只能设置一项",
        "There may be only one price item",
        "87号令55",
    ),
    CriteriaProblem.PRICE_WEIGHT_BELOW_FLOOR: (
        "价格分值占总分值的比重不得低于规定比例（货物项目30%，服务项目10%）",
        "The price weight is below the floor (goods 30 %, services 10 %)",
        "87号令55",
    ),
    CriteriaProblem.PRICE_ITEM_NOT_BY_SYSTEM: (
        "价格分为客观分，由系统统一计算",
        "The price score is objective and computed by the system",
        "87号令55",
    ),
    CriteriaProblem.SUBJECTIVE_ITEM_BY_SYSTEM: (
        "主观评分项须由评标专家各自独立评分，不能由系统计算",
        "A subjective item is scored by each expert independently, not by the system",
        "87号令62",
    ),
    CriteriaProblem.MAXIMUM_NOT_POSITIVE: (
        "评分项分值须大于0",
        "An item's maximum must be greater than 0",
        "",
    ),
    CriteriaProblem.MAXIMUM_TOO_PRECISE: (
        "评分项分值最多保留两位小数",
        "An item's maximum has at most two decimals",
        "",
    ),
    CriteriaProblem.NAME_MISSING: (
        "评审项须有中文和英文名称",
        "Every item needs a Chinese and an English name",
        "",
    ),
    CriteriaProblem.DUPLICATE_ITEM_NAME: (
        "评分项名称重复",
        "Two scoring items share a name",
        "",
    ),
    CriteriaProblem.DUPLICATE_CHECK_NAME: (
        "初步评审项名称重复",
        "Two checklist items share a name",
        "",
    ),
    CriteriaProblem.CLAUSE_MISSING: (
        "初步评审项须注明所依据的招标文件条款",
        "Every checklist item names its clause of the tender documents",
        "条例51",
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found: its code and, when one item is at fault, that item's name; ``value`` is the
    figure at fault (the sum of the maxima, the price weight in per cent)."""

    reason: CriteriaProblem
    item: str | None = None
    value: str | None = None

    def detail(self) -> dict[str, str]:
        detail = {
            "reason": self.reason.value,
            "message_zh": self.reason.message_zh,
            "message_en": self.reason.message_en,
            "article": self.reason.article,
        }
        if self.item is not None:
            detail["item"] = self.item
        if self.value is not None:
            detail["value"] = self.value
        return detail


class CriteriaInvalid(DomainError):
    """Evaluation criteria break a rule (规定 29–37, 政采条例 34, 87号令 55); one detail per problem found."""

    code = "criteria_invalid"
    status = 422
    message_zh = "评标办法不符合规定"
    message_en = "The evaluation criteria break the rules"

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(p.reason.message_en for p in problems),
            "；".join(p.reason.message_zh for p in problems),
            details=[p.detail() for p in problems],
        )


class PriceInvalid(DomainError):
    """A price the price score cannot use: not a whole number of fen, not positive, or a "lowest" price
    above the bid's."""

    code = "price_invalid"
    status = 422
    message_zh = "投标价格无效，无法计算价格分"
    message_en = "The price cannot be scored"


def _label(name_zh: str, name_en: str, where: str, index: int) -> str:
    """An item's name for a detail: its Chinese name, else its English one, else its place (``scoring #2``)."""
    return name_zh.strip() or name_en.strip() or f"{where} #{index + 1}"


def _duplicates(names: Iterable[str]) -> list[str]:
    """The names that occur more than once (ignoring case and surrounding blanks), each once."""
    seen: set[str] = set()
    reported: set[str] = set()
    found: list[str] = []
    for name in names:
        key = name.strip().casefold()
        if key and key in seen and key not in reported:
            reported.add(key)
            found.append(name.strip())
        seen.add(key)
    return found


def _has_at_most_two_decimals(value: Decimal) -> bool:
    return value.is_finite() and value == value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def criteria_problems(criteria: Criteria) -> tuple[Problem, ...]:
    """Every rule the criteria break, in the order of the table above; empty when they may be published.

    >>> item = ScoringItem("价格", "Price", Decimal(100), Nature.OBJECTIVE, Scorer.SYSTEM, is_price=True)
    >>> criteria_problems(Criteria(Method.COMPREHENSIVE_SCORING, Category.GOODS, True, (item,)))
    ()
    >>> criteria_problems(Criteria(Method.LOWEST_EVALUATED_PRICE, Category.GOODS, False, (item,)))[0].reason.value
    'lowest_price_with_scoring_items'
    """
    P = CriteriaProblem
    found: list[Problem] = []
    method, items = criteria.method, criteria.scoring_items
    gp = criteria.government_procurement

    if (method is Method.COMPREHENSIVE_SCORING) != gp and method is not Method.LOWEST_EVALUATED_PRICE:
        found.append(Problem(P.METHOD_PROCUREMENT_MISMATCH))
    if gp and criteria.category is Category.WORKS:
        found.append(Problem(P.WORKS_NOT_GOVERNMENT_PROCUREMENT))

    if not method.scored:
        if items:
            found.append(Problem(P.LOWEST_PRICE_WITH_SCORING_ITEMS))
    elif not items:
        found.append(Problem(P.NO_SCORING_ITEMS))
    else:
        valid_maxima = all(_has_at_most_two_decimals(item.maximum) for item in items)
        if valid_maxima and criteria.total_maximum != TOTAL_MAXIMUM:
            found.append(Problem(P.MAXIMA_NOT_100, value=str(criteria.total_maximum)))
        prices = criteria.price_items
        if method is Method.COMPREHENSIVE_SCORING:
            if not prices:
                found.append(Problem(P.PRICE_ITEM_MISSING))
            floor = GP_PRICE_WEIGHT_FLOORS.get(criteria.category)
            weight = criteria.price_weight
            if floor is not None and weight is not None and valid_maxima and weight < floor:
                item = prices[0]
                found.append(
                    Problem(
                        P.PRICE_WEIGHT_BELOW_FLOOR,
                        _label(item.name_zh, item.name_en, "scoring", items.index(item)),
                        value=f"{weight.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)}% < {floor}%",
                    )
                )
        if len(prices) > 1:
            found.append(Problem(P.PRICE_ITEM_DUPLICATE))

    for index, item in enumerate(items):
        label = _label(item.name_zh, item.name_en, "scoring", index)
        if item.is_price and (item.nature is not Nature.OBJECTIVE or item.scorer is not Scorer.SYSTEM):
            found.append(Problem(P.PRICE_ITEM_NOT_BY_SYSTEM, label))
        if not item.is_price and item.nature is Nature.SUBJECTIVE and item.scorer is Scorer.SYSTEM:
            found.append(Problem(P.SUBJECTIVE_ITEM_BY_SYSTEM, label))
    for index, item in enumerate(items):
        if item.maximum.is_finite() and item.maximum <= 0:
            found.append(Problem(P.MAXIMUM_NOT_POSITIVE, _label(item.name_zh, item.name_en, "scoring", index)))
    for index, item in enumerate(items):
        if not _has_at_most_two_decimals(item.maximum):
            found.append(Problem(P.MAXIMUM_TOO_PRECISE, _label(item.name_zh, item.name_en, "scoring", index)))
    checklist = criteria.checklist
    names: list[tuple[str, list[tuple[str, str]]]] = [
        ("scoring", [(i.name_zh, i.name_en) for i in items]),
        ("checklist", [(c.name_zh, c.name_en) for c in checklist]),
    ]
    for where, pairs in names:
        for index, (zh, en) in enumerate(pairs):
            if not zh.strip() or not en.strip():
                found.append(Problem(P.NAME_MISSING, _label(zh, en, where, index)))
    for name in [*_duplicates(i.name_zh for i in items), *_duplicates(i.name_en for i in items)]:
        found.append(Problem(P.DUPLICATE_ITEM_NAME, name))
    for name in [*_duplicates(c.name_zh for c in checklist), *_duplicates(c.name_en for c in checklist)]:
        found.append(Problem(P.DUPLICATE_CHECK_NAME, name))
    for index, check in enumerate(checklist):
        if not check.clause.strip():
            found.append(Problem(P.CLAUSE_MISSING, _label(check.name_zh, check.name_en, "checklist", index)))
    return tuple(found)


def validate_criteria(criteria: Criteria) -> None:
    """Refuse criteria that break any rule, naming every problem (:class:`CriteriaInvalid`, 422)."""
    problems = criteria_problems(criteria)
    if problems:
        raise CriteriaInvalid(problems)


def check_fen(name: str, value: object) -> None:
    """Refuse (:class:`PriceInvalid`, 422) a price that is not a positive whole number of fen."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PriceInvalid(
            f"{name} must be a whole number of fen",
            f"{name} 须为整数（分）",
            details=[{"reason": "price_not_integer_fen", "field": name}],
        )
    if value <= 0:
        raise PriceInvalid(
            f"{name} must be positive",
            f"{name} 须大于0",
            details=[{"reason": "price_not_positive", "field": name, "value": value}],
        )


def price_score(lowest_fen: int, bid_fen: int, maximum: Decimal) -> Decimal:
    """The price score of a bid: ``lowest_fen ÷ bid_fen × maximum`` (87号令 55, 低价优先法), to 0.01.

    The lowest valid price (评标基准价: the lowest price of the bids that passed the preliminary review)
    scores the maximum; every other bid scores in proportion. The product is formed before the
    division, at 60 significant digits, and rounded **once**, ``ROUND_HALF_UP`` to two decimals: a
    quotient of prices below 10³⁰ fen cannot lie closer than 10⁻³² to a half-hundredth without being
    one, so the one rounding at 60 digits never moves the result across a half.

    For 综合评分法, 87号令 55 writes the score as Fi = lowest ÷ bid × 100, weighted by Ai; with the
    item's maximum = 100 × Ai that is the same number, rounded here once at the item's score.

    Refuses (:class:`PriceInvalid`) a price that is not a positive whole number of fen, or a
    "lowest" price above the bid's (the score would exceed the maximum).

    >>> price_score(9_000_000, 10_000_000, Decimal(30))
    Decimal('27.00')
    """
    check_fen("lowest_fen", lowest_fen)
    check_fen("bid_fen", bid_fen)
    if lowest_fen > bid_fen:
        raise PriceInvalid(
            "the lowest valid price is above the bid's",
            "评标基准价高于该投标报价",
            details=[{"reason": "lowest_above_bid", "lowest_fen": lowest_fen, "bid_fen": bid_fen}],
        )
    if not maximum.is_finite() or maximum <= 0:
        raise ValueError("the maximum must be a positive finite number")
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(lowest_fen) * maximum / Decimal(bid_fen)
        return exact.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def price_scores(prices_fen: Mapping[str, int], maximum: Decimal) -> dict[str, Decimal]:
    """The price score of every valid bid (keyed by bid), against the lowest of them (87号令 55).

    Every bid given is scored — none is dropped (RULES c2) — and equal prices score equally. The
    caller passes only the bids that passed the preliminary review.

    >>> price_scores({"A": 9_000_000, "B": 10_000_000, "C": 12_000_000}, Decimal(30))
    {'A': Decimal('30.00'), 'B': Decimal('27.00'), 'C': Decimal('22.50')}
    """
    if not prices_fen:
        return {}
    for key, value in prices_fen.items():
        check_fen(f"price of {key}", value)
    lowest = min(prices_fen.values())
    return {key: price_score(lowest, value, maximum) for key, value in prices_fen.items()}
