"""A project's archive (电子档案, issue 21): built from a real project carried through a real opening,
evaluation and final report, once its award has ended; stored under retention; downloaded by the
supervisor and the auditor only (audited); verified offline by ``bidding archive verify`` — and
refused by it once tampered with.

The candidates are published by the award services' own step; those services are still being built
beside this, so the award is then ended here by
:func:`end_award_directly` (the lifecycle's own ``set_state``, to 流标), which is all the archive's
watch step reads."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from bidding.archive.cli import archive as archive_cli
from bidding.archive.service import ArchiveExists, archive_due, build_for_code
from bidding.audit.models import AuditEvent
from bidding.awards.lifecycle import set_state
from bidding.awards.models import Award, ProjectArchive
from bidding.awards.publicity import publish_due
from bidding.awards.states import AwardState
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from tests.fixtures.awards import award_in
from tests.fixtures.parties import logged_in_parties

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def _archives_of(platform: Any, project_id: str) -> int:
    async with platform.sessions() as s:
        return len(
            (await s.scalars(select(ProjectArchive).where(ProjectArchive.project_id == uuid.UUID(project_id)))).all()
        )


async def end_award_directly(platform: Any, award_id: str, now: Any) -> None:
    """Test helper: the award fails (流标) through the lifecycle's ``set_state``, standing in for the
    award services' own failure command, so that the archive's gate (every award final) opens."""
    async with platform.sessions() as s, s.begin():
        award = await s.get(Award, uuid.UUID(award_id))
        assert award is not None
        set_state(s, Actor.system("test"), award, AwardState.FAILED, now, reason="test: the archive's gate")


async def cli(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, archive_cli, list(args))


def rezipped(package: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, data if info.filename == name else old.read(info.filename))
    return out.getvalue()


async def test_a_closed_project_is_archived_and_verified_offline(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    tmp_path: Path,
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    project_id = w.c.project["id"]
    code = w.c.project["code"]

    # the candidates are published (the award services' own step), then the award fails
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    # not while the award is open; once it has ended, exactly once (the step is global: other tests'
    # projects may be archived by the same calls, so this project's own archive is what is checked)
    await archive_due(platform, clock.now())
    assert await _archives_of(platform, w.c.project["id"]) == 0
    await end_award_directly(platform, w.award_id, clock.now())
    await archive_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    await archive_due(platform, clock.now())
    assert await _archives_of(platform, w.c.project["id"]) == 1
    try:
        await build_for_code(platform, code, Actor(id="operator:test"))
        raise AssertionError("a second archive was built")
    except ArchiveExists:
        pass
    async with platform.sessions() as s:
        row = await s.scalar(select(ProjectArchive).where(ProjectArchive.project_id == uuid.UUID(project_id)))
        assert row is not None
        created = await s.scalar(
            select(AuditEvent).where(AuditEvent.action == "archive.created", AuditEvent.object_id == project_id)
        )
        assert created is not None and created.content_sha256 == row.manifest_sha256
        assert created.details["missing"] == []
    stored = await platform.store.stat(row.object_key)
    assert stored.sha256 == row.sha256 and stored.retain_until is not None
    assert stored.retain_until.year == clock.now().year + platform.settings.archive_retention_years

    # the supervisor and the auditor read and download it; nobody else
    auditor = await logged_in_parties(client, admin_headers, ("auditor", "trading_centre", "auditor"))
    listed = await client.get("/api/archives", headers=w.p["supervisor"])
    assert listed.status_code == 200, listed.text
    assert project_id in [a["project_id"] for a in listed.json()]
    info = await client.get(f"/api/archives/{project_id}", headers=auditor["auditor"])
    assert info.status_code == 200, info.text
    assert info.json()["manifest_sha256"] == row.manifest_sha256 and info.json()["files"] == row.files
    downloads = []
    for reader in (w.p["supervisor"], auditor["auditor"]):
        got = await client.get(f"/api/archives/{project_id}.zip", headers=reader)
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/zip"
        downloads.append(got.content)
    package = downloads[0]
    assert downloads[1] == package and len(package) == row.size
    for outsider in (w.p["agent"], w.p["tenderer"], w.bidder(0), {}):
        for route in ("", f"/{project_id}", f"/{project_id}.zip"):
            refused = await client.get(f"/api/archives{route}", headers=outsider)
            assert refused.status_code in (401, 403), (route, refused.text)
    missing = await client.get(f"/api/archives/{uuid.uuid4()}.zip", headers=w.p["supervisor"])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "archive_not_found"
    assert (await client.get("/api/archives/nonsense", headers=w.p["supervisor"])).status_code == 404
    async with platform.sessions() as s:
        downloaded = (
            await s.scalars(
                select(AuditEvent).where(AuditEvent.action == "archive.downloaded", AuditEvent.object_id == project_id)
            )
        ).all()
        assert len(downloaded) == 2

    # what is in it: the record of every step, and no bid package or body
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        names = z.namelist()
        manifest = json.loads(z.read("manifest.json"))
        events = [json.loads(line) for line in z.read("files/audit/events.jsonl").splitlines()]
    assert manifest["project"] == {"id": project_id, "code": code, "name": w.c.project["name"]}
    kinds = {f["kind"] for f in manifest["files"]}
    assert {
        "project",
        "tender_document",
        "announcement",
        "bids",
        "bid_receipt",
        "bid_receipt_pdf",
        "opening_record",
        "opening_record_pdf",
        "evaluation_report",
        "evaluation_report_pdf",
        "evaluation_signing_sheet",
        "award",
        "award_publicity_pdf",
        "audit_events",
    } <= kinds, kinds
    assert any("-candidate_publicity-" in f["path"] for f in manifest["files"] if f["kind"] == "announcement")
    receipts = [f for f in manifest["files"] if f["kind"] == "bid_receipt"]
    assert len(receipts) >= len(w.c.bid_ids)
    assert not [n for n in names if "body" in n or n.endswith((".tar", ".bid", ".sealed"))]
    assert "opened_data_key" not in json.dumps(manifest) and all(f["path"] in names for f in manifest["files"])
    actions = {e["action"] for e in events}
    assert "award.state" in actions and "award.opened" in actions
    assert any(a.startswith("evaluation.") for a in actions), actions
    assert any(e["object_type"] == "lot" for e in events) and any(e["object_type"] == "project" for e in events)

    # offline: the command verifies it, with the platform's root given too; tampered, it refuses
    path = tmp_path / "archive.zip"
    path.write_bytes(package)
    root = tmp_path / "root.pem"
    root.write_bytes(platform.keys.ca.root_cert.public_bytes(serialization.Encoding.PEM))
    ok = await cli("verify", str(path))
    assert ok.exit_code == 0, ok.output
    assert "VERIFIED" in ok.output and "FAIL" not in ok.output
    trusted = await cli("verify", str(path), "--trust", str(root))
    assert trusted.exit_code == 0, trusted.output
    report_path = next(f["path"] for f in manifest["files"] if f["kind"] == "evaluation_report_pdf")
    bad = tmp_path / "tampered.zip"
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        original = z.read(report_path)
    bad.write_bytes(rezipped(package, report_path, original[:-1] + bytes([original[-1] ^ 1])))
    refused_cli = await cli("verify", str(bad))
    assert refused_cli.exit_code == 1, refused_cli.output
    assert "FAIL file" in refused_cli.output and report_path in refused_cli.output
    assert "NOT VERIFIED" in refused_cli.output
