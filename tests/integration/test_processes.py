"""Real processes: `bidding serve` (two app processes) and `bidding worker`, on both profiles.

The production run uses PostgreSQL, external Redis and the S3 endpoint, with the worker in its
own process; the embedded run starts only `bidding serve` and relies on the in-process worker and
the embedded Redis. Both enqueue a job over HTTP and check it ran exactly once.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.fixtures.processes import running_stack

pytestmark = pytest.mark.slow


@pytest.fixture
def stack(profile: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, str]]]:
    with running_stack(profile, tmp_path, request, name="proc") as running:
        yield running.base, running.env
    logs = running.logs()
    assert '"level": "error"' not in logs, logs[-4000:]
    assert all(c in (0, -signal.SIGTERM) for c in running.codes), (running.codes, logs[-4000:])


def test_job_over_http_runs_once_across_processes(stack: tuple[str, dict[str, str]], profile: str) -> None:
    base, env = stack
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    # Put an object through the platform's own store code, configured exactly as the server is.
    data = os.urandom(2 * 1024 * 1024 + 3)
    key = f"proc/{secrets.token_hex(6)}.bin"
    script = (
        "import asyncio,sys\n"
        "from bidding.core.settings import Settings\nfrom bidding.core.platform import build_store\n"
        "async def main():\n"
        "    store = build_store(Settings.from_env())\n"
        f"    info = await store.put({key!r}, sys.stdin.buffer)\n"
        "    print(info.sha256)\n    await store.aclose()\n"
        "asyncio.run(main())\n"
    )
    put = subprocess.run([sys.executable, "-c", script], input=data, env=env, capture_output=True, timeout=60)
    assert put.returncode == 0, put.stderr.decode()
    assert put.stdout.decode().strip() == hashlib.sha256(data).hexdigest()

    payload = {"key": key, "expected_sha256": hashlib.sha256(data).hexdigest(), "idempotency_key": secrets.token_hex(6)}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
        # Several requests with the same idempotency key land on either app process.
        answers = [http.post("/api/admin/integrity-checks", json=payload) for _ in range(4)]
        assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
        assert [a.json()["created"] for a in answers].count(True) == 1
        job_id = answers[0].json()["job_id"]
        deadline = time.monotonic() + 30
        while True:
            state = http.get(f"/api/admin/jobs/{job_id}")
            if state.status_code == 200 and state.json()["status"] == "complete":
                break
            assert time.monotonic() < deadline, state.text
            time.sleep(0.1)
        assert state.json()["result"]["intact"] is True
        time.sleep(0.5)
        events = http.get("/api/admin/audit-events", params={"object_type": "object", "object_id": key}).json()
    actions = [e["action"] for e in events]
    assert actions.count("storage.object_verified") == 1, actions
    assert actions.count("storage.integrity_check_requested") == 4


def bidding_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bidding", *args], env=env, capture_output=True, text=True, timeout=60)


def test_cli_enrolment_and_login_with_sessions_across_processes(
    stack: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """keygen → registration → approval → enrol (PKCS#12) → `bidding login`; then the session
    token works on whichever app process answers, and revocation ends it everywhere."""
    from bidding.identity.credit_code import make_credit_code

    base, env = stack
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    code = make_credit_code("91320100" + "".join(secrets.choice("0123456789") for _ in range(9)))
    name = f"进程测试{code[-4:]}建设有限公司"
    user_env = {k: v for k, v in env.items() if not k.startswith("BIDDING_")} | {"P12_PASS": "correct horse"}
    with httpx.Client(base_url=base, timeout=10) as http:
        org = http.post(
            "/api/enrolment/organisations",
            json={"name": name, "credit_code": code, "kind": "bidder", "contact_name": "李四", "contact_phone": "1"},
        ).json()
        enrolment = http.post(f"/api/admin/organisations/{org['id']}/approve", headers=admin).json()["enrolment"]
    keydir = tmp_path / "me"
    made = bidding_cli(
        user_env,
        "keygen",
        "--org",
        name,
        "--credit-code",
        code,
        "--name",
        "张三",
        "--out-dir",
        str(keydir),
        "--passphrase-env",
        "P12_PASS",
    )
    assert made.returncode == 0, made.stderr
    assert b"ENCRYPTED PRIVATE KEY" in (keydir / "key.pem").read_bytes()
    enrolled = bidding_cli(
        user_env,
        "enrol",
        "--url",
        base,
        "--code",
        enrolment["enrolment_code"],
        "--dir",
        str(keydir),
        "--passphrase-env",
        "P12_PASS",
    )
    assert enrolled.returncode == 0, enrolled.stderr
    assert (keydir / "identity.p12").stat().st_mode & 0o077 == 0
    again = bidding_cli(
        user_env,
        "enrol",
        "--url",
        base,
        "--code",
        enrolment["enrolment_code"],
        "--dir",
        str(keydir),
        "--passphrase-env",
        "P12_PASS",
    )
    assert again.returncode == 1 and "enrolment_refused" in again.stderr
    logged = bidding_cli(
        user_env,
        "login",
        "--url",
        base,
        "--p12",
        str(keydir / "identity.p12"),
        "--passphrase-env",
        "P12_PASS",
        "--save",
        str(tmp_path / "session.json"),
    )
    assert logged.returncode == 0, logged.stderr
    import json

    session = json.loads((tmp_path / "session.json").read_text())
    bearer = {"Authorization": f"Bearer {session['token']}"}
    with httpx.Client(base_url=base, timeout=10) as http:
        # New connections each time, so the two app processes both answer some of them.
        answers = [httpx.get(f"{base}/api/auth/me", headers=bearer, timeout=10) for _ in range(12)]
        assert all(a.status_code == 200 and a.json()["credit_code"] == code for a in answers), answers
        revoked = http.post(
            f"/api/admin/certificates/{session['session']['fingerprint']}/revoke",
            json={"reason": "key_compromise"},
            headers=admin,
        )
        assert revoked.status_code == 200, revoked.text
        after = [httpx.get(f"{base}/api/auth/me", headers=bearer, timeout=10) for _ in range(6)]
        assert all(a.status_code == 401 for a in after)
    refused = bidding_cli(
        user_env, "login", "--url", base, "--p12", str(keydir / "identity.p12"), "--passphrase-env", "P12_PASS"
    )
    assert refused.returncode == 1 and "certificate_revoked" in refused.stderr
    wrong_pass = bidding_cli(
        user_env | {"P12_PASS": "wrong"},
        "login",
        "--url",
        base,
        "--p12",
        str(keydir / "identity.p12"),
        "--passphrase-env",
        "P12_PASS",
    )
    assert wrong_pass.returncode == 1 and "wrong passphrase" in wrong_pass.stderr


async def test_pyhanko_http_timestamper_accepts_the_platform_tsa(stack: tuple[str, dict[str, str]]) -> None:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    base, _ = stack
    digest = hashlib.sha256(b"opening record").digest()
    token = await HTTPTimeStamper(f"{base}/pki/tsa").async_timestamp(digest, "sha256")
    root_pem = httpx.get(f"{base}/pki/ca/root.pem").content
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import serialization

    root = asn1_x509.Certificate.load(
        cx509.load_pem_x509_certificate(root_pem).public_bytes(serialization.Encoding.DER)
    )
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    kwargs = await validate_tst_signed_data(
        token["content"], vc, lambda alg: hashlib.new(alg, b"opening record").digest()
    )
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted, status
