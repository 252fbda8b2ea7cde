"""Importing experts from CSV and XLSX through the API, on both profiles (issue 19): all rows or none,
a refused file naming each bad row, field and reason in Chinese and English with nothing written,
idempotent by registry number (the same file twice changes nothing; a changed row updates its
expert), every import and every expert written an audit event; bad files are 4xx."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bidding.audit.models import AuditEvent
from bidding.experts.models import Expert
from tests.fixtures.expert_pool import FIELDS, XLSX, csv_file, import_row, mobile, xlsx_file

CSV = {"Content-Type": "text/csv"}


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body["error"]["code"] if "error" in body else response.text


async def in_pool(platform: Any, numbers: list[str]) -> set[str]:
    async with platform.sessions() as db:
        return set((await db.scalars(select(Expert.registry_no).where(Expert.registry_no.in_(numbers)))).all())


async def audit_count(platform: Any, action: str, object_id: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    async with platform.sessions() as db:
        return int(await db.scalar(query) or 0)


async def test_a_csv_file_imports_once_and_again_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    rows = [import_row(), import_row(specialties="B0201；B0204", title="正高级"), import_row(id_number=None)]
    headers = {**admin_headers, **CSV}
    first = await client.post(
        "/api/experts/import", params={"filename": "专家名单.csv"}, content=csv_file(rows), headers=headers
    )
    assert first.status_code == 200, first.text
    result = first.json()
    assert (result["rows"], result["registered"], result["updated"], result["unchanged"]) == (3, 3, 0, 0)
    assert [r["row"] for r in result["experts"]] == [2, 3, 4]
    assert result["format"] == "csv"
    numbers = [r["registry_no"] for r in rows]
    assert await in_pool(platform, numbers) == set(numbers)
    listed = await client.get("/api/experts", params={"q": rows[1]["registry_no"]}, headers=admin_headers)
    assert listed.json()[0]["specialties"] == ["B0201", "B0204"]
    assert listed.json()[0]["title"] == "full_senior"
    assert await audit_count(platform, "expert.pool_imported", result["file_sha256"]) == 1
    expert_id = listed.json()[0]["id"]
    assert await audit_count(platform, "expert.registered", expert_id) == 1

    again = await client.post("/api/experts/import", content=csv_file(rows), headers=headers)
    assert again.status_code == 200
    assert (again.json()["registered"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 3)
    assert await audit_count(platform, "expert.updated", expert_id) == 0

    rows[1]["mobile"] = mobile()
    changed = await client.post("/api/experts/import", content=csv_file(rows), headers=headers)
    assert (changed.json()["registered"], changed.json()["updated"], changed.json()["unchanged"]) == (0, 1, 2)
    assert await audit_count(platform, "expert.updated", expert_id) == 1


async def test_an_xlsx_file_with_english_columns_and_typed_cells(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    row = import_row(title="deputy_senior")
    cells = [row[f] for f in FIELDS]
    cells[FIELDS.index("mobile")] = int(row["mobile"])  # Excel keeps typed digits as a number
    cells[FIELDS.index("years_experience")] = 20.0
    response = await client.post(
        "/api/experts/import", content=xlsx_file([cells]), headers={**admin_headers, "Content-Type": XLSX}
    )
    assert response.status_code == 200, response.text
    assert response.json()["format"] == "xlsx" and response.json()["registered"] == 1
    listed = await client.get("/api/experts", params={"q": row["registry_no"]}, headers=admin_headers)
    assert listed.json()[0]["years_experience"] == 20
    # Sent as octet-stream, the bytes say it is a workbook.
    again = await client.post(
        "/api/experts/import",
        content=xlsx_file([cells]),
        headers={**admin_headers, "Content-Type": "application/octet-stream"},
    )
    assert again.json()["unchanged"] == 1


async def test_one_bad_row_refuses_the_whole_file_and_names_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    rows = [import_row(), import_row(), import_row(years_experience=5), import_row(mobile="110", title="中级")]
    numbers = [r["registry_no"] for r in rows]
    before = await audit_count(platform, "expert.pool_import_refused")
    response = await client.post(
        "/api/experts/import", content=csv_file(rows), headers={**admin_headers, **CSV, "Accept-Language": "en"}
    )
    assert error(response) == (400, "pool_import_refused")
    err = response.json()["error"]
    assert err["message"] == err["message_en"]
    assert "nothing was imported" in err["message_en"] and "未导入任何数据" in err["message_zh"]
    found = {(d["row"], d["field"]) for d in err["details"]}
    assert found == {(4, "years_experience"), (5, "mobile"), (5, "title")}
    five = next(d for d in err["details"] if d["row"] == 4)
    assert five["registry_no"] == rows[2]["registry_no"]
    assert "规定第十一条" in five["message_zh"] and "规定 11" in five["message_en"]
    assert await in_pool(platform, numbers) == set()  # not even the good rows
    assert await audit_count(platform, "expert.pool_import_refused") == before + 1

    # A row that clashes with the pool (the same person under another number) refuses the file too.
    first = import_row()
    ok = await client.post("/api/experts/import", content=csv_file([first]), headers={**admin_headers, **CSV})
    assert ok.status_code == 200
    twin = import_row(id_number=first["id_number"])
    fresh = import_row()
    clash = await client.post("/api/experts/import", content=csv_file([fresh, twin]), headers={**admin_headers, **CSV})
    assert error(clash) == (400, "pool_import_refused")
    assert [(d["row"], d["field"]) for d in clash.json()["error"]["details"]] == [(3, "id_number")]
    assert await in_pool(platform, [fresh["registry_no"], twin["registry_no"]]) == set()


@pytest.mark.parametrize(
    ("content", "field"),
    [
        pytest.param("专家编号,姓名,昵称\nE1,张三,老张\n", "昵称", id="unknown-column"),
        pytest.param("专家编号,姓名\nE1,张三\n", "mobile", id="missing-columns"),
        pytest.param("", "file", id="empty"),
        pytest.param("专家编号,专家编号\n", "专家编号", id="column-twice"),
    ],
)
async def test_a_wrong_header_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], content: str, field: str
) -> None:
    response = await client.post("/api/experts/import", content=content.encode(), headers={**admin_headers, **CSV})
    assert error(response) == (400, "pool_import_refused")
    assert field in {d["field"] for d in response.json()["error"]["details"]}


async def test_repeated_rows_and_numeric_id_numbers_are_named(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    one = import_row()
    response = await client.post(
        "/api/experts/import", content=csv_file([one, dict(one, id_number="")]), headers={**admin_headers, **CSV}
    )
    assert error(response) == (400, "pool_import_refused")
    assert [(d["row"], d["field"]) for d in response.json()["error"]["details"]] == [(3, "registry_no")]

    row = import_row()
    cells = [row[f] for f in FIELDS]
    cells[FIELDS.index("id_number")] = float(row["id_number"][:17] + "0")  # what Excel makes of 18 digits
    response = await client.post(
        "/api/experts/import", content=xlsx_file([cells]), headers={**admin_headers, "Content-Type": XLSX}
    )
    assert error(response) == (400, "pool_import_refused")
    assert [(d["row"], d["field"]) for d in response.json()["error"]["details"]] == [(2, "id_number")]


async def test_bad_files_are_4xx(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    garbage = await client.post(
        "/api/experts/import", content=b"PK\x03\x04not really a zip", headers={**admin_headers, "Content-Type": XLSX}
    )
    assert error(garbage) == (400, "pool_import_refused")
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "hi")
    response = await client.post(
        "/api/experts/import", content=not_a_workbook.getvalue(), headers={**admin_headers, "Content-Type": XLSX}
    )
    assert error(response) == (400, "pool_import_refused")
    binary = await client.post(
        "/api/experts/import", content=b"\xff\xfe\x00\x00" * 10, headers={**admin_headers, **CSV}
    )
    assert error(binary) == (400, "pool_import_refused")
    pdf = await client.post(
        "/api/experts/import", content=b"%PDF-1.7", headers={**admin_headers, "Content-Type": "application/pdf"}
    )
    assert error(pdf) == (415, "unsupported_media_type")
    big = await client.post(
        "/api/experts/import", content=b"a" * (5 * 1024 * 1024 + 1), headers={**admin_headers, **CSV}
    )
    assert big.status_code == 413
    wrong_format = await client.post(
        "/api/experts/import", params={"format": "pdf"}, content=b"x", headers={**admin_headers, **CSV}
    )
    assert wrong_format.status_code == 400
