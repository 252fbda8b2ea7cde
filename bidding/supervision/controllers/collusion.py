"""Supervision's collusion report on the wire (issue 24 "Collusion report"; RULES e, acceptance check 6;
``docs/supervision.md`` §Collusion report). The use cases are :mod:`bidding.supervision.collusion_report`;
this only translates the wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.supervision import collusion_report
from bidding.supervision.collusion_report import READERS, CollusionLotItem, CollusionReport


class CollusionReportController(Controller):
    """The supervisor and the auditor read the collusion signals of opened lots; a signal never rejects."""

    path = "/api/supervision"
    tags = ["supervision"]
    guards = [requires(*READERS)]

    @get(
        "/lots/{lot_id:uuid}/collusion",
        opt=wire(errors=[404, 409]),  # lot_not_found; lot_not_opened before the 唱标
        summary="A lot's collusion signals (围标串标, 条例 40) computed now, each logged once in the audit trail; "
        "never a rejection",
    )
    async def lot_collusion(
        self, lot_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep
    ) -> CollusionReport:
        return await collusion_report.lot_report(platform, caller, lot_id)

    @get(
        "/collusion",
        summary="Opened lots, newest first, with the signal counts of their last collusion report (null: never run)",
    )
    async def collusion_lots(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        limit: Annotated[int, QueryParameter(ge=1, le=collusion_report.MAX_LISTED)] = 50,
    ) -> list[CollusionLotItem]:
        return await collusion_report.opened_lots(platform, caller, limit)
