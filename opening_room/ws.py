"""The WebSocket endpoint of the opening room: ``/ws/openings/{lot_id}`` (docs/opening-room-protocol.md).

The first message is ``hello`` with an optional session token (browsers cannot set headers on a
WebSocket) and the last sequence number the client saw; the server answers ``welcome`` with a
snapshot, replays the events after that number that the client may see, then streams new ones.
Commands carry ids and get ``result`` messages; a repeated id gets the same result.

This module is the protocol only: who a token's holder is in the room is
:func:`opening_room.participants.participant`, what it may do is the room's
(:mod:`opening_room.room`, :mod:`opening_room.commands`). Errors carry the body of the platform's
HTTP errors (``code``, ``message``, ``message_zh``, ``message_en``, ``request_id``, ``details``).
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

from bidding.core.auth.authenticator import Authenticator
from bidding.core.errors import DomainError, NotAuthenticated
from bidding.core.fields import INT32_MAX
from bidding.core.http.context import client_address
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.errors import error_fields
from opening_room.clients import PING, Client
from opening_room.hub import Hub
from opening_room.participants import Participant, participant
from opening_room.room import OpeningRoom, room_of
from opening_room.states import Role

__all__ = ["opening_socket"]

log = logging.getLogger("opening_room.ws")

HELLO_TIMEOUT: Final = 10.0
MAX_MESSAGE: Final = 64 * 1024

Socket = WebSocket[Any, Any, Any]


class HelloExpected(DomainError):
    code = "hello_expected"
    message_zh = "第一条消息必须是 hello"
    message_en = "The first message must be hello"


class InvalidSince(DomainError):
    code = "invalid_since"
    message_zh = "`since` 须为 0 至 2^31 − 1 的序号"
    message_en = "`since` must be a sequence number from 0 to 2^31 − 1"


class SessionEnded(NotAuthenticated):
    message_zh = "会话已过期或被撤销，请重新登录后再连接"
    message_en = "The session has expired or was revoked: log in again and reconnect"


class MessageTooLarge(DomainError):
    code = "message_too_large"
    status = 413
    message_zh = "消息过大（最多 65536 个字符）"
    message_en = "Message too large (at most 65,536 characters)"


class InvalidJson(DomainError):
    code = "invalid_json"
    message_zh = "不是 JSON"
    message_en = "Not JSON"


class UnknownMessage(DomainError):
    code = "unknown_message"
    message_zh = "未知消息类型"
    message_en = "Unknown message type"


class InternalError(DomainError):
    code = "internal_error"
    status = 500
    message_zh = "服务器内部错误，请提供请求编号联系技术支持"
    message_en = "Internal error: quote the request id to support"


#: Refusals of the hello after which the socket closes with 4001 (any other: 4004, the lot).
_REFUSED_HELLO: Final = (HelloExpected, InvalidSince, NotAuthenticated)


def _error(socket: Socket, exc: DomainError) -> dict[str, Any]:
    return error_fields(
        socket, code=exc.code, message_zh=exc.text("zh"), message_en=exc.text("en"), details=exc.details
    )


async def _who(socket: Socket, room: OpeningRoom, lot_id: uuid.UUID, token: object) -> Participant:
    """The participant holding ``token`` (none: the public, without touching the database); a token
    that is no longer valid is refused."""
    address = client_address(socket)
    if not token:
        return participant(None, agent_id=None, address=address)
    authenticator: Authenticator = socket.app.state.authenticator
    principal = await authenticator.from_bearer(str(token))
    if principal is None:
        raise NotAuthenticated("the token is not valid or has expired", "令牌无效或已过期")
    _, project = await room.lot(lot_id)
    return participant(principal, agent_id=project.agent_id, address=address)


async def _still_valid(socket: Socket, token: str) -> bool:
    authenticator: Authenticator = socket.app.state.authenticator
    return await authenticator.from_bearer(token) is not None


async def _sender(socket: Socket, room: OpeningRoom, client: Client) -> None:
    """Send what the hub queued for the client: each event as the frame serialised once for everyone
    (a batch, and batches that arrived together, go back to back), and a ``ping`` when the hub asks."""
    queue = client.queue
    while True:
        item = await queue.get()
        while True:
            if item is None:  # dropped as too slow
                await socket.close(code=4008, reason="too slow: reconnect and resume")
                return
            if client.held is not None:  # its own command's result goes first
                await client.held
            if item is PING:
                await socket.send_json({"type": "ping", "server_time": room.now().isoformat()})
            elif isinstance(item, tuple):
                for event in item:
                    if event.seq > client.last_seq:
                        client.last_seq = event.seq
                        await socket.send_text(event.frame)
            if queue.empty():
                break
            item = queue.get_nowait()


@websocket("/ws/openings/{lot_id:uuid}")
async def opening_socket(socket: Socket, lot_id: FromPath[uuid.UUID], platform: PlatformDep) -> None:
    room = room_of(platform)
    hub: Hub = socket.app.state.opening_hub
    await socket.accept()
    try:
        hello = json.loads(await asyncio.wait_for(socket.receive_text(), timeout=HELLO_TIMEOUT))
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            raise HelloExpected()
        since = hello.get("since", 0)
        if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= INT32_MAX:
            raise InvalidSince()
        token = hello.get("token")
        who = await _who(socket, room, lot_id, token)
        signed_in: dict[str, Any] = {}
        if who.role is Role.BIDDER:
            # Its own sign-in before the deadline: private, so not an event (办法 21); only its welcome says it.
            signed_in_at = await room.own_sign_in(lot_id, who)
            signed_in["signed_in_at"] = signed_in_at.isoformat() if signed_in_at else None
        live = await hub.live(lot_id, room.tick, room.now())
    except DomainError as exc:
        await socket.send_json({"type": "error", "error": _error(socket, exc)})
        await socket.close(code=4001 if isinstance(exc, _REFUSED_HELLO) else 4004)
        return
    except (TimeoutError, ValueError, RecursionError, WebSocketDisconnect):  # RecursionError: JSON nested too deep
        with contextlib.suppress(Exception):
            await socket.close(code=4000)
        return

    # No await from hub.live() to here: the welcome, the backlog and the queue meet without a gap.
    client = Client(who=who, last_seq=since)
    backlog = hub.join(live, client, since)
    welcome = {"type": "welcome", "role": who.role.value, **live.snapshot(room.now()), **signed_in}
    if backlog:
        client.last_seq = backlog[-1].seq
    sender: asyncio.Task[None] | None = None
    try:
        await socket.send_json(welcome)
        for event in backlog:
            await socket.send_text(event.frame)
        sender = asyncio.create_task(_sender(socket, room, client))
        while True:
            raw = await socket.receive_text()
            if token and not await _still_valid(socket, str(token)):
                # A session that expired or was revoked (e.g. its certificate) may no longer act here.
                await socket.send_json({"type": "error", "error": _error(socket, SessionEnded())})
                await socket.close(code=4001)
                return
            await _handle(socket, room, client, lot_id, raw)
    except (WebSocketDisconnect, OSError):  # OSError: the server's own send found the client gone
        pass
    finally:
        hub.leave(lot_id, client)
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender


async def _handle(socket: Socket, room: OpeningRoom, client: Client, lot_id: uuid.UUID, raw: str) -> None:
    if len(raw) > MAX_MESSAGE:
        await socket.send_json({"type": "error", "error": _error(socket, MessageTooLarge())})
        return
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        await socket.send_json({"type": "error", "error": _error(socket, InvalidJson())})
        return
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "pong":
        return
    if kind != "command":
        await socket.send_json({"type": "error", "error": _error(socket, UnknownMessage(repr(kind)))})
        return
    command_id = str(message.get("id", ""))
    args = message.get("args") or {}
    if not isinstance(args, dict):
        args = {}
    held = client.held = asyncio.get_running_loop().create_future()
    try:
        await _command(socket, room, client.who, lot_id, command_id, message, args)
    finally:
        client.held = None
        held.set_result(None)


async def _command(
    socket: Socket,
    room: OpeningRoom,
    who: Participant,
    lot_id: uuid.UUID,
    command_id: str,
    message: dict[str, Any],
    args: dict[str, Any],
) -> None:
    reply: dict[str, Any] = {"type": "result", "id": command_id}
    try:
        data = await room.command(who, lot_id, command_id, str(message.get("name", "")), args)
        reply |= {"ok": True, "data": data}
    except DomainError as exc:
        reply |= {"ok": False, "error": _error(socket, exc)}
    except Exception:
        log.exception("opening command failed", extra={"lot": str(lot_id), "command": message.get("name")})
        reply |= {"ok": False, "error": _error(socket, InternalError())}
    # A client gone before its answer resends the id when it reconnects, and gets the stored answer.
    await socket.send_json(reply)
