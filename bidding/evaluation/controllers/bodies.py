"""Reading the bids on the wire (``docs/evaluation.md`` §Reading the bids): a bid's file list and one
file, for a member of the committee only. The use cases are :mod:`bidding.evaluation.bodies`; this
only translates the wire (a stamped PDF as bytes, any other file streamed)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Stream

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.evaluation import bodies
from bidding.evaluation.bodies import BodyFile, FileView, download_name

EvaluationId = FromPath[uuid.UUID]
BidId = FromPath[uuid.UUID]
FileIndex = Annotated[int, Parameter(ge=0, le=1_000_000)]

#: A body is the bidder's and is read by this member only: no cache keeps it, no browser guesses its type.
_PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def disposition(kind: str, name: str) -> str:
    """``inline`` or ``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 5987).

    >>> disposition("inline", "技术标.pdf")
    'inline; filename="___.pdf"; filename*=UTF-8\\'\\'%E6%8A%80%E6%9C%AF%E6%A0%87.pdf'
    """
    shown = download_name(name)
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\%;' else "_" for c in shown)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(shown, safe='')}"


def _headers(file: BodyFile) -> dict[str, str]:
    return {**_PRIVATE, "Content-Disposition": disposition(file.disposition, file.name)}


class EvaluationBodiesController(Controller):
    """The bids' bodies, for the committee (the caller's seat decides; every access audited)."""

    path = "/api/evaluations/{evaluation_id:uuid}/bids/{bid_id:uuid}/files"
    tags = ["evaluation"]
    guards = [requires(Role.EXPERT)]

    @get(
        "/",
        opt=wire(errors=[403, 404, 409]),
        summary="A bid's files, from its decrypted body (the committee only, audited; 条例 49, 规定 17)",
    )
    async def list_files(
        self, evaluation_id: EvaluationId, bid_id: BidId, platform: PlatformDep, caller: CallerDep
    ) -> list[FileView]:
        return await bodies.list_files(platform, caller, evaluation_id, bid_id)

    @get(
        "/{index:int}",
        opt=wire(response=["application/pdf", "application/octet-stream"], errors=[403, 404, 409, 413, 422]),
        summary="One file of a bid: a PDF stamped with the reader's name (inline), any file as a download (audited)",
    )
    async def read_file(
        self,
        evaluation_id: EvaluationId,
        bid_id: BidId,
        index: FileIndex,
        platform: PlatformDep,
        caller: CallerDep,
        download: FromQuery[bool] = False,
    ) -> Response[bytes] | Stream:
        file = await bodies.read_file(platform, caller, evaluation_id, bid_id, index, download=download)
        if file.content is not None:
            return Response(file.content, media_type=file.media_type, headers=_headers(file))
        assert file.chunks is not None
        return Stream(
            file.chunks, media_type=file.media_type, headers={**_headers(file), "Content-Length": str(file.size)}
        )
