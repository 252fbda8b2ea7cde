"""The API docs (Swagger UI at /api/docs, ReDoc at /api/docs/redoc) render with no network beyond
this machine: a trading centre's intranet, or a mainland network where the public CDNs and Google
Fonts are unreachable. Every request to another host is refused and recorded."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import Server, Shots, new_context

pytestmark = pytest.mark.slow

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class OfflineContext:
    """A browser profile whose requests to any host but this machine are aborted (as with no
    network) and remembered, so a test can say which outside URL a page tried to load."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.outside: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.hostname in _LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(browser: Browser, server: Server) -> Iterator[OfflineContext]:
    ctx = new_context(browser, server)
    yield OfflineContext(ctx)
    ctx.close()


def _page(offline: OfflineContext) -> tuple[Page, list[str]]:
    page = offline.context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def test_swagger_ui_renders_offline(offline: OfflineContext, request: pytest.FixtureRequest) -> None:
    page, errors = _page(offline)
    shot = Shots(page, request.node.name, full_page=False)  # the pages are metres long
    page.goto("/api/docs", wait_until="load")
    # Swagger UI lists every operation under its tag; a known one proves the bundle ran on our schema.
    operation = page.locator(".opblock-summary-path[data-path='/api/public/projects']")
    expect(operation).to_be_visible()
    expect(page.locator(".information-container .title")).to_contain_text("e-Bidding Platform API")
    # Its stylesheet applied: the GET badge is Swagger's blue, not unstyled text.
    method = page.locator(".opblock-get .opblock-summary-method").first
    assert method.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(97, 175, 254)"
    # The operation opens (the React app is live, not just server-rendered text).
    operation.click()
    expect(page.locator(".opblock.is-open .opblock-summary-path")).to_have_attribute(
        "data-path", "/api/public/projects"
    )
    shot("swagger-offline")
    page.wait_for_load_state("networkidle")
    assert offline.outside == [], f"the page asked for outside hosts: {offline.outside}"
    assert errors == []


def test_redoc_renders_offline(offline: OfflineContext, request: pytest.FixtureRequest) -> None:
    page, errors = _page(offline)
    shot = Shots(page, request.node.name, full_page=False)  # the pages are metres long
    page.goto("/api/docs/redoc", wait_until="load")
    # ReDoc's side menu and an operation's own section: the standalone bundle ran on our schema.
    expect(page.locator(".menu-content")).to_be_visible()
    expect(page.locator("h1").first).to_contain_text("e-Bidding Platform API")
    section = page.locator("[data-section-id='tag/public/operation/ApiPublicProjectsProjects']")
    expect(section.locator("h2")).to_have_text("Published projects (search, filter by phase)")
    # The menu is live: choosing the operation there scrolls its section into view.
    menu = page.locator(".menu-content")
    menu.locator("label", has_text="public").first.click()  # the tag's group opens
    menu.locator("label", has_text="Published projects").first.click()
    expect(section.locator("h2")).to_be_in_viewport()
    shot("redoc-offline")
    page.wait_for_load_state("networkidle")
    assert offline.outside == [], f"the page asked for outside hosts: {offline.outside}"
    assert errors == []


def test_docs_assets_are_served_with_long_caching(server: Server) -> None:
    """The pages name their assets by a versioned path, so the assets can be cached for a year;
    the schema the pages show is also served on its own at /api/docs/openapi.json (the README's)."""
    html = (
        httpx.get(f"{server.base}/api/docs", timeout=10).text
        + httpx.get(f"{server.base}/api/docs/redoc", timeout=10).text
    )
    assets = sorted({part.split('"')[0].split("'")[0] for part in html.split("/api/docs/assets/")[1:]})
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
        "redoc.standalone.js",
    }
    for asset in assets:
        response = httpx.get(f"{server.base}/api/docs/assets/{asset}", timeout=10)
        assert response.status_code == 200, asset
        assert "immutable" in response.headers["cache-control"], asset
        expected = "text/css" if asset.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].split(";")[0] == expected, asset
    schema = httpx.get(f"{server.base}/api/docs/openapi.json", timeout=10)
    assert schema.status_code == 200 and "/api/public/projects" in schema.json()["paths"]
