"""The states of a sealed package on its way in (an upload) and of the bid it becomes (办法 26, 27),
and the moves between them; the rules that make the moves are in ``bidding.submission.service``.

An upload::

    (started) ──▶ open ──last byte before the deadline (arrive)──▶ completing ──verified, stored, recorded──▶ completed
                   │                                                 │
                   │ first chunk not a sealed package,               │ refused by the verification, storing failed,
                   │ or idle too long (error = abandoned)            │ or not decided in time (upload_not_decided)
                   ▼                                                 ▼
                rejected ◀───────────────────────────────────────────┘

A bid (one version of a bidder's package for a lot; the version whose last byte arrived last counts)::

    (recorded) ──▶ active ──a version whose last byte came later is recorded──▶ replaced
                     │
                     └──the bidder withdraws before the deadline (撤回)──▶ withdrawn
    (recorded while a version whose last byte came later is active) ──▶ replaced
"""

from __future__ import annotations

import enum
from typing import Final

from bidding.core.transitions import Transitions


class UploadMode(enum.StrEnum):
    CHUNKED = "chunked"  # chunk by chunk through the API
    DIRECT = "direct"  # in one piece straight to the store, through a signed URL


class UploadStatus(enum.StrEnum):
    OPEN = "open"  # takes bytes
    COMPLETING = "completing"  # last byte in before the deadline (decided under the lot's lock); being verified
    COMPLETED = "completed"  # a bid (``bid_id``)
    REJECTED = "rejected"  # refused; ``error`` says why


UPLOAD_START: Final = UploadStatus.OPEN

UPLOAD_TRANSITIONS: Final[Transitions[UploadStatus]] = {
    UploadStatus.OPEN: frozenset({UploadStatus.COMPLETING, UploadStatus.REJECTED}),
    UploadStatus.COMPLETING: frozenset({UploadStatus.COMPLETED, UploadStatus.REJECTED}),
    UploadStatus.COMPLETED: frozenset(),
    UploadStatus.REJECTED: frozenset(),
}

#: States in which an upload's staged bytes are still needed.
UPLOAD_IN_USE: Final = frozenset({UploadStatus.OPEN, UploadStatus.COMPLETING})


class BidStatus(enum.StrEnum):
    ACTIVE = "active"  # the version that counts (at most one per bidder and lot)
    REPLACED = "replaced"  # a version whose last byte came before the active one's
    WITHDRAWN = "withdrawn"  # withdrawn by the bidder before the deadline (撤回, 办法 27)


#: The states a version may be recorded in.
BID_START: Final = frozenset({BidStatus.ACTIVE, BidStatus.REPLACED})

BID_TRANSITIONS: Final[Transitions[BidStatus]] = {
    BidStatus.ACTIVE: frozenset({BidStatus.REPLACED, BidStatus.WITHDRAWN}),
    BidStatus.REPLACED: frozenset(),
    BidStatus.WITHDRAWN: frozenset(),
}
