"""Time limits of the tendering period (《招标投标法》第二十三条、第二十四条), per procurement category.

* 第二十四条: from the day the tender documents are first available to the bid deadline there must
  be at least N days (20 for works and goods under the law; government procurement differs).
* 第二十三条: a clarification or amendment must be issued at least M days (15) before the bid
  deadline; one issued later must move the deadline so that M days remain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


class ScheduleError(ValueError):
    """A deadline violates a minimum period; the message names the rule and the earliest allowed time."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh


def check_bid_period(documents_available_at: datetime, deadlines: Iterable[datetime], min_days: int) -> None:
    """第二十四条: every bid deadline at least ``min_days`` after the documents became available."""
    earliest = documents_available_at + timedelta(days=min_days)
    for deadline in deadlines:
        if deadline < earliest:
            raise ScheduleError(
                f"the bid deadline {deadline.isoformat()} is less than {min_days} days after the documents are "
                f"available; the earliest allowed is {earliest.isoformat()} (Tendering Law art. 24)",
                f"投标截止时间 {deadline.isoformat()} 距招标文件开始发出之日不足 {min_days} 日，"
                f"最早可为 {earliest.isoformat()}（招标投标法第二十四条）",
            )


def check_clarification(now: datetime, deadlines: Iterable[datetime], min_days: int) -> None:
    """第二十三条: a clarification at ``now`` needs every (new) deadline ``min_days`` later."""
    earliest = now + timedelta(days=min_days)
    for deadline in deadlines:
        if deadline < earliest:
            raise ScheduleError(
                f"a clarification or amendment less than {min_days} days before the bid deadline must move it "
                f"to {earliest.isoformat()} or later (Tendering Law art. 23)",
                f"澄清或修改距投标截止时间不足 {min_days} 日，须将截止时间顺延至 {earliest.isoformat()} 或之后"
                "（招标投标法第二十三条）",
            )
