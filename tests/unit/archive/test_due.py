"""When a lot is over for the archive's watch (``bidding.archive.service.lot_ended``): its award final
(closed, failed, terminated); without an award, its opening failed or adjourned, or its deadline
passed with no bid; any other lot is still on its way to an award."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bidding.archive.service import lot_ended
from bidding.awards.states import FINAL, AwardState
from opening_room.states import State

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(days=1), NOW + timedelta(days=1)


@pytest.mark.parametrize("state", list(AwardState))
def test_a_lot_with_an_award_is_over_only_when_the_award_is_final(state: AwardState) -> None:
    # whatever the opening and the bids say
    assert lot_ended(state, State.CLOSED, PAST, 3, NOW) is (state in FINAL)
    assert lot_ended(state, None, PAST, 0, NOW) is (state in FINAL)


@pytest.mark.parametrize("state", list(State))
def test_a_lot_without_an_award_is_over_when_its_opening_failed(state: State) -> None:
    assert lot_ended(None, state, PAST, 2, NOW) is (state in (State.FAILED, State.ADJOURNED))


def test_a_lot_nobody_bid_in_is_over_once_its_deadline_passed() -> None:
    assert lot_ended(None, None, PAST, 0, NOW)
    assert lot_ended(None, None, NOW, 0, NOW)  # the deadline is the moment bids end
    assert not lot_ended(None, None, FUTURE, 0, NOW)
    assert not lot_ended(None, None, None, 0, NOW)
    assert not lot_ended(None, None, PAST, 1, NOW)  # bids, no opening yet: on its way
