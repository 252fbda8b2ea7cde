"""`bidding archive …`: project archives (电子档案) on the command line.

* ``verify FILE [--trust PEM]`` — check a package offline (:mod:`bidding.archive.verify`): prints
  every check, one per line, and exits 1 if any failed (2 if the file or the trust roots cannot be
  read). Needs no settings, database or network: anyone holding the package can run it;
* ``build PROJECT_CODE`` — the operator builds a project's archive now (the watch builds it by
  itself once every lot's award has ended); prints the archive's record as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bidding.core.cli import load_settings, run_guarded

__all__ = ["COMMANDS", "archive"]


@click.group("archive")
def archive() -> None:
    """Project archives (电子档案): verify a package offline, build one."""


@archive.command("verify")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A trusted root certificate (PEM or DER; repeatable). Default: the root inside the package, "
    "which proves the package whole but not who made it.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the failed checks and the verdict.")
def verify_command(package: Path, trust: tuple[Path, ...], quiet: bool) -> None:
    """Check an archive package offline: every file's size and SHA-256, no file unlisted, the
    manifest's CMS signature and certificate chain, the RFC 3161 time-stamp over the signature."""
    from bidding.archive.verify import load_roots, verify

    if not package.is_file():
        click.echo(f"error: cannot read {package}", err=True)
        sys.exit(2)
    roots = []
    for path in trust:
        try:
            roots.extend(load_roots(path.read_bytes()))
        except (OSError, ValueError) as exc:
            click.echo(f"error: {path} is not a certificate: {exc}", err=True)
            sys.exit(2)
    report = verify(package, roots or None)
    for check in report.checks:
        if not quiet or not check.ok:
            click.echo(check.line())
    if report.manifest is not None:
        project = report.manifest.get("project") or {}
        click.echo(f"project {project.get('code')} {project.get('name')}, {len(report.manifest['files'])} files")
    if report.ok:
        click.echo(f"VERIFIED 验证通过: {len(report.checks)} checks passed")
        return
    click.echo(f"NOT VERIFIED 验证未通过: {len(report.problems)} of {len(report.checks)} checks failed")
    sys.exit(1)


@archive.command("build")
@click.argument("project_code")
def build_command(project_code: str) -> None:
    """Build the archive of the project PROJECT_CODE now (refused if it has one)."""
    from bidding.archive.service import build_for_code
    from bidding.core.actor import Actor
    from bidding.core.platform import start_platform

    settings = load_settings()

    async def go() -> dict[str, object]:
        async with start_platform(settings) as platform:
            view = await build_for_code(platform, project_code, Actor(id="operator:cli-archive"))
        return {
            "project_id": str(view.project_id),
            "project_code": view.project_code,
            "sha256": view.sha256,
            "manifest_sha256": view.manifest_sha256,
            "files": view.files,
            "size": view.size,
            "created_at": view.created_at.isoformat(),
            "retain_until": view.retain_until.isoformat(),
        }

    click.echo(json.dumps(run_guarded(go()), ensure_ascii=False))


COMMANDS = (archive,)
