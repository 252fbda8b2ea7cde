"""Who may act on an award, decided in one place (``docs/awards.md`` §Access). Every service function
of the award goes through :func:`gate` before it reads or writes anything.

The caller's role in an award comes from its certificate's organisation and roles, never from a
parameter: the project's tenderer (招标人/采购人) or agent, a bidder that bid in the lot (its bid was
evaluated), the supervisor, and for everyone else the public. The command is then checked against
:data:`bidding.awards.states.COMMANDS` for that role in the award's state.

Refusals: 404 ``award_not_found``; 403 ``award_forbidden`` for a role the command is not for (a bidder
that did not bid in the lot is the public here); 409 ``award_state`` for a state it is not allowed in.
The auditor reads as the supervisor does (:data:`READERS`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.models import Award
from bidding.awards.states import COMMANDS, AwardRole, AwardState, allowed
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, NotFound
from bidding.core.roles import Role
from bidding.evaluation.models import EvaluationBid
from bidding.tendering.models import Lot, Project

__all__ = [
    "READERS",
    "AwardForbidden",
    "AwardNotFound",
    "AwardSeat",
    "AwardStateRefused",
    "award",
    "award_of_lot",
    "check",
    "gate",
    "lock",
    "project_lot",
    "role_of",
]

#: Who reads every award (the supervision office and the auditors).
READERS = (Role.SUPERVISOR, Role.AUDITOR)


class AwardNotFound(NotFound):
    code = "award_not_found"
    message_zh = "定标记录不存在"
    message_en = "No such award"


class AwardForbidden(Forbidden):
    code = "award_forbidden"
    message_zh = "您的角色不能进行该操作"
    message_en = "Your role in this award does not allow this"


class AwardStateRefused(Conflict):
    code = "award_state"
    message_zh = "定标当前阶段不允许该操作"
    message_en = "The award's state does not allow this"


@dataclass(frozen=True)
class AwardSeat:
    """The caller's place in an award, as the gate found it (within the caller's transaction)."""

    award: Award
    role: AwardRole
    project: Project
    lot: Lot


def check(command: str, role: AwardRole, state: AwardState) -> None:
    """Refuse ``command`` for ``role`` in ``state`` (403 for the role, 409 for the state)."""
    if allowed(command, role, state):
        return
    roles, states = COMMANDS[command]
    if role not in roles:
        names = ", ".join(sorted(r.value for r in roles))
        raise AwardForbidden(f"{command} is for {names}, not {role.value}", f"{command} 仅限 {names}")
    raise AwardStateRefused(
        f"{command} is not allowed while the award is {state.value}",
        f"定标处于 {state.value} 阶段，不能 {command}",
        details=[{"state": state.value, "allowed_in": sorted(s.value for s in states)}],
    )


async def award(session: AsyncSession, award_id: uuid.UUID) -> Award:
    found = await session.get(Award, award_id)
    if found is None:
        raise AwardNotFound()
    return found


async def award_of_lot(session: AsyncSession, lot_id: uuid.UUID) -> Award:
    found = await session.scalar(select(Award).where(Award.lot_id == lot_id))
    if found is None:
        raise AwardNotFound(f"lot {lot_id} has no award yet", f"标段 {lot_id} 尚无定标记录")
    return found


async def lock(session: AsyncSession, award_id: uuid.UUID) -> Award:
    """The award, locked to the end of the transaction and read afresh (PostgreSQL: ``FOR UPDATE``;
    SQLite: the database's write lock, by a no-op write). Every write to an award takes this first, so
    that the clocks and the checks that move its state see data no one else is changing."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(Award)
            .where(Award.id == award_id)
            .values(state=Award.state)
            .execution_options(synchronize_session=False)
        )
        found = await session.scalar(
            select(Award).where(Award.id == award_id).execution_options(populate_existing=True)
        )
    else:
        found = await session.scalar(
            select(Award).where(Award.id == award_id).with_for_update().execution_options(populate_existing=True)
        )
    if found is None:
        raise AwardNotFound()
    return found


async def project_lot(session: AsyncSession, a: Award) -> tuple[Project, Lot]:
    lot = await session.get(Lot, a.lot_id)
    project = await session.get(Project, a.project_id)
    assert lot is not None
    assert project is not None
    return project, lot


async def _bid_in(session: AsyncSession, a: Award, organization_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(EvaluationBid.bid_id).where(
            EvaluationBid.evaluation_id == a.evaluation_id, EvaluationBid.organization_id == organization_id
        )
    )
    return found is not None


async def role_of(session: AsyncSession, caller: Caller, a: Award, project: Project) -> AwardRole:
    """The caller's role in ``a`` (see the module doc). A caller with several roles gets the one that
    concerns this project, in the order tenderer, agent, bidder, supervisor."""
    org = caller.organization_id
    if org is not None and org == project.tenderer_id and caller.has(Role.TENDERER):
        return AwardRole.TENDERER
    if org is not None and org == project.agent_id and caller.has(Role.AGENT):
        return AwardRole.AGENT
    if org is not None and caller.has(Role.BIDDER) and await _bid_in(session, a, org):
        return AwardRole.BIDDER
    if caller.has(*READERS):
        return AwardRole.SUPERVISOR
    return AwardRole.PUBLIC


async def gate(
    session: AsyncSession, caller: Caller, award_id: uuid.UUID, command: str, *, for_update: bool = False
) -> AwardSeat:
    """The award (locked if ``for_update``) and the caller's role, if ``command`` is theirs to send now.
    The auditor may read (``supervise``, ``view_announcements``) but not act for the supervisor."""
    a = await (lock(session, award_id) if for_update else award(session, award_id))
    project, lot = await project_lot(session, a)
    role = await role_of(session, caller, a, project)
    if role is AwardRole.SUPERVISOR and not caller.has(Role.SUPERVISOR) and command not in _READS:
        raise AwardForbidden("the auditor reads the award; the supervisor acts on it", "审计人员只能查阅")
    check(command, role, a.state)
    return AwardSeat(a, role, project, lot)


_READS = frozenset({"supervise", "view_announcements"})
