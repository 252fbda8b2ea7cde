"""The edge types and their helpers (bidding.core.fields, bidding.core.http.request): worked examples."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from bidding.core.fields import (
    LINE_PATTERN,
    NAME_PATTERN,
    SAFE_INT_MAX,
    TEXT_PATTERN,
    Body,
    Fen,
    Moment,
    Name,
    calendar_problem,
    text_problem,
)
from bidding.core.http.request import json_depth
from bidding.tendering.rules.forms import FormError, check_values


@pytest.mark.parametrize(
    ("value", "name", "line", "text"),
    [
        ("城南污水处理厂", True, True, True),
        ("", True, True, True),
        ("a\n", False, False, True),  # Python's `$` would match before a final newline: not here
        ("a\nb", False, False, True),
        ("a\tb\r\n", False, False, True),
        ("a\x00", False, False, False),
        ("a\x1b[31m", False, False, False),
        ("a\x7f", False, False, False),
        ("a\x85", False, False, False),  # C1 (NEL)
        ("invoice\u202efdp.exe", False, True, True),  # right-to-left override: names only
        ("a\u2066b\u2069", False, True, True),
        ("a\u200fb", False, True, True),
        ("ÿ€中\u2028", True, True, True),  # not control characters
    ],
)
def test_patterns(value: str, name: bool, line: bool, text: bool) -> None:
    assert bool(re.search(NAME_PATTERN, value)) is name
    assert bool(re.search(LINE_PATTERN, value)) is line
    assert bool(re.search(TEXT_PATTERN, value)) is text


def test_patterns_hold_no_raw_control_character() -> None:
    # They are shown in the OpenAPI document: escapes, not the characters themselves.
    for pattern in (NAME_PATTERN, LINE_PATTERN, TEXT_PATTERN):
        assert pattern.isascii() and pattern.isprintable()


def test_text_problem() -> None:
    assert text_problem("招标文件.pdf", max_length=200) is None
    assert text_problem("", max_length=200) == "is empty"
    assert text_problem("x" * 201, max_length=200) == "is longer than 200 characters"
    assert text_problem("\x00.pdf", max_length=200) == "contains control characters or bidirectional formatting"
    assert text_problem("a\u202eb", max_length=10, rule="line") is None
    assert text_problem("a\nb", max_length=10, rule="line") == "contains control characters"
    assert text_problem("a\nb", max_length=10, rule="text") is None


def test_calendar_problem() -> None:
    assert calendar_problem(datetime(2026, 11, 23, 9, tzinfo=timezone(timedelta(hours=8)))) is None
    assert calendar_problem(datetime(2026, 11, 23, 9)) is not None  # naive
    assert calendar_problem(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-8)))) is not None
    assert calendar_problem(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8)))) is not None
    assert calendar_problem(datetime(2100, 1, 1, tzinfo=UTC)) is not None  # the end is excluded


class Sample(Body, frozen=True):
    name: Name
    price: Fen
    when: Moment | None = None
    moved: dict[str, Moment] = msgspec.field(default_factory=dict)


def refused(value: Any) -> str:
    with pytest.raises(msgspec.ValidationError) as err:
        msgspec.convert(value, Sample, strict=False)
    return str(err.value)


def test_body_checks() -> None:
    ok = msgspec.convert({"name": "一标段", "price": SAFE_INT_MAX, "when": "2027-01-01T09:00:00+08:00"}, Sample)
    assert ok.price == SAFE_INT_MAX
    assert "price" in refused({"name": "a", "price": SAFE_INT_MAX + 1})
    assert "price" in refused({"name": "a", "price": -1})
    assert "name" in refused({"name": "a\x00", "price": 1})
    assert "name" in refused({"name": "", "price": 1})
    assert "unknown field `extra`" in refused({"name": "a", "price": 1, "extra": 1})
    assert "timezone" in refused({"name": "a", "price": 1, "when": "2027-01-01T09:00:00"})
    assert refused({"name": "a", "price": 1, "when": "9999-12-31T23:00:00-08:00"}).startswith("`when`: must lie")
    assert refused({"name": "a", "price": 1, "moved": {"01": "1999-12-31T00:00:00+00:00"}}).startswith("`moved`")


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ("x", 0), ([], 1), ({}, 1), ([[[]]], 3), ({"a": [{"b": 1}]}, 3), ([1, [2, [3]], {"k": {}}], 3)],
)
def test_json_depth(value: Any, depth: int) -> None:
    assert json_depth(value, 64) == depth


def test_json_depth_stops_counting_past_the_limit() -> None:
    deep: list[Any] = []
    for _ in range(10_000):  # deeper than Python's recursion limit: counted without recursion
        deep = [deep]
    assert json_depth(deep, 64) == 65


def test_form_values_are_bounded() -> None:
    fields = [{"key": "price_fen", "type": "money"}, {"key": "note", "type": "text"}]
    assert check_values(fields, {"price_fen": SAFE_INT_MAX, "note": "工期\n365 天"})["price_fen"] == SAFE_INT_MAX
    assert check_values(fields, {"price_fen": 0, "note": ""})["note"] == ""
    with pytest.raises(FormError):
        check_values(fields, {"price_fen": 2**63, "note": ""})
    with pytest.raises(FormError):
        check_values(fields, {"price_fen": 1, "note": "a\x00"})
