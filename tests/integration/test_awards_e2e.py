"""Issue 21, "done when": one project from publication to the archive on real services (both profiles),
nothing behind the app's back — published with its criteria, three bidders pay their deposits through
the bank's camt.053 and upload, a real opening, a committee drawn that evaluates and signs its report;
then the minute watch publishes the candidates (条例 54), a bidder objects with a signed statement and
an attachment, the award is suspended until the agent answers, the publicity closes after 3 full days,
the tenderer chooses rank 1 (条例 55), the notices go out in one batch (the award notice to the winner,
a result notice to each loser, each a platform-signed PDF that validates), the contract naming the
winner and the price is uploaded (法 46) and the refunds of every deposit are decided (条例 57), the
15-day report is filed (法 47), the watch closes the award and the archive's watch packs the project;
the supervisor downloads the package and ``bidding archive verify`` checks it offline.

The same run is then read as open data: every OCDS release of the project, through the API, validates
against the 1.1 schema with its extensions, the record's compiled release is the merge of its releases
(the reference ``ocdsmerge`` too), the ocid is stable, the stages appear in order (tender, bids at the
opening, pending awards at the publicity, the active award, the active contract), and no release holds
a secret: no bid before the opening, no expert name, no bank account, no objection text.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from ocdsmerge import Merger  # type: ignore[import-untyped]  # the OCDS reference merge (dev only)
from sqlalchemy import select

from bidding.archive.jobs import watch_archives
from bidding.awards.jobs import watch
from bidding.awards.models import Award, AwardNotice
from bidding.awards.states import AwardState
from bidding.core.clock import ManualClock, china_day
from bidding.deposits.refund_models import DepositRefund
from bidding.experts.models import Expert
from bidding.opendata.merge import compile_release
from bidding.opendata.publish import sync
from bidding.opendata.schemas import release_schema
from bidding.opendata.validate import scan_secrets, validate_package
from bidding.tendering.models import Announcement
from bidding.tendering.rules.announcements import AnnouncementKind
from tests.fixtures.award_contract import contract_pdf, deposits_paid, price_lines
from tests.fixtures.awards import RANKED, award_in, log_in_again
from tests.fixtures.evaluation import sign_statement

EVIDENCE = b"%PDF-1.4\n% the objector's evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
OBJECTION = "第一中标候选人拟派项目经理在建项目未完工，不符合招标文件要求。"
PAYERS = ("622848000000000001", "622848000000000002", "622848000000000003")


async def _award(platform: Any, award_id: str) -> Award:
    async with platform.sessions() as s:
        a = await s.get(Award, uuid.UUID(award_id))
        assert a is not None
        return a


async def _verified(client: httpx.AsyncClient, pdf: bytes) -> None:
    verdict = (await client.post("/api/verify/pdf", content=pdf, headers={"Content-Type": "application/pdf"})).json()
    assert verdict["verdict"] == "TOTAL_PASSED", verdict["summary"]["en"]


async def _releases(client: httpx.AsyncClient, ocid: str) -> list[dict[str, Any]]:
    """Every release of ``ocid`` through the paged API, each package validated on the way."""
    found: list[dict[str, Any]] = []
    url = "/api/opendata/releases?limit=5"
    while url:
        got = await client.get(url)
        assert got.status_code == 200, got.text
        page = got.json()
        assert validate_package(page) == [], page
        found += [r for r in page["releases"] if r["ocid"] == ocid]
        following = page.get("links", {}).get("next", "")
        url = following[following.index("/api/") :] if following else ""
    return found


async def test_a_project_from_publication_to_the_verified_archive_and_its_open_data(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    tmp_path: Path,
) -> None:
    w = await award_in(
        client, admin_headers, clock, live, platform, before_opening=deposits_paid(client, platform, clock)
    )
    c, base = w.c, f"/api/awards/{w.award_id}"
    lot_id = c.lot["id"]

    # The watch publishes the candidates from the final report (条例 54): rank order, on the portal.
    await watch(platform)  # the in-process cron may have run it first: the state is checked
    a = await _award(platform, w.award_id)
    assert a.state is AwardState.PUBLICITY and a.publicity_closes_at is not None
    public = await client.get(f"/api/public/awards/lots/{lot_id}")
    assert public.status_code == 200, public.text
    shown = public.json()
    assert [x["bidder"] for x in shown["candidates"]] == [c.bidders[i][0].org_name for i in RANKED]
    publicity_pdf = await client.get(f"/api/public/awards/{w.award_id}/publicity.pdf")
    await _verified(client, publicity_pdf.content)

    # Bidder 2 (rank 2) objects with a signed statement and its evidence: the award is suspended.
    evidence = await client.put(
        f"{base}/attachments", params={"filename": "证明.pdf"}, content=EVIDENCE, headers=w.bidder(1)
    )
    assert evidence.status_code == 201, evidence.text
    body = {"text": OBJECTION, "attachments": [evidence.json()["sha256"]]}
    handed = await client.post(f"{base}/objections/statement", json=body, headers=w.bidder(1))
    assert handed.status_code == 200, handed.text
    raised = await client.post(
        f"{base}/objections", json=body | sign_statement(c.bidders[1][0], handed.json()), headers=w.bidder(1)
    )
    assert raised.status_code == 201, raised.text
    assert (await _award(platform, w.award_id)).state is AwardState.SUSPENDED
    # nothing moves while it is unanswered, not even a choice
    refused = await client.post(f"{base}/choice", json={"rank": 1}, headers=c.p["tenderer"])
    assert refused.status_code == 409, refused.text
    answered = await client.post(
        f"{base}/objections/{raised.json()['id']}/answer",
        json={"answer": "经核实，该项目经理在建项目已于开标前竣工验收，异议不成立。"},
        headers=c.p["agent"],
    )
    assert answered.status_code == 200, answered.text
    assert (await _award(platform, w.award_id)).state is AwardState.PUBLICITY
    mine = (await client.get(f"{base}/objections", headers=w.bidder(1))).json()
    assert [o["answer"] is not None for o in mine] == [True]

    # 3 full days: the watch closes the publicity (never earlier) and the tenderer chooses.
    clock.set(a.publicity_closes_at - timedelta(seconds=1))
    assert (await _award(platform, w.award_id)).state is AwardState.PUBLICITY
    await watch(platform)
    assert (await _award(platform, w.award_id)).state is AwardState.PUBLICITY
    clock.set(a.publicity_closes_at + timedelta(minutes=1))
    await watch(platform)
    assert (await _award(platform, w.award_id)).state is AwardState.AWAITING_CHOICE
    await log_in_again(client, c)
    chosen = await client.post(f"{base}/choice", json={"rank": 1}, headers=c.p["tenderer"])
    assert chosen.status_code == 200, chosen.text

    # One batch: the award notice to the winner, a result notice to each loser, signed; the result announced.
    sent = await client.post(f"{base}/notices", headers=c.p["agent"])
    assert sent.status_code == 200, sent.text
    async with platform.sessions() as s:
        notices = (await s.scalars(select(AwardNotice).where(AwardNotice.award_id == uuid.UUID(w.award_id)))).all()
    winner = c.bidders[RANKED[0]]
    assert sorted(n.kind.value for n in notices) == ["award", "result", "result"]
    for i, (_, headers) in enumerate(c.bidders):
        own = (await client.get("/api/me/award-notices", headers=headers)).json()
        assert len(own) == 1, own
        notice = own[0]["notice"]
        assert notice["kind"] == ("award" if i == RANKED[0] else "result")
        pdf = await client.get(f"/api/me/award-notices/{notice['id']}.pdf", headers=headers)
        assert pdf.status_code == 200, pdf.text
        await _verified(client, pdf.content)
    a = await _award(platform, w.award_id)
    assert a.state is AwardState.AWARDED and a.contract_due_on is not None and a.report_due_on is not None
    price = a.candidates[0]["price_fen"]

    # The contract names the winner and the price (法 46): accepted; every deposit's refund decided (条例 57).
    signed_on = china_day(clock.now())
    contract = contract_pdf(
        f"发包人：{c.p['users']['tenderer'].org_name}", f"承包人：{winner[0].org_name}", *price_lines(price)
    )
    uploaded = await client.put(
        f"{base}/contract",
        params={"signed_on": signed_on.isoformat(), "filename": "施工合同.pdf"},
        content=contract,
        headers={**c.p["tenderer"], "Content-Type": "application/pdf"},
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    assert (await _award(platform, w.award_id)).state is AwardState.CONTRACTED
    async with platform.sessions() as s:
        refunds = (await s.scalars(select(DepositRefund).where(DepositRefund.lot_id == uuid.UUID(lot_id)))).all()
    assert len(refunds) == len(c.bidders)
    assert all(r.principal_fen == c.lot["deposit_fen"] for r in refunds)

    # The 15-day report (法 47); the watch closes the award and the archive's watch packs the project.
    filed = await client.post(
        f"{base}/report", json={"text": "本项目已依法完成招标，中标人已签订合同，特此报告。"}, headers=c.p["agent"]
    )
    assert filed.status_code in (200, 201), filed.text
    await watch(platform)
    assert (await _award(platform, w.award_id)).state is AwardState.CLOSED
    await watch_archives({"platform": platform})

    # The supervisor downloads the archive; it verifies offline, and a flipped byte does not.
    project_id = c.project["id"]
    zipped = await client.get(f"/api/archives/{project_id}.zip", headers=c.p["supervisor"])
    assert zipped.status_code == 200, zipped.text
    assert (await client.get(f"/api/archives/{project_id}.zip", headers=c.p["agent"])).status_code == 403
    path = tmp_path / "archive.zip"
    path.write_bytes(zipped.content)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bidding", "archive", "verify", str(path), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    names = out.decode()
    for part in ("contract", "notices", "opening", "evaluation"):
        assert part in names, names

    # Open data: every release of the run, valid, merged into the record, in stage order, nothing secret.
    await sync(platform, clock.now())
    ocid = f"{platform.settings.ocds_prefix}-{c.project['code']}"
    releases = await _releases(client, ocid)
    tags = [tag for r in releases for tag in r["tag"]]
    for stage in ("tender", "award", "contract"):
        assert stage in tags, tags
    assert tags.index("tender") < tags.index("award") < tags.index("contract")
    pending = next(r for r in releases if any(aw.get("status") == "pending" for aw in r.get("awards", [])))
    active = next(r for r in releases if any(aw.get("status") == "active" for aw in r.get("awards", [])))
    assert pending["date"] < active["date"]
    record = (await client.get(f"/api/opendata/records/{ocid}")).json()
    assert validate_package(record, "record") == []
    compiled = record["records"][0]["compiledRelease"]
    assert compiled == compile_release(releases)
    assert compiled == Merger(release_schema()).create_compiled_release(releases)
    assert compiled["contracts"][0]["status"] == "active"
    async with platform.sessions() as s:
        pool = [uuid.UUID(m.login.expert_id) for m in c.members] + [uuid.UUID(o.expert_id) for o in c.others]
        experts = (await s.scalars(select(Expert.name).where(Expert.id.in_(pool)))).all()
        # the opening closed when its record was announced: bids may show from then on, never before
        opened_at = await s.scalar(
            select(Announcement.published_at).where(
                Announcement.project_id == uuid.UUID(c.project["id"]),
                Announcement.kind == AnnouncementKind.OPENING_RECORD,
            )
        )
    assert experts and opened_at is not None
    for release in releases:
        assert (
            scan_secrets(
                release,
                openings={c.lot["code"]: opened_at},
                forbidden=[*experts, *PAYERS, OBJECTION],
            )
            == []
        ), release["id"]
