"""The award watch runs its steps in a project's order at one reading of the clock, and a step that
fails is logged and counted -1 without holding up the steps after it (their clocks are statutory)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bidding.awards import jobs
from bidding.core.clock import ManualClock


async def test_a_failing_step_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2026, 3, 6, 2, tzinfo=UTC)
    seen: list[tuple[str, datetime]] = []

    def step(name: str, result: int | None) -> Any:
        async def run(platform: Any, now: datetime) -> int:
            seen.append((name, now))
            if result is None:
                raise RuntimeError("storage down")
            return result

        return run

    monkeypatch.setattr(jobs, "STEPS", (("a", step("a", 2)), ("b", step("b", None)), ("c", step("c", 1))))
    done = await jobs.watch(SimpleNamespace(clock=ManualClock(moment)))  # type: ignore[arg-type]
    assert done == {"a": 2, "b": -1, "c": 1}
    assert seen == [("a", moment), ("b", moment), ("c", moment)]


def test_the_steps_follow_a_projects_life() -> None:
    assert [name for name, _ in jobs.STEPS] == [
        "opened",
        "failed_empty",
        "published",
        "objections_overdue",
        "publicity_closed",
        "deemed",
        "closed",
    ]
