"""The live opening room in the browser (`/openings/:lotId/live`): a public viewer follows an
opening that simulated participants play from Python against the running server — the countdown
before the deadline, the published bidders with their decryption, the announced prices, the
objection and its answer, the supervisor's remarks, the record links and the closed state — on a
desktop and on a phone (no page-wide horizontal scroll)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, ROOT, Server, Shots, assert_no_horizontal_scroll, new_context

pytestmark = pytest.mark.slow

#: Seconds from the lot's creation to its bid deadline: enough to log five bidders in and upload.
LEAD_SECONDS = 40

# A separate interpreter with the server's settings (same database and data dir): create a demo
# lot whose deadline is LEAD_SECONDS ahead, print its ids, submit the five demo bids, then play
# the opening through the WebSocket (bidder 2 sends a wrong key first, bidder 5 never decrypts).
DRIVER = """
import asyncio, sys
from bidding.core.clock import SystemClock
from bidding.demo.opening import Timing, create_demo_opening, load_cast, run_demo_opening
from bidding.core.platform import start_platform
from bidding.core.settings import Settings

async def main() -> None:
    settings = Settings.from_env()
    async with start_platform(settings) as platform, platform.sessions() as session, session.begin():
        opening = await create_demo_opening(session, now=SystemClock().now(), minutes=LEAD / 60)
    print(opening.project_id, opening.lot_id, flush=True)
    cast = load_cast(settings.data_dir / "demo" / "identities")
    base = settings.effective_base_url
    timing = Timing(pace=0.6, deadline_timeout=LEAD + 120, step_timeout=90)
    await run_demo_opening(base, opening, cast, audience=base, timing=timing, say=lambda s: print(s, flush=True))
    print("DONE", flush=True)

asyncio.run(main())
""".replace("LEAD", str(LEAD_SECONDS))


@dataclass
class Driven:
    project_id: str
    lot_id: str
    proc: subprocess.Popen[str]
    stderr: Path

    def output(self) -> str:
        """The driver's stdout (its data), then its stderr (warnings, tracebacks) read from its own file."""
        if self.proc.poll() is None:
            self.proc.kill()
        out, _ = self.proc.communicate(timeout=10)
        return f"{out}\n--- stderr ---\n{self.stderr.read_text(errors='replace')}"


@pytest.fixture
def driven_opening(server: Server, tmp_path: Path) -> Iterator[Driven]:
    # Only stdout carries data (the ids on the first line); stderr goes to a file of its own, so a
    # warning printed at import (e.g. a library's deprecation warning) is never read as the ids.
    stderr = tmp_path / "driver.stderr"
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER],
        env=server.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr.open("w"),
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().split()
    driven = Driven(first[0] if first else "", first[1] if len(first) > 1 else "", proc, stderr)
    if len(first) != 2:
        raise AssertionError(f"the driver did not create the lot: {first}\n{driven.output()}")
    try:
        yield driven
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_public_viewer_follows_a_whole_opening(
    page: Page, shot: Shots, browser: Browser, server: Server, driven_opening: Driven
) -> None:
    lot = driven_opening.lot_id

    # From the project page, the lot's "开标直播" link opens the room.
    page.goto(f"/projects/{driven_opening.project_id}")
    page.get_by_role("link", name="开标直播").click()
    expect(page).to_have_url(f"{server.base}/openings/{lot}/live")

    banner = page.get_by_test_id("room-banner")
    expect(page.get_by_test_id("room-connection")).to_have_attribute("data-status", "open")
    expect(banner).to_have_attribute("data-state", "waiting")
    expect(page.get_by_test_id("room-state")).to_have_text("等待开标")
    expect(page.get_by_test_id("room-countdown")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(page.get_by_test_id("room-bidders")).to_contain_text("投标人名单将在投标截止后公布")
    shot("waiting")

    # At the deadline the bidders are published (all five, with their credit codes).
    rows = page.get_by_test_id("bidder-row")
    expect(rows).to_have_count(5, timeout=(LEAD_SECONDS + 60) * 1000)
    expect(rows.first).to_contain_text(re.compile(r"[0-9A-Z]{18}"))

    # Decryption: a wrong key shows as a failed attempt, then four bidders succeed.
    expect(page.get_by_test_id("room-bidders")).to_contain_text("数据密钥错误", timeout=60_000)
    expect(page.get_by_test_id("bidder-decryption").filter(has_text="解密成功")).to_have_count(4, timeout=60_000)
    shot("decrypting")

    # 唱标: prices in yuan from integer fen, the form fields with their Chinese labels.
    announced = page.get_by_test_id("announce-row")
    expect(announced).to_have_count(5, timeout=60_000)
    table = page.get_by_test_id("room-announcement")
    expect(table).to_contain_text("¥12,380,000.00")  # bidder 1: 12_380_000_00 fen
    expect(table).to_contain_text("¥12,150,500.00")
    expect(table).to_contain_text("工期（日历天）")
    expect(table).to_contain_text("视为撤销投标")  # bidder 5 never decrypted
    shot("announced")

    # The objection with its answer, the supervisor's remarks, the record, the end.
    expect(page.get_by_test_id("objection-answer")).to_have_count(1, timeout=60_000)
    expect(page.get_by_test_id("remark")).to_have_count(2, timeout=60_000)
    expect(banner).to_have_attribute("data-state", "closed", timeout=120_000)
    expect(page.get_by_test_id("room-state")).to_have_text("开标结束")
    expect(page.get_by_test_id("room-final")).to_be_visible()
    expect(page.get_by_test_id("record-pdf")).to_have_attribute("href", f"/api/public/openings/{lot}/record.pdf")
    expect(page.get_by_test_id("record-json")).to_have_attribute("href", f"/api/public/openings/{lot}/record.json")
    shot("closed")
    driven_opening.proc.wait(timeout=60)
    assert "DONE" in driven_opening.output()

    # The record links work.
    pdf = page.request.get(f"/api/public/openings/{lot}/record.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # English, and a fresh viewer who arrives afterwards replays the whole session.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("room-state")).to_have_text("Opening closed")
    page.reload()
    expect(page.get_by_test_id("announce-row")).to_have_count(5)
    expect(page.get_by_test_id("room-announcement")).to_contain_text("Duration (calendar days)")
    shot("closed-english")

    # On a phone the tables scroll inside their cards; the page does not scroll sideways.
    phone = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        mobile = phone.new_page()
        mobile.goto(f"/openings/{lot}/live")
        expect(mobile.get_by_test_id("room-banner")).to_have_attribute("data-state", "closed")
        expect(mobile.get_by_test_id("announce-row")).to_have_count(5)
        assert_no_horizontal_scroll(mobile)
        Shots(mobile, "test_public_viewer_follows_a_whole_opening-phone")("closed-phone")
    finally:
        phone.close()
