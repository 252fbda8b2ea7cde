"""Which audit event starts and stops which clock (bidding.supervision.drivers; docs/supervision.md
§Clocks): every row of the module's table, the government procurement variants, and events that
carry no usable subject."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bidding.supervision.clocks import ClockKind, Party
from bidding.supervision.drivers import ACTIONS, Cancel, Event, Start, Stop, Whom, commands

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PROJECT, LOT, AWARD = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
OBJECTION, COMPLAINT = uuid.uuid4(), uuid.uuid4()


def award_event(action: str, **details: Any) -> Event:
    return Event(1, f"award.{action}", "award", str(AWARD), AT, {"project": str(PROJECT), "lot": str(LOT), **details})


def kinds(result: list[Any], of: type) -> list[tuple[ClockKind, str, str]]:
    return [(c.kind, c.subject_type, c.subject_id) for c in result if isinstance(c, of)]


def test_the_final_report_starts_the_publicity_clock_for_the_agent() -> None:
    [start] = commands(award_event("opened"))
    assert isinstance(start, Start)
    assert (start.kind, start.subject_type, start.subject_id) == (ClockKind.CANDIDATE_PUBLICITY, "award", str(AWARD))
    assert (start.project_id, start.lot_id, start.at) == (PROJECT, LOT, AT)
    assert (start.responsible, start.whom) == (Party.AGENT, Whom.PROJECT_AGENT)
    assert start.details == {"award": str(AWARD)}
    assert kinds(commands(award_event("publicity_published")), Stop) == [
        (ClockKind.CANDIDATE_PUBLICITY, "award", str(AWARD))
    ]


def test_government_procurement_has_no_publicity_but_the_purchasers_choice_and_the_notice() -> None:
    [start] = commands(award_event("opened"), government_procurement=True)
    assert isinstance(start, Start)
    assert (start.kind, start.responsible, start.whom) == (
        ClockKind.GP_PURCHASER_CHOICE,
        Party.PURCHASER,
        Whom.PROJECT_TENDERER,
    )
    chosen = commands(award_event("chosen"), government_procurement=True)
    assert kinds(chosen, Stop) == [(ClockKind.GP_PURCHASER_CHOICE, "award", str(AWARD))]
    assert kinds(chosen, Start) == [(ClockKind.GP_AWARD_NOTICE, "award", str(AWARD))]
    assert kinds(commands(award_event("chosen")), Start) == []  # not government procurement: no 2-WD notice clock
    assert kinds(commands(award_event("deemed"), government_procurement=True), Stop) == [
        (ClockKind.GP_PURCHASER_CHOICE, "award", str(AWARD))
    ]
    sent = commands(award_event("notices_sent"), government_procurement=True)
    assert kinds(sent, Stop) == [(ClockKind.GP_AWARD_NOTICE, "award", str(AWARD))]
    assert kinds(sent, Start) == [(ClockKind.GP_CONTRACT, "award", str(AWARD))]


def test_the_notices_start_the_contract_and_the_report_which_their_uploads_stop() -> None:
    sent = commands(award_event("notices_sent"))
    assert kinds(sent, Start) == [
        (ClockKind.CONTRACT, "award", str(AWARD)),
        (ClockKind.SUPERVISOR_REPORT, "award", str(AWARD)),
    ]
    assert {k for k, _, _ in kinds(commands(award_event("contract_uploaded")), Stop)} == {
        ClockKind.CONTRACT,
        ClockKind.GP_CONTRACT,
    }
    assert kinds(commands(award_event("report_filed")), Stop) == [(ClockKind.SUPERVISOR_REPORT, "award", str(AWARD))]


def test_objections_and_complaints_run_on_their_own_subject() -> None:
    raised = commands(award_event("objection_raised", objection=str(OBJECTION)))
    assert kinds(raised, Start) == [(ClockKind.PUBLICITY_OBJECTION_ANSWER, "objection", str(OBJECTION))]
    answered = commands(award_event("objection_answered", objection=str(OBJECTION)))
    assert kinds(answered, Stop) == [(ClockKind.PUBLICITY_OBJECTION_ANSWER, "objection", str(OBJECTION))]

    filed = commands(award_event("complaint_filed", complaint=str(COMPLAINT)))
    [start] = filed
    assert isinstance(start, Start)
    assert (start.kind, start.responsible, start.whom) == (
        ClockKind.COMPLAINT_ACCEPTANCE,
        Party.SUPERVISOR,
        Whom.SUPERVISION,
    )
    accepted = commands(award_event("complaint_accepted", complaint=str(COMPLAINT)))
    assert kinds(accepted, Stop) == [(ClockKind.COMPLAINT_ACCEPTANCE, "complaint", str(COMPLAINT))]
    assert kinds(accepted, Start) == [(ClockKind.COMPLAINT_DECISION, "complaint", str(COMPLAINT))]
    assert kinds(commands(award_event("complaint_refused", complaint=str(COMPLAINT))), Stop) == [
        (ClockKind.COMPLAINT_ACCEPTANCE, "complaint", str(COMPLAINT))
    ]
    assert kinds(commands(award_event("complaint_decided", complaint=str(COMPLAINT))), Stop) == [
        (ClockKind.COMPLAINT_DECISION, "complaint", str(COMPLAINT))
    ]


@pytest.mark.parametrize(("after", "cancels"), [("failed", True), ("terminated", True), ("publicity", False)])
def test_a_failed_or_terminated_award_cancels_its_clocks(after: str, cancels: bool) -> None:
    result = commands(award_event("state", before="reported", after=after))
    assert result == ([Cancel(str(AWARD), PROJECT, AT)] if cancels else [])


def test_a_refund_runs_to_the_day_the_deposits_gave_it() -> None:
    refund = str(uuid.uuid4())
    decided = Event(
        2,
        "deposit.refund_decided",
        "lot",
        str(LOT),
        AT,
        {"refund": refund, "due_on": "2026-03-09", "trigger": "contract", "organization": str(uuid.uuid4())},
    )
    [start] = commands(decided)
    assert isinstance(start, Start)
    assert (start.kind, start.subject_type, start.subject_id) == (ClockKind.DEPOSIT_REFUND, "deposit_refund", refund)
    assert (start.project_id, start.lot_id, start.due_on) == (None, LOT, date(2026, 3, 9))
    assert (start.responsible, start.whom) == (Party.PLATFORM, Whom.CENTRE)
    assert commands(decided, government_procurement=True)[0].kind is ClockKind.GP_DEPOSIT_REFUND  # type: ignore[union-attr]
    closed = commands(Event(3, "deposit.refund_closed", "deposit_refund", refund, AT, {}))
    assert {c.kind for c in closed} == {ClockKind.DEPOSIT_REFUND, ClockKind.GP_DEPOSIT_REFUND}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "event",
    [
        Event(1, "award.opened", "award", str(AWARD), AT, {}),  # no project
        Event(1, "award.opened", "award", str(AWARD), AT, {"project": "not-a-uuid"}),
        Event(1, "deposit.refund_decided", "lot", str(LOT), AT, {"refund": "r", "due_on": "soon"}),
        Event(1, "deposit.refund_decided", "lot", "nope", AT, {"refund": "r", "due_on": "2026-03-09"}),
        Event(1, "project.created", "project", str(PROJECT), AT, {}),  # no clock listens
    ],
)
def test_events_without_a_usable_subject_do_nothing(event: Event) -> None:
    assert commands(event) == []


def test_the_tracker_reads_only_the_actions_a_driver_listens_to() -> None:
    assert "award.opened" in ACTIONS and "deposit.refund_closed" in ACTIONS
    assert not any(a.startswith("supervision.") for a in ACTIONS)  # its own events never drive a clock
