"""A lot's award that ends without a contract (``docs/awards.md`` §Failed tenders and terminations):

* **流标** (:func:`declare_failed`, the tenderer or its agent, any state before the contract): the
  tender of the lot failed and is tendered again — fewer than three bidders (法 28), every bid
  rejected (法 42), no candidate left after the candidates withdrew or were passed over (条例 55), or
  another reason with its article. An award opened from a report that ranked no candidate is failed
  by the platform itself (:func:`fail_empty`, a step of the award's watch, reason ``no_candidates``).
* **Termination** (:func:`terminate`, the tenderer only, 条例 31): the tenderer ends the tender.

Either way, in one transaction under the award's lock and then the lot's: the award moves to
``failed``/``terminated`` with ``ended`` = {kind, reason, article, note, by, at, announcement_id,
refund trigger}; a termination notice (终止公告, the tendering announcement of kind ``termination``,
so the portal lists it with the project's notices and everyone who downloaded the documents is told)
names the lot and why; and every deposit of the lot not refunded yet is refunded with interest within
5 days (条例 31; RULES a6), through the deposits' ``termination`` trigger
(:func:`bidding.deposits.refunds.record_trigger`, :func:`~bidding.deposits.refunds.decide_refunds`).

A failed tender uses the same trigger: the deposits service knows no "流标" trigger (its triggers are
withdrawal, termination, contract signed and award notice; a new one needs a migration of the
``refund_trigger`` enum), and a failed lot, like a terminated one, ends with no contract, so every
deposit goes back with its interest on the same clock; the refund's ``article`` then reads 条例31.

Once every lot of the project has an award that ended so, the project's status follows — cancelled
if every lot was terminated, failed otherwise — as tendering's own termination does before the
opening (:func:`bidding.tendering.service.terminate`, which refuses once the bids are extracted and so
cannot serve here).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.access import AwardSeat, gate, lock, project_lot
from bidding.awards.lifecycle import audit, set_state
from bidding.awards.models import Award
from bidding.awards.project_status import settle_project_status
from bidding.awards.states import AwardRole, AwardState
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import china_day
from bidding.core.errors import InvalidInput
from bidding.core.fields import LINE_PATTERN, TEXT_PATTERN, Body
from bidding.core.settings import Settings
from bidding.deposits.refund_rules import RefundTrigger
from bidding.deposits.refunds import decide_refunds, policy_of, record_trigger
from bidding.tendering.announcements import announce
from bidding.tendering.locks import lock_lot
from bidding.tendering.models import Lot
from bidding.tendering.rules.announcements import AnnouncementKind

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "ARTICLES",
    "EndingView",
    "FailureInput",
    "FailureReason",
    "ReasonNeedsArticle",
    "TerminationInput",
    "declare_failed",
    "fail_empty",
    "terminate",
]


class FailureReason(enum.StrEnum):
    TOO_FEW_BIDS = "too_few_bids"  # fewer than three bidders: tender again (法 28)
    ALL_REJECTED = "all_rejected"  # the committee rejected every bid (法 42)
    NO_CANDIDATE_LEFT = "no_candidate_left"  # the candidates withdrew or were passed over (条例 55)
    NO_CANDIDATES = "no_candidates"  # the final report ranked no candidate (the platform's own step)
    OTHER = "other"  # with its article and a note


#: The article each reason rests on unless the caller names another.
ARTICLES: Final[dict[FailureReason, str | None]] = {
    FailureReason.TOO_FEW_BIDS: "法28",
    FailureReason.ALL_REJECTED: "法42",
    FailureReason.NO_CANDIDATE_LEFT: "条例55",
    FailureReason.NO_CANDIDATES: "法42",
    FailureReason.OTHER: None,
}
_REASON_ZH: Final = {
    FailureReason.TOO_FEW_BIDS: "有效投标人不足三家",
    FailureReason.ALL_REJECTED: "评标委员会否决全部投标",
    FailureReason.NO_CANDIDATE_LEFT: "中标候选人均已放弃或不能中标",
    FailureReason.NO_CANDIDATES: "评标报告未推荐中标候选人",
    FailureReason.OTHER: "其他原因",
}
_REASON_EN: Final = {
    FailureReason.TOO_FEW_BIDS: "fewer than three valid bids",
    FailureReason.ALL_REJECTED: "the committee rejected every bid",
    FailureReason.NO_CANDIDATE_LEFT: "no candidate is left",
    FailureReason.NO_CANDIDATES: "the evaluation report ranked no candidate",
    FailureReason.OTHER: "another reason",
}

Article = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=LINE_PATTERN)]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]


class ReasonNeedsArticle(InvalidInput):
    code = "award_failure_article_missing"
    status = 422
    message_zh = "其他原因须注明依据条款和说明"
    message_en = "Another reason needs its article and a note"


class FailureInput(Body, frozen=True):
    """流标: the reason, and the article (default: the reason's) and a note."""

    reason: FailureReason
    article: Article | None = None
    note: Note | None = None


class TerminationInput(Body, frozen=True):
    """The tenderer ends the tender (条例 31): why."""

    reason: Note


@dataclass(frozen=True)
class EndingView:
    award_id: uuid.UUID
    state: str
    kind: str
    reason: str
    article: str
    note: str | None
    announcement_id: uuid.UUID
    refund_trigger: int
    refunds: int
    guarantees_released: int
    project_status: str
    ended_at: datetime


def _body(kind: AwardState, project: Any, lot: Lot, reason_zh: str, reason_en: str, article: str) -> tuple[str, str]:
    if kind is AwardState.FAILED:
        head_zh, head_en = "流标公告", "Notice of a failed tender"
        next_zh = "招标人将依法重新招标。"
        next_en = "The tenderer will tender again as the law requires."
    else:
        head_zh, head_en = "终止招标公告", "Notice of termination"
        next_zh = "本标段招标活动终止。"
        next_en = "The tender of this lot has ended."
    title = f"{project.name} {lot.code} {head_zh} / {head_en}"[:300]
    body = "\n".join(
        [
            f"项目 / Project: {project.code} {project.name}",
            f"标段 / Lot: {lot.code} {lot.name}",
            f"原因 / Reason: {reason_zh} / {reason_en}",
            f"依据 / Article: {article}",
            next_zh,
            next_en,
            "已缴纳的投标保证金及同期存款利息将在 5 日内退还（条例 31）。",
            "Deposits paid are refunded with the deposit interest of the period within 5 days (条例 31).",
        ]
    )
    return title, body


async def _end(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    seat: AwardSeat,
    to: AwardState,
    *,
    reason: str,
    reason_zh: str,
    reason_en: str,
    article: str,
    note: str | None,
    now: datetime,
) -> EndingView:
    """The award ends (module doc): state, notice, refunds, ``ended``, the project's status."""
    a, project = seat.award, seat.project
    set_state(session, actor, a, to, now, reason=reason, article=article)
    title, body = _body(to, project, seat.lot, reason_zh + (f"（{note}）" if note else ""), reason_en, article)
    notice = await announce(
        session,
        actor,
        project,
        AnnouncementKind.TERMINATION,
        title=title,
        body=body,
        now=now,
        details={
            "award": str(a.id),
            "lot": str(a.lot_id),
            "lot_code": seat.lot.code,
            "ending": to.value,
            "reason": reason,
            "article": article,
        },
    )
    lot = await lock_lot(session, a.lot_id)
    assert lot is not None
    event, _ = await record_trigger(session, actor, lot, RefundTrigger.TERMINATION, china_day(now), now=now)
    refunds, released = await decide_refunds(session, actor, event, lot, policy_of(settings), now=now)
    a.ended = {
        "kind": to.value,
        "reason": reason,
        "article": article,
        "note": note,
        "by": actor.id,
        "at": now.isoformat(),
        "announcement_id": str(notice.id),
        "refund_trigger": event.id,
    }
    status = await settle_project_status(session, a, project)
    audit(
        session,
        actor,
        a,
        to.value,
        reason=reason,
        article=article,
        announcement=str(notice.id),
        refund_trigger=event.id,
        refunds=len(refunds),
        project_status=status.value,
    )
    await session.flush()
    return EndingView(
        award_id=a.id,
        state=a.state.value,
        kind=to.value,
        reason=reason,
        article=article,
        note=note,
        announcement_id=notice.id,
        refund_trigger=event.id,
        refunds=len(refunds),
        guarantees_released=released,
        project_status=status.value,
        ended_at=now,
    )


async def declare_failed(platform: Platform, caller: Caller, award_id: uuid.UUID, data: FailureInput) -> EndingView:
    """流标, declared by the tenderer or its agent before the contract (module doc)."""
    article = data.article or ARTICLES[data.reason]
    now = platform.clock.now()
    async with platform.sessions() as s, s.begin():
        seat = await gate(s, caller, award_id, "declare_failed", for_update=True)
        if article is None or (data.reason is FailureReason.OTHER and not data.note):
            raise ReasonNeedsArticle()  # after the gate: who may not, or no such award, hears that first
        return await _end(
            s,
            platform.settings,
            caller.actor,
            seat,
            AwardState.FAILED,
            reason=data.reason.value,
            reason_zh=_REASON_ZH[data.reason],
            reason_en=_REASON_EN[data.reason],
            article=article,
            note=data.note,
            now=now,
        )


async def terminate(platform: Platform, caller: Caller, award_id: uuid.UUID, data: TerminationInput) -> EndingView:
    """The tenderer terminates the tender of the lot (条例 31), before the contract."""
    now = platform.clock.now()
    async with platform.sessions() as s, s.begin():
        seat = await gate(s, caller, award_id, "terminate", for_update=True)
        return await _end(
            s,
            platform.settings,
            caller.actor,
            seat,
            AwardState.TERMINATED,
            reason=data.reason,
            reason_zh=data.reason,
            reason_en="terminated by the tenderer",
            article="条例31",
            note=None,
            now=now,
        )


async def fail_empty(platform: Platform, now: datetime) -> int:
    """The watch's step: an award opened from a report that ranked no candidate (every bid rejected)
    fails by itself (reason ``no_candidates``); how many. Under each award's lock, checked again."""
    actor = Actor.system("awards")
    async with platform.sessions() as s:
        reported = (await s.execute(select(Award.id, Award.candidates).where(Award.state == AwardState.REPORTED))).all()
    failed = 0
    for award_id, candidates in reported:
        if candidates:
            continue
        async with platform.sessions() as s, s.begin():
            a = await lock(s, award_id)
            if a.state is not AwardState.REPORTED or a.candidates:
                continue
            project, lot = await project_lot(s, a)
            reason = FailureReason.NO_CANDIDATES
            await _end(
                s,
                platform.settings,
                actor,
                AwardSeat(a, AwardRole.SYSTEM, project, lot),
                AwardState.FAILED,
                reason=reason.value,
                reason_zh=_REASON_ZH[reason],
                reason_en=_REASON_EN[reason],
                article=ARTICLES[reason] or "法42",
                note=None,
                now=now,
            )
            failed += 1
    return failed
