"""The winner's choice (定标, 条例 55; RULES c13, c15), its deemed form in government procurement, and a
winner's withdrawal.

* **Choose** (:func:`choose`, ``POST /api/awards/{id}/choice`` ``{rank, reasons, note}``): the tenderer
  (招标人/采购人; not the agent, ``choose_winner``) in ``awaiting_choice``. Checked by
  :func:`bidding.awards.rules.check_choice`: a state-controlled project takes rank 1, or a lower rank
  only with a reason of 条例 55 for every better rank (``skip_reason_missing``, 422). Government
  procurement applies the same rule: the purchaser takes the first-ranked candidate (87号令 68), the
  next only when the one before gave up or cannot sign (政采条例 49) — the platform reads it as the
  state-controlled rule. After a winner's withdrawal every skipped rank needs its reason, whatever the
  project, and a withdrawn candidate cannot be chosen again (``candidate_withdrawn``). While the
  notices are not sent the tenderer may choose again; each choice is audited.
* **Deemed** (:func:`deem_due`, the award watch): a government procurement award still without a
  choice after the purchaser's 5 working days (87号令 68; :func:`bidding.awards.rules.deemed_choice`)
  gets rank 1 recorded as deemed (视同排名第一), audited, and the system sends the notices in the same
  transaction (:func:`bidding.awards.notices.send_batch`). Not after a winner's withdrawal: the next
  choice is the purchaser's.
* **Winner withdrawal** (:func:`withdraw_winner`, ``POST /api/awards/{id}/winner-withdrawal``
  ``{reason, note}``): the tenderer or the agent in ``awarded`` records that the winner declined, cannot
  perform, gave no performance security or broke the law (条例 55): the award goes back to
  ``awaiting_choice``, the winner kept in ``choice["withdrawn"]`` with its reason; its notices stay
  (superseded by the next batch). When no candidate is left the view says ``retender_required``: the
  流标 itself is declared by the project (``POST /api/awards/{id}/failure``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from sqlalchemy import select

from bidding.awards import access
from bidding.awards.lifecycle import audit, set_state
from bidding.awards.models import Award
from bidding.awards.notices import send_batch
from bidding.awards.rules import DEEMED_MARKER, ChoiceInvalid, SkipReason, check_choice, deemed_choice
from bidding.awards.service import view_of
from bidding.awards.states import AwardState
from bidding.awards.views import AwardView, withdrawn_reasons
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import InvalidInput
from bidding.core.fields import TEXT_PATTERN, Body
from bidding.core.holidays import deployment_calendar
from bidding.messaging.service import dispatch

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "CandidateWithdrawn",
    "ChoiceInput",
    "WithdrawalInput",
    "choose",
    "deem_due",
    "withdraw_winner",
]

log = logging.getLogger(__name__)

Note = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]


class CandidateWithdrawn(ChoiceInvalid):
    code = "candidate_withdrawn"
    message_zh = "该中标候选人已放弃或被取消中标资格，不能再次确定为中标人"
    message_en = "This candidate has withdrawn as winner and cannot be chosen again"


class ChoiceInput(Body, frozen=True, kw_only=True):
    #: The chosen candidate's rank (1 to 3).
    rank: Annotated[int, msgspec.Meta(ge=1, le=3)]
    #: Why each better rank is skipped: ``{"1": "declined"}`` (条例 55, :class:`SkipReason`).
    reasons: dict[str, SkipReason] = {}
    note: Note | None = None


class WithdrawalInput(Body, frozen=True, kw_only=True):
    #: Why the winner is out (条例 55).
    reason: SkipReason
    note: Note | None = None


def _reasons(raw: dict[str, SkipReason]) -> dict[int, SkipReason]:
    out: dict[int, SkipReason] = {}
    for key, reason in raw.items():
        if not key.isdigit():
            raise InvalidInput(
                f"reasons are keyed by rank ('1', '2'), not {key!r}", f"跳过理由须以排名为键（'1'、'2'），而非 {key!r}"
            )
        out[int(key)] = reason
    return out


def _record(
    a: Award, rank: int, reasons: dict[int, SkipReason], note: str | None, by: str, now: datetime, *, deemed: bool
) -> None:
    chosen = next(c for c in a.candidates if int(c["rank"]) == rank)
    previous = dict(a.choice or {})
    a.chosen_rank = rank
    a.winner_bid_id = uuid.UUID(str(chosen["bid_id"]))
    a.winner_org_id = uuid.UUID(str(chosen["organization_id"]))
    a.chosen_at = a.updated_at = now
    a.choice = {
        "reasons": {str(k): v.value for k, v in sorted(reasons.items())},
        "note": note,
        "deemed": deemed,
        "marker": DEEMED_MARKER if deemed else None,
        "by": by,
        "withdrawn": list(previous.get("withdrawn", [])),
    }


async def choose(platform: Platform, caller: Caller, award_id: uuid.UUID, data: ChoiceInput) -> AwardView:
    """``POST /api/awards/{id}/choice``: the tenderer chooses the winner (module doc)."""
    now = platform.clock.now()
    reasons = _reasons(data.reasons)
    async with platform.sessions() as session, session.begin():
        seat = await access.gate(session, caller, award_id, "choose_winner", for_update=True)
        a = seat.award
        withdrawn = withdrawn_reasons(a)
        if data.rank in withdrawn:
            raise CandidateWithdrawn(f"rank {data.rank} withdrew ({withdrawn[data.rank]})", f"第{data.rank}名已退出")
        strict = a.state_controlled or a.government_procurement or bool(withdrawn)
        winner = check_choice(a.candidates, data.rank, state_controlled=strict, reason=reasons)
        before = a.chosen_rank
        note = data.note.strip() if data.note else None
        _record(a, data.rank, reasons, note, caller.actor_id, now, deemed=False)
        audit(
            session,
            caller.actor,
            a,
            "chosen",
            rank=data.rank,
            bid=str(winner["bid_id"]),
            organization=str(winner["organization_id"]),
            reasons={str(k): v.value for k, v in sorted(reasons.items())},
            note=note,
            replaces=before,
            article="条例55",
        )
        await session.flush()
        return await view_of(session, seat, caller)


async def deem_due(platform: Platform, now: datetime) -> int:
    """The watch's step: each government procurement award in ``awaiting_choice`` with no choice past
    the purchaser's 5 working days gets rank 1 deemed chosen (视同排名第一) and its notices sent by the
    system, each award in a transaction of its own under its lock. The number deemed."""
    actor = Actor.system("awards")
    calendar = deployment_calendar(platform.settings)
    async with platform.sessions() as session:
        waiting = (
            await session.scalars(
                select(Award.id).where(
                    Award.state == AwardState.AWAITING_CHOICE,
                    Award.government_procurement.is_(True),
                    Award.chosen_rank.is_(None),
                )
            )
        ).all()
    done = 0
    for award_id in waiting:
        try:
            async with platform.sessions() as session, session.begin():
                a = await access.lock(session, award_id)
                if not _deemable(a) or deemed_choice(a.report_final_at, now, calendar) is None:
                    continue
                due = deemed_choice(a.report_final_at, now, calendar)
                assert due is not None
                _record(a, 1, {}, None, actor.id, now, deemed=True)
                audit(
                    session,
                    actor,
                    a,
                    "deemed",
                    rank=1,
                    marker=DEEMED_MARKER,
                    due=due.due.isoformat(),
                    bid=str(a.winner_bid_id),
                    article="87号令68",
                )
                project, lot = await access.project_lot(session, a)
                _, _, queued = await send_batch(session, platform, actor, a, project, lot, now, reason="deemed_first")
            await dispatch(platform, queued)
            done += 1
        except Exception:  # one award's failure must not stop the others; the next pass retries it
            log.exception("award %s: deeming rank 1 failed", award_id)
    return done


def _deemable(a: Award) -> bool:
    return (
        a.state is AwardState.AWAITING_CHOICE
        and a.government_procurement
        and a.chosen_rank is None
        and bool(a.candidates)
        and not withdrawn_reasons(a)
    )


async def withdraw_winner(platform: Platform, caller: Caller, award_id: uuid.UUID, data: WithdrawalInput) -> AwardView:
    """``POST /api/awards/{id}/winner-withdrawal``: the winner is out for a reason of 条例 55; back to
    ``awaiting_choice`` for the next candidate (module doc)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await access.gate(session, caller, award_id, "winner_withdraws", for_update=True)
        a = seat.award
        assert a.chosen_rank is not None
        winner = next(c for c in a.candidates if int(c["rank"]) == a.chosen_rank)
        note = data.note.strip() if data.note else None
        entry: dict[str, Any] = {
            "rank": a.chosen_rank,
            "bid_id": str(winner["bid_id"]),
            "organization_id": str(winner["organization_id"]),
            "bidder": winner.get("bidder"),
            "reason": data.reason.value,
            "note": note,
            "at": now.isoformat(),
            "batch": a.notice_batch,
            "by": caller.actor_id,
        }
        previous = dict(a.choice or {})
        history = list(previous.get("history", []))
        history.append({k: v for k, v in previous.items() if k not in {"withdrawn", "history"}})
        a.choice = {"withdrawn": [*previous.get("withdrawn", []), entry], "history": history}
        a.chosen_rank = None
        a.winner_bid_id = a.winner_org_id = None
        a.chosen_at = None
        a.contract_due_on = a.report_due_on = None  # they run again from the next batch's notice
        set_state(session, caller.actor, a, AwardState.AWAITING_CHOICE, now, reason="winner_withdrew", withdrawn=entry)
        audit(session, caller.actor, a, "winner_withdrawn", article="条例55", **entry)
        await session.flush()
        return await view_of(session, seat, caller)
