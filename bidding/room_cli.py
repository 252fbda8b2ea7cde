"""`bidding room join`: follow a lot's opening from the command line, and decrypt one's own bid.

Without an identity the command watches as the public. With a bidder's certificate and
``--decrypt`` it signs in and, when the host opens the decryption window, unwraps the data key
locally (the private key never leaves this machine) and sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import httpx

from bidding.client.identity import Identity
from bidding.client.room import FINAL_EVENTS, CommandFailed, Event, RoomClient, RoomError
from bidding.client.session import ApiError, ChallengeMismatch
from bidding.client.session import login as client_login
from bidding.core.cli import fail
from bidding.identity.cli import load_identity

#: Event name → (中文, English) for the human-readable lines.
LABELS: dict[str, tuple[str, str]] = {
    "session.opened": ("开标室开启", "opening room open"),
    "bidder.signed_in": ("投标人签到", "bidder signed in"),
    "bids.extracted": ("投标文件已提取", "bids extracted"),
    "decision.required": ("投标人不足，待主持人决定", "too few bids: the host decides"),
    "host.continued": ("主持人决定继续开标", "the host continues"),
    "bidders.published": ("公布投标人名单", "bidders published"),
    "decryption.started": ("开始解密", "decryption started"),
    "decryption.paused": ("解密暂停", "decryption paused"),
    "decryption.resumed": ("解密继续", "decryption resumed"),
    "decryption.extended": ("解密时间延长", "decryption extended"),
    "decryption.succeeded": ("解密成功", "decrypted"),
    "decryption.failed": ("解密失败", "decryption failed"),
    "decryption.form": ("本单位开标一览表", "our opening form"),
    "decryption.closed": ("解密结束", "decryption closed"),
    "announcement": ("唱标", "announcement"),
    "objections.opened": ("异议期开始", "objections open"),
    "objection.raised": ("提出异议", "objection raised"),
    "objection.answered": ("异议答复", "objection answered"),
    "supervisor.remark": ("监督意见", "supervisor's remark"),
    "decryption.platform_fault": ("平台原因无法解密", "platform fault"),
    "record.ready": ("开标记录已生成", "opening record ready"),
    "record.signed": ("投标人确认开标记录", "record confirmed by a bidder"),
    "session.closed": ("开标结束", "session closed"),
    "session.failed": ("开标失败", "opening failed"),
    "session.adjourned": ("休会", "session adjourned"),
}


def _yuan(fen: object) -> str:
    return f"¥{int(fen) / 100:,.2f}" if isinstance(fen, int) else "—"


def _details(event: Event) -> str:
    """The interesting part of an event's data, on one line."""
    d = event.data
    name = event.name
    if name == "session.opened":
        return f"{d.get('project', '')} {d.get('lot', '')} {d.get('lot_name', '')}; deadline {d.get('deadline')}"
    if name == "bidder.signed_in":
        return str(d.get("name", ""))
    if name in ("bids.extracted", "decision.required"):
        return f"{d.get('count')} bid(s)" + (f", minimum {d['minimum']}" if "minimum" in d else "")
    if name == "bidders.published":
        return "; ".join(f"{b.get('order')}. {b.get('name')}" for b in d.get("bidders", []))
    if name.startswith("decryption.") and name not in ("decryption.closed", "decryption.form"):
        parts = [f"{d['order']}. {d.get('name', '')}" if "order" in d else ""]
        parts += [f"{k} {d[k]}" for k in ("ends_at", "minutes", "attempts", "left", "reason", "remaining_s") if k in d]
        return ", ".join(p for p in parts if p)
    if name == "decryption.form":
        return json.dumps(d.get("form", {}), ensure_ascii=False)
    if name == "decryption.closed":
        return "; ".join(f"{r.get('order')}. {r.get('name')} {r.get('status')}" for r in d.get("results", []))
    if name == "announcement":
        return "; ".join(
            f"{b.get('order')}. {b.get('name')} {_yuan(b.get('price_fen'))}"
            + (f" ({b.get('status')}: {b.get('outcome')})" if b.get("status") != "decrypted" else "")
            for b in d.get("bidders", [])
        )
    if name == "objections.opened":
        return f"until {d.get('ends_at')}"
    if name in ("objection.raised", "objection.answered", "supervisor.remark"):
        number = f"#{d['objection']} " if "objection" in d else ""
        return f"{number}{d.get('by', '')}: {d.get('text', '')}"
    if name == "record.ready":
        return f"sha256 {d.get('record_sha256')}" + (f", {d['pdf']}" if d.get("pdf") else "")
    if name == "record.signed":
        return f"{d.get('order')}. {d.get('name', '')}"
    if name == "decryption.platform_fault":
        return f"{d.get('order')}. {d.get('reason', '')} — {d.get('remedy', '')}"
    if name == "session.closed":
        return f"announcement {d.get('announcement')}"
    if name in ("session.failed", "session.adjourned", "host.continued"):
        return str(d.get("reason", ""))
    return json.dumps(d, ensure_ascii=False)


def human_line(event: Event) -> str:
    """``#seq HH:MM:SS 中文 / English: details``."""
    zh, en = LABELS.get(event.name, (event.name, event.name))
    at = event.at[11:19] if len(event.at) >= 19 else event.at
    details = _details(event)
    return f"#{event.seq:<4} {at} {zh} / {en}" + (f": {details}" if details else "")


class _Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def event(self, event: Event) -> None:
        self._line(event.message(), human_line(event))

    def note(self, kind: str, data: dict[str, Any], text: str) -> None:
        self._line({"type": kind, **data}, text)

    def _line(self, message: dict[str, Any], text: str) -> None:
        click.echo(json.dumps(message, ensure_ascii=False) if self.as_json else text)
        sys.stdout.flush()


async def _login(url: str, identity: Identity) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        return (await client_login(http, identity)).token


async def _act(room: RoomClient, identity: Identity, out: _Output, decrypt: bool, sign: bool) -> None:
    """What a bidder's client does by itself: decrypt in time, then confirm the record."""
    if decrypt:
        await _decrypt_when_open(room, identity, out)
    if sign:
        await room.wait_for("record.ready", timeout=None)
        try:
            result = await room.sign_record(identity)
            out.note("sign_record", {"ok": True, **result}, "已签署开标记录 / record signed")
        except CommandFailed as exc:
            out.note("sign_record", {"ok": False, "error": exc.code}, f"未能签署开标记录 / not signed: {exc}")


async def _decrypt_when_open(room: RoomClient, identity: Identity, out: _Output) -> None:
    """Sign in, then decrypt once the window opens (again after a pause); stop on success or no attempts left."""
    try:
        await room.command("sign_in")
        out.note("note", {"signed_in": True}, "已签到 / signed in")
    except CommandFailed as exc:
        out.note("note", {"signed_in": False, "error": exc.code}, f"签到未成功 / not signed in: {exc}")
    after = 0
    while True:
        await room.wait_for({"decryption.started", "decryption.resumed"}, timeout=None, after=after)
        after = room.last_seq
        if room.state == "paused":
            continue  # wait for the host to resume
        if room.state != "decrypting":
            out.note("decrypt", {"ok": False, "error": "window_closed"}, "解密时间已过 / the window is closed")
            return
        try:
            result = await room.decrypt(identity)
        except CommandFailed as exc:
            out.note("decrypt", {"ok": False, "error": exc.code}, f"解密未成功 / decryption refused: {exc}")
            if exc.code == "command_refused" and room.state == "paused":
                continue
            return
        status = result.get("status")
        out.note("decrypt", {"ok": status == "decrypted", **result}, f"解密结果 / decryption: {status}")
        return


async def _join(
    url: str, lot: str, identity: Identity | None, decrypt: bool, sign: bool, watch: bool, out: _Output
) -> int:
    token = await _login(url, identity) if identity is not None else None
    room = await RoomClient.connect(url, lot, token)
    async with room:
        welcome = room.welcome
        info = welcome.get("lot", {})
        out.note(
            "welcome",
            {k: welcome.get(k) for k in ("role", "state", "deadline", "last_seq", "decrypt_ends_at", "lot")},
            f"{info.get('project', '')} {info.get('code', '')} {info.get('name', '')} — "
            f"身份 / role {welcome.get('role')}, 状态 / state {welcome.get('state')}, "
            f"截止 / deadline {welcome.get('deadline')}",
        )
        acting = identity is not None and (decrypt or sign)
        worker = asyncio.create_task(_act(room, identity, out, decrypt, sign)) if identity and acting else None
        try:
            if not watch and not acting:
                await _catch_up(room, out)
                return 0
            async for event in room.events():
                out.event(event)
                if event.name in FINAL_EVENTS:
                    return 0
            return 1  # the connection was lost for good
        finally:
            if worker is not None:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)


async def _catch_up(room: RoomClient, out: _Output) -> None:
    """Print what happened so far and return: the replay is complete once an event reaches the
    welcome's last number, or once a command is answered (the server answers only after the replay)."""
    target = int(room.welcome.get("last_seq") or 0)
    if room.last_seq < target:
        with contextlib.suppress(CommandFailed):  # an unknown command: its answer is the marker
            await room.command("sync", timeout=30)
    for event in list(room.history):
        out.event(event)


@click.group("room")
def room() -> None:
    """The opening room (不见面开标大厅) from the command line."""


@room.command("join")
@click.option("--url", required=True, help="Platform base URL, e.g. https://bidding.example.cn")
@click.option("--lot", "lot", required=True, help="The lot's id (UUID).")
@click.option("--p12", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--key", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--cert", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--passphrase-env", help="Passphrase of the key or bundle, from this environment variable.")
@click.option("--decrypt", is_flag=True, help="Sign in and decrypt our bid when the window opens (implies --watch).")
@click.option("--sign-record", is_flag=True, help="Confirm the opening record with our key once it is ready.")
@click.option("--watch", is_flag=True, help="Follow the session until it closes, fails or adjourns.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of text.")
def join(
    url: str,
    lot: str,
    p12: Path | None,
    key: Path | None,
    cert: Path | None,
    passphrase_env: str | None,
    decrypt: bool,
    sign_record: bool,
    watch: bool,
    as_json: bool,
) -> None:
    """Join a lot's opening: print its events (as the public without a certificate); with --watch
    follow it to the end; with --decrypt (a bidder's certificate) decrypt our own bid in time, with
    --sign-record confirm the opening record. The private key never leaves this machine."""
    passphrase: bytes | None = None
    if passphrase_env is not None:
        value = os.environ.get(passphrase_env)
        if not value:
            fail(f"environment variable {passphrase_env} is empty or not set")
        passphrase = value.encode()
    identity = load_identity(p12, key, cert, passphrase) if (p12 or key or cert) else None
    if (decrypt or sign_record) and identity is None:
        fail("--decrypt and --sign-record need the bidder's certificate: --p12, or --key and --cert")
    out = _Output(as_json)
    try:
        code = asyncio.run(_join(url, lot, identity, decrypt, sign_record, watch, out))
    except (ApiError, ChallengeMismatch, httpx.HTTPError, RoomError, ValueError, OSError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


COMMANDS = (room,)
