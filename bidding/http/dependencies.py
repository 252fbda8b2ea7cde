"""Dependencies injected into handlers: the platform, a database session, the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.clock import Clock
from bidding.runtime import Platform


def provide_platform(state: State) -> Platform:
    platform: Platform = state.platform
    return platform


def provide_clock(state: State) -> Clock:
    clock: Clock = state.clock
    return clock


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    platform: Platform = state.platform
    async with platform.sessions() as session:
        yield session


# Explicit markers for injected values (Litestar 3 drops inferred dependencies).
PlatformDep = NamedDependency[Platform]
DbSession = NamedDependency[AsyncSession]
ClockDep = NamedDependency[Clock]
