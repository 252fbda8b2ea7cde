"""Supervision orders (电子督办单; issue 24; RULES d, acceptance checks 2 and 5): a red alert opens one
order per clock, numbered per China year, with a reply deadline of 3 working days; the organisation
responsible answers it and no other (another organisation does not even see it), the supervisor
closes it with a mandatory reason and nobody closes it twice; an order past its reply deadline
escalates, not a second earlier, once per pass; the database refuses to delete one.

The clocks and red alerts are rows written here as the supervision watch would write them (the
watch's own tests raise them from the audit trail); the orders are opened by the function the
watch calls, and read and acted on over HTTP by real logged-in users."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from bidding.audit.models import AuditEvent
from bidding.awards.rules import CHINA, china_day
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.core.holidays import deployment_calendar
from bidding.messaging.service import dispatch
from bidding.supervision.models import SupervisionAlert, SupervisionClock, SupervisionOrder
from bidding.supervision.orders import escalate_due, open_order, reply_due
from tests.fixtures.errors import assert_error
from tests.fixtures.projects import relogin
from tests.fixtures.supervision import actor_of, clock_with_alert

URL = "/api/supervision/orders"
ACTOR = Actor.system("supervision")


async def red_clock(platform: Any, p: dict[str, Any], who: str, now: datetime, kind: str = "supervisor_report") -> int:
    """A clock of ``who``'s project gone red at ``now``, with its red alert (as the watch writes
    them); the alert's id."""
    _, alert = await clock_with_alert(platform, p, who, now, kind=kind)
    return int(alert.id)


async def open_for(platform: Any, alert_id: int, now: datetime) -> tuple[SupervisionOrder, int]:
    """The order of the alert's clock, opened as the watch opens it (its transaction, then the
    messages dispatched); the order and how many messages were queued."""
    async with platform.sessions() as s, s.begin():
        alert = await s.get(SupervisionAlert, alert_id)
        assert alert is not None
        clock = await s.get(SupervisionClock, alert.clock_id)
        assert clock is not None
        order, queued = await open_order(s, platform, clock, alert, now=now, actor=ACTOR)
    await dispatch(platform, queued)
    return order, len(queued)


async def red_order(platform: Any, p: dict[str, Any], who: str, now: datetime) -> SupervisionOrder:
    order, _ = await open_for(platform, await red_clock(platform, p, who, now), now)
    return order


async def events(platform: Any, order_id: uuid.UUID) -> list[AuditEvent]:
    async with platform.sessions() as s:
        rows = await s.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "supervision_order", AuditEvent.object_id == str(order_id))
            .order_by(AuditEvent.id)
        )
        return list(rows.all())


async def announced(pubsub: Any, expected: dict[str, Any]) -> bool:
    """Whether ``expected`` came on the supervision channel within 5 s (other messages skipped)."""
    try:
        async with asyncio.timeout(5):
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None and json.loads(message["data"]) == expected:
                    return True
    except TimeoutError:
        return False


async def inbox(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The supervision orders' notices in a user's in-app inbox."""
    listed = await client.get("/api/me/messages", headers=headers)
    assert listed.status_code == 200, listed.text
    return [m for m in listed.json() if m["purpose"] == "supervision.order"]


async def max_number(platform: Any, year: int) -> int:
    async with platform.sessions() as s:
        last = await s.scalar(
            select(func.max(SupervisionOrder.number)).where(SupervisionOrder.number.like(f"DB-{year}-%"))
        )
    return int(last.rsplit("-", 1)[1]) if last else 0


async def test_a_red_alert_opens_one_order_per_clock_numbered_per_year(
    client: httpx.AsyncClient, supervision_world: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    p, now = supervision_world, clock.now()
    year = china_day(now).year
    before = await max_number(platform, year)
    alert_id = await red_clock(platform, p, "agent", now)
    order, told = await open_for(platform, alert_id, now)
    assert order.number == f"DB-{year}-{before + 1:06d}"
    assert told >= 1  # the agency's in-app notice (and its e-mail where it gave an address)
    assert (order.state, order.escalations, order.opened_by) == ("open", 0, ACTOR.id)
    # reply due at the end of the 3rd working day after today (China time, the State Council's calendar)
    calendar = deployment_calendar(platform.settings)
    due = order.reply_due_at.astimezone(CHINA)
    assert due.time() == time(23, 59, 59) and calendar(due.date())
    assert (
        sum(calendar(china_day(now) + timedelta(days=d)) for d in range(1, (due.date() - china_day(now)).days + 1)) == 3
    )
    assert order.reply_due_at == reply_due(now, platform.settings)

    # the same clock's red again (a second pass, another process): the same order, nothing told
    again, told_again = await open_for(platform, alert_id, now + timedelta(seconds=10))
    assert (again.id, again.number, told_again) == (order.id, order.number, 0)
    assert [e.action for e in await events(platform, order.id)] == ["supervision.order_opened"]
    opened = (await events(platform, order.id))[0]
    assert opened.actor == ACTOR.id
    assert opened.details["number"] == order.number
    assert opened.details["organization"] == p["users"]["agent"].org_id
    assert opened.details["person"] == actor_of(p["users"]["agent"])

    # the next clock takes the next number; in the next China year the sequence starts again
    second = await red_order(platform, p, "agent2", now)
    assert second.number == f"DB-{year}-{before + 2:06d}"
    new_year = datetime.combine(datetime(year + 1, 1, 1).date(), time(0, 0, 1), CHINA).astimezone(UTC)
    first_of_year = await max_number(platform, year + 1)
    third = await red_order(platform, p, "agent", new_year)
    assert third.number == f"DB-{year + 1}-{first_of_year + 1:06d}"

    # the agency is told in its workspace
    assert any(order.number in m["subject_zh"] for m in await inbox(client, p["agent"]))


async def test_the_agency_answers_the_supervisor_closes_with_a_reason(
    client: httpx.AsyncClient, supervision_world: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    p, now = supervision_world, clock.now()
    order = await red_order(platform, p, "agent", now)
    other = await red_order(platform, p, "agent2", now)
    one = f"{URL}/{order.id}"

    # who reads: the supervisor and the auditor all, an agency its own; the rest nothing
    for reader in ("supervisor", "auditor"):
        listed = await client.get(URL, headers=p[reader])
        assert listed.status_code == 200, listed.text
        assert {str(order.id), str(other.id)} <= {o["id"] for o in listed.json()}
    mine = (await client.get(URL, headers=p["agent"])).json()
    assert str(order.id) in {o["id"] for o in mine} and str(other.id) not in {o["id"] for o in mine}
    assert {o["responsible_org_id"] for o in mine} == {p["users"]["agent"].org_id}
    view = (await client.get(one, headers=p["agent"])).json()
    assert view["number"] == order.number and view["state"] == "open" and view["overdue"] is False
    assert view["project_code"] == p["agent_project"]["code"] and view["article"] == "法47"
    assert view["duty_zh"] and view["responsible"] == "agent" and view["alert_id"] == order.alert_id
    assert view["responsible_org_name"] == p["users"]["agent"].org_name
    assert_error(await client.get(one, headers=p["agent2"]), 404, "order_not_found")
    assert_error(await client.get(one, headers=p["bidder"]), 404, "order_not_found")
    assert (await client.get(one)).status_code == 401
    assert_error(await client.get(f"{URL}/{uuid.uuid4()}", headers=p["supervisor"]), 404, "order_not_found")
    malformed = await client.get(f"{URL}/not-a-uuid", headers=p["supervisor"])
    assert malformed.status_code in (400, 404) and malformed.json()["error"]["code"] in (
        "validation_failed",
        "not_found",
    )
    assert_error(await client.get(URL, params={"state": "lost"}, headers=p["supervisor"]), 400, "validation_failed")
    assert_error(await client.get(URL, params={"limit": 0}, headers=p["supervisor"]), 400, "validation_failed")

    # who answers: the agency responsible; not another agency (it does not see it), not the
    # supervisor nor the auditor; the answer is 1 to 4000 characters
    answer = {"answer": "已于今日向监督部门提交书面报告。"}
    assert_error(await client.post(f"{one}/answer", json=answer, headers=p["agent2"]), 404, "order_not_found")
    assert_error(await client.post(f"{one}/answer", json=answer, headers=p["supervisor"]), 403, "forbidden")
    assert_error(await client.post(f"{one}/answer", json=answer, headers=p["auditor"]), 403, "forbidden")
    for blank in ({"answer": ""}, {"answer": " \n "}, {}):
        refused = assert_error(
            await client.post(f"{one}/answer", json=blank, headers=p["agent"]), 422, "answer_required"
        )
        assert refused["details"][0]["key"] == "answer"
    huge = await client.post(f"{one}/answer", json={"answer": "长" * 4001}, headers=p["agent"])
    assert huge.status_code in (400, 422), huge.text
    unknown = await client.post(f"{one}/answer", json=answer | {"extra": 1}, headers=p["agent"])
    assert_error(unknown, 400, "validation_failed")
    assert_error(
        await client.post(f"{URL}/{uuid.uuid4()}/answer", json=answer, headers=p["agent"]), 404, "order_not_found"
    )
    async with platform.redis.pubsub() as pubsub:  # the supervision pages hear of it live, after the commit
        await pubsub.subscribe(platform.settings.redis_key("supervision"))
        answered = await client.post(f"{one}/answer", json={"answer": f"  {answer['answer']}  "}, headers=p["agent"])
        assert answered.status_code == 200, answered.text
        assert await announced(pubsub, {"type": "order", "id": str(order.id)})
    body = answered.json()
    assert body["state"] == "answered" and body["answer"] == answer["answer"]
    assert body["answered_by"] == actor_of(p["users"]["agent"])
    assert_error(await client.post(f"{one}/answer", json=answer, headers=p["agent"]), 409, "order_state")

    # who closes: the supervisor, with a reason of 2 to 2000 characters
    reason = {"reason": "已收到书面报告，督办事项办结。"}
    assert_error(await client.post(f"{one}/close", json=reason, headers=p["auditor"]), 403, "forbidden")
    assert_error(await client.post(f"{one}/close", json=reason, headers=p["agent"]), 403, "forbidden")
    for blank in ({}, {"reason": ""}, {"reason": "   "}, {"reason": " 好 "}):
        refused = assert_error(
            await client.post(f"{one}/close", json=blank, headers=p["supervisor"]), 422, "close_reason_required"
        )
        assert refused["details"][0]["key"] == "reason", refused
    huge = await client.post(f"{one}/close", json={"reason": "理" * 2001}, headers=p["supervisor"])
    assert huge.status_code in (400, 422), huge.text
    assert_error(
        await client.post(f"{URL}/{uuid.uuid4()}/close", json=reason, headers=p["supervisor"]), 404, "order_not_found"
    )
    closed = await client.post(f"{one}/close", json=reason, headers=p["supervisor"])
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["state"], body["close_reason"]) == ("closed", reason["reason"])
    assert body["closed_by"] == actor_of(p["users"]["supervisor"])
    assert_error(await client.post(f"{one}/close", json=reason, headers=p["supervisor"]), 409, "order_state")
    assert_error(await client.post(f"{one}/answer", json=answer, headers=p["agent"]), 409, "order_state")

    # an order still open may be closed too; the state filter reads them
    closed_open = await client.post(f"{URL}/{other.id}/close", json=reason, headers=p["supervisor"])
    assert closed_open.status_code == 200 and closed_open.json()["answer"] is None
    states = (await client.get(URL, params={"state": "closed", "limit": 500}, headers=p["auditor"])).json()
    assert {str(order.id), str(other.id)} <= {o["id"] for o in states}
    assert {o["state"] for o in states} == {"closed"}

    # each step an audit event, the reason in the closing one; the agency told of the closing
    trail = await events(platform, order.id)
    assert [e.action for e in trail] == [
        "supervision.order_opened",
        "supervision.order_answered",
        "supervision.order_closed",
    ]
    assert trail[1].actor == actor_of(p["users"]["agent"]) and trail[1].content_sha256
    assert trail[2].details["reason"] == reason["reason"] and trail[2].details["from"] == "answered"
    told = [(who, m["subject_zh"]) for who in ("agent", "supervisor") for m in await inbox(client, p[who])]
    assert ("agent", f"【督办单已办结】{order.number} {p['agent_project']['code']}") in told
    assert ("supervisor", f"【督办单已回复】{order.number} {p['agent_project']['code']}") in told


async def test_an_overdue_order_escalates_once_and_not_before(
    client: httpx.AsyncClient, supervision_world: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    p, now = supervision_world, clock.now()
    order = await red_order(platform, p, "agent", now)
    answered = await red_order(platform, p, "agent2", now)
    reply = await client.post(f"{URL}/{answered.id}/answer", json={"answer": "已整改"}, headers=p["agent2"])
    assert reply.status_code == 200, reply.text
    due = order.reply_due_at

    async def read(order_id: uuid.UUID) -> SupervisionOrder:
        async with platform.sessions() as s:
            found = await s.get(SupervisionOrder, order_id)
            assert found is not None
            return found

    # at the last second of the reply period: in time, nothing escalates
    await escalate_due(platform, due)
    assert (await read(order.id)).escalations == 0
    # one second later it is overdue: shown so, and escalated once by the pass
    clock.set(due + timedelta(seconds=1))
    await relogin(client, p)
    view = (await client.get(f"{URL}/{order.id}", headers=p["supervisor"])).json()
    assert view["overdue"] is True and view["escalations"] == 0
    overdue = (await client.get(URL, params={"overdue": "true", "limit": 500}, headers=p["supervisor"])).json()
    assert str(order.id) in {o["id"] for o in overdue} and str(answered.id) not in {o["id"] for o in overdue}
    late = due + timedelta(seconds=1)
    assert await escalate_due(platform, late) >= 1
    escalated = await read(order.id)
    assert (escalated.escalations, escalated.escalated_at) == (1, late)
    assert escalated.reply_due_at == reply_due(late, platform.settings) > late
    assert (await read(answered.id)).escalations == 0  # answered: nothing owed by the agency
    # the same pass again (another process, a retry): nothing more
    assert await escalate_due(platform, late) == 0
    assert (await read(order.id)).escalations == 1
    view = (await client.get(f"{URL}/{order.id}", headers=p["agent"])).json()
    assert view["overdue"] is False and view["escalations"] == 1
    # overdue again after the new period: the second level
    again = escalated.reply_due_at + timedelta(seconds=1)
    assert await escalate_due(platform, again) >= 1
    assert (await read(order.id)).escalations == 2

    trail = await events(platform, order.id)
    escalations = [e for e in trail if e.action == "supervision.order_escalated"]
    assert [e.details["escalations"] for e in escalations] == [1, 2]
    assert escalations[0].details["reply_due_at"] == escalated.reply_due_at.isoformat()
    # the agency and the supervision office are told
    for who in ("agent", "supervisor"):
        assert any("督办升级" in m["subject_zh"] for m in await inbox(client, p[who])), who


async def test_an_order_is_never_deleted(supervision_world: dict[str, Any], platform: Any, clock: ManualClock) -> None:
    order = await red_order(platform, supervision_world, "agent", clock.now())
    with pytest.raises(DBAPIError, match="never deleted"):
        async with platform.sessions() as s, s.begin():
            await s.execute(delete(SupervisionOrder).where(SupervisionOrder.id == order.id))
    async with platform.sessions() as s:
        assert await s.get(SupervisionOrder, order.id) is not None
