"""The expert draw service end to end, on both profiles (issue 19): after a real opening a committee of
5 is drawn verifiably, one expert declines by SMS reply (the fake provider's inbound push), a backup
is seated, all accept by the link in the real e-mail (aiosmtpd), the agent sees counts only, the five
log in with their certificates and see their assignment on the day (not before), the supervisor
finalises, and ``bidding experts verify`` passes on the published DRAW.json and fails on one changed
byte. Then: a time-out seats the next backup, and the refusals (the other answer paths and the race
of a reply with the time-out: ``test_expert_draw_answers.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.client.identity import Identity
from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.experts.draw_cli import verify_draw
from bidding.experts.draw_models import DrawSeat
from bidding.experts.draw_states import SeatStatus
from bidding.experts.invitations import time_out_due
from tests.fixtures.errors import error_code
from tests.fixtures.expert_draws import LINK, SPECIALTY, experts, new_region, opened, recused, request_body, until
from tests.fixtures.expert_pool import trading_centre
from tests.fixtures.parties import AUDIENCE
from tests.fixtures.sms_provider import FakeAliyun
from tests.fixtures.smtp import SmtpServer

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def test_a_committee_of_five_from_a_real_opening_to_the_day(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
    tmp_path: Path,
) -> None:
    region = new_region()
    centre = (await trading_centre(client, admin_headers))["id"]
    pool = await experts(client, admin_headers, centre, region, 8)
    o = await opened(client, admin_headers, clock, live)
    p = o["p"]
    excluded = await recused(client, admin_headers, o, region)

    made = await client.post("/api/expert-draws", json=request_body(o, region), headers=p["agent"])
    assert made.status_code == 201, made.text
    draw_id = made.json()["id"]
    drawn = await client.post(f"/api/expert-draws/{draw_id}/draw-now", headers=p["agent"])
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["status"] == "inviting" and drawn.json()["pending"] == 5

    # Five are invited by SMS, call and e-mail; nobody else.
    invited = await until(
        lambda: (
            [e for e in pool if provider.sms_to(e[1]["mobile"])]
            if sum(1 for e in pool if provider.sms_to(e[1]["mobile"])) >= 5
            else None
        )
    )
    assert len(invited) == 5
    await until(lambda: all(provider.calls_to(e[1]["mobile"]) for e in invited))  # and called (IVR, keys 1/2)
    # One declines by SMS reply (the provider's push): the first backup is seated and invited.
    decliner = invited[0]
    pushed = await provider.reply_sms(client, decliner[1]["mobile"], "2", at=clock.now())
    assert pushed.status_code == 200 and pushed.json()["replies"] == 1, pushed.text
    now_invited = await until(
        lambda: (
            [e for e in pool if provider.sms_to(e[1]["mobile"])]
            if sum(1 for e in pool if provider.sms_to(e[1]["mobile"])) >= 6
            else None
        )
    )
    seated = [e for e in now_invited if e is not decliner]
    assert len(seated) == 5

    # The agent sees counts only: no name, id, mobile or pseudonym of anyone.
    counts = await client.get(f"/api/expert-draws/{draw_id}", headers=p["agent"])
    assert counts.json()["declined"] == 1 and counts.json()["pending"] == 5
    text = counts.text
    assert not any(e[0].expert_id in text or e[1]["name"] in text or e[1]["mobile"] in text for e in pool)

    # All five accept by the link in their e-mail (parsed out of the message the SMTP server took).
    for _, person in seated:
        mails = await mailbox.wait_for(person["email"])
        body = mails[-1].message.get_body(preferencelist=("plain",))
        assert body is not None
        token = LINK.search(body.get_content())
        assert token is not None
        shown = await client.get(f"/api/expert-invitations/{token.group(1)}")
        assert shown.status_code == 200 and shown.json()["status"] == "invited"
        assert person["name"] not in shown.text
        answered = await client.post(f"/api/expert-invitations/{token.group(1)}/answer", json={"answer": "accept"})
        assert answered.status_code == 200, answered.text
        again = await client.post(f"/api/expert-invitations/{token.group(1)}/answer", json={"answer": "decline"})
        assert again.status_code == 409
    done = (await client.get(f"/api/expert-draws/{draw_id}", headers=p["agent"])).json()
    assert (done["status"], done["seated"], done["declined"], done["pending"]) == ("complete", 5, 1, 0)

    # Nobody but the rules' audience reads the names before the day.
    for who in ("agent", "tenderer"):
        sealed_ = await client.get(f"/api/expert-draws/{draw_id}/committee", headers=p[who])
        assert sealed_.status_code == 403 and error_code(sealed_) == "committee_sealed"
    assert (await client.get(f"/api/expert-draws/{draw_id}/committee", headers=p["bidders"][0][1])).status_code == 403
    assert (await client.get(f"/api/public/expert-draws/{draw_id}/committee")).status_code == 403
    assert (await client.get(f"/api/expert-draws/{draw_id}/committee", headers=p["supervisor"])).status_code == 403
    public = await client.get(f"/api/public/expert-draws/{draw_id}")
    assert public.status_code == 200 and public.json()["rounds"][0]["pool_commitment"]
    assert (await client.get(f"/api/public/expert-draws/{draw_id}/rounds/1/DRAW.json")).status_code == 409

    # Before the day the experts see invitations, no evaluation.
    early_session = await login(client, Identity(seated[0][0].key, seated[0][0].cert), audience=AUDIENCE)
    before = await client.get("/api/expert/evaluations", headers=early_session.headers)
    assert before.status_code == 200 and before.json() == []
    invitations = await client.get("/api/expert/invitations", headers=early_session.headers)
    assert [i["status"] for i in invitations.json()] == ["accepted"]
    # On the day: each of the five, logged in afresh with their certificate, sees the assignment.
    clock.set(o["deadline"] + timedelta(days=1))
    for login_, _ in seated:
        session = await login(client, Identity(login_.key, login_.cert), audience=AUDIENCE)
        mine = await client.get("/api/expert/evaluations", headers=session.headers)
        assert mine.status_code == 200 and len(mine.json()) == 1, mine.text
        assert mine.json()[0]["project_code"] == o["project"]["code"]
        signed = await client.post(
            f"/api/expert/evaluations/{mine.json()[0]['seat_id']}/sign-in", headers=session.headers
        )
        assert signed.status_code == 200, signed.text
        assert sorted(m["name"] for m in signed.json()["committee"]) == sorted(e[1]["name"] for e in seated)
    declined_session = await login(client, Identity(decliner[0].key, decliner[0].cert), audience=AUDIENCE)
    assert (await client.get("/api/expert/evaluations", headers=declined_session.headers)).json() == []

    # The supervisor: exclusions with reasons, the verification; then finalises.
    supervisor = (await login(client, p["users"]["supervisor"].identity, audience=AUDIENCE)).headers
    view = await client.get(f"/api/supervision/expert-draws/{draw_id}", headers=supervisor)
    assert view.status_code == 200, view.text
    assert view.json()["verified"] is True
    reasons = {e["expert_id"]: e["reasons"] for e in view.json()["exclusions"]}
    for expert_id, reason in excluded.items():
        assert reason in reasons[expert_id], (reason, reasons.get(expert_id))
    assert not set(reasons) & {e[0].expert_id for e in pool}
    final = await client.post(f"/api/supervision/expert-draws/{draw_id}/finalise", headers=supervisor)
    assert final.status_code == 200 and final.json()["status"] == "final", final.text
    record = await client.get(f"/api/public/expert-draws/{draw_id}/rounds/1/DRAW.json")
    assert record.status_code == 200
    assert not any(e[0].expert_id in record.text for e in pool)  # pseudonyms, not pool ids
    path = tmp_path / "DRAW.json"
    path.write_bytes(record.content)
    assert CliRunner().invoke(verify_draw, [str(path)]).exit_code == 0
    seed_at = record.text.index('"server_seed": "') + len('"server_seed": "')
    flipped = record.text[:seed_at] + ("0" if record.text[seed_at] != "0" else "1") + record.text[seed_at + 1 :]
    path.write_text(flipped)
    assert CliRunner().invoke(verify_draw, [str(path)]).exit_code == 1
    # Not government procurement: final, the parties may read the names; the public may not.
    agent = (await login(client, p["users"]["agent"].identity, audience=AUDIENCE)).headers
    assert (await client.get(f"/api/expert-draws/{draw_id}/committee", headers=agent)).status_code == 200
    assert (await client.get(f"/api/public/expert-draws/{draw_id}/committee")).status_code == 403
    async with platform.sessions() as db:
        actions = (await db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == draw_id))).all()
    assert {
        "expert_draw.requested",
        "expert_draw.committed",
        "expert_draw.drawn",
        "expert_draw.invited",
        "expert_draw.answered",
        "expert_draw.backup_called",
        "expert_draw.revealed",
        "expert_draw.signed_in",
        "expert_draw.finalised",
    } <= set(actions)


async def test_a_time_out_seats_the_next_backup(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
) -> None:
    region = new_region()
    centre = (await trading_centre(client, admin_headers))["id"]
    await experts(client, admin_headers, centre, region, 8)
    o = await opened(client, admin_headers, clock, live)
    p = o["p"]
    draw_id = (await client.post("/api/expert-draws", json=request_body(o, region), headers=p["agent"])).json()["id"]
    assert (await client.post(f"/api/expert-draws/{draw_id}/draw-now", headers=p["agent"])).status_code == 200

    async def seats() -> list[DrawSeat]:
        async with platform.sessions() as db:
            import uuid

            return list((await db.scalars(select(DrawSeat).where(DrawSeat.draw_id == uuid.UUID(draw_id)))).all())

    first = [s for s in await seats() if s.status is SeatStatus.INVITED]
    assert len(first) == 5
    due = first[0].answer_due_at
    assert due is not None
    # No answer in time: the job times the five out; each calls a backup — two backups, then a top-up.
    clock.set(due + timedelta(seconds=1))
    await time_out_due(platform)
    after = await seats()
    assert sum(s.status is SeatStatus.TIMED_OUT for s in after) == 5
    # Two backups were called; the pool of 8 had 1 more: the top-up seats it; the other two are short.
    progress = (await client.get(f"/api/expert-draws/{draw_id}", headers=p["agent"])).json()
    assert progress["timed_out"] == 5 and progress["status"] == "short", progress
    assert progress["pending"] == 3


async def test_bad_committees_and_early_draws_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, published: dict[str, Any]
) -> None:
    p = published
    lot = p["lot"]
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    base = {
        "project_id": p["project"]["id"],
        "lot_ids": [lot["id"]],
        "evaluation_at": (deadline + timedelta(hours=1)).isoformat(),
        "place": "评标室",
        "size": 5,
        "seats": {SPECIALTY: 5},
    }
    for change, reason in (
        ({"size": 6, "seats": {SPECIALTY: 6}}, "committee_size_even"),
        ({"size": 3, "seats": {SPECIALTY: 3}}, "committee_too_small"),
        ({"size": 5, "representatives": 2, "seats": {SPECIALTY: 3}}, "experts_below_two_thirds"),
        ({"government_procurement": True}, "committee_below_seven"),
        ({"seats": {SPECIALTY: 4}}, "seats_mismatch"),
    ):
        refused = await client.post("/api/expert-draws", json=base | change, headers=p["agent"])
        assert refused.status_code == 422, refused.text
        assert reason in [d["reason"] for d in refused.json()["error"]["details"]]
    # Not the project's: another agent, a bidder, anonymous.
    assert (await client.post("/api/expert-draws", json=base, headers=p["bidder"])).status_code == 403
    assert (await client.post("/api/expert-draws", json=base)).status_code == 401
    made = await client.post("/api/expert-draws", json=base, headers=p["tenderer"])
    assert made.status_code == 201, made.text
    draw_id = made.json()["id"]
    # Before the deadline (the bidders unknown) and before the lead time: refused.
    early = await client.post(f"/api/expert-draws/{draw_id}/draw-now", headers=p["agent"])
    assert early.status_code == 409 and error_code(early) in ("draw_too_early", "bids_not_extracted"), early.text
    clock.set(deadline - timedelta(minutes=30))
    for name, user in p["users"].items():
        p[name] = (await login(client, user.identity, audience=AUDIENCE)).headers
    before_deadline = await client.post(f"/api/expert-draws/{draw_id}/draw-now", headers=p["agent"])
    assert before_deadline.status_code == 409 and error_code(before_deadline) == "bids_not_extracted"
    # The wrong roles on every endpoint.
    for method, url in (
        ("GET", f"/api/expert-draws/{draw_id}"),
        ("POST", f"/api/expert-draws/{draw_id}/draw-now"),
        ("POST", f"/api/expert-draws/{draw_id}/cancel"),
        ("POST", f"/api/expert-draws/{draw_id}/top-up"),
        ("GET", f"/api/supervision/expert-draws/{draw_id}"),
        ("POST", f"/api/supervision/expert-draws/{draw_id}/finalise"),
        ("GET", "/api/expert/invitations"),
        ("GET", "/api/expert/evaluations"),
    ):
        response = await client.request(method, url, headers=p["bidder"])
        assert response.status_code == 403, (method, url, response.text)
    supervision = await client.get(f"/api/supervision/expert-draws/{draw_id}", headers=p["agent"])
    assert supervision.status_code == 403
    cancelled = await client.post(f"/api/expert-draws/{draw_id}/cancel", headers=p["agent"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
