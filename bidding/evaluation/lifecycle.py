"""Moving an evaluation between its states and recording why (``bidding.evaluation.states``): one
function for every module, so that each move is checked against the table and audited the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.transitions import move
from bidding.evaluation.models import Evaluation
from bidding.evaluation.states import EVALUATION_TRANSITIONS, EvaluationState

__all__ = ["audit", "set_state"]


def audit(session: AsyncSession, actor: Actor, ev: Evaluation, action: str, **details: Any) -> None:
    """An audit event ``evaluation.<action>`` on the evaluation (办法 14: every operation recorded)."""
    record(
        session,
        actor,
        f"evaluation.{action}",
        object_type="evaluation",
        object_id=str(ev.id),
        details={"lot": str(ev.lot_id), **details},
    )


def set_state(
    session: AsyncSession, actor: Actor, ev: Evaluation, to: EvaluationState, now: datetime, **why: Any
) -> None:
    """Move ``ev`` to ``to`` (409 if the table has no such move) and audit it with ``why``."""
    before = ev.state
    ev.state = move(EVALUATION_TRANSITIONS, ev.state, to, what=f"evaluation {ev.id}")
    ev.state_at = ev.updated_at = now
    audit(session, actor, ev, "state", before=before.value, after=to.value, **why)
