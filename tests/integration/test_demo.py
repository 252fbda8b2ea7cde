"""Demo data through the public API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bidding.client.identity import load_pkcs12_identity
from bidding.client.session import login
from bidding.demo import load_demo


async def test_demo_data_covers_every_phase_and_loads_once(
    client: Any, platform: Any, clock: Any, tmp_path: Path
) -> None:
    async with platform.sessions() as s, s.begin():
        first = await load_demo(s, now=clock.now(), keys=platform.keys, identities_dir=tmp_path)
    async with platform.sessions() as s, s.begin():
        second = await load_demo(s, now=clock.now(), keys=platform.keys, identities_dir=tmp_path)
    assert first.created and not second.created
    assert first.identities == 10

    # Every demo user can log in with the bundle written for them, in the role it names.
    index = json.loads((tmp_path / "identities.json").read_text())
    assert {u["role"] for u in index} == {"admin", "auditor", "agent", "tenderer", "supervisor", "bidder"}
    for user in (u for u in index if u["user"] in {"bidder1", "agent", "auditor"}):
        identity = load_pkcs12_identity(Path(user["p12"]), b"demo")
        session = await login(client, identity, audience="http://127.0.0.1:8000")
        me = (await client.get("/api/auth/me", headers=session.headers)).json()
        assert (me["role"], me["credit_code"]) == (user["role"], user["credit_code"])

    resp = await client.get("/api/public/projects", params={"page_size": 100, "q": "NJ-2026"})
    assert resp.status_code == 200
    body = resp.json()
    phases = {p["code"]: p["phase"] for p in body["items"]}
    assert "NJ-2026-GC-0108" not in phases, "drafts are not public"
    assert set(phases.values()) >= {"published", "tendering", "opening", "evaluation", "awarded", "cancelled"}
    assert body["total"] == 7
    assert all(isinstance(p["estimated_price_fen"], int) for p in body["items"])

    tendering = await client.get("/api/public/projects", params={"phase": "tendering", "q": "NJ-2026"})
    assert {p["phase"] for p in tendering.json()["items"]} == {"tendering"}

    openings = (await client.get("/api/public/openings")).json()["items"]
    assert any(o["project_code"] == "NJ-2026-HW-0103" for o in openings)
    project = next(p for p in body["items"] if p["code"] == "NJ-2026-GC-0102")
    detail = await client.get(f"/api/public/projects/{project['id']}")
    assert detail.status_code == 200 and len(detail.json()["lots"]) == 2


async def test_phase_filter_in_sql_agrees_with_the_computed_phase(client: Any, platform: Any, clock: Any) -> None:
    """The portal filters and pages by phase in SQL; it must agree with the phase each project shows."""
    from datetime import timedelta

    from bidding.domain.projects import Phase
    from bidding.services.projects import list_public_projects

    async with platform.sessions() as s, s.begin():
        await load_demo(s, now=clock.now())
    start = clock.now()
    for offset in (timedelta(0), timedelta(minutes=11), timedelta(days=6), timedelta(days=40)):
        clock.set(start + offset)
        async with platform.sessions() as s:
            everything, total = await list_public_projects(
                s, now=clock.now(), phase=None, q=None, page=1, page_size=100
            )
            assert total == len(everything)
            for phase in Phase:
                filtered, count = await list_public_projects(
                    s, now=clock.now(), phase=phase, q=None, page=1, page_size=100
                )
                expected = sorted(p.id for p in everything if p.phase is phase)
                assert sorted(p.id for p in filtered) == expected and count == len(expected), (offset, phase)
            # Paging in SQL: pages of 2 cover the same projects in the same order, once each.
            paged = []
            for page in range(1, total // 2 + 2):
                items, _ = await list_public_projects(s, now=clock.now(), phase=None, q=None, page=page, page_size=2)
                paged += [p.id for p in items]
            assert paged == [p.id for p in everything]
