"""Who may be drawn: the recusal rules (回避) as a pure function (issue 19; RULES b3, b4, b4b).

:func:`exclusions` gives the reasons one :class:`Candidate` may not sit on the committee of one
:class:`DrawContext`; an empty set means eligible. :func:`split_pool` applies it to a whole pool and
gives the eligible experts per requested specialty (the draw's snapshot, ``bidding.experts.draw``)
and the excluded ones with their reasons (shown to the supervisor only, RULES b8 and acceptance
check (b) 1). No database, no clock: the service loads the pool and passes the moment in.

========================  ========================================================================  ===============
reason                    the expert is excluded when                                              article
========================  ========================================================================  ===============
employer_is_tenderer      employed by the tenderer (the purchaser)                                 规定 12, 条例 46
employer_is_bidder        employed by a bidder of the lot (known after the deadline)               规定 12; 198号 §16
employer_is_agent         employed by the tender agent                                             规定 12, 条例 46
employer_is_supervisor    employed by the competent or supervising department; supervisors never   规定 12, 条例 46
                          sit on what they supervise
conflict_tenderer         has declared the tenderer a conflict (kin, interest, past ties…)        规定 12
conflict_bidder           has declared a bidder a conflict (kin of its principal, economic         规定 12; 198号 §16
                          interest, directorship or control)
conflict_agent            has declared the agent a conflict                                        规定 12
conflict_supervisor       has declared a supervising body a conflict                               规定 12
                          (declared conflicts include past employers within 3 years, 198号 §16)
past_penalty              was penalised for tender-related wrongdoing                              规定 12
suspended                 suspended, and the suspension's last day is not before the evaluation's  pool status
                          first day (26号令 penalties)
retired                   retired from the pool                                                    pool status
unavailable               has declared a day of the evaluation unavailable                         availability
                                                                                                   calendar
draw_limit                already drawn as often as the period allows                              pool setting
region_excluded           works in a region the request excludes                                   26号令 (remote,
                                                                                                   cross-region)
region_not_included       works outside every region the request includes                         26号令
no_specialty              holds none of the requested specialties                                  条例 46–47,
                                                                                                   规定 10
========================  ========================================================================  ===============

Credit codes are compared as given (the service passes the 18-character unified social credit
codes it stores, upper case). Region codes are GB/T 2260 division codes compared by ancestry:
trailing ``00`` pairs of a 6-digit code are dropped (``320000`` Jiangsu → ``32``, ``320100`` Nanjing →
``3201``), then a region is within an area when it starts with it. Specialty codes form a tree whose
levels have fixed widths (``A`` works → ``A01`` → ``A0101``): an expert of ``A0101`` serves a request for
``A01``, never the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "LOCAL_TIME",
    "Candidate",
    "DrawContext",
    "Exclusion",
    "ExpertStatus",
    "PoolSplit",
    "Unavailable",
    "exclusions",
    "holds_specialty",
    "region_within",
    "served_specialties",
    "split_pool",
]

#: Dates of the availability calendar are the experts' own: China's.
LOCAL_TIME: Final = ZoneInfo("Asia/Shanghai")


class ExpertStatus(StrEnum):
    """The pool's statuses, the same values as ``bidding.experts.pool_rules.ExpertStatus`` (not imported:
    this module stays free of everything but the standard library)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class Exclusion(StrEnum):
    """Why an expert may not be drawn; the value is the code recorded and shown to the supervisor."""

    EMPLOYER_IS_TENDERER = "employer_is_tenderer"
    EMPLOYER_IS_BIDDER = "employer_is_bidder"
    EMPLOYER_IS_AGENT = "employer_is_agent"
    EMPLOYER_IS_SUPERVISOR = "employer_is_supervisor"
    CONFLICT_TENDERER = "conflict_tenderer"
    CONFLICT_BIDDER = "conflict_bidder"
    CONFLICT_AGENT = "conflict_agent"
    CONFLICT_SUPERVISOR = "conflict_supervisor"
    PAST_PENALTY = "past_penalty"
    SUSPENDED = "suspended"
    RETIRED = "retired"
    UNAVAILABLE = "unavailable"
    DRAW_LIMIT = "draw_limit"
    REGION_EXCLUDED = "region_excluded"
    REGION_NOT_INCLUDED = "region_not_included"
    NO_SPECIALTY = "no_specialty"


@dataclass(frozen=True)
class Unavailable:
    """Days the expert declared unavailable, ``first`` to ``last`` inclusive, in China's calendar."""

    first: date
    last: date


@dataclass(frozen=True)
class Candidate:
    """One expert of the pool as the recusal rules see them (no name: ``expert_id`` is opaque)."""

    expert_id: str
    specialties: frozenset[str]
    region: str
    #: The current employer's credit code; None for the self-employed and the retired-from-work.
    employer: str | None = None
    #: Organisations (credit codes) the expert declared they must never evaluate: kin's companies,
    #: business interests, past employers within three years (规定 12, 198号 §16).
    conflicts: frozenset[str] = frozenset()
    status: ExpertStatus = ExpertStatus.ACTIVE
    #: A suspension's last day (inclusive, China's calendar); None while suspended: until lifted.
    suspended_until: date | None = None
    past_penalty: bool = False
    unavailable: tuple[Unavailable, ...] = ()
    #: Times drawn in the current period (the count the service keeps).
    draws_in_period: int = 0


@dataclass(frozen=True)
class DrawContext:
    """The draw being made: who is involved (credit codes), when, where, and the pool's limits."""

    tenderer: str
    #: The evaluation's start (timezone-aware); it ends at ``evaluation_end`` (default: the same day).
    evaluation_at: datetime
    agent: str | None = None
    #: The competent and supervising departments of the project.
    supervisors: frozenset[str] = frozenset()
    #: The lot's bidders: known after the bid deadline; empty before.
    bidders: frozenset[str] = frozenset()
    evaluation_end: datetime | None = None
    #: Region areas (GB/T 2260) to draw from; empty means everywhere.
    regions_included: frozenset[str] = frozenset()
    regions_excluded: frozenset[str] = frozenset()
    #: At most this many draws per period (None: no limit).
    max_draws_per_period: int | None = None

    def __post_init__(self) -> None:
        if self.evaluation_at.tzinfo is None:
            raise ValueError("evaluation_at must be timezone-aware")
        if self.evaluation_end is not None and self.evaluation_end < self.evaluation_at:
            raise ValueError("evaluation_end may not precede evaluation_at")

    def evaluation_days(self) -> tuple[date, date]:
        """The first and last local day the evaluation covers."""
        end = self.evaluation_end or self.evaluation_at
        return self.evaluation_at.astimezone(LOCAL_TIME).date(), end.astimezone(LOCAL_TIME).date()


def _area(code: str) -> str:
    # GB/T 2260: PP CC DD; a 6-digit code's trailing "00" pairs name the enclosing level.
    if len(code) == 6 and code.isdigit():
        while code.endswith("00"):
            code = code[:-2]
    return code


def region_within(region: str, area: str) -> bool:
    """Whether ``region`` lies in ``area`` (GB/T 2260 by ancestry; other codes by prefix).

    >>> region_within("320102", "320100"), region_within("320102", "320000"), region_within("320102", "330000")
    (True, True, False)
    """
    return _area(region).startswith(_area(area))


def holds_specialty(specialties: Iterable[str], requested: str) -> bool:
    """Whether an expert of these specialty codes serves ``requested`` (the code or a descendant)."""
    return any(code.startswith(requested) for code in specialties)


def exclusions(candidate: Candidate, context: DrawContext, requested: Iterable[str]) -> frozenset[Exclusion]:
    """Every reason ``candidate`` may not sit for ``context`` when ``requested`` specialties are drawn.

    Empty set: eligible. The rules and their articles are the module's table; all are checked,
    so the supervisor sees every reason, not the first.
    """
    rules = _Rules(context, requested)
    return rules.reasons(candidate, bool(rules.served(candidate.specialties)))


def served_specialties(specialties: Iterable[str], requested: frozenset[str]) -> list[str]:
    """The requested codes an expert of ``specialties`` serves, sorted: each code's own prefixes looked
    up in ``requested`` (one set look-up per character, not one comparison per requested code)."""
    served = {code[:n] for code in specialties for n in range(1, len(code) + 1)} & requested
    return sorted(served)


_NONE: Final[frozenset[Exclusion]] = frozenset()


class _Rules:
    """The rules of one draw, prepared once for a whole pool: the evaluation's days, the region
    verdicts memoised per region code (a pool has a few hundred), the requested codes as a tuple
    for one C-level ``str.startswith`` per specialty."""

    def __init__(self, context: DrawContext, requested: Iterable[str]) -> None:
        self.context = context
        self.codes = frozenset(requested)
        self._prefixes = tuple(self.codes)
        self._lengths = tuple(sorted({len(code) for code in self.codes}))
        self.first, self.last = context.evaluation_days()
        self._excluded = tuple(_area(a) for a in context.regions_excluded)
        self._included = tuple(_area(a) for a in context.regions_included)
        self._regions: dict[str, tuple[Exclusion, ...]] = {}

    def served(self, specialties: frozenset[str]) -> list[str]:
        # Few requested codes (a committee): one C-level startswith rejects most of the pool at once.
        if len(self._prefixes) <= 8 and not any(code.startswith(self._prefixes) for code in specialties):
            return []
        # Only the prefixes as long as some requested code (served_specialties, fewer slices).
        return sorted({code[:n] for code in specialties for n in self._lengths} & self.codes)

    def region(self, region: str) -> tuple[Exclusion, ...]:
        verdict = self._regions.get(region)
        if verdict is None:
            area = _area(region)
            found = []
            if self._excluded and area.startswith(self._excluded):
                found.append(Exclusion.REGION_EXCLUDED)
            if self._included and not area.startswith(self._included):
                found.append(Exclusion.REGION_NOT_INCLUDED)
            verdict = self._regions[region] = tuple(found)
        return verdict

    def reasons(self, candidate: Candidate, serves: bool) -> frozenset[Exclusion]:
        E = Exclusion
        context = self.context
        found: list[Exclusion] = []
        employer = candidate.employer
        if employer is not None:
            if employer == context.tenderer:
                found.append(E.EMPLOYER_IS_TENDERER)
            if employer in context.bidders:
                found.append(E.EMPLOYER_IS_BIDDER)
            if employer == context.agent:
                found.append(E.EMPLOYER_IS_AGENT)
            if employer in context.supervisors:
                found.append(E.EMPLOYER_IS_SUPERVISOR)
        conflicts = candidate.conflicts
        if conflicts:
            if context.tenderer in conflicts:
                found.append(E.CONFLICT_TENDERER)
            if not conflicts.isdisjoint(context.bidders):
                found.append(E.CONFLICT_BIDDER)
            if context.agent is not None and context.agent in conflicts:
                found.append(E.CONFLICT_AGENT)
            if not conflicts.isdisjoint(context.supervisors):
                found.append(E.CONFLICT_SUPERVISOR)
        if candidate.past_penalty:
            found.append(E.PAST_PENALTY)
        if candidate.status is ExpertStatus.RETIRED:
            found.append(E.RETIRED)
        elif candidate.status is ExpertStatus.SUSPENDED and (
            # Drawn again only once the suspension's last day is past when the evaluation starts.
            candidate.suspended_until is None or candidate.suspended_until >= self.first
        ):
            found.append(E.SUSPENDED)
        if candidate.unavailable and any(u.first <= self.last and self.first <= u.last for u in candidate.unavailable):
            found.append(E.UNAVAILABLE)
        if context.max_draws_per_period is not None and candidate.draws_in_period >= context.max_draws_per_period:
            found.append(E.DRAW_LIMIT)
        found += self.region(candidate.region)
        if not serves:
            found.append(E.NO_SPECIALTY)
        return frozenset(found) if found else _NONE


@dataclass(frozen=True)
class PoolSplit:
    """A pool split for one draw.

    ``eligible``: per requested specialty, the ids that may be drawn, sorted (the draw's snapshot;
    an expert of several requested specialties appears under each). ``excluded``: the experts who
    hold a requested specialty but are excluded, with every reason. ``outside``: how many hold
    none of the requested specialties (not listed: they were never candidates for this draw).
    """

    eligible: Mapping[str, tuple[str, ...]]
    excluded: Mapping[str, frozenset[Exclusion]]
    outside: int


def split_pool(candidates: Iterable[Candidate], context: DrawContext, requested: Iterable[str]) -> PoolSplit:
    """Apply :func:`exclusions` to every candidate; raise ValueError on a duplicate expert id."""
    rules = _Rules(context, requested)
    eligible: dict[str, list[str]] = {code: [] for code in sorted(rules.codes)}
    excluded: dict[str, frozenset[Exclusion]] = {}
    seen: set[str] = set()
    outside = 0
    for candidate in candidates:
        if candidate.expert_id in seen:
            raise ValueError(f"expert {candidate.expert_id!r} appears twice in the pool")
        seen.add(candidate.expert_id)
        served = rules.served(candidate.specialties)
        if not served:
            outside += 1
            continue
        reasons = rules.reasons(candidate, True)
        if reasons:
            excluded[candidate.expert_id] = reasons
        else:
            for code in served:
                eligible[code].append(candidate.expert_id)
    return PoolSplit(
        eligible=MappingProxyType({code: tuple(sorted(ids)) for code, ids in eligible.items()}),
        excluded=MappingProxyType(excluded),
        outside=outside,
    )
