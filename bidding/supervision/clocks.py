"""The statutory clocks of supervision (issue 24; RULES d): every time limit as a rule with its
article, when it ends, the alert it shows at a given moment, and whether a step would break it.
Pure: no database, no settings, no clock — every moment and the working-day calendar are passed in;
moments are aware datetimes, returned in UTC.

**The clocks** (:data:`CLOCK_RULES`), each with a worked example: clocks counted forward start on
Monday 2026-03-02 at 10:00, clocks counted back are anchored at the bid deadline Tuesday 2026-03-24
09:30, both China time, on the 2026 State Council calendar (清明 04-04…06 off); ``tests/unit/
test_supervision_clocks.py`` checks every line. Guard ↑: the step at the earliest at the limit;
guard ↓: the step at the latest at the limit; duty: done by the limit.

===============================  =======  ============  =========  ==============================================
clock                            limit    article       answers    worked example → limit (China time)
===============================  =======  ============  =========  ==============================================
documents_on_sale                ↑ 5 d    条例16        agent      the sale may close from Sun 03-08 00:00
bid_period                       ↑ 20 d   法24          agent      the bid deadline from Sun 03-22 00:00
prequalification_application     ↑ 5 d    条例17        agent      sale ended → application deadline from Sat 03-07
clarification                    ↓ 15 d   条例21;       agent      amendments until Mon 03-09 23:59:59, then the
                                          政采条例31               deadline moves (:func:`earliest_anchor`)
prequalification_clarification   ↓ 3 d    条例21        agent      (application deadline 03-24) until Sat 03-21
documents_objection              ↓ 10 d   条例22        bidder     objections until Sat 03-14 23:59:59
prequalification_objection       ↓ 2 d    条例22        bidder     (application deadline 03-24) until Sun 03-22
documents_objection_answer       3 d      条例22        agent      by Thu 03-05 23:59:59; suspends the tender
opening                          0        法34          agent,     deadline Tue 03-24 09:30:00 → opened by
                                                        platform   09:30:00 (red from 09:30:01)
candidate_publicity              3 d      条例54        agent      report received → published by Thu 03-05
publicity_period                 ↑ 3 d    条例54        agent      published → may close from Fri 03-06 00:00
publicity_objection_answer       3 d      条例54        agent      by Thu 03-05 23:59:59; suspends the award
contract                         30 d     法46          agent,     award notice → signed by Wed 04-01 23:59:59
                                                        bidder
supervisor_report                15 d     法47          agent      award notice → report by Tue 03-17
deposit_refund                   5 d      条例57, 35    platform   contract → refunded by Sat 03-07 (not moved)
complaint_filing                 ↓ 10 d   条例60        bidder     knew → complaint by Thu 03-12 (+ objection days)
complaint_acceptance             3 WD     条例61        supervisor received → accepted or not by Thu 03-05
complaint_decision               30 WD    条例61        supervisor accepted → decided by Tue 04-14 (清明 skipped)
gp_documents                     ↑ 5 WD   政采条例31    agent      issued → may stop being provided from Tue 03-10
gp_enquiry_answer                3 WD     政采条例52    agent      enquiry → answered by Thu 03-05
gp_report_to_purchaser           2 WD     87号令68      agent      evaluation ended → report by Wed 03-04
gp_purchaser_choice              5 WD     87号令68      purchaser  report received → chosen by Mon 03-09, then
                                                                   rank 1 deemed chosen (视同排名第一)
gp_award_notice                  2 WD     87号令69      agent      winner chosen → notice by Wed 03-04
gp_contract                      30 d     87号令71, 85  agent,     award notice → by Wed 04-01; a last day on a
                                                        bidder     holiday moves (notice 2025-09-01 → 10-09)
gp_contract_publication          2 WD     政采条例50    agent      signed → published by Wed 03-04
gp_deposit_refund                5 WD     政采条例33    platform   award notice or contract → refunded by Mon 03-09
===============================  =======  ============  =========  ==============================================

**Two kinds of clock.** A **duty** (``ClockRule.duty``) is something a party must do by the limit
(answer, publish, sign, refund, decide): it turns yellow at the leads, red at the limit + 1 s, and
shows nothing once done in time. A **guard** is a minimum between two steps (≥ N days): nobody owes
anything, but a step may break it — the platform refuses such a step (:func:`would_break`, e.g. an
amendment less than 15 days before the deadline without moving it, RULES d check 3); a guard shows
red only for a break that was recorded anyway (a step taken outside the platform, or forced), never
yellow. Guards counted *after* a start (``Direction.AFTER``, ``Bound.NOT_BEFORE``: the bid deadline
≥ 20 days after the documents) give the earliest allowed instant; guards counted *back* from an
anchor (``Direction.BEFORE``: an amendment ≥ 15 days before the deadline) give the latest allowed
instant, and :func:`earliest_anchor` the earliest anchor (deadline) a step allows.

**Days** (87号令 85, RULES d; the same reading as :mod:`bidding.awards.rules`): the day of the starting
event is not counted; a period of *n* days after an event on day D ends with day D + *n* (calendar
days) or with the *n*-th working day after D (:func:`~bidding.core.calendar.add_working_days`,
working days from :mod:`bidding.core.holidays`). Days are China days (Asia/Shanghai, UTC+8).

* A **limit's last day on a holiday** moves to the next working day (87号令 85: "期限的最后一日是
  国家法定节假日的，顺延到节假日后的次日为期限的最后一日") for the clocks of government procurement
  counted in calendar days (``ClockRule.roll``: the GP contract). Working-day clocks always end on
  a working day, so the rule changes nothing for them. The clocks of 招标投标法 and its 条例 are
  not moved: RULES (d) gives no such rule for them, and the shorter limit is the safe one for an
  alert (a deployment that reads the law otherwise sets ``roll`` on its copy of a rule).
* A **duty's limit** (``due``) is the last whole second of its last day, 23:59:59 China time; it is
  red from ``due + 1 s`` = 24:00 (the next day's 00:00, :func:`bidding.awards.rules.end_of_days`),
  the first instant it is late ("超时一秒"). Done in time means done before that instant
  (``done_at < due + 1 s``: the whole second 23:59:59 is still in time).
* A **guard counted after a start** gives the first allowed instant, 00:00 China time of the first
  allowed day: the step's own day counts when the law counts "to the day of" the step (法 24
  "至提交投标文件截止之日止": documents issued 1 March, deadline on 21 March at the earliest), and
  the last day must be complete when a period must *last* N days (``full_days``: 发售期, 公示期,
  提供期限 "不得少于 N 日": sale started 1 March, closed on 7 March at 00:00 at the earliest, as
  :func:`bidding.awards.rules.may_close` does for the publicity).
* A **guard counted back** from an anchor (the deadline on day T) allows the step until the end of
  day T − N (条例 21: deadline 21 March → amendments until 6 March 23:59:59).
* The **opening** (法 34) is at the deadline itself: no days, the instant.

Where a limit is the deployment's (``BIDDING_BID_PERIOD_MIN_DAYS``, ``BIDDING_CLARIFICATION_MIN_DAYS``
per category), pass ``dataclasses.replace(CLOCK_RULES[kind], days=n)``.

**Alerts** (RULES d, acceptance check 1; issue 24): NONE, then YELLOW from ``due − lead`` for the
largest lead (default 3 days and 1 day: a limit ending Monday 23:59:59 is yellow from Friday 23:59:59,
and yellow "1 day" from Sunday 23:59:59: leads count back from the last allowed second as the red counts
on from it), reported with the smallest lead reached (so each lead is its own alert), RED from
``due + 1 s``; NONE once done in time; a duty done late stays RED (recorded late, ``Alert.done``).
:func:`next_alert_at` gives the next instant the level or lead changes, for a scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from bidding.awards.rules import (
    CHINA,
    COMPLAINT_DAYS,
    PUBLICITY_DAYS,
    award_notice_due,
    complaint_acceptance_due,
    complaint_decision_due,
    complaint_last_day,
    contract_due,
    gp_contract_publication_due,
    report_to_purchaser_due,
    supervisor_report_due,
)
from bidding.core.calendar import add_working_days, working_days_before
from bidding.deposits.refund_rules import due_on

__all__ = [
    "CLOCK_RULES",
    "DEFAULT_LEADS",
    "RED_AFTER",
    "Alert",
    "Bound",
    "ClockKind",
    "ClockRule",
    "ClockTimeInvalid",
    "Counting",
    "Direction",
    "Level",
    "Party",
    "alert_level",
    "due",
    "earliest_anchor",
    "next_alert_at",
    "would_break",
]

#: Red from the limit + 1 s (南京: "超时一秒").
RED_AFTER: Final = timedelta(seconds=1)
#: Yellow leads by default (RULES d, acceptance check 1): 3 days, then 1 day.
DEFAULT_LEADS: Final = (timedelta(days=3), timedelta(days=1))

_END_OF_DAY: Final = time(23, 59, 59)

Calendar = Callable[[date], bool]


class ClockTimeInvalid(ValueError):
    """A moment without a time zone, or a negative lead or day count."""


class ClockKind(StrEnum):
    """One per time limit of RULES (d) (and the government procurement clocks it points to: c15, a8)."""

    DOCUMENTS_ON_SALE = "documents_on_sale"
    BID_PERIOD = "bid_period"
    PREQUALIFICATION_APPLICATION = "prequalification_application"
    CLARIFICATION = "clarification"
    PREQUALIFICATION_CLARIFICATION = "prequalification_clarification"
    DOCUMENTS_OBJECTION = "documents_objection"
    PREQUALIFICATION_OBJECTION = "prequalification_objection"
    DOCUMENTS_OBJECTION_ANSWER = "documents_objection_answer"
    OPENING = "opening"
    CANDIDATE_PUBLICITY = "candidate_publicity"
    PUBLICITY_PERIOD = "publicity_period"
    PUBLICITY_OBJECTION_ANSWER = "publicity_objection_answer"
    CONTRACT = "contract"
    SUPERVISOR_REPORT = "supervisor_report"
    DEPOSIT_REFUND = "deposit_refund"
    COMPLAINT_FILING = "complaint_filing"
    COMPLAINT_ACCEPTANCE = "complaint_acceptance"
    COMPLAINT_DECISION = "complaint_decision"
    GP_DOCUMENTS = "gp_documents"
    GP_ENQUIRY_ANSWER = "gp_enquiry_answer"
    GP_REPORT_TO_PURCHASER = "gp_report_to_purchaser"
    GP_PURCHASER_CHOICE = "gp_purchaser_choice"
    GP_AWARD_NOTICE = "gp_award_notice"
    GP_CONTRACT = "gp_contract"
    GP_CONTRACT_PUBLICATION = "gp_contract_publication"
    GP_DEPOSIT_REFUND = "gp_deposit_refund"


class Counting(StrEnum):
    CALENDAR_DAYS = "calendar_days"  # 日
    WORKING_DAYS = "working_days"  # 工作日
    INSTANT = "instant"  # at the starting instant itself (the opening, 法 34)


class Direction(StrEnum):
    AFTER = "after"  # counted forward from the starting event
    BEFORE = "before"  # counted back from an anchor (the bid deadline)


class Bound(StrEnum):
    NOT_AFTER = "not_after"  # the duty or step by the limit at the latest
    NOT_BEFORE = "not_before"  # the step at the limit at the earliest


class Party(StrEnum):
    """Who answers for a clock (the order of a red alert goes to them)."""

    AGENT = "agent"  # the tenderer (招标人, 采购人 as the tender's owner) or the agent running the project for it
    PURCHASER = "purchaser"  # government procurement's purchaser (采购人) as the one who chooses
    BIDDER = "bidder"  # a bidder or potential bidder, an interested party (利害关系人), the winner
    SUPERVISOR = "supervisor"  # the administrative supervision department (行政监督部门)
    PLATFORM = "platform"  # the trading centre running the platform (it holds the deposits, opens the bids)


class Level(StrEnum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockRule:
    """One time limit: its article, how it is counted, and who answers for it."""

    kind: ClockKind
    #: The article, as RULES cites it (条例 21; 政采条例 31).
    article: str
    #: N in "N days" (0 for the opening).
    days: int
    counting: Counting
    bound: Bound
    #: A duty someone must perform (yellow and red alerts), or a guard on a step (:func:`would_break`).
    duty: bool
    responsible: tuple[Party, ...]
    #: What must be done, or what must not happen (zh, en).
    duty_zh: str
    duty_en: str
    #: The event that starts the clock, or the anchor it counts back from (zh, en).
    starts_zh: str
    starts_en: str
    direction: Direction = Direction.AFTER
    #: A guard on a period that must last N days: the last day must be over (sale, publicity).
    full_days: bool = False
    #: A last day on a holiday moves to the next working day (87号令 85).
    roll: bool = False
    #: The process is suspended (暂停) while the duty is open (条例 22, 54; RULES d check 4).
    suspends: bool = False
    #: The existing rule function this clock's last day comes from (day of the event, calendar) → last day.
    counter: Callable[[date, Calendar], date] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ClockTimeInvalid(f"{self.kind}: days must not be negative")
        if self.duty and (self.bound is not Bound.NOT_AFTER or self.direction is not Direction.AFTER):
            raise ClockTimeInvalid(f"{self.kind}: a duty is a limit after its start")
        if self.direction is Direction.BEFORE and self.bound is not Bound.NOT_AFTER:
            raise ClockTimeInvalid(f"{self.kind}: a clock counted back bounds its step from above")
        if self.roll and not self.duty:
            raise ClockTimeInvalid(f"{self.kind}: only a duty's last day moves off a holiday")


def _rule(kind: ClockKind, article: str, days: int, counting: Counting, **fields: object) -> ClockRule:
    return ClockRule(kind=kind, article=article, days=days, counting=counting, **fields)  # type: ignore[arg-type]


_CAL, _WD = Counting.CALENDAR_DAYS, Counting.WORKING_DAYS
_AGENT, _BIDDER, _SUPERVISOR = (Party.AGENT,), (Party.BIDDER,), (Party.SUPERVISOR,)
_GUARD_AFTER: Final[Mapping[str, object]] = {"bound": Bound.NOT_BEFORE, "duty": False}
_GUARD_BEFORE: Final[Mapping[str, object]] = {"bound": Bound.NOT_AFTER, "duty": False, "direction": Direction.BEFORE}
_DUTY: Final[Mapping[str, object]] = {"bound": Bound.NOT_AFTER, "duty": True}

_RULES: Final = (
    _rule(
        ClockKind.DOCUMENTS_ON_SALE,
        "条例16",
        5,
        _CAL,
        **_GUARD_AFTER,
        full_days=True,
        responsible=_AGENT,
        duty_zh="资格预审文件或者招标文件的发售期不得少于5日",
        duty_en="documents on sale for at least 5 days",
        starts_zh="文件开始发售",
        starts_en="the documents go on sale",
    ),
    _rule(
        ClockKind.BID_PERIOD,
        "法24",
        20,
        _CAL,
        **_GUARD_AFTER,
        responsible=_AGENT,
        duty_zh="自招标文件开始发出之日起至提交投标文件截止之日止，最短不得少于20日",
        duty_en="the bid deadline at least 20 days after the documents are first issued",
        starts_zh="招标文件开始发出",
        starts_en="the tender documents are first issued",
    ),
    _rule(
        ClockKind.PREQUALIFICATION_APPLICATION,
        "条例17",
        5,
        _CAL,
        **_GUARD_AFTER,
        responsible=_AGENT,
        duty_zh="提交资格预审申请文件的时间，自资格预审文件停止发售之日起不得少于5日",
        duty_en="the pre-qualification application deadline at least 5 days after the sale ends",
        starts_zh="资格预审文件停止发售",
        starts_en="the pre-qualification documents' sale ends",
    ),
    _rule(
        ClockKind.CLARIFICATION,
        "条例21; 政采条例31",
        15,
        _CAL,
        **_GUARD_BEFORE,
        responsible=_AGENT,
        duty_zh="澄清或者修改在投标截止时间至少15日前发出，不足15日的顺延投标截止时间",
        duty_en="a clarification or amendment at least 15 days before the bid deadline, else the deadline moves",
        starts_zh="投标截止时间",
        starts_en="the bid deadline",
    ),
    _rule(
        ClockKind.PREQUALIFICATION_CLARIFICATION,
        "条例21",
        3,
        _CAL,
        **_GUARD_BEFORE,
        responsible=_AGENT,
        duty_zh="资格预审文件的澄清或者修改在提交资格预审申请文件截止时间至少3日前发出，不足3日的顺延",
        duty_en="a clarification of the pre-qualification documents at least 3 days before the application "
        "deadline, else the deadline moves",
        starts_zh="提交资格预审申请文件截止时间",
        starts_en="the pre-qualification application deadline",
    ),
    _rule(
        ClockKind.DOCUMENTS_OBJECTION,
        "条例22",
        10,
        _CAL,
        **_GUARD_BEFORE,
        responsible=_BIDDER,
        duty_zh="对招标文件有异议的，应当在投标截止时间10日前提出",
        duty_en="an objection to the tender documents at least 10 days before the bid deadline",
        starts_zh="投标截止时间",
        starts_en="the bid deadline",
    ),
    _rule(
        ClockKind.PREQUALIFICATION_OBJECTION,
        "条例22",
        2,
        _CAL,
        **_GUARD_BEFORE,
        responsible=_BIDDER,
        duty_zh="对资格预审文件有异议的，应当在提交资格预审申请文件截止时间2日前提出",
        duty_en="an objection to the pre-qualification documents at least 2 days before the application deadline",
        starts_zh="提交资格预审申请文件截止时间",
        starts_en="the pre-qualification application deadline",
    ),
    _rule(
        ClockKind.DOCUMENTS_OBJECTION_ANSWER,
        "条例22",
        3,
        _CAL,
        **_DUTY,
        suspends=True,
        responsible=_AGENT,
        duty_zh="自收到异议之日起3日内作出答复；作出答复前，暂停招标投标活动",
        duty_en="answer the objection within 3 days of receiving it; the tender is suspended until then",
        starts_zh="收到对资格预审文件或者招标文件的异议",
        starts_en="an objection to the documents is received",
    ),
    _rule(
        ClockKind.OPENING,
        "法34",
        0,
        Counting.INSTANT,
        **_DUTY,
        responsible=(Party.AGENT, Party.PLATFORM),
        duty_zh="开标在招标文件确定的提交投标文件截止时间的同一时间公开进行",
        duty_en="open the bids at the bid deadline itself",
        starts_zh="投标截止时间",
        starts_en="the bid deadline",
    ),
    _rule(
        ClockKind.CANDIDATE_PUBLICITY,
        "条例54",
        PUBLICITY_DAYS,
        _CAL,
        **_DUTY,
        responsible=_AGENT,
        counter=lambda day, _: day + timedelta(days=PUBLICITY_DAYS),
        duty_zh="自收到评标报告之日起3日内公示中标候选人",
        duty_en="publish the candidates within 3 days of receiving the evaluation report",
        starts_zh="收到评标报告",
        starts_en="the evaluation report is received",
    ),
    _rule(
        ClockKind.PUBLICITY_PERIOD,
        "条例54",
        PUBLICITY_DAYS,
        _CAL,
        **_GUARD_AFTER,
        full_days=True,
        responsible=_AGENT,
        duty_zh="中标候选人公示期不得少于3日",
        duty_en="the candidate publicity lasts at least 3 days",
        starts_zh="中标候选人公示发布",
        starts_en="the candidate publicity is published",
    ),
    _rule(
        ClockKind.PUBLICITY_OBJECTION_ANSWER,
        "条例54",
        PUBLICITY_DAYS,
        _CAL,
        **_DUTY,
        suspends=True,
        responsible=_AGENT,
        counter=lambda day, _: day + timedelta(days=PUBLICITY_DAYS),
        duty_zh="自收到对评标结果的异议之日起3日内作出答复；作出答复前，暂停招标投标活动",
        duty_en="answer an objection to the result within 3 days; the tender is suspended until then",
        starts_zh="收到对评标结果的异议",
        starts_en="an objection to the result is received",
    ),
    _rule(
        ClockKind.CONTRACT,
        "法46",
        30,
        _CAL,
        **_DUTY,
        responsible=(Party.AGENT, Party.BIDDER),
        counter=lambda day, _: contract_due(day),
        duty_zh="自中标通知书发出之日起30日内订立书面合同",
        duty_en="sign the contract within 30 days of the award notice",
        starts_zh="中标通知书发出",
        starts_en="the award notice is sent",
    ),
    _rule(
        ClockKind.SUPERVISOR_REPORT,
        "法47",
        15,
        _CAL,
        **_DUTY,
        responsible=_AGENT,
        counter=lambda day, _: supervisor_report_due(day),
        duty_zh="15日内向有关行政监督部门提交招标投标情况的书面报告",
        duty_en="send the written report to the supervisor within 15 days",
        starts_zh="确定中标人（平台以中标通知书发出计）",
        starts_en="the winner is chosen (the platform: the award notice)",
    ),
    _rule(
        ClockKind.DEPOSIT_REFUND,
        "条例57, 35",
        5,
        _CAL,
        **_DUTY,
        responsible=(Party.PLATFORM,),
        counter=lambda day, calendar: due_on(day, working_days=False, calendar=calendar),
        duty_zh="最迟在书面合同签订后（或者撤回投标文件后）5日内退还投标保证金及银行同期存款利息",
        duty_en="refund the deposits with interest within 5 days of the contract (or of a withdrawal)",
        starts_zh="书面合同签订，或者投标人撤回投标文件",
        starts_en="the contract is signed, or a bid is withdrawn",
    ),
    _rule(
        ClockKind.COMPLAINT_FILING,
        "条例60",
        COMPLAINT_DAYS,
        _CAL,
        bound=Bound.NOT_AFTER,
        duty=False,
        responsible=_BIDDER,
        counter=lambda day, _: complaint_last_day(day),
        duty_zh="自知道或者应当知道之日起10日内提出投诉（异议答复期间不计算在内）",
        duty_en="a complaint within 10 days of knowing (the time an objection waited is not counted)",
        starts_zh="知道或者应当知道",
        starts_en="the complainant knew or should have known",
    ),
    _rule(
        ClockKind.COMPLAINT_ACCEPTANCE,
        "条例61",
        3,
        _WD,
        **_DUTY,
        responsible=_SUPERVISOR,
        counter=complaint_acceptance_due,
        duty_zh="收到投诉之日起3个工作日内决定是否受理",
        duty_en="decide within 3 working days whether to accept",
        starts_zh="收到投诉",
        starts_en="the complaint is received",
    ),
    _rule(
        ClockKind.COMPLAINT_DECISION,
        "条例61",
        30,
        _WD,
        **_DUTY,
        responsible=_SUPERVISOR,
        counter=complaint_decision_due,
        duty_zh="自受理投诉之日起30个工作日内作出书面处理决定",
        duty_en="decide the complaint in writing within 30 working days of accepting it",
        starts_zh="受理投诉",
        starts_en="the complaint is accepted",
    ),
    _rule(
        ClockKind.GP_DOCUMENTS,
        "政采条例31",
        5,
        _WD,
        **_GUARD_AFTER,
        full_days=True,
        responsible=_AGENT,
        duty_zh="招标文件的提供期限自开始发出之日起不得少于5个工作日",
        duty_en="government procurement: documents available for at least 5 working days",
        starts_zh="招标文件开始发出",
        starts_en="the documents are first issued",
    ),
    _rule(
        ClockKind.GP_ENQUIRY_ANSWER,
        "政采条例52",
        3,
        _WD,
        **_DUTY,
        responsible=_AGENT,
        duty_zh="在3个工作日内对供应商依法提出的询问作出答复",
        duty_en="government procurement: answer a supplier's enquiry within 3 working days",
        starts_zh="收到询问",
        starts_en="the enquiry is received",
    ),
    _rule(
        ClockKind.GP_REPORT_TO_PURCHASER,
        "87号令68",
        2,
        _WD,
        **_DUTY,
        responsible=_AGENT,
        counter=report_to_purchaser_due,
        duty_zh="评标结束后2个工作日内将评标报告送交采购人",
        duty_en="government procurement: the report to the purchaser within 2 working days",
        starts_zh="评标结束",
        starts_en="the evaluation ends",
    ),
    _rule(
        ClockKind.GP_PURCHASER_CHOICE,
        "87号令68",
        5,
        _WD,
        **_DUTY,
        responsible=(Party.PURCHASER,),
        duty_zh="收到评标报告后5个工作日内确定中标人，逾期视同排名第一的中标候选人为中标人",
        duty_en="government procurement: the purchaser chooses within 5 working days, else rank 1 is deemed chosen",
        starts_zh="采购人收到评标报告",
        starts_en="the purchaser receives the report",
    ),
    _rule(
        ClockKind.GP_AWARD_NOTICE,
        "87号令69",
        2,
        _WD,
        **_DUTY,
        responsible=_AGENT,
        counter=award_notice_due,
        duty_zh="中标人确定之日起2个工作日内公告中标结果并发出中标通知书",
        duty_en="government procurement: result announcement and award notice within 2 working days",
        starts_zh="中标人确定",
        starts_en="the winner is chosen",
    ),
    _rule(
        ClockKind.GP_CONTRACT,
        "87号令71; 87号令85",
        30,
        _CAL,
        **_DUTY,
        roll=True,
        responsible=(Party.AGENT, Party.BIDDER),
        counter=lambda day, _: contract_due(day),
        duty_zh="自中标通知书发出之日起30日内签订政府采购合同（期限最后一日为节假日的顺延）",
        duty_en="government procurement: the contract within 30 days of the award notice (a holiday last day moves)",
        starts_zh="中标通知书发出",
        starts_en="the award notice is sent",
    ),
    _rule(
        ClockKind.GP_CONTRACT_PUBLICATION,
        "政采条例50",
        2,
        _WD,
        **_DUTY,
        responsible=_AGENT,
        counter=gp_contract_publication_due,
        duty_zh="政府采购合同签订之日起2个工作日内公告合同",
        duty_en="government procurement: publish the contract within 2 working days of signing",
        starts_zh="政府采购合同签订",
        starts_en="the contract is signed",
    ),
    _rule(
        ClockKind.GP_DEPOSIT_REFUND,
        "政采条例33",
        5,
        _WD,
        **_DUTY,
        responsible=(Party.PLATFORM,),
        counter=lambda day, calendar: due_on(day, working_days=True, calendar=calendar),
        duty_zh="中标通知书发出后（未中标人）或者合同签订后（中标人）5个工作日内退还投标保证金",
        duty_en="government procurement: refund within 5 working days of the award notice (losers) or the "
        "contract (winner)",
        starts_zh="中标通知书发出，或者合同签订",
        starts_en="the award notice is sent, or the contract is signed",
    ),
)

#: Every clock's rule, by kind.
CLOCK_RULES: Final[Mapping[ClockKind, ClockRule]] = MappingProxyType({rule.kind: rule for rule in _RULES})


@dataclass(frozen=True, slots=True)
class Alert:
    """A clock's alert at a moment."""

    level: Level
    #: The lead of a yellow: the smallest lead already reached (3 days, then 1 day).
    lead: timedelta | None = None
    #: The duty was done, or the step taken: nothing changes any more with time.
    done: bool = False


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ClockTimeInvalid(f"{what} has no time zone")
    return moment


def _at(day: date, clock: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, clock, tz).astimezone(UTC)


def _count(day: date, rule: ClockRule, calendar: Calendar) -> date:
    if rule.direction is Direction.BEFORE:
        if rule.counting is Counting.WORKING_DAYS:
            return working_days_before(day, rule.days, calendar)
        return day - timedelta(days=rule.days)
    if rule.counter is not None:
        return rule.counter(day, calendar)
    if rule.counting is Counting.WORKING_DAYS:
        return add_working_days(day, rule.days, calendar)
    return day + timedelta(days=rule.days)


def due(
    rule: ClockRule, started_at: datetime, calendar: Calendar, tz: tzinfo = CHINA, *, excluded_days: int = 0
) -> datetime:
    """The limit of ``rule`` for a clock started at ``started_at`` (its anchor for a clock counted
    back), in UTC:

    * a duty, or a guard bounding its step from above: the last allowed instant, 23:59:59 (``tz``)
      of the last day — late from ``due + 1 s``;
    * a guard bounding its step from below: the first allowed instant, 00:00 of the first allowed day;
    * the opening: the deadline itself.

    ``excluded_days`` are calendar days that do not count (条例 60: the days an objection waited for
    its answer are added to the complaint's 10 days).

    >>> report = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 China time
    >>> due(CLOCK_RULES[ClockKind.CANDIDATE_PUBLICITY], report, lambda d: d.weekday() < 5)
    datetime.datetime(2026, 3, 5, 15, 59, 59, tzinfo=datetime.timezone.utc)
    """
    _aware(started_at, "started_at")
    if excluded_days < 0:
        raise ClockTimeInvalid("excluded_days must not be negative")
    if rule.counting is Counting.INSTANT:
        return started_at.astimezone(UTC)
    day = started_at.astimezone(tz).date() + timedelta(days=excluded_days)
    last = _count(day, rule, calendar)
    if rule.roll:
        while not calendar(last):
            last += timedelta(days=1)
    if rule.bound is Bound.NOT_BEFORE:
        return _at(last + timedelta(days=1) if rule.full_days else last, time(0), tz)
    return _at(last, _END_OF_DAY, tz)


def _breaks(rule: ClockRule, limit: datetime, step_at: datetime) -> bool:
    if rule.bound is Bound.NOT_BEFORE:
        return step_at < limit
    return step_at >= limit + RED_AFTER


def would_break(rule: ClockRule, start: datetime, step_at: datetime, calendar: Calendar, tz: tzinfo = CHINA) -> bool:
    """Whether a step at ``step_at`` breaks the limit of a clock started at ``start`` (or anchored
    there, for a clock counted back): before the first allowed instant, or after the last one. For a
    duty: done late.

    Worked example (条例 21): bid deadline Tuesday 2026-03-24 09:30 China time; an amendment on Monday
    2026-03-09 at 23:59:59 is allowed (15 days: 03-10 … 03-24), one on Tuesday 2026-03-10 at 00:00
    breaks it — unless the deadline moves to 2026-03-25 or later (:func:`earliest_anchor`).
    """
    _aware(step_at, "step_at")
    return _breaks(rule, due(rule, start, calendar, tz), step_at)


def earliest_anchor(rule: ClockRule, step_at: datetime, calendar: Calendar, tz: tzinfo = CHINA) -> datetime:
    """For a clock counted back from an anchor: the earliest anchor a step at ``step_at`` allows — the
    bid deadline an amendment must move to (条例 21: "不足15日的，招标人应当顺延提交投标文件的截止
    时间"), 00:00 (``tz``) of the N-th day after the step's day.

    >>> amendment = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tuesday 10:00 China time
    >>> earliest_anchor(CLOCK_RULES[ClockKind.CLARIFICATION], amendment, lambda d: d.weekday() < 5)
    datetime.datetime(2026, 3, 24, 16, 0, tzinfo=datetime.timezone.utc)
    """
    if rule.direction is not Direction.BEFORE:
        raise ValueError(f"{rule.kind} is not counted back from an anchor")
    day = _aware(step_at, "step_at").astimezone(tz).date()
    if rule.counting is Counting.WORKING_DAYS:
        return _at(add_working_days(day, rule.days, calendar), time(0), tz)
    return _at(day + timedelta(days=rule.days), time(0), tz)


def _leads(leads: Iterable[timedelta]) -> list[timedelta]:
    ordered = sorted(leads)
    if any(lead <= timedelta(0) for lead in ordered):
        raise ClockTimeInvalid("a lead must be positive")
    return ordered


def alert_level(
    rule: ClockRule,
    due: datetime,
    now: datetime,
    done_at: datetime | None = None,
    leads: Iterable[timedelta] = DEFAULT_LEADS,
) -> Alert:
    """The alert of a clock whose limit is ``due`` (from :func:`due`), at ``now``. ``done_at``: when
    the duty was done (or the guarded step taken), if it was; it counts from that instant on.

    A duty: NONE; YELLOW from ``due − lead`` (reporting the smallest lead reached); RED from
    ``due + 1 s``; NONE once done in time, RED for ever when done late. A guard: RED when its step
    broke it, NONE otherwise — never yellow.

    Worked example: an objection to the result received Friday 2026-03-06 15:00 China time → due
    Monday 2026-03-09 23:59:59 (3 calendar days); with leads 3 d and 1 d: yellow (3 d) from Friday
    23:59:59 (nearly the whole period), yellow (1 d) from Sunday 23:59:59, red from Tuesday 00:00:00;
    answered Monday 18:00 → none; answered Tuesday 00:00:00 → red, recorded late.
    """
    _aware(due, "due")
    _aware(now, "now")
    ordered = _leads(leads)
    done = done_at is not None and _aware(done_at, "done_at") <= now
    if not rule.duty:
        if done and done_at is not None and _breaks(rule, due, done_at):
            return Alert(Level.RED, done=True)
        return Alert(Level.NONE, done=done)
    red_from = due + RED_AFTER
    if done and done_at is not None:
        return Alert(Level.NONE if done_at < red_from else Level.RED, done=True)
    if now >= red_from:
        return Alert(Level.RED)
    for lead in ordered:
        if now >= due - lead:
            return Alert(Level.YELLOW, lead)
    return Alert(Level.NONE)


def next_alert_at(
    rule: ClockRule,
    due: datetime,
    now: datetime,
    done_at: datetime | None = None,
    leads: Iterable[timedelta] = DEFAULT_LEADS,
) -> datetime | None:
    """The next instant after ``now`` at which :func:`alert_level` changes (its level or its lead), for
    a scheduler; ``None`` when time alone changes nothing any more (red, done, or a guard).

    >>> rule = CLOCK_RULES[ClockKind.CONTRACT]
    >>> limit = datetime(2026, 4, 15, 15, 59, 59, tzinfo=UTC)  # Wednesday 23:59:59 China time
    >>> next_alert_at(rule, limit, datetime(2026, 4, 1, tzinfo=UTC))  # → yellow (3 d), 12 April 23:59:59
    datetime.datetime(2026, 4, 12, 15, 59, 59, tzinfo=datetime.timezone.utc)
    """
    ordered = _leads(leads)
    current = alert_level(rule, due, now, done_at, ordered)
    candidates = [done_at] if done_at is not None else []
    if rule.duty:
        red_from = due + RED_AFTER
        candidates += [red_from, *(due - lead for lead in ordered)]
    for moment in sorted(c for c in candidates if c > now):
        then = alert_level(rule, due, moment, done_at, ordered)
        if (then.level, then.lead) != (current.level, current.lead):
            return moment
    return None
