"""`bidding experts …`: the expert pool and the draw on the command line (issue 19). One group; the
pool adds ``import`` and ``list`` (:mod:`bidding.experts.pool_cli`), the draw ``verify``
(:mod:`bidding.experts.draw_cli`, offline), ``draw-record`` and ``finalise`` (here)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import click

from bidding.core.cli import load_settings, run_guarded
from bidding.experts.draw_cli import verify_draw
from bidding.experts.pool_cli import COMMANDS as POOL_COMMANDS

__all__ = ["COMMANDS", "experts"]


@click.group("experts")
def experts() -> None:
    """评标专家 / Experts: the pool, the draw and its verification."""


@experts.command("draw-record")
@click.argument("lot_id", type=click.UUID)
@click.option("--round", "number", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write it to this file.")
def draw_record(lot_id: uuid.UUID, number: int, out: Path | None) -> None:
    """打印抽取记录 / Print the DRAW.json of a lot's draw: the full record once the result is final (it
    verifies with `bidding experts verify`), the commitment record before (no seed, no result)."""
    from bidding.core.platform import start_platform
    from bidding.experts.draws import draw_record as read

    settings = load_settings()

    async def go() -> tuple[str, bool]:
        async with start_platform(settings) as platform:
            return await read(platform, lot_id, number)

    text, final = run_guarded(go())
    if out is not None:
        out.write_text(text, encoding="ascii")
    else:
        click.echo(text, nl=False)
    if not final:
        click.echo("not final yet: the commitment record only (the server seed is revealed with the result)", err=True)


@experts.command("finalise")
@click.argument("draw_id", type=click.UUID)
def finalise(draw_id: uuid.UUID) -> None:
    """确认抽取结果 / The result is final: reveal the draw's server seeds and publish its DRAW.json."""
    from bidding.core.actor import Actor
    from bidding.core.platform import start_platform
    from bidding.experts.draws import finalise as run

    settings = load_settings()

    async def go() -> str:
        async with start_platform(settings) as platform:
            view = await run(platform, Actor.system("cli"), draw_id)
            return view.status

    click.echo(run_guarded(go()))
    sys.stdout.flush()


for _command in (*POOL_COMMANDS, verify_draw):
    experts.add_command(_command)

COMMANDS = (experts,)
