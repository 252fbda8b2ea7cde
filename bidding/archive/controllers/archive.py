"""Project archives on the wire (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class ArchiveController(Controller):
    path = "/api/archives"
    tags = ["archive"]
