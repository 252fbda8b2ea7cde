"""The transparency log's page (/audit/log, issue 23 "Detection") on the demo server: the log's
checkpoints over time, each note's signature checked in the browser with only /log/vkey; the
consistency between two chosen checkpoints checked in the browser (✓), and a proof with one byte
flipped in transit refused; the auditor runs the audit and reads it intact; English; a phone;
anyone sees the checkpoints, only the audit roles the audits."""

from __future__ import annotations

import base64
import json
import re
import time

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import PHONE, Server, Shots, assert_no_horizontal_scroll
from tests.browser.steps.identity import demo_user_with_role, log_in

pytestmark = pytest.mark.slow

#: The demo server signs a checkpoint every 10 s while the log grows (watch_log runs every 5 s).
CHECKPOINT_WAIT_S = 90
AUDIT_MS = 60_000


#: Three audit events written as the platform writes them, in another process on the server's database.
_GROW = """
import asyncio
from bidding.core.db.engine import create_engine, session_factory
from bidding.core.settings import Settings
from tests.fixtures.log_db import add_events

async def main() -> None:
    engine = create_engine(Settings.from_env().effective_database_url)
    try:
        await add_events(session_factory(engine), 3)
    finally:
        await engine.dispose()

asyncio.run(main())
"""


def wait_for_checkpoints(server: Server, count: int) -> list[dict[str, object]]:
    """At least ``count`` signed checkpoints, the log growing meanwhile; newest first."""
    deadline = time.monotonic() + CHECKPOINT_WAIT_S
    while True:
        listed = httpx.get(f"{server.base}/api/log/checkpoints", params={"limit": 100}, timeout=30)
        assert listed.status_code == 200, listed.text
        checkpoints: list[dict[str, object]] = listed.json()["checkpoints"]
        if len(checkpoints) >= count:
            return checkpoints
        assert time.monotonic() < deadline, f"only {len(checkpoints)} checkpoints after {CHECKPOINT_WAIT_S} s"
        server.python(_GROW)
        time.sleep(3)


def open_log_page(page: Page) -> None:
    page.goto("/audit")
    page.get_by_test_id("audit-log-link").click()
    expect(page).to_have_url(re.compile(r"/audit/log$"))
    expect(page.get_by_test_id("log-signatures")).to_have_class(re.compile(r"notice--ok"))


def flip_first_proof_byte(route: Route) -> None:
    answer = route.fetch()
    body = answer.json()
    first = bytearray(base64.b64decode(body["proof"][0]))
    first[5] ^= 0x01
    body["proof"][0] = base64.b64encode(bytes(first)).decode()
    route.fulfill(response=answer, body=json.dumps(body), content_type="application/json")


def test_an_auditor_checks_the_log_and_runs_the_audit(page: Page, server: Server, shot: Shots) -> None:
    log_in(page, demo_user_with_role(server, "auditor"))
    listed = wait_for_checkpoints(server, 3)
    open_log_page(page)

    # The checkpoints listed, newest first, the vkey shown for copying, the line drawn.
    rows = page.get_by_test_id("log-checkpoint")
    assert rows.count() >= 2
    expect(rows.first).to_contain_text(str(listed[0]["size"]))
    expect(rows.first).to_contain_text("已验证 ✓")
    vkey = httpx.get(f"{server.base}/log/vkey").text.strip()
    expect(page.get_by_test_id("log-vkey")).to_have_text(vkey)
    expect(page.get_by_test_id("log-chart").locator("circle")).to_have_count(rows.count())
    shot("checkpoints")

    # The oldest and the newest are chosen by default: consistent.
    sizes = sorted(int(str(c["size"])) for c in listed)
    assert page.get_by_test_id("log-first").input_value() == str(sizes[0])
    assert page.get_by_test_id("log-second").input_value() == str(sizes[-1])
    page.get_by_test_id("log-check").click()
    result = page.get_by_test_id("log-consistency-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("一致 ✓")
    shot("consistent")

    # One byte of the proof flipped on its way to the browser: refused, with the reason.
    page.route("**/api/log/proof/consistency*", flip_first_proof_byte)
    page.get_by_test_id("log-check").click()
    expect(result).to_have_attribute("data-ok", "false")
    expect(page.get_by_test_id("log-consistency-reason")).to_contain_text("不符")
    shot("flipped-proof")
    page.unroute("**/api/log/proof/consistency*")

    # Another pair, unaltered: consistent again; picked the other way round, the same pair is checked.
    page.get_by_test_id("log-first").select_option(str(sizes[1]))
    page.get_by_test_id("log-check").click()
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text(f"大小为 {sizes[1]} 的日志是大小为 {sizes[-1]} 的日志的前缀")
    page.get_by_test_id("log-first").select_option(str(sizes[-1]))
    page.get_by_test_id("log-second").select_option(str(sizes[0]))
    page.get_by_test_id("log-check").click()
    expect(result).to_contain_text(f"大小为 {sizes[0]} 的日志是大小为 {sizes[-1]} 的日志的前缀")

    # The audit: asked for, run by the worker, intact.
    page.get_by_test_id("log-audit-run").click()
    latest = page.get_by_test_id("log-audit-latest")
    expect(latest).to_have_attribute("data-intact", "true", timeout=AUDIT_MS)
    expect(latest).to_contain_text("完整 ✓")
    expect(page.get_by_test_id("log-audit-row").first).to_contain_text("完整 ✓")
    expect(page.get_by_test_id("log-audit-run")).to_be_enabled()
    shot("audit-intact")

    page.get_by_role("button", name="English").click()
    expect(latest).to_contain_text("Intact ✓")
    page.get_by_test_id("log-check").click()
    expect(result).to_contain_text("Consistent ✓")
    shot("english")
    page.get_by_role("button", name="中文").click()


def test_the_log_page_fits_a_phone(phone_context: BrowserContext, server: Server) -> None:
    page = phone_context.new_page()
    shots = Shots(page, "test_the_log_page_fits_a_phone")
    assert page.viewport_size == PHONE
    log_in(page, demo_user_with_role(server, "supervisor"))
    wait_for_checkpoints(server, 2)
    open_log_page(page)
    page.get_by_test_id("log-check").click()
    expect(page.get_by_test_id("log-consistency-result")).to_have_attribute("data-ok", "true")
    assert_no_horizontal_scroll(page)
    shots("log")


def test_anyone_checks_the_checkpoints_but_only_the_audit_roles_see_the_audits(page: Page, server: Server) -> None:
    wait_for_checkpoints(server, 2)
    page.goto("/audit/log")
    expect(page.get_by_test_id("log-signatures")).to_have_class(re.compile(r"notice--ok"))
    page.get_by_test_id("log-check").click()
    expect(page.get_by_test_id("log-consistency-result")).to_have_attribute("data-ok", "true")
    expect(page.get_by_test_id("audit-login-needed")).to_be_visible()
    expect(page.get_by_test_id("log-audit-run")).to_have_count(0)

    log_in(page, demo_user_with_role(server, "bidder"))
    page.goto("/audit/log")
    expect(page.get_by_test_id("audit-refused")).to_be_visible()
    expect(page.get_by_test_id("log-audit-run")).to_have_count(0)
