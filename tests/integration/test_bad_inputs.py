"""A client's mistake is a 400 naming the field, never a 500, and the same on both profiles (issue 16).

Each case here was a 500 on at least one profile, or stored something it should not have (a NUL
refused only by PostgreSQL, an ANSI escape or U+202E kept by SQLite, an HTML page kept as a PDF).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import websockets

from bidding.core.clock import ManualClock
from bidding.core.fields import SAFE_INT_MAX
from bidding.core.http.request import MAX_JSON_DEPTH
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import new_code
from tests.fixtures.projects import create_published

DAY = timedelta(days=1)
PDF = b"%PDF-1.7\n" + b"tender documents " * 100 + b"\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"

# What each one-line text must refuse (and SQLite used to keep).
NUL, ESC, RLO, C1 = "\x00", "\x1b[31m", "\u202e", "\x85"


def keys_of(error: dict[str, Any]) -> set[str]:
    return {str(d.get("key")) for d in error.get("details", [])}


def refused_field(response: httpx.Response, key: str) -> dict[str, Any]:
    """A 400 ``validation_failed`` that names ``key`` among its details."""
    error = assert_error(response, 400, "validation_failed")
    assert key in keys_of(error), error
    return error


def lot(deadline: datetime, **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "01",
        "name": "土建",
        "estimated_price_fen": 50_000_000_00,
        "deposit_fen": 80_000_00,
        "bid_deadline": deadline.isoformat(),
    }
    body.update(change)
    return body


def draft(tenderer_code: str, deadline: datetime, **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": f"B-{secrets.token_hex(4)}",
        "name": "城北泵站改造工程",
        "category": "works",
        "tenderer_credit_code": tenderer_code,
        "lots": [lot(deadline)],
    }
    body.update(change)
    return body


async def new_draft(client: httpx.AsyncClient, p: dict[str, Any], deadline: datetime) -> dict[str, Any]:
    created = await client.post("/api/agent/projects/", json=draft(p["tenderer_code"], deadline), headers=p["agent"])
    assert created.status_code == 201, created.text
    project: dict[str, Any] = created.json()
    return project


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# ------------------------------------------------------------------------------------ JSON depth


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500, 1_000, 100_000])
async def test_json_nested_too_deep_is_refused(client: httpx.AsyncClient, depth: int) -> None:
    body = b'{"name": ' + nested(depth) + b"}"
    response = await client.post(
        "/api/enrolment/organisations", content=body, headers={"Content-Type": "application/json"}
    )
    error = assert_error(response, 400, "json_too_deep")
    assert str(MAX_JSON_DEPTH) in error["message_en"]


async def test_json_within_the_depth_limit_reaches_validation(client: httpx.AsyncClient) -> None:
    # Deep but allowed: the body is then refused for what it is (a list is no name), not for its depth.
    body = b'{"name": ' + nested(MAX_JSON_DEPTH - 1) + b"}"
    response = await client.post(
        "/api/enrolment/organisations", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "validation_failed")


# ------------------------------------------------------------------------ integers out of range


@pytest.mark.parametrize("since", [str(2**31), str(2**63), str(10**30), "-1"])
async def test_event_cursor_beyond_the_column(client: httpx.AsyncClient, since: str) -> None:
    lot_id = "00000000-0000-0000-0000-000000000001"
    response = await client.get(f"/api/public/openings/{lot_id}/events", params={"since": since})
    refused_field(response, "since")


async def test_notification_id_beyond_the_column(client: httpx.AsyncClient, parties: dict[str, Any]) -> None:
    for huge in (2**53, 2**63, 10**30):
        response = await client.post(f"/api/me/notifications/{huge}/read", headers=parties["agent"])
        refused_field(response, "notification_id")
    largest = await client.post(f"/api/me/notifications/{SAFE_INT_MAX}/read", headers=parties["agent"])
    assert_error(largest, 404, "not_found")  # in range: looked up, and not there


async def test_money_beyond_the_column(client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock) -> None:
    deadline = clock.now() + 30 * DAY
    for field in ("estimated_price_fen", "deposit_fen"):
        for value in (2**63, 2**64, SAFE_INT_MAX + 1, -1):
            body = draft(parties["tenderer_code"], deadline, lots=[lot(deadline, **{field: value})])
            response = await client.post("/api/agent/projects/", json=body, headers=parties["agent"])
            refused_field(response, f"lots[0].{field}")
    windows = draft(parties["tenderer_code"], deadline, lots=[lot(deadline, decrypt_window_minutes=2**31)])
    refused_field(
        await client.post("/api/agent/projects/", json=windows, headers=parties["agent"]),
        "lots[0].decrypt_window_minutes",
    )


# ----------------------------------------------------------------------------------------- text


@pytest.mark.parametrize("bad", [NUL, ESC, RLO, C1, "\n", "x" * 201])
async def test_organisation_names(client: httpx.AsyncClient, bad: str) -> None:
    body = {
        "name": f"某某{bad}有限公司" if len(bad) < 10 else bad,
        "credit_code": new_code(),
        "kind": "bidder",
        "contact_name": "李四",
        "contact_phone": "025-80000000",
    }
    refused_field(await client.post("/api/enrolment/organisations", json=body), "name")
    for field in ("contact_name", "contact_phone"):
        other = body | {"name": "某某有限公司", field: f"李{bad}" if len(bad) < 10 else bad}
        refused_field(await client.post("/api/enrolment/organisations", json=other), field)


async def test_credit_code_with_a_nul(client: httpx.AsyncClient) -> None:
    body = {"name": "某公司", "credit_code": new_code()[:17] + NUL, "kind": "bidder", "contact_name": "李四"}
    refused_field(await client.post("/api/enrolment/organisations", json=body | {"contact_phone": "1"}), "credit_code")


@pytest.mark.parametrize("bad", [NUL, ESC, RLO, "\t"])
async def test_project_texts(client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, bad: str) -> None:
    deadline = clock.now() + 30 * DAY
    url, headers = "/api/agent/projects/", parties["agent"]
    tenderer = parties["tenderer_code"]
    refused_field(await client.post(url, json=draft(tenderer, deadline, code=f"B-{bad}1"), headers=headers), "code")
    refused_field(await client.post(url, json=draft(tenderer, deadline, name=f"工程{bad}"), headers=headers), "name")
    refused_field(
        await client.post(url, json=draft(tenderer, deadline, region=f"南京{bad}"), headers=headers), "region"
    )
    bad_lot = draft(tenderer, deadline, lots=[lot(deadline, name=f"标段{bad}")])
    refused_field(await client.post(url, json=bad_lot, headers=headers), "lots[0].name")
    field = {"key": "duration_days", "label_zh": f"工期{bad}", "label_en": "Duration", "type": "integer"}
    bad_label = draft(tenderer, deadline, lots=[lot(deadline, form_fields=[field])])
    response = await client.post(url, json=bad_label, headers=headers)
    assert_error(response, 400, "validation_failed")
    assert any(k.startswith("lots[0].form_fields") for k in keys_of(response.json()["error"])), response.text
    blank = {"key": "duration_days", "label_zh": " \u3000 ", "label_en": "Duration", "type": "integer"}
    extra = {"key": "duration_days", "label_zh": "工期", "label_en": "Duration", "type": "integer", "unit": "d"}
    for bad_field in (blank, extra):
        response = await client.post(
            url, json=draft(tenderer, deadline, lots=[lot(deadline, form_fields=[bad_field])]), headers=headers
        )
        assert_error(response, 400, "validation_failed")
        assert any(k.startswith("lots[0].form_fields[0]") for k in keys_of(response.json()["error"])), response.text


async def test_overlong_project_texts(client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock) -> None:
    deadline = clock.now() + 30 * DAY
    url, headers, tenderer = "/api/agent/projects/", parties["agent"], parties["tenderer_code"]
    refused_field(await client.post(url, json=draft(tenderer, deadline, code="C" * 65), headers=headers), "code")
    refused_field(await client.post(url, json=draft(tenderer, deadline, name="名" * 301), headers=headers), "name")
    refused_field(await client.post(url, json=draft(tenderer, deadline, region="区" * 101), headers=headers), "region")
    long_code = draft(tenderer, deadline, lots=[lot(deadline, code="9" * 65)])
    refused_field(await client.post(url, json=long_code, headers=headers), "lots[0].code")


async def test_unknown_fields_are_refused(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    deadline = clock.now() + 30 * DAY
    body = draft(parties["tenderer_code"], deadline, budget_fen=1)
    response = await client.post("/api/agent/projects/", json=body, headers=parties["agent"])
    error = assert_error(response, 400, "validation_failed")
    assert "budget_fen" in response.text, error


async def test_announcement_texts(client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock) -> None:
    project = await new_draft(client, parties, clock.now() + 30 * DAY)
    url, headers = f"/api/agent/projects/{project['id']}/publish", parties["agent"]
    for title in (f"公告{NUL}", f"公告{ESC}", f"公告{RLO}", "公告\n第二行", "题" * 301):
        refused_field(await client.post(url, json={"title": title, "body": "正文"}, headers=headers), "title")
    for body in (f"正文{NUL}", f"正文{ESC}", "文" * 200_001):
        refused_field(await client.post(url, json={"title": "公告", "body": body}, headers=headers), "body")
    # Line breaks and tabs are text in a body: it goes on to the publication's own rules (no documents yet).
    multi = await client.post(url, json={"title": "公告", "body": "第一段\r\n\t第二段\n"}, headers=headers)
    assert_error(multi, 400, "invalid_input")


# ------------------------------------------------------------------------------- uploaded files


async def upload(
    client: httpx.AsyncClient, p: dict[str, Any], project_id: str, content: bytes, content_type: str, filename: str
) -> httpx.Response:
    return await client.post(
        f"/api/agent/projects/{project_id}/documents",
        content=content,
        headers={**p["agent"], "Content-Type": content_type, "X-Filename": filename},
    )


@pytest.mark.parametrize(
    "filename", ["%00.pdf", "a%1B%5B31m.pdf", "invoice%E2%80%AEfdp.exe", "a%0Ab.pdf", "x" * 201 + ".pdf", ""]
)
async def test_document_file_names(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, filename: str
) -> None:
    project = await new_draft(client, parties, clock.now() + 30 * DAY)
    error = assert_error(
        await upload(client, parties, project["id"], PDF, "application/pdf", filename), 400, "invalid_input"
    )
    assert "X-Filename" in keys_of(error)


async def test_document_content_must_match_its_type(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    project = await new_draft(client, parties, clock.now() + 30 * DAY)
    pid = project["id"]
    for content, declared in ((HTML, "application/pdf"), (ZIP, "application/pdf"), (PDF, "application/zip")):
        refused = await upload(client, parties, pid, content, declared, "a.pdf")
        assert_error(refused, 415, "document_content_mismatch")
    assert_error(
        await upload(client, parties, pid, HTML, "application/octet-stream", "a.bin"), 415, "document_content_mismatch"
    )
    assert_error(await upload(client, parties, pid, b"", "application/pdf", "a.pdf"), 400, "invalid_input")
    detail = await client.get(f"/api/agent/projects/{pid}", headers=parties["agent"])
    assert detail.json()["documents"] == []  # nothing refused was kept

    as_pdf = await upload(client, parties, pid, PDF, "application/pdf", quote("招标文件.pdf"))
    assert as_pdf.status_code == 201, as_pdf.text
    # An unlabelled upload takes the type its bytes show, so it is served as what it is.
    unlabelled = await upload(client, parties, pid, ZIP, "application/octet-stream", quote("图纸.zip"))
    assert unlabelled.status_code == 201, unlabelled.text
    assert unlabelled.json()["content_type"] == "application/zip"
    assert as_pdf.headers["x-content-type-options"] == "nosniff"


async def test_downloads_say_nosniff(client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock) -> None:
    now = clock.now()
    project = await new_draft(client, parties, now + 25 * DAY)
    assert (await upload(client, parties, project["id"], PDF, "application/pdf", "a.pdf")).status_code == 201
    published = await client.post(
        f"/api/agent/projects/{project['id']}/publish", json={"title": "公告", "body": "正文"}, headers=parties["agent"]
    )
    assert published.status_code == 200, published.text
    documents = (await client.get(f"/api/public/projects/{project['id']}/documents")).json()
    download = await client.get(f"/api/public/documents/{documents[0]['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    assert download.headers["x-content-type-options"] == "nosniff"
    # Errors and JSON too.
    assert (await client.get("/api/public/projects/not-a-uuid")).headers["x-content-type-options"] == "nosniff"


# --------------------------------------------------------------------------------------- drafts


async def test_absurd_drafts(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, platform: Any
) -> None:
    now = clock.now()
    url, headers, tenderer = "/api/agent/projects/", parties["agent"], parties["tenderer_code"]
    settings = platform.settings

    far = datetime(9999, 12, 31, 23, 59, tzinfo=now.tzinfo)
    refused_field(
        await client.post(url, json=draft(tenderer, far, lots=[lot(far)]), headers=headers), "lots[0].bid_deadline"
    )
    west = "9999-12-31T23:59:00-08:00"  # past year 9999 in UTC: once an overflow
    response = await client.post(url, json=draft(tenderer, now, lots=[lot(now, bid_deadline=west)]), headers=headers)
    refused_field(response, "lots[0].bid_deadline")
    east = "0001-01-01T00:00:00+08:00"
    response = await client.post(url, json=draft(tenderer, now, lots=[lot(now, bid_deadline=east)]), headers=headers)
    refused_field(response, "lots[0].bid_deadline")

    beyond = now + timedelta(days=settings.schedule_max_days + 1)
    error = assert_error(await client.post(url, json=draft(tenderer, beyond), headers=headers), 400, "time_too_far")
    assert "lots[0].bid_deadline" in keys_of(error)
    late_clarification = draft(tenderer, now + 30 * DAY, clarification_deadline=beyond.isoformat())
    assert_error(await client.post(url, json=late_clarification, headers=headers), 400, "time_too_far")

    deadline = now + 30 * DAY
    many = [lot(deadline, code=f"{i:05d}") for i in range(settings.project_max_lots + 1)]
    error = assert_error(
        await client.post(url, json=draft(tenderer, deadline, lots=many), headers=headers), 400, "draft_too_large"
    )
    assert "lots" in keys_of(error)
    absurd = [lot(deadline, code=f"{i:05d}") for i in range(10_000)]
    refused_field(await client.post(url, json=draft(tenderer, deadline, lots=absurd), headers=headers), "lots")

    # Editing a draft is held to the same limits.
    project = await new_draft(client, parties, deadline)
    edit = draft(tenderer, beyond, code=project["code"])
    assert_error(await client.put(f"{url}{project['id']}", json=edit, headers=headers), 400, "time_too_far")


async def test_far_times_in_publication_and_clarification(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    now = clock.now()
    project = await new_draft(client, parties, now + 25 * DAY)
    pid, headers = project["id"], parties["agent"]
    assert (await upload(client, parties, pid, PDF, "application/pdf", "a.pdf")).status_code == 201
    publish = f"/api/agent/projects/{pid}/publish"
    far_off = {"title": "公告", "body": "正文", "documents_available_at": "9999-12-31T00:00:00+00:00"}
    refused_field(await client.post(publish, json=far_off, headers=headers), "documents_available_at")
    too_late = far_off | {"documents_available_at": (now + 5000 * DAY).isoformat()}
    assert_error(await client.post(publish, json=too_late, headers=headers), 400, "time_too_far")
    published = await client.post(publish, json={"title": "公告", "body": "正文"}, headers=headers)
    assert published.status_code == 200, published.text

    clarify = f"/api/agent/projects/{pid}/clarifications"
    amendment: dict[str, Any] = {"kind": "amendment", "title": "变更", "body": "顺延"}
    west = amendment | {"new_deadlines": {"01": "9999-12-31T23:59:00-08:00"}}
    refused_field(await client.post(clarify, json=west, headers=headers), "new_deadlines")
    later = amendment | {"new_deadlines": {"01": (now + 5000 * DAY).isoformat()}}
    error = assert_error(await client.post(clarify, json=later, headers=headers), 400, "time_too_far")
    assert "new_deadlines.01" in keys_of(error)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "9999-12-25T00:00:00+00:00"},
        {"to": "9999-12-31T23:00:00-08:00"},
        {"from": "0001-01-01T00:00:00+08:00"},
        {"from": "2026-11-23T00:00:00"},
    ],
)
async def test_openings_calendar_far_away(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get("/api/public/openings", params=params)
    error = assert_error(response, 400, "invalid_input")
    assert set(params) <= keys_of(error)


@pytest.mark.parametrize("q", [NUL, ESC, "a\nb"])
async def test_search_text_with_control_characters(client: httpx.AsyncClient, q: str) -> None:
    for path in ("/api/public/projects", "/api/public/announcements"):
        refused_field(await client.get(path, params={"q": q}), "q")
    ok = await client.get("/api/public/projects", params={"q": "泵站 ‮"})  # bidi in a search is just no match
    assert ok.status_code == 200


# ---------------------------------------------------------------------------------------- admin


@pytest.mark.parametrize("after_id", [str(2**53), str(2**63), str(10**30), "-1"])
async def test_audit_cursor_beyond_the_column(
    client: httpx.AsyncClient, admin_headers: dict[str, str], after_id: str
) -> None:
    response = await client.get("/api/admin/audit-events", params={"after_id": after_id}, headers=admin_headers)
    refused_field(response, "after_id")


async def test_audit_filters_with_control_characters(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    for name in ("object_type", "object_id"):
        response = await client.get("/api/admin/audit-events", params={name: f"lot{NUL}"}, headers=admin_headers)
        refused_field(response, name)
    fine = await client.get(
        "/api/admin/audit-events", params={"after_id": str(2**53 - 1), "object_id": "x"}, headers=admin_headers
    )
    assert fine.status_code == 200 and fine.json() == []


async def test_integrity_check_inputs(client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any) -> None:
    url = "/api/admin/integrity-checks"
    good = {"key": "x", "expected_sha256": "0" * 64}
    for field, value in (("key", f"a{NUL}b"), ("key", "k" * 513), ("expected_sha256", "0" * 63 + NUL)):
        refused_field(await client.post(url, json=good | {field: value}, headers=admin_headers), field)
    refused_field(
        await client.post(url, json=good | {"idempotency_key": "a b"}, headers=admin_headers), "idempotency_key"
    )

    # A key longer than the audit trail's object_id column (a bid's key is) is checked all the same.
    key = f"bids/{'a' * 36}/{'b' * 36}/{'c' * 36}.bid"

    async def body() -> Any:
        yield b"sealed"

    await platform.store.put(key, body())
    accepted = await client.post(url, json=good | {"key": key}, headers=admin_headers)
    assert accepted.status_code == 202, accepted.text


async def test_web_app_paths_with_a_nul(client: httpx.AsyncClient) -> None:
    for path in ("/%00", "/assets/%00.js", "/projects/a%00b"):
        assert_error(await client.get(path), 404, "not_found")


# ---------------------------------------------------------------------------------- opening room


async def hello(base: str, lot_id: str, message: str) -> websockets.ClientConnection:
    ws = await websockets.connect(f"{base}/ws/openings/{lot_id}")
    await ws.send(message)
    return ws


async def next_of(ws: websockets.ClientConnection, kind: str) -> dict[str, Any]:
    """The next message of ``kind`` (events may come first)."""
    while True:
        message: dict[str, Any] = json.loads(await ws.recv())
        if message["type"] == kind:
            return message


async def test_opening_room_messages(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, live: str
) -> None:
    project = await create_published(client, parties, clock.now())
    lot_id = project["lots"][0]["id"]

    # A cursor beyond the column is refused in words, not with a database error.
    ws = await hello(live, lot_id, json.dumps({"type": "hello", "since": 2**31}))
    refused = json.loads(await ws.recv())
    assert refused["error"]["code"] == "invalid_since", refused
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001

    # A hello nested too deep for the parser: closed as malformed (4000), not as a server error (1011).
    ws = await hello(live, lot_id, "[" * 5000 + "]" * 5000)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000

    # After the welcome: a message nested too deep is "not JSON"; a command id with a NUL is refused.
    ws = await hello(live, lot_id, json.dumps({"type": "hello"}))
    assert json.loads(await ws.recv())["type"] == "welcome"
    await ws.send("[" * 5000 + "]" * 5000)
    assert (await next_of(ws, "error"))["error"]["code"] == "invalid_json"
    await ws.send(json.dumps({"type": "command", "id": "a\x00b", "name": "start_decryption", "args": {}}))
    result = await next_of(ws, "result")
    assert (result["ok"], result["error"]["code"]) == (False, "invalid_input"), result
    await ws.close()
