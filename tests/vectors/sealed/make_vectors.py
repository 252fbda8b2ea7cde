"""Regenerate the sealed-bid test vectors in this directory (``docs/sealed-bid-format.md`` §"Test vectors").

    .venv/bin/python tests/vectors/sealed/make_vectors.py            # rewrite package.bid + vector.json
    .venv/bin/python tests/vectors/sealed/make_vectors.py --new-keys # also new keys and certificates

The keys and certificates are test material only. Randomness is replaced by the counter RNG:
block i = SHA-256(seed || uint64_be(i)); each request for n bytes takes the next ceil(n/32)
blocks and uses their first n bytes. The writer draws, in order: data key (32), kdf_salt (32),
then per recipient: CEK (32), IV (16), then the OAEP seed (32, RSA) or the ephemeral EC scalar
(32, EC P-256, redrawn while not in 1..n-1). The signer key is RSA (PKCS#1 v1.5 signatures are
deterministic), so the whole package is reproducible byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crypto.sealed import SealResult, inspect, seal  # noqa: E402
from crypto.sealed.keys import key_commitment, part_keys  # noqa: E402

SEED = b"bidseal test vector 1"
NOW = datetime(2026, 11, 23, 2, 0, 0, tzinfo=UTC)
PROJECT = "FZ-2026-0001"
LOT = "01"
SEGMENT_SIZE = 64
FORM = json.dumps(
    {"bidder": "福州示例建设有限公司", "price_fen": 123456789, "period_days": 180, "quality": "合格"},
    ensure_ascii=False,
    separators=(",", ":"),
).encode("utf-8")
BODY = bytes(i % 251 for i in range(300))  # 5 segments of 64 bytes: 4 full, the last 44 bytes
KEY_FILES = ("signer", "recipient-rsa", "recipient-ec")


class CounterRandom:
    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self.counter = 0

    def token_bytes(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:n]


def load_party(name: str) -> tuple[object, x509.Certificate]:
    key = serialization.load_pem_private_key((HERE / f"{name}-key.pem").read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate((HERE / f"{name}-cert.pem").read_bytes())
    return key, cert


def seal_vector() -> tuple[bytes, SealResult]:
    signer_key, signer_cert = load_party("signer")
    recipients = [load_party("recipient-rsa")[1], load_party("recipient-ec")[1]]
    out = io.BytesIO()
    result = seal(
        FORM,
        io.BytesIO(BODY),
        out,
        project_id=PROJECT,
        lot_id=LOT,
        recipients=recipients,
        signer_key=signer_key,  # type: ignore[arg-type]
        signer_cert=signer_cert,
        now=NOW,
        segment_size=SEGMENT_SIZE,
        rng=CounterRandom(SEED),
    )
    return out.getvalue(), result


def describe(package: bytes) -> dict[str, object]:
    info = inspect(io.BytesIO(package))
    header = info.header
    data_key = CounterRandom(SEED).token_bytes(32)
    form_keys = part_keys(data_key, header.kdf_salt, header.sha256, "form")
    body_keys = part_keys(data_key, header.kdf_salt, header.sha256, "body")
    assert key_commitment(data_key, header.kdf_salt) == header.key_commitment
    return {
        "description": "bidseal v1 test vector: RSA-2048 signer, RSA-2048 and EC P-256 recipients",
        "rng": "block i = SHA-256(seed || uint64_be(i)); n bytes = first n bytes of the next ceil(n/32) blocks",
        "rng_seed_utf8": SEED.decode(),
        "created_at": "2026-11-23T02:00:00Z",
        "project_id": PROJECT,
        "lot_id": LOT,
        "segment_size": SEGMENT_SIZE,
        "form_json_utf8": FORM.decode("utf-8"),
        "body_hex": BODY.hex(),
        "data_key_hex": data_key.hex(),
        "kdf_salt_hex": header.kdf_salt.hex(),
        "key_commitment_hex": header.key_commitment.hex(),
        "header_sha256_hex": header.sha256.hex(),
        "form_key_hex": form_keys.key.hex(),
        "form_nonce_prefix_hex": form_keys.nonce_prefix.hex(),
        "form_binding_tag_hex": form_keys.binding_tag.hex(),
        "body_key_hex": body_keys.key.hex(),
        "body_nonce_prefix_hex": body_keys.nonce_prefix.hex(),
        "body_binding_tag_hex": body_keys.binding_tag.hex(),
        "form_offset": info.form_offset,
        "body_offset": info.body_offset,
        "trailer_offset": info.trailer_offset,
        "package_size": info.package_size,
        "body_segments": info.body_segments,
        "package_digest_sha256_hex": info.digest.hex(),
        "file_sha256_hex": info.file_sha256.hex(),
        "package_sha256_base64": base64.b64encode(info.file_sha256).decode(),
        "recipients": [
            {"cert_file": "recipient-rsa-cert.pem", "key_file": "recipient-rsa-key.pem", "kind": "rsa-oaep"},
            {"cert_file": "recipient-ec-cert.pem", "key_file": "recipient-ec-key.pem", "kind": "ecdh-p256"},
        ],
        "signer": {"cert_file": "signer-cert.pem", "key_file": "signer-key.pem"},
    }


def new_keys() -> None:
    from crypto.ca import create_ca, make_csr, make_key
    from crypto.subject import PlatformSubject

    ca = create_ca("示例交易中心(测试向量)", "ec-p256", NOW, "https://ebid.example.cn")
    subjects = {
        "signer": (PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder"), "rsa2048"),
        "recipient-rsa": (PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder"), "rsa2048"),
        "recipient-ec": (PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder"), "ec-p256"),
    }
    for name, (subject, key_type) in subjects.items():
        key = make_key(key_type)  # type: ignore[arg-type]
        cert = ca.issue_from_csr(make_csr(key, subject).public_bytes(serialization.Encoding.PEM), "bidder", NOW)
        (HERE / f"{name}-key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (HERE / f"{name}-cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (HERE / "ca-issuing-cert.pem").write_bytes(ca.issuing_cert.public_bytes(serialization.Encoding.PEM))


def main() -> None:
    if "--new-keys" in sys.argv:
        new_keys()
    package, _ = seal_vector()
    (HERE / "package.bid").write_bytes(package)
    (HERE / "vector.json").write_text(
        json.dumps(describe(package), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {HERE / 'package.bid'} ({len(package)} bytes) and vector.json")


if __name__ == "__main__":
    main()
