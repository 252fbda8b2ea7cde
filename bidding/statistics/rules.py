"""The statistics' pure rules (issue 25, ``docs/frontend-statistics.md``): the period and filters a
chart is asked for, the China-time day and month a moment falls on, the discount of a price to the
lot's estimate, the refund delay buckets, and the CSV a chart downloads as.

No database, HTTP or clock here: ``today`` and ``this_year`` are passed in (China time).

* A period is ``from`` … ``to``, both China calendar days, inclusive; it covers the instants
  [``from`` 00:00 +08:00, ``to`` + 1 day 00:00 +08:00). ``from`` after ``to``, a day that is not
  ``YYYY-MM-DD``, a ``to`` after today or a period longer than :data:`MAX_DAYS` are refused (400).
* Money is integer fen; a discount is an exact fraction of the estimate, shown as a percentage with
  two decimals rounded half to even (:func:`percent`).
* The CSV is RFC 4180 (CRLF line ends, quotes doubled) in UTF-8 with a byte order mark, so that
  Excel opens the Chinese names correctly; a text cell that starts like a formula (``=``, ``+``,
  ``-``, ``@``, tab, CR) is prefixed with ``'`` (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Final

from bidding.core.clock import CHINA_TIME, china_day
from bidding.core.errors import InvalidInput
from bidding.tendering.rules.projects import Category

__all__ = [
    "CHINA",
    "DEFAULT_DAYS",
    "DELAY_BUCKETS",
    "FIRST_YEAR",
    "MAX_DAYS",
    "Cell",
    "Filters",
    "Period",
    "china_day",
    "china_month",
    "csv_bytes",
    "delay_bucket",
    "discount",
    "mean_percent",
    "parse_filters",
    "parse_year",
    "percent",
    "year_period",
]

#: China Standard Time (the core's).
CHINA: Final = CHINA_TIME
#: The default period: the last 90 China days, today included.
DEFAULT_DAYS: Final = 90
#: The longest period a chart is computed over: two years of days (a bounded query and chart).
MAX_DAYS: Final = 731
#: The first year the public figures answer for.
FIRST_YEAR: Final = 2000
#: Refund delay buckets in days from the due day to the paid day (upper bounds inclusive; None: no bound).
DELAY_BUCKETS: Final[tuple[tuple[str, int | None], ...]] = (
    ("on_time", 0),
    ("1", 1),
    ("2-3", 3),
    ("4-7", 7),
    ("8-15", 15),
    ("16+", None),
)

Cell = str | int | None


def china_month(moment: datetime) -> str:
    """The month (``YYYY-MM``) of ``moment`` in China: 31 Dec 16:00 UTC is already January there.

    >>> china_month(datetime(2026, 12, 31, 16, 0, tzinfo=UTC))
    '2027-01'
    """
    return moment.astimezone(CHINA).strftime("%Y-%m")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """China days ``first`` … ``last`` inclusive."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The first instant (``first`` 00:00 China time), in UTC."""
        return _start_of(self.first)

    @property
    def end(self) -> datetime:
        """The instant after the period (``last`` + 1 day 00:00 China time), in UTC: excluded."""
        return _start_of(self.last + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Filters:
    """A period and, optionally, one project category and one agency (the project's 代理机构)."""

    period: Period
    category: Category | None = None
    agency: uuid.UUID | None = None


def _day(value: str, name: str) -> date:
    problem = InvalidInput(
        f"`{name}` must be a day as YYYY-MM-DD, not {value!r}", f"`{name}` 须为 YYYY-MM-DD 格式的日期，而非 {value!r}"
    )
    if len(value) != 10:  # fromisoformat also reads 20260101
        raise problem
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise problem from None


def parse_filters(
    first: str, last: str, category: str, agency: str, *, today: date, max_days: int = MAX_DAYS
) -> Filters:
    """The filters of the query parameters (empty: not given). Without ``to`` the period ends today;
    without ``from`` it is the :data:`DEFAULT_DAYS` days ending with ``to``.

    >>> parse_filters("2026-01-01", "2026-01-31", "", "", today=date(2026, 3, 1)).period.days[-1]
    datetime.date(2026, 1, 31)
    """
    end = _day(last, "to") if last else today
    start = _day(first, "from") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput(f"`from` ({start}) is after `to` ({end})", f"开始日期（{start}）晚于结束日期（{end}）")
    if end > today:
        raise InvalidInput(f"`to` ({end}) is after today ({today})", f"结束日期（{end}）晚于今天（{today}）")
    if (end - start).days + 1 > max_days:
        raise InvalidInput(
            f"the period is {(end - start).days + 1} days; at most {max_days} are allowed",
            f"统计期间为 {(end - start).days + 1} 天，最长 {max_days} 天",
        )
    chosen: Category | None = None
    if category:
        try:
            chosen = Category(category)
        except ValueError:
            known = ", ".join(c.value for c in Category)
            raise InvalidInput(
                f"unknown category {category!r} (one of {known})", f"未知的项目类别 {category!r}（可选：{known}）"
            ) from None
    org: uuid.UUID | None = None
    if agency:
        try:
            org = uuid.UUID(agency)
        except ValueError:
            raise InvalidInput(
                f"`agency` must be an organisation id, not {agency!r}", f"`agency` 须为机构编号，而非 {agency!r}"
            ) from None
    return Filters(Period(start, end), chosen, org)


def parse_year(year: int, *, this_year: int) -> Period:
    """The China calendar year ``year`` as a period, if it is between :data:`FIRST_YEAR` and this year."""
    if not FIRST_YEAR <= year <= this_year:
        raise InvalidInput(
            f"the year must be {FIRST_YEAR} to {this_year}, not {year}",
            f"年份须为 {FIRST_YEAR} 至 {this_year}，而非 {year}",
        )
    return year_period(year)


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def discount(estimate_fen: int, price_fen: int) -> Fraction:
    """The discount of ``price_fen`` to the lot's estimate (下浮率): (estimate − price) / estimate,
    exact; negative for a price above the estimate.

    >>> discount(1_000_000, 920_000)
    Fraction(2, 25)
    """
    if estimate_fen <= 0:
        raise ValueError("an estimate is positive")
    return Fraction(estimate_fen - price_fen, estimate_fen)


def percent(value: Fraction) -> str:
    """A fraction as a percentage with two decimals, rounded half to even: 2/25 → ``"8.00"``."""
    exact = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def mean_percent(values: Sequence[Fraction]) -> str | None:
    """The unweighted mean of ``values`` as :func:`percent`, ``None`` for none (the average is
    computed exactly and rounded once)."""
    if not values:
        return None
    return percent(sum(values, Fraction(0)) / len(values))


def delay_bucket(due_on: date, paid_on: date) -> str:
    """The bucket of a refund paid ``paid_on`` that was due ``due_on`` (:data:`DELAY_BUCKETS`)."""
    late = (paid_on - due_on).days
    for name, bound in DELAY_BUCKETS:
        if bound is None or late <= bound:
            return name
    raise AssertionError("the last bucket has no bound")


_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return "'" + value if value.startswith(_FORMULA_STARTS) and not _is_number(value) else value


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.strip() == text and text[:1] in "+-0123456789"


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The CSV of a chart's table: the column names, then the rows; UTF-8 with BOM, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")
