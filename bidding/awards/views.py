"""The award as each role sees it (issue 21; ``docs/awards.md``): one :class:`AwardView` built by
:func:`award_view` for the project (tenderer, agent), the supervisor (and the auditor), and a bidder of
the lot. The public never reads this view: its pages are the publicity and the result
(``bidding.awards.controllers.publicity``).

What a bidder sees (what is secret, spec §"What is secret"): the candidates only as published (the
publicity, or, in government procurement which has none, the result once the notices are sent), the
winner once the notices are sent, its own rank (government procurement: with its score, 87号令 69)
and its own notice; never the tenderer's reasons for skipping a candidate, nor counts of the other
bidders' objections and complaints.

Other modules import these Structs: keep the fields stable (add, do not rename).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from bidding.awards.models import Award, AwardNotice
from bidding.awards.rules import SkipReason, retender_required
from bidding.awards.states import AwardRole, AwardState
from bidding.tendering.models import Lot, Project

__all__ = [
    "AwardView",
    "CandidateView",
    "ChoiceView",
    "NoticeView",
    "PublicityView",
    "WithdrawnView",
    "award_view",
    "notice_view",
    "withdrawn_reasons",
]


class CandidateView(msgspec.Struct, frozen=True, kw_only=True):
    """A ranked candidate as the publicity shows it (RULES c12)."""

    rank: int
    bid_id: uuid.UUID
    organization_id: uuid.UUID
    bidder: str
    credit_code: str | None
    price_fen: int | None
    total: str | None
    duration_days: str | None
    quality: str | None
    project_manager: str | None
    project_manager_certificate: str | None


class PublicityView(msgspec.Struct, frozen=True, kw_only=True):
    """The candidate publicity (中标候选人公示, 条例 54); all None before it is published."""

    number: str | None
    published_at: datetime | None
    closes_at: datetime | None


class WithdrawnView(msgspec.Struct, frozen=True, kw_only=True):
    """A winner who withdrew after its award notice (条例 55: declined, no performance security …)."""

    rank: int
    bidder: str
    reason: str
    note: str | None
    at: datetime
    batch: int


class ChoiceView(msgspec.Struct, frozen=True, kw_only=True):
    """The tenderer's choice of the winner (条例 55), or rank 1 deemed chosen (视同排名第一, 87号令)."""

    rank: int | None
    winner: CandidateView | None
    #: Why each better rank was skipped (rank → SkipReason); the project and the supervisor only.
    reasons: dict[str, str] | None
    note: str | None
    deemed: bool
    at: datetime | None
    withdrawn: list[WithdrawnView]


class NoticeView(msgspec.Struct, frozen=True, kw_only=True):
    """One notice of a batch: the award notice (kind ``award``) or a result notice (``result``)."""

    id: uuid.UUID
    award_id: uuid.UUID
    batch: int
    #: The notice of an earlier batch whose winner withdrew (条例 55): kept, no longer current.
    superseded: bool
    organization_id: uuid.UUID
    bidder: str
    bid_id: uuid.UUID
    kind: str
    number: str
    rank: int | None
    score: str | None
    sha256: str
    sent_at: datetime
    read_at: datetime | None
    emailed: bool
    pdf_url: str


class AwardView(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /api/awards/{id}``: the award as the caller's role sees it (``role``)."""

    id: uuid.UUID
    role: str
    project_id: uuid.UUID
    project_code: str
    project_name: str
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    state: str
    state_at: datetime
    government_procurement: bool
    state_controlled: bool
    candidates: list[CandidateView]
    publicity: PublicityView
    choice: ChoiceView | None
    #: Government procurement: the purchaser's last day to choose (87号令 68), then rank 1 is deemed.
    choice_due_on: date | None
    notice_batch: int
    notices_sent_at: datetime | None
    contract_due_on: date | None
    report_due_on: date | None
    contracted_at: datetime | None
    report_filed_at: datetime | None
    closed_at: datetime | None
    ended: dict[str, Any] | None
    #: Every candidate is out for a reason of 条例 55: no winner can be chosen, re-tender (流标).
    retender_required: bool
    #: Unanswered objections and complaints not decided (project and supervisor; None for a bidder).
    objections_open: int | None
    complaints_open: int | None
    #: A bidder's own place: its rank (None: not ranked) and, government procurement, its score.
    my_rank: int | None = None
    my_score: str | None = None
    #: A bidder's own notices, newest batch first.
    my_notices: list[NoticeView] = msgspec.field(default_factory=list)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _candidate(c: dict[str, Any]) -> CandidateView:
    return CandidateView(
        rank=int(c["rank"]),
        bid_id=uuid.UUID(str(c["bid_id"])),
        organization_id=uuid.UUID(str(c["organization_id"])),
        bidder=str(c.get("bidder") or ""),
        credit_code=_text(c.get("credit_code")),
        price_fen=int(c["price_fen"]) if c.get("price_fen") is not None else None,
        total=_text(c.get("total")),
        duration_days=_text(c.get("duration_days")),
        quality=_text(c.get("quality")),
        project_manager=_text(c.get("project_manager")),
        project_manager_certificate=_text(c.get("project_manager_certificate")),
    )


def withdrawn_reasons(a: Award) -> dict[int, SkipReason]:
    """The ranks whose winner withdrew, with the reason (条例 55), from ``Award.choice``."""
    return {int(w["rank"]): SkipReason(w["reason"]) for w in (a.choice or {}).get("withdrawn", [])}


def notice_view(n: AwardNotice, a: Award, bidder: str) -> NoticeView:
    return NoticeView(
        id=n.id,
        award_id=n.award_id,
        batch=n.batch,
        superseded=n.batch < a.notice_batch or (n.batch == a.notice_batch and a.state is AwardState.AWAITING_CHOICE),
        organization_id=n.organization_id,
        bidder=bidder,
        bid_id=n.bid_id,
        kind=n.kind.value,
        number=n.number,
        rank=n.rank,
        score=n.score,
        sha256=n.sha256,
        sent_at=n.sent_at,
        read_at=n.read_at,
        emailed=n.message_id is not None,
        pdf_url=f"/api/awards/{n.award_id}/notices/{n.id}.pdf",
    )


def _published(a: Award) -> bool:
    """Whether the candidates are public: the publicity is out, or (no publicity in government
    procurement) the result has been sent."""
    return a.publicity_published_at is not None or a.notices_sent_at is not None


def award_view(
    a: Award,
    project: Project,
    lot: Lot,
    role: AwardRole,
    *,
    objections_open: int | None = None,
    complaints_open: int | None = None,
    caller_org: uuid.UUID | None = None,
    my_notices: list[NoticeView] | None = None,
) -> AwardView:
    """The view of ``a`` for ``role`` (the caller's organisation for a bidder's own rank)."""
    bidder = role is AwardRole.BIDDER
    candidates = [_candidate(c) for c in a.candidates]
    withdrawn = withdrawn_reasons(a)
    shown = candidates if not bidder or _published(a) else []
    choice = None
    if a.choice is not None or a.chosen_rank is not None:
        raw = a.choice or {}
        winner = next((c for c in candidates if c.rank == a.chosen_rank), None)
        choice = ChoiceView(
            rank=a.chosen_rank,
            winner=winner,
            reasons=None if bidder else {str(k): str(v) for k, v in (raw.get("reasons") or {}).items()},
            note=None if bidder else raw.get("note"),
            deemed=bool(raw.get("deemed")),
            at=a.chosen_at,
            withdrawn=[
                WithdrawnView(
                    rank=int(w["rank"]),
                    bidder=str(w.get("bidder") or ""),
                    reason=str(w["reason"]),
                    note=None if bidder else w.get("note"),
                    at=_when(w["at"]),
                    batch=int(w.get("batch") or 0),
                )
                for w in raw.get("withdrawn", [])
            ],
        )
        if bidder and a.notices_sent_at is None:
            choice = None  # the choice reaches the bidders with the notices
        elif bidder and a.state is AwardState.AWAITING_CHOICE:
            choice = ChoiceView(
                rank=None, winner=None, reasons=None, note=None, deemed=False, at=None, withdrawn=choice.withdrawn
            )
    my_rank: int | None = None
    my_score: str | None = None
    if bidder and caller_org is not None:
        mine = next((r for r in a.ranking if str(r.get("organization_id")) == str(caller_org)), None)
        if mine is not None:
            my_rank = mine.get("rank")
            my_score = _text(mine.get("total")) if a.government_procurement else None
    return AwardView(
        id=a.id,
        role=role.value,
        project_id=project.id,
        project_code=project.code,
        project_name=project.name,
        lot_id=lot.id,
        lot_code=lot.code,
        lot_name=lot.name,
        state=a.state.value,
        state_at=a.state_at,
        government_procurement=a.government_procurement,
        state_controlled=a.state_controlled,
        candidates=shown,
        publicity=PublicityView(
            number=a.publicity_number, published_at=a.publicity_published_at, closes_at=a.publicity_closes_at
        ),
        choice=choice,
        choice_due_on=a.choice_due_on,
        notice_batch=a.notice_batch,
        notices_sent_at=a.notices_sent_at,
        contract_due_on=a.contract_due_on,
        report_due_on=a.report_due_on,
        contracted_at=a.contracted_at,
        report_filed_at=a.report_filed_at,
        closed_at=a.closed_at,
        ended=a.ended,
        retender_required=not a.candidates or retender_required(a.candidates, withdrawn),
        objections_open=None if bidder else objections_open,
        complaints_open=None if bidder else complaints_open,
        my_rank=my_rank,
        my_score=my_score,
        my_notices=list(my_notices or []),
    )


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
