"""Complaints (投诉) on the wire (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class AwardComplaintController(Controller):
    path = "/api/awards"
    tags = ["awards"]
