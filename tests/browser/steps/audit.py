"""Steps of the supervision and audit pages, as plain functions on a Playwright page (sync API).

Log in with a demo identity (import its PKCS#12 on /login), open a project's audit trail from
/audit, read its events, and validate a PDF on the project's documents tab. Each step waits for
its visible outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server

#: Validation fetches revocation data and checks a time-stamp: give it time.
VALIDATE_MS = 60_000

# Runs in a separate interpreter against the server's data dir: a PDF signed by the platform (its
# CA, signer and TSA), as an opening record or a receipt is.
_SIGN = """
import asyncio
from bidding.core.platform import start_platform
from bidding.core.settings import Settings
from crypto.pdf import simple_pdf

async def main() -> None:
    async with start_platform(Settings.from_env()) as platform:
        signed = await platform.documents.sign(simple_pdf(["Audit check", "Lot 01: opening record"]), reason="audit test")
    open(OUT, "wb").write(signed)

asyncio.run(main())
"""


def open_project_trail(page: Page, project_code: str) -> None:
    """From the header's audit link: search the project by its code and open its trail."""
    page.get_by_test_id("nav-audit").click()
    page.get_by_test_id("audit-search").fill(project_code)
    page.get_by_test_id("audit-search-submit").click()
    page.get_by_test_id(f"audit-project-{project_code}").click()
    expect(page.get_by_test_id("audit-project-head")).to_contain_text(project_code)
    expect(page.get_by_test_id("audit-event").first).to_be_visible()


def shown_actions(page: Page) -> list[str]:
    """The action codes of the events in the table, in order."""
    rows = page.get_by_test_id("audit-event")
    return [str(rows.nth(i).get_attribute("data-action")) for i in range(rows.count())]


def signed_pdf(server: Server, out: Path) -> Path:
    """A PDF signed by the server's platform keys, written to ``out``."""
    server.python(_SIGN.replace("OUT", json.dumps(str(out))))
    return out


def validate_pdf_on_documents_tab(page: Page, pdf: Path) -> None:
    """On a project's audit page: go to the documents tab, drop ``pdf`` in and validate it."""
    page.get_by_test_id("audit-tab-documents").click()
    page.get_by_test_id("audit-pdf-file").set_input_files(str(pdf))
    page.get_by_test_id("audit-pdf-submit").click()
    expect(page.get_by_test_id("verify-verdict")).to_have_attribute("data-verdict", "TOTAL_PASSED", timeout=VALIDATE_MS)
