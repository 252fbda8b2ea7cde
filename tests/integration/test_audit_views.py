"""The audit trail of one project (`GET /api/admin/audit-events?project_id=…`), on both profiles.

Every event about the project — the project itself, its lots, its embargoed events — and nothing of
other projects; the embargo of downloads, uploads and bids holds until the deadline (办法 21) for
every reader, and released events come after what a reader has already paged through; only
administrators, auditors and supervisors may read it; bad parameters are 400.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bidding.client.session import login
from bidding.core.clock import ManualClock
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in_parties
from tests.fixtures.projects import DAY, create_published
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import upload_all

EMBARGOED = {"tender_document.downloaded", "bid_upload.started", "bid.submitted"}


@pytest.fixture
async def scene(client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock) -> dict[str, Any]:
    p = await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("bidder", "bidder"),
        ("supervisor", "supervisor"),
        ("auditor", "trading_centre", "auditor"),
    )
    p["project"] = await create_published(client, p, clock.now())
    p["other_project"] = await create_published(client, p, clock.now())
    return p


async def trail(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/admin/audit-events", params={"limit": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def test_project_trail_has_its_events_only_and_keeps_the_embargo(
    client: httpx.AsyncClient, scene: dict[str, Any], admin_headers: dict[str, str], clock: ManualClock
) -> None:
    project, other = scene["project"], scene["other_project"]
    lot = project["lots"][0]
    bidder: Enrolled = scene["users"]["bidder"]
    docs = (await client.get(f"/api/public/projects/{project['id']}/documents")).json()
    downloaded = await client.get(f"/api/public/documents/{docs[0]['id']}", headers=scene["bidder"])
    assert downloaded.status_code == 200
    done = await upload_all(client, scene["bidder"], lot["id"], sealed(bidder, project, lot, b"secret"))
    assert done.status_code == 200, done.text

    # Before the deadline: project-level events are there, the embargoed ones for no reader.
    for reader in (admin_headers, scene["supervisor"], scene["auditor"]):
        events = await trail(client, reader, project_id=project["id"])
        actions = {e["action"] for e in events}
        assert {"project.created", "tender_document.uploaded", "project.published", "announcement.tender"} <= actions
        assert not actions & EMBARGOED
        assert bidder.credit_code not in str(events) and bidder.org_id not in str(events)
        # Only this project's events: the other project's creation is not among them.
        assert {e["object_id"] for e in events} == {project["id"]}
        assert other["id"] not in str(events)
    read_up_to = max(e["id"] for e in await trail(client, admin_headers, project_id=project["id"]))

    # After every deadline of the project, the downloads, the upload and the bid are in its trail;
    # a reader following the trail with after_id finds them after what it read (released, not back-dated ids).
    clock.advance(30 * DAY)
    supervisor = await login(client, scene["users"]["supervisor"].identity, audience=AUDIENCE)
    events = await trail(client, supervisor.headers, project_id=project["id"])
    assert {e["action"] for e in events} >= EMBARGOED
    newer = await trail(client, admin_headers, project_id=project["id"], after_id=read_up_to)
    assert {e["action"] for e in newer} >= EMBARGOED
    lot_events = [e for e in events if e["object_type"] == "lot"]
    assert lot_events and {e["object_id"] for e in lot_events} == {lot["id"]}
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert not {e["object_id"] for e in events} & {other["id"], *(x["id"] for x in other["lots"])}

    # The action filter: exact, or a family by its prefix; the pages follow after_id.
    only_bids = await trail(client, supervisor.headers, project_id=project["id"], action="bid.")
    assert {e["action"] for e in only_bids} == {"bid.submitted"}
    exact = await trail(client, supervisor.headers, project_id=project["id"], action="bid_upload.started")
    assert [e["action"] for e in exact] == ["bid_upload.started"]
    # "_" is not a LIKE wildcard here: "bi_." does not match "bid.submitted".
    assert await trail(client, supervisor.headers, project_id=project["id"], action="bi_.") == []
    first = await trail(client, supervisor.headers, project_id=project["id"], limit=2)
    rest = await trail(client, supervisor.headers, project_id=project["id"], after_id=first[-1]["id"])
    assert [e["id"] for e in first + rest] == [e["id"] for e in events]


async def test_project_trail_refuses_other_roles_and_bad_parameters(
    client: httpx.AsyncClient, scene: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    project_id = scene["project"]["id"]
    for name in ("bidder", "agent", "tenderer"):
        refused = await client.get("/api/admin/audit-events", params={"project_id": project_id}, headers=scene[name])
        assert refused.status_code == 403, (name, refused.text)
    anonymous = await client.get("/api/admin/audit-events", params={"project_id": project_id})
    assert anonymous.status_code == 401

    url = "/api/admin/audit-events"
    assert_error(
        await client.get(url, params={"project_id": "not-a-uuid"}, headers=admin_headers), 400, "validation_failed"
    )
    assert_error(
        await client.get(url, params={"project_id": project_id, "action": "bid%"}, headers=admin_headers),
        400,
        "validation_failed",  # the pattern is in the schema, checked with the other parameters
    )
    assert_error(
        await client.get(url, params={"project_id": project_id, "limit": 0}, headers=admin_headers),
        400,
        "validation_failed",
    )
    assert_error(
        await client.get(url, params={"project_id": project_id, "after_id": -1}, headers=admin_headers),
        400,
        "validation_failed",
    )
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_error(await client.get(url, params={"project_id": unknown}, headers=admin_headers), 404, "not_found")
