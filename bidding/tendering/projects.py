"""Reading and creating projects and lots, with the phase derived from the clock."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import msgspec
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import content_hash, record
from bidding.core.actor import Actor
from bidding.core.errors import InvalidInput, NotFound
from bidding.core.fields import Body, Code, Fen, FormFieldDeclaration, Moment, Name, WindowMinutes
from bidding.identity.kinds import OrgKind
from bidding.identity.models import Organization
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.deposit_requirements import (
    DEFAULT_BID_VALIDITY_DAYS,
    DEFAULT_FORMS,
    MAX_BID_VALIDITY_DAYS,
    DepositForm,
    basic_account_default,
)
from bidding.tendering.rules.forms import MAX_FIELDS
from bidding.tendering.rules.projects import (
    TERMINAL_PHASES,
    Category,
    Phase,
    ProjectStatus,
    deposit_allowed,
    project_phase,
)


@dataclass(frozen=True)
class LotView:
    id: uuid.UUID
    code: str
    name: str
    estimated_price_fen: int
    deposit_fen: int
    bid_deadline: datetime | None
    # The opening form's fields (开标一览表) are part of the tender: bidders fill them in to seal.
    form_fields: list[dict[str, Any]] = field(default_factory=list)
    #: The deposit's accepted forms and whether a transfer must come from the basic account (条例 26).
    deposit_forms: list[str] = field(default_factory=list)
    basic_account_required: bool = False
    design_survey: bool = False
    #: 投标有效期, days from the deadline; a guarantee must last as long.
    bid_validity_days: int = DEFAULT_BID_VALIDITY_DAYS


@dataclass(frozen=True)
class ProjectView:
    id: uuid.UUID
    code: str
    name: str
    category: Category
    phase: Phase
    tenderer: str
    agent: str
    region: str | None
    estimated_price_fen: int
    published_at: datetime | None
    bid_deadline: datetime | None
    lots: list[LotView] = field(default_factory=list)


@dataclass(frozen=True)
class OpeningView:
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    project_id: uuid.UUID
    project_code: str
    project_name: str
    opening_at: datetime


def _view(project: Project, now: datetime) -> ProjectView:
    deadlines = [lot.bid_deadline for lot in project.lots if lot.bid_deadline is not None]
    return ProjectView(
        id=project.id,
        code=project.code,
        name=project.name,
        category=project.category,
        phase=project_phase(project.status, tender_start_at=project.tender_start_at, bid_deadlines=deadlines, now=now),
        tenderer=project.tenderer.name,
        agent=project.agent.name,
        region=project.region,
        estimated_price_fen=sum(lot.estimated_price_fen for lot in project.lots),
        published_at=project.published_at,
        bid_deadline=min(deadlines) if deadlines else None,
        lots=[
            LotView(
                lot.id,
                lot.code,
                lot.name,
                lot.estimated_price_fen,
                lot.deposit_fen,
                lot.bid_deadline,
                list(lot.form_fields or []),
                list(lot.deposit_forms or []),
                lot.deposit_basic_account,
                lot.design_survey,
                lot.bid_validity_days,
            )
            for lot in project.lots
        ],
    )


def _loaded() -> Select[Project]:
    """Projects with their lots and both parties loaded (their views read all three)."""
    return select(Project).options(
        selectinload(Project.lots), selectinload(Project.tenderer), selectinload(Project.agent)
    )


def _public_query() -> Select[Project]:
    # Drafts are never public; everything announced stays visible (also cancelled and failed).
    return _loaded().where(Project.status != ProjectStatus.DRAFT)


async def newest_projects(session: AsyncSession, party: ColumnElement[bool], *, limit: int) -> Sequence[Project]:
    """The projects ``party`` selects (e.g. ``Project.agent_id == …``), newest first, at most
    ``limit``, loaded as :func:`_loaded`: the agent's and the tenderer's lists."""
    query = _loaded().where(party).order_by(Project.created_at.desc()).limit(limit)
    return (await session.scalars(query)).all()


def phase_condition(phase: Phase, now: datetime) -> ColumnElement[bool]:
    """SQL for "the project is in ``phase`` at ``now``": :func:`project_phase` as a WHERE clause,
    so the portal filters and pages in the database, however many projects there are."""
    first_deadline = (
        select(func.min(Lot.bid_deadline)).where(Lot.project_id == Project.id).correlate(Project).scalar_subquery()
    )
    terminal = {p: s for s, p in TERMINAL_PHASES.items()}
    if phase in terminal:
        return Project.status == terminal[phase]
    scheduled = Project.status.not_in(list(TERMINAL_PHASES))
    started = or_(Project.tender_start_at.is_(None), Project.tender_start_at <= now)
    if phase is Phase.PUBLISHED:
        return and_(scheduled, Project.tender_start_at > now)
    if phase is Phase.TENDERING:
        return and_(scheduled, started, or_(first_deadline.is_(None), first_deadline > now))
    return and_(scheduled, started, first_deadline <= now)


async def list_public_projects(
    session: AsyncSession, *, now: datetime, phase: Phase | None, q: str | None, page: int, page_size: int
) -> tuple[list[ProjectView], int]:
    """Published projects, newest first, filtered by text and phase and paged in SQL."""
    conditions = [Project.status != ProjectStatus.DRAFT]
    if q:
        like = f"%{q.strip()}%"
        conditions.append(or_(Project.name.ilike(like), Project.code.ilike(like), Project.region.ilike(like)))
    if phase is not None:
        conditions.append(phase_condition(phase, now))
    total = int(await session.scalar(select(func.count()).select_from(Project).where(*conditions)) or 0)
    query = (
        _public_query()
        .where(*conditions)
        .order_by(Project.published_at.desc().nulls_last(), Project.code)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [_view(p, now) for p in (await session.scalars(query)).all()], total


async def get_public_project(session: AsyncSession, project_id: uuid.UUID, *, now: datetime) -> ProjectView:
    project = await session.scalar(_public_query().where(Project.id == project_id))
    if project is None:
        raise NotFound(f"no published project {project_id}", f"没有已发布的项目 {project_id}")
    return _view(project, now)


async def list_openings(session: AsyncSession, *, start: datetime, end: datetime) -> list[OpeningView]:
    """Lots whose opening (= bid deadline) falls in [start, end): the public calendar."""
    rows = await session.execute(
        select(Lot, Project)
        .join(Project, Lot.project_id == Project.id)
        .where(
            Project.status.not_in([ProjectStatus.DRAFT, ProjectStatus.CANCELLED]),
            Lot.bid_deadline >= start,
            Lot.bid_deadline < end,
        )
        .order_by(Lot.bid_deadline, Project.code, Lot.code)
    )
    return [
        OpeningView(lot.id, lot.code, lot.name, project.id, project.code, project.name, lot.bid_deadline)
        for lot, project in rows.all()
        if lot.bid_deadline is not None
    ]


class NewLot(Body, frozen=True):
    """A lot as an agent writes it (also the lots of a draft's request body, hence the edge types)."""

    code: Code
    name: Name
    estimated_price_fen: Fen
    deposit_fen: Fen
    bid_deadline: Moment | None
    decrypt_window_minutes: WindowMinutes = 30
    objection_window_minutes: WindowMinutes = 15
    #: The opening form's field declarations (``bidding.tendering.rules.forms``): key, labels, type.
    form_fields: Annotated[
        Sequence[FormFieldDeclaration],
        msgspec.Meta(
            max_length=MAX_FIELDS,
            description=(
                "The opening form's fields; keys are unique, and `price_fen` (of type money) is"
                " added first when it is missing."
            ),
        ),
    ] = ()
    #: The deposit forms accepted (bank transfer to the bidder's virtual sub-account, electronic
    #: guarantee, cash); publication refuses cash as the only form and, by default, a lot with a
    #: deposit that takes no guarantee (发改法规〔2023〕27号).
    deposit_forms: Annotated[
        frozenset[DepositForm],
        msgspec.Meta(
            min_length=1,
            max_length=len(DepositForm),
            description=(
                "Accepted deposit forms; default bank transfer and electronic guarantee. Publication refuses"
                " cash alone and, unless configured otherwise, a deposit without the guarantee option."
            ),
        ),
    ] = DEFAULT_FORMS
    #: 条例 26: a transfer must come from the bidder's basic account (基本账户). Unset: required for
    #: works, not for goods and services; publication refuses ``false`` for works taking transfers.
    basic_account_required: bool | None = None
    #: 勘察设计: the deposit's lower absolute cap applies (RULES a3).
    design_survey: bool = False
    #: 投标有效期 in days from the bid deadline (a guarantee must last as long, 条例 26).
    bid_validity_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_BID_VALIDITY_DAYS)] = DEFAULT_BID_VALIDITY_DAYS


def lot_basic_account(lot: NewLot, category: Category) -> bool:
    """The lot's basic-account flag: the agent's, else the category's default (works: required)."""
    if lot.basic_account_required is None:
        return basic_account_default(category.value)
    return lot.basic_account_required


def check_lot_money(lots: Sequence[NewLot]) -> None:
    """At least one lot; each with a positive estimate and a deposit of at most 2 % of it (条例 26)."""
    if not lots:
        raise InvalidInput("a project needs at least one lot", "项目至少需要一个标段")
    for lot in lots:
        if lot.estimated_price_fen <= 0:
            raise InvalidInput(
                f"lot {lot.code}: the estimated price must be positive", f"标段 {lot.code}：估算价必须大于零"
            )
        if not deposit_allowed(lot.deposit_fen, lot.estimated_price_fen):
            raise InvalidInput(
                f"lot {lot.code}: the deposit may not exceed 2% of the estimated price",
                f"标段 {lot.code}：投标保证金不得超过估算价的 2%",
            )


async def create_project(
    session: AsyncSession,
    actor: Actor,
    *,
    code: str,
    name: str,
    category: Category,
    tenderer_id: uuid.UUID,
    agent_id: uuid.UUID,
    region: str | None,
    lots: Sequence[NewLot],
    status: ProjectStatus = ProjectStatus.DRAFT,
    published_at: datetime | None = None,
    tender_start_at: datetime | None = None,
) -> Project:
    """Create a project with its lots, checking the parties and the deposit rule (条例 26)."""
    parties = {
        o.id: o
        for o in (await session.scalars(select(Organization).where(Organization.id.in_([tenderer_id, agent_id])))).all()
    }
    if parties.get(tenderer_id) is None or parties[tenderer_id].kind is not OrgKind.TENDERER:
        raise InvalidInput(f"{tenderer_id} is not a registered tenderer", f"{tenderer_id} 不是已登记的招标人")
    if parties.get(agent_id) is None or parties[agent_id].kind is not OrgKind.AGENT:
        raise InvalidInput(f"{agent_id} is not a registered tender agent", f"{agent_id} 不是已登记的招标代理")
    check_lot_money(lots)
    project = Project(
        code=code,
        name=name,
        category=category,
        tenderer_id=tenderer_id,
        agent_id=agent_id,
        region=region,
        status=status,
        published_at=published_at,
        tender_start_at=tender_start_at,
        lots=[
            Lot(
                code=lot.code,
                name=lot.name,
                estimated_price_fen=lot.estimated_price_fen,
                deposit_fen=lot.deposit_fen,
                bid_deadline=lot.bid_deadline,
                decrypt_window_minutes=lot.decrypt_window_minutes,
                objection_window_minutes=lot.objection_window_minutes,
                form_fields=msgspec.to_builtins(lot.form_fields),
                deposit_forms=sorted(form.value for form in lot.deposit_forms),
                deposit_basic_account=lot_basic_account(lot, category),
                design_survey=lot.design_survey,
                bid_validity_days=lot.bid_validity_days,
            )
            for lot in lots
        ],
    )
    session.add(project)
    await session.flush()
    record(
        session,
        actor,
        "project.created",
        object_type="project",
        object_id=str(project.id),
        content_sha256=content_hash({"code": code, "name": name, "lots": [lot.code for lot in lots]}),
        details={"code": code, "status": status.value},
    )
    return project


async def count_projects(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Project)) or 0)
