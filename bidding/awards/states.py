"""The states of one lot's award (定标, issue 21; RULES c11–c16; ``docs/awards.md``), and who may do
what in which state. Pure: tables only, in the form of ``opening_room/states.py``.

One lot's award, created when its evaluation report is final::

    reported ──publicity published (≤ 3 days, 条例 54)──▶ publicity ──an objection (异议)──▶ suspended
        │                                                  │  ▲                              │
        │                                                  │  └──every objection answered,──┘
        │                                                  │     the publicity still open
        │                                  3 full days passed (no early close)
        │                                                  ▼
        └──government procurement (no publicity)──▶ awaiting_choice ◀──every objection answered,
                                                           │             the publicity over
                     the tenderer chooses (条例 55; 87号令: else rank 1 deemed chosen, 视同排名第一)
                                                           ▼
                              awarded (the award notice and every result notice sent in one batch)
                                   │      └──the winner refuses or gives no security (条例 55):
                                   │         back to awaiting_choice for the next candidate
                      the signed contract uploaded (≤ 30 days, 法 46)
                                                           ▼
                                                      contracted ──report filed, refunds paid──▶ closed

    any state before contracted ──▶ failed (流标: no candidate left, re-tender)
                                └─▶ terminated (the tenderer ends the tender, 条例 31)

``suspended`` is the "暂停" of RULES (d) check 4: while any objection is unanswered nothing moves on
(:func:`bidding.awards.rules.award_suspended`). ``closed``, ``failed`` and ``terminated`` are final.
"""

from __future__ import annotations

import enum
from typing import Final

from bidding.core.transitions import Transitions, permitted

__all__ = [
    "AWARD_TRANSITIONS",
    "BEFORE_CONTRACT",
    "COMMANDS",
    "FINAL",
    "AwardRole",
    "AwardState",
    "ComplaintStatus",
    "NoticeKind",
    "allowed",
]


class AwardState(enum.StrEnum):
    REPORTED = "reported"  # the report is final; the publicity is due within 3 days
    PUBLICITY = "publicity"  # 中标候选人公示: candidates published, objections open
    SUSPENDED = "suspended"  # 暂停: an objection is unanswered (条例 54)
    AWAITING_CHOICE = "awaiting_choice"  # the publicity closed: the tenderer chooses the winner
    AWARDED = "awarded"  # award notice and result notices sent (办法 36–37; 法 45)
    CONTRACTED = "contracted"  # the signed contract is uploaded (法 46)
    CLOSED = "closed"  # report filed, refunds done: the project may be archived
    FAILED = "failed"  # 流标: no winner, re-tender
    TERMINATED = "terminated"  # the tenderer ended the tender


class ComplaintStatus(enum.StrEnum):
    """A complaint to the supervisor (条例 60–61)."""

    RECEIVED = "received"  # acceptance due within 3 working days
    ACCEPTED = "accepted"  # decision due within 30 working days of acceptance
    REFUSED = "refused"  # not accepted (out of time, not an interested party…), with the reason
    DECIDED = "decided"  # the decision, with its text


class NoticeKind(enum.StrEnum):
    AWARD = "award"  # 中标通知书, to the winner
    RESULT = "result"  # 中标结果通知书, to each loser


_ENDS: Final = frozenset({AwardState.FAILED, AwardState.TERMINATED})

AWARD_TRANSITIONS: Final[Transitions[AwardState]] = {
    AwardState.REPORTED: frozenset({AwardState.PUBLICITY, AwardState.AWAITING_CHOICE}) | _ENDS,
    AwardState.PUBLICITY: frozenset({AwardState.SUSPENDED, AwardState.AWAITING_CHOICE}) | _ENDS,
    AwardState.SUSPENDED: frozenset({AwardState.PUBLICITY, AwardState.AWAITING_CHOICE}) | _ENDS,
    AwardState.AWAITING_CHOICE: frozenset({AwardState.AWARDED}) | _ENDS,
    AwardState.AWARDED: frozenset({AwardState.CONTRACTED, AwardState.AWAITING_CHOICE}) | _ENDS,
    AwardState.CONTRACTED: frozenset({AwardState.CLOSED}),
    AwardState.CLOSED: frozenset(),
    AwardState.FAILED: frozenset(),
    AwardState.TERMINATED: frozenset(),
}

#: The states with no way out.
FINAL: Final = frozenset({AwardState.CLOSED, AwardState.FAILED, AwardState.TERMINATED})
#: Before the contract: a tender may still fail (流标) or be terminated.
BEFORE_CONTRACT: Final = frozenset(
    {
        AwardState.REPORTED,
        AwardState.PUBLICITY,
        AwardState.SUSPENDED,
        AwardState.AWAITING_CHOICE,
        AwardState.AWARDED,
    }
)
#: Something has been published: the publicity, then the result.
_PUBLISHED: Final = frozenset(set(AwardState) - {AwardState.REPORTED})
_NOTIFIED: Final = frozenset({AwardState.AWARDED, AwardState.CONTRACTED, AwardState.CLOSED})
_ALL: Final = frozenset(AwardState)


class AwardRole(enum.StrEnum):
    """Who acts on an award."""

    TENDERER = "tenderer"  # 招标人 (government procurement: 采购人): answers objections, chooses, signs
    AGENT = "agent"  # 招标代理机构: publishes and sends on the tenderer's behalf
    BIDDER = "bidder"  # a candidate or another bidder: objects, complains, reads its own notice
    SUPERVISOR = "supervisor"  # 行政监督部门: reads everything, handles complaints
    SYSTEM = "system"  # the platform's clocks: publishes, closes the publicity, deems rank 1
    PUBLIC = "public"  # anyone: the announcements on the portal


_PROJECT: Final = frozenset({AwardRole.TENDERER, AwardRole.AGENT})
_SUPERVISOR: Final = frozenset({AwardRole.SUPERVISOR})

#: Command → (roles that may send it, states it is allowed in).
COMMANDS: Final[dict[str, tuple[frozenset[AwardRole], frozenset[AwardState]]]] = {
    # the publicity: published automatically from the final report, or by the agent before the clock
    "publish_publicity": (frozenset({AwardRole.SYSTEM, AwardRole.AGENT}), frozenset({AwardState.REPORTED})),
    "view_announcements": (frozenset(AwardRole), _PUBLISHED),
    "raise_objection": (
        frozenset({AwardRole.BIDDER}),
        frozenset({AwardState.PUBLICITY, AwardState.SUSPENDED}),
    ),  # only during the publicity (条例 54): the window is checked by rules.check_objection_time
    "answer_objection": (_PROJECT, frozenset({AwardState.SUSPENDED})),
    "close_publicity": (frozenset({AwardRole.SYSTEM}), frozenset({AwardState.PUBLICITY})),
    # the choice (条例 55; 87号令: the purchaser, else rank 1 deemed chosen by the system)
    "choose_winner": (frozenset({AwardRole.TENDERER}), frozenset({AwardState.AWAITING_CHOICE})),
    "deem_first": (frozenset({AwardRole.SYSTEM}), frozenset({AwardState.AWAITING_CHOICE})),
    "send_notices": (_PROJECT, frozenset({AwardState.AWAITING_CHOICE})),  # one batch: winner and losers
    "read_own_notice": (frozenset({AwardRole.BIDDER}), _NOTIFIED),
    "winner_withdraws": (_PROJECT, frozenset({AwardState.AWARDED})),  # refused or no security (条例 55)
    "upload_contract": (_PROJECT, frozenset({AwardState.AWARDED})),
    "file_report": (_PROJECT, frozenset({AwardState.AWARDED, AwardState.CONTRACTED})),  # 15 days (法 47)
    "close": (frozenset({AwardRole.SYSTEM}), frozenset({AwardState.CONTRACTED})),
    "declare_failed": (_PROJECT, BEFORE_CONTRACT),  # 流标
    "terminate": (frozenset({AwardRole.TENDERER}), BEFORE_CONTRACT),
    # complaints go to the supervisor (条例 60–61); the 10-day window is checked by the rules
    "file_complaint": (frozenset({AwardRole.BIDDER}), _PUBLISHED),
    "accept_complaint": (_SUPERVISOR, _ALL),
    "decide_complaint": (_SUPERVISOR, _ALL),
    "supervise": (_SUPERVISOR, _ALL),
    "remark": (_SUPERVISOR, _ALL),
}


def allowed(command: str, role: AwardRole, state: AwardState) -> bool:
    """Whether ``role`` may ``command`` an award in ``state`` (the table above).

    >>> allowed("raise_objection", AwardRole.BIDDER, AwardState.PUBLICITY)
    True
    >>> allowed("raise_objection", AwardRole.BIDDER, AwardState.AWAITING_CHOICE)
    False
    >>> allowed("choose_winner", AwardRole.AGENT, AwardState.AWAITING_CHOICE)
    False
    """
    return permitted(COMMANDS, command, role, state)
