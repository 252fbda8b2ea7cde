"""Supervision orders (电子督办单; issue 24; RULES d, acceptance checks 2 and 5): a red alert opens
one for the party responsible, which answers it by its reply deadline; a supervisor closes it with a
reason; an order whose reply is overdue escalates. Closed, never deleted (migration 0020 refuses a
DELETE on ``supervision_orders``).

* **Opened** (:func:`open_order`, called by :mod:`bidding.supervision.alerts` in the red alert's
  transaction): one per clock — a second red of the same clock finds the first order. Numbered
  督办〔2026〕第 000001 号 as ``DB-2026-000001``: the China year of the opening and the year's
  sequence. The reply is due at the end (23:59:59 China time) of the 3rd working day after the
  opening (``BIDDING_SUPERVISION_ORDER_REPLY_DAYS``, default 3; the day of the opening not counted,
  87号令 85; the platform's calendar, :func:`bidding.core.holidays.deployment_calendar`).
  The organisation responsible is told (in-app, e-mail, SMS where a template is configured for
  ``supervision.order``).
* **Answered** (:func:`answer_order`) by a user of the organisation responsible (its agent, tenderer or
  bidder users; RULES d "督办单" to the party responsible): ``open → answered``, once. Another
  organisation's user does not see the order at all (404); the supervisor and the auditor do not
  answer (403).
* **Closed** (:func:`close_order`) by a supervisor with a reason (mandatory, RULES d check 2), from
  ``open`` or ``answered``; a closed order is closed for good (409 ``order_state``). The auditor reads
  and never acts.
* **Escalated** (:func:`escalate_due`, a step of the supervision watch): an ``open`` order past its
  reply deadline goes up one level (``escalations`` + 1) and gets another reply period from then;
  the organisation responsible, every supervision office and the duty desk
  (``BIDDING_SUPERVISION_CONTACTS``) are told.

Every change is an audit event on the order (object type ``supervision_order``):
``supervision.order_opened``, ``…_answered``, ``…_closed`` (with the reason), ``…_escalated`` — so
a leaf of the transparency log (RULES d check 5) — and is announced on the live channel after its
commit (:func:`bidding.supervision.live.announce`; the order opened by an alert is announced by the
alert's watch, which owns that transaction).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Annotated, Final

import msgspec
from sqlalchemy import Row, Select, and_, func, not_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bidding.audit.trail import content_hash, record
from bidding.awards.rules import CHINA, china_day
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.calendar import add_working_days
from bidding.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidding.core.fields import TEXT_PATTERN, Body
from bidding.core.holidays import deployment_calendar
from bidding.core.roles import Role
from bidding.identity.contacts import tell_organisation
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import Organization
from bidding.messaging.channels import Text
from bidding.messaging.service import QueuedMessage, dispatch
from bidding.supervision.clocks import CLOCK_RULES, ClockKind
from bidding.supervision.live import announce
from bidding.supervision.models import SupervisionAlert, SupervisionClock, SupervisionOrder
from bidding.supervision.notices import tell_supervision_office
from bidding.supervision.states import OrderState
from bidding.tendering.models import Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform
    from bidding.core.settings import Settings

__all__ = [
    "ANSWER_MAX",
    "OBJECT_TYPE",
    "ORGANISATION_ROLES",
    "PURPOSE",
    "READ_ALL",
    "REASON_MAX",
    "REASON_MIN",
    "AnswerInput",
    "AnswerRequired",
    "CloseInput",
    "CloseReasonRequired",
    "OrderNotFound",
    "OrderState",
    "OrderStateRefused",
    "OrderView",
    "answer_order",
    "close_order",
    "escalate_due",
    "get_order",
    "list_orders",
    "open_order",
    "order_view",
    "reply_due",
]

log = logging.getLogger(__name__)

#: The party responsible answers within 3 working days of the order (docs/supervision.md; a deployment
#: wanting another period changes this one constant: the escalation gives the same period again).
PURPOSE: Final = "supervision.order"
OBJECT_TYPE: Final = "supervision_order"
#: An answer: 1 to 4000 characters once stripped; a closing reason: 2 to 2000.
ANSWER_MAX: Final = 4000
REASON_MIN: Final = 2
REASON_MAX: Final = 2000
#: Who reads every order: the supervision office (which acts) and the auditor (who only reads).
READ_ALL: Final = (Role.SUPERVISOR, Role.AUDITOR)
#: The users of an organisation responsible for a clock (Party.AGENT: the agent, or the tenderer
#: running its own tender; Party.PURCHASER: the tenderer; Party.BIDDER: a bidder): their own orders.
ORGANISATION_ROLES: Final = (Role.AGENT, Role.TENDERER, Role.BIDDER)
#: The watch's actor (the same as the clocks' and the alerts').
ACTOR: Final = Actor.system("supervision")
_END_OF_DAY: Final = time(23, 59, 59)
#: How many times a number taken by a concurrent opening is tried again.
_NUMBER_TRIES: Final = 5


class OrderNotFound(NotFound):
    code = "order_not_found"
    message_zh = "督办单不存在"
    message_en = "No such supervision order"


class OrderStateRefused(Conflict):
    code = "order_state"
    message_zh = "督办单当前状态不允许该操作"
    message_en = "The supervision order's state does not allow this"


class CloseReasonRequired(InvalidInput):
    """RULES (d) check 2: an order is closed with a reason."""

    code = "close_reason_required"
    status = 422
    message_zh = "办结督办单须填写办结理由"
    message_en = "Closing a supervision order needs a reason"


class AnswerRequired(InvalidInput):
    code = "answer_required"
    status = 422
    message_zh = "督办单回复内容不能为空"
    message_en = "The answer to a supervision order must not be empty"


# ----------------------------------------------------------------------------- wire

#: Bounded on the wire (a longer text is a 400 naming the field); blank is checked after stripping
#: (422 with the order's own code), so an absent field and an empty one say the same thing.
AnswerText = Annotated[str, msgspec.Meta(max_length=ANSWER_MAX, pattern=TEXT_PATTERN)]
ReasonText = Annotated[str, msgspec.Meta(max_length=REASON_MAX, pattern=TEXT_PATTERN)]


class AnswerInput(Body, frozen=True, kw_only=True):
    #: What the party responsible did or will do, and when (1–4000 characters once stripped).
    answer: AnswerText = ""


class CloseInput(Body, frozen=True, kw_only=True):
    #: Why the order is closed (2–2000 characters once stripped; RULES d check 2).
    reason: ReasonText = ""


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    #: ``DB-<China year>-<6-digit sequence>``.
    number: str
    kind: str
    article: str
    duty_zh: str
    duty_en: str
    project_id: uuid.UUID
    project_code: str
    project_name: str
    lot_id: uuid.UUID | None
    #: The party responsible (a :class:`~bidding.supervision.clocks.Party` value), its organisation and person.
    responsible: str
    responsible_org_id: uuid.UUID | None
    responsible_org_name: str | None
    responsible_person: str | None
    state: str
    opened_at: datetime
    opened_by: str
    reply_due_at: datetime
    #: Open and past its reply deadline (the next watch escalates it).
    overdue: bool
    answer: str | None
    answered_at: datetime | None
    answered_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str | None
    escalations: int
    escalated_at: datetime | None
    #: The clock's limit the red alert was raised for.
    due_at: datetime
    alert_id: int


def _duty(kind: str) -> tuple[str, str]:
    try:
        rule = CLOCK_RULES[ClockKind(kind)]
    except ValueError:  # a kind a later version retired: the order still reads
        return "", ""
    return rule.duty_zh, rule.duty_en


def _overdue(order: SupervisionOrder, now: datetime) -> bool:
    return order.state == OrderState.OPEN and order.reply_due_at < now


def _view(
    o: SupervisionOrder, due_at: datetime, article: str, code: str, name: str, org: str | None, now: datetime
) -> OrderView:
    duty_zh, duty_en = _duty(o.kind)
    return OrderView(
        id=o.id,
        number=o.number,
        kind=o.kind,
        article=article,
        duty_zh=duty_zh,
        duty_en=duty_en,
        project_id=o.project_id,
        project_code=code,
        project_name=name,
        lot_id=o.lot_id,
        responsible=o.responsible,
        responsible_org_id=o.responsible_org_id,
        responsible_org_name=org,
        responsible_person=o.responsible_person,
        state=o.state,
        opened_at=o.opened_at,
        opened_by=o.opened_by,
        reply_due_at=o.reply_due_at,
        overdue=_overdue(o, now),
        answer=o.answer,
        answered_at=o.answered_at,
        answered_by=o.answered_by,
        closed_at=o.closed_at,
        closed_by=o.closed_by,
        close_reason=o.close_reason,
        escalations=o.escalations,
        escalated_at=o.escalated_at,
        due_at=due_at,
        alert_id=o.alert_id,
    )


_Org = aliased(Organization)


#: An order with its clock's limit and article, its project's code and name, and the name of the
#: organisation responsible (None without one: an outer join, which the row's type does not say).
_Row = Row[SupervisionOrder, datetime, str, str, str, str]


def _query() -> Select[SupervisionOrder, datetime, str, str, str, str]:
    return (
        select(
            SupervisionOrder, SupervisionClock.due_at, SupervisionClock.article, Project.code, Project.name, _Org.name
        )
        .join(SupervisionClock, SupervisionClock.id == SupervisionOrder.clock_id)
        .join(Project, Project.id == SupervisionOrder.project_id)
        .outerjoin(_Org, _Org.id == SupervisionOrder.responsible_org_id)
    )


def _view_of(row: _Row, now: datetime) -> OrderView:
    order, due_at, article, code, name, org = row
    return _view(order, due_at, article, code, name, org, now)


async def order_view(session: AsyncSession, order_id: uuid.UUID, now: datetime) -> OrderView | None:
    """The order as the supervision office reads it (the live channel's ``{"type": "order"}``)."""
    row = (await session.execute(_query().where(SupervisionOrder.id == order_id))).first()
    return _view_of(row, now) if row is not None else None


# ----------------------------------------------------------------------------- who reads, who acts


def _scope(caller: Caller) -> uuid.UUID | None:
    """The organisation whose orders the caller reads, None for all (the supervisor, the auditor)."""
    if caller.has(*READ_ALL):
        return None
    if caller.has(*ORGANISATION_ROLES):
        return caller.organisation()
    raise Forbidden(
        "supervision orders are read by the supervision office and the party responsible",
        "督办单仅监督部门与责任单位可查看",
    )


def _visible(order: SupervisionOrder | None, caller: Caller) -> SupervisionOrder:
    """The order if the caller may see it; 404 otherwise (another organisation's order is not shown)."""
    scope = _scope(caller)
    if order is None or (scope is not None and order.responsible_org_id != scope):
        raise OrderNotFound()
    return order


def _state(order: SupervisionOrder, *allowed: OrderState) -> None:
    if order.state not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise OrderStateRefused(
            f"the order is {order.state}, not {wanted}",
            f"督办单当前为 {order.state}",
            details=[{"state": order.state, "expected": [s.value for s in allowed]}],
        )


def _text_of(value: str, *, key: str, low: int, high: int, error: type[InvalidInput]) -> str:
    text = value.strip()
    if low <= len(text) <= high:
        return text
    problem = "is empty" if not text else f"must be {low} to {high} characters once stripped, not {len(text)}"
    raise error(f"`{key}` {problem}", f"`{key}` 须为 {low}–{high} 个字符", details=[{"key": key, "message": problem}])


# ----------------------------------------------------------------------------- opening


def reply_due(now: datetime, settings: Settings) -> datetime:
    """The end (23:59:59 China time) of the N-th working day after ``now``'s China day
    (``BIDDING_SUPERVISION_ORDER_REPLY_DAYS``), in UTC (the day of the opening not counted, 87号令 85)."""
    calendar = deployment_calendar(settings)
    last = add_working_days(china_day(now), settings.supervision_order_reply_days, calendar)
    return datetime.combine(last, _END_OF_DAY, CHINA).astimezone(UTC)


def _china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


async def _next_number(session: AsyncSession, year: int) -> str:
    """The year's next number: one more than the year's highest (six digits sort as numbers)."""
    prefix = f"DB-{year}-"
    last = await session.scalar(
        select(func.max(SupervisionOrder.number)).where(SupervisionOrder.number.like(f"{prefix}%"))
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


async def _by_clock(session: AsyncSession, clock_id: uuid.UUID) -> SupervisionOrder | None:
    found: SupervisionOrder | None = await session.scalar(
        select(SupervisionOrder).where(SupervisionOrder.clock_id == clock_id)
    )
    return found


async def _project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    project = await session.get(Project, project_id)
    assert project is not None  # a foreign key
    return project


async def open_order(
    session: AsyncSession,
    platform: Platform,
    clock: SupervisionClock,
    alert: SupervisionAlert,
    *,
    now: datetime,
    actor: Actor,
) -> tuple[SupervisionOrder, list[QueuedMessage]]:
    """The order of ``clock``'s red ``alert`` (RULES d check 2), in the caller's transaction: opened
    now, or the one opened before (with no message). Returns it and the messages queued to the
    organisation responsible, which the caller dispatches after its commit."""
    existing = await _by_clock(session, clock.id)
    if existing is not None:
        return existing, []
    year = china_day(now).year
    due_at = reply_due(now, platform.settings)
    for _ in range(_NUMBER_TRIES):
        order = SupervisionOrder(
            id=uuid.uuid4(),
            number=await _next_number(session, year),
            clock_id=clock.id,
            alert_id=alert.id,
            kind=clock.kind,
            project_id=clock.project_id,
            lot_id=clock.lot_id,
            responsible=clock.responsible,
            responsible_org_id=clock.responsible_org_id,
            responsible_person=clock.responsible_person,
            state=OrderState.OPEN,
            opened_at=now,
            opened_by=actor.id,
            reply_due_at=due_at,
            escalations=0,
        )
        try:
            # A savepoint: a concurrent opening (the same clock, or the same number) undoes this
            # insert alone, not the caller's alert.
            async with session.begin_nested():
                session.add(order)
                await session.flush()
            break
        except IntegrityError:
            existing = await _by_clock(session, clock.id)
            if existing is not None:
                return existing, []
    else:
        raise Conflict("no free order number; try again", "督办单编号冲突，请重试")
    record(
        session,
        actor,
        "supervision.order_opened",
        object_type=OBJECT_TYPE,
        object_id=str(order.id),
        details={
            "number": order.number,
            "clock": str(clock.id),
            "alert": alert.id,
            "kind": clock.kind,
            "article": clock.article,
            "project": str(clock.project_id),
            "responsible": clock.responsible,
            "organization": str(clock.responsible_org_id) if clock.responsible_org_id else None,
            "person": clock.responsible_person,
            "due_at": clock.due_at.isoformat(),
            "reply_due_at": due_at.isoformat(),
        },
    )
    queued: list[QueuedMessage] = []
    if order.responsible_org_id is not None:
        project = await _project(session, order.project_id)
        duty_zh, duty_en = _duty(order.kind)
        queued += await tell_organisation(
            session,
            platform,
            actor,
            order.responsible_org_id,
            purpose=PURPOSE,
            reference=f"supervision-order:{order.id}",
            subject=Text(
                f"【督办单】{order.number} {project.code}", f"[Supervision order] {order.number} {project.code}"
            ),
            body=Text(
                f"项目 {project.code}《{project.name}》：{duty_zh}（{clock.article}）已超时"
                f"（时限 {_china(clock.due_at)}）。"
                f"监督部门发出督办单 {order.number}，请于 {_china(due_at)}（北京时间）前在平台回复办理情况。",
                f"Project {project.code} ({project.name}): {duty_en} ({clock.article}) is late (limit "
                f"{_china(clock.due_at)} China time). Supervision order {order.number}: answer on the platform by "
                f"{_china(due_at)} China time.",
            ),
            now=now,
            sms=True,
            params={"number": order.number, "project": project.code, "due": _china(due_at)},
        )
    return order, queued


# ----------------------------------------------------------------------------- reading


async def list_orders(
    platform: Platform,
    caller: Caller,
    *,
    state: OrderState | None = None,
    overdue: bool | None = None,
    limit: int = 100,
) -> list[OrderView]:
    """``GET /api/supervision/orders``: the newest first; all for the supervisor and the auditor, an
    organisation's user its own organisation's. ``overdue`` true: open past the reply deadline."""
    scope = _scope(caller)
    now = platform.clock.now()
    query = _query()
    if scope is not None:
        query = query.where(SupervisionOrder.responsible_org_id == scope)
    if state is not None:
        query = query.where(SupervisionOrder.state == state.value)
    late = and_(SupervisionOrder.state == OrderState.OPEN, SupervisionOrder.reply_due_at < now)
    if overdue is True:
        query = query.where(late)
    elif overdue is False:
        query = query.where(not_(late))
    query = query.order_by(SupervisionOrder.opened_at.desc(), SupervisionOrder.number.desc()).limit(limit)
    async with platform.sessions() as session:
        rows = (await session.execute(query)).all()
    return [_view_of(row, now) for row in rows]


async def get_order(platform: Platform, caller: Caller, order_id: uuid.UUID) -> OrderView:
    """``GET /api/supervision/orders/{id}``: 404 for an order the caller may not see."""
    scope = _scope(caller)
    async with platform.sessions() as session:
        view = await order_view(session, order_id, platform.clock.now())
    if view is None or (scope is not None and view.responsible_org_id != scope):
        raise OrderNotFound()
    return view


# ----------------------------------------------------------------------------- acting


async def _supervision_offices(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Organization.id).where(
            Organization.kind == OrgKind.SUPERVISOR, Organization.status == OrgStatus.APPROVED
        )
    )
    return list(rows.all())


async def _locked(session: AsyncSession, order_id: uuid.UUID) -> SupervisionOrder | None:
    order: SupervisionOrder | None = await session.get(
        SupervisionOrder, order_id, with_for_update=True, populate_existing=True
    )
    return order


async def _after_commit(platform: Platform, queued: list[QueuedMessage], order_id: uuid.UUID) -> None:
    """What follows an order's committed change: its notices sent, the change announced live."""
    await dispatch(platform, queued)
    await announce(platform, "order", order_id)


async def answer_order(platform: Platform, caller: Caller, order_id: uuid.UUID, data: AnswerInput) -> OrderView:
    """``POST /api/supervision/orders/{id}/answer``: the organisation responsible answers its open
    order (``open → answered``); the supervision offices are told."""
    if not caller.has(*ORGANISATION_ROLES) or caller.has(*READ_ALL):
        raise Forbidden(
            "an order is answered by the organisation responsible",
            "督办单由责任单位回复",
            details=[{"order": str(order_id)}],
        )
    text = _text_of(data.answer, key="answer", low=1, high=ANSWER_MAX, error=AnswerRequired)
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        order = _visible(await _locked(session, order_id), caller)
        _state(order, OrderState.OPEN)
        now = platform.clock.now()
        order.state, order.answer, order.answered_at, order.answered_by = (
            OrderState.ANSWERED,
            text,
            now,
            caller.actor_id,
        )
        record(
            session,
            caller.actor,
            "supervision.order_answered",
            object_type=OBJECT_TYPE,
            object_id=str(order.id),
            content_sha256=content_hash(text.encode()),
            details={
                "number": order.number,
                "organization": str(caller.organisation()),
                "late": now > order.reply_due_at,
            },
        )
        project = await _project(session, order.project_id)
        for office in await _supervision_offices(session):
            queued += await tell_organisation(
                session,
                platform,
                caller.actor,
                office,
                purpose=PURPOSE,
                reference=f"supervision-order:{order.id}",
                subject=Text(f"【督办单已回复】{order.number} {project.code}", f"[Order answered] {order.number}"),
                body=Text(
                    f"督办单 {order.number}（项目 {project.code}）已由责任单位回复，请审核办结。",
                    f"Supervision order {order.number} (project {project.code}) is answered; review and close it.",
                ),
                now=now,
            )
        await session.flush()
        view = await order_view(session, order.id, now)
    await _after_commit(platform, queued, order_id)
    assert view is not None
    return view


async def close_order(platform: Platform, caller: Caller, order_id: uuid.UUID, data: CloseInput) -> OrderView:
    """``POST /api/supervision/orders/{id}/close``: a supervisor closes an open or answered order with
    its reason (RULES d check 2); the organisation responsible is told."""
    if not caller.has(Role.SUPERVISOR):
        raise Forbidden("an order is closed by the supervision office", "督办单由监督部门办结")
    reason = _text_of(data.reason, key="reason", low=REASON_MIN, high=REASON_MAX, error=CloseReasonRequired)
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        order = _visible(await _locked(session, order_id), caller)
        _state(order, OrderState.OPEN, OrderState.ANSWERED)
        now = platform.clock.now()
        was = order.state
        order.state, order.closed_at, order.closed_by, order.close_reason = (
            OrderState.CLOSED,
            now,
            caller.actor_id,
            reason,
        )
        record(
            session,
            caller.actor,
            "supervision.order_closed",
            object_type=OBJECT_TYPE,
            object_id=str(order.id),
            details={"number": order.number, "reason": reason, "from": was},
        )
        if order.responsible_org_id is not None:
            project = await _project(session, order.project_id)
            queued += await tell_organisation(
                session,
                platform,
                caller.actor,
                order.responsible_org_id,
                purpose=PURPOSE,
                reference=f"supervision-order:{order.id}",
                subject=Text(f"【督办单已办结】{order.number} {project.code}", f"[Order closed] {order.number}"),
                body=Text(
                    f"督办单 {order.number}（项目 {project.code}）已办结。办结理由：{reason}",
                    f"Supervision order {order.number} (project {project.code}) is closed: {reason}",
                ),
                now=now,
            )
        await session.flush()
        view = await order_view(session, order.id, now)
    await _after_commit(platform, queued, order_id)
    assert view is not None
    return view


# ----------------------------------------------------------------------------- escalating


async def _escalate(platform: Platform, order_id: uuid.UUID, now: datetime) -> bool:
    """One overdue order up one level, under its lock; False when another pass did it meanwhile."""
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        order = await _locked(session, order_id)
        if order is None or not _overdue(order, now):
            return False
        was_due = order.reply_due_at
        order.escalations += 1
        order.escalated_at = now
        order.reply_due_at = reply_due(now, platform.settings)
        record(
            session,
            ACTOR,
            "supervision.order_escalated",
            object_type=OBJECT_TYPE,
            object_id=str(order.id),
            details={
                "number": order.number,
                "escalations": order.escalations,
                "reply_due_at": order.reply_due_at.isoformat(),
                "overdue_since": was_due.isoformat(),
            },
        )
        project = await _project(session, order.project_id)
        subject = Text(
            f"【督办升级】{order.number} {project.code}（第 {order.escalations} 次）",
            f"[Order escalated] {order.number} {project.code} (level {order.escalations})",
        )
        body = Text(
            f"督办单 {order.number}（项目 {project.code}《{project.name}》）未在 {_china(was_due)} 前回复，"
            f"已第 {order.escalations} 次升级督办；请于 {_china(order.reply_due_at)}（北京时间）前回复。",
            f"Supervision order {order.number} (project {project.code}) was not answered by {_china(was_due)} "
            f"China time and is escalated (level {order.escalations}); answer by "
            f"{_china(order.reply_due_at)} China time.",
        )
        told = [order.responsible_org_id] if order.responsible_org_id else []
        told += [office for office in await _supervision_offices(session) if office not in told]
        for org in told:
            queued += await tell_organisation(
                session,
                platform,
                ACTOR,
                org,
                purpose=PURPOSE,
                reference=f"supervision-order:{order.id}",
                subject=subject,
                body=body,
                now=now,
                sms=True,
                params={"number": order.number, "project": project.code, "due": _china(order.reply_due_at)},
            )
        queued += await tell_supervision_office(  # the duty desk, as for a red alert
            session,
            platform,
            ACTOR,
            purpose=PURPOSE,
            reference=f"supervision-order:{order.id}",
            subject=subject,
            body=body,
            now=now,
            params={"number": order.number, "project": project.code, "due": _china(order.reply_due_at)},
        )
    await _after_commit(platform, queued, order_id)
    return True


async def escalate_due(platform: Platform, now: datetime) -> int:
    """The watch's step: every open order past its reply deadline escalated once, each in its own
    transaction (its new deadline lies after ``now``, so a pass run twice escalates it once); the
    count escalated. One order's failure is logged and the others still run."""
    async with platform.sessions() as session:
        due: Sequence[uuid.UUID] = (
            await session.scalars(
                select(SupervisionOrder.id)
                .where(SupervisionOrder.state == OrderState.OPEN, SupervisionOrder.reply_due_at < now)
                .order_by(SupervisionOrder.reply_due_at, SupervisionOrder.id)
            )
        ).all()
    count = 0
    for order_id in due:
        try:
            count += await _escalate(platform, order_id, now)
        except Exception:  # one order's failure (a notice refused…) must not hold up the others
            log.exception("supervision: order %s not escalated", order_id)
    return count
