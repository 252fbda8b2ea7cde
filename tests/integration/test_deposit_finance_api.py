"""The finance officer's deposit book through the API, on both profiles (issue 18): a bank statement
uploaded (and again: nothing twice), its entries listed with the payers of lots not yet opened
sealed for every role (办法 21), a lot's deposit table refused until the extraction and its first
listing after audited, the unmatched queue resolved by hand with a reason, alerts, the balance
check. Each endpoint is held to its roles (bidder, agent and anonymous refused; auditor and
supervisor read only), and bad files — XXE, garbage, a third decimal, too large, the wrong media
type, empty — are a 4xx in the house format with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select, update

from bidding.audit.models import AuditEvent
from bidding.core.clock import ManualClock
from bidding.deposits.book import issue_virtual_account
from bidding.deposits.entries import Direction
from bidding.deposits.models import BankEntry, BankStatement
from bidding.deposits.statements.camt_writer import write_camt
from bidding.deposits.statements.csv_bank import write_bank_csv
from bidding.tendering.models import Lot
from tests.conftest import DEPOSIT_COLLECTION
from tests.fixtures.deposits import entry, statement
from tests.fixtures.parties import logged_in_parties
from tests.fixtures.projects import create_published

XML = {"Content-Type": "application/xml"}


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body["error"]["code"] if isinstance(body, dict) and "error" in body else response.text


def line(n: int, tag: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "index": n,
        "statement_id": f"F{tag}",
        "sequence": None,
        "bank_ref": f"F{tag}{n:03d}",
        "end_to_end_id": f"E{tag}{n:03d}",
    }
    return entry(**(values | fields))


def camt(lines: list[Any], tag: str) -> bytes:
    numbered = [msgspec.structs.replace(e, statement_id=f"F{tag}") for e in lines]
    return write_camt([statement(numbered, account=DEPOSIT_COLLECTION, sequence=None)])


async def counts(platform: Any) -> tuple[int, int]:
    async with platform.sessions() as db:
        statements = await db.scalar(select(func.count()).select_from(BankStatement))
        entries = await db.scalar(select(func.count()).select_from(BankEntry))
    return int(statements or 0), int(entries or 0)


@pytest.fixture
async def scene(client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any) -> Any:
    p = await logged_in_parties(
        client,
        admin_headers,
        ("agent", "agent"),
        ("tenderer", "tenderer"),
        ("bidder", "bidder"),
        ("other", "bidder"),
        ("finance", "trading_centre", "finance"),
        ("auditor", "trading_centre", "auditor"),
        ("supervisor", "supervisor"),
    )
    p["admin"] = admin_headers
    p["project"] = await create_published(client, p, clock.now())
    p["lot"] = p["project"]["lots"][0]
    lot_id = uuid.UUID(p["lot"]["id"])
    async with platform.sessions() as db, db.begin():
        for name in ("bidder", "other"):
            row = await issue_virtual_account(
                db, lot_id, uuid.UUID(p["users"][name].org_id), DEPOSIT_COLLECTION, now=clock.now()
            )
            p[f"{name}_number"] = row.number
    p["tag"] = uuid.uuid4().hex[:10].upper()
    return p


async def test_statement_upload_sealed_entries_queue_and_lot_table(
    client: httpx.AsyncClient, scene: Any, platform: Any, clock: ManualClock
) -> None:
    p, tag = scene, scene["tag"]
    lot_id = p["lot"]["id"]
    payer = {"bidder": "110000000000000001", "other": "110000000000000002"}
    lines = [
        line(
            1,
            tag,
            amount_fen=80_000_00,
            addressed_account=p["bidder_number"],
            counterparty_name="投标人甲",
            counterparty_account=payer["bidder"],
        ),
        line(
            2,
            tag,
            amount_fen=80_000_00,
            addressed_account=p["other_number"],
            counterparty_name="投标人乙",
            counterparty_account=payer["other"],
        ),
        line(
            3,
            tag,
            amount_fen=12_345_67,
            addressed_account=None,
            counterparty_name="某某公司",
            counterparty_account="622848001234567890",
        ),
    ]
    data = camt([*lines, lines[0]], tag)  # the first line twice, as overlapping exports repeat it
    answer = await client.post(
        f"/api/finance/statements?filename=F{tag}.xml", content=data, headers={**p["finance"], **XML}
    )
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert (view["format"], view["booked"], view["duplicates"], view["unmatched"]) == ("camt.053", 3, 1, 1)
    again = (await client.post("/api/finance/statements", content=data, headers={**p["finance"], **XML})).json()
    assert (again["booked"], again["duplicates"], again["statements"][0]["already_imported"]) == (0, 4, True)

    listed = (await client.get("/api/finance/statements", headers=p["auditor"])).json()
    mine = next(s for s in listed if s["statement_id"] == f"F{tag}")
    assert (mine["entries"], mine["source_name"]) == (4, f"F{tag}.xml")

    # 办法 21: before the extraction, nobody lists who paid for the lot.
    for reader in ("finance", "auditor", "supervisor", "admin"):
        entries = (await client.get(f"/api/finance/statements/{mine['id']}/entries", headers=p[reader])).json()
        by_ref = {e["bank_ref"]: e for e in entries}
        for ref in (f"F{tag}001", f"F{tag}002"):
            routed = by_ref[ref]
            assert routed["sealed"] is True and routed["routed_to"] == "sub_account"
            assert routed["counterparty_name"] is None and routed["counterparty_account"] is None
            assert (
                routed["lot_id"] is None and routed["organization_id"] is None and routed["addressed_account"] is None
            )
        loose = by_ref[f"F{tag}003"]
        assert (loose["sealed"], loose["counterparty_name"], loose["unmatched_reason"]) == (
            False,
            "某某公司",
            "no_suffix",
        )
        assert error(await client.get(f"/api/finance/lots/{lot_id}/deposits", headers=p[reader])) == (
            409,
            "deposits_sealed",
        )

    # The unmatched queue, resolved by hand with a reason: assigned to the bidder's sub-account.
    queue = (await client.get("/api/finance/unmatched?limit=500", headers=p["supervisor"])).json()
    waiting = next(e for e in queue if e["bank_ref"] == f"F{tag}003")
    resolve = f"/api/finance/unmatched/{waiting['id']}/resolve"
    assign = {"action": "assign", "lot_id": lot_id, "organization_id": p["users"]["bidder"].org_id}
    assert error(await client.post(resolve, json={**assign, "reason": "   "}, headers=p["finance"]))[0] == 400
    assert error(await client.post(resolve, json={"action": "assign", "reason": "x"}, headers=p["finance"]))[0] == 400
    assert (
        error(await client.post(resolve, json={**assign, "reason": "付款人来电确认"}, headers=p["auditor"]))[0] == 403
    )
    done = await client.post(resolve, json={**assign, "reason": "付款人来电确认：甲公司代付"}, headers=p["finance"])
    assert done.status_code == 200, done.text
    assert (done.json()["queue_state"], done.json()["resolution"], done.json()["sealed"]) == (
        "resolved",
        "assigned",
        True,
    )
    assert error(await client.post(resolve, json={**assign, "reason": "again"}, headers=p["finance"])) == (
        409,
        "entry_not_in_queue",
    )
    assert error(
        await client.post(
            "/api/finance/unmatched/999999999/resolve", json={**assign, "reason": "r"}, headers=p["finance"]
        )
    ) == (404, "not_found")
    resolved = (await client.get("/api/finance/unmatched?queue=resolved&limit=500", headers=p["finance"])).json()
    assert any(e["id"] == waiting["id"] and e["sealed"] and e["counterparty_name"] is None for e in resolved)

    # A reversal of the other bidder's payment: unbooked, and an alert.
    reversal = line(
        1,
        tag + "R",
        amount_fen=80_000_00,
        direction=Direction.DEBIT,
        reversal=True,
        reversal_of=f"F{tag}002",
        end_to_end_id=f"E{tag}002",
        addressed_account=None,
    )
    answer = await client.post(
        "/api/finance/statements", content=camt([reversal], tag + "R"), headers={**p["finance"], **XML}
    )
    assert answer.status_code == 200 and answer.json()["statements"][0]["reversals"] == 1, answer.text
    alerts = (await client.get("/api/finance/alerts?kind=reversal", headers=p["auditor"])).json()
    assert any(a["statement_id"] == f"F{tag}R" for a in alerts)
    report = (await client.get("/api/finance/balance-check", headers=p["supervisor"])).json()
    assert DEPOSIT_COLLECTION in {a["account"] for a in report["accounts"]}
    assert report["integrity"] == {
        "unbalanced_postings": 0,
        "legs_without_posting": 0,
        "postings_without_entry": 0,
        "entries_without_statement": 0,
    }

    # The extraction (办法 29) opens the lot's table; the first listing goes to the audit trail.
    async with platform.sessions() as db, db.begin():
        await db.execute(update(Lot).where(Lot.id == uuid.UUID(lot_id)).values(bids_extracted_at=datetime.now(UTC)))
    table = await client.get(f"/api/finance/lots/{lot_id}/deposits", headers=p["finance"])
    assert table.status_code == 200, table.text
    rows = {b["organization_id"]: b for b in table.json()["bidders"]}
    bidder, other = rows[p["users"]["bidder"].org_id], rows[p["users"]["other"].org_id]
    assert (bidder["received_fen"], bidder["virtual_account"]) == (80_000_00 + 12_345_67, p["bidder_number"])
    assert sorted(pay["payer_account"] for pay in bidder["payments"]) == sorted([payer["bidder"], "622848001234567890"])
    assert (other["received_fen"], other["payments"]) == (0, [])  # reversed
    assert (await client.get(f"/api/finance/lots/{lot_id}/deposits", headers=p["supervisor"])).status_code == 200
    async with platform.sessions() as db:
        listed_events = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "deposit.lot_deposits_listed", AuditEvent.object_id == lot_id)
        )
    assert listed_events == 1
    entries = (await client.get(f"/api/finance/statements/{mine['id']}/entries", headers=p["finance"])).json()
    first = next(e for e in entries if e["bank_ref"] == f"F{tag}001")
    assert (first["sealed"], first["counterparty_name"], first["lot_id"]) == (False, "投标人甲", lot_id)


ENDPOINTS = [
    ("get", "/api/finance/statements"),
    ("get", "/api/finance/statements/1/entries"),
    ("get", "/api/finance/unmatched"),
    ("get", "/api/finance/alerts"),
    ("get", "/api/finance/balance-check"),
    ("get", f"/api/finance/lots/{uuid.uuid4()}/deposits"),
    ("post", "/api/finance/statements"),
    ("post", "/api/finance/unmatched/1/resolve"),
]


async def test_every_endpoint_refuses_the_wrong_roles(client: httpx.AsyncClient, scene: Any) -> None:
    p = scene
    body = {"action": "return", "reason": "r"}
    for method, path in ENDPOINTS:
        kwargs: dict[str, Any] = {"json": body} if path.endswith("resolve") else {}
        if path.endswith("statements") and method == "post":
            kwargs = {"content": b"<Document/>", "headers": XML}
        anonymous = await client.request(method.upper(), path, **kwargs)
        assert error(anonymous)[0] == 401, (path, anonymous.text)
        for who in ("bidder", "agent", "tenderer"):
            headers = {**kwargs.get("headers", {}), **p[who]}
            refused = await client.request(method.upper(), path, **{**kwargs, "headers": headers})
            assert error(refused)[0] == 403, (who, path, refused.text)
        if method == "post":
            for who in ("auditor", "supervisor"):
                headers = {**kwargs.get("headers", {}), **p[who]}
                refused = await client.request(method.upper(), path, **{**kwargs, "headers": headers})
                assert error(refused)[0] == 403, (who, path, refused.text)


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>&x;</BkToCstmrStmt></Document>'
)


async def test_bad_files_are_refused_in_the_house_format_and_nothing_is_written(
    client: httpx.AsyncClient, scene: Any, platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    p, tag = scene, scene["tag"]
    headers = p["finance"]
    before = await counts(platform)
    good = camt([line(1, tag, amount_fen=1_00)], tag)
    at = good.rfind(b">1.00<")  # the entry's Amt comes after the statement's balances
    three_decimals = good[:at] + b">1.005<" + good[at + len(b">1.00<") :]
    assert three_decimals != good
    csv = write_bank_csv(statement([line(1, tag, amount_fen=1_00)], account=DEPOSIT_COLLECTION, sequence=1))
    csv_three = csv.replace(b",1.00,1.00,", b",1.001,1.00,")
    assert csv_three != csv
    cases = [
        (XXE, XML, None, 400, "statement_unsafe_xml"),
        (
            b"\x00\xff garbage \x89PNG",
            {"Content-Type": "application/octet-stream"},
            None,
            400,
            "statement_format_unknown",
        ),
        (three_decimals, XML, None, 400, "statement_amount_invalid"),
        (csv_three, {"Content-Type": "text/csv"}, "csv", 400, "statement_amount_invalid"),
        (good, {"Content-Type": "application/json"}, None, 415, "unsupported_media_type"),
        (b"", XML, None, 400, "statement_empty"),
        (good, XML, "camt052", 400, "statement_invalid"),
        (b"<data>\x7f\xc3\xb0Zy\r</data>", XML, "csv", 400, "statement_format_unknown"),  # found by the fuzz run
    ]
    for data, media, fmt, status, code in cases:
        query = f"?format={fmt}" if fmt else ""
        answer = await client.post(f"/api/finance/statements{query}", content=data, headers={**headers, **media})
        assert error(answer) == (status, code), (code, answer.text)
        body = answer.json()["error"]
        assert body["message_zh"] and body["message_en"] and body["request_id"]
        if code == "statement_amount_invalid":
            assert body["details"][0]["entry"] == 1 and body["details"][0]["field"] in {"Amt", "贷方发生额"}, body
    assert (
        error(await client.post("/api/finance/statements?format=mt940", content=good, headers={**headers, **XML}))[0]
        == 400
    )
    monkeypatch.setattr(platform, "settings", platform.settings.with_overrides(deposit_statement_max_mib=1))
    huge = good + b" " * (1024 * 1024)
    assert error(await client.post("/api/finance/statements", content=huge, headers={**headers, **XML})) == (
        413,
        "statement_too_large",
    )
    assert await counts(platform) == before
