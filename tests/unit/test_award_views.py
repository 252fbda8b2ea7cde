"""What each role sees of an award (:func:`bidding.awards.views.award_view`): a bidder sees the
candidates only once published, the choice only with the notices and never the tenderer's reasons or
note, its own rank always and its own score only in government procurement (87号令 69); the project and
the supervisor see everything. ``retender_required`` once every candidate withdrew (条例 55)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bidding.awards.models import Award
from bidding.awards.states import AwardRole, AwardState
from bidding.awards.views import award_view
from bidding.tendering.models import Lot, Project

T = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ORGS = [uuid.uuid4() for _ in range(3)]
BIDS = [uuid.uuid4() for _ in range(3)]


def _award(**changes: Any) -> tuple[Award, Project, Lot]:
    project = Project(id=uuid.uuid4(), code="FZ-2026-0001", name="示例工程")
    lot = Lot(id=uuid.uuid4(), project_id=project.id, code="BD01", name="第一标段")
    a = Award(
        id=uuid.uuid4(),
        lot_id=lot.id,
        project_id=project.id,
        state=AwardState.AWAITING_CHOICE,
        government_procurement=False,
        state_controlled=True,
        report_final_at=T,
        candidates=[
            {
                "rank": i + 1,
                "bid_id": str(BIDS[i]),
                "organization_id": str(ORGS[i]),
                "bidder": f"投标人{i + 1}",
                "credit_code": None,
                "price_fen": 100_00 * (i + 1),
                "total": f"{90 - i}.50",
            }
            for i in range(3)
        ],
        ranking=[
            {"bid_id": str(BIDS[i]), "organization_id": str(ORGS[i]), "rank": i + 1, "total": f"{90 - i}.50"}
            for i in range(3)
        ],
        notice_batch=0,
        state_at=T,
        publicity_published_at=None,
        notices_sent_at=None,
        choice=None,
        chosen_rank=None,
    )
    for key, value in changes.items():
        setattr(a, key, value)
    return a, project, lot


def test_a_bidder_sees_nothing_unpublished_and_never_the_reasons() -> None:
    a, project, lot = _award(
        chosen_rank=2,
        chosen_at=T,
        choice={"reasons": {"1": "declined"}, "note": "内部说明", "deemed": False, "withdrawn": []},
    )
    bidder = award_view(a, project, lot, AwardRole.BIDDER, objections_open=2, caller_org=ORGS[2])
    assert (bidder.candidates, bidder.choice, bidder.my_rank, bidder.my_score) == ([], None, 3, None)
    assert (bidder.objections_open, bidder.complaints_open) == (None, None)
    tenderer = award_view(a, project, lot, AwardRole.TENDERER, objections_open=2, complaints_open=0)
    assert tenderer.choice is not None and tenderer.choice.reasons == {"1": "declined"}
    assert tenderer.choice.note == "内部说明" and len(tenderer.candidates) == 3 and tenderer.objections_open == 2

    a.publicity_published_at = T
    a.notices_sent_at = T + timedelta(days=5)
    a.state = AwardState.AWARDED
    a.government_procurement = True
    after = award_view(a, project, lot, AwardRole.BIDDER, caller_org=ORGS[2])
    assert len(after.candidates) == 3 and after.my_score == "88.50"
    assert after.choice is not None and after.choice.rank == 2 and after.choice.winner is not None
    assert (after.choice.reasons, after.choice.note) == (None, None)


def test_retender_required_once_every_candidate_withdrew() -> None:
    withdrawn = [
        {"rank": r, "bidder": f"投标人{r}", "reason": "declined", "note": None, "at": T.isoformat(), "batch": r}
        for r in (1, 2)
    ]
    a, project, lot = _award(choice={"withdrawn": withdrawn})
    assert award_view(a, project, lot, AwardRole.AGENT).retender_required is False
    a.choice = {"withdrawn": [*withdrawn, {**withdrawn[0], "rank": 3, "reason": "no_performance_security"}]}
    view = award_view(a, project, lot, AwardRole.SUPERVISOR)
    assert view.retender_required is True
    assert view.choice is not None and [w.rank for w in view.choice.withdrawn] == [1, 2, 3]
