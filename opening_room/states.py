"""The states of one lot's opening session (《电子招标投标办法》第二十九至三十二条) and who may do what.

::

    waiting ──deadline──▶ extracted ──(≥3 bids)──▶ bidders_published ──host──▶ decrypting ⇄ paused
                            │ (<3: host decides: continue ▶ bidders_published, or stop ▶ failed)
    decrypting ──window closes / host──▶ announced (唱标) ──▶ objections ──host──▶ signing ──host──▶ closed
    any state before closed ──host──▶ adjourned
"""

from __future__ import annotations

import enum
from typing import Final


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
