"""An asyncio client of the opening room (docs/opening-room-protocol.md), on the ``websockets`` library.

::

    async with await RoomClient.connect("https://bidding.example.cn", lot_id, token) as room:
        await room.wait_for("decryption.started", timeout=3600)
        result = await room.decrypt(identity)       # the private key stays here
        await room.wait_for("record.ready", timeout=3600)
        await room.sign_record(identity)             # confirm the opening record, signed here
        async for event in room.events():            # every event, from the first one seen
            print(event.seq, event.name, event.data)

The client reconnects by itself (exponential backoff up to ``backoff_max`` seconds, at most
``max_attempts`` failures in a row) and resumes from the last sequence number it saw, so no event is
missed or seen twice. A command is sent with an id chosen here; if the connection drops before the
answer, the command is sent again with the same id after the reconnect, and the server answers it
once (the same result again, nothing done twice).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlsplit, urlunsplit

import websockets
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.asyncio.client import ClientConnection

from bidding.client.identity import Identity
from crypto.login import SignatureAlgorithm, sign_message
from crypto.sealed import unwrap_data_key

log = logging.getLogger("bidding.client.room")

#: The events after which nothing more happens in a session.
FINAL_EVENTS: Final = frozenset({"session.closed", "session.failed", "session.adjourned"})

#: The state a session is in after each event (events not listed leave it as it was).
STATE_AFTER: Final[dict[str, str]] = {
    "session.opened": "waiting",
    "bids.extracted": "extracted",
    "decision.required": "extracted",
    "bidders.published": "bidders_published",
    "decryption.started": "decrypting",
    "decryption.paused": "paused",
    "decryption.resumed": "decrypting",
    "decryption.closed": "announced",
    "announcement": "announced",
    "objections.opened": "objections",
    "record.ready": "signing",
    "session.closed": "closed",
    "session.failed": "failed",
    "session.adjourned": "adjourned",
}

#: Close codes after which reconnecting is pointless (the server refused the hello or the lot).
_REFUSED_CODES: Final = frozenset({4001, 4004})


class RoomError(Exception):
    """The room said no. ``code`` is the machine-readable cause (``forbidden``, ``command_refused``, …);
    an error from the server also has its ``request_id`` (to quote to support) and any ``details``."""

    def __init__(
        self,
        code: str,
        message_en: str,
        message_zh: str = "",
        *,
        request_id: str | None = None,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message_en}" + (f" (request {request_id})" if request_id else ""))
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh
        self.request_id = request_id
        self.details = details or []

    @classmethod
    def of(cls, error: dict[str, Any]) -> Self:
        """From the ``error`` of an ``error`` or a failed ``result`` message (the platform's error body)."""
        request_id, details = error.get("request_id"), error.get("details")
        return cls(
            str(error.get("code", "error")),
            str(error.get("message_en", "")),
            str(error.get("message_zh", "")),
            request_id=request_id if isinstance(request_id, str) else None,
            details=details if isinstance(details, list) else None,
        )


class CommandFailed(RoomError):
    """A command was answered with ``ok: false``."""


class RoomRefused(RoomError):
    """The server refused the connection itself (bad token, unknown lot): reconnecting would not help."""


class RoomClosed(RoomError):
    """The client was closed, or gave up reconnecting, before the awaited thing happened."""


@dataclass(frozen=True)
class Event:
    seq: int
    name: str
    at: str
    data: dict[str, Any]

    @classmethod
    def of(cls, message: dict[str, Any]) -> Event:
        data = dict(message.get("data") or {})
        return cls(int(message["seq"]), str(message["name"]), str(message.get("at", "")), data)

    def message(self) -> dict[str, Any]:
        """The event as the protocol's JSON message."""
        return {"type": "event", "seq": self.seq, "name": self.name, "at": self.at, "data": self.data}


@dataclass
class _Pending:
    name: str
    args: dict[str, Any]
    future: asyncio.Future[dict[str, Any]]


def room_url(base_url: str, lot_id: str | uuid.UUID) -> str:
    """``http(s)://host[/prefix]`` or ``ws(s)://host[/prefix]`` → ``ws(s)://host[/prefix]/ws/openings/{lot}``."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"not an http(s) or ws(s) URL: {base_url!r}")
    return urlunsplit((scheme, parts.netloc, f"{parts.path}/ws/openings/{lot_id}", "", ""))


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    with contextlib.suppress(ValueError):
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


@dataclass
class RoomClient:
    """One participant's connection to one lot's opening room (see the module docstring).

    Create it with :meth:`connect`; the attributes below are kept up to date while it runs.
    """

    url: str
    token: str | None = None
    last_seq: int = 0
    backoff_initial: float = 0.25
    backoff_max: float = 8.0
    max_attempts: int | None = 40
    welcome: dict[str, Any] = field(default_factory=dict)
    #: Every event received, in order, without duplicates.
    history: list[Event] = field(default_factory=list)
    #: Server time minus local time, from ``welcome`` and ``ping``.
    clock_offset: timedelta = timedelta(0)
    #: The session state: from ``welcome``, then from the events that follow it.
    state: str = ""
    #: How many times the connection was (re)established.
    connections: int = 0
    _pending: dict[str, _Pending] = field(default_factory=dict, repr=False)
    _ws: ClientConnection | None = field(default=None, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition, repr=False)
    _welcomed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _stopped: bool = field(default=False, repr=False)
    _failure: RoomError | None = field(default=None, repr=False)
    _welcome_seq: int = field(default=0, repr=False)

    # ------------------------------------------------------------------ life

    @classmethod
    async def connect(
        cls,
        base_url: str,
        lot_id: str | uuid.UUID,
        token: str | None = None,
        since: int = 0,
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - the time to the welcome, not a wrapper's job
        **options: Any,
    ) -> RoomClient:
        """Join the room of ``lot_id`` at ``base_url`` (http(s) or ws(s)); return once welcomed.

        ``token`` is a session token (from :func:`bidding.client.session.login`); without one the
        client watches as the public. ``since`` is the last sequence number already seen.
        ``options`` set ``backoff_initial``, ``backoff_max`` and ``max_attempts``.
        Raises :class:`RoomRefused` if the server refuses the token or does not know the lot.
        """
        client = cls(url=room_url(base_url, lot_id), token=token, last_seq=since, **options)
        client._task = asyncio.create_task(client._run(), name=f"room-client {lot_id}")
        try:
            async with asyncio.timeout(timeout):
                await client._welcomed.wait()
        except TimeoutError:
            await client.close()
            raise RoomClosed("timeout", f"no welcome from {client.url} within {timeout} s") from None
        if client._failure is not None:
            await client.close()
            raise client._failure
        return client

    async def close(self) -> None:
        """Leave the room; pending commands and waiters get :class:`RoomClosed`."""
        self._stopped = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._finish(RoomClosed("closed", "the client was closed"))

    async def __aenter__(self) -> RoomClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def drop_connection(self) -> None:
        """Close the socket as a network failure would; the client reconnects and resumes (for tests)."""
        if self._ws is not None:
            await self._ws.close(code=1001, reason="dropped by the client")

    @property
    def role(self) -> str:
        return str(self.welcome.get("role", ""))

    @property
    def running(self) -> bool:
        return not self._stopped and self._failure is None

    @property
    def finished(self) -> bool:
        """Whether the session has ended (closed, failed or adjourned)."""
        return self.state in ("closed", "failed", "adjourned")

    def server_now(self) -> datetime:
        """The server's clock, as estimated from ``welcome`` and ``ping``."""
        return datetime.now(UTC) + self.clock_offset

    # ------------------------------------------------------------------ using it

    async def command(
        self,
        name: str,
        /,
        *,
        timeout: float = 60.0,  # noqa: ASYNC109 - part of the documented API
        command_id: str | None = None,
        **args: Any,
    ) -> dict[str, Any]:
        """Send a command and return its ``data``; raise :class:`CommandFailed` with the server's error.

        If the connection drops before the answer, the command is sent again with the same id once
        the client is back, and the server answers it once.
        """
        if not self.running:
            raise self._failure or RoomClosed("closed", "the client is closed")
        command_id = command_id or uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = _Pending(name, args, future)
        await self._send_command(command_id)
        try:
            async with asyncio.timeout(timeout):
                answer = await future
        except TimeoutError:
            raise RoomClosed("timeout", f"no answer to {name} within {timeout} s") from None
        finally:
            self._pending.pop(command_id, None)
        if not answer.get("ok"):
            raise CommandFailed.of(answer.get("error") or {})
        data: dict[str, Any] = answer.get("data") or {}
        return data

    async def events(self, since: int = 0) -> AsyncIterator[Event]:
        """Every event with a number above ``since`` (all received so far, then each new one).

        Ends when the client is closed or gives up; several iterators may run at once.
        """
        index = 0
        while True:
            async with self._changed:
                while index >= len(self.history) and self.running:
                    await self._changed.wait()
                batch = self.history[index:]
                index = len(self.history)
                done = not self.running
            for event in batch:
                if event.seq > since:
                    yield event
            if done and index >= len(self.history):
                return

    async def wait_for(
        self,
        name: str | set[str] | frozenset[str],
        predicate: Callable[[Event], bool] | None = None,
        *,
        timeout: float | None = 60.0,  # noqa: ASYNC109 - part of the documented API
        after: int = 0,
    ) -> Event:
        """The first event named ``name`` (or any of a set) with a number above ``after`` for which
        ``predicate`` holds, whether already received or still to come."""
        names = {name} if isinstance(name, str) else set(name)

        def match(event: Event) -> bool:
            return event.seq > after and event.name in names and (predicate is None or predicate(event))

        try:
            async with asyncio.timeout(timeout):
                async for event in self.events(after):
                    if match(event):
                        return event
        except TimeoutError:
            pass
        if self._failure is not None and not isinstance(self._failure, RoomClosed):
            raise self._failure
        seen = [e.name for e in self.history[-10:]]
        raise RoomClosed("timeout", f"no {sorted(names)} event (last events: {seen})")

    async def decrypt(
        self,
        identity: Identity,
        *,
        timeout: float = 60.0,  # noqa: ASYNC109 - per command, as in command()
    ) -> dict[str, Any]:
        """Decrypt this bidder's bid: ``get_envelope``, unwrap the data key **here** with the private
        key, send the key with ``decrypt``. Returns the answer (``status`` decrypted or failed)."""
        envelope = await self.command("get_envelope", timeout=timeout)
        blob = base64.b64decode(envelope["envelope"])
        data_key = unwrap_data_key(blob, identity.key, identity.certificate)
        return await self.command("decrypt", timeout=timeout, data_key=base64.b64encode(data_key).decode())

    async def sign_record(
        self,
        identity: Identity,
        *,
        timeout: float = 120.0,  # noqa: ASYNC109 - per command, as in command()
        attempts: int = 5,
    ) -> dict[str, Any]:
        """Confirm the opening record (办法 32) with this bidder's key: ``prepare_record_signature``,
        sign the returned bytes **here**, ``sign_record``. If another bidder signed in between (the
        record changed), prepare again, up to ``attempts`` times."""
        algorithm: SignatureAlgorithm = (
            "rsa-pkcs1-sha256" if isinstance(identity.key, rsa.RSAPrivateKey) else "ecdsa-p256-sha256"
        )
        await self.wait_for("record.ready", timeout=timeout)  # the PDF is signed by the platform first
        for attempt in range(1, attempts + 1):
            request = await self.command("prepare_record_signature", timeout=timeout)
            signature = sign_message(identity.key, base64.b64decode(request["to_be_signed"]), algorithm)
            try:
                return await self.command(
                    "sign_record", timeout=timeout, signature=base64.b64encode(signature).decode()
                )
            except CommandFailed as exc:
                if exc.code != "record_changed" or attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ the connection

    async def _send_command(self, command_id: str) -> None:
        pending = self._pending.get(command_id)
        if pending is None or self._ws is None or not self._welcomed.is_set():
            return  # sent (again) once connected
        message = {"type": "command", "id": command_id, "name": pending.name, "args": pending.args}
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._ws.send(json.dumps(message, ensure_ascii=False))

    async def _run(self) -> None:
        failures = 0
        delay = self.backoff_initial
        while not self._stopped:
            try:
                async with websockets.connect(self.url, open_timeout=15, max_size=16 * 1024 * 1024) as ws:
                    self._ws = ws
                    if await self._session(ws):
                        failures, delay = 0, self.backoff_initial
            except RoomRefused as exc:
                self._finish(exc)
                return
            except asyncio.CancelledError:
                raise
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                log.debug("room connection failed: %s", exc)
            except ValueError as exc:  # not JSON: a broken proxy or server; try again
                log.warning("room connection sent something unreadable: %s", exc)
            finally:
                self._ws = None
                if not self._stopped:
                    self._welcomed.clear()
            if self._stopped or self.finished:
                break
            failures += 1
            if self.max_attempts is not None and failures > self.max_attempts:
                self._finish(RoomClosed("unreachable", f"gave up on {self.url} after {failures - 1} attempts"))
                return
            log.info("room connection lost; reconnecting in %.1f s (resume after #%d)", delay, self.last_seq)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)
        self._finish(RoomClosed("closed", "the session ended" if self.finished else "the client was closed"))

    async def _session(self, ws: ClientConnection) -> bool:
        """One connection: hello, welcome, then messages until it closes. True if it was welcomed."""
        sent_at = datetime.now(UTC)
        await ws.send(json.dumps({"type": "hello", "token": self.token, "since": self.last_seq}))
        welcomed = False
        try:
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "welcome":
                    welcomed = True
                    await self._on_welcome(message, sent_at)
                elif kind == "event":
                    await self._on_event(message)
                elif kind == "result":
                    pending = self._pending.get(str(message.get("id")))
                    if pending is not None and not pending.future.done():
                        pending.future.set_result(message)
                elif kind == "ping":
                    self._sync_clock(message.get("server_time"), datetime.now(UTC))
                    with contextlib.suppress(websockets.ConnectionClosed):
                        await ws.send(json.dumps({"type": "pong"}))
                elif kind == "error":
                    if not welcomed:
                        raise RoomRefused.of(message.get("error") or {})
                    log.warning("room error: %s", RoomError.of(message.get("error") or {}))
        except websockets.ConnectionClosed:
            pass
        if not welcomed and ws.close_code in _REFUSED_CODES:
            raise RoomRefused("refused", f"the server closed the connection ({ws.close_code} {ws.close_reason})")
        return welcomed

    async def _on_welcome(self, message: dict[str, Any], sent_at: datetime) -> None:
        received = datetime.now(UTC)
        self.welcome = message
        self.connections += 1
        self._welcome_seq = int(message.get("last_seq") or 0)
        self._sync_clock(message.get("server_time"), sent_at + (received - sent_at) / 2)
        async with self._changed:
            self.state = str(message.get("state", ""))
            self._changed.notify_all()
        self._welcomed.set()
        for command_id in list(self._pending):
            await self._send_command(command_id)

    async def _on_event(self, message: dict[str, Any]) -> None:
        event = Event.of(message)
        if event.seq <= self.last_seq:
            return  # already seen (replayed after a reconnect)
        async with self._changed:
            self.last_seq = event.seq
            self.history.append(event)
            if event.seq > self._welcome_seq and event.name in STATE_AFTER:
                self.state = STATE_AFTER[event.name]
            self._changed.notify_all()

    def _sync_clock(self, server_time: object, local: datetime) -> None:
        moment = _parse_time(server_time)
        if moment is not None:
            self.clock_offset = moment - local

    def _finish(self, failure: RoomError) -> None:
        """Stop for good: fail the pending commands, wake the waiters."""
        if self._failure is None:
            self._failure = failure
        self._stopped = True
        self._welcomed.set()
        for pending in list(self._pending.values()):
            if not pending.future.done():
                pending.future.set_exception(self._failure)
        self._pending.clear()

        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(wake())
