"""A lot's award ending without a contract (issue 21), on both profiles: 流标 declared by the agent
(法 28) with its notice on the portal and every paid deposit refunded through the termination trigger;
the tenderer's termination (条例 31) once the winner was notified, refused to anyone else; and an
evaluation that rejected every bid, whose award — opened with no candidate — the watch step fails by
itself."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.awards.creation import open_awards
from bidding.awards.endings import fail_empty
from bidding.awards.models import Award
from bidding.core.clock import ManualClock, china_day
from bidding.deposits.refund_rules import RefundTrigger
from bidding.tendering.models import Project
from tests.fixtures.award_contract import (
    award_row,
    awarded,
    contract_pdf,
    deposits_paid,
    refunds_of,
    triggers_of,
)
from tests.fixtures.awards import award_in
from tests.fixtures.errors import assert_error
from tests.fixtures.evaluation import (
    CHECKS,
    evaluation_in,
    judge_all,
    prepare_signature,
    sign_report,
    submit_sheet,
)
from tests.fixtures.parties import logged_in

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def _notices(client: httpx.AsyncClient, project_id: str) -> list[dict[str, Any]]:
    listed = await client.get("/api/public/announcements", params={"project_id": project_id, "kind": "termination"})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return items


async def _project_status(platform: Any, project_id: str) -> str:
    async with platform.sessions() as s:
        project = await s.get(Project, uuid.UUID(project_id))
        assert project is not None
        return str(project.status)


async def test_a_failed_tender_is_announced_and_every_deposit_refunded(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(
        client, admin_headers, clock, live, platform, before_opening=deposits_paid(client, platform, clock)
    )
    lot_id, project_id = w.c.lot["id"], w.c.project["id"]
    url = f"/api/awards/{w.award_id}"
    before = await _project_status(platform, project_id)

    # Termination is the tenderer's alone; 流标 is the project's; another reason needs its article.
    for headers in (w.p["agent"], w.bidder(0)):  # refused by their role before the award is read
        assert_error(await client.post(f"{url}/termination", json={"reason": "x"}, headers=headers), 403, "forbidden")
    assert_error(
        await client.post(f"{url}/failure", json={"reason": "too_few_bids"}, headers=w.bidder(1)), 403, "forbidden"
    )
    _, stranger = await logged_in(client, admin_headers, "agent")
    refused = await client.post(f"{url}/failure", json={"reason": "too_few_bids"}, headers=stranger.headers)
    assert_error(refused, 403, "award_forbidden")  # an agent, not this project's
    assert_error(
        await client.post(f"{url}/failure", json={"reason": "other", "note": "说明"}, headers=w.p["agent"]),
        422,
        "award_failure_article_missing",
    )
    assert await _notices(client, project_id) == []

    failed = await client.post(
        f"{url}/failure", json={"reason": "too_few_bids", "note": "两家投标人的投标被否决"}, headers=w.p["agent"]
    )
    assert failed.status_code == 200, failed.text
    view = failed.json()
    assert (view["state"], view["kind"], view["article"], view["refunds"]) == ("failed", "failed", "法28", 3)

    a = await award_row(platform, w.award_id)
    assert a.state == "failed" and a.ended is not None
    assert (a.ended["reason"], a.ended["announcement_id"]) == ("too_few_bids", view["announcement_id"])
    (notice,) = await _notices(client, project_id)
    assert notice["id"] == view["announcement_id"] and "流标公告" in notice["title"]
    assert "两家投标人的投标被否决" in notice["body"] and w.c.lot["code"] in notice["body"]
    assert notice["details"]["ending"] == "failed" and notice["details"]["lot"] == lot_id

    # Every bidder's deposit back, with interest, within 5 days (the termination trigger, 条例 31).
    today = china_day(clock.now())
    (trigger,) = await triggers_of(platform, lot_id)
    assert (trigger.trigger, trigger.occurred_on) == (RefundTrigger.TERMINATION, today)
    refunds = await refunds_of(platform, lot_id)
    assert sorted(str(r.organization_id) for r in refunds) == sorted(u.org_id for u, _ in w.c.bidders)
    assert all(r.trigger_id == trigger.id and r.due_on == today + timedelta(days=5) for r in refunds)

    # The project has another lot still open: its status does not follow. The award is final.
    assert await _project_status(platform, project_id) == before
    assert_error(
        await client.post(f"{url}/failure", json={"reason": "too_few_bids"}, headers=w.p["agent"]), 409, "award_state"
    )
    put = await client.put(
        f"{url}/contract",
        params={"signed_on": today.isoformat()},
        content=contract_pdf("承包人"),
        headers={**w.p["agent"], "Content-Type": "application/pdf"},
    )
    assert_error(put, 409, "award_state")


async def test_the_tenderer_terminates_after_the_notices(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    await awarded(client, platform, clock, w)
    url = f"/api/awards/{w.award_id}"
    assert_error(
        await client.post(f"{url}/termination", json={"reason": "项目取消"}, headers=w.p["agent"]),
        403,
        "forbidden",
    )
    ended = await client.post(f"{url}/termination", json={"reason": "因规划调整项目取消"}, headers=w.p["tenderer"])
    assert ended.status_code == 200, ended.text
    assert (ended.json()["state"], ended.json()["article"]) == ("terminated", "条例31")
    (notice,) = await _notices(client, w.c.project["id"])
    assert "终止招标公告" in notice["title"] and "因规划调整项目取消" in notice["body"]
    assert notice["details"]["ending"] == "terminated"
    (trigger,) = await triggers_of(platform, w.c.lot["id"])
    assert trigger.trigger == RefundTrigger.TERMINATION
    assert (await award_row(platform, w.award_id)).ended["kind"] == "terminated"  # type: ignore[index]
    # Nothing is left for the watch's step; ended is final.
    assert await fail_empty(platform, clock.now()) == 0
    assert_error(
        await client.post(f"{url}/failure", json={"reason": "too_few_bids"}, headers=w.p["tenderer"]),
        409,
        "award_state",
    )


async def test_an_evaluation_that_rejected_every_bid_fails_by_itself(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    """Every member rejects every bid on the first check: the report ranks none (法 42), the award opens
    with no candidate, and the watch step declares it failed (no_candidates) with its notice."""
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    await judge_all(client, c, fail={(i, CHECKS[0]): "资格不符" for i in range(len(c.bid_ids))})
    for i in range(len(c.members)):
        await submit_sheet(client, c, i, {})
    drafted = await client.post(f"/api/evaluations/{c.evaluation_id}/report", headers=c.members[0].headers)
    assert drafted.status_code == 200, drafted.text
    for m in c.members:
        signed = await sign_report(client, c, m, await prepare_signature(client, c, m))
        assert signed.status_code == 200, signed.text
    # the watch's first step alone (its second, fail_empty, is what this test runs by hand)
    assert len(await open_awards(platform.sessions, platform.settings, now=clock.now())) >= 1
    async with platform.sessions() as s:
        a = await s.scalar(select(Award).where(Award.evaluation_id == uuid.UUID(c.evaluation_id)))
    assert a is not None and a.state == "reported" and a.candidates == []

    await fail_empty(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    assert await fail_empty(platform, clock.now()) == 0
    a = await award_row(platform, str(a.id))
    assert a.state == "failed" and a.ended is not None
    assert (a.ended["reason"], a.ended["article"], a.ended["by"]) == ("no_candidates", "法42", "system:awards")
    (notice,) = await _notices(client, c.project["id"])
    assert "流标公告" in notice["title"] and "评标报告未推荐中标候选人" in notice["body"]
