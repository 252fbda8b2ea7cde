"""Steps in the live opening room, as plain functions on a Playwright page (sync API).

Set-up (a lot whose deadline the test reaches by moving the server's clock, with demo bidders'
packages sealed by the Python library and uploaded through the API), the bidder's actions in
`/openings/:lot/live` (log in, sign in, decrypt, object, confirm the record), the host's in
`/openings/:lot/host` (go on with fewer than 3 bids, start, close decryption, answer objections,
close objections, close), the supervisor's remark, and a WebSocket tap that makes the page send a
wrong data key once. Each step waits for its visible outcome, so a failure points at the step.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import Server

#: Generous: the record PDF is rendered and signed (PAdES B-LT with a time-stamp) before `record.ready`.
SLOW_MS = 90_000

# Runs in a separate interpreter with the server's settings (same database, data dir and clock
# file): a demo lot whose deadline is MINUTES ahead on the server's clock, then the first BIDDERS
# demo bidders log in, seal their bids locally (crypto.sealed.seal, recipient = their own
# certificate) and upload them through the chunked API. Prints the ids as JSON.
_SETUP = """
import asyncio, json
from bidding.core.clock import clock_for
from bidding.demo.opening import Cast, create_demo_opening, load_cast, submit_bids
from bidding.core.platform import start_platform
from bidding.core.settings import Settings

async def main() -> None:
    settings = Settings.from_env()
    now = clock_for(settings.clock_offset_file).now()
    async with start_platform(settings) as platform, platform.sessions() as session, session.begin():
        opening = await create_demo_opening(session, now=now, minutes=MINUTES)
    cast = load_cast(settings.data_dir / "demo" / "identities")
    some = Cast(cast.host, cast.supervisor, cast.bidders[:BIDDERS])
    base = settings.effective_base_url
    bids = await submit_bids(base, opening, some, audience=base, now=now, say=lambda s: None)
    print(json.dumps({"project_id": str(opening.project_id), "lot_id": str(opening.lot_id),
                      "deadline": opening.deadline.isoformat(), "bids": bids}))

asyncio.run(main())
"""


@dataclass(frozen=True)
class Opening:
    project_id: str
    lot_id: str
    deadline: str
    bids: list[str]


def create_opening(server: Server, *, bidders: int = 2, minutes: float = 5) -> Opening:
    """A demo lot (deadline ``minutes`` ahead) with the first ``bidders`` demo bidders' sealed bids uploaded."""
    code = _SETUP.replace("MINUTES", repr(minutes)).replace("BIDDERS", str(bidders))
    out = server.python(code).strip().splitlines()[-1]
    data: dict[str, Any] = json.loads(out)
    return Opening(data["project_id"], data["lot_id"], data["deadline"], list(data["bids"]))


# ----------------------------------------------------------------------------- everyone


def open_room(page: Page, lot_id: str, role: str | None = None) -> None:
    """The live room; waits for the connection (and the role it was given, if named: 投标人, 公众…)."""
    page.goto(f"/openings/{lot_id}/live")
    expect(page.get_by_test_id("room-connection")).to_have_attribute("data-status", "open")
    if role:
        expect(page.get_by_test_id("room-connection")).to_contain_text(role)


def wait_state(page: Page, state: str, timeout: float = 60_000) -> None:
    expect(page.get_by_test_id("room-banner")).to_have_attribute("data-state", state, timeout=timeout)


# ----------------------------------------------------------------------------- the bidder


def bidder_sign_in(page: Page) -> None:
    """签到: before the deadline the header says so (privately), afterwards the bidder's panel."""
    page.get_by_test_id("bidder-sign-in").click()
    expect(page.get_by_test_id("room-own-sign-in").or_(page.get_by_test_id("bidder-signed-in"))).to_be_visible()
    expect(page.get_by_test_id("bidder-sign-in")).to_have_count(0)


def bidder_decrypt(page: Page) -> None:
    """Decrypt in the browser and wait for the own opening form."""
    page.get_by_test_id("bidder-decrypt").click()
    expect(page.get_by_test_id("bidder-decrypted")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("room-own-form")).to_be_visible()


def bidder_raise_objection(page: Page, text: str) -> None:
    page.get_by_test_id("bidder-objection-text").fill(text)
    page.get_by_test_id("bidder-objection-send").click()
    expect(page.get_by_test_id("bidder-objection-sent")).to_be_visible()
    expect(page.get_by_test_id("objection").filter(has_text=text)).to_have_count(1)


def bidder_sign_record(page: Page, *, wait: bool = True) -> None:
    """Confirm the record with the key in this browser (waits for the record to be ready first)."""
    expect(page.get_by_test_id("bidder-sign-record")).to_be_enabled(timeout=SLOW_MS)
    page.get_by_test_id("bidder-sign-record").click()
    if wait:
        expect(page.get_by_test_id("bidder-record-signed")).to_be_visible(timeout=SLOW_MS)


def send_wrong_key_once(page: Page) -> Callable[[], bool]:
    """Tap the room's WebSocket: the next `decrypt` command leaves with a random data key instead of
    the one the page unwrapped (as a corrupted key would). Call before the room is opened; returns a
    function telling whether it happened."""
    done = {"tampered": False}

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if not done["tampered"] and isinstance(message, str):
                frame = json.loads(message)
                if frame.get("type") == "command" and frame.get("name") == "decrypt":
                    frame["args"]["data_key"] = base64.b64encode(os.urandom(32)).decode()
                    done["tampered"] = True
                    message = json.dumps(frame)
            server.send(message)

        ws.on_message(to_server)

    page.route_web_socket("**/ws/openings/**", handler)
    return lambda: done["tampered"]


# ----------------------------------------------------------------------------- the host and the supervisor


def open_host_console(page: Page, lot_id: str) -> None:
    """The host's console; irreversible actions ask for confirmation, which these steps accept."""
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/openings/{lot_id}/host")
    expect(page.get_by_test_id("host-console")).to_be_visible()
    expect(page.get_by_test_id("room-connection")).to_have_attribute("data-status", "open")


def _host_click(page: Page, test_id: str, timeout: float = 60_000) -> None:
    button = page.get_by_test_id(test_id)
    expect(button).to_be_enabled(timeout=timeout)
    button.click()
    expect(page.get_by_test_id("host-done")).to_be_visible()


def host_continue(page: Page, reason: str) -> None:
    """Fewer than 3 bids (条例 44): go on, with the reason."""
    page.get_by_test_id("host-decision-reason").fill(reason)
    _host_click(page, "host-continue")
    wait_state(page, "bidders_published")


def host_start(page: Page) -> None:
    _host_click(page, "host-start")
    wait_state(page, "decrypting")


def host_close_decryption(page: Page) -> None:
    _host_click(page, "host-close-decryption")
    wait_state(page, "objections")


def host_answer_objection(page: Page, text: str, index: int = 0) -> None:
    """Answer the ``index``-th objection (in the order raised)."""
    objection = page.get_by_test_id("objection").nth(index)
    objection.get_by_test_id("host-answer-text").fill(text)
    objection.get_by_test_id("host-answer").click()
    expect(objection.get_by_test_id("objection-answer").filter(has_text=text)).to_have_count(1)


def host_close_objections(page: Page) -> None:
    _host_click(page, "host-close-objections")
    wait_state(page, "signing")


def host_close(page: Page) -> None:
    _host_click(page, "host-close", timeout=SLOW_MS)
    wait_state(page, "closed")


def supervisor_remark(page: Page, text: str) -> None:
    page.get_by_test_id("remark-text").fill(text)
    page.get_by_test_id("remark-send").click()
    expect(page.get_by_test_id("remark-sent")).to_be_visible()
    expect(page.get_by_test_id("remark").filter(has_text=text)).to_have_count(1)
