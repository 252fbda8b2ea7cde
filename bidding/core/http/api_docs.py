"""The API docs pages (Swagger UI at /api/docs, ReDoc at /api/docs/redoc) with their assets served
by the app itself, never from a CDN: a trading centre's intranet, or a mainland network where the
public CDNs and Google Fonts are unreachable, would otherwise get a blank page.

The assets are the upstream builds, vendored with their licences under ``docs_assets/`` (see its
README for where they come from and how to update them). Their folder names carry the version, so
the URLs change with every update and the files can be cached for a year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

__all__ = ["DOCS_PATH", "SCHEMA_PATH", "docs_assets_router", "render_plugins"]

DOCS_PATH = "/api/docs"
# Litestar serves the schema itself under the docs path (its JSON render plugin's default path).
SCHEMA_PATH = f"{DOCS_PATH}/openapi.json"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS_DIR = Path(__file__).resolve().parent / "docs_assets"
SWAGGER_UI = "swagger-ui-5.36.0"  # npm swagger-ui-dist, Apache-2.0
REDOC = "redoc-2.5.4"  # npm redoc, MIT

# The web app's icon (served when the web app is built; otherwise a harmless local miss), instead of
# Litestar's default, which comes from a CDN.
_FAVICON = "<link rel='icon' type='image/svg+xml' href='/favicon.svg'>"


class _OfflineRedoc(RedocRenderPlugin):
    """ReDoc whose page may load images only from this app: the standalone bundle's "API docs by
    Redocly" credit always asks a CDN for its logo (a hidden broken image offline, a request that
    leaves the machine online). The browser's CSP refuses it before any request is made."""

    _CSP = b"<meta http-equiv='Content-Security-Policy' content=\"img-src 'self' data: blob:\">"

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema)
        head = page.index(b"<head>") + len(b"<head>")
        return page[:head] + self._CSP + page[head:]


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Swagger UI at the docs root and ReDoc at ``/redoc``, both loading only this app's assets."""
    swagger = f"{ASSETS_PATH}/{SWAGGER_UI}"
    return [
        SwaggerRenderPlugin(
            path="/",
            js_url=f"{swagger}/swagger-ui-bundle.js",
            css_url=f"{swagger}/swagger-ui.css",
            standalone_preset_js_url=f"{swagger}/swagger-ui-standalone-preset.js",
            favicon=_FAVICON,
        ),
        _OfflineRedoc(
            path="/redoc",
            js_url=f"{ASSETS_PATH}/{REDOC}/redoc.standalone.js",
            # ReDoc's page would link Montserrat/Roboto from Google Fonts; its theme falls back to
            # the system's sans-serif fonts (which also cover Chinese).
            google_fonts=False,
            favicon=_FAVICON,
        ),
    ]


def docs_assets_router() -> Router:
    """``/api/docs/assets/<name>-<version>/…``: versioned paths, so cached as immutable for a year."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[ASSETS_DIR],
        name="api_docs_assets",
        cache_control=CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True),
        include_in_schema=False,
    )
