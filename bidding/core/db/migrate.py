"""Programmatic Alembic: upgrade, downgrade and the start-up check of the schema revision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# The schema is every capability's: its history lives beside the composition root (bidding/migrations),
# whose env.py loads bidding.schema; the core only runs it.
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class SchemaNotReady(RuntimeError):
    """The database is not at the revision the code expects; the message says what to run."""


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


async def schema_state(engine: AsyncEngine) -> SchemaState:
    async with engine.connect() as conn:
        current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    return SchemaState(current=current, head=head_revision())


def _migrate(connection: Connection, step: Callable[[Config], None]) -> None:
    """Run ``step`` in one transaction. On SQLite, with foreign-key enforcement off: a table that
    others refer to is altered by copying it (batch mode), and dropping the old copy would otherwise
    delete, or refuse to delete, the rows referring to it. Every foreign key is checked before the
    commit instead (the procedure of https://sqlite.org/lang_altertable.html#otheralter)."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # outside any transaction: SQLite ignores the pragma inside one
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        with connection.begin():
            step(alembic_config(connection))
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.connect() as conn:
        await conn.run_sync(_migrate, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.connect() as conn:
        await conn.run_sync(_migrate, lambda cfg: command.downgrade(cfg, revision))


async def ensure_schema(engine: AsyncEngine, *, auto_migrate: bool) -> SchemaState:
    """Migrate if allowed, otherwise refuse to run on a database that is not at head."""
    state = await schema_state(engine)
    if state.up_to_date:
        return state
    if auto_migrate:
        await upgrade(engine)
        return await schema_state(engine)
    if state.current is None:
        raise SchemaNotReady(
            f"the database has no schema yet (expected revision {state.head}): run `bidding migrate` "
            "(数据库尚未初始化，请运行 `bidding migrate`)"
        )
    raise SchemaNotReady(
        f"the database is at revision {state.current} but this code expects {state.head}: run "
        "`bidding migrate` (数据库版本与程序不符，请运行 `bidding migrate`)"
    )
