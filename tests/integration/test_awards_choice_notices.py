"""The winner's choice, the notice batch and a winner's withdrawal (issue 21; 条例 55; 法 45–46; RULES
c13–c15), after a real evaluation (``tests.fixtures.awards.award_in``) and the real publicity (the
watch's steps ``publish_due`` and ``close_due`` with the clock moved past the 3 full days).

* Tendering law, state-controlled: the agent cannot choose (403); rank 2 without a reason of 条例 55 is
  refused (422), rank 1 is chosen; the batch sends one award notice and a result notice to each loser,
  each PDF signed by the platform and validating, by e-mail too (a local SMTP server) with the PDF
  attached; a loser reads its own notice only; sending again is refused (409); the winner withdraws →
  ``awaiting_choice`` → rank 2 with the reason → batch 2.
* Government procurement: no publicity; the purchaser does not choose within 5 working days → rank 1
  deemed chosen (视同排名第一) and the notices sent by the system; each loser's notice carries its own
  rank and score; the deposits' award-notice refund trigger is recorded with the winner excluded.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from bidding.audit.models import AuditEvent
from bidding.awards.choice import deem_due
from bidding.awards.models import Award, AwardNotice
from bidding.awards.publicity import close_due, publish_due
from bidding.awards.rules import purchaser_choice_due
from bidding.core.clock import ManualClock
from bidding.core.holidays import deployment_calendar
from bidding.deposits.refund_models import RefundTriggerEvent
from bidding.deposits.refund_rules import RefundTrigger
from bidding.evaluation.models import Evaluation
from bidding.identity.models import Organization
from bidding.transparency.checkpoints import sign_next
from bidding.transparency.keys import log_signer
from bidding.transparency.sequencer import sequence_all
from crypto.tlog.proof_file import TlogProof, verify_proof_file
from tests.fixtures.awards import Awarding, award_in, log_in_again
from tests.fixtures.errors import assert_error
from tests.fixtures.outside_validators import run
from tests.fixtures.parties import logged_in, new_code
from tests.fixtures.smtp import SmtpServer

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def _as_government_procurement_for_this_test(platform: Any, w: Awarding) -> None:
    """TEST STAND-IN (the lead replaces it): ``award_in`` builds a works project, and government
    procurement excludes works (criteria ``works_not_government_procurement``), so no fixture yet gives
    a government procurement award. While the award is ``reported`` this flags it as one, with the
    purchaser's due day as :func:`bidding.awards.creation.open_award` computes it; every step after
    this is the real one."""
    async with platform.sessions() as s, s.begin():
        a = await s.get(Award, uuid.UUID(w.award_id))
        assert a is not None and a.state.value == "reported"
        a.government_procurement = True
        a.choice_due_on = purchaser_choice_due(a.report_final_at, deployment_calendar(platform.settings))


async def _verified(client: httpx.AsyncClient, pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    verdict = (await client.post("/api/verify/pdf", content=pdf, headers={"Content-Type": "application/pdf"})).json()
    assert verdict["verdict"] == "TOTAL_PASSED", verdict["summary"]["en"]


async def _publicity_over(client: httpx.AsyncClient, platform: Any, clock: ManualClock, w: Awarding) -> None:
    """The real path to ``awaiting_choice``: the watch publishes the publicity, the clock passes its 3
    full days (条例 54), the watch closes it."""
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    clock.advance(timedelta(days=5))
    await close_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    await log_in_again(client, w.c)


async def _emails(platform: Any, orgs: list[str]) -> dict[str, str]:
    addresses = {org: f"bidder-{org[:8]}@example.cn" for org in orgs}
    async with platform.sessions() as s, s.begin():
        for org, address in addresses.items():
            await s.execute(update(Organization).where(Organization.id == uuid.UUID(org)).values(contact_email=address))
    return addresses


async def test_choice_batch_withdrawal_and_second_batch(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    mailbox: SmtpServer,
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    base = f"/api/awards/{w.award_id}"
    # Reported: the project reads its award; a bidder not yet (nothing published); the public never.
    seen = await client.get(base, headers=w.p["tenderer"])
    assert seen.status_code == 200, seen.text
    assert (seen.json()["state"], seen.json()["role"], len(seen.json()["candidates"])) == ("reported", "tenderer", 3)
    assert_error(await client.get(base, headers=w.bidder(0)), 409, "award_state")
    assert (await client.get(base)).status_code == 401
    orgs = [c["organization_id"] for c in seen.json()["candidates"]]  # rank 1, 2, 3
    addresses = await _emails(platform, orgs)

    await _publicity_over(client, platform, clock, w)
    assert (await client.get(base, headers=w.p["agent"])).json()["state"] == "awaiting_choice"

    # The choice is the tenderer's (条例 55): not the agent's; rank 2 needs a reason for rank 1.
    assert (await client.post(f"{base}/choice", json={"rank": 1}, headers=w.p["agent"])).status_code == 403
    assert (await client.post(f"{base}/choice", json={"rank": 1}, headers=w.bidder(0))).status_code == 403
    assert_error(
        await client.post(f"{base}/choice", json={"rank": 2}, headers=w.p["tenderer"]), 422, "skip_reason_missing"
    )
    assert_error(
        await client.post(f"{base}/choice", json={"rank": 1, "reasons": {"1": "declined"}}, headers=w.p["tenderer"]),
        422,
        "skip_reason_unexpected",
    )
    assert (
        await client.post(f"{base}/choice", json={"rank": 1, "reasons": {"1": "tired"}}, headers=w.p["tenderer"])
    ).status_code == 400
    assert_error(await client.post(f"{base}/notices", headers=w.p["agent"]), 409, "award_choice_missing")
    chosen = await client.post(f"{base}/choice", json={"rank": 1, "note": "按排名第一确定"}, headers=w.p["tenderer"])
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["choice"]["rank"], chosen.json()["choice"]["winner"]["organization_id"]) == (1, orgs[0])
    # A bidder sees its own rank, not the choice before the notices.
    mine = (await client.get(base, headers=w.bidder(1))).json()
    assert (mine["role"], mine["my_rank"], mine["choice"], len(mine["candidates"])) == ("bidder", 2, None, 3)

    # The batch: bidders cannot send it; the agent sends it once.
    assert (await client.post(f"{base}/notices", headers=w.bidder(0))).status_code == 403
    sent = await client.post(f"{base}/notices", headers=w.p["agent"])
    assert sent.status_code == 200, sent.text
    batch = sent.json()
    assert batch["batch"] == 1 and batch["award"]["state"] == "awarded"
    kinds = {n["organization_id"]: n["kind"] for n in batch["notices"]}
    assert kinds == {orgs[0]: "award", orgs[1]: "result", orgs[2]: "result"}
    assert all(n["rank"] is None and n["score"] is None for n in batch["notices"])  # not government procurement
    assert batch["award"]["contract_due_on"] and batch["award"]["report_due_on"]
    assert_error(await client.post(f"{base}/notices", headers=w.p["tenderer"]), 409, "award_notices_sent")
    for n in batch["notices"]:
        pdf = await client.get(n["pdf_url"], headers=w.p["supervisor"])
        assert pdf.status_code == 200, pdf.text
        assert hashlib.sha256(pdf.content).hexdigest() == n["sha256"]
        await _verified(client, pdf.content)

    # A loser sees its own notice only; another's is not found to it.
    by_org = {n["organization_id"]: n for n in batch["notices"]}
    own = (await client.get(f"{base}/notices", headers=w.bidder(1))).json()
    assert [n["id"] for n in own] == [by_org[orgs[1]]["id"]]
    assert_error(await client.get(by_org[orgs[0]]["pdf_url"], headers=w.bidder(1)), 404, "award_notice_not_found")
    assert_error(await client.get(f"{base}/notices/nothing.pdf", headers=w.bidder(1)), 404, "award_notice_not_found")
    workspace = (await client.get("/api/me/award-notices", headers=w.bidder(1))).json()
    assert [(m["notice"]["id"], m["notice"]["read_at"]) for m in workspace] == [(by_org[orgs[1]]["id"], None)]
    read = await client.get(workspace[0]["pdf_url"], headers=w.bidder(1))
    assert read.status_code == 200 and hashlib.sha256(read.content).hexdigest() == by_org[orgs[1]]["sha256"]
    assert (await client.get("/api/me/award-notices", headers=w.bidder(1))).json()[0]["notice"]["read_at"]
    assert (
        await client.get(f"/api/me/award-notices/{by_org[orgs[0]]['id']}.pdf", headers=w.bidder(1))
    ).status_code == 404
    assert (await client.get("/api/me/award-notices", headers=w.p["agent"])).status_code == 403
    # The notice in the transparency log: its proof, once a checkpoint covers the batch; the bidder's own only.
    own_proof = f"/api/me/award-notices/{by_org[orgs[1]]['id']}/tlog-proof"
    await sequence_all(platform.sessions, platform.clock.now())
    await sign_next(platform.sessions, log_signer(platform.settings), platform.clock.now(), every=timedelta(0))
    proof_text = (await client.get(own_proof, headers=w.bidder(1))).text
    vkey = (await client.get("/log/vkey")).text.strip()
    verify_proof_file(proof_text, origin=vkey.split("+", 1)[0], log_vkey=vkey)
    logged = json.loads(TlogProof.parse(proof_text).extra or b"")
    assert logged["action"] == "award.notices_sent"
    assert {n["id"]: n["sha256"] for n in logged["details"]["notices"]} == {
        n["id"]: n["sha256"] for n in batch["notices"]
    }
    assert_error(
        await client.get(f"/api/me/award-notices/{by_org[orgs[0]]['id']}/tlog-proof", headers=w.bidder(1)),
        404,
        "award_notice_not_found",
    )
    # The winner's view: the choice and its own notice, never the tenderer's note.
    winner_view = (await client.get(base, headers=w.bidder(0))).json()
    assert winner_view["choice"]["rank"] == 1 and winner_view["choice"]["note"] is None
    assert [n["kind"] for n in winner_view["my_notices"]] == ["award"]

    # By e-mail, the signed PDF attached (the local SMTP server).
    for org in orgs:
        mail = (await mailbox.wait_for(addresses[org]))[-1].message
        attached = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert len(attached) == 1
        assert hashlib.sha256(attached[0].get_content()).hexdigest() == by_org[org]["sha256"]

    # Another project's tenderer and a bidder that did not bid in the lot: not theirs.
    _, stranger = await logged_in(client, admin_headers, "tenderer")
    _, outsider = await logged_in(client, admin_headers, "bidder")
    for headers in (stranger.headers, outsider.headers):
        assert_error(await client.get(base, headers=headers), 403, "award_forbidden")
        assert_error(await client.get(f"{base}/notices", headers=headers), 403, "award_forbidden")
        assert (await client.get("/api/awards", headers=headers)).json() == []
    assert_error(await client.get(by_org[orgs[1]]["pdf_url"], headers=outsider.headers), 403, "award_forbidden")
    assert_error(
        await client.post(f"{base}/winner-withdrawal", json={"reason": "declined"}, headers=stranger.headers),
        403,
        "award_forbidden",
    )

    # The result on the portal.
    portal = (await client.get("/api/public/announcements", params={"kind": "award"})).json()
    mine_ = [a for a in portal["items"] if a["details"].get("award_id") == w.award_id]
    assert len(mine_) == 1 and orgs[0] not in mine_[0]["body"]
    assert seen.json()["candidates"][0]["bidder"] in mine_[0]["body"]

    # The winner declines (条例 55): back to the choice; rank 1 cannot be chosen again.
    assert (
        await client.post(f"{base}/winner-withdrawal", json={"reason": "declined"}, headers=w.bidder(0))
    ).status_code == 403
    withdrawn = await client.post(
        f"{base}/winner-withdrawal", json={"reason": "declined", "note": "书面放弃中标"}, headers=w.p["tenderer"]
    )
    assert withdrawn.status_code == 200, withdrawn.text
    after = withdrawn.json()
    assert (after["state"], after["choice"]["rank"], after["retender_required"]) == ("awaiting_choice", None, False)
    assert [(x["rank"], x["reason"]) for x in after["choice"]["withdrawn"]] == [(1, "declined")]
    assert_error(
        await client.post(f"{base}/choice", json={"rank": 1}, headers=w.p["tenderer"]), 422, "candidate_withdrawn"
    )
    assert_error(
        await client.post(f"{base}/choice", json={"rank": 2}, headers=w.p["tenderer"]), 422, "skip_reason_missing"
    )
    again = await client.post(f"{base}/choice", json={"rank": 2, "reasons": {"1": "declined"}}, headers=w.p["tenderer"])
    assert again.status_code == 200, again.text
    second = await client.post(f"{base}/notices", headers=w.p["tenderer"])
    assert second.status_code == 200, second.text
    assert second.json()["batch"] == 2
    assert {n["organization_id"]: n["kind"] for n in second.json()["notices"]} == {
        orgs[0]: "result",
        orgs[1]: "award",
        orgs[2]: "result",
    }
    every = (await client.get(f"{base}/notices", headers=w.p["agent"])).json()
    assert sorted((n["batch"], n["superseded"]) for n in every) == [(1, True)] * 3 + [(2, False)] * 3
    assert len((await client.get("/api/me/award-notices", headers=w.bidder(1))).json()) == 2

    # Lists by role.
    assert [
        a["id"] for a in (await client.get("/api/awards", params={"state": "awarded"}, headers=w.p["tenderer"])).json()
    ] == [w.award_id]
    assert w.award_id in [a["id"] for a in (await client.get("/api/awards", headers=w.p["supervisor"])).json()]
    assert [a["id"] for a in (await client.get("/api/awards", headers=w.bidder(2))).json()] == [w.award_id]
    assert_error(
        await client.get("/api/awards", params={"state": "nope"}, headers=w.p["agent"]), 400, "validation_failed"
    )
    async with platform.sessions() as s:
        actions = (
            await s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == w.award_id).order_by(AuditEvent.id))
        ).all()
    assert actions.count("award.notices_sent") == 2 and actions.count("award.chosen") == 2
    assert "award.winner_withdrawn" in actions and "award.notice_read" in actions


async def test_government_procurement_rank_one_deemed_after_five_working_days(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    await _as_government_procurement_for_this_test(platform, w)
    base = f"/api/awards/{w.award_id}"
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    view = (await client.get(base, headers=w.p["tenderer"])).json()
    assert (view["state"], view["government_procurement"]) == ("awaiting_choice", True)
    assert view["choice_due_on"]
    await deem_due(platform, clock.now())  # still the purchaser's time: this award stays undecided
    assert (await client.get(base, headers=w.p["tenderer"])).json()["state"] == "awaiting_choice"

    clock.advance(timedelta(days=12))  # past any 5 working days, holidays or not
    await deem_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    assert await deem_due(platform, clock.now()) == 0  # once
    await log_in_again(client, w.c)
    view = (await client.get(base, headers=w.p["supervisor"])).json()
    assert (view["state"], view["choice"]["rank"], view["choice"]["deemed"], view["notice_batch"]) == (
        "awarded",
        1,
        True,
        1,
    )
    notices = (await client.get(f"{base}/notices", headers=w.p["agent"])).json()
    assert sorted(n["kind"] for n in notices) == ["award", "result", "result"]
    losers = [n for n in notices if n["kind"] == "result"]
    assert sorted(n["rank"] for n in losers) == [2, 3] and all(n["score"] for n in losers)  # 87号令 69
    for n in notices:
        await _verified(client, (await client.get(n["pdf_url"], headers=w.p["tenderer"])).content)
    # The committee's names go out with the award in government procurement (87号令 69).
    async with platform.sessions() as s:
        ev = await s.get(Evaluation, uuid.UUID(w.c.evaluation_id))
        assert ev is not None and ev.report is not None
        names = [m["name"] for m in ev.report["members"] if m["status"] == "sat"]
    portal = (await client.get("/api/public/announcements", params={"kind": "award"})).json()
    result = next(a for a in portal["items"] if a["details"].get("award_id") == w.award_id)
    assert all(name in result["body"] for name in names)
    if shutil.which("pdftotext"):
        loser_pdf = (await client.get(losers[0]["pdf_url"], headers=w.p["agent"])).content
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "notice.pdf"
            path.write_bytes(loser_pdf)
            code, out, _ = await run("pdftotext", str(path), "-")
        assert code == 0 and "评审专家" in out and names[0] in re.sub(r"\s+", "", out)
    # A loser sees its own score and rank in its view.
    loser = (await client.get(base, headers=w.bidder(2))).json()
    assert loser["my_rank"] == 3 and loser["my_score"]
    async with platform.sessions() as s:
        a = await s.get(Award, uuid.UUID(w.award_id))
        assert a is not None
        assert a.choice is not None and a.choice["marker"] == "视同排名第一"
        trigger = await s.scalar(
            select(RefundTriggerEvent).where(
                RefundTriggerEvent.lot_id == a.lot_id, RefundTriggerEvent.trigger == RefundTrigger.AWARD_NOTICE
            )
        )
        assert trigger is not None and trigger.excluded == [str(a.winner_org_id)] and trigger.working_days
        deemed = await s.scalar(
            select(AuditEvent).where(AuditEvent.object_id == w.award_id, AuditEvent.action == "award.deemed")
        )
        assert deemed is not None and deemed.actor == "system:awards"
        count = await s.scalar(select(AwardNotice.id).where(AwardNotice.award_id == a.id).limit(1))
        assert count is not None


async def test_an_organisation_registers_with_the_address_its_notices_are_emailed_to(client: httpx.AsyncClient) -> None:
    body = {
        "name": "某某建设有限公司",
        "credit_code": new_code(),
        "kind": "bidder",
        "contact_name": "李四",
        "contact_phone": "025-80000000",
        "contact_email": " Li.Si@Example.CN ",
    }
    made = await client.post("/api/enrolment/organisations", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["contact_email"] == "Li.Si@example.cn"  # the domain in lower case (RFC 5321)
    bad = body | {"credit_code": new_code(), "contact_email": "not an address"}
    assert_error(await client.post("/api/enrolment/organisations", json=bad), 400, "invalid_input")
    without = {k: v for k, v in body.items() if k != "contact_email"} | {"credit_code": new_code()}
    none = await client.post("/api/enrolment/organisations", json=without)
    assert none.status_code == 201 and none.json()["contact_email"] is None
