"""A lot's deposit requirement set by the agent and checked at publication (RULES a, check 4), on
both profiles: 2 % of the estimate (条例 26), the configured absolute cap (RULES a3), cash never
forced and guarantees accepted (发改法规〔2023〕27号), the basic account for works (条例 26)."""

from __future__ import annotations

from typing import Any

import httpx

from bidding.core.clock import ManualClock
from tests.fixtures.projects import DAY, PDF, create_published, project_body


async def _draft_and_publish(
    client: httpx.AsyncClient, parties: dict[str, Any], now: Any, lots: list[dict[str, Any]], **change: Any
) -> tuple[dict[str, Any], httpx.Response]:
    body = project_body(parties["tenderer_code"], now + 25 * DAY, **change)
    base = body["lots"][0]
    body["lots"] = [base | lot for lot in lots]
    created = await client.post("/api/agent/projects/", json=body, headers=parties["agent"])
    assert created.status_code == 201, created.text
    project: dict[str, Any] = created.json()
    upload = await client.post(
        f"/api/agent/projects/{project['id']}/documents",
        content=PDF,
        headers={**parties["agent"], "Content-Type": "application/pdf", "X-Filename": "a.pdf"},
    )
    assert upload.status_code == 201, upload.text
    published = await client.post(
        f"/api/agent/projects/{project['id']}/publish", json={"title": "公告", "body": "正文"}, headers=parties["agent"]
    )
    return project, published


async def test_defaults_transfer_and_guarantee_basic_account_for_works(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    project = await create_published(client, parties, clock.now())
    lot = project["lots"][0]
    assert lot["deposit_forms"] == ["bank_transfer", "e_guarantee"]
    assert lot["basic_account_required"] is True and lot["design_survey"] is False
    assert lot["bid_validity_days"] == 90
    public = (await client.get(f"/api/public/projects/{project['id']}")).json()["lots"][0]
    assert public["deposit_forms"] == ["bank_transfer", "e_guarantee"] and public["basic_account_required"] is True

    goods, published = await _draft_and_publish(client, parties, clock.now(), [{"code": "01"}], category="goods")
    assert published.status_code == 200, published.text
    assert goods["lots"][0]["basic_account_required"] is False  # goods: not forced, the agent may ask it


async def test_publication_names_every_lot_and_rule(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    big = 100_000_000_00  # ¥100M: 2 % is ¥2M, the works cap ¥800,000
    lots = [
        {"code": "01", "estimated_price_fen": big, "deposit_fen": 800_000_01},  # one fen over the cap
        {"code": "02", "deposit_forms": ["cash"]},  # cash forced, no guarantee
        {"code": "03", "basic_account_required": False},  # works taking transfers: 条例 26
        {"code": "04", "estimated_price_fen": big, "deposit_fen": 100_000_01, "design_survey": True},
        {"code": "05", "deposit_fen": 0, "deposit_forms": ["cash"]},  # no deposit: nothing to check
    ]
    project, refused = await _draft_and_publish(client, parties, clock.now(), lots)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "deposit_requirement_refused"
    found = {(d["lot"], d["rule"]) for d in error["details"]}
    assert found == {
        ("01", "at_most_cap"),
        ("02", "cash_not_forced"),
        ("02", "guarantee_accepted"),
        ("03", "basic_account"),
        ("04", "at_most_cap"),
    }
    cap = next(d for d in error["details"] if d["lot"] == "04")
    assert cap["cap_fen"] == 100_000_00 and cap["article"] == "RULES a3"
    assert "标段 01" in error["message_zh"] and "lot 02" in error["message_en"]
    assert "条例26" in error["message_zh"]
    still = (await client.get(f"/api/agent/projects/{project['id']}", headers=parties["agent"])).json()
    assert still["status"] == "draft"

    # Fixed in the draft, it publishes.
    fixed = project_body(parties["tenderer_code"], clock.now() + 25 * DAY, code=project["code"])
    fixed["lots"] = [
        fixed["lots"][0] | {"code": "01", "estimated_price_fen": big, "deposit_fen": 800_000_00},
        fixed["lots"][0] | {"code": "02", "deposit_forms": ["cash", "e_guarantee"]},
        fixed["lots"][0] | {"code": "04", "estimated_price_fen": big, "deposit_fen": 100_000_00, "design_survey": True},
    ]
    edited = await client.put(f"/api/agent/projects/{project['id']}", json=fixed, headers=parties["agent"])
    assert edited.status_code == 200, edited.text
    assert [lot["deposit_forms"] for lot in edited.json()["lots"]] == [
        ["bank_transfer", "e_guarantee"],
        ["cash", "e_guarantee"],
        ["bank_transfer", "e_guarantee"],
    ]
    published = await client.post(
        f"/api/agent/projects/{project['id']}/publish", json={"title": "公告", "body": "正文"}, headers=parties["agent"]
    )
    assert published.status_code == 200, published.text


async def test_bad_requirement_inputs_are_400_naming_the_field(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    for change, field in (
        ({"deposit_forms": []}, "deposit_forms"),
        ({"deposit_forms": ["cheque"]}, "deposit_forms"),
        ({"bid_validity_days": 0}, "bid_validity_days"),
        ({"bid_validity_days": 366}, "bid_validity_days"),
        ({"basic_account_required": "yes"}, "basic_account_required"),
    ):
        body = project_body(parties["tenderer_code"], clock.now() + 25 * DAY)
        body["lots"][0] |= change
        answer = await client.post("/api/agent/projects/", json=body, headers=parties["agent"])
        assert answer.status_code == 400, (change, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "validation_failed", error
        assert any(field in (d.get("key") or "") for d in error["details"]), (change, error)
