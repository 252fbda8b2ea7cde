"""The platform's side of C2SP ``tlog-witness``: a new signed checkpoint goes to each configured
witness (``BIDDING_LOG_WITNESSES``) with a consistency proof from the size that witness last
cosigned, and the cosignatures that come back — each verified with that witness's configured
``cosignature/v1`` key — are added to the checkpoint's ``cosigned`` note.

Per witness: ``old`` is :class:`~bidding.transparency.models.LogWitness`'s size (0 if none); the
request is ``old <old>\\n``, the RFC 9162 §2.1.4 proof from the stored tree (base64, one per line),
an empty line and the log-signed note; a 409 (``text/x.tlog.size``) says the witness's size, and the
request is sent once more from there. A witness that is down, slow (5 s), refuses (400/403/404/422)
or answers a cosignature that does not verify is logged as a warning and skipped: the checkpoint
stands with the cosignatures it has. A witness that has cosigned a larger tree than this checkpoint
is not asked (nothing could be proved to it).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.settings import Settings
from bidding.transparency.checkpoints import InconsistentLog, read_checkpoint
from bidding.transparency.models import LogCheckpoint, LogWitness
from bidding.transparency.tree import LogTooSmall, Tree
from crypto.tlog.checkpoint import Checkpoint
from crypto.tlog.cosignature import Cosignature, CosignatureError, CosignatureVerifier
from crypto.tlog.note import Ed25519Signer, NoteError, Signature, add_signatures

__all__ = ["TIMEOUT_S", "witness_checkpoint"]

log = logging.getLogger(__name__)

#: Seconds a witness has to answer (connect, send, read).
TIMEOUT_S: Final = 5.0
_SIZE_BODY: Final = re.compile(r"(0|[1-9][0-9]{0,19})\n?")
_SIZE_MEDIA_TYPE: Final = "text/x.tlog.size"


@dataclass(frozen=True)
class _Witness:
    url: str
    verifier: CosignatureVerifier

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/add-checkpoint"


def _configured(settings: Settings) -> list[_Witness]:
    found = []
    for url, vkey in settings.log_witnesses:
        try:
            found.append(_Witness(url, CosignatureVerifier.from_vkey(vkey)))
        except CosignatureError as exc:
            log.warning("witness %s skipped: its verifier key is not a cosignature/v1 key: %s", url, exc.message)
    return found


def request_body(old: int, proof: Sequence[bytes], note: str) -> bytes:
    """The add-checkpoint body (tlog-witness §add-checkpoint)."""
    lines = [f"old {old}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("".join(f"{line}\n" for line in lines) + "\n" + note).encode("utf-8")


def _cosignatures(text: str, witness: _Witness, body: str) -> list[Signature]:
    """The witness's verified cosignature lines in a 200 answer; lines of other keys are ignored
    (tlog-witness: "The client MUST ignore any cosignatures from unknown keys"), and a malformed
    answer or a line of this witness's key that does not verify refuses the whole answer."""
    if not text.endswith("\n") or not text.startswith("\u2014 "):
        raise CosignatureError("the answer is not one or more newline-terminated signature lines")
    found = []
    for line in text[:-1].split("\n"):
        sig = Signature.from_line(line)
        if sig.name != witness.verifier.name or sig.key_id != witness.verifier.key_id:
            continue
        cosignature: Cosignature = witness.verifier.verify_cosignature(body, sig)
        if cosignature.timestamp == 0:
            raise CosignatureError("a checkpoint cosignature's timestamp is never 0 (tlog-witness)")
        found.append(sig)
    if not found:
        raise CosignatureError("the answer holds no cosignature of the configured key")
    return found


async def _proof(sessions: async_sessionmaker[AsyncSession], old: int, size: int) -> list[bytes]:
    async with sessions() as db:
        return await Tree(db, size).consistency(old)


async def _ask(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    witness: _Witness,
    note: str,
    checkpoint: Checkpoint,
    old: int,
) -> list[Signature]:
    """One witness's cosignatures of ``checkpoint``, or [] (with a warning saying why)."""
    name, size = witness.verifier.name, checkpoint.size
    for attempt in (1, 2):
        if old > size:
            log.warning("witness %s has cosigned size %d, larger than this checkpoint (%d): not asked", name, old, size)
            return []
        try:
            proof = await _proof(sessions, old, size)
            response = await client.post(witness.endpoint, content=request_body(old, proof, note))
        except LogTooSmall as exc:
            log.warning("witness %s skipped: no consistency proof from %d to %d: %s", name, old, size, exc)
            return []
        except httpx.HTTPError as exc:
            log.warning("witness %s (%s) unreachable: %s", name, witness.url, exc)
            return []
        if response.status_code == 409 and attempt == 1:
            matched = _SIZE_BODY.fullmatch(response.text)
            if response.headers.get("content-type") != _SIZE_MEDIA_TYPE or matched is None:
                log.warning("witness %s answered 409 without its size (text/x.tlog.size)", name)
                return []
            old = int(matched[1])
            continue
        if response.status_code != 200:
            log.warning(
                "witness %s refused the checkpoint of size %d from %d: %d %s",
                name,
                size,
                old,
                response.status_code,
                response.text[:300].strip(),
            )
            return []
        try:
            return _cosignatures(response.text, witness, checkpoint.body())
        except NoteError as exc:
            log.warning("witness %s answered no valid cosignature: %s", name, exc.message)
            return []
    return []


async def witness_checkpoint(
    platform_sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    signer: Ed25519Signer,
    size: int,
    now: datetime,
    *,
    client: httpx.AsyncClient | None = None,
) -> int:
    """Ask every configured witness to cosign the stored checkpoint of ``size`` and add the verified
    cosignatures to its ``cosigned`` note; returns how many were added. Never raises for a witness's
    failure (each is a warning); a checkpoint that is not stored or does not verify is a warning too."""
    witnesses = _configured(settings)
    if not witnesses:
        return 0
    async with platform_sessions() as db:
        row = await db.get(LogCheckpoint, size)
        if row is None:
            log.warning("no checkpoint of size %d to send to the witnesses", size)
            return 0
        try:
            checkpoint = read_checkpoint(row, signer)
        except InconsistentLog as exc:
            log.warning("the checkpoint of size %d is not sent to witnesses: %s", size, exc)
            return 0
        seen = {w.name: w.size for w in await db.scalars(select(LogWitness))}
        note = row.note
    async with httpx.AsyncClient(timeout=TIMEOUT_S) if client is None else nullcontext(client) as http:
        answers = await asyncio.gather(
            *(_ask(http, platform_sessions, w, note, checkpoint, seen.get(w.verifier.name, 0)) for w in witnesses)
        )
    added = [(w, sigs) for w, sigs in zip(witnesses, answers, strict=True) if sigs]
    if not added:
        return 0
    async with platform_sessions() as db, db.begin():
        row = await db.get_one(LogCheckpoint, size, with_for_update=True, populate_existing=True)
        row.cosigned = add_signatures(row.cosigned or row.note, [sig for _, sigs in added for sig in sigs])
        for witness, _ in added:
            known = await db.get(LogWitness, witness.verifier.name, with_for_update=True, populate_existing=True)
            if known is None:
                db.add(LogWitness(name=witness.verifier.name, size=size, updated_at=now))
            elif known.size < size:
                known.size, known.updated_at = size, now
    return sum(len(sigs) for _, sigs in added)
