"""The signed contract, the report to the supervisor and the award's close (issue 21; 法 46–47; 条例 57),
on both profiles: a real evaluation's award with every bidder's deposit paid through the bank's
statement, carried to ``awarded`` by the real publicity, choice and notices, then everything through
the API — the contract's refusals by code, who may upload and read it, the contract that
names the winner and its price accepted with the deposits' refunds decided in its transaction, the
report, and the watch step that closes the award only once all three are done. A second test signs
late: accepted, flagged and audited."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.awards.closing import close_due
from bidding.awards.models import Award
from bidding.awards.publicity import publish_due
from bidding.awards.rules import purchaser_choice_due
from bidding.awards.states import AwardState
from bidding.core.clock import ManualClock, china_day
from bidding.core.holidays import deployment_calendar
from bidding.deposits.refund_rules import RefundTrigger, due_on
from bidding.deposits.refunds import policy_of
from tests.fixtures.award_contract import (
    award_row,
    awarded,
    contract_pdf,
    deposits_paid,
    price_lines,
    refunds_of,
    triggers_of,
)
from tests.fixtures.awards import award_in, log_in_again
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import logged_in

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


def _put(client: httpx.AsyncClient, award_id: str, pdf: bytes, headers: dict[str, str], signed_on: Any) -> Any:
    return client.put(
        f"/api/awards/{award_id}/contract",
        params={"signed_on": str(signed_on), "filename": "施工合同.pdf"},
        content=pdf,
        headers={**headers, "Content-Type": "application/pdf"},
    )


async def _actions(platform: Any, award_id: str) -> list[str]:
    async with platform.sessions() as s:
        return list(
            (
                await s.scalars(
                    select(AuditEvent.action).where(AuditEvent.object_id == award_id).order_by(AuditEvent.id)
                )
            ).all()
        )


async def test_the_contract_is_checked_then_refunds_follow_and_the_award_closes(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(
        client, admin_headers, clock, live, platform, before_opening=deposits_paid(client, platform, clock)
    )
    lot_id = w.c.lot["id"]
    winner = await awarded(client, platform, clock, w)
    loser = next(i for i, b in enumerate(w.c.bid_ids) if b != winner["bid_id"])
    today = china_day(clock.now())
    price = winner["price_fen"]
    names = [f"发包人：{w.c.p['users']['tenderer'].org_name}", f"承包人：{winner['bidder']}"]
    good = contract_pdf(*names, *price_lines(price), "本合同自双方签字盖章之日起生效。")

    # Refusals, each by its code; nothing moves.
    cases = [
        (contract_pdf(*names, "签约合同价：详见附件。"), today, "contract_price_missing"),
        (
            contract_pdf(f"承包人：{w.c.bidders[loser][0].org_name}", *price_lines(price)),
            today,
            "contract_winner_missing",
        ),
        (contract_pdf(*names, *price_lines(price + 1)), today, "contract_price_missing"),
        (b"not a pdf at all", today, "contract_not_pdf"),
        (good, today + timedelta(days=1), "contract_date_invalid"),
        (good, today - timedelta(days=1), "contract_date_invalid"),
    ]
    for pdf, day, code in cases:
        refused = await _put(client, w.award_id, pdf, w.p["agent"], day)
        assert_error(refused, 422, code)
    as_form = await client.put(
        f"/api/awards/{w.award_id}/contract",
        params={"signed_on": str(today)},
        content=good,
        headers={**w.p["agent"], "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert_error(as_form, 415, "unsupported_media_type")
    assert (await award_row(platform, w.award_id)).state == "awarded"
    assert await triggers_of(platform, lot_id) == []

    # Who may upload: not a bidder (the loser, the winner itself), not another project's agent, not anonymous.
    _, stranger = await logged_in(client, admin_headers, "agent")
    for headers in (w.bidder(loser), stranger.headers):
        assert (await _put(client, w.award_id, good, headers, today)).status_code == 403
    winner_index = w.c.bid_ids.index(winner["bid_id"])
    assert (await _put(client, w.award_id, good, w.bidder(winner_index), today)).status_code == 403
    assert (await _put(client, w.award_id, good, {}, today)).status_code == 401

    # Before the contract, nothing to close and no contract to read.
    await close_due(platform, clock.now())
    assert (await award_row(platform, w.award_id)).state is AwardState.AWARDED
    assert (await client.get(f"/api/awards/{w.award_id}/contract", headers=w.p["tenderer"])).status_code == 404

    # The contract naming the winner and its price (in 大写 and in figures): contracted, and every
    # bidder's deposit refunded in the same transaction, due 5 days after the signing (条例 57).
    accepted = await _put(client, w.award_id, good, w.p["agent"], today)
    assert accepted.status_code == 200, accepted.text
    view = accepted.json()
    assert view["state"] == "contracted" and view["late"] is False and view["price_fen"] == price
    assert view["checks"]["winner"] == {"name": True, "credit_code": False}
    assert set(view["checks"]["price"]) >= {f"{price // 100}.{price % 100:02d}"}
    assert view["checks"]["signatures"]["signatures"] == []
    assert view["checks"]["refunds"]["refunds"] == 3
    a = await award_row(platform, w.award_id)
    assert a.state == "contracted" and a.contracted_at == clock.now()
    (trigger,) = await triggers_of(platform, lot_id)
    assert (trigger.trigger, trigger.occurred_on, trigger.working_days) == (RefundTrigger.CONTRACT_SIGNED, today, False)
    refunds = await refunds_of(platform, lot_id)
    assert sorted(str(r.organization_id) for r in refunds) == sorted(u.org_id for u, _ in w.c.bidders)
    assert all(r.trigger_id == trigger.id and r.due_on == today + timedelta(days=5) for r in refunds)
    assert all(r.principal_fen == w.c.lot["deposit_fen"] for r in refunds)
    assert "award.contract_uploaded" in await _actions(platform, w.award_id)
    assert "award.contract_late" not in await _actions(platform, w.award_id)

    # Uploaded once: a second upload is refused by the state.
    again = await _put(client, w.award_id, good, w.p["tenderer"], today)
    assert_error(again, 409, "award_state")

    # Readers: the project, the supervisor and the winner; not a loser.
    for headers in (w.p["tenderer"], w.p["supervisor"], w.bidder(winner_index)):
        got = await client.get(f"/api/awards/{w.award_id}/contract", headers=headers)
        assert got.status_code == 200, got.text
        assert got.json()["sha256"] == view["sha256"]
        pdf = await client.get(f"/api/awards/{w.award_id}/contract.pdf", headers=headers)
        assert pdf.status_code == 200 and pdf.content == good
    assert (await client.get(f"/api/awards/{w.award_id}/contract", headers=w.bidder(loser))).status_code == 403
    assert (await client.get(f"/api/awards/{w.award_id}/contract.pdf", headers=stranger.headers)).status_code == 403

    # The refunds are decided but the report is missing: not closed yet.
    await close_due(platform, clock.now())
    assert (await award_row(platform, w.award_id)).state is AwardState.CONTRACTED

    # The report to the supervisor (法 47): by the project, once, read by the supervisor.
    assert (
        await client.post(f"/api/awards/{w.award_id}/report", json={"text": "x"}, headers=w.bidder(loser))
    ).status_code == 403
    filed = await client.post(
        f"/api/awards/{w.award_id}/report",
        json={"text": "招标投标情况书面报告：依法公开招标，三家投标，评标委员会推荐三名候选人，已签订合同。"},
        headers=w.p["tenderer"],
    )
    assert filed.status_code == 200, filed.text
    assert filed.json()["late"] is False and filed.json()["due_on"] == (today + timedelta(days=15)).isoformat()
    twice = await client.post(f"/api/awards/{w.award_id}/report", json={"text": "再报"}, headers=w.p["agent"])
    assert_error(twice, 409, "award_report_filed")
    seen = await client.get(f"/api/awards/{w.award_id}/report", headers=w.p["supervisor"])
    assert seen.status_code == 200 and seen.json()["text"].startswith("招标投标情况书面报告")
    assert (await client.get(f"/api/awards/{w.award_id}/report", headers=w.bidder(winner_index))).status_code == 403

    # Contract, report and refunds done: the watch step closes it, once.
    await close_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    assert await close_due(platform, clock.now()) == 0
    a = await award_row(platform, w.award_id)
    assert a.state == "closed" and a.closed_at == clock.now()
    assert "award.closed" in await _actions(platform, w.award_id)


async def test_a_late_contract_and_report_are_taken_and_flagged(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    """Signed on day 31 after the notice (法 46: 30 days) and reported on day 31 (法 47: 15 days): both
    accepted — the limits bind the parties — and flagged late and audited. The winner is named by its
    credit code alone and the price in 万元; the PDF carries a signature, which is listed."""
    w = await award_in(client, admin_headers, clock, live, platform)
    winner = await awarded(client, platform, clock, w)
    notice = clock.now()
    clock.set(notice + timedelta(days=31))
    await log_in_again(client, w.c)
    signed = china_day(notice) + timedelta(days=31)
    wan = format((Decimal(winner["price_fen"]) / 1_000_000).normalize(), "f")
    pdf = contract_pdf(f"承包人统一社会信用代码：{winner['credit_code']}", f"合同总价：{wan} 万元")
    pdf = await platform.documents.sign(pdf, reason="合同 / contract")  # a signed PDF: its signature listed
    accepted = await _put(client, w.award_id, pdf, w.p["tenderer"], signed)
    assert accepted.status_code == 200, accepted.text
    checks = accepted.json()["checks"]
    assert accepted.json()["late"] is True and checks["days_late"] == 1
    assert checks["winner"] == {"name": False, "credit_code": True} and checks["price"] == [f"{wan}万"]
    signatures = checks["signatures"]
    assert signatures["verdict"] != "NO_SIGNATURES"
    assert [s["kind"] for s in signatures["signatures"]].count("signature") == 1
    assert not any(s["by_winner"] for s in signatures["signatures"])  # the platform signed it, not the winner
    filed = await client.post(f"/api/awards/{w.award_id}/report", json={"text": "书面报告"}, headers=w.p["agent"])
    assert filed.status_code == 200, filed.text
    assert filed.json()["late"] is True and filed.json()["days_late"] == 16
    actions = await _actions(platform, w.award_id)
    assert {"award.contract_late", "award.report_late"} <= set(actions)
    # No deposit was paid: the trigger is recorded and nothing is held, so the award closes.
    (trigger,) = await triggers_of(platform, w.c.lot["id"])
    assert trigger.trigger == RefundTrigger.CONTRACT_SIGNED and trigger.occurred_on == signed
    await close_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    assert uuid.UUID(w.award_id) == (await award_row(platform, w.award_id)).id


async def _as_government_procurement_for_this_test(platform: Any, award_id: str) -> None:
    """TEST STAND-IN (as in test_awards_choice_notices.py, until a fixture gives a government
    procurement award): ``award_in`` builds a works project, which government procurement excludes;
    while the award is ``reported`` this flags it as one with the purchaser's due day as
    :func:`bidding.awards.creation.open_award` computes it. Every step after this is the real one."""
    async with platform.sessions() as s, s.begin():
        a = await s.get(Award, uuid.UUID(award_id))
        assert a is not None and a.state.value == "reported"
        a.government_procurement = True
        a.choice_due_on = purchaser_choice_due(a.report_final_at, deployment_calendar(platform.settings))


async def test_government_procurement_refunds_the_winner_in_working_days(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    """政采条例 33: the losers' deposits went back at the award notice; the contract refunds the
    winner's, due in 5 working days rather than 5 days."""
    w = await award_in(
        client, admin_headers, clock, live, platform, before_opening=deposits_paid(client, platform, clock)
    )
    await _as_government_procurement_for_this_test(platform, w.award_id)
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    base = f"/api/awards/{w.award_id}"
    assert (await client.post(f"{base}/choice", json={"rank": 1}, headers=w.p["tenderer"])).status_code == 200
    assert (await client.post(f"{base}/notices", headers=w.p["agent"])).status_code == 200
    a = await award_row(platform, w.award_id)
    winner = next(c for c in a.candidates if c["bid_id"] == str(a.winner_bid_id))
    at_notice = await refunds_of(platform, w.c.lot["id"])
    assert winner["organization_id"] not in {str(r.organization_id) for r in at_notice} and len(at_notice) == 2

    today = china_day(clock.now())
    pdf = contract_pdf(f"供应商：{winner['bidder']}", *price_lines(winner["price_fen"]))
    accepted = await _put(client, w.award_id, pdf, w.p["tenderer"], today)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["checks"]["refunds"] == {
        "trigger": accepted.json()["checks"]["refunds"]["trigger"],
        "working_days": True,
        "refunds": 1,
        "guarantees_released": 0,
    }
    (mine,) = [r for r in await refunds_of(platform, w.c.lot["id"]) if r.trigger == RefundTrigger.CONTRACT_SIGNED]
    assert str(mine.organization_id) == winner["organization_id"] and mine.working_days
    calendar = policy_of(platform.settings).calendar
    # Five working days span a weekend, so end later than five days after, but on a Sunday they end on
    # the Friday: the same day (test_awards_rules covers the counting itself).
    assert mine.due_on == due_on(today, working_days=True, calendar=calendar) >= today + timedelta(days=5)
    if today.isoweekday() != 7:
        assert mine.due_on > today + timedelta(days=5)
