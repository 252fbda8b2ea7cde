"""A lot's deposit requirement before publication (RULES a, check 4): 条例 26, 政采条例 33, caps, forms."""

from __future__ import annotations

import pytest

from bidding.deposits.errors import RequirementRefused
from bidding.deposits.forms import (
    Category,
    DepositForm,
    DepositRequirement,
    check_requirement,
    max_deposit_fen,
    requirement_problems,
)

BOTH = frozenset({DepositForm.BANK_TRANSFER, DepositForm.E_GUARANTEE})


def req(amount: int, estimate: int = 1_000_000_000, **fields: object) -> DepositRequirement:
    values: dict[str, object] = {
        "category": Category.WORKS,
        "forms": BOTH,
        "basic_account_required": True,
    }
    values.update(fields)
    return DepositRequirement(amount, estimate, **values)  # type: ignore[arg-type]


def rules(requirement: DepositRequirement, **options: object) -> list[str]:
    return [p["rule"] for p in requirement_problems(requirement, **options)]  # type: ignore[arg-type]


def test_two_percent_of_the_estimate_exactly() -> None:
    """条例 26: ¥10,000,000 estimate → at most ¥200,000.00, not one fen more."""
    assert rules(req(20_000_000)) == []
    assert rules(req(20_000_001)) == ["at_most_2_percent"]
    problems = requirement_problems(req(20_000_001, government_procurement=True))
    assert problems[0]["article"] == "政采条例33"
    assert max_deposit_fen(999, Category.GOODS) == 19


def test_the_absolute_caps() -> None:
    """RULES a3: ¥800,000 works and goods, ¥100,000 design and survey; configurable."""
    big = 10_000_000_000  # ¥100M: 2 % would be ¥2M
    assert max_deposit_fen(big, Category.WORKS) == 80_000_000
    assert rules(req(80_000_000, big)) == []
    assert rules(req(80_000_001, big)) == ["at_most_cap"]
    assert rules(req(10_000_001, big, category=Category.DESIGN_SURVEY)) == ["at_most_cap"]
    caps = dict.fromkeys(Category, 50_000_000)
    assert rules(req(60_000_000, big), caps=caps) == ["at_most_cap"]


def test_forms_cash_is_never_forced_and_guarantees_are_accepted() -> None:
    """发改法规〔2023〕27号: no cash-only requirement, guarantees accepted; 政采条例 33: non-cash only."""
    assert rules(req(1_000, forms=frozenset({DepositForm.CASH}))) == ["cash_not_forced", "guarantee_accepted"]
    assert rules(req(1_000, forms=frozenset())) == ["at_least_one_form"]
    assert rules(req(1_000, forms=BOTH | {DepositForm.CASH})) == []
    assert rules(req(1_000, forms=BOTH | {DepositForm.CASH}, government_procurement=True)) == ["non_cash_only"]
    transfer_only = req(1_000, forms=frozenset({DepositForm.BANK_TRANSFER}))
    assert rules(transfer_only) == ["guarantee_accepted"]
    assert rules(transfer_only, require_guarantee_option=False) == []


def test_the_basic_account_flag() -> None:
    """条例 26: a project that must be tendered takes transfers only from the basic account."""
    assert rules(req(1_000, basic_account_required=False)) == ["basic_account"]
    assert rules(req(1_000, basic_account_required=False, must_tender=False)) == []
    assert rules(req(1_000, basic_account_required=False, forms=frozenset({DepositForm.E_GUARANTEE}))) == []


def test_no_deposit_and_nonsense() -> None:
    assert rules(req(0, forms=frozenset())) == []
    assert rules(req(-1)) == ["non_negative_integer"]
    assert rules(req(1, 0)) == ["positive_integer"]


def test_check_requirement_lists_every_problem() -> None:
    with pytest.raises(RequirementRefused) as caught:
        check_requirement(req(90_000_000, 1_000_000_000, basic_account_required=False))
    error = caught.value
    assert error.code == "deposit_requirement_refused" and error.status == 422
    assert [d["rule"] for d in error.details] == ["at_most_2_percent", "at_most_cap", "basic_account"]
    assert "条例26" in error.text("zh") and error.text("zh").startswith("保证金要求不符合规定")
    check_requirement(req(1_000))
