"""The snapshot's readings of announcements and awards that need no database: each lot's deadline as
of a moment (the tender's, then each move, 条例 21), when a lot's award ended, and which termination
notice ends the whole tender."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from bidding.awards.models import Award
from bidding.awards.states import AwardState
from bidding.opendata.snapshot import _deadlines, end_of, is_tender_termination
from bidding.tendering.models import Announcement, Lot, Project
from bidding.tendering.rules.announcements import AnnouncementKind

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _announcement(kind: AnnouncementKind, at: datetime, **details: object) -> Announcement:
    return Announcement(id=uuid.uuid4(), kind=kind, title="t", body="b", published_at=at, details=dict(details))


def test_deadlines_follow_the_tender_then_each_move() -> None:
    first, moved = T0 + timedelta(days=20), T0 + timedelta(days=27)
    project = Project(lots=[Lot(code="A", bid_deadline=moved), Lot(code="B", bid_deadline=first)])
    tender = _announcement(AnnouncementKind.TENDER, T0, deadlines={"A": first.isoformat(), "B": first.isoformat()})
    amendment = _announcement(
        AnnouncementKind.AMENDMENT,
        T0 + timedelta(days=3),
        moved_deadlines={"A": {"from": first.isoformat(), "to": moved.isoformat()}},
    )
    # As of the tender: the first deadlines, though lot A's row already holds the moved one.
    assert _deadlines(project, [tender]) == {"A": first, "B": first}
    assert _deadlines(project, [tender, amendment]) == {"A": moved, "B": first}


def test_a_lot_end_is_not_the_tender_termination() -> None:
    tender_end = _announcement(AnnouncementKind.TERMINATION, T0)
    lot_end = _announcement(AnnouncementKind.TERMINATION, T0, award=str(uuid.uuid4()), lot_code="A")
    assert is_tender_termination(tender_end) and not is_tender_termination(lot_end)
    assert not is_tender_termination(_announcement(AnnouncementKind.AMENDMENT, T0))


def test_end_of_an_award() -> None:
    at = T0 + timedelta(days=40)
    notice = _announcement(AnnouncementKind.TERMINATION, at + timedelta(seconds=1))
    running = Award(state=AwardState.PUBLICITY, state_at=T0, ended=None)
    assert end_of(running, {}) is None
    recorded = Award(state=AwardState.FAILED, state_at=T0, ended={"at": at.isoformat()})
    assert end_of(recorded, {}) == at
    by_notice = Award(state=AwardState.FAILED, state_at=T0, ended={"announcement_id": str(notice.id)})
    assert end_of(by_notice, {notice.id: notice}) == notice.published_at
    bare = Award(state=AwardState.TERMINATED, state_at=at, ended=None)
    assert end_of(bare, {}) == at
