"""Demo data through the public API."""

from __future__ import annotations

from typing import Any

from bidding.demo import load_demo


async def test_demo_data_covers_every_phase_and_loads_once(client: Any, platform: Any, clock: Any) -> None:
    async with platform.sessions() as s, s.begin():
        first = await load_demo(s, now=clock.now())
    async with platform.sessions() as s, s.begin():
        second = await load_demo(s, now=clock.now())
    assert first.created and not second.created

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
