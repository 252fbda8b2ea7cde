"""Supervision's overview (issue 24; RULES d, acceptance check 5): alerts and supervision orders counted
per agency, per person, per clock kind and per China day — two agencies, each counted apart — and every
complaint across the awards with its last days and whether the supervisor's current step is late,
flagged by the award's own rules (条例 61). The supervisor and the auditor read them; nobody else.

Clocks, alerts, and the awards the complaints are filed against are rows written here (the watch's and
the award's own tests make them the long way); the orders are opened by the function the watch calls."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from bidding.awards.models import Award, AwardComplaint
from bidding.awards.rules import china_day
from bidding.awards.states import AwardState, ComplaintStatus
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.evaluation.models import Evaluation
from bidding.evaluation.states import EvaluationState
from bidding.experts.draw_models import ExpertDraw
from bidding.experts.draw_states import DrawStatus
from bidding.supervision.orders import open_order
from tests.fixtures.errors import assert_error
from tests.fixtures.projects import DAY
from tests.fixtures.supervision import actor_of, clock_with_alert

STATS = "/api/supervision/stats"
COMPLAINTS = "/api/supervision/complaints"
ACTOR = Actor.system("supervision")


async def alert(
    platform: Any, p: dict[str, Any], who: str, at: datetime, *, level: str, kind: str, open_order_too: bool = False
) -> None:
    """A clock of ``who``'s project and one alert of ``level`` raised ``at`` (a red one opening its
    order when asked), as the watch writes them."""
    clock, raised = await clock_with_alert(platform, p, who, at, level=level, kind=kind, article="法46")
    if open_order_too:
        async with platform.sessions() as s, s.begin():
            await open_order(s, platform, clock, raised, now=at, actor=ACTOR)


def counts(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


async def test_alerts_and_orders_counted_per_agency_person_kind_and_day(
    client: httpx.AsyncClient, supervision_world: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    p, now = supervision_world, clock.now()
    before = await client.get(STATS, params={"days": 30}, headers=p["supervisor"])
    assert before.status_code == 200, before.text
    base = before.json()
    yesterday = now - DAY
    # agency 1: two reds (each opening an order) and a yellow; agency 2: one red with its order,
    # one yellow; one of agency 1's orders closed; a red outside the window (40 days ago)
    await alert(platform, p, "agent", yesterday, level="red", kind="contract", open_order_too=True)
    await alert(platform, p, "agent", now, level="red", kind="supervisor_report", open_order_too=True)
    await alert(platform, p, "agent", now, level="yellow", kind="contract")
    await alert(platform, p, "agent2", now, level="red", kind="supervisor_report", open_order_too=True)
    await alert(platform, p, "agent2", now, level="yellow", kind="supervisor_report")
    await alert(platform, p, "agent2", now - 40 * DAY, level="red", kind="contract", open_order_too=True)
    listed = (await client.get("/api/supervision/orders", params={"limit": 500}, headers=p["agent"])).json()
    first = next(o for o in listed if o["kind"] == "contract")
    closed = await client.post(
        f"/api/supervision/orders/{first['id']}/close", json={"reason": "已签订合同"}, headers=p["supervisor"]
    )
    assert closed.status_code == 200, closed.text

    for reader in ("supervisor", "auditor"):
        got = await client.get(STATS, params={"days": 30}, headers=p[reader])
        assert got.status_code == 200, got.text
    stats = got.json()
    assert china_day(datetime.fromisoformat(stats["since"])) == china_day(now) - timedelta(days=29)
    agencies = counts(stats["per_agency"], "organization_id")
    one, two = p["users"]["agent"], p["users"]["agent2"]
    assert agencies[one.org_id] == {
        "organization_id": one.org_id,
        "name": one.org_name,
        "yellow": 1,
        "red": 2,
        "orders": 2,
        "open_orders": 1,
        "escalated": 0,
    }
    assert agencies[two.org_id] == {
        "organization_id": two.org_id,
        "name": two.org_name,
        "yellow": 1,
        "red": 1,  # the red of 40 days ago is outside the window
        "orders": 1,
        "open_orders": 1,
        "escalated": 0,
    }
    people = counts(stats["per_person"], "person")
    assert people[actor_of(one)] == {
        "person": actor_of(one),
        "organization_id": one.org_id,
        "name": "王小明",  # the name on the certificate
        "red": 2,
        "orders": 2,
        "open_orders": 1,
    }
    assert (people[actor_of(two)]["red"], people[actor_of(two)]["orders"]) == (1, 1)

    # per kind and per day: what these alerts and orders added to everyone else's
    def by_kind(s: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
        return {k["kind"]: (k["yellow"], k["red"], k["orders"]) for k in s["per_kind"]}

    old, new = by_kind(base), by_kind(stats)
    for kind, added in {"contract": (1, 1, 1), "supervisor_report": (1, 2, 2)}.items():
        was = old.get(kind, (0, 0, 0))
        assert tuple(n - w for n, w in zip(new[kind], was, strict=True)) == added, kind

    def by_day(s: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
        return {d["day"]: (d["yellow"], d["red"], d["orders_opened"], d["orders_closed"]) for d in s["daily"]}

    old_days, new_days = by_day(base), by_day(stats)
    assert len(new_days) == 30 and list(new_days)[-1] == china_day(now).isoformat()
    today, before_today = china_day(now).isoformat(), china_day(yesterday).isoformat()
    added = {
        day: tuple(n - w for n, w in zip(new_days[day], old_days[day], strict=True)) for day in (today, before_today)
    }
    assert added[today] == (2, 2, 2, 1)
    assert added[before_today] == (0, 1, 1, 0)

    # one day's window: yesterday's red is out
    short = (await client.get(STATS, params={"days": 1}, headers=p["supervisor"])).json()
    assert counts(short["per_agency"], "organization_id")[one.org_id]["red"] == 1
    assert len(short["daily"]) == 1

    # who reads; what a window may be
    for outsider in ("agent", "tenderer", "bidder"):
        assert_error(await client.get(STATS, headers=p[outsider]), 403, "forbidden")
    assert (await client.get(STATS)).status_code == 401
    for days in ("0", "100000", "x", "-1"):
        assert_error(await client.get(STATS, params={"days": days}, headers=p["supervisor"]), 400, "validation_failed")


async def award_of(platform: Any, p: dict[str, Any], who: str, lot: int, now: datetime) -> uuid.UUID:
    """An award of the lot as the award watch leaves it once the notices are sent (its draw and final
    evaluation behind it, written directly: the complaints need the award, not how it came about)."""
    project = p[f"{who}_project"]
    project_id, lot_id = uuid.UUID(project["id"]), uuid.UUID(project["lots"][lot]["id"])
    async with platform.sessions() as s, s.begin():
        draw = ExpertDraw(
            project_id=project_id,
            requested_by_org=uuid.UUID(p["users"][who].org_id),
            requested_by=actor_of(p["users"][who]),
            evaluation_at=now - 10 * DAY,
            remote=True,
            size=5,
            representatives=1,
            seats={},
            backups={},
            draw_at=now - 11 * DAY,
            status=DrawStatus.CANCELLED,
        )
        s.add(draw)
        await s.flush()
        evaluation = Evaluation(
            lot_id=lot_id,
            draw_id=draw.id,
            state=EvaluationState.FINAL,
            criteria={},
            criteria_sha256="0" * 64,
            size=5,
            report_sha256="1" * 64,
            finalised_at=now - 9 * DAY,
        )
        s.add(evaluation)
        await s.flush()
        award = Award(
            lot_id=lot_id,
            project_id=project_id,
            evaluation_id=evaluation.id,
            state=AwardState.AWARDED,
            report_sha256="1" * 64,
            report_final_at=now - 9 * DAY,
        )
        s.add(award)
        await s.flush()
        return award.id


async def complaint(
    platform: Any,
    award_id: uuid.UUID,
    org_id: str,
    received: datetime,
    *,
    status: ComplaintStatus,
    acceptance_due_on: date,
    accepted_at: datetime | None = None,
    decision_due_on: date | None = None,
    decided_at: datetime | None = None,
) -> str:
    async with platform.sessions() as s, s.begin():
        c = AwardComplaint(
            id=uuid.uuid4(),
            award_id=award_id,
            organization_id=uuid.UUID(org_id),
            text="评标委员会未按招标文件评审",
            statement={"fingerprint": "f" * 64},
            attachments=[],
            known_on=china_day(received) - timedelta(days=2),
            last_day=china_day(received) + timedelta(days=8),
            received_at=received,
            status=status,
            acceptance_due_on=acceptance_due_on,
            accepted_at=accepted_at,
            decision_due_on=decision_due_on,
            decision="不予受理" if status is ComplaintStatus.REFUSED else None,
            decided_at=decided_at,
        )
        s.add(c)
        return str(c.id)


async def test_every_complaint_across_the_awards_with_its_overdue_flag(
    client: httpx.AsyncClient, supervision_world: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    p, now = supervision_world, clock.now()
    today = china_day(now)
    first = await award_of(platform, p, "agent", 0, now)
    second = await award_of(platform, p, "agent2", 1, now)
    bidder, other = p["users"]["bidder"], p["users"]["other"]
    # received 6 days ago, not handled, its acceptance day past: late
    late = await complaint(
        platform, first, bidder.org_id, now - 6 * DAY, status=ComplaintStatus.RECEIVED, acceptance_due_on=today - DAY
    )
    # received today: its acceptance day ahead
    fresh = await complaint(
        platform, second, other.org_id, now, status=ComplaintStatus.RECEIVED, acceptance_due_on=today + 3 * DAY
    )
    # accepted late (red stays on its acceptance), its decision day ahead: nothing owed late now
    accepted = await complaint(
        platform,
        second,
        bidder.org_id,
        now - 10 * DAY,
        status=ComplaintStatus.ACCEPTED,
        acceptance_due_on=today - 8 * DAY,
        accepted_at=now - 5 * DAY,
        decision_due_on=today + 30 * DAY,
    )
    # accepted, its decision day past: late
    undecided = await complaint(
        platform,
        first,
        other.org_id,
        now - 50 * DAY,
        status=ComplaintStatus.ACCEPTED,
        acceptance_due_on=today - 47 * DAY,
        accepted_at=now - 48 * DAY,
        decision_due_on=today - 2 * DAY,
    )
    # refused after its acceptance day: owes nothing any more
    refused = await complaint(
        platform,
        first,
        other.org_id,
        now - 9 * DAY,
        status=ComplaintStatus.REFUSED,
        acceptance_due_on=today - 6 * DAY,
        decided_at=now - 4 * DAY,
    )

    listed = await client.get(COMPLAINTS, headers=p["supervisor"])
    assert listed.status_code == 200, listed.text
    rows = {r["id"]: r for r in listed.json()}
    mine = [r for r in listed.json() if r["id"] in {late, fresh, accepted, undecided, refused}]
    # newest first, across both awards (and both projects)
    assert [r["id"] for r in mine] == [fresh, late, refused, accepted, undecided]
    assert {r["award_id"] for r in mine} == {str(first), str(second)}
    flags = {r["id"]: (r["status"], r["acceptance_overdue"], r["decision_overdue"], r["overdue"]) for r in mine}
    assert flags == {
        late: ("received", True, False, True),
        fresh: ("received", False, False, False),
        accepted: ("accepted", True, False, False),
        undecided: ("accepted", False, True, True),
        refused: ("refused", True, False, False),
    }
    row = rows[late]
    project = p["agent_project"]
    assert (row["project_id"], row["project_code"], row["project_name"]) == (
        project["id"],
        project["code"],
        project["name"],
    )
    assert (row["lot_id"], row["lot_code"], row["lot_name"]) == (
        project["lots"][0]["id"],
        project["lots"][0]["code"],
        project["lots"][0]["name"],
    )
    assert (row["organization_id"], row["complainant"]) == (bidder.org_id, bidder.org_name)
    assert row["acceptance_due_on"] == (today - DAY).isoformat() and row["decision_due_on"] is None
    assert rows[accepted]["decision_due_on"] == (today + 30 * DAY).isoformat()

    # by status; the auditor reads too; nobody else
    received = (await client.get(COMPLAINTS, params={"status": "received"}, headers=p["auditor"])).json()
    assert {late, fresh} <= {r["id"] for r in received} and {r["status"] for r in received} == {"received"}
    assert_error(
        await client.get(COMPLAINTS, params={"status": "lost"}, headers=p["supervisor"]), 400, "validation_failed"
    )
    assert_error(await client.get(COMPLAINTS, params={"limit": 0}, headers=p["supervisor"]), 400, "validation_failed")
    for outsider in ("agent", "tenderer", "bidder"):
        assert_error(await client.get(COMPLAINTS, headers=p[outsider]), 403, "forbidden")
    assert (await client.get(COMPLAINTS)).status_code == 401
