"""The public verify page: a platform-signed PDF passes, the same PDF changed after signing fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Server, Shots, assert_no_horizontal_scroll

pytestmark = pytest.mark.slow

# Run in a separate interpreter against the server's data dir: the same CA, signer and TSA.
SIGN_SNIPPET = """
import asyncio, sys
from bidding.core.platform import start_platform
from bidding.core.settings import Settings
from crypto.pdf import simple_pdf
from tests.fixtures.pki import change_page

async def main() -> None:
    async with start_platform(Settings.from_env()) as platform:
        signed = await platform.documents.sign(
            simple_pdf(["Bid opening record", "Lot A: 3 bids", "Winning bid: CNY 1,234,567.00"]),
            reason="browser test",
        )
    open(sys.argv[1], "wb").write(signed)
    open(sys.argv[2], "wb").write(change_page(signed, ["Winning bid: CNY 9,234,567.00"]))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def pdfs(server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    signed, modified = folder / "signed.pdf", folder / "modified.pdf"
    server.python(SIGN_SNIPPET.replace("sys.argv[1]", repr(str(signed))).replace("sys.argv[2]", repr(str(modified))))
    return signed, modified


def test_verify_page_shows_passed_and_failed(page: Page, pdfs: tuple[Path, Path], shot: Shots) -> None:
    signed, modified = pdfs
    page.goto("/")
    page.get_by_role("link", name="签名验证").click()
    expect(page.get_by_role("heading", name="签名验证")).to_be_visible()
    shot("empty")

    page.get_by_test_id("verify-file").set_input_files(str(signed))
    page.get_by_test_id("verify-submit").click()
    verdict = page.get_by_test_id("verify-verdict")
    expect(verdict).to_have_attribute("data-verdict", "TOTAL_PASSED", timeout=60_000)
    expect(verdict).to_contain_text("验证通过")
    signature = page.get_by_test_id("verify-signature")
    expect(signature).to_have_count(1)
    expect(signature).to_have_attribute("data-indication", "TOTAL_PASSED")
    expect(signature).to_contain_text("browser test")  # the signature's reason
    expect(signature).to_contain_text("有效（未吊销）")  # revocation
    expect(signature).to_contain_text(re.compile("ENTIRE_(FILE|REVISION)"))  # coverage (B-LT adds a DSS revision)
    summary_zh = page.get_by_test_id("verify-summary").inner_text()
    assert summary_zh and any("\u4e00" <= c <= "\u9fff" for c in summary_zh), summary_zh
    shot("passed")

    # The summary follows the language.
    page.get_by_role("button", name="English").click()
    expect(verdict).to_contain_text("Passed")
    summary_en = page.get_by_test_id("verify-summary").inner_text()
    assert summary_en.startswith("All signatures in the document are valid"), summary_en
    shot("passed-english")
    page.get_by_role("button", name="中文").click()

    page.get_by_test_id("verify-file").set_input_files(str(modified))
    page.get_by_test_id("verify-submit").click()
    expect(verdict).to_have_attribute("data-verdict", "TOTAL_FAILED", timeout=60_000)
    expect(verdict).to_contain_text("验证失败")
    expect(signature).to_have_attribute("data-indication", "TOTAL_FAILED")
    expect(signature).to_contain_text("签名后文件内容被修改")  # reason modified_after_signing
    shot("failed")


def test_verify_page_shows_the_api_error_for_a_non_pdf(page: Page, tmp_path: Path, shot: Shots) -> None:
    junk = tmp_path / "not-a.pdf"
    junk.write_bytes(b"hello, this is not a PDF")
    page.goto("/verify")
    page.get_by_test_id("verify-file").set_input_files(str(junk))
    page.get_by_test_id("verify-submit").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("验证失败")
    expect(alert).to_contain_text("not_a_pdf")
    shot("not-a-pdf")


def test_verify_report_fits_a_phone(phone_context: BrowserContext, pdfs: tuple[Path, Path]) -> None:
    page = phone_context.new_page()
    page.goto("/verify")
    page.get_by_test_id("verify-file").set_input_files(str(pdfs[1]))
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("verify-verdict")).to_have_attribute("data-verdict", "TOTAL_FAILED", timeout=60_000)
    assert_no_horizontal_scroll(page)
    Shots(page, "test_verify_report_fits_a_phone")("report")
