"""A bidder's own award and result notices (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class MyAwardNoticesController(Controller):
    path = "/api/me/award-notices"
    tags = ["awards"]
