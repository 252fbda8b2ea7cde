"""The statistics' use cases (issue 25, ``docs/frontend-statistics.md``): the centre's charts over a
period, filtered by category and agency (the administrator, the supervisor, the auditor), each as a
table that downloads as CSV; and the figures of a year the centre publishes (anyone).

Everything is computed from the rows of the capabilities that own them, at the time of the query;
no total is stored. Each chart is a :class:`Chart`: its column names and rows, the same in the JSON,
the CSV and the page's table view. The definitions (which rows, which times) are those of the
module docstrings of the functions below and of ``docs/frontend-statistics.md``.

An *opening* is a lot's opening session that left ``waiting`` (its bids were extracted at the
deadline, 办法 29: the session went on, failed for want of bids or was adjourned), counted on the
China day of the lot's deadline (its opening time). The charts about bids, discounts and decryption
are over the lots opened in the period.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.models import Award
from bidding.awards.states import AwardState
from bidding.core.auth.caller import Caller
from bidding.core.errors import Forbidden, InvalidInput, NotFound
from bidding.core.roles import Role
from bidding.deposits.ledger import AccountKind
from bidding.deposits.models import LedgerLeg, LedgerPosting
from bidding.deposits.refund_models import DepositForfeit, DepositRefund
from bidding.deposits.refund_rules import RefundStatus
from bidding.identity.kinds import OrgKind
from bidding.identity.models import Organization
from bidding.statistics.rules import (
    DELAY_BUCKETS,
    Cell,
    Filters,
    Period,
    china_day,
    china_month,
    csv_bytes,
    delay_bucket,
    discount,
    mean_percent,
    parse_filters,
    parse_year,
)
from bidding.supervision.models import SupervisionAlert
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.projects import Category, Phase, project_phase
from opening_room.states import BidOpeningOutcome, BidOpeningStatus, State
from opening_room.tables import BidOpening, OpeningSession

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "CHARTS",
    "READERS",
    "Centre",
    "Chart",
    "Choice",
    "Year",
    "centre",
    "centre_csv",
    "year",
]

#: The centre's readers: the administrator, the supervision office, the auditor.
READERS: Final = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
#: The charts, in the page's order.
CHARTS: Final = (
    "openings",
    "projects",
    "bids",
    "discount",
    "decryption",
    "deposits",
    "refund_delays",
    "alerts",
)
#: Awards that have a winner the tenderer chose and notified (办法 36–37).
AWARDED: Final = (AwardState.AWARDED, AwardState.CONTRACTED, AwardState.CLOSED)
#: The agencies listed in the filter, at most.
MAX_AGENCIES: Final = 500


@dataclass(frozen=True)
class Chart:
    """One chart's numbers as a table: the JSON, the CSV and the page's table view alike."""

    name: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Choice:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class Centre:
    """The centre's charts for one period and filters."""

    first: date
    last: date
    category: str | None
    agency: uuid.UUID | None
    charts: list[Chart]
    #: The agencies (代理机构) the filter offers, by name.
    agencies: list[Choice] = field(default_factory=list)
    #: The platform records no on-site decryption (``docs/frontend-statistics.md``).
    on_site_recorded: bool = False


@dataclass(frozen=True)
class Year:
    """The figures of one China calendar year a centre publishes in its yearly report."""

    year: int
    projects: int
    estimates_fen: int
    openings: int
    bids: int
    awards: int
    awarded_fen: int
    refunds: int
    refunded_fen: int
    #: ``[month, openings]`` for the 12 months, January first.
    openings_per_month: Chart


def _scope(filters: Filters | None) -> list[ColumnElement[bool]]:
    """The conditions (on ``projects``) of the category and agency asked for."""
    conditions: list[ColumnElement[bool]] = []
    if filters is not None and filters.category is not None:
        conditions.append(Project.category == filters.category)
    if filters is not None and filters.agency is not None:
        conditions.append(Project.agent_id == filters.agency)
    return conditions


def _opened_lots(period: Period, filters: Filters | None, *columns: Any) -> Select[Any]:
    """The lots opened in ``period`` (by default: id, deadline, estimate, category)."""
    return (
        select(*(columns or (Lot.id, Lot.bid_deadline, Lot.estimated_price_fen, Project.category)))
        .join(OpeningSession, OpeningSession.lot_id == Lot.id)
        .join(Project, Project.id == Lot.project_id)
        .where(
            OpeningSession.state != State.WAITING,
            Lot.bid_deadline >= period.start,
            Lot.bid_deadline < period.end,
            *_scope(filters),
        )
    )


def _sorted_categories(found: set[str]) -> list[str]:
    order = [c.value for c in Category]
    return sorted(found, key=lambda c: (order.index(c) if c in order else len(order), c))


async def _projects_chart(db: AsyncSession, filters: Filters, now: datetime) -> Chart:
    """Projects registered (created) in the period, by category and by their phase now."""
    # the phase depends on the earliest deadline of the project's lots (project_phase)
    stmt = (
        select(Project.category, Project.status, Project.tender_start_at, func.min(Lot.bid_deadline))
        .join(Lot, Lot.project_id == Project.id, isouter=True)
        .where(Project.created_at >= filters.period.start, Project.created_at < filters.period.end, *_scope(filters))
        .group_by(Project.id, Project.category, Project.status, Project.tender_start_at)
    )
    counted: Counter[tuple[str, str]] = Counter()
    for category, status, tender_start_at, first_deadline in (await db.execute(stmt)).all():
        deadlines = [first_deadline] if first_deadline is not None else []
        phase = project_phase(status, tender_start_at=tender_start_at, bid_deadlines=deadlines, now=now)
        counted[str(category), str(phase)] += 1
    phases = [p.value for p in Phase]
    rows: list[list[Cell]] = [
        [category, phase, counted[category, phase]]
        for category in _sorted_categories({c for c, _ in counted})
        for phase in phases
        if counted[category, phase]
    ]
    return Chart("projects", ["category", "phase", "projects"], rows)


async def _lot_charts(db: AsyncSession, filters: Filters) -> list[Chart]:
    """Openings per day, bids per lot, discounts and decryption, over the lots opened in the period."""
    lots = (await db.execute(_opened_lots(filters.period, filters))).all()
    per_day = Counter(china_day(deadline) for _, deadline, _, _ in lots if deadline is not None)
    openings = Chart("openings", ["day", "openings"], [[day.isoformat(), per_day[day]] for day in filters.period.days])
    ids = [lot.id for lot in lots]
    opened_ids = _opened_lots(filters.period, filters, Lot.id).scalar_subquery()
    bids_of: Counter[uuid.UUID] = Counter()
    statuses: Counter[str] = Counter()
    opened: dict[str, list[Fraction]] = defaultdict(list)
    awarded: dict[str, list[Fraction]] = defaultdict(list)
    if ids:
        estimate = {lot.id: lot.estimated_price_fen for lot in lots}
        category = {lot.id: str(lot.category) for lot in lots}
        for lot_id, status, outcome, price_fen in (
            await db.execute(
                select(BidOpening.lot_id, BidOpening.status, BidOpening.outcome, BidOpening.price_fen).where(
                    BidOpening.lot_id.in_(opened_ids)
                )
            )
        ).all():
            bids_of[lot_id] += 1
            statuses[_decryption(status, outcome)] += 1
            if status is BidOpeningStatus.DECRYPTED and price_fen is not None:
                opened[category[lot_id]].append(discount(estimate[lot_id], price_fen))
        for lot_id, price_fen in (
            await db.execute(
                select(Award.lot_id, BidOpening.price_fen)
                .join(BidOpening, BidOpening.bid_id == Award.winner_bid_id)
                .where(Award.lot_id.in_(opened_ids), Award.state.in_(AWARDED))
            )
        ).all():
            if price_fen is not None:
                awarded[category[lot_id]].append(discount(estimate[lot_id], price_fen))
    spread = Counter(bids_of[lot_id] for lot_id in ids)
    bids = Chart("bids", ["bids", "lots"], [[n, spread[n]] for n in sorted(spread)])
    discounts = Chart(
        "discount",
        ["category", "priced_bids", "opened_discount_pct", "awards", "awarded_discount_pct"],
        [
            [c, len(opened[c]), mean_percent(opened[c]), len(awarded[c]), mean_percent(awarded[c])]
            for c in _sorted_categories(set(opened) | set(awarded))
        ],
    )
    decryption = Chart("decryption", ["result", "bids"], [[name, statuses[name]] for name in DECRYPTION])
    return [openings, bids, discounts, decryption]


#: How an extracted bid fared: decrypted by its bidder in the room (remote: the platform has no
#: on-site decryption), failed for its bidder's fault (视为撤销) or another's (视为撤回), or pending.
DECRYPTION: Final = ("remote_decrypted", "failed_revoked", "failed_withdrawn", "pending")


def _decryption(status: BidOpeningStatus, outcome: BidOpeningOutcome | None) -> str:
    if status is BidOpeningStatus.DECRYPTED:
        return "remote_decrypted"
    if status is BidOpeningStatus.FAILED:
        return "failed_withdrawn" if outcome is BidOpeningOutcome.WITHDRAWN else "failed_revoked"
    return "pending"


async def _deposit_charts(db: AsyncSession, filters: Filters, today: date) -> list[Chart]:
    """Deposits received, refunded, kept and held (fen), and the refunds' delays."""
    period = filters.period
    sub = and_(LedgerLeg.account_kind == AccountKind.SUB_ACCOUNT, LedgerPosting.created_at < period.end)
    in_period = LedgerPosting.created_at >= period.start
    credit = and_(in_period, LedgerLeg.amount_fen < 0)
    held, received, receipts = (
        await db.execute(
            select(
                func.coalesce(func.sum(-LedgerLeg.amount_fen), 0),
                func.coalesce(func.sum(case((credit, -LedgerLeg.amount_fen), else_=0)), 0),
                func.coalesce(func.sum(case((credit, 1), else_=0)), 0),
            )
            .select_from(LedgerLeg)
            .join(LedgerPosting, LedgerPosting.id == LedgerLeg.posting_id)
            .join(Lot, Lot.id == LedgerLeg.lot_id)
            .join(Project, Project.id == Lot.project_id)
            .where(sub, *_scope(filters))
        )
    ).one()
    paid = (
        await db.execute(
            select(DepositRefund.due_on, DepositRefund.paid_on, DepositRefund.amount_fen)
            .join(Lot, Lot.id == DepositRefund.lot_id)
            .join(Project, Project.id == Lot.project_id)
            .where(
                DepositRefund.paid_on >= period.first,
                DepositRefund.paid_on <= period.last,
                DepositRefund.status.in_((RefundStatus.PAID, RefundStatus.CLOSED)),
                *_scope(filters),
            )
        )
    ).all()
    kept, kept_fen = (
        await db.execute(
            select(func.count(), func.coalesce(func.sum(DepositForfeit.amount_fen), 0))
            .select_from(DepositForfeit)
            .join(Lot, Lot.id == DepositForfeit.lot_id)
            .join(Project, Project.id == Lot.project_id)
            .where(DepositForfeit.decided_at >= period.start, DepositForfeit.decided_at < period.end, *_scope(filters))
        )
    ).one()
    overdue = (
        await db.execute(
            select(func.count())
            .select_from(DepositRefund)
            .join(Lot, Lot.id == DepositRefund.lot_id)
            .join(Project, Project.id == Lot.project_id)
            .where(
                DepositRefund.paid_on.is_(None),
                DepositRefund.due_on >= period.first,
                DepositRefund.due_on <= period.last,
                DepositRefund.due_on < today,
                *_scope(filters),
            )
        )
    ).scalar_one()
    deposits = Chart(
        "deposits",
        ["measure", "amount_fen", "count"],
        [
            ["received", int(received), int(receipts)],
            ["refunded", sum(int(r.amount_fen) for r in paid), len(paid)],
            ["kept", int(kept_fen), int(kept)],
            ["held_at_end", int(held), None],
        ],
    )
    buckets = Counter(delay_bucket(r.due_on, r.paid_on) for r in paid if r.paid_on is not None)
    delay_rows: list[list[Cell]] = [[name, buckets[name]] for name, _ in DELAY_BUCKETS]
    delays = Chart(
        "refund_delays",
        ["delay_days", "refunds"],
        [*delay_rows, ["unpaid_overdue", int(overdue or 0)]],
    )
    return [deposits, delays]


async def _alerts_chart(db: AsyncSession, filters: Filters) -> Chart:
    """Supervision alerts raised in the period, by clock kind and level."""
    stmt = (
        select(SupervisionAlert.kind, SupervisionAlert.level, func.count())
        .join(Project, Project.id == SupervisionAlert.project_id)
        .where(
            SupervisionAlert.raised_at >= filters.period.start,
            SupervisionAlert.raised_at < filters.period.end,
            *_scope(filters),
        )
        .group_by(SupervisionAlert.kind, SupervisionAlert.level)
    )
    counted: Counter[tuple[str, str]] = Counter()
    for kind, level, n in (await db.execute(stmt)).all():
        counted[str(kind), str(level)] += int(n)
    kinds = sorted({k for k, _ in counted})
    return Chart("alerts", ["kind", "yellow", "red"], [[k, counted[k, "yellow"], counted[k, "red"]] for k in kinds])


def _check(caller: Caller) -> None:
    if not caller.has(*READERS):
        raise Forbidden(
            "the centre's statistics are the administrator's, the supervisor's and the auditor's",
            "中心统计仅限管理员、监督人员和审计人员查看",
        )


async def _filters(platform: Platform, db: AsyncSession, first: str, last: str, category: str, agency: str) -> Filters:
    filters = parse_filters(first, last, category, agency, today=china_day(platform.clock.now()))
    if filters.agency is not None:
        kind = await db.scalar(select(Organization.kind).where(Organization.id == filters.agency))
        if kind is not OrgKind.AGENT:
            raise InvalidInput(f"unknown agency {filters.agency}", f"未知的代理机构 {filters.agency}")
    return filters


async def centre(
    platform: Platform, caller: Caller, *, first: str = "", last: str = "", category: str = "", agency: str = ""
) -> Centre:
    """``GET /api/admin/statistics``: every chart over the period and filters (the centre's readers)."""
    _check(caller)
    now = platform.clock.now()
    async with platform.sessions() as db:
        filters = await _filters(platform, db, first, last, category, agency)
        lot_charts = await _lot_charts(db, filters)
        charts = {
            chart.name: chart
            for chart in (
                *lot_charts,
                await _projects_chart(db, filters, now),
                *await _deposit_charts(db, filters, china_day(now)),
                await _alerts_chart(db, filters),
            )
        }
        agencies = [
            Choice(org_id, name)
            for org_id, name in (
                await db.execute(
                    select(Organization.id, Organization.name)
                    .where(Organization.kind == OrgKind.AGENT)
                    .order_by(Organization.name, Organization.id)
                    .limit(MAX_AGENCIES)
                )
            ).all()
        ]
    return Centre(
        filters.period.first,
        filters.period.last,
        filters.category.value if filters.category else None,
        filters.agency,
        [charts[name] for name in CHARTS],
        agencies,
    )


async def centre_csv(
    platform: Platform,
    caller: Caller,
    chart: str,
    *,
    first: str = "",
    last: str = "",
    category: str = "",
    agency: str = "",
) -> tuple[bytes, str]:
    """``GET /api/admin/statistics/{chart}/csv``: one chart's table as CSV, and its file name."""
    _check(caller)
    if chart not in CHARTS:
        raise NotFound(f"no chart {chart!r} (one of {', '.join(CHARTS)})", f"没有名为 {chart!r} 的统计图")
    figures = await centre(platform, caller, first=first, last=last, category=category, agency=agency)
    table = next(c for c in figures.charts if c.name == chart)
    return csv_bytes(table.columns, table.rows), f"statistics-{chart}-{figures.first}-{figures.last}.csv"


async def year(platform: Platform, which: int) -> Year:
    """``GET /api/statistics/{year}``: the year's figures (anyone).

    * projects: projects published (tender announcement) in the year; estimates: the sum of their
      lots' estimates;
    * openings and bids: the lots opened in the year (module doc) and the bids extracted at them;
    * awards: the lots opened in the year whose award has a winner (state awarded, contracted or
      closed), and the sum of the winners' opened prices;
    * refunds: deposit refunds the bank paid in the year (``paid_on``), their count and amount paid
      (principal, interest and any overdue charge).
    """
    period = parse_year(which, this_year=china_day(platform.clock.now()).year)
    async with platform.sessions() as db:
        projects, estimates = (
            await db.execute(
                select(func.count(func.distinct(Project.id)), func.coalesce(func.sum(Lot.estimated_price_fen), 0))
                .select_from(Project)
                .join(Lot, Lot.project_id == Project.id, isouter=True)
                .where(Project.published_at >= period.start, Project.published_at < period.end)
            )
        ).one()
        deadlines = (await db.scalars(_opened_lots(period, None, Lot.bid_deadline))).all()
        opened_ids = _opened_lots(period, None, Lot.id).scalar_subquery()
        bids = await db.scalar(select(func.count()).select_from(BidOpening).where(BidOpening.lot_id.in_(opened_ids)))
        awards, awarded = (
            await db.execute(
                select(func.count(), func.coalesce(func.sum(BidOpening.price_fen), 0))
                .select_from(Award)
                .join(BidOpening, BidOpening.bid_id == Award.winner_bid_id)
                .where(Award.lot_id.in_(opened_ids), Award.state.in_(AWARDED))
            )
        ).one()
        refunds, refunded = (
            await db.execute(
                select(func.count(), func.coalesce(func.sum(DepositRefund.amount_fen), 0)).where(
                    DepositRefund.paid_on >= period.first,
                    DepositRefund.paid_on <= period.last,
                    DepositRefund.status.in_((RefundStatus.PAID, RefundStatus.CLOSED)),
                )
            )
        ).one()
    months = Counter(china_month(deadline) for deadline in deadlines if deadline is not None)
    per_month = Chart(
        "openings_per_month",
        ["month", "openings"],
        [[f"{which}-{m:02d}", months[f"{which}-{m:02d}"]] for m in range(1, 13)],
    )
    return Year(
        which,
        int(projects),
        int(estimates),
        len(deadlines),
        int(bids or 0),
        int(awards),
        int(awarded or 0),
        int(refunds),
        int(refunded),
        per_month,
    )
