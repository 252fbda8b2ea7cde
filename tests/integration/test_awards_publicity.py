"""The candidate publicity (中标候选人公示; 条例 54; RULES c11, c12 and acceptance check 4): published by
the award watch's step from the final report, shown on the portal with the candidates and nothing
secret, its PDF signed by the platform, the bidders notified; it cannot close before 3 full days (one
second before: still open; at the close: awaiting the choice)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bidding.audit.models import AuditEvent
from bidding.awards.models import Award
from bidding.awards.publicity import close_due, publish_due
from bidding.awards.rules import end_of_days, purchaser_choice_due
from bidding.awards.states import AwardState
from bidding.core.clock import ManualClock
from bidding.core.holidays import deployment_calendar
from tests.fixtures.awards import RANKED, award_in, log_in_again
from tests.fixtures.errors import assert_error

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def _award(platform: Any, award_id: str) -> Award:
    async with platform.sessions() as s:
        a = await s.get(Award, uuid.UUID(award_id))
        assert a is not None
        return a


async def test_publicity_published_by_the_step_shown_publicly_and_closed_after_3_full_days(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    lot_id = w.c.lot["id"]
    assert_error(await client.get(f"/api/public/awards/lots/{lot_id}"), 404, "award_not_found")
    assert (await client.get(f"/api/public/awards/{w.award_id}/publicity.pdf")).status_code == 404

    # the watch's step publishes it (within the 3 days by construction), once
    published_at = clock.now()
    # (the steps are global: awards other tests left on this database are moved too, hence no counts)
    await publish_due(
        platform, published_at
    )  # the steps are global and the in-process cron runs them too: the state is checked
    assert await publish_due(platform, published_at) == 0
    a = await _award(platform, w.award_id)
    assert a.state is AwardState.PUBLICITY
    assert a.publicity_published_at == published_at
    assert a.publicity_closes_at == end_of_days(published_at, 3)
    assert a.publicity_announcement_id is not None

    # the agent can no longer publish (only from `reported`); a bidder never could
    assert_error(await client.post(f"/api/awards/{w.award_id}/publicity", headers=w.p["agent"]), 409, "award_state")
    assert (await client.post(f"/api/awards/{w.award_id}/publicity", headers=w.bidder(0))).status_code == 403

    # the public view: the candidates as published, in rank order, and nothing secret
    shown = await client.get(f"/api/public/awards/lots/{lot_id}")
    assert shown.status_code == 200, shown.text
    view = shown.json()
    assert view["state"] == "publicity"
    assert [c["rank"] for c in view["candidates"]] == [1, 2, 3]
    assert [c["price_fen"] for c in view["candidates"]] == [c["price_fen"] for c in a.candidates]
    assert view["candidates"][0]["duration_days"] == 365
    assert view["candidates"][0]["project_manager"] is None  # the fixture's opening form does not declare one
    assert view["candidates"][0]["price_uppercase"].endswith(("整", "分", "角"))
    assert view["publicity"]["open"] is True
    assert view["publicity"]["suspended"] is False
    assert "第五十四条" in view["publicity"]["how_to_object_zh"]
    text = json.dumps(view, ensure_ascii=False)
    for secret in (*w.c.bid_ids, *(str(c["organization_id"]) for c in a.candidates), w.c.evaluation_id):
        assert secret not in text
    for field in ("ranking", "bid_id", "organization_id", "objections", "report_sha256", "members"):
        assert f'"{field}"' not in text

    # the platform-signed PDF, whose digest the view gives
    pdf = await client.get(view["publicity"]["pdf_url"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == view["publicity"]["pdf_sha256"] == a.publicity_sha256
    assert b"/ByteRange" in pdf.content  # signed

    # the portal lists the announcement; each bidder of the lot is notified in its workspace
    listed = await client.get(
        "/api/public/announcements", params={"kind": "candidate_publicity", "project_id": w.c.project["id"]}
    )
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [str(a.publicity_announcement_id)]
    assert items[0]["details"]["closes_at"] == a.publicity_closes_at.isoformat()
    assert [c["bidder"] for c in items[0]["details"]["candidates"]] == [c["bidder"] for c in a.candidates]
    for i in RANKED:
        notes = await client.get("/api/me/notifications", headers=w.bidder(i))
        assert notes.status_code == 200, notes.text
        assert [n["kind"] for n in notes.json()] == ["candidate_publicity"]

    # cannot close early: at 72 h, and one second before the close, still open; at the close, closed
    closes_at = a.publicity_closes_at
    await close_due(platform, published_at + timedelta(hours=72))
    assert (await _award(platform, w.award_id)).state is AwardState.PUBLICITY
    clock.set(closes_at - timedelta(seconds=1))
    await close_due(platform, clock.now())
    assert (await _award(platform, w.award_id)).state is AwardState.PUBLICITY
    clock.set(closes_at)
    await close_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    assert await close_due(platform, clock.now()) == 0
    assert (await _award(platform, w.award_id)).state is AwardState.AWAITING_CHOICE
    await log_in_again(client, w.c)
    after = (await client.get(f"/api/public/awards/lots/{lot_id}")).json()
    assert after["state"] == "awaiting_choice"
    assert after["publicity"]["open"] is False

    async with platform.sessions() as s:
        actions = (
            await s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == w.award_id).order_by(AuditEvent.id))
        ).all()
    assert "award.publicity_published" in actions
    assert "award.publicity_closed" in actions
    assert "award.publicity_late" not in actions


async def test_the_agent_publishes_before_the_clock_and_a_late_publicity_is_audited(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    # the tenderer, a bidder and the public may not publish; the agent may
    assert (await client.post(f"/api/awards/{w.award_id}/publicity", headers=w.p["tenderer"])).status_code == 403
    assert (await client.post(f"/api/awards/{w.award_id}/publicity")).status_code == 401
    done = await client.post(f"/api/awards/{w.award_id}/publicity", headers=w.p["agent"])
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "publicity"
    await publish_due(platform, clock.now())  # already published: not again
    async with platform.sessions() as s:
        published = await s.scalar(
            select(func.count()).where(
                AuditEvent.object_id == w.award_id, AuditEvent.action == "award.publicity_published"
            )
        )
    assert published == 1

    # a second award whose report the watch missed for 4 days: published anyway, audited as late
    w2 = await award_in(client, admin_headers, clock, live, platform)
    late = clock.now() + timedelta(days=4)
    await publish_due(
        platform, late
    )  # the steps are global and the in-process cron runs them too: the state is checked
    async with platform.sessions() as s:
        details = (
            await s.scalars(
                select(AuditEvent.details).where(
                    AuditEvent.object_id == w2.award_id, AuditEvent.action == "award.publicity_late"
                )
            )
        ).all()
    assert len(details) == 1
    assert details[0]["article"] == "条例54"
    a2 = await _award(platform, w2.award_id)
    assert a2.state is AwardState.PUBLICITY
    assert a2.publicity_closes_at == end_of_days(late, 3)


async def test_government_procurement_has_no_publicity(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    # A government procurement evaluation needs a goods project and a committee of seven; the award's
    # flag, copied from the report, is what the publicity reads: set it on this works award.
    async with platform.sessions() as s, s.begin():
        a = await s.get(Award, uuid.UUID(w.award_id))
        assert a is not None
        a.government_procurement = True
        a.choice_due_on = purchaser_choice_due(a.report_final_at, deployment_calendar(platform.settings))
    refused = await client.post(f"/api/awards/{w.award_id}/publicity", headers=w.p["agent"])
    assert_error(refused, 409, "publicity_not_applicable")
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    a = await _award(platform, w.award_id)
    assert a.state is AwardState.AWAITING_CHOICE
    assert a.publicity_published_at is None
    assert a.publicity_announcement_id is None
    async with platform.sessions() as s:
        moves = (
            await s.scalars(
                select(AuditEvent.details).where(AuditEvent.object_id == w.award_id, AuditEvent.action == "award.state")
            )
        ).all()
    assert [m["reason"] for m in moves] == ["government_procurement_no_publicity"]
    # nothing public until the result is sent
    assert_error(await client.get(f"/api/public/awards/lots/{w.c.lot['id']}"), 404, "award_not_found")
