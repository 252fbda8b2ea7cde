"""The project archive's use cases (电子档案, issue 21; 《电子招标投标办法》 第 49 条; RULES §(c)):
build a project's package once every lot's award has ended, store it under retention, and let the
supervisor and the auditor list, read and download it.

* :func:`build_archive` — collect (:mod:`bidding.archive.collect`), sign and time-stamp the manifest
  with the platform's document signer and TSA (:mod:`bidding.archive.manifest`), store the ZIP with
  ``retain_until = now + settings.archive_retention_years`` (the store refuses to delete or shorten
  it), one :class:`~bidding.awards.models.ProjectArchive` row (unique per project) and the audit
  event ``archive.created``;
* :func:`archive_due` — the watch step: every project whose every lot's award is final (closed,
  failed, terminated: ``bidding.awards.states.FINAL``) and which has no archive yet gets one (a lot
  that never reached an award counts as over once its opening failed, or its deadline passed with
  no bid);
* :func:`list_archives`, :func:`archive_info`, :func:`download` — the readers (supervisor, auditor);
  each download is an audit event ``archive.downloaded``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.archive.collect import collect
from bidding.archive.manifest import assemble
from bidding.audit.trail import record
from bidding.awards.models import Award, ProjectArchive
from bidding.awards.states import FINAL, AwardState
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, NotFound
from bidding.core.platform import Platform
from bidding.core.roles import Role
from bidding.operations.audit_trail import release_due
from bidding.submission.models import Bid
from bidding.tendering.documents import Download
from bidding.tendering.models import Lot, Project
from opening_room.states import State
from opening_room.tables import OpeningSession

__all__ = [
    "READERS",
    "ArchiveExists",
    "ArchiveForbidden",
    "ArchiveNotFound",
    "ArchiveProjectNotFound",
    "ArchiveView",
    "archive_due",
    "archive_info",
    "build_archive",
    "build_for_code",
    "download",
    "list_archives",
    "lot_ended",
]

_log = logging.getLogger(__name__)

#: Who reads the archives: the supervisor (监督) and the auditor (审计), of every project.
READERS: Final = frozenset({Role.SUPERVISOR, Role.AUDITOR})
ARCHIVE_KEY: Final = "archives/{project}/{stamp}.zip"
#: The watch's actor.
SYSTEM: Final = Actor.system("archive")


class ArchiveNotFound(NotFound):
    code = "archive_not_found"
    message_zh = "该项目尚无电子档案"
    message_en = "This project has no archive"


class ArchiveProjectNotFound(NotFound):
    code = "archive_project_not_found"
    message_zh = "项目不存在"
    message_en = "No such project"


class ArchiveExists(Conflict):
    code = "archive_exists"
    message_zh = "该项目的电子档案已生成"
    message_en = "This project's archive has already been built"


class ArchiveForbidden(Forbidden):
    code = "archive_forbidden"
    message_zh = "仅监督人员和审计人员可查阅电子档案"
    message_en = "Only the supervisor and the auditor read project archives"


@dataclass(frozen=True)
class ArchiveView:
    """A project's archive package as the readers see it (GET /api/archives/{project_id})."""

    project_id: uuid.UUID
    project_code: str
    project_name: str
    created_at: datetime
    retain_until: datetime
    size: int
    sha256: str
    #: SHA-256 of ``manifest.json`` (what is signed and time-stamped).
    manifest_sha256: str
    files: int
    download_url: str


def _view(a: ProjectArchive, p: Project) -> ArchiveView:
    return ArchiveView(
        project_id=a.project_id,
        project_code=p.code,
        project_name=p.name,
        created_at=a.created_at,
        retain_until=a.retain_until,
        size=a.size,
        sha256=a.sha256,
        manifest_sha256=a.manifest_sha256,
        files=a.files,
        download_url=f"/api/archives/{a.project_id}.zip",
    )


def _check_reader(caller: Caller) -> None:
    if not caller.roles & READERS:
        raise ArchiveForbidden()


def _years_later(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February: the day after (never shorter than asked)
        return moment.replace(year=moment.year + years, month=3, day=1)


async def build_archive(
    platform: Platform, project_id: uuid.UUID, actor: Actor, now: datetime | None = None
) -> ArchiveView:
    """Build, sign, time-stamp and store ``project_id``'s archive (409 ``archive_exists`` if it has one).

    The package is stored before the row commits: if the commit loses to another builder (unique
    ``project_id``), the other's row stands and this package stays in the store, under retention,
    unreferenced (the store cannot delete it)."""
    now = now or platform.clock.now()
    # Sealed events (办法 21) are copied to the trail when read: the archive must see them all.
    await release_due(platform.sessions, now)
    # The CRLs come first, in their own reads: they prove the certificates good at signing time.
    crls = [await platform.revocations.crl("root"), await platform.revocations.crl("issuing")]
    keys = platform.keys
    async with platform.sessions() as s, s.begin():
        project = await s.get(Project, project_id)
        if project is None:
            raise ArchiveProjectNotFound()
        if await s.scalar(select(ProjectArchive.id).where(ProjectArchive.project_id == project_id)) is not None:
            raise ArchiveExists(f"project {project.code}")
        collected = await collect(s, platform.store, project)
        # Signing, time-stamping and deflating are CPU work: off the event loop.
        package, manifest = await asyncio.to_thread(
            assemble,
            {"id": str(project.id), "code": project.code, "name": project.name},
            now,
            collected.files,
            signer_key=keys.signer_key,
            signer_cert=keys.signer_cert,
            chain=keys.ca.chain,
            tsa=keys.tsa,
            crls=crls,
        )
        sha256 = hashlib.sha256(package).hexdigest()
        retain_until = _years_later(now, platform.settings.archive_retention_years)
        key = ARCHIVE_KEY.format(project=project.id, stamp=now.strftime("%Y%m%dT%H%M%S%fZ"))
        await platform.store.put(
            key,
            io.BytesIO(package),
            content_type="application/zip",
            metadata={"project": str(project.id), "manifest-sha256": hashlib.sha256(manifest).hexdigest()},
            retain_until=retain_until,
            overwrite=False,
            expected_sha256=sha256,
        )
        row = ProjectArchive(
            project_id=project.id,
            object_key=key,
            size=len(package),
            sha256=sha256,
            manifest_sha256=hashlib.sha256(manifest).hexdigest(),
            files=len(collected.files),
            created_at=now,
            retain_until=retain_until,
        )
        s.add(row)
        record(
            s,
            actor,
            "archive.created",
            object_type="project",
            object_id=str(project.id),
            content_sha256=row.manifest_sha256,
            details={
                "object_key": key,
                "sha256": sha256,
                "size": row.size,
                "files": row.files,
                "missing": collected.missing,
                "retain_until": retain_until.isoformat(),
            },
        )
        await s.flush()
        return _view(row, project)


async def build_for_code(platform: Platform, code: str, actor: Actor) -> ArchiveView:
    """:func:`build_archive` by the project's code (``bidding archive build CODE``)."""
    async with platform.sessions() as s:
        project_id = await s.scalar(select(Project.id).where(Project.code == code))
    if project_id is None:
        raise ArchiveProjectNotFound(f"no project with code {code}")
    return await build_archive(platform, project_id, actor)


def lot_ended(
    award: AwardState | None, opening: State | None, deadline: datetime | None, bids: int, now: datetime
) -> bool:
    """A lot is over when its award is final; a lot without an award, when its opening failed or
    was adjourned (条例 44: fewer than three bids), or when its deadline passed with no bid at all
    (no opening is held for it). Any other lot without an award is still on its way to one."""
    if award is not None:
        return award in FINAL
    if opening is not None:
        return opening in (State.FAILED, State.ADJOURNED)
    return bids == 0 and deadline is not None and deadline <= now


async def _pairs(session: AsyncSession, query: Select[Any, Any]) -> dict[Any, Any]:
    """The rows of a two-column query as a mapping from the first to the second."""
    return {row[0]: row[1] for row in await session.execute(query)}


async def _due_projects(platform: Platform, now: datetime) -> list[uuid.UUID]:
    """Projects without an archive with at least one award in a final state and every lot over
    (:func:`lot_ended`). A project none of whose lots reached an award is left to the operator
    (``bidding archive build``)."""
    due: list[uuid.UUID] = []
    async with platform.sessions() as s:
        archived = select(ProjectArchive.project_id)
        candidates = list(
            await s.scalars(
                select(Award.project_id).where(Award.state.in_(FINAL), Award.project_id.not_in(archived)).distinct()
            )
        )
        for project_id in sorted(candidates):
            lots = list(await s.scalars(select(Lot).where(Lot.project_id == project_id)))
            ids = [lot.id for lot in lots]
            awards = await _pairs(s, select(Award.lot_id, Award.state).where(Award.lot_id.in_(ids)))
            openings = await _pairs(
                s, select(OpeningSession.lot_id, OpeningSession.state).where(OpeningSession.lot_id.in_(ids))
            )
            bids = await _pairs(
                s, select(Bid.lot_id, func.count(Bid.id)).where(Bid.lot_id.in_(ids)).group_by(Bid.lot_id)
            )
            if all(
                lot_ended(awards.get(lot.id), openings.get(lot.id), lot.bid_deadline, bids.get(lot.id, 0), now)
                for lot in lots
            ):
                due.append(project_id)
    return due


async def archive_due(platform: Platform, now: datetime) -> int:
    """The watch step: archive every project whose every lot's award has ended and which has none
    yet; returns how many were built. Idempotent: the archive is unique per project, and a project
    archived meanwhile by another runner (or the operator) is skipped. One project's failure is
    logged and does not keep the others from being archived; it is tried again on the next run."""
    built = 0
    for project_id in await _due_projects(platform, now):
        try:
            await build_archive(platform, project_id, SYSTEM, now)
        except (ArchiveExists, IntegrityError):
            continue
        except Exception:
            _log.exception("archive of project %s failed; tried again on the next run", project_id)
            continue
        built += 1
    return built


async def list_archives(platform: Platform, caller: Caller, *, limit: int = 100, offset: int = 0) -> list[ArchiveView]:
    """``GET /api/archives``: every archive, newest first."""
    _check_reader(caller)
    async with platform.sessions() as s:
        rows = await s.execute(
            select(ProjectArchive, Project)
            .join(Project, Project.id == ProjectArchive.project_id)
            .order_by(ProjectArchive.created_at.desc(), ProjectArchive.id)
            .limit(limit)
            .offset(offset)
        )
        return [_view(row[0], row[1]) for row in rows]


async def _archive(platform: Platform, project_id: uuid.UUID) -> tuple[ProjectArchive, Project]:
    async with platform.sessions() as s:
        row = (
            await s.execute(
                select(ProjectArchive, Project)
                .join(Project, Project.id == ProjectArchive.project_id)
                .where(ProjectArchive.project_id == project_id)
            )
        ).first()
    if row is None:
        raise ArchiveNotFound()
    return row[0], row[1]


async def archive_info(platform: Platform, caller: Caller, project_id: uuid.UUID) -> ArchiveView:
    """``GET /api/archives/{project_id}``."""
    _check_reader(caller)
    a, p = await _archive(platform, project_id)
    return _view(a, p)


async def download(platform: Platform, caller: Caller, project_id: uuid.UUID) -> Download:
    """``GET /api/archives/{project_id}.zip``: the package, streamed from the store; audited
    (办法 14: every operation recorded, who read the archive too)."""
    _check_reader(caller)
    a, p = await _archive(platform, project_id)
    async with platform.sessions() as s, s.begin():
        record(
            s,
            caller.actor,
            "archive.downloaded",
            object_type="project",
            object_id=str(a.project_id),
            content_sha256=a.manifest_sha256,
            details={"object_key": a.object_key, "sha256": a.sha256},
        )
    return Download(
        filename=f"{p.code}-电子档案.zip",
        content_type="application/zip",
        chunks=platform.store.open(a.object_key),
        size=a.size,
        sha256=a.sha256,
    )
