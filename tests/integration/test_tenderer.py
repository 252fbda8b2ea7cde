"""The tenderer's (招标人) side of tendering (issue 25, docs/frontend-tenderer.md), against the running
app on both profiles: a project registered (项目登记), edited, an agent appointed, changed and
withdrawn (the agents told), the appointed agent creating the draft from it; the tenderer's approval
of the current tender documents before publication (refused with ``documents_not_approved`` until
approved, and again after a newer version); bad inputs named; another tenderer or agent refused
(404); the progress view; and the role matrix of every endpoint added.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from bidding.core.clock import ManualClock
from bidding.core.roles import Role
from bidding.messaging.channels import ChannelKind
from bidding.messaging.models import Message
from tests.fixtures.awards import award_in, log_in_again
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import logged_in_parties
from tests.fixtures.projects import DAY, PDF, create_published, iso, project_body
from tests.fixtures.role_matrix import app_routes, assert_refused, assert_table_covers, role_sessions, row

ZIP = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP archive: a second documents version

REGISTRATION = {
    "name": "城东小学教学楼新建工程",
    "approval_number": "宁发改投资〔2026〕118号",
    "funding_source": "财政资金",
    "estimate_fen": 38_000_000_00,
    "category": "works",
    "region": "江苏省南京市",
    "note": "拟于本年第三季度开工。",
}


@pytest.fixture
async def p(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    """A tenderer, a second tenderer, two agents and a bidder, logged in."""
    return await logged_in_parties(
        client,
        admin_headers,
        ("tenderer", "tenderer"),
        ("tenderer2", "tenderer"),
        ("agent", "agent"),
        ("agent2", "agent"),
        ("bidder", "bidder"),
    )


async def audit_actions(client: httpx.AsyncClient, admin: dict[str, str], kind: str, object_id: str) -> list[str]:
    response = await client.get(
        "/api/admin/audit-events", params={"object_type": kind, "object_id": object_id}, headers=admin
    )
    assert response.status_code == 200, response.text
    return [e["action"] for e in response.json()]


async def register(client: httpx.AsyncClient, headers: dict[str, str], **change: Any) -> dict[str, Any]:
    response = await client.post("/api/tenderer/registrations", json={**REGISTRATION, **change}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def appointed_project(client: httpx.AsyncClient, p: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A registration appointed to ``agent``, taken up, its draft given lot deadlines: the agent's project."""
    reg = await register(client, p["tenderer"])
    agent_code = p["users"]["agent"].credit_code
    appointed = await client.put(
        f"/api/tenderer/registrations/{reg['id']}/agent", json={"agent_credit_code": agent_code}, headers=p["tenderer"]
    )
    assert appointed.status_code == 200, appointed.text
    code = f"R-{secrets.token_hex(4)}"
    created = await client.post(
        f"/api/agent/projects/appointments/{reg['id']}/project",
        json={"code": code, "bid_deadline": iso(now + 25 * DAY)},
        headers=p["agent"],
    )
    assert created.status_code == 201, created.text
    project: dict[str, Any] = created.json()
    project["registration"] = reg
    return project


async def upload(client: httpx.AsyncClient, headers: dict[str, str], project_id: str, body: bytes = PDF) -> Any:
    kind = "application/pdf" if body.startswith(b"%PDF") else "application/zip"
    response = await client.post(
        f"/api/agent/projects/{project_id}/documents",
        content=body,
        headers={**headers, "Content-Type": kind, "X-Filename": "tender.pdf" if kind.endswith("pdf") else "t.zip"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def publish(client: httpx.AsyncClient, headers: dict[str, str], project_id: str) -> httpx.Response:
    return await client.post(
        f"/api/agent/projects/{project_id}/publish",
        json={"title": "城东小学教学楼新建工程招标公告", "body": "现邀请合格投标人参加投标。"},
        headers=headers,
    )


# ----------------------------------------------------------------------------- registrations


async def test_a_registration_is_listed_edited_and_audited(
    client: httpx.AsyncClient, admin_headers: dict[str, str], p: dict[str, Any]
) -> None:
    reg = await register(client, p["tenderer"])
    assert reg["status"] == "registered" and reg["agent"] is None and reg["project_id"] is None
    assert reg["estimate_fen"] == 38_000_000_00 and reg["tenderer_credit_code"] == p["tenderer_code"]

    listed = (await client.get("/api/tenderer/registrations", headers=p["tenderer"])).json()
    assert [r["id"] for r in listed] == [reg["id"]]
    assert (await client.get("/api/tenderer/registrations", headers=p["tenderer2"])).json() == []

    edited = await client.put(
        f"/api/tenderer/registrations/{reg['id']}",
        json={**REGISTRATION, "estimate_fen": 40_000_000_00, "note": ""},
        headers=p["tenderer"],
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["estimate_fen"] == 40_000_000_00 and edited.json()["note"] is None
    again = await client.get(f"/api/tenderer/registrations/{reg['id']}", headers=p["tenderer"])
    assert again.json()["estimate_fen"] == 40_000_000_00

    actions = await audit_actions(client, admin_headers, "project_registration", reg["id"])
    assert {"project_registration.created", "project_registration.updated"} <= set(actions)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"approval_number": ""}, "approval_number"),
        ({"funding_source": "x" * 201}, "funding_source"),
        ({"estimate_fen": 0}, "estimate_fen"),
        ({"estimate_fen": -5}, "estimate_fen"),
        ({"estimate_fen": 12.5}, "estimate_fen"),
        ({"estimate_fen": 2**53}, "estimate_fen"),
        ({"category": "weapons"}, "category"),
        ({"note": "x" * 2001}, "note"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_a_bad_registration_is_refused_naming_the_field(
    client: httpx.AsyncClient, p: dict[str, Any], change: dict[str, Any], named: str
) -> None:
    response = await client.post("/api/tenderer/registrations", json={**REGISTRATION, **change}, headers=p["tenderer"])
    assert 400 <= response.status_code < 500, response.text
    assert named in response.text, response.text
    assert (await client.get("/api/tenderer/registrations", headers=p["tenderer"])).json() == []


async def test_a_missing_field_is_named(client: httpx.AsyncClient, p: dict[str, Any]) -> None:
    body = {k: v for k, v in REGISTRATION.items() if k != "approval_number"}
    response = await client.post("/api/tenderer/registrations", json=body, headers=p["tenderer"])
    assert response.status_code == 400 and "approval_number" in response.text


# ----------------------------------------------------------------------------- appointment


async def test_the_agent_is_appointed_changed_withdrawn_and_told(
    client: httpx.AsyncClient, admin_headers: dict[str, str], p: dict[str, Any], platform: Any
) -> None:
    reg = await register(client, p["tenderer"])
    url = f"/api/tenderer/registrations/{reg['id']}/agent"
    agent, agent2 = p["users"]["agent"], p["users"]["agent2"]

    # Not an agent: a bidder's code, another tenderer's, an unknown one, a malformed one.
    for code in (p["users"]["bidder"].credit_code, p["tenderer_code"], "91320100MA1XXXXX9X"):
        assert_error(
            await client.put(url, json={"agent_credit_code": code}, headers=p["tenderer"]), 400, "agent_not_approved"
        )
    bad = await client.put(url, json={"agent_credit_code": "123"}, headers=p["tenderer"])
    assert bad.status_code == 400 and "agent_credit_code" in bad.text
    assert_error(await client.delete(url, headers=p["tenderer"]), 409, "not_appointed")

    appointed = await client.put(url, json={"agent_credit_code": agent.credit_code.lower()}, headers=p["tenderer"])
    assert appointed.status_code == 200, appointed.text
    assert appointed.json()["status"] == "appointed" and appointed.json()["agent_credit_code"] == agent.credit_code
    seen = (await client.get("/api/agent/projects/appointments", headers=p["agent"])).json()
    assert [r["id"] for r in seen] == [reg["id"]] and seen[0]["approval_number"] == REGISTRATION["approval_number"]
    assert (await client.get("/api/agent/projects/appointments", headers=p["agent2"])).json() == []

    changed = await client.put(url, json={"agent_credit_code": agent2.credit_code}, headers=p["tenderer"])
    assert changed.json()["agent_credit_code"] == agent2.credit_code
    assert (await client.get("/api/agent/projects/appointments", headers=p["agent"])).json() == []
    # The agent no longer appointed cannot take it up.
    assert_error(
        await client.post(
            f"/api/agent/projects/appointments/{reg['id']}/project", json={"code": "X-1"}, headers=p["agent"]
        ),
        404,
        "not_found",
    )

    withdrawn = await client.delete(url, headers=p["tenderer"])
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "registered"
    assert withdrawn.json()["agent"] is None
    assert (await client.get("/api/agent/projects/appointments", headers=p["agent2"])).json() == []

    async with platform.sessions() as db:
        messages = (
            await db.scalars(
                select(Message)
                .where(Message.reference == f"project-registration:{reg['id']}", Message.channel == ChannelKind.IN_APP)
                .order_by(Message.created_at)
            )
        ).all()
    told = sorted((m.recipient, m.subject_zh.split("】")[0]) for m in messages)
    assert told == sorted(
        [
            (f"org:{agent.org_id}", "【项目委托"),
            (f"org:{agent.org_id}", "【委托撤回"),
            (f"org:{agent2.org_id}", "【项目委托"),
            (f"org:{agent2.org_id}", "【委托撤回"),
        ]
    )
    actions = await audit_actions(client, admin_headers, "project_registration", reg["id"])
    assert actions.count("project_registration.agent_appointed") == 2
    assert "project_registration.agent_withdrawn" in actions


async def test_the_agent_creates_the_project_from_the_registration(
    client: httpx.AsyncClient, admin_headers: dict[str, str], p: dict[str, Any], clock: ManualClock
) -> None:
    project = await appointed_project(client, p, clock.now())
    reg = project["registration"]
    assert project["name"] == REGISTRATION["name"] and project["category"] == "works"
    assert project["tenderer_credit_code"] == p["tenderer_code"] and project["status"] == "draft"
    assert [(lot["code"], lot["estimated_price_fen"]) for lot in project["lots"]] == [("01", 38_000_000_00)]

    taken = (await client.get(f"/api/tenderer/registrations/{reg['id']}", headers=p["tenderer"])).json()
    assert taken["status"] == "taken_up" and taken["project_id"] == project["id"]
    # Taken up: neither the registration nor the appointment changes, nor is it taken up twice.
    url = f"/api/tenderer/registrations/{reg['id']}"
    assert_error(await client.put(url, json=REGISTRATION, headers=p["tenderer"]), 409, "registration_taken_up")
    assert_error(await client.delete(f"{url}/agent", headers=p["tenderer"]), 409, "registration_taken_up")
    assert_error(
        await client.post(
            f"/api/agent/projects/appointments/{reg['id']}/project", json={"code": "Y-1"}, headers=p["agent"]
        ),
        409,
        "registration_taken_up",
    )
    # The draft's tenderer stays the registering one.
    body = project_body(p["users"]["tenderer2"].credit_code, clock.now() + 25 * DAY, code=project["code"])
    assert_error(
        await client.put(f"/api/agent/projects/{project['id']}", json=body, headers=p["agent"]), 409, "tenderer_fixed"
    )
    body = project_body(p["tenderer_code"], clock.now() + 25 * DAY, code=project["code"], name="改名后的项目")
    edited = await client.put(f"/api/agent/projects/{project['id']}", json=body, headers=p["agent"])
    assert edited.status_code == 200 and len(edited.json()["lots"]) == 2

    # A code already taken is the agent's to fix.
    reg2 = await register(client, p["tenderer"])
    await client.put(
        f"/api/tenderer/registrations/{reg2['id']}/agent",
        json={"agent_credit_code": p["users"]["agent"].credit_code},
        headers=p["tenderer"],
    )
    taken_code = await client.post(
        f"/api/agent/projects/appointments/{reg2['id']}/project", json={"code": project["code"]}, headers=p["agent"]
    )
    assert taken_code.status_code == 409 and project["code"] in taken_code.text
    assert "project_registration.taken_up" in await audit_actions(
        client, admin_headers, "project_registration", reg["id"]
    )


# ----------------------------------------------------------------------------- documents approval


async def test_publication_waits_for_the_tenderers_approval_of_the_current_version(
    client: httpx.AsyncClient, admin_headers: dict[str, str], p: dict[str, Any], clock: ManualClock, platform: Any
) -> None:
    project = await appointed_project(client, p, clock.now())
    pid = project["id"]
    docs_url = f"/api/tenderer/projects/{pid}/documents"
    decide = f"{docs_url}/decision"

    assert (await client.get(docs_url, headers=p["tenderer"])).json()["documents_approval"] == "no_documents"
    v1 = await upload(client, p["agent"], pid)
    seen = (await client.get(docs_url, headers=p["tenderer"])).json()
    assert seen["documents_approval"] == "pending" and seen["current_document"]["id"] == v1["id"]
    assert seen["current_document"]["sha256"] == v1["sha256"] and seen["current_document"]["size"] == len(PDF)
    downloaded = await client.get(f"{docs_url}/{v1['id']}", headers=p["tenderer"])
    assert downloaded.status_code == 200 and downloaded.content == PDF
    assert downloaded.headers["x-content-sha256"] == v1["sha256"]

    refused = assert_error(await publish(client, p["agent"], pid), 409, "documents_not_approved")
    assert refused["details"][0]["version"] == 1 and refused["details"][0]["state"] == "pending"

    # Returned with comments (comments required); publication still refused, the agent told.
    no_comment = await client.post(
        decide, json={"document_id": v1["id"], "decision": "returned"}, headers=p["tenderer"]
    )
    assert no_comment.status_code == 400 and "comments" in no_comment.text
    returned = await client.post(
        decide,
        json={"document_id": v1["id"], "decision": "returned", "comments": "评标办法中价格分权重请调整为30%。"},
        headers=p["tenderer"],
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["documents_approval"] == "returned"
    assert returned.json()["decisions"][0]["comments"].startswith("评标办法")
    refused = assert_error(await publish(client, p["agent"], pid), 409, "documents_not_approved")
    assert refused["details"][0]["state"] == "returned"

    # Version 2; a decision on the version the tenderer read before is a conflict.
    v2 = await upload(client, p["agent"], pid, ZIP)
    assert_error(
        await client.post(decide, json={"document_id": v1["id"], "decision": "approved"}, headers=p["tenderer"]),
        409,
        "document_superseded",
    )
    approved = await client.post(decide, json={"document_id": v2["id"], "decision": "approved"}, headers=p["tenderer"])
    assert approved.json()["documents_approval"] == "approved"

    # A version after the approval needs its own.
    v3 = await upload(client, p["agent"], pid)
    refused = assert_error(await publish(client, p["agent"], pid), 409, "documents_not_approved")
    assert refused["details"][0]["version"] == 3
    await client.post(decide, json={"document_id": v3["id"], "decision": "approved"}, headers=p["tenderer"])
    published = await publish(client, p["agent"], pid)
    assert published.status_code == 200, published.text
    assert published.json()["details"]["documents"] == [1, 2, 3]

    # After publication the tenderer decides no more (changes go by clarification).
    late = await client.post(decide, json={"document_id": v3["id"], "decision": "approved"}, headers=p["tenderer"])
    assert late.status_code == 409

    actions = await audit_actions(client, admin_headers, "project", pid)
    assert actions.count("tender_document.approved") == 2 and actions.count("tender_document.returned") == 1
    async with platform.sessions() as db:
        told = (
            await db.scalars(
                select(Message.subject_zh).where(
                    Message.reference.in_([f"tender-documents:{v['id']}" for v in (v1, v2, v3)]),
                    Message.channel == ChannelKind.IN_APP,
                    Message.recipient == f"org:{p['users']['agent'].org_id}",
                )
            )
        ).all()
    assert sorted(s.split("】")[0] for s in told) == ["【招标文件已确认", "【招标文件已确认", "【招标文件已退回"]


async def test_an_agents_own_project_publishes_as_before_and_needs_no_approval(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock
) -> None:
    project = await create_published(client, p, clock.now())
    seen = (await client.get(f"/api/tenderer/projects/{project['id']}", headers=p["tenderer"])).json()
    assert seen["documents_approval"] == "not_required" and seen["registration_id"] is None
    assert seen["phase"] == "tendering" and seen["lots"][0]["opening_done"] is False
    document = seen["current_document"]
    assert_error(
        await client.post(
            f"/api/tenderer/projects/{project['id']}/documents/decision",
            json={"document_id": document["id"], "decision": "approved"},
            headers=p["tenderer"],
        ),
        409,
        "approval_not_required",
    )


# ----------------------------------------------------------------------------- progress and isolation


async def test_the_progress_lists_the_tenderers_projects_only(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock
) -> None:
    registered = await appointed_project(client, p, clock.now())
    listed = (await client.get("/api/tenderer/projects", headers=p["tenderer"])).json()
    assert [x["id"] for x in listed] == [registered["id"]]
    row_ = listed[0]
    assert row_["phase"] == "draft" and row_["agent_credit_code"] == p["users"]["agent"].credit_code
    assert row_["registration_id"] == registered["registration"]["id"] and row_["documents_approval"] == "no_documents"
    lot = row_["lots"][0]
    assert lot["code"] == "01" and lot["bid_deadline"] and lot["award_id"] is None and lot["evaluation_final"] is False
    assert (await client.get("/api/tenderer/projects", headers=p["tenderer2"])).json() == []


async def test_another_tenderer_or_agent_is_refused(
    client: httpx.AsyncClient, p: dict[str, Any], clock: ManualClock
) -> None:
    project = await appointed_project(client, p, clock.now())
    reg, pid = project["registration"], project["id"]
    v1 = await upload(client, p["agent"], pid)
    other = p["tenderer2"]
    for method, url, body in [
        ("GET", f"/api/tenderer/registrations/{reg['id']}", None),
        ("PUT", f"/api/tenderer/registrations/{reg['id']}", REGISTRATION),
        (
            "PUT",
            f"/api/tenderer/registrations/{reg['id']}/agent",
            {"agent_credit_code": p["users"]["agent"].credit_code},
        ),
        ("DELETE", f"/api/tenderer/registrations/{reg['id']}/agent", None),
        ("GET", f"/api/tenderer/projects/{pid}", None),
        ("GET", f"/api/tenderer/projects/{pid}/documents", None),
        ("GET", f"/api/tenderer/projects/{pid}/documents/{v1['id']}", None),
        ("POST", f"/api/tenderer/projects/{pid}/documents/decision", {"document_id": v1["id"], "decision": "approved"}),
    ]:
        response = await client.request(method, url, json=body, headers=other)
        assert_error(response, 404, "not_found")
    # The other agent neither sees nor takes up the registration, nor publishes the project.
    reg2 = await register(client, p["tenderer"])
    await client.put(
        f"/api/tenderer/registrations/{reg2['id']}/agent",
        json={"agent_credit_code": p["users"]["agent"].credit_code},
        headers=p["tenderer"],
    )
    assert_error(
        await client.post(
            f"/api/agent/projects/appointments/{reg2['id']}/project", json={"code": "Z-1"}, headers=p["agent2"]
        ),
        404,
        "not_found",
    )
    assert_error(await publish(client, p["agent2"], pid), 404, "not_found")
    # Nothing changed: still pending.
    assert (await client.get(f"/api/tenderer/projects/{pid}/documents", headers=p["tenderer"])).json()[
        "documents_approval"
    ] == "pending"


# ----------------------------------------------------------------------------- the role matrix

REG, PRJ = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
TENDERER, AGENT = {Role.TENDERER}, {Role.AGENT}
DOC_ID = "33333333-3333-4333-8333-333333333333"
TABLE = [
    row("GET", "/api/tenderer/registrations", TENDERER),
    row("POST", "/api/tenderer/registrations", TENDERER, body=REGISTRATION),
    row("GET", "/api/tenderer/registrations/{registration_id:uuid}", TENDERER, f"/api/tenderer/registrations/{REG}"),
    row(
        "PUT",
        "/api/tenderer/registrations/{registration_id:uuid}",
        TENDERER,
        f"/api/tenderer/registrations/{REG}",
        REGISTRATION,
    ),
    row(
        "PUT",
        "/api/tenderer/registrations/{registration_id:uuid}/agent",
        TENDERER,
        f"/api/tenderer/registrations/{REG}/agent",
        {"agent_credit_code": "91320100MA1XXXXX9X"},
    ),
    row(
        "DELETE",
        "/api/tenderer/registrations/{registration_id:uuid}/agent",
        TENDERER,
        f"/api/tenderer/registrations/{REG}/agent",
    ),
    row("GET", "/api/tenderer/projects", TENDERER),
    row("GET", "/api/tenderer/projects/{project_id:uuid}", TENDERER, f"/api/tenderer/projects/{PRJ}"),
    row(
        "GET", "/api/tenderer/projects/{project_id:uuid}/documents", TENDERER, f"/api/tenderer/projects/{PRJ}/documents"
    ),
    row(
        "POST",
        "/api/tenderer/projects/{project_id:uuid}/documents/decision",
        TENDERER,
        f"/api/tenderer/projects/{PRJ}/documents/decision",
        {"document_id": DOC_ID, "decision": "approved"},
    ),
    row(
        "GET",
        "/api/tenderer/projects/{project_id:uuid}/documents/{document_id:uuid}",
        TENDERER,
        f"/api/tenderer/projects/{PRJ}/documents/{DOC_ID}",
    ),
    row("GET", "/api/agent/projects/appointments", AGENT),
    row(
        "POST",
        "/api/agent/projects/appointments/{registration_id:uuid}/project",
        AGENT,
        f"/api/agent/projects/appointments/{REG}/project",
        {"code": "X-1"},
    ),
]


def test_every_tenderer_endpoint_is_in_the_role_matrix(app: Litestar) -> None:
    """Every route under /api/tenderer has its row, and so have the agent's two appointment routes."""
    assert_table_covers(app, ["/api/tenderer"], [r for r in TABLE if r.route.startswith("/api/tenderer")])
    served = app_routes(app, ["/api/agent/projects/appointments"])
    assert served == {(r.method, r.route) for r in TABLE if r.route.startswith("/api/agent/")}


async def test_the_role_matrix_refuses_every_other_role(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    sessions = await role_sessions(client, admin_headers)
    for r in TABLE:
        await assert_refused(client, r, sessions)


async def test_the_progress_follows_the_opening_the_evaluation_and_the_award(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    """A real lot carried through its opening and a final evaluation to its award (tests/fixtures/awards.py):
    the tenderer's progress shows each, and links the award its decisions are taken on."""
    w = await award_in(client, admin_headers, clock, live, platform)
    await log_in_again(client, w.c)
    seen = await client.get(f"/api/tenderer/projects/{w.c.project['id']}", headers=w.p["tenderer"])
    assert seen.status_code == 200, seen.text
    lot = next(x for x in seen.json()["lots"] if x["id"] == w.c.lot["id"])
    assert lot["opening_done"] is True and lot["opening_state"] == "closed"
    assert lot["evaluation_final"] is True and lot["evaluation_state"] == "final"
    assert lot["award_id"] == w.award_id and lot["award_state"] == "reported"
    # The award page the link leads to is the tenderer's to read.
    assert (await client.get(f"/api/awards/{w.award_id}", headers=w.p["tenderer"])).status_code == 200
