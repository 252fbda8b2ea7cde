"""A lot's evaluation criteria with the tender, through the API on both profiles (issue 20; 规定 29,
条例 49, 87号令 55): the project's agent sets them, its tenderer and the supervisor read them, nobody
else does; invalid criteria are refused naming every problem; the public reads them once the project is
published; from the bid deadline on they are frozen; each change is audited with its SHA-256."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.core.clock import ManualClock
from bidding.evaluation.criteria_store import CriteriaIntegrity, CriteriaMissing, frozen_criteria
from bidding.evaluation.models import LotCriteria
from tests.fixtures.errors import error_code
from tests.fixtures.parties import logged_in_parties
from tests.fixtures.projects import DAY, PDF, create_published, project_body, relogin


@pytest.fixture
async def p(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    """The project's agent and tenderer, a bidder, another agent and a supervisor, logged in."""
    return await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("bidder", "bidder"),
        ("stranger", "agent"),
        ("supervisor", "supervisor"),
    )


def works_criteria(**change: Any) -> dict[str, Any]:
    """综合评估法 for works (tendering law, 规定 34–37): price 40 + construction plan 45 + record 15 = 100."""
    data: dict[str, Any] = {
        "method": "comprehensive",
        "category": "works",
        "government_procurement": False,
        "scoring_items": [
            {
                "name_zh": "投标报价",
                "name_en": "Bid price",
                "maximum": "40",
                "nature": "objective",
                "scorer": "system",
                "is_price": True,
            },
            {
                "name_zh": "施工组织设计",
                "name_en": "Construction plan",
                "maximum": "45",
                "nature": "subjective",
                "scorer": "each_expert",
            },
            {
                "name_zh": "类似业绩",
                "name_en": "Similar projects",
                "maximum": "15",
                "nature": "objective",
                "scorer": "each_expert",
            },
        ],
        "checklist": [
            {
                "name_zh": "投标函签字盖章",
                "name_en": "Bid letter signed and sealed",
                "stage": "formal",
                "clause": "第二章 3.1",
            },
            {
                "name_zh": "施工总承包资质",
                "name_en": "Contractor licence",
                "stage": "qualification",
                "clause": "第二章 3.2",
            },
        ],
    }
    data.update(change)
    return data


def url(lot_id: str) -> str:
    return f"/api/agent/lots/{lot_id}/criteria"


async def audited(platform: Any, lot_id: str) -> list[AuditEvent]:
    async with platform.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.action == "evaluation.criteria_set", AuditEvent.object_id == lot_id)
                    .order_by(AuditEvent.id)
                )
            ).all()
        )


async def test_the_agent_sets_and_reads_and_the_parties_read(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock, platform: Any
) -> None:
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]["id"]
    assert error_code(await client.get(url(lot), headers=p["agent"])) == "criteria_not_found"

    put = await client.put(url(lot), json=works_criteria(), headers=p["agent"])
    assert put.status_code == 200, put.text
    view = put.json()
    assert view["lot_id"] == lot and view["project_id"] == project["id"] and view["frozen"] is False
    assert [i["maximum"] for i in view["criteria"]["scoring_items"]] == ["40.00", "45.00", "15.00"]
    assert view["criteria"]["checklist"][1]["clause"] == "第二章 3.2"
    assert len(view["sha256"]) == 64

    for who in ("agent", "tenderer", "supervisor"):
        read = await client.get(url(lot), headers=p[who])
        assert read.status_code == 200, (who, read.text)
        assert read.json()["sha256"] == view["sha256"] and read.json()["criteria"] == view["criteria"]

    # One audit event, naming the SHA-256 of the stored canonical JSON.
    events = await audited(platform, lot)
    assert len(events) == 1 and events[0].content_sha256 == view["sha256"]
    assert events[0].details["replaces"] is None and events[0].details["method"] == "comprehensive"

    # The same criteria again (another key order, "40.0" for "40"): no change, no event.
    again = works_criteria()
    again["scoring_items"][0]["maximum"] = "40.0"
    same = await client.put(url(lot), json=dict(reversed(list(again.items()))), headers=p["agent"])
    assert same.status_code == 200 and same.json()["sha256"] == view["sha256"]
    assert len(await audited(platform, lot)) == 1

    # A change (45/15 → 50/10) before the deadline: a new SHA-256, audited with the one it replaces.
    changed = works_criteria()
    changed["scoring_items"][1]["maximum"], changed["scoring_items"][2]["maximum"] = "50", "10"
    moved = await client.put(url(lot), json=changed, headers=p["agent"])
    assert moved.status_code == 200 and moved.json()["sha256"] != view["sha256"]
    events = await audited(platform, lot)
    assert len(events) == 2 and events[1].details["replaces"] == view["sha256"]
    assert events[1].content_sha256 == moved.json()["sha256"]

    # The lowest evaluated price method for the other lot: a checklist, no scoring items.
    lowest = works_criteria(method="lowest_evaluated_price", scoring_items=[])
    other = await client.put(url(project["lots"][1]["id"]), json=lowest, headers=p["agent"])
    assert other.status_code == 200, other.text
    assert other.json()["criteria"]["scoring_items"] == [] and other.json()["sha256"] != moved.json()["sha256"]


async def test_nobody_else_sets_or_reads_them(client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock) -> None:
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]["id"]
    assert (await client.put(url(lot), json=works_criteria(), headers=p["agent"])).status_code == 200

    for who in ("tenderer", "bidder", "supervisor", "stranger"):
        refused = await client.put(url(lot), json=works_criteria(), headers=p[who])
        assert refused.status_code == 403, (who, refused.text)
    # The other agent passes the role guard and is refused by the project's agent check.
    assert error_code(await client.put(url(lot), json=works_criteria(), headers=p["stranger"])) == "criteria_forbidden"
    for who in ("bidder", "stranger"):
        assert (await client.get(url(lot), headers=p[who])).status_code == 403, who
    assert (await client.put(url(lot), json=works_criteria())).status_code == 401
    assert (await client.get(url(lot))).status_code == 401

    unknown = str(uuid.uuid4())
    assert error_code(await client.put(url(unknown), json=works_criteria(), headers=p["agent"])) == "lot_not_found"
    assert error_code(await client.get(url(unknown), headers=p["agent"])) == "lot_not_found"
    assert (await client.get(f"/api/public/lots/{unknown}/criteria")).status_code == 404


async def test_invalid_criteria_are_refused_with_every_problem(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock
) -> None:
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]["id"]
    # 综合评分法 for a works project outside government procurement, maxima 40 + 45 + 10 = 95, a
    # checklist item without its clause: three problems at once.
    bad = works_criteria(method="comprehensive_scoring")
    bad["scoring_items"][2]["maximum"] = "10"
    bad["checklist"][0]["clause"] = "  "
    refused = await client.put(url(lot), json=bad, headers=p["agent"])
    assert refused.status_code == 422 and error_code(refused) == "criteria_invalid"
    reasons = [d["reason"] for d in refused.json()["error"]["details"]]
    assert reasons == ["method_procurement_mismatch", "maxima_not_100", "clause_missing"]
    assert refused.json()["error"]["details"][1]["value"] == "95"

    mismatch = await client.put(url(lot), json=works_criteria(category="goods"), headers=p["agent"])
    assert mismatch.status_code == 422 and error_code(mismatch) == "criteria_category_mismatch"
    # An objective item the system would compute from data it does not hold (only the price is).
    counted = works_criteria()
    counted["scoring_items"][2] |= {"nature": "objective", "scorer": "system"}
    unsupported = await client.put(url(lot), json=counted, headers=p["agent"])
    assert unsupported.status_code == 422 and error_code(unsupported) == "system_item_unsupported"
    assert unsupported.json()["error"]["details"] == [
        {"reason": "system_item_unsupported", "item": counted["scoring_items"][2]["name_zh"]}
    ]
    assert error_code(await client.get(url(lot), headers=p["agent"])) == "criteria_not_found"  # nothing kept


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b'{"method": "comprehensive",', 400),  # malformed JSON
        (b"[]", 400),
        (b'{"method": "comprehensive"}', 400),  # required fields missing
    ],
)
async def test_malformed_bodies_are_client_errors(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock, content: bytes, status: int
) -> None:
    project = await create_published(client, p, clock.now())
    headers = {**p["agent"], "Content-Type": "application/json"}
    answer = await client.put(url(project["lots"][0]["id"]), content=content, headers=headers)
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(
    "change",
    [
        {"weights": {"price": 40}},  # unknown field
        {"method": "lowest_price"},  # not a method
        {"government_procurement": "no"},
        {
            "scoring_items": [
                {"name_zh": "价格", "name_en": "Price", "maximum": 100, "nature": "objective", "scorer": "system"}
            ]
        },
        {
            "scoring_items": [
                {"name_zh": "价格", "name_en": "Price", "maximum": "1e2", "nature": "objective", "scorer": "system"}
            ]
        },
        {"checklist": [{"name_zh": "a", "name_en": "a", "stage": "formal", "clause": "c", "note": "x"}]},
    ],
)
async def test_unknown_fields_and_wrong_types_name_the_field(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock, change: dict[str, Any]
) -> None:
    project = await create_published(client, p, clock.now())
    answer = await client.put(url(project["lots"][0]["id"]), json=works_criteria(**change), headers=p["agent"])
    assert answer.status_code == 400 and error_code(answer) == "validation_failed", answer.text


async def test_public_only_once_published(client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock) -> None:
    created = await client.post(
        "/api/agent/projects/", json=project_body(p["tenderer_code"], clock.now() + 25 * DAY), headers=p["agent"]
    )
    assert created.status_code == 201, created.text
    project = created.json()
    lot = project["lots"][0]["id"]
    public = f"/api/public/lots/{lot}/criteria"
    # Set on the draft, before publication (the agent defines them with the documents).
    put = await client.put(url(lot), json=works_criteria(), headers=p["agent"])
    assert put.status_code == 200, put.text
    hidden = await client.get(public)
    assert hidden.status_code == 404 and error_code(hidden) == "criteria_not_found"

    upload = await client.post(
        f"/api/agent/projects/{project['id']}/documents",
        content=PDF,
        headers={**p["agent"], "Content-Type": "application/pdf", "X-Filename": "tender.pdf"},
    )
    assert upload.status_code == 201, upload.text
    published = await client.post(
        f"/api/agent/projects/{project['id']}/publish",
        json={"title": "城南污水处理厂提标改造工程招标公告", "body": "现邀请合格投标人参加投标。"},
        headers=p["agent"],
    )
    assert published.status_code == 200, published.text
    shown = await client.get(public)
    assert shown.status_code == 200, shown.text
    assert shown.json()["sha256"] == put.json()["sha256"] and shown.json()["criteria"] == put.json()["criteria"]
    assert shown.json()["criteria"]["scoring_items"][0]["name_zh"] == "投标报价"
    # A published lot without criteria: 404 too.
    assert (await client.get(f"/api/public/lots/{project['lots'][1]['id']}/criteria")).status_code == 404


async def test_frozen_from_the_bid_deadline(client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock) -> None:
    start = clock.now()
    project = await create_published(client, p, start)  # lot 01 closes at start + 25 days, lot 02 two hours later
    first, second = project["lots"][0]["id"], project["lots"][1]["id"]
    put = await client.put(url(first), json=works_criteria(), headers=p["agent"])
    assert put.status_code == 200, put.text
    sha = put.json()["sha256"]

    clock.set(start + 25 * DAY)  # lot 01's deadline exactly: frozen; lot 02 still open
    await relogin(client, p)
    changed = works_criteria()
    changed["checklist"][0]["clause"] = "第二章 3.1.1"
    frozen = await client.put(url(first), json=changed, headers=p["agent"])
    assert frozen.status_code == 409 and error_code(frozen) == "criteria_frozen", frozen.text
    read = await client.get(url(first), headers=p["agent"])
    assert read.json()["frozen"] is True and read.json()["sha256"] == sha  # unchanged
    assert (await client.put(url(second), json=changed, headers=p["agent"])).status_code == 200

    clock.set(start + 25 * DAY + 2 * DAY / 24)  # lot 02's deadline
    await relogin(client, p)
    again = await client.put(url(second), json=works_criteria(), headers=p["agent"])
    assert again.status_code == 409 and error_code(again) == "criteria_frozen"
    # The public still reads both.
    assert (await client.get(f"/api/public/lots/{first}/criteria")).json()["frozen"] is True


async def test_the_evaluation_takes_the_stored_copy_and_its_sha256(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock, platform: Any
) -> None:
    project = await create_published(client, p, clock.now())
    lot = uuid.UUID(project["lots"][0]["id"])
    async with platform.sessions() as session:
        with pytest.raises(CriteriaMissing) as missing:
            await frozen_criteria(session, lot)
    assert missing.value.status == 409 and missing.value.code == "criteria_missing"

    put = await client.put(url(str(lot)), json=works_criteria(), headers=p["agent"])
    assert put.status_code == 200, put.text
    async with platform.sessions() as session:
        data, sha = await frozen_criteria(session, lot)
    assert sha == put.json()["sha256"] and data == put.json()["criteria"]

    # A stored copy changed behind the platform's back (45 → 50 points) no longer matches its SHA-256.
    async with platform.sessions() as session, session.begin():
        row = await session.get(LotCriteria, lot)
        assert row is not None
        items = [dict(item) for item in row.criteria["scoring_items"]]
        items[1]["maximum"] = "50.00"
        row.criteria = {**row.criteria, "scoring_items": items}
    async with platform.sessions() as session:
        with pytest.raises(CriteriaIntegrity):
            await frozen_criteria(session, lot)
