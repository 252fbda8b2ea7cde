"""What a change of the room leaves to do once its transaction has committed.

A command (or the clock) returns an :class:`AfterCommit` with its answer; the room commits, then
announces the new events, and starts the jobs and the record's signature on tasks of their own
(:meth:`opening_room.room.OpeningRoom.after`). Nothing of it runs if the transaction does not commit,
and nothing of it is hidden in the database session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from bidding.core.jobs.registry import JobSpec
from opening_room.events import Progress

__all__ = ["NOTHING", "AfterCommit", "Job", "RecordToSign"]


@dataclass(frozen=True)
class Job:
    """A worker job to enqueue (a spec listed in ``bidding.catalogue``), with an id that makes it once."""

    spec: JobSpec
    args: tuple[str, ...]
    job_id: str


@dataclass(frozen=True)
class RecordToSign:
    """The opening record whose content was fixed: its PDF is rendered and signed by the platform
    outside the session's lock, then announced with ``record.ready``."""

    lot_id: uuid.UUID
    record: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class AfterCommit:
    #: The lot and its newest event number, to announce to every process's hub (None: no new event).
    publish: tuple[uuid.UUID, int] | None = None
    jobs: tuple[Job, ...] = ()
    records: tuple[RecordToSign, ...] = ()
    #: The events committed and the state they leave: this process's hub has them without reading them back.
    progress: Progress | None = None

    def __or__(self, other: AfterCommit) -> AfterCommit:
        """Both; of two announcements, the later number (it covers the earlier)."""
        announced = [p for p in (self.publish, other.publish) if p is not None]
        return AfterCommit(
            publish=max(announced, key=lambda p: p[1]) if announced else None,
            jobs=self.jobs + other.jobs,
            records=self.records + other.records,
            progress=_merged(self.progress, other.progress),
        )


def _merged(one: Progress | None, other: Progress | None) -> Progress | None:
    if one is None or other is None:
        return one or other
    return one | other


NOTHING: Final = AfterCommit()
