"""Demo data: a trading centre, an agent, a tenderer, a supervisor, five bidders, and projects in
every phase with what each phase has in reality.

Every published project has its tender announcement (招标公告) and tender documents (a PDF laid out
with the platform's document code); some have a clarification (澄清) or an amendment that moved the
deadline (变更); the projects whose deadline is past had sealed bids (with receipts) and an opening
played by the demo's participants in the opening room — extraction, decryption by each bidder
with its own key, the 唱标, an objection, the record signed by the platform and confirmed by the
bidders, published as the project's opening-record notice — and then what followed: evaluation,
candidate publicity and award, or a failed tender (流标), or a termination (终止).

Everything goes through the platform's services (drafting, documents, publication, clarification,
submission, the opening room), with the clock moved back to when each step happened; see
:mod:`bidding.demo.history` for why and for what stays on the real clock.

Loading is idempotent: each project is identified by its code and built in steps that each check
what is there, so a second load adds nothing and a load interrupted half-way is completed by the
next. Times are relative to the first load. A demo lot whose deadline has passed without an
opening (the demo was loaded weeks ago) gets its opening at the next load: a lot never stays at
its opening time without one.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.fields import FormFieldDeclaration
from bidding.core.platform import Platform
from bidding.demo.criteria import set_demo_criteria
from bidding.demo.experts import load_demo_pool
from bidding.demo.history import Parties, Script, parties_of, play_opening, room_for, submit_bid
from bidding.demo.identities import ensure_identities, load_cast
from bidding.demo.tender import (
    LotText,
    TenderText,
    amendment_notice,
    award_notice,
    beijing_at,
    candidates_notice,
    clarification_notice,
    tender_documents_pdf,
    tender_notice,
    termination_notice,
)
from bidding.identity.credit_code import make_credit_code
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.organisations import find_by_credit_code, register_organisation
from bidding.submission.extraction import open_bid_body
from bidding.tendering.models import Announcement, Project, TenderDocument
from bidding.tendering.projects import NewLot
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.deposit_requirements import Category as DepositCategory
from bidding.tendering.rules.deposit_requirements import cap_category, max_deposit_fen
from bidding.tendering.rules.projects import Category, ProjectStatus
from bidding.tendering.service import DraftProject, clarify, create_draft, post_notice, publish, terminate
from bidding.tendering.service import upload_document as store_document
from opening_room.states import FINAL, BidOpeningStatus, State
from opening_room.tables import BidOpening, OpeningSession

log = logging.getLogger("bidding.demo.seed")

CENTRE_CODE = make_credit_code("12320100MB1234567")
#: The live opening of `bidding serve --demo` (bidding.demo.opening), created by its first start.
LIVE_CODE: Final = "NJ-2026-HW-0110"
#: How its simulated participants play it (bidder 2 first sends a wrong key, bidder 5 never
#: decrypts and objects); also how an opening of it that was cut off is finished.
LIVE_SCRIPT: Final = Script(decrypt=(1, 2, 3, 4), wrong_key_first=(2,), objection_by=5)
REGION: Final = "江苏省南京市"
ACTOR: Final = Actor.system("demo")

ORGANISATIONS: list[tuple[str, str, OrgKind]] = [
    ("南京市公共资源交易中心", CENTRE_CODE[:17], OrgKind.TRADING_CENTRE),
    ("江苏正信工程招标代理有限公司", "91320100MA1AGENT1", OrgKind.AGENT),
    ("南京市城市建设投资控股（集团）有限责任公司", "91320100134915000", OrgKind.TENDERER),
    ("南京市住房和城乡建设局", "11320100MB0JDGL00", OrgKind.SUPERVISOR),
    ("中建八局第三建设有限公司", "91320100134900001", OrgKind.BIDDER),
    ("江苏省华建建设股份有限公司", "91320100134900002", OrgKind.BIDDER),
    ("南通四建集团有限公司", "91320100134900003", OrgKind.BIDDER),
    ("中铁十四局集团有限公司", "91320100134900004", OrgKind.BIDDER),
    ("苏州金螳螂建筑装饰股份有限公司", "91320100134900005", OrgKind.BIDDER),
]

FORM_FIELDS: Final = (
    FormFieldDeclaration("price_fen", "投标报价（分）", "Bid price (fen)", "money"),
    FormFieldDeclaration("duration_days", "工期（日历天）", "Duration (calendar days)", "integer"),
    FormFieldDeclaration("quality", "质量标准", "Quality standard", "text"),
    FormFieldDeclaration("project_manager", "项目经理", "Project manager", "text"),
)

#: Each demo bidder's price as a share of the lot's estimate (‰), duration and project manager.
OFFERS: Final = {
    1: (953, 360, "张伟"),
    2: (938, 380, "王芳"),
    3: (971, 340, "李娜"),
    4: (926, 400, "刘洋"),
    5: (947, 365, "陈静"),
}


class Stage(enum.StrEnum):
    """Where a demo project stands when the demo is loaded (its phase follows from it and the clock)."""

    DRAFT = "draft"
    ANNOUNCED = "announced"  # published; the documents become available in a few days
    TENDERING = "tendering"
    OPENED = "opened"  # opened, the record published; evaluation not begun
    EVALUATION = "evaluation"
    AWARDED = "awarded"
    FAILED = "failed"  # fewer than three bids: the host stopped the opening (流标)
    CANCELLED = "cancelled"  # terminated before the deadline (终止招标)


@dataclass(frozen=True)
class LotPlan:
    code: str
    name: str
    estimate_yuan: int


@dataclass(frozen=True)
class ProjectPlan:
    code: str
    name: str
    category: Category
    stage: Stage
    lots: tuple[LotPlan, ...]
    deadline_days: int  # bid deadline (= opening), days from the load, 09:30 Beijing time
    bidders: tuple[int, ...] = ()  # demo bidders (1–5) who bid before a past deadline
    script: Script = field(default_factory=Script)
    clarification: tuple[str, str] | None = None  # question and answer (澄清)
    amended_to_days: int | None = None  # an amendment (变更) moved every deadline to this day
    termination: str | None = None  # why it was terminated


PLANS: Final[tuple[ProjectPlan, ...]] = (
    ProjectPlan(
        "NJ-2026-GC-0101",
        "江北新区市民中心二期施工总承包",
        Category.WORKS,
        Stage.ANNOUNCED,
        (LotPlan("01", "施工总承包", 86_000_000),),
        deadline_days=26,
    ),
    ProjectPlan(
        "NJ-2026-GC-0102",
        "河西南部片区道路综合整治工程",
        Category.WORKS,
        Stage.TENDERING,
        (LotPlan("01", "一标段（道路）", 42_500_000), LotPlan("02", "二标段（排水）", 18_300_000)),
        deadline_days=12,
        amended_to_days=19,
    ),
    ProjectPlan(
        "NJ-2026-HW-0103",
        "市第一医院医疗设备采购",
        Category.GOODS,
        Stage.TENDERING,
        (LotPlan("01", "影像设备", 12_800_000),),
        deadline_days=17,
        clarification=(
            "招标文件第五章技术参数中 CT 探测器排数要求是否为“不少于 64 排”？",
            "是。CT 探测器物理排数不少于 64 排，其余技术参数不变。",
        ),
    ),
    ProjectPlan(
        "NJ-2026-FW-0104",
        "地铁 9 号线监理服务",
        Category.SERVICES,
        Stage.OPENED,
        (LotPlan("01", "监理一标段", 6_400_000),),
        deadline_days=-2,
        bidders=(1, 2, 3, 4),
    ),
    ProjectPlan(
        "NJ-2026-GC-0105",
        "秦淮河生态修复工程",
        Category.WORKS,
        Stage.EVALUATION,
        (LotPlan("01", "施工", 31_000_000),),
        deadline_days=-12,
        bidders=(1, 2, 3, 4, 5),
        script=Script(decrypt=(1, 2, 3, 4), wrong_key_first=(2,), objection_by=5),
        clarification=(
            "投标人是否须具备水利水电工程施工总承包资质？",
            "须具备水利水电工程施工总承包二级及以上资质，或市政公用工程施工总承包二级及以上资质。",
        ),
    ),
    ProjectPlan(
        "NJ-2026-HW-0106",
        "教育系统智慧教室设备采购",
        Category.GOODS,
        Stage.AWARDED,
        (LotPlan("01", "设备", 9_700_000),),
        deadline_days=-35,
        bidders=(1, 3, 4),
    ),
    ProjectPlan(
        "NJ-2026-FW-0107",
        "老旧小区改造设计服务",
        Category.SERVICES,
        Stage.CANCELLED,
        (LotPlan("01", "设计", 2_300_000),),
        deadline_days=10,
        termination="项目建设内容调整，原招标范围不再实施",
    ),
    ProjectPlan(
        "NJ-2026-GC-0108",
        "鼓楼区学校操场改造（草稿）",
        Category.WORKS,
        Stage.DRAFT,
        (LotPlan("01", "施工", 3_100_000),),
        deadline_days=30,
    ),
    ProjectPlan(
        "NJ-2026-FW-0109",
        "城市道路绿化养护服务",
        Category.SERVICES,
        Stage.FAILED,
        (LotPlan("01", "养护一标段", 4_800_000),),
        deadline_days=-8,
        bidders=(2, 5),
    ),
)

#: Run again within this time after a deadline, a lot's missing opening is left alone: a `serve
#: --demo` process may be playing it right now.
OVERDUE_GRACE: Final = timedelta(hours=1)


@dataclass
class DemoSummary:
    """What one load added (all zero when everything was there)."""

    organisations: int = 0
    projects: int = 0
    identities: int = 0
    bids: int = 0
    openings: int = 0
    experts: int = 0

    @property
    def created(self) -> bool:
        return any((self.organisations, self.projects, self.identities, self.bids, self.openings, self.experts))


def organisation_codes() -> dict[str, str]:
    """Label (centre, agent, tenderer, supervisor, bidder1…5) → credit code of each demo organisation."""
    labels: dict[OrgKind, str] = {
        OrgKind.TRADING_CENTRE: "centre",
        OrgKind.AGENT: "agent",
        OrgKind.TENDERER: "tenderer",
        OrgKind.SUPERVISOR: "supervisor",
    }
    codes: dict[str, str] = {}
    bidders = 0
    for _, code17, kind in ORGANISATIONS:
        if kind is OrgKind.BIDDER:
            bidders += 1
            label = f"bidder{bidders}"
        else:
            label = labels[kind]
        codes[label] = make_credit_code(code17)
    return codes


def offer(lot_estimate_fen: int, bidder: int) -> dict[str, Any]:
    """What demo bidder ``bidder`` writes in its opening form (开标一览表) for a lot."""
    permille, days, manager = OFFERS[bidder]
    price = lot_estimate_fen * permille // 1000 // 100 * 100  # whole yuan
    return {"price_fen": price, "duration_days": days, "quality": "合格", "project_manager": manager}


# ----------------------------------------------------------------------------- the schedule


@dataclass(frozen=True)
class Schedule:
    """When each step of a project happened (or happens), from its plan and the first load."""

    published: datetime
    available: datetime  # the tender documents can be downloaded from
    first_deadline: datetime
    deadline: datetime  # after an amendment, if any
    changed: datetime | None  # the clarification or amendment
    terminated: datetime | None


def schedule(plan: ProjectPlan, now: datetime, *, bid_period_days: int, clarification_days: int) -> Schedule:
    """Dates that satisfy the statutory periods configured (招标投标法 第23、24条)."""
    if plan.stage is Stage.ANNOUNCED:
        available = beijing_at(now, 2, 9)
        deadline = max(beijing_at(now, plan.deadline_days, 9, 30), beijing_at(available, bid_period_days + 1, 9, 30))
        return Schedule(beijing_at(now, -1, 10), available, deadline, deadline, None, None)
    first = beijing_at(now, plan.deadline_days, 9, 30)
    final = beijing_at(now, plan.amended_to_days, 9, 30) if plan.amended_to_days is not None else first
    changed = None
    if plan.clarification is not None or plan.amended_to_days is not None:
        changed = min(beijing_at(final, -(clarification_days + 2), 15), beijing_at(now, -1, 15))
    terminated = beijing_at(now, -5, 10) if plan.stage is Stage.CANCELLED else None
    published = beijing_at(first, -(bid_period_days + 4), 10)
    for later in (changed, terminated):
        if later is not None:
            published = min(published, later - timedelta(days=3))
    return Schedule(published, published, first, final, changed, terminated)


# ----------------------------------------------------------------------------- loading


async def load_demo(
    platform: Platform, *, now: datetime, identities_dir: Path, overdue_grace: timedelta = OVERDUE_GRACE
) -> DemoSummary:
    """Load what is missing of the demo (all of it the first time, nothing the second).

    Also issues certificates for the demo users and writes their keys to ``identities_dir`` (see
    :mod:`bidding.demo.identities`), and opens any demo lot whose deadline passed more than
    ``overdue_grace`` ago without an opening.
    """
    summary = DemoSummary()
    codes = organisation_codes()
    async with platform.sessions() as db, db.begin():
        summary.organisations = await _ensure_organisations(db)
        summary.identities = await ensure_identities(db, platform.keys, identities_dir, codes, now=now)
        summary.experts = await load_demo_pool(
            db,
            secret_key=platform.settings.resolved_secret("secret_key"),
            conflicted_employer=(ORGANISATIONS[4][0], codes["bidder1"]),
            now=now,
        )
    parties = await parties_of(platform, load_cast(identities_dir))
    for plan in PLANS:
        await _load_project(platform, plan, parties, now, summary)
    # Lots still open for bids have no bids from the demo: if their day came, the host stops (流标).
    scripts = {p.code: p.script for p in PLANS} | {LIVE_CODE: LIVE_SCRIPT}
    summary.openings += await open_overdue_lots(
        platform, parties, scripts, now=platform.clock.now(), grace=overdue_grace
    )
    return summary


async def _ensure_organisations(db: AsyncSession) -> int:
    added = 0
    for name, code17, kind in ORGANISATIONS:
        if await find_by_credit_code(db, make_credit_code(code17)) is None:
            await register_organisation(
                db,
                ACTOR,
                name=name,
                credit_code=make_credit_code(code17),
                kind=kind,
                status=OrgStatus.APPROVED,
                contact_name="张经理",
                contact_phone="025-83000000",
            )
            added += 1
    return added


async def project_by_code(db: AsyncSession, code: str) -> Project | None:
    project: Project | None = await db.scalar(
        select(Project)
        .where(Project.code == code)
        .options(selectinload(Project.lots), selectinload(Project.tenderer), selectinload(Project.agent))
        .execution_options(populate_existing=True)
    )
    return project


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def tender_text(project: Project, available: datetime, deadlines: dict[str, datetime] | None = None) -> TenderText:
    """What the project's documents and notices say; ``deadlines`` (lot code → time) as amended."""
    moved = deadlines or {}
    return TenderText(
        code=project.code,
        name=project.name,
        category=project.category.value,
        tenderer=project.tenderer.name,
        agent=project.agent.name,
        region=project.region or REGION,
        lots=[
            LotText(
                lot.code,
                lot.name,
                lot.estimated_price_fen,
                lot.deposit_fen,
                moved.get(lot.code, lot.bid_deadline),
                lot.form_fields,
            )
            for lot in sorted(project.lots, key=lambda lot: lot.code)
            if lot.bid_deadline is not None
        ],
        documents_available_at=available,
    )


async def add_documents(
    db: AsyncSession,
    platform: Platform,
    project: Project,
    available: datetime,
    *,
    at: datetime,
    note: str = "",
    deadlines: dict[str, datetime] | None = None,
) -> None:
    """The agent uploads (a new version of) the tender documents at ``at``."""
    count = await db.scalar(select(func.count()).where(TenderDocument.project_id == project.id))
    version = 1 + int(count or 0)  # as upload_document numbers it
    pdf = tender_documents_pdf(tender_text(project, available, deadlines), version=version, issued_at=at, note=note)
    name = "招标文件.pdf" if version == 1 else f"招标文件（第 {version} 版）.pdf"
    await store_document(
        db, platform.store, ACTOR, project, filename=name, content_type="application/pdf", source=_one(pdf), now=at
    )


async def _create(platform: Platform, plan: ProjectPlan, now: datetime) -> None:
    """Draft, documents, publication, clarification or amendment, termination: one transaction, so a
    project is there with all of it or not at all."""
    settings = platform.settings
    when = schedule(
        plan,
        now,
        bid_period_days=settings.minimum_days("bid_period", plan.category.value),
        clarification_days=settings.minimum_days("clarification", plan.category.value),
    )
    codes = organisation_codes()
    caps = {category: settings.deposit_cap_fen(category.value) for category in DepositCategory}
    async with platform.sessions() as db, db.begin():
        agent = await find_by_credit_code(db, codes["agent"])
        assert agent is not None
        lots = [
            NewLot(
                code=lot.code,
                name=lot.name,
                estimated_price_fen=lot.estimate_yuan * 100,
                # The most 条例 26 (2 % of the estimate) and the configured cap (RULES a3) allow.
                deposit_fen=max_deposit_fen(lot.estimate_yuan * 100, cap_category(plan.category.value), caps),
                bid_deadline=when.first_deadline,
                form_fields=FORM_FIELDS,
            )
            for lot in plan.lots
        ]
        draft = DraftProject(
            code=plan.code,
            name=plan.name,
            category=plan.category,
            tenderer_credit_code=codes["tenderer"],
            lots=lots,
            region=REGION,
        )
        created = await create_draft(db, ACTOR, agent.id, draft)
        project = await project_by_code(db, created.code)
        assert project is not None
        created_at = when.published - timedelta(days=2) if plan.stage is not Stage.DRAFT else now
        await add_documents(db, platform, project, when.available, at=created_at)
        for lot in project.lots:  # the evaluation criteria, published with the documents
            set_demo_criteria(db, lot.id, plan.category, at=created_at, by=ACTOR.id)
        if plan.stage is Stage.DRAFT:
            return
        title, body = tender_notice(tender_text(project, when.available))
        await publish(
            db,
            ACTOR,
            project,
            settings,
            title=title,
            body=body,
            documents_available_at=when.available,
            now=when.published,
        )
        if when.changed is not None and plan.amended_to_days is not None:
            moved = {lot.code: when.deadline for lot in project.lots}
            await add_documents(
                db,
                platform,
                project,
                when.available,
                at=when.changed,
                note="投标截止时间顺延；第二章第 4 条补充了保证金退还方式。",
                deadlines=moved,
            )
            title, body = amendment_notice(tender_text(project, when.available), 1, "投标截止时间顺延。", moved)
            await clarify(
                db,
                ACTOR,
                project,
                settings,
                kind=AnnouncementKind.AMENDMENT,
                title=title,
                body=body,
                new_deadlines=moved,
                now=when.changed,
            )
        elif when.changed is not None and plan.clarification is not None:
            question, answer = plan.clarification
            title, body = clarification_notice(tender_text(project, when.available), 1, question, answer)
            await clarify(
                db,
                ACTOR,
                project,
                settings,
                kind=AnnouncementKind.CLARIFICATION,
                title=title,
                body=body,
                new_deadlines={},
                now=when.changed,
            )
        if when.terminated is not None and plan.termination is not None:
            title, body = termination_notice(tender_text(project, when.available), plan.termination)
            await terminate(db, ACTOR, project, title=title, body=body, now=when.terminated)


async def _load_project(
    platform: Platform, plan: ProjectPlan, parties: Parties, now: datetime, summary: DemoSummary
) -> None:
    async with platform.sessions() as db:
        exists = await project_by_code(db, plan.code) is not None
    if not exists:
        await _create(platform, plan, now)
        summary.projects += 1
    if plan.stage not in (Stage.OPENED, Stage.EVALUATION, Stage.AWARDED, Stage.FAILED):
        return
    async with platform.sessions() as db:
        project = await project_by_code(db, plan.code)
    assert project is not None
    for lot in sorted(project.lots, key=lambda lot: lot.code):
        deadline = lot.bid_deadline
        assert deadline is not None
        for i, number in enumerate(plan.bidders):
            # Bids arrive over the last days before the deadline, each in office hours.
            at = beijing_at(deadline, -(len(plan.bidders) - i), 10 + i)
            form = offer(lot.estimated_price_fen, number)
            if await submit_bid(platform, parties.bidder(number), project.id, lot.id, form, at=at):
                summary.bids += 1
        if await opening_state(platform, lot.id) not in FINAL:
            await play_opening(platform, lot.id, parties, plan.script, deadline=deadline)
            summary.openings += 1
        await open_bodies(platform, lot.id)
    await _after_opening(platform, plan, project.id)


async def open_bodies(platform: Platform, lot_id: uuid.UUID) -> None:
    """Open the bodies of the lot's bids decrypted at its opening, as the worker does after a real one
    (the demo plays past openings without the worker; the committee of a lot in evaluation reads
    them). Each is done once (the job's own exactly-once key): a second load changes nothing."""
    async with platform.sessions() as db:
        bids = (
            await db.scalars(
                select(BidOpening.bid_id).where(
                    BidOpening.lot_id == lot_id, BidOpening.status == BidOpeningStatus.DECRYPTED
                )
            )
        ).all()
    for bid_id in bids:
        await open_bid_body({"platform": platform, "job_id": f"demo-open-body:{bid_id}"}, str(bid_id))


async def opening_state(platform: Platform, lot_id: uuid.UUID) -> State:
    """The state of a lot's opening, read without the clock acting on it (no extraction here)."""
    async with platform.sessions() as db:
        session = await db.get(OpeningSession, lot_id)
    return State.WAITING if session is None else State(session.state)


def _change_status(db: AsyncSession, project: Project, status: ProjectStatus, reason: str) -> None:
    """Record what a capability not built yet would decide (the start of evaluation, a failed tender)."""
    before = project.status
    project.status = status
    record(
        db,
        ACTOR,
        "project.status_changed",
        object_type="project",
        object_id=str(project.id),
        details={"from": before.value, "to": status.value, "reason": reason},
    )


async def _kinds(db: AsyncSession, project_id: uuid.UUID) -> set[AnnouncementKind]:
    rows = await db.scalars(select(Announcement.kind).where(Announcement.project_id == project_id))
    return set(rows.all())


async def _after_opening(platform: Platform, plan: ProjectPlan, project_id: uuid.UUID) -> None:
    """What followed the opening: evaluation, publicity and award; or the failed tender."""
    async with platform.sessions() as db, db.begin():
        project = await project_by_code(db, plan.code)
        assert project is not None
        if plan.stage is Stage.FAILED and project.status is ProjectStatus.PUBLISHED:
            _change_status(db, project, ProjectStatus.FAILED, "开标时有效投标人不足三家，流标")
            return
        if plan.stage in (Stage.EVALUATION, Stage.AWARDED) and project.status is ProjectStatus.PUBLISHED:
            _change_status(db, project, ProjectStatus.EVALUATION, "开标结束，进入评标")
        if plan.stage is not Stage.AWARDED:
            return
        kinds = await _kinds(db, project_id)
        lot = sorted(project.lots, key=lambda lot: lot.code)[0]
        assert lot.bid_deadline is not None
        ranked = await _ranking(platform, lot.id)
        text = tender_text(project, project.tender_start_at or lot.bid_deadline)
        lot_text = next(t for t in text.lots if t.code == lot.code)
        if AnnouncementKind.CANDIDATE_PUBLICITY not in kinds:
            at = beijing_at(lot.bid_deadline, 5, 10)
            title, body = candidates_notice(text, lot_text, ranked, at)
            await post_notice(
                db, ACTOR, project, kind=AnnouncementKind.CANDIDATE_PUBLICITY, title=title, body=body, now=at
            )
        if AnnouncementKind.AWARD not in kinds:
            winner, price = ranked[0]
            title, body = award_notice(text, lot_text, winner, price)
            at = beijing_at(lot.bid_deadline, 9, 10)
            await post_notice(db, ACTOR, project, kind=AnnouncementKind.AWARD, title=title, body=body, now=at)


async def _ranking(platform: Platform, lot_id: uuid.UUID) -> list[tuple[str, int]]:
    """The decrypted bids of a lot, lowest price first (经评审的最低投标价法, as the demo's documents say)."""
    record_json, _ = await room_for(platform, platform.clock).record(lot_id)
    priced = [(b["name"], int(b["price_fen"])) for b in record_json["bidders"] if b.get("price_fen") is not None]
    return sorted(priced, key=lambda item: item[1])


async def open_overdue_lots(
    platform: Platform, parties: Parties, scripts: dict[str, Script], *, now: datetime, grace: timedelta
) -> int:
    """Open every lot of these projects (code → how its opening is played) whose deadline passed
    more than ``grace`` ago without an opening, now; a project whose every lot failed (fewer than
    three bids) is a failed tender."""
    opened = 0
    for code, script in scripts.items():
        async with platform.sessions() as db:
            project = await project_by_code(db, code)
        if project is None or project.status is not ProjectStatus.PUBLISHED:
            continue
        for lot in project.lots:
            if lot.bid_deadline is None or lot.bid_deadline > now - grace:
                continue
            if await opening_state(platform, lot.id) in FINAL:
                continue
            await play_opening(platform, lot.id, parties, script, deadline=None)
            opened += 1
        states = [await opening_state(platform, lot.id) for lot in project.lots]
        if states and all(s is State.FAILED for s in states):
            async with platform.sessions() as db, db.begin():
                failed = await project_by_code(db, code)
                assert failed is not None
                _change_status(db, failed, ProjectStatus.FAILED, "开标时有效投标人不足三家，流标")
    return opened
