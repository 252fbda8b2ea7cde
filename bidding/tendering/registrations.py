"""Project registration (项目登记) by the tenderer, the agent's appointment, and its taking up.

* **Register** (``POST /api/tenderer/registrations``): name, approval number (审批/核准文号,
  招标投标法第九条), funding source (资金来源), estimate in fen, category, region and a note.
  Editable (``PUT``) while not taken up.
* **Appoint** (``PUT …/{id}/agent`` ``{agent_credit_code}``): an approved agent organisation
  (招标投标法第十二条: the tenderer chooses its agency); changed or withdrawn (``DELETE …/agent``)
  until the agent creates the project. The agent appointed, and the one whose appointment ends,
  are told (in-app, and by e-mail when they gave an address).
* **Take up** (``POST /api/agent/projects/appointments/{id}/project`` ``{code}``): the appointed
  agent creates the draft project from the registration — its name, category, region, the
  tenderer, and one lot ``01`` with the registration's estimate, all editable in the draft
  afterwards except the tenderer. The registration keeps the project's id; its documents then
  need the tenderer's approval before publication (:mod:`bidding.tendering.approvals`).

Another tenderer's registration, or a registration not appointed to the calling agent, is "not
found" (404), never "forbidden": whether it exists is not the caller's to learn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, InvalidInput, NotFound
from bidding.core.fields import NAME_PATTERN, SAFE_INT_MAX, TEXT_PATTERN, Body, Code, CreditCode, Moment, Name, Region
from bidding.identity.contacts import tell_organisation
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import Organization
from bidding.messaging.channels import Text
from bidding.messaging.service import QueuedMessage, dispatch
from bidding.tendering.agent import AgentProjectView, get_project
from bidding.tendering.models import ProjectRegistration
from bidding.tendering.projects import NewLot
from bidding.tendering.rules.projects import Category
from bidding.tendering.rules.registrations import OPEN_STATES, RegistrationStatus
from bidding.tendering.service import DraftLimits, DraftProject, create_draft

if TYPE_CHECKING:
    from bidding.core.platform import Platform

#: The in-app/e-mail notices' purpose.
PURPOSE: Final = "tendering.appointment"
#: The most registrations a list returns, newest first.
MAX_LISTED: Final = 500

ApprovalNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NAME_PATTERN)]
FundingSource = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN)]
Estimate = Annotated[int, msgspec.Meta(ge=1, le=SAFE_INT_MAX)]
Note = Annotated[str, msgspec.Meta(max_length=2000, pattern=TEXT_PATTERN)]


class RegistrationInput(Body, frozen=True):
    """A project as its tenderer registers it."""

    name: Name
    #: 审批/核准文号.
    approval_number: ApprovalNumber
    #: 资金来源 (e.g. 财政资金, 国有企业自有资金).
    funding_source: FundingSource
    #: The estimate (估算价) in fen, more than 0.
    estimate_fen: Estimate
    category: Category
    region: Region | None = None
    note: Note | None = None


class AppointmentInput(Body, frozen=True):
    #: The agent organisation's unified social credit code.
    agent_credit_code: CreditCode


class TakeUpInput(Body, frozen=True):
    """What the agent adds when it creates the project: its code, and optionally lot 01's deadline."""

    code: Code
    bid_deadline: Moment | None = None


@dataclass(frozen=True)
class RegistrationView:
    id: uuid.UUID
    name: str
    approval_number: str
    funding_source: str
    estimate_fen: int
    category: str
    region: str | None
    note: str | None
    status: str
    tenderer: str
    tenderer_credit_code: str
    agent: str | None
    agent_credit_code: str | None
    appointed_at: datetime | None
    project_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: ProjectRegistration) -> RegistrationView:
        return cls(
            r.id,
            r.name,
            r.approval_number,
            r.funding_source,
            r.estimate_fen,
            r.category.value,
            r.region,
            r.note,
            r.status.value,
            r.tenderer.name,
            r.tenderer.credit_code,
            r.agent.name if r.agent else None,
            r.agent.credit_code if r.agent else None,
            r.appointed_at,
            r.project_id,
            r.created_at,
            r.updated_at,
        )


class RegistrationClosed(Conflict):
    code = "registration_taken_up"
    message_zh = "代理机构已据此登记创建项目，登记不能再修改"
    message_en = "The agent created the project from this registration: it no longer changes"


class NotAnAgent(InvalidInput):
    code = "agent_not_approved"
    message_zh = "不是本平台已审核的代理机构"
    message_en = "Not an approved agent organisation on this platform"


class NotAppointed(Conflict):
    code = "not_appointed"
    message_zh = "该登记项目尚未委托代理机构"
    message_en = "No agent is appointed for this registration"


_LOADED = (selectinload(ProjectRegistration.tenderer), selectinload(ProjectRegistration.agent))


async def _own(session: AsyncSession, tenderer_id: uuid.UUID, registration_id: uuid.UUID) -> ProjectRegistration:
    found = await session.scalar(
        select(ProjectRegistration)
        .where(ProjectRegistration.id == registration_id, ProjectRegistration.tenderer_id == tenderer_id)
        .options(*_LOADED)
        .with_for_update()
    )
    if found is None:
        raise NotFound(f"you registered no project {registration_id}", f"您没有登记项目 {registration_id}")
    return found


def _open(registration: ProjectRegistration) -> None:
    if registration.status not in OPEN_STATES:
        raise RegistrationClosed(
            f"project {registration.project_id} was created from it", f"已创建项目 {registration.project_id}"
        )


def _fields(data: RegistrationInput) -> dict[str, object]:
    name, number, source = data.name.strip(), data.approval_number.strip(), data.funding_source.strip()
    missing = [
        key for key, value in (("name", name), ("approval_number", number), ("funding_source", source)) if not value
    ]
    if missing:
        raise InvalidInput(
            f"{', '.join(missing)} may not be blank",
            f"{'、'.join(missing)} 不能为空",
            details=[{"key": key, "message": "blank"} for key in missing],
        )
    return {
        "name": name,
        "approval_number": number,
        "funding_source": source,
        "estimate_fen": data.estimate_fen,
        "category": data.category,
        "region": (data.region or "").strip() or None,
        "note": (data.note or "").strip() or None,
    }


def _audit(session: AsyncSession, actor: Actor, action: str, r: ProjectRegistration, **details: object) -> None:
    record(
        session,
        actor,
        action,
        object_type="project_registration",
        object_id=str(r.id),
        details={"name": r.name, "status": r.status.value, **details},
    )


async def register(platform: Platform, caller: Caller, data: RegistrationInput) -> RegistrationView:
    """The tenderer registers a project (项目登记)."""
    tenderer_id = caller.organisation()
    fields = _fields(data)
    async with platform.sessions() as db, db.begin():
        registration = ProjectRegistration(tenderer_id=tenderer_id, created_by=caller.actor.id, **fields)
        db.add(registration)
        await db.flush()
        _audit(db, caller.actor, "project_registration.created", registration, estimate_fen=data.estimate_fen)
        return RegistrationView.of(await _own(db, tenderer_id, registration.id))


async def edit(
    platform: Platform, caller: Caller, registration_id: uuid.UUID, data: RegistrationInput
) -> RegistrationView:
    """Change a registration while the agent has not created the project from it."""
    tenderer_id = caller.organisation()
    fields = _fields(data)
    async with platform.sessions() as db, db.begin():
        registration = await _own(db, tenderer_id, registration_id)
        _open(registration)
        changed = {k: str(v) for k, v in fields.items() if getattr(registration, k) != v}
        for key, value in fields.items():
            setattr(registration, key, value)
        await db.flush()
        _audit(db, caller.actor, "project_registration.updated", registration, changed=sorted(changed))
        return RegistrationView.of(registration)


async def list_registrations(platform: Platform, caller: Caller) -> list[RegistrationView]:
    tenderer_id = caller.organisation()
    async with platform.sessions() as db:
        rows = await db.scalars(
            select(ProjectRegistration)
            .where(ProjectRegistration.tenderer_id == tenderer_id)
            .options(*_LOADED)
            .order_by(ProjectRegistration.created_at.desc())
            .limit(MAX_LISTED)
        )
        return [RegistrationView.of(r) for r in rows.all()]


async def get_registration(platform: Platform, caller: Caller, registration_id: uuid.UUID) -> RegistrationView:
    tenderer_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        return RegistrationView.of(await _own(db, tenderer_id, registration_id))


async def _approved_agent(session: AsyncSession, credit_code: str) -> Organization:
    agent = await session.scalar(select(Organization).where(Organization.credit_code == credit_code.strip().upper()))
    if agent is None or agent.kind is not OrgKind.AGENT or agent.status is not OrgStatus.APPROVED:
        raise NotAnAgent(
            f"{credit_code} is not an approved agent organisation",
            f"{credit_code} 不是本平台已审核的代理机构",
            details=[{"key": "agent_credit_code"}],
        )
    return agent


async def _tell(
    db: AsyncSession, platform: Platform, actor: Actor, org_id: uuid.UUID, r: ProjectRegistration, *, appointed: bool
) -> list[QueuedMessage]:
    tenderer = r.tenderer.name
    if appointed:
        subject = Text(f"【项目委托】{r.name}", f"[Appointment] {r.name}")
        body = Text(
            f"招标人 {tenderer} 委托贵单位代理项目《{r.name}》（审批文号 {r.approval_number}）。"
            "请在平台“受托项目”中据此创建项目。",
            f"The tenderer {tenderer} appointed you as the agent of the project {r.name} (approval "
            f"{r.approval_number}). Create the project from it under Appointments on the platform.",
        )
    else:
        subject = Text(f"【委托撤回】{r.name}", f"[Appointment withdrawn] {r.name}")
        body = Text(
            f"招标人 {tenderer} 已撤回对贵单位代理项目《{r.name}》的委托。",
            f"The tenderer {tenderer} withdrew your appointment as the agent of the project {r.name}.",
        )
    return await tell_organisation(
        db,
        platform,
        actor,
        org_id,
        purpose=PURPOSE,
        reference=f"project-registration:{r.id}",
        subject=subject,
        body=body,
        now=platform.clock.now(),
    )


async def appoint(
    platform: Platform, caller: Caller, registration_id: uuid.UUID, data: AppointmentInput
) -> RegistrationView:
    """Appoint (or change) the registration's agent; the new agent, and the one replaced, are told."""
    tenderer_id = caller.organisation()
    queued: list[QueuedMessage] = []
    async with platform.sessions() as db, db.begin():
        registration = await _own(db, tenderer_id, registration_id)
        _open(registration)
        agent = await _approved_agent(db, data.agent_credit_code)
        previous = registration.agent_id
        if previous == agent.id:
            return RegistrationView.of(registration)
        registration.agent_id, registration.status = agent.id, RegistrationStatus.APPOINTED
        registration.appointed_at = platform.clock.now()
        await db.flush()
        _audit(
            db,
            caller.actor,
            "project_registration.agent_appointed",
            registration,
            agent=str(agent.id),
            agent_credit_code=agent.credit_code,
            replaced=str(previous) if previous else None,
        )
        if previous is not None:
            queued += await _tell(db, platform, caller.actor, previous, registration, appointed=False)
        queued += await _tell(db, platform, caller.actor, agent.id, registration, appointed=True)
        db.expire(registration, ["agent"])
        view = RegistrationView.of(await _own(db, tenderer_id, registration_id))
    await dispatch(platform, queued)
    return view


async def withdraw(platform: Platform, caller: Caller, registration_id: uuid.UUID) -> RegistrationView:
    """Withdraw the appointment before the agent created the project; the agent is told."""
    tenderer_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        registration = await _own(db, tenderer_id, registration_id)
        _open(registration)
        previous = registration.agent_id
        if previous is None:
            raise NotAppointed(
                f"registration {registration_id} has no agent", f"登记项目 {registration_id} 未委托代理机构"
            )
        registration.agent_id, registration.appointed_at = None, None
        registration.status = RegistrationStatus.REGISTERED
        await db.flush()
        _audit(db, caller.actor, "project_registration.agent_withdrawn", registration, agent=str(previous))
        queued = await _tell(db, platform, caller.actor, previous, registration, appointed=False)
        db.expire(registration, ["agent"])
        view = RegistrationView.of(await _own(db, tenderer_id, registration_id))
    await dispatch(platform, queued)
    return view


# ----------------------------------------------------------------------------- the agent's side


async def list_appointments(platform: Platform, caller: Caller) -> list[RegistrationView]:
    """The registrations the calling agent is appointed to, those taken up included, newest first."""
    agent_id = caller.organisation()
    async with platform.sessions() as db:
        rows = await db.scalars(
            select(ProjectRegistration)
            .where(ProjectRegistration.agent_id == agent_id)
            .options(*_LOADED)
            .order_by(ProjectRegistration.appointed_at.desc())
            .limit(MAX_LISTED)
        )
        return [RegistrationView.of(r) for r in rows.all()]


async def take_up(
    platform: Platform, caller: Caller, registration_id: uuid.UUID, data: TakeUpInput
) -> AgentProjectView:
    """The appointed agent creates the draft project from the registration (name, category, region,
    the tenderer; lot 01 with the estimate); the registration keeps the link and the tenderer is told."""
    agent_id = caller.organisation()
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        registration = await db.scalar(
            select(ProjectRegistration)
            .where(ProjectRegistration.id == registration_id, ProjectRegistration.agent_id == agent_id)
            .options(*_LOADED)
            .with_for_update()
        )
        if registration is None:
            raise NotFound(
                f"no registration {registration_id} appointed to you", f"没有委托贵单位的登记项目 {registration_id}"
            )
        _open(registration)
        draft = DraftProject(
            code=data.code,
            name=registration.name,
            category=registration.category,
            tenderer_credit_code=registration.tenderer.credit_code,
            region=registration.region,
            lots=[
                NewLot(
                    code="01",
                    name=registration.name[:300],
                    estimated_price_fen=registration.estimate_fen,
                    deposit_fen=0,
                    bid_deadline=data.bid_deadline,
                )
            ],
        )
        project = await create_draft(db, caller.actor, agent_id, draft, limits=DraftLimits.at(platform.settings, now))
        registration.project_id, registration.status = project.id, RegistrationStatus.TAKEN_UP
        await db.flush()
        _audit(
            db,
            caller.actor,
            "project_registration.taken_up",
            registration,
            project=str(project.id),
            project_code=project.code,
        )
        queued = await tell_organisation(
            db,
            platform,
            caller.actor,
            registration.tenderer_id,
            purpose=PURPOSE,
            reference=f"project-registration:{registration.id}",
            subject=Text(f"【项目已创建】{registration.name}", f"[Project created] {registration.name}"),
            body=Text(
                f"代理机构已据登记创建项目 {project.code}《{registration.name}》。招标文件发布前须经贵单位确认。",
                f"The agent created the project {project.code} ({registration.name}) from your registration. "
                "Its tender documents need your approval before publication.",
            ),
            now=now,
        )
        project_id = project.id
    await dispatch(platform, queued)
    return await get_project(platform, caller, project_id)
