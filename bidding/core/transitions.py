"""State machines in one form: the states are a ``StrEnum`` (stored as VARCHAR with a database CHECK
constraint listing them), and the moves are a mapping from each state to the states it may become,
drawn as a diagram in its module's docstring (``opening_room/states.py`` is the model).

A service changes a row's state only through :func:`move`, so a move the table does not list is
refused in words (:class:`IllegalTransition`) before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from bidding.core.errors import Conflict

S = TypeVar("S", bound=StrEnum)

Transitions = Mapping[S, frozenset[S]]
"""State → the states it may move to (a final state maps to the empty set)."""

R = TypeVar("R", bound=StrEnum)


def permitted(commands: Mapping[str, tuple[frozenset[R], frozenset[S]]], command: str, role: R, state: S) -> bool:
    """Whether ``role`` may send ``command`` in ``state``, by a command table (command → the roles that
    may send it, the states it is allowed in) such as ``bidding.evaluation.states.COMMANDS``."""
    roles, states = commands[command]
    return role in roles and state in states


class IllegalTransition(Conflict):
    """A state change its machine does not allow: something else changed the row first."""

    code = "illegal_transition"
    message_zh = "当前状态不允许该变更"
    message_en = "This change is not allowed in the current state"


def move(transitions: Transitions[S], current: S, to: S, *, what: str) -> S:
    """``to``, if ``transitions`` lets ``current`` become it; otherwise :class:`IllegalTransition`
    naming ``what`` (e.g. ``"upload 4f…"``) and both states.

    >>> from bidding.submission.states import UPLOAD_TRANSITIONS, UploadStatus
    >>> move(UPLOAD_TRANSITIONS, UploadStatus.OPEN, UploadStatus.COMPLETING, what="upload")
    <UploadStatus.COMPLETING: 'completing'>
    """
    if to not in transitions[current]:
        raise IllegalTransition(
            f"{what} is {current.value} and cannot become {to.value}",
            f"{what} 当前为 {current.value}，不能变为 {to.value}",
            details=[{"from": current.value, "to": to.value}],
        )
    return to


def edges(transitions: Transitions[S]) -> frozenset[tuple[S, S]]:
    """Every allowed move as a (from, to) pair."""
    return frozenset((start, end) for start, ends in transitions.items() for end in ends)
