"""A lot's deposit requirement (投标保证金), checked before publication: amount, caps, accepted forms, payer.

The agent sets per lot the amount, the accepted forms and whether a transfer must come from the
bidder's basic account (基本账户); publication is refused while a rule is broken (RULES a,
acceptance check 4). :func:`requirement_problems` lists every broken rule at once (one item each,
with its article), so that the agent fixes them all in one go.

These rules live with tendering because publication checks them and the deposit service
(``bidding.deposits``) builds on tendering, not the other way round; ``bidding.deposits.forms``
re-exports them.

Defaults, when the agent says nothing (``docs/deposits.md``, "Requirement per lot"):

* forms: bank transfer and electronic guarantee (发改法规〔2023〕27号: guarantees accepted, cash never
  forced);
* basic account: required for works (工程建设项目, the projects 条例 26 speaks of), not for goods and
  services; an agent may require it for any lot;
* the absolute cap follows the project's category, or design and survey (勘察设计) when the lot says so;
* bid validity (投标有效期) 90 days from the deadline: a guarantee must last as long (条例 26).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from bidding.core.clock import CHINA_TIME

__all__ = [
    "DEFAULT_BID_VALIDITY_DAYS",
    "DEFAULT_CAPS",
    "DEFAULT_FORMS",
    "MAX_BID_VALIDITY_DAYS",
    "Category",
    "DepositForm",
    "DepositRequirement",
    "basic_account_default",
    "bid_validity_end",
    "cap_category",
    "max_deposit_fen",
    "must_tender",
    "requirement_problems",
]


class DepositForm(StrEnum):
    """How a bidder may provide its deposit."""

    BANK_TRANSFER = "bank_transfer"  # to its virtual sub-account
    E_GUARANTEE = "e_guarantee"  # 电子保函 of a bank, insurer or guarantee company
    CASH = "cash"


class Category(StrEnum):
    """What is procured, as far as the absolute cap goes (RULES a3)."""

    WORKS = "works"
    GOODS = "goods"
    SERVICES = "services"
    DESIGN_SURVEY = "design_survey"  # 勘察设计


#: RULES a3 [mem], configurable (``BIDDING_DEPOSIT_CAPS_YUAN``): ¥800,000 for works and goods
#: (30号令 §37, 27号令 §27), ¥100,000 for design and survey. Services take the works/goods figure
#: until a text says otherwise.
DEFAULT_CAPS: Final[Mapping[Category, int]] = MappingProxyType(
    {
        Category.WORKS: 80_000_000,
        Category.GOODS: 80_000_000,
        Category.SERVICES: 80_000_000,
        Category.DESIGN_SURVEY: 10_000_000,
    }
)

#: What a lot accepts unless the agent says otherwise.
DEFAULT_FORMS: Final = frozenset({DepositForm.BANK_TRANSFER, DepositForm.E_GUARANTEE})
#: 投标有效期 unless the agent says otherwise, in days from the bid deadline.
DEFAULT_BID_VALIDITY_DAYS: Final = 90
MAX_BID_VALIDITY_DAYS: Final = 365


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


def cap_category(project_category: str, design_survey: bool = False) -> Category:
    """The cap's category of a lot: design and survey (勘察设计) when the lot says so, else the
    project's category (works, goods, services)."""
    return Category.DESIGN_SURVEY if design_survey else Category(project_category)


def must_tender(project_category: str) -> bool:
    """Whether 条例 26's basic-account rule binds the lot: the platform's works (工程建设项目) are the
    projects that must be tendered; goods and services may be too, and their agent may then require
    the basic account, but it is not forced on them."""
    return project_category == "works"


def basic_account_default(project_category: str) -> bool:
    """Required for works (条例 26), not for goods and services, unless the agent says otherwise."""
    return must_tender(project_category)


def bid_validity_end(deadline: datetime, days: int) -> date:
    """The last day of the bid validity (投标有效期): ``days`` from the deadline's day in China time.

    A deposit's validity equals the bid validity (条例 26): a guarantee must last at least to this
    day. Worked example: deadline 2026-03-01 09:30 (+08:00), 90 days → 2026-05-30."""
    return deadline.astimezone(CHINA_TIME).date() + timedelta(days=days)


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
