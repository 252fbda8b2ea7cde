"""Jobs on real Redis (embedded and external): enqueued over HTTP, run once by the worker."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bidding.audit.integrity import VERIFY_OBJECT
from bidding.catalogue import CATALOGUE
from bidding.core.jobs.models import JobExecution
from bidding.core.jobs.once import run_once
from bidding.core.jobs.registry import Queue
from bidding.worker import build_worker
from tests.fixtures.audit import count_audit_events


async def wait_for_job(client: Any, headers: dict[str, str], job_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        resp = await client.get(f"/api/admin/jobs/{job_id}", headers=headers)
        if resp.status_code == 200 and resp.json()["status"] == "complete":
            return dict(resp.json())
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job {job_id} did not complete: {resp.text}")
        await asyncio.sleep(0.05)


async def put_object(platform: Any, size: int = 3 * 1024 * 1024 + 17) -> tuple[str, str]:
    data = os.urandom(size)
    key = f"test/jobs/{secrets.token_hex(6)}.bin"
    info = await platform.store.put(key, _chunks(data))
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    return key, info.sha256


async def _chunks(data: bytes, size: int = 1 << 20) -> Any:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def test_job_enqueued_over_http_runs_once_in_the_worker(
    client: Any, platform: Any, admin_headers: dict[str, str]
) -> None:
    key, sha = await put_object(platform)
    payload = {"key": key, "expected_sha256": sha, "idempotency_key": f"t-{secrets.token_hex(6)}"}
    first = await client.post("/api/admin/integrity-checks", json=payload, headers=admin_headers)
    assert first.status_code == 202, first.text
    job_id = first.json()["job_id"]
    assert first.json()["created"] is True
    done = await wait_for_job(client, admin_headers, job_id)
    assert done["success"] is True and done["result"]["intact"] is True and done["result"]["sha256"] == sha

    again = await client.post("/api/admin/integrity-checks", json=payload, headers=admin_headers)
    assert again.status_code == 202 and again.json() == {**first.json(), "created": False}
    await asyncio.sleep(0.5)  # several poll cycles: a duplicate would have run by now
    assert await count_audit_events(platform, "storage.object_verified", job_id) == 1
    async with platform.sessions() as s:
        runs = await s.scalar(
            select(func.count()).select_from(JobExecution).where(JobExecution.job_key == f"verify_object:{job_id}")
        )
    assert runs == 1


async def test_corruption_is_reported(client: Any, platform: Any, admin_headers: dict[str, str]) -> None:
    key, sha = await put_object(platform, 1000)
    wrong = ("0" if sha[0] != "0" else "1") + sha[1:]
    resp = await client.post(
        "/api/admin/integrity-checks", json={"key": key, "expected_sha256": wrong}, headers=admin_headers
    )
    done = await wait_for_job(client, admin_headers, resp.json()["job_id"])
    assert done["result"]["intact"] is False
    assert await count_audit_events(platform, "storage.object_corrupt", resp.json()["job_id"]) == 1


async def test_redelivery_does_not_repeat_the_effect(platform: Any) -> None:
    calls = 0

    async def effect(_: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        return {"n": calls}

    key = f"test:{secrets.token_hex(6)}"
    results = await asyncio.gather(
        *(run_once(platform.sessions, job_key=key, function="t", effect=effect) for _ in range(4))
    )
    assert [applied for _, applied in results].count(True) == 1
    assert {tuple(r.items()) for r, _ in results} == {(("n", 1),)} or calls >= 1
    async with platform.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(JobExecution).where(JobExecution.job_key == key)) == 1


async def test_deferred_job_waits_then_runs(client: Any, platform: Any, admin_headers: dict[str, str]) -> None:
    key, sha = await put_object(platform, 10)
    job_id = f"verify:deferred-{secrets.token_hex(4)}"
    enqueued = await platform.jobs.enqueue(
        VERIFY_OBJECT, key, sha, "test", job_id=job_id, defer_by=timedelta(seconds=1.5)
    )
    assert enqueued.created
    assert (await platform.jobs.state(job_id)).status == "deferred"
    done = await wait_for_job(client, admin_headers, job_id)
    assert done["result"]["intact"] is True


async def test_queues_poll_delays_and_cron(platform: Any, client: Any) -> None:
    urgent = build_worker(platform, CATALOGUE, Queue.URGENT)
    default = build_worker(platform, CATALOGUE, Queue.DEFAULT)
    assert urgent.poll_delay_s == platform.settings.urgent_poll_delay < default.poll_delay_s
    assert urgent.queue_name.endswith(":urgent") and "worker_heartbeat" in {c.name for c in urgent.cron_jobs}
    # The heartbeat cron ran at worker start-up, so readiness sees a live worker.
    ready = (await client.get("/ready")).json()
    assert ready["checks"]["workers"]["ok"] is True, ready
