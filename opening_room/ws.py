"""The WebSocket endpoint of the opening room: ``/ws/openings/{lot_id}`` (docs/opening-room-protocol.md).

The first message is ``hello`` with an optional session token (browsers cannot set headers on a
WebSocket) and the last sequence number the client saw; the server answers ``welcome`` with a
snapshot, replays the events after that number that the client may see, then streams new ones.
Commands carry ids and get ``result`` messages; a repeated id gets the same result.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any, Final

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath

from bidding.audit import Actor
from bidding.domain.roles import Role as UserRole
from bidding.errors import DomainError
from bidding.fields import INT32_MAX
from bidding.http.auth import Authenticator, Principal
from bidding.http.context import client_address
from opening_room.hub import Client, Hub
from opening_room.service import OpeningRoom, Participant
from opening_room.states import Role

log = logging.getLogger("opening_room.ws")

HELLO_TIMEOUT: Final = 10.0
PING_SECONDS: Final = 15.0
MAX_MESSAGE: Final = 64 * 1024


async def _participant(
    socket: WebSocket[Any, Any, Any], room: OpeningRoom, lot_id: uuid.UUID, token: str | None
) -> Participant:
    address = client_address(socket)
    if not token:
        return Participant(role=Role.PUBLIC, actor=Actor(id="public", client_address=address))
    authenticator: Authenticator = socket.app.state.authenticator
    principal: Principal | None = await authenticator.from_bearer(token)
    if principal is None:
        raise _Refused("not_authenticated", "the token is not valid or has expired", "令牌无效或已过期")
    _, project = await room.lot(lot_id)
    actor = Actor(id=principal.actor_id, client_address=address)
    info = principal.session
    name = info.organization_name if info else ""
    if UserRole.AGENT in principal.roles and principal.organization_id == project.agent_id:
        return Participant(Role.HOST, actor, principal.organization_id, info.fingerprint if info else None, name)
    if UserRole.SUPERVISOR in principal.roles or UserRole.ADMIN in principal.roles:
        return Participant(Role.SUPERVISOR, actor, principal.organization_id, info.fingerprint if info else None, name)
    if UserRole.BIDDER in principal.roles and info is not None:
        return Participant(Role.BIDDER, actor, principal.organization_id, info.fingerprint, name)
    return Participant(role=Role.PUBLIC, actor=actor, organization_id=principal.organization_id, name=name)


class _Refused(Exception):
    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.body = {"code": code, "message_en": en, "message_zh": zh}


def _error(exc: DomainError) -> dict[str, Any]:
    return {"code": exc.code, "message_zh": exc.text("zh"), "message_en": exc.text("en")}


async def _sender(socket: WebSocket[Any, Any, Any], client: Client) -> None:
    while True:
        try:
            message = await asyncio.wait_for(client.queue.get(), timeout=PING_SECONDS)
        except TimeoutError:
            room: OpeningRoom = socket.app.state.opening_room
            await socket.send_json({"type": "ping", "server_time": room.now().isoformat()})
            continue
        if message is None:  # dropped as too slow
            await socket.close(code=4008, reason="too slow: reconnect and resume")
            return
        if message.get("type") == "event":
            if message["seq"] <= client.last_seq:
                continue
            client.last_seq = message["seq"]
        await socket.send_json(message)


@websocket("/ws/openings/{lot_id:uuid}")
async def opening_socket(socket: WebSocket[Any, Any, Any], lot_id: FromPath[uuid.UUID]) -> None:
    room: OpeningRoom = socket.app.state.opening_room
    hub: Hub = socket.app.state.opening_hub
    await socket.accept()
    try:
        hello = json.loads(await asyncio.wait_for(socket.receive_text(), timeout=HELLO_TIMEOUT))
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            raise _Refused("hello_expected", "the first message must be hello", "第一条消息必须是 hello")
        since = hello.get("since", 0)
        if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= INT32_MAX:
            raise _Refused("invalid_since", "`since` must be a sequence number ≥ 0", "`since` 须为不小于 0 的序号")
        who = await _participant(socket, room, lot_id, hello.get("token"))
        snapshot = await room.snapshot(lot_id)
        if who.role is Role.BIDDER:
            # Its own sign-in before the deadline: private, so not an event (办法 21); only its welcome says it.
            signed_in_at = await room.own_sign_in(lot_id, who)
            snapshot["signed_in_at"] = signed_in_at.isoformat() if signed_in_at else None
    except _Refused as exc:
        await socket.send_json({"type": "error", "error": exc.body})
        await socket.close(code=4001)
        return
    except DomainError as exc:
        await socket.send_json({"type": "error", "error": _error(exc)})
        await socket.close(code=4004)
        return
    except (TimeoutError, ValueError, RecursionError, WebSocketDisconnect):  # RecursionError: JSON nested too deep
        with contextlib.suppress(Exception):
            await socket.close(code=4000)
        return

    client = Client(who=who, last_seq=since)
    hub.join(lot_id, client)
    sender: asyncio.Task[None] | None = None
    try:
        await socket.send_json({"type": "welcome", "role": who.role.value, **snapshot})
        for event in await room.events_since(lot_id, since, who):
            await socket.send_json(event.message())
            client.last_seq = event.seq
        sender = asyncio.create_task(_sender(socket, client))
        token = hello.get("token")
        while True:
            raw = await socket.receive_text()
            if token and not await _still_valid(socket, token):
                # A session that expired or was revoked (e.g. its certificate) may no longer act here.
                await socket.send_json(
                    {
                        "type": "error",
                        "error": {
                            "code": "not_authenticated",
                            "message_en": "the session has expired or was revoked: log in again and reconnect",
                            "message_zh": "会话已过期或被撤销，请重新登录后再连接",
                        },
                    }
                )
                await socket.close(code=4001)
                return
            await _handle(socket, room, who, lot_id, raw)
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(lot_id, client)
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender


async def _still_valid(socket: WebSocket[Any, Any, Any], token: str) -> bool:
    authenticator: Authenticator = socket.app.state.authenticator
    return await authenticator.from_bearer(token) is not None


async def _handle(
    socket: WebSocket[Any, Any, Any], room: OpeningRoom, who: Participant, lot_id: uuid.UUID, raw: str
) -> None:
    if len(raw) > MAX_MESSAGE:
        await socket.send_json(
            {
                "type": "error",
                "error": {"code": "message_too_large", "message_en": "message too large", "message_zh": "消息过大"},
            }
        )
        return
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        await socket.send_json(
            {"type": "error", "error": {"code": "invalid_json", "message_en": "not JSON", "message_zh": "不是 JSON"}}
        )
        return
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "pong":
        return
    if kind != "command":
        await socket.send_json(
            {
                "type": "error",
                "error": {
                    "code": "unknown_message",
                    "message_en": f"unknown message type {kind!r}",
                    "message_zh": f"未知消息类型 {kind!r}",
                },
            }
        )
        return
    command_id = str(message.get("id", ""))
    args = message.get("args") or {}
    if not isinstance(args, dict):
        args = {}
    try:
        data = await room.command(who, lot_id, command_id, str(message.get("name", "")), args)
        await socket.send_json({"type": "result", "id": command_id, "ok": True, "data": data})
    except DomainError as exc:
        await socket.send_json({"type": "result", "id": command_id, "ok": False, "error": _error(exc)})
    except Exception:
        log.exception("opening command failed", extra={"lot": str(lot_id), "command": message.get("name")})
        await socket.send_json(
            {
                "type": "result",
                "id": command_id,
                "ok": False,
                "error": {"code": "internal_error", "message_en": "internal error", "message_zh": "服务器内部错误"},
            }
        )
