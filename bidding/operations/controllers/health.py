"""Liveness (`/health`) and readiness (`/ready`: database, schema, Redis, storage, workers; the checks
are :mod:`bidding.operations.readiness`')."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Response, get

from bidding import __version__
from bidding.core.http.dependencies import PlatformDep
from bidding.operations.readiness import readiness


class HealthController(Controller):
    tags = ["health"]

    @get("/health", summary="Liveness: the process answers", media_type=MediaType.JSON)
    async def health(self) -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @get("/ready", summary="Readiness: database, schema, Redis, storage and workers", media_type=MediaType.JSON)
    async def ready(self, platform: PlatformDep) -> Response[dict[str, Any]]:
        report = await readiness(platform)
        return Response(report.body(), status_code=200 if report.ok else 503)
