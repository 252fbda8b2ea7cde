"""A lot's evaluation criteria on the wire (``docs/evaluation.md`` §Criteria with the tender): the agent
sets them until the bid deadline, the project's parties and the supervisor read them, the public reads
them once the project is published. The use cases are :mod:`bidding.evaluation.criteria_store`; this
only translates the wire."""

from __future__ import annotations

import uuid

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.evaluation import criteria_store
from bidding.evaluation.criteria_store import CriteriaView
from bidding.evaluation.criteria_wire import CriteriaWire

LotId = FromPath[uuid.UUID]


class LotCriteriaController(Controller):
    """The project's agent sets a lot's criteria; its agent, tenderer and the supervisor read them."""

    path = "/api/agent/lots"
    tags = ["evaluation"]

    @put(
        "/{lot_id:uuid}/criteria",
        guards=[requires(Role.AGENT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="Set a lot's evaluation criteria until its bid deadline (规定 29, 条例 49, 87号令 55)",
    )
    async def put_criteria(
        self, lot_id: LotId, data: JSONBody[CriteriaWire], platform: PlatformDep, caller: CallerDep
    ) -> CriteriaView:
        return await criteria_store.set_criteria(platform, caller, lot_id, data)

    @get(
        "/{lot_id:uuid}/criteria",
        guards=[requires(Role.AGENT, Role.TENDERER, Role.SUPERVISOR)],
        opt=wire(errors=[403, 404]),
        summary="A lot's evaluation criteria, drafts included (the project's agent or tenderer, the supervisor)",
    )
    async def get_criteria(self, lot_id: LotId, platform: PlatformDep, caller: CallerDep) -> CriteriaView:
        return await criteria_store.get_criteria(platform, caller, lot_id)


class PublicCriteriaController(Controller):
    """Anyone: a published project's lot criteria, as published with the tender documents."""

    path = "/api/public/lots"
    tags = ["public"]

    @get(
        "/{lot_id:uuid}/criteria",
        opt=wire(errors=[404]),
        summary="A lot's evaluation criteria, published with the tender documents (条例 49)",
    )
    async def public_criteria(self, lot_id: LotId, platform: PlatformDep) -> CriteriaView:
        return await criteria_store.public_criteria(platform, lot_id)
