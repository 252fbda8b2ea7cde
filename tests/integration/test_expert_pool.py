"""The expert pool through the API, on both profiles (issue 19): the administrator registers, reads,
changes, suspends, reinstates and retires experts, declares their conflicts and unavailable days —
each an audit event; bad particulars are a 400 naming the field (规定 11: 8+ years and a senior
title; credit code, mobile, specialty code, dates, unknown fields) with nothing written; the pool is
refused to agents, tenderers, bidders, finance officers, auditors and the public, and is read-only
for the supervisor; the draw's pool facts follow."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bidding.audit.models import AuditEvent
from bidding.core.clock import CHINA_TIME as CHINA
from bidding.core.clock import ManualClock
from bidding.experts.eligibility import Candidate, DrawContext, Exclusion, exclusions
from bidding.experts.models import Expert
from bidding.experts.pool import candidates, pool_entries
from bidding.experts.pool_rules import ExpertStatus
from tests.fixtures.expert_pool import expert_body, id_number
from tests.fixtures.parties import logged_in_parties, new_code


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body["error"]["code"] if "error" in body else response.text


async def actions(platform: Any, expert_id: str) -> list[str]:
    async with platform.sessions() as db:
        rows = await db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == expert_id).order_by(AuditEvent.id)
        )
        return list(rows.all())


async def expert_count(platform: Any) -> int:
    async with platform.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(Expert)) or 0)


async def registered(client: httpx.AsyncClient, admin: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/experts", json=expert_body(**changes), headers=admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def people(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    p = await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("bidder", "bidder"),
        ("supervisor", "supervisor"),
        ("finance", "trading_centre", "finance"),
        ("auditor", "trading_centre", "auditor"),
        ("centre_admin", "trading_centre", "admin"),
    )
    p["admin"] = admin_headers
    return p


async def test_register_read_update_list_and_every_write_audited(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    body = expert_body(mobile="+86 139-0000-1234", email="Zhang.San@Example.CN", title="full_senior")
    response = await client.post("/api/experts", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    expert = response.json()
    assert expert["registry_no"] == body["registry_no"]
    assert expert["mobile"] == "13900001234"  # normalised
    assert expert["email"] == "Zhang.San@example.cn"
    assert expert["status"] == "active" and expert["title"] == "full_senior"
    assert expert["id_number_last4"] == body["id_number"][-4:]
    assert "id_number" not in expert  # never stored, never shown
    assert [(s["code"], s["primary"]) for s in expert["specialties"]] == [("A0101", True), ("C0102", False)]
    assert expert["specialties"][0]["name_zh"] == "房屋建筑工程"
    async with platform.sessions() as db:
        row = await db.get(Expert, uuid.UUID(expert["id"]))
        assert row is not None and row.id_number_hmac is not None
        assert body["id_number"] not in (row.id_number_hmac or "")

    # The same registry number, or the same person under another number: 409.
    again = await client.post("/api/experts", json=body, headers=admin_headers)
    assert error(again) == (409, "expert_exists")
    same_person = await client.post(
        "/api/experts", json=expert_body(id_number=body["id_number"]), headers=admin_headers
    )
    assert error(same_person) == (409, "expert_exists")
    assert same_person.json()["error"]["details"][0]["registry_no"] == body["registry_no"]

    got = await client.get(f"/api/experts/{expert['id']}", headers=admin_headers)
    assert got.status_code == 200 and got.json()["name"] == body["name"]

    changes = {k: v for k, v in body.items() if k not in ("registry_no", "id_number")}
    changes |= {"years_experience": 15, "specialties": ["C0103"], "region_code": "320100"}
    updated = await client.put(f"/api/experts/{expert['id']}", json=changes, headers=admin_headers)
    assert updated.status_code == 200, updated.text
    assert updated.json()["years_experience"] == 15
    assert [s["code"] for s in updated.json()["specialties"]] == ["C0103"]
    assert updated.json()["id_number_last4"] == body["id_number"][-4:]  # left out: kept
    unchanged = await client.put(f"/api/experts/{expert['id']}", json=changes, headers=admin_headers)
    assert unchanged.status_code == 200

    listed = await client.get(
        "/api/experts",
        params={"specialty": "C01", "q": body["registry_no"][3:], "region": "3201"},
        headers=admin_headers,
    )
    assert listed.status_code == 200
    assert [e["registry_no"] for e in listed.json()] == [body["registry_no"]]
    assert listed.json()[0]["specialties"] == ["C0103"]
    none = await client.get(
        "/api/experts", params={"specialty": "A01", "q": body["registry_no"]}, headers=admin_headers
    )
    assert none.json() == []

    assert await actions(platform, expert["id"]) == ["expert.registered", "expert.updated"]
    async with platform.sessions() as db:
        event = await db.scalar(
            select(AuditEvent).where(AuditEvent.object_id == expert["id"], AuditEvent.action == "expert.updated")
        )
    assert event is not None
    assert event.details["registry_no"] == body["registry_no"]
    assert set(event.details["fields"]) == {"years_experience", "specialties", "region_code"}
    assert body["mobile"] not in str(event.details)  # the trail names changes, not particulars


BAD_BODIES = [
    pytest.param({"employer_credit_code": "91320100MA1XXXXX00"}, "employer_credit_code", id="wrong-credit-code"),
    pytest.param({"years_experience": 5}, "years_experience", id="five-years"),
    pytest.param({"title": None}, "title", id="missing-title"),
    pytest.param({"title": "intermediate"}, "title", id="intermediate-title"),
    pytest.param({"mobile": "12345"}, "mobile", id="bad-mobile"),
    pytest.param({"mobile": "02580000000"}, "mobile", id="landline"),
    pytest.param({"email": "not-an-address"}, "email", id="bad-email"),
    pytest.param({"specialties": ["A9999"]}, "specialties", id="unknown-specialty"),
    pytest.param({"specialties": ["A01"]}, "specialties", id="group-specialty"),
    pytest.param({"specialties": []}, "specialties", id="no-specialty"),
    pytest.param({"specialties": ["A0101", "A0101"]}, "specialties", id="twice"),
    pytest.param({"region_code": "990000"}, "region_code", id="unknown-province"),
    pytest.param({"region_code": "32AB00"}, "region_code", id="letters-in-region"),
    pytest.param({"id_number": "320102197001010010"}, "id_number", id="id-check-digit"),
    pytest.param({"name": "王\u202e建国"}, "name", id="bidi-in-name"),
    pytest.param({"nickname": "老王"}, "nickname", id="unknown-field"),
    pytest.param({"years_experience": "twelve"}, "years_experience", id="years-not-a-number"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_BODIES)
async def test_bad_particulars_are_a_400_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any, changes: dict[str, Any], field: str
) -> None:
    body = expert_body()
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    before = await expert_count(platform)
    response = await client.post("/api/experts", json=body, headers=admin_headers)
    assert response.status_code == 400, response.text
    err = response.json()["error"]
    assert err["code"] in {"expert_invalid", "validation_failed"}
    assert field in err["message_en"] or any(field in str(d) for d in err.get("details", []))
    assert err["message_zh"] and err["message_en"]
    assert await expert_count(platform) == before


async def test_the_rule_refusals_cite_the_article(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/experts", json=expert_body(years_experience=5, mobile="1"), headers=admin_headers
    )
    err = response.json()["error"]
    assert err["code"] == "expert_invalid"
    assert "规定第十一条" in err["message_zh"] and "规定 11" in err["message_en"]
    assert {d["field"] for d in err["details"]} == {"years_experience", "mobile"}  # every refusal at once


async def test_suspend_lapse_reinstate_retire(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any, clock: ManualClock
) -> None:
    expert = await registered(client, admin_headers)
    url = f"/api/experts/{expert['id']}"
    today = datetime.now(CHINA).date()

    for bad, code in [
        ({"reason": "缺席评标", "until": (today - timedelta(days=1)).isoformat()}, "expert_invalid"),
        ({"reason": "缺席评标", "until": "2026-02-30"}, "validation_failed"),
        ({"reason": "缺席评标", "until": "9999-12-31"}, "expert_invalid"),
        ({"reason": "   ", "until": today.isoformat()}, "validation_failed"),
        ({"until": today.isoformat()}, "validation_failed"),
        ({"reason": "x", "until": today.isoformat(), "by": "me"}, "validation_failed"),
    ]:
        assert error(await client.post(f"{url}/suspend", json=bad, headers=admin_headers)) == (400, code), bad

    assert error(await client.post(f"{url}/reinstate", headers=admin_headers)) == (409, "expert_state")
    until = today + timedelta(days=30)
    suspended = await client.post(
        f"{url}/suspend", json={"reason": "无故缺席评标（26号令）", "until": until.isoformat()}, headers=admin_headers
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["suspended_until"] == until.isoformat()
    listed = await client.get(
        "/api/experts", params={"status": "suspended", "q": expert["registry_no"]}, headers=admin_headers
    )
    assert [e["id"] for e in listed.json()] == [expert["id"]]

    # The day after the last day, the suspension has lapsed: active again, without anyone acting.
    clock.set(datetime.combine(until + timedelta(days=1), datetime.min.time(), CHINA).astimezone(UTC))
    lapsed = await client.get(url, headers=admin_headers)
    assert lapsed.json()["status"] == "active" and lapsed.json()["suspended_until"] is None
    clock.set(datetime.now(UTC))

    reinstated = await client.post(f"{url}/reinstate", headers=admin_headers)
    assert reinstated.status_code == 200 and reinstated.json()["status"] == "active"

    assert error(await client.post(f"{url}/retire", json={}, headers=admin_headers)) == (400, "validation_failed")
    retired = await client.post(f"{url}/retire", json={"reason": "本人申请退出"}, headers=admin_headers)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert retired.json()["retired_reason"] == "本人申请退出"
    changes = {k: v for k, v in expert_body().items() if k != "registry_no"}
    refused: list[tuple[str, str, Any]] = [
        ("POST", "/retire", {"reason": "again"}),
        ("POST", "/suspend", {"reason": "x", "until": until.isoformat()}),
        ("POST", "/reinstate", None),
        ("PUT", "", changes),
        ("PUT", "/unavailability", {"periods": []}),
        ("POST", "/conflicts", {"conflicts": [{"credit_code": new_code(), "reason": "亲属任职"}]}),
        ("POST", "/enrolment-codes", {}),
    ]
    for method, path, body in refused:
        response = await client.request(method, f"{url}{path}", json=body, headers=admin_headers)
        assert error(response) == (409, "expert_state"), (method, path)

    assert await actions(platform, expert["id"]) == [
        "expert.registered",
        "expert.suspended",
        "expert.reinstated",
        "expert.retired",
    ]
    unknown = await client.post(
        f"/api/experts/{uuid.uuid4()}/suspend", json={"reason": "x", "until": until.isoformat()}, headers=admin_headers
    )
    assert error(unknown) == (404, "expert_not_found")


async def test_conflicts_and_unavailability_feed_the_draw(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    expert = await registered(client, admin_headers, specialties=["B0201"])
    url = f"/api/experts/{expert['id']}"
    kin, former = new_code(), new_code()
    today = datetime.now(CHINA).date()

    bad = [
        {"conflicts": [{"credit_code": "91320100MA1XXXXX00", "reason": "亲属任职"}]},
        {
            "conflicts": [
                {"credit_code": kin, "reason": "亲属任职", "declared_on": (today + timedelta(days=2)).isoformat()}
            ]
        },
        {"conflicts": []},
        {"conflicts": [{"credit_code": kin}]},
    ]
    for body in bad:
        assert (await client.post(f"{url}/conflicts", json=body, headers=admin_headers)).status_code == 400, body
    declared = await client.post(
        f"{url}/conflicts",
        json={
            "conflicts": [
                {
                    "credit_code": kin,
                    "reason": "配偶任该公司董事（198号 §16）",
                    "organisation_name": "某某科技有限公司",
                },
                {"credit_code": former.lower(), "reason": "三年内曾任职", "declared_on": "2025-01-02"},
            ]
        },
        headers=admin_headers,
    )
    assert declared.status_code == 200, declared.text
    assert {c["credit_code"] for c in declared.json()["conflicts"]} == {kin, former}
    again = await client.post(
        f"{url}/conflicts", json={"conflicts": [{"credit_code": kin, "reason": "again"}]}, headers=admin_headers
    )
    assert len(again.json()["conflicts"]) == 2  # declared once

    start = today + timedelta(days=10)
    for periods in (
        [{"starts_on": start.isoformat(), "ends_on": (start - timedelta(days=1)).isoformat()}],
        [{"starts_on": "1999-12-31", "ends_on": "2000-01-02"}],
        [{"starts_on": "2026-13-01", "ends_on": "2026-13-02"}],
        [{"starts_on": start.isoformat()}],
    ):
        response = await client.put(f"{url}/unavailability", json={"periods": periods}, headers=admin_headers)
        assert response.status_code == 400, periods
    response = await client.put(
        f"{url}/unavailability",
        json={
            "periods": [
                {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=2)).isoformat(), "reason": "出差"}
            ]
        },
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["unavailability"][0]["reason"] == "出差"

    async with platform.sessions() as db:
        entries = {e.expert_id: e for e in await pool_entries(db, specialties=["B02"])}
        pool = {c.expert_id: c for c in await candidates(db, specialties=["B"])}
        elsewhere = {e.expert_id for e in await pool_entries(db, specialties=["C"])}
    entry = entries[uuid.UUID(expert["id"])]
    assert entry.specialties == ("B0201",)
    assert entry.conflict_credit_codes == {kin, former}
    assert entry.unavailable == ((start, start + timedelta(days=2)),)
    assert entry.unavailable_on(start + timedelta(days=1)) and not entry.unavailable_on(today)
    assert uuid.UUID(expert["id"]) not in elsewhere
    candidate = pool[expert["id"]]
    assert isinstance(candidate, Candidate)
    context = DrawContext(
        tenderer=new_code(),
        bidders=frozenset({kin}),
        evaluation_at=datetime.combine(start, datetime.min.time(), CHINA) + timedelta(hours=9),
    )
    assert exclusions(candidate, context, ["B02"]) == {Exclusion.CONFLICT_BIDDER, Exclusion.UNAVAILABLE}
    assert await actions(platform, expert["id"]) == [
        "expert.registered",
        "expert.conflicts_declared",
        "expert.conflicts_declared",
        "expert.unavailability_set",
    ]


async def test_suspended_experts_are_in_the_draw_facts_and_retired_ones_are_not(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    code = "C0802"
    suspended = await registered(client, admin_headers, specialties=[code])
    retired = await registered(client, admin_headers, specialties=[code])
    until = datetime.now(CHINA).date() + timedelta(days=5)
    await client.post(
        f"/api/experts/{suspended['id']}/suspend",
        json={"reason": "投诉查实", "until": until.isoformat()},
        headers=admin_headers,
    )
    await client.post(f"/api/experts/{retired['id']}/retire", json={"reason": "年龄"}, headers=admin_headers)
    async with platform.sessions() as db:
        entries = {str(e.expert_id): e for e in await pool_entries(db, specialties=[code])}
    assert retired["id"] not in entries
    assert entries[suspended["id"]].status is ExpertStatus.SUSPENDED
    assert entries[suspended["id"]].suspended_until == until


async def test_who_may_see_and_change_the_pool(
    client: httpx.AsyncClient, admin_headers: dict[str, str], people: dict[str, Any]
) -> None:
    expert = await registered(client, admin_headers)
    url = f"/api/experts/{expert['id']}"
    writes: list[tuple[str, str, Any]] = [
        ("POST", "/api/experts", expert_body()),
        ("PUT", url, {k: v for k, v in expert_body().items() if k != "registry_no"}),
        ("POST", f"{url}/suspend", {"reason": "x", "until": datetime.now(CHINA).date().isoformat()}),
        ("POST", f"{url}/reinstate", None),
        ("POST", f"{url}/retire", {"reason": "x"}),
        ("POST", f"{url}/conflicts", {"conflicts": [{"credit_code": new_code(), "reason": "x"}]}),
        ("PUT", f"{url}/unavailability", {"periods": []}),
        ("POST", f"{url}/enrolment-codes", {}),
    ]
    reads: list[tuple[str, str, Any]] = [("GET", "/api/experts", None), ("GET", url, None)]
    for who in ("agent", "tenderer", "bidder", "finance", "auditor"):
        for method, path, body in reads + writes:
            response = await client.request(method, path, json=body, headers=people[who])
            assert error(response) == (403, "forbidden"), (who, method, path)
    for method, path, body in reads + writes:
        response = await client.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
    for method, path, body in reads:
        response = await client.request(method, path, json=body, headers=people["supervisor"])
        assert response.status_code == 200, (method, path, response.text)
    for method, path, body in writes:
        response = await client.request(method, path, json=body, headers=people["supervisor"])
        assert error(response) == (403, "forbidden"), ("supervisor", method, path)
    import_response = await client.post(
        "/api/experts/import", content=b"x", headers={**people["supervisor"], "Content-Type": "text/csv"}
    )
    assert error(import_response) == (403, "forbidden")
    # The centre's own administrator (a certificate of the trading centre, role admin) writes.
    by_centre_admin = await client.post("/api/experts", json=expert_body(), headers=people["centre_admin"])
    assert by_centre_admin.status_code == 201, by_centre_admin.text
    # The specialty tree is reference data: public.
    tree = await client.get("/api/expert-specialties")
    assert tree.status_code == 200
    codes = {s["code"]: s for s in tree.json()["specialties"]}
    assert codes["A0101"]["leaf"] and not codes["A01"]["leaf"] and codes["A0101"]["parent"] == "A01"


async def test_bad_queries_are_a_400(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    for params in ({"specialty": "Z99"}, {"status": "sleeping"}, {"limit": 0}, {"region": "jiangsu"}, {"after": "a b"}):
        response = await client.get("/api/experts", params=params, headers=admin_headers)
        assert response.status_code == 400, (params, response.text)
    assert (await client.get("/api/experts/not-a-uuid", headers=admin_headers)).status_code == 404
    assert error(await client.get(f"/api/experts/{uuid.uuid4()}", headers=admin_headers)) == (404, "expert_not_found")


def test_id_number_fixture_passes_its_own_check() -> None:
    from bidding.experts.pool_rules import check_id_number

    assert check_id_number(id_number()) is not None
