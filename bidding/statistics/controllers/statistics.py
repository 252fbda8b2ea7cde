"""Statistics over HTTP: the public yearly figures (anyone) and the internal charts (the centre)."""

from __future__ import annotations

from litestar import Controller


class PublicStatisticsController(Controller):
    """The aggregate figures a centre publishes (no login)."""

    path = "/api/statistics"
    tags = ["statistics"]


class CentreStatisticsController(Controller):
    """The centre's internal charts, with filters and CSV downloads."""

    path = "/api/admin/statistics"
    tags = ["statistics"]
