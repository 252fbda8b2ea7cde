"""The transparency log on the wire, no login (``docs/transparency-log.md``): C2SP ``tlog-tiles``
under ``/log`` (checkpoint, tiles) with the verifier key, and JSON proofs under ``/api/log``. The
reads are :mod:`bidding.transparency.service`; this only translates the wire."""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Controller, Response, get
from litestar.params import FromPath, QueryParameter

from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.openapi import wire
from bidding.transparency import service

TEXT: Final = "text/plain"  # Litestar adds "; charset=utf-8" (naming it here too sent it twice)
TILE: Final = "application/octet-stream"
Size = Annotated[int, QueryParameter(ge=0, le=2**53, description="A tree size")]
#: 0 (or absent): the latest signed checkpoint; a tree of size 0 is never signed.
CheckpointSize = Annotated[
    int, QueryParameter(ge=0, le=2**53, description="A signed checkpoint's size (0 or absent: the latest)")
]


class LogTilesController(Controller):
    """C2SP tlog-tiles: ``<prefix>/checkpoint``, ``<prefix>/tile/…`` with prefix ``/log``."""

    path = "/log"
    tags = ["log"]

    @get(
        "/checkpoint",
        opt=wire(response=[TEXT], errors=[404]),
        summary="The latest signed checkpoint (C2SP tlog-checkpoint)",
    )
    async def checkpoint(self, platform: PlatformDep) -> Response[str]:
        note = await service.checkpoint_note(platform)
        return Response(note, media_type=TEXT, headers={"Cache-Control": "no-cache"})

    @get("/vkey", opt=wire(response=[TEXT]), summary="The log's verifier key (C2SP signed-note)")
    async def vkey(self, platform: PlatformDep) -> Response[str]:
        return Response(service.vkey(platform) + "\n", media_type=TEXT, headers={"Cache-Control": "max-age=3600"})

    @get(
        "/tile/{path:path}",
        opt=wire(response=[TILE], errors=[404]),
        summary="A hash tile (C2SP tlog-tiles): `/log/tile/<L>/<N>[.p/<W>]`; immutable",
    )
    async def tile(self, platform: PlatformDep, path: FromPath[str]) -> Response[bytes]:
        found = await service.tile(platform, "tile" + path if path.startswith("/") else f"tile/{path}")
        cache = "public, max-age=31536000, immutable" if found.immutable else "no-cache"
        return Response(found.data, media_type=TILE, headers={"Cache-Control": cache})


class LogProofController(Controller):
    path = "/api/log/proof"
    tags = ["log"]

    @get(
        "/inclusion",
        opt=wire(errors=[400, 404]),
        summary="Inclusion proof of a leaf in a signed checkpoint (RFC 9162 §2.1.3), with the checkpoint",
    )
    async def inclusion(
        self,
        platform: PlatformDep,
        index: Annotated[int, QueryParameter(ge=0, le=2**53, description="The leaf's index")],
        size: CheckpointSize = 0,
    ) -> dict[str, Any]:
        return await service.inclusion_proof(platform, index, size or None)

    @get(
        "/consistency",
        opt=wire(errors=[400, 404]),
        summary="Consistency proof between two tree sizes (RFC 9162 §2.1.4), with the second's checkpoint",
    )
    async def consistency(self, platform: PlatformDep, first: Size, second: CheckpointSize = 0) -> dict[str, Any]:
        return await service.consistency_proof(platform, first, second or None)
