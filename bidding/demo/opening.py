"""The live opening of the demo: `bidding serve --demo` has one lot (project ``NJ-2026-HW-0110``)
whose bid deadline is a few minutes after its first start, and simulated participants play its
opening against the running server.

The lot is published like every demo project, with its tender announcement and documents
(:func:`ensure_live_lot`); the five demo bidders seal their bids with their own demo certificates
and upload them through the HTTP API before the deadline, and the host (the demo ``agent``), the
supervisor and the bidders then act through the real WebSocket with
:class:`bidding.client.room.RoomClient`:

1. four bidders sign in before the deadline (visible only to themselves);
2. at the deadline the server extracts the bids and publishes the bidders;
3. the supervisor remarks, the host starts decryption;
4. bidders 1–4 decrypt in their own client — bidder 2 first sends a wrong key (a failed attempt),
   then the right one; bidder 5 never decrypts (its bid counts as revoked, 视为撤销, 办法 31);
5. the host closes decryption (唱标), bidder 5 objects, the host answers, the supervisor remarks;
6. the host closes objections (the record), bidders 1–4 confirm the record with their own keys
   (remote signing), and the host closes the session.

A newcomer who opens the portal's openings page sees this happen live. The lot is made once: a
later start whose lot is still before its deadline plays it then; one whose opening was cut off
finishes it at once, in-process, as :data:`bidding.demo.seed.LIVE_SCRIPT` says (the demo's load does
it, see :func:`bidding.demo.seed.open_overdue_lots`); after that the demo has no other live lot.
Tests make fresh lots of their own with :func:`create_demo_opening`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import multiprocessing
import multiprocessing.process
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.client.identity import Identity
from bidding.client.room import CommandFailed, Event, RoomClient
from bidding.client.session import login, raise_for_error
from bidding.core.actor import Actor
from bidding.core.platform import Platform
from bidding.demo.history import seal_package
from bidding.demo.identities import Cast, ensure_identities, load_cast
from bidding.demo.seed import (
    ACTOR,
    FORM_FIELDS,
    LIVE_CODE,
    LIVE_SCRIPT,
    REGION,
    add_documents,
    opening_state,
    organisation_codes,
    project_by_code,
    tender_text,
)
from bidding.demo.tender import beijing, beijing_at, tender_notice
from bidding.identity.organisations import find_by_credit_code
from bidding.submission.states import BidStatus
from bidding.tendering.projects import NewLot, create_project
from bidding.tendering.rules.projects import Category, ProjectStatus
from bidding.tendering.service import DraftProject, create_draft, publish

__all__ = [
    "BIDS",
    "DEFAULT_MINUTES",
    "LIVE_SCRIPT",
    "Cast",
    "DemoOpening",
    "Timing",
    "create_demo_opening",
    "create_opening_lot",
    "ensure_identities",
    "ensure_live_lot",
    "load_cast",
    "opening_state",
    "run_demo_opening",
    "simulate",
    "start_in_background",
    "submit_bids",
]

log = logging.getLogger("bidding.demo.opening")

#: Minutes from the start of `bidding serve --demo` to the demo lot's bid deadline (= its opening).
DEFAULT_MINUTES: Final = 3

#: The demo's live lot: one project, created by the first `serve --demo`; later starts finish its
#: opening if it was interrupted, and add no other.
LIVE_NAME: Final = "医用影像设备采购（不见面开标实时演示）"

#: What each demo bidder fills in its opening form (开标一览表).
BIDS: Final[tuple[dict[str, Any], ...]] = (
    {"price_fen": 12_380_000_00, "duration_days": 90, "quality": "合格", "project_manager": "张伟"},
    {"price_fen": 12_150_500_00, "duration_days": 100, "quality": "合格", "project_manager": "王芳"},
    {"price_fen": 12_566_000_00, "duration_days": 85, "quality": "优良", "project_manager": "李娜"},
    {"price_fen": 11_990_000_00, "duration_days": 120, "quality": "合格", "project_manager": "刘洋"},
    {"price_fen": 12_200_000_00, "duration_days": 95, "quality": "合格", "project_manager": "陈静"},
)

Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoOpening:
    project_id: uuid.UUID
    lot_id: uuid.UUID
    code: str
    deadline: datetime


@dataclass(frozen=True)
class Timing:
    """How the simulation paces itself (seconds)."""

    pace: float = 4.0  # between two steps, so a viewer can follow
    deadline_timeout: float = 30 * 60.0  # how long to wait for the bidders to be published
    step_timeout: float = 120.0  # for any one answer or event (building the signed record takes a while)


# ----------------------------------------------------------------------------- the lot


def _imaging_lot(name: str, deadline: datetime) -> NewLot:
    """The demo's one opening lot: ¥12.8M of imaging equipment, the 2 % deposit, 10-minute windows."""
    return NewLot(
        code="01",
        name=name,
        estimated_price_fen=12_800_000_00,
        deposit_fen=12_800_000_00 * 2 // 100,
        bid_deadline=deadline,
        decrypt_window_minutes=10,
        objection_window_minutes=10,
        form_fields=FORM_FIELDS,
    )


async def create_opening_lot(
    session: AsyncSession,
    *,
    agent_id: uuid.UUID,
    tenderer_id: uuid.UUID,
    now: datetime,
    minutes: float = DEFAULT_MINUTES,
) -> DemoOpening:
    """A published goods project with one lot whose bid deadline is ``minutes`` from ``now``.

    Created directly like the other demo projects (the 20-day publication rule is for real tenders).
    """
    deadline = (now + timedelta(minutes=minutes)).replace(microsecond=0)
    code = f"NJ-DEMO-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"
    project = await create_project(
        session,
        Actor.system("demo"),
        code=code,
        name=f"演示：实时不见面开标 {beijing(deadline)}",
        category=Category.GOODS,
        tenderer_id=tenderer_id,
        agent_id=agent_id,
        region="江苏省南京市",
        lots=[_imaging_lot("医用影像设备（演示开标）", deadline)],
        status=ProjectStatus.PUBLISHED,
        published_at=now - timedelta(days=21),
        tender_start_at=now - timedelta(days=21),
    )
    return DemoOpening(project.id, project.lots[0].id, code, deadline)


async def create_demo_opening(session: AsyncSession, *, now: datetime, minutes: float = DEFAULT_MINUTES) -> DemoOpening:
    """A fresh opening lot of the demo agent and tenderer (the demo data must be loaded)."""
    codes = organisation_codes()
    agent = await find_by_credit_code(session, codes["agent"])
    tenderer = await find_by_credit_code(session, codes["tenderer"])
    if agent is None or tenderer is None:
        raise RuntimeError("the demo data is not loaded")
    return await create_opening_lot(session, agent_id=agent.id, tenderer_id=tenderer.id, now=now, minutes=minutes)


async def ensure_live_lot(platform: Platform, *, now: datetime, minutes: float = DEFAULT_MINUTES) -> DemoOpening:
    """The demo's live lot (project :data:`LIVE_CODE`): created the first time with its bid deadline
    ``minutes`` from ``now``, published with its tender announcement and documents as if three weeks
    ago (the statutory bid period); afterwards the same lot, whatever its state."""
    settings = platform.settings
    async with platform.sessions() as db, db.begin():
        project = await project_by_code(db, LIVE_CODE)
        if project is None:
            deadline = (now + timedelta(minutes=minutes)).replace(microsecond=0)
            period = settings.minimum_days("bid_period", Category.GOODS.value)
            published = beijing_at(deadline, -(period + 1), 10)  # office hours, the statutory period before
            new_lot = _imaging_lot("医用影像设备", deadline)
            codes = organisation_codes()
            draft = DraftProject(
                code=LIVE_CODE,
                name=LIVE_NAME,
                category=Category.GOODS,
                tenderer_credit_code=codes["tenderer"],
                lots=[new_lot],
                region=REGION,
            )
            agent = await find_by_credit_code(db, codes["agent"])
            if agent is None:
                raise RuntimeError("the demo data is not loaded")
            created = await create_draft(db, ACTOR, agent.id, draft)
            project = await project_by_code(db, created.code)
            assert project is not None
            await add_documents(db, platform, project, published, at=published - timedelta(days=1))
            title, body = tender_notice(tender_text(project, published))
            await publish(
                db, ACTOR, project, settings, title=title, body=body, documents_available_at=published, now=published
            )
        lot = project.lots[0]
        assert lot.bid_deadline is not None
        return DemoOpening(project.id, lot.id, project.code, lot.bid_deadline)


# ----------------------------------------------------------------------------- the bidders' uploads


def seal_bid(identity: Identity, opening: DemoOpening, form: dict[str, Any], *, now: datetime) -> bytes:
    """A sealed package for the demo lot, encrypted to and signed by the bidder's own certificate."""
    return seal_package(identity, opening.project_id, opening.lot_id, form, now=now)


async def upload(http: httpx.AsyncClient, headers: dict[str, str], lot_id: uuid.UUID, package: bytes) -> dict[str, Any]:
    """Upload a package through the chunked API; returns the final answer (with the bid)."""
    started = await http.post(
        f"/api/bidder/lots/{lot_id}/uploads", json={"size": len(package), "mode": "chunked"}, headers=headers
    )
    raise_for_error(started)
    state: dict[str, Any] = started.json()
    size = int(state["chunk_size"])
    for index in range((len(package) + size - 1) // size):
        response = await http.put(
            f"/api/bidder/uploads/{state['id']}/chunks/{index}",
            content=package[index * size : (index + 1) * size],
            headers={**headers, "Content-Type": "application/octet-stream"},
        )
        raise_for_error(response)
        state = response.json()
    return state


async def submit_bids(
    base_url: str,
    opening: DemoOpening,
    cast: Cast,
    *,
    audience: str | None = None,
    now: datetime | None = None,
    say: Say = log.info,
) -> list[str]:
    """Every demo bidder logs in, seals its bid locally and uploads it; returns the bid ids."""
    bids = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for number, (identity, form) in enumerate(zip(cast.bidders, BIDS, strict=False), start=1):
            session = await login(http, identity, audience=audience)
            mine = await http.get(f"/api/bidder/lots/{opening.lot_id}/bids", headers=session.headers)
            raise_for_error(mine)
            if any(b["status"] == BidStatus.ACTIVE for b in mine.json()):  # a restart before the deadline
                continue
            package = seal_bid(identity, opening, form, now=now or datetime.now(UTC))
            done = await upload(http, session.headers, opening.lot_id, package)
            bids.append(str(done["bid"]["id"]))
            say(f"demo opening: bidder {number} ({session.session.get('organization_name')}) submitted its bid")
    return bids


# ----------------------------------------------------------------------------- the opening


async def _join(
    http: httpx.AsyncClient, base_url: str, lot_id: uuid.UUID, identity: Identity, audience: str | None
) -> RoomClient:
    token = (await login(http, identity, audience=audience)).token
    return await RoomClient.connect(base_url, lot_id, token)


async def simulate(
    base_url: str,
    lot_id: uuid.UUID,
    cast: Cast,
    *,
    audience: str | None = None,
    timing: Timing = Timing(),
    say: Say = log.info,
    ready: asyncio.Event | None = None,
) -> list[Event]:
    """Play the opening of ``lot_id`` (see the module docstring); return the host's events.

    It waits for the server to publish the bidders (at the deadline), so it can start any time
    before; ``ready`` is set once everyone is in the room and waiting. ``audience`` is the
    platform's own base URL if ``base_url`` is another way to reach it.
    """
    step = timing.step_timeout

    async def pause(times: float = 1.0) -> None:
        await asyncio.sleep(timing.pace * times)

    rooms: list[RoomClient] = []
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            host = await _join(http, base_url, lot_id, cast.host, audience)
            rooms.append(host)
            supervisor = await _join(http, base_url, lot_id, cast.supervisor, audience)
            rooms.append(supervisor)
            bidders = [await _join(http, base_url, lot_id, b, audience) for b in cast.bidders]
            rooms += bidders
        for bidder in bidders[:-1]:  # the last one never shows up
            await bidder.command("sign_in", timeout=step)
        say(f"demo opening: everyone is in the room; waiting for the deadline ({host.welcome.get('deadline')})")
        if ready is not None:
            ready.set()
        outcome = await host.wait_for(
            {"bidders.published", "decision.required", "session.failed", "session.adjourned"},
            timeout=timing.deadline_timeout,
        )
        if outcome.name == "decision.required":
            await host.command("continue", timeout=step, reason="演示：投标人不足三家，主持人决定继续开标")
            await host.wait_for("bidders.published", timeout=step)
        elif outcome.name != "bidders.published":
            say(f"demo opening: the session ended before it began ({outcome.name})")
            return list(host.history)
        say("demo opening: bids extracted and bidders published")
        await pause()
        await supervisor.command("remark", timeout=step, text="监督人员已在线，开标程序开始。")
        await pause()
        await host.command("start_decryption", timeout=step)
        say("demo opening: decryption started")
        await pause()
        await bidders[0].decrypt(cast.bidders[0], timeout=step)
        await pause()
        wrong = base64.b64encode(os.urandom(32)).decode()
        await bidders[1].command("decrypt", timeout=step, data_key=wrong)  # a failed attempt, not a crash
        await pause()
        await bidders[1].decrypt(cast.bidders[1], timeout=step)
        for number in (2, 3):
            await pause()
            await bidders[number].decrypt(cast.bidders[number], timeout=step)
        await pause(2)
        await host.command("close_decryption", timeout=step)
        say("demo opening: decryption closed, bids announced")
        await pause()
        raised = await bidders[-1].command(
            "raise_objection", timeout=step, text="我单位因网络故障未能在解密时限内完成解密，请求延长解密时间。"
        )
        await pause()
        await host.command(
            "answer_objection",
            timeout=step,
            objection=raised["objection"],
            text="经核查，平台运行正常，其他投标人均已按时解密；依据《电子招标投标办法》第三十一条，异议不成立。",
        )
        await pause()
        await supervisor.command("remark", timeout=step, text="开标过程符合规定，监督人员无异议。")
        await pause()
        await host.command("close_objections", timeout=step)
        say("demo opening: the opening record is ready; the bidders confirm it")
        for number in range(4):  # those who decrypted confirm the record with their own keys
            await pause(0.5)
            try:
                await bidders[number].sign_record(cast.bidders[number], timeout=step)
            except CommandFailed as exc:
                say(f"demo opening: bidder {number + 1} could not sign the record: {exc}")
        await pause()
        await host.command("close", timeout=step)
        await host.wait_for("session.closed", timeout=step)
        say("demo opening: session closed; the opening record is published")
        return list(host.history)
    finally:
        for room in rooms:
            await room.close()


async def run_demo_opening(
    base_url: str,
    opening: DemoOpening,
    cast: Cast,
    *,
    audience: str | None = None,
    timing: Timing = Timing(),
    say: Say = log.info,
) -> list[Event]:
    """Submit the bids, then play the opening."""
    await submit_bids(base_url, opening, cast, audience=audience, say=say)
    return await simulate(base_url, opening.lot_id, cast, audience=audience, timing=timing, say=say)


async def wait_until_ready(base_url: str, timeout: float = 120.0) -> None:  # noqa: ASYNC109 - polls an HTTP server
    """Poll ``/health`` until the server answers."""
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            try:
                if (await http.get("/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if loop.time() > end:
                raise TimeoutError(f"{base_url} did not answer within {timeout} s")
            await asyncio.sleep(0.5)


def local_url(host: str, port: int) -> str:
    """How a process on this machine reaches a server listening on ``host``."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - the wildcard is what we translate, not what we bind
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def start_in_background(
    base_url: str, opening: DemoOpening, identities: Path, *, audience: str | None = None, timing: Timing = Timing()
) -> multiprocessing.process.BaseProcess:
    """Run the demo opening in a daemon process of its own, once the server is up.

    The participants are clients from elsewhere: in a thread of the server they would share its
    interpreter lock, and their crypto and their sockets would slow the room they are playing in
    (and every viewer's delivery with it). They load their identities from ``identities`` there."""
    process = multiprocessing.get_context("spawn").Process(
        target=_play, args=(base_url, opening, identities, audience, timing), name="demo-opening", daemon=True
    )
    process.start()
    return process


def _play(base_url: str, opening: DemoOpening, identities: Path, audience: str | None, timing: Timing) -> None:
    from bidding.core.logs import configure_logging

    configure_logging()

    async def go() -> None:
        await wait_until_ready(base_url)
        await run_demo_opening(base_url, opening, load_cast(identities), audience=audience, timing=timing)

    try:
        asyncio.run(go())
    except Exception:  # the demo must never take the server down
        log.exception("demo opening failed")
