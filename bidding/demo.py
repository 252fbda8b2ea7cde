"""Demo data: a trading centre, an agent, a tenderer, bidders and projects in every phase.

Loading is idempotent (keyed by the trading centre's credit code) so `bidding demo` can run on
every start. Times are relative to the clock, so the phases are right whenever it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit import Actor
from bidding.demo_identities import issue_demo_identities
from bidding.domain.credit_code import make_credit_code
from bidding.domain.organisations import OrgKind, OrgStatus
from bidding.domain.projects import Category, ProjectStatus
from bidding.pki.keystore import PlatformKeys
from bidding.services.organisations import find_by_credit_code, register_organisation
from bidding.services.projects import NewLot, create_project

CENTRE_CODE = make_credit_code("12320100MB1234567")

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

FORM_FIELDS = [
    {"key": "price_fen", "label_zh": "投标报价（分）", "label_en": "Bid price (fen)", "type": "money"},
    {"key": "duration_days", "label_zh": "工期（日历天）", "label_en": "Duration (calendar days)", "type": "integer"},
    {"key": "quality", "label_zh": "质量标准", "label_en": "Quality standard", "type": "text"},
    {"key": "project_manager", "label_zh": "项目经理", "label_en": "Project manager", "type": "text"},
]


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    organisations: int
    projects: int
    identities: int = 0


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


async def load_demo(
    session: AsyncSession, *, now: datetime, keys: PlatformKeys | None = None, identities_dir: Path | None = None
) -> DemoSummary:
    """Create the demo data once; a second call changes nothing.

    With ``keys`` and ``identities_dir`` it also issues certificates for the demo users and writes
    their keys there (see :mod:`bidding.demo_identities`).
    """
    if await find_by_credit_code(session, CENTRE_CODE) is not None:
        return DemoSummary(created=False, organisations=0, projects=0)
    actor = Actor.system("demo")
    orgs = {}
    for name, code17, kind in ORGANISATIONS:
        org = await register_organisation(
            session,
            actor,
            name=name,
            credit_code=make_credit_code(code17),
            kind=kind,
            status=OrgStatus.APPROVED,
            contact_name="张经理",
            contact_phone="025-83000000",
        )
        orgs[kind, name] = org
    agent = next(o for (k, _), o in orgs.items() if k is OrgKind.AGENT)
    tenderer = next(o for (k, _), o in orgs.items() if k is OrgKind.TENDERER)

    def lot(code: str, name: str, yuan: int, deadline: datetime | None) -> NewLot:
        fen = yuan * 100
        return NewLot(
            code=code,
            name=name,
            estimated_price_fen=fen,
            deposit_fen=fen * 2 // 100,
            bid_deadline=deadline,
            form_fields=FORM_FIELDS,
        )

    day = timedelta(days=1)
    plans = [
        (
            "NJ-2026-GC-0101",
            "江北新区市民中心二期施工总承包",
            Category.WORKS,
            ProjectStatus.PUBLISHED,
            now - 2 * day,
            now + 25 * day,
            [lot("01", "施工总承包", 86_000_000, now + 27 * day)],
        ),
        (
            "NJ-2026-GC-0102",
            "河西南部片区道路综合整治工程",
            Category.WORKS,
            ProjectStatus.PUBLISHED,
            now - 20 * day,
            now - 19 * day,
            [
                lot("01", "一标段（道路）", 42_500_000, now + 5 * day),
                lot("02", "二标段（排水）", 18_300_000, now + 5 * day),
            ],
        ),
        (
            "NJ-2026-HW-0103",
            "市第一医院医疗设备采购",
            Category.GOODS,
            ProjectStatus.PUBLISHED,
            now - 21 * day,
            now - 21 * day,
            [lot("01", "影像设备", 12_800_000, now + timedelta(minutes=10))],
        ),
        (
            "NJ-2026-FW-0104",
            "地铁 9 号线监理服务",
            Category.SERVICES,
            ProjectStatus.PUBLISHED,
            now - 30 * day,
            now - 29 * day,
            [lot("01", "监理一标段", 6_400_000, now - 2 * day)],
        ),
        (
            "NJ-2026-GC-0105",
            "秦淮河生态修复工程",
            Category.WORKS,
            ProjectStatus.EVALUATION,
            now - 40 * day,
            now - 39 * day,
            [lot("01", "施工", 31_000_000, now - 12 * day)],
        ),
        (
            "NJ-2026-HW-0106",
            "教育系统智慧教室设备采购",
            Category.GOODS,
            ProjectStatus.AWARDED,
            now - 60 * day,
            now - 59 * day,
            [lot("01", "设备", 9_700_000, now - 35 * day)],
        ),
        (
            "NJ-2026-FW-0107",
            "老旧小区改造设计服务",
            Category.SERVICES,
            ProjectStatus.CANCELLED,
            now - 15 * day,
            now - 14 * day,
            [lot("01", "设计", 2_300_000, now + 10 * day)],
        ),
        (
            "NJ-2026-GC-0108",
            "鼓楼区学校操场改造（草稿）",
            Category.WORKS,
            ProjectStatus.DRAFT,
            None,
            None,
            [lot("01", "施工", 3_100_000, None)],
        ),
    ]
    for code, name, category, status, published, tender_start, lots in plans:
        await create_project(
            session,
            actor,
            code=code,
            name=name,
            category=category,
            tenderer_id=tenderer.id,
            agent_id=agent.id,
            region="江苏省南京市",
            lots=lots,
            status=status,
            published_at=published,
            tender_start_at=tender_start,
        )
    identities = 0
    if keys is not None and identities_dir is not None:
        identities = len(await issue_demo_identities(session, keys, identities_dir, organisation_codes(), now=now))
    return DemoSummary(created=True, organisations=len(ORGANISATIONS), projects=len(plans), identities=identities)
