"""A 300 MiB object streams through each backend with flat memory and an intact SHA-256.

The transfer runs in a fresh interpreter (bigstream.py) so that its peak RSS measures this
transfer alone; 300 MiB is far above the 64 MiB growth allowed, so any buffering of the
whole object (or a large fraction of it) fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.fixtures.s3server import S3Server

SIZE_MIB = 300
MAX_GROWTH_MIB = 64
SCRIPT = Path(__file__).with_name("bigstream.py")
REPO = Path(__file__).resolve().parents[2]


def run_bigstream(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--size-mib", str(SIZE_MIB), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def check(result: dict[str, object]) -> None:
    size = SIZE_MIB * 1024 * 1024
    assert result["size"] == result["received"] == size
    assert result["sha256_sent"] == result["sha256_put"] == result["sha256_got"]
    growth_mib = (int(str(result["rss_after_kib"])) - int(str(result["rss_before_kib"]))) / 1024
    assert growth_mib < MAX_GROWTH_MIB, f"peak RSS grew by {growth_mib:.1f} MiB: {result}"


def test_big_object_local(tmp_path: Path) -> None:
    root = tmp_path / "store"
    try:
        check(run_bigstream("--backend", "local", "--root", str(root)))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_big_object_s3(s3_server: S3Server) -> None:
    bucket = s3_server.create_bucket("big")
    result = run_bigstream(
        "--backend",
        "s3",
        "--endpoint",
        s3_server.endpoint,
        "--bucket",
        bucket,
        "--access-key",
        s3_server.access_key,
        "--secret-key",
        s3_server.secret_key,
        "--region",
        s3_server.region,
        "--part-size-mib",
        "16",
    )
    check(result)
    # free moto's memory for the rest of the session
    client = s3_server.client()
    for obj in client.list_objects(bucket, recursive=True, include_version=True):
        client.remove_object(bucket, obj.object_name, version_id=obj.version_id)
