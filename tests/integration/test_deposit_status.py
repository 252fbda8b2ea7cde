"""Each bidder's deposit status for a lot and the release of the payer list at extraction, on both
profiles: worked examples of every status (paid, short, late, 非基本账户, guarantee, none), the
collusion signal (条例 40(六)), the seal before extraction (办法 21) and who may read what after it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.deposits.matching import DepositStatus, Payment
from bidding.deposits.participation_models import DepositCheck, DepositSignal
from bidding.deposits.status import deposit_statuses, release_at_extraction
from bidding.tendering.models import Lot
from bidding.tendering.rules.deposit_requirements import CHINA_TIME
from tests.conftest import DEPOSIT_COLLECTION
from tests.fixtures.guarantees import guarantee_body
from tests.fixtures.parties import logged_in, logged_in_parties
from tests.fixtures.pki import Pki
from tests.fixtures.projects import create_published, relogin

SHARED = "6228480012345678901"  # one account paying for two bidders


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def pay(amount_fen: int, at: datetime, payer: str, name: str = "付款人") -> Payment:
    return Payment(("test", uuid.uuid4().hex), amount_fen, at.astimezone(CHINA_TIME).date(), at, payer, name)


async def test_statuses_release_and_signal(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    platform: Any,
    guarantee_issuer: Pki,
) -> None:
    p = await logged_in_parties(
        client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"), ("supervisor", "supervisor")
    )
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    lot_id = uuid.UUID(lot["id"])
    required = lot["deposit_fen"]
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    names = ("paid", "wrong_payer", "short", "guarantee", "none", "late")
    users = {}
    for index, name in enumerate(names):
        user, session = await logged_in(client, admin_headers, "bidder")
        users[name] = p["users"][name] = user
        p[name] = session.headers
        registered = await client.put(
            "/api/bidder/basic-account",
            json={
                "bank_name": "中国建设银行",
                "account_number": f"11000000000000000{index}",
                "account_name": user.org_name,
            },
            headers=session.headers,
        )
        assert registered.status_code == 200, registered.text
    org = {name: uuid.UUID(user.org_id) for name, user in users.items()}
    basic = {name: f"11000000000000000{index}" for index, name in enumerate(names)}
    until = deadline.astimezone(CHINA_TIME).date() + timedelta(days=120)
    attached = await client.post(
        f"/api/bidder/lots/{lot['id']}/deposit/guarantees",
        json=await guarantee_body(guarantee_issuer, p["users"]["tenderer"].org_name, required, until),
        headers=p["guarantee"],
    )
    assert attached.status_code == 201, attached.text

    # Before the deadline the bidder sees what is asked, and nobody lists the payers (办法 21).
    mine = (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p["paid"])).json()
    assert (mine["required_fen"], mine["forms"], mine["basic_account_required"]) == (
        required,
        ["bank_transfer", "e_guarantee"],
        True,
    )
    assert mine["status"] is None and mine["basic_account"]["account_number"] == basic["paid"]
    # The virtual sub-account: the collection account and the bidder's suffix, issued once.
    assert mine["virtual_account"].startswith(DEPOSIT_COLLECTION) and len(mine["virtual_account"]) == 31
    again = (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p["paid"])).json()
    theirs = (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p["short"])).json()
    assert again["virtual_account"] == mine["virtual_account"] != theirs["virtual_account"]
    assert mine["bid_validity_end"] == (deadline.astimezone(CHINA_TIME).date() + timedelta(days=90)).isoformat()
    sealed = await client.get(f"/api/supervision/lots/{lot['id']}/deposits", headers=p["supervisor"])
    assert error(sealed) == (409, "payers_sealed")

    hour = timedelta(hours=1)
    payments = {
        org["paid"]: [pay(required, deadline - hour, basic["paid"])],
        # 非基本账户: enough, on time, from an account that is not the registered basic account.
        org["wrong_payer"]: [pay(required, deadline - hour, SHARED)],
        # Short: half from the basic account, and the same outside account as wrong_payer's (条例 40(六)).
        org["short"]: [pay(required // 2, deadline - hour, basic["short"]), pay(1_00, deadline - hour, SHARED)],
        org["late"]: [pay(required, deadline + hour, basic["late"])],
    }
    async with platform.sessions() as db:
        live = await deposit_statuses(db, lot_id, bidders=org.values(), payments=payments)
    assert live == {
        org["paid"]: DepositStatus.PAID,
        org["wrong_payer"]: DepositStatus.WRONG_PAYER,
        org["short"]: DepositStatus.SHORT,
        org["guarantee"]: DepositStatus.GUARANTEE,
        org["none"]: DepositStatus.NONE,
        org["late"]: DepositStatus.LATE,
    }

    # Extraction: the statuses are taken, the payers released and the signal recorded, once.
    clock.set(deadline + timedelta(seconds=1))
    async with platform.sessions() as db, db.begin():
        lot_row = await db.get(Lot, lot_id)
        assert lot_row is not None
        taken = await release_at_extraction(
            db, lot_row, list(org.values()), actor=Actor.system("opening"), now=clock.now(), payments=payments
        )
        again = await release_at_extraction(
            db, lot_row, list(org.values()), actor=Actor.system("opening"), now=clock.now()
        )
    assert taken == live == again
    async with platform.sessions() as db:
        checks = {
            c.organization_id: c
            for c in (await db.scalars(select(DepositCheck).where(DepositCheck.lot_id == lot_id))).all()
        }
        signals = (await db.scalars(select(DepositSignal).where(DepositSignal.lot_id == lot_id))).all()
        events = (
            await db.scalars(
                select(AuditEvent).where(AuditEvent.object_id == lot["id"], AuditEvent.action.like("deposit.%"))
            )
        ).all()
    assert checks[org["wrong_payer"]].reasons == ["payer_not_basic_account"]
    assert checks[org["short"]].counted_fen == required // 2 and "amount_short" in checks[org["short"]].reasons
    assert checks[org["guarantee"]].guarantee_id == uuid.UUID(attached.json()["id"])
    assert [(s.payer_account, sorted(s.organization_ids)) for s in signals] == [
        (SHARED, sorted([str(org["wrong_payer"]), str(org["short"])]))
    ]
    assert sorted(e.action for e in events) == ["deposit.collusion_signal", "deposit.payers_released"]

    # After it: the supervisor reads the lot's deposits (audited); a bidder does not.
    await relogin(client, p)
    seen = await client.get(f"/api/supervision/lots/{lot['id']}/deposits", headers=p["supervisor"])
    assert seen.status_code == 200, seen.text
    view = seen.json()
    assert {b["name"]: b["status"] for b in view["bidders"]} == {users[n].org_name: n for n in names}
    assert view["collusion_signals"][0]["payer_account"] == SHARED
    paid_by = {item["name"]: item for item in view["payers"]}
    assert paid_by[users["wrong_payer"].org_name]["payments"][0]["payer_account"] == SHARED
    assert paid_by[users["guarantee"].org_name]["guarantee"]["amount_fen"] == required
    assert error(await client.get(f"/api/supervision/lots/{lot['id']}/deposits", headers=p["paid"]))[0] == 403
    assert error(await client.get(f"/api/supervision/lots/{lot['id']}/deposits", headers=p["agent"]))[0] == 403
    async with platform.sessions() as db:
        reads = (
            await db.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.action == "deposit.payers_read", AuditEvent.object_id == lot["id"]
                )
            )
        ).all()
    assert len(reads) == 1

    # The bidder's own view gives the status the opening took, in people's words.
    mine = (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p["wrong_payer"])).json()
    assert mine["status"]["status"] == "wrong_payer" and mine["status"]["final"] is True
    assert mine["status"]["reasons_zh"] == ["付款账户不是登记的基本账户"]
    theirs = (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p["guarantee"])).json()
    assert theirs["status"]["status"] == "guarantee" and len(theirs["guarantees"]) == 1
    assert error(await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p["agent"]))[0] == 403
    # After the deadline no sub-account is issued any more.
    assert (await client.get(f"/api/bidder/lots/{lot['id']}/deposit", headers=p["none"])).json()[
        "virtual_account"
    ] is None
    assert error(await client.get(f"/api/bidder/lots/{uuid.uuid4()}/deposit", headers=p["paid"])) == (404, "not_found")


async def test_a_lot_without_a_deposit_exempts_everyone(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any
) -> None:
    free = await create_published(
        client,
        published,
        datetime.now(CHINA_TIME),
        lots=[
            {
                "code": "01",
                "name": "无保证金",
                "estimated_price_fen": 100_000_00,
                "deposit_fen": 0,
                "bid_deadline": published["lot"]["bid_deadline"],
            }
        ],
    )
    lot_id = uuid.UUID(free["lots"][0]["id"])
    bidder = uuid.UUID(published["users"]["bidder"].org_id)
    async with platform.sessions() as db:
        assert await deposit_statuses(db, lot_id, bidders=[bidder], payments={}) == {bidder: DepositStatus.EXEMPT}
    mine = (await client.get(f"/api/bidder/lots/{lot_id}/deposit", headers=published["bidder"])).json()
    assert mine["required_fen"] == 0 and mine["virtual_account"] is None
