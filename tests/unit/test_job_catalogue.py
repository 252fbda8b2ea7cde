"""The job catalogue: one explicit list of every job, nothing registered by importing a module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType
from typing import Any

import pytest

import bidding
import opening_room
from bidding.catalogue import CATALOGUE, CRONS, JOBS
from bidding.core.jobs.registry import CronSpec, JobRegistry, JobSpec, Queue, UnknownJobError


def our_modules() -> list[ModuleType]:
    """Every module of the platform (not the demo: it runs jobs through the same specs)."""
    return [
        importlib.import_module(m.name)
        for package in (bidding, opening_room)
        for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        if not m.name.startswith(("bidding.migrations", "bidding.__main__"))
    ]


def task_modules() -> list[ModuleType]:
    """The modules that define a job: a module-level ``JobSpec``, or a function a cron runs."""
    crons = {s.func.__module__ for s in CATALOGUE.crons.values()}
    return [
        m
        for m in our_modules()
        if m.__name__ in crons
        or any(isinstance(v, JobSpec) and v.func.__module__ == m.__name__ for v in vars(m).values())
    ]


def job_functions(module: ModuleType) -> set[Any]:
    """The module's own coroutine functions whose first parameter is arq's ``ctx``: its jobs."""
    return {
        f
        for _, f in inspect.getmembers(module, inspect.iscoroutinefunction)
        if f.__module__ == module.__name__ and next(iter(inspect.signature(f).parameters), None) == "ctx"
    }


def test_every_task_module_and_job_function_is_in_the_catalogue() -> None:
    listed = {s.func for s in (*CATALOGUE.jobs.values(), *CATALOGUE.crons.values())}
    modules = task_modules()
    assert {m.__name__ for m in modules} >= {
        "bidding.submission.extraction",
        "bidding.operations.heartbeat",
        "bidding.audit.integrity",
        "bidding.submission.sweep",
        "bidding.submission.receipt_jobs",
    }
    for module in modules:
        functions = job_functions(module)
        assert functions, f"{module.__name__} defines no job function (async def f(ctx, ...))"
        missing = {f.__name__ for f in functions - listed}
        assert not missing, f"{module.__name__}: {sorted(missing)} not in bidding.catalogue"
    # And the catalogue lists nothing from elsewhere, and every spec defined anywhere is listed.
    assert {f.__module__ for f in listed} <= {m.__name__ for m in modules}
    defined = {v for m in modules for v in vars(m).values() if isinstance(v, JobSpec)}
    assert defined == set(CATALOGUE.jobs.values())


def test_the_names_queues_and_schedules_are_the_platforms() -> None:
    assert {n: (s.queue, s.timeout_s, s.max_tries) for n, s in CATALOGUE.jobs.items()} == {
        "verify_object": (Queue.DEFAULT, 3600, 5),
        "open_bid_body": (Queue.DEFAULT, 6 * 3600, 5),
        "deliver_message": (Queue.DEFAULT, 120, 3),
        "make_receipt_pdf": (Queue.DEFAULT, 120, 5),
        "audit_log": (Queue.DEFAULT, 3600, 1),
    }
    heartbeat, sweep = CATALOGUE.crons["worker_heartbeat"], CATALOGUE.crons["sweep_upload_staging"]
    assert (heartbeat.queue, heartbeat.run_at_startup, heartbeat.schedule) == (
        Queue.URGENT,
        True,
        {"second": {0, 15, 30, 45}},
    )
    assert (sweep.queue, sweep.run_at_startup, sweep.schedule) == (Queue.DEFAULT, False, {"minute": 23})
    assert [s.name for s in CATALOGUE.jobs_on(Queue.URGENT)] == []
    assert [s.name for s in CATALOGUE.crons_on(Queue.URGENT)] == ["worker_heartbeat"]
    assert len(CATALOGUE.jobs) == len(JOBS) and len(CATALOGUE.crons) == len(CRONS)


def test_an_unknown_name_fails_clearly() -> None:
    with pytest.raises(UnknownJobError) as raised:
        CATALOGUE.spec("open_bid_bodies")
    assert str(raised.value) == "no job named 'open_bid_bodies' (known: audit_log, deliver_message, make_receipt_pdf, open_bid_body, verify_object)"
    # A cron job is not something to enqueue by hand.
    with pytest.raises(UnknownJobError, match="no job named 'worker_heartbeat'"):
        CATALOGUE.spec("worker_heartbeat")


async def _noop(ctx: dict[str, Any]) -> None:
    return None


def test_a_name_defined_twice_is_refused_even_across_jobs_and_crons() -> None:
    with pytest.raises(ValueError, match="'a' is defined twice"):
        JobRegistry([JobSpec("a", _noop), JobSpec("a", _noop)])
    # arq keeps a worker's functions and cron jobs in one table by name.
    with pytest.raises(ValueError, match="'a' is defined twice"):
        JobRegistry([JobSpec("a", _noop)], [CronSpec("a", _noop, schedule={"minute": 1})])


def test_the_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        CATALOGUE.jobs["extra"] = JobSpec("extra", _noop)  # type: ignore[index]


def test_a_paused_cron_is_not_scheduled_by_the_worker() -> None:
    """``BIDDING_PAUSED_CRONS``: the worker leaves the named periodic jobs out, and only those."""
    from types import SimpleNamespace

    from bidding.core.settings import Settings
    from bidding.worker import build_worker

    def scheduled(**env: str) -> set[str]:
        platform = SimpleNamespace(settings=Settings.from_env(env), redis_url="redis://127.0.0.1:6379/0")
        worker = build_worker(platform, CATALOGUE, Queue.DEFAULT)  # type: ignore[arg-type]
        return {c.name for c in worker.cron_jobs}

    every = scheduled()
    assert {"watch_awards", "sync_opendata"} <= every
    paused = scheduled(BIDDING_PAUSED_CRONS="watch_awards, sync_opendata")
    assert paused == every - {"watch_awards", "sync_opendata"}
    with pytest.raises(Exception, match="watch_awards"):
        Settings.from_env({"BIDDING_PAUSED_CRONS": "Watch-Awards"})
