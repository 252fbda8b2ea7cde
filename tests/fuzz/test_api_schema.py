"""Schemathesis over the published OpenAPI document, with all its checks, on both profiles.

A fresh app (its own data directory, and on the production profile its own PostgreSQL database)
serves on a real port; `st run` fuzzes every operation anonymously and with the bearer tokens of a
bidder, an agent and the operator (each caller on one profile, :data:`CALLERS`), with a fixed seed
and example count so that the run is bounded and repeatable. Any 5xx, any status, media type, header or body the document does not describe,
any schema-violating request accepted or schema-valid one refused (beyond the per-operation
allowances of ``schemathesis.toml``, each with its reason) fails the test with schemathesis'
report. `docs/operations.md` says how to run it with more examples.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from bidding.app import create_app
from bidding.core.settings import Settings
from tests.asgi import lifespan
from tests.conftest import create_pg_database, drop_pg_database
from tests.fixtures.parties import logged_in

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ST = Path(sys.executable).with_name("st")
#: Examples per operation and phase, and the seed: `FUZZ_EXAMPLES=200 pytest tests/fuzz` digs deeper.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("FUZZ_SEED", "20261206"))


@pytest.fixture
async def target(settings: Settings, profile: str) -> AsyncIterator[str]:
    """A fresh app on a real port: fuzzing writes junk the other tests must never see."""
    data_dir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    changes: dict[str, object] = {"data_dir": data_dir}
    pg_url = None
    if profile == "production":
        pg_url = await create_pg_database()
        changes["database_url"] = pg_url
        changes["queue_prefix"] = f"fuzz-{data_dir.name}"  # its own jobs, not the session app's
    app = create_app(dataclasses.replace(settings, **changes))  # type: ignore[arg-type]
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    try:
        async with lifespan(app):
            task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.02)
            port = server.servers[0].sockets[0].getsockname()[1]
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                server.should_exit = True
                await task
    finally:
        if pg_url:
            await drop_pg_database(pg_url)


#: Schemathesis' phases. The coverage phase (every parameter's boundary values, deterministic) is
#: the slowest, and for the public it finds a guard's 401 on most operations before any parameter is
#: read; the public operations get it in the other callers' runs, which reach them too.
PHASES: dict[str, str] = {"anonymous": "examples,fuzzing,stateful"}
ALL_PHASES = "examples,coverage,fuzzing,stateful"


async def run_schemathesis(
    base: str, headers: dict[str, str], report: Path, *, phases: str = ALL_PHASES
) -> tuple[int, str]:
    report.mkdir(parents=True, exist_ok=True)
    args = [
        str(ST),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{base}/api/docs/openapi.json",
        "--checks",
        "all",
        "--phases",
        phases,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        # One worker: with two, Hypothesis' lambda descriptions parse source in both threads at once,
        # and CPython 3.11's parser then fails now and then ("AST constructor recursion depth
        # mismatch"), a tool error with every generated case passed.
        "--workers",
        "1",
        "--report",
        "junit",
        "--report-dir",
        str(report),
        "--no-color",
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(HERE.parent.parent)}
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace") + "\n" + err.decode(errors="replace")


#: Which profile fuzzes as which caller: every operation is fuzzed once per caller, and each profile's
#: database takes the requests of two callers (PostgreSQL the public's and the operator's, SQLite the
#: bidder's and the agent's); the other pairs are deselected (tests/conftest.py, ``one_profile``).
#: All eight pairs: ``FUZZ_ALL=1``.
CALLERS: dict[str, tuple[str, ...]] = {"production": ("anonymous", "operator"), "embedded": ("bidder", "agent")}


def _callers() -> list[Any]:
    if os.environ.get("FUZZ_ALL"):
        return [caller for callers in CALLERS.values() for caller in callers]
    return [
        pytest.param(caller, marks=pytest.mark.one_profile(profile))
        for profile, callers in CALLERS.items()
        for caller in callers
    ]


@pytest.mark.parametrize("caller", _callers())
async def test_the_api_keeps_every_promise_of_its_schema(
    target: str, profile: str, caller: str, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    headers: dict[str, str] = {}
    if caller == "operator":
        headers = admin_headers
    elif caller != "anonymous":
        async with httpx.AsyncClient(base_url=target) as http:
            _, session = await logged_in(http, admin_headers, caller)
        headers = dict(session.headers)
    report = Path(os.environ.get("FUZZ_REPORT_DIR", tmp_path)) / f"{profile}-{caller}"
    code, output = await run_schemathesis(target, headers, report, phases=PHASES.get(caller, ALL_PHASES))
    (report / "output.txt").write_text(output)
    assert code == 0, f"{output[-20000:]}\n(the whole report: {report / 'output.txt'})"
    # A run that tested nothing proves nothing ("3610 generated" is not "0 generated").
    assert not re.search(r"(?<![0-9,])0 generated", output), output[-3000:]
