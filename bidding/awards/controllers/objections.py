"""Objections (异议) on the wire (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class AwardObjectionController(Controller):
    path = "/api/awards"
    tags = ["awards"]
