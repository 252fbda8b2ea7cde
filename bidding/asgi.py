"""ASGI entry point for uvicorn (`uvicorn --factory bidding.asgi:create_app_from_env`)."""

from __future__ import annotations

from litestar import Litestar

from bidding.app import create_app
from bidding.core.logs import configure_logging
from bidding.core.settings import Settings


def create_app_from_env() -> Litestar:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
