"""`bidding experts verify DRAW.json`: redo a published expert draw and say whether it matches
(issue 19; ``docs/expert-draw.md``; :func:`bidding.experts.draw.verify`).

Offline and for anyone: no database, no settings, no network. It prints one line per check
(``match`` / ``mismatch`` / ``skipped`` with what was computed), then the committee and the backup
order it recomputed, and exits 0 when every check matches, 1 otherwise (a mismatch, a check that
could not run, or a file that is not a draw record). ``--json`` prints the same as one JSON object.
The same checks, in 60 lines of standard-library Python, are ``docs/expert_draw_verify.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bidding.experts.draw import CheckStatus, DrawRecord, DrawRecordInvalid, VerifyResult, verify

__all__ = ["verify_draw"]


def _as_json(path: Path, record: DrawRecord, result: VerifyResult) -> str:
    return json.dumps(
        {
            "file": str(path),
            "algorithm": record.algorithm,
            "draw_id": record.draw_id,
            "ok": result.ok,
            "checks": [{"name": c.name, "status": c.status.value, "detail": c.detail} for c in result.checks],
            "recomputed": result.outcome.to_dict() if result.outcome is not None else None,
        },
        ensure_ascii=False,
        indent=2,
    )


@click.command("verify")
@click.argument("draw_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the checks as one JSON object.")
def verify_draw(draw_json: Path, as_json: bool) -> None:
    """复核专家抽取记录 / Re-run an expert draw from its published record (DRAW.json) and compare."""
    try:
        record = DrawRecord.from_json(draw_json.read_bytes())
    except DrawRecordInvalid as exc:
        click.echo(f"{draw_json}: {exc.code}: {exc.text('en')}", err=True)
        sys.exit(1)
    result = verify(record)
    if as_json:
        click.echo(_as_json(draw_json, record, result))
        sys.exit(0 if result.ok else 1)
    click.echo(f"{draw_json}: {record.algorithm}, draw {record.draw_id}")
    for check in result.checks:
        click.echo(f"  {check.status.value:<9} {check.name:<23} {check.detail}")
    if result.outcome is not None:
        click.echo("recomputed committee (seated, then backups in order):")
        for code in result.outcome.seated:
            click.echo(f"  {code}: seated {', '.join(result.outcome.seated[code])}")
            click.echo(f"  {' ' * len(code)}  backups {', '.join(result.outcome.backups[code]) or '—'}")
    if result.ok:
        click.echo(f"all {len(result.checks)} checks match")
        return
    failed = [c.name for c in result.checks if c.status is not CheckStatus.MATCH]
    click.echo(f"NOT VERIFIED: {', '.join(failed)}", err=True)
    sys.exit(1)
