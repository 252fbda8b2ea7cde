"""The centre's and the supervisor's deposit views: organisations' basic accounts (administrator,
auditor), and a lot's deposits as the opening took them — statuses, the released payer list and
collusion signals (条例 40(六)) — once its bids are extracted (办法 21: sealed before, 409).

The use cases are :mod:`bidding.deposits.basic_accounts`' and :mod:`bidding.deposits.status`'.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.deposits import basic_accounts, status
from bidding.deposits.basic_accounts import BasicAccountView
from bidding.deposits.status import LotDeposits
from bidding.identity.kinds import OrgKind


class BasicAccountAdminController(Controller):
    path = "/api/admin"
    tags = ["admin"]
    guards = [requires(Role.ADMIN, Role.AUDITOR)]

    @get("/basic-accounts", summary="Organisations' registered basic accounts, latest change first")
    async def basic_accounts(
        self,
        platform: PlatformDep,
        kind: FromQuery[OrgKind | None] = OrgKind.BIDDER,
        limit: Annotated[int, QueryParameter(ge=1, le=basic_accounts.MAX_LISTED)] = 100,
    ) -> list[BasicAccountView]:
        return await basic_accounts.list_basic_accounts(platform, kind=kind, limit=limit)

    @get("/organisations/{org_id:uuid}/basic-account", summary="One organisation's basic account")
    async def basic_account(self, org_id: FromPath[uuid.UUID], platform: PlatformDep) -> BasicAccountView:
        return await basic_accounts.organisation_basic_account(platform, org_id)


class LotDepositsController(Controller):
    path = "/api/supervision"
    tags = ["supervision"]
    guards = [requires(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)]

    @get(
        "/lots/{lot_id:uuid}/deposits",
        opt=wire(errors=[409]),  # payers_sealed: before the bids are extracted
        summary="A lot's deposits as the opening took them: statuses, payers, collusion signals (after extraction)",
    )
    async def lot_deposits(self, lot_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> LotDeposits:
        return await status.lot_deposits(platform, caller, lot_id)
