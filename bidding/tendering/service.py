"""What a tender agent does to a project before the deadline: draft it, upload the tender documents,
publish it, clarify or amend it, terminate it, and post the notices that follow evaluation.

Each operation checks the project's phase itself from the clock (never trusting that a job has
run), enforces the minimum periods of the Tendering Law per procurement category, and records an
audit event with the change, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.errors import Conflict, InvalidInput, NotFound
from bidding.core.fields import Body, Code, CreditCode, FormFieldDeclaration, Moment, Name, Region, text_problem
from bidding.core.settings import Settings
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import Organization
from bidding.tendering.announcements import announce
from bidding.tendering.approvals import registration_of, require_approval
from bidding.tendering.locks import before_extraction
from bidding.tendering.models import Announcement, Lot, Project, TenderDocument
from bidding.tendering.projects import NewLot, check_lot_money, create_project, lot_basic_account
from bidding.tendering.rules.announcements import AGENT_NOTICE_PHASES, AnnouncementKind
from bidding.tendering.rules.deposit_requirements import Category as DepositCategory
from bidding.tendering.rules.deposit_requirements import (
    DepositForm,
    DepositRequirement,
    cap_category,
    must_tender,
    requirement_problems,
)
from bidding.tendering.rules.forms import FormError, normalise_fields
from bidding.tendering.rules.projects import Category, Phase, ProjectStatus, project_phase
from bidding.tendering.rules.schedule import ScheduleError, check_bid_period, check_clarification
from storage import ObjectStore

MAX_DOCUMENT_BYTES: Final = 512 * 1024 * 1024
#: The most lots ``BIDDING_PROJECT_MAX_LOTS`` may allow: the request body's own bound.
MAX_LOTS_CEILING: Final = 1000
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


class DraftProject(Body, frozen=True):
    """What an agent writes into a draft: the project, its lots, schedule and opening forms.

    The agent API's request body, with the edge types of :mod:`bidding.core.fields`; how many lots and
    how far ahead its times may be are the settings' (:class:`DraftLimits`)."""

    code: Code
    name: Name
    category: Category
    tenderer_credit_code: CreditCode
    lots: Annotated[
        list[NewLot],
        msgspec.Meta(
            min_length=1,
            max_length=MAX_LOTS_CEILING,
            description="The lots; their codes are unique in the project, and the settings may allow fewer.",
        ),
    ]
    region: Region | None = None
    clarification_deadline: Moment | None = None


class TendererFixed(Conflict):
    code = "tenderer_fixed"
    message_zh = "不能更换招标人"
    message_en = "The tenderer cannot change"


class DepositRequirementRefused(InvalidInput):
    """A lot's deposit requirement breaks a rule at publication (RULES a, acceptance check 4); one
    ``details`` item per lot and rule, with its article."""

    code = "deposit_requirement_refused"
    message_zh = "保证金要求不符合规定"
    message_en = "The deposit requirement breaks the rules"


_DEPOSIT_RULES_ZH: Final = {
    "at_most_2_percent": "不得超过估算价的 2%",
    "at_most_cap": "超过保证金上限",
    "at_least_one_form": "须至少接受一种缴纳方式",
    "cash_not_forced": "不得仅接受现金",
    "non_cash_only": "政府采购不得收取现金",
    "guarantee_accepted": "须接受电子保函",
    "basic_account": "依法必须招标的项目须要求从基本账户转出",
}


def check_deposit_requirements(project: Project, settings: Settings) -> None:
    """Every lot's deposit against 条例 26 (2 % of the estimate; transfers from the basic account for
    works), the configured absolute cap of its category (RULES a3) and the accepted forms (cash never
    forced, guarantees accepted: 发改法规〔2023〕27号); every problem of every lot listed at once."""
    caps = {category: settings.deposit_cap_fen(category.value) for category in DepositCategory}
    problems: list[dict[str, object]] = []
    for lot in project.lots:
        requirement = DepositRequirement(
            amount_fen=lot.deposit_fen,
            estimate_fen=lot.estimated_price_fen,
            category=cap_category(project.category.value, lot.design_survey),
            forms=frozenset(DepositForm(form) for form in lot.deposit_forms or ()),
            basic_account_required=lot.deposit_basic_account,
            must_tender=must_tender(project.category.value),
        )
        found = requirement_problems(requirement, caps=caps, require_guarantee_option=settings.deposit_guarantee_option)
        problems += [{"lot": lot.code, **problem} for problem in found]
    if problems:
        raise DepositRequirementRefused(
            "; ".join(f"lot {p['lot']}: {p['field']} {p['rule']} ({p['article']})" for p in problems),
            "；".join(
                f"标段 {p['lot']}：{_DEPOSIT_RULES_ZH.get(str(p['rule']), p['rule'])}（{p['article']}）"
                for p in problems
            ),
            details=problems,
        )


class DraftTooLarge(InvalidInput):
    code = "draft_too_large"
    message_zh = "项目草稿超出平台限制"
    message_en = "The draft exceeds the platform's limits"


class MomentTooFar(InvalidInput):
    code = "time_too_far"
    message_zh = "时间超出平台允许的范围"
    message_en = "A time is further ahead than the platform allows"


@dataclass(frozen=True)
class DraftLimits:
    """How large a draft may be and how far ahead its times may lie (settings
    ``BIDDING_PROJECT_MAX_LOTS`` and ``BIDDING_SCHEDULE_MAX_DAYS``), at one moment."""

    max_lots: int
    latest: datetime

    @classmethod
    def at(cls, settings: Settings, now: datetime) -> DraftLimits:
        return cls(max_lots=settings.project_max_lots, latest=now + timedelta(days=settings.schedule_max_days))

    def check_lots(self, count: int) -> None:
        if count > self.max_lots:
            raise DraftTooLarge(
                f"a project has at most {self.max_lots} lots, this one {count}",
                f"一个项目最多 {self.max_lots} 个标段，本项目 {count} 个",
                details=[{"key": "lots", "limit": self.max_lots}],
            )

    def check_moment(self, moment: datetime | None, key: str) -> None:
        if moment is not None and moment > self.latest:
            raise MomentTooFar(
                f"{key} is after {self.latest.isoformat(timespec='seconds')}",
                f"{key} 晚于 {self.latest.isoformat(timespec='seconds')}",
                details=[{"key": key, "latest": self.latest.isoformat()}],
            )

    def check_draft(self, draft: DraftProject) -> None:
        self.check_lots(len(draft.lots))
        self.check_moment(draft.clarification_deadline, "clarification_deadline")
        for index, lot in enumerate(draft.lots):
            self.check_moment(lot.bid_deadline, f"lots[{index}].bid_deadline")


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
        checked.append(msgspec.structs.replace(lot, form_fields=msgspec.convert(fields, list[FormFieldDeclaration])))
    return checked


async def create_draft(
    session: AsyncSession,
    actor: Actor,
    agent_org_id: uuid.UUID,
    draft: DraftProject,
    *,
    limits: DraftLimits | None = None,
) -> Project:
    """A draft project for a registered tenderer; the opening form of each lot always has a price.

    ``limits`` (the agent API passes the settings') bound the lots and how far ahead times lie."""
    if limits is not None:
        limits.check_draft(draft)
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


async def update_draft(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    draft: DraftProject,
    *,
    limits: DraftLimits | None = None,
) -> Project:
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
    if limits is not None:
        limits.check_draft(draft)
    tenderer = await _approved_tenderer(session, draft.tenderer_credit_code)
    if tenderer.id != project.tenderer_id and await registration_of(session, project.id) is not None:
        raise TendererFixed(
            "the project was registered by its tenderer: the tenderer cannot change",
            "该项目由招标人登记，不能更换招标人",
            details=[{"key": "tenderer_credit_code"}],
        )
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
        lot.form_fields = msgspec.to_builtins(new.form_fields)
        lot.deposit_forms = sorted(form.value for form in new.deposit_forms)
        lot.deposit_basic_account = lot_basic_account(new, draft.category)
        lot.design_survey, lot.bid_validity_days = new.design_survey, new.bid_validity_days
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
    problem = text_problem(name, max_length=200)
    if problem:
        raise InvalidInput(
            f"the file name {problem}",
            "文件名须为 1 至 200 个字符，且不含控制字符或双向文本控制符",
            details=[{"key": "X-Filename", "source": "header", "message": f"the file name {problem}"}],
        )
    if content_type not in ALLOWED_DOCUMENT_TYPES:
        raise InvalidInput(
            f"tender documents are PDF or ZIP, not {content_type}", f"招标文件须为 PDF 或 ZIP，不能是 {content_type}"
        )
    content_type, source = await _sniffed(source, content_type)
    version = await _next_version(session, project.id)
    key = f"tender-documents/{project.id}/v{version}-{uuid.uuid4().hex}"
    info = await store.put(
        key,
        _limited(source, MAX_DOCUMENT_BYTES),
        content_type=content_type,
        retain_until=now + DOCUMENT_RETENTION,
        overwrite=False,
    )
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


class DocumentContentMismatch(InvalidInput):
    code = "document_content_mismatch"
    status = 415
    message_zh = "文件内容与声明的类型不符"
    message_en = "The file's content does not match its declared type"


#: What each type's bytes start with (ISO 32000-2 §7.5.2 file header; APPNOTE.TXT §4.3.7 local
#: file header, or §4.3.16 end of central directory for an empty archive).
_MAGIC: Final = {"application/pdf": (b"%PDF-",), "application/zip": (b"PK\x03\x04", b"PK\x05\x06")}
_MAGIC_LENGTH: Final = 5


def document_type(head: bytes) -> str | None:
    """The tender-document type the first bytes show (PDF or ZIP), or None."""
    return next((kind for kind, magics in _MAGIC.items() if head.startswith(magics)), None)


async def _sniffed(source: AsyncIterator[bytes], declared: str) -> tuple[str, AsyncIterator[bytes]]:
    """Check the first bytes against the declared type before anything is stored: an HTML page
    declared as a PDF is refused, not served later to browsers as one. ``application/octet-stream``
    takes the type the bytes show. Returns the type to store and the whole stream again."""
    stream = aiter(source)
    head = b""
    while len(head) < _MAGIC_LENGTH:
        chunk = await anext(stream, None)
        if chunk is None:
            break
        head += chunk
    if not head:
        raise InvalidInput("the file is empty", "文件为空")
    shown = document_type(head)
    expected = "application/zip" if declared == "application/x-zip-compressed" else declared
    if shown is None or (expected != "application/octet-stream" and shown != expected):
        label = {"application/pdf": "PDF", "application/zip": "ZIP"}.get(expected, "PDF or ZIP")
        raise DocumentContentMismatch(
            f"declared {declared}, but the content is not a {label} file",
            f"声明为 {declared}，但文件内容不是 {label} 文件",
            details=[{"key": "Content-Type", "source": "header", "declared": declared}],
        )

    async def whole() -> AsyncIterator[bytes]:
        yield head
        async for rest in stream:
            yield rest

    return (shown if expected == "application/octet-stream" else declared), whole()


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
    DraftLimits.at(settings, now).check_moment(available, "documents_available_at")
    if await session.scalar(select(func.count()).where(TenderDocument.project_id == project.id)) == 0:
        raise InvalidInput("upload the tender documents before publishing", "发布前须上传招标文件")
    await require_approval(session, project.id)  # a registered project's documents: the tenderer's approval
    deadlines = [lot.bid_deadline for lot in project.lots if lot.bid_deadline is not None]
    if len(deadlines) != len(project.lots):
        raise InvalidInput("every lot needs a bid deadline", "每个标段都须设定投标截止时间")
    try:
        check_bid_period(available, deadlines, settings.minimum_days("bid_period", project.category.value))
    except ScheduleError as exc:
        raise _schedule_error(exc) from None
    check_deposit_requirements(project, settings)
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
    """A clarification or amendment (第23条): at least N days before every deadline, or move them.

    Under the locks of the lots whose deadline it moves, so it comes before their extraction at the
    deadline or is refused (``opening_started``) — never an opening at a deadline already moved.
    """
    if kind not in (AnnouncementKind.CLARIFICATION, AnnouncementKind.AMENDMENT):
        raise InvalidInput("kind must be clarification or amendment", "类型须为澄清或变更")
    await before_extraction(session, [lot.id for lot in project.lots if lot.code in new_deadlines])
    _require_phase(project, now, {Phase.PUBLISHED, Phase.TENDERING}, "clarify", "澄清或变更")
    lots = {lot.code: lot for lot in project.lots}
    unknown = sorted(set(new_deadlines) - set(lots))
    if unknown:
        raise InvalidInput(f"no lot {', '.join(unknown)} in this project", f"项目中没有标段 {', '.join(unknown)}")
    limits = DraftLimits.at(settings, now)
    for code, deadline in new_deadlines.items():
        _aware(deadline, f"new deadline of lot {code}")
        limits.check_moment(deadline, f"new_deadlines.{code}")
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
    """Terminate the tendering (终止招标) before the opening; a notice tells everyone. Under the lots'
    locks: once a lot's bids are extracted it is refused (``opening_started``; the host stops the
    opening in the room instead), and an extraction after it sees the tender terminated."""
    await before_extraction(session, [lot.id for lot in project.lots])
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
