"""The supervisors' live channel: ``/ws/supervision`` (``docs/supervision.md`` §Live).

The first message is ``hello`` with the session token (browsers cannot set headers on a WebSocket)
and ``since``, the last alert id the page saw. The server answers ``welcome`` with the newest alert
id, sends the alerts after ``since`` (at most :data:`BACKLOG`, oldest first), then each new alert and
each order change as it is committed, and a ``ping`` every :data:`PING_SECONDS`. Only the
supervisor and the auditor are admitted (4001 otherwise); a malformed hello closes with 4000. Errors
carry the body of the platform's HTTP errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any, Final

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from bidding.core.auth.authenticator import Authenticator
from bidding.core.auth.caller import Caller
from bidding.core.errors import DomainError, Forbidden, InvalidInput, NotAuthenticated
from bidding.core.fields import SAFE_INT_MAX
from bidding.core.http.context import client_address
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.errors import error_fields
from bidding.core.platform import Platform
from bidding.core.roles import Role
from bidding.supervision import views
from bidding.supervision.live import subscription
from bidding.supervision.orders import order_view

__all__ = ["BACKLOG", "PING_SECONDS", "supervision_socket"]

log = logging.getLogger(__name__)

Socket = WebSocket[Any, Any, Any]
HELLO_TIMEOUT: Final = 10.0
PING_SECONDS: Final = 15.0
BACKLOG: Final = 200
READERS: Final = frozenset({Role.SUPERVISOR, Role.AUDITOR})


class HelloInvalid(InvalidInput):
    code = "hello_invalid"
    message_zh = "首条消息须为 hello，含会话令牌和 since（最后一条预警编号）"
    message_en = "The first message must be hello with the session token and since (the last alert id seen)"


class NotSupervision(Forbidden):
    code = "supervision_only"
    message_zh = "仅监督人员和审计人员可接收监督预警"
    message_en = "Only supervisors and auditors receive supervision alerts"


def _error(socket: Socket, exc: DomainError) -> dict[str, Any]:
    return error_fields(
        socket, code=exc.code, message_zh=exc.text("zh"), message_en=exc.text("en"), details=exc.details
    )


async def _caller(socket: Socket, hello: Any) -> tuple[Caller, int]:
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        raise HelloInvalid()
    since = hello.get("since", 0)
    if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= SAFE_INT_MAX:
        raise HelloInvalid()
    token = hello.get("token")
    if not isinstance(token, str) or not token:
        raise NotAuthenticated("a session token is required", "需要会话令牌")
    authenticator: Authenticator = socket.app.state.authenticator
    principal = await authenticator.from_bearer(token)
    if principal is None:
        raise NotAuthenticated("the token is not valid or has expired", "令牌无效或已过期")
    caller = Caller.of(principal, client_address=client_address(socket))
    if not caller.roles & READERS:
        raise NotSupervision()
    return caller, since


async def _push(socket: Socket, platform: Platform, news_feed: AsyncIterator[dict[str, str]]) -> None:
    """Each announcement as the view it names."""
    async for news in news_feed:
        if news["type"] == "alert":
            alert = await views.alert(platform, int(news["id"]))
            if alert is not None:
                await socket.send_json({"type": "alert", "alert": alert})
        else:
            async with platform.sessions() as session:
                order = await order_view(session, uuid.UUID(news["id"]), platform.clock.now())
            if order is not None:
                await socket.send_json({"type": "order", "order": order})


async def _ping(socket: Socket, platform: Platform) -> None:
    while True:
        await asyncio.sleep(PING_SECONDS)
        await socket.send_json({"type": "ping", "at": platform.clock.now().isoformat()})


@websocket("/ws/supervision")
async def supervision_socket(socket: Socket, platform: PlatformDep) -> None:
    await socket.accept()
    try:
        hello = json.loads(await asyncio.wait_for(socket.receive_text(), timeout=HELLO_TIMEOUT))
        _, since = await _caller(socket, hello)
    except DomainError as exc:
        await socket.send_json({"type": "error", "error": _error(socket, exc)})
        await socket.close(code=4000 if isinstance(exc, HelloInvalid) else 4001)
        return
    except (TimeoutError, ValueError, RecursionError, WebSocketDisconnect):
        with contextlib.suppress(Exception):
            await socket.close(code=4000)
        return
    tasks: list[asyncio.Task[None]] = []
    try:
        async with subscription(platform) as news_feed:
            # Subscribed before the backlog is read: an alert raised in between is sent twice
            # rather than lost (the page keeps alerts by id).
            await _stream(socket, platform, since, news_feed, tasks)
    except (WebSocketDisconnect, OSError):
        pass
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _stream(
    socket: Socket,
    platform: Platform,
    since: int,
    news_feed: AsyncIterator[dict[str, str]],
    tasks: list[asyncio.Task[None]],
) -> None:
    """The welcome and the backlog, then the news (held by the subscription meanwhile) and pings."""
    await socket.send_json({"type": "welcome", "last_alert_id": await views.last_alert_id(platform)})
    for alert in reversed(await views.alerts(platform, after=since, limit=BACKLOG)):
        await socket.send_json({"type": "alert", "alert": alert})
    tasks.append(asyncio.create_task(_push(socket, platform, news_feed)))
    tasks.append(asyncio.create_task(_ping(socket, platform)))
    while True:
        await socket.receive_text()  # the page says nothing more; this notices it leaving
