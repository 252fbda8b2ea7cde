"""The bidder's API: upload sealed packages (chunked and resumable, or straight to the store), see
its own bids and receipts, withdraw. A bidder sees only its own; nobody else sees any (办法 21).

The use cases are :mod:`bidding.submission.bidder`'s; this only translates the wire.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.fields import QUERY_INT32_CURSOR, SAFE_INT_MAX, Body
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.submission import bidder
from bidding.submission.bidder import BidView, UploadView
from bidding.transparency.proofs import MEDIA_TYPE as TLOG_PROOF
from storage.signing import content_disposition


class UploadRequest(Body, frozen=True):
    #: The sealed package's size in bytes (at most ``BIDDING_PACKAGE_MAX_MIB``).
    size: Annotated[int, msgspec.Meta(ge=1, le=SAFE_INT_MAX)]
    #: ``chunked`` through this API, or ``direct`` to the store through a signed URL.
    mode: Literal["chunked", "direct"] = "chunked"


class BidderController(Controller):
    path = "/api/bidder"
    tags = ["bidder"]
    guards = [requires(Role.BIDDER)]

    @post("/lots/{lot_id:uuid}/uploads", status_code=HTTP_201_CREATED, summary="Start uploading a sealed package")
    async def start(
        self, lot_id: FromPath[uuid.UUID], data: JSONBody[UploadRequest], platform: PlatformDep, caller: CallerDep
    ) -> UploadView:
        return await bidder.begin_upload(platform, caller, lot_id, size=data.size, mode=data.mode)

    @get("/uploads/{upload_id:uuid}", summary="State of an upload (to resume after an interruption)")
    async def state(self, upload_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> UploadView:
        return await bidder.upload_state(platform, caller, upload_id)

    @put(
        "/uploads/{upload_id:uuid}/chunks/{index:int}",
        opt=wire(request=["application/octet-stream"]),
        summary="Send chunk `index` (in order); the last one completes the upload",
        request_max_body_size=None,  # bounded by the upload's own chunk size while reading
    )
    async def chunk(
        self,
        request: Request[Any, Any, Any],
        upload_id: FromPath[uuid.UUID],
        index: Annotated[int, QUERY_INT32_CURSOR],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> UploadView:
        return await bidder.send_chunk(platform, caller, upload_id, index, request.stream())

    @post(
        "/uploads/{upload_id:uuid}/complete",
        status_code=HTTP_200_OK,
        summary="Complete an upload made straight to the store (before the deadline)",
    )
    async def complete(self, upload_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> UploadView:
        return await bidder.complete_direct_upload(platform, caller, upload_id)

    @get("/lots/{lot_id:uuid}/bids", summary="My bids for a lot, every version")
    async def bids(self, lot_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> list[BidView]:
        return await bidder.bids_for_lot(platform, caller, lot_id)

    @post("/lots/{lot_id:uuid}/withdraw", status_code=HTTP_200_OK, summary="Withdraw my bid before the deadline")
    async def withdraw(self, lot_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> BidView:
        return await bidder.withdraw_bid(platform, caller, lot_id)

    @get("/bids/{bid_id:uuid}/receipt.json", summary="The signed receipt (JWS with RFC 3161 timestamp)")
    async def receipt_json(
        self, bid_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep
    ) -> dict[str, Any]:
        return await bidder.receipt_json(platform, caller, bid_id)

    @get(
        "/bids/{bid_id:uuid}/receipt.tlog-proof",
        opt=wire(response=[TLOG_PROOF], errors=[404]),
        summary="The bid's inclusion proof in the transparency log (C2SP tlog-proof@v1), once a checkpoint covers it",
    )
    async def receipt_log_proof(
        self, bid_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep
    ) -> Response[str]:
        text = await bidder.receipt_log_proof(platform, caller, bid_id)
        headers = {"Content-Disposition": content_disposition(f"receipt-{bid_id}.tlog-proof")}
        return Response(text, media_type=TLOG_PROOF, headers=headers)

    @get(
        "/bids/{bid_id:uuid}/receipt.pdf",
        opt=wire(response=["application/pdf"]),
        summary="The platform-signed PDF receipt",
    )
    async def receipt_pdf(self, bid_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep) -> Stream:
        pdf = await bidder.receipt_pdf(platform, caller, bid_id)
        headers = {"Content-Disposition": content_disposition(pdf.filename)}
        return Stream(pdf.chunks, media_type=pdf.content_type, headers=headers)
