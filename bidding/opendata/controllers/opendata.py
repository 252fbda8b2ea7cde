"""Open data (OCDS) on the wire (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class OpenDataController(Controller):
    path = "/api/opendata"
    tags = ["opendata"]
