"""A whole opening in real browsers, nothing done behind the pages' backs (issue 7's acceptance test).

The host (the demo agent) creates and publishes a lot in its console; three bidders, each in its
own browser profile, seal their bids in the browser and upload them; the deadline passes on the
server's clock (`clocked_server`, an injectable clock); a public viewer who is not logged in
watches; two bidders decrypt in their browsers, the third sends a wrong key and the window closes
on it; the prices are announced; an objection is raised and answered; the two bidders who opened
their bids sign the record in the browser; the host closes and the record is published. Each step
leaves a screenshot in tests/browser/artifacts/test_whole_opening/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ClockedServer, People, StepShots
from tests.browser.steps.agent import FieldSpec, LotSpec, ProjectSpec, create_and_publish, make_pdf, whole_minute_ahead
from tests.browser.steps.identity import demo_user, log_in
from tests.browser.steps.room import (
    SLOW_MS,
    bidder_decrypt,
    bidder_raise_objection,
    bidder_sign_in,
    bidder_sign_record,
    host_answer_objection,
    host_close,
    host_close_decryption,
    host_close_objections,
    host_start,
    open_host_console,
    open_room,
    send_wrong_key_once,
    wait_state,
)
from tests.browser.steps.workspace import (
    InMemoryFile,
    fill_opening_form,
    open_lot,
    pick_files,
    submit_bid,
    wait_for_receipt,
)

pytestmark = pytest.mark.slow

#: What each bidder types (price in 元) and the price the room must announce for it.
BIDS = {
    "bidder1": ({"price_fen": "9,880,000.00", "duration_days": "300"}, "¥9,880,000.00"),
    "bidder2": ({"price_fen": "9,650,500.50", "duration_days": "280"}, "¥9,650,500.50"),
    "bidder3": ({"price_fen": "9,990,000.00", "duration_days": "320"}, "¥9,990,000.00"),
}


def test_a_whole_opening_in_the_browser(browser: Browser, clocked_server: ClockedServer, tmp_path: Path) -> None:
    server = clocked_server
    shots = StepShots("test_whole_opening")
    with People(browser, server) as people:
        host, public = people.page(), people.page()
        bidders = {name: people.page() for name in BIDS}
        agent = demo_user(server, "agent")

        # 1. The host creates a lot with a price and a duration field and publishes it (deadline 21
        # days ahead: the statutory 20-day bidding period, 招标投标法第二十四条).
        log_in(host, agent)
        deadline = whole_minute_ahead(server.now(), timedelta(days=21))
        spec = ProjectSpec(
            code="WO-2026-001",
            name="全流程开标测试工程",
            tenderer_credit_code=demo_user(server, "tenderer")["credit_code"],
            lots=(
                LotSpec(
                    code="01",
                    name="施工一标段",
                    estimate_yuan="10000000",
                    deposit_yuan="200000",
                    deadline=deadline,
                    decrypt_minutes=30,
                    objection_minutes=30,
                    fields=(FieldSpec("duration_days", "工期（天）", "Duration (days)", "integer"),),
                ),
            ),
        )
        created = create_and_publish(host, spec, make_pdf(tmp_path / "tender.pdf", "Tender documents WO-2026-001"))
        lot = created.lot_ids["01"]
        shots.take(host, "host-published")

        # The public sees the project without logging in.
        public.goto(f"/projects/{created.project_id}")
        expect(public.get_by_text(spec.name).first).to_be_visible()
        shots.take(public, "public-project")

        # 2. Three bidders seal and upload in their browsers; each gets its receipt.
        receipts = {}
        for name, (texts, _) in BIDS.items():
            page = bidders[name]
            log_in(page, demo_user(server, name))
            open_lot(page, created.project_id, lot)
            fill_opening_form(page, texts)
            pick_files(
                page,
                [
                    InMemoryFile("技术标.pdf", f"{name} technical proposal".encode() * 2000, "application/pdf"),
                    InMemoryFile("报价清单.txt", f"{name}: {texts['price_fen']} 元".encode(), "text/plain"),
                ],
            )
            submit_bid(page)
            receipts[name] = wait_for_receipt(page)
            shots.take(page, f"{name}-receipt")
        assert len(set(receipts.values())) == 3

        # Before the deadline nobody learns who bid: the public room shows no bidders.
        open_room(public, lot, "公众")
        wait_state(public, "waiting")
        expect(public.get_by_test_id("bidder-row")).to_have_count(0)

        # 3. The deadline passes on the server's clock. Sessions ended with the time jump: everyone
        # logs in again with the key already in the browser (bidder 3's next decrypt is tampered).
        server.advance((deadline - server.now()).total_seconds() + 5)
        tampered = send_wrong_key_once(bidders["bidder3"])
        log_in(host, agent, import_p12=False)
        open_host_console(host, lot)
        for name, page in bidders.items():
            log_in(page, demo_user(server, name), import_p12=False)
            open_room(page, lot, "投标人")
        wait_state(host, "bidders_published", timeout=SLOW_MS)
        rows = public.get_by_test_id("bidder-row")
        expect(rows).to_have_count(3)
        shots.take(public, "public-bidders-published")

        # 4. Decryption: bidders 1 and 2 open their bids in the browser; bidder 3's key is wrong.
        for page in bidders.values():
            bidder_sign_in(page)
        host_start(host)
        shots.take(host, "host-decryption-started")
        for name in ("bidder1", "bidder2"):
            bidder_decrypt(bidders[name])
            expect(bidders[name].get_by_test_id("room-own-form")).to_contain_text(BIDS[name][1])
            shots.take(bidders[name], f"{name}-decrypted")
        expect(public.get_by_test_id("room-own-form")).to_have_count(0)  # no price before the announcement
        bidders["bidder3"].get_by_test_id("bidder-decrypt").click()
        expect(bidders["bidder3"].get_by_test_id("bidder-decrypt-failed")).to_contain_text("数据密钥错误")
        assert tampered(), "bidder 3's wrong key was not sent"
        shots.take(bidders["bidder3"], "bidder3-failed")
        expect(public.get_by_test_id("room-bidders")).to_contain_text("数据密钥错误")
        shots.take(public, "public-decryption-progress")

        # 5. The host closes the window: 唱标. Two prices are announced, bidder 3's bid failed.
        host_close_decryption(host)
        announcement = public.get_by_test_id("room-announcement")
        for name in ("bidder1", "bidder2"):
            expect(announcement).to_contain_text(BIDS[name][1])
        expect(announcement).not_to_contain_text(BIDS["bidder3"][1])
        shots.take(public, "public-prices-announced")

        # 6. Bidder 3 objects; the host answers; everyone sees both.
        objection = "我单位解密时网络异常，请求核实解密失败原因。"
        bidder_raise_objection(bidders["bidder3"], objection)
        answer = "经核查，解密失败系所提交的数据密钥错误，不属于平台原因，异议不成立。"
        host_answer_objection(host, answer)
        expect(public.get_by_test_id("objection-answer").filter(has_text=answer)).to_have_count(1)
        shots.take(public, "public-objection-answered")

        # 7. The record: bidders 1 and 2 sign it in their browsers; the host closes; it is published.
        host_close_objections(host)
        for name in ("bidder1", "bidder2"):
            bidder_sign_record(bidders[name])
            shots.take(bidders[name], f"{name}-record-signed")
        host_close(host)
        shots.take(host, "host-closed")
        wait_state(public, "closed")
        public.get_by_test_id("record-verify").click()
        verdict = public.get_by_test_id("record-verdict")
        expect(verdict).to_have_attribute("data-verdict", "TOTAL_PASSED", timeout=SLOW_MS)
        expect(verdict).to_contain_text("3 个签名")  # the platform's and the two bidders'
        shots.take(public, "public-record-verified")

        # The record is an announcement of the project (开标记录), public and downloadable.
        listed = httpx.get(
            f"{server.base}/api/public/announcements",
            params={"project_id": created.project_id, "kind": "opening_record"},
            timeout=30,
        )
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == 1, listed.json()
        pdf = httpx.get(f"{server.base}/api/public/openings/{lot}/record.pdf", timeout=30)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        people.assert_no_page_errors()
