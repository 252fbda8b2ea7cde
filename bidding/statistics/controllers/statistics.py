"""Statistics over HTTP: the public yearly figures (anyone) and the internal charts (the centre).
The use cases are :mod:`bidding.statistics.figures`; this only translates the wire."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.statistics import figures
from bidding.statistics.figures import READERS, Centre, Year

#: A China calendar day, YYYY-MM-DD, or empty (not given).
DAY = r"^(\d{4}-\d{2}-\d{2})?$"
#: A category or an agency id: short texts, checked by the rules.
Text = Annotated[str, QueryParameter(max_length=40)]


class PublicStatisticsController(Controller):
    """The aggregate figures a centre publishes (no login)."""

    path = "/api/statistics"
    tags = ["statistics"]

    @get(
        "/years/{year:int}",
        opt=wire(errors=[400]),
        summary="A China calendar year's figures: projects, estimates, openings, bids, awards, deposits refunded, "
        "openings per month (computed from the data)",
    )
    async def get_year(self, year: FromPath[int], platform: PlatformDep) -> Year:
        return await figures.year(platform, year)


class CentreStatisticsController(Controller):
    """The centre's internal charts, with filters and CSV downloads."""

    path = "/api/admin/statistics"
    tags = ["statistics"]
    guards = [requires(*READERS)]

    @get(
        "/",
        opt=wire(errors=[400, 403]),
        summary="Every chart (openings per day, projects by category and phase, bids per lot, discounts, decryption, "
        "deposits, refund delays, alerts) over a period of China days, by category and agency",
    )
    async def get_charts(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        first: Annotated[str, QueryParameter(name="from", max_length=10, pattern=DAY)] = "",
        last: Annotated[str, QueryParameter(name="to", max_length=10, pattern=DAY)] = "",
        category: Text = "",
        agency: Text = "",
    ) -> Centre:
        return await figures.centre(platform, caller, first=first, last=last, category=category, agency=agency)

    @get(
        "/{chart:str}/csv",
        opt=wire(response=["text/csv"], errors=[400, 403, 404]),
        summary="One chart's table as CSV (UTF-8 with BOM), with the same filters",
    )
    async def get_csv(
        self,
        chart: FromPath[str],
        platform: PlatformDep,
        caller: CallerDep,
        first: Annotated[str, QueryParameter(name="from", max_length=10, pattern=DAY)] = "",
        last: Annotated[str, QueryParameter(name="to", max_length=10, pattern=DAY)] = "",
        category: Text = "",
        agency: Text = "",
    ) -> Response[bytes]:
        data, filename = await figures.centre_csv(
            platform, caller, chart, first=first, last=last, category=category, agency=agency
        )
        return Response(
            data,
            media_type="text/csv",
            status_code=HTTP_200_OK,
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )
