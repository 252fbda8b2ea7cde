"""The `bidding` command on a fresh data directory (embedded default)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.processes import clean_env

pytestmark = pytest.mark.slow


def run(args: list[str], tmp: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = clean_env() | {"BIDDING_DATA_DIR": str(tmp / "var"), "BIDDING_FRONTEND_DIR": str(tmp / "nofrontend"), **extra}
    return subprocess.run(
        [sys.executable, "-m", "bidding", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_migrate_demo_and_doctor_on_a_fresh_machine(tmp_path: Path) -> None:
    check = run(["migrate", "--check"], tmp_path)
    assert check.returncode == 1 and "schema at nothing" in check.stdout
    assert run(["migrate"], tmp_path).returncode == 0
    assert run(["migrate", "--check"], tmp_path).returncode == 0

    first = run(["demo"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo data loaded: 9 organisations, 9 projects" in first.stderr
    assert "operator token: " in first.stderr
    again = run(["demo"], tmp_path)
    assert again.returncode == 0 and "demo data already present: nothing added" in again.stderr

    doctor = run(["doctor"], tmp_path)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "✓ database: sqlite" in doctor.stdout and "✓ storage: local" in doctor.stdout
    assert "✗ frontend" in doctor.stdout and "make frontend" in doctor.stdout
    # The embedded Redis was stopped with the commands that started it.
    assert not (tmp_path / "var" / "redis" / "redis.sock").exists()


def test_doctor_names_what_is_unreachable(tmp_path: Path) -> None:
    result = run(
        ["doctor"],
        tmp_path,
        BIDDING_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        BIDDING_REDIS_URL="redis://127.0.0.1:1/0",
        BIDDING_SECRET_KEY="k" * 40,
    )
    assert result.returncode == 1
    assert "✗ database" in result.stdout and "✗ redis" in result.stdout and "fix:" in result.stdout


def test_settings_markdown_lists_every_variable(tmp_path: Path) -> None:
    out = run(["settings", "--markdown"], tmp_path).stdout
    assert "`BIDDING_DATABASE_URL`" in out and "`BIDDING_STORAGE_PART_SIZE_MIB`" in out


def test_serve_refuses_an_unmigrated_production_database(tmp_path: Path, fresh_pg_url: str) -> None:
    from tests.conftest import REDIS_URL, SECRET_KEY

    result = run(
        ["serve", "--port", "18999"],
        tmp_path,
        BIDDING_DATABASE_URL=fresh_pg_url,
        BIDDING_REDIS_URL=REDIS_URL,
        BIDDING_SECRET_KEY=SECRET_KEY,
    )
    assert result.returncode == 1
    assert "run `bidding migrate`" in result.stderr and "Traceback" not in result.stderr


def test_operator_ca_commands(tmp_path: Path) -> None:
    """`bidding ca issue|revoke|crl` against the database, on the demo's organisations."""
    from cryptography import x509

    from bidding.demo.seed import organisation_codes

    assert run(["demo"], tmp_path).returncode == 0
    code = organisation_codes()["bidder2"]
    made = run(
        [
            "keygen",
            "--org",
            "江苏省华建建设股份有限公司",
            "--credit-code",
            code,
            "--name",
            "王芳",
            "--key-type",
            "rsa3072",
            "--out-dir",
            str(tmp_path / "u"),
        ],
        tmp_path,
    )
    assert made.returncode == 0, made.stderr
    # A second keygen into the same place never overwrites a private key.
    assert (
        run(
            ["keygen", "--org", "x", "--credit-code", code, "--name", "y", "--out-dir", str(tmp_path / "u")], tmp_path
        ).returncode
        == 1
    )

    issued = run(
        [
            "ca",
            "issue",
            "--csr",
            str(tmp_path / "u" / "csr.pem"),
            "--role",
            "bidder",
            "--days",
            "30",
            "--out",
            str(tmp_path / "u" / "cert.pem"),
        ],
        tmp_path,
    )
    assert issued.returncode == 0, issued.stderr
    cert = x509.load_pem_x509_certificate((tmp_path / "u" / "cert.pem").read_bytes())
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30
    wrong_role = run(["ca", "issue", "--csr", str(tmp_path / "u" / "csr.pem"), "--role", "admin"], tmp_path)
    assert wrong_role.returncode == 1 and "may hold the roles bidder" in wrong_role.stderr

    serial = format(cert.serial_number, "x")
    revoked = run(["ca", "revoke", serial, "--reason", "superseded"], tmp_path)
    assert revoked.returncode == 0 and f"revoked {serial} (superseded)" in revoked.stdout
    twice = run(["ca", "revoke", serial], tmp_path)
    assert twice.returncode == 1 and "already revoked" in twice.stderr
    assert run(["ca", "revoke", "ffff", "--reason", "bogus"], tmp_path).returncode == 1

    assert run(["ca", "crl", "--pem", "--out", str(tmp_path / "crl.pem")], tmp_path).returncode == 0
    crl = x509.load_pem_x509_crl((tmp_path / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    issuing = x509.load_pem_x509_certificate((tmp_path / "var" / "pki" / "issuing.pem").read_bytes())
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]


def test_production_refuses_to_start_without_a_ca(tmp_path: Path) -> None:
    result = run(
        ["ca", "crl", "--out", str(tmp_path / "x.crl")],
        tmp_path,
        BIDDING_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        BIDDING_REDIS_URL="redis://127.0.0.1:1/0",
        BIDDING_SECRET_KEY="k" * 40,
    )
    assert result.returncode == 1
    assert "no CA in" in result.stderr and "bidding ca init" in result.stderr


def test_ca_init_makes_the_log_key_beside_the_ca(tmp_path: Path) -> None:
    """Production's first step makes the transparency log's key too, so its workers can sign
    checkpoints from the start; the key is not replaced by a second run."""
    production = {
        "BIDDING_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none",
        "BIDDING_REDIS_URL": "redis://127.0.0.1:1/0",
        "BIDDING_SECRET_KEY": "k" * 40,
        "BIDDING_LOG_ORIGIN": "ggzy.example.cn/log",
    }
    made = run(["ca", "init"], tmp_path, **production)
    assert made.returncode == 0, made.stderr
    key = tmp_path / "var" / "pki" / "log-key"
    assert key.read_text().startswith("PRIVATE+KEY+ggzy.example.cn/log+")
    (vkey,) = [line.split()[1] for line in made.stdout.splitlines() if line.startswith("log:")]
    assert vkey.startswith("ggzy.example.cn/log+")
    again = run(["ca", "init"], tmp_path, **production)
    assert again.returncode == 0 and f"log:     {vkey}" in again.stdout
    assert run(["log", "vkey"], tmp_path, **production).stdout.strip() == vkey
