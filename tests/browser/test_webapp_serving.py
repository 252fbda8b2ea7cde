"""What a real browser needs from the server to load the web app at all."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import DIST, Server

pytestmark = pytest.mark.slow


def test_static_files_have_content_types(server: Server) -> None:
    """The app shell must be text/html and shown inline, assets must carry their types (a browser
    downloads an ``application/octet-stream`` page instead of showing it)."""
    script = next(p.name for p in (DIST / "assets").iterdir() if p.suffix == ".js")
    expected = {"/": "text/html", "/login": "text/html", f"/assets/{script}": "text/javascript"}
    found = {}
    for path in expected:
        response = httpx.get(server.base + path, timeout=10)
        assert response.status_code == 200
        found[path] = response.headers.get("content-type", "").split(";")[0]
        assert not response.headers.get("content-disposition", "").startswith("attachment"), path
    assert found == expected
