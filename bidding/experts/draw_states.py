"""The states of an expert draw and of its seats, and who may do what in which state (issue 19;
RULES b3, b5, b6, b7; ``docs/expert-draws.md``). Pure: tables only, in the form of
``opening_room/states.py``.

One draw (a committee asked for one or more lots of a project)::

    requested ──commit (the job at the draw time, or the agent's "draw now")──▶ committed ──draw──▶ inviting
        │  │                                        │                                           │  ▲
        │  └──agent cancels──▶ cancelled            └──pool short (规定 10)──▶ failed             │  │ top-up (补抽)
        └──pool short at the commitment──▶ failed                                                │  │
                                                         every seat accepted ◀────────────────────┘  │
    inviting ──every seat accepted──▶ complete ──the report is final (or the supervisor)──▶ final     │
    complete ──a member recuses at the evaluation: the next backup is invited──▶ inviting
    inviting ──a specialty's backups ran out and the top-up pool is short──▶ short ──agent: top-up──┘
    short ──agent cancels──▶ cancelled

``final``, ``cancelled`` and ``failed`` end it. A top-up (补抽, 198号 §17; RULES b3 "replacements are
drawn the same way") is a further verifiable round chained to the previous one, made automatically
when a specialty's backups run out, and again by the agent from ``short`` once the pool has changed.

One seat (a place in the result: seated or backup)::

    reserve (a backup) ──its turn comes──▶ invited ──accepts──▶ accepted ──signs in on the day──▶ (accepted)
                                              │ ──declines──▶ declined
                                              │ ──no answer in time──▶ timed_out
    reserve / invited ──the draw ends without it (cancelled, final)──▶ released
    accepted ──declares a conflict at the evaluation (条例 46)──▶ recused (the next backup is called)

A decline or a time-out calls the next ``reserve`` of the same specialty (seats and backups in the
ranking order of ``bidding.experts.draw``); the move ``invited → declined | timed_out`` is one
conditional UPDATE, so a reply and a time-out racing seat one backup only.
"""

from __future__ import annotations

import enum
from typing import Final

from bidding.core.transitions import Transitions, permitted

__all__ = [
    "COMMANDS",
    "DRAW_FINAL",
    "DRAW_TRANSITIONS",
    "SEAT_FINAL",
    "SEAT_TRANSITIONS",
    "DrawRole",
    "DrawStatus",
    "SeatKind",
    "SeatStatus",
    "allowed",
]


class DrawStatus(enum.StrEnum):
    REQUESTED = "requested"  # asked for; waits for the draw time and the opening's record
    COMMITTED = "committed"  # pool and server seed committed and published; the draw follows
    INVITING = "inviting"  # drawn; invitations out, not every seat accepted yet
    COMPLETE = "complete"  # every seat accepted
    SHORT = "short"  # a specialty cannot be filled: backups and the top-up pool ran out (alerted)
    FINAL = "final"  # the result is final: the server seed is revealed (DRAW.json published)
    CANCELLED = "cancelled"
    FAILED = "failed"  # the eligible pool could not fill the seats at the draw


DRAW_FINAL: Final = frozenset({DrawStatus.FINAL, DrawStatus.CANCELLED, DrawStatus.FAILED})

DRAW_TRANSITIONS: Final[Transitions[DrawStatus]] = {
    DrawStatus.REQUESTED: frozenset({DrawStatus.COMMITTED, DrawStatus.CANCELLED, DrawStatus.FAILED}),
    DrawStatus.COMMITTED: frozenset({DrawStatus.INVITING, DrawStatus.FAILED}),
    DrawStatus.INVITING: frozenset({DrawStatus.COMPLETE, DrawStatus.SHORT}),
    # a member recused at the evaluation (条例 46): the next backup is invited
    DrawStatus.COMPLETE: frozenset({DrawStatus.FINAL, DrawStatus.INVITING}),
    DrawStatus.SHORT: frozenset({DrawStatus.INVITING, DrawStatus.CANCELLED}),
    DrawStatus.FINAL: frozenset(),
    DrawStatus.CANCELLED: frozenset(),
    DrawStatus.FAILED: frozenset(),
}


class SeatKind(enum.StrEnum):
    SEAT = "seat"  # drawn to sit
    BACKUP = "backup"  # drawn in reserve, called in ranking order


class SeatStatus(enum.StrEnum):
    RESERVE = "reserve"
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"
    RELEASED = "released"
    RECUSED = "recused"  # accepted, then declared a conflict at the evaluation (条例 46): replaced


#: The seats that no move leaves (an accepted seat may still be recused at the evaluation).
SEAT_FINAL: Final = frozenset({SeatStatus.DECLINED, SeatStatus.TIMED_OUT, SeatStatus.RELEASED, SeatStatus.RECUSED})

SEAT_TRANSITIONS: Final[Transitions[SeatStatus]] = {
    SeatStatus.RESERVE: frozenset({SeatStatus.INVITED, SeatStatus.RELEASED}),
    SeatStatus.INVITED: frozenset(
        {SeatStatus.ACCEPTED, SeatStatus.DECLINED, SeatStatus.TIMED_OUT, SeatStatus.RELEASED}
    ),
    SeatStatus.ACCEPTED: frozenset({SeatStatus.RECUSED}),
    SeatStatus.RECUSED: frozenset(),
    SeatStatus.DECLINED: frozenset(),
    SeatStatus.TIMED_OUT: frozenset(),
    SeatStatus.RELEASED: frozenset(),
}


class DrawRole(enum.StrEnum):
    """Who acts on a draw: the project's agent or tenderer (the requester), a drawn expert, the
    supervisor, the public, and the platform's own jobs."""

    REQUESTER = "requester"
    EXPERT = "expert"
    SUPERVISOR = "supervisor"
    PUBLIC = "public"
    SYSTEM = "system"


_LIVE: Final = frozenset(set(DrawStatus) - {DrawStatus.REQUESTED, DrawStatus.CANCELLED})
_ALL: Final = frozenset(DrawStatus)

#: Command → (roles that may send it, states it is allowed in). Reads are listed with what they show.
COMMANDS: Final[dict[str, tuple[frozenset[DrawRole], frozenset[DrawStatus]]]] = {
    # the requester
    "cancel": (frozenset({DrawRole.REQUESTER}), frozenset({DrawStatus.REQUESTED, DrawStatus.SHORT})),
    "draw_now": (frozenset({DrawRole.REQUESTER}), frozenset({DrawStatus.REQUESTED})),
    "top_up": (frozenset({DrawRole.REQUESTER}), frozenset({DrawStatus.SHORT})),
    "progress": (frozenset({DrawRole.REQUESTER, DrawRole.SUPERVISOR}), _ALL),  # counts only
    # the platform's jobs
    "commit": (frozenset({DrawRole.SYSTEM, DrawRole.REQUESTER}), frozenset({DrawStatus.REQUESTED})),
    "draw": (frozenset({DrawRole.SYSTEM, DrawRole.REQUESTER}), frozenset({DrawStatus.COMMITTED})),
    "time_out": (frozenset({DrawRole.SYSTEM}), frozenset({DrawStatus.INVITING, DrawStatus.SHORT})),
    # a drawn expert (their own invitation only)
    "answer": (frozenset({DrawRole.EXPERT}), frozenset({DrawStatus.INVITING, DrawStatus.SHORT})),
    "sign_in": (frozenset({DrawRole.EXPERT}), frozenset({DrawStatus.COMPLETE, DrawStatus.FINAL})),
    # a seated expert declares a conflict at the evaluation (条例 46): the next backup is invited
    "recuse": (frozenset({DrawRole.EXPERT}), frozenset({DrawStatus.COMPLETE, DrawStatus.INVITING, DrawStatus.SHORT})),
    # the supervisor
    "supervise": (frozenset({DrawRole.SUPERVISOR}), _ALL),  # request, commitments, exclusions, record, verification
    "finalise": (frozenset({DrawRole.SUPERVISOR, DrawRole.SYSTEM}), frozenset({DrawStatus.COMPLETE})),
    # everyone
    "commitments": (frozenset(DrawRole), _LIVE),  # once committed (a draw failed at its commitment has none)
    "record": (frozenset(DrawRole), frozenset({DrawStatus.FINAL})),
}


def allowed(command: str, role: DrawRole, status: DrawStatus) -> bool:
    """Whether ``role`` may ``command`` a draw in ``status`` (the table above).

    >>> allowed("finalise", DrawRole.SUPERVISOR, DrawStatus.COMPLETE)
    True
    >>> allowed("finalise", DrawRole.REQUESTER, DrawStatus.COMPLETE)
    False
    """
    return permitted(COMMANDS, command, role, status)
