"""What a tender agent does to a project before the deadline: draft it, upload the tender documents,
publish it, clarify or amend it, terminate it, and post the notices that follow evaluation.

Each operation checks the project's phase itself from the clock (never trusting that a job has
run), enforces the minimum periods of the Tendering Law per procurement category, and records an
audit event with the change, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit import Actor, record
from bidding.db.models import Announcement, Lot, Organization, Project, TenderDocument
from bidding.domain.announcements import AGENT_NOTICE_PHASES, AnnouncementKind
from bidding.domain.forms import FormError, normalise_fields
from bidding.domain.organisations import OrgKind, OrgStatus
from bidding.domain.projects import Category, Phase, ProjectStatus, project_phase
from bidding.domain.schedule import ScheduleError, check_bid_period, check_clarification
from bidding.errors import Conflict, InvalidInput, NotFound
from bidding.services.announcements import announce
from bidding.services.projects import NewLot, check_lot_money, create_project
from bidding.settings import Settings
from storage import ObjectStore

MAX_DOCUMENT_BYTES: Final = 512 * 1024 * 1024
DOCUMENT_RETENTION: Final = timedelta(days=15 * 365)  # 办法 / archive rules: keep tender records 15 years
ALLOWED_DOCUMENT_TYPES: Final = frozenset(
    {"application/pdf", "application/zip", "application/octet-stream", "application/x-zip-compressed"}
)


class PhaseError(Conflict):
    code = "wrong_phase"
    message_zh = "项目当前阶段不允许此操作"
    message_en = "Not allowed in the project's current phase"


class ScheduleRefused(InvalidInput):
    code = "schedule_refused"
    message_zh = "时间安排不符合法定期限"
    message_en = "The schedule breaks a statutory minimum period"


def phase_of(project: Project, now: datetime) -> Phase:
    deadlines = [lot.bid_deadline for lot in project.lots if lot.bid_deadline is not None]
    return project_phase(project.status, tender_start_at=project.tender_start_at, bid_deadlines=deadlines, now=now)


def _require_phase(project: Project, now: datetime, allowed: set[Phase], action_en: str, action_zh: str) -> Phase:
    phase = phase_of(project, now)
    if phase not in allowed:
        raise PhaseError(
            f"cannot {action_en} a project in phase {phase.value}", f"项目处于 {phase.value} 阶段，不能{action_zh}"
        )
    return phase


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} needs a timezone offset", f"{name} 必须带时区")
    return moment


def _schedule_error(exc: ScheduleError) -> ScheduleRefused:
    return ScheduleRefused(exc.message_en, exc.message_zh)


async def agent_project(session: AsyncSession, agent_org_id: uuid.UUID | None, project_id: uuid.UUID) -> Project:
    """The project if this agent runs it; another agent's project is 'not found', not 'forbidden'."""
    project = await session.scalar(
        select(Project)
        .where(Project.id == project_id, Project.agent_id == agent_org_id)
        .options(selectinload(Project.lots), selectinload(Project.tenderer), selectinload(Project.agent))
        .with_for_update()
    )
    if project is None:
        raise NotFound(f"you run no project {project_id}", f"您没有代理项目 {project_id}")
    return project


@dataclass(frozen=True)
class DraftProject:
    """What an agent writes into a draft: the project, its lots, schedule and opening forms."""

    code: str
    name: str
    category: Category
    tenderer_credit_code: str
    lots: list[NewLot]
    region: str | None = None
    clarification_deadline: datetime | None = None


async def _approved_tenderer(session: AsyncSession, credit_code: str) -> Organization:
    tenderer = await session.scalar(select(Organization).where(Organization.credit_code == credit_code.strip().upper()))
    if tenderer is None or tenderer.kind is not OrgKind.TENDERER or tenderer.status is not OrgStatus.APPROVED:
        raise InvalidInput(
            f"{credit_code} is not an approved tenderer on this platform", f"{credit_code} 不是本平台已审核的招标人"
        )
    return tenderer


async def _check_code_free(session: AsyncSession, code: str, project_id: uuid.UUID | None = None) -> None:
    if not code.strip():
        raise InvalidInput("code and name are required", "项目编号和名称必填")
    taken = await session.scalar(select(Project.id).where(Project.code == code.strip()))
    if taken is not None and taken != project_id:
        raise Conflict(f"project code {code} is taken", f"项目编号 {code} 已存在")


def _checked_lots(lots: Sequence[NewLot]) -> list[NewLot]:
    """The lots of a draft with their opening-form fields normalised (a price always first)."""
    codes = [lot.code for lot in lots]
    if len(set(codes)) != len(codes):
        raise InvalidInput("lot codes must be unique", "标段编号不能重复")
    checked = []
    for lot in lots:
        if lot.bid_deadline is not None:  # a draft may leave it open; publication requires it
            _aware(lot.bid_deadline, f"lot {lot.code} bid_deadline")
        if not 1 <= lot.decrypt_window_minutes <= 1440 or not 1 <= lot.objection_window_minutes <= 1440:
            raise InvalidInput(
                f"lot {lot.code}: windows are 1 to 1440 minutes", f"标段 {lot.code}：解密和异议时间须为 1 至 1440 分钟"
            )
        try:
            fields = normalise_fields(lot.form_fields)
        except FormError as exc:
            raise InvalidInput(f"lot {lot.code}: {exc}", f"标段 {lot.code}：开标一览表字段有误：{exc}") from None
        checked.append(replace(lot, form_fields=fields))
    return checked


async def create_draft(session: AsyncSession, actor: Actor, agent_org_id: uuid.UUID, draft: DraftProject) -> Project:
    """A draft project for a registered tenderer; the opening form of each lot always has a price."""
    tenderer = await _approved_tenderer(session, draft.tenderer_credit_code)
    if not draft.name.strip():
        raise InvalidInput("code and name are required", "项目编号和名称必填")
    await _check_code_free(session, draft.code)
    project = await create_project(
        session,
        actor,
        code=draft.code.strip(),
        name=draft.name.strip(),
        category=draft.category,
        tenderer_id=tenderer.id,
        agent_id=agent_org_id,
        region=draft.region,
        lots=_checked_lots(draft.lots),
    )
    if draft.clarification_deadline is not None:
        project.clarification_deadline = _aware(draft.clarification_deadline, "clarification_deadline")
    return project


async def update_draft(session: AsyncSession, actor: Actor, project: Project, draft: DraftProject) -> Project:
    """Replace what a draft says (fields, lots, schedule, opening forms) before it is published.

    Lots are matched by code: a lot whose code stays keeps its id (links to it remain valid), new
    codes are added, missing ones removed. Nothing published can change this way: after
    publication the tender changes only by clarification or amendment (招标投标法第二十三条).
    """
    if project.status is not ProjectStatus.DRAFT:
        raise PhaseError(
            "only a draft can be edited; a published tender changes by clarification or amendment",
            "只有草稿可以修改；已发布的招标项目只能通过澄清或修改公告变更",
        )
    tenderer = await _approved_tenderer(session, draft.tenderer_credit_code)
    if not draft.name.strip():
        raise InvalidInput("code and name are required", "项目编号和名称必填")
    await _check_code_free(session, draft.code, project.id)
    checked = _checked_lots(draft.lots)
    check_lot_money(checked)  # create_project checks it for a new draft
    project.code, project.name, project.category = draft.code.strip(), draft.name.strip(), draft.category
    project.tenderer_id, project.region = tenderer.id, draft.region
    deadline = draft.clarification_deadline
    project.clarification_deadline = None if deadline is None else _aware(deadline, "clarification_deadline")
    existing = {lot.code: lot for lot in project.lots}
    kept = []
    for new in checked:
        lot = existing.pop(new.code, None) or Lot(code=new.code)
        lot.name, lot.estimated_price_fen, lot.deposit_fen = new.name, new.estimated_price_fen, new.deposit_fen
        lot.bid_deadline = new.bid_deadline
        lot.decrypt_window_minutes, lot.objection_window_minutes = (
            new.decrypt_window_minutes,
            new.objection_window_minutes,
        )
        lot.form_fields = list(new.form_fields)
        kept.append(lot)
    project.lots = kept  # the relationship's delete-orphan cascade removes the lots left out
    await session.flush()
    record(
        session,
        actor,
        "project.updated",
        object_type="project",
        object_id=str(project.id),
        details={"code": project.code, "lots": [lot.code for lot in kept], "removed_lots": sorted(existing)},
    )
    return project


async def _next_version(session: AsyncSession, project_id: uuid.UUID) -> int:
    current = await session.scalar(
        select(func.max(TenderDocument.version)).where(TenderDocument.project_id == project_id)
    )
    return int(current or 0) + 1


async def upload_document(
    session: AsyncSession,
    store: ObjectStore,
    actor: Actor,
    project: Project,
    *,
    filename: str,
    content_type: str,
    source: AsyncIterator[bytes],
    now: datetime,
) -> TenderDocument:
    """Store a new (unpublished) version of the tender documents, under retention."""
    _require_phase(project, now, {Phase.DRAFT, Phase.PUBLISHED, Phase.TENDERING}, "add documents to", "上传招标文件")
    name = filename.strip().replace("/", "_").replace("\\", "_")
    if not name or len(name) > 200:
        raise InvalidInput("the file name must be 1 to 200 characters", "文件名须为 1 至 200 个字符")
    if content_type not in ALLOWED_DOCUMENT_TYPES:
        raise InvalidInput(
            f"tender documents are PDF or ZIP, not {content_type}", f"招标文件须为 PDF 或 ZIP，不能是 {content_type}"
        )
    version = await _next_version(session, project.id)
    key = f"tender-documents/{project.id}/v{version}-{uuid.uuid4().hex}"
    info = await store.put(
        key,
        _limited(source, MAX_DOCUMENT_BYTES),
        content_type=content_type,
        retain_until=now + DOCUMENT_RETENTION,
        overwrite=False,
    )
    if info.size == 0:
        raise InvalidInput("the file is empty", "文件为空")
    document = TenderDocument(
        project_id=project.id,
        version=version,
        filename=name,
        content_type=content_type,
        size=info.size,
        sha256=info.sha256 or "",
        object_key=key,
        uploaded_at=now,
        uploaded_by=actor.id,
    )
    session.add(document)
    await session.flush()
    record(
        session,
        actor,
        "tender_document.uploaded",
        object_type="project",
        object_id=str(project.id),
        content_sha256=document.sha256,
        details={"document": str(document.id), "version": version, "filename": name, "size": info.size},
    )
    return document


class DocumentTooLarge(InvalidInput):
    code = "document_too_large"
    status = 413


async def _limited(source: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    total = 0
    async for chunk in source:
        total += len(chunk)
        if total > limit:
            raise DocumentTooLarge(f"documents may be at most {limit} bytes", f"招标文件不得超过 {limit} 字节")
        yield chunk


async def _pending_documents(session: AsyncSession, project: Project) -> list[TenderDocument]:
    rows = await session.scalars(
        select(TenderDocument)
        .where(TenderDocument.project_id == project.id, TenderDocument.published_at.is_(None))
        .order_by(TenderDocument.version)
    )
    return list(rows.all())


def _mark_published(documents: Sequence[TenderDocument], announcement: Announcement, now: datetime) -> None:
    for document in documents:
        document.published_at = now
        document.announcement_id = announcement.id


async def publish(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    settings: Settings,
    *,
    title: str,
    body: str,
    documents_available_at: datetime | None,
    now: datetime,
) -> Announcement:
    """Publish a draft with its tender announcement (招标公告) and documents (第24条 checked)."""
    _require_phase(project, now, {Phase.DRAFT}, "publish", "发布")
    available = _aware(documents_available_at, "documents_available_at") if documents_available_at else now
    if available < now - timedelta(minutes=1):
        raise InvalidInput("documents_available_at is in the past", "招标文件发出时间早于当前时间")
    if await session.scalar(select(func.count()).where(TenderDocument.project_id == project.id)) == 0:
        raise InvalidInput("upload the tender documents before publishing", "发布前须上传招标文件")
    deadlines = [lot.bid_deadline for lot in project.lots if lot.bid_deadline is not None]
    if len(deadlines) != len(project.lots):
        raise InvalidInput("every lot needs a bid deadline", "每个标段都须设定投标截止时间")
    try:
        check_bid_period(available, deadlines, settings.minimum_days("bid_period", project.category.value))
    except ScheduleError as exc:
        raise _schedule_error(exc) from None
    project.status = ProjectStatus.PUBLISHED
    project.published_at = now
    project.tender_start_at = available
    pending = await _pending_documents(session, project)
    announcement = await announce(
        session,
        actor,
        project,
        AnnouncementKind.TENDER,
        title=title,
        body=body,
        now=now,
        details={
            "documents_available_at": available.isoformat(),
            "deadlines": {lot.code: lot.bid_deadline.isoformat() for lot in project.lots if lot.bid_deadline},
            "documents": [d.version for d in pending],
        },
    )
    _mark_published(pending, announcement, now)
    record(
        session,
        actor,
        "project.published",
        object_type="project",
        object_id=str(project.id),
        content_sha256=announcement.content_sha256,
        details={"documents": [d.version for d in pending]},
    )
    return announcement


async def clarify(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    settings: Settings,
    *,
    kind: AnnouncementKind,
    title: str,
    body: str,
    new_deadlines: Mapping[str, datetime],
    now: datetime,
) -> Announcement:
    """A clarification or amendment (第23条): at least N days before every deadline, or move them."""
    if kind not in (AnnouncementKind.CLARIFICATION, AnnouncementKind.AMENDMENT):
        raise InvalidInput("kind must be clarification or amendment", "类型须为澄清或变更")
    _require_phase(project, now, {Phase.PUBLISHED, Phase.TENDERING}, "clarify", "澄清或变更")
    lots = {lot.code: lot for lot in project.lots}
    unknown = sorted(set(new_deadlines) - set(lots))
    if unknown:
        raise InvalidInput(f"no lot {', '.join(unknown)} in this project", f"项目中没有标段 {', '.join(unknown)}")
    for code, deadline in new_deadlines.items():
        _aware(deadline, f"new deadline of lot {code}")
        old = lots[code].bid_deadline
        if old is not None and deadline < old:
            raise InvalidInput(
                f"lot {code}: a clarification may move the deadline later, not earlier",
                f"标段 {code}：澄清只能顺延截止时间，不能提前",
            )
    after = {code: new_deadlines.get(code, lot.bid_deadline) for code, lot in lots.items()}
    try:
        check_clarification(
            now,
            [d for d in after.values() if d is not None],
            settings.minimum_days("clarification", project.category.value),
        )
    except ScheduleError as exc:
        raise _schedule_error(exc) from None
    moved: dict[str, dict[str, str | None]] = {}
    for code, deadline in new_deadlines.items():
        old = lots[code].bid_deadline
        if old != deadline:
            moved[code] = {"from": old.isoformat() if old else None, "to": deadline.isoformat()}
            lots[code].bid_deadline = deadline
    pending = await _pending_documents(session, project)
    announcement = await announce(
        session,
        actor,
        project,
        kind,
        title=title,
        body=body,
        now=now,
        details={"moved_deadlines": moved, "documents": [d.version for d in pending]},
    )
    _mark_published(pending, announcement, now)
    return announcement


async def terminate(
    session: AsyncSession, actor: Actor, project: Project, *, title: str, body: str, now: datetime
) -> Announcement:
    """Terminate the tendering (终止招标) before the opening; a notice tells everyone."""
    _require_phase(project, now, {Phase.PUBLISHED, Phase.TENDERING}, "terminate", "终止")
    project.status = ProjectStatus.CANCELLED
    return await announce(session, actor, project, AnnouncementKind.TERMINATION, title=title, body=body, now=now)


async def post_notice(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    *,
    kind: AnnouncementKind,
    title: str,
    body: str,
    now: datetime,
) -> Announcement:
    """Candidate publicity (中标候选人公示) or award (中标结果公告) after evaluation."""
    phases = AGENT_NOTICE_PHASES.get(kind)
    if phases is None:
        raise InvalidInput(
            f"{kind.value} notices come with their action, not on their own", f"{kind.value} 公告随相应操作发布"
        )
    _require_phase(project, now, set(phases), f"post a {kind.value} notice for", "发布该公告")
    if kind is AnnouncementKind.AWARD:
        project.status = ProjectStatus.AWARDED
    return await announce(session, actor, project, kind, title=title, body=body, now=now)
