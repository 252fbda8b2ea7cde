"""One working-day calendar for every capability: deposits (政采条例 33), awards (87号令 68–71,
条例 61) and, next, time-limit supervision (RULES d). Pure: no database, no clock (the day is passed in).

China's working days are set each year by the State Council (国务院办公厅 holiday notice): Monday to
Friday, less the public holidays, plus the weekend days worked instead (调休). The deployment lists
both; with neither, weekends alone are days off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["WorkingCalendar", "add_working_days", "working_days_before"]


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Working days: Monday to Friday, less ``holidays``, plus the weekend days worked instead
    (调休, ``working_weekends``). China's calendar is set each year by the State Council: the
    deployment lists it (``BIDDING_DEPOSIT_HOLIDAYS``, ``BIDDING_DEPOSIT_WORKING_WEEKENDS``); with
    neither, weekends alone are days off."""

    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()

    def __call__(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays


def add_working_days(start: date, days: int, is_working_day: Callable[[date], bool]) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted, 87号令 85: the first
    day is not counted); ``days == 0`` gives ``start``.

    >>> add_working_days(date(2024, 5, 10), 5, WorkingCalendar())  # Friday → the next Friday
    datetime.date(2024, 5, 17)
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_before(end: date, days: int, is_working_day: Callable[[date], bool]) -> date:
    """The ``days``-th working day before ``end`` (``end`` itself not counted): the mirror of
    :func:`add_working_days`.

    >>> working_days_before(date(2024, 5, 17), 5, WorkingCalendar())  # Friday → the Friday before
    datetime.date(2024, 5, 10)
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted = end, 0
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
