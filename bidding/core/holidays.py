"""China's working-day calendar as data: the State Council's yearly holiday schedules (国务院办公厅关于
N年部分节假日安排的通知), loaded into a :class:`~bidding.core.calendar.WorkingCalendar` for the
working-day clocks of every capability: awards, deposit refunds, supervision (条例 61; 政采条例 31, 33,
52; 87号令 85; RULES a, c, d).

Each year the State Council's General Office fixes the days off of the seven festivals (放假调休) and
the weekend days worked instead (调休上班): Monday to Friday are working days, less those days off,
plus the weekend days worked. The schedules live in ``data/holidays-cn.json`` beside this module, one
entry per year with its notice (title, number, date, where it was read), each festival as a range
with the notice's own day count ("共8天", checked on loading), and the working weekends (each checked
to be a Saturday or a Sunday). A year without its notice in the file is counted with weekends alone:
:func:`uncovered_years` says which years of a period are in that case, so that a clock crossing them
can be flagged; nothing is ever guessed.

The deployment may add to or correct the data with its own lists (``BIDDING_DEPOSIT_HOLIDAYS``,
``BIDDING_DEPOSIT_WORKING_WEEKENDS``, passed in as tuples): :func:`china_calendar` merges them, the
deployment winning where the two disagree (a local 调休, a correction, a year not yet in the file).

Pure: no database, no clock; the file is read once. :func:`deployment_calendar` reads the two
lists from the settings object it is given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Final

from bidding.core.calendar import WorkingCalendar

if TYPE_CHECKING:
    from bidding.core.settings import Settings

__all__ = [
    "DATA_FILE",
    "Festival",
    "HolidayDataError",
    "YearSchedule",
    "bundled_schedules",
    "china_calendar",
    "deployment_calendar",
    "parse_schedules",
    "uncovered_years",
]

#: The bundled schedules, relative to this package.
DATA_FILE: Final = "data/holidays-cn.json"


class HolidayDataError(ValueError):
    """The holiday data (the bundled file or the deployment's lists) contradicts itself."""


@dataclass(frozen=True, slots=True)
class Festival:
    """One festival's days off as the notice gives them: ``first`` to ``last``, both included."""

    zh: str
    en: str
    first: date
    last: date

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """One year's schedule and the notice it comes from."""

    year: int
    #: The notice's title, e.g. 国务院办公厅关于2026年部分节假日安排的通知.
    title: str
    #: Its document number (国办发明电〔2024〕12号), ``None`` when the copies read did not show it.
    number: str | None
    #: The day the notice was issued.
    issued: date
    #: Where its text was read.
    sources: tuple[str, ...]
    festivals: tuple[Festival, ...]
    #: Saturdays and Sundays worked (调休上班).
    working_weekends: frozenset[date]

    @property
    def holidays(self) -> frozenset[date]:
        """Every day off of the year's festivals (weekend days among them included)."""
        return frozenset(day for festival in self.festivals for day in festival.days())


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise HolidayDataError(f"{where}: {value!r} is not a YYYY-MM-DD date") from exc


def _festival(row: Mapping[str, Any], where: str) -> Festival:
    festival = Festival(str(row["zh"]), str(row["en"]), _date(row["first"], where), _date(row["last"], where))
    count = (festival.last - festival.first).days + 1
    if count != row["days"]:
        raise HolidayDataError(f"{where} {festival.zh}: {count} days from first to last, the notice says {row['days']}")
    return festival


def _year(year: int, entry: Mapping[str, Any]) -> YearSchedule:
    where = f"holidays {year}"
    festivals = tuple(_festival(row, where) for row in entry["festivals"])
    working = frozenset(_date(value, where) for value in entry["working_weekends"])
    schedule = YearSchedule(
        year=year,
        title=str(entry["title"]),
        number=None if entry.get("number") is None else str(entry["number"]),
        issued=_date(entry["issued"], where),
        sources=tuple(str(source) for source in entry.get("sources", ())),
        festivals=festivals,
        working_weekends=working,
    )
    for day in sorted(working):
        if day.weekday() < 5:
            raise HolidayDataError(f"{where}: working weekend {day} is a weekday")
        if day.year != year:
            raise HolidayDataError(f"{where}: working weekend {day} is not in {year}")
    both = sorted(working & schedule.holidays)
    if both:
        raise HolidayDataError(f"{where}: {both} both a holiday and a working day")
    if any(f.first.year != year for f in festivals):
        raise HolidayDataError(f"{where}: a festival starts outside {year}")
    return schedule


def parse_schedules(doc: Mapping[str, Any]) -> dict[int, YearSchedule]:
    """The schedules of a document shaped like ``data/holidays-cn.json``, checked: each festival's
    range matches the notice's day count, working weekends are Saturdays or Sundays of their year and
    never a holiday. :class:`HolidayDataError` otherwise."""
    try:
        return {int(year): _year(int(year), entry) for year, entry in doc["years"].items()}
    except (KeyError, TypeError) as exc:
        raise HolidayDataError(f"holiday data is missing a field: {exc}") from exc


@cache
def bundled_schedules() -> Mapping[int, YearSchedule]:
    """The schedules shipped with the platform (``data/holidays-cn.json``), read once."""
    text = files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_schedules(json.loads(text))


def china_calendar(
    holidays: Iterable[date] = (),
    working_weekends: Iterable[date] = (),
    *,
    schedules: Mapping[int, YearSchedule] | None = None,
) -> WorkingCalendar:
    """The working-day calendar: the bundled schedules (or ``schedules``) merged with the deployment's
    own lists — ``holidays`` and ``working_weekends`` as in the settings ``deposit_holidays`` and
    ``deposit_working_weekends``. Where the deployment and the data disagree, the deployment wins
    (a day it lists as a holiday is no longer worked, and the reverse); a day in both of the
    deployment's lists is refused (:class:`HolidayDataError`).

    >>> cal = china_calendar()
    >>> cal(date(2025, 10, 8)), cal(date(2025, 10, 11))  # National Day holiday; 调休 Saturday
    (False, True)
    >>> china_calendar(working_weekends=[date(2025, 10, 8)])(date(2025, 10, 8))
    True
    """
    extra_off, extra_on = frozenset(holidays), frozenset(working_weekends)
    clash = sorted(extra_off & extra_on)
    if clash:
        raise HolidayDataError(f"{clash} listed both as holidays and as working days")
    years = bundled_schedules() if schedules is None else schedules
    off = frozenset().union(*(s.holidays for s in years.values()))
    on = frozenset().union(*(s.working_weekends for s in years.values()))
    return WorkingCalendar(
        holidays=(off - extra_on) | extra_off,
        working_weekends=(on - extra_off) | extra_on,
    )


def uncovered_years(first: date, last: date, *, schedules: Mapping[int, YearSchedule] | None = None) -> tuple[int, ...]:
    """The years from ``first`` to ``last`` whose schedule is not in the data: a working-day clock
    crossing them is counted with weekends alone (and the deployment's lists), and says so.

    >>> uncovered_years(date(2026, 12, 20), date(2027, 1, 10))
    (2027,)
    """
    years = bundled_schedules() if schedules is None else schedules
    return tuple(year for year in range(first.year, last.year + 1) if year not in years)


def deployment_calendar(settings: Settings) -> WorkingCalendar:
    """The deployment's working days: the bundled schedules merged with its own lists
    (``BIDDING_DEPOSIT_HOLIDAYS``, ``BIDDING_DEPOSIT_WORKING_WEEKENDS``) — the one calendar of every
    working-day clock on the platform."""
    return china_calendar(settings.deposit_holidays, settings.deposit_working_weekends)
