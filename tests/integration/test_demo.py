"""The demo: projects in every phase with what each phase has in reality — notices, tender
documents, clarifications, sealed bids with receipts, openings with a signed record that validates,
award — loaded once however often it runs; no demo lot past its deadline without an opening; no UTC
time in a title; the operator token on the terminal once and never in the JSON logs."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bidding.client.identity import load_pkcs12_identity
from bidding.client.session import login
from bidding.core.pki.models import Certificate
from bidding.core.platform import start_platform
from bidding.core.settings import Settings
from bidding.demo.experts import DEMO_POOL_SIZE
from bidding.demo.seed import LIVE_CODE, PLANS, Stage, load_demo, organisation_codes
from bidding.identity.models import Organization
from bidding.submission.models import Bid
from bidding.tendering.models import Announcement, Lot, Project, TenderDocument
from bidding.tendering.rules.projects import ProjectStatus
from opening_room.tables import OpeningEvent, OpeningSession
from tests.conftest import ADMIN_TOKEN
from tests.fixtures.processes import clean_env, free_port, stop

PUBLIC_PHASES = {"published", "tendering", "opening", "evaluation", "awarded", "failed", "cancelled"}
FINAL_STATES = {"closed", "failed", "adjourned"}


async def _counts(platform: Any) -> dict[str, int]:
    """How many of each thing the demo makes there are."""
    counts = {}
    async with platform.sessions() as s:
        for model in (Organization, Project, Lot, Announcement, TenderDocument, Bid, Certificate, OpeningEvent):
            counts[model.__name__] = int(await s.scalar(select(func.count()).select_from(model)) or 0)
    return counts


def _plan(code: str) -> Any:
    return next(p for p in PLANS if p.code == code)


@pytest.mark.one_profile("embedded")  # the README's `make run`: the demo on the embedded default
async def test_every_phase_with_its_notices_documents_and_openings_loaded_once(
    client: Any, platform: Any, clock: Any, tmp_path: Path
) -> None:
    first = await load_demo(platform, now=clock.now(), identities_dir=tmp_path)
    assert first.experts == DEMO_POOL_SIZE
    before = await _counts(platform)
    again = await load_demo(platform, now=clock.now(), identities_dir=tmp_path)
    assert not again.created, again
    assert await _counts(platform) == before, "a second load adds nothing"

    # The expert pool, as the administrator reads it: every demo expert, and the two imaging experts
    # who work for the first demo bidder (a draw for its lots must recuse them).
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    pool = (await client.get("/api/experts", params={"q": "DEMO-E", "limit": 500}, headers=admin)).json()
    assert len(pool) == DEMO_POOL_SIZE, pool[:3]
    bidder1 = organisation_codes()["bidder1"]
    conflicted = await client.get("/api/experts", params={"employer_credit_code": bidder1}, headers=admin)
    assert [e["registry_no"] for e in conflicted.json()] == ["DEMO-E001", "DEMO-E002"], conflicted.text

    listed = (await client.get("/api/public/projects", params={"page_size": 100, "q": "NJ-2026"})).json()["items"]
    projects = {p["code"]: p for p in listed}
    assert "NJ-2026-GC-0108" not in projects, "drafts are not public"
    assert {projects[p.code]["phase"] for p in PLANS if p.stage is not Stage.DRAFT} == PUBLIC_PHASES
    assert all(isinstance(p["estimated_price_fen"], int) for p in listed)

    now = clock.now()
    for code, project in projects.items():
        assert "UTC" not in project["name"], project["name"]
        notices = (
            await client.get("/api/public/announcements", params={"project_id": project["id"], "page_size": 50})
        ).json()["items"]
        kinds = [n["kind"] for n in notices]
        assert kinds.count("tender") == 1, (code, kinds)
        for notice in notices:
            assert "UTC" not in notice["title"], notice["title"]
            assert datetime.fromisoformat(notice["published_at"]) <= now, (code, notice["title"])
        # The tender documents: a real PDF, as the digest listed says.
        documents = (await client.get(f"/api/public/projects/{project['id']}/documents")).json()
        assert documents, code
        pdf = (await client.get(f"/api/public/documents/{documents[-1]['id']}")).content
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == documents[-1]["sha256"]
        # Every lot past its deadline had its opening (a terminated tender has none).
        detail = (await client.get(f"/api/public/projects/{project['id']}")).json()
        for lot in detail["lots"]:
            if project["phase"] != "cancelled" and datetime.fromisoformat(lot["bid_deadline"]) <= now:
                state = (await client.get(f"/api/public/openings/{lot['id']}")).json()["state"]
                assert state in FINAL_STATES, (code, lot["code"], state)
        plan = _plan(code)
        if plan.clarification is not None:
            assert "clarification" in kinds, code
        if plan.amended_to_days is not None:
            assert "amendment" in kinds and len(documents) == 2, (code, kinds, documents)
        if plan.stage is Stage.CANCELLED:
            assert "termination" in kinds
        if plan.stage is Stage.AWARDED:
            assert {"candidate_publicity", "award"} <= set(kinds)
        if plan.stage in (Stage.OPENED, Stage.EVALUATION, Stage.AWARDED):
            record = next(n for n in notices if n["kind"] == "opening_record")
            await _check_record(client, record, plan)

    # The failed tender: fewer than three bids, the host stopped the opening (条例 44).
    failed = (await client.get(f"/api/public/projects/{projects['NJ-2026-FW-0109']['id']}")).json()
    events = (await client.get(f"/api/public/openings/{failed['lots'][0]['id']}/events")).json()
    assert [e["name"] for e in events][-1] == "session.failed"

    # Every demo user can log in with the bundle written for them, in the role it names; a bidder
    # sees its past bid with its receipt.
    index = json.loads((tmp_path / "identities.json").read_text())
    assert {u["role"] for u in index} == {"admin", "auditor", "finance", "agent", "tenderer", "supervisor", "bidder"}
    for user in (u for u in index if u["user"] in {"bidder1", "agent", "auditor", "finance"}):
        identity = load_pkcs12_identity(Path(user["p12"]), b"demo")
        session = await login(client, identity, audience="http://127.0.0.1:8000")
        me = (await client.get("/api/auth/me", headers=session.headers)).json()
        assert (me["role"], me["credit_code"]) == (user["role"], user["credit_code"])
        if user["user"] == "bidder1":
            lot_id = (await client.get(f"/api/public/projects/{projects['NJ-2026-FW-0104']['id']}")).json()["lots"][0]
            bids = (await client.get(f"/api/bidder/lots/{lot_id['id']}/bids", headers=session.headers)).json()
            assert len(bids) == 1
            receipt = await client.get(f"/api/bidder/bids/{bids[0]['id']}/receipt.pdf", headers=session.headers)
            assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


async def _check_record(client: Any, notice: dict[str, Any], plan: Any) -> None:
    """The published opening record: its JSON names every bid, its PDF is signed by the platform and
    confirmed by the bidders who decrypted, and validates."""
    record = (await client.get(notice["details"]["record_json"])).json()
    assert len(record["bidders"]) == len(plan.bidders)
    decrypted = [b for b in record["bidders"] if b["status"] == "decrypted"]
    assert len(decrypted) == len(plan.script.decrypt or plan.bidders)
    if plan.script.objection_by is not None:
        assert [o for o in record["objections"] if "objection" in o], record["objections"]
    pdf = (await client.get(notice["details"]["record_pdf"])).content
    report = (await client.post("/api/verify/pdf", content=pdf, headers={"Content-Type": "application/pdf"})).json()
    assert report["verdict"] == "TOTAL_PASSED", report
    signatures = [s for s in report["signatures"] if s["kind"] == "signature"]
    assert len(signatures) == 1 + len(decrypted), [s["field_name"] for s in signatures]


async def test_phase_filter_in_sql_agrees_with_the_computed_phase(
    client: Any, platform: Any, clock: Any, tmp_path: Path
) -> None:
    """The portal filters and pages by phase in SQL; it must agree with the phase each project shows."""
    from bidding.tendering.projects import list_public_projects
    from bidding.tendering.rules.projects import Phase

    await load_demo(platform, now=clock.now(), identities_dir=tmp_path)
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


# ----------------------------------------------------------------------------- the commands


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    return clean_env() | {
        "BIDDING_DATA_DIR": str(tmp / "var"),
        "BIDDING_FRONTEND_DIR": str(tmp / "nofrontend"),
        "BIDDING_LOG_FORMAT": "json",
        "BIDDING_CLOCK_OFFSET_FILE": str(tmp / "clock-offset"),
        **extra,
    }


def _demo(tmp: Path) -> str:
    """`bidding demo`; its stderr (stdout and stderr are read apart, never merged)."""
    done = subprocess.run(
        [sys.executable, "-m", "bidding", "demo"], env=_env(tmp), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    token = (tmp / "var" / "secrets" / "admin_token").read_text().strip()
    _token_once(token, done.stdout, done.stderr)
    return done.stderr


def _token_once(token: str, stdout: str, stderr: str) -> None:
    """The token is on the terminal once, as plain text, and in no JSON log record."""
    assert len(token) >= 32 and token not in stdout
    lines = stderr.splitlines()
    assert [line for line in lines if token in line] == [f"operator token: {token}"]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, "the logs are JSON lines"
    assert not [r for r in records if token in json.dumps(r, ensure_ascii=False)]


class _Server:
    """`bidding serve --demo` with stdout and stderr in files of their own."""

    def __init__(self, tmp: Path, name: str, minutes: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out, self.err = tmp / f"{name}.out", tmp / f"{name}.err"
        self.handle = subprocess.Popen(
            [sys.executable, "-m", "bidding", "serve", "--demo", "--demo-opening-minutes", str(minutes)],
            env=_env(tmp, BIDDING_PORT=str(self.port)),
            stdout=self.out.open("wb"),
            stderr=self.err.open("wb"),
        )

    def wait_ready(self, timeout: float = 300) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.handle.poll() is None, self.err.read_text()[-3000:]
            try:
                if httpx.get(f"{self.base}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"not ready:\n{self.err.read_text()[-3000:]}")

    def stop(self) -> tuple[str, str]:
        stop(self.handle, grace=30)
        return self.out.read_text(), self.err.read_text()


def _live_project(base: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    found = httpx.get(f"{base}/api/public/projects", params={"q": LIVE_CODE}, timeout=30).json()["items"]
    assert len(found) == 1
    notices = httpx.get(f"{base}/api/public/announcements", params={"project_id": found[0]["id"]}, timeout=30)
    return found[0], notices.json()["items"]


async def _lots_past_deadline_without_opening(tmp: Path, now: datetime) -> list[str]:
    settings = Settings.from_env(_env(tmp))
    async with start_platform(settings) as platform, platform.sessions() as s:
        rows = await s.execute(
            select(Project.code, Project.status, Lot.code, OpeningSession.state)
            .join(Lot, Lot.project_id == Project.id)
            .outerjoin(OpeningSession, OpeningSession.lot_id == Lot.id)
            .where(Lot.bid_deadline <= now, Project.status.not_in([ProjectStatus.DRAFT, ProjectStatus.CANCELLED]))
        )
        return [f"{p}/{lot}: {state}" for p, _, lot, state in rows.all() if state not in FINAL_STATES]


@pytest.mark.slow
async def test_the_commands_add_nothing_twice_print_the_token_once_and_leave_no_lot_unopened(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    assert (
        "demo data loaded: 9 organisations, 9 projects, 14 sealed bids, 4 openings, 11 user certificates, "
        "48 experts in the pool"
    ) in first
    assert "demo data already present: nothing added" in _demo(tmp_path)

    # `make run`: the live lot is published like the others, with no UTC time in what people read.
    server = _Server(tmp_path, "serve-1", minutes=30)
    try:
        server.wait_ready()
        project, notices = _live_project(server.base)
        assert [n["kind"] for n in notices] == ["tender"] and "UTC" not in project["name"] + notices[0]["title"]
        documents = httpx.get(f"{server.base}/api/public/projects/{project['id']}/documents", timeout=30).json()
        assert len(documents) == 1
        total = httpx.get(f"{server.base}/api/public/projects", timeout=30).json()["total"]
    finally:
        out, err = server.stop()
    token = (tmp_path / "var" / "secrets" / "admin_token").read_text().strip()
    _token_once(token, out, err)
    assert "demo data already present: nothing added" in err
    assert "（北京时间）" in err and "UTC" not in "".join(line for line in err.splitlines() if "demo opening" in line)

    # `make run` again: nothing added, the same live lot.
    again = _Server(tmp_path, "serve-2", minutes=30)
    try:
        again.wait_ready()
        assert httpx.get(f"{again.base}/api/public/projects", timeout=30).json()["total"] == total
        assert _live_project(again.base)[0]["id"] == project["id"]
    finally:
        out, err = again.stop()
    _token_once(token, out, err)

    # Weeks later: every lot whose deadline passed meanwhile gets its opening at the next load.
    later = datetime.fromisoformat(project["bid_deadline"]) + timedelta(days=40)
    (tmp_path / "clock-offset").write_text(str((later - datetime.now(later.tzinfo)).total_seconds()))
    assert await _lots_past_deadline_without_opening(tmp_path, later)
    caught_up = _demo(tmp_path)
    assert "9 organisations" not in caught_up and ", 0 projects, 0 sealed bids, " in caught_up
    assert await _lots_past_deadline_without_opening(tmp_path, later) == []
    assert "demo data already present: nothing added" in _demo(tmp_path)
