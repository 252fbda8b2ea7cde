"""The preliminary review (初步评审, issue 20 "Review and scoring"): after a real opening five sitting
members judge three bids on three checklist items each on their own; a bid failed by three of five
on one item is rejected (否决, 条例 51) with its clause and the failing members' reasons, one failed by
two of five passes (少数服从多数); the conclusion moves the evaluation to the detailed review. Then
the refusals (a fail without reason, incomplete sets, changes after submitting, wrong state, other
roles) and the collusion signals (条例 40; supervision's rules) shown to the committee and the supervisor,
never rejecting."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from bidding.core.clock import ManualClock
from bidding.evaluation.models import Evaluation
from bidding.evaluation.review import judgement_summary
from bidding.evaluation.signal_facts import bid_facts
from tests.fixtures.errors import error_code
from tests.fixtures.evaluation import CHECKS, PRICES, Member, declare, evaluation_in, judge, judgements

ITEMS = CHECKS
ROUTE = "/api/evaluations/{evaluation_id:uuid}/checklist"


async def test_the_majority_rejects_a_bid_with_the_clause_and_the_committees_reasons(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev = c.evaluation_id
    first = c.members[0].headers
    shown = await client.get(f"/api/evaluations/{ev}/checklist", headers=first)
    assert shown.status_code == 200, shown.text
    view = shown.json()
    assert [i["name_zh"] for i in view["items"]] == list(ITEMS)
    assert [i["clause"] for i in view["items"]] == ["第二章 2.1.1", "第二章 2.2.1", "第二章 2.3.1"]
    assert sorted(b["bid_id"] for b in view["bids"]) == sorted(c.bid_ids)
    assert (view["submitted"], view["sitting"], view["size"], view["conclusion"]) == (0, 5, 5, None)

    # A fail needs the reason; an unknown item or a pair given twice is refused with the rest, nothing saved.
    bad = [
        {"bid_id": c.bid_ids[0], "item": ITEMS[0], "passed": False},
        {"bid_id": c.bid_ids[0], "item": "不存在的评审项", "passed": True},
        {"bid_id": str(uuid.uuid4()), "item": ITEMS[1], "passed": True},
        {"bid_id": c.bid_ids[1], "item": ITEMS[2], "passed": False, "reason": "   "},
    ]
    refused = await client.put(f"/api/evaluations/{ev}/judgements", json=bad, headers=first)
    assert refused.status_code == 422 and error_code(refused) == "judgements_invalid", refused.text
    reasons = [(d["index"], d["reason"]) for d in refused.json()["error"]["details"]]
    assert reasons == [(0, "reason_required"), (1, "unknown_item"), (2, "unknown_bid"), (3, "reason_required")]
    empty = await client.put(f"/api/evaluations/{ev}/judgements", json=[], headers=first)
    assert empty.status_code == 422 and error_code(empty) == "judgements_invalid"
    shape = await client.put(f"/api/evaluations/{ev}/judgements", json=[{"bid_id": c.bid_ids[0]}], headers=first)
    assert shape.status_code == 400, shape.text
    # An incomplete set is not submitted: the gaps are listed (3 bids × 3 items, 2 judged).
    partial = judgements(c)[:2]
    assert (await client.put(f"/api/evaluations/{ev}/judgements", json=partial, headers=first)).status_code == 200
    again = await client.put(f"/api/evaluations/{ev}/judgements", json=partial, headers=first)  # idempotent
    assert again.status_code == 200 and len(again.json()["judgements"]) == 2
    incomplete = await client.post(f"/api/evaluations/{ev}/judgements/submit", headers=first)
    assert incomplete.status_code == 422 and error_code(incomplete) == "judgements_incomplete"
    assert len(incomplete.json()["error"]["details"]) == 7
    assert {d["item"] for d in incomplete.json()["error"]["details"] if d["bid_id"] == c.bid_ids[0]} == {ITEMS[2]}
    # Scoring belongs to the detailed review: refused while the review is preliminary.
    early = await client.put(
        f"/api/evaluations/{ev}/scores",
        json=[{"bid_id": c.bid_ids[0], "item": "技术方案", "score": "30"}],
        headers=first,
    )
    assert early.status_code == 409 and error_code(early) == "evaluation_state"

    # Three of five fail bid 3 on the qualification (资质); two of five fail bid 2 on the duration.
    no_licence = "资质证书已过期"
    for i in range(3):
        mine = {(2, ITEMS[1]): f"{no_licence}（{i + 1}）"} | ({(1, ITEMS[2]): "工期超出要求"} if i < 2 else {})
        judged = await judge(client, c, i, judgements(c, fail=mine))
        assert judged["state"] == "preliminary" and judged["submitted"] == i + 1 and judged["conclusion"] is None
    # Submitted: no more changes; the others' judgements stay hidden until the conclusion.
    late = await client.put(f"/api/evaluations/{ev}/judgements", json=judgements(c), headers=first)
    assert late.status_code == 409 and error_code(late) == "judgements_submitted"
    await judge(client, c, 3, judgements(c))
    fourth = await client.get(f"/api/evaluations/{ev}/checklist", headers=c.members[3].headers)
    assert fourth.json()["conclusion"] is None and all(j["passed"] for j in fourth.json()["judgements"])
    last = await judge(client, c, 4, judgements(c))

    assert last["state"] == "detailed"
    conclusion = {b["bid_id"]: b for b in last["conclusion"]}
    rejected = conclusion[c.bid_ids[2]]
    assert rejected["review"] == "rejected"
    rejection = rejected["rejection"]
    assert (rejection["item"], rejection["clause"], rejection["article"]) == (ITEMS[1], "第二章 2.2.1", "条例 51")
    assert sorted(rejection["reason"].split("；")) == [f"{no_licence}（{i}）" for i in (1, 2, 3)]
    room = (await client.get(f"/api/evaluations/{ev}", headers=first)).json()
    assert not any(m["name"] in rejection["reason"] for m in room["members"])  # the committee's reasons, no names
    licence = next(i for i in rejected["items"] if i["item"] == ITEMS[1])
    assert (licence["passed"], licence["fails"], licence["of"]) == (False, 3, 5)
    minority = next(i for i in conclusion[c.bid_ids[1]]["items"] if i["item"] == ITEMS[2])
    assert (minority["passed"], minority["fails"], minority["of"]) == (True, 2, 5)
    assert minority["reasons"] == ["工期超出要求", "工期超出要求"]
    assert conclusion[c.bid_ids[1]]["review"] == "passed" and conclusion[c.bid_ids[1]]["rejection"] is None
    assert conclusion[c.bid_ids[0]]["review"] == "passed"

    bids = {b["bid_id"]: b for b in room["bids"]}
    assert bids[c.bid_ids[2]]["review"] == "rejected"
    # The passing bids keep their announced prices as evaluated prices; neither is abnormally low
    # (4,500,000.00 is not below half of 4,650,000.00).
    assert [bids[b]["evaluated_price_fen"] for b in c.bid_ids[:2]] == list(PRICES[:2])
    assert [bids[b]["low_price"] for b in c.bid_ids[:2]] == [None, None]
    # The review is over: judging is refused now.
    closed = await client.put(f"/api/evaluations/{ev}/judgements", json=judgements(c), headers=c.members[4].headers)
    assert closed.status_code == 409 and error_code(closed) == "evaluation_state"
    async with platform.sessions() as session:
        found = await session.get(Evaluation, uuid.UUID(ev))
        assert found is not None
        summary = await judgement_summary(session, found)
    reviews = {str(s.bid_id): (s.review, s.rejection is not None) for s in summary}
    assert [reviews[b] for b in c.bid_ids] == [("passed", False), ("passed", False), ("rejected", True)]


async def test_the_review_refuses_whoever_is_not_a_sitting_member(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev = c.evaluation_id
    paths = [
        ("get", f"/api/evaluations/{ev}/checklist", None),
        ("put", f"/api/evaluations/{ev}/judgements", judgements(c)),
        ("post", f"/api/evaluations/{ev}/judgements/submit", None),
    ]
    for method, path, body in paths:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        anonymous = await client.request(method, path, **kwargs)
        assert anonymous.status_code == 401, (path, anonymous.text)
        for who in (c.bidders[0][1], c.p["supervisor"], c.p["agent"], c.p["tenderer"]):
            refused = await client.request(method, path, headers=who, **kwargs)
            assert refused.status_code == 403, (path, refused.text)
        # A drawn expert who holds no seat of this committee.
        outsider = await client.request(method, path, headers=c.others[0].headers, **kwargs)
        assert outsider.status_code == 403 and error_code(outsider) == "not_on_committee", outsider.text
    missing = await client.get(f"/api/evaluations/{uuid.uuid4()}/checklist", headers=c.members[0].headers)
    assert missing.status_code == 404


async def test_signals_are_shown_to_the_committee_and_the_supervisor_never_as_rejections(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev = c.evaluation_id
    for headers in (c.members[1].headers, c.p["supervisor"]):
        shown = await client.get(f"/api/evaluations/{ev}/signals", headers=headers)
        assert shown.status_code == 200, shown.text
        view = shown.json()
        assert "不构成否决" in view["note_zh"] and "never rejects" in view["note_en"]
        rules = {s["rule"]: s for s in view["signals"]}
        # Every bidder of the test uploaded and decrypted from the test client's one address.
        upload = rules["same_upload_ip"]
        assert upload["article"] == "条例40（一）（二）"
        assert sorted(b["bid_id"] for b in upload["bids"]) == sorted(c.bid_ids)
        assert upload["evidence"]["ip"] == "127.0.0.1"
        assert all(entry["bidder_name"] for entry in upload["evidence"]["bids"].values())
        assert all(entry["times"] for entry in upload["evidence"]["bids"].values())
        assert upload["at"] is not None and upload["blocking"] is False
        assert "127.0.0.1" in upload["summary_zh"] and "127.0.0.1" in upload["summary_en"]
        assert all(b["order_no"] is not None for b in upload["bids"])  # none withdrawn
        assert "same_decryption_ip" in rules
        # Each bidder signed with its own certificate and key: no certificate or key signal.
        assert not {"same_signing_certificate", "same_key", "simultaneous_withdrawals"} & set(rules)
    # The key of each bid's signing certificate is gathered (SHA-256 of its SubjectPublicKeyInfo).
    async with platform.sessions() as session:
        found = await session.get(Evaluation, uuid.UUID(ev))
        assert found is not None
        facts = await bid_facts(session, found)
    assert sorted(f.bid_id for f in facts) == sorted(c.bid_ids)
    keys = {f.sealing_key_sha256 for f in facts}
    assert len(keys) == len(c.bid_ids) and all(key and len(key) == 64 for key in keys)
    assert all(f.signing_cert_sha256 not in keys for f in facts)  # the key's hash, not the certificate's
    room = (await client.get(f"/api/evaluations/{ev}", headers=c.members[1].headers)).json()
    assert {b["review"] for b in room["bids"]} == {"in_review"}  # nothing rejected by a signal
    for who in (c.bidders[0][1], c.p["agent"], c.p["tenderer"]):
        refused = await client.get(f"/api/evaluations/{ev}/signals", headers=who)
        assert refused.status_code == 403, refused.text
    outsider = await client.get(f"/api/evaluations/{ev}/signals", headers=c.others[0].headers)
    assert outsider.status_code == 403 and error_code(outsider) == "not_on_committee"


async def test_a_recusal_after_the_review_recomputes_the_conclusion_over_the_members_sitting_then(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev = c.evaluation_id
    licence = {(2, ITEMS[1]): "资质证书已过期"}
    for i in range(5):
        await judge(client, c, i, judgements(c, fail=licence if i < 3 else None))
    room = (await client.get(f"/api/evaluations/{ev}", headers=c.members[0].headers)).json()
    assert room["state"] == "detailed"
    assert {b["bid_id"]: b["review"] for b in room["bids"]}[c.bid_ids[2]] == "rejected"
    # Member 4 scores the two bids that passed and submits.
    scorer = c.members[3].headers
    sheet = [{"bid_id": b, "item": item, "score": "20"} for b in c.bid_ids[:2] for item in ("技术方案", "施工组织")]
    assert (await client.put(f"/api/evaluations/{ev}/scores", json=sheet, headers=scorer)).status_code == 200
    assert (await client.post(f"/api/evaluations/{ev}/sheet/submit", headers=scorer)).status_code == 200

    # Member 2, one of the three who failed bid 3, finds a conflict: recused, the committee convenes again.
    leaving = c.members[1]
    recused = await declare(client, c, leaving, conflict="本人曾在第三投标人处任职")
    assert recused.json()["me"]["status"] == "recused"
    backup = seat_id = None
    for other in c.others:
        listed = (await client.get("/api/expert/invitations", headers=other.headers)).json()
        invited = [i for i in listed if i["status"] == "invited"]
        if invited:
            backup, seat_id = other, invited[0]["seat_id"]
    assert backup is not None and seat_id is not None
    accepted = await client.post(
        f"/api/expert/invitations/{seat_id}/answer", json={"answer": "accept"}, headers=backup.headers
    )
    assert accepted.status_code == 200, accepted.text
    entered = await client.post(
        "/api/evaluations/enter", json={"seat_id": seat_id, "lot_id": c.lot["id"]}, headers=backup.headers
    )
    assert entered.status_code == 200, entered.text
    newcomer = Member(backup, seat_id, entered.json()["me"]["member_id"])
    seated = await declare(client, c, newcomer, conflict=None)
    assert seated.json()["state"] == "preliminary", seated.json()

    # The backup judges every bid again, bid 3 included; four of five have submitted.
    view = (await client.get(f"/api/evaluations/{ev}/checklist", headers=newcomer.headers)).json()
    assert sorted(b["bid_id"] for b in view["bids"]) == sorted(c.bid_ids)
    assert (view["submitted"], view["sitting"], view["judgements"]) == (4, 5, [])
    put = await client.put(f"/api/evaluations/{ev}/judgements", json=judgements(c), headers=newcomer.headers)
    assert put.status_code == 200, put.text
    done = await client.post(f"/api/evaluations/{ev}/judgements/submit", headers=newcomer.headers)
    assert done.status_code == 200, done.text

    # Recomputed from scratch: two of the five sitting now fail bid 3 — it passes; nothing else kept.
    after = done.json()
    assert after["state"] == "detailed"
    conclusion = {b["bid_id"]: b for b in after["conclusion"]}
    assert [conclusion[b]["review"] for b in c.bid_ids] == ["passed"] * 3
    item = next(i for i in conclusion[c.bid_ids[2]]["items"] if i["item"] == ITEMS[1])
    assert (item["passed"], item["fails"], item["of"]) == (True, 2, 5)
    # Member 4's sheet lacks bid 3, which passes now: it is open again.
    reopened = (await client.get(f"/api/evaluations/{ev}/sheet", headers=scorer)).json()
    assert reopened["submitted_at"] is None and len(reopened["bids"]) == 3


async def test_a_member_who_has_not_declared_reads_and_judges_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform, state="entered")
    ev, declarant = c.evaluation_id, c.members[0].headers
    for method, path in (
        ("get", "checklist"),
        ("get", "sheet"),
        ("get", "scores"),
        ("get", "divergences"),
        ("get", "signals"),
        ("post", "judgements/submit"),
        ("post", "sheet/submit"),
    ):
        refused = await client.request(method, f"/api/evaluations/{ev}/{path}", headers=declarant)
        assert refused.status_code == 403 and error_code(refused) == "evaluation_forbidden", (path, refused.text)
    judged = await client.put(
        f"/api/evaluations/{ev}/judgements",
        json=[{"bid_id": c.bid_ids[0], "item": ITEMS[0], "passed": True}],
        headers=declarant,
    )
    assert judged.status_code == 403 and error_code(judged) == "evaluation_forbidden"
