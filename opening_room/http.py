"""Public HTTP views of an opening: its state, its public events (for clients without WebSocket) and
the opening record (JSON and the signed PDF)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.params import FromPath
from litestar.response import Stream

from bidding.core.actor import Actor
from bidding.core.errors import NotFound
from bidding.core.fields import QUERY_INT32_CURSOR
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.openapi import wire
from bidding.transparency.proofs import MEDIA_TYPE as TLOG_PROOF
from opening_room.participants import Participant
from opening_room.room import room_of
from opening_room.states import Role
from storage.signing import content_disposition


class OpeningController(Controller):
    path = "/api/public/openings"
    tags = ["public"]

    @get("/{lot_id:uuid}", summary="State of an opening (what a viewer's welcome message carries)")
    async def state(self, platform: PlatformDep, lot_id: FromPath[uuid.UUID]) -> dict[str, Any]:
        return await room_of(platform).snapshot(lot_id)

    @get("/{lot_id:uuid}/events", summary="Public events after `since`, in order")
    async def events(
        self,
        platform: PlatformDep,
        lot_id: FromPath[uuid.UUID],
        since: Annotated[int, QUERY_INT32_CURSOR] = 0,
    ) -> list[dict[str, Any]]:
        room = room_of(platform)
        await room.tick(lot_id)
        public = Participant(role=Role.PUBLIC, actor=Actor(id="public"))
        return [e.message() for e in await room.events_since(lot_id, since, public)]

    @get("/{lot_id:uuid}/record.json", summary="The opening record (开标记录) as JSON")
    async def record_json(self, platform: PlatformDep, lot_id: FromPath[uuid.UUID]) -> dict[str, Any]:
        record, _ = await room_of(platform).record(lot_id)
        return record

    @get(
        "/{lot_id:uuid}/record.tlog-proof",
        opt=wire(response=[TLOG_PROOF], errors=[404]),
        summary="The record's inclusion proof in the transparency log (C2SP tlog-proof@v1): its `record.ready` "
        "event, which announces the record's SHA-256",
    )
    async def record_log_proof(self, platform: PlatformDep, lot_id: FromPath[uuid.UUID]) -> Response[str]:
        text = await room_of(platform).record_log_proof(lot_id)
        headers = {"Content-Disposition": content_disposition("开标记录.tlog-proof")}
        return Response(text, media_type=TLOG_PROOF, headers=headers)

    @get(
        "/{lot_id:uuid}/record.pdf",
        opt=wire(response=["application/pdf"]),
        summary="The opening record, signed by the platform and the bidders",
    )
    async def record_pdf(self, platform: PlatformDep, lot_id: FromPath[uuid.UUID]) -> Stream:
        room = room_of(platform)
        _, key = await room.record(lot_id)
        if key is None:
            raise NotFound("the record PDF is not ready", "开标记录 PDF 尚未生成")
        headers = {"Content-Disposition": content_disposition("开标记录.pdf")}
        return Stream(room.open_object(key), media_type="application/pdf", headers=headers)
