"""The message's state machine in the platform's one form: a row per state, only final states end."""

from __future__ import annotations

import itertools

import pytest

from bidding.core.transitions import IllegalTransition, edges, move
from bidding.messaging.states import FINAL, MESSAGE_START, MESSAGE_TRANSITIONS, MessageStatus


def test_every_state_has_its_row_and_only_final_states_have_no_way_out() -> None:
    assert set(MESSAGE_TRANSITIONS) == set(MessageStatus)
    assert {s for s, ends in MESSAGE_TRANSITIONS.items() if not ends} == FINAL


def test_every_state_is_reachable_from_the_start() -> None:
    reached, frontier = {MESSAGE_START}, [MESSAGE_START]
    while frontier:
        for end in MESSAGE_TRANSITIONS[frontier.pop()]:
            if end not in reached:
                reached.add(end)
                frontier.append(end)
    assert reached == set(MessageStatus)


def test_only_the_listed_moves_are_allowed() -> None:
    allowed = edges(MESSAGE_TRANSITIONS)
    assert (MessageStatus.QUEUED, MessageStatus.SENT) not in allowed  # never sent without a claimed attempt
    assert (MessageStatus.FAILED, MessageStatus.QUEUED) not in allowed  # failed is final
    for start, end in itertools.product(MessageStatus, repeat=2):
        if (start, end) in allowed:
            assert move(MESSAGE_TRANSITIONS, start, end, what="message") is end
        else:
            with pytest.raises(IllegalTransition):
                move(MESSAGE_TRANSITIONS, start, end, what="message")
