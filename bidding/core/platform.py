"""The running platform's resources, started and stopped in one place.

The app, ``bidding worker`` and the CLI all use :func:`start_platform`, so each sees the same
database, object store and Redis, wired the same way, whichever process it is. The platform holds
resources only (the core's); a capability builds its own services from them (e.g.
``bidding.identity.login.login_service``), so the core imports no capability.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import cast

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bidding.core.auth.sessions import SessionStore
from bidding.core.clock import Clock, clock_for
from bidding.core.db.engine import create_engine, session_factory
from bidding.core.db.migrate import SchemaState, ensure_schema, schema_state
from bidding.core.embedded_redis import EmbeddedRedis
from bidding.core.jobs.queue import JobQueue
from bidding.core.jobs.registry import Queue
from bidding.core.pki.documents import DocumentSigner
from bidding.core.pki.keystore import PlatformKeys, load_platform_keys
from bidding.core.pki.revocations import RevocationPublisher
from bidding.core.pki.verifier import CertificateVerifier
from bidding.core.settings import Settings
from crypto.validation import RevocationMode
from storage import ObjectStore, open_store


class Platform:
    """Everything a request, a job or a command needs. A plain class, not a dataclass: Litestar
    validates injected dataclasses field by field, and these fields are live resources."""

    def __init__(
        self,
        *,
        settings: Settings,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        arq: ArqRedis,
        jobs: JobQueue,
        schema: SchemaState,
        clock: Clock,
        keys: PlatformKeys,
        revocations: RevocationPublisher,
        verifier: CertificateVerifier,
        session_store: SessionStore,
        documents: DocumentSigner,
        embedded_redis: EmbeddedRedis | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = sessions
        self.store = store
        self.arq = arq
        self.jobs = jobs
        self.schema = schema
        self.clock = clock
        self.keys = keys
        self.revocations = revocations
        self.verifier = verifier
        self.session_store = session_store
        self.documents = documents
        self.embedded_redis = embedded_redis

    @property
    def redis(self) -> Redis:
        return self.arq

    @property
    def redis_url(self) -> str:
        return redis_url(self.settings, self.embedded_redis)


def redis_url(settings: Settings, embedded: EmbeddedRedis | None) -> str:
    if embedded is not None:
        return embedded.url
    assert settings.redis_url is not None
    return settings.redis_url


def arq_redis_settings(url: str) -> RedisSettings:
    if url.startswith("unix://"):
        return RedisSettings(unix_socket_path=url.removeprefix("unix://"), conn_retries=2, conn_retry_delay=0)
    return RedisSettings.from_dsn(url)


def queue_names(settings: Settings) -> dict[Queue, str]:
    return {q: settings.queue_name(q.value) for q in Queue}


def build_store(settings: Settings) -> ObjectStore:
    return open_store(
        settings.effective_storage_url,
        signing_key=settings.resolved_secret("secret_key").encode(),
        base_url=settings.effective_base_url,
        part_size=settings.storage_part_size_mib * 1024 * 1024,
    )


@contextlib.asynccontextmanager
async def start_platform(
    settings: Settings, *, check_schema: bool = True, clock: Clock | None = None
) -> AsyncIterator[Platform]:
    """Start every resource (embedded Redis first), yield the platform, stop them in reverse."""
    clock = clock or clock_for(settings.clock_offset_file)
    keys = load_platform_keys(settings, clock.now())
    async with contextlib.AsyncExitStack() as stack:
        embedded: EmbeddedRedis | None = None
        if settings.embedded_redis:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            embedded = EmbeddedRedis(settings.redis_socket_path)
            await embedded.start()
            stack.push_async_callback(embedded.stop)
        url = redis_url(settings, embedded)

        engine = create_engine(settings.effective_database_url)
        stack.push_async_callback(engine.dispose)
        if check_schema:
            schema = await ensure_schema(engine, auto_migrate=settings.should_auto_migrate)
        else:
            schema = await schema_state(engine)

        store = build_store(settings)
        stack.push_async_callback(store.aclose)

        # arq's pool is a full redis.asyncio client: one pool serves jobs, health and heartbeats.
        arq = await create_pool(arq_redis_settings(url), default_queue_name=settings.queue_name(Queue.DEFAULT))
        stack.push_async_callback(arq.aclose)

        sessions = session_factory(engine)
        secret = settings.resolved_secret("secret_key").encode()
        revocations = RevocationPublisher(keys, sessions, clock)
        verifier = CertificateVerifier(keys, revocations, clock, cast(RevocationMode, settings.outside_revocation))
        yield Platform(
            settings=settings,
            engine=engine,
            sessions=sessions,
            store=store,
            arq=arq,
            jobs=JobQueue(arq, queue_names(settings)),
            schema=schema,
            clock=clock,
            keys=keys,
            revocations=revocations,
            verifier=verifier,
            session_store=SessionStore(arq, settings, clock),
            documents=DocumentSigner(keys, revocations, clock, secret),
            embedded_redis=embedded,
        )
