"""The supervisor's evaluations and the project party's progress on the wire (``docs/evaluation.md``
§The supervisor's view). The use cases are :mod:`bidding.evaluation.supervise`; this only translates
the wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.evaluation import supervise
from bidding.evaluation.states import EvaluationState
from bidding.evaluation.supervise import (
    ProgressView,
    RemarkInput,
    RemarkView,
    SupervisedItem,
    SupervisionView,
)

EvaluationId = FromPath[uuid.UUID]
#: ``?state=reporting`` (``state`` is a name Litestar keeps for the app's state).
StateQuery = Annotated[EvaluationState | None, QueryParameter(name="state")]


class EvaluationSupervisionController(Controller):
    """The supervisor reads every evaluation but the bodies, and remarks."""

    path = "/api/supervision/evaluations"
    tags = ["supervision"]
    guards = [requires(Role.SUPERVISOR)]

    @get("/", summary="Evaluations, newest first, with their counts (supervisor)")
    async def list_evaluations(
        self, platform: PlatformDep, caller: CallerDep, in_state: StateQuery = None
    ) -> list[SupervisedItem]:
        return await supervise.list_evaluations(platform, caller, in_state)

    @get(
        "/{evaluation_id:uuid}",
        opt=wire(errors=[404]),
        summary="An evaluation as the supervisor reads it: members, bids, judgements, submitted sheets, "
        "clarifications, re-checks, signals, remarks, the report — never a body",
    )
    async def show(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> SupervisionView:
        return await supervise.supervised(platform, caller, evaluation_id)

    @post(
        "/{evaluation_id:uuid}/remarks",
        status_code=HTTP_201_CREATED,
        opt=wire(errors=[404]),
        summary="A remark of the supervisor, shown to the committee and kept in the record (audited)",
    )
    async def remark(
        self, evaluation_id: EvaluationId, data: JSONBody[RemarkInput], platform: PlatformDep, caller: CallerDep
    ) -> RemarkView:
        return await supervise.remark(platform, caller, evaluation_id, data)


class LotEvaluationProgressController(Controller):
    """The project's agent or tenderer: how far the evaluation of a lot is, in counts."""

    path = "/api/agent/lots"
    tags = ["agent"]
    guards = [requires(Role.AGENT, Role.TENDERER)]

    @get(
        "/{lot_id:uuid}/evaluation",
        opt=wire(errors=[404]),
        summary="The evaluation's progress in counts; the report's links once final (规定 6; 条例 49)",
    )
    async def progress(self, lot_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> ProgressView:
        return await supervise.progress(platform, caller, lot_id)
