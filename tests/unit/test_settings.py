from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bidding.core.settings import Settings, SettingsError

GOOD_SECRET = "s" * 40


def test_defaults_are_the_embedded_default() -> None:
    s = Settings.from_env({})
    assert s.embedded_redis and not s.is_production
    assert s.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert s.effective_database_url.endswith("/var/bidding.db")
    assert s.effective_storage_url.startswith("file:") and s.effective_storage_url.endswith("/var/objects")
    assert s.run_worker_in_process and s.should_auto_migrate
    assert s.effective_base_url == "http://127.0.0.1:8000"


def test_values_are_parsed_and_typed() -> None:
    s = Settings.from_env(
        {
            "BIDDING_PORT": "9001",
            "BIDDING_JOB_POLL_DELAY": "0.2",
            "BIDDING_WORKER_IN_PROCESS": "no",
            "BIDDING_DATABASE_URL": "postgresql+asyncpg://u@db.example:5432/bidding",
            "BIDDING_REDIS_URL": "redis://redis:6379/0",
            "BIDDING_SECRET_KEY": GOOD_SECRET,
            "BIDDING_PUBLIC_BASE_URL": "https://bid.example.cn/",
        }
    )
    assert s.port == 9001 and s.job_poll_delay == 0.2 and s.worker_in_process is False
    assert s.is_production and not s.should_auto_migrate and not s.run_worker_in_process
    assert s.public_base_url == "https://bid.example.cn"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("BIDDING_PORT", "eighty", "expected a whole number"),
        ("BIDDING_PORT", "70000", "from 1 to 65535"),
        ("BIDDING_WORKER_IN_PROCESS", "maybe", "expected true/false"),
        ("BIDDING_DATABASE_URL", "mysql://x/y", "sqlite+aiosqlite"),
        ("BIDDING_DATABASE_URL", "postgresql+asyncpg:///nohost", "names no host"),
        ("BIDDING_REDIS_URL", "http://redis", "redis://"),
        ("BIDDING_STORAGE_URL", "ftp://x", "file:, s3://"),
        ("BIDDING_LOG_LEVEL", "loud", "expected one of"),
        ("BIDDING_SECRET_KEY", "short", "at least 32"),
        ("BIDDING_PUBLIC_BASE_URL", "bid.example.cn", "absolute http(s) URL"),
        ("BIDDING_PORTT", "1", "unknown setting"),
    ],
)
def test_bad_values_name_the_variable_and_the_problem(name: str, value: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    assert any(p.startswith(name) and fragment in p for p in info.value.problems), info.value.problems


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"BIDDING_PORT": "x", "BIDDING_LOG_FORMAT": "xml"})
    assert len(info.value.problems) == 2


def test_production_requires_a_secret_and_external_redis() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"BIDDING_DATABASE_URL": "postgresql+asyncpg://u@h/db"})
    text = str(info.value)
    assert "BIDDING_SECRET_KEY" in text and "BIDDING_REDIS_URL" in text


def test_several_app_processes_need_postgresql() -> None:
    # SQLite has no row locks: the opening room's per-lot lock would hold in one process only.
    with pytest.raises(SettingsError, match="need PostgreSQL"):
        Settings.from_env({"BIDDING_REDIS_URL": "redis://127.0.0.1:6379/0", "BIDDING_WEB_WORKERS": "2"})
    production = {
        "BIDDING_DATABASE_URL": "postgresql+asyncpg://u@h/db",
        "BIDDING_REDIS_URL": "redis://127.0.0.1:6379/0",
        "BIDDING_SECRET_KEY": "k" * 40,
        "BIDDING_WEB_WORKERS": "2",
    }
    assert Settings.from_env(production).web_workers == 2


def test_embedded_secrets_are_generated_once(tmp_path: Path) -> None:
    s = Settings.from_env({"BIDDING_DATA_DIR": str(tmp_path)})
    first = s.resolved_secret("admin_token")
    assert len(first) >= 32 and s.resolved_secret("admin_token") == first
    assert (tmp_path / "secrets" / "admin_token").stat().st_mode & 0o077 == 0


def test_readme_documents_every_setting(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    assert Settings.markdown_table() in readme, "README settings table is stale: paste `bidding settings --markdown`"


def test_bad_setting_stops_startup_with_a_clear_message(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BIDDING_PORT": "not-a-port", "BIDDING_DATA_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bidding", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "BIDDING_PORT: expected a whole number, got 'not-a-port'" in proc.stderr
    assert "Traceback" not in proc.stderr
