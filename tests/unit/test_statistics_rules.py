"""The statistics' pure rules (``bidding.statistics.rules``): periods of China days, the China-time
day and month of a moment, the discount to the estimate, the refund delay buckets, the CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from bidding.core.errors import InvalidInput
from bidding.statistics.rules import (
    MAX_DAYS,
    china_day,
    china_month,
    csv_bytes,
    delay_bucket,
    discount,
    mean_percent,
    parse_filters,
    parse_year,
    percent,
)
from bidding.tendering.rules.projects import Category

TODAY = date(2026, 12, 7)


def test_a_period_covers_its_china_days_from_midnight_to_midnight() -> None:
    period = parse_filters("2026-03-01", "2026-03-02", "", "", today=TODAY).period
    assert period.start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert period.days == [date(2026, 3, 1), date(2026, 3, 2)]
    assert period.covers(datetime(2026, 2, 28, 16, 0, tzinfo=UTC))  # 00:00 on the 1st in Beijing
    assert not period.covers(datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC))
    assert period.covers(datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC))
    assert not period.covers(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))


def test_defaults_are_the_last_90_days_to_today() -> None:
    period = parse_filters("", "", "", "", today=TODAY).period
    assert (period.first, period.last, len(period.days)) == (date(2026, 9, 9), TODAY, 90)
    assert parse_filters("", "2026-01-31", "", "", today=TODAY).period.first == date(2025, 11, 3)


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [
        ("2026-03-02", "2026-03-01", "is after `to`"),
        ("2026-02-30", "", "YYYY-MM-DD"),
        ("20260101", "", "YYYY-MM-DD"),
        ("", "2026-12-08", "after today"),
        ("2024-12-06", "2026-12-07", f"at most {MAX_DAYS}"),
    ],
)
def test_bad_periods_are_refused_naming_the_problem(first: str, last: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_filters(first, last, "", "", today=TODAY)
    assert words in refused.value.text("en")
    assert refused.value.text("zh") != refused.value.text("en")


def test_the_longest_period_is_allowed() -> None:
    assert len(parse_filters("2024-12-07", "2026-12-07", "", "", today=TODAY).period.days) == MAX_DAYS


def test_category_and_agency() -> None:
    agency = uuid.uuid4()
    filters = parse_filters("", "", "goods", str(agency), today=TODAY)
    assert (filters.category, filters.agency) == (Category.GOODS, agency)
    with pytest.raises(InvalidInput, match="unknown category"):
        parse_filters("", "", "weapons", "", today=TODAY)
    with pytest.raises(InvalidInput, match="organisation id"):
        parse_filters("", "", "", "agency-1", today=TODAY)


def test_years() -> None:
    year = parse_year(2026, this_year=2026)
    assert (year.first, year.last) == (date(2026, 1, 1), date(2026, 12, 31))
    assert year.start == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    for bad in (1999, 2027):
        with pytest.raises(InvalidInput, match=str(bad)):
            parse_year(bad, this_year=2026)


def test_china_day_and_month_buckets() -> None:
    assert china_day(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)
    assert china_day(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == date(2026, 3, 2)
    assert china_month(datetime(2026, 1, 31, 15, 59, tzinfo=UTC)) == "2026-01"
    assert china_month(datetime(2026, 1, 31, 16, 0, tzinfo=UTC)) == "2026-02"


def test_discount_is_exact_and_rounded_once() -> None:
    assert discount(50_000_000_00, 46_000_000_00) == Fraction(2, 25)
    assert percent(discount(50_000_000_00, 46_000_000_00)) == "8.00"
    assert percent(discount(1_000_00, 1_100_00)) == "-10.00"  # above the estimate
    # half to even: 0.125 % → 0.12, 0.375 % → 0.38; the mean is exact, rounded once
    assert percent(Fraction(1, 800)) == "0.12"
    assert percent(Fraction(3, 800)) == "0.38"
    assert mean_percent([discount(3, 2), discount(3, 2), discount(3, 3)]) == "22.22"  # (1/3 + 1/3 + 0) / 3
    assert mean_percent([]) is None
    with pytest.raises(ValueError):
        discount(0, 1)


def test_delay_buckets() -> None:
    due = date(2026, 3, 10)
    assert delay_bucket(due, date(2026, 3, 8)) == "on_time"
    assert delay_bucket(due, due) == "on_time"
    assert delay_bucket(due, date(2026, 3, 11)) == "1"
    assert delay_bucket(due, date(2026, 3, 13)) == "2-3"
    assert delay_bucket(due, date(2026, 3, 17)) == "4-7"
    assert delay_bucket(due, date(2026, 3, 25)) == "8-15"
    assert delay_bucket(due, date(2026, 3, 26)) == "16+"


def test_csv_is_utf8_with_bom_crlf_and_defuses_formulas() -> None:
    data = csv_bytes(["类别", "金额（分）"], [["工程", 100], ["=1+1", -5], ['a,"b"', None], ["-3.5", 0], ["@x", 1]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines(keepends=True)[0] == "类别,金额（分）\r\n"
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["类别", "金额（分）"],
        ["工程", "100"],
        ["'=1+1", "-5"],
        ['a,"b"', ""],
        ["-3.5", "0"],
        ["'@x", "1"],
    ]
