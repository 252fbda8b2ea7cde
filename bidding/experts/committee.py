"""The shape of an evaluation committee and when it may be drawn (issue 19; RULES b1, b7). Pure: no
database, no clock (the moment is passed in).

**Committee** (:func:`committee_problems`, :func:`validate_committee`), each refusal with its code:

==============================  ================================================================  ==================
code                            rule                                                              article
==============================  ================================================================  ==================
``committee_size_even``         the committee has an odd number of members                        法 37, 规定 9;
                                                                                                  87号令 47
``committee_too_small``         at least 5 members                                                法 37, 规定 9
``experts_below_two_thirds``    technical and economic experts (members − the tenderer's own      法 37, 规定 9;
                                representatives) are at least 2/3 of the members                  87号令 47
``committee_below_seven``       government procurement with a budget ≥ the threshold (¥10M by     87号令 47
                                default), or a complex or high-impact project: at least 7
``budget_missing``              government procurement: the budget is needed to decide the above  87号令 47
``seats_mismatch``              the seats per specialty add up to the number of experts           法 37 (by specialty)
``representatives_negative``,   counts are whole and in range; every specialty has at least one   —
``seats_not_positive``,         seat; backups are named only for specialties with seats; codes
``backups_negative``,           are well-formed; the platform's bounds (size, backups,
``budget_negative``,            specialties) keep a request within what a draw can serve
``no_specialty``,
``backups_unknown_specialty``,
``specialty_code_invalid``,
``committee_too_large``,
``backups_too_many``,
``too_many_specialties``
==============================  ================================================================  ==================

Every problem found is reported at once (not only the first), each as a detail of
:class:`CommitteeInvalid` (``{"reason": …, "message_zh": …, "message_en": …}``).

**When** (:func:`earliest_draw_time`, :func:`check_draw_time`): the draw takes place no earlier
than the configured lead time before the evaluation starts (government procurement: 2 working
days, 财库〔2016〕198号 §14/17), and before it starts. The lead is a plain :class:`timedelta`: the caller
turns "2 working days" into one with its working-day calendar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from bidding.core.errors import DomainError

__all__ = [
    "DEFAULT_MIN_SIZE_7_THRESHOLD_FEN",
    "MAX_BACKUPS_PER_SPECIALTY",
    "MAX_COMMITTEE_SIZE",
    "MAX_SPECIALTIES",
    "SPECIALTY_CODE",
    "CommitteeInvalid",
    "CommitteeProblem",
    "CommitteeRequest",
    "DrawTooEarly",
    "DrawTooLate",
    "check_draw_time",
    "committee_problems",
    "earliest_draw_time",
    "validate_committee",
]

#: ¥10,000,000 in fen: government procurement at or above it needs 7 members (87号令 47); the
#: deployment's setting is passed in as ``CommitteeRequest.min_size_7_threshold_fen``.
DEFAULT_MIN_SIZE_7_THRESHOLD_FEN: Final = 1_000_000_000
#: The platform's bounds on one request: no article caps them, but a draw must be able to serve it.
MAX_COMMITTEE_SIZE: Final = 49
MAX_BACKUPS_PER_SPECIALTY: Final = 50
MAX_SPECIALTIES: Final = 20
#: A specialty code of the classification tree (e.g. ``A0101``): the characters the draw's byte
#: encoding allows in an identifier (``docs/expert-draw.md`` §"Identifiers").
SPECIALTY_CODE: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class CommitteeProblem(StrEnum):
    """Why a committee request is refused; the value is the code the API returns."""

    SIZE_EVEN = "committee_size_even"
    TOO_SMALL = "committee_too_small"
    TOO_LARGE = "committee_too_large"
    EXPERTS_BELOW_TWO_THIRDS = "experts_below_two_thirds"
    BELOW_SEVEN = "committee_below_seven"
    BUDGET_MISSING = "budget_missing"
    BUDGET_NEGATIVE = "budget_negative"
    REPRESENTATIVES_NEGATIVE = "representatives_negative"
    NO_SPECIALTY = "no_specialty"
    TOO_MANY_SPECIALTIES = "too_many_specialties"
    SPECIALTY_CODE_INVALID = "specialty_code_invalid"
    SEATS_NOT_POSITIVE = "seats_not_positive"
    SEATS_MISMATCH = "seats_mismatch"
    BACKUPS_NEGATIVE = "backups_negative"
    BACKUPS_TOO_MANY = "backups_too_many"
    BACKUPS_UNKNOWN_SPECIALTY = "backups_unknown_specialty"

    @property
    def message_zh(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_en(self) -> str:
        return _MESSAGES[self][1]


_MESSAGES: Final[Mapping[CommitteeProblem, tuple[str, str]]] = {
    CommitteeProblem.SIZE_EVEN: ("评标委员会成员人数应为单数", "The committee must have an odd number of members"),
    CommitteeProblem.TOO_SMALL: ("评标委员会成员人数不得少于5人", "The committee must have at least 5 members"),
    CommitteeProblem.TOO_LARGE: (
        f"评标委员会成员人数不得超过平台上限{MAX_COMMITTEE_SIZE}人",
        f"The committee may have at most {MAX_COMMITTEE_SIZE} members on this platform",
    ),
    CommitteeProblem.EXPERTS_BELOW_TWO_THIRDS: (
        "技术、经济等方面的专家不得少于成员总数的三分之二",
        "Technical and economic experts must be at least two thirds of the members",
    ),
    CommitteeProblem.BELOW_SEVEN: (
        "政府采购项目预算金额达到限额或技术复杂、社会影响较大的，评标委员会成员人数应为7人以上单数",
        "Government procurement at or above the budget threshold, or complex or of high public impact, "
        "needs at least 7 members",
    ),
    CommitteeProblem.BUDGET_MISSING: (
        "政府采购项目须提供预算金额以确定评标委员会人数",
        "Government procurement needs the budget to decide the committee's size",
    ),
    CommitteeProblem.BUDGET_NEGATIVE: ("预算金额不得为负数", "The budget may not be negative"),
    CommitteeProblem.REPRESENTATIVES_NEGATIVE: (
        "招标人代表人数不得为负数",
        "The number of the tenderer's representatives may not be negative",
    ),
    CommitteeProblem.NO_SPECIALTY: ("至少须指定一个专业", "At least one specialty is needed"),
    CommitteeProblem.TOO_MANY_SPECIALTIES: (
        f"专业数量不得超过{MAX_SPECIALTIES}个",
        f"At most {MAX_SPECIALTIES} specialties",
    ),
    CommitteeProblem.SPECIALTY_CODE_INVALID: (
        "专业代码格式有误（1–64位字母、数字或 . _ : -）",
        "A specialty code is malformed (1–64 letters, digits or . _ : -)",
    ),
    CommitteeProblem.SEATS_NOT_POSITIVE: ("每个专业的抽取人数须至少为1", "Each specialty needs at least one seat"),
    CommitteeProblem.SEATS_MISMATCH: (
        "各专业抽取人数之和须等于专家人数（成员总数减招标人代表）",
        "The seats per specialty must add up to the number of experts (members minus representatives)",
    ),
    CommitteeProblem.BACKUPS_NEGATIVE: ("备选专家人数不得为负数", "The number of backups may not be negative"),
    CommitteeProblem.BACKUPS_TOO_MANY: (
        f"每个专业的备选专家不得超过{MAX_BACKUPS_PER_SPECIALTY}人",
        f"At most {MAX_BACKUPS_PER_SPECIALTY} backups per specialty",
    ),
    CommitteeProblem.BACKUPS_UNKNOWN_SPECIALTY: (
        "备选专家只能为已设抽取人数的专业指定",
        "Backups may be named only for a specialty that has seats",
    ),
}


class CommitteeInvalid(DomainError):
    """A committee request breaks a rule (法 37, 规定 9, 87号令 47); one detail per problem found."""

    code = "committee_invalid"
    status = 422
    message_zh = "评标委员会组成不符合规定"
    message_en = "The committee breaks the rules"

    def __init__(self, problems: tuple[CommitteeProblem, ...]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(p.message_en for p in problems),
            "；".join(p.message_zh for p in problems),
            details=[{"reason": p.value, "message_zh": p.message_zh, "message_en": p.message_en} for p in problems],
        )


class DrawTooEarly(DomainError):
    """The draw is asked for earlier than the lead time before the evaluation (198号 §14/17)."""

    code = "draw_too_early"
    status = 409
    message_zh = "尚未到抽取时间（不得早于评标开始前规定的提前期）"
    message_en = "Too early to draw (no earlier than the configured lead time before evaluation)"


class DrawTooLate(DomainError):
    """The evaluation has started: a committee is drawn before it, never during it."""

    code = "draw_too_late"
    status = 409
    message_zh = "评标已开始，不能再抽取"
    message_en = "The evaluation has started: too late to draw"


def _frozen(mapping: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class CommitteeRequest:
    """What the agent (or tenderer) asks for: the committee of one lot (or of several evaluated together).

    ``size`` counts every member; ``representatives`` are the tenderer's own (appointed, not drawn);
    the rest are experts drawn by specialty, ``seats[code]`` of them from specialty ``code``, with
    ``backups[code]`` in reserve. Money in fen (DESIGN §7).
    """

    size: int
    representatives: int
    seats: Mapping[str, int]
    backups: Mapping[str, int] = field(default_factory=dict)
    government_procurement: bool = False
    #: The procurement budget (预算金额) in fen; needed for government procurement only.
    budget_fen: int | None = None
    #: 87号令 47's "complex technology or high public impact": 7 members whatever the budget.
    complex_or_high_impact: bool = False
    #: The deployment's threshold for 7 members (87号令 47: ¥10M).
    min_size_7_threshold_fen: int = DEFAULT_MIN_SIZE_7_THRESHOLD_FEN

    def __post_init__(self) -> None:
        # Frozen means frozen: a caller's dict changed later must not change the request.
        object.__setattr__(self, "seats", _frozen(self.seats))
        object.__setattr__(self, "backups", _frozen(self.backups))

    @property
    def experts(self) -> int:
        """The members to draw: the size less the tenderer's representatives."""
        return self.size - self.representatives

    def needs_seven(self) -> bool:
        """87号令 47: government procurement at or above the threshold, or complex / high impact."""
        if not self.government_procurement:
            return False
        if self.complex_or_high_impact:
            return True
        return self.budget_fen is not None and self.budget_fen >= self.min_size_7_threshold_fen


def committee_problems(
    request: CommitteeRequest,
    *,
    max_size: int = MAX_COMMITTEE_SIZE,
    max_backups: int = MAX_BACKUPS_PER_SPECIALTY,
    max_specialties: int = MAX_SPECIALTIES,
) -> tuple[CommitteeProblem, ...]:
    """Every rule the request breaks, in the order of the table above; empty when it may be drawn.

    >>> committee_problems(CommitteeRequest(size=5, representatives=1, seats={"A01": 4}))
    ()
    >>> committee_problems(CommitteeRequest(size=6, representatives=1, seats={"A01": 5}))
    (<CommitteeProblem.SIZE_EVEN: 'committee_size_even'>,)
    """
    P = CommitteeProblem
    found: list[CommitteeProblem] = []
    if request.size % 2 == 0:
        found.append(P.SIZE_EVEN)
    if request.size < 5:
        found.append(P.TOO_SMALL)
    if request.size > max_size:
        found.append(P.TOO_LARGE)
    if request.representatives < 0:
        found.append(P.REPRESENTATIVES_NEGATIVE)
    # experts ≥ 2/3 of the members, in integers: 3 × experts ≥ 2 × size.
    elif 3 * request.experts < 2 * request.size:
        found.append(P.EXPERTS_BELOW_TWO_THIRDS)
    if request.government_procurement:
        if request.budget_fen is None:
            if not request.complex_or_high_impact:
                found.append(P.BUDGET_MISSING)
        elif request.budget_fen < 0:
            found.append(P.BUDGET_NEGATIVE)
    if request.needs_seven() and request.size < 7:
        found.append(P.BELOW_SEVEN)
    if not request.seats:
        found.append(P.NO_SPECIALTY)
    if len(request.seats) > max_specialties:
        found.append(P.TOO_MANY_SPECIALTIES)
    if any(not SPECIALTY_CODE.fullmatch(code) for code in [*request.seats, *request.backups]):
        found.append(P.SPECIALTY_CODE_INVALID)
    if any(n < 1 for n in request.seats.values()):
        found.append(P.SEATS_NOT_POSITIVE)
    elif request.seats and sum(request.seats.values()) != request.experts:
        found.append(P.SEATS_MISMATCH)
    if any(n < 0 for n in request.backups.values()):
        found.append(P.BACKUPS_NEGATIVE)
    if any(n > max_backups for n in request.backups.values()):
        found.append(P.BACKUPS_TOO_MANY)
    if set(request.backups) - set(request.seats):
        found.append(P.BACKUPS_UNKNOWN_SPECIALTY)
    return tuple(found)


def validate_committee(
    request: CommitteeRequest,
    *,
    max_size: int = MAX_COMMITTEE_SIZE,
    max_backups: int = MAX_BACKUPS_PER_SPECIALTY,
    max_specialties: int = MAX_SPECIALTIES,
) -> None:
    """Refuse a request that breaks any rule, naming every one (:class:`CommitteeInvalid`, 422)."""
    problems = committee_problems(request, max_size=max_size, max_backups=max_backups, max_specialties=max_specialties)
    if problems:
        raise CommitteeInvalid(problems)


def earliest_draw_time(evaluation_at: datetime, lead: timedelta) -> datetime:
    """The first moment the committee may be drawn: ``lead`` before the evaluation starts (198号 §14/17).

    "No earlier than two working days before" means not sooner than ``evaluation_at − lead``; the
    caller passes the lead its settings and calendar give (two working days, 24 h, 2 h…).

    >>> from datetime import UTC
    >>> earliest_draw_time(datetime(2026, 5, 8, 1, 30, tzinfo=UTC), timedelta(days=2))
    datetime.datetime(2026, 5, 6, 1, 30, tzinfo=datetime.timezone.utc)
    """
    if evaluation_at.tzinfo is None:
        raise ValueError("evaluation_at must be timezone-aware")
    if lead < timedelta(0):
        raise ValueError("the lead time may not be negative")
    return evaluation_at - lead


def check_draw_time(now: datetime, evaluation_at: datetime, lead: timedelta) -> None:
    """Refuse a draw before :func:`earliest_draw_time` (:class:`DrawTooEarly`) or once the evaluation
    has started (:class:`DrawTooLate`); the window is ``[evaluation_at − lead, evaluation_at)``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    earliest = earliest_draw_time(evaluation_at, lead)
    if now < earliest:
        raise DrawTooEarly(
            f"the draw opens at {earliest.isoformat()}",
            f"抽取时间不早于 {earliest.isoformat()}",
            details=[{"earliest": earliest.isoformat(), "evaluation_at": evaluation_at.isoformat()}],
        )
    if now >= evaluation_at:
        raise DrawTooLate(
            f"the evaluation started at {evaluation_at.isoformat()}",
            f"评标已于 {evaluation_at.isoformat()} 开始",
            details=[{"evaluation_at": evaluation_at.isoformat()}],
        )
