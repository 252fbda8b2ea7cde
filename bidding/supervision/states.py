"""The states of a supervision order (电子督办单; RULES d check 2): opened by a red alert, answered
by the party responsible, closed by a supervisor with a reason — never deleted."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["OrderState"]


class OrderState(StrEnum):
    OPEN = "open"  # waiting for the answer of the party responsible
    ANSWERED = "answered"  # answered: the supervisor closes it
    CLOSED = "closed"  # closed by a supervisor with a reason; for good
