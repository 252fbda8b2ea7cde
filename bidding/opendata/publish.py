"""Publishing the releases (``docs/opendata.md``): every minute, each project's changes not yet
released become releases, each built as of its change's own moment and stored once (immutable, with
its SHA-256). A change is named by what it is (the tender, an amendment, a lot's opening, publicity,
notice batch, contract or end), so its release id is the same whenever it is found: running the
sync twice, or beside another, publishes each change once.

The changes (RULES §(g) mapping): the tender announcement (``tender``); each clarification or
amendment (``tenderAmendment``); each lot's opening record (``tenderUpdate``: bids); an opening that
failed; the publicity (``award``: pending awards); each batch of notices (``awardUpdate``: the winner
active); the contract (``contract``); a lot's failure or termination and the tender's termination
(``tenderCancellation`` when the tender ends with it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from bidding.awards.models import Award, AwardNotice
from bidding.opendata.models import OcdsRelease
from bidding.opendata.release import build_release, ocid_of
from bidding.opendata.snapshot import end_of, is_tender_termination, load_project, snapshot
from bidding.tendering.models import Announcement, Lot, Project
from bidding.tendering.rules.announcements import AnnouncementKind
from opening_room.tables import OpeningEvent

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["Change", "canonical", "changes", "due_projects", "sync", "sync_project"]

log = logging.getLogger(__name__)

#: An award's notice batches: award id → [(batch, its first notice's moment)].
Batches = dict[uuid.UUID, list[tuple[int, datetime]]]


@dataclass(frozen=True)
class Change:
    """One change of a project that gets a release: when, its stable name, its tags."""

    at: datetime
    key: str
    tags: tuple[str, ...]


def canonical(release: dict[str, Any]) -> bytes:
    """The release's canonical JSON (sorted keys, no spaces, UTF-8): what its SHA-256 is of."""
    return json.dumps(release, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _changes(
    lots: Mapping[uuid.UUID, str],
    announcements: Sequence[Announcement],
    failed: Iterable[tuple[uuid.UUID, datetime]],
    awards: Sequence[Award],
    batches: Mapping[uuid.UUID, list[tuple[int, datetime]]],
) -> list[Change]:
    """A project's changes from its facts (lot id → code; its announcements, failed openings, awards
    and each award's notice batches with their first moment), in time order."""
    found: list[Change] = []
    by_id = {a.id: a for a in announcements}
    for a in announcements:
        if a.kind is AnnouncementKind.TENDER:
            found.append(Change(a.published_at, "tender", ("tender",)))
        elif a.kind in (AnnouncementKind.CLARIFICATION, AnnouncementKind.AMENDMENT):
            found.append(Change(a.published_at, f"amendment-{a.id.hex[:12]}", ("tenderAmendment",)))
        elif is_tender_termination(a):
            found.append(Change(a.published_at, "terminated", ("tenderCancellation",)))
        elif a.kind is AnnouncementKind.OPENING_RECORD and a.details.get("lot"):
            code = lots.get(uuid.UUID(str(a.details["lot"])))
            if code is not None:
                found.append(Change(a.published_at, f"opening-{code}", ("tenderUpdate",)))
    for lot_id, at in failed:
        if lot_id in lots:
            found.append(Change(at, f"opening-failed-{lots[lot_id]}", ("tenderUpdate",)))
    for award in awards:
        code = lots[award.lot_id]
        if award.publicity_published_at is not None:
            found.append(Change(award.publicity_published_at, f"publicity-{code}", ("award",)))
        sent = batches.get(award.id, [])
        for batch, at in sent:
            first = award.publicity_published_at is None and batch == min(b for b, _ in sent)
            found.append(Change(at, f"award-{code}-{batch}", ("award",) if first else ("awardUpdate",)))
        if award.contracted_at is not None:
            found.append(Change(award.contracted_at, f"contract-{code}", ("contract",)))
        end = end_of(award, by_id)
        if end is not None:
            found.append(Change(end, f"end-{code}", ("tenderUpdate",)))
    return sorted(found, key=lambda c: (c.at, c.key))


#: What the change finder reads of an announcement and an award (not the bodies, not the candidates).
_ANNOUNCEMENT_FACTS = load_only(
    Announcement.id, Announcement.project_id, Announcement.kind, Announcement.published_at, Announcement.details
)
_AWARD_FACTS = load_only(
    Award.id,
    Award.project_id,
    Award.lot_id,
    Award.state,
    Award.state_at,
    Award.publicity_published_at,
    Award.contracted_at,
    Award.ended,
)


async def _batches(
    session: AsyncSession, award_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[int, datetime]]]:
    rows = await session.execute(
        select(AwardNotice.award_id, AwardNotice.batch, func.min(AwardNotice.sent_at))
        .where(AwardNotice.award_id.in_(award_ids))
        .group_by(AwardNotice.award_id, AwardNotice.batch)
    )
    found: Batches = defaultdict(list)
    for award_id, batch, at in rows.all():
        found[award_id].append((batch, at))
    return found


async def _failed(session: AsyncSession, lot_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, datetime]]:
    rows = await session.execute(
        select(OpeningEvent.lot_id, func.min(OpeningEvent.at))
        .where(OpeningEvent.lot_id.in_(lot_ids), OpeningEvent.name == "session.failed")
        .group_by(OpeningEvent.lot_id)
    )
    return [(lot_id, at) for lot_id, at in rows.all()]


async def changes(session: AsyncSession, project: Project) -> list[Change]:
    """Every change of ``project`` so far (whatever the clock), in time order."""
    lots = {lot.id: lot.code for lot in project.lots}
    announcements = (
        await session.scalars(
            select(Announcement).options(_ANNOUNCEMENT_FACTS).where(Announcement.project_id == project.id)
        )
    ).all()
    awards = (await session.scalars(select(Award).options(_AWARD_FACTS).where(Award.project_id == project.id))).all()
    batches = await _batches(session, [a.id for a in awards])
    return _changes(lots, announcements, await _failed(session, list(lots)), awards, batches)


async def due_projects(session: AsyncSession, prefix: str, now: datetime) -> list[uuid.UUID]:
    """The published projects with a change up to ``now`` not yet released, found in a fixed number of
    queries whatever the number of projects (the minute job then opens only those)."""
    projects = dict(
        (
            await session.execute(
                select(Project.id, Project.code)
                .where(Project.published_at.is_not(None), Project.published_at <= now)
                .order_by(Project.published_at, Project.id)
            )
        ).all()
    )
    if not projects:
        return []
    lots: dict[uuid.UUID, dict[uuid.UUID, str]] = defaultdict(dict)
    lot_rows = await session.execute(select(Lot.id, Lot.project_id, Lot.code).where(Lot.project_id.in_(list(projects))))
    for lot_id, project_id, code in lot_rows.all():
        lots[project_id][lot_id] = code
    announcements: dict[uuid.UUID, list[Announcement]] = defaultdict(list)
    for a in (await session.scalars(select(Announcement).options(_ANNOUNCEMENT_FACTS))).all():
        announcements[a.project_id].append(a)
    lot_project = {lot_id: project_id for project_id, codes in lots.items() for lot_id in codes}
    failed: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]] = defaultdict(list)
    for lot_id, at in await _failed(session, list(lot_project)):
        failed[lot_project[lot_id]].append((lot_id, at))
    awards: dict[uuid.UUID, list[Award]] = defaultdict(list)
    for award in (await session.scalars(select(Award).options(_AWARD_FACTS))).all():
        awards[award.project_id].append(award)
    batches = await _batches(session, [a.id for group in awards.values() for a in group])
    stored = dict((await session.execute(select(OcdsRelease.ocid, func.count()).group_by(OcdsRelease.ocid))).all())
    due: list[uuid.UUID] = []
    for project_id, code in projects.items():
        found = _changes(lots[project_id], announcements[project_id], failed[project_id], awards[project_id], batches)
        # Each stored release is one change (its id names it): fewer stored than due means one is missing.
        if sum(1 for c in found if c.at <= now) > stored.get(ocid_of(prefix, code), 0):
            due.append(project_id)
    return due


def _tags(change: Change, release: dict[str, Any]) -> list[str]:
    """A change that ends the whole tender is its cancellation (RULES §(g): 流标 → tenderCancellation)."""
    tags = list(change.tags)
    if tags == ["tenderUpdate"] and release["tender"]["status"] in ("unsuccessful", "cancelled"):
        tags = ["tenderCancellation"]
    if change.key.startswith("end-") and any(a["status"] == "cancelled" for a in release.get("awards", [])):
        tags.append("awardCancellation")
    return tags


async def sync_project(platform: Platform, project_id: uuid.UUID, now: datetime) -> int:
    """Publish the project's changes up to ``now`` not yet released; the number published."""
    settings = platform.settings
    try:
        async with platform.sessions() as session, session.begin():
            project = await load_project(session, project_id)
            if project is None or project.published_at is None:
                return 0
            ocid = ocid_of(settings.ocds_prefix, project.code)
            done = set((await session.scalars(select(OcdsRelease.release_id).where(OcdsRelease.ocid == ocid))).all())
            published = 0
            for change in await changes(session, project):
                release_id = f"{ocid}-{change.key}"
                if change.at > now or release_id in done:
                    continue
                snap = await snapshot(
                    session, project, prefix=settings.ocds_prefix, base_url=settings.effective_base_url, at=change.at
                )
                release = build_release(snap, release_id=release_id, tags=list(change.tags))
                release["tag"] = _tags(change, release)
                session.add(
                    OcdsRelease(
                        ocid=ocid,
                        release_id=release_id,
                        project_id=project.id,
                        date=change.at,
                        tags=release["tag"],
                        release=release,
                        sha256=hashlib.sha256(canonical(release)).hexdigest(),
                        published_at=now,
                    )
                )
                await session.flush()
                published += 1
            return published
    except IntegrityError:
        # Another sync stored the same release at the same time: it is published, once.
        log.info("opendata: releases of project %s published concurrently", project_id)
        return 0


async def sync(platform: Platform, now: datetime) -> int:
    """One pass (the minute job): each project with a change not yet released gets its releases;
    the number of releases published."""
    async with platform.sessions() as session:
        ids = await due_projects(session, platform.settings.ocds_prefix, now)
    total = 0
    for project_id in ids:
        try:
            total += await sync_project(platform, project_id, now)
        except Exception:
            # One project's failure (a bug, a row the builder cannot read) must not hold back the
            # others; it is logged and tried again next minute.
            log.exception("opendata: releases of project %s not published", project_id)
    return total
