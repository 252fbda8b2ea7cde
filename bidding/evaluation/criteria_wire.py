"""A lot's evaluation criteria on the wire and at rest (issue 20; ``docs/evaluation.md`` §Criteria with the
tender): the msgspec form of :class:`bidding.evaluation.criteria.Criteria` the agent sends, its canonical
JSON and the SHA-256 that the evaluation and the report name. Pure: no database, no clock.

The criteria are part of the tender documents (规定 29: the method and its factors are set in the
tender; 条例 49: the committee evaluates by the criteria and methods of the tender documents and by no
other). So the form the agent sent is the form kept: the wire struct is checked at the edge (types,
lengths, characters: a 400 naming the field), then :func:`to_criteria` builds the pure criteria that
:func:`bidding.evaluation.criteria.validate_criteria` judges (a 422 listing every problem).

**Maxima** travel as decimal strings (``"30"``, ``"27.5"``, ``"-1"``): JSON numbers are binary floats
in most clients. The edge takes at most four integer digits and six decimals, so a maximum with too
many decimals or below zero reaches the validator, which names it (``maximum_too_precise``,
``maximum_not_positive``).

**Canonical JSON** (:func:`canonical`): the criteria as a mapping with sorted keys, no blanks, UTF-8
unescaped (the audit trail's :func:`bidding.audit.trail.content_hash` form), names and clauses
stripped of surrounding blanks and every maximum written with exactly two decimals. Two requests
that differ only in key order, blanks around names or ``"30"`` against ``"30.00"`` store the same
bytes and the same SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Final

import msgspec

from bidding.core.fields import NAME_PATTERN, Body
from bidding.evaluation.criteria import (
    SCORE_QUANTUM,
    ChecklistItem,
    CheckStage,
    Criteria,
    Method,
    Nature,
    PriceFormula,
    Scorer,
    ScoringItem,
)
from bidding.tendering.rules.projects import Category

__all__ = [
    "MAX_CHECKLIST_ITEMS",
    "MAX_SCORING_ITEMS",
    "ChecklistItemWire",
    "CriteriaWire",
    "ScoringItemWire",
    "canonical",
    "criteria_dict",
    "criteria_from_dict",
    "criteria_sha256",
    "to_criteria",
    "to_wire",
]

#: The most scoring items a lot may have (a real 评分表 has a dozen or two).
MAX_SCORING_ITEMS: Final = 50
#: The most pass/fail items of the preliminary review.
MAX_CHECKLIST_ITEMS: Final = 100

#: An item's name, the key of judgements and scores (``String(200)`` columns): one line, no
#: bidirectional controls; may be blank here so that the validator reports ``name_missing`` with the rest.
ItemName = Annotated[str, msgspec.Meta(max_length=100, pattern=NAME_PATTERN)]
#: The clause of the tender documents a checklist item applies (e.g. ``第二章 3.2.1``).
Clause = Annotated[str, msgspec.Meta(max_length=200, pattern=NAME_PATTERN)]
#: A maximum in points as a decimal string; the validator judges its sign and precision.
Points = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=12,
        pattern=r"^-?[0-9]{1,4}(\.[0-9]{1,6})?$(?!\n)",
        description='Points as a decimal string, e.g. "30" or "27.50" (at most two decimals are accepted)',
        examples=["30", "27.50"],
    ),
]


class ScoringItemWire(Body, frozen=True, kw_only=True):
    """One scoring item (评分项) as the agent writes it."""

    name_zh: ItemName
    name_en: ItemName
    maximum: Points
    nature: Nature
    scorer: Scorer
    is_price: bool = False


class ChecklistItemWire(Body, frozen=True, kw_only=True):
    """One pass/fail item of the preliminary review (初步评审) with its clause (条例 51)."""

    name_zh: ItemName
    name_en: ItemName
    stage: CheckStage
    clause: Clause


class CriteriaWire(Body, frozen=True, kw_only=True):
    """A lot's evaluation criteria (评标办法) as the agent writes them (规定 29; 87号令 55)."""

    method: Method
    #: The project's category (works, goods, services): the lot's criteria must name it.
    category: Category
    government_procurement: bool
    scoring_items: Annotated[list[ScoringItemWire], msgspec.Meta(max_length=MAX_SCORING_ITEMS)] = msgspec.field(
        default_factory=list
    )
    checklist: Annotated[list[ChecklistItemWire], msgspec.Meta(max_length=MAX_CHECKLIST_ITEMS)] = msgspec.field(
        default_factory=list
    )
    price_formula: PriceFormula = PriceFormula.LOWEST_OVER_BID


def _points(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:  # the edge's pattern lets none through; a stored dict is ours
        raise ValueError(f"not a decimal: {text!r}") from None
    return value


def to_criteria(wire: CriteriaWire) -> Criteria:
    """The pure criteria of a wire form, names and clauses stripped of surrounding blanks."""
    return Criteria(
        method=wire.method,
        category=wire.category,
        government_procurement=wire.government_procurement,
        scoring_items=tuple(
            ScoringItem(
                name_zh=item.name_zh.strip(),
                name_en=item.name_en.strip(),
                maximum=_points(item.maximum),
                nature=item.nature,
                scorer=item.scorer,
                is_price=item.is_price,
            )
            for item in wire.scoring_items
        ),
        checklist=tuple(
            ChecklistItem(
                name_zh=check.name_zh.strip(),
                name_en=check.name_en.strip(),
                stage=check.stage,
                clause=check.clause.strip(),
            )
            for check in wire.checklist
        ),
        price_formula=wire.price_formula,
    )


def _maximum_text(maximum: Decimal) -> str:
    """Two decimals for a maximum that has at most two (every valid one); any other as it is."""
    quantized = maximum.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)
    return str(quantized) if quantized == maximum else str(maximum)


def to_wire(criteria: Criteria) -> CriteriaWire:
    """The wire form of pure criteria (maxima with two decimals: ``Decimal(30)`` → ``"30.00"``)."""
    return CriteriaWire(
        method=criteria.method,
        category=criteria.category,
        government_procurement=criteria.government_procurement,
        scoring_items=[
            ScoringItemWire(
                name_zh=item.name_zh,
                name_en=item.name_en,
                maximum=_maximum_text(item.maximum),
                nature=item.nature,
                scorer=item.scorer,
                is_price=item.is_price,
            )
            for item in criteria.scoring_items
        ],
        checklist=[
            ChecklistItemWire(name_zh=c.name_zh, name_en=c.name_en, stage=c.stage, clause=c.clause)
            for c in criteria.checklist
        ],
        price_formula=criteria.price_formula,
    )


def criteria_dict(criteria: Criteria) -> dict[str, Any]:
    """The criteria as the mapping stored (``lot_criteria.criteria``) and snapshotted by the evaluation."""
    built: dict[str, Any] = msgspec.to_builtins(to_wire(criteria))
    return built


def criteria_from_dict(data: Mapping[str, Any]) -> Criteria:
    """The pure criteria of a stored mapping (:func:`criteria_dict`'s, or an evaluation's snapshot).

    Raises :class:`msgspec.ValidationError` for a mapping that is not one."""
    return to_criteria(msgspec.convert(dict(data), CriteriaWire))


def canonical(criteria: Criteria | Mapping[str, Any]) -> bytes:
    """The canonical JSON of the criteria: sorted keys, no blanks, UTF-8 (see the module doc)."""
    data = criteria_dict(criteria) if isinstance(criteria, Criteria) else criteria_dict(criteria_from_dict(criteria))
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def criteria_sha256(criteria: Criteria | Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical`: what the evaluation, its report and the audit trail name."""
    return hashlib.sha256(canonical(criteria)).hexdigest()
