"""The shape of the job catalogue: job and cron definitions, the queues they run on, and a registry
built from an explicit list of them (the list itself is :mod:`bidding.catalogue`).

Two queues: ``default`` for bulk work and ``urgent`` for time-critical work (deadlines, openings),
polled far more often. A job is defined once, as a :class:`JobSpec` beside its function in its
capability, and enqueued by that spec, so no caller can queue a name no worker runs;
``tests/unit/test_job_catalogue.py`` checks that every spec is in the catalogue.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["CronSpec", "JobFunc", "JobRegistry", "JobSpec", "Queue", "UnknownJobError"]

JobFunc = Callable[..., Awaitable[Any]]


class Queue(enum.StrEnum):
    DEFAULT = "default"
    URGENT = "urgent"


class UnknownJobError(LookupError):
    """No job of that name is in the catalogue (a typo, or a task missing from the list)."""


@dataclass(frozen=True)
class JobSpec:
    """A job run on demand: ``name`` is what callers enqueue and what arq stores."""

    name: str
    func: JobFunc
    queue: Queue = Queue.DEFAULT
    timeout_s: int = 300
    max_tries: int = 5


@dataclass(frozen=True)
class CronSpec:
    """A job run on a schedule; ``schedule`` holds arq's ``cron`` keywords (second, minute, hour, …)."""

    name: str
    func: JobFunc
    schedule: Mapping[str, Any]
    queue: Queue = Queue.DEFAULT
    run_at_startup: bool = False


class JobRegistry:
    """Jobs and cron jobs by name, built once from explicit definitions and read-only afterwards."""

    def __init__(self, jobs: Iterable[JobSpec], crons: Iterable[CronSpec] = ()) -> None:
        by_name: dict[str, JobSpec | CronSpec] = {}
        every: list[JobSpec | CronSpec] = [*jobs, *crons]
        for spec in every:
            # arq keys a worker's functions and cron jobs by name in one table: a clash is a bug.
            if spec.name in by_name:
                raise ValueError(f"job {spec.name!r} is defined twice")
            by_name[spec.name] = spec
        self.jobs: Mapping[str, JobSpec] = MappingProxyType(
            {n: s for n, s in by_name.items() if isinstance(s, JobSpec)}
        )
        self.crons: Mapping[str, CronSpec] = MappingProxyType(
            {n: s for n, s in by_name.items() if isinstance(s, CronSpec)}
        )

    def spec(self, name: str) -> JobSpec:
        try:
            return self.jobs[name]
        except KeyError:
            raise UnknownJobError(f"no job named {name!r} (known: {', '.join(sorted(self.jobs))})") from None

    def jobs_on(self, queue: Queue) -> list[JobSpec]:
        return [s for s in self.jobs.values() if s.queue is queue]

    def crons_on(self, queue: Queue) -> list[CronSpec]:
        return [s for s in self.crons.values() if s.queue is queue]
