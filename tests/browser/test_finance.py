"""The finance officer's page (/finance, issue 18) in a real browser against `bidding serve --demo`
with a collection account configured: a finance officer of the trading centre (enrolled through the
API, its PKCS#12 imported on /login) opens the page from the header; two demo bidders have bids and
virtual sub-accounts on a fresh lot; the bank's camt.053 (written by `camt_writer`) pays both
deposits and sends money nobody addressed; the officer uploads it and sees it booked, the stray
credit waiting in the unmatched queue; a bidder withdraws (条例 35) and its refund is listed, sealed
(办法 21); the officer makes the payment file, downloads pain.001 and CSV, uploads the bank's
pain.002 and sees the refund paid. A supervisor reads the refunds without the buttons; a bidder is
refused."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from playwright.sync_api import Browser, BrowserContext, expect

from bidding.client.identity import Identity, pkcs12_bytes
from bidding.deposits.entries import Entry
from bidding.deposits.payments import RefundStatus as BankStatus
from bidding.deposits.payments import TxStatus, pain002
from bidding.deposits.statements.camt_writer import write_camt
from crypto.ca import make_csr, make_key
from crypto.subject import PlatformSubject
from tests.browser.conftest import (
    PHONE,
    ROOT,
    Server,
    StepShots,
    assert_no_horizontal_scroll,
    new_context,
    open_page,
    running_server,
)
from tests.browser.steps.identity import demo_user, log_in
from tests.browser.steps.room import create_opening
from tests.browser.steps.workspace import open_lot
from tests.conftest import run_sync
from tests.fixtures.deposits import entry, statement
from tests.fixtures.guarantees import ISSUER, guarantee_pdf
from tests.fixtures.parties import new_code
from tests.fixtures.pki import Pki

pytestmark = pytest.mark.slow

COLLECTION = "6222020200012345678"
PASSPHRASE = "finance-browser-test"
CHINA = timedelta(hours=8)
PAIN001 = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"

# Runs with the server's settings: the first two demo bidders log in and open their deposit for the
# lot, which issues their virtual sub-accounts. Prints them as JSON.
_ACCOUNTS = """
import asyncio, json
import httpx
from bidding.client.session import login
from bidding.core.settings import Settings
from bidding.demo.identities import load_cast

async def main() -> None:
    settings = Settings.from_env()
    cast = load_cast(settings.data_dir / "demo" / "identities")
    base = settings.effective_base_url
    out = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for identity in cast.bidders[:2]:
            session = await login(http, identity, audience=base)
            r = await http.get("/api/bidder/lots/LOT/deposit", headers=session.headers)
            assert r.status_code == 200, r.text
            body = r.json()
            out.append({"virtual_account": body["virtual_account"], "required_fen": body["required_fen"],
                        "organisation": session.session["organization_name"],
                        "organization_id": session.session["organization_id"]})
    print(json.dumps(out))

asyncio.run(main())
"""

# The demo bidder number INDEX (0-based) withdraws its bid (条例 35: its deposit is refunded at once).
_WITHDRAW = """
import asyncio
import httpx
from bidding.client.session import login
from bidding.core.settings import Settings
from bidding.demo.identities import load_cast

async def main() -> None:
    settings = Settings.from_env()
    cast = load_cast(settings.data_dir / "demo" / "identities")
    base = settings.effective_base_url
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        session = await login(http, cast.bidders[INDEX], audience=base)
        r = await http.post("/api/bidder/lots/LOT/withdraw", headers=session.headers)
        assert r.status_code == 200, r.text

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def finance_server(
    frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory, guarantee_issuer: Pki
) -> Iterator[Server]:
    """A demo server of this module's own with a deposit collection account and a trusted guarantee
    issuer (a bank's guarantee centre), no live opening."""
    tmp = tmp_path_factory.mktemp("finance")
    roots = tmp / "guarantee-roots"
    roots.mkdir()
    (roots / "bank.pem").write_bytes(guarantee_issuer.ca.root_cert.public_bytes(serialization.Encoding.PEM))
    extra = {"BIDDING_DEPOSIT_COLLECTION_ACCOUNTS": COLLECTION, "BIDDING_GUARANTEE_ROOTS": str(roots)}
    with running_server(tmp, frontend_dist, extra, ("--demo-opening-minutes", "0")) as srv:
        yield srv


@pytest.fixture
def people(browser: Browser, finance_server: Server) -> Iterator[list[BrowserContext]]:
    contexts: list[BrowserContext] = []
    yield contexts
    for ctx in contexts:
        ctx.close()


def enrol_finance_officer(srv: Server, folder: Path) -> dict[str, Any]:
    """A trading centre's finance officer (财务), enrolled through the API as a real one would be; its
    key and certificate written as a PKCS#12 file for the browser's /login import."""
    code = new_code()
    name = f"南京公共资源交易中心财务{secrets.token_hex(2)}"
    with httpx.Client(base_url=srv.base, timeout=30) as http, srv.admin() as admin:
        org = http.post(
            "/api/enrolment/organisations",
            json={
                "name": name,
                "credit_code": code,
                "kind": "trading_centre",
                "contact_name": "钱会计",
                "contact_phone": "025-80000000",
            },
        )
        assert org.status_code == 201, org.text
        org_id = org.json()["id"]
        approved = admin.post(f"/api/admin/organisations/{org_id}/approve")
        assert approved.status_code == 200, approved.text
        issued = admin.post(f"/api/admin/organisations/{org_id}/enrolment-codes", json={"role": "finance"})
        assert issued.status_code == 201, issued.text
        key = make_key("ec-p256")
        csr = make_csr(key, PlatformSubject(name, code, "钱会计", "finance"))
        cert = http.post(
            "/api/enrolment/certificates",
            json={
                "enrolment_code": issued.json()["enrolment_code"],
                "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
            },
        )
        assert cert.status_code == 201, cert.text
    body = cert.json()
    certificate = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    chain = tuple(x509.load_pem_x509_certificates(body["chain_pem"].encode()))
    p12 = folder / "finance.p12"
    p12.write_bytes(pkcs12_bytes(Identity(key, certificate, chain), PASSPHRASE.encode(), f"{name} 钱会计"))
    return {"p12": str(p12), "passphrase": PASSPHRASE, "fingerprint": body["fingerprint"], "organisation": name}


def credit(number: str | None, amount_fen: int, payer: str, name: str) -> Entry:
    tag = uuid.uuid4().hex[:10].upper()
    today = (datetime.now(UTC) + CHINA).date()
    return entry(
        amount_fen=amount_fen,
        value_date=today,
        booking_date=today,
        bank_ref=f"C{tag}",
        end_to_end_id=f"E{tag}",
        counterparty_account=payer,
        counterparty_name=name,
        addressed_account=number,
    )


def camt053(entries: list[Entry], *, sequence: int, opening_fen: int = 0) -> bytes:
    """The entries as the bank's end-of-day camt.053 of the collection account (``ElctrncSeqNb`` ``sequence``)."""
    name = f"ST{secrets.token_hex(4).upper()}"
    numbered = [
        msgspec.structs.replace(e, statement_id=name, index=i, sequence=sequence) for i, e in enumerate(entries, 1)
    ]
    return write_camt([statement(numbered, account=COLLECTION, sequence=sequence, opening_fen=opening_fen)])


def test_finance_officer_imports_a_statement_and_pays_a_refund(
    browser: Browser,
    finance_server: Server,
    people: list[BrowserContext],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    srv = finance_server
    shots = StepShots(request.node.name)
    errors: list[str] = []

    # A fresh lot (deadline in 30 minutes) with two demo bidders' bids and their virtual sub-accounts.
    opening = create_opening(srv, bidders=2, minutes=30)
    bidders = json.loads(srv.python(_ACCOUNTS.replace("LOT", opening.lot_id)).strip().splitlines()[-1])
    assert all(b["virtual_account"] for b in bidders), bidders
    required = bidders[0]["required_fen"]
    payers = ["622848000011112222", "622848000033334444"]
    stray = 123_456
    camt = tmp_path / "statement.camt053.xml"
    camt.write_bytes(
        camt053(
            [credit(b["virtual_account"], required, payers[i], b["organisation"]) for i, b in enumerate(bidders)]
            + [credit(COLLECTION, stray, "622848000055556666", "某某贸易有限公司")],
            sequence=1,
        )
    )

    # The finance officer logs in; the header links the page.
    officer = enrol_finance_officer(srv, tmp_path)
    page = open_page(browser, srv, people, errors)
    log_in(page, officer)
    page.get_by_test_id("nav-finance").click()
    expect(page).to_have_url(re.compile(r"/finance"))
    expect(page.get_by_role("heading", name="保证金财务")).to_be_visible()
    expect(page.get_by_test_id("finance-read-only")).to_have_count(0)

    # A file the adapters refuse: the server's message, in Chinese, and nothing booked.
    bad = tmp_path / "garbage.xml"
    bad.write_bytes(b"<Document><nope/></Document>")
    upload = page.get_by_test_id("finance-statement-upload")
    upload.get_by_test_id("finance-statement-upload-file").set_input_files(str(bad))
    upload.get_by_test_id("finance-statement-upload-submit").click()
    refusal = upload.get_by_role("alert")
    expect(refusal).to_contain_text("statement_")
    assert re.search(r"[\u4e00-\u9fff]", refusal.inner_text()), refusal.inner_text()
    shots.take(page, "statement-refused")

    # The bank's camt.053: both deposits booked (sealed: the lot is not opened), the stray credit unmatched.
    upload.get_by_test_id("finance-statement-upload-file").set_input_files(str(camt))
    upload.get_by_test_id("finance-statement-upload-submit").click()
    result = page.get_by_test_id("finance-import-result")
    expect(result).to_be_visible()
    expect(result.get_by_test_id("finance-import-booked")).to_have_text("3")
    expect(result.get_by_test_id("finance-import-unmatched")).to_have_text("1")
    expect(result.get_by_test_id("finance-import-duplicates")).to_have_text("0")
    expect(result).to_contain_text("camt.053")
    statement_row = page.get_by_test_id("finance-statement").first
    expect(statement_row).to_contain_text(COLLECTION)
    statement_name = statement_row.get_attribute("data-statement")
    assert statement_name
    page.get_by_test_id(f"finance-statement-toggle-{statement_name}").click()
    entries = page.get_by_test_id("finance-entry")
    expect(entries).to_have_count(3)
    expect(page.locator("[data-testid=finance-entry][data-sealed=true]")).to_have_count(2)
    expect(page.get_by_test_id("finance-entries")).not_to_contain_text(payers[0])
    expect(page.locator("[data-testid=finance-entry][data-routed=unmatched]")).to_contain_text("某某贸易有限公司")
    shots.take(page, "statement-booked")

    # The same file again: nothing booked twice.
    upload.get_by_test_id("finance-statement-upload-file").set_input_files(str(camt))
    upload.get_by_test_id("finance-statement-upload-submit").click()
    expect(page.get_by_test_id("finance-import-already")).to_be_visible()
    expect(page.get_by_test_id("finance-import-booked")).to_have_text("0")

    # The unmatched queue: the stray credit, returned to its payer with a mandatory reason.
    page.get_by_test_id("finance-tab-unmatched").click()
    stray_row = page.get_by_test_id("finance-unmatched-entry").filter(has_text="某某贸易有限公司")
    expect(stray_row).to_have_count(1)
    expect(stray_row).to_contain_text("¥1,234.56")
    expect(stray_row).to_contain_text("付至收款专户本身")
    entry_id = stray_row.get_attribute("data-entry")
    page.get_by_test_id(f"finance-unmatched-resolve-{entry_id}").click()
    form = page.get_by_test_id("finance-resolve-form")
    form.get_by_test_id("finance-resolve-return").check()
    form.get_by_test_id("finance-resolve-submit").click()
    expect(form.get_by_test_id("finance-resolve-issues")).to_contain_text("请填写原因")
    form.get_by_test_id("finance-resolve-reason").fill("付款人来电：误汇，申请退回")
    shots.take(page, "resolve")
    form.get_by_test_id("finance-resolve-submit").click()
    expect(page.get_by_test_id("finance-unmatched-notice")).to_be_visible()
    expect(page.get_by_test_id("finance-unmatched-empty")).to_be_visible()
    page.get_by_test_id("finance-unmatched-state-resolved").click()
    resolved = page.get_by_test_id("finance-unmatched-entry").filter(has_text="某某贸易有限公司")
    expect(resolved).to_contain_text("退回付款人")
    expect(resolved).to_contain_text("付款人来电：误汇，申请退回")

    # The daily balance check: the ledger equals the bank's closing balance, green.
    page.get_by_test_id("finance-tab-balance").click()
    account = page.get_by_test_id("finance-balance-account").filter(has_text=COLLECTION)
    expect(account).to_have_attribute("data-ok", "true")
    total = f"¥{(2 * required + stray) / 100:,.2f}"
    expect(account.get_by_test_id("finance-balance-ledger")).to_have_text(total)
    expect(account.get_by_test_id("finance-balance-bank")).to_have_text(total)
    expect(page.get_by_test_id("finance-balance-overall")).to_have_text("账实相符")
    shots.take(page, "balance")

    # The next statement skips number 2: booked, and the gap raises an alert; the balance still agrees.
    late = 50_000
    second = tmp_path / "statement-3.xml"
    second.write_bytes(
        camt053(
            [credit(COLLECTION, late, "622848000077778888", "迟到的付款人")],
            sequence=3,
            opening_fen=2 * required + stray,
        )
    )
    page.get_by_test_id("finance-tab-statements").click()
    upload.get_by_test_id("finance-statement-upload-file").set_input_files(str(second))
    upload.get_by_test_id("finance-statement-upload-submit").click()
    expect(page.get_by_test_id("finance-import-booked")).to_have_text("1")
    expect(page.get_by_test_id("finance-import-alerts")).to_have_text("1")
    expect(page.get_by_test_id("finance-import-result")).to_contain_text("对账单序号缺失")
    page.get_by_test_id("finance-tab-alerts").click()
    gap = page.locator("[data-testid=finance-alert][data-kind=sequence_gap]")
    expect(gap).to_have_count(1)
    expect(gap).to_contain_text("缺少的序号")
    expect(gap).to_contain_text("2")
    shots.take(page, "alerts")
    page.get_by_test_id("finance-tab-balance").click()
    page.get_by_test_id("finance-balance-refresh").click()
    total = f"¥{(2 * required + stray + late) / 100:,.2f}"
    expect(account.get_by_test_id("finance-balance-bank")).to_have_text(total)
    expect(account).to_have_attribute("data-ok", "true")

    # A bidder withdraws before the deadline: its deposit is refunded (条例 35), the lot sealed (办法 21).
    srv.python(_WITHDRAW.replace("LOT", opening.lot_id).replace("INDEX", "1"))
    page.get_by_test_id("finance-tab-refunds").click()
    expect(page).to_have_url(re.compile(r"tab=refunds"))
    row = page.get_by_test_id("finance-refund").filter(has_text=bidders[1]["organisation"])
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "due")
    expect(row.get_by_test_id("finance-refund-sealed")).to_be_visible()
    expect(row).to_contain_text("撤回投标")
    expect(row).to_contain_text(payers[1])
    refund_id = row.get_attribute("data-refund")
    assert refund_id
    amount = row.get_by_test_id("finance-refund-amount").inner_text()
    assert amount.startswith("¥")
    shots.take(page, "refund-due")

    # Who paid for the lot stays sealed until its bids are extracted (办法 21): the server's refusal.
    page.get_by_test_id("finance-tab-lots").click()
    page.get_by_test_id("finance-lots-id").fill(opening.lot_id)
    page.get_by_test_id("finance-lots-show").click()
    expect(page.get_by_test_id("finance-lots").get_by_role("alert")).to_contain_text("deposits_sealed")
    expect(page).to_have_url(re.compile(rf"lot={opening.lot_id}"))
    page.get_by_test_id("finance-tab-refunds").click()

    # The payment file: made, its pain.001 carries the refund, the CSV too.
    page.get_by_test_id("finance-batch-create").click()
    made = page.get_by_test_id("finance-batch-made")
    expect(made).to_be_visible()
    batch_row = page.get_by_test_id("finance-batch").first
    batch_id = batch_row.get_attribute("data-batch")
    assert batch_id
    with page.expect_download() as xml_download:
        page.get_by_test_id(f"finance-batch-xml-{batch_id}").click()
    xml_path = tmp_path / "pain001.xml"
    xml_download.value.save_as(xml_path)
    assert xml_download.value.suggested_filename == f"{batch_id}.xml"
    root = etree.fromstring(xml_path.read_bytes())
    ids = [tx.findtext(f"{PAIN001}PmtId/{PAIN001}EndToEndId") for tx in root.iter(f"{PAIN001}CdtTrfTxInf")]
    assert refund_id in ids
    with page.expect_download() as csv_download:
        page.get_by_test_id(f"finance-batch-csv-{batch_id}").click()
    csv_path = tmp_path / "batch.csv"
    csv_download.value.save_as(csv_path)
    assert refund_id in csv_path.read_bytes().decode("utf-8-sig")
    page.get_by_test_id("finance-refunds-filter-exported").click()
    expect(page.get_by_test_id("finance-refund").filter(has_text=refund_id)).to_have_attribute(
        "data-status", "exported"
    )
    shots.take(page, "payment-file")

    # The bank's pain.002: paid. A refused file first: the server's message in Chinese.
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<nope/>")
    upload = page.get_by_test_id("finance-report-upload")
    upload.get_by_test_id("finance-report-upload-file").set_input_files(str(bad))
    upload.get_by_test_id("finance-report-upload-submit").click()
    expect(upload.get_by_role("alert")).to_contain_text("payment_report_invalid")
    report = tmp_path / "pain002.xml"
    report.write_bytes(
        pain002(
            batch_id,
            [BankStatus(rid, TxStatus.ACSC) for rid in ids if rid],
            message_id=f"B{secrets.token_hex(5)}",
            created_at=datetime.now(UTC),
        )
    )
    upload.get_by_test_id("finance-report-upload-file").set_input_files(str(report))
    upload.get_by_test_id("finance-report-upload-submit").click()
    result = page.get_by_test_id("finance-report-result")
    expect(result).to_be_visible()
    expect(result.get_by_test_id("finance-report-paid")).to_contain_text(refund_id)
    page.get_by_test_id("finance-refunds-filter-paid").click()
    expect(page.get_by_test_id("finance-refund").filter(has_text=refund_id)).to_have_attribute("data-status", "paid")
    shots.take(page, "paid")

    # English: the same page, its texts in English.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Deposit finance")).to_be_visible()
    expect(page.get_by_test_id("finance-refund").filter(has_text=refund_id)).to_contain_text("Bid withdrawn")
    shots.take(page, "english")
    assert not errors, errors


def test_supervisor_reads_refunds_without_buttons_and_a_bidder_is_refused(
    browser: Browser, finance_server: Server, people: list[BrowserContext]
) -> None:
    errors: list[str] = []
    page = open_page(browser, finance_server, people, errors)
    log_in(page, demo_user(finance_server, "supervisor"))
    page.get_by_test_id("nav-finance").click()
    expect(page.get_by_test_id("finance-read-only")).to_be_visible()
    page.get_by_test_id("finance-tab-refunds").click()
    expect(page.get_by_test_id("finance-refunds-totals")).to_be_visible()
    expect(page.get_by_test_id("finance-batch-form")).to_have_count(0)
    expect(page.get_by_test_id("finance-report")).to_have_count(0)
    expect(page.get_by_test_id("finance-forfeit")).to_have_count(0)
    page.get_by_test_id("finance-tab-statements").click()
    expect(page.get_by_test_id("finance-statements")).to_be_visible()
    expect(page.get_by_test_id("finance-statement-upload-card")).to_have_count(0)

    # On a phone the page fits the screen's width.
    phone = browser.new_context(
        base_url=finance_server.base, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    people.append(phone)
    small = phone.new_page()
    small.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(small, demo_user(finance_server, "supervisor"))
    for tab in ("statements", "unmatched", "alerts", "refunds", "lots", "balance"):
        small.goto(f"/finance?tab={tab}")
        expect(small.get_by_test_id(f"finance-panel-{tab}")).to_be_visible()
        small.wait_for_load_state("networkidle")
        assert_no_horizontal_scroll(small)

    bidder = open_page(browser, finance_server, people, errors)
    log_in(bidder, demo_user(finance_server, "bidder3"))
    expect(bidder.get_by_test_id("nav-finance")).to_have_count(0)
    bidder.goto("/finance")
    expect(bidder.get_by_test_id("finance-refused")).to_contain_text("投标人")
    assert not errors, errors


def test_bidder_deposit_card_account_guarantee_payment_and_refund(
    browser: Browser,
    finance_server: Server,
    people: list[BrowserContext],
    guarantee_issuer: Pki,
    rogue_issuer: Pki,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """The bidder's deposit card (/workspace/lots/:lot): what is due, its own virtual sub-account and
    the copy button, its basic account (refused, then saved), an electronic guarantee (refused in the
    page, refused by the server for an unknown issuer, then verified and listed), the bank's payment
    as it arrives, and after the withdrawal its refund; then the same card in English."""
    srv = finance_server
    shots = StepShots(request.node.name)
    errors: list[str] = []
    opening = create_opening(srv, bidders=3, minutes=30)
    identity = demo_user(srv, "bidder3")

    ctx = new_context(browser, srv, permissions=["clipboard-read", "clipboard-write"])
    people.append(ctx)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, identity)
    open_lot(page, opening.project_id, opening.lot_id)
    card = page.get_by_test_id("ws-deposit")
    expect(card.get_by_test_id("ws-deposit-required")).to_have_text("¥256,000.00")

    # Its own virtual sub-account under the collection account; the button copies it.
    number = card.get_by_test_id("ws-virtual-account").inner_text().strip()
    assert number.startswith(COLLECTION) and len(number) > len(COLLECTION), number
    card.get_by_test_id("ws-copy-account").click()
    expect(card.get_by_test_id("ws-copy-account")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == number
    shots.take(page, "virtual-account")

    # The basic account: a bad number is refused in the page, nothing sent; then saved.
    payer = "3201" + "".join(secrets.choice("0123456789") for _ in range(14))
    card.get_by_test_id("ws-basic-edit").click()
    card.get_by_test_id("ws-basic-bank").fill("中国建设银行南京分行")
    card.get_by_test_id("ws-basic-number").fill("12-34")
    card.get_by_test_id("ws-basic-save").click()
    expect(card.get_by_test_id("ws-basic-form")).to_contain_text("账号须为 8 至 32 位数字")
    card.get_by_test_id("ws-basic-number").fill(payer)
    card.get_by_test_id("ws-basic-save").click()
    expect(card.get_by_test_id("ws-deposit-notice")).to_have_text("基本账户已保存。")
    expect(card.get_by_test_id("ws-basic-account")).to_contain_text(payer)
    expect(card.get_by_test_id("ws-basic-account")).to_contain_text("中国建设银行南京分行")

    # An electronic guarantee: short of the deposit, refused in the page.
    tenderer = card.inner_text().split("受益人：", 1)[1].splitlines()[0].strip()
    until = datetime.now(UTC).date() + timedelta(days=400)
    form = card.get_by_test_id("ws-guarantee-form")
    form.get_by_test_id("ws-guarantee-number").fill("BH-2026-0001")
    form.get_by_test_id("ws-guarantee-issuer").fill(ISSUER)
    form.get_by_test_id("ws-guarantee-amount").fill("1000")
    form.get_by_test_id("ws-guarantee-from").fill((datetime.now(UTC).date() - timedelta(days=1)).isoformat())
    form.get_by_test_id("ws-guarantee-until").fill(until.isoformat())
    form.get_by_test_id("ws-guarantee-attach").click()
    expect(form).to_contain_text("担保金额低于应缴保证金")
    expect(form).to_contain_text("请选择带电子签名的 PDF 文件")

    # One signed by a guarantor the centre has not accepted: the server refuses it, nothing listed.
    rogue = tmp_path / "rogue.pdf"
    rogue.write_bytes(run_sync(guarantee_pdf(rogue_issuer, "BH-2026-0001", tenderer, 25_600_000, until)))
    form.get_by_test_id("ws-guarantee-amount").fill("256000")
    form.get_by_test_id("ws-guarantee-pdf").set_input_files(str(rogue))
    form.get_by_test_id("ws-guarantee-attach").click()
    expect(card.get_by_test_id("ws-deposit-error")).to_contain_text("guarantee_issuer_untrusted")
    expect(card.get_by_test_id("ws-guarantees")).to_have_count(0)

    # The bank's, signed PAdES B-LT: verified and listed with its signer.
    good = tmp_path / "guarantee.pdf"
    good.write_bytes(run_sync(guarantee_pdf(guarantee_issuer, "BH-2026-0001", tenderer, 25_600_000, until)))
    form.get_by_test_id("ws-guarantee-pdf").set_input_files(str(good))
    form.get_by_test_id("ws-guarantee-attach").click()
    expect(card.get_by_test_id("ws-deposit-notice")).to_have_text("电子保函已通过验证并提交。")
    listed = card.get_by_test_id("ws-guarantees")
    expect(listed).to_contain_text("BH-2026-0001")
    expect(listed).to_contain_text("¥256,000.00")
    expect(listed).to_contain_text(ISSUER)
    expect(card.get_by_test_id("ws-deposit-error")).to_have_count(0)
    shots.take(page, "guarantee")

    # The bank's statement pays the virtual sub-account from the basic account (`bidding deposits import`).
    camt = tmp_path / "statement.xml"
    camt.write_bytes(camt053([credit(number, 25_600_000, payer, identity["organisation"])], sequence=1))
    imported = subprocess.run(
        [sys.executable, "-m", "bidding", "deposits", "import", str(camt)],
        env=srv.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    page.reload()
    payments = card.get_by_test_id("ws-payments")
    expect(payments).to_contain_text(payer)
    expect(payments).to_contain_text("¥256,000.00")
    expect(card.get_by_test_id("ws-refunds")).to_have_count(0)

    # It withdraws (条例 35): the refund of that payment, to the account it came from, is listed.
    srv.python(_WITHDRAW.replace("LOT", opening.lot_id).replace("INDEX", "2"))
    page.reload()
    refund = card.get_by_test_id("ws-refunds").locator("li")
    expect(refund).to_have_count(1)
    expect(refund).to_have_attribute("data-status", "due")
    expect(refund).to_contain_text("撤回投标")
    expect(refund).to_contain_text(payer)
    expect(refund).to_contain_text("¥256,000.00")
    shots.take(page, "refund")

    # English: the same card.
    page.get_by_role("button", name="English").click()
    expect(card.get_by_role("heading", name="Bid deposit")).to_be_visible()
    expect(card.get_by_test_id("ws-refunds")).to_contain_text("Bid withdrawn")
    shots.take(page, "english")
    assert not errors, errors


def test_the_page_knows_the_servers_enums() -> None:
    """The web app's copies of the refund, queue, alert and forfeit values are the server's."""
    from bidding.deposits.ledger import AlertKind, UnmatchedReason
    from bidding.deposits.models import QueueState
    from bidding.deposits.refund_rules import ForfeitReason, RefundStatus, RefundTrigger

    source = (Path(__file__).resolve().parents[2] / "frontend" / "src" / "api" / "finance.ts").read_text("utf-8")

    def listed(name: str) -> list[str]:
        found = re.search(rf"export const {name} = \[([^\]]*)\]", source)
        assert found is not None, name
        return re.findall(r"'([a-z_]+)'", found.group(1))

    assert listed("REFUND_STATUSES") == [s.value for s in RefundStatus]
    assert listed("REFUND_TRIGGERS") == [t.value for t in RefundTrigger]
    assert listed("FORFEIT_REASONS") == [r.value for r in ForfeitReason]
    assert listed("QUEUE_STATES") == [q.value for q in QueueState]
    assert listed("UNMATCHED_REASONS") == [r.value for r in UnmatchedReason]
    assert listed("ALERT_KINDS") == [k.value for k in AlertKind]
