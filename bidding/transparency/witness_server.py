"""A witness over HTTP (C2SP ``tlog-witness``), one small Litestar app with the submission and the
monitoring prefix both at ``/``:

* ``POST /add-checkpoint`` — the body of tlog-witness §add-checkpoint; 200 with the cosignature
  line(s) as ``text/plain``; 409 with ``Content-Type: text/x.tlog.size`` and the witness's size and a
  newline as body; 400, 403, 404 and 422 with a one-line plain-text reason
  (:mod:`bidding.transparency.witness` says which refusal is which);
* ``GET /<sha256(origin), lowercase hex>/checkpoint`` — the latest checkpoint cosigned for that log,
  with the log's signature and the witness's cosignature (§Monitor Retrieval Mechanism), or 404;
* ``GET /vkey`` — the witness's cosignature/v1 verifier key (tlog-cosignature), for the logs'
  ``BIDDING_LOG_WITNESSES``.

The rules run in a worker thread: the state file's ``flock`` may wait for another process.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Litestar, Request, Response, get, post
from litestar.concurrency import sync_to_thread

from bidding.transparency.witness import SIZE_MEDIA_TYPE, SizeConflict, Witness, WitnessRefusal

__all__ = ["MAX_BODY_BYTES", "create_witness_app"]

MAX_BODY_BYTES: Final = 16 * 1024
"""A request body larger than this is refused (transparency-dev/witness reads at most 16 KiB too)."""
TEXT: Final = "text/plain"  # Litestar adds "; charset=utf-8"


def _refusal(refusal: WitnessRefusal) -> Response[bytes]:
    if isinstance(refusal, SizeConflict):
        # Exactly text/x.tlog.size: clients compare the whole header (transparency-dev/witness's client
        # does), and Litestar would add a charset to a media_type of text/….
        return Response(refusal.body().encode(), status_code=409, headers={"Content-Type": SIZE_MEDIA_TYPE})
    return Response((refusal.reason + "\n").encode(), status_code=refusal.status, media_type=TEXT)


def create_witness_app(witness: Witness) -> Litestar:
    """The witness's ASGI app."""

    @post("/add-checkpoint", status_code=200, request_max_body_size=MAX_BODY_BYTES)
    async def add_checkpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
        body = await request.body()
        try:
            lines = await sync_to_thread(witness.add_checkpoint, body)
        except WitnessRefusal as refusal:
            return _refusal(refusal)
        return Response(lines.encode(), status_code=200, media_type=TEXT)

    @get("/vkey")
    async def vkey() -> Response[bytes]:
        return Response((witness.vkey + "\n").encode(), media_type=TEXT)

    @get("/{hashed_origin:str}/checkpoint")
    async def checkpoint(hashed_origin: str) -> Response[bytes]:
        note = await sync_to_thread(witness.latest, hashed_origin)
        if note is None:
            return Response(b"this witness has cosigned no checkpoint of that log\n", status_code=404, media_type=TEXT)
        return Response(note.encode(), media_type=TEXT, headers={"Cache-Control": "no-cache"})

    return Litestar(route_handlers=[add_checkpoint, vkey, checkpoint], openapi_config=None)
