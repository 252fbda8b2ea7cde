"""Interop of the browser implementation (``frontend/src/sealed``) with ``crypto.sealed``.

Runs ``npx vitest run tests/sealed-interop.spec.ts`` with ``SEALED_INTEROP_DIR`` set: the
TypeScript code seals packages (RSA and EC signers) that must pass ``crypto.sealed.inspect`` and
``bidding unseal``, and opens a package made by ``bidding seal`` (EC signer) here. Any drift of
either implementation from docs/sealed-bid-format.md fails this test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crypto.sealed import inspect
from crypto.sealed.envelope import cert_sha256
from tests.fixtures.sealed import party

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
FORM = '{"bidder":"福州示例建设有限公司","price_fen":9876543210,"note":"Python 封装"}'

pytestmark = pytest.mark.skipif(
    shutil.which("npx") is None or not (FRONTEND / "node_modules" / ".bin" / "vitest").exists(),
    reason="needs node and the frontend's node_modules (make install)",
)


def _bidding(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bidding", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def interop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("sealed-interop")
    # Python → TypeScript: a package from the CLI with an EC signer, for an RSA recipient.
    signer, recipient = party("ec-p256"), party("rsa2048", "centre")
    (work / "py-signer-cert.pem").write_bytes(signer.cert_pem())
    (work / "py-signer-key.pem").write_bytes(signer.key_pem())
    (work / "py-recipient-cert.pem").write_bytes(recipient.cert_pem())
    (work / "py-recipient-key.pem").write_bytes(recipient.key_pem())
    (work / "form.json").write_text(FORM, encoding="utf-8")
    files = work / "in"
    files.mkdir()
    (files / "投标函.txt").write_text("投标函 正文\n", encoding="utf-8")
    (files / "big.bin").write_bytes(bytes(i % 253 for i in range(200_000)))
    sealed = _bidding(
        "seal", "--form", work / "form.json", "--recipient", work / "py-recipient-cert.pem",
        "--cert", work / "py-signer-cert.pem", "--key", work / "py-signer-key.pem",
        "--project", "闽-2026-0009", "--lot", "01", "--out", work / "py.bid",
        files / "投标函.txt", files / "big.bin",
    )  # fmt: skip
    assert sealed.returncode == 0, sealed.stderr
    (work / "py.json").write_text(json.dumps({"recipient_kind": "rsa-2048"}))
    run = subprocess.run(
        ["npx", "vitest", "run", "tests/sealed-interop.spec.ts"],
        cwd=FRONTEND,
        env={**os.environ, "SEALED_INTEROP_DIR": str(work), "CI": "true"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return work


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_typescript_package_passes_python_inspect(interop_dir: Path, kind: str) -> None:
    expected = json.loads((interop_dir / f"ts-{kind}.json").read_text())
    with (interop_dir / f"ts-{kind}.bid").open("rb") as stream:
        info = inspect(stream)
    assert info.digest.hex() == expected["digest"]
    assert info.file_sha256.hex() == expected["file_sha256"]
    assert info.package_size == expected["size"]
    assert info.header.project_id == expected["project_id"] == "闽榕-2026-工程-0007"
    assert info.header.lot_id == expected["lot_id"]
    assert len(info.header.recipients) == 2
    assert cert_sha256(info.signer_cert) == info.header.bidder_cert_sha256
    assert {envelope.kind for _, envelope in info.recipients} == {"rsa-oaep", "ecdh-p256"}


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("who", ["signer", "other"])
def test_typescript_package_unseals_with_the_cli(interop_dir: Path, kind: str, who: str) -> None:
    expected = json.loads((interop_dir / f"ts-{kind}.json").read_text())
    out = interop_dir / f"out-{kind}-{who}"
    result = _bidding(
        "unseal", interop_dir / f"ts-{kind}.bid",
        "--key", interop_dir / f"ts-{kind}-{who}-key.pem", "--cert", interop_dir / f"ts-{kind}-{who}-cert.pem",
        "--out-dir", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (out / "form.json").read_text(encoding="utf-8") == expected["form_json"]
    assert json.loads(expected["form_json"])["price_fen"] == 123456789
    for entry in expected["files"]:
        assert hashlib.sha256((out / "files" / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]


def test_typescript_package_with_a_flipped_bit_is_refused(interop_dir: Path) -> None:
    data = bytearray((interop_dir / "ts-ec.bid").read_bytes())
    data[len(data) // 2] ^= 1
    (interop_dir / "ts-ec-flipped.bid").write_bytes(bytes(data))
    result = _bidding(
        "unseal", interop_dir / "ts-ec-flipped.bid", "--key", interop_dir / "ts-ec-other-key.pem",
        "--cert", interop_dir / "ts-ec-other-cert.pem", "--out-dir", interop_dir / "out-flipped",
    )  # fmt: skip
    assert result.returncode == 1
    assert "(segment_authentication_failed)" in result.stderr or "(signature_invalid)" in result.stderr
    assert not (interop_dir / "out-flipped").exists()


def test_python_cli_package_opens_in_typescript(interop_dir: Path) -> None:
    opened = json.loads((interop_dir / "py.opened.json").read_text())
    with (interop_dir / "py.bid").open("rb") as stream:
        info = inspect(stream)
    assert opened["digest"] == info.digest.hex()
    assert opened["file_sha256"] == info.file_sha256.hex()
    assert opened["form_json"] == FORM
    assert opened["price_fen"] == 9876543210
    assert opened["signer_cert_sha256"] == info.header.bidder_cert_sha256
    names = {f["name"]: f for f in opened["files"]}
    assert set(names) == {"投标函.txt", "big.bin"}
    big = bytes(i % 253 for i in range(200_000))
    assert names["big.bin"]["size"] == len(big)
    assert names["big.bin"]["sha256"] == hashlib.sha256(big).hexdigest()
    assert names["投标函.txt"]["sha256"] == hashlib.sha256("投标函 正文\n".encode()).hexdigest()
