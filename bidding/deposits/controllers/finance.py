"""The deposit book on the wire for the finance officer (``/api/finance``, ``docs/deposits.md``
"Finance API"): bank statements uploaded and listed, their entries, the unmatched queue and its
resolution, alerts, the daily balance check, a lot's deposits after the opening.

The finance officer and the administrator write; the auditor and the supervisor read; nobody else
(a bidder, an agent, an anonymous caller) reaches any of it. Entries that concern a lot whose bids
are not extracted come sealed, and a lot's deposit table is refused until then (办法 21). The use
cases are :mod:`bidding.deposits.finance`'s; this only translates the wire.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final, Literal

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from bidding.core.errors import UnsupportedMediaType
from bidding.core.fields import NAME_PATTERN, QUERY_BIGINT_CURSOR, SAFE_INT_MAX
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.deposits import finance
from bidding.deposits.finance import (
    AlertView,
    BalanceReport,
    EntryView,
    LotDepositsView,
    ResolveInput,
    StatementView,
)
from bidding.deposits.importer import ImportView
from bidding.deposits.ledger import AlertKind
from bidding.deposits.models import QueueState

#: What a statement file may be sent as: camt XML, the CSV export, or bytes to be sniffed.
STATEMENT_TYPES: Final = ("application/xml", "text/xml", "text/csv", "text/plain", "application/octet-stream")
#: ``format`` as the CLI spells it, or as the registry names it.
FORMATS: Final = {"camt053": "camt.053", "camt052": "camt.052", "csv": "csv"}

EntryId = Annotated[int, PathParameter(ge=1, le=SAFE_INT_MAX)]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]


class FinanceController(Controller):
    path = "/api/finance"
    tags = ["finance"]
    guards = [requires(*finance.READERS)]

    @post(
        "/statements",
        status_code=HTTP_200_OK,
        guards=[requires(*finance.WRITERS)],
        request_max_body_size=None,  # bounded by BIDDING_DEPOSIT_STATEMENT_MAX_MIB while reading
        opt=wire(request=STATEMENT_TYPES, errors=[413]),
        summary="Import a bank statement file (camt.053, camt.052 or the bank's CSV export)",
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        platform: PlatformDep,
        caller: CallerDep,
        format: FromQuery[Literal["camt053", "camt052", "csv"] | None] = None,
        filename: Annotated[str | None, QueryParameter(min_length=1, max_length=200, pattern=NAME_PATTERN)] = None,
    ) -> ImportView:
        given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if given not in STATEMENT_TYPES:
            raise UnsupportedMediaType(
                f"send the statement as one of {', '.join(STATEMENT_TYPES)} (got {given or 'no content type'})",
                f"请以 {', '.join(STATEMENT_TYPES)} 之一发送对账单（收到 {given or '无内容类型'}）",
            )
        fmt = FORMATS[format] if format else None
        return await finance.upload_statement(platform, caller, request.stream(), fmt, source_name=filename)

    @get("/statements", summary="Imported bank statements, newest first")
    async def statements(
        self,
        platform: PlatformDep,
        before_id: Annotated[int | None, QueryParameter(ge=1, le=SAFE_INT_MAX)] = None,
        limit: Limit = 50,
    ) -> list[StatementView]:
        return await finance.statements(platform, before_id=before_id, limit=limit)

    @get(
        "/statements/{statement_id:int}/entries",
        opt=wire(errors=[404]),
        summary="The entries a statement booked; those of lots not yet opened are sealed (办法 21)",
    )
    async def entries(
        self,
        platform: PlatformDep,
        statement_id: Annotated[int, PathParameter(ge=1, le=SAFE_INT_MAX)],
        after_id: Annotated[int, QUERY_BIGINT_CURSOR] = 0,
        limit: Limit = 200,
    ) -> list[EntryView]:
        return await finance.statement_entries(platform, statement_id, after_id=after_id, limit=limit)

    @get("/unmatched", summary="The unmatched queue: money nobody's sub-account received, oldest first")
    async def unmatched(
        self,
        platform: PlatformDep,
        queue: FromQuery[QueueState] = QueueState.OPEN,
        after_id: Annotated[int, QUERY_BIGINT_CURSOR] = 0,
        limit: Limit = 200,
    ) -> list[EntryView]:
        return await finance.unmatched(platform, state=queue, after_id=after_id, limit=limit)

    @post(
        "/unmatched/{entry_id:int}/resolve",
        status_code=HTTP_200_OK,
        guards=[requires(*finance.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="Assign unmatched money to a bidder's sub-account for a lot, or mark it for return, with the reason",
    )
    async def resolve(
        self, entry_id: EntryId, data: JSONBody[ResolveInput], platform: PlatformDep, caller: CallerDep
    ) -> EntryView:
        return await finance.resolve(platform, caller, entry_id, data)

    @get("/alerts", summary="Alerts, newest first: sequence gaps, reversals, reused references, balance mismatches")
    async def alerts(
        self,
        platform: PlatformDep,
        kind: FromQuery[AlertKind | None] = None,
        before_id: Annotated[int | None, QueryParameter(ge=1, le=SAFE_INT_MAX)] = None,
        limit: Limit = 100,
    ) -> list[AlertView]:
        return await finance.alerts(platform, kind=kind, before_id=before_id, limit=limit)

    @get("/balance-check", summary="The daily check: each collection account's ledger balance against the bank's")
    async def balance_check(self, platform: PlatformDep) -> BalanceReport:
        return await finance.balance_report(platform)

    @get(
        "/lots/{lot_id:uuid}/deposits",
        opt=wire(errors=[404, 409]),
        summary="Who paid what for a lot: refused until its bids are extracted (办法 21)",
    )
    async def lot_deposits(
        self, lot_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep
    ) -> LotDepositsView:
        return await finance.lot_deposits(platform, caller, lot_id)
