"""An award is opened by the watch when the evaluation report is final (issue 21; RULES c11), once,
with the report's candidates and the full ranking as the report has them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.awards.creation import open_awards
from bidding.awards.models import Award
from bidding.awards.states import AwardState
from bidding.core.clock import ManualClock
from bidding.evaluation.models import Evaluation
from tests.fixtures.awards import RANKED, award_in

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def test_the_watch_opens_one_award_from_the_final_report(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    assert await open_awards(platform.sessions, platform.settings, now=clock.now()) == []  # once
    async with platform.sessions() as s:
        a = await s.get(Award, uuid.UUID(w.award_id))
        ev = await s.get(Evaluation, uuid.UUID(w.c.evaluation_id))
        assert a is not None and ev is not None and ev.report is not None
        assert a.state is AwardState.REPORTED
        assert a.report_sha256 == ev.report_sha256
        assert [c["bid_id"] for c in a.candidates] == [c["bid_id"] for c in ev.report["candidates"]]
        assert [c["bid_id"] for c in a.candidates] == [w.c.bid_ids[i] for i in RANKED]
        assert [c["rank"] for c in a.candidates] == [1, 2, 3]
        assert all(c["credit_code"] and c["price_fen"] for c in a.candidates)
        assert a.candidates[0]["duration_days"] == 365
        assert sorted(r["bid_id"] for r in a.ranking) == sorted(w.c.bid_ids)
        opened = (
            await s.scalars(
                select(AuditEvent).where(AuditEvent.action == "award.opened", AuditEvent.object_id == w.award_id)
            )
        ).all()
        assert len(opened) == 1
