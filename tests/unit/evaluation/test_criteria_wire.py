"""The criteria on the wire and at rest (规定 29, 条例 49: the committee applies the criteria published with
the tender): decoding with the edge's limits, the round trip to the pure criteria, and the canonical JSON
whose SHA-256 the evaluation and the report name — the same bytes for the same criteria, however sent."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from bidding.evaluation.criteria import (
    ChecklistItem,
    CheckStage,
    Criteria,
    CriteriaProblem,
    Method,
    Nature,
    Scorer,
    ScoringItem,
    criteria_problems,
)
from bidding.evaluation.criteria_wire import (
    MAX_SCORING_ITEMS,
    CriteriaWire,
    canonical,
    criteria_dict,
    criteria_from_dict,
    criteria_sha256,
    to_criteria,
    to_wire,
)
from bidding.tendering.rules.projects import Category


def body(**change: Any) -> dict[str, Any]:
    """综合评分法 for goods: price 30 (the floor, 87号令 55) + technical 50 + service 20 = 100."""
    data: dict[str, Any] = {
        "method": "comprehensive_scoring",
        "category": "goods",
        "government_procurement": True,
        "scoring_items": [
            {
                "name_zh": "投标报价",
                "name_en": "Bid price",
                "maximum": "30",
                "nature": "objective",
                "scorer": "system",
                "is_price": True,
            },
            {
                "name_zh": "技术方案",
                "name_en": "Technical proposal",
                "maximum": "50",
                "nature": "subjective",
                "scorer": "each_expert",
            },
            {
                "name_zh": "售后服务",
                "name_en": "After-sales service",
                "maximum": "20",
                "nature": "subjective",
                "scorer": "each_expert",
            },
        ],
        "checklist": [
            {"name_zh": "投标函签字盖章", "name_en": "Bid letter signed", "stage": "formal", "clause": "第二章 3.1"},
            {"name_zh": "营业执照", "name_en": "Business licence", "stage": "qualification", "clause": "第二章 3.2"},
        ],
    }
    data.update(change)
    return data


def scoring(**change: Any) -> dict[str, Any]:
    """A body whose one scoring item has ``change``."""
    item = {"name_zh": "价格", "name_en": "Price", "maximum": "30", "nature": "objective", "scorer": "system"}
    return {"scoring_items": [{**item, **change}]}


def decode(data: dict[str, Any]) -> CriteriaWire:
    return msgspec.json.decode(json.dumps(data).encode(), type=CriteriaWire)


def test_a_wire_form_becomes_the_pure_criteria() -> None:
    criteria = to_criteria(decode(body()))
    assert criteria.method is Method.COMPREHENSIVE_SCORING and criteria.category is Category.GOODS
    assert [i.maximum for i in criteria.scoring_items] == [Decimal(30), Decimal(50), Decimal(20)]
    assert criteria.price_item is not None and criteria.price_item.name_zh == "投标报价"
    assert criteria.price_weight == Decimal(30)
    assert criteria.checklist[1] == ChecklistItem(
        "营业执照", "Business licence", CheckStage.QUALIFICATION, "第二章 3.2"
    )
    assert criteria_problems(criteria) == ()


def test_names_and_clauses_lose_surrounding_blanks() -> None:
    data = body()
    data["scoring_items"][0]["name_zh"] = "  投标报价 "
    data["checklist"][0]["clause"] = " 第二章 3.1  "
    criteria = to_criteria(decode(data))
    assert criteria.scoring_items[0].name_zh == "投标报价"
    assert criteria.checklist[0].clause == "第二章 3.1"


def test_bad_maxima_reach_the_validator_which_names_them() -> None:
    data = body()
    data["scoring_items"][1]["maximum"] = "-50"
    data["scoring_items"][2]["maximum"] = "20.005"
    reasons = {p.reason for p in criteria_problems(to_criteria(decode(data)))}
    assert {CriteriaProblem.MAXIMUM_NOT_POSITIVE, CriteriaProblem.MAXIMUM_TOO_PRECISE} <= reasons


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"method": "cheapest"}, "method"),
        ({"category": "land"}, "category"),
        ({"government_procurement": "yes"}, "government_procurement"),
        ({"price_formula": "highest_over_bid"}, "price_formula"),
        ({"weights": [1]}, "weights"),
        (scoring(maximum=30), "maximum"),
        (scoring(maximum="1e2"), "maximum"),
        (scoring(maximum="NaN"), "maximum"),
        (scoring(maximum="10000"), "maximum"),
        (scoring(name_zh="价\u202e格"), "name_zh"),
        (scoring(name_zh="x" * 101), "name_zh"),
        ({"checklist": [{"name_zh": "x", "name_en": "x", "stage": "formal", "clause": "a\nb"}]}, "clause"),
        ({"checklist": [{"name_zh": "x", "name_en": "x", "stage": "formal", "clause": "c", "extra": 1}]}, "extra"),
    ],
)
def test_the_edge_refuses_what_is_not_criteria(change: dict[str, Any], where: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=where):
        decode(body(**change))


def test_too_many_items_are_refused_at_the_edge() -> None:
    item = body()["scoring_items"][1]
    items = [{**item, "name_zh": f"项{i}", "name_en": f"item {i}"} for i in range(MAX_SCORING_ITEMS + 1)]
    with pytest.raises(msgspec.ValidationError, match="scoring_items"):
        decode(body(scoring_items=items))


def test_to_wire_and_back_is_the_same_criteria() -> None:
    criteria = Criteria(
        Method.COMPREHENSIVE,
        Category.WORKS,
        False,
        (
            ScoringItem("投标报价", "Bid price", Decimal("5"), Nature.OBJECTIVE, Scorer.SYSTEM, is_price=True),
            ScoringItem("施工组织设计", "Construction plan", Decimal("95"), Nature.SUBJECTIVE, Scorer.EACH_EXPERT),
        ),
        (ChecklistItem("资质证书", "Qualification", CheckStage.QUALIFICATION, "第三章 2.1"),),
    )
    wire = to_wire(criteria)
    assert [i.maximum for i in wire.scoring_items] == ["5.00", "95.00"]
    assert to_criteria(wire) == criteria
    assert criteria_from_dict(criteria_dict(criteria)) == criteria


#: The canonical JSON of :func:`body`'s criteria, written out by hand: keys sorted at every level, no
#: blanks, maxima with two decimals, defaults (is_price false, price_formula) spelt out, UTF-8.
CANONICAL = (
    '{"category":"goods","checklist":['
    '{"clause":"第二章 3.1","name_en":"Bid letter signed","name_zh":"投标函签字盖章","stage":"formal"},'
    '{"clause":"第二章 3.2","name_en":"Business licence","name_zh":"营业执照","stage":"qualification"}],'
    '"government_procurement":true,"method":"comprehensive_scoring","price_formula":"lowest_over_bid",'
    '"scoring_items":['
    '{"is_price":true,"maximum":"30.00","name_en":"Bid price","name_zh":"投标报价","nature":"objective","scorer":"system"},'
    '{"is_price":false,"maximum":"50.00","name_en":"Technical proposal","name_zh":"技术方案","nature":"subjective",'
    '"scorer":"each_expert"},'
    '{"is_price":false,"maximum":"20.00","name_en":"After-sales service","name_zh":"售后服务","nature":"subjective",'
    '"scorer":"each_expert"}]}'
)


def test_the_canonical_json_is_spelt_out() -> None:
    criteria = to_criteria(decode(body()))
    assert canonical(criteria) == CANONICAL.encode()
    assert criteria_sha256(criteria) == hashlib.sha256(CANONICAL.encode()).hexdigest()


def test_the_same_criteria_however_sent_have_the_same_sha256() -> None:
    first = criteria_sha256(to_criteria(decode(body())))
    # Keys in another order, "30.0" for "30", blanks around a name, the default formula spelt out.
    data = dict(reversed(list(body(price_formula="lowest_over_bid").items())))
    data["scoring_items"][0] = dict(reversed(list(data["scoring_items"][0].items())))
    data["scoring_items"][0]["maximum"] = "30.0"
    data["scoring_items"][1]["name_en"] = " Technical proposal "
    assert criteria_sha256(to_criteria(decode(data))) == first
    # The stored mapping hashes the same as the criteria it stands for.
    assert criteria_sha256(criteria_dict(to_criteria(decode(body())))) == first


def test_any_change_changes_the_sha256() -> None:
    base = criteria_sha256(to_criteria(decode(body())))
    moved = body()
    moved["scoring_items"][1]["maximum"], moved["scoring_items"][2]["maximum"] = "49", "21"
    reordered = body()
    reordered["checklist"].reverse()
    renamed = body()
    renamed["checklist"][0]["clause"] = "第二章 3.1.1"
    others = [moved, reordered, renamed]
    assert len({base, *(criteria_sha256(to_criteria(decode(d))) for d in others)}) == 4
