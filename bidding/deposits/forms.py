"""A lot's deposit requirement, checked before publication: amount, caps, accepted forms, payer.

The rules themselves are :mod:`bidding.tendering.rules.deposit_requirements`' (publication checks
them, and deposits builds on tendering, never the other way round); this module names them for the
deposit service and adds :func:`check_requirement`, which raises the deposit service's
:class:`RequirementRefused` listing every problem (RULES a, acceptance check 4).
"""

from __future__ import annotations

from collections.abc import Mapping

from bidding.deposits.errors import RequirementRefused
from bidding.tendering.rules.deposit_requirements import (
    DEFAULT_CAPS,
    Category,
    DepositForm,
    DepositRequirement,
    max_deposit_fen,
    requirement_problems,
)

__all__ = [
    "DEFAULT_CAPS",
    "Category",
    "DepositForm",
    "DepositRequirement",
    "check_requirement",
    "max_deposit_fen",
    "requirement_problems",
]


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
