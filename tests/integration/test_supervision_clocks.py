"""Supervision's clocks on a real award (issue 24; RULES d, acceptance checks 1, 2, 5): the final
report starts the candidate publicity's clock (the agent's duty, 条例 54); with the award watch paused
the agent misses it — yellow at 72 h and 24 h before the limit, red at the limit + 1 s, each alert
raised once, an audit event, told to the agent (in-app, e-mail, SMS) and the supervision office's
duty desk, pushed live on ``/ws/supervision``, the red opening a supervision order that the agent
answers and the supervisor closes with a reason; published in time, the clock is done and raises
nothing. Who may read is checked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import func, select

from bidding.audit.models import AuditEvent
from bidding.awards.models import Award
from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.core.holidays import deployment_calendar
from bidding.messaging.models import Message
from bidding.supervision.clocks import CLOCK_RULES, ClockKind, due
from bidding.supervision.jobs import watch
from bidding.supervision.models import SupervisionAlert, SupervisionClock, SupervisionOrder
from tests.fixtures.awards import Awarding, award_in
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import AUDIENCE

# The same SQL on both profiles: run on PostgreSQL (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

RULE = CLOCK_RULES[ClockKind.CANDIDATE_PUBLICITY]


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def _clock_of(platform: Any, award_id: str) -> SupervisionClock:
    async with platform.sessions() as s:
        clock = await s.scalar(
            select(SupervisionClock).where(
                SupervisionClock.kind == "candidate_publicity", SupervisionClock.subject_id == award_id
            )
        )
        assert clock is not None, "no publicity clock started for the award"
        return clock


async def _alerts(platform: Any, clock_id: uuid.UUID) -> list[tuple[str, int]]:
    async with platform.sessions() as s:
        rows = await s.execute(
            select(SupervisionAlert.level, SupervisionAlert.lead_seconds)
            .where(SupervisionAlert.clock_id == clock_id)
            .order_by(SupervisionAlert.id)
        )
        return [(level, lead) for level, lead in rows.all()]


class Page:
    """A supervisor's open page: the frames of ``/ws/supervision``."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                self.frames.append(json.loads(raw))

    async def until(self, check: Any, timeout: float = 15) -> dict[str, Any]:
        for _ in range(int(timeout / 0.05)):
            for frame in self.frames:
                if check(frame):
                    return frame
            await asyncio.sleep(0.05)
        raise AssertionError(f"not pushed in {timeout} s; got {[f['type'] for f in self.frames]}")


async def _award_missed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> tuple[Awarding, SupervisionClock]:
    w = await award_in(client, admin_headers, clock, live, platform)
    await watch(platform)
    return w, await _clock_of(platform, w.award_id)


async def test_a_missed_publicity_turns_yellow_at_the_leads_red_a_second_late_and_opens_an_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w, c = await _award_missed(client, admin_headers, clock, live, platform)
    async with platform.sessions() as s:
        award = await s.get(Award, uuid.UUID(w.award_id))
        assert award is not None
    # the limit: 3 days after the report (条例 54), counted by the pure rule from the report's moment
    limit = due(RULE, award.report_final_at, deployment_calendar(platform.settings))
    assert c.due_at == limit
    assert (c.responsible, c.project_id, c.level) == ("agent", uuid.UUID(w.c.project["id"]), "none")
    assert c.responsible_person is not None and c.responsible_person.startswith("cert:")  # the agent's user

    # who reads the clocks: the supervisor and the auditor; not the agent, a bidder, the public
    listed = await client.get(f"/api/supervision/clocks?project={w.c.project['id']}", headers=w.p["supervisor"])
    assert listed.status_code == 200, listed.text
    [view] = [v for v in listed.json() if v["kind"] == "candidate_publicity"]
    assert view["project_code"] == w.c.project["code"] and view["article"] == "条例54"
    assert view["duty_zh"] == RULE.duty_zh and view["order_id"] is None
    for headers in (w.p["agent"], w.bidder(0)):
        assert_error(await client.get("/api/supervision/clocks", headers=headers), 403, "forbidden")
    assert (await client.get("/api/supervision/alerts")).status_code == 401
    async with websockets.connect(f"{live}/ws/supervision") as ws:  # nor on the live channel
        await ws.send(json.dumps({"type": "hello", "token": _token(w.bidder(0)), "since": 0}))
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert refused["error"]["code"] == "supervision_only"
    assert_error(
        await client.get("/api/supervision/clocks?level=purple", headers=w.p["supervisor"]), 400, "validation_failed"
    )

    # the supervisor's page is open, having seen every alert so far
    async with platform.sessions() as s:
        newest = await s.scalar(select(func.max(SupervisionAlert.id))) or 0
    ws = await websockets.connect(f"{live}/ws/supervision")
    await ws.send(json.dumps({"type": "hello", "token": _token(w.p["supervisor"]), "since": newest}))
    page = Page(ws)
    try:
        await page.until(lambda f: f["type"] == "welcome")

        def pushed(level: str) -> Any:
            return lambda f: (
                f["type"] == "alert" and f["alert"]["clock_id"] == str(c.id) and f["alert"]["level"] == level
            )

        # one second before the 72 h lead: nothing; at it: yellow (72 h); at 24 h: yellow (24 h)
        for moment, expected in (
            (limit - timedelta(hours=72, seconds=1), []),
            (limit - timedelta(hours=72), [("yellow", 72 * 3600)]),
            (limit - timedelta(hours=24), [("yellow", 72 * 3600), ("yellow", 24 * 3600)]),
            (limit, [("yellow", 72 * 3600), ("yellow", 24 * 3600)]),  # 23:59:59 is still in time
        ):
            clock.set(moment)
            await watch(platform)
            assert await _alerts(platform, c.id) == expected, moment
        await page.until(pushed("yellow"))

        # the limit + 1 s: red, and a supervision order to the agent
        clock.set(limit + timedelta(seconds=1))
        await watch(platform)
        assert await _alerts(platform, c.id) == [("yellow", 72 * 3600), ("yellow", 24 * 3600), ("red", 0)]
        red = await page.until(pushed("red"))
        assert red["alert"]["project_code"] == w.c.project["code"]
        order_frame = await page.until(
            lambda f: (
                f["type"] == "order"
                and f["order"]["kind"] == "candidate_publicity"
                and f["order"]["project_id"] == w.c.project["id"]
            )
        )
        async with platform.sessions() as s:
            order = await s.scalar(select(SupervisionOrder).where(SupervisionOrder.clock_id == c.id))
            assert order is not None and order.state == "open"
            assert str(order.id) == order_frame["order"]["id"]
            assert order.responsible_org_id == c.responsible_org_id
            # each alert is an audit event (so a leaf of the log), raised once
            logged = (
                await s.scalars(
                    select(AuditEvent.details).where(
                        AuditEvent.action == "supervision.alert", AuditEvent.object_id == str(c.id)
                    )
                )
            ).all()
            assert sorted(d["level"] for d in logged) == ["red", "yellow", "yellow"]
            # told: the agent in-app (every alert) and by SMS (the red), the duty desk by e-mail and SMS
            told = (
                await s.execute(
                    select(Message.channel, Message.recipient).where(
                        Message.purpose == "supervision.alert",
                        Message.reference.in_([f"supervision-alert-{a}" for a in await _alert_ids(s, c.id)]),
                    )
                )
            ).all()
            recipients = {(ch.value, r) for ch, r in told}
            assert ("in_app", f"org:{c.responsible_org_id}") in recipients
            assert ("email", "duty@supervision.test") in recipients
            assert ("sms", "13900139000") in recipients

        # a second pass at the same moment, or later, raises nothing again
        await watch(platform)
        clock.set(limit + timedelta(days=2))
        await watch(platform)
        assert len(await _alerts(platform, c.id)) == 3
        listed = await client.get("/api/supervision/alerts?level=red&limit=500", headers=admin_headers)  # an auditor
        assert listed.status_code == 200, listed.text
        assert any(a["clock_id"] == str(c.id) and a["order_id"] == str(order.id) for a in listed.json())

        # the order: the agent answers it, the supervisor closes it with a reason (RULES d check 2)
        for name in ("agent", "supervisor"):  # their sessions ended days ago on the moved clock
            w.p[name] = (await login(client, w.p["users"][name].identity, audience=AUDIENCE)).headers
        url = f"/api/supervision/orders/{order.id}"
        mine = await client.get("/api/supervision/orders", headers=w.p["agent"])
        assert mine.status_code == 200, mine.text
        assert [o["id"] for o in mine.json()] == [str(order.id)]
        assert mine.json()[0]["number"].startswith("DB-") and mine.json()[0]["state"] == "open"
        answered = await client.post(
            f"{url}/answer", json={"answer": "公示今日发布，系系统暂停所致"}, headers=w.p["agent"]
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["state"] == "answered"
        no_reason = await client.post(f"{url}/close", json={"reason": "  "}, headers=w.p["supervisor"])
        assert_error(no_reason, 422, "close_reason_required")
        reason = "经核实已补发公示，予以办结"
        closed = await client.post(f"{url}/close", json={"reason": reason}, headers=w.p["supervisor"])
        assert closed.status_code == 200, closed.text
        assert (closed.json()["state"], closed.json()["close_reason"]) == ("closed", reason)
        await page.until(
            lambda f: f["type"] == "order" and f["order"]["id"] == str(order.id) and f["order"]["state"] == "closed"
        )
    finally:
        await ws.close()
        page.reader.cancel()


async def _alert_ids(s: Any, clock_id: uuid.UUID) -> list[int]:
    return list((await s.scalars(select(SupervisionAlert.id).where(SupervisionAlert.clock_id == clock_id))).all())


async def test_a_publicity_published_in_time_stops_its_clock_and_raises_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w, c = await _award_missed(client, admin_headers, clock, live, platform)
    published = await client.post(f"/api/awards/{w.award_id}/publicity", headers=w.p["agent"])
    assert published.status_code == 200, published.text
    await watch(platform)
    done = await _clock_of(platform, w.award_id)
    assert done.done_at is not None and done.level == "none" and done.check_at is None
    listed = await client.get(
        f"/api/supervision/clocks?project={w.c.project['id']}&running=false", headers=w.p["supervisor"]
    )
    assert listed.status_code == 200, listed.text
    assert [v["kind"] for v in listed.json() if v["id"] == str(c.id)] == ["candidate_publicity"]
    clock.set(c.due_at + timedelta(days=1))
    await watch(platform)
    assert await _alerts(platform, c.id) == []


async def test_the_live_page_admits_only_supervision(
    live: str, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    async def hello(message: Any) -> tuple[dict[str, Any], int | None]:
        async with websockets.connect(f"{live}/ws/supervision") as ws:
            await ws.send(message if isinstance(message, str) else json.dumps(message))
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            with contextlib.suppress(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return frame, ws.close_code

    frame, code = await hello({"type": "hello", "since": 0})
    assert (frame["error"]["code"], code) == ("not_authenticated", 4001)
    frame, code = await hello({"type": "hello", "token": "nope", "since": 0})
    assert (frame["error"]["code"], code) == ("not_authenticated", 4001)
    frame, code = await hello({"type": "hello", "token": _token(admin_headers), "since": -1})
    assert (frame["error"]["code"], code) == ("hello_invalid", 4000)
    frame, code = await hello({"type": "subscribe"})
    assert (frame["error"]["code"], code) == ("hello_invalid", 4000)
    # the operator token holds the auditor's role: admitted, welcomed
    async with websockets.connect(f"{live}/ws/supervision") as ws:
        await ws.send(json.dumps({"type": "hello", "token": _token(admin_headers), "since": 0}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert welcome["type"] == "welcome" and isinstance(welcome["last_alert_id"], int)
