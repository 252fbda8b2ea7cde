"""Projects (项目) and lots (标段): categories, recorded status and the phase that follows the clock.

The *status* is what people recorded (published, cancelled, …); the *phase* is what the project is
in right now, derived from the status and the schedule, so that every endpoint can enforce it
whether or not a scheduled job has fired yet.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

#: 《招标投标法实施条例》第二十六条: the deposit may not exceed 2 % of the estimated price.
MAX_DEPOSIT_RATIO_NUM, MAX_DEPOSIT_RATIO_DEN = 2, 100


class Category(enum.StrEnum):
    WORKS = "works"  # 工程
    GOODS = "goods"  # 货物
    SERVICES = "services"  # 服务


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    EVALUATION = "evaluation"
    AWARDED = "awarded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Phase(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # announced; documents not yet available
    TENDERING = "tendering"  # documents available, bids accepted until the deadline
    OPENING = "opening"  # deadline passed: opening session
    EVALUATION = "evaluation"
    AWARDED = "awarded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_PHASES = {
    ProjectStatus.DRAFT: Phase.DRAFT,
    ProjectStatus.EVALUATION: Phase.EVALUATION,
    ProjectStatus.AWARDED: Phase.AWARDED,
    ProjectStatus.FAILED: Phase.FAILED,
    ProjectStatus.CANCELLED: Phase.CANCELLED,
}
"""Recorded statuses that fix the phase whatever the clock says."""


def project_phase(
    status: ProjectStatus,
    *,
    tender_start_at: datetime | None,
    bid_deadlines: Iterable[datetime],
    now: datetime,
) -> Phase:
    """The phase of a project at ``now``: recorded outcomes win, otherwise the schedule decides."""
    if status in TERMINAL_PHASES:
        return TERMINAL_PHASES[status]
    if tender_start_at is not None and now < tender_start_at:
        return Phase.PUBLISHED
    deadlines = list(bid_deadlines)
    if not deadlines or now < min(deadlines):
        return Phase.TENDERING
    return Phase.OPENING


def deposit_allowed(deposit_fen: int, estimated_price_fen: int) -> bool:
    """True if the deposit is at most 2 % of the estimate (exact integer arithmetic on fen)."""
    return deposit_fen >= 0 and deposit_fen * MAX_DEPOSIT_RATIO_DEN <= estimated_price_fen * MAX_DEPOSIT_RATIO_NUM


def lot_phase(
    status: ProjectStatus, *, tender_start_at: datetime | None, bid_deadline: datetime | None, now: datetime
) -> Phase:
    """The phase of one lot: like :func:`project_phase`, with the lot's own deadline (= its opening)."""
    deadlines = [bid_deadline] if bid_deadline is not None else []
    return project_phase(status, tender_start_at=tender_start_at, bid_deadlines=deadlines, now=now)
