"""`bidding verify-pdf`: exit codes 0 / 1 / 2, JSON and both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from bidding.verification.cli import verify_pdf
from crypto.pdf import simple_pdf
from tests.fixtures.pki import Pki, change_page, make_pki


@pytest.fixture(scope="module")
async def signed(pki: Pki) -> bytes:
    return await pki.sign(simple_pdf(["Tender receipt", "Bid 42"]))


@pytest.fixture
def files(tmp_path: Path, pki: Pki, signed: bytes) -> dict[str, Path]:
    paths = {
        "signed": tmp_path / "signed.pdf",
        "modified": tmp_path / "modified.pdf",
        "unsigned": tmp_path / "unsigned.pdf",
        "text": tmp_path / "notes.txt",
        "root": tmp_path / "root.pem",
        "other": tmp_path / "other.pem",
    }
    paths["signed"].write_bytes(signed)
    paths["modified"].write_bytes(change_page(signed, ["Bid 43"]))
    paths["unsigned"].write_bytes(simple_pdf(["nothing signed"]))
    paths["text"].write_bytes(b"not a pdf")
    paths["root"].write_bytes(pki.ca.root_cert.public_bytes(serialization.Encoding.PEM))
    paths["other"].write_bytes(make_pki(name="外部数字认证中心").ca.root_cert.public_bytes(serialization.Encoding.PEM))
    return paths


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(verify_pdf, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_valid_pdf_exits_0_in_both_languages(files: dict[str, Path]) -> None:
    code, out, _ = invoke(files["signed"], "--trust", files["root"])
    assert code == 0, out
    assert "全部签名均验证通过" in out and "示例交易中心 Document Signing" in out
    code, out, _ = invoke(files["signed"], "--trust", files["root"], "--lang", "en")
    assert code == 0 and "All signatures in the document are valid" in out


def test_json_output(files: dict[str, Path]) -> None:
    code, out, _ = invoke(files["signed"], "--trust", files["root"], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "TOTAL_PASSED"
    assert data["signatures"][0]["indication"] == "TOTAL_PASSED"
    assert data["signatures"][0]["timestamp"]["time"].endswith("Z")


def test_modified_pdf_exits_1(files: dict[str, Path]) -> None:
    code, out, _ = invoke(files["modified"], "--trust", files["root"], "--lang", "en")
    assert code == 1
    assert "TOTAL_FAILED" in out and "changed after signing" in out


def test_untrusted_root_exits_2(files: dict[str, Path]) -> None:
    code, out, _ = invoke(files["signed"], "--trust", files["other"])
    assert code == 2
    assert "NO_CERTIFICATE_CHAIN_FOUND" in out
    code, _, err = invoke(files["signed"])
    assert code == 2 and "no --trust" in err


def test_no_signatures_exits_2(files: dict[str, Path]) -> None:
    code, out, _ = invoke(files["unsigned"], "--trust", files["root"])
    assert code == 2 and "不包含任何电子签名" in out


def test_not_a_pdf_exits_1(files: dict[str, Path]) -> None:
    code, _, err = invoke(files["text"], "--trust", files["root"])
    assert code == 1 and "not_a_pdf" in err
    code, out, _ = invoke(files["text"], "--json")
    assert code == 1 and json.loads(out)["error"] == "not_a_pdf"


def test_bad_trust_file_is_a_usage_error(files: dict[str, Path]) -> None:
    code, _, err = invoke(files["signed"], "--trust", files["text"])
    assert code == 2 and "--trust" in err
