"""The committee convenes (issue 20 "Committee sign-in"): after a real opening the drawn experts enter
with their certificates, sign the recusal declaration, and elect a chair; a member who declares a
conflict is recused and the next backup takes the seat; the refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from bidding.core.clock import ManualClock
from tests.fixtures.errors import error_code
from tests.fixtures.evaluation import PRICES, Member, declare, evaluation_in, log_in_again, sign_statement

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def test_five_experts_enter_declare_and_elect_a_chair(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    assert c.chair is not None
    room = (await client.get(f"/api/evaluations/{c.evaluation_id}", headers=c.members[1].headers)).json()
    assert room["state"] == "preliminary"
    assert room["chair_id"] == c.chair.member_id and not room["me"]["is_chair"]
    assert [m["status"] for m in room["members"]] == ["sitting"] * 5
    assert sorted(b["price_fen"] for b in room["bids"]) == sorted(PRICES)
    assert {b["review"] for b in room["bids"]} == {"in_review"}
    assert room["criteria"]["method"] == "comprehensive" and len(room["criteria_sha256"]) == 64
    assert room["opening_record_sha256"] and len(room["opening_record_sha256"]) == 64
    # The declaration kept is the signed statement naming the lot's bidders.
    chair_room = (await client.get(f"/api/evaluations/{c.evaluation_id}", headers=c.chair.headers)).json()
    assert chair_room["me"]["is_chair"] and chair_room["me"]["declared_at"]


async def test_a_conflict_recuses_the_member_and_the_next_backup_takes_the_seat(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform, state="entered")
    ev = c.evaluation_id
    for m in c.members[1:]:
        await declare(client, c, m, conflict=None)
    leaving = c.members[0]
    recused = await declare(client, c, leaving, conflict="本人配偶在投标人处任职")
    assert recused.json()["me"]["status"] == "recused"
    # Recused: the room is closed to them; their seat is recused in the draw.
    refused = await client.get(f"/api/evaluations/{ev}", headers=leaving.headers)
    assert refused.status_code == 403 and error_code(refused) == "not_on_committee"
    # The next backup is invited, accepts in the app, enters and sits in the recused member's place.
    backup = None
    for other in c.others:
        invited = [
            i
            for i in (await client.get("/api/expert/invitations", headers=other.headers)).json()
            if i["status"] == "invited"
        ]
        if invited:
            backup, seat_id = other, invited[0]["seat_id"]
    assert backup is not None
    assert (
        await client.post(
            f"/api/expert/invitations/{seat_id}/answer", json={"answer": "accept"}, headers=backup.headers
        )
    ).status_code == 200
    entered = await client.post(
        "/api/evaluations/enter", json={"seat_id": seat_id, "lot_id": c.lot["id"]}, headers=backup.headers
    )
    assert entered.status_code == 200, entered.text
    me = entered.json()["me"]
    replacing = next(m for m in entered.json()["members"] if m["id"] == me["member_id"])
    assert replacing["replaces"] == leaving.member_id
    newcomer = Member(backup, seat_id, me["member_id"])
    await declare(client, c, newcomer, conflict=None)
    sitting = [*c.members[1:], newcomer]
    for m in sitting:
        voted = await client.post(
            f"/api/evaluations/{ev}/chair-votes", json={"member_id": newcomer.member_id}, headers=m.headers
        )
        assert voted.status_code == 200, voted.text
    room = voted.json()
    assert room["state"] == "preliminary" and room["chair_id"] == newcomer.member_id
    assert sorted(m["status"] for m in room["members"]) == ["recused"] + ["sitting"] * 5
    # The supervisor's draw view shows the recused seat.
    got = await client.get(f"/api/supervision/expert-draws/{c.draw_id}", headers=c.p["supervisor"])
    assert got.status_code == 200, got.text
    draw = got.json()
    assert "recused" in {s["status"] for s in draw["seats"]}


async def test_the_room_refuses_whoever_is_not_a_signed_in_member(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform, state="entered")
    ev = c.evaluation_id
    # Other roles: the role guard.
    for headers in (c.p["agent"], c.p["tenderer"], c.p["supervisor"], c.bidders[0][1], admin_headers):
        assert (await client.get(f"/api/evaluations/{ev}", headers=headers)).status_code in (401, 403)
    assert (await client.get(f"/api/evaluations/{ev}")).status_code == 401
    # An expert of the pool not on this committee.
    outsider = c.others[0]
    refused = await client.get(f"/api/evaluations/{ev}", headers=outsider.headers)
    assert refused.status_code == 403 and error_code(refused) == "not_on_committee"
    # A member signed in but not declared may declare, not vote; the vote needs a sitting member.
    m0, m1 = c.members[0], c.members[1]
    vote = await client.post(f"/api/evaluations/{ev}/chair-votes", json={"member_id": m0.member_id}, headers=m0.headers)
    assert vote.status_code == 403 and error_code(vote) == "evaluation_forbidden"
    # A bad signature, a statement of another kind, a changed text, a stale statement.
    handed = (
        await client.post(f"/api/evaluations/{ev}/declaration/statement", json={"conflict": False}, headers=m0.headers)
    ).json()
    signed = sign_statement(m0.login, handed)
    forged = signed | {"signature": sign_statement(m1.login, handed)["signature"]}
    bad = await client.post(f"/api/evaluations/{ev}/declaration", json=forged, headers=m0.headers)
    assert bad.status_code == 422 and error_code(bad) == "statement_signature_invalid"
    changed = sign_statement(m0.login, handed | {"text": handed["text"] + "（另有说明）"})
    bad = await client.post(f"/api/evaluations/{ev}/declaration", json=changed, headers=m0.headers)
    assert bad.status_code in (400, 422), bad.text
    other_signer = await client.post(f"/api/evaluations/{ev}/declaration", json=signed, headers=m1.headers)
    assert other_signer.status_code == 403, other_signer.text
    clock.advance(timedelta(hours=1))
    await log_in_again(client, c)
    m0, m1 = c.members[0], c.members[1]
    stale = await client.post(f"/api/evaluations/{ev}/declaration", json=signed, headers=m0.headers)
    assert stale.status_code in (400, 422) and "stale" in stale.text
    # Declared once: a second commitment is refused; a conflict later is allowed (recusal).
    await declare(client, c, m0, conflict=None)
    again = await client.post(
        f"/api/evaluations/{ev}/declaration/statement", json={"conflict": False}, headers=m0.headers
    )
    assert again.status_code == 409
    # Voting for a member not sitting.
    vote = await client.post(f"/api/evaluations/{ev}/chair-votes", json={"member_id": m1.member_id}, headers=m0.headers)
    assert vote.status_code in (400, 422) and "sitting" in vote.text
    # Entering for a lot that is not the assignment's.
    wrong = await client.post(
        "/api/evaluations/enter", json={"seat_id": m0.seat_id, "lot_id": c.project["lots"][1]["id"]}, headers=m0.headers
    )
    assert wrong.status_code == 404 and error_code(wrong) == "lot_not_assigned"
    # Malformed bodies are 400s, never 500s.
    for body in (
        {},
        {"seat_id": "x", "lot_id": c.lot["id"]},
        {"seat_id": m0.seat_id, "lot_id": c.lot["id"], "extra": 1},
    ):
        assert (await client.post("/api/evaluations/enter", json=body, headers=m0.headers)).status_code == 400
