"""Streaming put/get throughput of one big object on each storage backend, against raw disk speed.

    python bench/storage_bench.py [--size-mib 1024] [--backends local,s3] [--part-size-mib 16]
                                  [--dir DIR] [--no-verify]

* local: a LocalObjectStore in a temp dir under --dir (default: the directory holding the repo,
  i.e. the same disk as /work);
* s3: an S3ObjectStore against a moto server subprocess started here (moto is a Python mock:
  its figures bound the client code from below, they are not MinIO's);
* dd: ``dd if=/dev/zero of=<dir>/tmp bs=1M count=<N> conv=fdatasync``, the disk's raw
  sequential write speed in the same run; each figure is also given as a ratio to it.

The source is an async generator of unknown length (one random 1 MiB block repeated), as
an HTTP upload body would be. Gets are timed without hashing; --verify (default) then re-reads
the object and checks its SHA-256, untimed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storage import LocalObjectStore, ObjectStore, S3ObjectStore  # noqa: E402

MIB = 1 << 20
KEY = "bench/object"


@dataclass
class Row:
    backend: str
    op: str
    seconds: float
    size: int

    @property
    def mib_s(self) -> float:
        return self.size / MIB / self.seconds


def dd_write_speed(directory: Path, size_mib: int) -> Row:
    """Raw sequential write speed of the disk holding ``directory``, fsynced like the store."""
    target = directory / "dd.tmp"
    try:
        done = subprocess.run(
            ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={size_mib}", "conv=fdatasync"],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        target.unlink(missing_ok=True)
    match = re.search(r"(\d+) bytes.*copied, ([0-9.,]+) s", done.stderr)
    if not match:
        raise RuntimeError(f"cannot parse dd output: {done.stderr!r}")
    return Row("dd", "write", float(match.group(2).replace(",", ".")), int(match.group(1)))


async def source(block: bytes, count: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield block


async def measure(store: ObjectStore, label: str, block: bytes, count: int, verify: bool) -> list[Row]:
    size = len(block) * count
    expected = hashlib.sha256()
    for _ in range(count):
        expected.update(block)

    started = time.perf_counter()
    info = await store.put(KEY, source(block, count))
    put = Row(label, "put", time.perf_counter() - started, size)
    if info.sha256 != expected.hexdigest() or info.size != size:
        raise SystemExit(f"{label}: put reported {info.size} bytes, sha256 {info.sha256}")

    received = 0
    started = time.perf_counter()
    async for chunk in store.open(KEY):
        received += len(chunk)
    get = Row(label, "get", time.perf_counter() - started, size)
    if received != size:
        raise SystemExit(f"{label}: got {received} of {size} bytes")

    if verify:
        digest = hashlib.sha256()
        async for chunk in store.open(KEY):
            digest.update(chunk)
        if digest.hexdigest() != expected.hexdigest():
            raise SystemExit(f"{label}: content read back differs from what was written")
    await store.delete(KEY)
    return [put, get]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server(log: Path) -> Iterator[str]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start; see {log}") from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


async def run(args: argparse.Namespace, workdir: Path) -> list[Row]:
    block = os.urandom(MIB)
    count = args.size_mib
    rows: list[Row] = []
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "local" in backends:
        local = LocalObjectStore(workdir / "local", signing_key=b"b" * 32, base_url="http://127.0.0.1")
        rows += await measure(local, "local", block, count, args.verify)
        await local.aclose()
    if "s3" in backends:
        with moto_server(workdir / "moto.log") as endpoint:
            s3 = S3ObjectStore(
                endpoint=endpoint,
                access_key="bench",
                secret_key="bench-secret",
                bucket="bench",
                secure=False,
                region="us-east-1",
                part_size=args.part_size_mib * MIB,
            )
            await s3.ensure_bucket(object_lock=True)
            rows += await measure(s3, "s3 (moto)", block, count, args.verify)
            await s3.aclose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--backends", default="local,s3")
    parser.add_argument("--part-size-mib", type=int, default=16)
    parser.add_argument("--dir", type=Path, default=REPO.parent, help="where the local store and dd write")
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix=".storage-bench-", dir=args.dir))
    try:
        dd = dd_write_speed(workdir, args.size_mib)
        rows = asyncio.run(run(args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"object {args.size_mib} MiB, S3 part size {args.part_size_mib} MiB, disk of {args.dir}")
    print(f"dd write (bs=1M conv=fdatasync): {dd.seconds:.2f} s = {dd.mib_s:.0f} MiB/s\n")
    print(f"{'backend':<10} {'op':<4} {'seconds':>8} {'MiB/s':>8} {'vs dd write':>12}")
    for row in rows:
        print(f"{row.backend:<10} {row.op:<4} {row.seconds:>8.2f} {row.mib_s:>8.0f} {row.mib_s / dd.mib_s:>12.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MiB (local gets are served from the page cache)")


if __name__ == "__main__":
    main()
