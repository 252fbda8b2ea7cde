"""The award on the wire: list, view, the choice, the notices, a winner's withdrawal (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class AwardController(Controller):
    path = "/api/awards"
    tags = ["awards"]
