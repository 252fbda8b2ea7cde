"""The committee's room on the wire (``docs/evaluation.md`` §The committee): entering for a lot,
the recusal declaration, the chair's election, and the room's state. The use cases are
:mod:`bidding.evaluation.room`; this only translates the wire."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.evaluation import room
from bidding.evaluation.room import (
    ChairVoteInput,
    DeclarationInput,
    DeclarationStatementInput,
    EnterInput,
    RoomView,
)

EvaluationId = FromPath[uuid.UUID]


class EvaluationRoomController(Controller):
    """A drawn expert's evaluation room (the seat is found from their certificate)."""

    path = "/api/evaluations"
    tags = ["evaluation"]
    guards = [requires(Role.EXPERT)]

    @post(
        "/enter",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409]),
        summary="Sign in to a lot's evaluation on the day (opening closed, criteria set; 条例 46, 规定 12)",
    )
    async def enter(self, data: JSONBody[EnterInput], platform: PlatformDep, caller: CallerDep) -> RoomView:
        return await room.enter(platform, caller, data)

    @get("/{evaluation_id:uuid}", opt=wire(errors=[403, 404]), summary="The evaluation room as this member sees it")
    async def show(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> RoomView:
        return await room.room(platform, caller, evaluation_id)

    @post(
        "/{evaluation_id:uuid}/declaration/statement",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409]),
        summary="The recusal declaration (承诺书) to sign: the commitment, or a conflict in the member's words",
    )
    async def declaration_statement(
        self,
        evaluation_id: EvaluationId,
        data: JSONBody[DeclarationStatementInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> dict[str, Any]:
        return await room.declaration_statement(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/declaration",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Sign the declaration: no conflict → sitting; a conflict → recused, the next backup invited (条例 46)",
    )
    async def declare(
        self, evaluation_id: EvaluationId, data: JSONBody[DeclarationInput], platform: PlatformDep, caller: CallerDep
    ) -> RoomView:
        return await room.declare(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/chair-votes",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Vote for the committee's chair (规定 9: elected by the members)",
    )
    async def vote_chair(
        self, evaluation_id: EvaluationId, data: JSONBody[ChairVoteInput], platform: PlatformDep, caller: CallerDep
    ) -> RoomView:
        return await room.vote_chair(platform, caller, evaluation_id, data)
