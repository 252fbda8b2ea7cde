"""Who may act on an evaluation, decided in one place (issue 20 "Nobody else … can read a body, ever";
``docs/evaluation.md`` §Access). Every service function of the evaluation goes through one of these
gates before it reads or writes anything:

- :func:`member_gate`: the caller is an expert (their certificate, :func:`bidding.experts.pool.expert_of`)
  holding a seat of this evaluation in the right status, and the command is allowed to their role in
  the evaluation's state (:data:`bidding.evaluation.states.COMMANDS`). A member not signed in, one
  recused, and anyone after the report is final are refused.
- :func:`supervisor_gate`: the supervisor (reads everything but a body; remarks).
- :func:`project_gate`: the project's agent or tenderer (progress counts; the final report).

The gates raise: 404 for an evaluation that does not exist, 403 ``not_on_committee`` for a caller who
holds no seat in it, 403 ``evaluation_forbidden`` for a role the command is not for, 409
``evaluation_state`` for a state it is not allowed in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, NotFound
from bidding.core.roles import Role
from bidding.evaluation.models import Evaluation, EvaluationBid, EvaluationMember
from bidding.evaluation.states import COMMANDS, EvaluationRole, EvaluationState, MemberStatus, allowed
from bidding.experts.pool import expert_of
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "EvaluationForbidden",
    "EvaluationNotFound",
    "EvaluationStateRefused",
    "MemberSeat",
    "NotOnCommittee",
    "bids_of",
    "check",
    "evaluation",
    "lock",
    "member_gate",
    "project_gate",
    "project_of",
    "seat_of",
    "sitting",
    "supervisor_gate",
]


class EvaluationNotFound(NotFound):
    code = "evaluation_not_found"
    message_zh = "评标不存在"
    message_en = "No such evaluation"


class NotOnCommittee(Forbidden):
    code = "not_on_committee"
    message_zh = "您不是该项目评标委员会的成员，或尚未签到"
    message_en = "You are not a member of this evaluation committee, or have not signed in"


class EvaluationForbidden(Forbidden):
    code = "evaluation_forbidden"
    message_zh = "您的角色不能进行该操作"
    message_en = "Your role in this evaluation does not allow this"


class EvaluationStateRefused(Conflict):
    code = "evaluation_state"
    message_zh = "评标当前阶段不允许该操作"
    message_en = "The evaluation's state does not allow this"


@dataclass(frozen=True)
class MemberSeat:
    """The caller's place in an evaluation, as a gate found it (within the caller's transaction)."""

    evaluation: Evaluation
    member: EvaluationMember
    role: EvaluationRole

    @property
    def is_chair(self) -> bool:
        return self.role is EvaluationRole.CHAIR


def check(command: str, role: EvaluationRole, state: EvaluationState) -> None:
    """Refuse ``command`` for ``role`` in ``state`` (403 for the role, 409 for the state)."""
    if allowed(command, role, state):
        return
    roles, states = COMMANDS[command]
    if role not in roles:
        raise EvaluationForbidden(
            f"{command} is for {', '.join(sorted(r.value for r in roles))}, not {role.value}",
            f"{command} 仅限 {', '.join(sorted(r.value for r in roles))}",
        )
    raise EvaluationStateRefused(
        f"{command} is not allowed while the evaluation is {state.value}",
        f"评标处于 {state.value} 阶段，不能 {command}",
        details=[{"state": state.value, "allowed_in": sorted(s.value for s in states)}],
    )


async def evaluation(session: AsyncSession, evaluation_id: uuid.UUID) -> Evaluation:
    found = await session.get(Evaluation, evaluation_id)
    if found is None:
        raise EvaluationNotFound()
    return found


async def lock(session: AsyncSession, evaluation_id: uuid.UUID) -> Evaluation:
    """The evaluation, locked to the end of the transaction and read afresh (PostgreSQL: ``FOR
    UPDATE``; SQLite: the database's write lock, by a no-op write, as ``tendering.locks``). Every
    write to an evaluation takes this first, so that the checks "every member has …" that move its
    state are made on data no one else is changing."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(Evaluation)
            .where(Evaluation.id == evaluation_id)
            .values(state=Evaluation.state)
            .execution_options(synchronize_session=False)
        )
        found = await session.scalar(
            select(Evaluation).where(Evaluation.id == evaluation_id).execution_options(populate_existing=True)
        )
    else:
        found = await session.scalar(
            select(Evaluation)
            .where(Evaluation.id == evaluation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if found is None:
        raise EvaluationNotFound()
    return found


def _role(ev: Evaluation, member: EvaluationMember) -> EvaluationRole:
    if member.status is MemberStatus.SIGNED_IN:
        return EvaluationRole.DECLARANT
    return EvaluationRole.CHAIR if ev.chair_id == member.id else EvaluationRole.MEMBER


async def seat_of(
    session: AsyncSession,
    platform: Platform,
    caller: Caller,
    evaluation_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> MemberSeat:
    """The caller's seat in the evaluation, whatever the command: signed in (``signed_in``: the
    declaration only) or sitting, never recused; the expert is the certificate's, never a parameter."""
    expert_id = await expert_of(platform, caller)
    ev = await (lock(session, evaluation_id) if for_update else evaluation(session, evaluation_id))
    member = await session.scalar(
        select(EvaluationMember).where(
            EvaluationMember.evaluation_id == ev.id,
            EvaluationMember.expert_id == expert_id,
            EvaluationMember.status.in_([MemberStatus.SIGNED_IN, MemberStatus.SITTING]),
        )
    )
    if member is None:
        raise NotOnCommittee()
    return MemberSeat(ev, member, _role(ev, member))


async def member_gate(
    session: AsyncSession,
    platform: Platform,
    caller: Caller,
    evaluation_id: uuid.UUID,
    command: str,
    *,
    for_update: bool = False,
) -> MemberSeat:
    """The caller's seat (:func:`seat_of`), if ``command`` is theirs to send now (see the module doc)."""
    seat = await seat_of(session, platform, caller, evaluation_id, for_update=for_update)
    check(command, seat.role, seat.evaluation.state)
    return seat


def supervisor_gate(caller: Caller, ev: Evaluation, command: str = "supervise") -> None:
    if not caller.has(Role.SUPERVISOR):
        raise EvaluationForbidden("only the supervisor", "仅限监督人员")
    check(command, EvaluationRole.SUPERVISOR, ev.state)


async def project_of(session: AsyncSession, ev: Evaluation) -> tuple[Project, Lot]:
    lot = await session.get(Lot, ev.lot_id)
    assert lot is not None
    project = await session.get(Project, lot.project_id)
    assert project is not None
    return project, lot


async def bids_of(session: AsyncSession, ev: Evaluation) -> list[EvaluationBid]:
    """The evaluation's bids in their opening order (``order_no``), whatever their review."""
    return list(
        (
            await session.scalars(
                select(EvaluationBid).where(EvaluationBid.evaluation_id == ev.id).order_by(EvaluationBid.order_no)
            )
        ).all()
    )


async def project_gate(session: AsyncSession, caller: Caller, ev: Evaluation, command: str) -> None:
    """The project's agent or tenderer (their organisation is the project's)."""
    project, _ = await project_of(session, ev)
    if not (
        caller.has(Role.AGENT, Role.TENDERER)
        and caller.organization_id is not None
        and caller.organization_id in (project.agent_id, project.tenderer_id)
    ):
        raise EvaluationForbidden("only the project's agent or tenderer", "仅限本项目的招标代理或招标人")
    check(command, EvaluationRole.PROJECT, ev.state)


async def sitting(session: AsyncSession, evaluation_id: uuid.UUID) -> list[EvaluationMember]:
    """The members whose work counts: sitting (declared, not recused), in seat order."""
    return list(
        (
            await session.scalars(
                select(EvaluationMember)
                .where(EvaluationMember.evaluation_id == evaluation_id, EvaluationMember.status == MemberStatus.SITTING)
                .order_by(EvaluationMember.specialty, EvaluationMember.signed_in_at, EvaluationMember.id)
            )
        ).all()
    )
