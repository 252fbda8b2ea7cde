"""Deposit refunds against the database, on SQLite and PostgreSQL (issue 18; RULES a6–a9): triggers
decide each refund once (withdrawal 条例 35, termination 条例 31, contract 条例 57, award notice
政采条例 33), with interest per payment to the refund date, back to the account the money came from;
payment files (pain.001, CSV) exported once, confirmed by pain.002 (paid, or due again when
rejected), closed by the bank's debit; forfeits only with their reason (条例 35, 74); the red alert
once per late refund; and the book balanced throughout."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select, update

from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, NotFound
from bidding.core.roles import Role
from bidding.deposits.ledger import FORFEITS, INTEREST_EXPENSE, REFUNDS_PAYABLE
from bidding.deposits.payments import RefundStatus as BankStatus
from bidding.deposits.payments import TxStatus, pain002
from bidding.deposits.refund_models import GuaranteeRelease, RefundBatch, RefundTriggerEvent
from bidding.deposits.refund_rules import ForfeitReason, RefundStatus
from bidding.deposits.refunds import (
    BatchInput,
    BatchNotCancellable,
    ForfeitInput,
    NothingToExport,
    NothingToForfeit,
    ReportUnknownBatch,
    TriggerAlreadyRecorded,
    TriggerTooEarly,
    alert_overdue,
    cancel_batch,
    create_batch,
    forfeit_deposit,
    import_payment_report,
    list_refunds,
    my_refunds,
    policy_of,
    record_award_notice,
    record_contract_signed,
    refund_watch,
    refund_withdrawal,
)
from bidding.tendering.models import Announcement, Project
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.projects import ProjectStatus
from tests.conftest import create_pg_database, drop_pg_database
from tests.fixtures.deposits import COLLECTION
from tests.fixtures.refunds import RefundDb, add_guarantee, at, open_refund_db, unbalanced

DEADLINE = at(date(2024, 5, 6), 10)  # Monday
SIGNED = date(2024, 5, 10)  # Friday
PAYER_A, PAYER_B, PAYER_C = "110000000000000001", "110000000000000002", "622848001234567890"
PAIN001 = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def rdb(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RefundDb]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'refunds.db'}"
    else:
        request.getfixturevalue("services_up")
        url = await create_pg_database()
    try:
        async with open_refund_db(url, tmp_path, deadline=DEADLINE, now=at(SIGNED, 15)) as db:
            yield db
    finally:
        if request.param == "postgresql":
            await drop_pg_database(url)


async def pay_three(db: RefundDb) -> None:
    """Bidder 0: ¥100,000.00 on 03-01 from A; bidder 1: ¥50,000.00 on 04-15 from B and ¥50,000.00
    on 04-20 from C; bidder 2 nothing (a guarantee, or no deposit)."""
    await db.book(
        [
            db.credit(0, 10_000_000, date(2024, 3, 1), PAYER_A, "甲建设有限公司"),
            db.credit(1, 5_000_000, date(2024, 4, 15), PAYER_B, "乙工程有限公司"),
            db.credit(1, 5_000_000, date(2024, 4, 20), PAYER_C, "乙工程有限公司"),
        ]
    )


async def assert_balanced(db: RefundDb) -> None:
    async with db.sessions() as session:
        assert await unbalanced(session) == []
    assert (
        sum(v if k.kind.value in ("collection", "interest_expense") else -v for k, v in (await db.balances()).items())
        == 0
    )


async def test_contract_refunds_every_deposit_once_with_interest_to_where_it_came_from(rdb: RefundDb) -> None:
    """条例 57: contract signed Friday 2024-05-10 → every deposit due by Wednesday 05-15, with the
    demand rate (0.35 %, actual/360) from each payment's value date; one refund per payer account."""
    db = rdb
    await pay_three(db)
    with pytest.raises(TriggerTooEarly):  # no contract before the opening
        await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    await db.open()
    with pytest.raises(NotFound):  # another agent's lot
        await record_contract_signed(
            db.platform(), Caller("x", frozenset({Role.AGENT}), uuid.uuid4()), db.lot_id, SIGNED
        )
    with pytest.raises(Forbidden):
        await record_contract_signed(
            db.platform(), Caller("x", frozenset({Role.BIDDER}), db.bidders[0]), db.lot_id, SIGNED
        )

    view = await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    assert view.recorded_now and view.article == "条例57" and not view.working_days
    got = {(r.creditor_account, r.principal_fen, r.interest_fen, r.due_on) for r in view.refunds}
    # 70 days × 0.35 % / 360 on ¥100,000 = 6,805.56 → 6,806 fen; 25 days on ¥50,000 = 1,215.28 → 1,215; 20 days → 972.
    assert got == {
        (PAYER_A, 10_000_000, 6_806, date(2024, 5, 15)),
        (PAYER_B, 5_000_000, 1_215, date(2024, 5, 15)),
        (PAYER_C, 5_000_000, 972, date(2024, 5, 15)),
    }
    assert {r.status for r in view.refunds} == {"due"} and all(not r.sealed for r in view.refunds)

    balances = await db.balances()
    assert balances.get(db.sub(0), 0) == 0 and balances.get(db.sub(1), 0) == 0
    assert balances[REFUNDS_PAYABLE] == 20_000_000 + 6_806 + 1_215 + 972
    assert balances[INTEREST_EXPENSE] == 6_806 + 1_215 + 972
    await assert_balanced(db)

    # Recorded again (a retry, or the awards capability calling twice): nothing new.
    postings = await db.postings("refund")
    again = await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    assert not again.recorded_now and sorted(r.id for r in again.refunds) == sorted(r.id for r in view.refunds)
    assert await db.postings("refund") == postings == 3 and len(await db.refunds()) == 3
    with pytest.raises(TriggerAlreadyRecorded):
        await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED - timedelta(days=1))
    # The watch finds nothing more to refund.
    assert (await refund_watch(db.sessions, policy_of(db.settings), now=db.clock.now()))["decided"] == 0


async def test_withdrawal_refunds_the_bidder_once_and_names_no_lot_before_the_deadline(rdb: RefundDb) -> None:
    """条例 35: a withdrawal before the deadline refunds that bidder's deposit within 5 days; the same
    withdrawal seen twice decides it once; until the deadline the refund names no lot (办法 21)."""
    db = rdb
    db.clock.set(DEADLINE - timedelta(days=3))
    await pay_three(db)
    bid = uuid.uuid4()
    actor = Actor("test:bidder")
    for _ in range(2):
        async with db.sessions() as session, session.begin():
            await refund_withdrawal(session, actor, db.settings, db.lot_id, db.bidders[1], bid, db.clock.now())
    refunds = await db.refunds()
    assert {(r.organization_id, r.trigger.value, r.due_on) for r in refunds} == {
        (db.bidders[1], "withdrawal", date(2024, 5, 8))
    }
    assert len(refunds) == 2  # two payer accounts
    listed = await list_refunds(db.platform(), db.finance())
    assert len(listed) == 2 and all(v.sealed and v.lot_id is None for v in listed)
    mine = await my_refunds(db.platform(), Caller("b", frozenset({Role.BIDDER}), db.bidders[1]))
    assert len(mine) == 2 and all(v.lot_id == db.lot_id for v in mine)
    assert await my_refunds(db.platform(), Caller("b", frozenset({Role.BIDDER}), db.bidders[0])) == []
    # The others are untouched; after the deadline the lot is named.
    assert (await db.balances())[db.sub(0)] == 10_000_000
    db.clock.set(DEADLINE + timedelta(minutes=1))
    assert all(v.lot_id == db.lot_id for v in await list_refunds(db.platform(), db.finance()))


async def test_termination_is_found_by_the_watch_and_refunds_once_then_late_money(rdb: RefundDb) -> None:
    """条例 31: a terminated tender refunds every deposit with interest; the watch records the trigger
    on the termination notice's day, once, and refunds money that comes later."""
    db = rdb
    db.clock.set(DEADLINE - timedelta(days=2))
    await pay_three(db)
    notice = DEADLINE - timedelta(days=2, hours=3)
    async with db.sessions() as session, session.begin():
        await session.execute(update(Project).where(Project.id == db.project_id).values(status=ProjectStatus.CANCELLED))
        session.add(
            Announcement(
                project_id=db.project_id,
                kind=AnnouncementKind.TERMINATION,
                title="终止公告",
                body="终止招标",
                published_at=notice,
                published_by="test",
                content_sha256="0" * 64,
                details={},
            )
        )
    for _ in range(2):
        await refund_watch(db.sessions, policy_of(db.settings), now=db.clock.now())
    refunds = await db.refunds()
    assert len(refunds) == 3 and {r.trigger.value for r in refunds} == {"termination"}
    assert {r.triggered_on for r in refunds} == {date(2024, 5, 4)} and {r.due_on for r in refunds} == {date(2024, 5, 9)}
    assert all(r.interest_fen > 0 for r in refunds)

    # Money after the termination: the next watch refunds it (due 5 days after it came).
    db.clock.set(DEADLINE + timedelta(days=1))
    await db.book([db.credit(2, 300_000, date(2024, 5, 7), PAYER_C)])
    result = await refund_watch(db.sessions, policy_of(db.settings), now=db.clock.now())
    assert result["decided"] == 1
    late = [r for r in await db.refunds() if r.organization_id == db.bidders[2]]
    assert [(r.principal_fen, r.due_on) for r in late] == [(300_000, date(2024, 5, 12))]
    assert (await refund_watch(db.sessions, policy_of(db.settings), now=db.clock.now()))["decided"] == 0
    async with db.sessions() as session:
        triggers = (await session.scalars(select(RefundTriggerEvent))).all()
    assert [(t.trigger.value, t.occurred_on) for t in triggers] == [("termination", date(2024, 5, 4))]
    await assert_balanced(db)


def tx_of(xml: bytes) -> dict[str, tuple[int, str]]:
    root = etree.fromstring(xml)
    out = {}
    for tx in root.iter(f"{PAIN001}CdtTrfTxInf"):
        amount = Decimal(tx.findtext(f"{PAIN001}Amt/{PAIN001}InstdAmt") or "0")
        out[tx.findtext(f"{PAIN001}PmtId/{PAIN001}EndToEndId") or ""] = (
            int(amount * 100),
            tx.findtext(f"{PAIN001}CdtrAcct/{PAIN001}Id/{PAIN001}Othr/{PAIN001}Id") or "",
        )
    return out


async def test_export_confirm_and_close_with_the_book_balanced(rdb: RefundDb) -> None:
    """A payment file of the due refunds with interest to its execution date (the difference
    posted), exported once; the bank's pain.002 ACSC marks them paid (once, however often it is
    imported); its camt.053 debits book against refunds payable and close them."""
    db = rdb
    await pay_three(db)
    await db.open()
    await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    db.clock.set(at(date(2024, 5, 13), 9))  # Monday
    platform = db.platform()
    with pytest.raises(Forbidden):
        await create_batch(platform, Caller("s", frozenset({Role.SUPERVISOR})), BatchInput())
    batch = await create_batch(platform, db.finance(), BatchInput(idempotency_key="batch-2024-05-13"))
    assert batch.refunds == 3 and batch.execution_date == date(2024, 5, 13)
    refunds = {r.id: r for r in await db.refunds()}
    assert set(batch.refund_ids) == set(refunds) and {r.status for r in refunds.values()} == {RefundStatus.EXPORTED}
    # Interest now runs to 05-13: 73 days on ¥100,000 → 7,097 fen; 28 → 1,361; 23 → 1,118.
    assert sorted(r.interest_fen for r in refunds.values()) == [1_118, 1_361, 7_097]
    async with db.sessions() as session:
        stored = await session.get(RefundBatch, batch.id)
        assert stored is not None
        xml, table = stored.pain001, stored.csv
    paid = tx_of(xml)
    assert paid == {r.id: (r.amount_fen, r.creditor_account) for r in refunds.values()}
    assert batch.total_fen == sum(r.amount_fen for r in refunds.values()) == 20_000_000 + 1_118 + 1_361 + 7_097
    assert table.decode("utf-8-sig").splitlines()[0].startswith("退款编号,收款人户名,收款人账号")
    balances = await db.balances()
    assert balances[REFUNDS_PAYABLE] == batch.total_fen and balances[INTEREST_EXPENSE] == 1_118 + 1_361 + 7_097

    # Nothing is exported twice; the same key gives the same file back.
    with pytest.raises(NothingToExport):
        await create_batch(platform, db.finance(), BatchInput())
    assert (await create_batch(platform, db.finance(), BatchInput(idempotency_key="batch-2024-05-13"))).id == batch.id

    report = pain002(
        batch.id,
        [BankStatus(rid, TxStatus.ACSC) for rid in batch.refund_ids],
        message_id="BANK-1",
        created_at=db.clock.now(),
    )
    with pytest.raises(ReportUnknownBatch):
        await import_payment_report(
            platform,
            db.finance(),
            pain002("RB-NOPE", [], message_id="X", created_at=db.clock.now(), group_status=TxStatus.ACSC),
        )
    first = await import_payment_report(platform, db.finance(), report)
    assert sorted(first.paid) == sorted(batch.refund_ids) and not first.already_imported
    assert (await import_payment_report(platform, db.finance(), report)).already_imported
    assert {(r.status, r.paid_on) for r in await db.refunds()} == {(RefundStatus.PAID, date(2024, 5, 13))}
    with pytest.raises(BatchNotCancellable):
        await cancel_batch(platform, db.finance(), batch.id, "too late")

    # The bank's statement: the three debits (EndToEndId = refund id) close the refunds.
    total_in = 20_000_000
    await db.book(
        [db.debit(r.id, r.amount_fen, date(2024, 5, 13), r.creditor_account) for r in refunds.values()],
        opening_fen=total_in,
    )
    result = await refund_watch(db.sessions, policy_of(db.settings), now=db.clock.now())
    assert result["closed"] == 3
    assert {r.status for r in await db.refunds()} == {RefundStatus.CLOSED}
    balances = await db.balances()
    assert balances.get(REFUNDS_PAYABLE, 0) == 0 and balances.get(db.sub(0), 0) == 0
    assert await db.collection() == total_in - batch.total_fen
    await assert_balanced(db)
    assert (await refund_watch(db.sessions, policy_of(db.settings), now=db.clock.now()))["closed"] == 0


async def test_rejected_refund_is_due_again_with_its_reason_and_an_alert(rdb: RefundDb) -> None:
    db = rdb
    await pay_three(db)
    await db.open()
    await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    platform = db.platform()
    batch = await create_batch(platform, db.finance(), BatchInput())
    rejected, *others = batch.refund_ids
    report = pain002(
        batch.id,
        [BankStatus(rejected, TxStatus.RJCT, "AC04"), *(BankStatus(r, TxStatus.ACSC) for r in others)],
        message_id="BANK-2",
        created_at=db.clock.now(),
    )
    view = await import_payment_report(platform, db.finance(), report)
    assert view.rejected == [rejected] and sorted(view.paid) == sorted(others)
    state = {r.id: r for r in await db.refunds()}
    assert state[rejected].status is RefundStatus.DUE and state[rejected].bank_reason == "AC04"
    assert state[rejected].batch_id is None and state[rejected].rejections == 1
    alerts = await db.alerts("refund_rejected")
    assert [a.details["refund"] for a in alerts] == [rejected]
    await import_payment_report(platform, db.finance(), report)  # again: no second alert
    assert len(await db.alerts("refund_rejected")) == 1

    # Due again: a new file carries it; cancelled, it is due once more and exported again.
    again = await create_batch(platform, db.finance(), BatchInput())
    assert again.refund_ids == [rejected]
    cancelled = await cancel_batch(platform, db.finance(), again.id, "wrong execution date")
    assert cancelled.status == "cancelled"
    assert (await create_batch(platform, db.finance(), BatchInput())).refund_ids == [rejected]
    # The bank reports the cancelled file paid anyway: a conflict alert, nothing paid twice.
    late = pain002(again.id, [BankStatus(rejected, TxStatus.ACSC)], message_id="BANK-3", created_at=db.clock.now())
    assert (await import_payment_report(platform, db.finance(), late)).conflicts == [rejected]
    assert len(await db.alerts("refund_report_conflict")) == 1
    await assert_balanced(db)


async def test_overdue_refund_raises_the_red_alert_once(rdb: RefundDb) -> None:
    """RULES a, acceptance check 5: contract on D, refunds unpaid after D+5 → one alert each, and the
    supervisor sees them red; paid late, they stay marked late."""
    db = rdb
    await pay_three(db)
    await db.open()
    await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    actor = Actor.system("test")
    db.clock.set(at(date(2024, 5, 15), 23))  # the due day itself: not late
    async with db.sessions() as session, session.begin():
        assert await alert_overdue(session, actor, now=db.clock.now()) == []
    db.clock.set(at(date(2024, 5, 16), 0) + timedelta(minutes=1))
    for expected in (3, 0):
        async with db.sessions() as session, session.begin():
            assert len(await alert_overdue(session, actor, now=db.clock.now())) == expected
    assert len(await db.alerts("refund_overdue")) == 3
    supervisor = Caller("sup", frozenset({Role.SUPERVISOR}))
    red = await list_refunds(db.platform(), supervisor, status="overdue")
    assert len(red) == 3 and all(v.overdue and v.late and v.days_late == 1 for v in red)
    with pytest.raises(Forbidden):
        await list_refunds(db.platform(), Caller("b", frozenset({Role.BIDDER}), db.bidders[0]))


async def test_forfeit_only_after_the_opening_with_its_reason(rdb: RefundDb) -> None:
    """条例 74: the winner refused the contract — its deposit is kept (Dr sub-account / Cr forfeits),
    once, with the reason; the contract with the next candidate refunds the others only."""
    db = rdb
    await pay_three(db)
    data = ForfeitInput(reason=ForfeitReason.WINNER_REFUSED_CONTRACT, note="中标通知书发出后无正当理由拒签合同")
    with pytest.raises(Conflict):  # before the opening a bidder may still withdraw
        await forfeit_deposit(db.platform(), db.finance(), db.lot_id, db.bidders[0], data)
    await db.open()
    with pytest.raises(Forbidden):
        await forfeit_deposit(db.platform(), db.agent(), db.lot_id, db.bidders[0], data)
    kept = await forfeit_deposit(db.platform(), db.finance(), db.lot_id, db.bidders[0], data)
    assert (kept.amount_fen, kept.article) == (10_000_000, "条例74")
    with pytest.raises(NothingToForfeit):
        await forfeit_deposit(db.platform(), db.finance(), db.lot_id, db.bidders[0], data)
    with pytest.raises(NothingToForfeit):  # paid nothing
        await forfeit_deposit(db.platform(), db.finance(), db.lot_id, db.bidders[2], data)
    view = await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    assert {r.organization_id for r in view.refunds} == {db.bidders[1]}
    balances = await db.balances()
    assert balances[FORFEITS] == 10_000_000 and balances.get(db.sub(0), 0) == 0
    await assert_balanced(db)


async def test_government_procurement_working_days_and_the_overdue_charge(tmp_path: Path) -> None:
    """政采条例 33: losers 5 working days after the award notice, counted with the holiday calendar;
    the winner 5 working days after the contract; paid late, the overdue charge (lending rate
    + 20 %, RULES a8) is added to the payment and posted as an expense."""
    deadline = at(date(2024, 9, 20), 10)
    async with open_refund_db(
        f"sqlite+aiosqlite:///{tmp_path / 'gp.db'}",
        tmp_path,
        deadline=deadline,
        now=at(date(2024, 9, 27), 15),
        deposit_holidays=tuple(date(2024, 10, d) for d in range(1, 8)),
        deposit_working_weekends=(date(2024, 9, 29), date(2024, 10, 12)),
        deposit_lending_rates=((date(2019, 8, 20), Decimal("3.45")),),
    ) as db:
        await db.book(
            [db.credit(0, 1_000_000, date(2024, 9, 2), PAYER_A), db.credit(1, 1_000_000, date(2024, 9, 3), PAYER_B)]
        )
        await db.open()
        award = await record_award_notice(db.platform(), db.agent(), db.lot_id, date(2024, 9, 27), [db.bidders[1]])
        assert award.working_days and award.article == "政采条例33"
        assert [(r.organization_id, r.due_on) for r in award.refunds] == [(db.bidders[0], date(2024, 10, 10))]
        db.clock.set(at(date(2024, 10, 11), 15))
        contract = await record_contract_signed(db.platform(), db.agent(), db.lot_id, date(2024, 10, 11))
        assert contract.working_days  # the lot had an award notice
        # Friday 10-11 → Saturday 10-12 is worked (调休): 12, 14, 15, 16, 17 → due 10-17.
        assert [(r.organization_id, r.due_on) for r in contract.refunds] == [(db.bidders[1], date(2024, 10, 17))]
        # Exported on 10-14: the loser's refund is 4 days late → the charge; the winner's on time → none.
        db.clock.set(at(date(2024, 10, 14), 9))
        await create_batch(db.platform(), db.finance(), BatchInput())
        by_org = {r.organization_id: r for r in await db.refunds()}
        # 1,000,000 fen × 3.45 % × 1.2 × 4 / 360 = 460 fen.
        assert by_org[db.bidders[0]].charge_fen == 460 and by_org[db.bidders[1]].charge_fen == 0
        assert by_org[db.bidders[0]].amount_fen == 1_000_000 + by_org[db.bidders[0]].interest_fen + 460
        balances = await db.balances()
        assert balances[REFUNDS_PAYABLE] == sum(r.amount_fen for r in by_org.values())
        await assert_balanced(db)


async def test_guarantees_are_released_not_refunded(rdb: RefundDb) -> None:
    """A guarantee needs no refund: the contract marks it released, once."""
    db = rdb
    await pay_three(db)
    guarantee = await add_guarantee(db, 2)
    await db.open()
    view = await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    assert view.guarantees_released == 1 and db.bidders[2] not in {r.organization_id for r in view.refunds}
    assert (await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)).guarantees_released == 0
    async with db.sessions() as session:
        released = (await session.scalars(select(GuaranteeRelease))).all()
    assert [(g.guarantee_id, g.released_on) for g in released] == [(guarantee, SIGNED)]


async def test_a_bidder_without_a_payer_account_is_paid_to_its_basic_account(rdb: RefundDb) -> None:
    db = rdb
    await db.basic_account(0, "4301015509001234567", "甲建设有限公司")
    await db.book([db.credit(0, 1_000_000, date(2024, 4, 1), None), db.credit(1, 1_000_000, date(2024, 4, 1), None)])
    await db.open()
    view = await record_contract_signed(db.platform(), db.agent(), db.lot_id, SIGNED)
    by_org = {r.organization_id: r for r in view.refunds}
    assert (by_org[db.bidders[0]].creditor_account, by_org[db.bidders[0]].to_basic_account) == (
        "4301015509001234567",
        True,
    )
    assert by_org[db.bidders[1]].creditor_account == ""  # nowhere known: not exported until redirected
    batch = await create_batch(db.platform(), db.finance(), BatchInput())
    assert batch.refund_ids == [by_org[db.bidders[0]].id] and batch.skipped == [by_org[db.bidders[1]].id]
    assert batch.debtor_account == COLLECTION
