"""The written report to the supervisor (书面报告, 法 47; RULES c14 and acceptance check 5;
``docs/awards.md`` §The report to the supervisor): within 15 days of the award notice
(:func:`bidding.awards.rules.supervisor_report_due`) the tenderer or its agent reports how the tender
went. Filed once, while the award is ``awarded`` or ``contracted``; a report filed after its day is
still taken — the platform must have it — but flagged late and audited ``award.report_late``.

The report is kept on the award (``supervisor_report``: text, who, when, the due day and whether it
was late; ``report_filed_at``) and read by the supervisor and the auditor (and the project) with
:func:`report_of`; the supervisor's view of the award shows it. Filing it is one of the three things
an award waits for before it closes (:mod:`bidding.awards.closing`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec

from bidding.audit.trail import content_hash
from bidding.awards.access import AwardForbidden, gate
from bidding.awards.contract import notice_day
from bidding.awards.lifecycle import audit
from bidding.awards.models import Award
from bidding.awards.rules import supervisor_report_due
from bidding.awards.states import AwardRole
from bidding.core.auth.caller import Caller
from bidding.core.clock import china_day
from bidding.core.errors import Conflict, NotFound
from bidding.core.fields import TEXT_PATTERN, Body

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "MAX_REPORT_CHARS",
    "ReportAlreadyFiled",
    "ReportInput",
    "ReportNotFiled",
    "SupervisorReportView",
    "file_report",
    "report_of",
]

#: The longest report accepted (a report on a tender is a few pages).
MAX_REPORT_CHARS: Final = 50_000


class ReportAlreadyFiled(Conflict):
    code = "award_report_filed"
    message_zh = "书面报告已提交"
    message_en = "The written report has been filed already"


class ReportNotFiled(NotFound):
    code = "award_report_not_filed"
    message_zh = "尚未提交书面报告"
    message_en = "No written report has been filed for this award"


class ReportInput(Body, frozen=True):
    """The report's text (法 47)."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_REPORT_CHARS, pattern=TEXT_PATTERN)]


@dataclass(frozen=True)
class SupervisorReportView:
    award_id: uuid.UUID
    state: str
    text: str
    filed_at: datetime
    filed_by: str
    due_on: date
    late: bool
    days_late: int


def _view(a: Award) -> SupervisorReportView:
    report: dict[str, Any] = a.supervisor_report or {}
    assert a.report_filed_at is not None
    return SupervisorReportView(
        award_id=a.id,
        state=a.state.value,
        text=report["text"],
        filed_at=a.report_filed_at,
        filed_by=report["by"],
        due_on=date.fromisoformat(report["due_on"]),
        late=bool(report.get("late")),
        days_late=int(report.get("days_late", 0)),
    )


async def file_report(
    platform: Platform, caller: Caller, award_id: uuid.UUID, data: ReportInput
) -> SupervisorReportView:
    """The tenderer or agent files the written report to the supervisor (法 47), once."""
    now = platform.clock.now()
    async with platform.sessions() as s, s.begin():
        seat = await gate(s, caller, award_id, "file_report", for_update=True)
        a = seat.award
        if a.report_filed_at is not None:
            raise ReportAlreadyFiled(f"filed at {a.report_filed_at.isoformat()}", f"已于 {a.report_filed_at} 提交")
        due = a.report_due_on or supervisor_report_due(notice_day(a))
        days_late = max(0, (china_day(now) - due).days)
        text = data.text.strip()
        a.supervisor_report = {
            "text": text,
            "by": caller.actor.id,
            "role": seat.role.value,
            "organization": str(caller.organization_id) if caller.organization_id else None,
            "due_on": due.isoformat(),
            "late": days_late > 0,
            "days_late": days_late,
        }
        a.report_filed_at = a.updated_at = now
        audit(s, caller.actor, a, "report_filed", sha256=content_hash({"text": text}), due_on=due.isoformat())
        if days_late:
            audit(s, caller.actor, a, "report_late", due_on=due.isoformat(), days_late=days_late, article="法47")
        await s.flush()
        return _view(a)


async def report_of(platform: Platform, caller: Caller, award_id: uuid.UUID) -> SupervisorReportView:
    """The report as filed: for the supervisor, the auditor and the project."""
    async with platform.sessions() as s:
        seat = await gate(s, caller, award_id, "view_announcements")
        if seat.role not in (AwardRole.SUPERVISOR, AwardRole.TENDERER, AwardRole.AGENT):
            raise AwardForbidden("the report is for the supervisor and the project", "书面报告仅限监督部门和项目查阅")
        if seat.award.report_filed_at is None:
            raise ReportNotFiled()
        return _view(seat.award)
