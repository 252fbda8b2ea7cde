"""Supervision's collusion report (issue 24 "Collusion report"; RULES e, acceptance check 6: each signal
is shown to the supervisor and logged; ``docs/supervision.md`` §Collusion report), after real openings:

* two bidders upload from one address and quote one price, a third on its own: the supervisor and the
  auditor see ``same_upload_ip`` and ``identical_prices`` with their articles, bids and evidence; each
  signal is logged once as ``supervision.collusion_signal`` across two readings; nothing is rejected;
  the list shows the lot with its counts; before the 唱标 409, an unknown lot 404, other roles 403;
* three bidders, each from its own address and at its own price: no signal, and the list's counts go
  from ``null`` (never computed) to 0.

Each bidder's upload comes from its own client address (an ASGI client per address); every
decryption comes from the live server's 127.0.0.1, here the centre's hall (``hall_networks``, as a
deployment sets ``BIDDING_HALL_NETWORKS``), exempt from the IP rules.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.submission.models import Bid
from bidding.supervision.collusion_report import REPORT_ACTION, SIGNAL_ACTION
from bidding.supervision.controllers.collusion import CollusionReportController
from tests.fixtures.errors import assert_error
from tests.fixtures.evaluation import _open_for_real, body_tar
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in, logged_in_parties
from tests.fixtures.projects import create_published
from tests.fixtures.sealed import BID_FORM, sealed
from tests.fixtures.uploads import upload_all

# The same SQL on both profiles: run on PostgreSQL, as the evaluation's and the award's modules that
# open a lot for real (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

ROUTE = "/api/supervision/lots/{lot_id:uuid}/collusion"
LIST = "/api/supervision/collusion"
#: The live server's address, from which every bidder decrypts: the centre's hall in these tests.
HALL = ("127.0.0.0/8",)


@pytest.fixture(autouse=True)
def collusion_routes(app: Litestar) -> None:
    """The report's controller on the test app, for as long as ``bidding/app.py`` does not list it (then
    this does nothing)."""
    if not any(route.path == LIST for route in app.routes):
        app.register(CollusionReportController)


@pytest.fixture
def hall(platform: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployment's hall networks (``BIDDING_HALL_NETWORKS``) for this test: the live server's address."""
    monkeypatch.setattr(platform, "settings", dataclasses.replace(platform.settings, hall_networks=HALL))


@dataclass
class Scene:
    p: dict[str, Any]
    project: dict[str, Any]
    lot: dict[str, Any]
    bidders: list[tuple[Enrolled, dict[str, str]]]
    #: Bid ids in the order of ``uploads``.
    bid_ids: list[str]


async def opened(
    client: httpx.AsyncClient,
    app: Litestar,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    uploads: list[tuple[str, int]],
    *,
    before_opening: Any = None,
) -> Scene:
    """A published project whose first lot gets one bid per ``(client address, price)`` of ``uploads``,
    each bidder uploading from its address, then a real opening (decrypted by all, 唱标, record
    signed); ``before_opening(scene)`` runs after the uploads."""
    p = await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("supervisor", "supervisor"),
        ("auditor", "supervisor", "auditor"),
    )
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    bidders: list[tuple[Enrolled, dict[str, str]]] = []
    for i, (address, price) in enumerate(uploads):
        user, session = await logged_in(client, admin_headers, "bidder")
        transport = httpx.ASGITransport(app=app, client=(address, 40000 + i))
        async with httpx.AsyncClient(transport=transport, base_url=client.base_url) as uploader:
            package = sealed(user, project, lot, body_tar(f"投标人{i + 1}"), form=BID_FORM | {"price_fen": price})
            done = await upload_all(uploader, session.headers, lot["id"], package)
        assert done.status_code == 200, done.text
        bidders.append((user, session.headers))
    async with platform.sessions() as s:
        bids = {
            bid.organization_id: str(bid.id)
            for bid in (await s.scalars(select(Bid).where(Bid.lot_id == uuid.UUID(lot["id"])))).all()
        }
    scene = Scene(p, project, lot, bidders, [bids[uuid.UUID(user.org_id)] for user, _ in bidders])
    if before_opening is not None:
        await before_opening(scene)
    await _open_for_real(client, platform, clock, live, p, lot, bidders)
    # The clock moved to the deadline: everyone logs in again.
    for name, user in p["users"].items():
        p[name] = (await login(client, user.identity, audience=AUDIENCE)).headers
    scene.bidders = [(u, (await login(client, u.identity, audience=AUDIENCE)).headers) for u, _ in bidders]
    return scene


async def logged(platform: Any, lot_id: str, action: str) -> list[AuditEvent]:
    async with platform.sessions() as s:
        found = await s.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "lot", AuditEvent.object_id == lot_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return list(found.all())


async def listed(client: httpx.AsyncClient, headers: dict[str, str], lot_id: str) -> dict[str, Any]:
    response = await client.get(LIST, params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    return next(item for item in response.json() if item["lot_id"] == lot_id)


async def test_crafted_bids_are_signalled_to_the_supervisor_logged_once_and_never_rejected(
    client: httpx.AsyncClient,
    app: Litestar,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    hall: None,
) -> None:
    price, other = 4_500_000_00, 4_800_000_00

    async def too_early(scene: Scene) -> None:
        early = await client.get(f"/api/supervision/lots/{scene.lot['id']}/collusion", headers=scene.p["supervisor"])
        assert_error(early, 409, "lot_not_opened")

    scene = await opened(
        client,
        app,
        admin_headers,
        clock,
        live,
        platform,
        [("203.0.113.5", price), ("203.0.113.5", price), ("198.51.100.7", other)],
        before_opening=too_early,
    )
    lot_id = scene.lot["id"]
    first, second, third = scene.bid_ids
    # Opened, never computed: listed with no counts.
    assert (await listed(client, scene.p["supervisor"], lot_id))["signals"] is None

    shown = await client.get(f"/api/supervision/lots/{lot_id}/collusion", headers=scene.p["supervisor"])
    assert shown.status_code == 200, shown.text
    report = shown.json()
    assert (report["lot_id"], report["project_id"]) == (lot_id, scene.project["id"])
    assert (report["lot_code"], report["project_code"]) == (scene.lot["code"], scene.project["code"])
    assert report["lot_name"] == scene.lot["name"] and report["project_name"] == scene.project["name"]
    assert report["opened_at"] and report["computed_at"]
    rules = {s["rule"]: s for s in report["signals"]}
    assert set(rules) == {"same_upload_ip", "identical_prices"}, rules  # the hall's decryptions are exempt
    upload = rules["same_upload_ip"]
    assert upload["article"] == "条例40（一）（二）" and upload["blocking"] is False
    assert upload["bid_ids"] == sorted([first, second])
    assert upload["evidence"]["ip"] == "203.0.113.5"
    assert set(upload["evidence"]["bids"]) == {first, second}
    assert all(entry["times"] and entry["bidder_name"] for entry in upload["evidence"]["bids"].values())
    assert upload["at"] is not None and "203.0.113.5" in upload["summary_zh"] and "203.0.113.5" in upload["summary_en"]
    prices = rules["identical_prices"]
    assert prices["article"] == "条例40（四）" and prices["bid_ids"] == sorted([first, second])
    assert prices["evidence"]["price_fen"] == price and prices["blocking"] is False
    assert third not in upload["bid_ids"] + prices["bid_ids"]

    # Each signal logged once, by the supervisor who saw it first, with its rule, article, bids and
    # evidence digest; and the computation with its counts.
    events = await logged(platform, lot_id, SIGNAL_ACTION)
    assert sorted(e.details["rule"] for e in events) == ["identical_prices", "same_upload_ip"]
    assert {e.actor for e in events} == {f"cert:{scene.p['users']['supervisor'].body['fingerprint']}"}
    for e in events:
        signal = rules[e.details["rule"]]
        assert e.details["article"] == signal["article"] and e.details["bids"] == signal["bid_ids"]
        assert e.details["blocking"] is False and len(e.details["evidence_sha256"]) == 64
        assert e.content_sha256 and len(e.content_sha256) == 64
    reports = await logged(platform, lot_id, REPORT_ACTION)
    assert [(r.details["signals"], r.details["blocking"]) for r in reports] == [(2, 0)]

    # A second reading, by the auditor: the same signals, nothing new logged.
    again = await client.get(f"/api/supervision/lots/{lot_id}/collusion", headers=scene.p["auditor"])
    assert again.status_code == 200, again.text
    assert [(s["rule"], s["bid_ids"], s["evidence"]) for s in again.json()["signals"]] == [
        (s["rule"], s["bid_ids"], s["evidence"]) for s in report["signals"]
    ]
    assert [s["reported_at"] for s in again.json()["signals"]] == [s["reported_at"] for s in report["signals"]]
    assert [e.id for e in await logged(platform, lot_id, SIGNAL_ACTION)] == [e.id for e in events]
    assert [r.id for r in await logged(platform, lot_id, REPORT_ACTION)] == [r.id for r in reports]

    # Never a rejection: every bid is still in.
    async with platform.sessions() as s:
        statuses = {str(b.id): b.status for b in (await s.scalars(select(Bid).where(Bid.lot_id == uuid.UUID(lot_id))))}
    assert set(statuses) == set(scene.bid_ids) and len(set(statuses.values())) == 1

    # The list shows the counts of the last computation, for the supervisor and the auditor.
    for who in ("supervisor", "auditor"):
        item = await listed(client, scene.p[who], lot_id)
        assert (item["signals"], item["blocking"]) == (2, 0)
        assert (item["lot_code"], item["project_id"], item["project_code"]) == (
            scene.lot["code"],
            scene.project["id"],
            scene.project["code"],
        )
        assert item["opened_at"] == report["opened_at"]

    # Nobody else; an unknown lot; a lot not opened (the project's second lot).
    for headers in (scene.bidders[0][1], scene.p["agent"], scene.p["tenderer"]):
        refused = await client.get(f"/api/supervision/lots/{lot_id}/collusion", headers=headers)
        assert refused.status_code == 403, refused.text
        assert (await client.get(LIST, headers=headers)).status_code == 403
    assert (await client.get(f"/api/supervision/lots/{lot_id}/collusion")).status_code == 401
    missing = await client.get(f"/api/supervision/lots/{uuid.uuid4()}/collusion", headers=scene.p["supervisor"])
    assert_error(missing, 404, "lot_not_found")
    waiting = await client.get(
        f"/api/supervision/lots/{scene.project['lots'][1]['id']}/collusion", headers=scene.p["auditor"]
    )
    assert_error(waiting, 409, "lot_not_opened")
    assert len(await logged(platform, lot_id, SIGNAL_ACTION)) == 2


async def test_independent_bids_show_no_signal_and_the_list_counts_zero(
    client: httpx.AsyncClient,
    app: Litestar,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    hall: None,
) -> None:
    # Three addresses, three prices in no pattern (steps ¥150,000 and ¥330,000; ratios 1.033 and 1.071).
    scene = await opened(
        client,
        app,
        admin_headers,
        clock,
        live,
        platform,
        [("198.51.100.21", 4_500_000_00), ("198.51.100.22", 4_650_000_00), ("198.51.100.23", 4_980_000_00)],
    )
    lot_id = scene.lot["id"]
    before = await listed(client, scene.p["auditor"], lot_id)
    assert (before["signals"], before["blocking"]) == (None, None)

    # The auditor and the supervisor read at once: the computation is logged once all the same.
    readings = await asyncio.gather(
        *(
            client.get(f"/api/supervision/lots/{lot_id}/collusion", headers=scene.p[who])
            for who in ("auditor", "supervisor")
        )
    )
    for shown in readings:
        assert shown.status_code == 200, shown.text
        assert shown.json()["signals"] == []

    assert await logged(platform, lot_id, SIGNAL_ACTION) == []
    reports = await logged(platform, lot_id, REPORT_ACTION)
    assert [(r.details["signals"], r.details["blocking"], r.details["digests"]) for r in reports] == [(0, 0, [])]
    after = await listed(client, scene.p["supervisor"], lot_id)
    assert (after["signals"], after["blocking"]) == (0, 0)
