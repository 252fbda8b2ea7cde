"""A project's status follows its lots' awards (``docs/awards.md`` §The parts): once every lot has an
award and none is still open, the project is ``awarded`` if at least one lot was awarded, else
``cancelled`` (every lot terminated, 条例 31) or ``failed`` (流标). A lot without an award (no bid, or
not yet evaluated) keeps the project where it is."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.models import Award
from bidding.awards.states import AwardState
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.projects import ProjectStatus

__all__ = ["settle_project_status"]

_ENDED = frozenset({AwardState.FAILED, AwardState.TERMINATED})
_AWARDED = frozenset({AwardState.AWARDED, AwardState.CONTRACTED, AwardState.CLOSED})


async def settle_project_status(session: AsyncSession, a: Award, project: Project) -> ProjectStatus:
    """Set ``project.status`` from its lots' awards (``a`` as it is now, maybe not flushed); the status."""
    lots = (await session.scalars(select(Lot.id).where(Lot.project_id == a.project_id))).all()
    states = dict((await session.execute(select(Award.lot_id, Award.state).where(Award.lot_id.in_(lots)))).all())
    states[a.lot_id] = a.state
    if len(states) == len(lots) and all(s in _ENDED | _AWARDED for s in states.values()):
        if any(s in _AWARDED for s in states.values()):
            project.status = ProjectStatus.AWARDED
        elif all(s is AwardState.TERMINATED for s in states.values()):
            project.status = ProjectStatus.CANCELLED
        else:
            project.status = ProjectStatus.FAILED
    return project.status
