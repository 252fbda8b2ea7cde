"""Alembic environment: migrations run on a connection handed over by :mod:`bidding.core.db.migrate`."""

from __future__ import annotations

from alembic import context

import bidding.schema  # noqa: F401  (registers the tables on the metadata)
import opening_room.tables  # noqa: F401
from bidding.core.db.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `bidding migrate` (bidding.core.db.migrate)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copy; PostgreSQL ignores it
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
