"""Complaints to the supervisor (投诉; 条例 60–61; RULES d): a bidder of the lot files a signed complaint
within 10 days of the publicity — the days its own objection waited for the answer not counted — and
not a second later; the supervisor accepts (the decision then due in 30 working days), refuses with a
reason or decides, each clock shown red when missed; who reads and who acts is checked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.awards.models import Award
from bidding.awards.publicity import publish_due
from bidding.awards.rules import CHINA, china_day, complaint_acceptance_due, complaint_decision_due
from bidding.core.clock import ManualClock
from bidding.core.holidays import deployment_calendar
from tests.fixtures.awards import Awarding, award_in, log_in_again
from tests.fixtures.errors import assert_error
from tests.fixtures.evaluation import sign_statement
from tests.fixtures.parties import logged_in

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def _signed(client: httpx.AsyncClient, w: Awarding, i: int, what: str, body: dict[str, Any]) -> httpx.Response:
    url = f"/api/awards/{w.award_id}/{what}"
    handed = await client.post(f"{url}/statement", json=body, headers=w.bidder(i))
    if handed.status_code != 200:
        return handed
    return await client.post(url, json=body | sign_statement(w.c.bidders[i][0], handed.json()), headers=w.bidder(i))


def _end_of_china_day(day: Any) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), CHINA).astimezone(UTC) - timedelta(seconds=1)


async def test_complaints_with_their_clocks_filed_by_bidders_handled_by_the_supervisor(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    url = f"/api/awards/{w.award_id}/complaints"
    calendar = deployment_calendar(platform.settings)
    # nothing published yet: no complaint
    assert_error(await client.post(f"{url}/statement", json={"text": "投诉"}, headers=w.bidder(1)), 409, "award_state")
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    async with platform.sessions() as s:
        a = await s.get(Award, uuid.UUID(w.award_id))
        assert a is not None
        assert a.publicity_published_at is not None
        known_on = china_day(a.publicity_published_at)

    # bidder 2 objects, answered two days later: those days do not count
    objected = await _signed(client, w, 2, "objections", {"text": "第一名项目经理有在建项目"})
    assert objected.status_code == 201, objected.text
    objection_id = objected.json()["id"]
    clock.set(clock.now() + timedelta(days=2))
    await log_in_again(client, w.c)
    answer = {"answer": "经核实，无在建项目。"}
    answered = await client.post(
        f"/api/awards/{w.award_id}/objections/{objection_id}/answer", json=answer, headers=w.p["tenderer"]
    )
    assert answered.status_code == 200, answered.text

    # wrong parties: the tenderer, an expert, a bidder not in the lot, the public
    body = {"text": "评标委员会未按招标文件评审"}
    assert_error(await client.post(f"{url}/statement", json=body, headers=w.p["tenderer"]), 403, "forbidden")
    assert_error(await client.post(f"{url}/statement", json=body, headers=w.c.members[0].headers), 403, "forbidden")
    _, outsider = await logged_in(client, admin_headers, "bidder")
    assert_error(await client.post(f"{url}/statement", json=body, headers=outsider.headers), 403, "award_forbidden")
    assert (await client.post(f"{url}/statement", json=body)).status_code == 401
    # someone else's objection is not one's own
    other = body | {"objection_id": objection_id}
    assert_error(await client.post(f"{url}/statement", json=other, headers=w.bidder(1)), 404, "objection_not_found")

    # bidder 1 complains now: received; the acceptance due in 3 working days
    first = await _signed(client, w, 1, "complaints", body)
    assert first.status_code == 201, first.text
    c1 = first.json()
    assert c1["status"] == "received"
    assert c1["known_on"] == known_on.isoformat()
    assert c1["last_day"] == (known_on + timedelta(days=10)).isoformat()
    received_on = china_day(clock.now())
    assert c1["acceptance_due_on"] == complaint_acceptance_due(received_on, calendar).isoformat()
    assert c1["acceptance_overdue"] is False

    # the last second of the 10th day: on time; one second later: late — unless the objection waited
    clock.set(_end_of_china_day(known_on + timedelta(days=10)))
    await log_in_again(client, w.c)
    on_time = await _signed(client, w, 0, "complaints", {"text": "第一名业绩不实"})
    assert on_time.status_code == 201, on_time.text
    clock.set(clock.now() + timedelta(seconds=1))
    late = await client.post(f"{url}/statement", json={"text": "第一名业绩不实（补充）"}, headers=w.bidder(0))
    assert_error(late, 422, "complaint_late")
    with_objection = await _signed(client, w, 2, "complaints", {"text": "异议答复不成立", "objection_id": objection_id})
    assert with_objection.status_code == 201, with_objection.text
    c2 = with_objection.json()
    assert c2["last_day"] == (known_on + timedelta(days=12)).isoformat()
    assert c2["objection_id"] == objection_id

    # who reads: the supervisor and the project all, a bidder its own
    _, outsider = await logged_in(client, admin_headers, "bidder")  # the first one's session is over
    for headers in (w.p["supervisor"], w.p["tenderer"], w.p["agent"]):
        listed = await client.get(url, headers=headers)
        assert listed.status_code == 200, listed.text
        assert len(listed.json()) == 3
    mine = (await client.get(url, headers=w.bidder(0))).json()
    assert [c["id"] for c in mine] == [on_time.json()["id"]]
    assert_error(await client.get(url, headers=outsider.headers), 403, "award_forbidden")
    assert_error(await client.get(url, headers=w.c.members[0].headers), 403, "forbidden")
    # bidder 1's complaint waited past its 3 working days: red
    by_id = {c["id"]: c for c in (await client.get(url, headers=w.p["supervisor"])).json()}
    assert by_id[c1["id"]]["acceptance_overdue"] is True
    assert by_id[c2["id"]]["acceptance_overdue"] is False

    # only the supervisor handles: not the agent, not a bidder
    accept = f"{url}/{c1['id']}/accept"
    assert_error(await client.post(accept, headers=w.p["agent"]), 403, "forbidden")
    assert_error(await client.post(accept, headers=w.bidder(1)), 403, "forbidden")
    assert_error(
        await client.post(f"{url}/{uuid.uuid4()}/accept", headers=w.p["supervisor"]), 404, "complaint_not_found"
    )
    accepted = await client.post(accept, headers=w.p["supervisor"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    today = china_day(clock.now())
    assert accepted.json()["decision_due_on"] == complaint_decision_due(today, calendar).isoformat()
    assert accepted.json()["acceptance_overdue"] is True  # accepted after its clock: stays red
    assert_error(await client.post(accept, headers=w.p["supervisor"]), 409, "complaint_status")

    # decide the accepted one; a received one cannot be decided, only accepted or refused (with a reason)
    decide = {"decision": "经调查，投诉事项不成立，驳回投诉。"}
    premature = await client.post(f"{url}/{c2['id']}/decide", json=decide, headers=w.p["supervisor"])
    assert_error(premature, 409, "complaint_status")
    decided = await client.post(f"{url}/{c1['id']}/decide", json=decide, headers=w.p["supervisor"])
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "decided"
    assert decided.json()["decision_overdue"] is False
    assert (
        await client.post(f"{url}/{c2['id']}/refuse", json={"reason": ""}, headers=w.p["supervisor"])
    ).status_code == 400
    refused = await client.post(
        f"{url}/{c2['id']}/refuse", json={"reason": "异议答复已依法作出，投诉缺乏事实依据。"}, headers=w.p["supervisor"]
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    assert refused.json()["decision"] == "异议答复已依法作出，投诉缺乏事实依据。"

    # the complainant is told each step
    inbox = (await client.get("/api/me/messages", headers=w.bidder(1))).json()
    subjects = [m["subject_zh"] for m in inbox if m["purpose"] == "award.complaint"]
    assert sorted(subjects) == sorted(["投诉已受理", "投诉处理决定"])
    async with platform.sessions() as s:
        actions = (
            await s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.object_id == w.award_id, AuditEvent.action.like("award.complaint%")
                )
            )
        ).all()
    assert sorted(actions) == sorted(
        ["award.complaint_filed"] * 3
        + ["award.complaint_accepted", "award.complaint_decided", "award.complaint_refused"]
    )
