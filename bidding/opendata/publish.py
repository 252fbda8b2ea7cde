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
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.models import Award, AwardNotice
from bidding.opendata.models import OcdsRelease
from bidding.opendata.release import build_release, ocid_of
from bidding.opendata.snapshot import end_of, is_tender_termination, load_project, snapshot
from bidding.tendering.models import Announcement, Project
from bidding.tendering.rules.announcements import AnnouncementKind
from opening_room.tables import OpeningEvent

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["Change", "canonical", "changes", "sync", "sync_project"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One change of a project that gets a release: when, its stable name, its tags."""

    at: datetime
    key: str
    tags: tuple[str, ...]


def canonical(release: dict[str, Any]) -> bytes:
    """The release's canonical JSON (sorted keys, no spaces, UTF-8): what its SHA-256 is of."""
    return json.dumps(release, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def changes(session: AsyncSession, project: Project) -> list[Change]:
    """Every change of ``project`` so far (whatever the clock), in time order."""
    found: list[Change] = []
    lots = {lot.id: lot for lot in project.lots}
    announcements = (await session.scalars(select(Announcement).where(Announcement.project_id == project.id))).all()
    by_id = {a.id: a for a in announcements}
    for a in announcements:
        if a.kind is AnnouncementKind.TENDER:
            found.append(Change(a.published_at, "tender", ("tender",)))
        elif a.kind in (AnnouncementKind.CLARIFICATION, AnnouncementKind.AMENDMENT):
            found.append(Change(a.published_at, f"amendment-{a.id.hex[:12]}", ("tenderAmendment",)))
        elif is_tender_termination(a):
            found.append(Change(a.published_at, "terminated", ("tenderCancellation",)))
        elif a.kind is AnnouncementKind.OPENING_RECORD and a.details.get("lot"):
            lot = lots.get(uuid.UUID(str(a.details["lot"])))
            if lot is not None:
                found.append(Change(a.published_at, f"opening-{lot.code}", ("tenderUpdate",)))
    failed = (
        await session.execute(
            select(OpeningEvent.lot_id, func.min(OpeningEvent.at))
            .where(OpeningEvent.lot_id.in_(list(lots)), OpeningEvent.name == "session.failed")
            .group_by(OpeningEvent.lot_id)
        )
    ).all()
    for lot_id, at in failed:
        found.append(Change(at, f"opening-failed-{lots[lot_id].code}", ("tenderUpdate",)))
    awards = (await session.scalars(select(Award).where(Award.project_id == project.id))).all()
    for award in awards:
        code = lots[award.lot_id].code
        if award.publicity_published_at is not None:
            found.append(Change(award.publicity_published_at, f"publicity-{code}", ("award",)))
        batches = (
            await session.execute(
                select(AwardNotice.batch, func.min(AwardNotice.sent_at))
                .where(AwardNotice.award_id == award.id)
                .group_by(AwardNotice.batch)
            )
        ).all()
        for batch, at in batches:
            first = award.publicity_published_at is None and batch == min(b for b, _ in batches)
            found.append(Change(at, f"award-{code}-{batch}", ("award",) if first else ("awardUpdate",)))
        if award.contracted_at is not None:
            found.append(Change(award.contracted_at, f"contract-{code}", ("contract",)))
        end = end_of(award, by_id)
        if end is not None:
            found.append(Change(end, f"end-{code}", ("tenderUpdate",)))
    return sorted(found, key=lambda c: (c.at, c.key))


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
    """One pass over every published project (the minute job); the number of releases published."""
    async with platform.sessions() as session:
        ids = (
            await session.scalars(
                select(Project.id)
                .where(Project.published_at.is_not(None), Project.published_at <= now)
                .order_by(Project.published_at, Project.id)
            )
        ).all()
    total = 0
    for project_id in ids:
        total += await sync_project(platform, project_id, now)
    return total
