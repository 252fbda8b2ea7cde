"""The preliminary and detailed review on the wire (``docs/evaluation.md`` §Preliminary review, §Detailed
review, §Signals shown to the committee): the checklist and the members' judgements, the score sheets,
the others' scores once one's own are in, the divergences and the chair's re-checks, and the collusion
signals. The use cases are :mod:`bidding.evaluation.review`, :mod:`bidding.evaluation.sheets` and
:mod:`bidding.evaluation.signal_facts`; this only translates the wire."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.evaluation import review, sheets, signal_facts
from bidding.evaluation.review import ChecklistView, JudgementsInput
from bidding.evaluation.sheets import (
    AnswerInput,
    DivergenceView,
    RecheckInput,
    RecheckView,
    ScoresInput,
    ScoresView,
    SheetView,
)
from bidding.evaluation.signal_facts import SignalsView

EvaluationId = FromPath[uuid.UUID]
RecheckId = FromPath[uuid.UUID]


class EvaluationReviewController(Controller):
    """A sitting member's review work (the seat is found from their certificate)."""

    path = "/api/evaluations"
    tags = ["evaluation"]
    guards = [requires(Role.EXPERT)]

    @get(
        "/{evaluation_id:uuid}/checklist",
        opt=wire(errors=[403, 404, 409]),
        summary="The preliminary review's checklist (形式/资格/响应性) with clauses, my judgements, the conclusion",
    )
    async def checklist(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> ChecklistView:
        return await review.checklist(platform, caller, evaluation_id)

    @put(
        "/{evaluation_id:uuid}/judgements",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Save my pass/fail judgements; a fail needs the reason (条例 51)",
    )
    async def judge(
        self, evaluation_id: EvaluationId, data: JSONBody[JudgementsInput], platform: PlatformDep, caller: CallerDep
    ) -> ChecklistView:
        return await review.judge(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/judgements/submit",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Submit my complete judgements; the last one draws the committee's conclusion (少数服从多数)",
    )
    async def submit_judgements(
        self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep
    ) -> ChecklistView:
        return await review.submit_judgements(platform, caller, evaluation_id)

    @get(
        "/{evaluation_id:uuid}/sheet",
        opt=wire(errors=[403, 404, 409]),
        summary="My score sheet, the system items (provisional) and the bids that passed",
    )
    async def sheet(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> SheetView:
        return await sheets.sheet(platform, caller, evaluation_id)

    @put(
        "/{evaluation_id:uuid}/scores",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Save scores of my sheet (0 … maximum, two decimals; 87号令 55, 62)",
    )
    async def put_scores(
        self, evaluation_id: EvaluationId, data: JSONBody[ScoresInput], platform: PlatformDep, caller: CallerDep
    ) -> SheetView:
        return await sheets.put_scores(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/sheet/submit",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Submit my complete sheet (scored on my own: 87号令 62)",
    )
    async def submit_sheet(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> SheetView:
        return await sheets.submit_sheet(platform, caller, evaluation_id)

    @get(
        "/{evaluation_id:uuid}/scores",
        opt=wire(errors=[403, 404, 409]),
        summary="Every member's submitted scores — only once my own sheet is in (RULES c, check 1)",
    )
    async def scores(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> ScoresView:
        return await sheets.scores(platform, caller, evaluation_id)

    @get(
        "/{evaluation_id:uuid}/divergences",
        opt=wire(errors=[403, 404, 409]),
        summary="Scores that diverge beyond the threshold (for the chair's re-check; nothing averaged away)",
    )
    async def divergences(
        self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep
    ) -> list[DivergenceView]:
        return await sheets.member_divergences(platform, caller, evaluation_id)

    @post(
        "/{evaluation_id:uuid}/rechecks",
        status_code=HTTP_201_CREATED,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The chair asks a member to re-check a score, with a reason of 87号令 62",
    )
    async def ask_recheck(
        self, evaluation_id: EvaluationId, data: JSONBody[RecheckInput], platform: PlatformDep, caller: CallerDep
    ) -> RecheckView:
        return await sheets.ask_recheck(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/rechecks/{recheck_id:uuid}/answer",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Answer a re-check with the score after re-checking (the same or another; both kept)",
    )
    async def answer_recheck(
        self,
        evaluation_id: EvaluationId,
        recheck_id: RecheckId,
        data: JSONBody[AnswerInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> RecheckView:
        return await sheets.answer_recheck(platform, caller, evaluation_id, recheck_id, data)


class EvaluationSignalsController(Controller):
    """Collusion signals: the committee's members and the supervisor."""

    path = "/api/evaluations"
    tags = ["evaluation"]
    guards = [requires(Role.EXPERT, Role.SUPERVISOR)]

    @get(
        "/{evaluation_id:uuid}/signals",
        opt=wire(errors=[403, 404, 409]),
        summary="Collusion signals with their evidence (条例 40) — signals, never rejections",
    )
    async def signals(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> SignalsView:
        return await signal_facts.collusion_signals(platform, caller, evaluation_id)
