"""The bidders' side of deposits through the API, on both profiles: basic accounts (registered by
the organisation, shown to the centre's administrator, audited) and electronic guarantees (signed
by an issuer under the configured roots, amount and validity enough; RULES a, check 7)."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from bidding.audit.models import AuditEvent, SealedAuditEvent
from bidding.core.clock import ManualClock
from bidding.tendering.rules.deposit_requirements import CHINA_TIME
from crypto.pdf import simple_pdf
from tests.fixtures.guarantees import ISSUER, ROGUE, guarantee_body, guarantee_pdf
from tests.fixtures.pki import Pki, change_page
from tests.fixtures.projects import DAY, create_published, relogin


def error(response: httpx.Response) -> tuple[int, str]:
    """The status and the error code of an answer (its whole text when it is no error)."""
    body = response.json()
    return response.status_code, body["error"]["code"] if isinstance(body, dict) and "error" in body else response.text


async def test_basic_account_registered_by_its_organisation_and_seen_by_the_centre(
    client: httpx.AsyncClient, parties: dict[str, Any], admin_headers: dict[str, str], platform: Any
) -> None:
    bidder = parties["users"]["bidder"]
    path = "/api/bidder/basic-account"
    assert error(await client.get(path, headers=parties["bidder"])) == (404, "not_found")
    good = {
        "bank_name": "中国工商银行南京城南支行",
        "account_number": "4301 0155-0900 1234 567",
        "account_name": bidder.org_name,
    }

    wrong_name = await client.put(path, json=good | {"account_name": "别的公司"}, headers=parties["bidder"])
    assert error(wrong_name) == (400, "basic_account_name_mismatch")
    assert bidder.org_name in wrong_name.json()["error"]["message_zh"]
    for bad in ("1234567", "12ab5678901", "1234--5678901", "1" * 33, ""):
        answer = await client.put(path, json=good | {"account_number": bad}, headers=parties["bidder"])
        assert error(answer) == (400, "validation_failed"), bad
        assert answer.json()["error"]["details"][0]["key"] == "account_number"
    blank_bank = await client.put(path, json=good | {"bank_name": "   "}, headers=parties["bidder"])
    assert error(blank_bank) == (400, "validation_failed")

    saved = await client.put(path, json=good, headers=parties["bidder"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["account_number"] == "4301015509001234567"
    changed = await client.put(path, json=good | {"account_number": "6222020200012345678"}, headers=parties["bidder"])
    assert changed.json()["account_number"] == "6222020200012345678"
    assert (await client.get(path, headers=parties["bidder"])).json()["bank_name"] == "中国工商银行南京城南支行"

    # The centre's administrator sees it; other roles do not.
    listed = (await client.get("/api/admin/basic-accounts", headers=admin_headers)).json()
    mine = [a for a in listed if a["organization_id"] == bidder.org_id]
    assert mine and mine[0]["account_number"] == "6222020200012345678"
    one = await client.get(f"/api/admin/organisations/{bidder.org_id}/basic-account", headers=admin_headers)
    assert one.json()["credit_code"] == bidder.credit_code
    assert error(await client.get("/api/admin/basic-accounts", headers=parties["bidder"]))[0] == 403
    assert error(await client.get(path, headers=parties["agent"]))[0] == 403
    assert error(await client.put(path, json=good, headers=parties["agent"]))[0] == 403
    assert error(await client.get(path))[0] == 401
    other = parties["users"]["other"]
    assert error(await client.get(f"/api/admin/organisations/{other.org_id}/basic-account", headers=admin_headers)) == (
        404,
        "not_found",
    )

    async with platform.sessions() as db:
        actions = (
            await db.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == bidder.org_id, AuditEvent.action.like("deposit.basic_account.%"))
                .order_by(AuditEvent.id)
            )
        ).all()
        details = (await db.scalars(select(AuditEvent.details).where(AuditEvent.object_id == bidder.org_id))).all()
    assert actions == ["deposit.basic_account.registered", "deposit.basic_account.changed"]
    assert not any("6222020200012345678" in str(d) for d in details)  # masked in the trail


async def test_guarantees_accepted_and_refused_with_their_code(
    client: httpx.AsyncClient,
    published: dict[str, Any],
    clock: ManualClock,
    guarantee_issuer: Pki,
    rogue_issuer: Pki,
    platform: Any,
) -> None:
    p, lot = published, published["lot"]
    tenderer = p["users"]["tenderer"].org_name
    required = lot["deposit_fen"]
    deadline = datetime.fromisoformat(lot["bid_deadline"]).astimezone(CHINA_TIME).date()  # the deadline's day
    until = deadline + timedelta(days=lot["bid_validity_days"] + 1)
    path = f"/api/bidder/lots/{lot['id']}/deposit/guarantees"

    async def attach(body: dict[str, Any], who: str = "bidder") -> httpx.Response:
        return await client.post(path, json=body, headers=p[who])

    good = await guarantee_body(guarantee_issuer, tenderer, required, until)
    accepted = await attach(good)
    assert accepted.status_code == 201, accepted.text
    view = accepted.json()
    assert (view["issuer"], view["amount_fen"], view["guarantee_no"]) == (ISSUER, required, good["guarantee_no"])
    assert ISSUER in view["signer"]
    assert [g["id"] for g in (await client.get(path, headers=p["bidder"])).json()] == [view["id"]]
    assert (await client.get(path, headers=p["other"])).json() == []  # a bidder sees only its own
    assert error(await attach(good)) == (409, "guarantee_duplicate")
    assert error(await attach(good | {"guarantee_no": "BH-OTHER"})) == (409, "guarantee_duplicate")  # same file

    cases: list[tuple[dict[str, Any], str]] = [
        (await guarantee_body(guarantee_issuer, tenderer, required - 1, until), "guarantee_amount_short"),
        (
            await guarantee_body(guarantee_issuer, tenderer, required, deadline + timedelta(days=30)),
            "guarantee_validity_short",
        ),
        (
            await guarantee_body(guarantee_issuer, tenderer, required, until, valid_from=deadline + DAY),
            "guarantee_not_yet_valid",
        ),
        (await guarantee_body(guarantee_issuer, "别的招标人", required, until), "guarantee_beneficiary_mismatch"),
        (
            await guarantee_body(rogue_issuer, tenderer, required, until, issuer_name=ROGUE),
            "guarantee_issuer_untrusted",
        ),
        (
            await guarantee_body(guarantee_issuer, tenderer, required, until, issuer_name="另一家银行"),
            "guarantee_issuer_mismatch",
        ),
        (
            await guarantee_body(guarantee_issuer, tenderer, required, until, pdf=simple_pdf(["投标保函"])),
            "guarantee_unsigned",
        ),
        (
            await guarantee_body(
                guarantee_issuer,
                tenderer,
                required,
                until,
                pdf=change_page(await guarantee_pdf(guarantee_issuer, "BH-X", tenderer, required, until), ["¥1"]),
            ),
            "guarantee_signature_invalid",
        ),
        (
            await guarantee_body(
                guarantee_issuer, tenderer, required, until, pdf_base64=base64.b64encode(b"GIF89a").decode()
            ),
            "guarantee_not_pdf",
        ),
    ]
    for body, code in cases:
        assert error(await attach(body)) == (400, code), code
    assert error(await attach(good | {"pdf_base64": "not base64!"})) == (400, "validation_failed")
    assert error(await attach(good | {"amount_fen": 0})) == (400, "validation_failed")
    assert error(await attach(good, who="agent"))[0] == 403

    async with platform.sessions() as db:
        sealed = (
            await db.scalars(
                select(SealedAuditEvent.details).where(
                    SealedAuditEvent.object_id == lot["id"], SealedAuditEvent.action == "deposit.guarantee.refused"
                )
            )
        ).all()
        public = (
            await db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("deposit.guarantee.%")))
        ).all()
    assert {d["code"] for d in sealed} >= {code for _, code in cases} | {"guarantee_duplicate"}
    assert not [a for a in public if a]  # who takes part is sealed until the deadline (办法 21)

    # After the deadline nothing more is attached.
    clock.advance(timedelta(days=26))
    await relogin(client, p)
    late = await guarantee_body(guarantee_issuer, tenderer, required, until)
    assert error(await client.post(path, json=late, headers=p["bidder"])) == (409, "deadline_passed")


async def test_a_lot_without_a_deposit_takes_no_guarantee(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, guarantee_issuer: Pki
) -> None:
    project = await create_published(client, parties, clock.now())
    lot = project["lots"][0]
    free = await create_published(
        client,
        parties,
        clock.now(),
        lots=[
            {
                "code": "01",
                "name": "无保证金",
                "estimated_price_fen": 100_000_00,
                "deposit_fen": 0,
                "bid_deadline": lot["bid_deadline"],
            }
        ],
    )
    body = await guarantee_body(
        guarantee_issuer, parties["users"]["tenderer"].org_name, 1, date.today() + timedelta(days=200)
    )
    answer = await client.post(
        f"/api/bidder/lots/{free['lots'][0]['id']}/deposit/guarantees", json=body, headers=parties["bidder"]
    )
    assert error(answer) == (409, "guarantee_not_accepted")
    missing = await client.post(
        "/api/bidder/lots/00000000-0000-4000-8000-000000000000/deposit/guarantees", json=body, headers=parties["bidder"]
    )
    assert error(missing) == (404, "not_found")
