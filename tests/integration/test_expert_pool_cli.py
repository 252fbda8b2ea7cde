"""`bidding experts import FILE` and `bidding experts list` (``bidding/experts/pool_cli.py``) on SQLite
and PostgreSQL: the command objects run as the operator would run them, against a fresh database of
each profile (the embedded default migrates it; PostgreSQL is migrated first)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bidding.core.db.engine import create_engine
from bidding.core.db.migrate import upgrade
from bidding.experts.pool_cli import COMMANDS, import_experts, list_experts
from tests.conftest import REDIS_URL, SECRET_KEY, create_pg_database, drop_pg_database
from tests.fixtures.expert_pool import csv_file, import_row, xlsx_file


@pytest.fixture(params=["sqlite", "postgresql"])
async def env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    base = {"BIDDING_DATA_DIR": str(tmp_path / "var"), "BIDDING_LOG_FORMAT": "text"}
    if request.param == "sqlite":
        yield base
        return
    request.getfixturevalue("services_up")
    url = await create_pg_database()
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    try:
        yield base | {"BIDDING_DATABASE_URL": url, "BIDDING_SECRET_KEY": SECRET_KEY, "BIDDING_REDIS_URL": REDIS_URL}
    finally:
        await drop_pg_database(url)


def test_the_command_objects() -> None:
    assert [c.name for c in COMMANDS] == ["import", "list"]


def test_import_twice_then_list_and_a_refused_file(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    rows = [import_row(), import_row(specialties="B0201")]
    good = tmp_path / "experts.csv"
    good.write_bytes(csv_file(rows))

    first = runner.invoke(import_experts, [str(good)], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert (summary["rows"], summary["registered"], summary["unchanged"]) == (2, 2, 0)
    second = runner.invoke(import_experts, [str(good), "--format", "csv"], env=env, catch_exceptions=False)
    assert second.exit_code == 0 and json.loads(second.stdout)["unchanged"] == 2

    listed = runner.invoke(list_experts, ["--specialty", "B02"], env=env, catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [line["registry_no"] for line in lines] == [rows[1]["registry_no"]]
    assert lines[0]["specialties"] == ["B0201"] and lines[0]["status"] == "active"

    bad = tmp_path / "bad.xlsx"
    row = import_row(years_experience=6)
    bad.write_bytes(xlsx_file([[row.get(f, "") for f in row]], header=list(row)))
    refused = runner.invoke(import_experts, [str(bad)], env=env)
    assert refused.exit_code == 1
    assert "pool_import_refused" in refused.stderr and "row 2 years_experience" in refused.stderr

    unknown = runner.invoke(list_experts, ["--specialty", "Z9"], env=env)
    assert unknown.exit_code == 1 and "expert_invalid" in unknown.stderr
