"""Moving an award between its states and recording why (``bidding.awards.states``): one function for
every module, so that each move is checked against the table and audited the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.awards.models import Award
from bidding.awards.states import AWARD_TRANSITIONS, AwardState
from bidding.core.actor import Actor
from bidding.core.transitions import move

__all__ = ["audit", "set_state"]


def audit(session: AsyncSession, actor: Actor, a: Award, action: str, **details: Any) -> None:
    """An audit event ``award.<action>`` on the award (办法 14: every operation recorded)."""
    record(
        session,
        actor,
        f"award.{action}",
        object_type="award",
        object_id=str(a.id),
        details={"lot": str(a.lot_id), "project": str(a.project_id), **details},
    )


def set_state(session: AsyncSession, actor: Actor, a: Award, to: AwardState, now: datetime, **why: Any) -> None:
    """Move ``a`` to ``to`` (409 if the table has no such move) and audit it with ``why``."""
    before = a.state
    a.state = move(AWARD_TRANSITIONS, a.state, to, what=f"award {a.id}")
    a.state_at = a.updated_at = now
    audit(session, actor, a, "state", before=before.value, after=to.value, **why)
