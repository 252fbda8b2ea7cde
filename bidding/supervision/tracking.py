"""The clocks' tracker: reads the audit trail after its cursor and starts, stops and cancels the
clocks the events call for (:mod:`bidding.supervision.drivers`).

**Exactly once, whatever the order of commits.** An audit event's id is given when it is written,
not when its transaction commits, so a row with a smaller id can appear after the cursor has passed
it. Each pass therefore reads the events after the cursor **and** every event of the last
:data:`LOOKBACK` again; every command is idempotent (a clock is started once per kind and subject,
stopped once), so reading an event twice changes nothing. Passes are serialised by the cursor row's
lock (several app or worker processes may run the watch).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import AuditEvent
from bidding.audit.trail import record
from bidding.awards.models import Award
from bidding.awards.rules import CHINA
from bidding.core.actor import Actor
from bidding.core.holidays import deployment_calendar
from bidding.identity.models import Organization
from bidding.supervision import drivers, moments
from bidding.supervision.clocks import CLOCK_RULES, due
from bidding.supervision.drivers import Cancel, Event, Start, Stop, Whom
from bidding.supervision.models import SupervisionClock, SupervisionCursor
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform
    from bidding.core.settings import Settings

__all__ = ["ACTOR", "LOOKBACK", "track"]

log = logging.getLogger(__name__)

#: Events of the last 10 minutes are read again each pass (a late commit is still seen).
LOOKBACK: Final = timedelta(minutes=10)
#: The most events one pass reads after the cursor (the next pass goes on).
BATCH: Final = 5_000
ACTOR: Final = Actor.system("supervision")


async def _cursor(session: AsyncSession) -> SupervisionCursor:
    cursor = await session.get(SupervisionCursor, 1, with_for_update=True)
    if cursor is None:
        session.add(SupervisionCursor(id=1, last_event_id=0))
        await session.flush()
        cursor = await session.get(SupervisionCursor, 1, with_for_update=True)
        assert cursor is not None
    return cursor


async def _events(session: AsyncSession, after: int, since: datetime) -> Sequence[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(drivers.ACTIONS))
        .where(or_(AuditEvent.id > after, AuditEvent.occurred_at >= since))
        .order_by(AuditEvent.id)
        .limit(BATCH)
    )
    return rows.all()


async def _government_procurement(session: AsyncSession, event: AuditEvent) -> bool:
    if event.object_type == "award" and event.object_id:
        try:
            award_id = uuid.UUID(event.object_id)
        except ValueError:
            return False
        gp = await session.scalar(select(Award.government_procurement).where(Award.id == award_id))
        return bool(gp)
    if event.object_type == "lot" and event.object_id:  # a refund: the lot's award, if it has one
        try:
            lot_id = uuid.UUID(event.object_id)
        except ValueError:
            return False
        gp = await session.scalar(select(Award.government_procurement).where(Award.lot_id == lot_id))
        return bool(gp)
    return False


async def _responsible(session: AsyncSession, whom: Whom, project: Project) -> tuple[uuid.UUID | None, str | None]:
    """(organisation, person) answering for a clock on ``project``: the person is the agent's user
    who created the project (its ``project.created`` event), where the clock is the agent's."""
    if whom is Whom.PROJECT_AGENT:
        person = await session.scalar(
            select(AuditEvent.actor)
            .where(
                AuditEvent.object_type == "project",  # the (object_type, object_id) index
                AuditEvent.object_id == str(project.id),
                AuditEvent.action == "project.created",
            )
            .order_by(AuditEvent.id)
            .limit(1)
        )
        # a person: the user of a certificate login (a project the platform made has none)
        return project.agent_id, person if person and person.startswith("cert:") else None
    if whom is Whom.PROJECT_TENDERER:
        return project.tenderer_id, None
    kind = "supervisor" if whom is Whom.SUPERVISION else "trading_centre"
    org = await session.scalar(
        select(Organization.id).where(Organization.kind == kind).order_by(Organization.created_at).limit(1)
    )
    return org, None


async def _start(session: AsyncSession, settings: Settings, event: AuditEvent, c: Start, now: datetime) -> bool:
    existing = await session.scalar(
        select(SupervisionClock.id).where(
            SupervisionClock.kind == c.kind.value,
            SupervisionClock.subject_type == c.subject_type,
            SupervisionClock.subject_id == c.subject_id,
        )
    )
    if existing is not None:
        return False
    project_id = c.project_id
    if project_id is None and c.lot_id is not None:
        project_id = await session.scalar(select(Lot.project_id).where(Lot.id == c.lot_id))
    project = await session.get(Project, project_id) if project_id is not None else None
    if project is None:
        log.warning("audit event %s: no project for clock %s", event.id, c.kind)
        return False
    rule = CLOCK_RULES[c.kind]
    started_at = await moments.started(session, c.kind, c.subject_id, c.at)
    due_on = c.due_on or await moments.due_day(session, c.kind, c.subject_id)
    if due_on is not None:  # the last day the records state: allowed until its last second
        due_at = datetime.combine(due_on, time(23, 59, 59), CHINA).astimezone(UTC)
    else:
        due_at = due(rule, started_at, deployment_calendar(settings))
    org, person = await _responsible(session, c.whom, project)
    clock = SupervisionClock(
        id=uuid.uuid4(),
        kind=c.kind,
        article=rule.article,
        subject_type=c.subject_type,
        subject_id=c.subject_id,
        project_id=project.id,
        lot_id=c.lot_id,
        responsible=c.responsible.value,
        responsible_org_id=org,
        responsible_person=person,
        started_at=started_at,
        due_at=due_at,
        level="none",
        check_at=now,  # evaluated by the same pass
        started_by_event=event.id,
        details=dict(c.details),
    )
    session.add(clock)
    record(
        session,
        ACTOR,
        "supervision.clock_started",
        object_type="supervision_clock",
        object_id=str(clock.id),
        details={
            "kind": clock.kind,
            "article": clock.article,
            "subject": f"{clock.subject_type}:{clock.subject_id}",
            "project": str(project.id),
            "due_at": due_at.isoformat(),
            "event": event.id,
        },
    )
    return True


async def _stop(session: AsyncSession, event: AuditEvent, c: Stop, now: datetime) -> bool:
    clock = await session.scalar(
        select(SupervisionClock)
        .where(
            SupervisionClock.kind == c.kind.value,
            SupervisionClock.subject_type == c.subject_type,
            SupervisionClock.subject_id == c.subject_id,
        )
        .with_for_update()
    )
    if clock is None or clock.done_at is not None or clock.cancelled_at is not None:
        return False
    done_at = await moments.stopped(session, c.kind, c.subject_id, c.at)
    clock.done_at, clock.stopped_by_event, clock.check_at = done_at, event.id, now
    record(
        session,
        ACTOR,
        "supervision.clock_stopped",
        object_type="supervision_clock",
        object_id=str(clock.id),
        details={
            "kind": clock.kind,
            "done_at": done_at.isoformat(),
            "event": event.id,
            "project": str(clock.project_id),
        },
    )
    return True


async def _cancel(session: AsyncSession, event: AuditEvent, c: Cancel, now: datetime) -> int:
    clocks = (
        await session.scalars(
            select(SupervisionClock)
            .where(
                SupervisionClock.project_id == c.project_id,
                SupervisionClock.done_at.is_(None),
                SupervisionClock.cancelled_at.is_(None),
            )
            .with_for_update()
        )
    ).all()
    cancelled = 0
    for clock in clocks:
        if clock.details.get("award") != c.award_id:
            continue
        clock.cancelled_at, clock.stopped_by_event, clock.check_at = c.at, event.id, now
        record(
            session,
            ACTOR,
            "supervision.clock_stopped",
            object_type="supervision_clock",
            object_id=str(clock.id),
            details={"kind": clock.kind, "cancelled_at": c.at.isoformat(), "event": event.id},
        )
        cancelled += 1
    return cancelled


async def track(platform: Platform, now: datetime) -> int:
    """One pass over the audit trail: the count of clocks started, stopped or cancelled."""
    changed = 0
    async with platform.sessions() as session, session.begin():
        cursor = await _cursor(session)
        events = await _events(session, cursor.last_event_id, now - LOOKBACK)
        for row in events:
            event = Event(row.id, row.action, row.object_type, row.object_id, row.occurred_at, row.details or {})
            gp = await _government_procurement(session, row)
            for command in drivers.commands(event, government_procurement=gp):
                if isinstance(command, Start):
                    changed += await _start(session, platform.settings, row, command, now)
                elif isinstance(command, Stop):
                    changed += await _stop(session, row, command, now)
                else:
                    changed += await _cancel(session, row, command, now)
            await session.flush()
        if events:
            cursor.last_event_id = max(cursor.last_event_id, events[-1].id)
        cursor.updated_at = now
    return changed
