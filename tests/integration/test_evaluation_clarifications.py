"""Clarifications, arithmetic corrections and abnormally low prices during a real evaluation (issue 20;
RULES c5–c7): only the committee asks, the bidder answers in its workspace with a signed statement by
the deadline, a correction binds once confirmed and rejects the bid otherwise (规定 19; 87号令 59), a
flagged price is decided by the chair after the written explanation (规定 21; 87号令 60). A bidder
cannot start a clarification, and another organisation's clarification does not exist for it (404).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.core.clock import ManualClock
from bidding.evaluation.clarification_jobs import watch_clarifications
from bidding.evaluation.clarifications import expire_clarifications, pending_blockers
from bidding.evaluation.models import Evaluation, EvaluationBid, EvaluationClarification
from bidding.evaluation.states import BidReview, EvaluationState
from bidding.messaging.models import Message
from tests.fixtures.errors import error_code
from tests.fixtures.evaluation import Committee, evaluation_in, log_in_again, sign_statement

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


async def _bids(platform: Any, c: Committee) -> list[EvaluationBid]:
    async with platform.sessions() as s:
        return list(
            (
                await s.scalars(
                    select(EvaluationBid)
                    .where(EvaluationBid.evaluation_id == uuid.UUID(c.evaluation_id))
                    .order_by(EvaluationBid.order_no)
                )
            ).all()
        )


def _bidder_of(c: Committee, bid: EvaluationBid) -> tuple[Any, dict[str, str]]:
    """The enrolled user and headers of the bid's organisation."""
    return next((u, h) for u, h in c.bidders if u.org_id == str(bid.organization_id))


async def _answer(
    client: httpx.AsyncClient, holder: Any, headers: dict[str, str], cid: str, text: str, accepted: bool | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"answer": text} | ({"accepted": accepted} if accepted is not None else {})
    handed = await client.post(f"/api/bidder/clarifications/{cid}/statement", json=body, headers=headers)
    assert handed.status_code == 200, handed.text
    signed = sign_statement(holder, handed.json()) | ({"accepted": accepted} if accepted is not None else {})
    return await client.post(f"/api/bidder/clarifications/{cid}/answer", json=signed, headers=headers)


async def _set(platform: Any, c: Committee, **changes: Any) -> None:
    """Move the evaluation behind the app (only what another part of the evaluation would do)."""
    async with platform.sessions() as s, s.begin():
        ev = await s.get(Evaluation, uuid.UUID(c.evaluation_id))
        assert ev is not None
        for key, value in changes.items():
            setattr(ev, key, value)


async def test_a_question_is_asked_answered_signed_and_refused_to_everyone_else(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    await log_in_again(client, c)
    ev = c.evaluation_id
    bids = await _bids(platform, c)
    first, second = bids[0], bids[1]
    holder, bidder = _bidder_of(c, first)
    other_holder, other = _bidder_of(c, second)
    member = c.members[2]  # any sitting member, not the chair

    # Only a sitting member asks: the supervisor, the agent, a bidder may not.
    body = {"bid_id": str(first.bid_id), "question": "请说明投标文件第3.2节所述施工机械的来源。", "due_minutes": 60}
    for headers in (c.p["supervisor"], c.p["agent"], bidder):
        refused = await client.post(f"/api/evaluations/{ev}/clarifications", json=body, headers=headers)
        assert refused.status_code == 403, refused.text
    assert (await client.post(f"/api/evaluations/{ev}/clarifications", json=body)).status_code == 401
    too_short = await client.post(
        f"/api/evaluations/{ev}/clarifications", json=body | {"due_minutes": 9}, headers=member.headers
    )
    assert too_short.status_code == 400, too_short.text
    stranger = await client.post(
        f"/api/evaluations/{ev}/clarifications", json=body | {"bid_id": str(uuid.uuid4())}, headers=member.headers
    )
    assert stranger.status_code == 404 and error_code(stranger) == "evaluation_bid_not_found"
    # A low-price explanation is asked only of a flagged price.
    unflagged = await client.post(
        f"/api/evaluations/{ev}/clarifications", json=body | {"kind": "abnormally_low"}, headers=member.headers
    )
    assert unflagged.status_code == 409 and error_code(unflagged) == "price_not_flagged"

    asked = await client.post(f"/api/evaluations/{ev}/clarifications", json=body, headers=member.headers)
    assert asked.status_code == 201, asked.text
    q = asked.json()
    assert q["kind"] == "question" and q["status"] == "open" and q["asked_by"] == member.member_id
    assert q["order_no"] == first.order_no
    assert datetime.fromisoformat(q["due_at"]) == clock.now() + timedelta(minutes=60)

    # The bidder's organisation is told in its inbox; no name of the committee in it.
    async with platform.sessions() as s:
        notice = await s.scalar(select(Message).where(Message.reference == f"clarification:{q['id']}"))
    assert notice is not None and notice.recipient == f"org:{first.organization_id}"
    assert "评标委员会要求贵方" in notice.body_zh and member.login.expert_id not in notice.body_zh

    # The committee and the supervisor read the list; the bidder its own, without who asked.
    listed = await client.get(f"/api/evaluations/{ev}/clarifications", headers=c.members[0].headers)
    assert listed.status_code == 200 and [x["id"] for x in listed.json()] == [q["id"]]
    supervised = await client.get(f"/api/evaluations/{ev}/clarifications", headers=c.p["supervisor"])
    assert supervised.status_code == 200 and len(supervised.json()) == 1
    for headers in (c.p["agent"], c.p["tenderer"], bidder):
        assert (await client.get(f"/api/evaluations/{ev}/clarifications", headers=headers)).status_code == 403
    mine = await client.get("/api/bidder/clarifications", headers=bidder)
    assert mine.status_code == 200, mine.text
    assert [x["id"] for x in mine.json()] == [q["id"]]
    assert "asked_by" not in mine.json()[0] and "asked_by_name" not in mine.json()[0]
    assert mine.json()[0]["project_code"] == c.project["code"] and mine.json()[0]["lot_code"] == c.lot["code"]
    assert (await client.get("/api/bidder/clarifications", headers=other)).json() == []
    assert (await client.get("/api/bidder/clarifications", headers=c.p["agent"])).status_code == 403
    assert (await client.get("/api/bidder/clarifications")).status_code == 401
    assert (
        await client.post(f"/api/bidder/clarifications/{q['id']}/statement", json={"answer": "x"})
    ).status_code == 401

    # Another organisation, an unknown id: 404 (nothing revealed); the agent: 403 by role.
    handed_body = {"answer": "设备为自有。"}
    for cid, headers in ((q["id"], other), (str(uuid.uuid4()), bidder)):
        for path in ("statement", "answer"):
            payload = handed_body if path == "statement" else {"statement": {}, "signature": "AA==", "algorithm": "x"}
            nf = await client.post(f"/api/bidder/clarifications/{cid}/{path}", json=payload, headers=headers)
            assert nf.status_code == 404 and error_code(nf) == "clarification_not_found", nf.text
    agent = await client.post(f"/api/bidder/clarifications/{q['id']}/statement", json=handed_body, headers=c.p["agent"])
    assert agent.status_code == 403
    # `accepted` belongs to a correction only.
    wrong = await client.post(
        f"/api/bidder/clarifications/{q['id']}/statement", json=handed_body | {"accepted": True}, headers=bidder
    )
    assert wrong.status_code == 400, wrong.text

    # A second question, so that its statement can be posted to the first: refused (422).
    asked2 = await client.post(
        f"/api/evaluations/{ev}/clarifications",
        json=body | {"question": "请说明项目经理的在岗安排。", "due_minutes": 10},
        headers=c.members[1].headers,
    )
    assert asked2.status_code == 201, asked2.text
    q2 = asked2.json()
    handed2 = await client.post(f"/api/bidder/clarifications/{q2['id']}/statement", json=handed_body, headers=bidder)
    swapped = await client.post(
        f"/api/bidder/clarifications/{q['id']}/answer", json=sign_statement(holder, handed2.json()), headers=bidder
    )
    assert swapped.status_code == 422 and error_code(swapped) == "statement_invalid", swapped.text

    # A bad signature: 422; signed by another bidder's key: 422 (its certificate is not the caller's).
    handed = await client.post(f"/api/bidder/clarifications/{q['id']}/statement", json=handed_body, headers=bidder)
    bad = sign_statement(holder, handed.json()) | {
        "signature": sign_statement(other_holder, handed.json())["signature"]
    }
    refused = await client.post(f"/api/bidder/clarifications/{q['id']}/answer", json=bad, headers=bidder)
    assert refused.status_code == 422 and error_code(refused) == "statement_signature_invalid", refused.text

    answered = await client.post(
        f"/api/bidder/clarifications/{q['id']}/answer", json=sign_statement(holder, handed.json()), headers=bidder
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered" and answered.json()["answer"] == "设备为自有。"
    again = await client.post(f"/api/bidder/clarifications/{q['id']}/statement", json=handed_body, headers=bidder)
    assert again.status_code == 409 and error_code(again) == "clarification_answered"
    again = await client.post(
        f"/api/bidder/clarifications/{q['id']}/answer", json=sign_statement(holder, handed.json()), headers=bidder
    )
    assert again.status_code == 409 and error_code(again) == "clarification_answered"
    seen = (await client.get(f"/api/evaluations/{ev}/clarifications", headers=member.headers)).json()
    kept = next(x for x in seen if x["id"] == q["id"])
    assert kept["answer_signature"]["statement"]["object"] == f"clarification:{q['id']}"
    assert kept["answer_signature"]["fingerprint"] == handed.json()["signer"]

    # The second is open: it blocks the report; past its deadline (10 min) the answer is refused.
    async with platform.sessions() as s:
        ev_row = await s.get(Evaluation, uuid.UUID(ev))
        assert ev_row is not None
        blockers = await pending_blockers(s, ev_row)
    assert len(blockers) == 1 and blockers[0].startswith(f"clarification_open bid #{first.order_no}")
    # Signed in time, posted one second after the deadline: closed (the clock under the lock decides).
    in_time = await client.post(f"/api/bidder/clarifications/{q2['id']}/statement", json=handed_body, headers=bidder)
    assert in_time.status_code == 200, in_time.text
    clock.advance(timedelta(minutes=10, seconds=1))
    late = await client.post(
        f"/api/bidder/clarifications/{q2['id']}/answer", json=sign_statement(holder, in_time.json()), headers=bidder
    )
    assert late.status_code == 409 and error_code(late) == "clarification_closed", late.text
    late = await client.post(f"/api/bidder/clarifications/{q2['id']}/statement", json=handed_body, headers=bidder)
    assert late.status_code == 409 and error_code(late) == "clarification_closed"
    assert await watch_clarifications({"platform": platform}) == {
        "clarifications_expired": 1,
        "bids_rejected_for_correction": 0,
    }
    assert await expire_clarifications(platform) == {"clarifications_expired": 0, "bids_rejected_for_correction": 0}
    statuses = {x["id"]: x["status"] for x in (await client.get("/api/bidder/clarifications", headers=bidder)).json()}
    assert statuses == {q["id"]: "answered", q2["id"]: "expired"}
    async with platform.sessions() as s:
        ev_row = await s.get(Evaluation, uuid.UUID(ev))
        assert ev_row is not None
        assert await pending_blockers(s, ev_row) == []
        actions = (
            await s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == ev).order_by(AuditEvent.id))
        ).all()
    for action in ("clarification_asked", "clarification_answered", "clarification_expired"):
        assert f"evaluation.{action}" in actions

    # Wrong state: the low-price decision belongs to the detailed review (409 in preliminary).
    decided = await client.post(
        f"/api/evaluations/{ev}/bids/{first.bid_id}/low-price",
        json={"decision": "accept", "note": "说明充分"},
        headers=c.chair.headers if c.chair else {},
    )
    assert decided.status_code == 409 and error_code(decided) == "evaluation_state"
    # After the report is final nobody asks, nobody answers.
    await _set(platform, c, state=EvaluationState.FINAL)
    final = await client.post(f"/api/evaluations/{ev}/clarifications", json=body, headers=member.headers)
    assert final.status_code == 409 and error_code(final) == "evaluation_state"


async def test_corrections_bind_when_confirmed_and_reject_when_refused_or_late(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    await log_in_again(client, c)
    ev = c.evaluation_id
    assert c.chair is not None
    chair, member = c.chair, c.members[1]
    bids = await _bids(platform, c)
    a, b, d = bids
    price_a = a.price_fen
    assert price_a is not None

    # Words ¥1 lower than the figures: words prevail (规定 19; works, not government procurement).
    correction = {"bid_id": str(a.bid_id), "readings": {"words_fen": price_a - 100}}
    assert (
        await client.post(f"/api/evaluations/{ev}/corrections", json=correction, headers=member.headers)
    ).status_code == 403
    assert (
        await client.post(f"/api/evaluations/{ev}/corrections", json=correction, headers=c.p["supervisor"])
    ).status_code == 403
    same = await client.post(
        f"/api/evaluations/{ev}/corrections",
        json={"bid_id": str(a.bid_id), "readings": {"words_fen": price_a}},
        headers=chair.headers,
    )
    assert same.status_code == 422 and error_code(same) == "no_correction_needed"
    made = await client.post(f"/api/evaluations/{ev}/corrections", json=correction, headers=chair.headers)
    assert made.status_code == 201, made.text
    ca = made.json()
    assert ca["kind"] == "correction" and ca["correction"]["from_fen"] == price_a
    assert ca["correction"]["to_fen"] == price_a - 100 and ca["correction"]["basis"] == "words_over_figures"
    assert ca["correction"]["article"] == "规定19"
    assert "经评标委员会算术修正，贵方投标报价由" in ca["question"] and "请确认" in ca["question"]
    dup = await client.post(f"/api/evaluations/{ev}/corrections", json=correction, headers=chair.headers)
    assert dup.status_code == 409 and error_code(dup) == "clarification_pending"

    holder_a, bidder_a = _bidder_of(c, a)
    # A correction needs `accepted`; and the statement must say what `accepted` says.
    missing = await client.post(
        f"/api/bidder/clarifications/{ca['id']}/statement", json={"answer": "确认"}, headers=bidder_a
    )
    assert missing.status_code == 400, missing.text
    handed = await client.post(
        f"/api/bidder/clarifications/{ca['id']}/statement", json={"answer": "确认", "accepted": True}, headers=bidder_a
    )
    assert handed.status_code == 200 and "接受算术修正" in handed.json()["text"]
    contradicting = sign_statement(holder_a, handed.json()) | {"accepted": False}
    refused = await client.post(f"/api/bidder/clarifications/{ca['id']}/answer", json=contradicting, headers=bidder_a)
    assert refused.status_code == 422 and error_code(refused) == "statement_invalid"
    confirmed = await client.post(
        f"/api/bidder/clarifications/{ca['id']}/answer",
        json=sign_statement(holder_a, handed.json()) | {"accepted": True},
        headers=bidder_a,
    )
    assert confirmed.status_code == 200 and confirmed.json()["accepted"] is True, confirmed.text
    after = {x.bid_id: x for x in await _bids(platform, c)}
    assert after[a.bid_id].evaluated_price_fen == price_a - 100 and after[a.bid_id].review is BidReview.IN_REVIEW

    # Bid b: unit prices over the total — its schedule has one line, 2 × ¥1,000,000.00 written as
    # ¥2,100,000.00; recomputed 2 × 100,000,000 fen = 200,000,000 fen, which replaces the line total and
    # the announced total alike (no power of ten makes the unit price fit: no misplaced decimal).
    lines = {"unit_lines": [{"unit_price_fen": 100_000_000, "quantity": "2", "line_total_fen": 210_000_000}]}
    made_b = await client.post(
        f"/api/evaluations/{ev}/corrections", json={"bid_id": str(b.bid_id), "readings": lines}, headers=chair.headers
    )
    assert made_b.status_code == 201, made_b.text
    cb = made_b.json()
    assert cb["correction"]["to_fen"] == 200_000_000 and cb["correction"]["basis"] == "unit_price_over_total"
    # A question about bid b, open while b is rejected: withdrawn with it.
    asked = await client.post(
        f"/api/evaluations/{ev}/clarifications",
        json={"bid_id": str(b.bid_id), "question": "请说明单价构成。"},
        headers=member.headers,
    )
    assert asked.status_code == 201
    holder_b, bidder_b = _bidder_of(c, b)
    declined = await _answer(client, holder_b, bidder_b, cb["id"], "不同意修正。", accepted=False)
    assert declined.status_code == 200 and declined.json()["accepted"] is False, declined.text
    after = {x.bid_id: x for x in await _bids(platform, c)}
    rejected = after[b.bid_id]
    assert rejected.review is BidReview.REJECTED and rejected.rejection is not None
    assert rejected.rejection["item"] == "算术修正" and rejected.rejection["clause"] == "规定19 / 87号令59"
    assert rejected.rejection["reason"] == "投标人不接受修正价格" and rejected.rejection["article"] == "规定19"
    withdrawn = await client.post(
        f"/api/bidder/clarifications/{asked.json()['id']}/statement", json={"answer": "单价含税。"}, headers=bidder_b
    )
    assert withdrawn.status_code == 409 and error_code(withdrawn) == "clarification_closed"
    # A rejected bid is asked nothing more.
    more = await client.post(
        f"/api/evaluations/{ev}/clarifications",
        json={"bid_id": str(b.bid_id), "question": "再问"},
        headers=member.headers,
    )
    assert more.status_code == 409 and error_code(more) == "bid_rejected"

    # Bid d: not confirmed within 30 minutes → rejected by the job.
    price_d = d.price_fen
    assert price_d is not None
    made_d = await client.post(
        f"/api/evaluations/{ev}/corrections",
        json={"bid_id": str(d.bid_id), "readings": {"words_fen": price_d + 1_000_00}, "due_minutes": 30},
        headers=chair.headers,
    )
    assert made_d.status_code == 201, made_d.text
    async with platform.sessions() as s:
        ev_row = await s.get(Evaluation, uuid.UUID(ev))
        assert ev_row is not None
        blockers = await pending_blockers(s, ev_row)
    assert [x.split(" ")[0] for x in blockers] == ["correction_unanswered"]
    clock.advance(timedelta(minutes=31))
    assert await expire_clarifications(platform) == {"clarifications_expired": 1, "bids_rejected_for_correction": 1}
    after = {x.bid_id: x for x in await _bids(platform, c)}
    assert after[d.bid_id].review is BidReview.REJECTED
    late_rejection = after[d.bid_id].rejection
    assert late_rejection is not None and late_rejection["item"] == "算术修正"
    async with platform.sessions() as s:
        row = await s.get(EvaluationClarification, uuid.UUID(made_d.json()["id"]))
        assert row is not None and row.status.value == "expired"


async def test_an_abnormally_low_price_is_explained_then_decided_by_the_chair(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    await log_in_again(client, c)
    ev = c.evaluation_id
    assert c.chair is not None
    chair, member = c.chair, c.members[3]
    bids = await _bids(platform, c)
    low, fair = bids[0], bids[1]
    # The preliminary review's conclusion flags a price and moves to the detailed review (review.py);
    # here it is set as that conclusion would.
    async with platform.sessions() as s, s.begin():
        row = await s.get(EvaluationBid, (low.evaluation_id, low.bid_id))
        assert row is not None
        row.low_price = {"reasons": ["below_next"], "decision": None}
        row.review = BidReview.PASSED
        ev_row = await s.get(Evaluation, uuid.UUID(ev))
        assert ev_row is not None
        ev_row.state = EvaluationState.DETAILED

    decide = {"decision": "reject", "note": "投标人未能提供成本构成的证明材料，不能证明其报价合理性。"}
    early = await client.post(f"/api/evaluations/{ev}/bids/{low.bid_id}/low-price", json=decide, headers=chair.headers)
    assert early.status_code == 409 and error_code(early) == "low_price_explanation_pending"
    unflagged = await client.post(
        f"/api/evaluations/{ev}/bids/{fair.bid_id}/low-price", json=decide, headers=chair.headers
    )
    assert unflagged.status_code == 409 and error_code(unflagged) == "price_not_flagged"

    asked = await client.post(
        f"/api/evaluations/{ev}/clarifications",
        json={"bid_id": str(low.bid_id), "kind": "abnormally_low"},
        headers=member.headers,
    )
    assert asked.status_code == 201, asked.text
    q = asked.json()
    assert q["kind"] == "abnormally_low" and "书面说明" in q["question"] and "第二十一条" in q["question"]
    twice = await client.post(
        f"/api/evaluations/{ev}/clarifications",
        json={"bid_id": str(low.bid_id), "kind": "abnormally_low"},
        headers=member.headers,
    )
    assert twice.status_code == 409 and error_code(twice) == "clarification_pending"
    pending = await client.post(
        f"/api/evaluations/{ev}/bids/{low.bid_id}/low-price", json=decide, headers=chair.headers
    )
    assert pending.status_code == 409 and error_code(pending) == "low_price_explanation_pending"
    async with platform.sessions() as s:
        ev_row = await s.get(Evaluation, uuid.UUID(ev))
        assert ev_row is not None
        codes = sorted(x.split(" ")[0] for x in await pending_blockers(s, ev_row))
    assert codes == ["clarification_open", "low_price_undecided"]

    holder, bidder = _bidder_of(c, low)
    answered = await _answer(
        client, holder, bidder, q["id"], "本单位自有搅拌站，材料成本低于市场价约18%，附成本测算表。"
    )
    assert answered.status_code == 200, answered.text

    # Only the chair decides.
    not_chair = await client.post(
        f"/api/evaluations/{ev}/bids/{low.bid_id}/low-price", json=decide, headers=member.headers
    )
    assert not_chair.status_code == 403
    decided = await client.post(
        f"/api/evaluations/{ev}/bids/{low.bid_id}/low-price", json=decide, headers=chair.headers
    )
    assert decided.status_code == 200, decided.text
    view = decided.json()
    assert view["review"] == "rejected" and view["low_price"]["decision"] == "rejected"
    assert view["rejection"]["article"] == "规定21" and view["rejection"]["reason"] == decide["note"]
    assert view["rejection"]["clause"] == "规定21 / 87号令60"
    again = await client.post(
        f"/api/evaluations/{ev}/bids/{low.bid_id}/low-price",
        json={"decision": "accept", "note": "改为接受"},
        headers=chair.headers,
    )
    assert again.status_code == 409 and error_code(again) == "bid_rejected"
    async with platform.sessions() as s:
        ev_row = await s.get(Evaluation, uuid.UUID(ev))
        assert ev_row is not None
        assert await pending_blockers(s, ev_row) == []
