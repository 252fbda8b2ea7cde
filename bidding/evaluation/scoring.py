"""Scores, totals, ranking, candidates and divergent scores of the detailed review (详细评审, issue 20;
RULES c2, c8, c10). Pure: no database, no clock.

* :func:`member_totals` — each member's sum over the items every expert scores, every score checked
  against its item (0 ≤ score ≤ maximum, at most two decimals, every item scored).
* :func:`system_scores` — the items the system scores once for all: the price (87号令 55, by
  :func:`~bidding.evaluation.criteria.price_scores`) and objective items whose value comes from data.
* :func:`bid_totals` — Σ system items + the **mean over all members** of their totals (87号令 55:
  评标总得分 = F1×A1+…; every expert's total counts, the highest and the lowest are **never dropped**,
  RULES c2), in exact arithmetic and rounded once, ``ROUND_HALF_UP`` to 0.01.
* :func:`rank` — competition ranks (1, 1, 3): comprehensive methods by total descending, equal totals
  by price ascending, equal total and price share a rank (87号令 55); the lowest evaluated price
  method by evaluated price ascending, equal prices sharing a rank (规定 30–32; 87号令 54).
* :func:`candidates` — at most three ranked candidates (条例 53; 规定 45; RULES c8).
* :func:`divergences` — the same item of the same bid scored far apart by members, for the chair's
  re-check request; nothing is averaged away (87号令 62: :class:`RecheckReason`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final

from bidding.core.errors import DomainError
from bidding.evaluation.criteria import SCORE_QUANTUM, Criteria, Method, Nature, Scorer, ScoringItem, price_scores

__all__ = [
    "CANDIDATE_LIMIT",
    "SYSTEM",
    "Divergence",
    "Ranked",
    "RecheckReason",
    "ScoreInvalid",
    "ScoreProblem",
    "SystemValueMissing",
    "bid_totals",
    "candidates",
    "divergences",
    "member_totals",
    "rank",
    "system_scores",
]

#: At most three ranked candidates (条例 53; 规定 45).
CANDIDATE_LIMIT: Final = 3
#: The name a detail gives as ``member`` for a score the system computed.
SYSTEM: Final = "system"

#: member → bid → item (its ``name_zh``) → score
MemberScores = Mapping[str, Mapping[str, Mapping[str, Decimal]]]
#: bid → item (its ``name_zh``) → score
BidScores = Mapping[str, Mapping[str, Decimal]]


class ScoreProblem(StrEnum):
    """Why a score is refused; the value is the ``reason`` of the detail."""

    SCORE_OUT_OF_RANGE = "score_out_of_range"
    SCORE_TOO_PRECISE = "score_too_precise"
    SCORE_NOT_DECIMAL = "score_not_decimal"
    SCORE_MISSING = "score_missing"
    UNKNOWN_ITEM = "unknown_item"
    NO_MEMBERS = "no_members"

    @property
    def message_zh(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_en(self) -> str:
        return _MESSAGES[self][1]


_MESSAGES: Final[Mapping[ScoreProblem, tuple[str, str]]] = {
    ScoreProblem.SCORE_OUT_OF_RANGE: (
        "分项评分超出评分标准规定的分值范围",
        "The score is outside 0 … the item's maximum",
    ),
    ScoreProblem.SCORE_TOO_PRECISE: ("评分最多保留两位小数", "A score has at most two decimals"),
    ScoreProblem.SCORE_NOT_DECIMAL: ("评分须为十进制数", "A score must be a decimal number"),
    ScoreProblem.SCORE_MISSING: ("评分项未评分", "An item has not been scored"),
    ScoreProblem.UNKNOWN_ITEM: ("评分项不在评标办法中，或不由该评分人评分", "The item is not one this scorer scores"),
    ScoreProblem.NO_MEMBERS: ("没有评标委员会成员的评分", "No member has scored"),
}


class ScoreInvalid(DomainError):
    """Scores that break the criteria (87号令 62 (二): out of the item's range); one detail per problem,
    each ``{"reason", "message_zh", "message_en", "member", "bid", "item"}`` (``member`` is
    :data:`SYSTEM` for a system score) plus ``"value"`` and ``"maximum"`` when a score is at fault."""

    code = "score_invalid"
    status = 422
    message_zh = "评分不符合评标办法"
    message_en = "The scores break the evaluation criteria"


class SystemValueMissing(DomainError):
    """A system-scored item other than the price has no value from data: the system cannot compute it."""

    code = "system_value_missing"
    status = 422
    message_zh = "系统评分项缺少客观数据，无法计算"
    message_en = "A system-scored item has no value to score"


class RecheckReason(StrEnum):
    """The only reasons a score may change after the totals (87号令 62); the chair's re-check request
    names one."""

    SUM_ERROR = "sum_error"  # （一）分值汇总计算错误
    OUT_OF_RANGE = "out_of_range"  # （二）分项评分超出评分标准规定的分值范围
    OBJECTIVE_INCONSISTENT = "objective_inconsistent"  # （三）客观评审因素评分不一致
    ABNORMAL_SUBJECTIVE = "abnormal_subjective"  # （四）经评标委员会认定评分畸高、畸低

    @property
    def article(self) -> str:
        return _RECHECK[self][0]

    @property
    def message_zh(self) -> str:
        return _RECHECK[self][1]

    @property
    def message_en(self) -> str:
        return _RECHECK[self][2]


_RECHECK: Final[Mapping[RecheckReason, tuple[str, str, str]]] = {
    RecheckReason.SUM_ERROR: ("87号令62（一）", "分值汇总计算错误", "The scores were added up wrongly"),
    RecheckReason.OUT_OF_RANGE: (
        "87号令62（二）",
        "分项评分超出评分标准规定的分值范围",
        "An item's score is outside the range the criteria set",
    ),
    RecheckReason.OBJECTIVE_INCONSISTENT: (
        "87号令62（三）",
        "评标委员会成员对客观评审因素评分不一致",
        "Members scored an objective item differently",
    ),
    RecheckReason.ABNORMAL_SUBJECTIVE: (
        "87号令62（四）",
        "经评标委员会认定评分畸高、畸低",
        "The committee finds a score abnormally high or low",
    ),
}


@dataclass(frozen=True, slots=True)
class Ranked:
    """One bid's place: ``total`` is ``None`` under the lowest evaluated price method."""

    bid: str
    rank: int
    total: Decimal | None
    price_fen: int


@dataclass(frozen=True, slots=True)
class Divergence:
    """Members' scores of one item of one bid lying further apart than the threshold: lowest and highest
    score, their spread and who gave them (sorted), and the 87号令 62 reason a re-check would cite."""

    bid: str
    item: str
    low: Decimal
    high: Decimal
    spread: Decimal
    low_members: tuple[str, ...]
    high_members: tuple[str, ...]
    reason: RecheckReason


def _detail(reason: ScoreProblem, member: str, bid: str, item: str | None, **extra: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "reason": reason.value,
        "message_zh": reason.message_zh,
        "message_en": reason.message_en,
        "member": member,
        "bid": bid,
        "item": item,
    }
    detail.update({key: str(value) for key, value in extra.items()})
    return detail


def _check_value(member: str, bid: str, item: ScoringItem, value: object) -> dict[str, Any] | None:
    """The problem with one score, if any: a finite Decimal (or int), 0 ≤ value ≤ maximum, two decimals."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return _detail(ScoreProblem.SCORE_NOT_DECIMAL, member, bid, item.name_zh, value=repr(value))
    number = Decimal(value)
    if not number.is_finite():
        return _detail(ScoreProblem.SCORE_NOT_DECIMAL, member, bid, item.name_zh, value=number)
    if number < 0 or number > item.maximum:
        return _detail(ScoreProblem.SCORE_OUT_OF_RANGE, member, bid, item.name_zh, value=number, maximum=item.maximum)
    if number != number.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP):
        return _detail(ScoreProblem.SCORE_TOO_PRECISE, member, bid, item.name_zh, value=number)
    return None


def _check_sheet(
    member: str, bid: str, items: Sequence[ScoringItem], scores: Mapping[str, object]
) -> list[dict[str, Any]]:
    """The problems of one scorer's sheet for one bid: unknown items, missing items, bad values."""
    by_name = {item.name_zh: item for item in items}
    found = [_detail(ScoreProblem.UNKNOWN_ITEM, member, bid, name) for name in scores if name not in by_name]
    for item in items:
        if item.name_zh not in scores:
            found.append(_detail(ScoreProblem.SCORE_MISSING, member, bid, item.name_zh))
            continue
        problem = _check_value(member, bid, item, scores[item.name_zh])
        if problem is not None:
            found.append(problem)
    return found


def _expert_items(criteria: Criteria) -> tuple[ScoringItem, ...]:
    return tuple(item for item in criteria.scoring_items if item.scorer is Scorer.EACH_EXPERT)


def _system_items(criteria: Criteria) -> tuple[ScoringItem, ...]:
    return tuple(item for item in criteria.scoring_items if item.scorer is Scorer.SYSTEM)


def _raise(found: Sequence[Mapping[str, Any]]) -> None:
    if found:
        raise ScoreInvalid(
            "; ".join(f"{d['member']}/{d['bid']}/{d['item']}: {d['reason']}" for d in found),
            "；".join(f"{d['member']}/{d['bid']}/{d['item']}：{d['message_zh']}" for d in found),
            details=found,
        )


def _union(keys: Iterable[Iterable[str]]) -> list[str]:
    return sorted({key for group in keys for key in group})


def _validate_members(criteria: Criteria, member_scores: MemberScores, bids: Iterable[str] = ()) -> list[str]:
    """Check every member's sheet for every bid (any member scored, plus ``bids``); the bids, sorted."""
    items = _expert_items(criteria)
    all_bids = _union([bids, *(sheets.keys() for sheets in member_scores.values())])
    found: list[dict[str, Any]] = []
    for member in sorted(member_scores):
        sheets = member_scores[member]
        for bid in all_bids:
            found.extend(_check_sheet(member, bid, items, sheets.get(bid, {})))
    _raise(found)
    return all_bids


def member_totals(criteria: Criteria, member_scores: MemberScores) -> dict[str, dict[str, Decimal]]:
    """Each member's total per bid: the sum of their scores of the items every expert scores.

    Every member scores every bid any member scored, and every ``each_expert`` item of it (a sheet
    missing — for a whole bid or one item — is ``score_missing``); every score is a finite ``Decimal``
    with 0 ≤ score ≤ the item's maximum (87号令 62 (二)) and at most two decimals; an item that is not
    an ``each_expert`` item of the criteria is ``unknown_item``. Every problem is reported at once
    (:class:`ScoreInvalid`). The sums of two-decimal scores are exact: nothing is rounded.

    >>> from bidding.tendering.rules.projects import Category
    >>> item = ScoringItem("技术", "Technical", Decimal(70), Nature.SUBJECTIVE, Scorer.EACH_EXPERT)
    >>> c = Criteria(Method.COMPREHENSIVE, Category.WORKS, False, (item,))
    >>> member_totals(c, {"m1": {"A": {"技术": Decimal("60.5")}}})
    {'m1': {'A': Decimal('60.5')}}
    """
    bids = _validate_members(criteria, member_scores)
    items = _expert_items(criteria)
    return {
        member: {
            bid: sum((Decimal(member_scores[member][bid][item.name_zh]) for item in items), Decimal(0)) for bid in bids
        }
        for member in sorted(member_scores)
    }


def _round(value: Fraction) -> Decimal:
    """``ROUND_HALF_UP`` to 0.01 of an exact non-negative (or any) rational, once."""
    hundredths = value * 100
    sign = -1 if hundredths < 0 else 1
    whole = int(abs(hundredths) + Fraction(1, 2))  # floor(|x| + ½): half away from zero
    return (Decimal(sign * whole) / 100).quantize(SCORE_QUANTUM)


def bid_totals(criteria: Criteria, system_scores: BidScores, member_scores: MemberScores) -> dict[str, Decimal]:
    """Every bid's total: Σ its system items + the mean over **all** members of their totals, to 0.01.

    87号令 55: 评标总得分 = F1×A1 + F2×A2 + …; each expert scores on their own, and the total is the
    average of all their totals — the highest and the lowest are never dropped (RULES c2). The mean is
    kept exact (as a fraction) and rounded **once**, ``ROUND_HALF_UP``, as
    :func:`~bidding.evaluation.criteria.price_score` does.

    The bids are those of ``system_scores`` and of any member's sheets; every bid has every system
    item (validated like a member's, ``member`` = :data:`SYSTEM`) and every member scored every bid
    (:func:`member_totals`). Criteria with expert items and no member is ``no_members``.

    Worked example: price 30.00 + track record 15.00 (system); members' technical totals 40, 44, 45
    → 30 + 15 + 129 / 3 = 88.00 (dropping the highest and lowest would give 89.00).
    """
    system_items = _system_items(criteria)
    expert_items = _expert_items(criteria)
    found: list[dict[str, Any]] = []
    if expert_items and not member_scores:
        found.append(_detail(ScoreProblem.NO_MEMBERS, "", "", None))
    bids = _union([system_scores.keys(), *(sheets.keys() for sheets in member_scores.values())])
    for bid in bids:
        found.extend(_check_sheet(SYSTEM, bid, system_items, system_scores.get(bid, {})))
    _raise(found)
    totals = member_totals(criteria, member_scores) if expert_items else {}
    result: dict[str, Decimal] = {}
    for bid in bids:
        system = sum((Fraction(Decimal(system_scores[bid][item.name_zh])) for item in system_items), Fraction(0))
        experts = (
            sum((Fraction(totals[member][bid]) for member in totals), Fraction(0)) / len(totals)
            if totals
            else Fraction(0)
        )
        result[bid] = _round(system + experts)
    return result


def system_scores(
    criteria: Criteria,
    evaluated_prices: Mapping[str, int],
    objective_values: BidScores | None = None,
) -> dict[str, dict[str, Decimal]]:
    """The system-scored items of every bid in ``evaluated_prices`` (the bids that passed the
    preliminary review), computed once for all (RULES c, acceptance check 1).

    The price item is scored by :func:`~bidding.evaluation.criteria.price_scores` over exactly the bids
    given (87号令 55: lowest ÷ bid × maximum). Any other system item takes its value from
    ``objective_values[bid][item]`` (an objective fact from data, e.g. counted contracts turned into
    points by the caller), validated like a member's score (0 ≤ value ≤ maximum, two decimals;
    :class:`ScoreInvalid` with ``member`` = :data:`SYSTEM`); without one the system cannot score it
    (:class:`SystemValueMissing`). Under the lowest evaluated price method there is nothing to score:
    every bid maps to ``{}``.
    """
    items = _system_items(criteria)
    result: dict[str, dict[str, Decimal]] = {bid: {} for bid in sorted(evaluated_prices)}
    values = objective_values or {}
    found: list[dict[str, Any]] = []
    for item in items:
        if item.is_price:
            for bid, score in price_scores(evaluated_prices, item.maximum).items():
                result[bid][item.name_zh] = score
            continue
        missing = [bid for bid in result if item.name_zh not in values.get(bid, {})]
        if missing:
            raise SystemValueMissing(
                f"no value for {item.name_en} of {', '.join(missing)}",
                f"{item.name_zh} 缺少数据：{'、'.join(missing)}",
                details=[{"reason": "system_value_missing", "item": item.name_zh, "bid": bid} for bid in missing],
            )
        for bid in result:
            value = values[bid][item.name_zh]
            problem = _check_value(SYSTEM, bid, item, value)
            if problem is None:
                result[bid][item.name_zh] = Decimal(value)
            else:
                found.append(problem)
    _raise(found)
    return result


def rank(method: Method, totals: Mapping[str, Decimal] | None, evaluated_prices: Mapping[str, int]) -> list[Ranked]:
    """The bids in order with competition ranks (1, 1, 3), ties listed by bid key.

    * Comprehensive methods (``comprehensive``, ``comprehensive_scoring``): total descending; equal
      totals by price ascending; equal total **and** price share a rank (87号令 55: 得分相同的，按投标
      报价由低到高顺序排列；得分且投标报价相同的并列). ``totals`` and ``evaluated_prices`` cover the
      same bids.
    * ``lowest_evaluated_price``: evaluated price ascending, equal prices sharing a rank (规定 30–32;
      87号令 54); ``totals`` is ignored and every ``total`` is ``None``.

    A bid or price missing on one side is a programming error (``ValueError``).
    """
    if method.scored:
        if totals is None or set(totals) != set(evaluated_prices):
            raise ValueError("a comprehensive method ranks by totals: give a total and a price for every bid")

        def key(bid: str) -> tuple[Decimal, int]:
            assert totals is not None
            return (-totals[bid], evaluated_prices[bid])
    else:

        def key(bid: str) -> tuple[Decimal, int]:
            return (Decimal(0), evaluated_prices[bid])

    order = sorted(evaluated_prices, key=lambda bid: (key(bid), bid))
    ranked: list[Ranked] = []
    for position, bid in enumerate(order):
        same = ranked and key(ranked[-1].bid) == key(bid)
        place = ranked[-1].rank if same else position + 1
        total = totals[bid] if method.scored and totals is not None else None
        ranked.append(Ranked(bid, place, total, evaluated_prices[bid]))
    return ranked


def candidates(ranking: Sequence[Ranked], limit: int = CANDIDATE_LIMIT) -> list[Ranked]:
    """The ranked candidates the report recommends: those ranked ``≤ limit``, **never more than three
    entries** (条例 53; 规定 45; RULES c8).

    When a tie straddles the limit (ranks 1, 2, 3, 3), the first three entries of ``ranking`` are kept
    in its order (for :func:`rank`'s output: the tied bids by key) — the fourth tied bid is not a
    candidate; the committee's report says so and, if it wants another choice among the tied bids, it
    orders them itself (条例 53: the candidates are listed in order).
    """
    if not 1 <= limit <= CANDIDATE_LIMIT:
        raise ValueError("between one and three candidates (条例 53)")
    ordered = sorted(ranking, key=lambda entry: entry.rank)  # stable: ties keep the given order
    return [entry for entry in ordered if entry.rank <= limit][:limit]


def divergences(criteria: Criteria, member_scores: MemberScores, threshold_percent: Decimal) -> list[Divergence]:
    """Every item of every bid whose members' scores spread (max − min) by **more than**
    ``threshold_percent`` % of the item's maximum; a spread equal to the threshold is not reported.

    Only a prompt for the chair: nothing is averaged away or changed. A re-check may only follow one
    of 87号令 62's reasons — the divergence carries the one that fits (an objective item scored
    differently: （三）; a subjective one: （四）, if the committee finds it abnormal). Sorted by bid,
    then by the criteria's item order. The scores are validated first (:func:`member_totals`).
    """
    if not threshold_percent.is_finite() or threshold_percent < 0:
        raise ValueError("the threshold is a non-negative percentage")
    bids = _validate_members(criteria, member_scores)
    found: list[Divergence] = []
    members = sorted(member_scores)
    for bid in bids:
        for item in _expert_items(criteria):
            given = {member: Decimal(member_scores[member][bid][item.name_zh]) for member in members}
            if not given:
                continue
            low, high = min(given.values()), max(given.values())
            spread = high - low
            if spread * 100 <= threshold_percent * item.maximum:
                continue
            found.append(
                Divergence(
                    bid,
                    item.name_zh,
                    low,
                    high,
                    spread,
                    tuple(m for m in members if given[m] == low),
                    tuple(m for m in members if given[m] == high),
                    RecheckReason.OBJECTIVE_INCONSISTENT
                    if item.nature is Nature.OBJECTIVE
                    else RecheckReason.ABNORMAL_SUBJECTIVE,
                )
            )
    return found
