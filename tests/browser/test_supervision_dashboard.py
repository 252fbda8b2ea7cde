"""The supervisor's dashboard (issue 24) in real browsers: a missed limit, its red alert pushed live,
the order it opens answered by the agent and closed by the supervisor with a reason.

`bidding serve --demo` with a clock the test moves, the award's and supervision's watches paused
(``BIDDING_PAUSED_CRONS``) so that nothing happens between the test's steps by itself: the test runs
each pass by hand, in a process of its own with the server's settings (the same database and Redis,
so the supervision watch's announcement reaches the server's WebSocket as the worker's would).

* The demo project NJ-2026-GC-0105's evaluation is carried to a final report over the API
  (:mod:`tests.browser.steps.awards`); one pass of the award watch's first step opens the lot's award
  (``award.opened``: the candidate publicity is due within 3 days, 条例 54) and publishes nothing;
  a pass of the supervision watch starts the clock.
* The clock passes the limit; the supervisor's dashboard is open and live (WebSocket connected).
* A pass of the supervision watch raises the red alert: it appears at the top of the open page at
  once, without a reload, highlighted and counted in the badge; the order it opened is listed.
* The agent answers the order on /supervision/orders; the auditor reads the dashboard with no close
  button; the supervisor closes the order with a reason (an empty reason is refused first): the
  order shows closed with the reason. The page in English.

Screenshots of the steps: tests/browser/artifacts/test_supervision_dashboard_in_the_browser/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from bidding.client.identity import load_pkcs12_identity
from bidding.client.session import login
from tests.browser.conftest import (
    ClockedServer,
    StepShots,
    assert_no_horizontal_scroll,
    open_page,
    running_server,
)
from tests.browser.steps.awards import final_report, in_thread
from tests.browser.steps.identity import demo_user, log_in

pytestmark = pytest.mark.slow

ACT_MS = 30_000
LIVE_MS = 15_000  # an alert pushed on the WebSocket: within a few seconds, no reload

# One pass of STEP with the server's settings (its database, store and Redis), in a fresh process;
# prints what it returns as JSON.
# ``bidding.app`` first: every model is then mapped as in the server (a foreign key to a table whose
# model is not imported has no type yet, and a UUID column would read back as hex text).
_PASS = """
import asyncio, json
import bidding.app
from bidding.core.platform import start_platform
from bidding.core.settings import Settings
IMPORT

async def main() -> None:
    async with start_platform(Settings.from_env()) as platform:
        print(json.dumps(await STEP, default=str))

asyncio.run(main())
"""


_OPENED = """
from bidding.awards.creation import open_awards

async def opened(platform) -> int:
    return len(await open_awards(platform.sessions, platform.settings, now=platform.clock.now()))
"""


def run_pass(srv: ClockedServer, import_line: str, step: str) -> Any:
    out = srv.python(_PASS.replace("IMPORT", import_line).replace("STEP", step))
    return json.loads(out.strip().splitlines()[-1])


def open_awards(srv: ClockedServer) -> int:
    """The award watch's first step by hand: an award opened for each final report (nothing published)."""
    opened = run_pass(srv, _OPENED, "opened(platform)")
    return int(opened)


def supervision_watch(srv: ClockedServer) -> dict[str, int]:
    """One pass of the supervision watch (cron watch_supervision), by hand."""
    done: dict[str, int] = run_pass(srv, "from bidding.supervision.jobs import watch", "watch(platform)")
    return done


async def _call(srv: ClockedServer, user: str, method: str, path: str, body: Any = None) -> httpx.Response:
    identity = demo_user(srv, user)
    holder = load_pkcs12_identity(Path(identity["p12"]), identity["passphrase"].encode())
    async with httpx.AsyncClient(base_url=srv.base, timeout=60) as http:
        session = await login(http, holder, audience=srv.base)
        return await http.request(method, path, headers=session.headers, json=body)


def api(srv: ClockedServer, user: str, method: str, path: str, body: Any = None) -> Any:
    """A demo user's call over the HTTP API (logged in with its certificate); the JSON answer."""
    r = in_thread(lambda: _call(srv, user, method, path, body))
    assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


@pytest.fixture(scope="module")
def supervision_server(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedServer]:
    """A demo server of this module's own: a clock the test moves, the award's and supervision's
    watches paused (the test runs them), no demo opening."""
    tmp = tmp_path_factory.mktemp("supervision")
    offset = tmp / "clock-offset"
    offset.write_text("0")
    extra = {"BIDDING_CLOCK_OFFSET_FILE": str(offset), "BIDDING_PAUSED_CRONS": "watch_awards,watch_supervision"}
    with running_server(tmp, frontend_dist, extra, ("--demo-opening-minutes", "0")) as srv:
        yield ClockedServer(srv.base, srv.data_dir, srv.env, srv.log, offset_file=offset)


def test_supervision_dashboard_in_the_browser(
    browser: Browser,
    supervision_server: ClockedServer,
    contexts: list[BrowserContext],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    srv = supervision_server
    shots = StepShots(request.node.name)
    errors: list[str] = []

    # The evaluation to its final report; the award opened by hand (its publicity is not published).
    done = final_report(srv, tmp_path)
    project = done["project"]
    assert open_awards(srv) >= 1
    supervision_watch(srv)
    clocks = api(srv, "supervisor", "GET", f"/api/supervision/clocks?project={project['id']}&running=true")
    clock = next(c for c in clocks if c["kind"] == "candidate_publicity")
    assert clock["responsible"] == "agent" and clock["level"] == "none", clock

    # The limit passes (the end of the 3rd day, China time) with nothing published.
    due = datetime.fromisoformat(clock["due_at"])
    srv.advance((due - srv.now()).total_seconds() + 30)

    # The supervisor's dashboard, open and live before the watch's next pass.
    supervisor = open_page(browser, srv, contexts, errors)
    supervisor.on("dialog", lambda d: d.accept())
    log_in(supervisor, demo_user(srv, "supervisor"))
    expect(supervisor.get_by_test_id("nav-supervision")).to_be_visible()
    supervisor.get_by_test_id("nav-supervision").click()
    expect(supervisor).to_have_url(f"{srv.base}/supervision")
    expect(supervisor.get_by_test_id("live-status")).to_have_attribute("data-status", "open", timeout=ACT_MS)
    red_alerts = supervisor.locator("[data-testid=alert][data-level=red]").filter(has_text=project["code"])
    expect(red_alerts).to_have_count(0)
    expect(supervisor.get_by_test_id("alerts-badge")).to_have_count(0)
    # The charts are drawn by ECharts on a canvas.
    expect(supervisor.get_by_test_id("chart-daily").locator("canvas")).to_have_count(1, timeout=ACT_MS)
    shots.take(supervisor, "supervisor-dashboard-live")

    # The watch's pass raises the red alert: at the top of the open page at once, fresh, counted.
    passed = supervision_watch(srv)
    assert passed.get("alerts", 0) >= 1, passed
    expect(red_alerts).to_have_count(1, timeout=LIVE_MS)
    first = supervisor.get_by_test_id("alert").first
    expect(first).to_have_attribute("data-level", "red")
    expect(first).to_have_attribute("data-fresh", "true")
    expect(first).to_contain_text(project["code"])
    expect(first).to_contain_text("条例54")
    expect(supervisor.get_by_test_id("alerts-badge")).to_be_visible()
    expect(supervisor.get_by_test_id("alerts-badge")).to_have_attribute("data-count", "1")
    assert supervisor.evaluate("() => performance.getEntriesByType('navigation').length") == 1  # no reload
    orders = api(srv, "supervisor", "GET", "/api/supervision/orders?state=open")
    order = next(o for o in orders if o["project_id"] == project["id"] and o["kind"] == "candidate_publicity")
    assert order["number"].startswith("DB-"), order
    row = supervisor.locator(f"[data-testid=order][data-order-id='{order['id']}']")
    expect(row).to_have_attribute("data-state", "open", timeout=ACT_MS)
    expect(row.get_by_test_id("order-number")).to_have_text(order["number"])
    expect(row.get_by_test_id("order-close")).to_be_visible()
    # The running clock is late, and the charts count the alert (drawn again after it, no reload).
    late = supervisor.locator(f"[data-testid=clock][data-clock-id='{clock['id']}']")
    expect(late).to_have_attribute("data-level", "red", timeout=ACT_MS)
    expect(late.get_by_test_id("clock-left")).to_have_class(re.compile(r"\blate\b"))
    expect(supervisor.get_by_test_id("chart-agency").locator("canvas")).to_have_count(1, timeout=ACT_MS)
    expect(supervisor.get_by_test_id("chart-kind").locator("canvas")).to_have_count(1, timeout=ACT_MS)
    shots.take(supervisor, "supervisor-red-alert-live")
    supervisor.get_by_test_id("alerts-seen").click()
    expect(supervisor.get_by_test_id("alerts-badge")).to_have_count(0)

    # The agent answers the order on its orders page.
    agent = open_page(browser, srv, contexts, errors)
    log_in(agent, demo_user(srv, "agent"))
    agent.get_by_test_id("nav-supervision-orders").click()
    expect(agent).to_have_url(f"{srv.base}/supervision/orders")
    mine = agent.locator(f"[data-testid=order][data-order-id='{order['id']}']")
    expect(mine).to_have_attribute("data-state", "open", timeout=ACT_MS)
    answer = "因评标报告交接延误，未能在3日内发布候选人公示；已于今日补发公示，并完善了报告接收提醒。"
    mine.get_by_test_id("answer-text").fill(answer)
    mine.get_by_test_id("answer-submit").click()
    expect(mine).to_have_attribute("data-state", "answered", timeout=ACT_MS)
    expect(mine.get_by_test_id("order-answer")).to_have_text(answer)
    expect(mine.get_by_test_id("answer-form")).to_have_count(0)
    shots.take(agent, "agent-answered")

    # The supervisor's page follows (the order's change pushed live).
    expect(row).to_have_attribute("data-state", "answered", timeout=LIVE_MS)
    expect(row.get_by_test_id("order-answer")).to_have_text(answer)

    # The auditor reads the same dashboard and acts on nothing.
    auditor = open_page(browser, srv, contexts, errors)
    log_in(auditor, demo_user(srv, "auditor"))
    auditor.goto("/supervision")
    audited = auditor.locator(f"[data-testid=order][data-order-id='{order['id']}']")
    expect(audited).to_have_attribute("data-state", "answered", timeout=ACT_MS)
    expect(auditor.get_by_test_id("live-status")).to_have_attribute("data-status", "open", timeout=ACT_MS)
    expect(auditor.locator("[data-testid=alert][data-level=red]").filter(has_text=project["code"])).to_have_count(1)
    expect(auditor.get_by_test_id("order-close")).to_have_count(0)
    shots.take(auditor, "auditor-no-buttons")

    # The supervisor closes it: an empty reason is refused, then with the reason.
    row.get_by_test_id("order-close").click()
    dialog = supervisor.get_by_test_id("close-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("close-submit").click()
    expect(dialog.get_by_test_id("close-reason-required")).to_be_visible()
    reason = "经核查，代理机构已补发中标候选人公示并说明延误原因，予以办结，记入信用记录。"
    dialog.get_by_test_id("close-reason").fill(reason)
    shots.take(supervisor, "supervisor-close-dialog")
    dialog.get_by_test_id("close-submit").click()
    expect(dialog).to_have_count(0, timeout=ACT_MS)
    expect(row).to_have_attribute("data-state", "closed", timeout=ACT_MS)
    expect(row.get_by_test_id("order-close-reason")).to_have_text(reason)
    expect(row.get_by_test_id("order-close")).to_have_count(0)
    shots.take(supervisor, "supervisor-order-closed")
    closed = api(srv, "supervisor", "GET", f"/api/supervision/orders/{order['id']}")
    assert closed["state"] == "closed" and closed["close_reason"] == reason, closed

    # The lot's collusion report, from the dashboard's list: each sign for the committee to decide.
    lot_row = supervisor.locator(f"[data-testid=collusion-lot][data-lot-id='{done['lot']['id']}']")
    lot_row.get_by_test_id("collusion-open").click()
    expect(supervisor).to_have_url(f"{srv.base}/supervision/lots/{done['lot']['id']}/collusion")
    expect(supervisor.get_by_test_id("collusion-note")).to_be_visible()
    expect(
        supervisor.get_by_test_id("collusion-signals").or_(supervisor.get_by_test_id("collusion-none"))
    ).to_be_visible(timeout=ACT_MS)
    shots.take(supervisor, "supervisor-collusion-report")
    supervisor.go_back()

    # After a reload the closed order is under its state, with the reason; then in English.
    supervisor.reload()
    supervisor.get_by_test_id("orders-filter").select_option("closed")
    expect(row).to_have_attribute("data-state", "closed", timeout=ACT_MS)
    expect(row.get_by_test_id("order-close-reason")).to_have_text(reason)
    supervisor.get_by_role("button", name="English").click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Supervision dashboard")
    expect(row.get_by_test_id("order-state")).to_have_text("Closed")
    expect(supervisor.get_by_test_id("live-status")).to_have_text("Live", timeout=ACT_MS)
    expect(red_alerts.first.get_by_test_id("level")).to_have_text("Red alert")
    shots.take(supervisor, "supervisor-english")

    # The agent sees its order closed with the reason; the auditor still has no button.
    agent.reload()
    expect(mine).to_have_attribute("data-state", "closed", timeout=ACT_MS)
    expect(mine.get_by_test_id("order-close-reason")).to_have_text(reason)
    auditor.reload()
    auditor.get_by_test_id("orders-filter").select_option("all")
    expect(audited).to_have_attribute("data-state", "closed", timeout=ACT_MS)
    expect(auditor.get_by_test_id("order-close")).to_have_count(0)

    # At a phone's width nothing scrolls sideways.
    supervisor.set_viewport_size({"width": 375, "height": 667})
    shots.take(supervisor, "supervisor-phone")
    assert_no_horizontal_scroll(supervisor)
    assert not errors, errors
