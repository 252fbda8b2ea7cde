"""Deposit statuses at the live opening, on both profiles: the extraction takes each bidder's status
and releases the lot's payer list (办法 21, logged); the bidder list and the announcement (唱标) show
the statuses, and the record built from them names them in Chinese and English. The second test
follows the deposits on to the end: the contract, the refunds with interest in a pain.001, the
bank's pain.002 and debits, every refund closed and the book balanced (issue 18)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.client.session import login
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.deposits.book import balances
from bidding.deposits.entries import Direction
from bidding.deposits.importer import import_file
from bidding.deposits.ledger import AccountKind
from bidding.deposits.participation_models import PayerRelease
from bidding.deposits.payments import RefundStatus as BankStatus
from bidding.deposits.payments import TxStatus, pain002
from bidding.deposits.refunds import policy_of, refund_watch
from bidding.deposits.statements.camt_writer import write_camt
from bidding.tendering.rules.deposit_requirements import CHINA_TIME
from opening_room.record import document
from tests.conftest import DEPOSIT_COLLECTION
from tests.fixtures.deposits import entry, statement
from tests.fixtures.guarantees import guarantee_body
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in_parties
from tests.fixtures.pki import Pki
from tests.fixtures.projects import create_published, relogin
from tests.fixtures.room import Peer
from tests.fixtures.uploads import new_bidder_with_bid


async def test_the_opening_shows_each_bidders_deposit(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    guarantee_issuer: Pki,
) -> None:
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    bidders: list[Enrolled] = []
    for index in range(3):
        user, session = await new_bidder_with_bid(client, admin_headers, project, lot, f"proposal {index}".encode())
        bidders.append(user)
        if index == 0:  # the first stands its deposit with an electronic guarantee
            until = datetime.fromisoformat(lot["bid_deadline"]).astimezone(CHINA_TIME).date() + timedelta(days=100)
            body = await guarantee_body(guarantee_issuer, p["users"]["tenderer"].org_name, lot["deposit_fen"], until)
            attached = await client.post(
                f"/api/bidder/lots/{lot['id']}/deposit/guarantees", json=body, headers=session.headers
            )
            assert attached.status_code == 201, attached.text

    clock.set(datetime.fromisoformat(lot["bid_deadline"]) + timedelta(seconds=1))
    host = await Peer.connect(
        live, lot["id"], (await login(client, p["users"]["agent"].identity, audience=AUDIENCE)).token
    )
    public = await Peer.connect(live, lot["id"])
    listed = {b["name"]: b["deposit"] for b in (await public.until("bidders.published"))["data"]["bidders"]}
    assert listed == {bidders[0].org_name: "guarantee", bidders[1].org_name: "none", bidders[2].org_name: "none"}

    async with platform.sessions() as db:
        release = await db.get(PayerRelease, uuid.UUID(lot["id"]))
        logged = (
            await db.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "deposit.payers_released", AuditEvent.object_id == lot["id"]
                )
            )
        ).all()
    assert release is not None and release.released_by == "system:opening"
    assert [g["name"] for g in release.payers if g["guarantee"]] == [bidders[0].org_name]
    assert len(logged) == 1 and logged[0].actor == "system:opening"

    assert (await host.command("start_decryption"))["ok"]
    assert (await host.command("close_decryption"))["ok"]
    announced = (await public.until("announcement"))["data"]["bidders"]
    assert {b["name"]: b["deposit"] for b in announced} == listed

    # The record (built from the announcement) names the statuses.
    record = {
        "lot": {"id": lot["id"], "code": lot["code"], "name": lot["name"]},
        "project": {"code": project["code"], "name": project["name"]},
        "opening_at": lot["bid_deadline"],
        "host": "代理",
        "bidders": announced,
        "fields": lot["form_fields"],
        "objections": [],
        "remarks": [],
    }
    rows = document(record, "0" * 64, clock.now()).bidders
    assert {r.name: r.deposit for r in rows} == listed
    await host.close()
    await public.close()


async def test_statuses_from_statements_booked_in_the_book(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    guarantee_issuer: Pki,
) -> None:
    """Three bidders pay into their virtual sub-accounts through a bank statement the book imports —
    one from its basic account, one from another account (非基本账户), one short and partly from that
    same other account (条例 40(六)) — and one stands by a guarantee: the room shows each status."""
    p = await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("supervisor", "supervisor"),
        ("finance", "trading_centre", "finance"),
    )
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    required, deadline = lot["deposit_fen"], datetime.fromisoformat(lot["bid_deadline"])
    names = ("paid", "wrong_payer", "short", "guarantee")
    users: dict[str, Enrolled] = {}
    virtual: dict[str, str] = {}
    for index, name in enumerate(names):
        user, session = await new_bidder_with_bid(client, admin_headers, project, lot, f"proposal {name}".encode())
        users[name] = user
        basic = {
            "bank_name": "中国农业银行",
            "account_number": f"62284800000000000{index}",
            "account_name": user.org_name,
        }
        assert (await client.put("/api/bidder/basic-account", json=basic, headers=session.headers)).status_code == 200
        mine = (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=session.headers)).json()
        virtual[name] = mine["virtual_account"]
        if name == "guarantee":
            until = deadline.astimezone(CHINA_TIME).date() + timedelta(days=100)
            body = await guarantee_body(guarantee_issuer, p["users"]["tenderer"].org_name, required, until)
            attached = await client.post(
                f"/api/bidder/lots/{lot['id']}/deposit/guarantees", json=body, headers=session.headers
            )
            assert attached.status_code == 201, attached.text

    other = "110000000000009999"  # an account that is no bidder's basic account
    paid_at = deadline - timedelta(hours=2)
    credits = [
        ("paid", required, "622848000000000000"),
        ("wrong_payer", required, other),
        ("short", required // 2, "622848000000000002"),
        ("short", 1_00, other),
    ]
    run = uuid.uuid4().hex[:8]
    entries = [
        entry(
            statement_id=f"ST-{run}",
            sequence=None,
            index=i,
            amount_fen=amount,
            value_date=paid_at.astimezone(CHINA_TIME).date(),
            booking_date=paid_at.astimezone(CHINA_TIME).date(),
            booked_at=paid_at,
            bank_ref=f"R{run}{i}",
            end_to_end_id=f"E{run}{i}",
            counterparty_name=users[name].org_name,
            counterparty_account=payer,
            addressed_account=virtual[name],
        )
        for i, (name, amount, payer) in enumerate(credits, start=1)
    ]
    camt = write_camt([statement(entries, account=DEPOSIT_COLLECTION, sequence=None)])
    imported = await import_file(
        platform.sessions, Actor.system("test"), camt, collections=(DEPOSIT_COLLECTION,), now=clock.now()
    )
    assert (imported.booked, imported.unmatched) == (4, 0)

    clock.set(deadline + timedelta(seconds=1))
    public = await Peer.connect(live, lot["id"])
    listed = {b["name"]: b["deposit"] for b in (await public.until("bidders.published"))["data"]["bidders"]}
    assert listed == {users[n].org_name: n for n in names}
    supervisor = (await login(client, p["users"]["supervisor"].identity, audience=AUDIENCE)).headers
    view = (await client.get(f"/api/supervision/lots/{lot['id']}/deposits", headers=supervisor)).json()
    assert [(s["payer_account"], sorted(s["organizations"])) for s in view["collusion_signals"]] == [
        (other, sorted([users["wrong_payer"].org_id, users["short"].org_id]))
    ]
    await public.close()

    async with platform.sessions() as db:
        held = await balances(db)
    on_lot = {a.bidder: v for a, v in held.items() if a.kind is AccountKind.SUB_ACCOUNT and a.lot == lot["id"]}
    assert sorted(abs(v) for v in on_lot.values()) == sorted([required, required, required // 2 + 1_00])

    # Ten days on the contract is signed (条例 57): each payment goes back, with interest, to the
    # account it came from; the guarantee needs no refund.
    clock.set(deadline + timedelta(days=10))
    await relogin(client, p)
    signed = clock.now().astimezone(CHINA_TIME).date()
    contract = await client.post(
        f"/api/tendering/lots/{lot['id']}/contract-signed", json={"signed_on": signed.isoformat()}, headers=p["agent"]
    )
    assert contract.status_code == 200, contract.text
    refunds = (await client.get(f"/api/finance/refunds?lot_id={lot['id']}", headers=p["finance"])).json()
    by_name = {users[n].org_id: n for n in names}
    assert sorted(
        (by_name[r["organization_id"]], r["creditor_account"], r["principal_fen"]) for r in refunds
    ) == sorted((name, payer, amount) for name, amount, payer in credits)
    assert all(r["due_on"] == (signed + timedelta(days=5)).isoformat() and r["status"] == "due" for r in refunds)
    assert all(
        r["interest_fen"] > 0 for r in refunds if r["principal_fen"] >= 10_000_00 or r["principal_fen"] == required
    )
    assert all(r["amount_fen"] == r["principal_fen"] + r["interest_fen"] for r in refunds)

    # The payment file, the bank's pain.002, then its debits on the next statement close them all.
    made = await client.post(
        "/api/finance/refund-batches", json={"idempotency_key": f"e2e-{run}"}, headers=p["finance"]
    )
    assert made.status_code == 201, made.text
    batch = made.json()
    assert {r["id"] for r in refunds} <= set(batch["refund_ids"])
    pain001 = await client.get(f"/api/finance/refund-batches/{batch['id']}/file", headers=p["finance"])
    assert pain001.status_code == 200 and b"pain.001.001.09" in pain001.content
    report = pain002(
        batch["id"],
        [BankStatus(rid, TxStatus.ACSC) for rid in batch["refund_ids"]],
        message_id=f"B{run}",
        created_at=clock.now(),
    )
    confirmed = await client.post(
        "/api/finance/payment-reports", content=report, headers=p["finance"] | {"Content-Type": "application/xml"}
    )
    assert confirmed.status_code == 200 and set(confirmed.json()["paid"]) == set(batch["refund_ids"])
    paid = [r for r in (await client.get(f"/api/finance/refunds?lot_id={lot['id']}", headers=p["finance"])).json()]
    debits = [
        entry(
            statement_id=f"SD-{run}",
            sequence=None,
            index=i,
            amount_fen=r["amount_fen"],
            direction=Direction.DEBIT,
            value_date=signed,
            booking_date=signed,
            bank_ref=f"D{run}{i}",
            end_to_end_id=r["id"],
            counterparty_account=r["creditor_account"],
            counterparty_name=r["creditor_name"],
            addressed_account=None,
        )
        for i, r in enumerate(paid, start=1)
    ]
    camt = write_camt([statement(debits, account=DEPOSIT_COLLECTION, sequence=None)])
    debited = await import_file(
        platform.sessions, Actor.system("test"), camt, collections=(DEPOSIT_COLLECTION,), now=clock.now()
    )
    assert (debited.booked, debited.unmatched) == (len(debits), 0)
    await refund_watch(platform.sessions, policy_of(platform.settings), now=clock.now())
    closed = (await client.get(f"/api/finance/refunds?lot_id={lot['id']}", headers=p["finance"])).json()
    assert len(closed) == len(credits) and {r["status"] for r in closed} == {"closed"}
    async with platform.sessions() as db:
        book = await balances(db)
    assert {a: v for a, v in book.items() if a.kind is AccountKind.SUB_ACCOUNT and a.lot == lot["id"]} == {}
    debit_side = (AccountKind.COLLECTION, AccountKind.INTEREST_EXPENSE)
    assert sum(v if a.kind in debit_side else -v for a, v in book.items()) == 0
