"""The `bidding` command on a fresh data directory (embedded default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(args: list[str], tmp: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIDDING_")}
    env |= {"BIDDING_DATA_DIR": str(tmp / "var"), "BIDDING_FRONTEND_DIR": str(tmp / "nofrontend"), **extra}
    return subprocess.run(
        [sys.executable, "-m", "bidding", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_migrate_demo_and_doctor_on_a_fresh_machine(tmp_path: Path) -> None:
    check = run(["migrate", "--check"], tmp_path)
    assert check.returncode == 1 and "schema at nothing" in check.stdout
    assert run(["migrate"], tmp_path).returncode == 0
    assert run(["migrate", "--check"], tmp_path).returncode == 0

    first = run(["demo"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo data loaded: 9 organisations, 8 projects" in first.stderr
    assert "operator token: " in first.stderr
    again = run(["demo"], tmp_path)
    assert again.returncode == 0 and "already present" in again.stderr

    doctor = run(["doctor"], tmp_path)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "✓ database: sqlite" in doctor.stdout and "✓ storage: local" in doctor.stdout
    assert "✗ frontend" in doctor.stdout and "make frontend" in doctor.stdout
    # The embedded Redis was stopped with the commands that started it.
    assert not (tmp_path / "var" / "redis" / "redis.sock").exists()


def test_doctor_names_what_is_unreachable(tmp_path: Path) -> None:
    result = run(
        ["doctor"],
        tmp_path,
        BIDDING_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        BIDDING_REDIS_URL="redis://127.0.0.1:1/0",
        BIDDING_SECRET_KEY="k" * 40,
    )
    assert result.returncode == 1
    assert "✗ database" in result.stdout and "✗ redis" in result.stdout and "fix:" in result.stdout


def test_settings_markdown_lists_every_variable(tmp_path: Path) -> None:
    out = run(["settings", "--markdown"], tmp_path).stdout
    assert "`BIDDING_DATABASE_URL`" in out and "`BIDDING_STORAGE_PART_SIZE_MIB`" in out


def test_serve_refuses_an_unmigrated_production_database(tmp_path: Path, fresh_pg_url: str) -> None:
    from tests.conftest import REDIS_URL, SECRET_KEY

    result = run(
        ["serve", "--port", "18999"],
        tmp_path,
        BIDDING_DATABASE_URL=fresh_pg_url,
        BIDDING_REDIS_URL=REDIS_URL,
        BIDDING_SECRET_KEY=SECRET_KEY,
    )
    assert result.returncode == 1
    assert "run `bidding migrate`" in result.stderr and "Traceback" not in result.stderr
