"""Deposit refunds end to end through the API, on both profiles (issue 18, "done when"): a lot with a
deposit; bidders pay into their virtual sub-accounts by a camt.053 the book imports; a withdrawal
before the deadline refunds its bidder (条例 35); the contract is recorded by the agent (条例 57) →
refunds with interest; the finance officer exports them as pain.001 (and CSV), uploads the bank's
pain.002, the bank's camt.053 debits close them; the book stays balanced. Roles are held to their
part: the wrong role or the wrong bidder is refused, bad input is a 4xx in the house format."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import msgspec
from lxml import etree
from sqlalchemy import select, update

from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.deposits.book import balances
from bidding.deposits.entries import Direction
from bidding.deposits.importer import import_file
from bidding.deposits.ledger import AccountKind
from bidding.deposits.payments import RefundStatus as BankStatus
from bidding.deposits.payments import TxStatus, pain002
from bidding.deposits.refund_models import DepositRefund
from bidding.deposits.refunds import policy_of, refund_watch
from bidding.deposits.statements.camt_writer import write_camt
from bidding.tendering.models import Lot
from bidding.tendering.rules.deposit_requirements import CHINA_TIME
from tests.conftest import DEPOSIT_COLLECTION
from tests.fixtures.deposits import entry, statement
from tests.fixtures.parties import logged_in_parties
from tests.fixtures.projects import create_published, relogin
from tests.fixtures.uploads import new_bidder_with_bid

PAIN001 = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body["error"]["code"] if isinstance(body, dict) and "error" in body else response.text


async def bank(platform: Any, clock: ManualClock, entries: list[Any]) -> Any:
    """The entries as the bank's camt.053 of the collection account, imported through the book."""
    run = uuid.uuid4().hex[:8]
    numbered = [msgspec.structs.replace(e, statement_id=f"ST{run}", index=i) for i, e in enumerate(entries, 1)]
    camt = write_camt([statement(numbered, account=DEPOSIT_COLLECTION, sequence=None)])
    return await import_file(
        platform.sessions, Actor.system("test-bank"), camt, collections=(DEPOSIT_COLLECTION,), now=clock.now()
    )


def credit(number: str, amount: int, day: date, payer: str, name: str) -> Any:
    tag = uuid.uuid4().hex[:10]
    return entry(
        amount_fen=amount,
        value_date=day,
        booking_date=day,
        bank_ref=f"C{tag}",
        end_to_end_id=f"E{tag}",
        counterparty_account=payer,
        counterparty_name=name,
        addressed_account=number,
    )


async def test_refunds_from_payment_to_closing_through_the_api(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any
) -> None:
    p = await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("finance", "trading_centre", "finance"),
        ("supervisor", "supervisor"),
        ("stranger", "agent"),
    )
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    required, deadline = lot["deposit_fen"], datetime.fromisoformat(lot["bid_deadline"])
    stayer, stayer_session = await new_bidder_with_bid(client, admin_headers, project, lot, b"proposal A")
    leaver, leaver_session = await new_bidder_with_bid(client, admin_headers, project, lot, b"proposal B")
    p["users"] |= {"stayer": stayer, "leaver": leaver}
    p["stayer"], p["leaver"] = stayer_session.headers, leaver_session.headers
    numbers = {
        name: (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p[name])).json()["virtual_account"]
        for name in ("stayer", "leaver")
    }
    paid_on = (clock.now() - timedelta(days=1)).astimezone(CHINA_TIME).date()
    payers = {"stayer": "622848000011112222", "leaver": "622848000033334444"}
    imported = await bank(
        platform,
        clock,
        [credit(numbers[n], required, paid_on, payers[n], p["users"][n].org_name) for n in ("stayer", "leaver")],
    )
    assert (imported.booked, imported.unmatched) == (2, 0)

    # 条例 35: the withdrawal refunds its bidder at once (due in 5 days), named by no lot until the deadline.
    withdrawn = await client.post(f"/api/bidder/lots/{lot['id']}/withdraw", headers=p["leaver"])
    assert withdrawn.status_code == 200, withdrawn.text
    # The refunded payment is no longer a deposit held for the lot: bidding again needs a new one.
    held = {
        name: (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p[name])).json()["payments"]
        for name in ("stayer", "leaver")
    }
    assert [x["amount_fen"] for x in held["stayer"]] == [required] and held["leaver"] == []
    mine = (await client.get("/api/bidder/refunds", headers=p["leaver"])).json()
    assert [(r["trigger"], r["principal_fen"], r["creditor_account"], r["lot_id"]) for r in mine] == [
        ("withdrawal", required, payers["leaver"], lot["id"])
    ]
    assert mine[0]["due_on"] == (clock.now().astimezone(CHINA_TIME).date() + timedelta(days=5)).isoformat()
    assert (await client.get("/api/bidder/refunds", headers=p["stayer"])).json() == []
    sealed = (await client.get("/api/finance/refunds", headers=p["finance"])).json()
    assert any(r["id"] == mine[0]["id"] and r["sealed"] and r["lot_id"] is None for r in sealed)
    # Listing by lot names who paid: nothing before the extraction (办法 21).
    assert (await client.get(f"/api/finance/refunds?lot_id={lot['id']}", headers=p["finance"])).json() == []

    contract = f"/api/tendering/lots/{lot['id']}/contract-signed"
    today = clock.now().astimezone(CHINA_TIME).date()
    assert error(await client.post(contract, json={"signed_on": today.isoformat()}, headers=p["agent"])) == (
        409,
        "refund_trigger_too_early",
    )

    # The opening took the bids; ten days later the contract is signed.
    async with platform.sessions() as db, db.begin():
        await db.execute(update(Lot).where(Lot.id == uuid.UUID(lot["id"])).values(bids_extracted_at=deadline))
    clock.set(deadline + timedelta(days=10))
    await relogin(client, p)
    signed = clock.now().astimezone(CHINA_TIME).date()
    body = {"signed_on": signed.isoformat()}
    assert error(await client.post(contract, json=body, headers=p["stayer"]))[0] == 403
    assert error(await client.post(contract, json=body, headers=p["finance"]))[0] == 403
    assert error(await client.post(contract, json=body, headers=p["stranger"])) == (404, "not_found")
    assert error(await client.post(contract, json={"signed_on": "yesterday"}, headers=p["agent"])) == (
        400,
        "validation_failed",
    )
    assert error(await client.post(contract, json=body | {"extra": 1}, headers=p["agent"])) == (
        400,
        "validation_failed",
    )
    future = {"signed_on": (signed + timedelta(days=1)).isoformat()}
    assert error(await client.post(contract, json=future, headers=p["agent"])) == (400, "refund_trigger_date_invalid")
    recorded = await client.post(contract, json=body, headers=p["agent"])
    assert recorded.status_code == 200, recorded.text
    view = recorded.json()
    assert view["article"] == "条例57" and view["recorded_now"]
    assert [(r["organization_id"], r["principal_fen"], r["due_on"]) for r in view["refunds"]] == [
        (stayer.org_id, required, (signed + timedelta(days=5)).isoformat())
    ]
    assert view["refunds"][0]["interest_fen"] > 0
    again = (await client.post(contract, json=body, headers=p["tenderer"])).json()  # the tenderer may too; once
    assert not again["recorded_now"] and [r["id"] for r in again["refunds"]] == [r["id"] for r in view["refunds"]]

    # Who reads what.
    listed = (await client.get(f"/api/finance/refunds?lot_id={lot['id']}", headers=p["finance"])).json()
    assert {r["trigger"] for r in listed} == {"withdrawal", "contract_signed"} and {r["status"] for r in listed} == {
        "due"
    }
    assert len((await client.get(f"/api/finance/refunds?lot_id={lot['id']}", headers=p["supervisor"])).json()) == 2
    assert error(await client.get("/api/finance/refunds", headers=p["stayer"]))[0] == 403
    assert error(await client.get("/api/finance/refunds?status=everything", headers=p["finance"]))[0] == 400
    assert error(await client.get("/api/finance/refunds"))[0] == 401

    # The finance officer's payment file; nobody else may make one.
    assert error(await client.post("/api/finance/refund-batches", json={}, headers=p["supervisor"]))[0] == 403
    assert error(await client.post("/api/finance/refund-batches", json={"account": "123"}, headers=p["finance"])) == (
        400,
        "invalid_input",
    )
    made = await client.post(
        "/api/finance/refund-batches", json={"idempotency_key": f"api-{uuid.uuid4().hex}"}, headers=p["finance"]
    )
    assert made.status_code == 201, made.text
    batch = made.json()
    ours = {r["id"] for r in listed}
    assert ours <= set(batch["refund_ids"])
    xml = await client.get(f"/api/finance/refund-batches/{batch['id']}/file", headers=p["finance"])
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(xml.content)
    amounts = {
        tx.findtext(f"{PAIN001}PmtId/{PAIN001}EndToEndId"): int(
            Decimal(tx.findtext(f"{PAIN001}Amt/{PAIN001}InstdAmt") or "0") * 100
        )
        for tx in root.iter(f"{PAIN001}CdtTrfTxInf")
    }
    assert set(amounts) == set(batch["refund_ids"]) and sum(amounts.values()) == batch["total_fen"]
    csv = await client.get(f"/api/finance/refund-batches/{batch['id']}/file?format=csv", headers=p["finance"])
    assert csv.headers["content-type"] == "text/csv; charset=utf-8" and "退款编号" in csv.content.decode("utf-8-sig")
    assert error(await client.get(f"/api/finance/refund-batches/{batch['id']}/file", headers=p["supervisor"]))[0] == 403
    assert error(await client.get("/api/finance/refund-batches/NOPE/file", headers=p["finance"])) == (404, "not_found")
    assert error(await client.post("/api/finance/refund-batches", json={}, headers=p["finance"])) == (
        409,
        "refund_nothing_to_export",
    )

    # The bank's answer.
    reports = "/api/finance/payment-reports"
    report = pain002(
        batch["id"],
        [BankStatus(rid, TxStatus.ACSC) for rid in batch["refund_ids"]],
        message_id=f"B{uuid.uuid4().hex[:10]}",
        created_at=clock.now(),
    )
    xml_type = {"Content-Type": "application/xml"}
    assert (
        error(await client.post(reports, content=report, headers=p["finance"] | {"Content-Type": "text/plain"}))[0]
        == 415
    )
    assert error(await client.post(reports, content=b"<nope/>", headers=p["finance"] | xml_type)) == (
        422,
        "payment_report_invalid",
    )
    assert error(await client.post(reports, content=report, headers=p["supervisor"] | xml_type))[0] == 403
    confirmed = await client.post(reports, content=report, headers=p["finance"] | xml_type)
    assert confirmed.status_code == 200, confirmed.text
    assert set(confirmed.json()["paid"]) == set(batch["refund_ids"])
    assert (await client.post(reports, content=report, headers=p["finance"] | xml_type)).json()["already_imported"]

    # The bank's statement debits the refunds; the watch closes them; the book balances.
    async with platform.sessions() as db:
        paid = (await db.scalars(select(DepositRefund).where(DepositRefund.id.in_(batch["refund_ids"])))).all()
    debits = [
        entry(
            amount_fen=r.amount_fen,
            direction=Direction.DEBIT,
            value_date=signed,
            booking_date=signed,
            bank_ref=f"D{uuid.uuid4().hex[:10]}",
            end_to_end_id=r.id,
            counterparty_account=r.creditor_account,
            counterparty_name=r.creditor_name,
            addressed_account=None,
        )
        for r in paid
    ]
    debited = await bank(platform, clock, debits)
    assert (debited.booked, debited.unmatched) == (len(debits), 0)
    await refund_watch(platform.sessions, policy_of(platform.settings), now=clock.now())
    closed = (await client.get(f"/api/finance/refunds?lot_id={lot['id']}", headers=p["finance"])).json()
    assert {r["status"] for r in closed} == {"closed"} and all(r["paid_on"] == signed.isoformat() for r in closed)
    async with platform.sessions() as db:
        book = await balances(db)
    lot_subs = {a: v for a, v in book.items() if a.kind is AccountKind.SUB_ACCOUNT and a.lot == lot["id"]}
    assert lot_subs == {}
    debit_side = (AccountKind.COLLECTION, AccountKind.INTEREST_EXPENSE)
    assert sum(v if a.kind in debit_side else -v for a, v in book.items()) == 0
    assert (await client.get("/api/supervision/refunds/overdue", headers=p["supervisor"])).status_code == 200
    assert error(await client.get("/api/supervision/refunds/overdue", headers=p["finance"]))[0] == 403
