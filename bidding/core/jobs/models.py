"""The record of job executions that makes an effect happen once (:mod:`bidding.core.jobs.once`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type


class ExecutionStatus(enum.StrEnum):
    """What a ``job_executions`` row records: written with the job's effect, in its transaction."""

    DONE = "done"


class JobExecution(Base):
    """The once-only record of a job's effect: arq delivers at least once, the unique key makes it once."""

    __tablename__ = "job_executions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    job_key: Mapped[str] = mapped_column(String(200), unique=True)
    function: Mapped[str] = mapped_column(String(100))
    status: Mapped[ExecutionStatus] = mapped_column(enum_type(ExecutionStatus, "job_status", length=20))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
