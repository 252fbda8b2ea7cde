"""The clocks' alerts (issue 24 "Alerts"; RULES d, acceptance checks 1, 2, 5): each clock due a
check is read at one instant; where its level or lead changed, the new alert is raised once.

* **Yellow** at each configured lead before the limit (``BIDDING_SUPERVISION_LEADS``, default 72 h
  and 24 h), **red** at the limit + 1 s ("超时一秒"), **none** once the duty is done in time
  (:func:`bidding.supervision.clocks.alert_level`); a cancelled clock raises nothing.
* **Raised once** per clock, level and lead (a unique row, ``supervision_alerts``), each an audit
  event ``supervision.alert`` — so a leaf of the transparency log (RULES d check 5).
* **Told**: a yellow to the party responsible (in-app, e-mail); a red to it (in-app, e-mail and SMS)
  and to the supervision office's duty contacts (e-mail and SMS, ``BIDDING_SUPERVISION_CONTACTS``;
  purpose ``supervision.alert``), and **a red opens a supervision order**
  (:func:`bidding.supervision.orders.open_order`) in the same transaction.
* **Pushed live** after the commit (:func:`bidding.supervision.live.announce`).

``check_at`` holds the next instant a clock's alert can change
(:func:`~bidding.supervision.clocks.next_alert_at`): a pass reads only the clocks due.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.awards.rules import CHINA
from bidding.identity.contacts import tell_organisation
from bidding.messaging.channels import Text
from bidding.messaging.service import QueuedMessage, dispatch
from bidding.supervision.clocks import CLOCK_RULES, ClockKind, Level, alert_level, next_alert_at
from bidding.supervision.live import announce
from bidding.supervision.models import SupervisionAlert, SupervisionClock, SupervisionOrder
from bidding.supervision.notices import tell_supervision_office
from bidding.supervision.orders import open_order
from bidding.supervision.tracking import ACTOR
from bidding.tendering.models import Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["PURPOSE", "evaluate", "leads"]

log = logging.getLogger(__name__)

PURPOSE: Final = "supervision.alert"
#: The most clocks one pass reads (the next pass goes on).
BATCH: Final = 500


def leads(platform: Platform) -> tuple[timedelta, ...]:
    """The yellow leads of the deployment (``BIDDING_SUPERVISION_LEADS``)."""
    return tuple(timedelta(hours=h) for h in platform.settings.supervision_leads)


def _china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _texts(clock: SupervisionClock, project: Project, level: Level, lead: timedelta | None) -> tuple[Text, Text]:
    rule = CLOCK_RULES[ClockKind(clock.kind)]
    due = _china(clock.due_at)
    if level is Level.RED:
        subject = Text(f"【红色预警】{project.code} {rule.duty_zh}", f"[Red alert] {project.code}: {rule.duty_en}")
        body = Text(
            f"项目 {project.code}《{project.name}》：{rule.duty_zh}（{rule.article}），时限 {due}（北京时间）已过，"
            "已超时。监督部门将发出督办单。",
            f"Project {project.code} ({project.name}): {rule.duty_en} ({rule.article}); the limit {due} China time "
            "has passed. The supervision office will issue a supervision order.",
        )
    else:
        hours = int(lead.total_seconds() // 3600) if lead is not None else 0
        subject = Text(f"【黄色预警】{project.code} {rule.duty_zh}", f"[Yellow alert] {project.code}: {rule.duty_en}")
        body = Text(
            f"项目 {project.code}《{project.name}》：{rule.duty_zh}（{rule.article}），时限 {due}（北京时间），"
            f"剩余不足 {hours} 小时。",
            f"Project {project.code} ({project.name}): {rule.duty_en} ({rule.article}) by {due} China time, "
            f"less than {hours} hours left.",
        )
    return subject, body


async def _raise(
    session: AsyncSession,
    platform: Platform,
    clock: SupervisionClock,
    level: Level,
    lead: timedelta | None,
    now: datetime,
) -> tuple[SupervisionAlert | None, SupervisionOrder | None, list[QueuedMessage]]:
    lead_seconds = int(lead.total_seconds()) if lead is not None and level is Level.YELLOW else 0
    exists = await session.scalar(
        select(SupervisionAlert.id).where(
            SupervisionAlert.clock_id == clock.id,
            SupervisionAlert.level == level.value,
            SupervisionAlert.lead_seconds == lead_seconds,
        )
    )
    if exists is not None:
        return None, None, []
    alert = SupervisionAlert(
        clock_id=clock.id,
        kind=clock.kind,
        level=level.value,
        lead_seconds=lead_seconds,
        project_id=clock.project_id,
        responsible_org_id=clock.responsible_org_id,
        responsible_person=clock.responsible_person,
        due_at=clock.due_at,
        raised_at=now,
    )
    session.add(alert)
    await session.flush()
    record(
        session,
        ACTOR,
        "supervision.alert",
        object_type="supervision_clock",
        object_id=str(clock.id),
        details={
            "alert": alert.id,
            "level": level.value,
            "lead_seconds": lead_seconds,
            "kind": clock.kind,
            "article": clock.article,
            "project": str(clock.project_id),
            "responsible": clock.responsible,
            "organization": str(clock.responsible_org_id) if clock.responsible_org_id else None,
            "person": clock.responsible_person,
            "due_at": clock.due_at.isoformat(),
        },
    )
    project = await session.get(Project, clock.project_id)
    assert project is not None  # a clock's project is a foreign key
    subject, body = _texts(clock, project, level, lead)
    red = level is Level.RED
    reference = f"supervision-alert-{alert.id}"
    params = {"project": project.code, "duty": CLOCK_RULES[ClockKind(clock.kind)].duty_zh[:30]}
    queued: list[QueuedMessage] = []
    if clock.responsible_org_id is not None:
        queued += await tell_organisation(
            session,
            platform,
            ACTOR,
            clock.responsible_org_id,
            purpose=PURPOSE,
            reference=reference,
            subject=subject,
            body=body,
            now=now,
            sms=red,
            params=params,
        )
    if red:
        queued += await tell_supervision_office(
            session,
            platform,
            ACTOR,
            purpose=PURPOSE,
            reference=reference,
            subject=subject,
            body=body,
            now=now,
            params=params,
        )
    order = None
    if red:
        order, told_order = await open_order(session, platform, clock, alert, now=now, actor=ACTOR)
        queued += told_order
    return alert, order, queued


async def _check(platform: Platform, clock_id: uuid.UUID, now: datetime) -> tuple[list[int], list[str]]:
    """Check one clock under its lock, in its own transaction: the alerts raised and orders opened."""
    raised: list[int] = []
    orders: list[str] = []
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        clock = await session.get(SupervisionClock, clock_id, with_for_update=True)
        if clock is None or clock.check_at is None or clock.check_at > now:
            return raised, orders  # checked by another pass meanwhile
        if clock.cancelled_at is not None:
            clock.check_at = None
            return raised, orders
        rule = CLOCK_RULES[ClockKind(clock.kind)]
        ordered = leads(platform)
        alert = alert_level(rule, clock.due_at, now, clock.done_at, ordered)
        lead_seconds = int(alert.lead.total_seconds()) if alert.lead is not None else None
        if alert.level is not Level.NONE and (alert.level.value, lead_seconds) != (clock.level, clock.lead_seconds):
            new, order, queued = await _raise(session, platform, clock, alert.level, alert.lead, now)
            if new is not None:
                raised.append(new.id)
            if order is not None:
                orders.append(str(order.id))
        if (alert.level.value, lead_seconds) != (clock.level, clock.lead_seconds):
            clock.level, clock.lead_seconds, clock.level_at = alert.level.value, lead_seconds, now
        clock.check_at = next_alert_at(rule, clock.due_at, now, clock.done_at, ordered)
    await dispatch(platform, queued)
    return raised, orders


async def evaluate(platform: Platform, now: datetime) -> int:
    """The watch's step: every clock due a check, each in its own transaction; the count of alerts
    raised. One clock's failure is logged and the others still run."""
    async with platform.sessions() as session:
        due: Sequence[uuid.UUID] = (
            await session.scalars(
                select(SupervisionClock.id)
                .where(SupervisionClock.check_at.is_not(None), SupervisionClock.check_at <= now)
                .order_by(SupervisionClock.check_at)
                .limit(BATCH)
            )
        ).all()
    count = 0
    for clock_id in due:
        try:
            raised, orders = await _check(platform, clock_id, now)
        except Exception:  # one clock's failure (a notice refused…) must not hold up the others
            log.exception("supervision: clock %s not checked", clock_id)
            continue
        count += len(raised)
        for alert_id in raised:
            await announce(platform, "alert", alert_id)
        for order_id in orders:
            await announce(platform, "order", order_id)
    return count
