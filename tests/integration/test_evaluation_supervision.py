"""The supervisor's read-only view of evaluations with remarks, and the project party's progress
(issue 20 "Pages … the supervisor's read-only view with remarks"; ``docs/evaluation.md`` §The
supervisor's view), after a real opening: the supervisor lists and reads the evaluation — never a
body, never a sheet before it is submitted — and remarks, which the committee sees in its room; the
agent and tenderer see counts only; everyone else is refused."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.core.clock import ManualClock
from tests.fixtures.errors import assert_error
from tests.fixtures.evaluation import evaluation_in
from tests.fixtures.parties import logged_in_parties

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

ROUTE = "/api/supervision/evaluations/{evaluation_id:uuid}"


async def test_the_supervisor_reads_and_remarks_the_project_sees_counts_and_nobody_else_anything(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev = c.evaluation_id
    supervisor = c.p["supervisor"]

    listed = await client.get("/api/supervision/evaluations", headers=supervisor)
    assert listed.status_code == 200, listed.text
    mine = next(e for e in listed.json() if e["id"] == ev)
    assert (mine["state"], mine["size"], mine["sitting"], mine["bids"], mine["passed"], mine["rejected"]) == (
        "preliminary",
        5,
        5,
        3,
        0,
        0,
    )
    assert mine["lot_id"] == c.lot["id"] and mine["finalised_at"] is None
    filtered = await client.get("/api/supervision/evaluations", params={"state": "final"}, headers=supervisor)
    assert ev not in [e["id"] for e in filtered.json()]
    assert (
        await client.get("/api/supervision/evaluations", params={"state": "nonsense"}, headers=supervisor)
    ).status_code == 400

    shown = await client.get(f"/api/supervision/evaluations/{ev}", headers=supervisor)
    assert shown.status_code == 200, shown.text
    view = shown.json()
    assert view["state"] == "preliminary" and view["chair_id"] == c.members[0].member_id
    assert sorted(m["id"] for m in view["members"]) == sorted(str(m.member_id) for m in c.members)
    assert all(m["status"] == "sitting" and m["declared_at"] for m in view["members"])
    assert sorted(b["bid_id"] for b in view["bids"]) == sorted(c.bid_ids)
    assert all(b["review"] == "in_review" for b in view["bids"])
    assert (view["sheets"], view["clarifications"], view["rechecks"], view["remarks"], view["report"]) == (
        [],
        [],
        [],
        [],
        None,
    )
    # Never a body: no file list, no object key anywhere in the view.
    assert "files" not in shown.text and "opened/" not in shown.text

    # A remark: kept, audited, shown to the committee in its room and to the supervisor.
    text = "请评标委员会注意第3号投标人资质证书的有效期。"
    made = await client.post(f"/api/supervision/evaluations/{ev}/remarks", json={"text": text}, headers=supervisor)
    assert made.status_code == 201, made.text
    assert made.json()["text"] == text and made.json()["author"]
    room = (await client.get(f"/api/evaluations/{ev}", headers=c.members[2].headers)).json()
    assert [r["text"] for r in room["remarks"]] == [text]
    again = (await client.get(f"/api/supervision/evaluations/{ev}", headers=supervisor)).json()
    assert [r["text"] for r in again["remarks"]] == [text]
    async with platform.sessions() as session:
        audited = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "evaluation.remark", AuditEvent.object_id == ev)
        )
    assert audited is not None and audited.details["text"] == text
    for bad in ({"text": ""}, {"text": "x" * 2001}, {}, {"text": "ok", "extra": 1}):
        refused = await client.post(f"/api/supervision/evaluations/{ev}/remarks", json=bad, headers=supervisor)
        assert refused.status_code == 400, (bad, refused.text)
    assert (
        await client.post(f"/api/supervision/evaluations/{ev}/remarks", json={"text": "   "}, headers=supervisor)
    ).status_code == 400

    # Only the supervisor: a member, the agent, a bidder, nobody logged in.
    for headers in (c.members[0].headers, c.p["agent"], c.bidders[0][1]):
        assert (await client.get(f"/api/supervision/evaluations/{ev}", headers=headers)).status_code == 403
        assert (await client.get("/api/supervision/evaluations", headers=headers)).status_code == 403
        assert (
            await client.post(f"/api/supervision/evaluations/{ev}/remarks", json={"text": "x"}, headers=headers)
        ).status_code == 403
    assert (await client.get(f"/api/supervision/evaluations/{ev}")).status_code == 401
    assert_error(
        await client.get(f"/api/supervision/evaluations/{uuid.uuid4()}", headers=supervisor),
        404,
        "evaluation_not_found",
    )

    # The project's agent and tenderer: counts, nothing of who judged what, no report before final.
    for who in ("agent", "tenderer"):
        progress = await client.get(f"/api/agent/lots/{c.lot['id']}/evaluation", headers=c.p[who])
        assert progress.status_code == 200, progress.text
        counts = progress.json()
        assert counts == {
            "lot_id": c.lot["id"],
            "evaluation_id": ev,
            "state": "preliminary",
            "size": 5,
            "sitting": 5,
            "bids": 3,
            "in_review": 3,
            "passed": 0,
            "rejected": 0,
            "finalised_at": None,
            "report_sha256": None,
            "report": None,
        }
    # Another project's agent, a bidder, an expert, nobody: refused.
    stranger = await logged_in_parties(client, admin_headers, ("agent", "agent"))
    assert_error(
        await client.get(f"/api/agent/lots/{c.lot['id']}/evaluation", headers=stranger["agent"]),
        403,
        "evaluation_forbidden",
    )
    assert (await client.get(f"/api/agent/lots/{c.lot['id']}/evaluation", headers=c.bidders[0][1])).status_code == 403
    assert (
        await client.get(f"/api/agent/lots/{c.lot['id']}/evaluation", headers=c.members[0].headers)
    ).status_code == 403
    assert (await client.get(f"/api/agent/lots/{c.lot['id']}/evaluation")).status_code == 401
