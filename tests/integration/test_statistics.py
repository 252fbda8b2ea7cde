"""Statistics (issue 25, ``docs/frontend-statistics.md``): the centre's charts and the public year
figures equal what a world made here implies; each chart's CSV is its JSON; bad filters are refused
naming the problem; the role matrix of every endpoint.

The world: an agent's published project (through the API) whose two lots are past their deadline;
lot 01 opened (four bids: three decrypted, one revoked) and awarded, lot 02 failed (one bid, withdrawn);
deposits received, refunded (one late, one unpaid past its day) and kept; two supervision alerts. The
rows the opening room, the deposit book and the award write are written here as they write them
(their own tests make them the long way). The centre's charts are read filtered to this agency,
which no other test's rows belong to; the public figures are global, so their change is checked.

Wrong organisation: the statistics are the centre's, about every organisation; no resource of an
organisation is addressed, so there is nothing of another organisation to refuse.
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from bidding.awards.models import Award
from bidding.awards.states import AwardState
from bidding.core.clock import CHINA_TIME, ManualClock, china_day
from bidding.core.roles import Role
from bidding.deposits.models import LedgerLeg, LedgerPosting
from bidding.deposits.refund_models import DepositForfeit, DepositRefund, RefundTriggerEvent
from bidding.evaluation.models import Evaluation
from bidding.evaluation.states import EvaluationState
from bidding.experts.draw_models import ExpertDraw
from bidding.experts.draw_states import DrawStatus
from bidding.submission.models import Bid
from bidding.submission.states import BidStatus
from bidding.tendering.models import Lot
from opening_room.states import BidOpeningOutcome, BidOpeningStatus, State
from opening_room.tables import BidOpening, OpeningSession
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import logged_in_parties
from tests.fixtures.projects import DAY, create_published
from tests.fixtures.role_matrix import assert_refused, assert_table_covers, role_sessions, row
from tests.fixtures.supervision import actor_of, clock_with_alert

CENTRE = "/api/admin/statistics"
YEARS = "/api/statistics/years"
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
TABLE = [
    row("GET", CENTRE, READERS),
    row("GET", CENTRE + "/{chart:str}/csv", READERS, url=CENTRE + "/openings/csv"),
    row("GET", YEARS + "/{year:int}", (), url=YEARS + "/2026"),
]

ESTIMATE_1, ESTIMATE_2 = 50_000_000_00, 12_000_000_00  # tests.fixtures.projects.project_body's lots
PRICES = (46_000_000_00, 45_000_000_00, 48_500_000_00)  # 8 %, 10 %, 3 % below the estimate
DEPOSIT = 80_000_00


async def _bid(s: Any, lot_id: uuid.UUID, org: str, order: int, at: datetime, **opening: Any) -> uuid.UUID:
    bid = Bid(
        id=uuid.uuid4(),
        lot_id=lot_id,
        organization_id=uuid.UUID(org),
        version=1,
        status=BidStatus.ACTIVE,
        object_key=f"bids/{secrets.token_hex(8)}",
        size=1,
        sha256="0" * 64,
        package_digest="0" * 64,
        header_sha256="0" * 64,
        signer_fingerprint="0" * 64,
        uploader_fingerprint="0" * 64,
        submitted_at=at - DAY,
        receipt_number=f"R-{secrets.token_hex(8)}",
        receipt_jws="x",
    )
    s.add(bid)
    await s.flush()
    s.add(BidOpening(bid_id=bid.id, lot_id=lot_id, organization_id=uuid.UUID(org), order_no=order, **opening))
    await s.flush()
    return bid.id


async def _posting(s: Any, at: datetime, legs: list[tuple[str, uuid.UUID | None, str | None, int]]) -> None:
    posting = LedgerPosting(key=f'["test", "{secrets.token_hex(8)}"]', kind="bank", actor="test", created_at=at)
    s.add(posting)
    await s.flush()
    for kind, lot_id, org, amount in legs:
        s.add(
            LedgerLeg(
                posting_id=posting.id,
                account_kind=kind,
                lot_id=lot_id,
                organization_id=uuid.UUID(org) if org else None,
                bank_account="6222000000000001" if kind == "collection" else None,
                amount_fen=amount,
            )
        )


def _refund(trigger: RefundTriggerEvent, org: str, due_on: date, paid_on: date | None, interest: int) -> DepositRefund:
    return DepositRefund(
        id=f"RF{secrets.token_hex(8)}",
        trigger_id=trigger.id,
        trigger=trigger.trigger,
        lot_id=trigger.lot_id,
        organization_id=uuid.UUID(org),
        status="closed" if paid_on else "due",
        collection_account="6222000000000001",
        creditor_account="6222000000000002",
        creditor_name="投标人",
        triggered_on=due_on - timedelta(days=5),
        due_on=due_on,
        principal_fen=DEPOSIT,
        interest_fen=interest,
        amount_fen=DEPOSIT + interest,
        interest_to=paid_on or due_on,
        paid_on=paid_on,
        created_by="test",
    )


@pytest.fixture
async def world(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any, clock: ManualClock
) -> dict[str, Any]:
    return await make_world(client, admin_headers, platform, clock)


async def make_world(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any, clock: ManualClock
) -> dict[str, Any]:
    """The module doc's world; ``p`` with the lots' deadlines ``d1``, ``d2`` and ``today`` (China)."""
    p = await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("bidder", "bidder"),
        ("other", "bidder"),
        ("third", "bidder"),
        ("fourth", "bidder"),
        ("supervisor", "supervisor"),
        ("auditor", "trading_centre", "auditor"),
        ("admin", "trading_centre", "admin"),
    )
    now = clock.now()
    project = await create_published(client, p, now)
    p["agent_project"] = project
    lot1, lot2 = (uuid.UUID(lot["id"]) for lot in project["lots"])
    # lot 02 opened at 00:30 China time two days ago: still the day before in UTC, counted on the China day
    d1 = now - 3 * DAY
    d2 = datetime.combine(china_day(now) - timedelta(days=2), time(0, 30), CHINA_TIME).astimezone(UTC)
    orgs = [p["users"][who].org_id for who in ("bidder", "other", "third", "fourth")]
    async with platform.sessions() as s, s.begin():
        for lot_id, deadline in ((lot1, d1), (lot2, d2)):
            lot = await s.get(Lot, lot_id)
            assert lot is not None
            lot.bid_deadline = deadline
        s.add(OpeningSession(lot_id=lot1, state=State.CLOSED, updated_at=d1))
        s.add(OpeningSession(lot_id=lot2, state=State.FAILED, updated_at=d2))
        await s.flush()
        bids = [
            await _bid(s, lot1, org, i + 1, d1, status=BidOpeningStatus.DECRYPTED, price_fen=price, decrypted_at=d1)
            for i, (org, price) in enumerate(zip(orgs, PRICES, strict=False))
        ]
        await _bid(s, lot1, orgs[3], 4, d1, status=BidOpeningStatus.FAILED, outcome=BidOpeningOutcome.REVOKED)
        await _bid(s, lot2, orgs[0], 1, d2, status=BidOpeningStatus.FAILED, outcome=BidOpeningOutcome.WITHDRAWN)
        draw = ExpertDraw(
            project_id=uuid.UUID(project["id"]),
            requested_by_org=uuid.UUID(p["users"]["agent"].org_id),
            requested_by=actor_of(p["users"]["agent"]),
            evaluation_at=d1,
            remote=True,
            size=5,
            representatives=1,
            seats={},
            backups={},
            draw_at=d1 - DAY,
            status=DrawStatus.CANCELLED,
        )
        s.add(draw)
        await s.flush()
        evaluation = Evaluation(
            lot_id=lot1,
            draw_id=draw.id,
            state=EvaluationState.FINAL,
            criteria={},
            criteria_sha256="0" * 64,
            size=5,
            report_sha256="1" * 64,
            finalised_at=d1,
        )
        s.add(evaluation)
        await s.flush()
        s.add(
            Award(
                lot_id=lot1,
                project_id=uuid.UUID(project["id"]),
                evaluation_id=evaluation.id,
                state=AwardState.AWARDED,
                report_sha256="1" * 64,
                report_final_at=d1,
                winner_bid_id=bids[1],
                winner_org_id=uuid.UUID(orgs[1]),
                chosen_at=now - DAY,
            )
        )
        # deposits: two received on lot 01, one refunded (2 days late, with interest), one due and unpaid
        for org in orgs[:2]:
            await _posting(
                s, now - 5 * DAY, [("collection", None, None, DEPOSIT), ("sub_account", lot1, org, -DEPOSIT)]
            )
        await _posting(
            s, now - DAY, [("sub_account", lot1, orgs[0], DEPOSIT), ("refunds_payable", None, None, -DEPOSIT)]
        )
        trigger = RefundTriggerEvent(
            lot_id=lot1, trigger="award_notice", occurred_on=china_day(now) - timedelta(days=8), recorded_by="test"
        )
        s.add(trigger)
        await s.flush()
        today = china_day(now)
        s.add(_refund(trigger, orgs[0], today - timedelta(days=3), today - timedelta(days=1), 12_34))
        s.add(_refund(trigger, orgs[1], today - timedelta(days=2), None, 0))
        s.add(
            DepositForfeit(
                lot_id=lot2,
                organization_id=uuid.UUID(orgs[0]),
                reason="revoked_after_deadline",
                note="开标后撤销投标",
                amount_fen=20_000_00,
                decided_at=now - DAY,
                decided_by="test",
            )
        )
    await clock_with_alert(platform, p, "agent", now - DAY, level="red", kind="contract")
    await clock_with_alert(platform, p, "agent", now - DAY, level="yellow", kind="contract")
    p.update(d1=d1, d2=d2, today=today)
    return p


def _params(p: dict[str, Any], **change: str) -> dict[str, str]:
    return {
        "from": (p["today"] - timedelta(days=10)).isoformat(),
        "to": p["today"].isoformat(),
        "agency": p["users"]["agent"].org_id,
        **change,
    }


def _charts(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {chart["name"]: chart for chart in body["charts"]}


async def test_the_centres_charts_are_the_worlds_figures(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    p = world
    for reader in ("admin", "supervisor", "auditor"):
        got = await client.get(CENTRE, params=_params(p), headers=p[reader])
        assert got.status_code == 200, got.text
    body = got.json()
    assert (body["first"], body["last"], body["agency"]) == (
        (p["today"] - timedelta(days=10)).isoformat(),
        p["today"].isoformat(),
        p["users"]["agent"].org_id,
    )
    assert body["on_site_recorded"] is False
    assert p["users"]["agent"].org_id in {a["id"] for a in body["agencies"]}
    charts = _charts(body)
    assert list(charts) == [
        "openings",
        "projects",
        "bids",
        "discount",
        "decryption",
        "deposits",
        "refund_delays",
        "alerts",
    ]
    per_day = Counter(china_day(p[d]).isoformat() for d in ("d1", "d2"))
    assert p["d2"].date() != china_day(p["d2"])  # the UTC day would be the wrong one
    openings = charts["openings"]
    assert openings["columns"] == ["day", "openings"]
    assert len(openings["rows"]) == 11 and openings["rows"][0][0] == (p["today"] - timedelta(days=10)).isoformat()
    assert {day: n for day, n in openings["rows"] if n} == per_day
    assert charts["projects"]["rows"] == [["works", "opening", 1]]
    assert charts["bids"]["rows"] == [[1, 1], [4, 1]]
    # (8 + 10 + 3) / 3 = 7.00 % opened; the winner's 45M is 10.00 % below the 50M estimate
    assert charts["discount"]["rows"] == [["works", 3, "7.00", 1, "10.00"]]
    assert charts["decryption"]["rows"] == [
        ["remote_decrypted", 3],
        ["failed_revoked", 1],
        ["failed_withdrawn", 1],
        ["pending", 0],
    ]
    assert charts["deposits"]["rows"] == [
        ["received", 2 * DEPOSIT, 2],
        ["refunded", DEPOSIT + 12_34, 1],
        ["kept", 20_000_00, 1],
        ["held_at_end", DEPOSIT, None],
    ]
    assert charts["refund_delays"]["rows"] == [
        ["on_time", 0],
        ["1", 0],
        ["2-3", 1],
        ["4-7", 0],
        ["8-15", 0],
        ["16+", 0],
        ["unpaid_overdue", 1],
    ]
    assert charts["alerts"]["rows"] == [["contract", 1, 1]]

    # the category filter: no goods project of this agency
    goods = _charts((await client.get(CENTRE, params=_params(p, category="goods"), headers=p["admin"])).json())
    assert goods["bids"]["rows"] == [] and goods["projects"]["rows"] == [] and goods["alerts"]["rows"] == []
    assert goods["deposits"]["rows"][0] == ["received", 0, 0]
    # a period before the openings: none of them
    early = {"from": (p["today"] - timedelta(days=40)).isoformat(), "to": (p["today"] - timedelta(days=20)).isoformat()}
    before = _charts((await client.get(CENTRE, params=_params(p, **early), headers=p["admin"])).json())
    assert sum(n for _, n in before["openings"]["rows"]) == 0
    # without the agency filter the world is still counted (among any other test's)
    everyone = _charts((await client.get(CENTRE, params=_params(p, agency=""), headers=p["admin"])).json())
    assert dict(everyone["decryption"]["rows"])["failed_withdrawn"] >= 1


async def test_each_charts_csv_is_its_json(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    p = world
    charts = _charts((await client.get(CENTRE, params=_params(p), headers=p["supervisor"])).json())
    for name, chart in charts.items():
        got = await client.get(f"{CENTRE}/{name}/csv", params=_params(p), headers=p["supervisor"])
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "text/csv; charset=utf-8"
        first, last = _params(p)["from"], _params(p)["to"]
        assert got.headers["content-disposition"] == f'attachment; filename="statistics-{name}-{first}-{last}.csv"'
        assert got.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
        table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"), newline="")))
        assert table[0] == chart["columns"]
        assert table[1:] == [["" if v is None else str(v) for v in r] for r in chart["rows"]], name
        assert b"\r\n" in got.content


async def test_the_public_year_figures_follow_the_data(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any, clock: ManualClock
) -> None:
    year = china_day(clock.now()).year
    before = (await client.get(f"{YEARS}/{year}")).json()
    world = await make_world(client, admin_headers, platform, clock)
    after = await client.get(f"{YEARS}/{year}")
    assert after.status_code == 200, after.text
    got = after.json()
    same_year = all(china_day(world[d]).year == year for d in ("d1", "d2")) and world["today"].month > 1
    if not same_year:
        pytest.skip("the world's openings straddle a new year")
    change = {key: got[key] - before[key] for key in before if isinstance(before[key], int) and key != "year"}
    assert change == {
        "projects": 1,
        "estimates_fen": ESTIMATE_1 + ESTIMATE_2,
        "openings": 2,
        "bids": 5,
        "awards": 1,
        "awarded_fen": PRICES[1],
        "refunds": 1,
        "refunded_fen": DEPOSIT + 12_34,
    }
    months = dict(got["openings_per_month"]["rows"])
    assert len(months) == 12 and sum(months.values()) == got["openings"]
    assert months[china_day(world["d1"]).strftime("%Y-%m")] >= 1


async def test_bad_filters_are_refused_naming_the_problem(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock
) -> None:
    p = await logged_in_parties(client, admin_headers, ("supervisor", "supervisor"))
    today = china_day(clock.now())
    cases = [
        ({"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}, "after `to`"),
        ({"from": "2026-13-01"}, "YYYY-MM-DD"),
        ({"to": (today + timedelta(days=1)).isoformat()}, "after today"),
        ({"from": (today - timedelta(days=800)).isoformat()}, "at most 731"),
        ({"category": "weapons"}, "unknown category"),
        ({"agency": "not-an-id"}, "organisation id"),
        ({"agency": str(uuid.uuid4())}, "unknown agency"),
    ]
    for params, words in cases:
        got = await client.get(CENTRE, params=params, headers=p["supervisor"])
        error = assert_error(got, 400, "invalid_input")
        assert words in error["message_en"], (params, error)
        csv_got = await client.get(CENTRE + "/bids/csv", params=params, headers=p["supervisor"])
        assert csv_got.status_code == 400, csv_got.text
    # not even the shape of a day: the schema's pattern refuses it, naming the parameter
    error = assert_error(
        await client.get(CENTRE, params={"to": "20260101"}, headers=p["supervisor"]), 400, "validation_failed"
    )
    assert "to=20260101" in error["message_en"]
    assert_error(await client.get(CENTRE + "/nothing/csv", headers=p["supervisor"]), 404, "not_found")
    for year in (1999, today.year + 1):
        error = assert_error(await client.get(f"{YEARS}/{year}"), 400, "invalid_input")
        assert str(year) in error["message_en"]
    assert (await client.get(f"{YEARS}/{today.year}")).status_code == 200


async def test_role_matrix(client: httpx.AsyncClient, admin_headers: dict[str, str], app: Litestar) -> None:
    assert_table_covers(app, [CENTRE, "/api/statistics"], TABLE)
    sessions = await role_sessions(client, admin_headers)
    for r in TABLE:
        await assert_refused(client, r, sessions)
    for role in READERS:
        got = await client.get(CENTRE, headers=sessions[role])
        assert got.status_code == 200, (role, got.text)
    assert (await client.get(YEARS + "/2026")).status_code == 200
