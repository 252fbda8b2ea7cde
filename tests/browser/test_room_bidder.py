"""A whole opening acted in browsers: bidders decrypt in the page, object and confirm the record.

The lot is created on a server of its own whose clock the test moves (`clocked_server`); two demo
bidders' packages are sealed with the Python library (`crypto.sealed.seal`, recipient = each
bidder's own certificate) and uploaded through the API before the deadline. Then, each in its own
browser profile with its identity imported from the demo `.p12`:

* bidder 1 signs in before the deadline (visible only to itself);
* the clock passes the deadline: two bids, fewer than three, so the host decides to go on;
* bidder 2 signs in, the supervisor remarks, the host starts the decryption;
* bidder 1 decrypts in the browser (a package sealed by the CLI library opens in WebCrypto);
* bidder 2 first finds no key in its browser (the identity was removed: a friendly message, no
  attempt spent), imports its .p12 again, then sends a wrong data key (the test taps the WebSocket:
  a failed attempt, 4 left, no crash), then decrypts;
* the host closes the decryption (唱标); bidder 2 objects, the host answers;
* the host closes objections; both bidders confirm the record at once in their browsers (one of
  them may have to prepare again), the host closes; the public viewer validates the signed PDF.

Screenshots of every step go to tests/browser/artifacts/test_room_bidder/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    ClockedServer,
    People,
    StepShots,
    assert_no_horizontal_scroll,
)
from tests.browser.steps.identity import demo_user, log_in
from tests.browser.steps.room import (
    SLOW_MS,
    bidder_decrypt,
    bidder_raise_objection,
    bidder_sign_in,
    bidder_sign_record,
    create_opening,
    host_answer_objection,
    host_close,
    host_close_decryption,
    host_close_objections,
    host_continue,
    host_start,
    open_host_console,
    open_room,
    send_wrong_key_once,
    supervisor_remark,
    wait_state,
)

pytestmark = pytest.mark.slow

DEADLINE_MINUTES = 5


def _forget_identities(page: Page) -> None:
    """Remove every stored identity from this browser profile (as a user clearing its certificates)."""
    page.evaluate(
        """async () => {
          const db = await new Promise((ok, err) => {
            const r = indexedDB.open('bidding-identities'); r.onsuccess = () => ok(r.result); r.onerror = err })
          await new Promise((ok, err) => {
            const tx = db.transaction('identities', 'readwrite'); tx.objectStore('identities').clear()
            tx.oncomplete = ok; tx.onerror = err })
          db.close()
        }"""
    )


def test_bidders_act_in_the_browser_and_the_host_runs_the_console(
    browser: Browser, clocked_server: ClockedServer
) -> None:
    server = clocked_server
    opening = create_opening(server, bidders=2, minutes=DEADLINE_MINUTES)
    lot = opening.lot_id
    assert len(opening.bids) == 2
    b1, b2 = demo_user(server, "bidder1"), demo_user(server, "bidder2")
    agent, supervisor = demo_user(server, "agent"), demo_user(server, "supervisor")
    shots = StepShots("test_room_bidder")
    shot = shots.take
    with People(browser, server) as people:
        public, bidder1, bidder2, host, watcher = (people.page() for _ in range(5))

        # Before the deadline: the public sees no bidders; bidder 1 signs in, privately.
        open_room(public, lot, "公众")
        wait_state(public, "waiting")
        expect(public.get_by_test_id("bidder-panel")).to_have_count(0)
        shot(public, "public-waiting")
        log_in(bidder1, b1)
        open_room(bidder1, lot, "投标人")
        bidder_sign_in(bidder1)
        shot(bidder1, "bidder1-signed-in-before-deadline")
        # Reloaded, the page still knows: no event says it (its number would count bidders, 办法 21),
        # the bidder's own welcome does.
        open_room(bidder1, lot, "投标人")
        expect(bidder1.get_by_test_id("room-own-sign-in")).to_be_visible()
        expect(bidder1.get_by_test_id("bidder-sign-in")).to_have_count(0)
        tampered = send_wrong_key_once(bidder2)
        log_in(bidder2, b2)
        open_room(bidder2, lot, "投标人")
        expect(bidder2.get_by_test_id("bidder-sign-in")).to_be_visible()
        log_in(host, agent)
        open_host_console(host, lot)
        expect(host.get_by_test_id("room-connection")).to_contain_text("主持人")
        log_in(watcher, supervisor)
        open_room(watcher, lot, "监督人")
        expect(watcher.get_by_test_id("supervisor-remark")).to_be_visible()
        expect(public.get_by_test_id("bidder-row")).to_have_count(0)

        # The deadline passes (server clock): two bids, fewer than three: the host decides (条例 44).
        server.advance(DEADLINE_MINUTES * 60 + 2)
        wait_state(host, "extracted")
        expect(host.get_by_test_id("host-continue")).to_be_disabled()  # a reason is required
        shot(host, "host-decision-fewer-than-three")
        host_continue(host, "投标人不足三家，经招标人同意继续开标。")
        rows = public.get_by_test_id("bidder-row")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("已签到")  # bidder 1's sign-in before the deadline counts
        expect(rows.nth(1)).to_contain_text("未签到")
        bidder_sign_in(bidder2)
        expect(rows.nth(1)).to_contain_text("已签到")
        supervisor_remark(watcher, "监督人员已在线，开标程序开始。")
        expect(public.get_by_test_id("remark")).to_have_count(1)
        shot(watcher, "supervisor-remark")

        # Decryption: bidder 1 opens its CLI-sealed package in the browser.
        host_start(host)
        expect(bidder1.get_by_test_id("bidder-decrypt")).to_be_enabled()
        shot(bidder1, "bidder1-decryption-open")
        bidder_decrypt(bidder1)
        expect(bidder1.get_by_test_id("room-own-form")).to_contain_text("¥12,380,000.00")
        expect(public.get_by_test_id("room-own-form")).to_have_count(0)  # no price before the announcement
        expect(rows.nth(0).get_by_test_id("bidder-decryption")).to_have_text("解密成功")
        shot(bidder1, "bidder1-decrypted")
        # The bidder's panel and the tables fit a phone.
        bidder1.set_viewport_size(ViewportSize(width=PHONE["width"], height=PHONE["height"]))
        expect(bidder1.get_by_test_id("bidder-decrypted")).to_be_visible()
        assert_no_horizontal_scroll(bidder1)
        shot(bidder1, "bidder1-decrypted-phone")
        bidder1.set_viewport_size(ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"]))

        # Bidder 2's browser lost its key: a clear message, nothing sent, no attempt spent.
        _forget_identities(bidder2)
        bidder2.get_by_test_id("bidder-decrypt").click()
        problem = bidder2.get_by_test_id("bidder-problem")
        expect(problem).to_have_attribute("data-problem", "no_identity")
        expect(problem).to_contain_text("没有您登录所用证书的私钥")
        expect(rows.nth(1).get_by_test_id("bidder-decryption")).to_have_text("待解密")
        shot(bidder2, "bidder2-no-key-in-this-browser")

        # It imports its .p12 again; the next attempt sends a wrong key (tapped): counted, reported.
        log_in(bidder2, b2)
        open_room(bidder2, lot, "投标人")
        bidder2.get_by_test_id("bidder-decrypt").click()
        failed = bidder2.get_by_test_id("bidder-decrypt-failed")
        expect(failed).to_contain_text("数据密钥错误")
        expect(failed).to_contain_text("剩余 4 次")
        assert tampered(), "the wrong key was not sent"
        expect(public.get_by_test_id("room-bidders")).to_contain_text("数据密钥错误")
        expect(bidder2.get_by_test_id("bidder-decrypt")).to_be_enabled()
        shot(bidder2, "bidder2-wrong-key")
        bidder_decrypt(bidder2)
        expect(bidder2.get_by_test_id("room-own-form")).to_contain_text("¥12,150,500.00")
        expect(rows.nth(1).get_by_test_id("bidder-decryption")).to_have_text("解密成功")
        shot(public, "public-both-decrypted")

        # 唱标, then an objection raised by bidder 2 and answered by the host.
        host_close_decryption(host)
        announced = public.get_by_test_id("announce-row")
        expect(announced).to_have_count(2)
        expect(public.get_by_test_id("room-announcement")).to_contain_text("¥12,380,000.00")
        expect(public.get_by_test_id("room-announcement")).to_contain_text("¥12,150,500.00")
        expect(bidder1.get_by_test_id("bidder-decrypt")).to_have_count(0)
        shot(public, "public-announced")
        objection = "第 1 号投标人的工期与招标文件要求不符，请核实。"
        bidder_raise_objection(bidder2, objection)
        shot(bidder2, "bidder2-objection")
        expect(host.get_by_test_id("objection").filter(has_text=objection)).to_have_count(1)
        answer = "经核查，工期满足招标文件要求，异议不成立。"
        host_answer_objection(host, answer)
        expect(public.get_by_test_id("objection-answer").filter(has_text=answer)).to_have_count(1)
        shot(host, "host-answered-objection")

        # The record: both bidders confirm it at the same moment in their browsers (the second to
        # arrive may find the record changed and prepare again, which the page does by itself).
        host_close_objections(host)
        wait_state(bidder1, "signing")
        expect(bidder1.get_by_test_id("bidder-record-pdf")).to_have_attribute(
            "href", f"/api/public/openings/{lot}/record.pdf", timeout=SLOW_MS
        )
        expect(bidder2.get_by_test_id("bidder-sign-record")).to_be_enabled(timeout=SLOW_MS)
        shot(bidder1, "bidder1-record-ready")
        bidder_sign_record(bidder1, wait=False)
        bidder_sign_record(bidder2, wait=False)
        for page in (bidder1, bidder2):
            expect(page.get_by_test_id("bidder-record-signed")).to_be_visible(timeout=SLOW_MS)
            expect(page.get_by_test_id("bidder-error")).to_have_count(0)
        expect(public.get_by_test_id("room-record")).to_contain_text("已确认 2 / 2")
        shot(bidder2, "bidder2-record-signed")
        bidder2.get_by_role("button", name="English").click()
        expect(bidder2.get_by_test_id("bidder-record-signed")).to_have_text("You confirmed the opening record.")
        shot(bidder2, "bidder2-record-signed-english")
        host_close(host)
        shot(host, "host-closed")

        # The public viewer gets the signed PDF and validates it on the spot.
        wait_state(public, "closed")
        expect(public.get_by_test_id("room-final")).to_be_visible()
        public.get_by_test_id("record-verify").click()
        verdict = public.get_by_test_id("record-verdict")
        expect(verdict).to_be_visible(timeout=SLOW_MS)
        expect(verdict).to_contain_text("3 个签名")  # the platform's and both bidders'
        expect(verdict).to_contain_text(b1["organisation"])
        expect(verdict).to_contain_text(b2["organisation"])
        expect(verdict).to_have_attribute("data-verdict", "TOTAL_PASSED")
        expect(public.get_by_test_id("record-verify-page")).to_have_attribute("href", "/verify")
        shot(public, "public-closed-record-verified")
        people.assert_no_page_errors()
