"""The award pages' browser test, its steps outside the browser: the demo project's evaluation carried
to a final report over the HTTP API (as :mod:`tests.fixtures.awards` does in-process), and waiting
for the award watch (every minute at :29, ``bidding/awards/jobs.py``) through the public API.

The demo project NJ-2026-GC-0105 is in evaluation: its opening closed with four bids decrypted. A
committee of five (two backups) is drawn for today from experts registered for the test; the five
accept, enter, sign the declaration with their certificates, elect a chair, pass every bid on every
checklist item, score every bid, and sign the chair's draft report: the report is final and the next
pass of the watch opens the lot's award and publishes its candidate publicity (条例 54).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bidding.client.identity import load_pkcs12_identity
from bidding.client.session import login
from tests.browser.conftest import Server
from tests.browser.steps.experts import demo_project, draw_now, enrol_expert, evaluation_today, register_experts
from tests.fixtures.busy import RetryBusy
from tests.fixtures.evaluation import Committee, Member, declare, judge, prepare_signature, sign_report
from tests.fixtures.expert_pool import ExpertLogin

PROJECT = "NJ-2026-GC-0105"  # the demo's project in evaluation: its opening closed, four bids decrypted
SPECIALTY = "A0101"
REGION = "320831"  # none of the demo's experts lives there

T = TypeVar("T")


def in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end in a thread of its own (Playwright's sync API holds this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def final_report(srv: Server, folder: Path) -> dict[str, Any]:
    """The demo project's evaluation, over the API, to a final report signed by the five members.
    Returns the project, its lot and the evaluation's id and bids (bidder name → bid id)."""
    experts = register_experts(srv, "AW", 7, region=REGION, specialty=SPECIALTY)
    identities = []
    for i, e in enumerate(experts):
        sub = folder / f"expert{i}"
        sub.mkdir()
        identities.append(enrol_expert(srv, e, sub) | {"expert_id": e["id"]})
    project = demo_project(srv, PROJECT)
    lot = httpx.get(f"{srv.base}/api/public/projects/{project['id']}", timeout=30).json()["lots"][0]
    drawn = draw_now(
        srv,
        {
            "project_id": project["id"],
            "lot_ids": [lot["id"]],
            "evaluation_at": evaluation_today().isoformat(),
            "place": "南京市公共资源交易中心第5评标室",
            "size": 5,
            "seats": {SPECIALTY: 5},
            "backups": {SPECIALTY: 2},
            "regions_included": [REGION],
        },
    )
    assert drawn["status"] == "inviting", drawn
    return in_thread(lambda: _evaluate(srv, project, lot, identities)) | {"project": project, "lot": lot}


async def _evaluate(
    srv: Server, project: dict[str, Any], lot: dict[str, Any], identities: list[dict[str, Any]]
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=srv.base, timeout=120, transport=RetryBusy()) as http:
        # The invited five accept and enter; the backups stay out.
        members: list[Member] = []
        for identity in identities:
            holder = load_pkcs12_identity(Path(identity["p12"]), identity["passphrase"].encode())
            session = await login(http, holder, audience=srv.base)
            expert = ExpertLogin(identity["expert_id"], holder.key, holder.certificate, session)
            invited = [
                i
                for i in (await http.get("/api/expert/invitations", headers=expert.headers)).json()
                if i["status"] == "invited"
            ]
            if not invited:
                continue
            seat = invited[0]["seat_id"]
            answered = await http.post(
                f"/api/expert/invitations/{seat}/answer", json={"answer": "accept"}, headers=expert.headers
            )
            assert answered.status_code == 200, answered.text
            members.append(Member(expert, seat))
        assert len(members) == 5, f"{len(members)} invited of 5"
        c = Committee({}, project, lot, "", members, [], [], [])
        for m in members:
            entered = await http.post(
                "/api/evaluations/enter", json={"seat_id": m.seat_id, "lot_id": lot["id"]}, headers=m.headers
            )
            assert entered.status_code == 200, entered.text
            c.evaluation_id = entered.json()["id"]
            m.member_id = entered.json()["me"]["member_id"]
        for m in members:
            await declare(http, c, m, conflict=None)
        ev = c.evaluation_id
        for m in members:
            voted = await http.post(
                f"/api/evaluations/{ev}/chair-votes", json={"member_id": members[0].member_id}, headers=m.headers
            )
            assert voted.status_code == 200, voted.text
        assert voted.json()["state"] == "preliminary", voted.json()

        room = (await http.get(f"/api/evaluations/{ev}", headers=members[0].headers)).json()
        bids = {b["bidder_name"]: b["bid_id"] for b in room["bids"]}
        c.bid_ids = list(bids.values())
        checks = [item["name_zh"] for item in room["criteria"]["checklist"]]
        everything_passes = [
            {"bid_id": bid, "item": item, "passed": True, "reason": None} for bid in c.bid_ids for item in checks
        ]
        for index in range(len(members)):
            done = await judge(http, c, index, everything_passes)
        assert done["state"] == "detailed", done

        # Each member scores the subjective items; the bids in the room's order get lower marks down
        # the list, so the ranking is the room's order.
        subjective = [s for s in room["criteria"]["scoring_items"] if s["scorer"] == "each_expert"]
        for n, m in enumerate(members):
            sheet = [
                {"bid_id": bid, "item": s["name_zh"], "score": str(int(float(s["maximum"])) - 2 * k - (n % 2))}
                for k, bid in enumerate(c.bid_ids)
                for s in subjective
            ]
            put = await http.put(f"/api/evaluations/{ev}/scores", json=sheet, headers=m.headers)
            assert put.status_code == 200, put.text
            submitted = await http.post(f"/api/evaluations/{ev}/sheet/submit", headers=m.headers)
            assert submitted.status_code == 200, submitted.text

        drafted = await http.post(f"/api/evaluations/{ev}/report", headers=members[0].headers)
        assert drafted.status_code == 200, drafted.text
        for m in members:
            signed = await sign_report(http, c, m, await prepare_signature(http, c, m))
            assert signed.status_code == 200, signed.text
        assert signed.json()["state"] == "final", signed.json()
    return {"evaluation_id": ev, "bids": bids}


def public_award(srv: Server, lot_id: str) -> dict[str, Any] | None:
    """The lot's award as the public sees it (``GET /api/public/awards/lots/{lot_id}``), None before it is published."""
    r = httpx.get(f"{srv.base}/api/public/awards/lots/{lot_id}", timeout=30)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    view: dict[str, Any] = r.json()
    return view


def wait_public(
    srv: Server, lot_id: str, ready: Callable[[dict[str, Any]], bool], *, timeout: float = 100
) -> dict[str, Any]:
    """Poll the public view until ``ready`` says so (the watch runs once a minute, at :29)."""
    deadline = time.monotonic() + timeout
    seen: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        seen = public_award(srv, lot_id)
        if seen is not None and ready(seen):
            return seen
        time.sleep(1)
    raise AssertionError(f"the award watch did not get there in {timeout} s; last public view: {seen}")
