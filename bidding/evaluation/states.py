"""The states of one lot's evaluation (评标) and of its members, and who may do what in which state
(issue 20; RULES c1–c10; ``docs/evaluation.md``). Pure: tables only, in the form of
``opening_room/states.py``.

One lot's evaluation (created when the first drawn expert signs in after the opening closed)::

    convening ──every seat sitting (declared, no conflict) and a chair elected──▶ preliminary
        ▲  │                                                                        │
        │  └─ a member declares a conflict: recused, the next backup is called ─────┤ (any state before reporting)
        │                                                                           ▼
        │            every member has judged every bid on every checklist item (初步评审)
        │                                                                           │
        │                                                                           ▼
        │                                                                       detailed
        │                every member has submitted a score sheet, no clarification open,
        │                every flagged price and correction decided; the chair drafts the report
        │                                                                           ▼
        └──── a recusal sends the committee back to convening                  reporting
                                  every member signed, dissented, or was recorded refusing (视为同意)
                                                                                    ▼
                                                                                  final

``final`` ends it: from then on nobody reads a body or a score through the evaluation (the report is
the record). A recusal (回避) voids the member's work (条例 46; 规定 12): their judgements and scores no
longer count, and the committee is incomplete until the backup sits, so the state returns to
``convening``; the work of the others stands.

One member (a seat of the committee's draw, ``bidding.experts.draw_models.DrawSeat``)::

    seated ──signs in on the day (draws.sign_in)──▶ signed_in ──declares no conflict (承诺书, signed)──▶ sitting
                                                        │                                              │
                                                        └──declares a conflict──▶ recused ◀──declares──┘
"""

from __future__ import annotations

import enum
from typing import Final

from bidding.core.transitions import Transitions, permitted

__all__ = [
    "COMMANDS",
    "EVALUATION_TRANSITIONS",
    "MEMBER_TRANSITIONS",
    "BidReview",
    "ClarificationKind",
    "ClarificationStatus",
    "EvaluationRole",
    "EvaluationState",
    "MemberStatus",
    "SignatureOutcome",
    "allowed",
]


class EvaluationState(enum.StrEnum):
    CONVENING = "convening"  # members sign in, declare, elect a chair
    PRELIMINARY = "preliminary"  # 初步评审: 形式/资格/响应性, item by item, pass/fail
    DETAILED = "detailed"  # 详细评审: score sheets, corrections, clarifications
    REPORTING = "reporting"  # the report is drafted; members sign or dissent
    FINAL = "final"  # every member signed, dissented or is deemed to agree


EVALUATION_TRANSITIONS: Final[Transitions[EvaluationState]] = {
    EvaluationState.CONVENING: frozenset({EvaluationState.PRELIMINARY}),
    EvaluationState.PRELIMINARY: frozenset({EvaluationState.DETAILED, EvaluationState.CONVENING}),
    EvaluationState.DETAILED: frozenset({EvaluationState.REPORTING, EvaluationState.CONVENING}),
    EvaluationState.REPORTING: frozenset({EvaluationState.FINAL}),
    EvaluationState.FINAL: frozenset(),
}

#: The states in which members work on the bids (read bodies, judge, score, ask).
WORKING: Final = frozenset({EvaluationState.CONVENING, EvaluationState.PRELIMINARY, EvaluationState.DETAILED})
#: The states in which a body or a score may be read by a member.
READABLE: Final = frozenset(set(EvaluationState) - {EvaluationState.FINAL})


class MemberStatus(enum.StrEnum):
    SEATED = "seated"  # accepted the invitation; not signed in yet
    SIGNED_IN = "signed_in"  # signed in; the recusal declaration is due
    SITTING = "sitting"  # declared no conflict: a member of the committee
    RECUSED = "recused"  # declared a conflict: replaced, their work void


MEMBER_TRANSITIONS: Final[Transitions[MemberStatus]] = {
    MemberStatus.SEATED: frozenset({MemberStatus.SIGNED_IN}),
    MemberStatus.SIGNED_IN: frozenset({MemberStatus.SITTING, MemberStatus.RECUSED}),
    MemberStatus.SITTING: frozenset({MemberStatus.RECUSED}),
    MemberStatus.RECUSED: frozenset(),
}


class BidReview(enum.StrEnum):
    """Where a bid stands in the evaluation (ProZorro's qualification: pending/active/unsuccessful)."""

    IN_REVIEW = "in_review"
    PASSED = "passed"  # passed the preliminary review: scored in the detailed review
    REJECTED = "rejected"  # 否决 (条例 51): the clause and the committee's reason are recorded


class ClarificationKind(enum.StrEnum):
    QUESTION = "question"  # the committee asks (条例 52)
    ABNORMALLY_LOW = "abnormally_low"  # a written explanation of a price (规定 21; 87号令 60)
    CORRECTION = "correction"  # the bidder confirms an arithmetic correction (规定 19; 87号令 59)


class ClarificationStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"  # no answer by the deadline
    WITHDRAWN = "withdrawn"  # the committee withdrew it (the bid was rejected meanwhile)


class SignatureOutcome(enum.StrEnum):
    """A member's answer to the report (条例 53; 规定 43; RULES c9)."""

    SIGNED = "signed"
    DISSENT = "dissent"  # signed with a written dissent (attached)
    DEEMED_AGREEMENT = "deemed_agreement"  # refused without reasons: 视为同意, recorded by the chair


class EvaluationRole(enum.StrEnum):
    """Who acts on an evaluation."""

    MEMBER = "member"  # a sitting member
    CHAIR = "chair"  # the elected chair (also a member)
    DECLARANT = "declarant"  # a member signed in, not yet declared
    SUPERVISOR = "supervisor"  # reads, remarks; never a body
    BIDDER = "bidder"  # its own clarifications only
    PROJECT = "project"  # the project's agent or tenderer: progress counts; the report once final
    SYSTEM = "system"


_ALL: Final = frozenset(EvaluationState)
_MEMBERS: Final = frozenset({EvaluationRole.MEMBER, EvaluationRole.CHAIR})

#: Command → (roles that may send it, states it is allowed in).
COMMANDS: Final[dict[str, tuple[frozenset[EvaluationRole], frozenset[EvaluationState]]]] = {
    # the room itself: state, members, bids (names and prices as announced at the opening)
    "view_room": (_MEMBERS | {EvaluationRole.DECLARANT}, _ALL),
    "declare": (frozenset({EvaluationRole.DECLARANT}), WORKING),
    "recuse": (_MEMBERS, WORKING),  # a conflict discovered later (条例 46)
    "vote_chair": (_MEMBERS, frozenset({EvaluationState.CONVENING})),
    "read_body": (_MEMBERS, READABLE),
    "judge": (_MEMBERS, frozenset({EvaluationState.PRELIMINARY})),
    "submit_judgements": (_MEMBERS, frozenset({EvaluationState.PRELIMINARY})),
    "score": (_MEMBERS, frozenset({EvaluationState.DETAILED})),
    "submit_sheet": (_MEMBERS, frozenset({EvaluationState.DETAILED})),
    "ask_clarification": (_MEMBERS, frozenset({EvaluationState.PRELIMINARY, EvaluationState.DETAILED})),
    "correct_price": (
        frozenset({EvaluationRole.CHAIR}),
        frozenset({EvaluationState.PRELIMINARY, EvaluationState.DETAILED}),
    ),
    "decide_low_price": (frozenset({EvaluationRole.CHAIR}), frozenset({EvaluationState.DETAILED})),
    "ask_recheck": (frozenset({EvaluationRole.CHAIR}), frozenset({EvaluationState.DETAILED})),
    "draft_report": (frozenset({EvaluationRole.CHAIR}), frozenset({EvaluationState.DETAILED})),
    "sign_report": (_MEMBERS, frozenset({EvaluationState.REPORTING})),
    "record_refusal": (frozenset({EvaluationRole.CHAIR}), frozenset({EvaluationState.REPORTING})),
    "answer_clarification": (
        frozenset({EvaluationRole.BIDDER}),
        frozenset({EvaluationState.PRELIMINARY, EvaluationState.DETAILED}),
    ),
    "read_scores": (_MEMBERS, READABLE),  # others' subjective scores only once one's own sheet is in
    "supervise": (frozenset({EvaluationRole.SUPERVISOR}), _ALL),  # everything but a body
    "progress": (frozenset({EvaluationRole.PROJECT, EvaluationRole.SUPERVISOR}), _ALL),  # counts only
    "remark": (frozenset({EvaluationRole.SUPERVISOR}), _ALL),
    "read_draft_report": (_MEMBERS | {EvaluationRole.SUPERVISOR}, frozenset({EvaluationState.REPORTING})),
    "read_final_report": (
        _MEMBERS | {EvaluationRole.SUPERVISOR, EvaluationRole.PROJECT},
        frozenset({EvaluationState.FINAL}),
    ),
}


def allowed(command: str, role: EvaluationRole, state: EvaluationState) -> bool:
    """Whether ``role`` may ``command`` an evaluation in ``state`` (the table above).

    >>> allowed("read_body", EvaluationRole.MEMBER, EvaluationState.PRELIMINARY)
    True
    >>> allowed("read_body", EvaluationRole.SUPERVISOR, EvaluationState.PRELIMINARY)
    False
    >>> allowed("read_body", EvaluationRole.MEMBER, EvaluationState.FINAL)
    False
    """
    return permitted(COMMANDS, command, role, state)
