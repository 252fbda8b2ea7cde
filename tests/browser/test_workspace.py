"""The bidder workspace in a real browser: a demo bidder imports its .p12, logs in, fills the
opening form of a lot in the tendering phase, picks files (one with a Chinese name), seals them in
the browser and uploads them in chunks; the page is reloaded half-way and the upload resumes from
the server's `next_chunk`; the receipt (JSON + PDF) is downloaded and the PDF verifies.

Interop both ways: the package sealed in the browser opens with `bidding unseal` and the demo
identity's key from its .p12; a package sealed with `bidding seal` opens on /workspace/check.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import PHONE, ROOT, ClockedServer, Server, Shots, assert_no_horizontal_scroll, new_context
from tests.browser.steps.identity import demo_user, log_in
from tests.browser.steps.workspace import (
    InMemoryFile,
    download,
    fill_opening_form,
    open_lot,
    pem_identity_from_p12,
    pick_files,
    read_json,
    submit_bid,
    tendering_lot,
    wait_for_receipt,
)

pytestmark = pytest.mark.slow

# Bidders 1–2 are used by the room and identity tests on the same session server.
BIDDER = "bidder4"
PROJECT_CODE = "NJ-2026-GC-0102"
CHUNK_ROUTE = "**/api/bidder/uploads/*/chunks/*"

FORM_TEXTS = {"price_fen": "1,234,567.89", "duration_days": "365", "quality": "合格", "project_manager": "王建国"}
FORM_VALUES = {"price_fen": 123456789, "duration_days": 365, "quality": "合格", "project_manager": "王建国"}


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bidding", *args], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, f"bidding {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _upload_db_records(page: Page) -> int:
    """How many pending uploads the page's IndexedDB (`bidding-uploads`) still holds."""
    count: int = page.evaluate(
        """async () => {
          const db = await new Promise((ok, err) => {
            const r = indexedDB.open('bidding-uploads'); r.onsuccess = () => ok(r.result); r.onerror = err })
          if (!db.objectStoreNames.contains('uploads')) return 0
          const n = await new Promise((ok, err) => {
            const r = db.transaction(['uploads', 'pieces']).objectStore('pieces').count()
            r.onsuccess = () => ok(r.result); r.onerror = err })
          const m = await new Promise((ok, err) => {
            const r = db.transaction('uploads').objectStore('uploads').count()
            r.onsuccess = () => ok(r.result); r.onerror = err })
          db.close()
          return n + m
        }"""
    )
    return count


def test_not_logged_in_gets_a_clear_state(page: Page, server: Server, shot: Shots) -> None:
    page.goto("/workspace")
    expect(page.get_by_test_id("ws-need-bidder")).to_contain_text("请使用投标人证书登录")
    expect(page.get_by_test_id("ws-login")).to_be_visible()
    shot("need-bidder")


def test_seal_upload_resume_receipt_and_interop(
    page: Page, server: Server, shot: Shots, tmp_path: Path, browser: Browser
) -> None:
    identity = demo_user(server, BIDDER)
    project_id, lot_id = tendering_lot(server.base, PROJECT_CODE)
    pem = pem_identity_from_p12(identity, tmp_path / "identity")

    # 1. Log in with the demo .p12; the workspace lists the lot.
    log_in(page, identity)
    page.get_by_test_id("nav-workspace").click()
    lot_row = page.locator(f"[data-testid=ws-lot][data-lot-id='{lot_id}']")
    expect(lot_row).to_be_visible()
    expect(lot_row.get_by_test_id("ws-lot-bid")).to_contain_text("尚未递交")
    shot("workspace-home")
    lot_row.get_by_test_id("ws-lot-open").click()
    expect(page.get_by_test_id("ws-lot-title")).to_contain_text("一标段")
    expect(page.get_by_test_id("ws-countdown")).to_contain_text("距投标截止还有")
    expect(page.get_by_test_id("ws-no-bids")).to_be_visible()

    # Tender documents download while logged in (recorded for notifications), if any are published.
    if page.get_by_test_id("ws-document").count() > 0:
        with page.expect_download():
            page.get_by_test_id("ws-document-download").first.click()

    # 2. Bad input is refused before anything is sealed.
    fill_opening_form(page, {**FORM_TEXTS, "price_fen": "1.234", "duration_days": "3.5"})
    submit_bid(page)
    expect(page.get_by_test_id("ws-field-error-price_fen")).to_contain_text("最多两位小数")
    expect(page.get_by_test_id("ws-field-error-duration_days")).to_contain_text("非负整数")
    fill_opening_form(page, FORM_TEXTS)
    submit_bid(page)
    expect(page.get_by_test_id("ws-form-message")).to_contain_text("请至少选择一个文件")
    shot("form-refused")

    # 3. Files (incompressible, ~6 MiB in all → 7 chunks of 1 MiB), one with a Chinese name.
    files = [
        InMemoryFile("技术标书.pdf", os.urandom(4 * 1024 * 1024 + 123), "application/pdf"),
        InMemoryFile("price-list.xlsx", os.urandom(2 * 1024 * 1024 - 77)),
        InMemoryFile("说明.txt", "投标说明：工期 365 天。\n".encode(), "text/plain"),
    ]
    pick_files(page, files)
    shot("form-filled")

    # 4. Seal and upload; stall the connection at chunk 3, then reload the page.
    sent: list[int] = []
    stalled: list[int] = []
    reloaded = False

    def chunks(route: Route, request: Request) -> None:
        index = int(request.url.rsplit("/", 1)[1])
        if index >= 3 and not reloaded:
            stalled.append(index)
            route.abort("connectionreset")
            return
        sent.append(index)
        route.continue_()

    page.route(CHUNK_ROUTE, chunks)
    submit_bid(page)
    expect(page.get_by_test_id("ws-progress")).to_be_visible()
    deadline = time.monotonic() + 120
    while not stalled and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert stalled, "the upload never reached chunk 3"
    assert sent == [0, 1, 2]
    shot("upload-interrupted")

    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.method, r.url)) if "/api/bidder/" in r.url else None)
    page.reload()
    # The page finds the stored package and asks the server where to go on; its chunk 3 is still
    # held back here, so the page is seen mid-way; then the connection is let through.
    expect(page.get_by_test_id("ws-pending")).to_be_visible()
    expect(page.get_by_test_id("ws-progress")).to_be_visible()
    shot("resuming")
    reloaded = True
    receipt_number = wait_for_receipt(page)
    put_indexes = [int(url.rsplit("/", 1)[1]) for method, url in requests if method == "PUT"]
    # Chunk 3 is tried more than once (held back, then retried): never 0–2 again.
    assert sorted(set(put_indexes)) == [3, 4, 5, 6], put_indexes
    assert not [u for m, u in requests if m == "POST" and u.endswith("/uploads")], "a new upload was started"
    assert any(m == "GET" and "/api/bidder/uploads/" in u for m, u in requests)
    expect(page.get_by_test_id("ws-pending")).to_have_count(0)
    assert _upload_db_records(page) == 0, "the stored package was not deleted after completion"
    expect(page.get_by_test_id("ws-version-status-1")).to_have_text("有效")
    shot("receipt")

    # 5. Receipts: the signed JSON names this package; the PDF verifies.
    receipt = read_json(download(page, "ws-receipt-json", tmp_path / "receipt.json"))
    sha256 = page.get_by_test_id("ws-receipt-sha256").inner_text().strip()
    assert receipt["receipt"]["receipt_number"] == receipt_number
    assert receipt["receipt"]["ciphertext_sha256"] == sha256
    assert receipt["receipt"]["package_digest"] == page.get_by_test_id("ws-receipt-digest").inner_text().strip()
    assert receipt["jws"].count(".") == 2
    pdf = download(page, "ws-receipt-pdf", tmp_path / "receipt.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    report = httpx.post(
        f"{server.base}/api/verify/pdf", content=pdf, headers={"Content-Type": "application/pdf"}, timeout=120
    )
    assert report.status_code == 200, report.text
    assert report.json()["verdict"] == "TOTAL_PASSED", report.json().get("summary")
    expect(page.get_by_test_id("ws-verify-link")).to_have_attribute("href", "/verify")

    # The receipt's transparency-log proof: the server's log watch covers the bid within seconds;
    # the workspace's button then downloads it, and it verifies offline with the log's key alone.
    proof = tmp_path / "receipt.tlog-proof"
    deadline = time.monotonic() + 60
    while True:  # until then the button says the bid is not in a checkpoint yet
        try:
            with page.expect_download(timeout=5_000) as info:
                page.get_by_test_id("ws-receipt-tlog-proof").click()
            break
        except PlaywrightTimeoutError:
            assert time.monotonic() < deadline, "no .tlog-proof within 60 s of the receipt"
            time.sleep(2)
    info.value.save_as(proof)
    vkey = httpx.get(f"{server.base}/log/vkey", timeout=30).text.strip()
    _python("log", "verify-proof", str(proof), "--vkey", vkey)

    # 6. Interop: the browser's package opens with `bidding unseal` and the key from the .p12.
    package = download(page, "ws-save-copy-done", tmp_path / "browser.bid")
    assert hashlib.sha256(package.read_bytes()).hexdigest() == sha256
    out = tmp_path / "unsealed"
    _python("unseal", str(package), "--key", str(pem.key), "--cert", str(pem.cert), "--out-dir", str(out))
    assert read_json(out / "form.json") == FORM_VALUES
    for f in files:
        assert (out / "files" / f.name).read_bytes() == f.data, f.name

    # 7. Interop the other way: `bidding seal` with the same identity, opened on /workspace/check.
    cli_files = tmp_path / "cli"
    cli_files.mkdir()
    (cli_files / "商务标.pdf").write_bytes(b"%PDF-1.4 cli " + os.urandom(1000))
    (cli_files / "form.json").write_text(json.dumps({**FORM_VALUES, "price_fen": 98765432}), encoding="utf-8")
    cli_package = tmp_path / "cli.bid"
    _python(
        "seal",
        "--form", str(cli_files / "form.json"),
        "--recipient", str(pem.cert),
        "--cert", str(pem.cert),
        "--key", str(pem.key),
        "--project", project_id,
        "--lot", lot_id,
        "--out", str(cli_package),
        str(cli_files / "商务标.pdf"),
    )  # fmt: skip
    page.goto("/workspace/check")
    page.get_by_test_id("check-file").set_input_files(str(cli_package))
    expect(page.get_by_test_id("check-signature")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("check-lot")).to_have_text(lot_id)
    expect(page.get_by_test_id("check-bidder")).to_have_text(identity["credit_code"])
    page.get_by_test_id("check-open").first.click()
    price = page.get_by_test_id("check-form-price_fen")
    expect(price).to_have_attribute("data-raw", "98765432")
    expect(price).to_contain_text("987,654.32")
    expect(page.get_by_test_id("check-file-name")).to_have_text(["商务标.pdf"])
    shot("check-cli-package")

    # A file that is not a package is refused with the format's code.
    page.get_by_test_id("check-file").set_input_files(
        {"name": "not.bid", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04 not a package"}
    )
    expect(page.get_by_test_id("error-code")).to_have_text("not_a_package")

    # 8. Withdraw before the deadline, with confirmation; reached from the public project page.
    page.goto(f"/projects/{project_id}")
    page.get_by_test_id("lot-submit-link").first.click()
    expect(page.get_by_test_id("ws-lot-title")).to_contain_text("一标段")
    expect(page.get_by_test_id("ws-receipt-number")).to_have_text(receipt_number)
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("ws-withdraw").click()
    expect(page.get_by_test_id("ws-version-status-1")).to_have_text("已撤回")
    expect(page.get_by_test_id("ws-receipt")).to_have_count(0)
    # The withdrawn version's receipt stays downloadable.
    assert download(page, "ws-version-pdf-1", tmp_path / "v1.pdf").read_bytes().startswith(b"%PDF")
    shot("withdrawn")

    # 9. Phone size: the lot page fits 375 px.
    phone = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        p = phone.new_page()
        log_in(p, identity)
        open_lot(p, project_id, lot_id)
        expect(p.get_by_test_id("ws-form")).to_be_visible()
        assert_no_horizontal_scroll(p)
        p.screenshot(path=str(shot.folder / "phone-lot.png"), full_page=True)
    finally:
        phone.close()


# Runs with the server's settings: a new version of the tender documents of project CODE, published
# by a clarification (which notifies every organisation that downloaded earlier versions); with
# MOVE, every lot's deadline moves DAYS days ahead (a clarification needs 15 days).
_CLARIFY = """
import asyncio, json
from datetime import timedelta
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from bidding.core.actor import Actor
from bidding.core.clock import clock_for
from bidding.tendering.models import Project
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.core.platform import start_platform
from bidding.tendering.service import clarify, upload_document
from bidding.core.settings import Settings

async def main() -> None:
    settings = Settings.from_env()
    now = clock_for(settings.clock_offset_file).now()
    actor = Actor.system("test")
    async with start_platform(settings) as platform, platform.sessions() as session, session.begin():
        project = await session.scalar(
            select(Project).where(Project.code == CODE).options(selectinload(Project.lots)))
        async def pdf():
            yield b"%PDF-1.4 tender documents " + FILENAME.encode()
        await upload_document(session, platform.store, actor, project, filename=FILENAME,
                              content_type="application/pdf", source=pdf(), now=now)
        moved = {lot.code: now + timedelta(days=DAYS) for lot in project.lots} if MOVE else {}
        await clarify(session, actor, project, settings, kind=AnnouncementKind.CLARIFICATION, title=TITLE,
                      body="详见新版招标文件。", new_deadlines=moved, now=now)
    print(json.dumps({"project_id": str(project.id)}))

asyncio.run(main())
"""


def _clarify(server: Server, code: str, filename: str, title: str, *, move_days: int | None = None) -> None:
    script = (
        _CLARIFY.replace("CODE", repr(code))
        .replace("FILENAME", repr(filename))
        .replace("TITLE", repr(title))
        .replace("MOVE", repr(move_days is not None))
        .replace("DAYS", repr(move_days or 0))
    )
    server.python(script)


def test_documents_downloaded_logged_in_bring_clarification_notifications(
    browser: Browser, clocked_server: ClockedServer, tmp_path: Path
) -> None:
    code = "NJ-2026-HW-0103"
    _clarify(clocked_server, code, "招标文件-v1.pdf", "关于招标文件的澄清（一）", move_days=20)
    project_id, lot_id = tendering_lot(clocked_server.base, code)
    identity = demo_user(clocked_server, "bidder3")
    ctx = new_context(browser, clocked_server)
    try:
        page = ctx.new_page()
        shot = Shots(page, "test_documents_and_notifications")
        log_in(page, identity)
        page.goto("/workspace")
        expect(page.get_by_text("暂无通知。")).to_be_visible()
        open_lot(page, project_id, lot_id)
        # The demo's own tender documents are listed too: this test's version is the one it downloads.
        listed = page.get_by_test_id("ws-document").filter(has_text="招标文件-v1.pdf")
        expect(listed).to_have_count(1)
        with page.expect_download() as info:
            listed.get_by_test_id("ws-document-download").click()
        document = tmp_path / "doc.pdf"
        info.value.save_as(document)
        assert document.read_bytes().startswith(b"%PDF-1.4 tender documents")
        shot("documents")

        # A second clarification notifies this organisation, because it downloaded while logged in.
        _clarify(clocked_server, code, "招标文件-v2.pdf", "关于招标文件的澄清（二）")
        page.goto("/workspace")
        notification = page.get_by_test_id("ws-notification")
        expect(notification).to_have_count(1)
        expect(notification).to_contain_text("关于招标文件的澄清（二）")
        expect(page.get_by_test_id("ws-download")).to_contain_text("招标文件-v1.pdf")
        shot("notified")
        notification.get_by_test_id("ws-mark-read").click()
        expect(notification).to_contain_text("已读")
        expect(notification.get_by_test_id("ws-mark-read")).to_have_count(0)
        shot("read")
    finally:
        ctx.close()


def test_deadline_passing_mid_upload_is_refused_and_the_package_can_be_discarded(
    browser: Browser, clocked_server: ClockedServer, tmp_path: Path
) -> None:
    identity = demo_user(clocked_server, "bidder5")
    project_id, lot_id = tendering_lot(clocked_server.base, PROJECT_CODE, "02")
    project = httpx.get(f"{clocked_server.base}/api/public/projects/{project_id}", timeout=30).json()
    deadline = datetime.fromisoformat(next(lot for lot in project["lots"] if lot["id"] == lot_id)["bid_deadline"])
    # Five minutes before the deadline (so the login session is still valid after it).
    clocked_server.advance((deadline - clocked_server.now()).total_seconds() - 300)
    ctx = new_context(browser, clocked_server)
    try:
        page = ctx.new_page()
        shot = Shots(page, "test_deadline_passing_mid_upload")
        log_in(page, identity)
        open_lot(page, project_id, lot_id)
        fill_opening_form(page, FORM_TEXTS)
        pick_files(page, [InMemoryFile("技术标书.pdf", os.urandom(3 * 1024 * 1024), "application/pdf")])

        # The deadline passes while chunk 1 is on its way: the server judges it by its arrival.
        def chunks(route: Route, request: Request) -> None:
            if request.url.endswith("/chunks/1"):
                clocked_server.advance((deadline - clocked_server.now()).total_seconds() + 60)
            route.continue_()

        page.route(CHUNK_ROUTE, chunks)
        submit_bid(page)
        error = page.get_by_test_id("ws-action-error")
        expect(error).to_contain_text("deadline_passed", timeout=120_000)
        expect(page.get_by_test_id("ws-pending")).to_be_visible()
        expect(page.get_by_test_id("ws-no-bids")).to_be_visible()
        shot("deadline-passed")

        # The server's refusal closes the page for bids, whatever this machine's clock says.
        expect(error).to_contain_text("操作未成功")
        expect(page.get_by_test_id("ws-countdown")).to_have_text("投标已截止")
        expect(page.get_by_test_id("ws-resume")).to_be_disabled()
        expect(page.get_by_test_id("ws-form")).to_have_count(0)
        # A reload tries to resume and is refused again; discarding deletes the stored package.
        page.reload()
        expect(error).to_contain_text("deadline_passed")
        expect(page.get_by_test_id("ws-pending")).to_be_visible()
        page.once("dialog", lambda d: d.accept())
        page.get_by_test_id("ws-discard").click()
        expect(page.get_by_test_id("ws-pending")).to_have_count(0)
        assert _upload_db_records(page) == 0
        shot("discarded")
    finally:
        ctx.close()
