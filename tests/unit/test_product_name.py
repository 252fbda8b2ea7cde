"""One product name everywhere a newcomer meets it: the README's title, the CLI's help, the web
app's header and page title (both languages), and the header and metadata of every issued PDF."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from bidding import PRODUCT_NAME_EN, PRODUCT_NAME_ZH
from bidding.cli import main
from bidding.documents import layout


def test_readme_title_names_the_product(repo_root: Path) -> None:
    title = (repo_root / "README.md").read_text().splitlines()[0]
    assert title == f"# {PRODUCT_NAME_ZH} · {PRODUCT_NAME_EN}"


def test_cli_help_names_the_product() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert f"{PRODUCT_NAME_ZH} / {PRODUCT_NAME_EN}" in result.output


def _app_name(source: str) -> str:
    match = re.search(r"\bapp: \{\s*name: '([^']+)'", source)
    assert match, "no app.name in the messages"
    return match.group(1)


def test_web_app_header_and_title_name_the_product(repo_root: Path) -> None:
    i18n = repo_root / "frontend" / "src" / "i18n"
    assert _app_name((i18n / "zh-CN.ts").read_text()) == PRODUCT_NAME_ZH
    assert _app_name((i18n / "en.ts").read_text()) == PRODUCT_NAME_EN
    assert f"<title>{PRODUCT_NAME_ZH}</title>" in (repo_root / "frontend" / "index.html").read_text()


def test_pdfs_carry_the_product_name() -> None:
    assert f"{PRODUCT_NAME_ZH} / {PRODUCT_NAME_EN}" == layout.DEFAULT_PLATFORM_NAME
