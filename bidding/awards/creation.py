"""An award opened for each lot whose evaluation report is final (RULES c11: the publicity is due within
3 days of the report). Run by the award watch (:mod:`bidding.awards.jobs`), idempotent: a lot has at
most one award (``awards.lot_id`` is unique), and a report that is final has no award yet only once.

The award copies what the later steps publish, as it was in the final report and the opening record:
the ranked candidates (≤ 3, 条例 53) with price, duration, quality and the promised project manager
with the certificate number (RULES c12, from the bidder's opening form when it declares them), and the
full ranking for the result notices (87号令 69: each loser its own score and rank).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.lifecycle import audit
from bidding.awards.models import Award
from bidding.awards.rules import purchaser_choice_due
from bidding.awards.states import AwardState
from bidding.core.actor import Actor
from bidding.core.holidays import deployment_calendar
from bidding.core.settings import Settings
from bidding.evaluation.models import Evaluation, EvaluationBid
from bidding.evaluation.states import EvaluationState
from bidding.identity.models import Organization
from opening_room.tables import BidOpening

__all__ = ["FORM_KEYS", "open_award", "open_awards"]

log = logging.getLogger(__name__)

#: The opening form's keys the publicity shows (RULES c12), when the lot declares them.
FORM_KEYS: Final = ("duration_days", "quality", "project_manager", "project_manager_certificate")


async def _bids(session: AsyncSession, ev: Evaluation) -> dict[str, dict[str, Any]]:
    """Per bid id: its organisation, name, credit code and opening form."""
    rows = (
        await session.execute(
            select(EvaluationBid, Organization.credit_code, BidOpening.form)
            .join(Organization, Organization.id == EvaluationBid.organization_id)
            .outerjoin(BidOpening, BidOpening.bid_id == EvaluationBid.bid_id)
            .where(EvaluationBid.evaluation_id == ev.id)
        )
    ).all()
    return {
        str(b.bid_id): {
            "organization_id": str(b.organization_id),
            "bidder": b.bidder_name,
            "credit_code": credit,
            "order": b.order_no,
            "price_fen": b.price_fen,
            "review": b.review.value,
            "form": dict(form or {}),
        }
        for b, credit, form in rows
    }


def _candidate(row: dict[str, Any], bid: dict[str, Any]) -> dict[str, Any]:
    form = bid["form"]
    return {
        "rank": row["rank"],
        "bid_id": row["bid_id"],
        "organization_id": bid["organization_id"],
        "bidder": bid["bidder"],
        "credit_code": bid["credit_code"],
        "price_fen": row.get("price_fen") if row.get("price_fen") is not None else bid["price_fen"],
        "total": row.get("total"),
        **{key: form.get(key) for key in FORM_KEYS},
    }


async def open_award(session: AsyncSession, ev: Evaluation, settings: Settings, actor: Actor, now: datetime) -> Award:
    """The award of ``ev``'s lot, ``reported`` (the caller commits). ``ev`` is final."""
    assert ev.state is EvaluationState.FINAL
    assert ev.report is not None
    assert ev.report_sha256 is not None
    report = ev.report
    bids = await _bids(session, ev)
    ranked = {r["bid_id"]: r for r in report.get("ranking", [])}
    gp = bool(report.get("government_procurement"))
    final_at = ev.finalised_at or now
    a = Award(
        lot_id=ev.lot_id,
        project_id=uuid.UUID(report["project"]["id"]),
        evaluation_id=ev.id,
        state=AwardState.REPORTED,
        government_procurement=gp,
        state_controlled=bool(ev.criteria.get("state_controlled", True)),
        report_sha256=ev.report_sha256,
        report_final_at=final_at,
        candidates=[_candidate(c, bids[c["bid_id"]]) for c in report.get("candidates", [])],
        ranking=[
            {
                "bid_id": bid_id,
                "organization_id": bid["organization_id"],
                "bidder": bid["bidder"],
                "order": bid["order"],
                "review": bid["review"],
                "rank": ranked[bid_id]["rank"] if bid_id in ranked else None,
                "total": ranked[bid_id].get("total") if bid_id in ranked else None,
                "price_fen": bid["price_fen"],
            }
            for bid_id, bid in sorted(bids.items(), key=lambda kv: kv[1]["order"])
        ],
        choice_due_on=purchaser_choice_due(final_at, deployment_calendar(settings)) if gp else None,
        state_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(a)
    await session.flush()
    audit(
        session,
        actor,
        a,
        "opened",
        evaluation=str(ev.id),
        report_sha256=ev.report_sha256,
        candidates=[c["bid_id"] for c in a.candidates],
        government_procurement=gp,
    )
    return a


async def open_awards(sessions: Any, settings: Settings, *, now: datetime) -> list[uuid.UUID]:
    """Every final evaluation without an award gets one, each in a transaction of its own; the ids of
    the awards opened. Two watches at once: the second's insert fails on the unique lot and is skipped."""
    actor = Actor.system("awards")
    async with sessions() as session:
        waiting = (
            await session.scalars(
                select(Evaluation.id)
                .outerjoin(Award, Award.evaluation_id == Evaluation.id)
                .where(
                    Evaluation.state == EvaluationState.FINAL,
                    Evaluation.report_sha256.is_not(None),
                    Award.id.is_(None),
                )
            )
        ).all()
    opened: list[uuid.UUID] = []
    for evaluation_id in waiting:
        try:
            async with sessions() as session, session.begin():
                ev = await session.get(Evaluation, evaluation_id)
                assert ev is not None
                opened.append((await open_award(session, ev, settings, actor, now)).id)
        except IntegrityError:
            log.info("evaluation %s: its award was opened by another watch", evaluation_id)
        except Exception:  # one report the award cannot be read from must not stop the others
            log.exception("evaluation %s: no award could be opened from its report", evaluation_id)
    return opened
