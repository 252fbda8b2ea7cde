"""What the supervision office reads of the clocks and alerts (issue 24; ``docs/supervision.md``
§On the wire): the running clocks with their level, and the alerts newest first — the supervisor and
the auditor, nobody else (the routes' guards)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from bidding.identity.models import Organization
from bidding.supervision.clocks import CLOCK_RULES, ClockKind
from bidding.supervision.models import SupervisionAlert, SupervisionClock, SupervisionOrder
from bidding.tendering.models import Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["AlertView", "ClockView", "alert", "alerts", "clocks"]


@dataclass(frozen=True)
class ClockView:
    id: uuid.UUID
    kind: str
    article: str
    duty_zh: str
    duty_en: str
    subject_type: str
    subject_id: str
    project_id: uuid.UUID
    project_code: str
    project_name: str
    lot_id: uuid.UUID | None
    responsible: str
    responsible_org_id: uuid.UUID | None
    responsible_org_name: str | None
    responsible_person: str | None
    started_at: datetime
    due_at: datetime
    done_at: datetime | None
    cancelled_at: datetime | None
    level: str
    lead_seconds: int | None
    level_at: datetime | None
    order_id: uuid.UUID | None


@dataclass(frozen=True)
class AlertView:
    id: int
    clock_id: uuid.UUID
    kind: str
    article: str
    duty_zh: str
    duty_en: str
    level: str
    lead_seconds: int
    project_id: uuid.UUID
    project_code: str
    project_name: str
    responsible: str
    responsible_org_id: uuid.UUID | None
    responsible_org_name: str | None
    responsible_person: str | None
    due_at: datetime
    raised_at: datetime
    order_id: uuid.UUID | None


def _duty(kind: str) -> tuple[str, str]:
    rule = CLOCK_RULES[ClockKind(kind)]
    return rule.duty_zh, rule.duty_en


_Org = aliased(Organization)


def _clocks_query() -> Select[SupervisionClock, str, str, str, uuid.UUID]:
    return (
        select(SupervisionClock, Project.code, Project.name, _Org.name, SupervisionOrder.id)
        .join(Project, Project.id == SupervisionClock.project_id)
        .outerjoin(_Org, _Org.id == SupervisionClock.responsible_org_id)
        .outerjoin(SupervisionOrder, SupervisionOrder.clock_id == SupervisionClock.id)
    )


async def clocks(
    platform: Platform,
    *,
    level: str | None = None,
    running: bool | None = None,
    project_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[ClockView]:
    """Clocks, the nearest limit first: of one ``level``, only ``running`` ones (neither done nor
    cancelled) or only finished ones, of one project."""
    query = _clocks_query()
    if level is not None:
        query = query.where(SupervisionClock.level == level)
    if running is True:
        query = query.where(SupervisionClock.done_at.is_(None), SupervisionClock.cancelled_at.is_(None))
    elif running is False:
        query = query.where((SupervisionClock.done_at.is_not(None)) | (SupervisionClock.cancelled_at.is_not(None)))
    if project_id is not None:
        query = query.where(SupervisionClock.project_id == project_id)
    async with platform.sessions() as session:
        rows = (await session.execute(query.order_by(SupervisionClock.due_at, SupervisionClock.id).limit(limit))).all()
    views = []
    for c, code, name, org_name, order_id in rows:
        duty_zh, duty_en = _duty(c.kind)
        views.append(
            ClockView(
                c.id,
                c.kind,
                c.article,
                duty_zh,
                duty_en,
                c.subject_type,
                c.subject_id,
                c.project_id,
                code,
                name,
                c.lot_id,
                c.responsible,
                c.responsible_org_id,
                org_name,
                c.responsible_person,
                c.started_at,
                c.due_at,
                c.done_at,
                c.cancelled_at,
                c.level,
                c.lead_seconds,
                c.level_at,
                order_id,
            )
        )
    return views


def _alerts_query() -> Select[SupervisionAlert, SupervisionClock, str, str, str, uuid.UUID]:
    return (
        select(SupervisionAlert, SupervisionClock, Project.code, Project.name, _Org.name, SupervisionOrder.id)
        .join(SupervisionClock, SupervisionClock.id == SupervisionAlert.clock_id)
        .join(Project, Project.id == SupervisionAlert.project_id)
        .outerjoin(_Org, _Org.id == SupervisionAlert.responsible_org_id)
        .outerjoin(SupervisionOrder, SupervisionOrder.alert_id == SupervisionAlert.id)
    )


def _alert_views(rows: Sequence[Any]) -> list[AlertView]:
    views = []
    for a, c, code, name, org_name, order_id in rows:
        duty_zh, duty_en = _duty(a.kind)
        views.append(
            AlertView(
                a.id,
                a.clock_id,
                a.kind,
                c.article,
                duty_zh,
                duty_en,
                a.level,
                a.lead_seconds,
                a.project_id,
                code,
                name,
                c.responsible,
                a.responsible_org_id,
                org_name,
                a.responsible_person,
                a.due_at,
                a.raised_at,
                order_id,
            )
        )
    return views


async def alerts(
    platform: Platform, *, after: int | None = None, level: str | None = None, limit: int = 100
) -> list[AlertView]:
    """Alerts newest first; ``after``: only those raised after alert ``after`` (a page catching up)."""
    query = _alerts_query()
    if after is not None:
        query = query.where(SupervisionAlert.id > after)
    if level is not None:
        query = query.where(SupervisionAlert.level == level)
    async with platform.sessions() as session:
        rows = (await session.execute(query.order_by(SupervisionAlert.id.desc()).limit(limit))).all()
    return _alert_views(rows)


async def alert(platform: Platform, alert_id: int) -> AlertView | None:
    """One alert, or None."""
    async with platform.sessions() as session:
        rows = (await session.execute(_alerts_query().where(SupervisionAlert.id == alert_id))).all()
    views = _alert_views(rows)
    return views[0] if views else None


async def last_alert_id(platform: Platform) -> int:
    """The newest alert's id (0: none yet)."""
    async with platform.sessions() as session:
        newest = await session.scalar(select(SupervisionAlert.id).order_by(SupervisionAlert.id.desc()).limit(1))
    return newest or 0
