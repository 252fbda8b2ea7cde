"""Who reads a body or a score (issue 20, "Done when": every endpoint that serves a body or a score
refuses every role except the committee, and refuses the committee before sign-in and after the
report is final). One evaluation is taken from its first day to its final report; at each stage every
such endpoint is asked by everyone who is not allowed, and by a member who is."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bidding.core.clock import ManualClock
from tests.conftest import ADMIN_TOKEN
from tests.fixtures.errors import error_code
from tests.fixtures.evaluation import (
    Committee,
    Member,
    declare,
    evaluation_in,
    judge_all,
    prepare_signature,
    sign_report,
    submit_sheet,
)

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")


def reads(c: Committee) -> list[str]:
    """Every endpoint that serves a body (its files, a file) or a score (the checklist's judgements,
    a sheet, everyone's scores, the divergences, the signals computed from the bids)."""
    ev, bid = c.evaluation_id, c.bid_ids[0]
    return [
        f"/api/evaluations/{ev}/bids/{bid}/files",
        f"/api/evaluations/{ev}/bids/{bid}/files/0",
        f"/api/evaluations/{ev}/checklist",
        f"/api/evaluations/{ev}/sheet",
        f"/api/evaluations/{ev}/scores",
        f"/api/evaluations/{ev}/divergences",
    ]


async def refused_to_everyone_else(client: httpx.AsyncClient, c: Committee) -> None:
    """The public, the project's parties, every bidder (the bid's own too), the supervisor, the
    administrator and an expert of the pool not on this committee: none of them reads any of it."""
    others: dict[str, dict[str, str]] = {
        "agent": c.p["agent"],
        "tenderer": c.p["tenderer"],
        "supervisor": c.p["supervisor"],
        "admin token": {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        **{f"bidder {i}": headers for i, (_, headers) in enumerate(c.bidders)},
    }
    # A drawn expert of the pool who does not sit (a backup still in reserve; not the one who replaced
    # a recused member).
    sitting = {m.login.expert_id for m in c.members}
    outsider = next(o for o in c.others if o.expert_id not in sitting)
    for url in reads(c):
        assert (await client.get(url)).status_code == 401, url
        for who, headers in others.items():
            answer = await client.get(url, headers=headers)
            assert answer.status_code == 403, (who, url, answer.text)
        answer = await client.get(url, headers=outsider.headers)
        assert (answer.status_code, error_code(answer)) == (403, "not_on_committee"), (url, answer.text)


async def test_bodies_and_scores_are_the_sitting_committees_alone_from_sign_in_to_the_final_report(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    ev, chair = c.evaluation_id, c.members[0]
    await refused_to_everyone_else(client, c)
    # A sitting member reads the body and their own (empty) checklist.
    files = await client.get(reads(c)[0], headers=c.members[1].headers)
    assert files.status_code == 200 and files.json()[0]["name"].endswith(".pdf"), files.text
    assert (await client.get(reads(c)[2], headers=c.members[1].headers)).status_code == 200

    # Before sign-in: a member recuses, the backup accepts their seat but has not signed in yet.
    await declare(client, c, c.members[4], conflict="本人曾在投标人处任职，申请回避")
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
    accepted = await client.post(
        f"/api/expert/invitations/{seat_id}/answer", json={"answer": "accept"}, headers=backup.headers
    )
    assert accepted.status_code == 200, accepted.text
    for url in reads(c):
        for who, headers in (("backup not signed in", backup.headers), ("recused", c.members[4].headers)):
            answer = await client.get(url, headers=headers)
            assert (answer.status_code, error_code(answer)) == (403, "not_on_committee"), (who, url, answer.text)
    # Signed in but not declared: still nothing.
    entered = await client.post(
        "/api/evaluations/enter", json={"seat_id": seat_id, "lot_id": c.lot["id"]}, headers=backup.headers
    )
    assert entered.status_code == 200, entered.text
    newcomer = Member(backup, seat_id, entered.json()["me"]["member_id"])
    for url in reads(c):
        answer = await client.get(url, headers=newcomer.headers)
        assert (answer.status_code, error_code(answer)) == (403, "evaluation_forbidden"), (url, answer.text)
    await declare(client, c, newcomer, conflict=None)
    c.members = [*c.members[:4], newcomer]
    room = (await client.get(f"/api/evaluations/{ev}", headers=chair.headers)).json()
    assert room["state"] == "preliminary", room["state"]

    # Through the review and the scores to the final report; outsiders refused on the way.
    await judge_all(client, c)
    for index in range(5):
        await submit_sheet(client, c, index, {0: ("30", "20"), 1: ("28", "21"), 2: ("25", "18")})
    await refused_to_everyone_else(client, c)
    drafted = await client.post(f"/api/evaluations/{ev}/report", headers=chair.headers)
    assert drafted.status_code == 200, drafted.text
    for m in c.members:
        signed = await sign_report(client, c, m, await prepare_signature(client, c, m))
        assert signed.status_code == 200, signed.text
    room = (await client.get(f"/api/evaluations/{ev}", headers=chair.headers)).json()
    assert room["state"] == "final"

    # After the report is final the committee reads no body and no score any more; nor does anyone.
    for url in reads(c):
        for m in c.members:
            answer = await client.get(url, headers=m.headers)
            assert (answer.status_code, error_code(answer)) == (409, "evaluation_state"), (url, answer.text)
    await refused_to_everyone_else(client, c)
    # The report itself is the record: the project's parties read it now.
    assert (await client.get(f"/api/evaluations/{ev}/report.pdf", headers=c.p["agent"])).status_code == 200
