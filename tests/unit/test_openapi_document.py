"""The OpenAPI document says what the server does (issue 16): the error body, security, media types.

The fuzz run (tests/fuzz) checks the answers against the document; these check the document's own
promises that no generated request reaches (a receipt PDF needs a real bid, a CRL never fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bidding.app import create_app
from bidding.core.settings import Settings


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings.from_env({}, data_dir=tmp_path_factory.mktemp("openapi")))
    return dict(app.openapi_schema.to_schema())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in document["paths"].items() for method, op in item.items()]


def test_every_error_answer_is_the_platform_error_body(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["required"]) == {
        "code",
        "message",
        "message_zh",
        "message_en",
        "request_id",
    }
    for method, path, op in operations(document):
        errors = {status: r for status, r in op["responses"].items() if not status.startswith("2")}
        assert "503" in errors, (method, path)
        for status, response in errors.items():
            assert response == {"$ref": f"#/components/responses/{status}"}, (method, path, status)
            body = document["components"]["responses"][status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize(
    ("method", "path", "secured", "statuses"),
    [
        ("GET", "/api/public/projects", False, {"400", "503"}),
        ("GET", "/api/agent/projects", True, {"401", "403", "503"}),
        ("PUT", "/api/agent/projects/{project_id}", True, {"400", "401", "403", "404", "409", "413", "503"}),
        ("POST", "/api/auth/logout", True, {"401", "403", "409", "503"}),  # an organisation's user, any role
        ("GET", "/api/admin/audit-events", True, {"400", "401", "403", "404", "503"}),
        ("POST", "/api/auth/login", False, {"400", "401", "409", "413", "503"}),
        ("GET", "/api/log/checkpoints", False, {"400", "503"}),
        ("POST", "/api/audit/log/runs", True, {"401", "403", "409", "503"}),  # 409: an audit is pending
        ("GET", "/api/audit/log/runs/{run_id}", True, {"400", "401", "403", "404", "503"}),
    ],
)
def test_security_and_statuses_follow_the_guards_and_the_shape(
    document: dict[str, Any], method: str, path: str, secured: bool, statuses: set[str]
) -> None:
    op = document["paths"][path][method.lower()]
    assert op["security"] == ([{"bearer": []}] if secured else [])
    assert {s for s in op["responses"] if not s.startswith("2")} == statuses
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


@pytest.mark.parametrize(
    ("method", "path", "request_media", "response_media"),
    [
        ("POST", "/api/verify/pdf", {"application/pdf", "multipart/form-data"}, {"application/json"}),
        ("POST", "/pki/tsa", {"application/timestamp-query"}, {"application/timestamp-reply"}),
        ("POST", "/pki/ocsp", {"application/ocsp-request"}, {"application/ocsp-response"}),
        ("GET", "/pki/crl/issuing.crl", None, {"application/pkix-crl"}),
        ("GET", "/pki/ca/{name}", None, {"application/x-pem-file"}),
        ("GET", "/api/public/openings/{lot_id}/record.pdf", None, {"application/pdf"}),
        ("POST", "/api/agent/projects/{project_id}/documents", {"application/pdf", "application/zip"}, None),
        ("GET", "/api/bidder/bids/{bid_id}/receipt.pdf", None, {"application/pdf"}),
        ("PUT", "/api/bidder/uploads/{upload_id}/chunks/{index}", {"application/octet-stream"}, None),
    ],
)
def test_raw_bodies_and_binary_answers_name_their_media_types(
    document: dict[str, Any],
    method: str,
    path: str,
    request_media: set[str] | None,
    response_media: set[str] | None,
) -> None:
    op = document["paths"][path][method.lower()]
    if request_media is not None:
        assert op["requestBody"]["required"] is True
        assert request_media <= set(op["requestBody"]["content"])
    if response_media is not None:
        success = next(r for s, r in op["responses"].items() if s.startswith("2"))
        assert set(success["content"]) == response_media


def test_bodies_that_refuse_unknown_fields_say_so(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in (
        "DraftProject",
        "NewLot",
        "FormFieldDeclaration",
        "LoginRequest",
        "RegistrationRequest",
        "RevocationRequest",
    ):
        assert schemas[name]["additionalProperties"] is False, name
    # A lot's form fields are objects of their own with the rules the server checks on each value.
    assert schemas["NewLot"]["properties"]["form_fields"]["items"] == {
        "$ref": "#/components/schemas/FormFieldDeclaration"
    }
    field = schemas["FormFieldDeclaration"]["properties"]
    assert field["type"]["enum"] == ["money", "integer", "text"]
    assert all("pattern" in field[name] for name in ("key", "label_zh", "label_en"))
    assert "additionalProperties" not in schemas["ProjectView"]  # an answer, not a closed body


def test_the_document_is_served_where_the_readme_says(repo_root: Path) -> None:
    assert "/api/docs/openapi.json" in (repo_root / "README.md").read_text()
