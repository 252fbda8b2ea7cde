"""Every job the platform runs, in one explicit list (as arq's ``WorkerSettings.functions`` and
``cron_jobs``): the worker runs what is listed here. A capability defines a job as a ``JobSpec``
beside its function and adds it below; ``tests/unit/test_job_catalogue.py`` fails while one is
missing. This is the composition root's: the core's job runtime knows no capability.

Beside the jobs, the reply handlers (``REPLY_HANDLERS``): which capability answers an inbound reply
(an SMS reply, a keypress, an in-app answer) to a notice of which purpose (``docs/messaging.md``).
"""

from __future__ import annotations

from typing import Final

from bidding.archive.jobs import ARCHIVE_WATCH
from bidding.audit.integrity import VERIFY_OBJECT
from bidding.awards.jobs import AWARD_WATCH
from bidding.core.jobs.registry import CronSpec, JobRegistry, Queue
from bidding.deposits.jobs import BALANCE_CHECK, STATEMENT_WATCH
from bidding.deposits.refund_jobs import REFUND_WATCH
from bidding.evaluation.clarification_jobs import CLARIFICATION_WATCH
from bidding.experts.draw_jobs import EXPERT_DRAW_WATCH
from bidding.experts.invitations import PURPOSE as EXPERT_INVITATION
from bidding.experts.invitations import on_answer as expert_answer
from bidding.messaging.delivery import DELIVER_MESSAGE, SWEEP_MESSAGES
from bidding.messaging.replies import ReplyHandlers
from bidding.opendata.jobs import OPENDATA_SYNC
from bidding.operations.heartbeat import worker_heartbeat
from bidding.submission.extraction import OPEN_BID_BODY
from bidding.submission.receipt_jobs import RECEIPT_PDF
from bidding.submission.sweep import sweep_upload_staging
from bidding.supervision.jobs import SUPERVISION_WATCH
from bidding.transparency.audit_runs import AUDIT_LOG
from bidding.transparency.jobs import LOG_SWEEP, LOG_WATCH

__all__ = ["CATALOGUE", "CRONS", "JOBS", "REPLY_HANDLERS"]

JOBS: Final = (
    VERIFY_OBJECT,  # re-hash a stored object against the SHA-256 on record (auditors)
    OPEN_BID_BODY,  # decrypt an opened bid's body and check it against its receipt
    RECEIPT_PDF,  # a bid's PDF receipt, made after the upload's answer (the signed JSON receipt is in it)
    DELIVER_MESSAGE,  # one delivery attempt of a notice (e-mail, SMS, voice, in-app), retried with backoff
    AUDIT_LOG,  # an audit of the transparency log asked for on the auditor's page (one at a time)
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
    # Every 5 minutes: deposit refunds decided by termination and late money, closed by the bank's
    # debits, and the red alert for those unpaid past their due date (条例 31, 57).
    REFUND_WATCH,
    # Every minute: bank statement files dropped in BIDDING_DEPOSIT_WATCH_DIR, imported once.
    STATEMENT_WATCH,
    # Daily at 09:30 China time: the deposit book's collection balance against the bank's.
    BALANCE_CHECK,
    # Every minute: notices queued but not enqueued (the outbox), attempts whose worker died.
    SWEEP_MESSAGES,
    # Every minute: expert draws whose time has come, invitations unanswered in time (the next backup).
    EXPERT_DRAW_WATCH,
    # Every minute: the committee's clarifications past their deadline expire (a correction unconfirmed rejects).
    CLARIFICATION_WATCH,
    # Every minute: awards opened from final reports, publicity published and closed, objections
    # turned red, the purchaser's choice deemed, awards closed (条例 54, 55; 87号令).
    AWARD_WATCH,
    # Every minute at :47: each project's new changes published as OCDS 1.1 releases (docs/opendata.md).
    OPENDATA_SYNC,
    # Every minute at :53: a project whose lots are all over is archived once (电子档案, docs/archive.md).
    ARCHIVE_WATCH,
    # Every 10 s: the statutory clocks started and stopped by the audit trail's new events, their
    # yellow and red alerts (a red opens a supervision order), overdue orders escalated (docs/supervision.md).
    SUPERVISION_WATCH,
    # Every 5 s: new audit and opening-room rows become leaves of the transparency log, and a
    # checkpoint is signed when one is due; hourly at :41, every row still outside it (docs/transparency-log.md).
    LOG_WATCH,
    LOG_SWEEP,
)

#: What the app enqueues against and the workers run.
CATALOGUE: Final = JobRegistry(JOBS, CRONS)

#: Notice purpose → the capability's handler of its answers (``bidding.messaging.replies``).
REPLY_HANDLERS: Final = ReplyHandlers({EXPERT_INVITATION: expert_answer})
