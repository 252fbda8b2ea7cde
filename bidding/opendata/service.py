"""Reading the open data (``docs/opendata.md``; RULES §(g)): release packages paged over the stored
releases, and record packages (every release of an ocid, embedded, with its compiled release).
No login: everything here was public when it was published.

Paging is by a cursor over the releases' storage order (``OcdsRelease.id``): a page never moves
when releases are added, and ``links.next`` is the next page's URL (absent on the last page).
``since``/``until`` select releases by their ``date`` (``since`` ≤ date < ``until``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from sqlalchemy import func, select

from bidding.core.errors import InvalidInput, NotFound
from bidding.opendata.merge import compile_release
from bidding.opendata.models import OcdsRelease
from bidding.opendata.schemas import EXTENSIONS, OCDS_VERSION

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "MAX_LIMIT",
    "PUBLISHER",
    "OcdsBadRange",
    "OcdsRecordNotFound",
    "record_package",
    "record_packages",
    "release_package",
]

MAX_LIMIT: Final = 100
RECORDS_LIMIT: Final = 20
#: The publisher named in every package.
PUBLISHER: Final = "电子招标投标交易平台 / electronic tendering platform"
_PATH: Final = "/api/opendata"


class OcdsRecordNotFound(NotFound):
    code = "ocds_record_not_found"
    message_zh = "没有该开放数据记录"
    message_en = "No open-data record with this ocid"


class OcdsBadRange(InvalidInput):
    code = "ocds_bad_range"
    message_zh = "时间范围有误"
    message_en = "The time range is not valid"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _package_head(platform: Platform, uri: str) -> dict[str, Any]:
    base = platform.settings.effective_base_url.rstrip("/")
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS.values()),
        "publishedDate": _iso(platform.clock.now()),
        "publisher": {"name": PUBLISHER, "uri": base},
    }


def _url(platform: Platform, path: str, params: dict[str, Any]) -> str:
    base = platform.settings.effective_base_url.rstrip("/")
    query = urlencode({k: (_iso(v) if isinstance(v, datetime) else v) for k, v in params.items() if v is not None})
    return f"{base}{_PATH}{path}" + (f"?{query}" if query else "")


async def release_package(
    platform: Platform,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: int | None = None,
    limit: int = MAX_LIMIT,
) -> dict[str, Any]:
    """``GET /api/opendata/releases``: a page of releases in the order they were published."""
    if since is not None and until is not None and until <= since:
        raise OcdsBadRange("`until` must be after `since`", "`until` 须晚于 `since`")
    query = select(OcdsRelease).order_by(OcdsRelease.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(OcdsRelease.id > cursor)
    if since is not None:
        query = query.where(OcdsRelease.date >= since)
    if until is not None:
        query = query.where(OcdsRelease.date < until)
    async with platform.sessions() as session:
        rows = list((await session.scalars(query)).all())
    page, more = rows[:limit], len(rows) > limit
    params: dict[str, Any] = {"since": since, "until": until, "cursor": cursor or None, "limit": limit}
    package = _package_head(platform, _url(platform, "/releases", params))
    package["releases"] = [row.release for row in page]
    if more:
        package["links"] = {"next": _url(platform, "/releases", params | {"cursor": page[-1].id})}
    return package


def _record(ocid: str, releases: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ocid": ocid, "releases": releases, "compiledRelease": compile_release(releases)}


async def record_package(platform: Platform, ocid: str) -> dict[str, Any]:
    """``GET /api/opendata/records/{ocid}``: the ocid's releases and its compiled release."""
    async with platform.sessions() as session:
        rows = (
            await session.scalars(select(OcdsRelease).where(OcdsRelease.ocid == ocid).order_by(OcdsRelease.id))
        ).all()
    if not rows:
        raise OcdsRecordNotFound(f"no record {ocid}", f"没有记录 {ocid}")
    package = _package_head(platform, _url(platform, f"/records/{ocid}", {}))
    package["records"] = [_record(ocid, [row.release for row in rows])]
    return package


async def record_packages(
    platform: Platform, *, cursor: int | None = None, limit: int = RECORDS_LIMIT
) -> dict[str, Any]:
    """``GET /api/opendata/records``: a page of records, in the order of their first release."""
    first = func.min(OcdsRelease.id)
    query = select(OcdsRelease.ocid, first).group_by(OcdsRelease.ocid).order_by(first).limit(limit + 1)
    if cursor is not None:
        query = query.having(first > cursor)
    async with platform.sessions() as session:
        heads = list((await session.execute(query)).all())
        page, more = heads[:limit], len(heads) > limit
        ocids = [ocid for ocid, _ in page]
        rows = (
            await session.scalars(select(OcdsRelease).where(OcdsRelease.ocid.in_(ocids)).order_by(OcdsRelease.id))
        ).all()
    by_ocid: dict[str, list[dict[str, Any]]] = {ocid: [] for ocid in ocids}
    for row in rows:
        by_ocid[row.ocid].append(row.release)
    params: dict[str, Any] = {"cursor": cursor or None, "limit": limit}
    package = _package_head(platform, _url(platform, "/records", params))
    package["records"] = [_record(ocid, releases) for ocid, releases in by_ocid.items()]
    if more:
        package["links"] = {"next": _url(platform, "/records", params | {"cursor": page[-1][1]})}
    return package
