"""Exactly-once effects on top of arq's at-least-once delivery.

A job's effect and its ``job_executions`` row are written in one transaction; the row's unique
``job_key`` makes a second delivery (or a concurrent duplicate) find the first result instead of
repeating the effect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.jobs.models import ExecutionStatus, JobExecution

Effect = Callable[[AsyncSession], Awaitable[dict[str, Any]]]


async def run_once(
    sessions: async_sessionmaker[AsyncSession], *, job_key: str, function: str, effect: Effect
) -> tuple[dict[str, Any], bool]:
    """Apply ``effect`` once for ``job_key``; return (result, applied_now)."""
    async with sessions() as session:
        try:
            async with session.begin():
                previous = await session.scalar(select(JobExecution).where(JobExecution.job_key == job_key))
                if previous is not None:
                    return previous.result, False
                result = await effect(session)
                session.add(
                    JobExecution(
                        job_key=job_key,
                        function=function,
                        status=ExecutionStatus.DONE,
                        result=result,
                        finished_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            # A duplicate delivery committed first; its result stands and ours was rolled back.
            async with sessions() as again:
                winner = await again.scalar(select(JobExecution).where(JobExecution.job_key == job_key))
            if winner is None:
                raise
            return winner.result, False
        return result, True
