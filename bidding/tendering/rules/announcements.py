"""Kinds of public notices (公告) and in which phase each may be published."""

from __future__ import annotations

import enum

from bidding.tendering.rules.projects import Phase


class AnnouncementKind(enum.StrEnum):
    TENDER = "tender"  # 招标公告
    CLARIFICATION = "clarification"  # 澄清
    AMENDMENT = "amendment"  # 变更
    TERMINATION = "termination"  # 终止公告
    OPENING_RECORD = "opening_record"  # 开标记录
    CANDIDATE_PUBLICITY = "candidate_publicity"  # 中标候选人公示
    AWARD = "award"  # 中标结果公告


#: Which notices the agent posts directly, and in which phases (the others come with an action:
#: the tender announcement with publication, the opening record from the opening room).
AGENT_NOTICE_PHASES: dict[AnnouncementKind, frozenset[Phase]] = {
    AnnouncementKind.CANDIDATE_PUBLICITY: frozenset({Phase.EVALUATION}),
    AnnouncementKind.AWARD: frozenset({Phase.EVALUATION}),
}
