"""A saturated database answers 503 `service_busy` with Retry-After, not a bare 500."""

from __future__ import annotations

import sqlite3

from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bidding.core.http.errors import EXCEPTION_HANDLERS


@get("/pool")
async def pool() -> None:
    raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")


@get("/locked")
async def locked() -> None:
    raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))


@get("/broken")
async def broken() -> None:
    raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))


def test_busy_database_is_a_503_with_retry_after() -> None:
    app = Litestar([pool, locked, broken], exception_handlers=dict(EXCEPTION_HANDLERS))
    with TestClient(app) as client:
        for path in ("/pool", "/locked"):
            response = client.get(path)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "service_busy"
            assert response.headers["retry-after"] == "1"
        other = client.get("/broken")
        assert other.status_code == 500 and other.json()["error"]["code"] == "internal_error"
