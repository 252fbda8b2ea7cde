"""The registry of job functions and cron jobs, and the queues they run on.

Two queues: ``default`` for bulk work and ``urgent`` for time-critical work (deadlines, openings),
polled far more often. A job is registered once, by name; enqueueing an unknown name fails at
the caller instead of sitting in Redis until a worker drops it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

JobFunc = Callable[..., Awaitable[Any]]


class Queue(enum.StrEnum):
    DEFAULT = "default"
    URGENT = "urgent"


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    queue: Queue
    timeout_s: int
    max_tries: int


@dataclass(frozen=True)
class CronSpec:
    name: str
    func: JobFunc
    queue: Queue
    schedule: dict[str, Any]
    run_at_startup: bool


@dataclass
class JobRegistry:
    jobs: dict[str, JobSpec] = field(default_factory=dict)
    crons: dict[str, CronSpec] = field(default_factory=dict)

    def job(
        self, name: str | None = None, *, queue: Queue = Queue.DEFAULT, timeout_s: int = 300, max_tries: int = 5
    ) -> Callable[[JobFunc], JobFunc]:
        def register(func: JobFunc) -> JobFunc:
            job_name = name or func.__name__
            if job_name in self.jobs:
                raise ValueError(f"job {job_name!r} is registered twice")
            self.jobs[job_name] = JobSpec(job_name, func, queue, timeout_s, max_tries)
            return func

        return register

    def cron(
        self, name: str, *, queue: Queue = Queue.DEFAULT, run_at_startup: bool = False, **schedule: Any
    ) -> Callable[[JobFunc], JobFunc]:
        """Register ``func`` to run on a schedule (arq's ``cron`` keywords: second, minute, hour, …)."""

        def register(func: JobFunc) -> JobFunc:
            if name in self.crons:
                raise ValueError(f"cron job {name!r} is registered twice")
            self.crons[name] = CronSpec(name, func, queue, schedule, run_at_startup)
            return func

        return register

    def spec(self, name: str) -> JobSpec:
        try:
            return self.jobs[name]
        except KeyError:
            raise KeyError(f"no job named {name!r} (known: {', '.join(sorted(self.jobs))})") from None

    def jobs_on(self, queue: Queue) -> list[JobSpec]:
        return [s for s in self.jobs.values() if s.queue is queue]

    def crons_on(self, queue: Queue) -> list[CronSpec]:
        return [s for s in self.crons.values() if s.queue is queue]


#: The platform's registry; task modules register into it when :mod:`bidding.jobs.tasks` is imported.
registry = JobRegistry()
