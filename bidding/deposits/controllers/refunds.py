"""Deposit refunds on the wire (issue 18, ``docs/deposits.md`` "Refunds"):

* the finance officer (``/api/finance``): refunds due, exported, paid, closed, overdue; payment files
  (pain.001 or CSV) made, downloaded and cancelled; the bank's pain.002 report uploaded; a refund
  paid to another account; a deposit kept (条例 35, 74). The supervisor, the auditor and the
  administrator read the refunds and the files' records;
* the supervisor (``/api/supervision/refunds/overdue``): the red list;
* the project's agent or tenderer (``/api/tendering/lots/…``): the contract signed (条例 57), the
  award notice of government procurement (政采条例 33);
* a bidder (``/api/bidder/refunds``): its own refunds.

The use cases are :mod:`bidding.deposits.refunds`'; this only translates the wire.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.errors import InvalidInput, UnsupportedMediaType
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.deposits import refunds
from bidding.deposits.refunds import (
    AwardNoticeInput,
    BatchInput,
    BatchView,
    CancelInput,
    ContractInput,
    ForfeitInput,
    ForfeitView,
    RedirectInput,
    RefundFilter,
    RefundView,
    ReportView,
    TriggerView,
)

RefundId = Annotated[str, PathParameter(min_length=1, max_length=35, pattern=r"^[A-Za-z0-9]+$")]
BatchId = Annotated[str, PathParameter(min_length=1, max_length=35, pattern=r"^[A-Za-z0-9]+$")]
LotId = FromPath[uuid.UUID]
XML_TYPES = ("application/xml", "text/xml")


class RefundFinanceController(Controller):
    path = "/api/finance"
    tags = ["finance"]
    guards = [requires(Role.FINANCE, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)]

    @get("/refunds", summary="Deposit refunds, most urgent first: by status, open, or overdue (red)")
    async def list_refunds(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        status: FromQuery[RefundFilter | None] = None,
        lot_id: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=refunds.MAX_LISTED)] = 200,
    ) -> list[RefundView]:
        return await refunds.list_refunds(platform, caller, status=status, lot_id=lot_id, limit=limit)

    @get("/refund-batches", summary="Payment files made, newest first")
    async def list_batches(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        limit: Annotated[int, QueryParameter(ge=1, le=refunds.MAX_LISTED)] = 100,
    ) -> list[BatchView]:
        return await refunds.list_batches(platform, caller, limit=limit)

    @post(
        "/refund-batches",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.FINANCE)],
        summary="Make a payment file (pain.001 and CSV) of the due refunds of a collection account",
    )
    async def create_batch(self, data: JSONBody[BatchInput], platform: PlatformDep, caller: CallerDep) -> BatchView:
        return await refunds.create_batch(platform, caller, data)

    @get(
        "/refund-batches/{batch_id:str}/file",
        guards=[requires(Role.FINANCE)],
        opt=wire(response=["application/xml", "text/csv"]),
        summary="A payment file as it was made: pain.001.001.09 XML, or the CSV (format=csv)",
    )
    async def batch_file(
        self,
        batch_id: BatchId,
        platform: PlatformDep,
        caller: CallerDep,
        format: FromQuery[Literal["pain001", "csv"]] = "pain001",
    ) -> Response[bytes]:
        data, media_type, filename = await refunds.batch_file(platform, caller, batch_id, format)
        return Response(
            data,
            media_type=media_type,
            status_code=HTTP_200_OK,
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    @post(
        "/refund-batches/{batch_id:str}/cancel",
        status_code=HTTP_200_OK,
        guards=[requires(Role.FINANCE)],
        summary="Cancel a payment file the bank has not run: its refunds are due again",
    )
    async def cancel_batch(
        self, batch_id: BatchId, data: JSONBody[CancelInput], platform: PlatformDep, caller: CallerDep
    ) -> BatchView:
        return await refunds.cancel_batch(platform, caller, batch_id, data.reason)

    @post(
        "/payment-reports",
        status_code=HTTP_200_OK,
        guards=[requires(Role.FINANCE)],
        request_max_body_size=refunds.MAX_REPORT_BYTES,
        opt=wire(request=XML_TYPES, errors=[422]),
        summary="Upload the bank's pain.002 payment status report (once per file)",
    )
    async def payment_report(
        self, request: Request[Any, Any, Any], platform: PlatformDep, caller: CallerDep
    ) -> ReportView:
        given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if given not in XML_TYPES:
            raise UnsupportedMediaType(
                f"send the report as application/xml (got {given or 'no content type'})",
                f"请以 application/xml 发送（收到 {given or '无内容类型'}）",
            )
        body = await request.body()
        if not body:
            raise InvalidInput("the request body is empty", "请求体为空")
        return await refunds.import_payment_report(platform, caller, body)

    @post(
        "/refunds/{refund_id:str}/redirect",
        status_code=HTTP_200_OK,
        guards=[requires(Role.FINANCE)],
        summary="Pay a due refund to another account (the payer's was closed or frozen), with the reason",
    )
    async def redirect(
        self,
        refund_id: RefundId,
        data: JSONBody[RedirectInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> RefundView:
        return await refunds.redirect_refund(platform, caller, refund_id, data)

    @post(
        "/lots/{lot_id:uuid}/forfeits/{organization_id:uuid}",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.FINANCE)],
        summary="Keep a bidder's deposit (条例 35: revoked after the deadline; 条例 74: the winner refused)",
    )
    async def forfeit(
        self,
        lot_id: LotId,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[ForfeitInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> ForfeitView:
        return await refunds.forfeit_deposit(platform, caller, lot_id, organization_id, data)


class OverdueRefundsController(Controller):
    path = "/api/supervision"
    tags = ["supervision"]
    guards = [requires(Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)]

    @get("/refunds/overdue", summary="Deposit refunds unpaid past their due date (条例 57): the red list")
    async def overdue(self, platform: PlatformDep, caller: CallerDep) -> list[RefundView]:
        return await refunds.overdue_refunds(platform, caller)


class RefundTriggerController(Controller):
    path = "/api/tendering/lots"
    tags = ["agent"]
    guards = [requires(Role.AGENT, Role.TENDERER)]

    @post(
        "/{lot_id:uuid}/contract-signed",
        status_code=HTTP_200_OK,
        summary="Record the contract signed (条例 57): every deposit refunded with interest within 5 days",
    )
    async def contract_signed(
        self, lot_id: LotId, data: JSONBody[ContractInput], platform: PlatformDep, caller: CallerDep
    ) -> TriggerView:
        return await refunds.record_contract_signed(
            platform, caller, lot_id, data.signed_on, government_procurement=data.government_procurement
        )

    @post(
        "/{lot_id:uuid}/award-notice",
        status_code=HTTP_200_OK,
        summary="Government procurement: record the award notice (政采条例 33): losers refunded in 5 working days",
    )
    async def award_notice(
        self, lot_id: LotId, data: JSONBody[AwardNoticeInput], platform: PlatformDep, caller: CallerDep
    ) -> TriggerView:
        return await refunds.record_award_notice(platform, caller, lot_id, data.notice_on, data.winners)


class BidderRefundController(Controller):
    path = "/api/bidder"
    tags = ["bidder"]
    guards = [requires(Role.BIDDER)]

    @get("/refunds", summary="My deposit refunds: amount with interest, due date, status")
    async def my_refunds(self, platform: PlatformDep, caller: CallerDep) -> list[RefundView]:
        return await refunds.my_refunds(platform, caller)
