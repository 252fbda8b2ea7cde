"""The expert draw on the wire (``docs/expert-draws.md``): the requester's (agent, tenderer) request
and live counts, the supervisor's view and finalisation, the public's commitments and ``DRAW.json``,
the expert's invitations and evaluations, and the e-mail's one-time answer link. The use cases are
:mod:`bidding.experts.draws` and :mod:`bidding.experts.invitations`; this only translates the wire.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.http.dependencies import CallerDep, PlatformDep, VisitorDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.experts import draws, invitations
from bidding.experts.draw_states import DrawStatus
from bidding.experts.draws import (
    CommitteeView,
    DrawRequestInput,
    EvaluationView,
    ProgressView,
    PublicDrawView,
    SupervisionView,
)
from bidding.experts.invitations import InvitationAnswerInput, InvitationView

DrawId = FromPath[uuid.UUID]
Token = Annotated[str, Parameter(pattern=invitations.TOKEN_PATTERN, min_length=43, max_length=43)]
RoundNumber = Annotated[int, Parameter(ge=1, le=1000)]


class ExpertDrawController(Controller):
    """The requester's: the project's agent or tenderer (counts only); the supervisor reads counts too."""

    path = "/api/expert-draws"
    tags = ["expert draws"]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[requires(*draws.REQUESTERS)],
        opt=wire(errors=[404, 409, 422]),
        summary="Ask for an evaluation committee for lots of a project (法 37, 规定 9, 87号令 47)",
    )
    async def request(self, data: JSONBody[DrawRequestInput], platform: PlatformDep, caller: CallerDep) -> ProgressView:
        return await draws.request_draw(platform, caller, data)

    @get("/", guards=[requires(*draws.REQUESTERS)], opt=wire(errors=[404]), summary="A project's draws (counts only)")
    async def list_draws(
        self, project_id: FromQuery[uuid.UUID], platform: PlatformDep, caller: CallerDep
    ) -> list[ProgressView]:
        return await draws.list_draws(platform, caller, project_id)

    @get(
        "/{draw_id:uuid}",
        guards=[requires(*draws.REQUESTERS, Role.SUPERVISOR)],
        opt=wire(errors=[404]),
        summary="A draw's progress: counts only (seated 5/5, declined 1, pending 0)",
    )
    async def progress(self, draw_id: DrawId, platform: PlatformDep, caller: CallerDep) -> ProgressView:
        return await draws.progress(platform, caller, draw_id)

    @post(
        "/{draw_id:uuid}/draw-now",
        status_code=HTTP_200_OK,
        guards=[requires(*draws.REQUESTERS)],
        opt=wire(errors=[404, 409]),
        summary="Draw at once (from the draw time on, after extraction and the opening record)",
    )
    async def draw_now(self, draw_id: DrawId, platform: PlatformDep, caller: CallerDep) -> ProgressView:
        return await draws.draw_now(platform, caller, draw_id)

    @post(
        "/{draw_id:uuid}/cancel",
        status_code=HTTP_200_OK,
        guards=[requires(*draws.REQUESTERS)],
        opt=wire(errors=[404, 409]),
        summary="Withdraw a request before its draw, or a short draw",
    )
    async def cancel(self, draw_id: DrawId, platform: PlatformDep, caller: CallerDep) -> ProgressView:
        return await draws.cancel(platform, caller, draw_id)

    @post(
        "/{draw_id:uuid}/top-up",
        status_code=HTTP_200_OK,
        guards=[requires(*draws.REQUESTERS)],
        opt=wire(errors=[404, 409]),
        summary="Top up a short draw (补抽) the same verifiable way",
    )
    async def top_up(self, draw_id: DrawId, platform: PlatformDep, caller: CallerDep) -> ProgressView:
        return await draws.requester_top_up(platform, caller, draw_id)

    @get(
        "/{draw_id:uuid}/committee",
        guards=[requires(*draws.REQUESTERS, Role.BIDDER, Role.SUPERVISOR)],
        opt=wire(errors=[403, 404]),
        summary="The committee's names, when the rules open them (条例 46; each reveal audited)",
    )
    async def committee(self, draw_id: DrawId, platform: PlatformDep, caller: CallerDep) -> CommitteeView:
        return await draws.committee(platform, caller, draw_id)


class DrawSupervisionController(Controller):
    path = "/api/supervision/expert-draws"
    tags = ["expert draws"]
    guards = [requires(Role.SUPERVISOR)]

    @get("/", summary="Draws, newest first (supervisor)")
    async def list_draws(
        self, platform: PlatformDep, caller: CallerDep, status: FromQuery[DrawStatus | None] = None
    ) -> list[ProgressView]:
        return await draws.list_supervised(platform, caller, status)

    @get(
        "/{draw_id:uuid}",
        opt=wire(errors=[404]),
        summary="The request, commitments, exclusions with reasons, the record and its verification",
    )
    async def detail(self, draw_id: DrawId, platform: PlatformDep, caller: CallerDep) -> SupervisionView:
        return await draws.supervise(platform, caller, draw_id)

    @post(
        "/{draw_id:uuid}/finalise",
        status_code=HTTP_200_OK,
        opt=wire(errors=[404, 409]),
        summary="The result is final: reveal the server seeds and publish DRAW.json",
    )
    async def finalise(self, draw_id: DrawId, platform: PlatformDep, caller: CallerDep) -> ProgressView:
        return await draws.finalise(platform, caller.actor, draw_id, caller=caller)


class PublicDrawController(Controller):
    path = "/api/public/expert-draws"
    tags = ["expert draws"]

    @get("/{draw_id:uuid}", opt=wire(errors=[404]), summary="A draw's commitments and public inputs")
    async def detail(self, draw_id: DrawId, platform: PlatformDep) -> PublicDrawView:
        return await draws.public_view(platform, draw_id)

    @get(
        "/{draw_id:uuid}/rounds/{number:int}/DRAW.json",
        opt=wire(response=["application/json"], errors=[404, 409]),
        summary="A round's DRAW.json, once the result is final (bidding experts verify DRAW.json)",
    )
    async def record(self, draw_id: DrawId, number: RoundNumber, platform: PlatformDep) -> Response[bytes]:
        text = await draws.public_record(platform, draw_id, number)
        return Response(text.encode(), media_type="application/json")

    @get(
        "/{draw_id:uuid}/committee",
        opt=wire(errors=[403, 404]),
        summary="The committee's names: government procurement, with the result (87号令 69)",
    )
    async def committee(self, draw_id: DrawId, platform: PlatformDep, visitor: VisitorDep) -> CommitteeView:
        return await draws.committee(platform, None if visitor.anonymous else visitor, draw_id)


class ExpertAssignmentController(Controller):
    """The logged-in expert's invitations and evaluations."""

    path = "/api/expert"
    tags = ["expert draws"]
    guards = [requires(Role.EXPERT)]

    @get("/invitations", summary="The logged-in expert's invitations")
    async def invitations(self, platform: PlatformDep, caller: CallerDep) -> list[InvitationView]:
        return await invitations.my_invitations(platform, caller)

    @post(
        "/invitations/{seat_id:uuid}/answer",
        status_code=HTTP_200_OK,
        opt=wire(errors=[404, 409]),
        summary="Accept or decline an invitation in the app",
    )
    async def answer(
        self,
        seat_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationAnswerInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> InvitationView:
        return await invitations.answer_as_expert(platform, caller, seat_id, data.answer)

    @get("/evaluations", summary="Accepted assignments whose evaluation day has come")
    async def evaluations(self, platform: PlatformDep, caller: CallerDep) -> list[EvaluationView]:
        return await draws.my_evaluations(platform, caller)

    @post(
        "/evaluations/{seat_id:uuid}/sign-in",
        status_code=HTTP_200_OK,
        opt=wire(errors=[403, 404]),
        summary="Sign in to the evaluation on its day: the committee's names are shown",
    )
    async def sign_in(self, seat_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> EvaluationView:
        return await draws.sign_in(platform, caller, seat_id)


class InvitationLinkController(Controller):
    """The e-mail's one-time link: no login, the token is the credential."""

    path = "/api/expert-invitations"
    tags = ["expert draws"]

    @get("/{token:str}", opt=wire(errors=[404]), summary="What the invitation of this link is")
    async def show(self, token: Token, platform: PlatformDep) -> InvitationView:
        return await invitations.invitation_by_token(platform, token)

    @post(
        "/{token:str}/answer",
        status_code=HTTP_200_OK,
        opt=wire(errors=[404, 409]),
        summary="Accept or decline by the link (it answers once)",
    )
    async def answer(
        self,
        token: Token,
        data: JSONBody[InvitationAnswerInput],
        platform: PlatformDep,
        visitor: VisitorDep,
    ) -> InvitationView:
        return await invitations.answer_by_token(platform, visitor, token, data.answer)
