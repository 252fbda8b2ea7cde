"""HTTP basics on both profiles: error format, request ids, health, readiness, OpenAPI."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.fixtures.errors import assert_error

Client = httpx.AsyncClient


async def test_health_and_ready(client: Client, profile: str) -> None:
    resp = await client.get("/health")
    assert resp.status_code == 200 and resp.json()["status"] == "ok"
    ready = await client.get("/ready")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert {k for k, v in checks.items() if v["ok"]} >= {"database", "migrations", "redis", "storage"}
    assert checks["database"]["detail"] == ("sqlite" if profile == "embedded" else "postgresql")
    assert checks["storage"]["detail"] == ("local" if profile == "embedded" else "s3")


async def test_request_id_is_echoed_or_made(client: Client) -> None:
    resp = await client.get("/health", headers={"X-Request-ID": "abc12345-trace"})
    assert resp.headers["x-request-id"] == "abc12345-trace"
    made = await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces" and len(made.headers["x-request-id"]) == 24


async def test_unknown_route_is_a_json_404(client: Client) -> None:
    body = assert_error(await client.get("/api/nothing/here"), 404, "not_found")
    assert body["message"] == body["message_zh"]


async def test_language_follows_accept_language(client: Client) -> None:
    resp = await client.get("/api/nothing", headers={"Accept-Language": "en-GB,en;q=0.9"})
    body = assert_error(resp, 404, "not_found")
    assert body["message"] == body["message_en"]


async def test_method_not_allowed(client: Client) -> None:
    assert_error(await client.delete("/health"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"phase": "bogus"}, "phase"),
        ({"page": "abc"}, "page"),
    ],
)
async def test_bad_query_parameters_are_validation_errors(
    client: Client, params: dict[str, str], fragment: str
) -> None:
    body = assert_error(await client.get("/api/public/projects", params=params), 400, "validation_failed")
    assert fragment in str(body.get("details", "")) + body["message_en"]


async def test_bad_path_parameter(client: Client) -> None:
    resp = await client.get("/api/public/projects/not-a-uuid")
    assert resp.status_code in (400, 404)
    assert resp.json()["error"]["code"] in ("validation_failed", "not_found")


async def test_missing_project_is_404(client: Client) -> None:
    assert_error(await client.get("/api/public/projects/00000000-0000-0000-0000-000000000000"), 404, "not_found")


async def test_openings_range_is_checked(client: Client) -> None:
    assert_error(
        await client.get("/api/public/openings", params={"from": "2026-11-23T00:00:00", "to": "2026-11-24T00:00:00"}),
        400,
        "invalid_input",
    )
    assert_error(
        await client.get(
            "/api/public/openings", params={"from": "2026-11-23T00:00:00+08:00", "to": "2027-11-23T00:00:00+08:00"}
        ),
        400,
        "invalid_input",
    )


async def test_admin_endpoints_need_a_valid_token(client: Client) -> None:
    payload = {"key": "x", "expected_sha256": "0" * 64}
    assert_error(await client.post("/api/admin/integrity-checks", json=payload), 401, "not_authenticated")
    bad = await client.post("/api/admin/integrity-checks", json=payload, headers={"Authorization": "Bearer wrong"})
    body = assert_error(bad, 401, "not_authenticated")
    assert "not valid" in body["message_en"]
    malformed = await client.get("/api/admin/audit-events", headers={"Authorization": "Basic abc"})
    assert "Bearer" in assert_error(malformed, 401, "not_authenticated")["message_en"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad_request"),
        (b'{"key": 5, "expected_sha256": []}', "application/json", 400, "validation_failed"),
        (b'{"expected_sha256": "00"}', "application/json", 400, "validation_failed"),
        (b"[]", "application/json", 400, "validation_failed"),
        (b'{"key": "a", "expected_sha256": "zz"}', "application/json", 400, "invalid_input"),
    ],
)
async def test_malformed_bodies_are_4xx_never_500(
    client: Client, admin_headers: dict[str, str], body: bytes, content_type: str, status: int, code: str
) -> None:
    resp = await client.post(
        "/api/admin/integrity-checks", content=body, headers={**admin_headers, "Content-Type": content_type}
    )
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] in (code, "validation_failed", "bad_request")


async def test_oversized_body_is_413(client: Client, admin_headers: dict[str, str], settings: Any) -> None:
    big = b"x" * (settings.max_request_mib * 1024 * 1024 + 1)
    resp = await client.post(
        "/api/admin/integrity-checks", content=big, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert_error(resp, 413, "payload_too_large")


async def test_integrity_check_of_missing_object_is_404(client: Client, admin_headers: dict[str, str]) -> None:
    resp = await client.post(
        "/api/admin/integrity-checks",
        json={"key": "no/such/object", "expected_sha256": "0" * 64},
        headers=admin_headers,
    )
    assert_error(resp, 404, "not_found")


async def test_openapi_schema_lists_the_api(client: Client) -> None:
    resp = await client.get("/api/docs/openapi.json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    for path in ("/health", "/ready", "/api/public/projects", "/api/admin/integrity-checks"):
        assert path in paths
    docs = await client.get("/api/docs/")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_webapp_fallback_without_build(client: Client) -> None:
    resp = await client.get("/")
    assert resp.status_code == 200 and "make frontend" in resp.text


async def test_options_lists_every_method_of_a_shared_path(client: httpx.AsyncClient) -> None:
    # Litestar 2 answered only the first handler's method (litestar#4169); bidding.core.http.allow fixes it.
    response = await client.options("/api/storage/some/key")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, PUT"
    response = await client.options(f"/api/agent/projects/{uuid.uuid4()}")
    assert response.headers["allow"] == "GET, OPTIONS, PUT"
