"""Open data (issue 21; RULES §(g)): a real project, published, clarified and opened, is published
as OCDS 1.1 releases by the minute sync; every package validates against the schema with the
declared extensions, the record's compiled release is the merge of its releases, nothing secret
shows, the ocid is stable, and a new change adds a release without touching the old ones."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from ocdsmerge import Merger  # type: ignore[import-untyped]  # the OCDS reference merge (dev only)
from sqlalchemy import select

from bidding.awards.publicity import close_due, publish_due
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock, china_day
from bidding.deposits.models import BankEntry
from bidding.experts.models import Expert
from bidding.opendata.merge import compile_release
from bidding.opendata.models import OcdsRelease
from bidding.opendata.publish import due_projects, sync, sync_project
from bidding.opendata.release import yuan
from bidding.opendata.schemas import release_schema
from bidding.opendata.snapshot import load_project
from bidding.opendata.validate import scan_secrets, validate_package
from bidding.tendering import service as tendering
from bidding.tendering.models import Announcement
from bidding.tendering.rules.announcements import AnnouncementKind
from tests.fixtures.award_contract import award_row, contract_pdf, deposits_paid, price_lines
from tests.fixtures.awards import award_in, log_in_again
from tests.fixtures.errors import error_code
from tests.fixtures.evaluation import PRICES, evaluation_in

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def _stored(platform: Any, ocid: str) -> list[OcdsRelease]:
    async with platform.sessions() as s:
        return list(
            (await s.scalars(select(OcdsRelease).where(OcdsRelease.ocid == ocid).order_by(OcdsRelease.id))).all()
        )


async def _pages(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    """Every page from ``url`` on, following ``links.next``; each page validated."""
    pages = []
    while url:
        got = await client.get(url)
        assert got.status_code == 200, got.text
        page = got.json()
        assert validate_package(page) == [], page
        pages.append(page)
        url = page.get("links", {}).get("next", "")
        url = url[url.index("/api/") :] if url else ""
    return pages


async def test_a_project_through_its_opening_is_published_as_ocds(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    before: list[OcdsRelease] = []

    async def clarify(project: dict[str, Any], lot: dict[str, Any], bidders: Any) -> None:
        # A clarification (条例 21) an hour later, before the deadline: its own release (tenderAmendment).
        clock.set(clock.now() + timedelta(hours=1))
        async with platform.sessions() as s, s.begin():
            proj = await load_project(s, uuid.UUID(project["id"]))
            assert proj is not None
            await tendering.clarify(
                s,
                Actor.system("test"),
                proj,
                platform.settings,
                kind=AnnouncementKind.CLARIFICATION,
                title="关于招标文件的澄清",
                body="第三章技术参数表第5项更正为不低于 10 台。",
                new_deadlines={},
                now=clock.now(),
            )
        # Synced before the opening: what is public so far (the in-process worker's minute sync,
        # on the production profile, may run beside the test: it publishes the same releases).
        await sync(platform, clock.now())
        before.extend(await _stored(platform, f"{platform.settings.ocds_prefix}-{project['code']}"))

    c = await evaluation_in(client, admin_headers, clock, live, platform, state="entered", before_opening=clarify)
    ocid = f"{platform.settings.ocds_prefix}-{c.project['code']}"
    lot_code = c.lot["code"]
    async with platform.sessions() as s:
        published = {
            a.kind: a.published_at
            for a in (
                await s.scalars(select(Announcement).where(Announcement.project_id == uuid.UUID(c.project["id"])))
            ).all()
        }
        pool = [uuid.UUID(m.login.expert_id) for m in c.members] + [uuid.UUID(o.expert_id) for o in c.others]
        experts = (await s.scalars(select(Expert.name).where(Expert.id.in_(pool)))).all()
    opened = published[AnnouncementKind.OPENING_RECORD]
    assert published[AnnouncementKind.TENDER] < published[AnnouncementKind.CLARIFICATION] < opened
    assert experts

    # Before the opening closed: the tender and the clarification, no bid.
    assert [r.tags for r in before] == [["tender"], ["tenderAmendment"]]
    assert all("bids" not in r.release for r in before)
    assert await sync_project(platform, before[0].project_id, opened - timedelta(seconds=1)) == 0  # idempotent

    # The opening record is a new change: a new release, the old ones unchanged.
    await sync(platform, clock.now())
    after = await _stored(platform, ocid)
    assert [r.tags for r in after] == [["tender"], ["tenderAmendment"], ["tenderUpdate"]]
    assert [(r.release_id, r.sha256, r.release) for r in after[:2]] == [
        (r.release_id, r.sha256, r.release) for r in before
    ]
    assert await sync_project(platform, after[0].project_id, clock.now()) == 0
    assert await sync(platform, clock.now()) == 0  # nothing due: no project opened (due_projects)
    async with platform.sessions() as s:
        assert await due_projects(s, platform.settings.ocds_prefix, clock.now()) == []
    assert after[2].date == opened and after[2].release["date"].startswith(opened.strftime("%Y-%m-%dT%H:%M:%S"))
    details = after[2].release["bids"]["details"]
    assert sorted(d["value"]["amount"] for d in details) == sorted(yuan(p) for p in PRICES)
    assert {d["status"] for d in details} == {"pending"}
    assert all(d["relatedLots"] == [lot_code] for d in details)
    assert {b for b in c.bid_ids} == {d["id"] for d in details}

    # The release package, paged (limit 2) and followed to the end: ours in order, each page valid.
    pages = await _pages(client, "/api/opendata/releases?limit=2")
    assert all(len(p["releases"]) <= 2 for p in pages) and "next" not in pages[-1].get("links", {})
    mine = [r for p in pages for r in p["releases"] if r["ocid"] == ocid]
    assert [r["id"] for r in mine] == [r.release_id for r in after]
    assert {r["ocid"] for r in mine} == {ocid}  # stable across stages
    head = pages[0]
    assert head["version"] == "1.1" and head["publisher"]["name"] and len(head["extensions"]) == 5

    # Filtered by the release date: since ≤ date < until.
    # (followed to the end: earlier tests' projects share the database, so ours may be on a later page)
    since = await _pages(client, "/api/opendata/releases?" + urlencode({"since": opened.isoformat()}))
    assert [r["id"] for p in since for r in p["releases"] if r["ocid"] == ocid] == [after[2].release_id]
    until = await _pages(client, "/api/opendata/releases?" + urlencode({"until": opened.isoformat()}))
    assert [r["id"] for p in until for r in p["releases"] if r["ocid"] == ocid] == [r.release_id for r in before]

    # The record: every release, and the compiled release is their merge.
    got = await client.get(f"/api/opendata/records/{ocid}")
    assert got.status_code == 200, got.text
    package = got.json()
    assert validate_package(package, "record") == []
    (record,) = package["records"]
    assert record["ocid"] == ocid and record["releases"] == [r.release for r in after]
    assert record["compiledRelease"] == compile_release(record["releases"])
    assert record["compiledRelease"]["tender"]["amendments"][0]["rationale"] == "关于招标文件的澄清"
    assert len(record["compiledRelease"]["bids"]["details"]) == len(PRICES)
    assert record["compiledRelease"] == Merger(release_schema()).create_compiled_release(record["releases"])
    records = (await client.get("/api/opendata/records", params={"limit": 100})).json()
    assert validate_package(records, "record") == []
    assert ocid in {r["ocid"] for r in records["records"]}

    # Nothing secret: no bid before its opening, no expert, no bank data.
    for release in record["releases"]:
        assert scan_secrets(release, openings={lot_code: opened}, forbidden=list(experts)) == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "validation_failed"),
        ({"limit": 101}, "validation_failed"),
        ({"cursor": "abc"}, "validation_failed"),
        ({"cursor": -1}, "validation_failed"),
        ({"since": "2026-03-01T00:00:00"}, "invalid_input"),  # no time zone
        ({"since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "ocds_bad_range"),
    ],
)
async def test_bad_parameters_are_refused(client: httpx.AsyncClient, params: dict[str, Any], code: str) -> None:
    got = await client.get("/api/opendata/releases", params=params)
    assert got.status_code == 400, got.text
    assert error_code(got) == code


async def test_unknown_record_is_not_found_and_an_empty_range_empty(client: httpx.AsyncClient) -> None:
    got = await client.get("/api/opendata/records/ocds-000000-NO-SUCH-PROJECT")
    assert got.status_code == 404 and error_code(got) == "ocds_record_not_found"
    # An empty page (nothing in the range) says so; OCDS wants ≥ 1 release in a package, so it is
    # the one answer that does not validate.
    empty = await client.get("/api/opendata/releases", params={"since": "2099-01-01T00:00:00Z"})
    assert empty.status_code == 200 and empty.json()["releases"] == []
    assert "links" not in empty.json()


async def test_publicity_award_and_contract_are_published_in_later_releases(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    """RULES §(g) check 5 on the real services: the publicity appears as pending awards, the award
    notice turns the chosen one active in a later release, the contract follows; deposits paid by
    bank transfer (bank data in the database) and nothing of it published."""
    w = await award_in(
        client, admin_headers, clock, live, platform, before_opening=deposits_paid(client, platform, clock)
    )
    ocid = f"{platform.settings.ocds_prefix}-{w.c.project['code']}"
    lot_code = w.c.lot["code"]
    base = f"/api/awards/{w.award_id}"

    # The publicity (条例 54) by the watch (award_in's pass may have published it already): the
    # candidates as pending awards; the review's verdict on the bids.
    await publish_due(platform, clock.now())
    assert (await award_row(platform, w.award_id)).publicity_published_at is not None
    await sync(platform, clock.now())
    assert [r.tags for r in await _stored(platform, ocid)] == [["tender"], ["tenderUpdate"], ["award"]]
    publicity = (await _stored(platform, ocid))[-1].release
    assert [(a["id"], a["status"]) for a in publicity["awards"]] == [(f"{lot_code}-{r}", "pending") for r in (1, 2, 3)]
    assert [a["relatedBid"] for a in publicity["awards"]] == list(w.c.bid_ids)  # ranked in PRICES' order
    assert {d["status"] for d in publicity["bids"]["details"]} == {"valid"}
    assert publicity["awards"][0]["documents"][0]["documentType"] == "evaluationReports"

    # The close, the tenderer's choice and the batch of notices: the winner active, the others unsuccessful.
    clock.advance(timedelta(days=5))
    await close_due(platform, clock.now())  # or the award watch of the in-process worker did
    assert (await award_row(platform, w.award_id)).state == "awaiting_choice"
    await log_in_again(client, w.c)
    chosen = await client.post(f"{base}/choice", json={"rank": 1}, headers=w.p["tenderer"])
    assert chosen.status_code == 200, chosen.text
    sent = await client.post(f"{base}/notices", headers=w.p["agent"])
    assert sent.status_code == 200, sent.text
    await sync(platform, clock.now())
    awarded = (await _stored(platform, ocid))[-1].release
    assert awarded["tag"] == ["awardUpdate"] and awarded["date"] > publicity["date"]
    statuses = {a["id"]: a["status"] for a in awarded["awards"]}
    assert statuses == {f"{lot_code}-1": "active", f"{lot_code}-2": "unsuccessful", f"{lot_code}-3": "unsuccessful"}
    winner = awarded["awards"][0]
    assert any(d["documentType"] == "awardNotice" for d in winner["documents"])
    supplier = next(p for p in awarded["parties"] if p["id"] == winner["suppliers"][0]["id"])
    assert "supplier" in supplier["roles"]

    # The signed contract (法 46): active, dated.
    a = await award_row(platform, w.award_id)
    chosen_one = next(c for c in a.candidates if c["rank"] == 1)
    today = china_day(clock.now())
    names = [f"发包人：{w.c.p['users']['tenderer'].org_name}", f"承包人：{chosen_one['bidder']}"]
    pdf = contract_pdf(*names, *price_lines(chosen_one["price_fen"]), "本合同自双方签字盖章之日起生效。")
    put = await client.put(
        f"{base}/contract",
        params={"signed_on": str(today), "filename": "施工合同.pdf"},
        content=pdf,
        headers={**w.p["agent"], "Content-Type": "application/pdf"},
    )
    assert put.status_code == 200, put.text
    await sync(platform, clock.now())
    stored = await _stored(platform, ocid)
    assert [r.tags for r in stored] == [["tender"], ["tenderUpdate"], ["award"], ["awardUpdate"], ["contract"]]
    (contract,) = stored[-1].release["contracts"]
    assert contract["awardID"] == winner["id"] and contract["status"] == "active" and contract["dateSigned"]
    assert contract["value"]["amount"] == yuan(chosen_one["price_fen"])

    # The record: valid, the merge of its releases, the ocid stable; no bank data, no expert.
    package = (await client.get(f"/api/opendata/records/{ocid}")).json()
    assert validate_package(package, "record") == []
    (record,) = package["records"]
    assert {r["ocid"] for r in record["releases"]} == {ocid}
    assert record["compiledRelease"] == Merger(release_schema()).create_compiled_release(record["releases"])
    assert record["compiledRelease"]["awards"][0]["status"] == "active"
    async with platform.sessions() as s:
        accounts = [x for x in (await s.scalars(select(BankEntry.counterparty_account))).all() if x] + [
            x for x in (await s.scalars(select(BankEntry.account))).all() if x
        ]
        pool = [uuid.UUID(m.login.expert_id) for m in w.c.members] + [uuid.UUID(o.expert_id) for o in w.c.others]
        experts = (await s.scalars(select(Expert.name).where(Expert.id.in_(pool)))).all()
    assert accounts and experts
    opened = datetime.fromisoformat(record["releases"][1]["date"].replace("Z", "+00:00"))
    for release in record["releases"]:
        assert scan_secrets(release, openings={lot_code: opened}, forbidden=[*accounts, *experts]) == []


async def test_a_failed_award_makes_its_lot_unsuccessful_not_the_tender_cancelled(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    """流标 (法 28) of lot 01 after the publicity: the lot's end is announced with the termination
    notice's kind, yet it is the lot that failed — unsuccessful, its candidates unsuccessful — not the
    tender cancelled by its tenderer: lot 02 (never opened here) keeps the tender active."""
    w = await award_in(client, admin_headers, clock, live, platform)
    ocid = f"{platform.settings.ocds_prefix}-{w.c.project['code']}"
    lot_code = w.c.lot["code"]
    await publish_due(platform, clock.now())  # if award_in's watch pass has not yet
    assert (await award_row(platform, w.award_id)).publicity_published_at is not None
    clock.advance(timedelta(hours=2))
    await log_in_again(client, w.c)
    failed = await client.post(
        f"/api/awards/{w.award_id}/failure",
        json={"reason": "too_few_bids", "note": "两家投标人的投标被否决"},
        headers=w.p["agent"],
    )
    assert failed.status_code == 200, failed.text
    await sync(platform, clock.now())
    stored = await _stored(platform, ocid)
    assert [r.tags for r in stored] == [["tender"], ["tenderUpdate"], ["award"], ["tenderUpdate"]]
    end = stored[-1].release
    assert end["id"] == f"{ocid}-end-{lot_code}"
    assert end["tender"]["status"] == "active"
    assert [(lot["id"], lot["status"]) for lot in end["tender"]["lots"]] == [
        (lot_code, "unsuccessful"),
        ("02", "active"),
    ]
    assert {a["status"] for a in end["awards"]} == {"unsuccessful"}
    notice = [d for d in end["tender"]["documents"] if d["documentType"] == "cancellationDetails"]
    assert len(notice) == 1 and notice[0]["relatedLots"] == [lot_code]
    assert "两家投标人的投标被否决" not in str(end)  # the note is the notice's, linked not copied
    package = (await client.get(f"/api/opendata/records/{ocid}")).json()
    assert validate_package(package, "record") == []
    assert package["records"][0]["compiledRelease"]["tender"]["lots"][0]["status"] == "unsuccessful"
