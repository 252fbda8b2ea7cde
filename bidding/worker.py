"""Running arq workers for the registered jobs: one worker per queue, each with its poll delay.

Used by ``bidding worker`` (production: separate processes) and by the app itself when the
embedded default runs the worker in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import warnings
from collections.abc import AsyncIterator, Iterable
from typing import Any, cast

from arq.cron import cron
from arq.worker import Worker, func

from bidding.core.jobs.registry import JobRegistry, Queue
from bidding.core.platform import Platform, arq_redis_settings

log = logging.getLogger("bidding.worker")

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"

# arq 0.28's Worker.close() calls redis-py's close(), deprecated since redis 5.0.1 in favour of
# aclose(); nothing of ours calls it. Silence exactly that warning from arq's worker module, so
# `bidding worker`, `bidding serve` and the tests stay quiet (drop this when arq calls aclose()).
warnings.filterwarnings(
    "ignore", message=r"Call to deprecated close\.", category=DeprecationWarning, module=r"arq\.worker"
)


def build_worker(platform: Platform, registry: JobRegistry, queue: Queue, *, burst: bool = False) -> Worker:
    settings = platform.settings
    functions = [
        func(cast(Any, spec.func), name=spec.name, timeout=spec.timeout_s, max_tries=spec.max_tries)
        for spec in registry.jobs_on(queue)
    ]
    crons = [
        cron(cast(Any, spec.func), name=spec.name, run_at_startup=spec.run_at_startup, unique=True, **spec.schedule)
        for spec in registry.crons_on(queue)
        if spec.name not in settings.paused_crons
    ]
    return Worker(
        functions,
        queue_name=settings.queue_name(queue.value),
        cron_jobs=crons or None,
        redis_settings=arq_redis_settings(platform.redis_url),
        handle_signals=False,
        burst=burst,
        poll_delay=settings.urgent_poll_delay if queue is Queue.URGENT else settings.job_poll_delay,
        ctx={"platform": platform, "queue": queue, "worker_id": WORKER_ID},
        keep_result=24 * 3600,
        health_check_key=f"{settings.queue_name(queue.value)}:health:{WORKER_ID}",
    )


@contextlib.asynccontextmanager
async def running_workers(
    platform: Platform, registry: JobRegistry, queues: Iterable[Queue] = tuple(Queue)
) -> AsyncIterator[list[Worker]]:
    """Run one worker per queue in the current event loop for the duration of the block."""
    workers = [build_worker(platform, registry, q) for q in queues]
    tasks = [asyncio.create_task(w.async_run(), name=f"arq-worker-{w.queue_name}") for w in workers]
    log.info("workers started", extra={"queues": [w.queue_name for w in workers]})
    try:
        yield workers
    finally:
        for worker in workers:
            try:
                await worker.close()
            except asyncio.CancelledError:
                # arq's close() gathers the in-flight job tasks; a job cancelled by the worker's own
                # shutdown surfaces here. Only a cancellation of this task itself goes on up.
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
                log.warning("a job was cancelled while its worker stopped", extra={"queue": worker.queue_name})
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def run_until_stopped(
    platform: Platform, registry: JobRegistry, queues: Iterable[Queue], stop: asyncio.Event
) -> None:
    async with running_workers(platform, registry, queues) as workers:
        waiters = [asyncio.ensure_future(w.main_task) for w in workers if w.main_task is not None]
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([stopper, *waiters], return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        for task in done:
            if task is not stopper and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]


async def run_burst(platform: Platform, registry: JobRegistry, queues: Iterable[Queue]) -> int:
    """Run every queued job now and return how many completed (for the CLI and tests)."""
    total = 0
    for queue in queues:
        worker = build_worker(platform, registry, queue, burst=True)
        try:
            await worker.async_run()
            total += worker.jobs_complete
        finally:
            await worker.close()
    return total
