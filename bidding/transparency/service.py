"""The log's read side for anyone, no login (``docs/transparency-log.md``): the latest checkpoint,
the verifier key, the tiles (C2SP ``tlog-tiles``) and inclusion and consistency proofs."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bidding.core.errors import InvalidInput, NotFound
from bidding.transparency.checkpoints import last_checkpoint
from bidding.transparency.keys import log_signer
from bidding.transparency.models import LogCheckpoint, LogLeaf, LogTile
from bidding.transparency.tree import Tree
from crypto.tlog.merkle import HASH_SIZE
from crypto.tlog.tiles import TileID, parse_tile_path

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["Tile", "checkpoint_note", "consistency_proof", "inclusion_proof", "tile", "vkey"]


def vkey(platform: Platform) -> str:
    """The log's verifier key (C2SP signed-note ``<name>+<id hex>+<base64(0x01 ‖ key)>``)."""
    return log_signer(platform.settings).vkey


async def checkpoint_note(platform: Platform) -> str:
    """The latest signed checkpoint, with the witnesses' cosignatures when there are any."""
    async with platform.sessions() as db:
        row = await last_checkpoint(db)
    if row is None:
        raise NotFound("the log has signed no checkpoint yet", "日志尚未签发检查点")
    return row.cosigned or row.note


@dataclass(frozen=True)
class Tile:
    data: bytes
    #: Full tiles never change; a partial tile of a given width does not either (a tile only grows).
    immutable: bool


async def tile(platform: Platform, path: str) -> Tile:
    """One hash tile by its C2SP path (``tile/<L>/<N>[.p/<W>]``, without the ``tile/`` prefix's
    leading slash). Entry bundles are not published: a leaf of a bidder's action before the deadline
    is public as a hash only (办法 21)."""
    try:
        parsed = parse_tile_path(path)
    except ValueError as exc:  # like a file tree: a path that names no tile is not found
        raise NotFound(f"no such tile: {exc}", f"没有此瓦片：{exc}") from exc
    if not isinstance(parsed, TileID):
        raise NotFound(
            "entry bundles are not published (leaves are public as hashes only)", "不公开叶子原文（仅公开哈希）"
        )
    async with platform.sessions() as db:
        row = await db.get(LogTile, (parsed.level, parsed.index))
    if row is None or len(row.hashes) < parsed.width * HASH_SIZE:
        raise NotFound(f"no such tile yet: {path}", f"尚无此瓦片：{path}")
    return Tile(row.hashes[: parsed.width * HASH_SIZE], immutable=True)


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


async def _checkpoint_at(platform: Platform, size: int | None) -> LogCheckpoint:
    async with platform.sessions() as db:
        if size is None:
            row = await last_checkpoint(db)
        else:
            row = await db.get(LogCheckpoint, size)
    if row is None:
        raise NotFound(
            "no signed checkpoint of that size" if size is not None else "the log has signed no checkpoint yet",
            "没有该大小的已签检查点" if size is not None else "日志尚未签发检查点",
        )
    return row


async def inclusion_proof(platform: Platform, index: int, size: int | None) -> dict[str, Any]:
    """The inclusion proof of leaf ``index`` in the signed checkpoint of ``size`` (the latest if
    None), with that checkpoint, as RFC 9162 §2.1.3 defines it."""
    checkpoint = await _checkpoint_at(platform, size)
    if index >= checkpoint.size:
        raise InvalidInput(
            f"leaf {index} is not in the checkpoint of size {checkpoint.size}",
            f"叶子 {index} 不在大小为 {checkpoint.size} 的检查点中",
        )
    async with platform.sessions() as db:
        leaf = await db.get(LogLeaf, index)
        proof = await Tree(db, checkpoint.size).inclusion(index)
    assert leaf is not None
    return {
        "index": index,
        "size": checkpoint.size,
        "leaf_hash": base64.b64encode(leaf.leaf_hash).decode(),
        "proof": _b64(proof),
        "checkpoint": checkpoint.cosigned or checkpoint.note,
    }


async def consistency_proof(platform: Platform, first: int, second: int | None) -> dict[str, Any]:
    """The consistency proof from the tree of ``first`` leaves to the signed checkpoint of ``second``
    (the latest if None), as RFC 9162 §2.1.4 defines it."""
    checkpoint = await _checkpoint_at(platform, second)
    if first > checkpoint.size:
        raise InvalidInput(
            f"the first size {first} is larger than the second, {checkpoint.size}",
            f"第一个大小 {first} 大于第二个 {checkpoint.size}",
        )
    async with platform.sessions() as db:
        proof = await Tree(db, checkpoint.size).consistency(first)
    return {
        "first": first,
        "second": checkpoint.size,
        "proof": _b64(proof),
        "checkpoint": checkpoint.cosigned or checkpoint.note,
    }
