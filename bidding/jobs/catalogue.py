"""Every job the platform runs, in one explicit list (as arq's ``WorkerSettings.functions`` and
``cron_jobs``): the worker runs what is listed here and the app enqueues only what is listed here.

A new module under :mod:`bidding.jobs.tasks` adds its functions below;
``tests/unit/test_job_catalogue.py`` fails while one is missing.
"""

from __future__ import annotations

from typing import Final

from bidding.jobs.registry import CronSpec, JobRegistry, JobSpec, Queue
from bidding.jobs.tasks.bodies import open_bid_body
from bidding.jobs.tasks.heartbeat import worker_heartbeat
from bidding.jobs.tasks.integrity import verify_object
from bidding.jobs.tasks.staging import sweep_upload_staging

__all__ = ["CATALOGUE", "CRONS", "JOBS"]

JOBS: Final = (
    # Re-hash a stored object against the SHA-256 on record (auditors, `POST /api/admin/integrity-checks`).
    JobSpec("verify_object", verify_object, timeout_s=3600),
    # Decrypt an opened bid's body (any size, up to hours for GBs) and check it against its receipt.
    JobSpec("open_bid_body", open_bid_body, timeout_s=6 * 3600),
)

CRONS: Final = (
    # Every 15 s, and at start-up so `/ready` sees a worker at once; urgent: its worker polls often.
    CronSpec(
        "worker_heartbeat",
        worker_heartbeat,
        schedule={"second": set(range(0, 60, 15))},
        queue=Queue.URGENT,
        run_at_startup=True,
    ),
    # Hourly at :23, away from the top of the hour when deadlines cluster.
    CronSpec("sweep_upload_staging", sweep_upload_staging, schedule={"minute": 23}),
)

#: What the app enqueues against and the workers run.
CATALOGUE: Final = JobRegistry(JOBS, CRONS)
