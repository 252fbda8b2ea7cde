"""The auditor's page of the transparency log (issue 23, "Detection"): the signed checkpoints over
time for anyone, and audits of the log asked for by auditors, supervisors and administrators.

An audit (:func:`bidding.transparency.audit.audit_log`: every leaf against its row, every signed
checkpoint against the rebuilt tree — 办法 14, 49) reads the whole log, so it runs as a worker job
(:data:`AUDIT_LOG`); the person who asked gets a :class:`~bidding.transparency.models.LogAuditRun`
row at once and reads it back when the job has filled it in. One run is pending at a time: asking
while one is pending is a :class:`AuditAlreadyPending` (409). A run whose job died is not pending
for ever: after :data:`ABANDONED_AFTER` (the job's time limit and a margin) it counts as abandoned.

Each use case owns its transaction and returns a view.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, NotFound
from bidding.core.jobs.registry import JobSpec, Queue
from bidding.core.roles import Role
from bidding.transparency.audit import audit_log
from bidding.transparency.keys import LogKeyMissing, log_signer
from bidding.transparency.models import LogAuditRun, LogCheckpoint
from crypto.tlog.note import NoteError, parse_note

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = [
    "ABANDONED_AFTER",
    "AUDIT_LOG",
    "AUDIT_ROLES",
    "MAX_FINDINGS",
    "MAX_PAGE",
    "AuditAlreadyPending",
    "AuditRunView",
    "CheckpointView",
    "audit_run",
    "audit_runs",
    "checkpoints",
    "request_audit",
    "run_log_audit",
]

log = logging.getLogger(__name__)

#: Who may ask for an audit and read the runs (as who may read the audit trail).
AUDIT_ROLES: Final = (Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN)
#: The findings kept with a run (the first ones, in the audit's order).
MAX_FINDINGS: Final = 1000
#: Checkpoints and runs per page at most.
MAX_PAGE: Final = 100
#: The job's time limit.
TIMEOUT_S: Final = 3600
#: A run unfinished this long after it was asked for is abandoned (its job died), not pending.
ABANDONED_AFTER: Final = timedelta(seconds=TIMEOUT_S + 300)
#: PostgreSQL advisory lock taken while deciding whether a run is pending (any constant of our own).
_PENDING_LOCK: Final = 0x6C6F6761  # "loga"

RunStatus = Literal["pending", "finished", "failed", "abandoned"]


class AuditAlreadyPending(Conflict):
    """An audit asked for earlier has not finished: its result comes first."""

    code = "log_audit_pending"
    message_zh = "已有一次日志审计正在进行，请等待其完成"
    message_en = "An audit of the log is already running: wait for it to finish"


# ----------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class CheckpointView:
    """One signed checkpoint (C2SP tlog-checkpoint in a signed-note): its size, root (base64),
    when it was signed, the note as published (with the witnesses' cosignatures, if any) and the
    names of the witnesses that cosigned (C2SP tlog-cosignature: every signature line other than
    the log key's)."""

    size: int
    root: str
    signed_at: datetime
    note: str
    witnesses: list[str]


def _witnesses(note: str, log_name: str, log_key_id: bytes) -> list[str]:
    try:
        parsed = parse_note(note)
    except NoteError:
        return []  # an unreadable note names nobody; the audit reports it (bad_checkpoint)
    names: list[str] = []
    for sig in parsed.signatures:
        if (sig.name, sig.key_id) != (log_name, log_key_id) and sig.name not in names:
            names.append(sig.name)
    return names


async def checkpoints(platform: Platform, *, cursor: int = 0, limit: int = MAX_PAGE) -> dict[str, Any]:
    """``GET /api/log/checkpoints``, public: signed checkpoints, newest first, ``limit`` per page.
    ``cursor`` 0 is the first page; a page's ``next_cursor`` (the last size on it; absent on the
    last page) gives the checkpoints below that size, so pages never move as the log grows."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(limit + 1)
    if cursor:
        query = query.where(LogCheckpoint.size < cursor)
    async with platform.sessions() as db:
        rows = list(await db.scalars(query))
    page, more = rows[:limit], len(rows) > limit
    signer = log_signer(platform.settings)
    items = [
        CheckpointView(
            size=row.size,
            root=base64.b64encode(row.root).decode(),
            signed_at=row.signed_at,
            note=row.cosigned or row.note,
            witnesses=_witnesses(row.cosigned or row.note, signer.name, bytes(signer.key_id)),
        )
        for row in page
    ]
    return {"checkpoints": items, "next_cursor": page[-1].size if more else None}


# ----------------------------------------------------------------------------- audit runs


@dataclass(frozen=True)
class AuditRunView:
    """A run of the log's audit: ``status`` is ``pending`` (its job has not finished), ``finished``
    (``intact`` says whether anything was found), ``failed`` (the job could not audit; ``error``
    says why) or ``abandoned`` (unfinished after :data:`ABANDONED_AFTER`). ``findings`` holds the
    first :data:`MAX_FINDINGS` findings in :meth:`bidding.transparency.audit.Finding.as_dict` form
    when the run is read alone, and is empty in a list (``findings_count`` says how many)."""

    id: uuid.UUID
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    status: RunStatus
    size: int | None
    checkpoints: int | None
    intact: bool | None
    findings_count: int
    findings: list[dict[str, Any]]


def _status(run: LogAuditRun, now: datetime) -> RunStatus:
    if run.finished_at is not None:
        return "finished" if run.intact is not None else "failed"
    return "pending" if run.requested_at > now - ABANDONED_AFTER else "abandoned"


def _view(run: LogAuditRun, now: datetime, *, with_findings: bool) -> AuditRunView:
    findings = list(run.findings or [])
    return AuditRunView(
        id=run.id,
        requested_by=run.requested_by,
        requested_at=run.requested_at,
        finished_at=run.finished_at,
        status=_status(run, now),
        size=run.size,
        checkpoints=run.checkpoints,
        intact=run.intact,
        findings_count=len(findings),
        findings=findings if with_findings else [],
    )


def _check_role(caller: Caller) -> None:
    if not caller.has(*AUDIT_ROLES):
        names = ", ".join(sorted(r.value for r in AUDIT_ROLES))
        raise Forbidden(f"this needs one of the roles: {names}", f"需要以下角色之一：{names}")


def _pending(now: datetime) -> Any:
    return (LogAuditRun.finished_at.is_(None)) & (LogAuditRun.requested_at > now - ABANDONED_AFTER)


async def _lock_pending(db: AsyncSession) -> None:
    """Serialise the decision "is a run pending?" On PostgreSQL an advisory lock held to the end of
    the transaction; SQLite has one writer at a time, and :func:`request_audit` writes first."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PENDING_LOCK})


async def request_audit(platform: Platform, caller: Caller) -> AuditRunView:
    """Ask for an audit of the log: a pending run (``requested_by`` the caller) and its job
    (:data:`AUDIT_LOG`, job id ``audit_log:<run id>``), recorded as ``log.audit_requested``.
    :class:`AuditAlreadyPending` (409) while another run is pending; Forbidden without the role."""
    _check_role(caller)
    now = platform.clock.now()
    run = LogAuditRun(id=uuid.uuid4(), requested_by=caller.actor_id, requested_at=now, findings=[])
    async with platform.sessions() as db, db.begin():
        await _lock_pending(db)
        db.add(run)
        await db.flush()  # the write first: on SQLite it waits for any other writer's commit
        other = await db.scalar(select(LogAuditRun.id).where(_pending(now), LogAuditRun.id != run.id).limit(1))
        if other is not None:
            raise AuditAlreadyPending(
                f"the audit {other} asked for earlier has not finished yet; read it at /api/audit/log/runs/{other}",
                f"此前请求的审计 {other} 尚未完成，可在 /api/audit/log/runs/{other} 查看",
            )
        record(
            db,
            caller.actor,
            "log.audit_requested",
            object_type="log_audit_run",
            object_id=str(run.id),
            details={"requested_by": caller.actor_id},
        )
    await platform.jobs.enqueue(AUDIT_LOG, str(run.id), job_id=f"audit_log:{run.id}")
    return _view(run, now, with_findings=True)


async def audit_runs(platform: Platform, caller: Caller, *, limit: int = 20) -> list[AuditRunView]:
    """The latest runs, newest first, without their findings (``findings_count`` says how many)."""
    _check_role(caller)
    limit = max(1, min(limit, MAX_PAGE))
    now = platform.clock.now()
    async with platform.sessions() as db:
        rows = await db.scalars(select(LogAuditRun).order_by(LogAuditRun.requested_at.desc()).limit(limit))
        return [_view(run, now, with_findings=False) for run in rows]


async def audit_run(platform: Platform, caller: Caller, run_id: uuid.UUID) -> AuditRunView:
    """One run with its findings; NotFound for an unknown id."""
    _check_role(caller)
    async with platform.sessions() as db:
        run = await db.get(LogAuditRun, run_id)
    if run is None:
        raise NotFound(f"no audit run {run_id}", f"没有审计记录 {run_id}")
    return _view(run, platform.clock.now(), with_findings=True)


# ----------------------------------------------------------------------------- the job


async def run_log_audit(ctx: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The job: audit the log and fill the run in, with the audit event ``log.audited``, once — a
    second delivery (arq delivers at least once) finds the run finished and does nothing."""
    platform: Platform = ctx["platform"]
    ident = uuid.UUID(run_id)
    async with platform.sessions() as db:
        run = await db.get(LogAuditRun, ident)
    if run is None or run.finished_at is not None:
        return {"run": run_id, "skipped": True}
    values: dict[str, Any]
    total: int | None = None
    try:
        report = await audit_log(platform.sessions, log_signer(platform.settings))
    except (SQLAlchemyError, LogKeyMissing, OSError) as exc:  # recorded on the run for who asked, and logged
        log.exception("the audit of the transparency log failed")
        error = f"{type(exc).__name__}: {exc}"[:1000]
        values = {"intact": None, "findings": [{"kind": "error", "detail": error}]}
    else:
        total = len(report.findings)
        values = {
            "size": report.size,
            "checkpoints": report.checkpoints,
            "intact": report.ok,
            "findings": [f.as_dict() for f in report.findings[:MAX_FINDINGS]],
        }
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        done = await db.execute(
            update(LogAuditRun)
            .where(LogAuditRun.id == ident, LogAuditRun.finished_at.is_(None))
            .values(finished_at=now, **values)
        )
        if not getattr(done, "rowcount", 0):
            return {"run": run_id, "skipped": True}
        record(
            db,
            Actor.system("worker", request_id=ctx.get("job_id")),
            "log.audited",
            object_type="log_audit_run",
            object_id=run_id,
            details={
                "requested_by": run.requested_by,
                "size": values.get("size"),
                "checkpoints": values.get("checkpoints"),
                "intact": values["intact"],
                "findings": total,
                "kinds": sorted({f["kind"] for f in values["findings"]}),
            },
        )
    return {"run": run_id, "intact": values["intact"], "findings": len(values["findings"])}


#: The log's audit, asked for on the auditor's page (``POST /api/audit/log/runs``); one try: an
#: audit is a read, and the person can ask again.
AUDIT_LOG: Final = JobSpec("audit_log", run_log_audit, queue=Queue.DEFAULT, timeout_s=TIMEOUT_S, max_tries=1)
