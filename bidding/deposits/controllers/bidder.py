"""The bidder's deposit API: its organisation's basic account (基本账户), its deposit for a lot
(requirement, virtual sub-account, guarantees, status after the deadline) and the electronic
guarantees it attaches. A bidder sees only its own; nobody sees another's (办法 21).

The use cases are :mod:`bidding.deposits.basic_accounts`', :mod:`bidding.deposits.guarantees`' and
:mod:`bidding.deposits.workspace`'; this only translates the wire.
"""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.deposits import basic_accounts, guarantees, workspace
from bidding.deposits.basic_accounts import BasicAccountInput, BasicAccountView
from bidding.deposits.guarantees import GuaranteeInput, GuaranteeView
from bidding.deposits.workspace import MyDeposit

LotId = FromPath[uuid.UUID]


class BidderDepositController(Controller):
    path = "/api/bidder"
    tags = ["bidder"]
    guards = [requires(Role.BIDDER)]

    @put("/basic-account", status_code=HTTP_200_OK, summary="Register or change my organisation's basic account")
    async def register_basic_account(
        self, data: JSONBody[BasicAccountInput], platform: PlatformDep, caller: CallerDep
    ) -> BasicAccountView:
        return await basic_accounts.register_basic_account(platform, caller, data)

    @get("/basic-account", opt=wire(errors=[404]), summary="My organisation's basic account (404 until registered)")
    async def basic_account(self, platform: PlatformDep, caller: CallerDep) -> BasicAccountView:
        return await basic_accounts.my_basic_account(platform, caller)

    @get(
        "/lots/{lot_id:uuid}/deposit",
        summary="My deposit for a lot: requirement, virtual sub-account (issued on first request), guarantees, status",
    )
    async def my_deposit(self, lot_id: LotId, platform: PlatformDep, caller: CallerDep) -> MyDeposit:
        return await workspace.my_deposit(platform, caller, lot_id)

    @post(
        "/lots/{lot_id:uuid}/deposit/guarantees",
        status_code=HTTP_201_CREATED,
        request_max_body_size=guarantees.MAX_REQUEST_BYTES,
        summary="Attach an electronic guarantee (signed PDF and its data) for my deposit, before the deadline",
    )
    async def attach_guarantee(
        self, lot_id: LotId, data: JSONBody[GuaranteeInput], platform: PlatformDep, caller: CallerDep
    ) -> GuaranteeView:
        return await guarantees.attach_guarantee(platform, caller, lot_id, data)

    @get("/lots/{lot_id:uuid}/deposit/guarantees", summary="My guarantees for a lot")
    async def my_guarantees(self, lot_id: LotId, platform: PlatformDep, caller: CallerDep) -> list[GuaranteeView]:
        return await guarantees.my_guarantees(platform, caller, lot_id)
