"""An expert logs in with a platform certificate, on both profiles (issue 19: experts "hold a platform
certificate to log in"): the administrator issues an enrolment code bound to the expert; the expert
makes a key and a CSR locally and exchanges them for a certificate of role ``expert`` under the
trading centre; the login knows which expert it is. A certificate of role ``expert`` that no expert's
code produced is not an expert; retiring the expert revokes the certificate and ends its sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.client.identity import Identity
from bidding.client.session import ApiError, login
from bidding.core.clock import CHINA_TIME as CHINA
from crypto.ca import make_csr, make_key
from crypto.subject import PlatformSubject
from tests.fixtures.expert_pool import enrol_expert, expert_body, logged_in_expert, trading_centre
from tests.fixtures.parties import AUDIENCE, logged_in


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body["error"]["code"] if "error" in body else response.text


async def test_an_expert_enrols_logs_in_and_is_that_expert(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    centre = await trading_centre(client, admin_headers)
    expert = await logged_in_expert(client, admin_headers, centre["id"], name="李评审", specialties=["B0301"])

    whoami = await client.get("/api/auth/me", headers=expert.headers)
    assert whoami.status_code == 200, whoami.text
    assert whoami.json()["role"] == "expert" and whoami.json()["common_name"] == "李评审"
    assert whoami.json()["credit_code"] == centre["credit_code"]

    me = await client.get("/api/expert/me", headers=expert.headers)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == expert.expert_id
    assert me.json()["name"] == "李评审" and me.json()["status"] == "active"
    assert [s["code"] for s in me.json()["specialties"]] == ["B0301"]
    assert "mobile" not in me.json()

    start = datetime.now(CHINA).date() + timedelta(days=3)
    declared = await client.put(
        "/api/expert/me/unavailability",
        json={"periods": [{"starts_on": start.isoformat(), "ends_on": start.isoformat(), "reason": "手术"}]},
        headers=expert.headers,
    )
    assert declared.status_code == 200, declared.text
    assert declared.json()["unavailability"] == [
        {"starts_on": start.isoformat(), "ends_on": start.isoformat(), "reason": "手术"}
    ]
    bad = await client.put(
        "/api/expert/me/unavailability",
        json={"periods": [{"starts_on": start.isoformat(), "ends_on": (start - timedelta(days=1)).isoformat()}]},
        headers=expert.headers,
    )
    assert error(bad) == (400, "expert_invalid")

    # The pool itself stays closed to experts.
    assert error(await client.get("/api/experts", headers=expert.headers)) == (403, "forbidden")
    assert error(await client.get(f"/api/experts/{expert.expert_id}", headers=expert.headers)) == (403, "forbidden")

    detail = await client.get(f"/api/experts/{expert.expert_id}", headers=admin_headers)
    assert detail.json()["certificates"] == 1
    async with platform.sessions() as db:
        created = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.object_id == expert.expert_id, AuditEvent.action == "expert.enrolment_code_created"
            )
        )
        set_by_expert = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.object_id == expert.expert_id, AuditEvent.action == "expert.unavailability_set"
            )
        )
    assert created is not None and created.details["organisation"] == centre["credit_code"]
    assert set_by_expert is not None and set_by_expert.actor.startswith("cert:")  # the expert, by certificate


async def test_other_callers_are_not_experts(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    # A certificate of role expert from an ordinary enrolment code: no expert record behind it.
    _, stray = await logged_in(client, admin_headers, "trading_centre", role="expert")
    assert error(await client.get("/api/expert/me", headers=stray.headers)) == (403, "not_an_expert")
    _, bidder = await logged_in(client, admin_headers, "bidder")
    assert error(await client.get("/api/expert/me", headers=bidder.headers)) == (403, "forbidden")
    assert error(await client.get("/api/expert/me", headers=admin_headers)) == (403, "forbidden")
    assert (await client.get("/api/expert/me")).status_code == 401


async def test_the_certificate_is_issued_under_a_trading_centre(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post("/api/experts", json=expert_body(), headers=admin_headers)
    expert_id = response.json()["id"]
    _, agent = await logged_in(client, admin_headers, "agent")
    agent_org = agent.session["organization_id"]
    named_agent = await client.post(
        f"/api/experts/{expert_id}/enrolment-codes", json={"organization_id": agent_org}, headers=admin_headers
    )
    assert error(named_agent) == (400, "expert_invalid")
    unknown = await client.post(
        f"/api/experts/{expert_id}/enrolment-codes",
        json={"organization_id": "00000000-0000-0000-0000-000000000000"},
        headers=admin_headers,
    )
    assert unknown.status_code == 404
    # The centre's own administrator need not name it: the code is issued under the caller's centre.
    centre_admin, session = await logged_in(client, admin_headers, "trading_centre", role="admin")
    own = await client.post(f"/api/experts/{expert_id}/enrolment-codes", json={}, headers=session.headers)
    assert own.status_code == 201, own.text
    assert own.json()["credit_code"] == centre_admin.credit_code
    assert own.json()["common_name"] == expert_body()["name"]


async def test_retiring_the_expert_revokes_the_certificate_and_ends_the_session(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    centre = await trading_centre(client, admin_headers)
    expert = await logged_in_expert(client, admin_headers, centre["id"])
    # A second, unused code: void once the expert retires.
    spare = await client.post(
        f"/api/experts/{expert.expert_id}/enrolment-codes",
        json={"organization_id": centre["id"]},
        headers=admin_headers,
    )
    assert spare.status_code == 201
    retired = await client.post(
        f"/api/experts/{expert.expert_id}/retire", json={"reason": "解聘"}, headers=admin_headers
    )
    assert retired.status_code == 200, retired.text
    assert retired.json()["certificates"] == 0
    assert (await client.get("/api/expert/me", headers=expert.headers)).status_code == 401
    # The centre's certificates only: the whole platform's may be more than a page in a full run.
    certs = await client.get(
        "/api/admin/certificates", params={"organization_id": centre["id"], "limit": 500}, headers=admin_headers
    )
    mine = [c for c in certs.json() if c["common_name"] == retired.json()["name"] and c["role"] == "expert"]
    assert any(c["revocation_reason"] == "privilege_withdrawn" for c in mine)
    # The revoked certificate no longer logs in, and the spare code no longer enrols.
    with pytest.raises(ApiError) as refused:
        await login(client, Identity(expert.key, expert.cert), audience=AUDIENCE)
    assert refused.value.code == "certificate_revoked"
    code = spare.json()
    csr = make_csr(make_key("ec-p256"), PlatformSubject(code["organisation"], code["credit_code"], "x", "expert"))
    enrol = await client.post(
        "/api/enrolment/certificates",
        json={"enrolment_code": code["enrolment_code"], "csr": csr.public_bytes(serialization.Encoding.PEM).decode()},
    )
    assert error(enrol) == (403, "enrolment_refused")
    # Enrolling again for a retired expert is refused at the source.
    again = await client.post(
        f"/api/experts/{expert.expert_id}/enrolment-codes",
        json={"organization_id": centre["id"]},
        headers=admin_headers,
    )
    assert error(again) == (409, "expert_state")


async def test_a_second_certificate_for_the_same_expert(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    centre = await trading_centre(client, admin_headers)
    expert = await logged_in_expert(client, admin_headers, centre["id"])
    key, cert = await enrol_expert(client, admin_headers, expert.expert_id, centre["id"])
    second = await login(client, Identity(key, cert), audience=AUDIENCE)
    me = await client.get("/api/expert/me", headers=second.headers)
    assert me.json()["id"] == expert.expert_id
    detail = await client.get(f"/api/experts/{expert.expert_id}", headers=admin_headers)
    assert detail.json()["certificates"] == 2
