"""Is this process ready to serve (``/ready``): the database answers, its schema is at the code's
head, Redis and the object store answer, and (reported, not required) a job worker is alive."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import text

from bidding.core.db.migrate import schema_state
from bidding.core.probes import probe
from bidding.operations.heartbeat import live_workers

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["CHECK_TIMEOUT_S", "REQUIRED", "Check", "Readiness", "readiness"]

CHECK_TIMEOUT_S: Final = 3.0
#: Checks that make the process unready; a missing worker is reported but does not take the API
#: out of the load balancer, since the API still serves everything that needs no job.
REQUIRED: Final = ("database", "migrations", "redis", "storage")


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check]

    @property
    def ok(self) -> bool:
        return all(self.checks[name].ok for name in REQUIRED)

    def body(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "fail",
            "checks": {
                name: {"ok": c.ok, "detail": c.detail, "required": name in REQUIRED} for name, c in self.checks.items()
            },
        }


async def readiness(platform: Platform) -> Readiness:
    """Every check at once, each within :data:`CHECK_TIMEOUT_S`."""

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
    return Readiness(dict(zip(probes, results, strict=True)))
