"""The statistics pages (issue 25) in Chromium, on the demo (`bidding serve --demo`):

* ``/statistics`` (no login): the year's figures as cards and the openings per month as a chart and a
  table, every number equal to what ``GET /api/statistics/years/{year}`` answers, and the demo's
  openings among them (not all zeros); at phone width nothing scrolls sideways.
  The page in English.
* ``/statistics/centre``: refused to a bidder; the supervisor sees every chart drawn, applies the
  category filter (工程), and each chart's table equals ``GET /api/admin/statistics`` with the same
  filters; the bids chart's CSV downloads, starts with a BOM and equals the API's CSV. Phone width too.

Screenshots: tests/browser/artifacts/<test>/.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, Server, Shots, assert_no_horizontal_scroll, new_context
from tests.browser.steps.identity import demo_user_with_role, log_in

FIGURES = {
    "projects": "projects",
    "estimates": "estimates_fen",
    "openings": "openings",
    "bids": "bids",
    "awards": "awards",
    "awarded": "awarded_fen",
    "refunds": "refunds",
    "refunded": "refunded_fen",
}


def china_year() -> int:
    return (datetime.now(UTC) + timedelta(hours=8)).year


def table_values(page: Page, chart: str) -> list[list[str]]:
    """The raw values (``data-value``) of a chart's table view, row by row."""
    rows: list[list[str]] = page.eval_on_selector_all(
        f'[data-testid="stat-table-{chart}"] tbody tr',
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.dataset.value))",
    )
    return rows


def as_text(rows: list[list[Any]]) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in rows]


def test_the_public_page_shows_the_years_figures(page: Page, server: Server, shot: Shots, browser: Browser) -> None:
    year = china_year()
    api = httpx.get(f"{server.base}/api/statistics/years/{year}", timeout=30).json()
    assert api["openings"] >= 1 and api["bids"] >= 1 and api["projects"] >= 1, api  # the demo's history

    page.goto("/statistics")
    expect(page.get_by_test_id("statistics-figure-openings")).to_be_visible()
    for card, key in FIGURES.items():
        figure = page.get_by_test_id(f"statistics-figure-{card}")
        expect(figure).to_have_attribute("data-value", str(api[key]))
    expect(page.get_by_test_id("statistics-figure-openings")).to_contain_text(str(api["openings"]))
    expect(page.locator('[data-testid="stat-chart-openings_per_month"] canvas')).to_have_count(1)
    assert table_values(page, "openings_per_month") == as_text(api["openings_per_month"]["rows"])
    page.get_by_test_id("stat-chart-openings_per_month").locator("summary").click()
    expect(page.get_by_test_id("stat-table-openings_per_month")).to_be_visible()
    shot("public-desktop")

    phone = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        small.goto("/statistics")
        expect(small.get_by_test_id("statistics-figure-openings")).to_have_attribute("data-value", str(api["openings"]))
        expect(small.locator('[data-testid="stat-chart-openings_per_month"] canvas')).to_have_count(1)
        assert_no_horizontal_scroll(small)
        shot.take(small, "public-phone")
        small.get_by_role("button", name="English").click()
        expect(small.get_by_test_id("statistics-figure-openings")).to_contain_text("Openings")
        expect(small.get_by_test_id("stat-chart-openings_per_month")).to_contain_text("Openings per month")
        assert_no_horizontal_scroll(small)
        shot.take(small, "public-phone-english")
    finally:
        phone.close()


def _centre(server: Server, page: Page, params: dict[str, str]) -> dict[str, Any]:
    """The API's answer for the filters the page shows, with the page's own session."""
    token = page.evaluate("() => JSON.parse(sessionStorage.getItem('bidding.session') || 'null')?.token ?? null")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    got = httpx.get(f"{server.base}/api/admin/statistics", params=params, headers=headers, timeout=30)
    if got.status_code == 401:  # the page keeps its session elsewhere: the operator's token reads as well
        got = server.admin().get("/api/admin/statistics", params=params)
    assert got.status_code == 200, got.text
    answer: dict[str, Any] = got.json()
    return answer


def _shown(page: Page) -> dict[str, str]:
    shown = page.get_by_test_id("statistics-shown")
    params = {
        "from": shown.get_attribute("data-first") or "",
        "to": shown.get_attribute("data-last") or "",
        "category": shown.get_attribute("data-category") or "",
        "agency": shown.get_attribute("data-agency") or "",
    }
    return {k: v for k, v in params.items() if v}


def test_the_centre_page_with_a_filter_and_a_csv(page: Page, server: Server, shot: Shots, browser: Browser) -> None:
    other = new_context(browser, server)
    try:
        bidder = other.new_page()
        log_in(bidder, demo_user_with_role(server, "bidder"))
        bidder.goto("/statistics/centre")
        expect(bidder.get_by_test_id("statistics-refused")).to_be_visible()
        expect(bidder.get_by_test_id("statistics-shown")).to_have_count(0)
        shot.take(bidder, "centre-refused-bidder")
    finally:
        other.close()

    log_in(page, demo_user_with_role(server, "supervisor"))
    page.goto("/statistics/centre")
    expect(page.get_by_test_id("statistics-shown")).to_be_visible()
    for name in ("openings", "projects", "bids", "discount", "decryption"):
        expect(page.locator(f'[data-testid="stat-chart-{name}"] canvas')).to_have_count(1)

    # the category filter: 工程 (works)
    page.get_by_test_id("statistics-category").click()
    page.get_by_role("option", name="工程", exact=True).click()
    page.get_by_test_id("statistics-apply").click()
    expect(page.get_by_test_id("statistics-shown")).to_have_attribute("data-category", "works")
    params = _shown(page)
    api = _centre(server, page, params)
    assert api["category"] == "works"
    charts = {c["name"]: c for c in api["charts"]}
    assert sum(n for _, n in charts["openings"]["rows"]) >= 1, charts["openings"]  # the demo's works openings
    for name, chart in charts.items():
        assert table_values(page, name) == as_text(chart["rows"]), name
    page.get_by_test_id("stat-chart-discount").locator("summary").click()
    expect(page.get_by_test_id("stat-table-discount")).to_be_visible()
    shot("centre-works-desktop")

    with page.expect_download() as info:
        page.get_by_test_id("stat-csv-bids").click()
    download = info.value
    assert download.suggested_filename == f"statistics-bids-{params['from']}-{params['to']}.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table == [charts["bids"]["columns"], *as_text(charts["bids"]["rows"])]

    phone = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        log_in(small, demo_user_with_role(server, "supervisor"))
        small.goto("/statistics/centre")
        expect(small.get_by_test_id("statistics-shown")).to_be_visible()
        expect(small.locator('[data-testid="stat-chart-openings"] canvas')).to_have_count(1)
        assert_no_horizontal_scroll(small)
        shot.take(small, "centre-phone")
        small.get_by_role("button", name="English").click()
        expect(small.get_by_test_id("stat-chart-refund_delays")).to_contain_text("Refund delays")
        assert_no_horizontal_scroll(small)
        shot.take(small, "centre-phone-english")
    finally:
        phone.close()
