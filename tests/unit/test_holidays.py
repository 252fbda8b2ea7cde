"""The State Council's holiday schedules as data (issue 24; RULES d): the bundled 2025 and 2026
notices, checked against their own day counts and weekdays, and merged with a deployment's lists."""

from __future__ import annotations

import copy
import doctest
import json
from datetime import date, timedelta
from importlib.resources import files
from typing import Any

import pytest

from bidding.core import holidays
from bidding.core.calendar import add_working_days
from bidding.core.holidays import (
    DATA_FILE,
    HolidayDataError,
    bundled_schedules,
    china_calendar,
    parse_schedules,
    uncovered_years,
)


def bundled_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(files("bidding.core").joinpath(DATA_FILE).read_text(encoding="utf-8"))
    return doc


def test_2025_and_2026_are_bundled_with_their_notice() -> None:
    schedules = bundled_schedules()
    assert {2025, 2026} <= set(schedules)
    assert schedules[2025].number == "国办发明电〔2024〕12号"
    assert schedules[2025].issued == date(2024, 11, 12)
    assert schedules[2026].issued == date(2025, 11, 4)
    for year, schedule in schedules.items():
        assert schedule.title == f"国务院办公厅关于{year}年部分节假日安排的通知"
        assert schedule.sources


def test_2025_as_the_notice_gives_it() -> None:
    s = bundled_schedules()[2025]
    assert [(f.zh, f.first, f.last) for f in s.festivals] == [
        ("元旦", date(2025, 1, 1), date(2025, 1, 1)),
        ("春节", date(2025, 1, 28), date(2025, 2, 4)),
        ("清明节", date(2025, 4, 4), date(2025, 4, 6)),
        ("劳动节", date(2025, 5, 1), date(2025, 5, 5)),
        ("端午节", date(2025, 5, 31), date(2025, 6, 2)),
        ("国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8)),
    ]
    assert s.working_weekends == {
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    }
    assert len(s.holidays) == 1 + 8 + 3 + 5 + 3 + 8


def test_2026_as_the_notice_gives_it() -> None:
    s = bundled_schedules()[2026]
    assert [(f.zh, f.first, f.last) for f in s.festivals] == [
        ("元旦", date(2026, 1, 1), date(2026, 1, 3)),
        ("春节", date(2026, 2, 15), date(2026, 2, 23)),
        ("清明节", date(2026, 4, 4), date(2026, 4, 6)),
        ("劳动节", date(2026, 5, 1), date(2026, 5, 5)),
        ("端午节", date(2026, 6, 19), date(2026, 6, 21)),
        ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
    ]
    # The notice's weekdays: 1月4日（周日）、2月14日（周六）、2月28日（周六）、5月9日（周六）、9月20日（周日）、10月10日（周六）.
    assert {d: d.isoweekday() for d in s.working_weekends} == {
        date(2026, 1, 4): 7,
        date(2026, 2, 14): 6,
        date(2026, 2, 28): 6,
        date(2026, 5, 9): 6,
        date(2026, 9, 20): 7,
        date(2026, 10, 10): 6,
    }


def test_the_calendar_counts_working_days_of_national_day_2025() -> None:
    cal = china_calendar()
    week = [date(2025, 9, 27) + timedelta(days=n) for n in range(16)]
    working = [d for d in week if cal(d)]
    assert working == [
        date(2025, 9, 28),  # Sunday worked
        date(2025, 9, 29),
        date(2025, 9, 30),
        date(2025, 10, 9),
        date(2025, 10, 10),
        date(2025, 10, 11),  # Saturday worked
    ]
    assert add_working_days(date(2025, 9, 30), 3, cal) == date(2025, 10, 11)


def test_working_days_in_each_year() -> None:
    cal = china_calendar()
    # 2025: 261 weekdays − 18 holiday weekdays + 5 weekends worked; 2026: 261 − 19 + 6.
    for year, expected in ((2025, 248), (2026, 248)):
        days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
        assert sum(cal(d) for d in days) == expected


def test_deployment_lists_win() -> None:
    local_holiday, worked_holiday = date(2026, 3, 3), date(2026, 10, 7)
    cal = china_calendar([local_holiday, date(2026, 10, 10)], [worked_holiday])
    assert not cal(local_holiday)
    assert cal(worked_holiday)
    assert not cal(date(2026, 10, 10))  # the bundled 调休 Saturday, cancelled by the deployment
    assert cal(date(2026, 9, 20))  # the other one stays
    with pytest.raises(HolidayDataError, match="both"):
        china_calendar([local_holiday], [local_holiday])


def test_no_data_means_weekends_alone() -> None:
    cal = china_calendar(schedules={})
    assert cal(date(2025, 10, 8)) and not cal(date(2025, 10, 11))


def test_uncovered_years() -> None:
    assert uncovered_years(date(2025, 3, 1), date(2026, 12, 31)) == ()
    assert uncovered_years(date(2026, 12, 1), date(2028, 1, 10)) == (2027, 2028)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda doc: doc["years"]["2026"]["festivals"][1].update(days=8), "notice says 8"),
        (lambda doc: doc["years"]["2026"]["working_weekends"].append("2026-03-03"), "is a weekday"),
        (lambda doc: doc["years"]["2026"]["working_weekends"].append("2026-02-15"), "both a holiday"),
        (lambda doc: doc["years"]["2026"]["working_weekends"].append("2025-10-11"), "not in 2026"),
        (lambda doc: doc["years"]["2026"]["festivals"][0].update(first="2026-13-01"), "not a YYYY-MM-DD"),
        (lambda doc: doc["years"]["2026"].pop("festivals"), "missing a field"),
    ],
)
def test_bad_data_is_refused(edit: Any, message: str) -> None:
    doc = copy.deepcopy(bundled_doc())
    edit(doc)
    with pytest.raises(HolidayDataError, match=message):
        parse_schedules(doc)


def test_docstring_examples() -> None:
    result = doctest.testmod(holidays)
    assert result.attempted >= 3 and result.failed == 0
