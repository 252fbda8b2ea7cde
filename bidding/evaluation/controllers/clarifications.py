"""Clarifications on the wire (issue 20; ``docs/evaluation.md`` §Clarifications, corrections and
abnormally low prices): the committee asks, corrects a price and decides on an abnormally low one; the
bidder answers in its workspace, signed. The use cases are :mod:`bidding.evaluation.clarifications`;
this only translates the wire. There is no endpoint for a bidder to start a clarification (条例 52).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.evaluation import clarifications
from bidding.evaluation.clarifications import (
    AnswerInput,
    AnswerStatementInput,
    AskInput,
    BidderClarificationView,
    BidLowPriceView,
    ClarificationView,
    CorrectionInput,
    LowPriceInput,
)

__all__ = ["BidderClarificationController", "EvaluationClarificationController"]

EvaluationId = FromPath[uuid.UUID]


class EvaluationClarificationController(Controller):
    """The committee's: ask, list, correct a price, decide on an abnormally low price."""

    path = "/api/evaluations"
    tags = ["evaluation"]

    @post(
        "/{evaluation_id:uuid}/clarifications",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.EXPERT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Ask a bidder a written clarification, or an explanation of an abnormally low price (条例 52; 规定 21)",
    )
    async def ask(
        self, evaluation_id: EvaluationId, data: JSONBody[AskInput], platform: PlatformDep, caller: CallerDep
    ) -> ClarificationView:
        return await clarifications.ask(platform, caller, evaluation_id, data)

    @get(
        "/{evaluation_id:uuid}/clarifications",
        guards=[requires(Role.EXPERT, Role.SUPERVISOR)],
        opt=wire(errors=[403, 404, 409]),
        summary="The evaluation's clarifications and the bidders' signed answers (committee, supervisor)",
    )
    async def list_clarifications(
        self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep
    ) -> list[ClarificationView]:
        return await clarifications.list_clarifications(platform, caller, evaluation_id)

    @post(
        "/{evaluation_id:uuid}/corrections",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.EXPERT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Correct a bid's price arithmetically and ask the bidder to confirm (chair; 规定 19, 87号令 59)",
    )
    async def correct(
        self, evaluation_id: EvaluationId, data: JSONBody[CorrectionInput], platform: PlatformDep, caller: CallerDep
    ) -> ClarificationView:
        return await clarifications.correct_price(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/bids/{bid_id:uuid}/low-price",
        status_code=HTTP_200_OK,
        guards=[requires(Role.EXPERT)],
        opt=wire(errors=[403, 404, 409]),
        summary="Accept an abnormally low price or reject the bid, after its explanation (chair; 规定 21, 87号令 60)",
    )
    async def decide_low_price(
        self,
        evaluation_id: EvaluationId,
        bid_id: FromPath[uuid.UUID],
        data: JSONBody[LowPriceInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> BidLowPriceView:
        return await clarifications.decide_low_price(platform, caller, evaluation_id, bid_id, data)


class BidderClarificationController(Controller):
    """The bidder's: its own clarifications only (another organisation's is 404), answered signed."""

    path = "/api/bidder/clarifications"
    tags = ["evaluation"]
    guards = [requires(Role.BIDDER)]

    @get("/", summary="The clarifications the committee asked of my organisation (条例 52)")
    async def mine(self, platform: PlatformDep, caller: CallerDep) -> list[BidderClarificationView]:
        return await clarifications.bidder_clarifications(platform, caller)

    @post(
        "/{clarification_id:uuid}/statement",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409]),
        summary="The statement to sign for an answer (and, for a correction, accepting the price or not)",
    )
    async def statement(
        self,
        clarification_id: FromPath[uuid.UUID],
        data: JSONBody[AnswerStatementInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> dict[str, Any]:
        return await clarifications.answer_statement(platform, caller, clarification_id, data)

    @post(
        "/{clarification_id:uuid}/answer",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Answer a clarification with the signed statement, by its deadline (条例 52)",
    )
    async def answer(
        self,
        clarification_id: FromPath[uuid.UUID],
        data: JSONBody[AnswerInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> BidderClarificationView:
        return await clarifications.answer(platform, caller, clarification_id, data)
