"""The award's public side on the wire: the candidate publicity and the result (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class PublicAwardController(Controller):
    path = "/api/public/awards"
    tags = ["public"]
