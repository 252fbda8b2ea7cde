"""A lot's deposit requirement, checked before publication: amount, caps, accepted forms, payer.

:func:`check_requirement` lists every rule a requirement breaks (one ``details`` item each, with
its article) so that the agent fixes them all at once; publication is refused otherwise (RULES a,
acceptance check 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from bidding.deposits.errors import RequirementRefused

__all__ = [
    "DEFAULT_CAPS",
    "Category",
    "DepositForm",
    "DepositRequirement",
    "check_requirement",
    "max_deposit_fen",
    "requirement_problems",
]


class DepositForm(StrEnum):
    """How a bidder may provide its deposit."""

    BANK_TRANSFER = "bank_transfer"  # to its virtual sub-account
    E_GUARANTEE = "e_guarantee"  # 电子保函 of a bank, insurer or guarantee company
    CASH = "cash"


class Category(StrEnum):
    """What is procured; it decides the absolute cap (RULES a3)."""

    WORKS = "works"
    GOODS = "goods"
    SERVICES = "services"
    DESIGN_SURVEY = "design_survey"  # 勘察设计


#: RULES a3 [mem], configurable: ¥800,000 for works and goods (30号令 §37, 27号令 §27), ¥100,000
#: for design and survey. Services take the works/goods figure until a text says otherwise.
DEFAULT_CAPS: Final[Mapping[Category, int]] = MappingProxyType(
    {
        Category.WORKS: 80_000_000,
        Category.GOODS: 80_000_000,
        Category.SERVICES: 80_000_000,
        Category.DESIGN_SURVEY: 10_000_000,
    }
)


@dataclass(frozen=True, slots=True)
class DepositRequirement:
    """What the agent sets for a lot."""

    amount_fen: int
    estimate_fen: int
    """估算价 (条例 26), or the budget (预算金额) in government procurement (政采条例 33)."""
    category: Category
    forms: frozenset[DepositForm]
    basic_account_required: bool
    must_tender: bool = True
    """依法必须招标的项目: the basic-account rule of 条例 26 applies."""
    government_procurement: bool = False


def max_deposit_fen(estimate_fen: int, category: Category, caps: Mapping[Category, int] = DEFAULT_CAPS) -> int:
    """The largest deposit allowed: 2 % of the estimate (rounded down to the fen) and the cap."""
    return min(estimate_fen * 2 // 100, caps[category])


def requirement_problems(
    requirement: DepositRequirement,
    *,
    caps: Mapping[Category, int] = DEFAULT_CAPS,
    require_guarantee_option: bool = True,
) -> list[dict[str, Any]]:
    """Every rule ``requirement`` breaks, each as ``{"field", "rule", "article"}`` (empty: fine).

    * amount ≤ 2 % of the estimate (条例 26) or of the budget (政采条例 33), exactly in fen;
    * amount ≤ the configured cap of its category (RULES a3);
    * at least one accepted form when there is a deposit;
    * cash is never the only form (发改法规〔2023〕27号: cash may not be forced) and never accepted
      in government procurement (政采条例 33: non-cash forms only);
    * guarantees are accepted (发改法规〔2023〕27号: accept guarantees, encourage 电子保函), unless
      ``require_guarantee_option`` is turned off by configuration;
    * a project that must be tendered and takes transfers or cash requires the basic account
      (条例 26).
    """
    problems: list[dict[str, Any]] = []
    amount, estimate = requirement.amount_fen, requirement.estimate_fen
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        return [{"field": "amount_fen", "rule": "non_negative_integer", "article": ""}]
    if isinstance(estimate, bool) or not isinstance(estimate, int) or estimate <= 0:
        return [{"field": "estimate_fen", "rule": "positive_integer", "article": ""}]
    if amount == 0:
        return problems
    if amount * 50 > estimate:
        article = "政采条例33" if requirement.government_procurement else "条例26"
        problems.append({"field": "amount_fen", "rule": "at_most_2_percent", "article": article})
    cap = caps[requirement.category]
    if amount > cap:
        problems.append({"field": "amount_fen", "rule": "at_most_cap", "article": "RULES a3", "cap_fen": cap})
    forms = requirement.forms
    if not forms:
        problems.append({"field": "forms", "rule": "at_least_one_form", "article": "条例26"})
    if forms == {DepositForm.CASH}:
        problems.append({"field": "forms", "rule": "cash_not_forced", "article": "发改法规〔2023〕27号"})
    if requirement.government_procurement and DepositForm.CASH in forms:
        problems.append({"field": "forms", "rule": "non_cash_only", "article": "政采条例33"})
    if require_guarantee_option and forms and DepositForm.E_GUARANTEE not in forms:
        problems.append({"field": "forms", "rule": "guarantee_accepted", "article": "发改法规〔2023〕27号"})
    pays_money = bool(forms & {DepositForm.BANK_TRANSFER, DepositForm.CASH})
    if requirement.must_tender and pays_money and not requirement.basic_account_required:
        problems.append({"field": "basic_account_required", "rule": "basic_account", "article": "条例26"})
    return problems


def check_requirement(
    requirement: DepositRequirement,
    *,
    caps: Mapping[Category, int] = DEFAULT_CAPS,
    require_guarantee_option: bool = True,
) -> None:
    """Raise :class:`RequirementRefused` listing every problem of :func:`requirement_problems`."""
    problems = requirement_problems(requirement, caps=caps, require_guarantee_option=require_guarantee_option)
    if problems:
        rules = ", ".join(f"{p['field']}: {p['rule']} ({p['article']})" for p in problems)
        raise RequirementRefused(rules, details=problems)
