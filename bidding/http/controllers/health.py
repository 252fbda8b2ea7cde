"""Liveness (`/health`) and readiness (`/ready`: database, schema, Redis, storage, workers)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from litestar import Controller, MediaType, Response, get
from sqlalchemy import text

from bidding import __version__
from bidding.db.migrate import schema_state
from bidding.http.dependencies import PlatformDep
from bidding.jobs.tasks.heartbeat import live_workers
from bidding.probes import probe
from bidding.runtime import Platform

CHECK_TIMEOUT_S = 3.0
#: Checks that make the process unready; a missing worker is reported but does not take the API
#: out of the load balancer, since the API still serves everything that needs no job.
REQUIRED = ("database", "migrations", "redis", "storage")


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


async def readiness(platform: Platform) -> dict[str, Check]:
    async def database() -> str:
        async with platform.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return platform.engine.dialect.name

    async def migrations() -> str:
        state = await schema_state(platform.engine)
        if not state.up_to_date:
            raise RuntimeError(f"at {state.current}, code expects {state.head}: run `bidding migrate`")
        return f"at head {state.head}"

    async def redis() -> str:
        await platform.redis.ping()
        return "embedded" if platform.embedded_redis else "external"

    async def storage() -> str:
        await platform.store.check()
        return platform.store.backend

    async def workers() -> str:
        alive = await live_workers(platform.redis, platform.settings.queue_prefix)
        if not alive:
            raise RuntimeError("no job worker has reported in the last minute: start `bidding worker`")
        return f"{len(alive)} live"

    probes = {"database": database, "migrations": migrations, "redis": redis, "storage": storage, "workers": workers}
    results = [Check(*r) for r in await asyncio.gather(*(probe(p, CHECK_TIMEOUT_S) for p in probes.values()))]
    return dict(zip(probes, results, strict=True))


class HealthController(Controller):
    tags = ["health"]

    @get("/health", summary="Liveness: the process answers", media_type=MediaType.JSON)
    async def health(self) -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @get("/ready", summary="Readiness: database, schema, Redis, storage and workers", media_type=MediaType.JSON)
    async def ready(self, platform: PlatformDep) -> Response[dict[str, Any]]:
        checks = await readiness(platform)
        ok = all(checks[name].ok for name in REQUIRED)
        body = {
            "status": "ok" if ok else "fail",
            "checks": {
                name: {"ok": c.ok, "detail": c.detail, "required": name in REQUIRED} for name, c in checks.items()
            },
        }
        return Response(body, status_code=200 if ok else 503)
