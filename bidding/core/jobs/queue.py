"""Enqueueing jobs and reading their status, for the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus

from bidding.core.jobs.registry import JobSpec, Queue


@dataclass(frozen=True)
class Enqueued:
    job_id: str
    queue: Queue
    #: False when a job with this id was already queued, running or finished recently (deduplicated).
    created: bool


@dataclass(frozen=True)
class JobState:
    job_id: str
    status: str  # deferred | queued | in_progress | complete | not_found
    success: bool | None
    result: Any
    enqueued_at: datetime | None
    finished_at: datetime | None


class JobQueue:
    """Typed front of arq: enqueue a job by its spec (defined beside its function, listed in the
    composition root's catalogue that the workers run) with an idempotent job id."""

    def __init__(self, redis: ArqRedis, queue_names: dict[Queue, str]) -> None:
        self.redis = redis
        self.queue_names = queue_names

    async def enqueue(
        self,
        spec: JobSpec,
        *args: Any,
        job_id: str,
        defer_by: timedelta | None = None,
        defer_until: datetime | None = None,
        **kwargs: Any,
    ) -> Enqueued:
        """Queue ``spec``'s job; a second call with the same ``job_id`` is a no-op (arq deduplicates by id)."""
        job = await self.redis.enqueue_job(
            spec.name,
            *args,
            _job_id=job_id,
            _queue_name=self.queue_names[spec.queue],
            _defer_by=defer_by,
            _defer_until=defer_until,
            **kwargs,
        )
        return Enqueued(job_id=job_id, queue=spec.queue, created=job is not None)

    async def state(self, job_id: str, queue: Queue = Queue.DEFAULT) -> JobState:
        job = Job(job_id, self.redis, _queue_name=self.queue_names[queue])
        status = await job.status()
        info = await job.result_info() if status is JobStatus.complete else await job.info()
        if info is None:
            return JobState(job_id, status.value, None, None, None, None)
        success = getattr(info, "success", None)
        result = getattr(info, "result", None)
        if isinstance(result, BaseException):
            result = f"{type(result).__name__}: {result}"
        return JobState(
            job_id=job_id,
            status=status.value,
            success=success,
            result=result,
            enqueued_at=info.enqueue_time,
            finished_at=getattr(info, "finish_time", None),
        )
