"""The tenderer's (招标人) side of tendering over HTTP: its projects registered, the agent
appointed, the tender documents approved before publication, each project's progress."""

from __future__ import annotations

from litestar import Controller


class TendererController(Controller):
    path = "/api/tenderer"
    tags = ["tenderer"]
