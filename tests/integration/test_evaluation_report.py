"""The evaluation report (评标报告, issue 20 "Report"; RULES c8, c9, acceptance check 3) after a real
opening: five sitting members reject one bid of three and score the other two; the chair cannot draft
while a sheet is missing or a re-check is open; the draft computes the scores once (the price score
lowest ÷ bid × 40, the mean of all five members' totals, never dropping one) and ranks; the members
sign the PDF by remote signing with their own keys (one stale preparation refused, one written
dissent), the chair records a refusal without reasons (视为同意), and only the last answer makes it
final: the signing sheet exists, the draw is finalised, and the final PDF validates with the
platform's validation and Poppler's ``pdfsig``. Who reads what, when, is checked on every endpoint."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.core.clock import ManualClock
from bidding.evaluation.models import Evaluation
from bidding.evaluation.scoring import RecheckReason
from bidding.experts.draw_models import ExpertDraw
from bidding.experts.draw_states import DrawStatus
from tests.fixtures.errors import assert_error, error_code
from tests.fixtures.evaluation import (
    CHECKS,
    CRITERIA,
    Member,
    declare,
    evaluation_in,
    judge_all,
    prepare_signature,
    report_signature,
    sign_report,
    submit_sheet,
)
from tests.fixtures.outside_validators import run

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

ITEMS = CHECKS
ROUTE = "/api/evaluations/{evaluation_id:uuid}/report/signature/prepare"
REVIEW_ROUTE = "/api/evaluations/{evaluation_id:uuid}/checklist"
#: Each member's (技术方案 ≤ 35, 施工组织 ≤ 25) for bid 1 and bid 2 (bid 3 is rejected).
SCORES = {
    0: [(30, 20), (28, 21), (32, 22), (25, 18), (31, 20)],  # member totals 50, 49, 54, 43, 51: Σ 247
    1: [(27, 19), (29, 20), (26, 18), (30, 22), (28, 21)],  # member totals 46, 49, 44, 52, 49: Σ 240
}


def scores_of(index: int) -> dict[int, tuple[str, str]]:
    """Member ``index``'s scores of bids 1 and 2 (:data:`SCORES`)."""
    return {bid: (str(rows[index][0]), str(rows[index][1])) for bid, rows in SCORES.items()}


#: Every member fails bid 3 on the qualification (否决, 条例 51).
REJECT_THIRD = {(2, ITEMS[1]): "资质证书已过期"}


async def test_the_report_is_drafted_once_signed_by_all_with_a_dissent_and_a_refusal_then_final(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev, chair = c.evaluation_id, c.members[0]
    assert c.chair is chair
    base = f"/api/evaluations/{ev}"
    await judge_all(client, c, fail=REJECT_THIRD)

    # Nothing to draft before the sheets: the reasons are listed, one per member.
    blocked = await client.post(f"{base}/report", headers=chair.headers)
    body = assert_error(blocked, 409, "report_blocked")
    assert [d["reason"] for d in body["details"]] == ["sheet_missing"] * 5
    assert (await client.post(f"{base}/report", headers=c.members[1].headers)).status_code == 403
    for i in range(4):
        await submit_sheet(client, c, i, scores_of(i))
    blocked = await client.post(f"{base}/report", headers=chair.headers)
    assert [d["member_id"] for d in assert_error(blocked, 409, "report_blocked")["details"]] == [c.members[4].member_id]
    # The supervisor sees the four submitted sheets, not the fifth; the rejection with its reason.
    watched = (await client.get(f"/api/supervision/evaluations/{ev}", headers=c.p["supervisor"])).json()
    assert sorted(s["member_id"] for s in watched["sheets"]) == sorted(str(m.member_id) for m in c.members[:4])
    first = next(s for s in watched["sheets"] if s["member_id"] == chair.member_id)
    assert first["scores"][c.bid_ids[0]] == {"技术方案": "30.00", "施工组织": "20.00"}
    assert [b["rejection"]["clause"] for b in watched["bids"] if b["review"] == "rejected"] == ["第二章 2.2.1"]
    await submit_sheet(client, c, 4, scores_of(4))
    # An open re-check (87号令 62) holds the report too; the member confirms the score.
    asked = await client.post(
        f"{base}/rechecks",
        json={
            "member_id": c.members[3].member_id,
            "bid_id": c.bid_ids[0],
            "item": "技术方案",
            "reason": RecheckReason.ABNORMAL_SUBJECTIVE.value,
            "note": "技术方案评分明显低于其他成员，请复核",
        },
        headers=chair.headers,
    )
    assert asked.status_code in (200, 201), asked.text
    blocked = await client.post(f"{base}/report", headers=chair.headers)
    assert [d["reason"] for d in assert_error(blocked, 409, "report_blocked")["details"]] == ["recheck_open"]
    answered = await client.post(
        f"{base}/rechecks/{asked.json()['id']}/answer", json={"score": "25"}, headers=c.members[3].headers
    )
    assert answered.status_code == 200, answered.text
    # Nobody outside the committee reads a report that does not exist yet; the agent never before final.
    assert (await client.get(f"{base}/report.pdf", headers=c.p["agent"])).status_code == 409

    drafted = await client.post(f"{base}/report", headers=chair.headers)
    assert drafted.status_code == 200, drafted.text
    status = drafted.json()
    assert (status["state"], status["version"], status["waiting_for"]) == ("reporting", 1, 5)
    sha = status["report_sha256"]
    assert len(sha) == 64
    assert [s["member_id"] for s in status["signatures"] if s["role"] == "chair"] == [chair.member_id]
    assert (await client.post(f"{base}/report", headers=chair.headers)).status_code == 409  # drafted once

    # The JSON served is the one hashed; it holds the results computed once by the system.
    raw = await client.get(f"{base}/report.json", headers=c.members[2].headers)
    assert raw.status_code == 200 and hashlib.sha256(raw.content).hexdigest() == sha
    report = json.loads(raw.content)
    # Price score 40 × 4,500,000.00 / 4,650,000.00 = 38.7096… → 38.71; the cheapest bid 40.00.
    assert report["system_scores"] == {c.bid_ids[0]: {"F1": "38.71"}, c.bid_ids[1]: {"F1": "40.00"}}
    # Totals: 38.71 + 247 / 5 = 88.11 and 40.00 + 240 / 5 = 88.00 (no score dropped: dropping the
    # highest and lowest would give 38.71 + 50 = 88.71 for bid 1).
    assert {t["bid_id"]: t["average"] for t in report["totals"]} == {c.bid_ids[0]: "88.11", c.bid_ids[1]: "88.00"}
    assert [(r["rank"], r["bid_id"], r["total"]) for r in report["ranking"]] == [
        (1, c.bid_ids[0], "88.11"),
        (2, c.bid_ids[1], "88.00"),
    ]
    assert [(x["rank"], x["bid_id"]) for x in report["candidates"]] == [(1, c.bid_ids[0]), (2, c.bid_ids[1])]
    (rejection,) = report["rejections"]
    assert (rejection["bid_id"], rejection["clause"], rejection["reason"]) == (
        c.bid_ids[2],
        "第二章 2.2.1",
        "；".join(["资质证书已过期"] * 5),
    )
    assert [m["seat"] for m in report["members"]] == [1, 2, 3, 4, 5]
    assert {m["status"] for m in report["members"]} == {"sat"}
    seats = {m["member_id"]: m["seat"] for m in report["members"]}
    # Each member's own total per bid, the system's points included: bid 1 38.71 + 30 + 20 = 88.71 for member 1.
    index = {m.member_id: i for i, m in enumerate(c.members)}
    own = {index[e["member_id"]]: e["totals"][c.bid_ids[0]] for e in report["expert_scores"]}
    assert own == {0: "88.71", 1: "87.71", 2: "92.71", 3: "81.71", 4: "89.71"}
    async with platform.sessions() as session:
        stored = await session.get(Evaluation, uuid.UUID(ev))
        assert stored is not None
        assert report["opening"]["record_sha256"] == stored.opening_record_sha256
        assert stored.system_scores == {c.bid_ids[0]: {"投标报价": "38.71"}, c.bid_ids[1]: {"投标报价": "40.00"}}
        assert [r["bid"] for r in stored.ranking or []] == c.bid_ids[:2]

    # Reading while it is signed: the committee and the supervisor; never a bidder, the agent or the public.
    assert (await client.get(f"{base}/report.pdf", headers=c.p["supervisor"])).content.startswith(b"%PDF-")
    assert_error(await client.get(f"{base}/report.pdf", headers=c.p["agent"]), 409, "evaluation_state")
    assert_error(await client.get(f"{base}/report.json", headers=c.p["tenderer"]), 409, "evaluation_state")
    assert (await client.get(f"{base}/report.pdf", headers=c.bidders[0][1])).status_code == 403
    assert (await client.get(f"{base}/report.json")).status_code == 401
    assert_error(await client.get(f"{base}/signing-sheet.pdf", headers=chair.headers), 409, "evaluation_state")

    # Remote signing: member 2 prepares, member 3 prepares and signs first — member 2's is stale.
    early = await prepare_signature(client, c, c.members[1])
    assert early["field"] == f"Member{seats[c.members[1].member_id or '']:02d}"
    third = await prepare_signature(client, c, c.members[2])
    assert (await sign_report(client, c, c.members[2], third)).json()["version"] == 2
    assert_error(await sign_report(client, c, c.members[1], early), 409, "report_changed")
    again = await prepare_signature(client, c, c.members[1])
    assert (await sign_report(client, c, c.members[1], again)).json()["version"] == 3
    # Forged: a signature by another key is refused, nothing stored.
    forged = await prepare_signature(client, c, chair)
    bad = await client.post(
        f"{base}/report/signature", json={"signature": report_signature(c.members[4], forged)}, headers=chair.headers
    )
    assert bad.status_code == 400, bad.text
    signed = await sign_report(client, c, chair, await prepare_signature(client, c, chair))
    assert signed.status_code == 200 and signed.json()["version"] == 4, signed.text
    # A dissent must be announced when preparing (the signature's reason says so), and is written.
    plain = await prepare_signature(client, c, c.members[3])
    assert (await sign_report(client, c, c.members[3], plain, dissent="不同意")).status_code == 400
    dissent = "本人认为第1号投标人的施工组织设计存在重大缺陷，不应推荐为第一中标候选人。"
    dissented = await sign_report(
        client, c, c.members[3], await prepare_signature(client, c, c.members[3], dissent=True), dissent
    )
    assert dissented.status_code == 200, dissented.text
    assert_error(
        await client.post(f"{base}/report/signature/prepare", json={}, headers=c.members[3].headers),
        409,
        "report_already_answered",
    )
    status = dissented.json()
    assert (status["state"], status["version"], status["waiting_for"]) == ("reporting", 5, 1)

    # Nothing is final before the last member answers; only the chair records a refusal.
    last = c.members[4]
    refusal = {"member_id": last.member_id, "note": "该成员拒绝签字，且未陈述不同意见和理由"}
    assert_error(
        await client.post(f"{base}/report/refusals", json=refusal, headers=c.members[1].headers),
        403,
        "evaluation_forbidden",
    )
    assert (
        await client.post(
            f"{base}/report/refusals", json=refusal | {"member_id": chair.member_id}, headers=chair.headers
        )
    ).status_code == 400
    assert (await client.get(f"{base}/report", headers=chair.headers)).json()["state"] == "reporting"
    final = await client.post(f"{base}/report/refusals", json=refusal, headers=chair.headers)
    assert final.status_code == 200, final.text
    status = final.json()
    assert (status["state"], status["waiting_for"]) == ("final", 0)
    outcomes = {s["member_id"]: (s["outcome"], s["dissent"], s["note"]) for s in status["signatures"]}
    assert outcomes[last.member_id or ""] == ("deemed_agreement", None, refusal["note"])
    assert outcomes[c.members[3].member_id or ""] == ("dissent", dissent, None)
    assert sorted(o for o, _, _ in outcomes.values()) == ["deemed_agreement", "dissent", "signed", "signed", "signed"]
    assert status["links"]["signing_sheet_pdf"] == f"{base}/signing-sheet.pdf"
    assert_error(await sign_report(client, c, last, forged), 409, "evaluation_state")

    # The final PDF: the platform and four members signed, and it validates.
    pdf = (await client.get(f"{base}/report.pdf", headers=c.p["agent"])).content
    verdict = (await client.post("/api/verify/pdf", content=pdf, headers={"Content-Type": "application/pdf"})).json()
    assert verdict["verdict"] == "TOTAL_PASSED", verdict["summary"]["en"]
    assert [s["kind"] for s in verdict["signatures"]].count("signature") == 5
    sheet = await client.get(f"{base}/signing-sheet.pdf", headers=c.p["tenderer"])
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF-")
    sheet_verdict = (
        await client.post("/api/verify/pdf", content=sheet.content, headers={"Content-Type": "application/pdf"})
    ).json()
    assert sheet_verdict["verdict"] == "TOTAL_PASSED", sheet_verdict["summary"]["en"]
    if shutil.which("pdfsig"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.pdf"
            path.write_bytes(pdf)
            code, out, _ = await run("pdfsig", "-nocert", str(path))
        assert code == 0, out
        assert out.count("Signature is Valid.") == 5, out
        for seat in (seats[m.member_id or ""] for m in c.members[:4]):
            assert f"Member{seat:02d}" in out
    # Once final the project reads the report; bidders and the public never do.
    progress = (await client.get(f"/api/agent/lots/{c.lot['id']}/evaluation", headers=c.p["agent"])).json()
    assert (progress["state"], progress["passed"], progress["rejected"], progress["report_sha256"]) == (
        "final",
        2,
        1,
        sha,
    )
    assert progress["report"]["report_pdf"] == f"{base}/report.pdf"
    assert (await client.get(f"{base}/report.json", headers=c.p["tenderer"])).content == raw.content
    assert (await client.get(f"{base}/signing-sheet.pdf", headers=c.bidders[0][1])).status_code == 403
    assert (await client.get(f"{base}/signing-sheet.pdf")).status_code == 401

    # Audited with the digests; the committee's draw is final (its records revealed, backups released).
    async with platform.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "evaluation.finalised", AuditEvent.object_id == ev)
        )
        assert event is not None
        assert event.details["report_sha256"] == sha
        assert event.details["report_pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
        assert event.details["signing_sheet_sha256"] == hashlib.sha256(sheet.content).hexdigest()
        assert event.details["outcomes"] == {"signed": 3, "dissent": 1, "deemed_agreement": 1}
        draw = await session.get(ExpertDraw, uuid.UUID(c.draw_id))
        assert draw is not None and draw.status is DrawStatus.FINAL


async def test_report_endpoints_refuse_outsiders_and_the_wrong_state(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    base = f"/api/evaluations/{c.evaluation_id}"
    chair, member = c.members[0], c.members[1]
    # In the preliminary review: no report to draft, sign or read.
    assert_error(await client.post(f"{base}/report", headers=chair.headers), 409, "evaluation_state")
    assert_error(
        await client.post(f"{base}/report/signature/prepare", json={}, headers=member.headers), 409, "evaluation_state"
    )
    assert_error(await client.get(f"{base}/report.json", headers=member.headers), 409, "evaluation_state")
    assert_error(await client.get(f"{base}/report", headers=c.p["supervisor"]), 409, "evaluation_state")
    # Not a member: another expert, a bidder, the agent on committee commands, nobody logged in.
    other = c.others[0].headers
    assert error_code(await client.post(f"{base}/report", headers=other)) in ("not_on_committee", "not_an_expert")
    assert (await client.post(f"{base}/report", headers=c.bidders[0][1])).status_code == 403
    assert (await client.post(f"{base}/report", headers=c.p["agent"])).status_code == 403
    assert (await client.post(f"{base}/report")).status_code == 401
    assert (
        await client.post(
            f"{base}/report/refusals", json={"member_id": member.member_id, "note": "x"}, headers=c.p["supervisor"]
        )
    ).status_code == 403
    # Bad input is a 400, never a 500.
    assert (
        await client.post(f"{base}/report/signature", json={"signature": "!!"}, headers=member.headers)
    ).status_code == 400
    assert (
        await client.post(
            f"{base}/report/refusals", json={"member_id": member.member_id, "note": ""}, headers=chair.headers
        )
    ).status_code == 400
    unknown = f"/api/evaluations/{uuid.uuid4()}/report.json"
    assert error_code(await client.get(unknown, headers=c.p["supervisor"])) == "evaluation_not_found"


async def test_a_lowest_price_report_lists_the_recused_member_and_the_replacement(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    criteria = CRITERIA | {"method": "lowest_evaluated_price", "scoring_items": []}
    c = await evaluation_in(client, admin_headers, clock, live, platform, state="entered", criteria=criteria)
    ev = c.evaluation_id
    for m in c.members[1:]:
        await declare(client, c, m, conflict=None)
    leaving = c.members[0]
    conflict = "本人配偶在投标人处任职"
    await declare(client, c, leaving, conflict=conflict)
    # The next backup accepts, enters and sits in the recused member's place (条例 46; 87号令 58(六)).
    invited = [
        (other, i["seat_id"])
        for other in c.others
        for i in (await client.get("/api/expert/invitations", headers=other.headers)).json()
        if i["status"] == "invited"
    ]
    backup, seat_id = invited[0]
    answered = await client.post(
        f"/api/expert/invitations/{seat_id}/answer", json={"answer": "accept"}, headers=backup.headers
    )
    assert answered.status_code == 200, answered.text
    entered = await client.post(
        "/api/evaluations/enter", json={"seat_id": seat_id, "lot_id": c.lot["id"]}, headers=backup.headers
    )
    assert entered.status_code == 200, entered.text
    newcomer = Member(backup, seat_id, entered.json()["me"]["member_id"])
    await declare(client, c, newcomer, conflict=None)
    c.members = [*c.members[1:], newcomer]
    for m in c.members:
        voted = await client.post(
            f"/api/evaluations/{ev}/chair-votes", json={"member_id": newcomer.member_id}, headers=m.headers
        )
        assert voted.status_code == 200, voted.text
    assert voted.json()["state"] == "preliminary"
    await judge_all(client, c, fail=REJECT_THIRD)
    # Under the lowest evaluated price method the sheet is empty: submitting it confirms the comparison.
    for index in range(len(c.members)):
        await submit_sheet(client, c, index, {})
    drafted = await client.post(f"/api/evaluations/{ev}/report", headers=newcomer.headers)
    assert drafted.status_code == 200, drafted.text
    report = json.loads((await client.get(f"/api/evaluations/{ev}/report.json", headers=newcomer.headers)).content)
    # Ranked by evaluated price, no totals: ¥4,500,000.00 before ¥4,650,000.00.
    assert [(r["rank"], r["bid_id"], r["total"]) for r in report["ranking"]] == [
        (1, c.bid_ids[1], None),
        (2, c.bid_ids[0], None),
    ]
    assert (report["totals"], report["system_scores"], report["items"]) == ([], {}, [])
    assert report["method"]["zh"] == "经评审的最低投标价法"
    # Six members listed, five sat; the recused one replaced by the backup, with the conflict declared.
    by_id = {m["member_id"]: m for m in report["members"]}
    assert len(by_id) == 6 and [m["seat"] for m in report["members"]] == [1, 2, 3, 4, 5, 6]
    gone = by_id[leaving.member_id or ""]
    assert (gone["status"], gone["replaced_by"], gone["seat"]) == (
        "replaced",
        by_id[newcomer.member_id or ""]["name"],
        6,
    )
    assert conflict in gone["reason"]
    (change,) = report["changes"]
    assert (change["kind"], change["member"], change["replacement"]) == ("replaced", gone["name"], gone["replaced_by"])
    # The recused member cannot sign (nor read); the PDF has a field per sitting member only.
    refused = await client.post(f"/api/evaluations/{ev}/report/signature/prepare", json={}, headers=leaving.headers)
    assert_error(refused, 403, "not_on_committee")
    prepared = await prepare_signature(client, c, newcomer)
    assert prepared["field"] == f"Member{by_id[newcomer.member_id or ''].get('seat'):02d}"
    pdf = (await client.get(f"/api/evaluations/{ev}/report.pdf", headers=c.p["supervisor"])).content
    fields = set(re.findall(rb"/T \((\w+)\)", pdf))
    assert fields == {b"PlatformSignature", b"Member01", b"Member02", b"Member03", b"Member04", b"Member05"}

    # Every member answers (four sign, one refusal recorded by the chair): final even though finalising
    # the draw fails afterwards — the failure is logged and audited, the report stays final.
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the draw's records could not be opened")

    monkeypatch.setattr("bidding.evaluation.report.draws.finalise", broken)
    for m in c.members[:3]:
        signed = await sign_report(client, c, m, await prepare_signature(client, c, m))
        assert signed.status_code == 200, signed.text
    assert c.members[4] is newcomer  # the chair; their preparation above is stale now
    assert error_code(await sign_report(client, c, newcomer, prepared)) == "report_changed"
    refusal = {"member_id": c.members[3].member_id, "note": "拒绝签字，未说明理由"}
    recorded = await client.post(f"/api/evaluations/{ev}/report/refusals", json=refusal, headers=newcomer.headers)
    assert recorded.status_code == 200 and recorded.json()["state"] == "reporting", recorded.text
    done = await sign_report(client, c, newcomer, await prepare_signature(client, c, newcomer))
    assert done.status_code == 200 and done.json()["state"] == "final", done.text
    async with platform.sessions() as session:
        failed = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "evaluation.draw_finalise_failed", AuditEvent.object_id == ev)
        )
        assert failed is not None and "could not be opened" in failed.details["error"]
        draw = await session.get(ExpertDraw, uuid.UUID(c.draw_id))
        assert draw is not None and draw.status is DrawStatus.COMPLETE
        stored = await session.get(Evaluation, uuid.UUID(ev))
        assert stored is not None and stored.finalised_at is not None and stored.signing_sheet_key is not None
