"""`bidding experts draw-record LOT [--round N] [--out F]` and `bidding experts finalise DRAW_ID`
(``bidding/experts/cli.py``) on both profiles, as an operator runs them beside the running platform:
the command objects with the test platform's database and secret key (their own data directory,
Redis and clock). Before final the record is the commitment only; finalise publishes it, a second
finalise is refused; the printed and the written DRAW.json verify with `bidding experts verify`."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result
from sqlalchemy import select

from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.core.settings import Settings
from bidding.experts.cli import experts as experts_cli
from bidding.experts.draw_models import DrawSeat
from bidding.experts.draw_states import SeatStatus
from bidding.experts.invitations import answer_seat, session_queue
from bidding.messaging.service import QueuedMessage, dispatch
from tests.conftest import SECRET_KEY
from tests.fixtures.expert_draws import experts, new_region, opened, request_body
from tests.fixtures.expert_pool import trading_centre
from tests.fixtures.sms_provider import FakeAliyun
from tests.fixtures.smtp import SmtpServer


def cli_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """The platform's database, secret key, Redis and object store; a data directory of its own (the
    embedded Redis's socket is the app's) holding a copy of the platform's CA, which it starts with."""
    shutil.copytree(settings.data_dir / "pki", tmp_path / "cli-var" / "pki")
    env = {
        "BIDDING_DATA_DIR": str(tmp_path / "cli-var"),
        "BIDDING_LOG_FORMAT": "text",
        "BIDDING_SECRET_KEY": SECRET_KEY,
        "BIDDING_DATABASE_URL": settings.effective_database_url,
    }
    if settings.redis_url is not None:
        env |= {"BIDDING_REDIS_URL": settings.redis_url, "BIDDING_QUEUE_PREFIX": f"{settings.queue_prefix}-cli"}
    if settings.storage_url is not None:
        env["BIDDING_STORAGE_URL"] = settings.storage_url
    return env


async def run(env: dict[str, str], *args: str) -> Result:
    """The command in a thread of its own (it runs its own event loop, as on the command line)."""
    return await asyncio.to_thread(CliRunner().invoke, experts_cli, list(args), env=env)


async def test_draw_record_finalise_and_verify(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    settings: Settings,
    provider: FakeAliyun,
    mailbox: SmtpServer,
    tmp_path: Path,
) -> None:
    region = new_region()
    centre = (await trading_centre(client, admin_headers))["id"]
    await experts(client, admin_headers, centre, region, 6)
    o = await opened(client, admin_headers, clock, live)
    agent = o["p"]["agent"]
    draw_id = (await client.post("/api/expert-draws", json=request_body(o, region), headers=agent)).json()["id"]
    assert (await client.post(f"/api/expert-draws/{draw_id}/draw-now", headers=agent)).status_code == 200
    env = cli_env(settings, tmp_path)
    lot = o["lot"]["id"]

    # Not final: the commitment record only, and said so.
    early = await run(env, "draw-record", lot)
    assert early.exit_code == 0, early.output
    assert "not final yet" in early.stderr
    assert "server_seed" not in json.loads(early.stdout) or json.loads(early.stdout).get("server_seed") is None
    refused = await run(env, "finalise", draw_id)  # not complete yet
    assert refused.exit_code != 0 and "expert_draw_refused" in refused.output

    actor = Actor.system("test")
    async with platform.sessions() as db:
        invited = (
            await db.scalars(
                select(DrawSeat.id).where(DrawSeat.draw_id == uuid.UUID(draw_id), DrawSeat.status == SeatStatus.INVITED)
            )
        ).all()
    for seat_id in invited:
        queued: list[QueuedMessage] = []
        now = platform.clock.now()
        async with platform.sessions() as db, db.begin():
            await answer_seat(
                db,
                platform,
                seat_id,
                "accept",
                via="app",
                queue=session_queue(db, platform, actor, now, queued),
                actor=actor,
                now=now,
            )
        await dispatch(platform, queued)

    final = await run(env, "finalise", draw_id)
    assert final.exit_code == 0, final.output
    assert final.stdout.strip() == "final"
    again = await run(env, "finalise", draw_id)  # once: the second is refused, nothing changes
    assert again.exit_code != 0 and "expert_draw_refused" in again.output

    printed = await run(env, "draw-record", lot, "--round", "1")
    assert printed.exit_code == 0 and "not final" not in printed.stderr, printed.output
    published = await client.get(f"/api/public/expert-draws/{draw_id}/rounds/1/DRAW.json")
    assert printed.stdout == published.text
    out = tmp_path / "DRAW.json"
    written = await run(env, "draw-record", lot, "--out", str(out))
    assert written.exit_code == 0 and out.read_text() == published.text
    checked = await run(env, "verify", str(out))
    assert checked.exit_code == 0 and "all" in checked.stdout and "match" in checked.stdout, checked.output
    missing = await run(env, "draw-record", lot, "--round", "2")
    assert missing.exit_code != 0 and "expert_draw_not_found" in missing.output
