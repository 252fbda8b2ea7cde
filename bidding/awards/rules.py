"""The award's rules (issue 21; RULES c11–c16, d): the candidate publicity, objections, complaints,
the winner's choice, government procurement's clocks, the contract's clocks and the bid validity.
Pure: no database, no clock — every moment is passed in, as an aware datetime (stored in UTC).

**Days.** 条例 54 counts in days (日): calendar days, not working days. The platform counts them on
the China calendar (Asia/Shanghai, UTC+8, no daylight saving) and, as 87号令 85 does for government
procurement (RULES d), does not count the day of the event: a period of *n* days after an event on
day D ends at 24:00 China time on day D + n, i.e. at 00:00 China time of day D + n + 1 (the
instant returned below, which is already late). "At least 3 days" of publicity means 3 **full**
calendar days after the day of publication: the publicity closes at the earliest at 00:00 China
time of the 4th day after it was published — always more than 72 hours (72 hours and one second
when published at 23:59:59, 96 hours when published at 00:00). Working days (工作日) follow
:class:`~bidding.core.calendar.WorkingCalendar` (holidays and 调休 weekends) and are counted the same
way: the day of the event not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final, TypeVar

from bidding.core.calendar import add_working_days, working_days_before
from bidding.core.clock import CHINA_TIME
from bidding.core.clock import china_day as _china_day
from bidding.core.errors import DomainError
from bidding.deposits.refund_rules import due_on

__all__ = [
    "CHINA",
    "COMPLAINT_DAYS",
    "DEEMED_MARKER",
    "MAX_CANDIDATES",
    "PUBLICITY_DAYS",
    "AwardTimeInvalid",
    "ChoiceInvalid",
    "DeemedChoice",
    "Objection",
    "ObjectionOutsidePublicity",
    "PublicityLate",
    "SkipReason",
    "ValidityCheck",
    "award_notice_due",
    "award_suspended",
    "check_choice",
    "check_objection_time",
    "china_day",
    "complaint_acceptance_due",
    "complaint_decision_due",
    "complaint_last_day",
    "contract_due",
    "deemed_choice",
    "end_of_days",
    "gp_contract_publication_due",
    "may_close",
    "objection_answer_due",
    "objection_overdue",
    "publicity_window",
    "purchaser_choice_due",
    "refunds_due",
    "report_to_purchaser_due",
    "retender_required",
    "supervisor_report_due",
    "validity_check",
]

#: China time (UTC+8, no daylight saving): the platform's one constant, named as the award's rules use it.
CHINA: Final = CHINA_TIME
#: 条例 54: published within 3 days of the report; lasting at least 3 days; objections answered in 3 days.
PUBLICITY_DAYS: Final = 3
#: 条例 55; 规定 42 (RULES c8): at most three ranked candidates.
MAX_CANDIDATES: Final = 3
#: 条例 60 (RULES d): a complaint within 10 days of knowing.
COMPLAINT_DAYS: Final = 10
#: RULES c15 and acceptance check 6: the record of a purchaser's inaction.
DEEMED_MARKER: Final = "视同排名第一"


class PublicityLate(DomainError):
    """The publicity came out after its 3 days (条例 54), or before the report it publishes."""

    code = "publicity_late"
    status = 422
    message_zh = "中标候选人公示未在收到评标报告之日起3日内发布"
    message_en = "The candidate publicity is not within 3 days of the evaluation report"


class ObjectionOutsidePublicity(DomainError):
    """An objection to the result is raised only during the publicity (条例 54)."""

    code = "objection_outside_publicity"
    status = 422
    message_zh = "异议应当在中标候选人公示期间提出"
    message_en = "An objection to the result is raised only during the candidate publicity"


class ChoiceInvalid(DomainError):
    """A choice of winner the rules refuse (条例 55); ``code`` says which rule."""

    code = "choice_invalid"
    status = 422
    message_zh = "中标人的确定不符合规定"
    message_en = "This choice of winner is not allowed"


class RankOutOfRange(ChoiceInvalid):
    code = "rank_out_of_range"
    message_zh = "所选排名不在中标候选人之列"
    message_en = "The chosen rank is not one of the candidates"


class SkipReasonMissing(ChoiceInvalid):
    code = "skip_reason_missing"
    message_zh = "国有资金控股或主导的项目，跳过排名在前的中标候选人须有法定理由"
    message_en = "A state-controlled project skips a better-ranked candidate only for a reason of 条例 55"


class SkipReasonUnexpected(ChoiceInvalid):
    code = "skip_reason_unexpected"
    message_zh = "只能为被跳过的中标候选人记录理由"
    message_en = "A reason is recorded only for a candidate that is skipped"


class FirstRankBound(ChoiceInvalid):
    code = "first_rank_bound"
    message_zh = "招标文件规定排名第一的中标候选人为中标人"
    message_en = "The tender documents bind the tenderer to the first-ranked candidate"


class AwardTimeInvalid(DomainError):
    """A moment without a time zone, or out of order (a close before the publication)."""

    code = "award_time_invalid"
    status = 422
    message_zh = "时间无效"
    message_en = "The time is not valid"


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise AwardTimeInvalid(f"{what} has no time zone", f"{what}缺少时区")
    return moment


def china_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in China.

    >>> china_day(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))  # 00:30 on the 2nd in Beijing
    datetime.date(2026, 3, 2)
    """
    return _china_day(_aware(moment, "moment"))  # the core's day, a naive time refused first


def end_of_days(moment: datetime, days: int) -> datetime:
    """The instant a period of ``days`` calendar days after ``moment`` ends (the day of ``moment`` not
    counted): 00:00 China time of the day after the last day, in UTC. At that instant it is late.

    >>> end_of_days(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), 3)  # 10:00 Mon 2 March in China
    datetime.datetime(2026, 3, 5, 16, 0, tzinfo=datetime.timezone.utc)
    """
    last = china_day(moment) + timedelta(days=days)
    return datetime.combine(last + timedelta(days=1), time(0), CHINA).astimezone(UTC)


def _duration(delta: timedelta) -> tuple[str, str]:
    minutes = int(delta.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{days} d {hours} h {mins} min", f"{days}天{hours}小时{mins}分"


# -- the candidate publicity (条例 54; RULES c11) -------------------------------------------------


def publicity_window(report_final_at: datetime, published_at: datetime) -> datetime:
    """The earliest moment the publicity may close, after checking it came out in time (条例 54:
    "自收到评标报告之日起3日内公示中标候选人，公示期不得少于3日").

    Published at the latest before 00:00 China time of the 4th day after the report's day; lasting
    3 full days: closing at the earliest at 00:00 China time of the 4th day after its own day.
    Refused (:class:`PublicityLate`, naming the lateness) when later, or before the report.

    Worked example: report final Monday 2026-03-02 09:00 China time; published Thursday 2026-03-05
    23:59:59 → on time; closes at the earliest Monday 2026-03-09 00:00 China time (Thursday not
    counted, then Friday, Saturday, Sunday). Published Friday 2026-03-06 00:00:00 → late by 0 d 0 h
    0 min (refused: the Friday is the 4th day).
    """
    _aware(report_final_at, "report_final_at")
    _aware(published_at, "published_at")
    if published_at < report_final_at:
        raise PublicityLate("published before the report was final", "公示早于评标报告定稿")
    deadline = end_of_days(report_final_at, PUBLICITY_DAYS)
    if published_at >= deadline:
        en, zh = _duration(published_at - deadline)
        raise PublicityLate(
            f"late by {en} (due before {deadline.isoformat()})",
            f"迟延{zh}（应于{deadline.astimezone(CHINA):%Y-%m-%d %H:%M}（北京时间）前发布）",
            details=[{"reason": "publicity_late", "article": "条例54", "due": deadline.isoformat()}],
        )
    return end_of_days(published_at, PUBLICITY_DAYS)


def may_close(published_at: datetime, now: datetime) -> bool:
    """Whether the publicity may close at ``now``: only once 3 full calendar days have passed after the
    day of publication (条例 54; RULES c, acceptance check 4: it cannot close early).

    >>> published = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thursday 10:00 in China
    >>> may_close(published, published + timedelta(hours=72))  # Sunday 10:00: not 3 full days
    False
    >>> may_close(published, datetime(2026, 3, 8, 16, 0, tzinfo=UTC))  # Monday 00:00
    True
    """
    return _aware(now, "now") >= end_of_days(published_at, PUBLICITY_DAYS)


# -- objections (条例 54; RULES c11, d4) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Objection:
    """An objection to the result (异议): when it was received and, once answered, when."""

    received_at: datetime
    answered_at: datetime | None = None


def check_objection_time(published_at: datetime, closes_at: datetime, received_at: datetime) -> None:
    """Refuse an objection received outside the publicity (条例 54: "对评标结果有异议的，应当在中标
    候选人公示期间提出"): before ``published_at`` or at or after ``closes_at`` (the moment the
    publicity actually closed, or :func:`publicity_window`'s earliest close while it is open)."""
    if not published_at <= _aware(received_at, "received_at") < closes_at:
        raise ObjectionOutsidePublicity(
            f"received {received_at.isoformat()}, publicity {published_at.isoformat()} – {closes_at.isoformat()}",
            f"收到时间{received_at.astimezone(CHINA):%Y-%m-%d %H:%M:%S}不在公示期内",
        )


def objection_answer_due(received_at: datetime) -> datetime:
    """The tenderer answers within 3 days of receiving the objection (条例 54): the instant the answer
    is late, 00:00 China time of the 4th day after the day of receipt.

    Worked example: received Friday 2026-03-06 15:00 China time → late from Tuesday 2026-03-10 00:00
    China time (Saturday, Sunday, Monday counted: calendar days, not working days).
    """
    return end_of_days(received_at, PUBLICITY_DAYS)


def objection_overdue(objection: Objection, now: datetime) -> bool:
    """The red clock of RULES c, acceptance check 4: unanswered (or answered late) past its 3 days."""
    due = objection_answer_due(objection.received_at)
    return (objection.answered_at or _aware(now, "now")) >= due


def award_suspended(objections: Iterable[Objection]) -> bool:
    """The award is suspended (暂停) while any objection is unanswered (条例 54: "作出答复前，应当暂停
    招标投标活动"; RULES d, check 4).

    >>> t = datetime(2026, 3, 6, 7, 0, tzinfo=UTC)
    >>> award_suspended([Objection(t, answered_at=t), Objection(t)])
    True
    >>> award_suspended([Objection(t, answered_at=t)])
    False
    """
    return any(o.answered_at is None for o in objections)


# -- complaints (条例 60–61; RULES d) ------------------------------------------------------------
# RULES (d) gives the limits: a complaint ≤ 10 days from knowledge (objection time excluded),
# acceptance ≤ 3 working days, decision ≤ 30 working days. The articles' full text (from when the
# decision clock runs, which time is excluded besides the objection's) is [not in RULES]: the
# platform starts acceptance at receipt and the decision at acceptance.


def complaint_last_day(known_on: date, *, objection_days: int = 0) -> date:
    """The last day a complaint may be filed: 10 days after the day the bidder knew or should have
    known (that day not counted), plus the days its objection waited for an answer, which do not count
    (RULES d; 条例 60).

    >>> complaint_last_day(date(2026, 3, 10))
    datetime.date(2026, 3, 20)
    >>> complaint_last_day(date(2026, 3, 10), objection_days=3)
    datetime.date(2026, 3, 23)
    """
    if objection_days < 0:
        raise ValueError("objection_days must not be negative")
    return known_on + timedelta(days=COMPLAINT_DAYS + objection_days)


def complaint_acceptance_due(received_on: date, calendar: Callable[[date], bool]) -> date:
    """The supervisor decides whether to accept a complaint within 3 working days of receiving it
    (RULES d; 条例 61): the last day."""
    return add_working_days(received_on, 3, calendar)


def complaint_decision_due(accepted_on: date, calendar: Callable[[date], bool]) -> date:
    """The supervisor decides an accepted complaint in writing within 30 working days (RULES d;
    条例 61): the last day, counted from acceptance."""
    return add_working_days(accepted_on, 30, calendar)


# -- the winner's choice (条例 55; RULES c13) ----------------------------------------------------

C = TypeVar("C")


class SkipReason(StrEnum):
    """Why a state-controlled project may pass over a better-ranked candidate (条例 55), the closed list."""

    DECLINED = "declined"  # 放弃中标
    CANNOT_PERFORM = "cannot_perform"  # 因不可抗力不能履行合同
    NO_PERFORMANCE_SECURITY = "no_performance_security"  # 不按照招标文件要求提交履约保证金
    BROKE_THE_LAW = "broke_the_law"  # 被查实存在影响中标结果的违法行为


def check_choice(
    ranked_candidates: Sequence[C],
    chosen_rank: int,
    *,
    state_controlled: bool,
    reason: Mapping[int, SkipReason],
    documents_bind_first: bool = False,
) -> C:
    """The winner, once the choice is checked (条例 55; RULES c13). ``reason`` maps each skipped rank
    (1-based) to why it is out.

    * **State-controlled** (国有资金占控股或者主导地位的依法必须进行招标的项目): rank 1 wins. Rank 2 only
      if rank 1 is out, rank 3 only if ranks 1 and 2 are both out, each for a reason of
      :class:`SkipReason`; otherwise re-tender (:func:`retender_required`).
    * **Otherwise** the tenderer may choose any of the (at most 3) candidates the committee ranked
      (法 40: from the recommended candidates) — unless the tender documents bind it to rank 1, which
      many do: pass ``documents_bind_first`` and the state-controlled rule applies.

    Refusals (:class:`ChoiceInvalid` subclasses): ``rank_out_of_range`` (no such candidate, or beyond
    3), ``skip_reason_missing`` (a better rank skipped without a reason), ``skip_reason_unexpected``
    (a reason for a rank not skipped), ``first_rank_bound`` (the documents bind to rank 1 and a
    better rank is skipped without a reason).

    Worked example: state-controlled, candidates A, B, C; rank 1 declined → rank 2 (B) with
    ``{1: DECLINED}``; rank 3 (C) needs ``{1: DECLINED, 2: NO_PERFORMANCE_SECURITY}``.
    """
    count = min(len(ranked_candidates), MAX_CANDIDATES)
    if not 1 <= chosen_rank <= count:
        raise RankOutOfRange(f"rank {chosen_rank} of {count} candidates", f"{count}名候选人中的第{chosen_rank}名")
    unexpected = sorted(rank for rank in reason if not 1 <= rank < chosen_rank)
    if unexpected:
        raise SkipReasonUnexpected(
            f"ranks {unexpected} are not skipped", f"第{unexpected}名未被跳过", details=[{"ranks": unexpected}]
        )
    if state_controlled or documents_bind_first:
        missing = [rank for rank in range(1, chosen_rank) if rank not in reason]
        if missing:
            error = SkipReasonMissing if state_controlled else FirstRankBound
            raise error(
                f"no reason for rank(s) {missing}",
                f"未记录第{missing}名的跳过理由",
                details=[{"ranks": missing, "article": "条例55"}],
            )
    return ranked_candidates[chosen_rank - 1]


def retender_required(ranked_candidates: Sequence[object], reason: Mapping[int, SkipReason]) -> bool:
    """Every candidate is out for a reason of 条例 55: no winner can be chosen, re-tender (流标)."""
    count = min(len(ranked_candidates), MAX_CANDIDATES)
    return all(rank in reason for rank in range(1, count + 1))


# -- government procurement (87号令 68–71; 政采条例 43, 50; RULES c15) ---------------------------


@dataclass(frozen=True, slots=True)
class DeemedChoice:
    """Rank 1 chosen because the purchaser did not choose in time, with its record marker."""

    rank: int
    due: date
    marker: str = DEEMED_MARKER


def report_to_purchaser_due(evaluated_on: date, calendar: Callable[[date], bool]) -> date:
    """The agent sends the report to the purchaser within 2 working days of the evaluation (RULES c15)."""
    return add_working_days(evaluated_on, 2, calendar)


def purchaser_choice_due(report_at: datetime, calendar: Callable[[date], bool]) -> date:
    """The last day the purchaser may choose: the 5th working day after the day it received the
    report (RULES c15; 87号令 68)."""
    return add_working_days(china_day(report_at), 5, calendar)


def deemed_choice(report_at: datetime, now: datetime, calendar: Callable[[date], bool]) -> DeemedChoice | None:
    """Rank 1 is deemed chosen (视同排名第一, RULES c15 and acceptance check 6) once the 5 working days
    are over without a choice: on the China day after the last day. ``None`` while there is time.

    Worked example (dates labelled as an example, not a statement of the 2026 calendar): report
    received Friday 2026-10-02 with holidays 2026-10-01…08 and Saturday 2026-10-10 worked → working
    days 10-09, 10-10, 10-12, 10-13, 10-14: due Wednesday 2026-10-14; deemed from 2026-10-15.
    """
    due = purchaser_choice_due(report_at, calendar)
    if china_day(now) <= due:
        return None
    return DeemedChoice(rank=1, due=due)


def award_notice_due(chosen_on: date, calendar: Callable[[date], bool]) -> date:
    """The award notice (and the result announcement) within 2 working days of the choice (RULES c15)."""
    return add_working_days(chosen_on, 2, calendar)


def gp_contract_publication_due(signed_on: date, calendar: Callable[[date], bool]) -> date:
    """A government procurement contract is published within 2 working days of signing (RULES c15)."""
    return add_working_days(signed_on, 2, calendar)


# -- the contract's clocks (法 46–47; 办法 36–37; RULES c14) -------------------------------------


def contract_due(notice_on: date) -> date:
    """The contract is signed within 30 days of the award notice (法 46; government procurement the
    same, RULES c15). 规定 49 says 30 *working* days; the law prevails (RULES c14), so calendar days.

    >>> contract_due(date(2026, 3, 16))
    datetime.date(2026, 4, 15)
    """
    return notice_on + timedelta(days=30)


def supervisor_report_due(notice_on: date) -> date:
    """The written report to the supervisor within 15 days (法 47; RULES c14). RULES (c) acceptance
    check 5 starts this clock with the award notice, so it runs from the notice's day; the article's
    own starting event is [not in RULES].

    >>> supervisor_report_due(date(2026, 3, 16))
    datetime.date(2026, 3, 31)
    """
    return notice_on + timedelta(days=15)


def refunds_due(contract_on: date, *, government_procurement: bool, calendar: Callable[[date], bool]) -> date:
    """The deposits are refunded within 5 days of the contract (条例 57), 5 working days in government
    procurement (政采条例 33): :func:`bidding.deposits.refund_rules.due_on`, the contract's date
    passed as the trigger."""
    return due_on(contract_on, working_days=government_procurement, calendar=calendar)


# -- the bid validity (规定 40; RULES c16) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValidityCheck:
    #: The last day the bids are valid.
    validity_ends: date
    #: The last day the award may be made: 30 working days before ``validity_ends``.
    latest_award_on: date
    #: The award (planned or made) falls after ``latest_award_on``: extend the validity (规定 40).
    extension_needed: bool


def validity_check(
    bid_deadline: datetime, validity_days: int, award_at: datetime, calendar: Callable[[date], bool]
) -> ValidityCheck:
    """Whether the award comes at least 30 working days before the bids' validity ends (规定 40;
    RULES c16); otherwise the validity must be extended.

    The validity runs from the bid deadline: ``validity_days`` calendar days after its China day
    (that day not counted) is the last valid day. (That it starts at the deadline is the platform's
    reading; the article saying so is [not in RULES].)

    Worked example: deadline Monday 2026-03-02, 90 days → valid through Sunday 2026-05-31; with
    1 May 2026 to 5 May 2026 as holidays and Saturday 2026-05-09 worked (an example calendar), the 30th
    working day before 05-31 is Thursday 2026-04-16, the latest award day.
    """
    if validity_days <= 0:
        raise ValueError("validity_days must be positive")
    ends = china_day(bid_deadline) + timedelta(days=validity_days)
    latest = working_days_before(ends, 30, calendar)
    return ValidityCheck(ends, latest, china_day(award_at) > latest)
