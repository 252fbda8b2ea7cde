"""Migrations and repository behaviour, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bidding.audit.models import AuditEvent, SealedAuditEvent
from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.db.base import Base
from bidding.core.db.engine import create_engine
from bidding.core.db.migrate import SchemaNotReady, downgrade, ensure_schema, head_revision, schema_state, upgrade
from bidding.core.errors import Conflict, InvalidInput
from bidding.core.platform import start_platform
from bidding.core.settings import Settings
from bidding.identity.credit_code import make_credit_code
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.organisations import register_organisation
from bidding.tendering.models import Lot, Project
from bidding.tendering.projects import NewLot, create_project, get_public_project, list_public_projects
from bidding.tendering.rules.projects import Category, Phase, ProjectStatus
from opening_room import tables as _opening_tables  # noqa: F401  (their tables on the metadata too)

ACTOR = Actor("test:repo", "127.0.0.1", "req-test")


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


async def test_migrations_up_down_up_and_match_the_models(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        assert (await schema_state(engine)).current is None
        await upgrade(engine)
        assert (await schema_state(engine)).current == head_revision()
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
            )
        assert diff == [], f"models and migrations differ: {diff}"
        await downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: c.dialect.get_table_names(c))
        assert set(tables) <= {"alembic_version"}
        await upgrade(engine)
        assert (await schema_state(engine)).up_to_date
    finally:
        await engine.dispose()


async def test_unmigrated_database_is_refused_with_the_command_to_run(fresh_pg_url: str, tmp_path: Path) -> None:
    from tests.conftest import ADMIN_TOKEN, REDIS_URL, SECRET_KEY

    settings = Settings.from_env(
        {},
        data_dir=tmp_path,
        database_url=fresh_pg_url,
        redis_url=REDIS_URL,
        secret_key=SECRET_KEY,
        admin_token=ADMIN_TOKEN,
        storage_url=f"file:{tmp_path / 'objects'}",
        ca_create=True,
    )
    with pytest.raises(SchemaNotReady, match="run `bidding migrate`"):
        async with start_platform(settings):
            pass
    engine = create_engine(fresh_pg_url)
    try:
        await upgrade(engine, "head")
        assert (await ensure_schema(engine, auto_migrate=False)).up_to_date
    finally:
        await engine.dispose()


async def _parties(session: Any, tag: str) -> tuple[Any, Any]:
    agent = await register_organisation(
        session,
        ACTOR,
        name=f"代理{tag}",
        kind=OrgKind.AGENT,
        credit_code=make_credit_code(f"91320100AG{tag}"),
        status=OrgStatus.APPROVED,
    )
    tenderer = await register_organisation(
        session,
        ACTOR,
        name=f"招标人{tag}",
        kind=OrgKind.TENDERER,
        credit_code=make_credit_code(f"91320100TE{tag}"),
        status=OrgStatus.APPROVED,
    )
    return agent, tenderer


def _tag(n: int = 7) -> str:
    import secrets

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "".join(secrets.choice(alphabet) for _ in range(n))


async def test_projects_round_trip_with_utc_times_and_phase(platform: Any) -> None:
    deadline = datetime(2030, 1, 15, 1, 30, tzinfo=UTC)
    async with platform.sessions() as s, s.begin():
        agent, tenderer = await _parties(s, _tag())
        code = f"T-{_tag()}"
        project = await create_project(
            s,
            ACTOR,
            code=code,
            name="测试项目",
            category=Category.WORKS,
            tenderer_id=tenderer.id,
            agent_id=agent.id,
            region="南京",
            status=ProjectStatus.PUBLISHED,
            published_at=deadline - timedelta(days=30),
            tender_start_at=deadline - timedelta(days=25),
            lots=[
                NewLot("01", "一标段", 1_000_000_00, 20_000_00, deadline),
                NewLot("02", "二标段", 500_000_00, 0, deadline + timedelta(hours=2)),
            ],
        )
    async with platform.sessions() as s:
        view = await get_public_project(s, project.id, now=deadline - timedelta(days=1))
        assert view.phase is Phase.TENDERING and view.estimated_price_fen == 1_500_000_00
        assert view.bid_deadline == deadline and view.bid_deadline.tzinfo is not None
        assert [lot.code for lot in view.lots] == ["01", "02"]
        assert (await get_public_project(s, project.id, now=deadline)).phase is Phase.OPENING
        items, total = await list_public_projects(s, now=deadline, phase=Phase.OPENING, q=code, page=1, page_size=10)
        assert total == 1 and items[0].id == project.id
        events = (await s.scalars(select(AuditEvent).where(AuditEvent.object_id == str(project.id)))).all()
        assert [e.action for e in events] == ["project.created"] and events[0].client_address == "127.0.0.1"


async def test_deposit_over_two_percent_is_refused_by_service_and_database(platform: Any) -> None:
    async with platform.sessions() as s, s.begin():
        agent, tenderer = await _parties(s, _tag())
        with pytest.raises(InvalidInput, match="2%"):
            await create_project(
                s,
                ACTOR,
                code=f"T-{_tag()}",
                name="x",
                category=Category.GOODS,
                tenderer_id=tenderer.id,
                agent_id=agent.id,
                region=None,
                lots=[NewLot("01", "a", 100_00, 2_01, None)],
            )
        project = await create_project(
            s,
            ACTOR,
            code=f"T-{_tag()}",
            name="x",
            category=Category.GOODS,
            tenderer_id=tenderer.id,
            agent_id=agent.id,
            region=None,
            lots=[NewLot("01", "a", 100_00, 2_00, None)],
        )
    # Bypassing the service, the CHECK constraint still holds.
    async with platform.sessions() as s:
        with pytest.raises(IntegrityError):
            async with s.begin():
                await s.execute(update(Lot).where(Lot.project_id == project.id).values(deposit_fen=2_01))


async def test_duplicate_credit_code_and_project_code_are_conflicts(platform: Any) -> None:
    tag = _tag()
    async with platform.sessions() as s, s.begin():
        await _parties(s, tag)
    async with platform.sessions() as s, s.begin():
        with pytest.raises(Conflict):
            await register_organisation(
                s, ACTOR, name="重复", kind=OrgKind.AGENT, credit_code=make_credit_code(f"91320100AG{tag}")
            )
    async with platform.sessions() as s, s.begin():
        agent, tenderer = await _parties(s, _tag())
        code = f"T-{_tag()}"
        await create_project(
            s,
            ACTOR,
            code=code,
            name="x",
            category=Category.WORKS,
            tenderer_id=tenderer.id,
            agent_id=agent.id,
            region=None,
            lots=[NewLot("01", "a", 100, 0, None)],
        )
    with pytest.raises(IntegrityError):
        async with platform.sessions() as s, s.begin():
            s.add(Project(code=code, name="dup", category=Category.WORKS, tenderer_id=tenderer.id, agent_id=agent.id))


@pytest.mark.parametrize("sealed", [False, True], ids=["trail", "sealed"])
async def test_audit_events_are_append_only(platform: Any, sealed: bool) -> None:
    """The trail and the sealed events (办法 21: written there until the deadline) alike (办法 14, 49)."""
    async with platform.sessions() as s, s.begin():
        project = uuid.uuid4() if sealed else None
        event = record(s, ACTOR, "test.appended", object_type="test", object_id=_tag(), embargo_project_id=project)
    table = type(event)
    assert table is (SealedAuditEvent if sealed else AuditEvent)
    for statement in (
        update(table).where(table.id == event.id).values(action="test.forged"),
        text(f"DELETE FROM {table.__tablename__} WHERE id = {int(event.id)}"),
    ):
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
            async with platform.sessions() as s, s.begin():
                await s.execute(statement)
    async with platform.sessions() as s:
        kept = await s.get(table, event.id)
        assert kept is not None and kept.action == "test.appended"


async def test_naive_datetimes_are_refused(platform: Any) -> None:
    async with platform.sessions() as s:
        with pytest.raises(Exception, match="naive datetime"):
            async with s.begin():
                record(s, ACTOR, "x", object_type="t").occurred_at = datetime(2026, 1, 1)
                await s.flush()
