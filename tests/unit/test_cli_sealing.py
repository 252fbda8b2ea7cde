"""`bidding seal`, `unseal` and `inspect` through click's CliRunner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bidding.submission.cli import inspect, seal, unseal
from tests.fixtures.sealed import Party, party


def _write(tmp: Path, name: str, who: Party, password: bytes | None = None) -> tuple[Path, Path]:
    cert = tmp / f"{name}.pem"
    key = tmp / f"{name}-key.pem"
    cert.write_bytes(who.cert_pem())
    key.write_bytes(who.key_pem(password))
    return cert, key


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    bidder_cert, bidder_key = _write(tmp_path, "bidder", party("ec-p256"), b"s3cret")
    centre_cert, centre_key = _write(tmp_path, "centre", party("rsa2048", "centre"))
    other_cert, other_key = _write(tmp_path, "other", party("ec-p256", "centre"))
    form = tmp_path / "form.json"
    form.write_text(json.dumps({"price_fen": 98765400, "工期": "180日历天"}, ensure_ascii=False), encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "技术标.pdf").write_bytes(os.urandom(300_000))
    (docs / "sub").mkdir()
    (docs / "sub" / "附件.txt").write_text("附件", encoding="utf-8")
    extra = tmp_path / "商务标.pdf"
    extra.write_bytes(b"%PDF-1.7 business")
    return {
        "tmp": tmp_path, "bidder_cert": bidder_cert, "bidder_key": bidder_key, "centre_cert": centre_cert,
        "centre_key": centre_key, "other_cert": other_cert, "other_key": other_key, "form": form,
        "docs": docs, "extra": extra,
    }  # fmt: skip


def _seal(s: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return [
        "--form", str(s["form"]), "--recipient", str(s["centre_cert"]), "--cert", str(s["bidder_cert"]),
        "--key", str(s["bidder_key"]), "--key-password-env", "BIDKEY", "--project", "FZ-2026-0001", "--lot", "01",
        "--out", str(out), *extra, str(s["docs"]), str(s["extra"]),
    ]  # fmt: skip


def test_seal_inspect_unseal(setup: dict[str, Path]) -> None:
    runner = CliRunner()
    pkg = setup["tmp"] / "bid.bid"
    result = runner.invoke(seal, _seal(setup, pkg), env={"BIDKEY": "s3cret"})
    assert result.exit_code == 0, result.output
    assert "sealed" in result.output and pkg.exists()
    assert not [p for p in setup["tmp"].iterdir() if p.name.endswith(".partial")]

    shown = runner.invoke(inspect, [str(pkg)])
    assert shown.exit_code == 0, shown.output
    assert "signature valid" in shown.output and "FZ-2026-0001" in shown.output and "rsa-oaep" in shown.output
    as_json = runner.invoke(inspect, [str(pkg), "--json"])
    info = json.loads(as_json.output)
    assert info["ok"] and info["bidder_credit_code"] == "91350100M000100Y43"
    assert info["sizes"]["package"] == pkg.stat().st_size and info["signature"]["status"] == "valid"

    out_dir = setup["tmp"] / "opened"
    opened = runner.invoke(
        unseal,
        [str(pkg), "--key", str(setup["centre_key"]), "--cert", str(setup["centre_cert"]), "--out-dir", str(out_dir)],
    )
    assert opened.exit_code == 0, opened.output
    assert "98765400 fen" in opened.output
    assert json.loads((out_dir / "form.json").read_text(encoding="utf-8"))["price_fen"] == 98765400
    assert (out_dir / "files" / "docs" / "技术标.pdf").read_bytes() == (setup["docs"] / "技术标.pdf").read_bytes()
    assert (out_dir / "files" / "docs" / "sub" / "附件.txt").read_text(encoding="utf-8") == "附件"
    assert (out_dir / "files" / "商务标.pdf").read_bytes() == b"%PDF-1.7 business"

    tar_dir = setup["tmp"] / "as-tar"
    kept = runner.invoke(
        unseal,
        [str(pkg), "--key", str(setup["centre_key"]), "--cert", str(setup["centre_cert"]), "--out-dir", str(tar_dir),
         "--no-extract"],
    )  # fmt: skip
    assert kept.exit_code == 0, kept.output
    assert sorted(p.name for p in tar_dir.iterdir()) == ["body.tar", "form.json"]


def test_seal_errors(setup: dict[str, Path]) -> None:
    runner = CliRunner()
    pkg = setup["tmp"] / "x.bid"
    no_password = runner.invoke(seal, _seal(setup, pkg), env={})
    assert no_password.exit_code == 1 and "BIDKEY" in no_password.output
    wrong = runner.invoke(seal, _seal(setup, pkg), env={"BIDKEY": "nope"})
    assert wrong.exit_code == 1 and "wrong password" in wrong.output
    for bad in ('{"price_fen": 12.5}', '{"price": 1}', "not json", '{"price_fen": -3}'):
        setup["form"].write_text(bad, encoding="utf-8")
        result = runner.invoke(seal, _seal(setup, pkg), env={"BIDKEY": "s3cret"})
        assert result.exit_code == 1 and "invalid_form" in result.output, result.output
        assert "Traceback" not in result.output
    assert not pkg.exists()
    setup["form"].write_text('{"price_fen": 1}', encoding="utf-8")
    missing = runner.invoke(seal, [*_seal(setup, pkg), str(setup["tmp"] / "missing.pdf")], env={"BIDKEY": "s3cret"})
    assert missing.exit_code == 1 and "no such file" in missing.output
    not_cert = runner.invoke(
        seal,
        [*_seal(setup, pkg)[:2], "--recipient", str(setup["form"]), *_seal(setup, pkg)[4:]],
        env={"BIDKEY": "s3cret"},
    )
    assert not_cert.exit_code == 1 and "not an X.509 certificate" in not_cert.output
    assert not pkg.exists()


def test_unseal_and_inspect_errors(setup: dict[str, Path]) -> None:
    runner = CliRunner()
    pkg = setup["tmp"] / "bid.bid"
    assert runner.invoke(seal, _seal(setup, pkg), env={"BIDKEY": "s3cret"}).exit_code == 0
    data = pkg.read_bytes()

    out_dir = setup["tmp"] / "o1"
    other = runner.invoke(
        unseal,
        [str(pkg), "--key", str(setup["other_key"]), "--cert", str(setup["other_cert"]), "--out-dir", str(out_dir)],
    )
    assert other.exit_code == 1 and "not_a_recipient" in other.output and "接收方" in other.output
    assert not out_dir.exists()

    # a flipped bit in the last body segment: nothing is left behind
    damaged = setup["tmp"] / "damaged.bid"
    info = json.loads(runner.invoke(inspect, [str(pkg), "--json"]).output)
    flip = bytearray(data)
    flip[info["offsets"]["trailer"] - 20] ^= 1
    damaged.write_bytes(bytes(flip))
    result = runner.invoke(
        unseal,
        [
            str(damaged),
            "--key",
            str(setup["centre_key"]),
            "--cert",
            str(setup["centre_cert"]),
            "--out-dir",
            str(out_dir),
        ],
    )
    assert result.exit_code == 1 and "segment_authentication_failed" in result.output
    assert not out_dir.exists()
    assert not [p for p in setup["tmp"].iterdir() if p.name.endswith(".partial")]
    bad = runner.invoke(inspect, [str(damaged)])
    assert bad.exit_code == 1 and "signature_invalid" in bad.output and "Traceback" not in bad.output
    bad_json = runner.invoke(inspect, [str(damaged), "--json"])
    assert bad_json.exit_code == 1 and '"code": "signature_invalid"' in bad_json.output

    truncated = setup["tmp"] / "cut.bid"
    truncated.write_bytes(data[: len(data) // 2])
    cut = runner.invoke(inspect, [str(truncated)])
    assert cut.exit_code == 1 and "truncated" in cut.output

    not_pkg = runner.invoke(inspect, [str(setup["form"])])
    assert not_pkg.exit_code == 1 and "not_a_package" in not_pkg.output
    missing = runner.invoke(inspect, [str(setup["tmp"] / "nope.bid")])
    assert missing.exit_code == 1 and "cannot read" in missing.output

    busy = setup["tmp"] / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    occupied = runner.invoke(
        unseal,
        [str(pkg), "--key", str(setup["centre_key"]), "--cert", str(setup["centre_cert"]), "--out-dir", str(busy)],
    )
    assert occupied.exit_code == 1 and "not an empty directory" in occupied.output
