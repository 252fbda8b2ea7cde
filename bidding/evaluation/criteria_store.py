"""A lot's evaluation criteria with the tender (issue 20; ``docs/evaluation.md`` §Criteria with the tender):
the agent sets them, the project's parties and the supervisor read them, the public reads them once the
project is published, and the evaluation takes the frozen copy.

The criteria are part of the tender documents: the method and its factors are set in the tender (规定
29, 35–36; 87号令 55), and the committee evaluates by the criteria of the tender documents and no other
(法 40; 条例 49). Hence:

* **Who sets them** (:func:`set_criteria`): the project's agent only (the organisation that runs it,
  in role agent); anyone else is refused 403 ``criteria_forbidden``; an unknown lot is 404.
* **What is accepted**: criteria whose ``category`` is the project's (422
  ``criteria_category_mismatch``) and that pass :func:`bidding.evaluation.criteria.validate_criteria`
  (422 ``criteria_invalid``, every problem listed).
* **Until when**: until the lot's bid deadline. From the deadline on (or once the lot's bids were
  extracted, or the tender ended) they are frozen: 409 ``criteria_frozen``. The deadline is compared
  with the platform's clock **under the lot's lock** (:func:`bidding.tendering.locks.lock_lot`), the
  lock the extraction at the deadline takes, so a change and the deadline cannot interleave.
* **Kept**: the canonical JSON (:mod:`bidding.evaluation.criteria_wire`) and its SHA-256, who set them
  and when; each change is audited (``evaluation.criteria_set`` with the SHA-256 before and after), so
  the trail holds every version's fingerprint. Sending the same criteria again changes nothing.
* **Read**: the project's agent and tenderer and the supervisor (:func:`get_criteria`); everyone once
  the project is published (:func:`public_criteria`; a draft's lot is 404, as the public project is).
* **Evaluated by**: :func:`frozen_criteria`, the copy the evaluation snapshots (409 ``criteria_missing``
  without one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, DomainError, Forbidden, NotFound
from bidding.core.roles import Role
from bidding.evaluation.criteria import Scorer, validate_criteria
from bidding.evaluation.criteria_wire import (
    CriteriaWire,
    criteria_dict,
    criteria_from_dict,
    criteria_sha256,
    to_criteria,
    to_wire,
)
from bidding.evaluation.models import LotCriteria
from bidding.tendering.locks import lock_lot
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.projects import ProjectStatus

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "CriteriaCategoryMismatch",
    "CriteriaForbidden",
    "CriteriaFrozen",
    "CriteriaIntegrity",
    "CriteriaMissing",
    "CriteriaNotFound",
    "CriteriaView",
    "LotNotFound",
    "frozen_criteria",
    "get_criteria",
    "public_criteria",
    "set_criteria",
]

#: Tenders that ended: their criteria can no longer change (nor be evaluated).
_ENDED = frozenset({ProjectStatus.CANCELLED, ProjectStatus.FAILED})


class LotNotFound(NotFound):
    code = "lot_not_found"
    message_zh = "标段不存在"
    message_en = "No such lot"


class CriteriaNotFound(NotFound):
    code = "criteria_not_found"
    message_zh = "该标段尚未设置评标办法，或项目尚未发布"
    message_en = "The lot has no evaluation criteria yet, or its project is not published"


class CriteriaForbidden(Forbidden):
    code = "criteria_forbidden"
    message_zh = "仅本项目的招标代理可设置评标办法；仅本项目的招标代理、招标人和监督人员可查看未发布的评标办法"
    message_en = (
        "Only the project's agent sets the criteria; only its agent, tenderer and the supervisor read them "
        "outside the public portal"
    )


class CriteriaFrozen(Conflict):
    """条例 49, 规定 29: the criteria are those of the tender; after the bid deadline they stay as published."""

    code = "criteria_frozen"
    message_zh = "投标截止时间已过，评标办法不能再修改"
    message_en = "The bid deadline has passed: the evaluation criteria can no longer change"


class SystemItemUnsupported(DomainError):
    code = "system_item_unsupported"
    status = 422
    message_zh = "系统暂不能计算该评审因素"
    message_en = "The system cannot compute this item"


class CriteriaCategoryMismatch(DomainError):
    code = "criteria_category_mismatch"
    status = 422
    message_zh = "评标办法的项目类别与项目不一致"
    message_en = "The criteria's category is not the project's"


class CriteriaMissing(Conflict):
    code = "criteria_missing"
    message_zh = "该标段未设置评标办法，不能评标"
    message_en = "The lot has no evaluation criteria: it cannot be evaluated"


class CriteriaIntegrity(Conflict):
    code = "criteria_integrity"
    message_zh = "评标办法的存储内容与其摘要不符"
    message_en = "The stored criteria do not match their SHA-256"


@dataclass(frozen=True)
class CriteriaView:
    """A lot's criteria as stored: the canonical form, its SHA-256 and whether it can still change."""

    lot_id: uuid.UUID
    lot_code: str
    project_id: uuid.UUID
    criteria: CriteriaWire
    sha256: str
    set_at: datetime
    #: The lot's bid deadline: from then on the criteria are frozen.
    bid_deadline: datetime | None
    frozen: bool


def _frozen(project: Project, lot: Lot, now: datetime) -> str | None:
    """Why the lot's criteria can no longer change, or None."""
    if project.status in _ENDED:
        return f"the tender ended ({project.status.value})"
    if lot.bids_extracted_at is not None:
        return f"the bids were extracted at {lot.bids_extracted_at.isoformat()}"
    if lot.bid_deadline is not None and now >= lot.bid_deadline:
        return f"the bid deadline was {lot.bid_deadline.isoformat()}"
    return None


def _view(row: LotCriteria, lot: Lot, project: Project, now: datetime) -> CriteriaView:
    return CriteriaView(
        lot_id=lot.id,
        lot_code=lot.code,
        project_id=project.id,
        criteria=to_wire(criteria_from_dict(row.criteria)),
        sha256=row.sha256,
        set_at=row.set_at,
        bid_deadline=lot.bid_deadline,
        frozen=_frozen(project, lot, now) is not None,
    )


def _is_agent(caller: Caller, project: Project) -> bool:
    return caller.has(Role.AGENT) and caller.organization_id is not None and caller.organization_id == project.agent_id


def _may_read(caller: Caller, project: Project) -> bool:
    if caller.has(Role.SUPERVISOR) or _is_agent(caller, project):
        return True
    return (
        caller.has(Role.TENDERER)
        and caller.organization_id is not None
        and caller.organization_id == project.tenderer_id
    )


async def _lot(session: AsyncSession, lot_id: uuid.UUID) -> tuple[Lot, Project]:
    lot = await session.scalar(select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project)))
    if lot is None:
        raise LotNotFound()
    return lot, lot.project


async def set_criteria(platform: Platform, caller: Caller, lot_id: uuid.UUID, wire: CriteriaWire) -> CriteriaView:
    """Set (or replace) the lot's criteria before its bid deadline (规定 29; 条例 49), as the module doc says."""
    criteria = to_criteria(wire)
    async with platform.sessions() as session, session.begin():
        lot = await lock_lot(session, lot_id)
        if lot is None:
            raise LotNotFound()
        project = lot.project
        if not _is_agent(caller, project):
            raise CriteriaForbidden("only the project's agent sets its criteria", "仅本项目的招标代理可设置评标办法")
        now = platform.clock.now()
        why = _frozen(project, lot, now)
        if why is not None:
            raise CriteriaFrozen(why, details=[{"lot_id": str(lot.id), "reason": why}])
        if criteria.category is not project.category:
            raise CriteriaCategoryMismatch(
                f"the criteria say {criteria.category.value}, the project is {project.category.value}",
                f"评标办法为 {criteria.category.value}，项目为 {project.category.value}",
                details=[{"field": "category", "expected": project.category.value, "given": criteria.category.value}],
            )
        validate_criteria(criteria)
        unsourced = [i.name_zh for i in criteria.scoring_items if i.scorer is Scorer.SYSTEM and not i.is_price]
        if unsourced:
            # The platform computes the price score only; an objective item such as counted contracts
            # needs data it does not hold, so the committee's members score it (docs/evaluation.md).
            raise SystemItemUnsupported(
                "only the price is computed by the system here: score other objective items by each expert",
                "本平台仅由系统计算价格分，其他客观分评审因素请设为由评标专家评分",
                details=[{"reason": "system_item_unsupported", "item": name} for name in unsourced],
            )
        sha = criteria_sha256(criteria)
        row = await session.get(LotCriteria, lot.id)
        before = row.sha256 if row is not None else None
        if row is None:
            row = LotCriteria(
                lot_id=lot.id, criteria=criteria_dict(criteria), sha256=sha, set_by=caller.actor_id, set_at=now
            )
            session.add(row)
        elif before != sha:
            row.criteria, row.sha256, row.set_by, row.set_at = criteria_dict(criteria), sha, caller.actor_id, now
        if before != sha:
            record(
                session,
                caller.actor,
                "evaluation.criteria_set",
                object_type="lot",
                object_id=str(lot.id),
                content_sha256=sha,
                details={
                    "project": str(project.id),
                    "lot_code": lot.code,
                    "method": criteria.method.value,
                    "sha256": sha,
                    "replaces": before,
                },
            )
        return _view(row, lot, project, now)


async def get_criteria(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> CriteriaView:
    """The lot's criteria for the project's agent or tenderer or the supervisor, drafts included."""
    async with platform.sessions() as session:
        lot, project = await _lot(session, lot_id)
        if not _may_read(caller, project):
            raise CriteriaForbidden()
        row = await session.get(LotCriteria, lot.id)
        if row is None:
            raise CriteriaNotFound(f"lot {lot.code} has no criteria yet", f"标段 {lot.code} 尚未设置评标办法")
        return _view(row, lot, project, platform.clock.now())


async def public_criteria(platform: Platform, lot_id: uuid.UUID) -> CriteriaView:
    """The lot's criteria for anyone, once its project is published (never a draft's: 404, as the public
    project page is)."""
    async with platform.sessions() as session:
        found = await session.execute(
            select(LotCriteria, Lot, Project)
            .join(Lot, Lot.id == LotCriteria.lot_id)
            .join(Project, Project.id == Lot.project_id)
            .where(LotCriteria.lot_id == lot_id, Project.status != ProjectStatus.DRAFT)
        )
        hit = found.first()
        if hit is None:
            raise CriteriaNotFound()
        row, lot, project = hit
        return _view(row, lot, project, platform.clock.now())


async def frozen_criteria(session: AsyncSession, lot_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    """The criteria the evaluation of the lot applies and their SHA-256 (条例 49), for its snapshot, in the
    caller's transaction: 409 ``criteria_missing`` when the lot has none, ``criteria_integrity`` when
    the stored JSON no longer hashes to the stored SHA-256."""
    row = await session.get(LotCriteria, lot_id)
    if row is None:
        raise CriteriaMissing(f"lot {lot_id} has no criteria", f"标段 {lot_id} 未设置评标办法")
    data = criteria_dict(criteria_from_dict(row.criteria))
    if criteria_sha256(data) != row.sha256:
        raise CriteriaIntegrity(f"lot {lot_id}", details=[{"lot_id": str(lot_id), "sha256": row.sha256}])
    return data, row.sha256
