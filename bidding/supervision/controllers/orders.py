"""Supervision orders on the wire (电子督办单; ``/api/supervision/orders``; RULES d, acceptance check 2):
the supervisor and the auditor read every order, the organisation responsible its own; it answers,
the supervisor closes with a reason. The use cases are :mod:`bidding.supervision.orders`; this only
translates the wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.supervision import orders
from bidding.supervision.orders import AnswerInput, CloseInput, OrderState, OrderView

OrderId = FromPath[uuid.UUID]
#: The supervision office and the auditor read every order; an organisation's users their own.
READERS = (Role.SUPERVISOR, Role.AUDITOR, Role.AGENT, Role.TENDERER, Role.BIDDER)
#: The users of the organisation responsible answer.
ANSWERERS = (Role.AGENT, Role.TENDERER, Role.BIDDER)


class SupervisionOrderController(Controller):
    """督办单: read, answered by the party responsible, closed by the supervisor; never deleted."""

    path = "/api/supervision/orders"
    tags = ["supervision"]

    @get(
        "",
        guards=[requires(*READERS)],
        opt=wire(errors=[403]),
        summary="Supervision orders, newest first: all for the supervisor and the auditor, an organisation its own "
        "(?state=open|answered|closed, ?overdue=true: open past the reply deadline)",
    )
    async def list_orders(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        order_state: Annotated[OrderState | None, QueryParameter(name="state")] = None,
        overdue: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[OrderView]:
        return await orders.list_orders(platform, caller, state=order_state, overdue=overdue, limit=limit)

    @get(
        "/{order_id:uuid}",
        guards=[requires(*READERS)],
        opt=wire(errors=[403, 404]),
        summary="One supervision order (404 for another organisation's)",
    )
    async def get_order(self, order_id: OrderId, platform: PlatformDep, caller: CallerDep) -> OrderView:
        return await orders.get_order(platform, caller, order_id)

    @post(
        "/{order_id:uuid}/answer",
        status_code=HTTP_200_OK,
        guards=[requires(*ANSWERERS)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The organisation responsible answers its open order (1–4000 characters)",
    )
    async def answer(
        self, order_id: OrderId, data: JSONBody[AnswerInput], platform: PlatformDep, caller: CallerDep
    ) -> OrderView:
        return await orders.answer_order(platform, caller, order_id, data)

    @post(
        "/{order_id:uuid}/close",
        status_code=HTTP_200_OK,
        guards=[requires(Role.SUPERVISOR)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The supervisor closes an open or answered order with its reason (mandatory; RULES d check 2)",
    )
    async def close(
        self, order_id: OrderId, data: JSONBody[CloseInput], platform: PlatformDep, caller: CallerDep
    ) -> OrderView:
        return await orders.close_order(platform, caller, order_id, data)
