"""`bidding opendata …`: open data (OCDS 1.1) on the command line (``docs/opendata.md``).

* ``validate FILE`` — check a release or record package (a file, or ``-`` for standard input)
  against the OCDS 1.1 schema with the extensions the platform declares, and scan its releases for
  what must stay secret (bank data, the committee, account numbers); prints each problem and exits
  1 if there is any (2 if the file cannot be read). Needs no settings, database or network; needs
  ``jsonschema`` (a development dependency);
* ``sync`` — the operator publishes every pending change now (the minute job does it by itself);
  prints how many releases were published.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from bidding.core.cli import load_settings, run_guarded

__all__ = ["COMMANDS", "opendata"]


@click.group("opendata")
def opendata() -> None:
    """Open data (OCDS 1.1): validate a package, publish pending releases."""


@opendata.command("validate")
@click.argument("package", type=click.File("r", encoding="utf-8"))
def validate_command(package: Any) -> None:
    """Validate a release or record package (FILE, or - for standard input) and scan it for secrets."""
    try:
        data = json.load(package)
    except (OSError, ValueError) as exc:
        click.echo(f"error: cannot read the package: {exc}", err=True)
        sys.exit(2)
    try:
        from bidding.opendata.validate import scan_secrets, validate_package
    except ImportError:  # pragma: no cover - the image has no jsonschema
        click.echo("error: validation needs the jsonschema package (pip install jsonschema)", err=True)
        sys.exit(2)
    if not isinstance(data, dict) or not ("releases" in data or "records" in data):
        click.echo("error: not a release package (releases) nor a record package (records)", err=True)
        sys.exit(2)
    kind = "record" if "records" in data else "release"
    problems = [f"schema {e}" for e in validate_package(data, kind)]
    releases = data.get("releases") or [
        r for record in data.get("records") or [] for r in (record.get("releases") or []) if isinstance(r, dict)
    ]
    for release in releases:
        if isinstance(release, dict):
            problems += [f"secret {release.get('id')}{f}" for f in scan_secrets(release)]
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"NOT VALID 未通过: {len(problems)} problems in the {kind} package")
        sys.exit(1)
    click.echo(f"VALID 通过: {kind} package, {len(releases)} releases, OCDS 1.1 with its extensions")


@opendata.command("sync")
def sync_command() -> None:
    """Publish every project's pending changes as releases now."""
    from bidding.core.platform import start_platform
    from bidding.opendata.publish import sync

    settings = load_settings()

    async def go() -> int:
        async with start_platform(settings) as platform:
            return await sync(platform, platform.clock.now())

    click.echo(json.dumps({"published": run_guarded(go())}))


COMMANDS = (opendata,)
