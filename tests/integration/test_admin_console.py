"""The administrator's console over identities (issue 25, docs/frontend-admin.md), against the
running app on both profiles: registrations listed, refused with a reason (the organisation told
in-app and by e-mail) and approved once; enrolment codes listed and re-issued; an organisation's
certificates with their open sessions, revocation from the console and its effect; the agents'
roster; suspension and reinstatement; the settings safe to show; and the role matrix of every
identity endpoint under /api/admin.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from litestar import Litestar
from sqlalchemy import select

from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.core.roles import Role
from bidding.messaging.channels import ChannelKind
from bidding.messaging.models import Message
from crypto.ca import make_csr, make_key
from crypto.subject import PlatformSubject
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import AUDIENCE, approve, enrol, logged_in, new_code, register
from tests.fixtures.projects import create_published, project_body
from tests.fixtures.role_matrix import assert_refused, assert_table_covers, role_sessions, row
from tests.fixtures.smtp import SmtpServer

ADMIN_ROLES = {Role.ADMIN}
READERS = {Role.ADMIN, Role.AUDITOR}


async def audit_actions(client: httpx.AsyncClient, admin_headers: dict[str, str], object_id: str) -> list[str]:
    response = await client.get(
        "/api/admin/audit-events", params={"object_type": "organisation", "object_id": object_id}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    return [e["action"] for e in response.json()]


async def register_with_email(client: httpx.AsyncClient, name: str, email: str) -> dict[str, Any]:
    response = await client.post(
        "/api/enrolment/organisations",
        json={
            "name": name,
            "credit_code": new_code(),
            "kind": "bidder",
            "contact_name": "赵六",
            "contact_phone": "13800138000",
            "contact_email": email,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# ----------------------------------------------------------------------------- registrations


async def test_a_refused_registration_is_told_in_app_and_by_email(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any, mailbox: SmtpServer
) -> None:
    email = f"office-{secrets.token_hex(4)}@example.cn"
    org = await register_with_email(client, f"拒绝测试{secrets.token_hex(3)}有限公司", email)
    url = f"/api/admin/registrations/{org['id']}/refuse"

    for reason in ("", "   "):
        error = assert_error(
            await client.post(url, json={"reason": reason}, headers=admin_headers), 422, "reason_required"
        )
        assert "reason" in error["message_en"]
    assert (await client.post(url, json={}, headers=admin_headers)).status_code == 400
    assert (await client.post(url, json={"reason": "x" * 501}, headers=admin_headers)).status_code == 400
    assert_error(
        await client.post(
            f"/api/admin/registrations/{uuid.uuid4()}/refuse", json={"reason": "r"}, headers=admin_headers
        ),
        404,
        "not_found",
    )

    refused = await client.post(url, json={"reason": "营业执照副本与统一社会信用代码不符"}, headers=admin_headers)
    assert refused.status_code == 200, refused.text
    body = refused.json()
    assert body["organisation"]["status"] == "refused"
    assert body["decision_reason"] == "营业执照副本与统一社会信用代码不符"
    assert body["decided_by"] == "operator:admin-token" and body["decided_at"]

    # Decided once: refusing or approving it again is a conflict with its own code.
    assert_error(await client.post(url, json={"reason": "again"}, headers=admin_headers), 409, "registration_decided")
    assert_error(
        await client.post(f"/api/admin/organisations/{org['id']}/approve", headers=admin_headers),
        409,
        "registration_decided",
    )

    # Told in-app (the organisation's inbox) and by e-mail, the reason in both.
    async with platform.sessions() as db:
        messages = (await db.scalars(select(Message).where(Message.reference == f"organisation:{org['id']}"))).all()
    channels = {m.channel: m for m in messages}
    assert channels[ChannelKind.IN_APP].recipient == f"org:{org['id']}"
    assert "营业执照副本" in channels[ChannelKind.IN_APP].body_zh
    assert channels[ChannelKind.EMAIL].recipient == email
    mail = (await mailbox.wait_for(email))[-1].message
    assert "注册未通过" in str(mail["Subject"])
    assert "营业执照副本与统一社会信用代码不符" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    assert "organisation.refused" in await audit_actions(client, admin_headers, org["id"])
    listed = await client.get(
        "/api/admin/registrations", params={"status": "refused", "q": org["credit_code"]}, headers=admin_headers
    )
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["decision_reason"].startswith("营业执照")


async def test_registrations_are_filtered_sorted_and_paged_and_approval_is_decided_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    tag = secrets.token_hex(3)
    names = [f"筛选{tag}{letter}工程有限公司" for letter in "CAB"]
    orgs = [await register(client, "agent" if i == 0 else "bidder", name=name) for i, name in enumerate(names)]

    page = await client.get(
        "/api/admin/registrations",
        params={"q": f"筛选{tag}", "sort": "name", "order": "asc", "limit": 2},
        headers=admin_headers,
    )
    assert page.status_code == 200, page.text
    assert page.json()["total"] == 3
    assert [i["organisation"]["name"] for i in page.json()["items"]] == sorted(names)[:2]
    rest = await client.get(
        "/api/admin/registrations",
        params={"q": f"筛选{tag}", "sort": "name", "order": "asc", "limit": 2, "offset": 2},
        headers=admin_headers,
    )
    assert [i["organisation"]["name"] for i in rest.json()["items"]] == sorted(names)[2:]
    agents = await client.get(
        "/api/admin/registrations", params={"q": f"筛选{tag}", "kind": "agent"}, headers=admin_headers
    )
    assert [i["organisation"]["id"] for i in agents.json()["items"]] == [orgs[0]["id"]]
    # A text with LIKE's wildcards matches literally.
    assert (await client.get("/api/admin/registrations", params={"q": "%_%"}, headers=admin_headers)).json()[
        "total"
    ] == 0

    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"sort": "secret"}, {"status": "gone"}, {"kind": "x"}):
        response = await client.get("/api/admin/registrations", params=params, headers=admin_headers)
        assert response.status_code == 400, (params, response.text)

    await approve(client, admin_headers, orgs[1]["id"])
    approved = await client.get(
        "/api/admin/registrations", params={"q": orgs[1]["credit_code"], "status": "approved"}, headers=admin_headers
    )
    (item,) = approved.json()["items"]
    assert item["decided_at"] and item["decided_by"] == "operator:admin-token" and item["decision_reason"] is None
    assert_error(
        await client.post(f"/api/admin/organisations/{orgs[1]['id']}/approve", headers=admin_headers),
        409,
        "registration_decided",
    )
    assert_error(
        await client.post(
            f"/api/admin/registrations/{orgs[1]['id']}/refuse", json={"reason": "r"}, headers=admin_headers
        ),
        409,
        "registration_decided",
    )
    assert "organisation.approved" in await audit_actions(client, admin_headers, orgs[1]["id"])


# ----------------------------------------------------------------------------- codes


async def test_codes_are_listed_without_their_secret_and_a_reissue_withdraws_the_earlier_ones(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock
) -> None:
    org = await register(client, "trading_centre")
    approval = await client.post(f"/api/admin/organisations/{org['id']}/approve", headers=admin_headers)
    first, default = approval.json()["enrolment"]["enrolment_code"], approval.json()["enrolment"]["role"]
    assert default != "auditor"
    base = f"/api/admin/organisations/{org['id']}/enrolment-codes"
    second = (await client.post(base, json={"role": "auditor"}, headers=admin_headers)).json()["enrolment_code"]

    codes = (await client.get(base, headers=admin_headers)).json()
    assert sorted((c["role"], c["state"]) for c in codes) == sorted([(default, "issued"), ("auditor", "issued")])
    assert first not in str(codes) and second not in str(codes) and "enrolment_code" not in codes[0]

    reissued = await client.post(f"{base}/reissue", json={"role": "auditor"}, headers=admin_headers)
    assert reissued.status_code == 201, reissued.text
    assert reissued.json()["withdrawn"] == 1
    third = reissued.json()["enrolment"]["enrolment_code"]
    states = sorted((c["role"], c["state"]) for c in (await client.get(base, headers=admin_headers)).json())
    assert states == sorted([(default, "issued"), ("auditor", "issued"), ("auditor", "withdrawn")])

    def csr() -> str:
        subject = PlatformSubject(org["name"], org["credit_code"], "钱七", "auditor")
        return make_csr(make_key("ec-p256"), subject).public_bytes(serialization.Encoding.PEM).decode()

    old = await client.post("/api/enrolment/certificates", json={"enrolment_code": second, "csr": csr()})
    assert_error(old, 403, "enrolment_refused")
    new = await client.post("/api/enrolment/certificates", json={"enrolment_code": third, "csr": csr()})
    assert new.status_code == 201, new.text
    states = sorted((c["role"], c["state"]) for c in (await client.get(base, headers=admin_headers)).json())
    assert ("auditor", "used") in states

    clock.advance(timedelta(days=400))
    states = sorted((c["role"], c["state"]) for c in (await client.get(base, headers=admin_headers)).json())
    assert (default, "expired") in states

    assert (await client.post(f"{base}/reissue", json={"role": "bidder"}, headers=admin_headers)).status_code == 400
    assert (await client.post(f"{base}/reissue", json={"role": "king"}, headers=admin_headers)).status_code == 400
    assert_error(
        await client.get(f"/api/admin/organisations/{uuid.uuid4()}/enrolment-codes", headers=admin_headers),
        404,
        "not_found",
    )
    pending = await register(client, "bidder")
    assert_error(
        await client.post(
            f"/api/admin/organisations/{pending['id']}/enrolment-codes/reissue",
            json={"role": "bidder"},
            headers=admin_headers,
        ),
        409,
        "conflict",
    )
    assert "enrolment_code.reissued" in await audit_actions(client, admin_headers, org["id"])


# ----------------------------------------------------------------------------- certificates, sessions


async def test_an_organisations_certificates_show_their_sessions_and_revocation_ends_them(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    user, session = await logged_in(client, admin_headers, "bidder")
    other = await enrol(client, admin_headers, "bidder")
    detail = (await client.get(f"/api/admin/organisations/{user.org_id}", headers=admin_headers)).json()
    (cert,) = detail["certificates"]
    assert cert["status"] == "valid" and cert["open_sessions"] == 1 and detail["open_sessions"] == 1
    assert cert["serial"] == user.body["serial"] and cert["common_name"] == "王小明" and cert["role"] == "bidder"
    assert detail["registration"]["organisation"]["status"] == "approved"
    assert [c["state"] for c in detail["codes"]] == ["used"]

    base = f"/api/admin/organisations/{user.org_id}/certificates"
    # The wrong organisation: another organisation's certificate is not found under this one.
    assert_error(
        await client.post(
            f"{base}/{other.body['serial']}/revoke", json={"reason": "key_compromise"}, headers=admin_headers
        ),
        404,
        "certificate_not_found",
    )
    assert (
        await client.post(f"{base}/{cert['serial']}/revoke", json={"reason": "lost"}, headers=admin_headers)
    ).status_code == 400
    revoked = await client.post(
        f"{base}/{cert['serial']}/revoke", json={"reason": "key_compromise"}, headers=admin_headers
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["sessions_closed"] == 1
    assert revoked.json()["certificate"]["revocation_reason"] == "key_compromise"
    assert (await client.get("/api/auth/me", headers=session.headers)).status_code == 401
    detail = (await client.get(f"/api/admin/organisations/{user.org_id}", headers=admin_headers)).json()
    assert detail["certificates"][0]["status"] == "revoked" and detail["open_sessions"] == 0
    assert_error(
        await client.post(f"{base}/{cert['serial']}/revoke", json={"reason": "superseded"}, headers=admin_headers),
        409,
        "conflict",
    )
    assert_error(await client.get(f"/api/admin/organisations/{uuid.uuid4()}", headers=admin_headers), 404, "not_found")


async def test_a_suspended_organisation_cannot_log_in_until_reinstated(
    client: httpx.AsyncClient, admin_headers: dict[str, str], mailbox: SmtpServer
) -> None:
    user, session = await logged_in(client, admin_headers, "agent")
    url = f"/api/admin/organisations/{user.org_id}"
    assert_error(
        await client.post(f"{url}/suspend", json={"reason": " "}, headers=admin_headers), 422, "reason_required"
    )
    assert_error(
        await client.post(f"{url}/reinstate", json={"reason": "ok"}, headers=admin_headers), 409, "organisation_status"
    )

    suspended = await client.post(f"{url}/suspend", json={"reason": "资质证书过期"}, headers=admin_headers)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["sessions_closed"] == 1
    assert suspended.json()["registration"]["organisation"]["status"] == "suspended"
    assert (await client.get("/api/auth/me", headers=session.headers)).status_code == 401
    with pytest.raises(Exception, match=r"organisation_not_enrolled|not registered"):
        await login(client, user.identity, audience=AUDIENCE)
    assert_error(
        await client.post(f"{url}/suspend", json={"reason": "again"}, headers=admin_headers), 409, "organisation_status"
    )

    reinstated = await client.post(f"{url}/reinstate", json={"reason": "资质已更新"}, headers=admin_headers)
    assert reinstated.status_code == 200 and reinstated.json()["registration"]["organisation"]["status"] == "approved"
    again = await login(client, user.identity, audience=AUDIENCE)
    assert (await client.get("/api/auth/me", headers=again.headers)).status_code == 200
    actions = await audit_actions(client, admin_headers, user.org_id)
    assert "organisation.suspended" in actions and "organisation.reinstated" in actions


async def test_the_agents_roster_counts_projects_run(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock
) -> None:
    agent, agent_session = await logged_in(client, admin_headers, "agent")
    tenderer, _ = await logged_in(client, admin_headers, "tenderer")
    p: dict[str, Any] = {"agent": agent_session.headers, "tenderer_code": tenderer.credit_code}
    await create_published(client, p, clock.now())
    draft = await client.post(
        "/api/agent/projects/",
        json=project_body(tenderer.credit_code, clock.now() + timedelta(days=25)),
        headers=p["agent"],
    )
    assert draft.status_code == 201, draft.text
    idle = await enrol(client, admin_headers, "agent")

    roster = (await client.get("/api/admin/agents", params={"limit": 500}, headers=admin_headers)).json()
    by_id = {a["organisation"]["id"]: a for a in roster}
    assert by_id[agent.org_id]["projects_total"] == 2 and by_id[agent.org_id]["projects_in_progress"] == 1
    assert by_id[agent.org_id]["last_activity"]
    assert by_id[idle.org_id]["projects_total"] == 0 and by_id[idle.org_id]["last_activity"] is None
    assert {a["organisation"]["kind"] for a in roster} == {"agent"}
    suspended = await client.get("/api/admin/agents", params={"status": "suspended"}, headers=admin_headers)
    assert agent.org_id not in {a["organisation"]["id"] for a in suspended.json()}
    assert (await client.get("/api/admin/agents", params={"limit": 0}, headers=admin_headers)).status_code == 400


async def test_settings_show_only_the_allow_listed_values(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    response = await client.get("/api/admin/settings", headers=admin_headers)
    assert response.status_code == 200
    by_name = {s["name"]: s for s in response.json()}
    settings = platform.settings
    assert by_name["enrolment_code_days"] == {
        "name": "enrolment_code_days",
        "variable": "BIDDING_ENROLMENT_CODE_DAYS",
        "shown": True,
        "value": str(settings.enrolment_code_days),
        "doc": by_name["enrolment_code_days"]["doc"],
    }
    for name in (
        "admin_token",
        "secret_key",
        "smtp_url",
        "database_url",
        "redis_url",
        "storage_url",
        "messaging_callback_secret",
        "aliyun_access_key_secret",
        "ca_passphrase",
    ):
        assert by_name[name]["shown"] is False and by_name[name]["value"] is None, name
    for secret in (
        settings.admin_token,
        settings.secret_key,
        settings.smtp_url,
        settings.messaging_callback_secret,
        settings.database_url,
        settings.storage_url,
    ):
        if secret:
            assert secret not in response.text
    assert "smtp-p@ss" not in response.text


# ----------------------------------------------------------------------------- the role matrix

ORG = "00000000-0000-4000-8000-000000000001"
SERIAL = "0123abcd"
#: Every identity endpoint under /api/admin (pki_admin and the console), and the deposits'
#: basic-account reader that shares the organisations' path.
PREFIXES = (
    "/api/admin/organisations",
    "/api/admin/registrations",
    "/api/admin/certificates",
    "/api/admin/agents",
    "/api/admin/settings",
)
TABLE = [
    row("GET", "/api/admin/organisations", READERS),
    row(
        "POST", "/api/admin/organisations/{org_id:uuid}/approve", ADMIN_ROLES, f"/api/admin/organisations/{ORG}/approve"
    ),
    row(
        "POST",
        "/api/admin/organisations/{org_id:uuid}/enrolment-codes",
        ADMIN_ROLES,
        f"/api/admin/organisations/{ORG}/enrolment-codes",
        {"role": "bidder"},
    ),
    row(
        "GET",
        "/api/admin/organisations/{org_id:uuid}/enrolment-codes",
        READERS,
        f"/api/admin/organisations/{ORG}/enrolment-codes",
    ),
    row(
        "POST",
        "/api/admin/organisations/{org_id:uuid}/enrolment-codes/reissue",
        ADMIN_ROLES,
        f"/api/admin/organisations/{ORG}/enrolment-codes/reissue",
        {"role": "bidder"},
    ),
    row("GET", "/api/admin/organisations/{org_id:uuid}", READERS, f"/api/admin/organisations/{ORG}"),
    row(
        "POST",
        "/api/admin/organisations/{org_id:uuid}/certificates/{serial:str}/revoke",
        ADMIN_ROLES,
        f"/api/admin/organisations/{ORG}/certificates/{SERIAL}/revoke",
        {"reason": "superseded"},
    ),
    row(
        "POST",
        "/api/admin/organisations/{org_id:uuid}/suspend",
        ADMIN_ROLES,
        f"/api/admin/organisations/{ORG}/suspend",
        {"reason": "r"},
    ),
    row(
        "POST",
        "/api/admin/organisations/{org_id:uuid}/reinstate",
        ADMIN_ROLES,
        f"/api/admin/organisations/{ORG}/reinstate",
        {"reason": "r"},
    ),
    row(
        "GET",
        "/api/admin/organisations/{org_id:uuid}/basic-account",
        READERS,
        f"/api/admin/organisations/{ORG}/basic-account",
    ),
    row("GET", "/api/admin/registrations", READERS),
    row(
        "POST",
        "/api/admin/registrations/{org_id:uuid}/refuse",
        ADMIN_ROLES,
        f"/api/admin/registrations/{ORG}/refuse",
        {"reason": "r"},
    ),
    row("GET", "/api/admin/certificates", READERS),
    row(
        "POST",
        "/api/admin/certificates/{serial:str}/revoke",
        ADMIN_ROLES,
        f"/api/admin/certificates/{SERIAL}/revoke",
        {"reason": "superseded"},
    ),
    row("GET", "/api/admin/agents", READERS),
    row("GET", "/api/admin/settings", READERS),
]


async def test_role_matrix_of_the_identity_console(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: Litestar
) -> None:
    assert_table_covers(app, PREFIXES, TABLE)
    sessions = await role_sessions(client, admin_headers)
    for r in TABLE:
        await assert_refused(client, r, sessions)
    # The roles admitted get through the guard: an auditor reads, an administrator of the centre acts.
    auditor, admin = sessions[Role.AUDITOR], sessions[Role.ADMIN]
    for r in TABLE:
        if r.method == "GET" and "{" not in r.route:
            assert (await client.get(r.url, headers=auditor)).status_code == 200, r.url
    org = await register(client, "bidder")
    assert (
        await client.post(f"/api/admin/registrations/{org['id']}/refuse", json={"reason": "r"}, headers=auditor)
    ).status_code == 403
    refused = await client.post(
        f"/api/admin/registrations/{org['id']}/refuse", json={"reason": "资料不全"}, headers=admin
    )
    assert refused.status_code == 200 and refused.json()["decided_by"].startswith("cert:")
