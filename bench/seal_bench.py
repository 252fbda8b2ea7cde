"""Seal / unseal throughput of the sealed-bid format against the raw AES-GCM + SHA-256 work.

    python bench/seal_bench.py [--size 2G] [--dir DIR] [--segment-size 1M]

Every measurement runs in its own subprocess, which reports its time and its peak RSS (VmHWM):

* ``baseline seal``: only the raw work of sealing: ``AESGCM.encrypt_into`` on 1 MiB chunks of a
  generated stream into a reused buffer, plus SHA-256 of the output;
* ``seal stream``: ``crypto.sealed.seal`` from a generated stream (one random 1 MiB block
  repeated) to a sink that discards;
* ``seal file``: from a body file to a package file, both in a temp dir under ``--dir`` (default:
  the directory holding the repository, i.e. the /work disk); no fsync;
* ``baseline open``: the raw work of unsealing: read the package in 1 MiB + 21 byte records,
  SHA-256 of everything and ``AESGCM.decrypt_into`` of each segment;
* ``unseal stream``: ``crypto.sealed.open_body`` from a package in /dev/shm (memory) to a sink
  that discards;
* ``unseal file``: package file to body file under ``--dir``.

Ratios are to the baseline of the same direction. ``openssl speed -evp aes-256-gcm`` (and
sha256) are printed beside the figures for scale.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MIB = 1 << 20
SEED = b"seal-bench"


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([KMG]?)(i?B)?", text.strip(), re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 2G, 256M, 1048576)")
    return int(match[1]) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[match[2].upper()]


def vm_hwm_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Generated(io.RawIOBase):
    def __init__(self, size: int, block: bytes) -> None:
        self.left = size
        self.block = block

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left, len(self.block))
        buffer[:n] = self.block[:n]
        self.left -= n
        return n


class Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        return len(data)


class CounterRandom:
    def __init__(self, seed: bytes) -> None:
        self.seed, self.counter = seed, 0

    def token_bytes(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:n]


def parties() -> tuple[object, object, object]:
    """Bidder key + certificate and a recipient certificate (EC P-256), made fresh by the platform CA code."""
    from cryptography.hazmat.primitives import serialization

    from crypto.ca import create_ca, make_csr, make_key
    from crypto.subject import PlatformSubject

    now = datetime.now(UTC)
    ca = create_ca("Bench CA", "ec-p256", now, "https://bench.example")
    subject = PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder")
    bidder_key = make_key("ec-p256")
    pem = serialization.Encoding.PEM
    bidder = ca.issue_from_csr(make_csr(bidder_key, subject).public_bytes(pem), "bidder", now)
    recipient_key = make_key("ec-p256")
    recipient = ca.issue_from_csr(make_csr(recipient_key, subject).public_bytes(pem), "bidder", now)
    return bidder_key, bidder, recipient


def _seal(
    body: io.RawIOBase | io.BufferedReader, out: io.RawIOBase | io.BufferedWriter, seg: int, who: tuple[object, ...]
) -> int:
    from crypto.sealed import seal

    bidder_key, bidder, recipient = who
    result = seal(
        b'{"price_fen":1}',
        body,  # type: ignore[arg-type]
        out,  # type: ignore[arg-type]
        project_id="BENCH",
        lot_id="1",
        recipients=[recipient],  # type: ignore[list-item]
        signer_key=bidder_key,  # type: ignore[arg-type]
        signer_cert=bidder,  # type: ignore[arg-type]
        now=datetime.now(UTC),
        segment_size=seg,
        rng=CounterRandom(SEED),
    )
    return result.body_size


def child(mode: str, size: int, seg: int, block: bytes, paths: dict[str, str]) -> dict[str, float]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    import crypto.sealed  # noqa: F401 - imports are not part of the timed work

    key = CounterRandom(SEED).token_bytes(32)
    who = parties() if "seal " in mode and "unseal" not in mode else ()
    start = time.perf_counter()
    done = size
    if mode == "baseline seal":
        aead = AESGCM(key)
        src = Generated(size, block)
        buf = bytearray(seg)
        out = bytearray(seg + 16)
        view, out_view = memoryview(buf), memoryview(out)
        hasher = hashlib.sha256()
        counter = 0
        while n := src.readinto(view):
            ct = out_view[: n + 16]
            aead.encrypt_into(counter.to_bytes(12, "big"), view[:n], None, ct)
            hasher.update(ct)
            counter += 1
    elif mode == "seal stream":
        done = _seal(Generated(size, block), Discard(), seg, who)
    elif mode == "seal file":
        with open(paths["body"], "rb", buffering=0) as body, open(paths["package"], "wb", buffering=0) as out_file:
            done = _seal(body, out_file, seg, who)
    elif mode == "baseline open":
        from crypto.sealed import locate_body
        from crypto.sealed.keys import part_keys

        with open(paths["shm_package"], "rb", buffering=0) as stream:
            header, offset = locate_body(stream)  # type: ignore[arg-type]
            keys = part_keys(key, header.kdf_salt, header.sha256, "body")
            aead = AESGCM(keys.key)
            stream.seek(0)
            hasher = hashlib.sha256()
            head = stream.read(offset + 36)
            hasher.update(head)
            inbuf = bytearray(seg + 16 + 5)
            inview = memoryview(inbuf)
            outview = memoryview(bytearray(seg))
            counter = 0
            done = 0
            while True:
                rec = stream.readinto(inview[:5])
                if rec != 5 or inbuf[0] not in (0, 1):
                    break
                n = int.from_bytes(inbuf[1:5], "big")
                got = stream.readinto(inview[5 : 5 + n])
                hasher.update(inview[: 5 + n])
                nonce = keys.nonce_prefix + counter.to_bytes(4, "big") + bytes([inbuf[0]])
                aead.decrypt_into(nonce, inview[5 : 5 + got], None, outview[: got - 16])
                done += got - 16
                counter += 1
                if inbuf[0] == 1:
                    break
    elif mode == "unseal stream":
        from crypto.sealed import open_body

        with open(paths["shm_package"], "rb", buffering=0) as stream:
            done = open_body(stream, key, Discard()).body_size  # type: ignore[arg-type]
    elif mode == "unseal file":
        from crypto.sealed import open_body

        with open(paths["package"], "rb", buffering=0) as stream, open(paths["plain"], "wb", buffering=0) as out_file:
            done = open_body(stream, key, out_file).body_size  # type: ignore[arg-type]
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bytes": done, "rss_mib": vm_hwm_mib()}


def run_child(mode: str, args: argparse.Namespace, paths: dict[str, str]) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", mode, "--size", str(args.size)]
    cmd += ["--segment-size", str(args.segment_size), "--paths", json.dumps(paths)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def openssl_speed(algorithm: str) -> str:
    if not shutil.which("openssl"):
        return "(openssl not found)"
    proc = subprocess.run(
        ["openssl", "speed", "-evp", algorithm, "-bytes", "1048576", "-seconds", "2"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return "\n".join(lines[-2:]) if lines else proc.stderr.strip()


def block_of(seed: bytes) -> bytes:
    return b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(MIB // 32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=parse_size, default=2 << 30, help="body size (default 2G)")
    parser.add_argument("--segment-size", type=parse_size, default=MIB, help="segment size (default 1M)")
    parser.add_argument("--dir", type=Path, default=REPO.parent, help="where the file-to-file runs write")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--paths", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    block = block_of(b"body")
    if args.child:
        print(json.dumps(child(args.child, args.size, args.segment_size, block, json.loads(args.paths))))
        return

    size = args.size
    print(f"body {size / MIB:.0f} MiB, segment {args.segment_size / MIB:g} MiB, python {sys.version.split()[0]}")
    rows: list[tuple[str, dict[str, float]]] = []
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="seal-bench-", dir=args.dir) as tmp:
        paths = {
            "body": os.path.join(tmp, "body.bin"),
            "package": os.path.join(tmp, "package.bid"),
            "plain": os.path.join(tmp, "plain.bin"),
            "shm_package": os.path.join(str(shm) if shm else tmp, f"seal-bench-{os.getpid()}.bid"),
        }
        try:
            with open(paths["body"], "wb") as body:  # untimed input for the file runs
                left = size
                while left:
                    left -= body.write(block[: min(left, len(block))])
            rows.append(("baseline seal", run_child("baseline seal", args, paths)))
            rows.append(("seal stream", run_child("seal stream", args, paths)))
            rows.append(("seal file", run_child("seal file", args, paths)))
            os.unlink(paths["body"])
            shutil.copyfile(paths["package"], paths["shm_package"])  # untimed: the package in memory
            rows.append(("baseline open", run_child("baseline open", args, paths)))
            rows.append(("unseal stream", run_child("unseal stream", args, paths)))
            os.unlink(paths["shm_package"])
            rows.append(("unseal file", run_child("unseal file", args, paths)))
        finally:
            if os.path.exists(paths["shm_package"]):
                os.unlink(paths["shm_package"])
    base = {"seal": rows[0][1], "unseal": rows[3][1]}
    print(f"\n{'run':<15}{'seconds':>9}{'MiB/s':>9}{'vs baseline':>13}{'peak RSS MiB':>14}")
    for name, row in rows:
        direction = "seal" if "seal" in name and "unseal" not in name else "unseal"
        if name == "baseline open":
            direction = "unseal"
        mib_s = row["bytes"] / MIB / row["seconds"]
        ref = base[direction]
        ratio = (ref["seconds"] / ref["bytes"]) / (row["seconds"] / row["bytes"])
        print(f"{name:<15}{row['seconds']:>9.2f}{mib_s:>9.0f}{ratio:>12.2f}x{row['rss_mib']:>14.0f}")
    print("\nopenssl speed -evp aes-256-gcm -bytes 1048576 -seconds 2:")
    print(openssl_speed("aes-256-gcm"))
    print("openssl speed -evp sha256 -bytes 1048576 -seconds 2:")
    print(openssl_speed("sha256"))


if __name__ == "__main__":
    main()
