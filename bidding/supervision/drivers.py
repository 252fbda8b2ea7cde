"""Which domain events start and stop which statutory clock (issue 24 "Clocks"; RULES d): a table
from the audit trail's actions to clock commands. Pure: the tracker (:mod:`bidding.supervision.
tracking`) reads the audit events and applies what this module says of each.

The platform's record of every operation (办法 14) is the audit trail, so supervision listens to it
rather than to calls from each capability: a capability knows nothing of supervision, and a clock
can be rebuilt from the trail at any time.

==================================  =============================================  ==========================
audit action                        starts                                         stops
==================================  =============================================  ==========================
``award.opened`` (report final)     candidate_publicity (agent); government        —
                                    procurement: gp_purchaser_choice (purchaser)
``award.publicity_published``       —                                              candidate_publicity
``award.objection_raised``          publicity_objection_answer on the objection    —
``award.objection_answered``        —                                              publicity_objection_answer
``award.chosen``                    government procurement: gp_award_notice        gp_purchaser_choice
``award.deemed``                    —                                              gp_purchaser_choice
``award.notices_sent``              contract (gp_contract); supervisor_report      gp_award_notice
                                    (not government procurement)
``award.contract_uploaded``         —                                              contract, gp_contract
``award.report_filed``              —                                              supervisor_report
``award.complaint_filed``           complaint_acceptance (supervisor)              —
``award.complaint_accepted``        complaint_decision (supervisor)                complaint_acceptance
``award.complaint_refused``         —                                              complaint_acceptance
``award.complaint_decided``         —                                              complaint_decision
``award.state`` → failed,           —                                              every clock of the award
terminated                                                                         (cancelled: no duty left)
``deposit.refund_decided``          deposit_refund on the refund (platform), due   —
                                    the day the deposits' own rules gave
``deposit.refund_closed``           —                                              deposit_refund
==================================  =============================================  ==========================

The clocks before the opening are guards, not duties: the platform refuses the step that would break
them where it takes it (the bid period and the 15 days of an amendment:
:mod:`bidding.tendering.rules.schedule`), so no alert is needed for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from bidding.supervision.clocks import ClockKind, Party

__all__ = ["ACTIONS", "Cancel", "Command", "Event", "Start", "Stop", "Whom", "commands"]


class Whom(StrEnum):
    """The organisation that answers for a clock, as the tracker finds it."""

    PROJECT_AGENT = "project_agent"  # the agent running the project (projects.agent_id)
    PROJECT_TENDERER = "project_tenderer"  # the tenderer / purchaser (projects.tenderer_id)
    SUPERVISION = "supervision"  # the supervision office: any supervisor organisation
    CENTRE = "centre"  # the trading centre running the platform (it holds the deposits)


@dataclass(frozen=True, slots=True)
class Event:
    """What a driver reads of one audit event."""

    id: int
    action: str
    object_type: str
    object_id: str | None
    occurred_at: datetime
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Start:
    """Start ``kind`` on a subject at ``at`` (once: a clock already running on it stays as it is)."""

    kind: ClockKind
    subject_type: str
    subject_id: str
    #: None: the lot's project (the tracker looks it up).
    project_id: uuid.UUID | None
    lot_id: uuid.UUID | None
    at: datetime
    responsible: Party
    whom: Whom
    #: The last day the event itself states (the deposits' refund due day), instead of counting it.
    due_on: date | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stop:
    """The duty of ``kind`` on a subject was done at ``at``."""

    kind: ClockKind
    subject_type: str
    subject_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Cancel:
    """Every running clock of an award falls away (the award failed or was terminated)."""

    award_id: str
    project_id: uuid.UUID
    at: datetime


Command = Start | Stop | Cancel


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _award(e: Event, gp: bool) -> list[Command]:
    """The award's events (object: the award; details carry its lot and project)."""
    project, lot, award = _uuid(e.details.get("project")), _uuid(e.details.get("lot")), e.object_id
    if project is None or award is None:
        return []
    at = e.occurred_at
    mine = {"award": award}

    def start(kind: ClockKind, party: Party, whom: Whom, subject: tuple[str, str] = ("award", award)) -> Start:
        return Start(kind, subject[0], subject[1], project, lot, at, party, whom, details=mine)

    def stop(kind: ClockKind, subject: tuple[str, str] = ("award", award)) -> Stop:
        return Stop(kind, subject[0], subject[1], at)

    action = e.action.removeprefix("award.")
    objection = ("objection", str(e.details.get("objection")))
    complaint = ("complaint", str(e.details.get("complaint")))
    if action == "opened":
        if gp:
            return [start(ClockKind.GP_PURCHASER_CHOICE, Party.PURCHASER, Whom.PROJECT_TENDERER)]
        return [start(ClockKind.CANDIDATE_PUBLICITY, Party.AGENT, Whom.PROJECT_AGENT)]
    if action == "publicity_published":
        return [stop(ClockKind.CANDIDATE_PUBLICITY)]
    if action == "objection_raised":
        return [start(ClockKind.PUBLICITY_OBJECTION_ANSWER, Party.AGENT, Whom.PROJECT_AGENT, objection)]
    if action == "objection_answered":
        return [stop(ClockKind.PUBLICITY_OBJECTION_ANSWER, objection)]
    if action == "chosen":
        chosen: list[Command] = [stop(ClockKind.GP_PURCHASER_CHOICE)]
        if gp:
            chosen.append(start(ClockKind.GP_AWARD_NOTICE, Party.AGENT, Whom.PROJECT_AGENT))
        return chosen
    if action == "deemed":
        return [stop(ClockKind.GP_PURCHASER_CHOICE)]
    if action == "notices_sent":
        if gp:
            return [stop(ClockKind.GP_AWARD_NOTICE), start(ClockKind.GP_CONTRACT, Party.AGENT, Whom.PROJECT_AGENT)]
        return [
            start(ClockKind.CONTRACT, Party.AGENT, Whom.PROJECT_AGENT),
            start(ClockKind.SUPERVISOR_REPORT, Party.AGENT, Whom.PROJECT_AGENT),
        ]
    if action == "contract_uploaded":
        return [stop(ClockKind.CONTRACT), stop(ClockKind.GP_CONTRACT)]
    if action == "report_filed":
        return [stop(ClockKind.SUPERVISOR_REPORT)]
    if action == "complaint_filed":
        return [start(ClockKind.COMPLAINT_ACCEPTANCE, Party.SUPERVISOR, Whom.SUPERVISION, complaint)]
    if action == "complaint_accepted":
        return [
            stop(ClockKind.COMPLAINT_ACCEPTANCE, complaint),
            start(ClockKind.COMPLAINT_DECISION, Party.SUPERVISOR, Whom.SUPERVISION, complaint),
        ]
    if action == "complaint_refused":
        return [stop(ClockKind.COMPLAINT_ACCEPTANCE, complaint)]
    if action == "complaint_decided":
        return [stop(ClockKind.COMPLAINT_DECISION, complaint)]
    if action == "state" and e.details.get("after") in ("failed", "terminated"):
        return [Cancel(award, project, at)]
    return []


def _deposit(e: Event, gp: bool) -> list[Command]:
    """A refund's clock (条例 57, 35; 政采条例 33): due the day the deposits' rules gave it."""
    if e.action == "deposit.refund_closed" and e.object_id:
        return [
            Stop(ClockKind.DEPOSIT_REFUND, "deposit_refund", e.object_id, e.occurred_at),
            Stop(ClockKind.GP_DEPOSIT_REFUND, "deposit_refund", e.object_id, e.occurred_at),
        ]
    refund, lot, due_on = e.details.get("refund"), _uuid(e.object_id), e.details.get("due_on")
    project = _uuid(e.details.get("project"))
    if e.action != "deposit.refund_decided" or not refund or lot is None or not isinstance(due_on, str):
        return []
    try:
        last_day = date.fromisoformat(due_on)
    except ValueError:
        return []
    kind = ClockKind.GP_DEPOSIT_REFUND if gp else ClockKind.DEPOSIT_REFUND
    details = {"lot": str(lot), "organization": e.details.get("organization"), "trigger": e.details.get("trigger")}
    return [
        Start(
            kind,
            "deposit_refund",
            str(refund),
            project,
            lot,
            e.occurred_at,
            Party.PLATFORM,
            Whom.CENTRE,
            due_on=last_day,
            details=details,
        )
    ]


_DRIVERS: Final[Mapping[str, Callable[[Event, bool], list[Command]]]] = {
    **{
        f"award.{name}": _award
        for name in (
            "opened",
            "publicity_published",
            "objection_raised",
            "objection_answered",
            "chosen",
            "deemed",
            "notices_sent",
            "contract_uploaded",
            "report_filed",
            "complaint_filed",
            "complaint_accepted",
            "complaint_refused",
            "complaint_decided",
            "state",
        )
    },
    "deposit.refund_decided": _deposit,
    "deposit.refund_closed": _deposit,
}

#: Every audit action a clock listens to (the tracker reads only these).
ACTIONS: Final = frozenset(_DRIVERS)


def commands(event: Event, *, government_procurement: bool = False) -> list[Command]:
    """What ``event`` does to the clocks. ``government_procurement``: the event's award (or lot) is
    under the 87号令 rules (the tracker reads it from the award)."""
    driver = _DRIVERS.get(event.action)
    return driver(event, government_procurement) if driver is not None else []
