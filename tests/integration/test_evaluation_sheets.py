"""The detailed review's score sheets (详细评审, issue 20; RULES c2, c10, acceptance check 1): after a
real opening and a preliminary review that passes all three bids, five members score two subjective
items on their own; nobody sees another's scores before their own sheet is in; the price is scored by
the system (a provisional preview: 4,500,000.00 ÷ 4,650,000.00 × 40 = 38.71); the chair sees a
divergence beyond 20 % of an item's maximum and asks for a re-check with a reason of 87号令 62; the
member answers, old and new score both kept; nothing is averaged away. The lowest evaluated price
method has an empty sheet. Refusals for every other role."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.core.clock import ManualClock
from bidding.evaluation.models import Evaluation
from bidding.evaluation.sheets import member_scores, open_rechecks
from tests.fixtures.errors import error_code
from tests.fixtures.evaluation import (
    CRITERIA,
    SITE,
    TECH,
    evaluation_in,
    judge_all,
    submit_sheet,
)

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

ROUTE = "/api/evaluations/{evaluation_id:uuid}/sheet"

#: Per member (the fixture's order, the chair first): bid index → (技术方案 /35, 施工组织 /25).
#: 技术方案 of bid 1 spreads 18 … 32 = 14 > 20 % × 35 = 7: a divergence; 施工组织 of bid 3 spreads
#: 18 … 23 = 5 = 20 % × 25: exactly the threshold, not reported.
SCORES = (
    {0: ("30", "20"), 1: ("28", "20"), 2: ("25", "18")},
    {0: ("31", "20"), 1: ("28", "21"), 2: ("26", "18")},
    {0: ("30", "20"), 1: ("29", "20"), 2: ("25", "18")},
    {0: ("32", "20"), 1: ("27", "21"), 2: ("25", "18")},
    {0: ("18", "20"), 1: ("28", "20"), 2: ("26", "23")},
)


async def test_members_score_on_their_own_and_the_chair_asks_a_recheck(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev, m = c.evaluation_id, c.members
    assert c.chair is m[0]
    await judge_all(client, c)

    # The sheet: two items for each expert, the price by the system (provisional), three bids.
    shown = await client.get(f"/api/evaluations/{ev}/sheet", headers=m[1].headers)
    assert shown.status_code == 200, shown.text
    sheet = shown.json()
    assert [(i["name_zh"], i["maximum"]) for i in sheet["items"]] == [(TECH, "35.00"), (SITE, "25.00")]
    price = sheet["system_items"][0]
    assert (price["name_zh"], price["is_price"], price["provisional"]) == ("投标报价", True, True)
    # 4,500,000.00 is the lowest: 40.00; 4,500,000 ÷ 4,650,000 × 40 = 38.709… → 38.71; ÷ 4,800,000 × 40 = 37.50.
    assert [price["scores"][b] for b in c.bid_ids] == ["38.71", "40.00", "37.50"]
    assert sheet["scores"] == [] and sheet["submitted_at"] is None and sheet["comparison"] == []

    # Every bad score is named by bid and item; nothing is saved.
    bad = [
        {"bid_id": c.bid_ids[0], "item": TECH, "score": "36"},
        {"bid_id": c.bid_ids[0], "item": SITE, "score": "12.345"},
        {"bid_id": c.bid_ids[1], "item": "投标报价", "score": "40"},
        {"bid_id": c.bid_ids[2], "item": TECH, "score": "abc"},
        {"bid_id": str(uuid.uuid4()), "item": TECH, "score": "1"},
        {"bid_id": c.bid_ids[2], "item": SITE, "score": "-1"},
    ]
    refused = await client.put(f"/api/evaluations/{ev}/scores", json=bad, headers=m[1].headers)
    assert refused.status_code == 422 and error_code(refused) == "score_invalid", refused.text
    details = refused.json()["error"]["details"]
    assert [(d["bid_id"], d["item"], d["reason"]) for d in details] == [
        (c.bid_ids[0], TECH, "score_out_of_range"),
        (c.bid_ids[0], SITE, "score_too_precise"),
        (c.bid_ids[1], "投标报价", "unknown_item"),
        (c.bid_ids[2], TECH, "score_not_decimal"),
        (bad[4]["bid_id"], TECH, "unknown_bid"),
        (c.bid_ids[2], SITE, "score_out_of_range"),
    ]
    assert details[0]["maximum"] == "35.00"
    # A draft of two scores (kept with two decimals): the sheet is incomplete, four scores are missing.
    draft = [{"bid_id": c.bid_ids[0], "item": TECH, "score": "31"}]
    zero = [{"bid_id": c.bid_ids[1], "item": SITE, "score": "-0"}]
    saved = await client.put(f"/api/evaluations/{ev}/scores", json=draft + zero, headers=m[1].headers)
    assert saved.status_code == 200, saved.text
    assert sorted(s["score"] for s in saved.json()["scores"]) == ["0.00", "31.00"]
    incomplete = await client.post(f"/api/evaluations/{ev}/sheet/submit", headers=m[1].headers)
    assert incomplete.status_code == 422 and error_code(incomplete) == "sheet_incomplete"
    assert len(incomplete.json()["error"]["details"]) == 4

    # Nobody sees the others' scores before their own sheet is in (RULES c, acceptance check 1).
    for path in ("scores", "divergences"):
        hidden = await client.get(f"/api/evaluations/{ev}/{path}", headers=m[0].headers)
        assert hidden.status_code == 403 and error_code(hidden) == "own_sheet_first", hidden.text
    await submit_sheet(client, c, 0, SCORES[0])
    seen = await client.get(f"/api/evaluations/{ev}/scores", headers=m[0].headers)
    assert seen.status_code == 200, seen.text
    sheets = {s["member_id"]: s for s in seen.json()["members"]}
    assert len(sheets[m[0].member_id]["scores"]) == 6 and sheets[m[0].member_id]["is_chair"]
    assert (
        sheets[m[1].member_id]["scores"] == [] and sheets[m[1].member_id]["submitted_at"] is None
    )  # a draft stays hidden
    still = await client.get(f"/api/evaluations/{ev}/scores", headers=m[1].headers)
    assert still.status_code == 403 and error_code(still) == "own_sheet_first"
    # Submitted: the sheet no longer changes but through a re-check.
    changed = await client.put(f"/api/evaluations/{ev}/scores", json=draft, headers=m[0].headers)
    assert changed.status_code == 409 and error_code(changed) == "sheet_submitted"
    for i in range(1, 5):
        await submit_sheet(client, c, i, SCORES[i])

    # The one divergence: 技术方案 of bid 1, 18 (member 5) … 32 (member 4).
    divergences = (await client.get(f"/api/evaluations/{ev}/divergences", headers=m[0].headers)).json()
    assert len(divergences) == 1, divergences
    d = divergences[0]
    assert (d["bid_id"], d["item"], d["low"], d["high"], d["spread"], d["threshold_percent"]) == (
        c.bid_ids[0],
        TECH,
        "18.00",
        "32.00",
        "14.00",
        "20",
    )
    assert [x["member_id"] for x in d["low_members"]] == [m[4].member_id]
    assert [x["member_id"] for x in d["high_members"]] == [m[3].member_id]
    assert (d["reason"], d["article"]) == ("abnormal_subjective", "87号令62（四）")
    # Every member whose sheet is in sees them too.
    assert (await client.get(f"/api/evaluations/{ev}/divergences", headers=m[2].headers)).json() == divergences

    # Only the chair asks a re-check, with a reason of 87号令 62 and a note.
    ask = {"member_id": m[4].member_id, "bid_id": c.bid_ids[0], "item": TECH, "reason": "abnormal_subjective"}
    by_member = await client.post(
        f"/api/evaluations/{ev}/rechecks", json=ask | {"note": "请复核"}, headers=m[1].headers
    )
    assert by_member.status_code == 403 and error_code(by_member) == "evaluation_forbidden"
    blank = await client.post(f"/api/evaluations/{ev}/rechecks", json=ask | {"note": "  "}, headers=m[0].headers)
    assert blank.status_code == 422 and error_code(blank) == "note_required"
    unknown = ask | {"reason": "too_low", "note": "请复核"}
    assert (await client.post(f"/api/evaluations/{ev}/rechecks", json=unknown, headers=m[0].headers)).status_code == 400
    note = "技术方案评分明显低于其他成员，请复核"
    asked = await client.post(f"/api/evaluations/{ev}/rechecks", json=ask | {"note": note}, headers=m[0].headers)
    assert asked.status_code == 201, asked.text
    recheck = asked.json()
    assert (recheck["old_score"], recheck["new_score"], recheck["answered_at"]) == ("18.00", None, None)
    assert (recheck["article"], recheck["note"]) == ("87号令62（四）", note)
    twice = await client.post(f"/api/evaluations/{ev}/rechecks", json=ask | {"note": note}, headers=m[0].headers)
    assert twice.status_code == 409 and error_code(twice) == "recheck_refused"
    async with platform.sessions() as session:
        assert await open_rechecks(session, uuid.UUID(ev)) == 1

    # The member it was asked of answers; nobody else; the sheet stays closed otherwise.
    answer = f"/api/evaluations/{ev}/rechecks/{recheck['id']}/answer"
    other = await client.post(answer, json={"score": "29"}, headers=m[3].headers)
    assert other.status_code == 403 and error_code(other) == "not_your_recheck"
    closed = await client.put(
        f"/api/evaluations/{ev}/scores",
        json=[{"bid_id": c.bid_ids[0], "item": TECH, "score": "29"}],
        headers=m[4].headers,
    )
    assert closed.status_code == 409 and error_code(closed) == "sheet_submitted"
    too_high = await client.post(answer, json={"score": "35.5"}, headers=m[4].headers)
    assert too_high.status_code == 422 and error_code(too_high) == "score_invalid"
    missing = f"/api/evaluations/{ev}/rechecks/{uuid.uuid4()}/answer"
    assert (await client.post(missing, json={"score": "29"}, headers=m[4].headers)).status_code == 404
    answered = await client.post(answer, json={"score": "29"}, headers=m[4].headers)
    assert answered.status_code == 200, answered.text
    assert (answered.json()["old_score"], answered.json()["new_score"]) == ("18.00", "29.00")
    again = await client.post(answer, json={"score": "30"}, headers=m[4].headers)
    assert again.status_code == 409 and error_code(again) == "recheck_refused"

    # A member may keep the score: asked again of member 4's 32, they answer 32.
    kept = await client.post(
        f"/api/evaluations/{ev}/rechecks",
        json=ask | {"member_id": m[3].member_id, "reason": "abnormal_subjective", "note": "请确认"},
        headers=m[0].headers,
    )
    assert kept.status_code == 201, kept.text
    same = await client.post(
        f"/api/evaluations/{ev}/rechecks/{kept.json()['id']}/answer", json={"score": "32.00"}, headers=m[3].headers
    )
    assert (same.json()["old_score"], same.json()["new_score"]) == ("32.00", "32.00")

    async with platform.sessions() as session:
        assert await open_rechecks(session, uuid.UUID(ev)) == 0
        events = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.object_id == ev,
                    AuditEvent.action.in_(["evaluation.sheet_submitted", "evaluation.recheck_answered"]),
                )
            )
        ).all()
        # Each submitted sheet is recorded with its content's digest (five different sheets); each answer with old and new.
        digests = {e.details["member"]: e.details["sha256"] for e in events if e.action == "evaluation.sheet_submitted"}
        assert len(digests) == 5 and len(set(digests.values())) == 5
        assert sorted(
            (e.details["old"], e.details["new"]) for e in events if e.action == "evaluation.recheck_answered"
        ) == [
            ("18.00", "29.00"),
            ("32.00", "32.00"),
        ]
        found = await session.get(Evaluation, uuid.UUID(ev))
        assert found is not None
        scores = await member_scores(session, found)
    # Nothing averaged away or dropped: five members, three bids, two items each.
    assert len(scores) == 5 and all(len(bids) == 3 for bids in scores.values())
    assert scores[str(m[4].member_id)][c.bid_ids[0]] == {TECH: Decimal("29.00"), SITE: Decimal("20.00")}
    everyone = (await client.get(f"/api/evaluations/{ev}/scores", headers=m[2].headers)).json()
    assert [len(s["scores"]) for s in everyone["members"]] == [6] * 5
    assert sorted((r["old_score"], r["new_score"]) for r in everyone["rechecks"]) == [
        ("18.00", "29.00"),
        ("32.00", "32.00"),
    ]
    assert everyone["divergences"] == []  # 29 … 32 now
    mine = (await client.get(f"/api/evaluations/{ev}/sheet", headers=m[4].headers)).json()
    assert [r["new_score"] for r in mine["rechecks"]] == ["29.00"]

    # Other roles see no score, ever.
    for path in ("sheet", "scores", "divergences"):
        assert (await client.get(f"/api/evaluations/{ev}/{path}")).status_code == 401
        for who in (c.bidders[0][1], c.p["supervisor"], c.p["agent"], c.p["tenderer"]):
            refused_role = await client.get(f"/api/evaluations/{ev}/{path}", headers=who)
            assert refused_role.status_code == 403, (path, refused_role.text)
        outsider = await client.get(f"/api/evaluations/{ev}/{path}", headers=c.others[0].headers)
        assert outsider.status_code == 403 and error_code(outsider) == "not_on_committee"
    ask_again = ask | {"note": "请复核"}
    for who in (c.bidders[0][1], c.p["supervisor"], c.p["agent"], c.p["tenderer"]):
        assert (await client.post(f"/api/evaluations/{ev}/rechecks", json=ask_again, headers=who)).status_code == 403
        assert (await client.post(answer, json={"score": "29"}, headers=who)).status_code == 403
    assert (await client.post(f"/api/evaluations/{ev}/rechecks", json=ask_again)).status_code == 401
    outsider_ask = await client.post(f"/api/evaluations/{ev}/rechecks", json=ask_again, headers=c.others[0].headers)
    assert outsider_ask.status_code == 403 and error_code(outsider_ask) == "not_on_committee"


async def test_the_lowest_evaluated_price_method_has_an_empty_sheet_that_confirms_the_comparison(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    lowest = CRITERIA | {"method": "lowest_evaluated_price", "scoring_items": []}
    c = await evaluation_in(client, admin_headers, clock, live, platform, criteria=lowest)
    ev = c.evaluation_id
    await judge_all(client, c)
    sheet = (await client.get(f"/api/evaluations/{ev}/sheet", headers=c.members[2].headers)).json()
    assert sheet["method"] == "lowest_evaluated_price" and sheet["items"] == [] and sheet["system_items"] == []
    # 4,500,000.00 < 4,650,000.00 < 4,800,000.00
    assert [(r["bid_id"], r["rank"]) for r in sheet["comparison"]] == [
        (c.bid_ids[1], 1),
        (c.bid_ids[0], 2),
        (c.bid_ids[2], 3),
    ]
    nothing = await client.put(
        f"/api/evaluations/{ev}/scores",
        json=[{"bid_id": c.bid_ids[0], "item": TECH, "score": "1"}],
        headers=c.members[2].headers,
    )
    assert nothing.status_code == 422 and error_code(nothing) == "score_invalid"
    confirmed = await client.post(f"/api/evaluations/{ev}/sheet/submit", headers=c.members[2].headers)
    assert confirmed.status_code == 200 and confirmed.json()["submitted_at"], confirmed.text
    assert (await client.get(f"/api/evaluations/{ev}/divergences", headers=c.members[2].headers)).json() == []
