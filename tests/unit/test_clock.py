from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bidding.core.clock import OffsetFileClock, SystemClock, clock_for
from bidding.core.settings import Settings, SettingsError


def test_offset_file_moves_the_clock_and_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "offset"
    clock = OffsetFileClock(path)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)  # no file: no offset
    path.write_text("86400")
    assert clock.now() - datetime.now(UTC) > timedelta(hours=23)
    path.write_text("-3600")
    os.utime(path, ns=(1, 1))  # a new mtime even on a coarse-grained file system
    assert datetime.now(UTC) - clock.now() > timedelta(minutes=59)
    path.unlink()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_clock_for_settings(tmp_path: Path) -> None:
    assert isinstance(clock_for(None), SystemClock)
    assert isinstance(clock_for(tmp_path / "x"), OffsetFileClock)


def test_a_test_clock_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="CLOCK_OFFSET_FILE"):
        Settings.from_env(
            {
                "BIDDING_DATABASE_URL": "postgresql+asyncpg://u@db/x",
                "BIDDING_REDIS_URL": "redis://127.0.0.1:6379/0",
                "BIDDING_SECRET_KEY": "s" * 40,
                "BIDDING_CLOCK_OFFSET_FILE": str(tmp_path / "offset"),
            }
        )
