"""Stream one big pseudo-random object through a store and back; print JSON.

Run as a separate process by test_big_object.py so that ru_maxrss (peak RSS) measures this
transfer alone. Data is generated on the fly (os.urandom blocks) and hashed as it is produced,
so the script itself never holds more than one block.

    python tests/storage/bigstream.py --backend local --root /tmp/x --size-mib 300
    python tests/storage/bigstream.py --backend s3 --endpoint 127.0.0.1:9000 --bucket b \
        --access-key K --secret-key S --size-mib 300 --part-size-mib 16
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import resource
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from storage import LocalObjectStore, ObjectStore, S3ObjectStore

BLOCK = 1 << 20


def peak_rss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


async def random_source(size: int, hasher: hashlib._Hash) -> AsyncIterator[bytes]:
    sent = 0
    while sent < size:
        block = os.urandom(min(BLOCK, size - sent))
        hasher.update(block)
        sent += len(block)
        yield block


def make_store(args: argparse.Namespace) -> ObjectStore:
    if args.backend == "local":
        return LocalObjectStore(Path(args.root), signing_key=b"k" * 32, base_url="http://127.0.0.1")
    return S3ObjectStore(
        endpoint=args.endpoint,
        access_key=args.access_key,
        secret_key=args.secret_key,
        bucket=args.bucket,
        secure=False,
        region=args.region,
        part_size=args.part_size_mib * BLOCK,
    )


async def main(args: argparse.Namespace) -> dict[str, object]:
    store = make_store(args)
    size = args.size_mib * BLOCK
    # Warm up (imports, threads, connection pool) so "before" is the steady baseline.
    await store.put("warmup", io.BytesIO(b"x" * 1000))
    async for _ in store.open("warmup"):
        pass
    rss_before = peak_rss_kib()

    sent_hash = hashlib.sha256()
    started = time.perf_counter()
    info = await store.put("big/object", random_source(size, sent_hash))
    put_s = time.perf_counter() - started

    got_hash = hashlib.sha256()
    received = 0
    started = time.perf_counter()
    async for chunk in store.open("big/object"):
        got_hash.update(chunk)
        received += len(chunk)
    get_s = time.perf_counter() - started
    rss_after = peak_rss_kib()
    await store.aclose()
    return {
        "backend": args.backend,
        "size": size,
        "received": received,
        "sha256_sent": sent_hash.hexdigest(),
        "sha256_put": info.sha256,
        "sha256_got": got_hash.hexdigest(),
        "put_seconds": round(put_s, 3),
        "get_seconds": round(get_s, 3),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["local", "s3"], required=True)
    parser.add_argument("--size-mib", type=int, default=300)
    parser.add_argument("--root")
    parser.add_argument("--endpoint")
    parser.add_argument("--bucket")
    parser.add_argument("--access-key", default="testing-access-key")
    parser.add_argument("--secret-key", default="testing-secret-key")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--part-size-mib", type=int, default=16)
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args()))))
