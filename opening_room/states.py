"""The states of one lot's opening session (《电子招标投标办法》第二十九至三十二条) and who may do what.

::

    waiting ──deadline──┬──≥ 3 bids──▶ bidders_published ──host──▶ decrypting ⇄ paused (host pauses, resumes)
                        ├──< 3 bids──▶ extracted ──host continues (条例 44)──▶ bidders_published
                        │                 └──host stops──▶ failed
                        └──the tender was terminated──▶ failed
    decrypting or paused ──window closes / host──▶ announced (唱标) ──▶ objections ──host──▶ signing ──host──▶ closed
    any state before closed ──host──▶ adjourned

One extracted bid at the opening (办法 30, 31)::

    pending ──its bidder's data key opens the form──▶ decrypted
       │                                                ▲
       │ window closes: outcome revoked                 │ its bidder decrypts it still, within the window:
       │ host declares a platform fault:                │ the remedy the tender documents define
       ▼ outcome withdrawn                              │
    failed ─────────────────────────────────────────────┘
       └──▶ failed (a platform fault declared again)

Revoked is 视为撤销 (the bidder's fault), withdrawn 视为撤回 (anyone else's).
"""

from __future__ import annotations

import enum
from typing import Final

from bidding.core.transitions import Transitions


class State(enum.StrEnum):
    WAITING = "waiting"
    EXTRACTED = "extracted"  # bids counted; fewer than 3 needs the host's decision (条例 44)
    BIDDERS_PUBLISHED = "bidders_published"
    DECRYPTING = "decrypting"
    PAUSED = "paused"
    ANNOUNCED = "announced"  # 唱标 done
    OBJECTIONS = "objections"
    SIGNING = "signing"  # the record awaits the bidders' signatures
    CLOSED = "closed"
    FAILED = "failed"
    ADJOURNED = "adjourned"


FINAL: Final = frozenset({State.CLOSED, State.FAILED, State.ADJOURNED})
MIN_BIDS: Final = 3

#: State → the states a session may move to (the diagram above). ``announced`` is passed through
#: within one transaction (唱标, then the objections open), but the commands allowed in it may leave it.
TRANSITIONS: Final[Transitions[State]] = {
    State.WAITING: frozenset({State.EXTRACTED, State.BIDDERS_PUBLISHED, State.FAILED, State.ADJOURNED}),
    State.EXTRACTED: frozenset({State.BIDDERS_PUBLISHED, State.FAILED, State.ADJOURNED}),
    State.BIDDERS_PUBLISHED: frozenset({State.DECRYPTING, State.ADJOURNED}),
    State.DECRYPTING: frozenset({State.PAUSED, State.ANNOUNCED, State.ADJOURNED}),
    State.PAUSED: frozenset({State.DECRYPTING, State.ANNOUNCED, State.ADJOURNED}),
    State.ANNOUNCED: frozenset({State.OBJECTIONS, State.SIGNING, State.ADJOURNED}),
    State.OBJECTIONS: frozenset({State.SIGNING, State.ADJOURNED}),
    State.SIGNING: frozenset({State.CLOSED, State.ADJOURNED}),
    State.CLOSED: frozenset(),
    State.FAILED: frozenset(),
    State.ADJOURNED: frozenset(),
}


class BidOpeningStatus(enum.StrEnum):
    """How one extracted bid fares at the opening."""

    PENDING = "pending"  # not decrypted yet
    DECRYPTED = "decrypted"  # its opening form is open and its signature verified
    FAILED = "failed"  # not decrypted; the outcome says whose fault (办法 31)


class BidOpeningOutcome(enum.StrEnum):
    """Why a bid was not decrypted (办法 31)."""

    REVOKED = "revoked"  # the bidder's fault: deemed revoked (视为撤销)
    WITHDRAWN = "withdrawn"  # not the bidder's fault: deemed withdrawn (视为撤回)


BID_OPENING_TRANSITIONS: Final[Transitions[BidOpeningStatus]] = {
    BidOpeningStatus.PENDING: frozenset({BidOpeningStatus.DECRYPTED, BidOpeningStatus.FAILED}),
    BidOpeningStatus.FAILED: frozenset({BidOpeningStatus.DECRYPTED, BidOpeningStatus.FAILED}),
    BidOpeningStatus.DECRYPTED: frozenset(),
}


class Role(enum.StrEnum):
    PUBLIC = "public"
    BIDDER = "bidder"
    HOST = "host"
    SUPERVISOR = "supervisor"


#: Command → (roles that may send it, states it is allowed in).
COMMANDS: Final[dict[str, tuple[frozenset[Role], frozenset[State]]]] = {
    "sign_in": (
        frozenset({Role.BIDDER}),
        frozenset({State.WAITING, State.EXTRACTED, State.BIDDERS_PUBLISHED, State.DECRYPTING, State.PAUSED}),
    ),
    "continue": (frozenset({Role.HOST}), frozenset({State.EXTRACTED})),
    "stop": (frozenset({Role.HOST}), frozenset({State.EXTRACTED})),
    "start_decryption": (frozenset({Role.HOST}), frozenset({State.BIDDERS_PUBLISHED})),
    "pause": (frozenset({Role.HOST}), frozenset({State.DECRYPTING})),
    "resume": (frozenset({Role.HOST}), frozenset({State.PAUSED})),
    "extend": (frozenset({Role.HOST}), frozenset({State.DECRYPTING, State.PAUSED})),
    "get_envelope": (frozenset({Role.BIDDER}), frozenset({State.DECRYPTING})),
    "decrypt": (frozenset({Role.BIDDER}), frozenset({State.DECRYPTING})),
    "close_decryption": (frozenset({Role.HOST}), frozenset({State.DECRYPTING, State.PAUSED})),
    "platform_fault": (frozenset({Role.HOST}), frozenset({State.DECRYPTING, State.PAUSED})),
    "raise_objection": (frozenset({Role.BIDDER}), frozenset({State.ANNOUNCED, State.OBJECTIONS})),
    "answer_objection": (frozenset({Role.HOST}), frozenset({State.ANNOUNCED, State.OBJECTIONS})),
    "close_objections": (frozenset({Role.HOST}), frozenset({State.ANNOUNCED, State.OBJECTIONS})),
    "prepare_record_signature": (frozenset({Role.BIDDER}), frozenset({State.SIGNING})),
    "sign_record": (frozenset({Role.BIDDER}), frozenset({State.SIGNING})),
    "close": (frozenset({Role.HOST}), frozenset({State.SIGNING})),
    "adjourn": (frozenset({Role.HOST}), frozenset(set(State) - FINAL)),
    "remark": (frozenset({Role.SUPERVISOR}), frozenset(set(State))),
}
