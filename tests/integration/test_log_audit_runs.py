"""The auditor's page of the transparency log on the wire (issue 23, "Detection"), on both profiles:
the signed checkpoints for anyone, paged newest first; audits of the log asked for by auditors,
supervisors and administrators, run by the in-process worker and read back with their result; one
pending at a time (409); other roles and anonymous callers refused. On a private database (SQLite
and PostgreSQL), the job records what an audit row edited behind the platform's back makes it find."""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.audit.models import AuditEvent
from bidding.core.auth.caller import Caller
from bidding.core.clock import ManualClock
from bidding.core.errors import Forbidden
from bidding.core.roles import Role
from bidding.transparency.audit_runs import ABANDONED_AFTER, audit_run, run_log_audit
from bidding.transparency.checkpoints import sign_next
from bidding.transparency.keys import log_signer
from bidding.transparency.models import LogAuditRun, LogLeaf
from bidding.transparency.sequencer import sequence_all
from crypto.tlog.checkpoint import Checkpoint
from crypto.tlog.note import Ed25519Verifier, open_note
from tests.fixtures.audit import count_audit_events
from tests.fixtures.errors import assert_error
from tests.fixtures.log_db import add_events, triggers_off
from tests.fixtures.parties import logged_in_parties

RUNS = "/api/audit/log/runs"


@pytest.fixture
async def people(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    return await logged_in_parties(
        client,
        admin_headers,
        ("auditor", "trading_centre", "auditor"),
        ("supervisor", "supervisor"),
        ("bidder", "bidder"),
        ("agent", "agent"),
        ("expert", "trading_centre", "expert"),
    )


async def _grow_and_sign(platform: Any, events: int) -> int:
    """``events`` more audit events, every row in the log (not only the recent ones), and a checkpoint."""
    await add_events(platform.sessions, events)
    await sequence_all(platform.sessions, platform.clock.now(), window=None)
    signed = await sign_next(platform.sessions, log_signer(platform.settings), platform.clock.now(), every=timedelta(0))
    assert signed is not None
    return signed.size


async def _finished(client: httpx.AsyncClient, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        answer = await client.get(f"{RUNS}/{run_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        run: dict[str, Any] = answer.json()
        if run["status"] != "pending":
            return run
        assert asyncio.get_running_loop().time() < deadline, f"the audit {run_id} did not finish: {run}"
        await asyncio.sleep(0.05)


async def test_checkpoints_are_public_newest_first_and_paged(client: httpx.AsyncClient, platform: Any) -> None:
    sizes = [await _grow_and_sign(platform, n) for n in (3, 1, 2)]
    verifier = Ed25519Verifier.from_vkey((await client.get("/log/vkey")).text.strip())

    first = await client.get("/api/log/checkpoints", params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert [c["size"] for c in page["checkpoints"]] == sizes[::-1][:2]
    assert page["next_cursor"] == sizes[1]
    for item in page["checkpoints"]:
        # The note is the signed checkpoint: it verifies with the vkey and says the size and root listed.
        note, _ = open_note(item["note"], [verifier])
        checkpoint = Checkpoint.parse(note.text)
        assert (checkpoint.size, base64.b64encode(checkpoint.root).decode()) == (item["size"], item["root"])
        assert item["witnesses"] == [] and item["signed_at"]

    second = (await client.get("/api/log/checkpoints", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert second["checkpoints"][0]["size"] == sizes[0]
    assert all(c["size"] < sizes[1] for c in second["checkpoints"])
    everything = (await client.get("/api/log/checkpoints", params={"limit": 100})).json()
    sizes_listed = [c["size"] for c in everything["checkpoints"]]
    assert sizes_listed == sorted(sizes_listed, reverse=True) and set(sizes) <= set(sizes_listed)

    for params in ({"limit": 0}, {"limit": 101}, {"cursor": -1}, {"cursor": "x"}):
        assert_error(await client.get("/api/log/checkpoints", params=params), 400, "validation_failed")


async def test_an_auditor_runs_the_audit_and_reads_it_intact(
    client: httpx.AsyncClient, platform: Any, people: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    size = await _grow_and_sign(platform, 5)
    await _grow_and_sign(platform, 2)

    asked = await client.post(RUNS, headers=people["auditor"])
    assert asked.status_code == 202, asked.text
    run = asked.json()
    assert run["requested_by"].startswith("cert:") and run["status"] in ("pending", "finished")
    assert (await client.get(f"{RUNS}/{run['id']}", headers=people["supervisor"])).status_code == 200

    done = await _finished(client, people["auditor"], run["id"])
    assert done["status"] == "finished", done
    assert done["intact"] is True and done["findings"] == [] and done["findings_count"] == 0
    assert done["size"] >= size + 2 and done["checkpoints"] >= 2 and done["finished_at"]
    assert await count_audit_events(platform, "log.audited", f"audit_log:{run['id']}") == 1

    listed = await client.get(RUNS, headers=people["supervisor"])
    assert listed.status_code == 200, listed.text
    assert listed.json()[0]["id"] == run["id"] and listed.json()[0]["findings"] == []

    # The operator's token may ask too (the admin role), once the auditor's run is over.
    again = await client.post(RUNS, headers=admin_headers)
    assert again.status_code == 202, again.text
    assert (await _finished(client, people["auditor"], again.json()["id"]))["intact"] is True


async def test_one_audit_pending_at_a_time(
    client: httpx.AsyncClient,
    platform: Any,
    people: dict[str, Any],
    admin_headers: dict[str, str],
    clock: ManualClock,
) -> None:
    await _grow_and_sign(platform, 1)
    pending = LogAuditRun(id=uuid.uuid4(), requested_by="cert:test", requested_at=clock.now(), findings=[])
    async with platform.sessions() as db, db.begin():
        db.add(pending)
    try:
        refused = assert_error(await client.post(RUNS, headers=people["auditor"]), 409, "log_audit_pending")
        assert str(pending.id) in refused["message_en"] and str(pending.id) in refused["message_zh"]
        shown = (await client.get(f"{RUNS}/{pending.id}", headers=people["auditor"])).json()
        assert shown["status"] == "pending" and shown["intact"] is None

        # A run whose job died is abandoned after the job's time limit: it blocks no one for ever.
        # (The certificate sessions have expired by then: the operator's token asks.)
        clock.advance(ABANDONED_AFTER + timedelta(seconds=1))
        shown = (await client.get(f"{RUNS}/{pending.id}", headers=admin_headers)).json()
        assert shown["status"] == "abandoned", shown
        asked = await client.post(RUNS, headers=admin_headers)
        assert asked.status_code == 202, asked.text
        assert asked.json()["requested_by"] == "operator:admin-token"
        assert (await _finished(client, admin_headers, asked.json()["id"]))["status"] == "finished"
    finally:
        async with platform.sessions() as db, db.begin():
            await db.execute(
                update(LogAuditRun).where(LogAuditRun.id == pending.id).values(finished_at=clock.now(), intact=None)
            )


async def test_other_roles_and_anonymous_callers_are_refused(client: httpx.AsyncClient, people: dict[str, Any]) -> None:
    some_id = uuid.uuid4()
    for method, path in (("POST", RUNS), ("GET", RUNS), ("GET", f"{RUNS}/{some_id}")):
        assert_error(await client.request(method, path), 401, "not_authenticated")
        for name in ("bidder", "agent", "expert"):
            refused = await client.request(method, path, headers=people[name])
            assert_error(refused, 403, "forbidden")
    assert_error(await client.get(f"{RUNS}/{some_id}", headers=people["auditor"]), 404, "not_found")
    bad = await client.get(f"{RUNS}/not-a-uuid", headers=people["auditor"])
    assert bad.status_code in (400, 404), bad.text
    assert_error(await client.get(RUNS, params={"limit": 0}, headers=people["auditor"]), 400, "validation_failed")


async def test_the_job_records_the_findings_of_an_edited_row(
    log_sessions: async_sessionmaker[AsyncSession], settings: Any, clock: ManualClock
) -> None:
    private = log_sessions
    here = SimpleNamespace(sessions=private, settings=settings, clock=clock)
    signer = log_signer(settings)
    await add_events(private, 12)
    await sequence_all(private, clock.now(), window=None)
    assert await sign_next(private, signer, clock.now(), every=timedelta(0)) is not None
    async with private() as db:
        leaf = await db.scalar(select(LogLeaf).where(LogLeaf.index == 5))
    assert leaf is not None
    async with private() as db, db.begin():
        await triggers_off(db)  # behind the platform's back
        await db.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE id = :id"), {"id": leaf.source_id})

    auditor = Caller("cert:auditor", frozenset({Role.AUDITOR}))
    run_id = uuid.uuid4()
    async with private() as db, db.begin():
        db.add(LogAuditRun(id=run_id, requested_by=auditor.actor_id, requested_at=clock.now(), findings=[]))
    ctx = {"platform": here, "job_id": f"audit_log:{run_id}"}
    done = await run_log_audit(ctx, str(run_id))
    assert done["intact"] is False
    assert (await run_log_audit(ctx, str(run_id)))["skipped"] is True  # a second delivery changes nothing

    view = await audit_run(here, auditor, run_id)  # type: ignore[arg-type]
    assert (view.status, view.intact, view.size, view.checkpoints) == ("finished", False, 12, 1)
    kinds = {(f["kind"], f.get("index")) for f in view.findings}
    assert ("altered", 5) in kinds and ("root_mismatch", None) in kinds, view.findings
    assert {"kind": "altered", "index": 5, "source": "audit", "source_id": leaf.source_id} in view.findings
    async with private() as db:
        events = list(await db.scalars(select(AuditEvent).where(AuditEvent.action == "log.audited")))
    assert len(events) == 1 and events[0].details["intact"] is False and events[0].object_id == str(run_id)
    assert events[0].details["findings"] == view.findings_count >= 2

    with pytest.raises(Forbidden):
        await audit_run(here, Caller("cert:bidder", frozenset({Role.BIDDER})), run_id)  # type: ignore[arg-type]
