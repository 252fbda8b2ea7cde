"""The platform's notion of "now", injectable so deadlines can be tested without sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

#: China Standard Time, UTC+8 (no daylight saving since 1991): the time of deadlines, bank dates,
#: refund days and the experts' calendar as people and the law read them; stored times stay UTC.
CHINA_TIME: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def china_day(moment: datetime) -> date:
    """The calendar day of an aware time in China (``2026-12-06T17:00Z`` → 2026-12-07)."""
    return moment.astimezone(CHINA_TIME).date()


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class OffsetFileClock:
    """System time moved by the number of seconds written in a file (testing only).

    Lets a browser test move the clock of a running server process (and its worker) without
    restarting it: the test writes ``86400`` into the file and every process is a day ahead. The
    file is re-read only when its modification time changes. A missing file means no offset.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: int | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        try:
            stamp = self._path.stat().st_mtime_ns
        except FileNotFoundError:
            self._stamp, self._offset = None, timedelta(0)
        else:
            if stamp != self._stamp:
                text = self._path.read_text().strip()
                self._offset = timedelta(seconds=float(text or 0))
                self._stamp = stamp
        return datetime.now(UTC) + self._offset


def clock_for(offset_file: Path | None) -> Clock:
    """The clock a process runs on: the system clock, or an offset file's (``BIDDING_CLOCK_OFFSET_FILE``)."""
    return SystemClock() if offset_file is None else OffsetFileClock(offset_file)
