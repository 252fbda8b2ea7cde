"""Supervision's counts (issue 24; RULES d, acceptance check 5: "alerts and 督办单 … can be counted per
agency and per person"): over the last ``days`` China days, the alerts raised and the orders opened,
per organisation responsible (the agency: 代理机构, or the tenderer or bidder a clock names), per
person (the user the clock names: the agent's user who created the project), per clock kind, and per
day. The supervisor and the auditor read them.

What is counted, within the window (from 00:00 China time ``days - 1`` days before today to now):

* ``yellow`` and ``red``: alerts raised (each yellow lead is an alert of its own: 3 days, then 1 day);
* ``orders``: orders opened; ``open_orders``: of those, the ones still waiting for their answer;
  ``escalated``: of those, the ones escalated at least once;
* per day: alerts raised, orders opened and orders closed on that China day (every day of the
  window, zeros included, oldest first).

The rows come from the tables the watch writes (``supervision_alerts``, ``supervision_orders``), each
of which is also an audit event (``supervision.alert``, ``supervision.order_*``): the counts can be
re-derived from the transparency log.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from bidding.awards.rules import CHINA, china_day
from bidding.core.auth.caller import Caller
from bidding.core.errors import Forbidden, InvalidInput
from bidding.core.pki.models import Certificate
from bidding.identity.models import Organization
from bidding.supervision.models import SupervisionAlert, SupervisionOrder
from bidding.supervision.orders import READ_ALL, OrderState

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "AgencyCount",
    "DayCount",
    "KindCount",
    "PersonCount",
    "Stats",
    "stats",
    "window_start",
]

DEFAULT_DAYS: Final = 90
#: Two years of days at most (a chart of every day).
MAX_DAYS: Final = 731


@dataclass(frozen=True)
class AgencyCount:
    #: None for the clocks no organisation answers for on the platform (the platform's own duties).
    organization_id: uuid.UUID | None
    name: str | None
    yellow: int
    red: int
    orders: int
    open_orders: int
    escalated: int


@dataclass(frozen=True)
class PersonCount:
    #: The actor id of the person the clock names (``cert:<fingerprint>``).
    person: str
    organization_id: uuid.UUID | None
    #: The person's name on their certificate, when the platform issued it.
    name: str | None
    red: int
    orders: int
    open_orders: int


@dataclass(frozen=True)
class KindCount:
    kind: str
    yellow: int
    red: int
    orders: int


@dataclass(frozen=True)
class DayCount:
    #: A China calendar day.
    day: date
    yellow: int
    red: int
    orders_opened: int
    orders_closed: int


@dataclass(frozen=True)
class Stats:
    #: The window's first instant (00:00 China time of its first day), in UTC.
    since: datetime
    per_agency: list[AgencyCount]
    per_person: list[PersonCount]
    per_kind: list[KindCount]
    daily: list[DayCount]


def window_start(now: datetime, days: int) -> datetime:
    """00:00 China time of the window's first day: ``days`` China days ending with today."""
    first = china_day(now) - timedelta(days=days - 1)
    return datetime.combine(first, time(0), CHINA).astimezone(UTC)


async def _certificate_names(platform: Platform, people: set[str]) -> dict[str, str]:
    fingerprints = {p.removeprefix("cert:"): p for p in people if p.startswith("cert:")}
    if not fingerprints:
        return {}
    async with platform.sessions() as session:
        rows = await session.execute(
            select(Certificate.fingerprint, Certificate.common_name).where(
                Certificate.fingerprint.in_(list(fingerprints))
            )
        )
        return {fingerprints[fp]: name for fp, name in rows.all()}


async def stats(platform: Platform, caller: Caller, days: int = DEFAULT_DAYS) -> Stats:
    """``GET /api/supervision/stats?days=``: the counts of the module doc (the supervisor, the auditor)."""
    if not caller.has(*READ_ALL):
        raise Forbidden("supervision's counts are the supervision office's and the auditor's")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"`days` must be 1 to {MAX_DAYS}", f"`days` 须为 1 至 {MAX_DAYS}")
    now = platform.clock.now()
    since = window_start(now, days)
    async with platform.sessions() as session:
        alerts = (
            await session.execute(
                select(
                    SupervisionAlert.level,
                    SupervisionAlert.kind,
                    SupervisionAlert.responsible_org_id,
                    SupervisionAlert.responsible_person,
                    SupervisionAlert.raised_at,
                ).where(SupervisionAlert.raised_at >= since, SupervisionAlert.raised_at <= now)
            )
        ).all()
        opened = (
            await session.execute(
                select(
                    SupervisionOrder.kind,
                    SupervisionOrder.responsible_org_id,
                    SupervisionOrder.responsible_person,
                    SupervisionOrder.state,
                    SupervisionOrder.escalations,
                    SupervisionOrder.opened_at,
                ).where(SupervisionOrder.opened_at >= since, SupervisionOrder.opened_at <= now)
            )
        ).all()
        closed = (
            await session.scalars(
                select(SupervisionOrder.closed_at).where(
                    SupervisionOrder.closed_at >= since, SupervisionOrder.closed_at <= now
                )
            )
        ).all()
        org_ids = {row.responsible_org_id for row in alerts} | {row.responsible_org_id for row in opened}
        known = [org for org in org_ids if org is not None]
        names = (
            dict(
                (
                    await session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(known)))
                ).all()
            )
            if known
            else {}
        )

    # (what, key) → count; "what" one of yellow, red, orders, open, escalated.
    agency: Counter[tuple[str, uuid.UUID | None]] = Counter()
    person: Counter[tuple[str, tuple[str, uuid.UUID | None]]] = Counter()
    kind: Counter[tuple[str, str]] = Counter()
    day: Counter[tuple[str, date]] = Counter()
    for level, clock_kind, org, who, raised_at in alerts:
        agency[level, org] += 1
        kind[level, clock_kind] += 1
        day[level, china_day(raised_at)] += 1
        if who is not None:
            person[level, (who, org)] += 1
    for clock_kind, org, who, state, escalations, opened_at in opened:
        still_open = state == OrderState.OPEN.value
        agency["orders", org] += 1
        agency["open", org] += still_open
        agency["escalated", org] += escalations > 0
        kind["orders", clock_kind] += 1
        day["opened", china_day(opened_at)] += 1
        if who is not None:
            person["orders", (who, org)] += 1
            person["open", (who, org)] += still_open
    for closed_at in closed:
        if closed_at is not None:  # the query's bound excludes None; the column's type does not say so
            day["closed", china_day(closed_at)] += 1

    agencies = {org for _, org in agency}
    people = {key for _, key in person}
    person_names = await _certificate_names(platform, {who for who, _ in people})
    first = china_day(since)
    return Stats(
        since=since,
        per_agency=sorted(
            (
                AgencyCount(
                    org,
                    names.get(org) if org is not None else None,
                    agency["yellow", org],
                    agency["red", org],
                    agency["orders", org],
                    agency["open", org],
                    agency["escalated", org],
                )
                for org in agencies
            ),
            key=lambda a: (-a.red, -a.orders, -a.yellow, a.name or "", str(a.organization_id)),
        ),
        per_person=sorted(
            (
                PersonCount(
                    who,
                    org,
                    person_names.get(who),
                    person["red", (who, org)],
                    person["orders", (who, org)],
                    person["open", (who, org)],
                )
                for who, org in people
            ),
            key=lambda p: (-p.red, -p.orders, p.person, str(p.organization_id)),
        ),
        per_kind=sorted(
            (
                KindCount(k, kind["yellow", k], kind["red", k], kind["orders", k])
                for k in {clock_kind for _, clock_kind in kind}
            ),
            key=lambda k: (-k.red, -k.orders, -k.yellow, k.kind),
        ),
        daily=[
            DayCount(d, day["yellow", d], day["red", d], day["opened", d], day["closed", d])
            for d in (first + timedelta(days=i) for i in range((china_day(now) - first).days + 1))
        ],
    )
